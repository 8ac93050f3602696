#!/usr/bin/env python3
"""Writes the hand-made hostile corpus in tests/bad-input/ (deterministic).

    tests/bad-input/make.py

Each file's exact outcome is asserted by tests/test_bad_input.c; README.md
lists them. Files too big to commit (10^7 vertices, 1 MB labels, a 10 MB
CSV field) are made by the test itself in its scratch folder.
"""
import math
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "fuzz"))
from make_corpus import WGS84, dbf, record, shapefile  # noqa: E402

SQ = [(-70, -10), (-70, -5), (-65, -5), (-65, -10), (-70, -10)]
NAME = [("NAME", "C", 20, 0)]


def write(rel, data):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def shp_set(name, stype, shapes, rows=None, prj=WGS84, cpg=b"UTF-8", patch=None):
    """A set shp/<name>/x.*; patch(files) may change the bytes first."""
    shp, shx = shapefile(stype, shapes)
    files = {"shp": bytearray(shp), "shx": bytearray(shx),
             "dbf": bytearray(dbf(NAME, rows or [["n%d" % i] for i in range(len(shapes))]))}
    if prj is not None:
        files["prj"] = prj
    if cpg is not None:
        files["cpg"] = cpg
    if patch:
        patch(files)
    for suffix, data in files.items():
        write("shp/%s/x.%s" % (name, suffix), bytes(data))


def be(buf, off, v):
    buf[off:off + 4] = struct.pack(">i", v)


def le(buf, off, v, fmt="<i"):
    buf[off:off + struct.calcsize(fmt)] = struct.pack(fmt, v)


# Offsets in the first record of a PolyLine/Polygon: the record header is
# at 100, its content at 108: type, box (32 bytes), nParts at 144, nPoints
# at 148, the part starts from 152.
NPARTS, NPOINTS, PARTS = 144, 148, 152


def main():
    poly = [record(5, [SQ])]
    shp_set("shp-header-short", 5, poly, patch=lambda f: f.update(shp=f["shp"][:50]))
    shp_set("shx-header-short", 5, poly, patch=lambda f: f.update(shx=f["shx"][:50]))
    shp_set("shx-header-oversized", 5, poly, patch=lambda f: be(f["shx"], 24, 0x7FFFFFFF))
    shp_set("shp-header-oversized", 5, poly, patch=lambda f: be(f["shp"], 24, 0x7FFFFFFF))
    shp_set("shp-not-a-shapefile", 5, poly, patch=lambda f: be(f["shp"], 0, 0x504B0304))  # a zip's magic
    shp_set("record-offset-past-end", 5, poly, patch=lambda f: be(f["shx"], 100, 1000000))
    shp_set("record-length-past-end", 5, poly, patch=lambda f: be(f["shx"], 104, 0x3FFFFFFF))
    shp_set("parts-negative", 5, poly, patch=lambda f: le(f["shp"], NPARTS, -1))
    shp_set("vertices-negative", 5, poly, patch=lambda f: le(f["shp"], NPOINTS, -5))
    shp_set("vertices-oversized", 5, poly, patch=lambda f: le(f["shp"], NPOINTS, 0x7FFFFFFF))
    # Parts 0, 6, 3 of a 10-vertex line: the second starts after the third.
    line = [(-70 + i, -10 + (i % 3)) for i in range(10)]
    three = [record(3, [line[:6], line[6:8], line[8:]])]
    shp_set("parts-out-of-order", 3, three, patch=lambda f: (le(f["shp"], PARTS + 4, 6), le(f["shp"], PARTS + 8, 3)))
    shp_set("part-start-past-end", 3, three, patch=lambda f: le(f["shp"], PARTS + 8, 50))
    # Rings of 1, 2, 3 (closed: a, b, a) and 4 vertices (a triangle) in one
    # polygon, and a polygon of a 2-vertex ring only.
    tri = [(-60, -20), (-55, -20), (-57, -15), (-60, -20)]
    rings = [record(5, [[(-70, -10)], [(-70, -10), (-69, -9)], [(-70, -10), (-69, -9), (-70, -10)], tri]),
             record(5, [[(-50, -10), (-49, -9)]])]
    shp_set("rings-1-to-3-points", 5, rings)
    nan, inf = float("nan"), float("inf")
    bad_xy = [record(1, [[(nan, -10)]]), record(1, [[(-70, inf)]]), record(1, [[(-65, -12)]]),
              record(1, [[(-1e308 * 10, 0)]])]
    shp_set("nan-inf-points", 1, bad_xy)
    ring_nan = [(-70, -10), (-70, -5), (nan, nan), (-65, -5), (-65, -10), (-70, -10)]
    shp_set("nan-inf-polygon", 5, [record(5, [ring_nan]), record(5, [[(-60, -10), (-60, inf), (-55, -5), (-60, -10)]])])
    # Points in metres (UTM) without a .prj, taken for degrees: latitudes of
    # millions. With one real point: one warning for the layer, not 299;
    # without it: nothing to draw, refused.
    metres = [record(1, [[(300000 + 1000 * i, 8800000)]]) for i in range(299)]
    shp_set("metres-many", 1, metres + [record(1, [[(-65, -12)]])], prj=None)
    shp_set("metres-only", 1, metres, prj=None)

    def dbf_claims(n, record_len=None, keep=None):
        def patch(f):
            le(f["dbf"], 4, n, "<I")
            if record_len is not None:
                le(f["dbf"], 10, record_len, "<H")
            if keep is not None:
                header_len = struct.unpack("<H", f["dbf"][8:10])[0]
                f["dbf"] = f["dbf"][:header_len + keep]
        return patch
    shp_set("dbf-2e31-records-empty", 5, poly, patch=dbf_claims(0x7FFFFFFF, 4000, keep=0))
    shp_set("dbf-2e31-records-enough", 5, poly, patch=dbf_claims(0x7FFFFFFF))
    shp_set("dbf-records-negative", 5, poly, patch=dbf_claims(0x80000000))
    # Three shapes and three rows, the index cut to its first entry (its
    # length fixed to match): one shape read, and a warning that the table
    # holds more.
    def shx_first_only(f):
        f["shx"] = f["shx"][:108]
        be(f["shx"], 24, 54)
    three_sq = [record(5, [[(x + dx, y) for x, y in SQ]]) for dx in (0, 6, 12)]
    shp_set("shx-fewer-than-dbf", 5, three_sq, patch=shx_first_only)
    # 22 shapes and rows, the index rewritten to 8 entries that point 36
    # bytes into records 0, 2, 4, ... 14 (their lengths kept): read by it,
    # 8 shapes made of other bytes, and 14 records lost, with only the
    # warning that the table has more rows.
    def shx_into_records(f):
        old = bytes(f["shx"])
        f["shx"] = bytearray(old[:100])
        for k in range(8):
            off, length = struct.unpack(">ii", old[100 + 16 * k:108 + 16 * k])
            f["shx"] += struct.pack(">ii", off + 18, length)
        be(f["shx"], 24, (100 + 8 * 8) // 2)
    def ring(i):
        n = 4 + i % 5
        pts = [(-70 + i + 0.4 * math.cos(2 * math.pi * k / n), -7 + 0.4 * math.sin(2 * math.pi * k / n))
               for k in range(n)]
        return pts + pts[:1]
    twenty_two = [record(5, [ring(i)]) for i in range(22)]
    shp_set("shx-into-records", 5, twenty_two, patch=shx_into_records)
    shp_set("cpg-unknown-encoding", 5, poly, rows=[["Bogot\xe1"]], cpg=b"KLINGON-8\n")
    shp_set("prj-not-wkt", 5, poly, prj=b"this is not WKT, it is a shopping list: eggs, milk\n")
    # Files that are not what they should be are never quoted: shadow-like
    # lines (made up here) as a .cpg and a .prj.
    shadow = b"root:$6$SECRETSALT$SECRETHASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
    shp_set("sidecars-are-secrets", 5, poly, prj=shadow, cpg=shadow)

    # GeoJSON.
    deep = "[" * 10000 + "]" * 10000
    write("geojson/nested-10000.geojson",
          '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
          '"geometry":{"type":"Point","coordinates":%s}}]}\n' % deep)
    write("geojson/nan.geojson",
          '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
          '"geometry":{"type":"Point","coordinates":[NaN, 1]}}]}\n')
    write("geojson/overflow.geojson",
          '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
          '"geometry":{"type":"Point","coordinates":[1e999, 1]}}]}\n')

    write("geojson/secret.geojson", "SECRETTOKEN:x:0:0:root:/root:/bin/bash\n")

    # CSV.
    write("csv/nan.csv", "name,lon,lat\nok,-70,-12\nbad,nan,-12\n")
    write("csv/overflow.csv", "name,lon,lat\nok,-70,-12\nbad,-70,1e999\n")

    # YAML.
    # Not specs, included or rendered: never quoted.
    write("yaml/shadow", shadow)
    write("yaml/passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
    write("yaml/include-shadow.yaml", "include: shadow\nmap: {crs: \"EPSG:4326\"}\n")
    write("yaml/include-passwd.yaml", "include: [passwd]\n")
    write("yaml/latin1.yaml", b"map:\n  title: Bogot\xe1 D.C.\n")
    write("yaml/nested-10000.yaml", "map:\n  title: " + "[" * 10000 + "]" * 10000 + "\n")
    laughs = ["include:"] + ["  - &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        laughs.append("  - &l%d [%s]" % (i, ", ".join(["*l%d" % (i - 1)] * 10)))
    write("yaml/billion-laughs.yaml", "\n".join(laughs) + "\n")
    anchors = ["palettes:", "  p:"] + ["    v%d: &a%d \"#000000\"" % (i, i) for i in range(300)]
    write("yaml/anchors-300.yaml", "\n".join(anchors) + "\n")
    aliases = ["map: {crs: \"EPSG:4326\"}", "layers:",
               "  - &l {source: ../../../shapes/ne_10m_ports_americas.shp, marker: {symbol: circle}}"]
    aliases += ["  - *l"] * 99
    write("yaml/layer-aliases.yaml", "\n".join(aliases) + "\n")


if __name__ == "__main__":
    main()
