#!/usr/bin/env bash
# Regenerates every reference of the visual regression test (tests/ref/README.md)
# with BUILD_DIR/influmap: each map spec of styles/ and each layout of
# tests/ref/specs/ rendered as tests/ref/run.sh renders it, to tests/ref/NAME.png.
# References of specs that are gone are removed, and so are the NAME.new.png
# and NAME.diff.png of earlier failures. Commit the references with the change
# that altered them: the review shows the images that changed.
#
# Usage: tests/ref/update.sh BUILD_DIR [NAME...]   (default: every reference)
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: tests/ref/update.sh BUILD_DIR [NAME...]" >&2
  exit 2
fi
CLI=$1/influmap
shift
REFDIR=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$REFDIR/../.." && pwd)
# shellcheck source=tests/ref/common.sh
. "$REFDIR/common.sh"
if [ ! -x "$CLI" ]; then
  echo "update.sh: $CLI: no influmap command there (build it first: cmake --build BUILD_DIR)" >&2
  exit 2
fi
# Renders are the same with the CRS store full, empty or off: keep nothing.
export INFLUMAP_CACHE_DIR=${INFLUMAP_CACHE_DIR:-off}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
declare -A listed=()
changed=0 same=0 total=0
while read -r name spec args; do
  listed[$name]=1
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then
    continue
  fi
  # shellcheck disable=SC2086 # ARGS are words
  "$CLI" render "$spec" -o "$tmp/$name.png" $args
  ref=$REFDIR/$name.png
  size=$(wc -c <"$tmp/$name.png")
  if [ "$size" -gt 153600 ]; then
    echo "update.sh: warning: $name.png is $size bytes: keep references under 150 KB (a smaller page or dpi)" >&2
  fi
  if [ -f "$ref" ] && cmp -s "$tmp/$name.png" "$ref"; then
    same=$((same + 1))
  else
    echo "updated $ref ($size bytes)"
    changed=$((changed + 1))
  fi
  mv "$tmp/$name.png" "$ref"
  rm -f "$REFDIR/$name.new.png" "$REFDIR/$name.diff.png"
  total=$((total + size))
done < <(ref_list "$SRC")
if [ $# -eq 0 ]; then
  for name in $(ref_references "$REFDIR"); do
    if [ -z "${listed[$name]:-}" ]; then
      echo "removed $REFDIR/$name.png (no spec of that name)"
      rm -f "$REFDIR/$name.png" "$REFDIR/$name.new.png" "$REFDIR/$name.diff.png"
    fi
  done
fi
echo "update.sh: $changed references updated, $same unchanged ($total bytes rendered)"
