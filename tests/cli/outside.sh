#!/usr/bin/env bash
# influmap batch: output templates that lead out of the output folder (an
# absolute path, a '..' in the template or brought in by a matrix value)
# are refused with the manifest's line:column and write nothing (any '..',
# even one that stays inside: the check is on the text), unless
# --allow-outside is given.
#
# Usage: outside.sh INFLUMAP-BINARY REPO-ROOT SCRATCH-DIR
set -u

if [ $# -ne 3 ]; then
  echo "usage: $0 INFLUMAP-BINARY REPO-ROOT SCRATCH-DIR" >&2
  exit 2
fi
BIN=$1
REPO=$2
SCRATCH=$3
case $SCRATCH in
  "" | /) echo "$0: refusing scratch folder '$SCRATCH'" >&2; exit 2 ;;
esac
mkdir -p "$SCRATCH" && SCRATCH=$(cd "$SCRATCH" && pwd) || exit 2
REPO=$(cd "$REPO" && pwd) || exit 2
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
find "$SCRATCH" -mindepth 1 -delete || exit 2
if [ -f "$REPO/tests/lsan.supp" ] && [[ ${LSAN_OPTIONS:-} != *suppressions=* ]]; then
  export LSAN_OPTIONS="suppressions=$REPO/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi

passed=0
failed=0
check() {
  if [ -z "$2" ]; then
    echo "ok - $1"
    passed=$((passed + 1))
  else
    echo "not ok - $1: $2"
    failed=$((failed + 1))
  fi
}

# The manifest NAME with VALUES for a and the OUTPUT template (line 4).
manifest() {
  cat >"$SCRATCH/work/$1.yaml" <<EOF
base: $REPO/styles/pacific.yaml
matrix:
  a: [$2]
output: "$3"
size: 60x40mm
dpi: 72
EOF
}

mkdir -p "$SCRATCH/work"
manifest up x '../escape/{a}.png'
manifest abs x "$SCRATCH/abs/{a}.png"
manifest value '../../escape2' 'out/{a}.png'
manifest inside 'x' 'out/sub/../{a}.png'

for t in "up ../escape/x.png" "abs $SCRATCH/abs/x.png" "value out/../../escape2.png" "inside out/sub/../x.png"; do
  read -r name output <<<"$t"
  (cd "$SCRATCH/work" && "$BIN" batch "$name.yaml" >"$SCRATCH/out" 2>"$SCRATCH/err")
  code=$?
  why=
  if [ "$code" -ne 1 ]; then
    why="exit code $code, expected 1"
  elif ! grep -qF "is outside the output folder; use a relative path without '..' (or --allow-outside)" \
    "$SCRATCH/err" || ! grep -qF "$name.yaml:4:10: output '$output'" "$SCRATCH/err"; then
    why="message: $(head -c 300 "$SCRATCH/err")"
  elif [ -n "$(find "$SCRATCH" -name '*.png' -o -name '*.tmp' -o -name '*.lock')" ]; then
    why="files written: $(find "$SCRATCH" -name '*.png' -o -name '*.tmp' -o -name '*.lock' | head -3 | tr '\n' ' ')"
  fi
  check "output '$output' refused at line 4, column 10, nothing written" "$why"
done

(cd "$SCRATCH/work" && "$BIN" batch up.yaml --allow-outside >"$SCRATCH/out" 2>"$SCRATCH/err")
code=$?
why=
if [ "$code" -ne 0 ]; then
  why="exit code $code: $(head -c 300 "$SCRATCH/err")"
elif [ ! -s "$SCRATCH/escape/x.png" ]; then
  why="no $SCRATCH/escape/x.png"
fi
check "--allow-outside: '../escape/x.png' is written" "$why"

(cd "$SCRATCH/work" && "$BIN" batch abs.yaml --allow-outside >"$SCRATCH/out" 2>"$SCRATCH/err")
code=$?
why=
if [ "$code" -ne 0 ]; then
  why="exit code $code: $(head -c 300 "$SCRATCH/err")"
elif [ ! -s "$SCRATCH/abs/x.png" ]; then
  why="no $SCRATCH/abs/x.png"
fi
check "--allow-outside: an absolute output is written" "$why"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
