#!/usr/bin/env bash
# The command line against bad input: a broken shapefile, a CRS PROJ does not
# know, a spec typo, a YAML syntax error, a missing output folder, a bad
# colour, a missing source. Each must exit 1 with exactly one line on stderr
# that names the file at fault (file:line:column for the spec), and must leave
# the existing output byte-identical with no temporary file beside it.
# Usage errors exit 2.
#
# Usage: bad_input.sh INFLUMAP-BINARY REPO-ROOT SCRATCH-DIR
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
# Absolute paths, so specs and messages do not depend on the ctest folder.
mkdir -p "$SCRATCH" && SCRATCH=$(cd "$SCRATCH" && pwd) || exit 2
REPO=$(cd "$REPO" && pwd) || exit 2
# Start empty: a file left by an earlier run must not pass for one made now.
find "$SCRATCH" -mindepth 1 -delete || exit 2

# Under the sanitizer build, the suppressions for the caches fontconfig and
# pango keep for the life of the process are the project's own.
if [ -f "$REPO/tests/lsan.supp" ] && [[ ${LSAN_OPTIONS:-} != *suppressions=* ]]; then
  export LSAN_OPTIONS="suppressions=$REPO/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi

SHAPE=ne_50m_admin_0_countries
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

# A copy of the bundled countries in its own folder, to break.
copy_shape() {
  local dir=$SCRATCH/$1
  mkdir -p "$dir"
  cp "$REPO/shapes/$SHAPE".{shp,shx,dbf,prj,cpg} "$dir/" || exit 2
  echo "$dir/$SHAPE"
}

# A spec drawing one shapefile; extra lines go inside the map: mapping.
write_spec() {
  local spec=$1 shp=$2 crs=${3:-'"EPSG:4326"'} fill=${4:-'"#f2efe9"'}
  cat >"$spec" <<EOF
map:
  title: Bad input
  page: {width: 60mm, height: 40mm, dpi: 72}
  crs: $crs
layers:
  - id: countries
    source: $shp
    fill: $fill
EOF
}

# "LINE COLUMN" of the first occurrence of text in file (1-based).
pos_of() {
  awk -v s="$2" '{ i = index($0, s); if (i) { print NR, i; exit } }' "$1"
}

# The output folder: one existing file with known content, nothing else.
OUTDIR=$SCRATCH/out
OUT=$OUTDIR/map.png
KNOWN=$SCRATCH/known.png
mkdir -p "$OUTDIR"
printf 'an earlier map that a failed render must leave alone\n' >"$KNOWN"

reset_output() {
  find "$OUTDIR" -mindepth 1 -delete
  cp "$KNOWN" "$OUT"
}

# Checks the last run (exit code in $code, stderr in $SCRATCH/stderr) failed
# as bad input: exit 1, one line "influmap: PREFIX...", containing each of
# the further arguments, output untouched, no temporary files. Prints the
# reason for the first check that fails; silent when all pass.
why_not_bad_input() {
  local prefix=$1
  shift
  local err=$SCRATCH/stderr
  if [ "$code" -ne 1 ]; then
    echo "exit code $code, expected 1 (stderr: $(head -c 300 "$err"))"
    return
  fi
  local nlines
  nlines=$(wc -l <"$err")
  if [ "$nlines" -ne 1 ] || [ "$(tail -c 1 "$err" | od -An -c | tr -d ' ')" != '\n' ]; then
    echo "stderr has $nlines lines, expected exactly one: $(head -c 500 "$err" | tr '\n' '|')"
    return
  fi
  local line
  line=$(cat "$err")
  case $line in
    "influmap: warning:"*) echo "the one line is a warning: $line"; return ;;
    "influmap: $prefix"*) ;;
    *) echo "expected 'influmap: $prefix...', got: $line"; return ;;
  esac
  local want
  for want in "$@"; do
    if [[ $line != *"$want"* ]]; then
      echo "message lacks '$want': $line"
      return
    fi
  done
  if ! cmp -s "$KNOWN" "$OUT"; then
    echo "$OUT was changed"
    return
  fi
  local extra
  extra=$(find "$OUTDIR" -mindepth 1 ! -path "$OUT" | head -5 | tr '\n' ' ')
  if [ -n "$extra" ]; then
    echo "files left in the output folder: $extra"
    return
  fi
}

# render_case NAME SPEC PREFIX [MUST-CONTAIN...]
render_case() {
  local name=$1 spec=$2
  shift 2
  reset_output
  "$BIN" render "$spec" -o "$OUT" >"$SCRATCH/stdout" 2>"$SCRATCH/stderr"
  code=$?
  local why
  why=$(why_not_bad_input "$@")
  if [ -z "$why" ]; then pass "$name"; else fail "$name" "$why"; fi
}

# The same for a value in the spec written quoted: libfyaml may place it at
# the quote or at its first character, and either points at the value.
render_case_quoted() {
  local name=$1 spec=$2 line=$3 col=$4
  shift 4
  reset_output
  "$BIN" render "$spec" -o "$OUT" >"$SCRATCH/stdout" 2>"$SCRATCH/stderr"
  code=$?
  local why
  why=$(why_not_bad_input "$spec:$line:$col: " "$@")
  if [ -n "$why" ]; then
    why=$(why_not_bad_input "$spec:$line:$((col - 1)): " "$@")
  fi
  if [ -z "$why" ]; then pass "$name"; else fail "$name" "$why"; fi
}

# A good spec first: if the bundled shapes do not render, every case below
# would fail for the wrong reason.
good=$(copy_shape good)
write_spec "$SCRATCH/good.yaml" "$good.shp"
reset_output
if "$BIN" render "$SCRATCH/good.yaml" -o "$OUTDIR/good.png" >/dev/null 2>"$SCRATCH/stderr" &&
  [ ! -s "$SCRATCH/stderr" ]; then
  pass "a good spec renders (the base for the cases)"
else
  fail "a good spec renders (the base for the cases)" "$(head -c 300 "$SCRATCH/stderr")"
fi

# --- broken shapefiles ---

# Truncated in the middle of a record: half the file.
shp=$(copy_shape truncated)
size=$(stat -c %s "$shp.shp")
truncate -s $((size / 2)) "$shp.shp"
write_spec "$SCRATCH/truncated.yaml" "$shp.shp"
render_case "truncated .shp" "$SCRATCH/truncated.yaml" "$shp.shp: " "truncated"

shp=$(copy_shape no_shx)
rm "$shp.shx"
write_spec "$SCRATCH/no_shx.yaml" "$shp.shp"
render_case "missing .shx" "$SCRATCH/no_shx.yaml" "$shp.shp: " ".shx"

# The DBF's record count is the little-endian uint32 at bytes 4..7.
shp=$(copy_shape short_dbf)
python3 - "$shp.dbf" <<'EOF' || exit 2
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4)
    (n,) = struct.unpack("<I", f.read(4))
    f.seek(4)
    f.write(struct.pack("<I", n - 1))
EOF
write_spec "$SCRATCH/short_dbf.yaml" "$shp.shp"
nshapes=$(python3 -c 'import struct,sys; f=open(sys.argv[1],"rb"); f.seek(24); print((struct.unpack(">i", f.read(4))[0] * 2 - 100) // 8)' "$shp.shx")
render_case "DBF with fewer records than shapes" "$SCRATCH/short_dbf.yaml" "$shp.dbf: " \
  "$((nshapes - 1)) records" "$nshapes shapes"

# --- the spec ---

spec=$SCRATCH/crs_epsg.yaml
write_spec "$spec" "$good.shp" '"EPSG:999999"'
read -r l c <<<"$(pos_of "$spec" 'EPSG:999999')"
render_case_quoted "unknown CRS EPSG:999999" "$spec" "$l" "$c" "EPSG:999999"

spec=$SCRATCH/crs_proj.yaml
write_spec "$spec" "$good.shp" '"+proj=nonsense"'
read -r l c <<<"$(pos_of "$spec" '+proj=nonsense')"
render_case_quoted "unknown CRS +proj=nonsense" "$spec" "$l" "$c" "+proj=nonsense"

spec=$SCRATCH/unknown_key.yaml
write_spec "$spec" "$good.shp"
sed -i 's/^    fill:/    fil:/' "$spec"
read -r l c <<<"$(pos_of "$spec" 'fil:')"
render_case "unknown key fil: in a layer" "$spec" "$spec:$l:$c: " "'fil'"

# A flow mapping closed with the wrong bracket: the error is at that bracket.
spec=$SCRATCH/syntax.yaml
write_spec "$spec" "$good.shp"
sed -i 's/^  page: .*/  page: {width: 60mm, height: 40mm]/' "$spec"
read -r l c <<<"$(pos_of "$spec" ']')"
render_case "YAML syntax error" "$spec" "$spec:$l:$c: " "YAML"

spec=$SCRATCH/bad_colour.yaml
write_spec "$spec" "$good.shp" '"EPSG:4326"' 'reddish'
read -r l c <<<"$(pos_of "$spec" 'reddish')"
render_case "bad colour value" "$spec" "$spec:$l:$c: " "'reddish'"

spec=$SCRATCH/bad_colour_hex.yaml
write_spec "$spec" "$good.shp" '"EPSG:4326"' '"#12345g"'
read -r l c <<<"$(pos_of "$spec" '#12345g')"
render_case_quoted "bad colour value (hex)" "$spec" "$l" "$c" "#12345g"

spec=$SCRATCH/no_source.yaml
write_spec "$spec" "$SCRATCH/nowhere/missing.shp"
read -r l c <<<"$(pos_of "$spec" "$SCRATCH/nowhere/missing.shp")"
render_case "source that does not exist" "$spec" "$spec:$l:$c: " "$SCRATCH/nowhere/missing.shp"

# --- the output ---

# The output folder is missing: nothing to compare, but nothing may appear.
missing_output_case() {
  local name=$1 out=$2 folder=$3
  "$BIN" render "$SCRATCH/good.yaml" -o "$out" >"$SCRATCH/stdout" 2>"$SCRATCH/stderr"
  code=$?
  local nlines line
  nlines=$(wc -l <"$SCRATCH/stderr")
  line=$(head -n 1 "$SCRATCH/stderr")
  if [ "$code" -ne 1 ]; then
    fail "$name" "exit code $code, expected 1 ($line)"
  elif [ "$nlines" -ne 1 ]; then
    fail "$name" "stderr has $nlines lines, expected one: $(head -c 500 "$SCRATCH/stderr" | tr '\n' '|')"
  elif [[ $line != "influmap: $out: "* ]] || [[ $line == "influmap: warning:"* ]]; then
    fail "$name" "expected 'influmap: $out: ...', got: $line"
  elif [[ $line != *"$folder"* ]]; then
    fail "$name" "message does not name the folder $folder: $line"
  elif [ -e "$folder" ]; then
    fail "$name" "$folder was created"
  else
    pass "$name"
  fi
}

missing_output_case "missing output folder (/nonexistent-dir)" /nonexistent-dir/x.png /nonexistent-dir
missing_output_case "missing output folder (in scratch)" "$SCRATCH/no-such-folder/x.png" "$SCRATCH/no-such-folder"

# --- usage errors: exit 2 ---

usage_case() {
  local name=$1
  shift
  reset_output
  "$BIN" "$@" >"$SCRATCH/stdout" 2>"$SCRATCH/stderr"
  code=$?
  local first
  first=$(head -n 1 "$SCRATCH/stderr")
  if [ "$code" -ne 2 ]; then
    fail "$name" "exit code $code, expected 2 ($first)"
  elif [[ $first != "influmap: "* ]] || [[ $first == "influmap: warning:"* ]]; then
    fail "$name" "stderr does not start with an influmap: error line: $first"
  elif ! cmp -s "$KNOWN" "$OUT"; then
    fail "$name" "$OUT was changed"
  elif [ -n "$(find "$OUTDIR" -mindepth 1 ! -path "$OUT")" ]; then
    fail "$name" "files left in the output folder"
  else
    pass "$name"
  fi
}

usage_case "render with no arguments" render
usage_case "render with an unknown option" render "$SCRATCH/good.yaml" -o "$OUT" --bogus
usage_case "render without -o" render "$SCRATCH/good.yaml"
usage_case "render with an unknown format" render "$SCRATCH/good.yaml" -o "$OUT" --format gif

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
