#!/usr/bin/env bash
# influmap batch: a manifest rendered, then again (everything up to date),
# after one data file changes (exactly the maps that read it), with a
# failing entry among good ones, killed with SIGKILL half-way and rerun,
# collected into an atlas, and split into shards.
#
# Usage: batch.sh INFLUMAP-BINARY REPO-ROOT SCRATCH-DIR
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
# Start empty: a file left by an earlier run must not pass for one made now.
find "$SCRATCH" -mindepth 1 -delete || exit 2

if [ -f "$REPO/tests/lsan.supp" ] && [[ ${LSAN_OPTIONS:-} != *suppressions=* ]]; then
  export LSAN_OPTIONS="suppressions=$REPO/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX JOB_COMPLETION_INDEX

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
check() {
  if [ -z "$2" ]; then pass "$1"; else fail "$1" "$2"; fi
}
# Runs influmap in the scratch folder; $code, output in $OUT and $ERR.
run() {
  (cd "$SCRATCH" && "$BIN" "$@") >"$OUT" 2>"$ERR"
  code=$?
}
# The summary line's count of WHAT (rendered, up to date, failed).
count() {
  sed -n "s/.* \([0-9][0-9]*\) $1\b.*/\1/p" "$OUT" | tail -1
}
expect_counts() { # RENDERED UP-TO-DATE FAILED CODE
  local why=
  if [ "$code" -ne "$4" ]; then
    why="exit code $code, expected $4: $(head -c 400 "$ERR" | tr '\n' '|')"
  elif [ "$(count rendered)" != "$1" ] || [ "$(count 'up to date')" != "$2" ] || [ "$(count failed)" != "$3" ]; then
    why="expected $1 rendered, $2 up to date, $3 failed: $(tail -1 "$OUT")"
  fi
  echo "$why"
}

# json FILE EXPRESSION: evaluates a Python expression over the JSON document
# `d` (jq is not among the dependencies); prints the result.
json() {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}

# --- the data: two base specs, each reading its own copy of the events ---

mkdir -p "$SCRATCH/data" "$SCRATCH/specs"
cp "$REPO/shapes/influence/events.geojson" "$SCRATCH/data/a.geojson"
cp "$REPO/shapes/influence/events.geojson" "$SCRATCH/data/b.geojson"
for region in a b; do
  cat >"$SCRATCH/specs/$region.yaml" <<EOF
map:
  title: Region $region
  page: {width: 40mm, height: 30mm, dpi: 40}
  crs: EPSG:4326
  extent: {west: -90, east: -30, south: -56, north: 15}
layers:
  - {id: countries, source: $REPO/shapes/ne_50m_admin_0_countries.shp, fill: "#eeeeee"}
  - {id: events, source: ../data/$region.geojson, marker: {symbol: circle, size: 3pt}, fill: "#c00000"}
EOF
done
cat >"$SCRATCH/specs/monthly.yaml" <<'EOF'
base: "{region}.yaml"
matrix:
  region: [a, b]
  actor: [China, Russia, Iran]
  format: [png, pdf]
output: "out/{region}/{actor|slug}.{format}"
title: "{actor} in region {region}"
where: {layer: events, expr: "actor = {actor|quote}"}
EOF
M=specs/monthly.yaml
LOCK=$SCRATCH/out/monthly.influmap.lock

# --- a first run renders everything ---

run batch $M -j 2
why=$(expect_counts 12 0 0 0)
n=$(find "$SCRATCH/out" -name '*.png' -o -name '*.pdf' | wc -l)
if [ -z "$why" ] && [ "$n" -ne 12 ]; then
  why="$n maps written, expected 12"
elif [ -z "$why" ] && [ "$(grep -c '^\[[0-9]*/12\] rendered ' "$OUT")" -ne 12 ]; then
  why="expected one log line per map: $(head -c 300 "$OUT" | tr '\n' '|')"
elif [ -z "$why" ] && [ "$(json "$LOCK" 'len(d["outputs"])')" != 12 ]; then
  why="the lock file $LOCK does not record 12 outputs"
elif [ -z "$why" ] && [ "$(json "$LOCK" '"\n".join(d["outputs"]["out/a/china.pdf"]["inputs"])' | grep -c 'a.geojson\|ne_50m_admin_0_countries\.\(shp\|shx\|dbf\|prj\|cpg\)\|specs/a.yaml')" -ne 7 ]; then
  why="the lock file does not list a.yaml, a.geojson and the shapefile's five files as inputs of out/a/china.pdf"
fi
check "first run renders every map, one log line each, and records them" "$why"
cp -r "$SCRATCH/out" "$SCRATCH/first"

run batch $M -j 2
check "second run: everything up to date" "$(expect_counts 0 12 0 0)"

# --- one data file changes: exactly the maps that read it ---

sed -i 's/"Lima"/"Lima, Peru"/' "$SCRATCH/data/a.geojson"
run batch $M -j 2
why=$(expect_counts 6 6 0 0)
if [ -z "$why" ]; then
  other=$(grep ' rendered ' "$OUT" | grep -v ' rendered out/a/')
  [ -n "$other" ] && why="rendered maps that do not read a.geojson: $other"
fi
check "a changed data file re-renders exactly the 6 maps that read it" "$why"

touch "$SCRATCH/data/b.geojson" "$SCRATCH/specs/b.yaml"
run batch $M
check "touching files without changing them re-renders nothing" "$(expect_counts 0 12 0 0)"

(cd "$SCRATCH/specs" && "$BIN" batch monthly.yaml --out-root .. >"$OUT" 2>"$ERR")
code=$?
check "run from another folder (the lock file names paths relative to itself)" "$(expect_counts 0 12 0 0)"

echo '# a comment' >>"$SCRATCH/specs/b.yaml"
run batch $M -j 3
check "a changed base spec re-renders the maps made from it" "$(expect_counts 6 6 0 0)"

# The manifest changes one override: only the maps it changes.
sed -i 's/^title: .*/title: "{actor} in region {region|upper}"/' "$SCRATCH/$M"
run batch $M -j 2
check "a changed title re-renders every map (the title is in all)" "$(expect_counts 12 0 0 0)"
sed -i 's/^  actor: \[China, Russia, Iran\]/  actor: [China, Russia, Iran, Venezuela]/' "$SCRATCH/$M"
run batch $M -j 2
why=$(expect_counts 4 12 0 0)
if [ -z "$why" ] && [ "$(grep ' rendered ' "$OUT" | grep -vc venezuela)" -ne 0 ]; then
  why="rendered other maps than Venezuela's: $(grep ' rendered ' "$OUT" | tr '\n' '|')"
fi
check "a new matrix value renders only its maps" "$why"

# A deleted or altered output is made again.
rm "$SCRATCH/out/a/iran.png"
echo "garbage" >"$SCRATCH/out/b/iran.pdf"
run batch $M
check "a deleted and an altered output are rendered again" "$(expect_counts 2 14 0 0)"

run batch $M --force -j 2
check "--force renders everything" "$(expect_counts 16 0 0 0)"

# --- failures: one bad entry among good ones ---

cat >"$SCRATCH/specs/fail.yaml" <<EOF
base: a.yaml
matrix:
  country: [PER, XXX, CHL]
output: "fail/{country}.png"
extent: {from_feature: {source: $REPO/shapes/ne_50m_admin_0_countries.shp, field: ISO_A3, value: "{country}"}}
EOF
run batch specs/fail.yaml -j 2
why=$(expect_counts 2 0 1 1)
if [ -z "$why" ] && { [ ! -s "$SCRATCH/fail/PER.png" ] || [ ! -s "$SCRATCH/fail/CHL.png" ]; }; then
  why="the good maps were not written"
elif [ -z "$why" ] && [ -n "$(find "$SCRATCH/fail" -name '*XXX*')" ]; then
  why="a file was written for the failing entry: $(find "$SCRATCH/fail" -name '*XXX*')"
elif [ -z "$why" ] && ! grep -q "^  .*fail/XXX.png: .*specs/fail.yaml:5:[0-9]*: .*ISO_A3 = 'XXX'" "$ERR"; then
  why="the failure is not listed with its place: $(head -c 400 "$ERR" | tr '\n' '|')"
fi
check "one failing entry: the others are written, the failure listed, exit 1" "$why"

# An I/O failure (a file where a folder must be) exits 3.
mkdir -p "$SCRATCH/io" && echo x >"$SCRATCH/io/blocked"
sed -e 's|^output: .*|output: "io/{country}/map.png"|' -e 's/XXX/blocked/' "$SCRATCH/specs/fail.yaml" >"$SCRATCH/specs/io.yaml"
sed -i 's/^  country: .*/  country: [PER, blocked]/; s/^extent: .*//' "$SCRATCH/specs/io.yaml"
run batch specs/io.yaml
why=$(expect_counts 1 0 1 3)
check "an output that cannot be written exits 3" "$why"

# --- killed half-way, then run again ---

cat >"$SCRATCH/specs/kill.yaml" <<EOF
base: a.yaml
matrix:
  country: [ARG, BOL, BRA, CHL, COL, ECU, PER, PRY, URY, VEN, MEX, CUB]
  format: [png, pdf]
output: "kill/{country}.{format}"
title: "{country}"
dpi: 120
extent: {from_feature: {source: $REPO/shapes/ne_50m_admin_0_countries.shp, field: ISO_A3, value: "{country}", padding: 5%}}
EOF
run batch specs/kill.yaml --out-root ref
check "uninterrupted reference run" "$(expect_counts 24 0 0 0)"
(cd "$SCRATCH" && exec "$BIN" batch specs/kill.yaml --out-root killed >/dev/null 2>&1) &
pid=$!
for _ in $(seq 1 400); do
  [ "$(find "$SCRATCH/killed" -name '*.p[nd][gf]' 2>/dev/null | wc -l)" -ge 4 ] && break
  sleep 0.01
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
before=$(find "$SCRATCH/killed" -name '*.p[nd][gf]' | wc -l)
why=
if [ "$before" -ge 24 ]; then
  why="the batch finished before it could be killed"
elif [ "$(json "$SCRATCH/killed/kill/kill.influmap.lock" 'type(d["outputs"]).__name__')" != dict ]; then
  why="the lock file is not valid JSON after SIGKILL"
fi
# Temporary files of a process that is gone: one of an output of the
# manifest (removed), one of another file (not ours to remove).
stale=999999
while kill -0 $stale 2>/dev/null; do stale=$((stale + 1)); done
echo partial >"$SCRATCH/killed/kill/.ARG.png.$stale.7.tmp"
echo partial >"$SCRATCH/killed/kill/.notours.png.$stale.7.tmp"
# A record the kill cut short is a torn last line of the journal.
printf '{"output": "kill/ARG.png", "rec' >>"$SCRATCH/killed/kill/kill.influmap.lock.journal"
run batch specs/kill.yaml --out-root killed
# A map renamed into place just before the kill, whose record the lock file
# did not get yet, is made again (the one worker's: at most one).
if [ -z "$why" ]; then
  skipped=$(count 'up to date')
  if [ "$code" -ne 0 ] || [ $(($(count rendered) + skipped)) -ne 24 ] || [ "$skipped" -gt "$before" ] ||
    [ "$skipped" -lt $((before - 1)) ]; then
    why="after $before maps, the rerun says: $(tail -1 "$OUT")"
  fi
fi
for f in $(cd "$SCRATCH/ref" && find . -name '*.p[nd][gf]'); do
  if [ -z "$why" ] && ! cmp -s "$SCRATCH/ref/$f" "$SCRATCH/killed/$f"; then
    why="$f differs from the uninterrupted run's"
  fi
done
if [ -z "$why" ] && [ ! -e "$SCRATCH/killed/kill/.notours.png.$stale.7.tmp" ]; then
  why="a temporary file of no output of the manifest was removed"
fi
rm -f "$SCRATCH/killed/kill/.notours.png.$stale.7.tmp"
if [ -z "$why" ] && [ -n "$(find "$SCRATCH/killed" -name '*.tmp')" ]; then
  why="temporary files left: $(find "$SCRATCH/killed" -name '*.tmp' | head -3 | tr '\n' ' ')"
elif [ -z "$why" ] && [ -e "$SCRATCH/killed/kill/kill.influmap.lock.journal" ]; then
  why="the journal is left after a finished run"
elif [ -z "$why" ] && [ "$(json "$SCRATCH/killed/kill/kill.influmap.lock" 'len(d["outputs"])')" != 24 ]; then
  why="the lock file does not record the 24 maps after the rerun"
fi
check "killed with SIGKILL after $before maps, then rerun: the same outputs" "$why"

run batch specs/kill.yaml --out-root nocache --no-cache -j 2
why=$(expect_counts 24 0 0 0)
for f in $(cd "$SCRATCH/ref" && find . -name '*.p[nd][gf]'); do
  if [ -z "$why" ] && ! cmp -s "$SCRATCH/ref/$f" "$SCRATCH/nocache/$f"; then
    why="$f differs between the run with the layer cache and the one without"
  fi
done
check "the layer cache changes no byte of the maps" "$why"

# --- the atlas ---

run batch $M --atlas atlas.pdf
why=$(expect_counts 0 16 0 0)
pages=$(pdfinfo "$SCRATCH/atlas.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
if [ -z "$why" ] && [ "$pages" != 8 ]; then
  why="the atlas has '$pages' pages, expected the 8 PDF maps"
elif [ -z "$why" ] && ! grep -aq '/Outlines' "$SCRATCH/atlas.pdf"; then
  why="the atlas has no outline"
elif [ -z "$why" ] && ! grep -aq '/Title (Venezuela in region B)' "$SCRATCH/atlas.pdf"; then
  why="no bookmark 'Venezuela in region B' in the atlas"
elif [ -z "$why" ] && ! grep -aq '/Title (b)' "$SCRATCH/atlas.pdf"; then
  why="no bookmark for the group 'b'"
fi
check "--atlas collects the 8 PDF maps with bookmarks" "$why"

run batch specs/fail.yaml --atlas atlas2.pdf
why=
if [ "$code" -ne 1 ] || ! grep -q 'no PDF maps' "$ERR"; then
  why="exit $code: $(head -c 300 "$ERR" | tr '\n' '|')"
fi
check "--atlas without PDF outputs is an error" "$why"

# --- shards ---

"$BIN" batch "$SCRATCH/specs/kill.yaml" --list >"$SCRATCH/all.list" 2>"$ERR"
why=
[ "$(wc -l <"$SCRATCH/all.list")" -ne 24 ] && why="--list printed $(wc -l <"$SCRATCH/all.list") lines, expected 24"
if [ -z "$why" ] && ! grep -qx "kill/PER.pdf"$'\t'"country=PER"$'\t'"format=pdf" "$SCRATCH/all.list"; then
  why="no line 'kill/PER.pdf<TAB>country=PER<TAB>format=pdf': $(head -3 "$SCRATCH/all.list" | tr '\n' '|')"
fi
for n in 1 2 3 4 5; do
  : >"$SCRATCH/union.list"
  for k in $(seq 1 $n); do
    "$BIN" batch "$SCRATCH/specs/kill.yaml" --list --shard "$k/$n" >>"$SCRATCH/union.list"
  done
  if [ -z "$why" ] && [ -n "$(sort "$SCRATCH/union.list" | uniq -d)" ]; then
    why="N=$n: jobs in two shards: $(sort "$SCRATCH/union.list" | uniq -d | head -3 | tr '\n' ' ')"
  elif [ -z "$why" ] && ! diff -q <(sort "$SCRATCH/all.list") <(sort "$SCRATCH/union.list") >/dev/null; then
    why="N=$n: the shards' union is not the whole list"
  fi
done
check "shards 1..5: the union is the whole list, without duplicates" "$why"

# --shard auto: the scheduler's 0-based index plus one, out of --count.
a=$(SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=3 "$BIN" batch "$SCRATCH/specs/kill.yaml" --list --shard auto --count 4)
b=$(JOB_COMPLETION_INDEX=2 "$BIN" batch "$SCRATCH/specs/kill.yaml" --list --shard auto --count 4)
c=$("$BIN" batch "$SCRATCH/specs/kill.yaml" --list --shard 3/4)
why=
[ -z "$c" ] && why="shard 3/4 is empty"
[ -z "$why" ] && [ "$a" != "$c" ] && why="Slurm task 2 of 0-3 is not shard 3/4"
[ -z "$why" ] && [ "$b" != "$c" ] && why="JOB_COMPLETION_INDEX=2 --count 4 is not shard 3/4"
check "--shard auto from Slurm and Kubernetes" "$why"

# Without --count the run stops and says how to give it; an index beyond
# the count names the ids the array should have.
run batch specs/kill.yaml --list --shard auto
why=
[ "$code" -ne 2 ] && why="no --count: exit $code"
SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_COUNT=4 run batch specs/kill.yaml --list --shard auto
[ -z "$why" ] && { [ "$code" -ne 2 ] || ! grep -q -- '--count 16 for #SBATCH --array=0-15' "$ERR"; } &&
  why="without --count, exit $code: $(head -c 300 "$ERR")"
SLURM_ARRAY_TASK_ID=16 run batch specs/kill.yaml --list --shard auto --count 16
[ -z "$why" ] && { [ "$code" -ne 2 ] || ! grep -q 'SLURM_ARRAY_TASK_ID=16 is beyond --count 16.*--array=0-15' "$ERR"; } &&
  why="task 16 of 16: exit $code: $(head -c 300 "$ERR")"
JOB_COMPLETION_INDEX=8 run batch specs/kill.yaml --list --shard auto --count 8
[ -z "$why" ] && { [ "$code" -ne 2 ] || ! grep -q 'JOB_COMPLETION_INDEX=8 is beyond --count 8' "$ERR"; } &&
  why="index 8 of 8: exit $code: $(head -c 300 "$ERR")"
check "--shard auto without --count, or beyond it: a usage error that says what to give" "$why"

# A Slurm array as a first submission in steps, then a resubmission of the
# tasks left, as Slurm sets the variables for each: the union is the whole.
slurm_list() { # ID MIN MAX COUNT
  SLURM_ARRAY_TASK_ID=$1 SLURM_ARRAY_TASK_MIN=$2 SLURM_ARRAY_TASK_MAX=$3 SLURM_ARRAY_TASK_COUNT=$4 \
    "$BIN" batch "$SCRATCH/specs/kill.yaml" --list --shard auto --count 8
}
: >"$SCRATCH/union.list"
for id in 0 3 6; do slurm_list $id 0 6 3 >>"$SCRATCH/union.list"; done # --array=0-7:3
for id in 1 2 4 5 7; do slurm_list $id 1 7 5 >>"$SCRATCH/union.list"; done # --array=1,2,4,5,7
why=
if [ -n "$(sort "$SCRATCH/union.list" | uniq -d)" ]; then
  why="jobs in two tasks: $(sort "$SCRATCH/union.list" | uniq -d | head -3 | tr '\n' ' ')"
elif ! diff -q <(sort "$SCRATCH/all.list") <(sort "$SCRATCH/union.list") >/dev/null; then
  why="the union of --array=0-7:3 and the resubmitted 1,2,4,5,7 is not the whole list"
fi
: >"$SCRATCH/union.list"
for id in 0 1 2 3 4 6 7; do slurm_list $id 0 7 8 >>"$SCRATCH/union.list"; done # task 5 failed...
slurm_list 5 5 5 1 >>"$SCRATCH/union.list"                                     # ...resubmitted alone
if [ -z "$why" ] && ! diff -q <(sort "$SCRATCH/all.list") <(sort "$SCRATCH/union.list") >/dev/null; then
  why="the union of --array=0-7 less task 5 and --array=5 is not the whole list"
fi
check "a stepped array and a resubmission of some tasks: the union is the whole manifest" "$why"

# A shard renders its part, with its own lock file; a whole run afterwards
# finds everything up to date and folds the shard's lock file in.
run batch $M --out-root sharded --shard 1/2
n1=$(count rendered)
run batch $M --out-root sharded --shard 2/2
n2=$(count rendered)
why=
[ $((n1 + n2)) -ne 16 ] && why="the shards rendered $n1 + $n2 maps, expected 16"
[ -z "$why" ] && [ ! -f "$SCRATCH/sharded/out/monthly.influmap.shard-1-of-2.lock" ] && why="no shard lock file"
run batch $M --out-root sharded
[ -z "$why" ] && why=$(expect_counts 0 16 0 0)
[ -z "$why" ] && [ -f "$SCRATCH/sharded/out/monthly.influmap.shard-1-of-2.lock" ] && why="the shard's lock file is left"
check "two shards, then a whole run: everything up to date" "$why"

SLURM_ARRAY_TASK_ID=1 run batch $M --out-root sharded --shard auto --count 2
why=
if [ "$code" -ne 0 ] || ! grep -qx 'shard 2/2 (SLURM_ARRAY_TASK_ID=1): [0-9]* of 16 maps' "$OUT"; then
  why="exit $code; the log does not name the shard: $(head -2 "$OUT" | tr '\n' '|')"
fi
check "the log names the shard auto picked and the variable it came from" "$why"

# --- two runs of the same maps at once ---

HOLD=$SCRATCH/sharded/out/monthly.influmap.shard-1-of-2.running
host=$(hostname)
hold() { # FILE HOST PID
  printf '{"host": "%s", "pid": %s, "started": "2026-01-01T00:00:00Z", "shard": "1/2"}\n' "$2" "$3" >"$1"
}
# A live holder on this host (this shell): the same shard refuses, naming
# it; the other shard of the same N runs; a whole run refuses.
hold "$HOLD" "$host" $$
run batch $M --out-root sharded --shard 1/2
why=
if [ "$code" -ne 3 ] || ! grep -q "shard-1-of-2.running: this shard is running on host $host, pid $$" "$ERR"; then
  why="the same shard: exit $code: $(head -c 300 "$ERR")"
fi
run batch $M --out-root sharded --shard 2/2
[ -z "$why" ] && [ "$code" -ne 0 ] && why="the other shard: exit $code: $(head -c 300 "$ERR")"
run batch $M --out-root sharded
if [ -z "$why" ] && { [ "$code" -ne 3 ] || ! grep -q "shard 1/2 is running on host $host, pid $$" "$ERR"; }; then
  why="the whole run while shard 1/2 runs: exit $code: $(head -c 300 "$ERR")"
fi
[ -z "$why" ] && [ ! -f "$HOLD" ] && why="a refused run removed the holder's file"
[ -z "$why" ] && [ -n "$(find "$SCRATCH/sharded" -name '*.running' ! -name "$(basename "$HOLD")")" ] &&
  why="a refused run left its own file: $(find "$SCRATCH/sharded" -name '*.running')"
run batch $M --out-root sharded --ignore-locks
if [ -z "$why" ] && { [ "$code" -ne 0 ] || ! grep -q 'still running.*--ignore-locks' "$ERR"; }; then
  why="--ignore-locks: exit $code: $(head -c 300 "$ERR")"
fi
check "a run whose maps another live run is rendering is refused, naming it (--ignore-locks runs)" "$why"

# The same with the real thing: a run in progress, and the same shard
# started again while it runs.
cp "$SCRATCH/specs/kill.yaml" "$SCRATCH/specs/twice.yaml"
(cd "$SCRATCH" && exec "$BIN" batch specs/twice.yaml --shard 1/2 --out-root twice >/dev/null 2>&1) &
pid=$!
for _ in $(seq 1 400); do
  [ -f "$SCRATCH/twice/kill/twice.influmap.shard-1-of-2.running" ] && break
  sleep 0.01
done
# The first run is held still while the second starts: on a fast machine it
# could otherwise finish, and free its lock, before the second looks.
kill -STOP $pid 2>/dev/null
run batch specs/twice.yaml --shard 1/2 --out-root twice
second=$code
kill -CONT $pid 2>/dev/null
wait $pid
first=$?
why=
if [ "$first" -ne 0 ] || [ "$second" -ne 3 ] || ! grep -q "is running on host $host" "$ERR"; then
  why="first exit $first, second exit $second: $(head -c 300 "$ERR")"
elif [ -e "$SCRATCH/twice/kill/twice.influmap.shard-1-of-2.running" ]; then
  why="the first run left its .running file"
fi
check "the same shard started twice: the second stops with a message, the first finishes" "$why"

# Holders that are gone: a pid no longer running here, and a file on
# another host untouched for more than 90 seconds, are recovered; a fresh
# one of another host is not.
stale=999999
while kill -0 $stale 2>/dev/null; do stale=$((stale + 1)); done
hold "$HOLD" "$host" $stale
run batch $M --out-root sharded --shard 1/2
why=
if [ "$code" -ne 0 ] || ! grep -q "recovered the lock of host $host, pid $stale (its process is no longer running)" "$ERR"; then
  why="a dead pid here: exit $code: $(head -c 300 "$ERR")"
fi
[ -z "$why" ] && [ -e "$HOLD" ] && why="the recovered file is left after the run"
hold "$HOLD" elsewhere.example 4242
run batch $M --out-root sharded --shard 1/2
[ -z "$why" ] && [ "$code" -ne 3 ] && why="a fresh holder on another host: exit $code"
touch -d '-2 minutes' "$HOLD"
run batch $M --out-root sharded --shard 1/2
if [ -z "$why" ] && { [ "$code" -ne 0 ] || ! grep -q 'recovered the lock of host elsewhere.example, pid 4242 (untouched for 90 seconds)' "$ERR"; }; then
  why="another host, 2 minutes old: exit $code: $(head -c 300 "$ERR")"
fi
check "a lock whose holder is gone is recovered, with a warning" "$why"

# --- up to date by content: the same fonts at another path ---

fonts=$SCRATCH/fonts
mkdir -p "$fonts"
for f in "Noto Sans" "Noto Sans:bold" "Noto Sans:italic"; do
  cp "$(fc-match -f '%{file}' "$f")" "$fonts/"
done
printf '<?xml version="1.0"?>\n<fontconfig><dir>%s</dir><cachedir>%s/cache</cachedir></fontconfig>\n' "$fonts" "$fonts" \
  >"$fonts/fonts.conf"
run batch $M --out-root fontpath
first_fonts=$(json "$SCRATCH/fontpath/out/monthly.influmap.lock" '" ".join(k for k in d["outputs"]["out/a/china.png"]["inputs"] if ".ttf" in k)')
FONTCONFIG_FILE=$fonts/fonts.conf run batch $M --out-root fontpath
why=$(expect_counts 0 16 0 0)
[ -z "$why" ] && [[ $first_fonts != */usr/share/fonts/* ]] && why="the lock file names no system font: '$first_fonts'"
FONTCONFIG_FILE=$fonts/fonts.conf run batch $M --out-root fontpath2
second_fonts=$(json "$SCRATCH/fontpath2/out/monthly.influmap.lock" '" ".join(k for k in d["outputs"]["out/a/china.png"]["inputs"] if ".ttf" in k)')
[ -z "$why" ] && [[ $second_fonts != *fonts/NotoSans-Regular.ttf* || $second_fonts == */usr/share/* ]] && why="the copied fonts were not used: '$second_fonts'"
check "the same font files at another path keep every map up to date" "$why"

# A map made by another version of a library that makes the bytes is made
# again (the lock file records them).
python3 - "$SCRATCH/fontpath/out/monthly.influmap.lock" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["outputs"]["out/a/china.png"]["libraries"]["cairo"] = "1.0.0"
json.dump(d, open(sys.argv[1], "w"))
EOF
run batch $M --out-root fontpath
why=$(expect_counts 1 15 0 0)
[ -z "$why" ] && ! grep -q ' rendered fontpath/out/a/china.png ' "$OUT" && why="rendered another map: $(grep ' rendered ' "$OUT")"
check "a map made by another Cairo is made again" "$why"

# --- the manifests that ship ---

why=
for mf in monthly quick; do
  n=$("$BIN" batch "$REPO/styles/$mf.yaml" --list 2>"$ERR" | wc -l)
  want=4416
  [ $mf = quick ] && want=12
  [ -z "$why" ] && [ "$n" -ne $want ] && why="styles/$mf.yaml lists $n maps, expected $want: $(head -c 300 "$ERR")"
done
check "styles/monthly.yaml and styles/quick.yaml list their maps" "$why"

# --- mistakes ---

printf 'base: a.yaml\nmatrix:\n  a: [x]\noutput: "{a}.png"\ntitel: x\n' >"$SCRATCH/specs/typo.yaml"
run batch specs/typo.yaml
why=
if [ "$code" -ne 1 ] || ! grep -q "^influmap: specs/typo.yaml:5:1: unknown key 'titel' .*did you mean 'title'" "$ERR"; then
  why="exit $code: $(head -c 300 "$ERR" | tr '\n' '|')"
fi
check "a misspelt key: file:line:column and a suggestion" "$why"

run batch $M -j 0
check "-j 0 is a usage error" "$([ "$code" -eq 2 ] || echo "exit $code")"
run batch $M --count 3
check "--count without --shard auto is a usage error" "$([ "$code" -eq 2 ] || echo "exit $code")"

why=
for c in render info validate batch; do
  "$BIN" $c --help >"$OUT" 2>"$ERR"
  code=$?
  [ -z "$why" ] && { [ "$code" -ne 0 ] || ! grep -q "^usage: influmap" "$OUT"; } && why="$c --help: exit $code: $(head -c 200 "$ERR")"
done
"$BIN" batch -h >"$OUT"
[ -z "$why" ] && ! grep -q -- '--ignore-locks' "$OUT" && why="batch -h does not describe --ignore-locks"
check "every subcommand answers --help" "$why"

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
