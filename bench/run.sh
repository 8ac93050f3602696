#!/bin/bash
# The benchmark of issue 6: influmap against MapServer, Mapnik and GMT on the three reference
# maps (latam-50m, world-robinson, latam-10m) in PNG, SVG and PDF, one command end to end:
#
#   bench/run.sh                 install the peers, build influmap, render, time, check, report
#   INFLUMAP=build/influmap bench/run.sh      use that binary instead of building one
#
# Prints one table (tool, map, format, median time, ratio to MapServer, peak RSS, file size,
# IoU for PNGs) and writes it with the machine, the load and every version to
# bench/results.md. Not part of ctest: it is slow and its timings are noisy.
#
# Environment:
#   INFLUMAP=PATH    the influmap binary to measure (default: a Release build of this tree
#                    in $BUILD, /tmp/influmap-bench-build)
#   OUT=DIR          renders, timings, masks (default bench/out; masks are kept between runs)
#   MAPS, FORMATS    subsets, e.g. MAPS="latam-50m" FORMATS="png pdf"
#   RUNS=7 WARMUP=2  hyperfine runs (at least 5) and warm-up runs per command
#   LOAD_MAX=1.0     before each timing, wait (up to LOAD_WAIT=120 s) for the 1-minute load
#                    average to fall below this; the load is recorded either way
#   NO_INSTALL=1     do not install packages (skip the peers that are missing)
#   RESULTS=FILE     where to write the report (default bench/results.md)
#
# Each peer is skipped cleanly, with the reason in the report, when its Debian package is
# not available. Renders run under a 4 GB address-space limit and a time limit, so a peer
# that misbehaves (GMT once allocated 23 GB on a Robinson frame) cannot take the machine.
set -euo pipefail

invocation=bench/run.sh
for v in LOAD_MAX WARMUP RUNS FORMATS MAPS INFLUMAP; do
  [ -n "${!v:-}" ] && invocation="$v=\"${!v}\" $invocation"
done
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
OUT=${OUT:-$here/out}
BUILD=${BUILD:-/tmp/influmap-bench-build}
MAPS=${MAPS:-latam-50m world-robinson latam-10m}
FORMATS=${FORMATS:-png svg pdf}
RUNS=${RUNS:-7}
WARMUP=${WARMUP:-2}
LOAD_MAX=${LOAD_MAX:-1.0}
LOAD_WAIT=${LOAD_WAIT:-120}
RESULTS=${RESULTS:-$here/results.md}
PY=/usr/bin/python3  # Debian's python3, which has mapnik, gdal and numpy (not a pyenv one)
TIME_LIMIT=600
MEM_LIMIT_KB=4000000

[ "$RUNS" -ge 5 ] || { echo "run.sh: RUNS must be at least 5" >&2; exit 2; }
log() { printf '== %s\n' "$*" >&2; }

mkdir -p "$OUT"/{maps,time,rss,iou,masks,load}
: > "$OUT/skipped.txt"
skip() { printf '%s\t%s\n' "$1" "$2" >> "$OUT/skipped.txt"; log "skipping $1: $2"; }

# --- 1. packages --------------------------------------------------------------------------
# package -> the peer it belongs to ("all" when the benchmark itself needs it)
declare -A PKG_PEER=([hyperfine]=all [gdal-bin]=all [python3-gdal]=all [python3-numpy]=all
  [time]=all [mapserver-bin]=mapserver [mapnik-utils]=mapnik [python3-mapnik]=mapnik
  [gmt]=gmt [gmt-gshhg-low]=gmt [ghostscript]=gmt)
declare -A PEER_OK=([mapserver]=1 [mapnik]=1 [gmt]=1)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
missing=()
for p in "${!PKG_PEER[@]}"; do
  installed "$p" && continue
  cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
    peer=${PKG_PEER[$p]}
    [ "$peer" = all ] && { echo "run.sh: $p is not available from apt; it is needed" >&2; exit 1; }
    skip "$peer" "Debian package $p is not available (apt-cache policy: no candidate)"
    PEER_OK[$peer]=0
  else
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ -n "${NO_INSTALL:-}" ]; then
    for p in "${missing[@]}"; do
      peer=${PKG_PEER[$p]}
      [ "$peer" = all ] && { echo "run.sh: $p is not installed (NO_INSTALL is set)" >&2; exit 1; }
      skip "$peer" "package $p is not installed (NO_INSTALL)"; PEER_OK[$peer]=0
    done
  else
    log "installing ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
  fi
fi

# --- 2. influmap --------------------------------------------------------------------------
if [ -z "${INFLUMAP:-}" ]; then
  log "building influmap (Release) in $BUILD"
  cmake -S "$repo" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DINFLUMAP_TESTS=OFF > "$OUT/build.log"
  make -C "$BUILD" -j"$(nproc)" >> "$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
  INFLUMAP=$BUILD/influmap
fi
INFLUMAP=$(cd "$(dirname "$INFLUMAP")" && pwd)/$(basename "$INFLUMAP")
# the tree's state when it was built (others may edit it during the run)
dirty=$(git -C "$repo" status --porcelain -- src include CMakeLists.txt 2>/dev/null | awk '{print $2}' | paste -sd' ' -)
[ -x "$INFLUMAP" ] || { echo "run.sh: $INFLUMAP is not executable" >&2; exit 1; }

# --- 3. the commands ----------------------------------------------------------------------
# Each is run from $here with no shell (hyperfine -N), so the paths below are relative to it.
size_of() {  # W H of a map
  case $1 in world-robinson) echo "3000 1500" ;; *) echo "2200 2400" ;; esac
}
extent_of() {  # xmin ymin xmax ymax of a map's frame (outer edges)
  case $1 in world-robinson) echo "-17400000 -8700000 17400000 8700000" ;;
    *) echo "-5500000 -5000000 5500000 7000000" ;; esac
}
command_for() {  # tool map format -> the command line, or nothing if the tool cannot
  local tool=$1 map=$2 fmt=$3 out=$OUT/maps/$1-$2.$3
  case $tool in
    influmap) echo "$INFLUMAP render specs/$map.yaml -o $out" ;;
    # the same without the store of resolved CRSs: every run opens proj.db
    influmap_nostore) echo "env INFLUMAP_CACHE_DIR=off $INFLUMAP render specs/$map.yaml -o $out" ;;
    mapserver) echo "map2img -m mapserver/$map.map -i $fmt -o $out" ;;
    mapnik) echo "$PY mapnik/render.py mapnik/$map.xml $(size_of "$map") $(extent_of "$map") $out $fmt" ;;
    gmt) [ "$fmt" = svg ] || echo "gmt/render.sh $map $out $fmt" ;;
  esac
  return 0
}
limited() {  # run a command line (word-split) under the time and memory limits
  (ulimit -v $MEM_LIMIT_KB; exec timeout $TIME_LIMIT "$@")
}

cd "$here"
# influmap's store of resolved CRSs (src/geo/crs-store.c) lives with the run: the first
# render fills it, as a user's first map does; influmap_nostore runs without it.
export INFLUMAP_CACHE_DIR=$OUT/crs-store
rm -rf "$INFLUMAP_CACHE_DIR"
tools=(influmap influmap_nostore)
for t in mapserver mapnik gmt; do [ "${PEER_OK[$t]}" = 1 ] && tools+=("$t"); done
if [ "${PEER_OK[gmt]}" = 1 ] && [[ " $FORMATS " == *" svg "* ]]; then
  skip "gmt (svg)" "GMT 6.4 has no SVG output: gmt begin knows no svg format"
fi

wait_for_quiet() {
  local waited=0
  while awk -v max="$LOAD_MAX" '{exit !($1 >= max)}' /proc/loadavg && [ $waited -lt "$LOAD_WAIT" ]; do
    sleep 10; waited=$((waited + 10))
  done
}

# --- 4. render, time, measure -------------------------------------------------------------
for map in $MAPS; do
  for fmt in $FORMATS; do
    names=() cmds=() timed=()
    for tool in "${tools[@]}"; do
      cmd=$(command_for "$tool" "$map" "$fmt")
      [ -n "$cmd" ] || continue
      rm -f "$OUT/maps/$tool-$map.$fmt"
      # shellcheck disable=SC2086 # the command line is split into words on purpose
      if ! limited $cmd > "$OUT/maps/$tool-$map.$fmt.log" 2>&1 || [ ! -s "$OUT/maps/$tool-$map.$fmt" ]; then
        skip "$tool ($map $fmt)" "render failed: $(tail -3 "$OUT/maps/$tool-$map.$fmt.log" | tr '\n' ' ')"
        continue
      fi
      # Peak RSS: GNU time's maximum resident set size (for GMT's script, its largest process).
      # shellcheck disable=SC2086
      limited /usr/bin/time -f %M -o "$OUT/rss/$tool-$map-$fmt.txt" $cmd > /dev/null 2>&1
      names+=(-n "$tool") cmds+=("$cmd") timed+=("$tool")
    done
    [ ${#cmds[@]} -gt 0 ] || continue
    log "timing $map $fmt: ${timed[*]}"
    wait_for_quiet
    cat /proc/loadavg > "$OUT/load/$map-$fmt.txt"
    args=()
    for i in "${!cmds[@]}"; do args+=("${names[$((2 * i))]}" "${names[$((2 * i + 1))]}" "${cmds[$i]}"); done
    (ulimit -v $MEM_LIMIT_KB; hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
      --export-json "$OUT/time/$map-$fmt.json" "${args[@]}") >&2
    cat /proc/loadavg >> "$OUT/load/$map-$fmt.txt"
  done
done

# --- 5. correctness -----------------------------------------------------------------------
for map in $MAPS; do
  [[ " $FORMATS " == *" png "* ]] || break
  mask=$OUT/masks/$map.tif
  if [ ! -s "$mask" ] || [ mask.py -nt "$mask" ]; then
    log "burning the reference mask of $map (gdal_rasterize)"
    $PY mask.py "$map" "$mask" --plain "$OUT/masks/$map-plain.tif" 2> "$OUT/masks/$map.log"
  fi
  pngs=()
  for tool in "${tools[@]}"; do
    [ -s "$OUT/maps/$tool-$map.png" ] && pngs+=("$OUT/maps/$tool-$map.png")
  done
  $PY iou.py "$mask" --plain "$OUT/masks/$map-plain.tif" --diff "$OUT/iou/diff-influmap-$map.png" \
    "${pngs[@]}" > "$OUT/iou/$map.jsonl"
done

# --- 6. versions and the report -----------------------------------------------------------
{
  echo "influmap	$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')${dirty:+ + uncommitted changes in $dirty} ($INFLUMAP; cairo $(pkg-config --modversion cairo 2>/dev/null), PROJ $(pkg-config --modversion proj 2>/dev/null))"
  [ "${PEER_OK[mapserver]}" = 1 ] && echo "mapserver	$(map2img -v | head -1 | sed 's/ OUTPUT=.*//') (Debian mapserver-bin $(dpkg-query -W -f='${Version}' mapserver-bin))"
  [ "${PEER_OK[mapnik]}" = 1 ] && echo "mapnik	$($PY -c 'import mapnik; v = mapnik.mapnik_version(); print("%d.%d.%d" % (v // 100000, v // 100 % 1000, v % 100))') (Debian python3-mapnik $(dpkg-query -W -f='${Version}' python3-mapnik), Python $($PY -c 'import platform; print(platform.python_version())'))"
  [ "${PEER_OK[gmt]}" = 1 ] && echo "gmt	$(gmt --version) (Ghostscript $(gs --version))"
  echo "hyperfine	$(hyperfine --version | awk '{print $2}')"
  echo "gdal	$(gdal-config --version 2>/dev/null || gdalinfo --version | awk '{print $2}' | tr -d ,)"
} > "$OUT/versions.txt"

RUNS=$RUNS WARMUP=$WARMUP $PY table.py "$OUT" "$RESULTS" "$invocation"
