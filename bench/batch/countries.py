"""The countries of shapes/ne_10m_admin_0_countries_americas, for the batch
benchmarks (run.sh, monthly.sh): each record's attributes, read from the
.dbf, and its shape's bounding box, read from the .shp record headers
(None for a null shape). The standard library alone, so the benchmarks run
where influmap builds."""
import struct


def read(base):
    """[(attributes: dict, box: (west, south, east, north) or None)] in file order."""
    with open(base + ".dbf", "rb") as f:
        n, header_len, record_len = struct.unpack("<IHH", f.read(32)[4:12])
        fields = []
        while True:
            d = f.read(32)
            if d[0] == 0x0D:
                break
            fields.append((d[:11].split(b"\0")[0].decode(), d[16]))
        f.seek(header_len)
        records = []
        for _ in range(n):
            r, pos, rec = f.read(record_len), 1, {}
            for name, width in fields:
                rec[name] = r[pos:pos + width].decode("utf-8", "replace").strip()
                pos += width
            records.append(rec)
    boxes = []
    with open(base + ".shp", "rb") as f:
        f.seek(100)
        for _ in range(n):
            _, words = struct.unpack(">ii", f.read(8))
            content = f.read(2 * words)
            kind = struct.unpack("<i", content[:4])[0]
            boxes.append(struct.unpack("<4d", content[4:36]) if kind else None)
    return list(zip(records, boxes))
