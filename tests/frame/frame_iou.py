#!/usr/bin/python3
"""Land masks of influmap's frames against an independent reference (issue 16).

  frame_iou.py INFLUMAP SOURCE_DIR SCRATCH [CASE...]

For each case influmap renders the 50m countries (a fill, no stroke) on a 400 px page, and
the reference is made without influmap, the way bench/mask.py makes its masks: the
shapefile is clipped with GEOS (ogr2ogr -clipsrc) to lon/lat boxes that hold the frame and
keep clear of the map's cut (or, on an orthographic globe, to the visible hemisphere: a
disc in an azimuthal equidistant projection centred on the globe), densified to 0.5 degree
and reprojected with PROJ (ogr2ogr); the frame is computed here from the extent (the
projected bounding box of the extent's edges, widened to the page's shape), in a CRS
centred on the extent where the map crosses 180 degrees (the well-behaved equivalent the
issue compares with); gdal_rasterize burns it at 17 sample points per pixel (n-rooks, as
bench/mask.py) for each pixel's land share, and the projection's outline (the world's edge
or the globe's rim) the same way for the share inside it.

Each PNG pixel is unmixed into sea (#dbe9f4), land (#f2efe9) and paper (white, outside the
outline) by least squares; it is land when its land share is over one half, and inside
the outline when its paper share is under one half (the reference's paper share is what
neither the outline's nor the land's coverage leaves, composited as a renderer paints
them, one over the other). As bench/iou.py, pixels whose
reference share is within 0.1 of one half are left out (which side they fall on is the
rasteriser's sampling, not geometry).

The reference's own noise: the reference burned again with a second, independent 17-point
pattern (another n-rooks permutation), and its IoU against the first: 1 - that IoU is how
much the reference disagrees with itself. A case passes when influmap's land IoU (and
outline IoU) is at least the reference's self-IoU - 0.001.
"""
import math
import os
import shutil
import subprocess
import sys

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
gdal.PushErrorHandler("CPLQuietErrorHandler")
ogr.UseExceptions()

SEA, LAND, PAPER = "#dbe9f4", "#f2efe9", "#ffffff"
SAMPLES = 17
BAND = 0.1
TOLERANCE = 0.001
MERC_LIMIT = math.degrees(math.atan(math.sinh(math.pi)))  # 85.0511...
WEBMERC = "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=%g +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +no_defs"

# name: influmap's CRS and extent (None: the whole world), page size, the reference's CRS,
# its lon/lat clip boxes (or "cap": the visible hemisphere round the globe's centre), the
# extent the reference frames ("rim": the globe's rim), and the outline ("world": the
# lon/lat rectangle's edge, "rim": the globe's rim, None: the frame lies inside it).
CASES = {
    "webmerc-180": dict(crs="EPSG:3857", extent=(160, -170, 40, 72), size=(400, 300),
                        ref=WEBMERC % 175, clip=[(100, 10, 180, 89), (-180, 10, -120, 89)],
                        frame=(160, 190, 40, 72), outline=None),
    "webmerc-world": dict(crs="EPSG:3857", extent=None, size=(400, 400), ref=WEBMERC % 0,
                          clip=[(-180, -MERC_LIMIT, 180, MERC_LIMIT)],
                          frame=(-180, 180, -MERC_LIMIT, MERC_LIMIT), outline=None),
    "ortho-south": dict(crs="+proj=ortho +lat_0=-15 +lon_0=-60", extent=None, size=(400, 400),
                        ref="+proj=ortho +lat_0=-15 +lon_0=-60", clip="cap", frame="rim", outline="rim"),
    "ortho-north": dict(crs="+proj=ortho +lat_0=40 +lon_0=-100", extent=None, size=(400, 400),
                        ref="+proj=ortho +lat_0=40 +lon_0=-100", clip="cap", frame="rim", outline="rim"),
    # Azimuthal maps, whole: each clipped on the sphere to its cap (radius degrees of arc) before
    # projecting. Centred at 25S 65W, their antipode (25N 115E) lies inside China, whose ring
    # then encloses the cut-out round it and is drawn as the band between its coast and the rim.
    "laea-world": dict(crs="+proj=laea +lat_0=-25 +lon_0=-65 +R=6371000", extent=None, size=(400, 400),
                       ref="+proj=laea +lat_0=-25 +lon_0=-65 +R=6371000", clip="cap", radius=179.99,
                       frame="rim", outline="rim"),
    "aeqd-world": dict(crs="+proj=aeqd +lat_0=-25 +lon_0=-65 +R=6371000", extent=None, size=(400, 400),
                       ref="+proj=aeqd +lat_0=-25 +lon_0=-65 +R=6371000", clip="cap", radius=179.99,
                       frame="rim", outline="rim"),
    "nsper": dict(crs="+proj=nsper +h=3000000 +lat_0=-15 +lon_0=-60 +R=6371000", extent=None, size=(400, 400),
                  ref="+proj=nsper +h=3000000 +lat_0=-15 +lon_0=-60 +R=6371000", clip="cap",
                  radius=math.degrees(math.acos(6371000 / 9371000)) - 0.01, frame="rim", outline="rim"),
    "stere-hemisphere": dict(crs="+proj=stere +lat_0=-25 +lon_0=-65 +R=6371000", extent=None, size=(400, 400),
                             ref="+proj=stere +lat_0=-25 +lon_0=-65 +R=6371000", clip="cap", radius=90,
                             frame="rim", outline="rim"),
    "gnomonic": dict(crs="+proj=gnom +lat_0=-15 +lon_0=-60 +R=6371000", extent=None, size=(400, 400),
                     ref="+proj=gnom +lat_0=-15 +lon_0=-60 +R=6371000", clip="cap", radius=60, frame="rim",
                     outline="rim"),
    "equal-earth": dict(crs="+proj=eqearth", extent=None, size=(600, 330), ref="+proj=eqearth",
                        clip=None, frame=(-180, 180, -90, 90), outline="world"),
    "mollweide": dict(crs="+proj=moll", extent=None, size=(400, 220), ref="+proj=moll", clip=None,
                      frame=(-180, 180, -90, 90), outline="world"),
    "polar-north-180": dict(crs="+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45", extent=(160, -170, 50, 80),
                            size=(400, 300), ref="+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45",
                            clip=[(-180, 35, 180, 90)], frame=(160, 190, 50, 80), outline=None),
    "robinson-pacific": dict(crs="+proj=robin +lon_0=150", extent=(90, -120, -50, 60), size=(400, 300),
                             ref="+proj=robin +lon_0=150", clip=[(60, -70, 180, 80), (-180, -70, -90, 80)],
                             frame=(90, 240, -50, 60), outline=None),
}


def run(cmd):
  subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def srs(text):
  s = osr.SpatialReference()
  s.SetFromUserInput(text)
  s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
  return s


def lonlat():
  return srs("+proj=longlat +datum=WGS84 +no_defs")


def centre_of(crs):
  lat = float(crs.split("+lat_0=")[1].split()[0])
  lon = float(crs.split("+lon_0=")[1].split()[0])
  return lon, lat


def rim(crs, radius=89.99, n=1440):
  """The globe's rim (radius degrees of arc round its centre) in lon/lat."""
  lon0, lat0 = centre_of(crs)
  pts = []
  for i in range(n):
    t = 2 * math.pi * i / n
    p0, l0, r = math.radians(lat0), math.radians(lon0), math.radians(radius)
    lat = math.asin(math.sin(p0) * math.cos(r) + math.cos(p0) * math.sin(r) * math.sin(t))
    lon = l0 + math.atan2(math.cos(t) * math.sin(r) * math.cos(p0), math.cos(r) - math.sin(p0) * math.sin(lat))
    pts.append((math.degrees(lon), math.degrees(lat)))
  return pts


def transform(points, crs):
  ct = osr.CoordinateTransformation(lonlat(), srs(crs))
  out = []
  for lon, lat in points:
    try:
      x, y, _ = ct.TransformPoint(lon, lat)
    except RuntimeError:
      continue
    if math.isfinite(x) and math.isfinite(y):
      out.append((x, y))
  return out


def frame_of(case):
  """The frame in the reference CRS: the extent's projected bounds widened to the page."""
  w, h = case["size"]
  if case["frame"] == "rim":
    pts = transform(rim(case["ref"], case.get("radius", 89.99)), case["ref"])
  else:
    west, east, south, north = case["frame"]
    west, east = west + 1e-7, east - 1e-7
    pts, n = [], 512
    for i in range(n + 1):
      t = i / n
      lon, lat = west + t * (east - west), south + t * (north - south)
      pts += [(lon, south), (lon, north), (west, lat), (east, lat)]
    pts = transform(pts, case["ref"])
  xs, ys = [p[0] for p in pts], [p[1] for p in pts]
  xmin, xmax, ymin, ymax = min(xs), max(xs), min(ys), max(ys)
  if (xmax - xmin) / (ymax - ymin) < w / h:
    nw, cx = (ymax - ymin) * w / h, (xmin + xmax) / 2
    xmin, xmax = cx - nw / 2, cx + nw / 2
  else:
    nh, cy = (xmax - xmin) * h / w, (ymin + ymax) / 2
    ymin, ymax = cy - nh / 2, cy + nh / 2
  return xmin, ymin, xmax, ymax


def project_land(case, shp, tmp):
  """The countries, clipped and reprojected into the reference CRS: a GeoPackage."""
  out = os.path.join(tmp, "land.gpkg")
  base = ["ogr2ogr", "-q", "-f", "GPKG", "-nln", "g", "-nlt", "PROMOTE_TO_MULTI", "-segmentize", str(case.get("segmentize", 0.5))]
  if case["clip"] == "cap":
    # The visible hemisphere is a disc in an azimuthal equidistant projection centred on the
    # globe: clip there (GEOS), then go on to the orthographic projection.
    lon0, lat0 = centre_of(case["ref"])
    aeqd = "+proj=aeqd +lat_0=%g +lon_0=%g +datum=WGS84 +units=m +no_defs" % (lat0, lon0)
    radius = case.get("radius", 89.99)
    aeqd = "+proj=aeqd +lat_0=%g +lon_0=%g +R=6371000 +units=m +no_defs" % (lat0, lon0) if radius > 90 else aeqd
    disc = transform(rim(case["ref"], radius), aeqd)
    wkt = "POLYGON((%s))" % ",".join("%.3f %.3f" % p for p in disc + disc[:1])
    mid = os.path.join(tmp, "aeqd.gpkg")
    # The antipode does not project in aeqd: leave out a box round it first (a small one when
    # the cap reaches near it: on a sphere, where the shortest way to a point near the
    # antipode does not swing round as on the ellipsoid).
    alon, alat = ((lon0 + 360) % 360) - 180, -lat0
    # The box's sides densified: what is left of a country round the antipode has them for a
    # hole, which spans the whole page's rim.
    d, m = (0.02, 256) if radius > 90 else (5, 1)
    box = [(alon - d + 2 * d * i / m, alat - d) for i in range(m)] + [(alon + d, alat - d + 2 * d * i / m) for i in range(m)]
    box += [(alon + d - 2 * d * i / m, alat + d) for i in range(m)] + [(alon - d, alat + d - 2 * d * i / m) for i in range(m)]
    hole = "POLYGON((-180 -90,180 -90,180 90,-180 90,-180 -90),(%s))" % ",".join("%.6f %.6f" % p for p in box + box[:1])
    pre = os.path.join(tmp, "pre.gpkg")
    run(base + ["-makevalid", "-clipsrc", hole, pre, shp])
    gen = ["ogr2ogr", "-q", "-f", "GPKG", "-nln", "g", "-nlt", "PROMOTE_TO_MULTI"]
    if radius > 90:
      # Everything but the antipode: reprojected as it is. A country round the antipode
      # (China here) then has its hole round the antipode outside its coast on the page,
      # and is made valid as the band between the two (GEOS keeps the faces an odd number of
      # rings enclose).
      run(gen + ["-t_srs", case["ref"], "-makevalid", out, pre])
      return out
    # Reprojected (a ring along the cut at 180 degrees down to a pole touches itself there:
    # made valid), then clipped to the disc.
    run(gen + ["-t_srs", aeqd, "-makevalid", mid, pre])
    clipped = os.path.join(tmp, "disc.gpkg")
    run(gen + ["-makevalid", "-clipsrc", wkt, clipped, mid])
    run(gen + ["-t_srs", case["ref"], out, clipped])
    return out
  boxes = case["clip"] or [None]
  for i, box in enumerate(boxes):
    cmd = base + ["-t_srs", case["ref"]]
    if box:
      cmd += ["-clipsrc"] + [str(v) for v in box]
    if i:
      cmd += ["-append", "-update"]
    run(cmd + [out, shp])
  return out


def outline_layer(case, tmp):
  """The projection's outline as a polygon in the reference CRS."""
  if case["outline"] == "rim":
    ring = transform(rim(case["ref"], case.get("radius", 89.99)), case["ref"])
  else:
    e, n = 180 - 1e-7, 720
    pts = [(-e + 2 * e * i / n, -90) for i in range(n)] + [(e, -90 + 180 * i / n) for i in range(n)]
    pts += [(e - 2 * e * i / n, 90) for i in range(n)] + [(-e, 90 - 180 * i / n) for i in range(n)]
    ring = transform(pts, case["ref"])
  out = os.path.join(tmp, "outline.gpkg")
  ds = ogr.GetDriverByName("GPKG").CreateDataSource(out)
  lyr = ds.CreateLayer("g", None, ogr.wkbPolygon)  # no SRS: WKT1 has no Equal Earth
  f = ogr.Feature(lyr.GetLayerDefn())
  f.SetGeometry(ogr.CreateGeometryFromWkt("POLYGON((%s))" % ",".join("%.3f %.3f" % p for p in ring + ring[:1])))
  lyr.CreateFeature(f)
  ds = None
  return out


def coverage(src, frame, size, mult):
  """Each pixel's share covered by src, from SAMPLES points in an n-rooks pattern (sample i
  at column i, row (i * mult + 3) % SAMPLES), each a burn of pixel centres shifted by it."""
  w, h = size
  xmin, ymin, xmax, ymax = frame
  px, py = (xmax - xmin) / w, (ymax - ymin) / h
  vec = gdal.OpenEx(src, gdal.OF_VECTOR)
  total = np.zeros((h, w), dtype=np.float32)
  for i in range(SAMPLES):
    dx = (i + 0.5) / SAMPLES - 0.5
    dy = ((i * mult + 3) % SAMPLES + 0.5) / SAMPLES - 0.5
    ras = gdal.GetDriverByName("MEM").Create("", w, h, 1, gdal.GDT_Byte)
    ras.SetGeoTransform((xmin + dx * px, px, 0, ymax - dy * py, 0, -py))
    gdal.Rasterize(ras, vec, layers=["g"], burnValues=[1])
    total += ras.GetRasterBand(1).ReadAsArray()
  return total / SAMPLES


def colour(hx):
  return np.array([int(hx[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)


def shares(png):
  """(land share, paper share) of each pixel of png."""
  a = gdal.Open(png).ReadAsArray()[:3].transpose(1, 2, 0).astype(np.float64)
  sea = colour(SEA)
  basis = np.linalg.pinv(np.stack([colour(LAND) - sea, colour(PAPER) - sea], axis=1))
  ab = (a - sea) @ basis.T
  return ab[..., 0], ab[..., 1]


def iou(a, b, sure):
  a, b = a & sure, b & sure
  union = np.count_nonzero(a | b)
  return float(np.count_nonzero(a & b) / union) if union else 1.0


def render(influmap, case, shp, tmp):
  w, h = case["size"]
  ext = ""
  if case["extent"]:
    ext = "  extent: {west: %g, east: %g, south: %g, north: %g}\n" % case["extent"]
  spec = os.path.join(tmp, "map.yaml")
  with open(spec, "w") as f:
    f.write("map:\n  page: {width: %dpx, height: %dpx, dpi: 72}\n  crs: \"%s\"\n%s  background: \"%s\"\n"
            "layers:\n  - id: land\n    source: %s\n    fill: \"%s\"\n" % (w, h, case["crs"], ext, SEA, shp, LAND))
  png = os.path.join(tmp, "map.png")
  r = subprocess.run([influmap, "render", spec, "-o", png], capture_output=True, text=True)
  if r.returncode:
    raise SystemExit("influmap render failed: %s" % r.stderr)
  return png, r.stderr


def check(name, influmap, src_dir, scratch):
  case = CASES[name]
  tmp = os.path.join(scratch, name)
  shutil.rmtree(tmp, ignore_errors=True)
  os.makedirs(tmp)
  shp = os.path.join(src_dir, "shapes", "ne_50m_admin_0_countries.shp")
  png, stderr = render(influmap, case, shp, tmp)
  frame = frame_of(case)
  land = project_land(case, shp, tmp)
  ref, ref2 = coverage(land, frame, case["size"], 7), coverage(land, frame, case["size"], 5)
  sure = (np.abs(ref - 0.5) >= BAND) & (np.abs(ref2 - 0.5) >= BAND)
  land_share, paper_share = shares(png)
  got, noise = iou(land_share > 0.5, ref > 0.5, sure), iou(ref2 > 0.5, ref > 0.5, sure)
  ok = got >= noise - TOLERANCE
  line = "%s: land IoU %.5f, reference self-IoU %.5f" % (name, got, noise)
  if case["outline"]:
    ol = outline_layer(case, tmp)
    # Paper is what neither the sea (inside the outline) nor the land painted over it
    # covers: composited, a pixel that both half cover is a quarter paper (as bench/mask.py
    # models fill and stroke).
    g = 1 - (1 - coverage(ol, frame, case["size"], 7)) * (1 - ref)
    g2 = 1 - (1 - coverage(ol, frame, case["size"], 5)) * (1 - ref2)
    gsure = (np.abs(g - 0.5) >= BAND) & (np.abs(g2 - 0.5) >= BAND)
    gin, gnoise = iou(paper_share < 0.5, g > 0.5, gsure), iou(g2 > 0.5, g > 0.5, gsure)
    line += "; inside-outline IoU %.5f, self %.5f" % (gin, gnoise)
    ok = ok and gin >= gnoise - TOLERANCE and np.count_nonzero(~(g > 0.5) & gsure) > 0
  print(("ok: " if ok else "FAIL: ") + line)
  return ok, stderr


def main(argv):
  if len(argv) < 4:
    sys.exit(__doc__)
  influmap, src_dir, scratch = argv[1:4]
  names = argv[4:] or list(CASES)
  failed = 0
  for name in names:
    ok, stderr = check(name, influmap, src_dir, scratch)
    failed += not ok
    if name == "webmerc-world" and "cannot show the poles" not in stderr:
      print("FAIL: webmerc-world: no note that the poles are left out (stderr: %r)" % stderr)
      failed += 1
  # A frame no one rectangle of the CRS shows is an error naming the extent and the CRS.
  tmp = os.path.join(scratch, "impossible")
  os.makedirs(tmp, exist_ok=True)
  case = dict(CASES["robinson-pacific"], crs="+proj=robin +lon_0=0", extent=(160, -170, 40, 72))
  try:
    render(influmap, case, os.path.join(src_dir, "shapes", "ne_50m_admin_0_countries.shp"), tmp)
    msg = "rendered"
  except SystemExit as e:
    msg = str(e)
  names.append("impossible")
  if "{west: 160, east: -170, south: 40, north: 72}" in msg and "+proj=robin +lon_0=0" in msg:
    print("ok: impossible: %s" % msg.strip().splitlines()[-1])
  else:
    print("FAIL: impossible: Robinson centred on 0 across 180 degrees: %s" % msg)
    failed += 1
  print("%d passed, %d failed" % (len(names) - failed, failed))
  return 1 if failed else 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))
