#!/usr/bin/env bash
# influmap batch: output templates that lead out of the output folder (an
# absolute path, a '..' in the template or brought in by a matrix value)
# are refused with the manifest's line:column and write nothing (any '..',
# even one that stays inside: the check is on the text), unless
# --allow-outside is given; so are values that lead out through a symbolic
# link (the real folder is checked), and outputs that are one of the map's
# own files (render -o SPEC).
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

# A value that leads through a symbolic link out of the output folder:
# the text is inside (out/sym/x.png), the real folder is not. Refused,
# nothing written there; the other values of the matrix are drawn.
find "$SCRATCH" -name '*.png' -delete
mkdir -p "$SCRATCH/work/link/out" "$SCRATCH/elsewhere"
ln -s "$SCRATCH/elsewhere" "$SCRATCH/work/link/out/sym"
manifest link 'sym, ok' 'out/{a}/x.png'
(cd "$SCRATCH/work/link" && "$BIN" batch ../link.yaml >"$SCRATCH/out" 2>"$SCRATCH/err")
code=$?
why=
if [ "$code" -ne 1 ]; then
  why="exit code $code, expected 1: $(head -c 300 "$SCRATCH/err")"
elif ! grep -qF "link.yaml:4:10: output 'out/sym/x.png' (a=sym) leads outside the output folder through a symbolic link" \
  "$SCRATCH/err"; then
  why="message: $(head -c 300 "$SCRATCH/err")"
elif [ -n "$(find "$SCRATCH/elsewhere" -mindepth 1)" ]; then
  why="written through the link: $(find "$SCRATCH/elsewhere" -mindepth 1 | head -3 | tr '\n' ' ')"
elif [ ! -s "$SCRATCH/work/link/out/ok/x.png" ]; then
  why="the other value's map was not drawn"
fi
check "a value leading through a link out of the output folder is refused, nothing written there" "$why"
# The same folder in a new one under the link (out/sym/new/x.png): not
# made outside either.
manifest link2 'sym/new' 'out/{a}/x.png'
(cd "$SCRATCH/work/link" && "$BIN" batch ../link2.yaml >"$SCRATCH/out" 2>"$SCRATCH/err")
code=$?
why=
if [ "$code" -ne 1 ]; then
  why="exit code $code, expected 1: $(head -c 300 "$SCRATCH/err")"
elif [ -n "$(find "$SCRATCH/elsewhere" -mindepth 1)" ]; then
  why="made through the link: $(find "$SCRATCH/elsewhere" -mindepth 1 | head -3 | tr '\n' ' ')"
fi
check "no folder is made through a link out of the output folder" "$why"

# render -o onto one of the map's own files: refused (exit 2), the file
# untouched; the same for a batch whose output is its base spec.
cp "$REPO/styles/pacific.yaml" "$SCRATCH/work/spec.yaml"
sed -i "s#\.\./shapes/#$REPO/shapes/#g; s#^include: \(.*\)#include: $REPO/styles/\1#" "$SCRATCH/work/spec.yaml"
before=$(sha256sum <"$SCRATCH/work/spec.yaml")
"$BIN" render "$SCRATCH/work/spec.yaml" -o "$SCRATCH/work/spec.yaml" --format png >"$SCRATCH/out" 2>"$SCRATCH/err"
code=$?
why=
if [ "$code" -ne 2 ]; then
  why="exit code $code, expected 2: $(head -c 300 "$SCRATCH/err")"
elif ! grep -qF "spec.yaml: is one of the files this map is read from" "$SCRATCH/err"; then
  why="message: $(head -c 300 "$SCRATCH/err")"
elif [ "$(sha256sum <"$SCRATCH/work/spec.yaml")" != "$before" ]; then
  why="the spec was changed"
fi
check "render -o SPEC --format png is refused and the spec kept" "$why"
shp=$(grep -o "$REPO/shapes/[^ ,}]*\.shp" "$SCRATCH/work/spec.yaml" | head -1)
dbf=${shp%.shp}.dbf
before=$(sha256sum <"$dbf")
"$BIN" render "$SCRATCH/work/spec.yaml" -o "$dbf" --format pdf >"$SCRATCH/out" 2>"$SCRATCH/err"
code=$?
why=
if [ "$code" -ne 2 ]; then
  why="exit code $code, expected 2: $(head -c 300 "$SCRATCH/err")"
elif [ "$(sha256sum <"$dbf")" != "$before" ]; then
  why="$dbf was changed"
fi
check "render -o a source's .dbf is refused and the table kept" "$why"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
