#!/usr/bin/env bash
# Installs the build into a scratch prefix, then builds examples/render.c
# against it four ways (pkg-config and the CMake package, each with the
# shared and the static library) and renders a map with each: the library,
# headers, influmap.pc and the CMake package are usable by another program.
# Then the embedding examples (report-page.c, stream-png.c, host-events.c)
# are built and run against it.
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
check "the soname says the ABI version" \
  "readelf -d '$scratch/render' | grep -q 'NEEDED.*\[libinflumap\.so\.[0-9][0-9]*\]'"
# Static: the archive first, then what `pkg-config --static` says it needs
# (which names -linflumap again: --as-needed keeps the shared one out, as a
# sanitizer build links with --no-as-needed otherwise).
check "a program links the static library with pkg-config --static" \
  "cc -std=c17 -Wall -Werror $extra_cflags '$src/examples/render.c' \$(pkg-config --cflags influmap) -o '$scratch/render-static' \
     -Wl,-Bstatic -linflumap -Wl,-Bdynamic -Wl,--as-needed \$(pkg-config --static --libs influmap)"
check "which does not load libinflumap.so" "! readelf -d '$scratch/render-static' | grep -q 'NEEDED.*libinflumap'"
check "and renders the same PDF" \
  "'$scratch/render-static' '$src/styles/pacific.yaml' '$scratch/pacific-static.pdf' && cmp -s '$scratch/pacific.pdf' '$scratch/pacific-static.pdf'"
# CMake: find_package(influmap CONFIG) from the prefix, both targets.
check "find_package(influmap CONFIG) configures examples/CMakeLists.txt" \
  "cmake -S '$src/examples' -B '$scratch/cmake' -DCMAKE_PREFIX_PATH='$prefix' -DCMAKE_C_FLAGS='$extra_cflags' \
     -DCMAKE_EXE_LINKER_FLAGS='$extra_cflags' >'$scratch/cmake.log' 2>&1"
check "and builds influmap::influmap and influmap::influmap_static" \
  "cmake --build '$scratch/cmake' >>'$scratch/cmake.log' 2>&1"
check "the CMake-built programs render the same PDF" \
  "'$scratch/cmake/render' '$src/styles/pacific.yaml' '$scratch/pacific-cmake.pdf' && cmp -s '$scratch/pacific.pdf' '$scratch/pacific-cmake.pdf' &&
   '$scratch/cmake/render_static' '$src/styles/pacific.yaml' '$scratch/pacific-cmake-static.pdf' && cmp -s '$scratch/pacific.pdf' '$scratch/pacific-cmake-static.pdf'"
check "the static one does not load libinflumap.so" "! readelf -d '$scratch/cmake/render_static' | grep -q 'NEEDED.*libinflumap'"
# The embedding examples: a host's A4 page with two maps in boxes, and a PNG
# streamed to standard output (the same bytes as the file).
check "examples/report-page.c builds against it" \
  "cc -std=c17 -Wall -Werror $extra_cflags '$src/examples/report-page.c' \$(pkg-config --cflags --libs influmap cairo) -Wl,-rpath,\$(pkg-config --variable=libdir influmap) -o '$scratch/report-page'"
check "and draws one A4 page with both maps and the host's text" \
  "'$scratch/report-page' '$src/styles/world-robinson.yaml' '$src/styles/pacific.yaml' '$scratch/page.pdf' &&
   pdfinfo '$scratch/page.pdf' | grep -q '^Pages: *1\$' && pdfinfo '$scratch/page.pdf' | grep -q 'Page size: *595.2[0-9]* x 841.8[0-9]* pts' &&
   pdftotext '$scratch/page.pdf' - | tr -s ' \n' ' ' > '$scratch/page.txt' && grep -q 'Figure 3. The world, and the Pacific' '$scratch/page.txt' &&
   grep -q 'World' '$scratch/page.txt' && grep -q 'South America and China across the Pacific' '$scratch/page.txt' &&
   grep -q 'Drawn with influmap' '$scratch/page.txt'"
check "examples/stream-png.c builds against it" \
  "cc -std=c17 -Wall -Werror $extra_cflags '$src/examples/stream-png.c' \$(pkg-config --cflags --libs influmap) -Wl,-rpath,\$(pkg-config --variable=libdir influmap) -o '$scratch/stream-png'"
check "and streams the same PNG the command writes" \
  "'$scratch/stream-png' '$src/styles/pacific.yaml' > '$scratch/stream.png' && '$prefix/bin/influmap' render '$src/styles/pacific.yaml' -o '$scratch/file.png' 2>/dev/null &&
   cmp -s '$scratch/stream.png' '$scratch/file.png'"
# A host's own events, made in memory and bound to the spec's `source:
# memory` layer, drawn with styles/vric.yaml: their names in the PDF's text,
# and at each mark's pixel (the program prints them) the house colour of
# its actor (src/spec/palettes.c: China #bf4d00, Iran #365952, other
# #9b9b9b) in the PNG (read by GDAL's gdallocationinfo).
mark_is() { # ID "R G B": the PNG's colour at the mark of event ID, within 8
  local x y got
  read -r x y < <(awk -v id="$1" '$1 == id { print $2, $3 }' "$scratch/marks.txt")
  [ -n "$x" ] || return 1
  got=$(gdallocationinfo -valonly "$scratch/events.png" "$x" "$y" | head -3 | tr '\n' ' ')
  python3 -c 'import sys; a, b = sys.argv[1].split(), sys.argv[2].split(); sys.exit(not all(abs(int(p) - int(q)) <= 8 for p, q in zip(a, b)) or len(a) != 3)' "$got" "$2"
}
check "examples/host-events.c builds against it" \
  "cc -std=c17 -Wall -Werror $extra_cflags '$src/examples/host-events.c' \$(pkg-config --cflags --libs influmap) -Wl,-rpath,\$(pkg-config --variable=libdir influmap) -o '$scratch/host-events'"
check "and draws its in-memory events in the house style" \
  "'$scratch/host-events' '$src/styles' '$scratch/events.png' '$scratch/events.pdf' > '$scratch/marks.txt' &&
   [ \$(wc -l < '$scratch/marks.txt') -eq 5 ] &&
   pdftotext '$scratch/events.pdf' - | tr -s ' \n' ' ' > '$scratch/events.txt' &&
   grep -q 'Chancay mega-port' '$scratch/events.txt' && grep -q 'Russian armoured-vehicle talks with Venezuela' '$scratch/events.txt' &&
   grep -q 'Iranian cultural centre in Santiago backs Boric' '$scratch/events.txt' &&
   grep -q 'Five events of the December 2021 VRIC Monitor' '$scratch/events.txt' &&
   mark_is chancay-port '191 77 0' && mark_is aiib-loan-ecuador '191 77 0' &&
   mark_is iran-cultural-centre-boric '54 89 82' && mark_is nicaragua-breaks-taiwan '155 155 155'"
check "the CMake-built host-events draws the same PNG" \
  "'$scratch/cmake/host_events' '$src/styles' '$scratch/events-cmake.png' '$scratch/events-cmake.pdf' >/dev/null &&
   cmp -s '$scratch/events.png' '$scratch/events-cmake.png'"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
