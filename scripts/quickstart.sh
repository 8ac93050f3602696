#!/usr/bin/env bash
# Installs what influmap needs (Debian 12, as root or with sudo), builds it
# and renders the default maps in styles/ into out/ as PNG, SVG and PDF.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
install_deps
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DINFLUMAP_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"
mkdir -p out
for spec in styles/latam-overview.yaml styles/world-robinson.yaml styles/pacific.yaml; do
  name=$(basename "$spec" .yaml)
  for fmt in png svg pdf; do
    ./build/influmap render "$spec" -o "out/$name.$fmt"
    echo "out/$name.$fmt"
  done
done
