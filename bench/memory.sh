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
# The files are written to SCRATCH (default /tmp/influmap-memory, ~300 MB) once
# and kept; they are the same bytes every run.
set -euo pipefail
INFLUMAP=${INFLUMAP:-build/influmap}
SCRATCH=${1:-/tmp/influmap-memory}
mkdir -p "$SCRATCH"

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

echo "| file | size (MB) | exit | peak RSS (MB) | RSS / size | CPU (s) | wall (s) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for f in points-10mb.geojson points-129mb.geojson bare-points-129mb.geojson polygons-10mb.geojson polygons-129mb.geojson braces.yaml \
  unclosed-list.yaml; do
  path="$SCRATCH/$f"
  case $f in
  *.yaml) args=(validate "$path") ;;
  *) args=(info "$path") ;;
  esac
  set +e
  /usr/bin/time -f '%M %e %U %S' -o "$SCRATCH/time.txt" "$INFLUMAP" "${args[@]}" >/dev/null 2>"$SCRATCH/stderr.txt"
  rc=$?
  set -e
  read -r kb secs usr sys < <(tail -n 1 "$SCRATCH/time.txt")
  bytes=$(stat -c %s "$path")
  awk -v f="$f" -v b="$bytes" -v kb="$kb" -v s="$secs" -v cpu="$(awk -v u="$usr" -v y="$sys" 'BEGIN { print u + y }')" \
    -v rc="$rc" 'BEGIN { printf "| %s | %.1f | %d | %.1f | %.2f | %.2f | %.2f |\n", f, b / 1e6, rc, kb * 1024 / 1e6,
      kb * 1024 / b, cpu, s }'
done
