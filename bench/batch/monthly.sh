#!/usr/bin/env bash
# The monthly export (styles/monthly.yaml, 4416 maps) on this machine:
#   1. influmap batch -j 1
#   2. influmap batch -j 2
#   3. a shell loop calling influmap render once per map
# over one shard of it (SHARD, default 1/16: about 276 maps; SHARD=1/1 for
# all 4416, which takes the better part of an hour). For the loop, each map
# becomes a spec of its own: styles/batch/country-month.yaml with the map's
# title, extent (the country's box padded by 10%, as from_feature makes it)
# and filters written in, its month given as --from/--to; the outputs of the
# three runs are compared byte for byte, so the loop makes the very maps the
# batch does.
#
# Usage: bench/batch/monthly.sh [BUILD-DIR]   (default: build)
# Not part of ctest. WORK=/some/dir keeps the files.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$REPO/build}
BIN=$(cd "$BUILD" && pwd)/influmap
[ -x "$BIN" ] || { echo "$0: no influmap in $BUILD (build it first)" >&2; exit 2; }
SHARD=${SHARD:-1/16}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK/specs"
cd "$WORK"

M=$REPO/styles/monthly.yaml
"$BIN" batch "$M" --list --shard "$SHARD" >jobs.tsv
N=$(wc -l <jobs.tsv)

# --- one spec per map, for the loop ---
python3 - "$REPO" <<'EOF'
import re, sys
repo = sys.argv[1]
sys.path.insert(0, repo + "/bench/batch")
import countries
table = countries.read(repo + "/shapes/ne_10m_admin_0_countries_americas")
records = [rec for rec, _ in table]
boxes = {}
for rec, box in table:
    if box:
        w, s, e, n_ = box
        o = boxes.get(rec["ISO_A3"])
        boxes[rec["ISO_A3"]] = (w, s, e, n_) if not o else (min(o[0], w), min(o[1], s), max(o[2], e), max(o[3], n_))
names = {r["ISO_A3"]: r["NAME"] for r in records}
text = open(repo + "/styles/batch/country-month.yaml", encoding="utf-8").read()
text = text.replace("../../shapes/", repo + "/shapes/").replace("include: ../vric.yaml", "include: %s/styles/vric.yaml" % repo)
for line in open("jobs.tsv", encoding="utf-8"):
    out, *params = line.rstrip("\n").split("\t")
    p = dict(x.split("=", 1) for x in params)
    a, c = p["actor"], p["country"]
    w, s, e, n_ = boxes[c]
    px, py = 0.1 * max(e - w, 0.01), 0.1 * max(n_ - s, 0.01)
    spec = re.sub(r'^  title: .*$', '  title: "%s in %s, %s, as reported in the December 2021 VRIC Monitor"'
                  % (a, names[c], p["month"]), text, count=1, flags=re.M)
    spec = re.sub(r'^  extent: .*$', "  extent: {west: %r, east: %r, south: %r, north: %r}"
                  % (max(w - px, -540), min(e + px, 540), max(s - py, -90), min(n_ + py, 90)), spec, count=1, flags=re.M)
    # The routes' filter comes first in the file, then the events'.
    spec = spec.replace("where: \"reported = '2021-12'\"",
                        "where: \"(reported = '2021-12') and (actor = '%s')\"" % a, 1)
    spec = spec.replace("where: \"reported = '2021-12'\"",
                        "where: \"(reported = '2021-12') and (actor = '%s' and country = '%s')\"" % (a, c), 1)
    spec = spec.replace("style: vric-country-labels,\n     fill: none, stroke: none}",
                        "style: vric-country-labels,\n     fill: none, stroke: none, where: \"ISO_A3 != '%s'\"}" % c, 1)
    spec = spec.replace("fill: none, stroke: none, legend: false}",
                        "fill: none, stroke: none, legend: false, where: \"ISO_A3 = '%s'\"}" % c, 1)
    open("specs/" + out.replace("/", "_") + ".yaml", "w", encoding="utf-8").write(spec)
EOF

echo "influmap monthly export: shard $SHARD of styles/monthly.yaml, $N maps ($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "  $("$BIN" --version), work folder $WORK"

measure() {
  local label=$1 TIMEFORMAT='%R %U %S' t user sys
  shift
  t=$({ time "$@" >/dev/null 2>&1; } 2>&1)
  read -r real user sys <<<"$t"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  awk -v l="$label" -v n="$N" -v r="$real" -v c="$cpu" \
    'BEGIN { printf "  %-22s %7.1f s %7.2f maps/s   CPU %6.1f s (%.0f ms/map)\n", l, r, n / r, c, 1000 * c / n }'
}

loop() {
  while IFS=$'\t' read -r out _ _ month _; do
    mkdir -p "loop/$(dirname "$out")"
    "$BIN" render "specs/${out//\//_}.yaml" -o "loop/$out" --dpi 150 --from "${month#month=}" --to "${month#month=}"
  done <jobs.tsv
}

measure "batch -j 1" "$BIN" batch "$M" --shard "$SHARD" -j 1 --force --out-root j1
t_j1=$real
measure "batch -j 2" "$BIN" batch "$M" --shard "$SHARD" -j 2 --force --out-root j2
t_j2=$real
measure "loop of render" loop
t_loop=$real

same=0
while IFS=$'\t' read -r out _; do
  cmp -s "j1/$out" "loop/$out" && cmp -s "j1/$out" "j2/$out" && same=$((same + 1))
done <jobs.tsv
echo "  outputs identical in the three runs: $same of $N"
awk -v l="$t_loop" -v a="$t_j1" -v b="$t_j2" 'BEGIN {
  printf "  gain over the loop (wall): %.2fx with -j 1, %.2fx with -j 2\n", l / a, l / b }'
