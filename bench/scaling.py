#!/usr/bin/python3
"""Helpers of scaling.sh (issue 6, item 5).

  scaling.py prepare OUT   write OUT/specs/*.yaml and OUT/configs.json (with vertex counts)
  scaling.py report OUT MD print the tables from OUT/time/*.json and write them to MD

Times are the fastest of the runs (the least disturbed by other work on the machine).
Two series, each a countries layer (fill #f2efe9, outline #555555 1 px) on a 2200 x 2400 px
page in the latam-50m CRS:
- vertices: the 50m world and the 10m Americas countries, frames of 1, 4 and 16 times the
  area (16x is the latam-50m frame; all share its centre and shape), so the vertex count
  grows with the area and with the detail of the data while the page stays the same;
- pixels: latam-50m at 1, 4 and 16 megapixels (PNG), the same vertices.
Vertices are counted on the data reprojected as in mask.py: "in frame" are the vertices
inside the frame; "read" all the vertices of the features whose projected bounding box
meets it (influmap decodes whole shapes that meet the frame).
"""
import json
import math
import os
import sys
import tempfile

from osgeo import ogr

import mask

ogr.UseExceptions()

SHAPES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shapes")
LAYERS = {"50m": "ne_50m_admin_0_countries", "10m": "ne_10m_admin_0_countries_americas"}
CENTRE = (0.0, 1000000.0)      # the latam-50m frame's centre
HALF = (5500000.0, 6000000.0)  # its half width and height
SPEC = """# scaling.sh: {name}
map:
  page: {{width: {w}px, height: {h}px, dpi: 72}}
  crs: "{crs}"
  extent: {{xmin: {x0:.0f}, xmax: {x1:.0f}, ymin: {y0:.0f}, ymax: {y1:.0f}}}
  background: "#dbe9f4"
layers:
  - id: countries
    source: {src}
    fill: "#f2efe9"
    stroke: {{color: "#555555", width: 1px}}
"""


def frame(area):
  k = math.sqrt(area / 16.0)
  return (CENTRE[0] - HALF[0] * k, CENTRE[1] - HALF[1] * k, CENTRE[0] + HALF[0] * k, CENTRE[1] + HALF[1] * k)


def points(g):
  if g.GetGeometryCount():
    for i in range(g.GetGeometryCount()):
      yield from points(g.GetGeometryRef(i))
  else:
    yield from g.GetPoints() or []


def count(gpkg, box):
  x0, y0, x1, y1 = box
  inside = read = 0
  ds = ogr.Open(gpkg)
  lyr = ds.GetLayer(0)
  for f in lyr:
    g = f.GetGeometryRef()
    if g is None:
      continue
    ex0, ex1, ey0, ey1 = g.GetEnvelope()
    if ex1 < x0 or ex0 > x1 or ey1 < y0 or ey0 > y1:
      continue
    pts = list(points(g))
    read += len(pts)
    inside += sum(1 for p in pts if x0 <= p[0] <= x1 and y0 <= p[1] <= y1)
  return inside, read


def prepare(out):
  os.makedirs(os.path.join(out, "specs"), exist_ok=True)
  m = dict(mask.MAPS["latam-50m"])
  configs = []
  with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
    projected = {}
    for res, shp in LAYERS.items():
      projected[res] = os.path.join(tmp, res + ".gpkg")
      mask.project(dict(m, clip=m["clip"] if res == "50m" else None), shp, projected[res])
    for res in LAYERS:
      for area in (1, 4, 16):
        box = frame(area)
        inside, read = count(projected[res], box)
        configs.append({"name": "vertices-%s-%dx" % (res, area), "series": "vertices", "layer": res,
                        "area": area, "extent": box, "size": [2200, 2400], "in_frame": inside, "read": read})
    inside, read = count(projected["50m"], frame(16))
    for mp in (1, 4, 16):
      w = round(math.sqrt(mp * 1e6 * 11 / 12))
      h = round(w * 12 / 11)
      configs.append({"name": "pixels-%dmp" % mp, "series": "pixels", "layer": "50m", "area": 16, "mp": mp,
                      "extent": frame(16), "size": [w, h], "in_frame": inside, "read": read})
  for c in configs:
    x0, y0, x1, y1 = c["extent"]
    src = os.path.abspath(os.path.join(SHAPES, LAYERS[c["layer"]] + ".shp"))
    with open(os.path.join(out, "specs", c["name"] + ".yaml"), "w") as f:
      f.write(SPEC.format(name=c["name"], w=c["size"][0], h=c["size"][1], crs=mask.LAEA, x0=x0, x1=x1, y0=y0,
                          y1=y1, src=src))
  with open(os.path.join(out, "configs.json"), "w") as f:
    json.dump(configs, f, indent=1)
  for c in configs:
    print("%s %s %s %d %d %.0f %.0f %.0f %.0f" % ((c["name"], c["size"][0], c["size"][1], c["in_frame"], c["read"])
                                                + tuple(c["extent"])))


def fit(xs, ys):
  """Least squares y = a + b x, and R^2."""
  n = len(xs)
  mx, my = sum(xs) / n, sum(ys) / n
  sxx = sum((x - mx) ** 2 for x in xs)
  b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
  a = my - b * mx
  ss = sum((y - my) ** 2 for y in ys)
  r2 = 1 - sum((y - a - b * x) ** 2 for x, y in zip(xs, ys)) / ss if ss else 1.0
  return a, b, r2


def report(out, md_path):
  with open(os.path.join(out, "configs.json")) as f:
    configs = json.load(f)
  times = {}
  for c in configs:
    path = os.path.join(out, "time", c["name"] + ".json")
    if os.path.exists(path):
      with open(path) as f:
        for r in json.load(f)["results"]:
          times[(c["name"], r["command"])] = min(r["times"])
  tools = sorted({t for _, t in times}, key=lambda t: (t != "influmap", t))
  md = []
  # vertices
  rows = [c for c in configs if c["series"] == "vertices"]
  head = ["layer", "area", "vertices in frame", "vertices read"] + ["%s (s)" % t for t in tools]
  body = [[c["layer"], "%dx" % c["area"], str(c["in_frame"]), str(c["read"])] +
          ["%.3f" % times[(c["name"], t)] if (c["name"], t) in times else "–" for t in tools] for c in rows]
  md.append("### Time against vertices (2200 x 2400 px PNG, laea, frames of 1, 4, 16 x the area)")
  md.append("")
  md.append(table(head, body))
  md.append("")
  for t in tools:
    pts = [(c["read"], times[(c["name"], t)]) for c in rows if (c["name"], t) in times]
    if len(pts) >= 3:
      a, b, r2 = fit([p[0] for p in pts], [p[1] for p in pts])
      off = max(((y - a - b * x) / y for x, y in pts), key=abs)
      md.append("- %s: t = %.3f s + %.3f µs × vertices read (R² = %.4f); the point farthest from the line is "
                "%+.0f %% off it." % (t, a, b * 1e6, r2, 100 * off))
  for t in tools:
    marg = []
    for area in (1, 4, 16):
      c50 = next((c for c in rows if c["layer"] == "50m" and c["area"] == area), None)
      c10 = next((c for c in rows if c["layer"] == "10m" and c["area"] == area), None)
      if c50 and c10 and (c50["name"], t) in times and (c10["name"], t) in times:
        dt = times[(c10["name"], t)] - times[(c50["name"], t)]
        marg.append("%dx: %.2f µs" % (area, dt / (c10["read"] - c50["read"]) * 1e6))
    if marg:
      md.append("- %s, cost of one more vertex read in the same frame (10m minus 50m): %s." % (t, ", ".join(marg)))
  md.append("")
  # pixels
  rows = [c for c in configs if c["series"] == "pixels"]
  head = ["megapixels", "page (px)"] + ["%s (s)" % t for t in tools]
  body = [["%d" % c["mp"], "%d x %d" % tuple(c["size"])] +
          ["%.3f" % times[(c["name"], t)] if (c["name"], t) in times else "–" for t in tools] for c in rows]
  md.append("### Time against output size (latam-50m PNG, %d vertices read)" % rows[0]["read"])
  md.append("")
  md.append(table(head, body))
  md.append("")
  for t in tools:
    pts = [(c["size"][0] * c["size"][1] / 1e6, times[(c["name"], t)]) for c in rows if (c["name"], t) in times]
    if len(pts) >= 3:
      a, b, r2 = fit([p[0] for p in pts], [p[1] for p in pts])
      md.append("- %s: t = %.3f s + %.4f s × megapixels (R² = %.4f); 16 MP takes %.1f x the time of 1 MP." %
                (t, a, b, r2, pts[-1][1] / pts[0][1]))
  md.append("")
  md.append("How to read it: the intercept is the fixed cost of a render (process start, PROJ set-up, filling "
            "and encoding the page). Between the three frames the picture changes as well as the vertex count "
            "(more land to fill, more coast to stroke at 16x), so the cleaner test of linearity in vertices is "
            "the 10m-minus-50m difference within one frame: the same picture, only more vertices. If the cost "
            "is linear in the vertices, that difference per vertex is the same in every frame. Against pixels, "
            "a straight line means filling, stroking and encoding grow in proportion to the page.")
  text = "\n".join(md) + "\n"
  print(text)
  with open(md_path, "w") as f:
    f.write("# Scaling (issue 6, item 5)\n\n" + HEADER + "\n\n" + text)


HEADER = os.environ.get("SCALING_HEADER", "")


def table(head, body):
  lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(head))) + " |"]
  return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])


def main(argv):
  if len(argv) >= 3 and argv[1] == "prepare":
    prepare(argv[2])
  elif len(argv) >= 4 and argv[1] == "report":
    report(argv[2], argv[3])
  else:
    sys.exit(__doc__)


if __name__ == "__main__":
  main(sys.argv)
