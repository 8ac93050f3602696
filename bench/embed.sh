#!/bin/bash
# Drawing into a host's Cairo context against rendering to a file (issue 18, "Measured"):
# bench/embed-box.c, built here against the build's installed library, renders a spec as
#   file  im_map_render to a file (influmap's surface and PNG encoder), or
#   box   into a host surface of the same page (an image at the spec's dpi for PNG, a Cairo
#         PDF surface for PDF) with im_map_render_to_box at 0, 0 over the whole page, then
#         the host writes it (cairo_surface_write_to_png; finishing the PDF surface) and
#         syncs it to disk, as im_map_render does,
#   draw  (PNG) as box, nothing written: the drawing without Cairo's PNG encoder,
# each as one process (load the spec, render N times, exit), timed by hyperfine as
# stream.sh does. Target: box / file at most 1.05. Writes bench/embed.md; not part of ctest.
#
#   BUILD=/tmp/build-release bench/embed.sh
#
# Environment: BUILD (required: a build directory, Release for numbers worth quoting),
# MAPS (spec paths relative to the repository; default styles/world-robinson.yaml and
# styles/influence-latam.yaml), FORMATS (png pdf), N (renders per timed process, 1), N_TIMED
# (renders in the process that splits the time, 5), RUNS (15),
# WARMUP (2), CALLGRIND (1 when valgrind is installed: also count each process's instructions,
# which the load of a shared machine does not change), OUT (bench/out/embed), RESULTS
# (bench/embed.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
: "${BUILD:?set BUILD to a build directory of influmap}"
BUILD=$(cd "$BUILD" && pwd)
MAPS=${MAPS:-styles/world-robinson.yaml styles/influence-latam.yaml}
FORMATS=${FORMATS:-png pdf}
N=${N:-1}
N_TIMED=${N_TIMED:-5}
RUNS=${RUNS:-15}
WARMUP=${WARMUP:-2}
OUT=${OUT:-$here/out/embed}
RESULTS=${RESULTS:-$here/embed.md}
CALLGRIND=${CALLGRIND:-$(command -v valgrind > /dev/null && echo 1 || echo 0)}
mkdir -p "$OUT"
export INFLUMAP_CACHE_DIR=$OUT/crs-store

# The library as a host gets it: installed, found by pkg-config (tests/cli/install.sh).
cmake --install "$BUILD" --prefix "$OUT/prefix" > "$OUT/install.log"
PKG_CONFIG_PATH=$(dirname "$(find "$OUT/prefix" -name influmap.pc | head -1)")
export PKG_CONFIG_PATH
# shellcheck disable=SC2046 # pkg-config's flags are words
cc -std=c17 -O2 -Wall -Werror "$here/embed-box.c" $(pkg-config --cflags --libs influmap cairo) \
  -Wl,-rpath,"$(pkg-config --variable=libdir influmap)" -o "$OUT/embed-box"
prog=$OUT/embed-box

: > "$OUT/checks.txt"
: > "$OUT/timings.txt"
: > "$OUT/instructions.txt"
# Instructions executed by one process, all threads (callgrind's total).
count() { # NAME MAP FORMAT COMMAND...
  local name=$1 map=$2 fmt=$3
  shift 3
  [ "$CALLGRIND" = 1 ] || return 0
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 |
    awk -v k="$map $fmt $name" '/Collected :/ { print k, $NF }' >> "$OUT/instructions.txt"
}
for spec in $MAPS; do
  map=$(basename "$spec" .yaml)
  for fmt in $FORMATS; do
    file=$OUT/$map-file.$fmt box=$OUT/$map-box.$fmt
    # Both make a finished file of the same page; the PNGs are compared pixel by pixel
    # (the file's is RGB, the host's ARGB32 as Cairo writes it), the PDFs by page size.
    "$prog" -t file "$fmt" "$root/$spec" "$file" "$N_TIMED" 2>> "$OUT/timings.txt"
    "$prog" -t box "$fmt" "$root/$spec" "$box" "$N_TIMED" 2>> "$OUT/timings.txt"
    if [ "$fmt" = png ]; then
      "$prog" -t draw png "$root/$spec" /dev/null "$N_TIMED" 2>> "$OUT/timings.txt"
      [ "$(identify -format '%wx%h' "$file")" = "$(identify -format '%wx%h' "$box")" ]
      size=$(identify -format '%wx%h' "$file")
      ae=$(compare -metric AE -fuzz 1% "$file" "$box" null: 2>&1 || true)
      ae10=$(compare -metric AE -fuzz 10% "$file" "$box" null: 2>&1 || true)
      echo "$map png: $size, pixels differing by more than 1%: $(printf %.0f "$ae")" \
        "($(python3 -c "print('%.1f' % (100 * $ae / (${size/x/*})))")%), by more than 10%: $(printf %.0f "$ae10");" \
        "file $(stat -c %s "$file") bytes, box $(stat -c %s "$box") bytes" >> "$OUT/checks.txt"
      extra=(-n draw "$prog draw png $root/$spec /dev/null $N")
      count draw "$map" png "$prog" draw png "$root/$spec" /dev/null "$N"
    else
      a=$(pdfinfo "$file" | grep '^Page size') b=$(pdfinfo "$box" | grep '^Page size')
      [ "$a" = "$b" ]
      same=no
      if cmp -s <(pdftotext "$file" -) <(pdftotext "$box" -); then same=yes; fi
      echo "$map pdf: ${a#Page size: }, both; the same text (pdftotext): $same; file $(stat -c %s "$file") bytes, box $(stat -c %s "$box") bytes" \
        >> "$OUT/checks.txt"
      extra=()
    fi
    count file "$map" "$fmt" "$prog" file "$fmt" "$root/$spec" "$file" "$N"
    count box "$map" "$fmt" "$prog" box "$fmt" "$root/$spec" "$box" "$N"
    hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT/$map-$fmt.json" \
      -n file "$prog file $fmt $root/$spec $file $N" \
      -n box "$prog box $fmt $root/$spec $box $N" "${extra[@]}" >&2
  done
done

/usr/bin/python3 - "$OUT" "$RESULTS" "$MAPS" "$FORMATS" "$RUNS" "$N" "$N_TIMED" "$(cat /proc/loadavg)" << 'PY'
import json, os, statistics, sys
out, results, maps, formats, runs, n, n_t, load = sys.argv[1:]
ins = {}
for l in open(out + "/instructions.txt"):
    m, f, k, v = l.split()
    ins[m, f, k] = int(v)
def iratio(m, f, k):
    return "%.2f" % (ins[m, f, k] / ins[m, f, "file"]) if (m, f, k) in ins and (m, f, "file") in ins else "–"
rows = []
for spec in maps.split():
    m = os.path.basename(spec)[:-5]
    for f in formats.split():
        res = {r["command"]: r for r in json.load(open("%s/%s-%s.json" % (out, m, f)))["results"]}
        med = {k: statistics.median(r["times"]) for k, r in res.items()}
        cpu = {k: r["user"] + r["system"] for k, r in res.items()}
        draw = "%.3f" % med["draw"] if "draw" in med else "–"
        dratio = "%.2f" % (med["draw"] / med["file"]) if "draw" in med else "–"
        rows.append("| %s | %s | %.3f | %.3f | %s | %.2f | %s | %.2f | %s | %s |" % (
            m, f, med["file"], med["box"], draw, med["box"] / med["file"], dratio, cpu["box"] / cpu["file"],
            iratio(m, f, "box"), iratio(m, f, "draw")))
md = ["# Drawing into a host's Cairo context against rendering to a file (issue 18)", "",
      "`bench/embed.sh` (program `bench/embed-box.c`, built against the build's installed library): "
      "hyperfine, whole process (load the spec, render %s time(s), exit), no shell, %s runs, the median "
      "wall time. *file*: `im_map_render` to a file. *box*: `im_map_render_to_box` at 0, 0 over the whole "
      "page of a host surface (an RGB24 image at the spec's dpi for PNG, a Cairo PDF surface for PDF), "
      "painted white for PNG, then the host writes it (`cairo_surface_write_to_png`; finishing the PDF "
      "surface) and syncs it to disk, as `im_map_render` does. *draw*: box without writing (PNG). CPU: mean user + system time of box over file. Instructions: callgrind's count of "
      "instructions executed by one such process, all threads, over the file's (the same every run, "
      "whatever the load). Load average at the "
      "end: %s. Target: at most 1.05 over the file: box / file for a PDF page, draw / file for an "
      "image (what the library does; the host's own PNG writing is reported in box)." % (n, runs, load), "",
      "| map | format | file (s) | box (s) | draw (s) | box / file | draw / file | CPU box / file "
      "| instructions box / file | instructions draw / file |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"] + rows + ["",
      "Checks (same page; PNG pixels compared with ImageMagick, fuzz 1%):", ""] + \
     ["- " + l.strip() for l in open(out + "/checks.txt")] + ["",
      "In-process time per render, mean of %s renders in one process (`embed-box -t`): *library* is "
      "the call to influmap, split by its `im_render_timings`, *rest* what the call took beyond "
      "them (in a box render: painting the recording into the host's surface); *host* is making "
      "the surface, writing and syncing the file:" % n_t, ""] + ["- " + l.strip() for l in open(out + "/timings.txt")]
png = [(m, f) for m, f, k in ins if k == "draw"]
if png:
    share = ", ".join("%s %.0f%%" % (m, 100 * (ins[m, f, "box"] - ins[m, f, "draw"]) / ins[m, f, "box"]) for m, f in png)
    md += ["", "Reading the table (the wall times move with the load of a shared machine; the "
           "instruction counts do not). On a PDF page a box costs what the file costs. On an image, "
           "*draw* is the library's whole part: the map recorded once per thread (a tee), then "
           "replayed onto the host's pixels in chunks of rows on two threads (`src/page/embed.c`), "
           "as the file path rasterises its PNG (`src/page/page.c`). The rest of *box* is the "
           "host's own `cairo_surface_write_to_png` (%s of box's instructions): libpng with "
           "adaptive row filters at zlib's default level on one thread, where influmap's encoder "
           "writes unfiltered rows at a level tuned for flat colour on two threads "
           "(`src/output/png.c`). A host that wants a PNG of one map gets it faster from "
           "`im_map_render` or `im_map_render_to_stream`. A box is laid out in points, as a PDF "
           "page is (the box PNG shows the layout of the file PDF), so where a spec's PNG and "
           "PDF layouts differ, the box on an image has the PDF's: hence part of the pixels that "
           "differ above (influence-latam: the legend's rows and which labels are numbered)." % share]
if ins:
    md += ["", "Instructions per process (callgrind), millions:", ""] + \
        ["- %s %s: %s" % (m, f, ", ".join("%s %.0f" % (k, ins[m, f, k] / 1e6) for k in ("file", "box", "draw")
                                           if (m, f, k) in ins))
         for m, f in dict.fromkeys((m, f) for m, f, _ in ins)]
open(results, "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
