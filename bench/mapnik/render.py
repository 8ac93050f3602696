#!/usr/bin/python3
"""Render one benchmark map with Mapnik: render.py MAP.xml WIDTH HEIGHT XMIN YMIN XMAX YMAX OUT FORMAT.

FORMAT is png (Mapnik's AGG renderer, 32-bit RGBA PNG: Mapnik's plain "png" would be an
8-bit palette), svg or pdf (Cairo; the surface is WIDTH x HEIGHT points, so 1 px = 1 pt).
The extent is the frame's outer edges, as in the influmap specs.
"""
import sys

import mapnik


def main(argv):
  if len(argv) != 10:
    sys.exit(__doc__)
  xml, out, fmt = argv[1], argv[8], argv[9]
  w, h = int(argv[2]), int(argv[3])
  xmin, ymin, xmax, ymax = (float(v) for v in argv[4:8])
  m = mapnik.Map(w, h)
  mapnik.load_map(m, xml)
  m.zoom_to_box(mapnik.Box2d(xmin, ymin, xmax, ymax))
  mapnik.render_to_file(m, out, {"png": "png32", "svg": "svg", "pdf": "pdf"}[fmt])


if __name__ == "__main__":
  main(sys.argv)
