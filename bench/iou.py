#!/usr/bin/python3
"""Land-pixel IoU of rendered PNGs against a reference mask (mask.py).

  iou.py MASK.tif [--plain PLAIN.tif] [--diff DIFF.png] PNG...   ->  one JSON object per PNG

Each pixel of a PNG is taken as a mix of the three colours of the reference maps: sea
(#dbe9f4, also the lake fill), land (#f2efe9) and line (#555555, every stroke). Solving
pixel = sea + a (land - sea) + b (line - sea) by least squares gives its sea share 1 - a - b;
the pixel is land when less than half of it is sea, so an antialiased edge counts for the
side that covers most of it and outline pixels count as land. (Comparing the distance to
the land and sea colours alone would put #555555 on the sea side.) The mask holds the
sea share an ideal renderer gives each pixel, and is classified the same way.

"iou" is |land in PNG and mask| / |land in either| over the pixels whose ideal sea share
is not within BAND (0.1) of one half: a pixel that is 45 % sea is land by a hair, and
which side it falls on depends on each rasteriser's sampling (Cairo's is 1/15 px
vertically, the mask's 1/33), not on the geometry. A shift of the geometry by a tenth of
a pixel or more still changes the pixels outside the band. "iou_strict" counts every
pixel. fp and fn are the false land and false sea pixels outside the band; with --plain,
"iou_plain" is the IoU (every pixel) against the plain mask. --diff writes an image of the
disagreements (red: false land, blue: false sea, yellow: either inside the band) for the
first PNG.
"""
import json
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()


def colour(h):
  return np.array([int(h[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)


SEA, LAND, LINE = colour("#dbe9f4"), colour("#f2efe9"), colour("#555555")


def land_of(png):
  ds = gdal.Open(png)
  a = ds.ReadAsArray()
  if a.ndim != 3 or a.shape[0] < 3:
    raise SystemExit("%s: not an RGB(A) image" % png)
  rgb = a[:3].transpose(1, 2, 0).astype(np.float64)
  basis = np.linalg.pinv(np.stack([LAND - SEA, LINE - SEA], axis=1))  # 2 x 3
  ab = (rgb - SEA) @ basis.T
  return 1.0 - ab.sum(axis=-1) < 0.5


BAND = 0.1


def iou(land, mask):
  union = np.count_nonzero(land | mask)
  return float(np.count_nonzero(land & mask) / union) if union else 1.0


def compare(land, sea_share):
  if land.shape != sea_share.shape:
    return {"error": "size %dx%d, mask %dx%d" % (land.shape[1], land.shape[0], sea_share.shape[1], sea_share.shape[0])}
  mask = sea_share < 0.5
  sure = np.abs(sea_share - 0.5) >= BAND
  return {"iou": iou(land & sure, mask & sure), "iou_strict": iou(land, mask),
          "fp": int(np.count_nonzero(land & ~mask & sure)), "fn": int(np.count_nonzero(~land & mask & sure)),
          "mask_land": int(np.count_nonzero(mask)), "band": int(np.count_nonzero(~sure))}


def main(argv):
  args = argv[1:]
  if not args:
    sys.exit(__doc__)
  sea_share = gdal.Open(args.pop(0)).ReadAsArray()
  plain = diff = None
  while args and args[0] in ("--plain", "--diff"):
    opt, val = args.pop(0), args.pop(0)
    if opt == "--plain":
      plain = gdal.Open(val).ReadAsArray() > 0
    else:
      diff = val
  for png in args:
    land = land_of(png)
    r = {"png": png}
    r.update(compare(land, sea_share))
    if plain is not None and "error" not in r:
      r["iou_plain"] = iou(land, plain)
    if diff and "error" not in r:
      mask = sea_share < 0.5
      sure = np.abs(sea_share - 0.5) >= BAND
      img = np.full(land.shape + (3,), 255, dtype=np.uint8)
      img[mask & land] = (200, 200, 200)
      img[land & ~mask & sure] = (255, 0, 0)
      img[~land & mask & sure] = (0, 0, 255)
      img[(land != mask) & ~sure] = (255, 220, 0)
      mem = gdal.GetDriverByName("MEM").Create("", land.shape[1], land.shape[0], 3, gdal.GDT_Byte)
      for b in range(3):
        mem.GetRasterBand(b + 1).WriteArray(img[:, :, b])
      gdal.GetDriverByName("PNG").CreateCopy(diff, mem)
      diff = None
    print(json.dumps(r))


if __name__ == "__main__":
  main(sys.argv)
