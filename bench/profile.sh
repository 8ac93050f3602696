#!/bin/bash
# Where influmap spends its time: perf profiles of one reference map, for the lead's
# optimisation work (issue 6). Not part of ctest.
#
#   bench/profile.sh MAP FORMAT [N]     e.g. bench/profile.sh latam-10m pdf
#
# Renders bench/specs/MAP.yaml N times (default 5) under perf (INFLUMAP=path, default the
# build of run.sh) and prints: time by shared object, the top 15 symbols by self time, and
# influmap's functions by inclusive time (DWARF call graphs). Needs linux-perf. System
# libraries without debug symbols (zlib, cairo) show as addresses; the by-object view
# accounts for them.
set -eu  # no pipefail: head closes the pipes early
[ $# -ge 2 ] || { echo "usage: $0 MAP png|svg|pdf [N]" >&2; exit 2; }
map=$1 fmt=$2 n=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
INFLUMAP=${INFLUMAP:-/tmp/influmap-bench-build/influmap}
[ -x "$INFLUMAP" ] || { echo "$0: $INFLUMAP not found: run bench/run.sh or set INFLUMAP" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$here"
loop="for i in \$(seq $n); do $INFLUMAP render specs/$map.yaml -o $work/out.$fmt; done"
perf record -q -F 4999 -o "$work/flat.data" -- sh -c "$loop" > /dev/null 2>&1
perf record -q --call-graph dwarf,16384 -F 999 -o "$work/cg.data" -- sh -c "$loop" > "$work/cg.log" 2>&1 || { cat "$work/cg.log" >&2; exit 1; }
report() { perf report -i "$1" --stdio "${@:2}" 2>/dev/null | grep -v '^#' | grep -v '^$' | sed 's/ *- *- *$//'; }
echo "## $map $fmt: time by shared object"
report "$work/flat.data" --no-children --sort dso | head -12
echo "## top 15 symbols, self time"
report "$work/flat.data" --no-children --sort dso,symbol | head -15
echo "## influmap functions and library entry points, inclusive time"
report "$work/cg.data" --children --sort symbol -g none | grep -E '\] (im_|band_|cairo_|proj_|deflate|png_)' | head -25
