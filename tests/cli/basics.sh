#!/usr/bin/env bash
# The command line doing its job: --version, --help, info on the bundled
# countries, validate, and render to each format and page size.
#
# Usage: basics.sh INFLUMAP-BINARY REPO-ROOT SCRATCH-DIR
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
# Start empty: a file left by an earlier run must not pass for one made now.
find "$SCRATCH" -mindepth 1 -delete || exit 2

# Under the sanitizer build, the suppressions for the caches fontconfig and
# pango keep for the life of the process are the project's own.
if [ -f "$REPO/tests/lsan.supp" ] && [[ ${LSAN_OPTIONS:-} != *suppressions=* ]]; then
  export LSAN_OPTIONS="suppressions=$REPO/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi

COUNTRIES=$REPO/shapes/ne_50m_admin_0_countries.shp
OUT=$SCRATCH/stdout
ERR=$SCRATCH/stderr
passed=0
failed=0

pass() {
  echo "ok - $1"
  passed=$((passed + 1))
}

fail() {
  echo "not ok - $1: $2"
  failed=$((failed + 1))
}

# Runs influmap with the arguments; sets $code, output in $OUT and $ERR.
run() {
  "$BIN" "$@" >"$OUT" 2>"$ERR"
  code=$?
}

# Why the last run did not succeed cleanly (exit 0, nothing on stderr:
# not even a warning); silent when it did.
why_not_clean() {
  if [ "$code" -ne 0 ]; then
    echo "exit code $code, expected 0: $(head -c 300 "$ERR")"
  elif [ -s "$ERR" ]; then
    echo "unexpected stderr: $(head -c 300 "$ERR" | tr '\n' '|')"
  fi
}

# check NAME WHY: passes when WHY is empty.
check() {
  if [ -z "$2" ]; then pass "$1"; else fail "$1" "$2"; fi
}

# The first bytes of a file, in hex.
magic() {
  head -c "$2" "$1" | od -An -tx1 | tr -d ' \n'
}

# "WIDTH HEIGHT" from a PNG's IHDR chunk (big-endian, bytes 16..23).
png_size() {
  python3 -c '
import struct, sys
with open(sys.argv[1], "rb") as f:
    head = f.read(24)
if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
    sys.exit(1)
print(*struct.unpack(">II", head[16:24]))
' "$1"
}

# --- --version and --help ---

run --version
want=$(sed -n 's/^project(influmap VERSION \([0-9][0-9.]*\).*/\1/p' "$REPO/CMakeLists.txt")
why=$(why_not_clean)
if [ -z "$why" ] && ! grep -Eqx 'influmap [0-9]+\.[0-9]+\.[0-9]+' "$OUT"; then
  why="stdout is not 'influmap X.Y.Z': $(head -c 200 "$OUT")"
elif [ -z "$why" ] && [ -n "$want" ] && [ "$(cat "$OUT")" != "influmap $want" ]; then
  why="stdout '$(cat "$OUT")', but CMakeLists.txt says $want"
elif [ -z "$why" ] && [ "$(wc -l <"$OUT")" -ne 1 ]; then
  why="more than one line"
fi
check "--version" "$why"

run --help
why=$(why_not_clean)
for word in render info validate; do
  if [ -z "$why" ] && ! grep -qw "$word" "$OUT"; then
    why="--help does not mention $word"
  fi
done
check "--help" "$why"

# --- info ---

run info "$COUNTRIES"
why=$(why_not_clean)
# Each line: what it must match, as an extended regular expression.
for re in \
  '^shape type: +Polygon$' \
  '^features: +241( |$)' \
  '^extent: +-180\.0+ -89\.99[0-9]*, 180\.0+ 83\.59[0-9]*' \
  '^crs: +WGS 84$' \
  '^encoding: +UTF-8' \
  '^ +ISO_A3 +String\(3\)$' \
  '^ +ADMIN +String'; do
  if [ -z "$why" ] && ! grep -Eq -- "$re" "$OUT"; then
    why="no line matching /$re/ in: $(head -c 400 "$OUT" | tr '\n' '|')"
  fi
done
check "info on ne_50m_admin_0_countries.shp" "$why"

# --- validate ---

SPEC=$SCRATCH/small.yaml
cat >"$SPEC" <<EOF
map:
  title: Basics
  page: {width: 60mm, height: 40mm, dpi: 72}
  crs: "+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs"
  extent: {west: -92, east: -30, south: -56, north: 15}
  background: "#dbe9f4"
layers:
  - id: countries
    source: $COUNTRIES
    fill: "#f2efe9"
    stroke: {color: "#8a8a8a", width: 0.3pt}
EOF

run validate "$SPEC"
check "validate a good spec" "$(why_not_clean)"

BAD=$SCRATCH/bad.yaml
sed 's/^  background:/  backgrund:/' "$SPEC" >"$BAD"
run validate "$BAD"
why=
if [ "$code" -ne 1 ]; then
  why="exit code $code, expected 1"
elif [ "$(wc -l <"$ERR")" -ne 1 ] || ! grep -q "^influmap: $BAD:6:3: .*backgrund" "$ERR"; then
  why="expected one line 'influmap: $BAD:6:3: ...backgrund...': $(head -c 300 "$ERR" | tr '\n' '|')"
fi
check "validate a bad spec" "$why"

run validate "$SPEC" "$BAD"
check "validate a good and a bad spec exits 1" "$([ "$code" -eq 1 ] || echo "exit code $code")"

# Three independent mistakes: every one is reported, one per line, in the
# order of the file, not only the first.
THREE=$SCRATCH/three.yaml
sed -e 's/^  background:/  backgrund:/' -e 's/^    fill: "#f2efe9"/    fill: "#zzzzzz"/' "$SPEC" >"$THREE"
printf '  - id: ports\n    fill: "#2f4b7c"\n' >>"$THREE"
run validate "$THREE"
why=
expected="influmap: $THREE:6:3: unknown key 'backgrund' in map (did you mean 'background'?)
influmap: $THREE:10:12: fill must be a colour such as \"#f2efe9\", white or none, not '#zzzzzz'
influmap: $THREE:12:5: layer ports has no source"
if [ "$code" -ne 1 ]; then
  why="exit code $code, expected 1"
elif [ "$(cat "$ERR")" != "$expected" ]; then
  why="expected three lines, got: $(head -c 600 "$ERR" | tr '\n' '|')"
elif [ -s "$OUT" ]; then
  why="stdout not empty: $(head -c 200 "$OUT")"
fi
check "validate lists every error of a spec" "$why"

# --- render ---

# render_ok NAME OUTFILE EXPECTED-MAGIC-HEX [ARGS...]
render_ok() {
  local name=$1 file=$2 hex=$3
  shift 3
  run render "$SPEC" -o "$file" "$@"
  local why
  why=$(why_not_clean)
  if [ -z "$why" ] && [ ! -s "$file" ]; then
    why="$file is missing or empty"
  elif [ -z "$why" ] && [ "$(magic "$file" $((${#hex} / 2)))" != "$hex" ]; then
    why="$file starts with $(magic "$file" 8), not $hex"
  elif [ -z "$why" ] && [ -n "$(find "$SCRATCH" -name '.*.tmp')" ]; then
    why="temporary files left: $(find "$SCRATCH" -name '.*.tmp' | head -3 | tr '\n' ' ')"
  fi
  check "$name" "$why"
}

PNG_MAGIC=89504e470d0a1a0a
PDF_MAGIC=255044462d # %PDF-
render_ok "render to .png" "$SCRATCH/map.png" "$PNG_MAGIC"
render_ok "render to .pdf" "$SCRATCH/map.pdf" "$PDF_MAGIC"
render_ok "render to .svg" "$SCRATCH/map.svg" "$(printf '<?xml' | od -An -tx1 | tr -d ' \n')"
if [ -s "$SCRATCH/map.svg" ]; then
  check "the .svg is an SVG document" "$(grep -q '<svg' "$SCRATCH/map.svg" || echo 'no <svg element')"
fi
render_ok "--format png with an odd suffix" "$SCRATCH/map.image" "$PNG_MAGIC" --format png
render_ok "--format pdf over a .png suffix" "$SCRATCH/really-a-pdf.png" "$PDF_MAGIC" --format pdf

# No suffix to go by and no --format: a usage error, and no file.
run render "$SCRATCH/small.yaml" -o "$SCRATCH/map.unknown"
why=
if [ "$code" -ne 2 ]; then
  why="exit code $code, expected 2"
elif [ -e "$SCRATCH/map.unknown" ]; then
  why="$SCRATCH/map.unknown was written"
fi
check "an odd suffix without --format" "$why"

# The spec's page is 60x40 mm at 72 dpi: 170x113 px.
size=$(png_size "$SCRATCH/map.png")
check "the spec's page size in pixels" "$([ "$size" = "170 113" ] || echo "PNG is '$size', expected 170x113")"

# 100 mm at 100 dpi is 393.7 px, 50 mm 196.85 px: rounded to 394x197.
render_ok "render with --size 100x50mm --dpi 100" "$SCRATCH/sized.png" "$PNG_MAGIC" --size 100x50mm --dpi 100
size=$(png_size "$SCRATCH/sized.png")
check "--size 100x50mm --dpi 100 gives 394x197 px" "$([ "$size" = "394 197" ] || echo "PNG is '$size'")"

# The same page in another unit written once for both sides.
render_ok "render with --size 2x1in --dpi 150" "$SCRATCH/inches.png" "$PNG_MAGIC" --size 2x1in --dpi 150
size=$(png_size "$SCRATCH/inches.png")
check "--size 2x1in --dpi 150 gives 300x150 px" "$([ "$size" = "300 150" ] || echo "PNG is '$size'")"

# Rendering over an existing file replaces it whole.
printf 'old' >"$SCRATCH/replace.png"
render_ok "render replaces an existing file" "$SCRATCH/replace.png" "$PNG_MAGIC"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
