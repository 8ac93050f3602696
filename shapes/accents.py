#!/usr/bin/python3
"""Gives the Latin American towns of a Natural Earth populated-places layer
their names with accents: NAME holds 'Merida', 'Bogota', 'Cucuta' for some
towns (ASCII) and 'Mérida', 'Cúcuta' for others, so one map showed 'Merida'
beside the state of 'Mérida'. Where NAME is exactly the name in the
country's language (NAME_ES; NAME_PT in Brazil) with its accents taken off,
NAME becomes that name. Countries of other languages keep theirs.

  accents.py LAYER.shp      (edits the .dbf in place; prints what changed)

Used by shapes/build.sh (developer-time: GDAL's Python bindings)."""
import sys
import unicodedata

from osgeo import ogr

SPANISH = {"ARG", "BOL", "CHL", "COL", "CRI", "CUB", "DOM", "ECU", "SLV", "GTM", "HND", "MEX", "NIC", "PAN", "PRY",
           "PER", "PRI", "URY", "VEN"}


def bare(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def main(path):
    ogr.UseExceptions()
    ds = ogr.Open(path, 1)
    layer = ds.GetLayer()
    changes = []
    for f in layer:
        a3 = f.GetField("ADM0_A3")
        field = "NAME_PT" if a3 == "BRA" else "NAME_ES" if a3 in SPANISH else None
        name, local = f.GetField("NAME"), f.GetField(field) if field else None
        if name and local and name != local and bare(local) == name:
            changes.append((f.GetFID(), local))
    defn = layer.GetLayerDefn()
    idx = defn.GetFieldIndex("NAME")
    need = max([len(v.encode("utf-8")) for _, v in changes] + [0])
    if need > defn.GetFieldDefn(idx).GetWidth():
        wider = ogr.FieldDefn("NAME", ogr.OFTString)
        wider.SetWidth(need)
        layer.AlterFieldDefn(idx, wider, ogr.ALTER_WIDTH_PRECISION_FLAG)
    for fid, value in changes:
        f = layer.GetFeature(fid)
        print(f"  {f.GetField('ADM0_A3')}: {f.GetField('NAME')} -> {value}")
        f.SetField("NAME", value)
        layer.SetFeature(f)
    ds = None
    print(f"accents.py: {len(changes)} names")


if __name__ == "__main__":
    main(sys.argv[1])
