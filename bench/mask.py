#!/usr/bin/python3
"""Burn the reference land mask of a benchmark map with ogr2ogr and gdal_rasterize.

  mask.py MAP OUT.tif [--plain OUT-plain.tif]

The mask gives, for each pixel of the map's frame, the share of it that an ideal
antialiased renderer paints with the sea colour (a Float32 GeoTIFF, 0..1); iou.py calls
a pixel land when less than half of it is sea, in the mask as in each tool's PNG, so the
IoU measures geometry:

- the data are clipped (the world layer in laea only, to a lon/lat box that holds the frame
  and leaves out the projection's antipode, 110E 15N), densified to 0.5 degree (as
  influmap does) and reprojected with ogr2ogr;
- gdal_rasterize burns, at 16 sample points per pixel (see coverage()), each layer's fill
  (the polygons) and its stroke (the band w/2 either side of the outline or line:
  SpatiaLite ST_Buffer, round joins, in metres of the map's CRS), which gives each pixel's
  coverage;
- the layers are painted in draw order as a renderer composites them (OVER): a land fill
  of coverage f leaves sea share S(1 - f), a sea-coloured fill (lakes) S(1 - f) + f, a
  stroke of coverage s leaves S(1 - s).

(Painting fill and stroke one over the other counts the pixels they share twice; this
"conflation" makes diagonal coasts look about a tenth of a pixel fatter than the geometric
union of fill and stroke would, in every renderer, so the mask models it.)

--plain also writes the literal mask (Byte, 1 = land): the fill polygons alone (minus the
lakes) burned at the output size (pixel centres), for comparison; against it an outlined
map gains about half a pixel along every coast.

No world-robinson data needs -wrapdateline: the 50m countries (NE 4.1.0, clean) are already
cut at +-180 and Robinson's central meridian is 0.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from osgeo import gdal

gdal.UseExceptions()

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = os.path.join(HERE, "..", "shapes")
LAEA = "+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs"
ROBIN = "+proj=robin +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"  # ESRI:54030
SAMPLES = 33  # per pixel; odd, so a share is never exactly one half

# layer: (shapefile, kind, stroke width in px) in draw order. Kinds: "area" is a land fill
# with an outline, "hole" a sea-coloured fill with an outline (lakes), "edges" the outlines
# of polygons, "lines" line features.
MAPS = {
    "latam-50m": {
        "crs": LAEA, "clip": (-180, -85, 40, 85), "size": (2200, 2400),
        "extent": (-5500000, -5000000, 5500000, 7000000),
        "layers": [("ne_50m_admin_0_countries", "area", 1.0)],
    },
    "world-robinson": {
        "crs": ROBIN, "clip": None, "size": (3000, 1500),
        "extent": (-17400000, -8700000, 17400000, 8700000),
        "layers": [("ne_50m_admin_0_countries", "area", 1.0)],
    },
    # The Americas sets lie far from the antipode: no clip, which GEOS would refuse on their
    # invalid polygons (world-atlas's quantized countries, Goias).
    "latam-10m": {
        "crs": LAEA, "clip": None, "size": (2200, 2400),
        "extent": (-5500000, -5000000, 5500000, 7000000),
        "layers": [("ne_10m_admin_0_countries_americas", "area", 1.0),
                   ("ne_10m_admin_1_latam", "edges", 0.5),
                   ("ne_10m_lakes_americas", "hole", 0.5),
                   ("ne_10m_rivers_americas", "lines", 0.5)],
    },
}


def run(cmd):
  subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def project(m, shp, out):
  """Clip, repair, densify and reproject one shapefile into a GeoPackage layer named "g"."""
  cmd = ["ogr2ogr", "-q", "-f", "GPKG", "-overwrite", "-nln", "g", "-nlt", "PROMOTE_TO_MULTI",
         "-segmentize", "0.5", "-t_srs", m["crs"]]
  if m["clip"]:
    cmd += ["-clipsrc"] + [str(v) for v in m["clip"]]
  run(cmd + [out, os.path.join(SHAPES, shp + ".shp")])


def band(src, out, sql):
  run(["ogr2ogr", "-q", "-f", "GPKG", "-overwrite", "-nln", "g", "-nlt", "GEOMETRY",
       "-dialect", "SQLite", "-sql", sql, out, src])


def burn_plain(m, src, raster, value, init):
  """Burn src into raster at the output size, pixel centres (gdal_rasterize's default)."""
  w, h = m["size"]
  xmin, ymin, xmax, ymax = m["extent"]
  cmd = ["gdal_rasterize", "-q", "-l", "g", "-burn", str(value)]
  if init:
    cmd += ["-ot", "Byte", "-init", "0", "-ts", str(w), str(h),
            "-te", str(xmin), str(ymin), str(xmax), str(ymax)]
  run(cmd + [src, raster])


def coverage(m, src):
  """The share of each output pixel that src's geometries cover, from SAMPLES points per
  pixel in an n-rooks pattern (every sample on its own row and column of a SAMPLES x
  SAMPLES grid, so edges near the horizontal or vertical are resolved to 1/SAMPLES too;
  with an even count, a coast pixel half covered ties at exactly 1/2 and always goes to
  the sea: with 16 samples a fill-only Robinson map had 2600 false-land pixels against 350
  false-sea, with 33 samples 1000 against 1160):
  gdal_rasterize (gdal.Rasterize, the same code as the command) burns pixel centres, so
  each sample is a burn of the frame shifted by that sample's offset from the centre."""
  w, h = m["size"]
  xmin, ymin, xmax, ymax = m["extent"]
  px, py = (xmax - xmin) / w, (ymax - ymin) / h
  vec = gdal.OpenEx(src, gdal.OF_VECTOR)
  total = np.zeros((h, w), dtype=np.float32)
  for i in range(SAMPLES):
    dx = (i + 0.5) / SAMPLES - 0.5
    dy = ((i * 7 + 3) % SAMPLES + 0.5) / SAMPLES - 0.5
    ras = gdal.GetDriverByName("MEM").Create("", w, h, 1, gdal.GDT_Byte)
    ras.SetGeoTransform((xmin + dx * px, px, 0, ymax - dy * py, 0, -py))
    ras.SetSpatialRef(vec.GetLayer(0).GetSpatialRef())
    gdal.Rasterize(ras, vec, layers=["g"], burnValues=[1])
    total += ras.GetRasterBand(1).ReadAsArray()
  return total / SAMPLES


def write(array, m, out, dtype=gdal.GDT_Byte):
  w, h = m["size"]
  xmin, ymin, xmax, ymax = m["extent"]
  ds = gdal.GetDriverByName("GTiff").Create(out, w, h, 1, dtype, ["COMPRESS=DEFLATE", "PREDICTOR=1"])
  ds.SetGeoTransform((xmin, (xmax - xmin) / w, 0, ymax, 0, -(ymax - ymin) / h))
  ds.GetRasterBand(1).WriteArray(array)
  ds.FlushCache()


def main(argv):
  if len(argv) not in (3, 5) or argv[1] not in MAPS or (len(argv) == 5 and argv[3] != "--plain"):
    sys.exit(__doc__)
  name, out = argv[1], argv[2]
  m = MAPS[name]
  w, h = m["size"]
  px = (m["extent"][2] - m["extent"][0]) / w  # metres per pixel
  tmp = tempfile.mkdtemp(prefix="bench-mask-")
  try:
    plain = os.path.join(tmp, "plain.tif")
    sea = np.ones((h, w), dtype=np.float32)  # the sea share of each pixel
    first_fill = True
    for i, (shp, kind, width) in enumerate(m["layers"]):
      proj = os.path.join(tmp, "p%d.gpkg" % i)
      project(m, shp, proj)
      if kind in ("area", "hole"):
        f = coverage(m, proj)
        sea = sea * (1 - f) + (f if kind == "hole" else 0)
        burn_plain(m, proj, plain, 0 if kind == "hole" else 1, first_fill)
        first_fill = False
      line = "geom" if kind == "lines" else "ST_Boundary(geom)"
      strokes = os.path.join(tmp, "s%d.gpkg" % i)
      band(proj, strokes, "SELECT ST_Buffer(%s, %r) AS geom FROM g" % (line, width / 2 * px))
      sea *= 1 - coverage(m, strokes)
    write(sea, m, out, gdal.GDT_Float32)
    if len(argv) == 5:
      shutil.copyfile(plain, argv[4])
  finally:
    shutil.rmtree(tmp)


if __name__ == "__main__":
  main(sys.argv)
