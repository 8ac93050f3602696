#!/usr/bin/env bash
# Batch benchmark: every Latin American country (46, Natural Earth's
# REGION_WB "Latin America & Caribbean") x 3 months x PNG and PDF = 276 maps,
#   1. influmap batch -j 1
#   1b. influmap batch -j 1 --no-cache (sources read for every map)
#   2. influmap batch -j 2
#   3. a shell loop calling influmap render once per map (today's way)
#   4. influmap batch -j 2 again, with nothing changed (all up to date)
# Each map is a spec per country (its extent, its events) with the month as
# the time window, so the loop can make the very same maps; the outputs of
# all the runs are compared byte for byte.
#
# Usage: bench/batch/run.sh [BUILD-DIR]   (default: build)
# Not part of ctest: it takes minutes. WORK=/some/dir keeps the files.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$REPO/build}
BIN=$(cd "$BUILD" && pwd)/influmap
[ -x "$BIN" ] || { echo "$0: no influmap in $BUILD (build it first)" >&2; exit 2; }
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK/specs"
cd "$WORK"

# --- one spec per country: its bounding box (from the .shp records) and
# its events; the house style and layers of styles/influence-latam.yaml ---
python3 - "$REPO" <<'EOF'
import sys
repo = sys.argv[1]
sys.path.insert(0, repo + "/bench/batch")
import countries
for rec, box in countries.read(repo + "/shapes/ne_10m_admin_0_countries_americas"):
    if rec["REGION_WB"] != "Latin America & Caribbean" or not box:
        continue
    w, s, e, n_ = box
    pw, ph = max(e - w, 0.5) * 0.15, max(n_ - s, 0.5) * 0.15
    name = rec["NAME"].replace('"', "'")
    with open("specs/%s.yaml" % rec["ISO_A3"], "w") as out:
        out.write(f"""include: {repo}/styles/vric.yaml
map:
  title: "Foreign influence in {name}"
  page: {{width: 120mm, height: 90mm, dpi: 150}}
  crs: "+proj=laea +lat_0=-15 +lon_0=-75 +datum=WGS84 +units=m +no_defs"
  extent: {{west: {w - pw:.4f}, east: {e + pw:.4f}, south: {max(s - ph, -90):.4f}, north: {min(n_ + ph, 90):.4f}}}
  background: "#dbe9f4"
layers:
  - {{id: countries, source: {repo}/shapes/ne_10m_admin_0_countries_americas.shp, style: vric-countries}}
  - {{id: lakes, source: {repo}/shapes/ne_10m_lakes_americas.shp, style: vric-lakes}}
  - {{id: country-labels, source: {repo}/shapes/ne_10m_admin_0_countries_americas.shp, style: vric-country-labels,
     fill: none, stroke: none}}
  - {{id: routes, source: {repo}/shapes/influence/routes.geojson, style: vric-routes, label: none}}
  - {{id: events, source: {repo}/shapes/influence/events.geojson, style: vric-events, where: "country = '{rec["ISO_A3"]}'"}}
""")
EOF

cat >manifest.yaml <<EOF
base: "specs/{country}.yaml"
matrix:
  country: {from: $REPO/shapes/ne_10m_admin_0_countries_americas.shp, field: ISO_A3,
            where: "REGION_WB = 'Latin America & Caribbean'"}
  month: {range: [2021-10, 2021-12]}
  format: [png, pdf]
output: "{country}/{month}.{format}"
period: {from: "{month}", to: "{month}"}
EOF

"$BIN" batch manifest.yaml --list >jobs.tsv
N=$(wc -l <jobs.tsv)
echo "influmap batch benchmark: $N maps ($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "  $("$BIN" --version), work folder $WORK"

# measure LABEL CMD...: wall-clock and CPU (user + system) seconds of CMD,
# children included, in $real and $cpu; prints a line.
measure() {
  local label=$1 TIMEFORMAT='%R %U %S' t user sys
  shift
  t=$({ time "$@" >/dev/null 2>&1; } 2>&1)
  read -r real user sys <<<"$t"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  awk -v l="$label" -v n="$N" -v r="$real" -v c="$cpu" \
    'BEGIN { printf "  %-28s %7.1f s %7.2f maps/s   CPU %6.1f s (%.0f ms/map)\n", l, r, n / r, c, 1000 * c / n }'
}

loop() {
  while IFS=$'\t' read -r out country month _; do
    mkdir -p "loop/$(dirname "$out")"
    "$BIN" render "specs/${country#country=}.yaml" -o "loop/$out" --from "${month#month=}" --to "${month#month=}"
  done <jobs.tsv
}

measure "batch -j 1" "$BIN" batch manifest.yaml -j 1 --force --out-root j1
t_j1=$real c_j1=$cpu
measure "batch -j 1 --no-cache" "$BIN" batch manifest.yaml -j 1 --force --out-root nocache --no-cache
t_nc=$real c_nc=$cpu
measure "batch -j 2" "$BIN" batch manifest.yaml -j 2 --force --out-root j2
t_j2=$real
measure "shell loop of render" loop
t_loop=$real c_loop=$cpu
measure "batch -j 2, nothing changed" "$BIN" batch manifest.yaml -j 2 --out-root j2
"$BIN" batch manifest.yaml -j 2 --out-root j2 | tail -1 | sed 's/^/    /'

same=0
while IFS=$'\t' read -r out _; do
  cmp -s "j1/$out" "loop/$out" && cmp -s "j1/$out" "j2/$out" && cmp -s "j1/$out" "nocache/$out" && same=$((same + 1))
done <jobs.tsv
echo "  outputs identical in all four runs: $same of $N"
awk -v l="$t_loop" -v a="$t_j1" -v b="$t_j2" -v c="$t_nc" -v cl="$c_loop" -v c1="$c_j1" -v cn="$c_nc" 'BEGIN {
  printf "  gain over the loop (wall): %.2fx with -j 1, %.2fx with -j 2\n", l / a, l / b
  printf "  gain over the loop (CPU):  %.2fx with -j 1\n", cl / c1
  printf "  gain from the layer cache: %.2fx wall, %.2fx CPU (-j 1 --no-cache / -j 1)\n", c / a, cn / c1
}'
