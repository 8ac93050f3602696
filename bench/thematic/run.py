#!/usr/bin/env python3
"""The time a join and an aggregate add to a render (issue 17): 250 square
polygons in a 25 x 10 grid, 10,000 points, a 250-row CSV table. Renders the
same map several ways (plain, + join, + count of the points per polygon,
the count with a where: without and with arithmetic, classes on an
expression of the joined and counted fields) and prints the median wall
time and load stage of each over RUNS runs, and what each adds.

Usage: bench/thematic/run.py [path/to/influmap] [RUNS]   (default build/influmap, 15)
Writes its data and renders to bench/out/thematic/ (not committed)."""
import json
import os
import random
import statistics
import subprocess
import sys
import time

cli = sys.argv[1] if len(sys.argv) > 1 else "build/influmap"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "out", "thematic")
os.makedirs(out, exist_ok=True)

# 250 polygons: squares of 2 degrees, each a ring of 41 vertices (10 per side).
feats = []
for i in range(25):
    for j in range(10):
        x0, y0 = -60 + 2 * i, -20 + 2 * j
        ring = [[x0 + 2 * k / 10, y0] for k in range(10)] + [[x0 + 2, y0 + 2 * k / 10] for k in range(10)]
        ring += [[x0 + 2 - 2 * k / 10, y0 + 2] for k in range(10)] + [[x0, y0 + 2 - 2 * k / 10] for k in range(10)]
        ring.append(ring[0])
        feats.append({"type": "Feature", "properties": {"code": f"P{i:02d}{j:02d}"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
with open(os.path.join(out, "polygons.geojson"), "w") as f:
    json.dump({"type": "FeatureCollection", "features": feats}, f)
rnd = random.Random(17)
with open(os.path.join(out, "points.csv"), "w") as f:
    f.write("id,value,lon,lat\n")
    for k in range(10000):
        f.write(f"{k},{rnd.randint(1, 100)},{rnd.uniform(-60, -10):.5f},{rnd.uniform(-20, 0):.5f}\n")
with open(os.path.join(out, "table.csv"), "w") as f:
    f.write("code,share\n")
    for i in range(25):
        for j in range(10):
            f.write(f"P{i:02d}{j:02d},{rnd.randint(0, 100)}\n")

base = """map:
  page: {width: 160mm, height: 80mm, dpi: 150}
  crs: EPSG:4326
  extent: {west: -61, east: -9, south: -21, north: 1}
layers:
  - id: polygons
    source: polygons.geojson
    stroke: "#888888"
%s"""
variants = {
    "plain": "    fill: \"#eeeeee\"\n",
    "join": "    join: {source: table.csv, on: code}\n    classes: {field: share, breaks: [0, 25, 50, 75, 100], ramp: Blues}\n",
    "count": "    aggregate: {name: n, source: points.csv}\n    classes: {field: n, method: quantile, count: 5, ramp: Blues}\n",
    # The count's where: runs once per point: a plain comparison, then one
    # with arithmetic (the same points pass both).
    "where": "    aggregate: {name: n, source: points.csv, where: \"value > 25\"}\n"
             "    classes: {field: n, method: quantile, count: 5, ramp: Blues}\n",
    "where-expr": "    aggregate: {name: n, source: points.csv, where: \"value * 2 - 50 > 0\"}\n"
                  "    classes: {field: n, method: quantile, count: 5, ramp: Blues}\n",
    # Classes on an expression of a joined and a counted field (computed
    # per polygon, a division by zero where share is 0).
    "expr": "    join: {source: table.csv, on: code}\n    aggregate: {name: n, source: points.csv}\n"
            "    classes: {field: \"n * 100 / share\", method: quantile, count: 5, ramp: Blues, no_data: white}\n",
}
median = {}
for name, extra in variants.items():
    spec = os.path.join(out, f"{name}.yaml")
    with open(spec, "w") as f:
        f.write(base % extra)
    png = os.path.join(out, f"{name}.png")
    times, loads = [], []
    for r in range(runs + 2):
        t0 = time.perf_counter()
        p = subprocess.run([cli, "render", spec, "-o", png, "--timings"], capture_output=True, text=True)
        if p.returncode:  # a build without expressions refuses the last variants
            break
        if r >= 2:  # two warm-up runs
            times.append(time.perf_counter() - t0)
            # The join and the count are made while the layer is read: in
            # the "load" stage of --timings, which times nothing else here.
            load = [ln for ln in p.stderr.splitlines() if "time load" in ln]
            loads.append(float(load[0].split()[3]))
    median[name] = (statistics.median(times), statistics.median(loads)) if times else None

print(f"| render (250 polygons; {runs} runs) | median wall (ms) | median load stage (ms) | load added (ms) |")
print("| --- | ---: | ---: | ---: |")
for name in variants:
    if not median[name]:
        print(f"| {name} | refused | | |")
        continue
    wall, load = median[name]
    added = "" if name == "plain" else f"{load - median['plain'][1]:.1f}"
    what = {"plain": "plain", "join": "+ join of a 250-row CSV", "count": "+ count of 10,000 points",
            "where": "+ count with where: value > 25", "where-expr": "+ count with where: value * 2 - 50 > 0",
            "expr": "+ join, count, classes on n * 100 / share"}[name]
    print(f"| {what} | {1000 * wall:.1f} | {load:.1f} | {added} |")
