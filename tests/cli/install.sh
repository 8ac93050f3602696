#!/usr/bin/env bash
# Installs the build into a scratch prefix, then builds examples/render.c
# against it with pkg-config alone and renders a map with it: the library,
# headers and influmap.pc are usable by another program.
set -uo pipefail
build=$1 src=$2 scratch=$3 extra_cflags=${4:-}
rm -rf "$scratch" && mkdir -p "$scratch"
prefix=$scratch/prefix
pass=0 fail=0
check() { if eval "$2"; then echo "ok - $1"; pass=$((pass + 1)); else echo "not ok - $1"; fail=$((fail + 1)); fi; }

check "cmake --install" "cmake --install '$build' --prefix '$prefix' >'$scratch/install.log' 2>&1"
check "headers installed" "[ -f '$prefix/include/influmap/influmap.h' ] && [ -f '$prefix/include/influmap/version.h' ]"
check "command installed" "'$prefix/bin/influmap' --version | grep -q '^influmap [0-9]'"
pc=$(find "$prefix" -name influmap.pc | head -1)
check "influmap.pc installed" "[ -n '$pc' ]"
export PKG_CONFIG_PATH=$(dirname "$pc")
check "pkg-config finds it" "pkg-config --exists influmap"
check "a program builds against it" \
  "cc -std=c17 -Wall -Werror $extra_cflags '$src/examples/render.c' \$(pkg-config --cflags --libs influmap) -Wl,-rpath,\$(pkg-config --variable=libdir influmap) -o '$scratch/render'"
check "and renders a PDF" "'$scratch/render' '$src/styles/pacific.yaml' '$scratch/pacific.pdf' && head -c 5 '$scratch/pacific.pdf' | grep -q '%PDF-'"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
