#!/usr/bin/python3
"""Build the benchmark table from run.sh's output folder: table.py OUT RESULTS.md COMMAND

Prints the table (tool, map, format, median time, ratio to MapServer, peak RSS, file size,
IoU for PNGs) and writes it to RESULTS.md with the date, machine, load, versions, the
strict IoU, the timing spread, the issue's targets for influmap and the skipped peers.
"""
import datetime
import glob
import json
import os
import platform
import sys

TOOLS = ["influmap", "influmap_nostore", "mapserver", "mapnik", "gmt"]
MAPS = ["latam-50m", "world-robinson", "latam-10m"]
FORMATS = ["png", "svg", "pdf"]
TARGET_RATIO = {"png": 0.6, "svg": 0.6, "pdf": 0.8}
TARGET_RSS_MB = 40


def read_json(path):
  with open(path) as f:
    return json.load(f)


def collect(out):
  rows = {}
  for path in sorted(glob.glob(os.path.join(out, "time", "*.json"))):
    name = os.path.basename(path)[:-5]
    mp, fmt = name.rsplit("-", 1)
    for r in read_json(path)["results"]:
      row = {"tool": r["command"], "map": mp, "format": fmt, "median": r["median"], "mean": r["mean"],
             "stddev": r.get("stddev") or 0.0, "min": r["min"], "max": r["max"], "runs": len(r["times"])}
      rss = os.path.join(out, "rss", "%s-%s-%s.txt" % (row["tool"], mp, fmt))
      if os.path.exists(rss):
        with open(rss) as f:
          lines = [l for l in f.read().split() if l.isdigit()]
        row["rss_mb"] = int(lines[-1]) / 1024 if lines else None
      outfile = os.path.join(out, "maps", "%s-%s.%s" % (row["tool"], mp, fmt))
      if os.path.exists(outfile):
        row["size_kb"] = os.path.getsize(outfile) / 1024
      rows[(row["tool"], mp, fmt)] = row
  for path in glob.glob(os.path.join(out, "iou", "*.jsonl")):
    with open(path) as f:
      for line in f:
        r = json.loads(line)
        base = os.path.basename(r["png"])[:-4]
        tool, mp = base.split("-", 1)
        if (tool, mp, "png") in rows:
          rows[(tool, mp, "png")]["iou"] = r
  return rows


def order(rows):
  def key(k):
    tool, mp, fmt = k
    return (MAPS.index(mp) if mp in MAPS else 99, mp, FORMATS.index(fmt) if fmt in FORMATS else 99,
            TOOLS.index(tool) if tool in TOOLS else 99, tool)
  return [rows[k] for k in sorted(rows, key=key)]


def fmt_num(v, spec):
  return "–" if v is None else spec % v


def main_table(rows):
  head = ["tool", "map", "format", "median (s)", "× MapServer", "peak RSS (MB)", "size (KB)", "IoU"]
  body = []
  for r in order(rows):
    ms = rows.get(("mapserver", r["map"], r["format"]))
    ratio = r["median"] / ms["median"] if ms else None
    iou = r.get("iou", {}).get("iou")
    body.append([r["tool"], r["map"], r["format"], "%.3f" % r["median"], fmt_num(ratio, "%.2f"),
                 fmt_num(r.get("rss_mb"), "%.1f"), fmt_num(r.get("size_kb"), "%.0f"),
                 fmt_num(iou, "%.5f") if r["format"] == "png" else ""])
  return head, body


def markdown(head, body, right=()):
  lines = ["| " + " | ".join(head) + " |",
           "| " + " | ".join("---:" if i in right else "---" for i in range(len(head))) + " |"]
  lines += ["| " + " | ".join(row) + " |" for row in body]
  return "\n".join(lines)


def plain(head, body):
  widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
  fmt = "  ".join("%%-%ds" % w if i < 3 else "%%%ds" % w for i, w in enumerate(widths))
  return "\n".join(fmt % tuple(row) for row in [head] + body)


def machine():
  model = "?"
  with open("/proc/cpuinfo") as f:
    for line in f:
      if line.startswith("model name"):
        model = line.split(":", 1)[1].strip()
        break
  mem = "?"
  with open("/proc/meminfo") as f:
    for line in f:
      if line.startswith("MemTotal"):
        mem = "%.1f GB" % (int(line.split()[1]) / 1024 / 1024)
  debian = open("/etc/debian_version").read().strip() if os.path.exists("/etc/debian_version") else "?"
  return "%d cores (nproc), %s, %s RAM, Linux %s, Debian %s" % (os.cpu_count(), model, mem, platform.release(), debian)


def loads(out):
  res = []
  for path in sorted(glob.glob(os.path.join(out, "load", "*.txt"))):
    with open(path) as f:
      vals = [line.split()[:3] for line in f if line.strip()]
    res.append((os.path.basename(path)[:-4], vals))
  return res


def targets(rows):
  body = []
  for mp in MAPS:
    for fmt in FORMATS:
      im, ms = rows.get(("influmap", mp, fmt)), rows.get(("mapserver", mp, fmt))
      if not im or not ms:
        continue
      ratio = im["median"] / ms["median"]
      ok_t = ratio <= TARGET_RATIO[fmt]
      rss = im.get("rss_mb")
      ok_r = rss is not None and rss <= TARGET_RSS_MB
      size = ""
      if fmt != "png" and im.get("size_kb") and ms.get("size_kb"):
        size = "%.0f / %.0f KB %s" % (im["size_kb"], ms["size_kb"], "✓" if im["size_kb"] <= ms["size_kb"] else "✗")
      iou = im.get("iou", {}).get("iou")
      body.append([mp, fmt, "%.2f ≤ %.1f %s" % (ratio, TARGET_RATIO[fmt], "✓" if ok_t else "✗"),
                   "%s ≤ %d %s" % (fmt_num(rss, "%.1f"), TARGET_RSS_MB, "✓" if ok_r else "✗"), size,
                   "" if iou is None else "%.5f %s" % (iou, "✓" if iou >= 0.999 else "✗")])
  return ["map", "format", "time / MapServer", "peak RSS (MB)", "size vs MapServer", "IoU ≥ 0.999"], body


def main(argv):
  if len(argv) != 4:
    sys.exit(__doc__)
  out, results, command = argv[1], argv[2], argv[3]
  rows = collect(out)
  head, body = main_table(rows)
  print(plain(head, body))
  skipped = []
  if os.path.exists(os.path.join(out, "skipped.txt")):
    with open(os.path.join(out, "skipped.txt")) as f:
      skipped = [l.rstrip("\n").split("\t", 1) for l in f if l.strip()]
  for s in skipped:
    print("skipped: %s: %s" % tuple(s))
  versions = []
  if os.path.exists(os.path.join(out, "versions.txt")):
    with open(os.path.join(out, "versions.txt")) as f:
      versions = [l.rstrip("\n").split("\t", 1) for l in f if "\t" in l]
  load = loads(out)
  ones = [float(v[0]) for _, vals in load for v in vals]

  md = ["# Benchmark: influmap, MapServer, Mapnik, GMT (issue 6)", ""]
  md.append("Run %s with `%s`." % (datetime.datetime.now().strftime("%Y-%m-%d %H:%M %Z").strip(), command))
  md.append("")
  md.append("- **Machine:** %s." % machine())
  if ones:
    md.append("- **Load:** 1-minute load average %.2f–%.2f around the timing calls (other sessions share "
              "the 2 cores; per call below)." % (min(ones), max(ones)))
  md.append("- **Versions:** " + "; ".join("%s %s" % (k, v) for k, v in versions) + ".")
  md.append("- **Timing:** hyperfine, whole process, no shell (`-N`), all tools for one map and format in "
            "the same call, %s warm-up runs, %s runs; the median. Peak RSS: GNU time's maximum resident set "
            "size of one more run (for GMT's script, that of its largest process: `gmt` or `gs`)."
            % (os.environ.get("WARMUP", "2"), os.environ.get("RUNS", "7")))
  md.append("- **influmap_nostore:** the same influmap with its store of resolved CRSs off "
            "(`INFLUMAP_CACHE_DIR=off`), so proj.db is opened and queried in every run; `influmap` has the "
            "store its first render of the run filled, as every map after an analyst's first has.")
  md.append("- **IoU:** land pixels of the PNG against a mask burned by gdal_rasterize (`bench/mask.py`, "
            "`bench/iou.py`); pixels whose ideal sea share is within 0.1 of one half are not counted (see below).")
  md.append("")
  md.append(markdown(head, body, right=(3, 4, 5, 6, 7)))
  md.append("")
  if skipped:
    md.append("Not run: " + "; ".join("**%s**: %s" % tuple(s) for s in skipped) + ".")
    md.append("")
  th, tb = targets(rows)
  if tb:
    md.append("## influmap against the targets of issue 6")
    md.append("")
    md.append(markdown(th, tb))
    md.append("")
  md.append("## Correctness detail (PNG)")
  md.append("")
  md.append("`IoU` leaves out the pixels whose ideal sea share is within 0.1 of one half (`band`: they go "
            "either way with each rasteriser's sampling); `strict` counts every pixel; `plain` is against the "
            "literal mask (fill polygons burned at pixel centres, no outline), which an outlined map exceeds "
            "by half a pixel along every coast. `fp`/`fn`: false land / false sea pixels outside the band.")
  md.append("")
  ib = []
  for r in order(rows):
    i = r.get("iou")
    if i and "iou" in i:
      ib.append([r["tool"], r["map"], "%.5f" % i["iou"], "%.5f" % i["iou_strict"], "%.5f" % i.get("iou_plain", 0),
                 str(i["fp"]), str(i["fn"]), str(i["band"]), str(i["mask_land"])])
    elif i:
      ib.append([r["tool"], r["map"], i.get("error", "?"), "", "", "", "", "", ""])
  md.append(markdown(["tool", "map", "IoU", "strict", "plain", "fp", "fn", "band", "land px"], ib,
                     right=(2, 3, 4, 5, 6, 7, 8)))
  md.append("")
  md.append("## Timing detail")
  md.append("")
  tb2 = [[r["tool"], r["map"], r["format"], "%.3f" % r["median"], "%.3f ± %.3f" % (r["mean"], r["stddev"]),
          "%.3f" % r["min"], "%.3f" % r["max"], str(r["runs"])] for r in order(rows)]
  md.append(markdown(["tool", "map", "format", "median", "mean ± σ", "min", "max", "runs"], tb2,
                     right=(3, 4, 5, 6, 7)))
  md.append("")
  if load:
    md.append("Load average (1, 5, 15 min) before and after each hyperfine call: " +
              "; ".join("%s %s" % (name, " → ".join("/".join(v) for v in vals)) for name, vals in load) + ".")
    md.append("")
  # NOTES.md, then the memory figures of bench/memory.sh (kept in memory.md,
  # which this run does not measure).
  for extra in ("NOTES.md", "memory.md"):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), extra)
    if os.path.exists(path):
      with open(path) as f:
        md.append(f.read().rstrip())
        md.append("")
  with open(results, "w") as f:
    f.write("\n".join(md))
  print("written: %s" % results)


if __name__ == "__main__":
  main(sys.argv)
