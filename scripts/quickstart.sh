#!/usr/bin/env bash
# Installs what influmap needs (Debian 12, as root or with sudo), builds it
# and renders every map spec in styles/ into out/ as PNG, SVG and PDF.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
install_deps
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DINFLUMAP_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"
mkdir -p out
# A map spec has a top-level map: key; style sheets (vric.yaml) have none.
specs=()
for spec in styles/*.yaml; do
  if grep -q '^map:' "$spec"; then
    specs+=("$spec")
  fi
done
if [ ${#specs[@]} -eq 0 ]; then
  echo "quickstart: no map specs in styles/" >&2
  exit 1
fi
start=$(date +%s.%N)
files=0
for spec in "${specs[@]}"; do
  name=$(basename "$spec" .yaml)
  for fmt in png svg pdf; do
    ./build/influmap render "$spec" -o "out/$name.$fmt"
    echo "out/$name.$fmt"
    files=$((files + 1))
  done
done
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v m="${#specs[@]}" -v f="$files" \
  'BEGIN { printf "rendered %d maps (%d files) in %.1f s\n", m, f, e - s }'
