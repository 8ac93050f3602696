#!/bin/bash
# Scaling of issue 6 (item 5): influmap's (and MapServer's) time against the vertices drawn
# (50m and 10m countries, frames of 1, 4 and 16 times the area, same page) and against the
# output size (latam-50m PNG at 1, 4 and 16 megapixels). One command:
#
#   bench/scaling.sh             (INFLUMAP=path to measure that binary instead of building)
#
# Writes bench/scaling.md (and OUT/scaling/ with the specs and hyperfine JSON). Needs what
# run.sh installs (hyperfine, gdal-bin, python3-gdal; mapserver-bin for the MapServer
# column, which is left out if map2img is missing). Not part of ctest.
# Environment: INFLUMAP, BUILD, OUT, RUNS (10), WARMUP (1), LOAD_MAX (1.0), LOAD_WAIT (120),
# RESULTS (bench/scaling.md), as in run.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
OUT=${OUT:-$here/out}/scaling
BUILD=${BUILD:-/tmp/influmap-bench-build}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-1}
LOAD_MAX=${LOAD_MAX:-1.0}
LOAD_WAIT=${LOAD_WAIT:-120}
RESULTS=${RESULTS:-$here/scaling.md}
PY=/usr/bin/python3
log() { printf '== %s\n' "$*" >&2; }
# influmap's store of resolved CRSs (src/geo/crs-store.c), kept with the run: the warm-up
# fills it.
export INFLUMAP_CACHE_DIR=$OUT/crs-store

for c in hyperfine ogr2ogr gdal_rasterize; do
  command -v $c > /dev/null || { echo "scaling.sh: $c is missing; run bench/run.sh first (it installs it)" >&2; exit 1; }
done
given=${INFLUMAP:-}
if [ -z "${INFLUMAP:-}" ]; then
  log "building influmap (Release) in $BUILD"
  mkdir -p "$OUT"
  cmake -S "$repo" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DINFLUMAP_TESTS=OFF > "$OUT/build.log"
  make -C "$BUILD" -j"$(nproc)" >> "$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
  INFLUMAP=$BUILD/influmap
fi
INFLUMAP=$(cd "$(dirname "$INFLUMAP")" && pwd)/$(basename "$INFLUMAP")
mapserver=1
command -v map2img > /dev/null || { mapserver=0; log "map2img not found: influmap only"; }

rm -rf "$OUT/time" "$OUT/maps" "$OUT/load"
mkdir -p "$OUT/time" "$OUT/maps" "$OUT/load"
log "counting vertices and writing the specs"
cd "$here"
$PY scaling.py prepare "$OUT" > "$OUT/configs.txt"

while read -r name w h inside read x0 y0 x1 y1; do
  args=(-n influmap "$INFLUMAP render $OUT/specs/$name.yaml -o $OUT/maps/influmap-$name.png")
  if [ $mapserver = 1 ]; then
    layer=c${name#vertices-}; layer=${layer%%-*}
    case $name in pixels-*) layer=c50m ;; esac
    args+=(-n mapserver "map2img -m mapserver/scaling.map -l $layer -s $w $h -e $x0 $y0 $x1 $y1 -i png -o $OUT/maps/mapserver-$name.png")
  fi
  log "timing $name ($w x $h px, $inside vertices in the frame, $read read)"
  waited=0
  while awk -v max="$LOAD_MAX" '{exit !($1 >= max)}' /proc/loadavg && [ $waited -lt "$LOAD_WAIT" ]; do
    sleep 10; waited=$((waited + 10))
  done
  cat /proc/loadavg > "$OUT/load/$name.txt"
  (ulimit -v 4000000; hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
    --export-json "$OUT/time/$name.json" "${args[@]}") >&2
  cat /proc/loadavg >> "$OUT/load/$name.txt"
done < "$OUT/configs.txt"

dirty=$(git -C "$repo" status --porcelain -- src include CMakeLists.txt | awk '{print $2}' | paste -sd' ' -)
loads=$(cat "$OUT"/load/*.txt | awk '{print $1}' | sort -n | sed -n '1p;$p' | paste -sd- -)
export SCALING_HEADER="Run $(date '+%Y-%m-%d %H:%M') with \`bench/scaling.sh\` (hyperfine -N, $WARMUP warm-up, $RUNS runs; the fastest run, which other sessions on the machine disturb least) on $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), 1-minute load average $loads during the timings; influmap ${given:+$given, given; the tree is at }$(git -C "$repo" rev-parse --short HEAD)${dirty:+ + uncommitted changes in $dirty}. MapServer's extent (-e) is given as the frame's edges here (timing only). Each row is one hyperfine call with both tools."
$PY scaling.py report "$OUT" "$RESULTS"
