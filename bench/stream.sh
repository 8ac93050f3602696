#!/bin/bash
# Output to a stream against output to a file (issue 18, item 4): the same render written
# by `influmap render -o FILE` (temporary file, fsync, rename) and by `-o - --format F`
# (im_map_render_to_stream; its bytes cross a pipe, as into another program). Target: the
# stream costs no more than 5% over the file. Writes bench/stream.md; not part of ctest.
#
#   INFLUMAP=build/influmap bench/stream.sh
#
# Environment: INFLUMAP (required: the binary to measure), MAPS (default world-robinson),
# FORMATS (png svg pdf), RUNS (15), WARMUP (2), OUT (bench/out/stream), RESULTS
# (bench/stream.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${INFLUMAP:?set INFLUMAP to the influmap binary}"
INFLUMAP=$(cd "$(dirname "$INFLUMAP")" && pwd)/$(basename "$INFLUMAP")
MAPS=${MAPS:-world-robinson}
FORMATS=${FORMATS:-png svg pdf}
RUNS=${RUNS:-15}
WARMUP=${WARMUP:-2}
OUT=${OUT:-$here/out/stream}
RESULTS=${RESULTS:-$here/stream.md}
mkdir -p "$OUT"
cd "$here"
# The store of resolved CRSs, filled by the first render, as in run.sh.
export INFLUMAP_CACHE_DIR=$OUT/crs-store

for map in $MAPS; do
  for fmt in $FORMATS; do
    file=$OUT/$map.$fmt
    # The same bytes either way, or the timing means nothing.
    "$INFLUMAP" render "specs/$map.yaml" -o "$file" 2> /dev/null
    "$INFLUMAP" render "specs/$map.yaml" -o - --format "$fmt" 2> /dev/null | cmp - "$file"
    hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --output=pipe \
      --export-json "$OUT/$map-$fmt.json" \
      -n file "$INFLUMAP render specs/$map.yaml -o $file" \
      -n stream "$INFLUMAP render specs/$map.yaml -o - --format $fmt" >&2
  done
done

/usr/bin/python3 - "$OUT" "$RESULTS" "$MAPS" "$FORMATS" "$RUNS" "$(cat /proc/loadavg)" << 'PY'
import json, statistics, sys
out, results, maps, formats, runs, load = sys.argv[1:]
rows = []
for m in maps.split():
    for f in formats.split():
        res = {r["command"]: r for r in json.load(open("%s/%s-%s.json" % (out, m, f)))["results"]}
        fi, st = (statistics.median(res[k]["times"]) for k in ("file", "stream"))
        rows.append("| %s | %s | %.3f | %.3f | %.3f |" % (m, f, fi, st, st / fi))
md = ["# Output to a stream against output to a file (issue 18, item 4)", "",
      "`bench/stream.sh`: hyperfine, whole process, no shell, %s runs, the median; the stream's "
      "bytes go through a pipe (`--output=pipe`) and equal the file's (checked with cmp). "
      "Load average at the end: %s. Target: stream / file at most 1.05." % (runs, load), "",
      "| map | format | file (s) | stream (s) | stream / file |", "| --- | --- | ---: | ---: | ---: |"] + rows
open(results, "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
