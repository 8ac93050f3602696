#!/usr/bin/env bash
# Peak memory against source size (issue 20, item 8): GeoJSON files of points
# and of polygons with properties, 10 MB and 129 MB (just under 128 MiB), and
# 129 MB of points without properties (1.4 million, as in the issue),
# read by `influmap info` (the whole layer, attributes included), and specs of
# 4 MiB that once made libfyaml queue gigabytes. Prints a Markdown table:
# peak RSS (GNU time's maximum resident set size), its ratio to the file's
# size, CPU time (user + system) and wall time (noisy on a shared machine).
#
#   INFLUMAP=build/influmap bench/memory.sh [SCRATCH]
#
# Then renders (`influmap render`, PNG, SVG and PDF) of the 129 MB files of
# points as circles of 1.5 pt over the Americas' 10m countries, filled, and
# filled and outlined (the specs are written beside the files); their ratio
# is to the points file's size.
#
# The files are written to SCRATCH (default /tmp/influmap-memory, ~430 MB) once
# and kept; they are the same bytes every run. ROWS=info or ROWS=render runs
# one half of the table (default: both). Run it from the repository's root.
set -euo pipefail
INFLUMAP=${INFLUMAP:-build/influmap}
SCRATCH=${1:-/tmp/influmap-memory}
ROWS=${ROWS:-all}
mkdir -p "$SCRATCH"
COUNTRIES=$PWD/shapes/ne_10m_admin_0_countries_americas.shp
[ -f "$COUNTRIES" ] || {
  echo "run from the repository's root ($COUNTRIES is missing)" >&2
  exit 2
}

python3 - "$SCRATCH" <<'EOF'
import math, os, sys
d = sys.argv[1]

def geojson(name, target, feature):
    path = os.path.join(d, name)
    if os.path.exists(path) and os.path.getsize(path) >= target:
        return
    with open(path, "w") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        i, size = 0, 0
        while size < target:
            s = ("," if i else "") + feature(i) + "\n"
            f.write(s)
            size += len(s)
            i += 1
        f.write("]}\n")

def point(i):
    lon, lat = -120 + (i * 0.000731) % 90, -50 + (i * 0.000377) % 80
    return ('{"type":"Feature","properties":{"id":%d,"name":"site %d","value":%.2f},'
            '"geometry":{"type":"Point","coordinates":[%.6f,%.6f]}}' % (i, i, (i % 1000) / 7, lon, lat))

def bare_point(i):
    return ('{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[%.3f,%.3f]}}'
            % (-120 + (i * 0.000731) % 90, -50 + (i * 0.000377) % 80))

def polygon(i):
    cx, cy = -120 + (i * 0.0173) % 90, -50 + (i * 0.0091) % 80
    ring = ["[%.6f,%.6f]" % (cx + 0.1 * math.cos(2 * math.pi * k / 24), cy + 0.1 * math.sin(2 * math.pi * k / 24))
            for k in range(24)]
    ring.append(ring[0])
    return ('{"type":"Feature","properties":{"id":%d,"name":"district %d","iso":"X%03d","pop":%d},'
            '"geometry":{"type":"Polygon","coordinates":[[%s]]}}' % (i, i, i % 1000, i * 37 % 100000, ",".join(ring)))

MB = 1000 * 1000
geojson("points-10mb.geojson", 10 * MB, point)
geojson("points-129mb.geojson", 129 * MB, point)
geojson("bare-points-129mb.geojson", 129 * MB, bare_point)
geojson("polygons-10mb.geojson", 10 * MB, polygon)
geojson("polygons-129mb.geojson", 129 * MB, polygon)
n = (4 << 20) - 16
for name, text in (("braces.yaml", "{" * n), ("unclosed-list.yaml", ("[" + "a," * n)[:n])):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
EOF

# One row: its name, the file its size is measured against, the command's arguments.
row() {
  local name=$1 path=$2 rc kb secs usr sys bytes
  shift 2
  set +e
  /usr/bin/time -f '%M %e %U %S' -o "$SCRATCH/time.txt" "$INFLUMAP" "$@" >/dev/null 2>"$SCRATCH/stderr.txt"
  rc=$?
  set -e
  read -r kb secs usr sys < <(tail -n 1 "$SCRATCH/time.txt")
  bytes=$(stat -c %s "$path")
  awk -v f="$name" -v b="$bytes" -v kb="$kb" -v s="$secs" -v cpu="$(awk -v u="$usr" -v y="$sys" 'BEGIN { print u + y }')" \
    -v rc="$rc" 'BEGIN { printf "| %s | %.1f | %d | %.1f | %.2f | %.2f | %.2f |\n", f, b / 1e6, rc, kb * 1024 / 1e6,
      kb * 1024 / b, cpu, s }'
}

echo "| file | size (MB) | exit | peak RSS (MB) | RSS / size | CPU (s) | wall (s) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
if [ "$ROWS" != render ]; then
  for f in points-10mb.geojson points-129mb.geojson bare-points-129mb.geojson polygons-10mb.geojson polygons-129mb.geojson \
    braces.yaml unclosed-list.yaml; do
    case $f in
    *.yaml) row "$f" "$SCRATCH/$f" validate "$SCRATCH/$f" ;;
    *) row "$f" "$SCRATCH/$f" info "$SCRATCH/$f" ;;
    esac
  done
fi
if [ "$ROWS" != info ]; then
  for case in points-129mb:filled bare-points-129mb:filled points-129mb:outlined; do
    points=${case%%:*} look=${case#*:} stroke=
    [ "$look" = outlined ] && stroke='    stroke: {color: "#ffffff", width: 0.3pt}'
    spec="$SCRATCH/$points-$look.yaml"
    printf '%s\n' "map:" "  page: {width: 180mm, height: 220mm, dpi: 300}" \
      '  crs: "+proj=laea +lat_0=-15 +lon_0=-75 +datum=WGS84 +units=m +no_defs"' \
      "  extent: {west: -118, east: -34, south: -56, north: 33}" '  background: "#dbe9f4"' "layers:" \
      "  - id: countries" "    source: $COUNTRIES" '    fill: "#f2efe9"' '    stroke: {color: "#8a8a8a", width: 0.3pt}' \
      "  - id: points" "    source: $SCRATCH/$points.geojson" "    marker: {symbol: circle, size: 1.5pt}" \
      '    fill: "#c0392b"' "$stroke" >"$spec"
    for fmt in png svg pdf; do
      row "render $points.geojson, $look, .$fmt" "$SCRATCH/$points.geojson" render "$spec" -o "$SCRATCH/out.$fmt"
    done
  done
  rm -f "$SCRATCH/out.png" "$SCRATCH/out.svg" "$SCRATCH/out.pdf"
fi
