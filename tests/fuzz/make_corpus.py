#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, from the repository's own files.

    tests/fuzz/make_corpus.py                 # (re)writes tests/fuzz/corpus/<target>/
    tests/fuzz/make_corpus.py pack SHP OUT    # packs one shapefile set for fuzz_shapefile

Shapefiles are cut down to a few records (the .shp, .shx and .dbf rewritten
to agree) and packed in fuzz_shapefile's framing: a flags byte, then for
.shp, .shx, .dbf, .prj, .cpg a 4-byte little-endian length and the bytes
(0xFFFFFFFF: absent). Small synthetic sets cover the shape types and DBF
field types the bundled data lacks. The output is deterministic.

The files named by a SHA-1 beside these seeds are what longer fuzzing runs
found, minimised with libFuzzer's -merge=1; this script leaves them alone.
To add a run's finds:
    build-fuzz/tests/fuzz/fuzz_T -merge=1 NEW tests/fuzz/corpus/T RUN_CORPUS
then copy NEW's files that are not already here.
"""
import os
import re
import struct
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
ABSENT = 0xFFFFFFFF
SUFFIXES = ("shp", "shx", "dbf", "prj", "cpg")


def pack(files, flags=0):
    """files: dict suffix -> bytes (missing: absent)."""
    out = bytearray([flags])
    for s in SUFFIXES:
        data = files.get(s)
        if data is None:
            out += struct.pack("<I", ABSENT)
        else:
            out += struct.pack("<I", len(data)) + data
    return bytes(out)


def read_set(base):
    files = {}
    for s in SUFFIXES:
        p = base + "." + s
        if os.path.exists(p):
            with open(p, "rb") as f:
                files[s] = f.read()
    return files


def cut_set(files, keep):
    """The records whose indexes are in keep, as a consistent set."""
    shp, shx = files["shp"], files["shx"]
    records = []
    for i in keep:
        off, length = struct.unpack(">ii", shx[100 + 8 * i : 108 + 8 * i])
        body = shp[off * 2 + 8 : off * 2 + 8 + length * 2]
        records.append(body)
    new_shp = bytearray(shp[:100])
    new_shx = bytearray(shx[:100])
    for n, body in enumerate(records):
        new_shx += struct.pack(">ii", len(new_shp) // 2, len(body) // 2)
        new_shp += struct.pack(">ii", n + 1, len(body) // 2) + body
    new_shp[24:28] = struct.pack(">i", len(new_shp) // 2)
    new_shx[24:28] = struct.pack(">i", len(new_shx) // 2)
    out = dict(files)
    out["shp"], out["shx"] = bytes(new_shp), bytes(new_shx)
    if "dbf" in files:
        dbf = files["dbf"]
        header_len, record_len = struct.unpack("<HH", dbf[8:12])
        new_dbf = bytearray(dbf[:header_len])
        new_dbf[4:8] = struct.pack("<I", len(keep))
        for i in keep:
            new_dbf += dbf[header_len + i * record_len : header_len + (i + 1) * record_len]
        new_dbf += b"\x1a"
        out["dbf"] = bytes(new_dbf)
    return out


def smallest_records(files, n):
    shx = files["shx"]
    count = (len(shx) - 100) // 8
    sizes = [(struct.unpack(">i", shx[104 + 8 * i : 108 + 8 * i])[0], i) for i in range(count)]
    return sorted(i for _, i in sorted(sizes)[:n])


# ---- a minimal shapefile writer for the synthetic sets ----

def bbox(points):
    xs = [p[0] for p in points] or [0]
    ys = [p[1] for p in points] or [0]
    return min(xs), min(ys), max(xs), max(ys)


def record(stype, parts, part_types=None):
    """parts: list of lists of (x, y); Z and M added for the Z/M types."""
    base = stype % 10
    has_z = stype in (11, 13, 15, 18, 31)
    has_m = has_z or stype in (21, 23, 25, 28)
    pts = [p for part in parts for p in part]
    if stype == 0:
        return struct.pack("<i", 0)
    if base == 1:  # point
        x, y = pts[0]
        body = struct.pack("<idd", stype, x, y)
        if has_z:
            body += struct.pack("<d", 100.0)
        if has_m:
            body += struct.pack("<d", 7.0)
        return body
    body = struct.pack("<i4d", stype, *bbox(pts))
    if base == 8:  # multipoint
        body += struct.pack("<i", len(pts))
    else:
        body += struct.pack("<ii", len(parts), len(pts))
        start = 0
        for part in parts:
            body += struct.pack("<i", start)
            start += len(part)
        if stype == 31:
            for t in part_types:
                body += struct.pack("<i", t)
    for x, y in pts:
        body += struct.pack("<dd", x, y)
    if has_z:
        body += struct.pack("<dd", 0, 10) + b"".join(struct.pack("<d", 5.0) for _ in pts)
    if has_m:
        body += struct.pack("<dd", 0, 1) + b"".join(struct.pack("<d", 1.0) for _ in pts)
    return body


def shapefile(stype, shapes):
    """shapes: list of record bodies."""
    shp = bytearray(100)
    shx = bytearray(100)
    allb = [0, 0, 0, 0]
    for n, body in enumerate(shapes):
        shx += struct.pack(">ii", len(shp) // 2, len(body) // 2)
        shp += struct.pack(">ii", n + 1, len(body) // 2) + body
    for buf in (shp, shx):
        buf[0:4] = struct.pack(">i", 9994)
        buf[24:28] = struct.pack(">i", len(buf) // 2)
        buf[28:36] = struct.pack("<ii", 1000, stype)
        buf[36:68] = struct.pack("<4d", -80, -40, -30, 10)
    return bytes(shp), bytes(shx)


def dbf(fields, rows, ldid=0):
    """fields: (name, type, width, decimals); rows: lists of str (None: null)."""
    header_len = 32 + 32 * len(fields) + 1
    record_len = 1 + sum(f[2] for f in fields)
    out = bytearray(struct.pack("<BBBBIHH", 3, 124, 1, 1, len(rows), header_len, record_len))
    out += bytes(17) + bytes([ldid]) + bytes(2)
    for name, ftype, width, dec in fields:
        out += name.encode().ljust(11, b"\0") + ftype.encode() + bytes(4) + bytes([width, dec]) + bytes(14)
    out += b"\r"
    for row in rows:
        out += b" "
        for (name, ftype, width, dec), v in zip(fields, row):
            if v is None:
                v = "*" * width if ftype in "ND" else ""
            raw = v.encode("latin-1") if isinstance(v, str) else v
            out += raw[:width].rjust(width) if ftype in "NF" else raw[:width].ljust(width)
    out += b"\x1a"
    return bytes(out)


WGS84 = (b'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
         b'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
FIELDS = [("NAME", "C", 20, 0), ("POP", "N", 10, 0), ("AREA", "N", 12, 3), ("DATE", "D", 8, 0),
          ("OK", "L", 1, 0), ("RATIO", "F", 8, 2)]
ROWS = [["Lima", "9751717", "2672.280", "20211201", "T", "0.50"],
        ["Bogot\xe1", "7181469", "1587.000", "19991231", "F", "1.25"],
        [None, None, None, None, "?", None]]


def synthetic():
    sq = [(-70, -10), (-70, -5), (-65, -5), (-65, -10), (-70, -10)]
    hole = [(-69, -9), (-66, -9), (-66, -6), (-69, -6), (-69, -9)]
    line = [(-75, 0), (-60, -20), (-45, -5)]
    sets = {}
    for t in (1, 11, 21):
        sets["points_%d" % t] = (t, [record(t, [[(-70, -12)]]), record(t, [[(-58, -34)]]), record(0, [])])
    for t in (8, 18, 28):
        sets["multipoint_%d" % t] = (t, [record(t, [line]), record(t, [[(1, 2)]]), record(t, [sq])])
    for t in (3, 13, 23):
        sets["lines_%d" % t] = (t, [record(t, [line, line[:2]]), record(t, [[(0, 0)]]), record(t, [sq])])
    for t in (5, 15, 25):
        sets["polygons_%d" % t] = (t, [record(t, [sq, hole]), record(t, [sq[:3]]), record(t, [hole])])
    strip = [(-70, -10), (-70, -5), (-65, -10), (-65, -5), (-60, -10)]
    sets["multipatch"] = (31, [record(31, [strip, strip, sq, hole], [0, 1, 2, 3]), record(31, [sq], [5]),
                               record(31, [sq[:4]], [4])])
    out = {}
    for name, (stype, shapes) in sorted(sets.items()):
        shp, shx = shapefile(stype, shapes)
        files = {"shp": shp, "shx": shx, "dbf": dbf(FIELDS, ROWS), "prj": WGS84, "cpg": b"1252"}
        out["syn_" + name] = pack(files)
    shp, shx = shapefile(5, [record(5, [sq])])
    base = {"shp": shp, "shx": shx, "dbf": dbf(FIELDS, ROWS[:1])}
    out["syn_no_prj_no_cpg"] = pack(base)
    out["syn_ldid"] = pack({**base, "dbf": dbf(FIELDS, ROWS[:1], ldid=0x57)})
    out["syn_cpg_utf8"] = pack({**base, "cpg": b"UTF-8\n", "prj": WGS84})
    out["syn_cpg_unknown"] = pack({**base, "cpg": b"KLINGON-8"})
    out["syn_query"] = pack({**base, "prj": WGS84}, flags=1)
    out["syn_skip_attrs"] = pack({**base, "prj": WGS84}, flags=2)
    out["syn_no_dbf"] = pack({"shp": shp, "shx": shx})
    return out


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    shapes = os.path.join(ROOT, "shapes")
    # Shapefiles: a few small records of each bundled layer.
    for layer, n in [("ne_10m_ports_americas", 12), ("ne_10m_populated_places_latam", 8),
                     ("ne_10m_admin_0_boundary_lines_americas", 3), ("ne_10m_coastline_americas", 4),
                     ("ne_10m_rivers_americas", 3), ("ne_10m_lakes_americas", 3), ("ne_10m_land_americas", 3),
                     ("ne_10m_admin_0_countries_americas", 2), ("ne_10m_admin_1_latam", 3)]:
        files = read_set(os.path.join(shapes, layer))
        write("shapefile", layer, pack(cut_set(files, smallest_records(files, n))))
    for name, data in synthetic().items():
        write("shapefile", name, data)

    # GeoJSON and CSV: the influence data whole, and small cases.
    for name in ("events.geojson", "routes.geojson", "events.csv"):
        with open(os.path.join(shapes, "influence", name), "rb") as f:
            write("csv" if name.endswith(".csv") else "geojson", name, f.read())
    geo = {
        "geometries": '{"type":"FeatureCollection","features":['
        '{"type":"Feature","id":7,"properties":{"name":"a","n":1.5,"ok":true,"o":{"k":[1]}},'
        '"geometry":{"type":"Point","coordinates":[-70,-12]}},'
        '{"type":"Feature","properties":null,"geometry":{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}},'
        '{"type":"Feature","properties":{"date":"2021-12-01"},"geometry":{"type":"LineString",'
        '"coordinates":[[0,0],[10,10]]}},'
        '{"type":"Feature","properties":{},"geometry":{"type":"MultiLineString","coordinates":[[[0,0],[1,1]]]}},'
        '{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":'
        '[[[0,0],[0,5],[5,5],[0,0]]]}},'
        '{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":'
        '[[[[0,0],[0,5],[5,5],[0,0]]],[[[9,9],[9,8],[8,8],[9,9]]]]}},'
        '{"type":"Feature","properties":{},"geometry":{"type":"GeometryCollection","geometries":['
        '{"type":"Point","coordinates":[1,1]},{"type":"MultiPoint","coordinates":[]}]}},'
        '{"type":"Feature","properties":{"x":null},"geometry":null}]}',
        "crs": '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":'
        '"urn:ogc:def:crs:EPSG::3857"}},"features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"Point","coordinates":[-7792364,-1345708]}}]}',
        "crs84": '\ufeff{"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},'
        '"type":"FeatureCollection","features":[]}',
        "empty_point": '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"Point","coordinates":[]}}]}',
    }
    for name, text in geo.items():
        write("geojson", name + ".geojson", text.encode())
    csvs = {
        "points": "id,name,lon,lat,date\n1,Lima,-77.03,-12.04,2021-12-01\n2,\"Bogot\u00e1, D.C.\",-74.07,4.71,2020\n",
        "wkt": "id,wkt,note\r\n1,POINT (1 2),a\r\n2,\"LINESTRING (0 0, 1 1)\",\r\n3,\"POLYGON ((0 0, 0 1, 1 1, 0 0))\","
        "\"multi\nline\"\r\n4,MULTIPOINT ((1 2), (3 4)),x\r\n5,SRID=4326;POINT Z (1 2 3),y\r\n6,POINT EMPTY,z\r\n"
        "7,\"MULTIPOLYGON (((0 0, 0 1, 1 1, 0 0)), ((5 5, 5 6, 6 6, 5 5)))\",w\r\n"
        "8,\"MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))\",v\r\n",
        "xy": "\ufeffX,Y,flag,code\n1.5,2.5,true,007\n-3,4e1,false,010\n",
        "longitude": "Longitude,Latitude\r-70,-12\r-71,-13\r",
    }
    for name, text in csvs.items():
        write("csv", name + ".csv", text.encode())

    # Specs: every bundled one, and the house style sheet.
    styles = os.path.join(ROOT, "styles")
    for name in sorted(os.listdir(styles)):
        if name.endswith(".yaml"):
            with open(os.path.join(styles, name), "rb") as f:
                write("spec", name, f.read())

    # Filters: those the specs use, and one of each construct.
    filters = set()
    for name in sorted(os.listdir(styles)):
        if name.endswith(".yaml"):
            with open(os.path.join(styles, name)) as f:
                for m in re.finditer(r'where: (?:"([^"]*)"|(.*))', f.read()):
                    filters.add((m.group(1) or m.group(2)).strip())
    filters |= {
        "ISO_A3 in (VEN, NIC, CUB)",
        "date >= 2021-12 and not (name = 'x' or name is null)",
        "name like 'San *' and POP_EST > 1e6",
        "name like 'Bogot_' or name like '[A-C]?[!x]*\\*'",
        '"field name" != \'O\'\'Higgins\' and "in" <> 1',
        "date = 2021-12-01T10:00:30.5+02:00 or date < 2021-12-01T10:00Z or date > 2021",
        "active = true and area <= -12.5 and POP_EST >= .5",
        "not not not (true) or false",
        "name not in ('a', 1, 2021-01, true) and ISO_A3 not like '%X'",
        "name = Name and POP_EST > area",
        "date is not null",
    }
    for i, text in enumerate(sorted(filters)):
        values = b"\0".join([b"San Jos\xc3\xa9", b"VEN", b"31000000", b"12.5", b"20211201", b"t", b"x", b"1", b"y"])
        write("filter", "f%02d" % i, text.encode() + b"\0" + values)
    # Expressions (also parsed as values by fuzz_filter).
    expressions = [
        "POP_EST * 1e6 / area > 10 and upper(substr(name, 1, 3)) || '!' like 'SAN*'",
        "(POP_EST + -area) / (2 - 2) is null or -(area % 3) < - 1",
        "format(POP_EST / 1e6, '$#,##0.0 M') = concat(name, 1, 2021-12)",
        "coalesce(date, '2021') >= 2021 and days_between(date, 2022-01-01T10:00Z) > round(area, -1)",
        "year(date) * 100 + month(date) in (202112, 202201) and length(trim(\"field name\")) > day(date)",
        "lower(name) || format(area, 3) || abs(floor(ceil(number('2.5')))) != name",
    ]
    for i, text in enumerate(expressions):
        values = b"\0".join([b"San Jos\xc3\xa9", b"VEN", b"31000000", b"0", b"20211201", b"t", b" x ", b"1", b"y"])
        write("filter", "e%02d" % i, text.encode() + b"\0" + values)

    # CRS definitions: the specs' and the .prj files'.
    crs = {"epsg": "EPSG:4326", "bare": "3857", "esri": "ESRI:54030",
           "laea": "+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs",
           "robin": "+proj=robin +lon_0=180 +datum=WGS84 +units=m +no_defs",
           "ortho": "+proj=ortho +lat_0=-15 +lon_0=-70", "utm": "EPSG:32718",
           "wkt2": 'GEOGCRS["WGS 84",DATUM["World Geodetic System 1984",ELLIPSOID["WGS 84",6378137,298.257223563]],'
                   'CS[ellipsoidal,2],AXIS["latitude",north],AXIS["longitude",east],ANGLEUNIT["degree",0.0174532925199433]]',
           "esri_wkt": WGS84.decode(),
           "projcs": 'PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",'
                     'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",'
                     '0.0174532925199433]],PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],'
                     'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",0.0],PARAMETER['
                     '"Standard_Parallel_1",0.0],PARAMETER["Auxiliary_Sphere_Type",0.0],UNIT["Meter",1.0]]'}
    for name, text in crs.items():
        write("crs", name, text.encode())


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "pack":
        base = re.sub(r"\.shp$", "", sys.argv[2], flags=re.I)
        with open(sys.argv[3], "wb") as f:
            f.write(pack(read_set(base)))
    elif len(sys.argv) == 1:
        main()
    else:
        sys.exit(__doc__)
