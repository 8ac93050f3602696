#!/usr/bin/env python3
"""Fails when a folder of src/ includes a header of a folder above it.

The folders, lowest first; each may include its own headers and those of
the folders before it (docs/design-notes.md, "Modules"). Public headers
(include/influmap/) belong to the folder that implements them, so
`#include "influmap/batch.h"` in src/render is as wrong as
`#include "batch/batch-private.h"`. influmap.h, the umbrella header, is
for the command and for hosts only. The command (src/cli) includes
public headers only, like any other host."""
import pathlib
import re
import sys

LAYERS = ["core", "geo", "io", "spec", "output", "label", "render", "furniture", "page", "batch", "cli"]
PUBLIC = {
    "error.h": "core", "context.h": "core", "limits.h": "core", "units.h": "core", "version.h": "core", "export.h": "core", "tempfile.h": "core",
    "geom.h": "geo", "crs.h": "geo", "geodesic.h": "geo",
    "layer.h": "io", "events.h": "io",
    "map.h": "spec", "filter.h": "spec", "classify.h": "spec",
    "render.h": "render",
    "batch.h": "batch",
    "influmap.h": "cli",
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def owner(header, here):
    """The folder a quoted include belongs to, or None when it is unknown."""
    parts = header.split("/")
    if parts[0] == "influmap" and len(parts) == 2:
        return PUBLIC.get(parts[1])
    if len(parts) == 2 and parts[0] in LAYERS:
        return parts[0]
    return None


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    bad = []
    edges = {}
    files = sorted(list((root / "src").rglob("*.[ch]")) + list((root / "include" / "influmap").glob("*.h")))
    for path in files:
        rel = path.relative_to(root)
        here = rel.parts[1] if rel.parts[0] == "src" else PUBLIC.get(rel.name)
        if here not in LAYERS:
            bad.append(f"{rel}: in no known folder (add it to scripts/check-includes.py)")
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            there = owner(m.group(1), here)
            if there is None:
                bad.append(f"{rel}:{lineno}: \"{m.group(1)}\" is not named folder/header (nor influmap/header)")
                continue
            if here != there:
                edges.setdefault(here, set()).add(there)
            if here == "cli" and there != "cli" and not m.group(1).startswith("influmap/"):
                bad.append(f"{rel}:{lineno}: the command includes \"{m.group(1)}\": it is a host, public headers only")
            if LAYERS.index(there) > LAYERS.index(here):
                bad.append(f"{rel}:{lineno}: {here} includes \"{m.group(1)}\" from {there}, a folder above it")
    for here in LAYERS:
        below = sorted(edges.get(here, ()), key=LAYERS.index)
        print(f"{here:10} <- {' '.join(below) if below else '(nothing)'}")
    if bad:
        print("\n".join(bad), file=sys.stderr)
        print(f"check-includes: {len(bad)} include(s) against the folder order {' < '.join(LAYERS)}", file=sys.stderr)
        return 1
    print(f"check-includes: {len(files)} files, every include runs down the order {' < '.join(LAYERS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
