/* The influmap command: render, info, validate.
 * Exit codes: 0 ok, 1 bad input, 2 usage, 3 I/O or internal. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "influmap/tempfile.h"
#include "cli/batch-cmd.h"
#include "cli/crash.h"
#include "influmap/influmap.h"

static const char usage_text[] =
    "usage: influmap render SPEC -o OUT [--format png|svg|pdf] [--dpi N] [--size WxH[mm|cm|in|pt|px]]\n                "
    "       [--from DATE] [--to DATE] [--verbose] [--strict]\n                       [--svg-text] [--cmyk] "
    "[--timings]\n"
    "       influmap info FILE.shp\n"
    "       influmap validate SPEC...\n"
    "       influmap batch MANIFEST [-j N] [--shard K/N | auto --count N] [--force] [--list] [--atlas FILE.pdf]\n"
    "       influmap COMMAND --help | influmap --help | --version\n";

static const char help_text[] =
    "influmap renders maps from shapefiles and a YAML map spec to PNG, SVG and PDF.\n"
    "\n"
    "Commands:\n"
    "  render SPEC -o OUT   render the spec; the format follows OUT's suffix. -o - writes to standard\n"
    "                       output (with --format); a device or FIFO is written to, a symbolic link's\n"
    "                       file replaced\n"
    "    --format F         png, svg or pdf, whatever the suffix\n"
    "    --dpi N            resolution for PNG (and the simplification of vectors)\n"
    "    --size WxH[unit]   page size, e.g. 180x120mm, 7x5in, 2200x2400px (default unit mm)\n"
    "    --from DATE        keep only events on or after DATE (ISO 8601; a date field, to date_end)\n"
    "    --to DATE          keep only events on or before DATE\n"
    "    --verbose          report the map's scale and how many labels were placed and dropped, and list\n"
    "                       those dropped (without it, a count of the dropped labels is printed)\n"
    "    --strict           fail, writing nothing, when a label cannot be placed or a join leaves a feature\n"
    "                       without its row\n"
    "    --svg-text         SVG: labels as editable <text> elements instead of glyph outlines\n"
    "    --cmyk             PDF: convert to CMYK for print with Ghostscript (gs)\n"
    "    --timings          print the milliseconds spent on each stage (spec, setup, load, project, draw,\n"
    "                       labels, encode) and in all to stderr\n"
    "  info FILE.shp        shape type, feature count, extent, fields, CRS and encoding\n"
    "  validate SPEC...     check specs (keys, values, sources, CRS) without rendering\n"
    "  batch MANIFEST       render every map of a manifest, in parallel, skipping what is up to date\n"
    "                       (influmap batch --help, docs/batch.md)\n"
    "\n"
    "Exit codes: 0 ok, 1 bad input, 2 usage, 3 I/O or internal error.\n";

static int exit_code(im_status st) {
  switch (st) {
  case IM_STATUS_OK:
    return 0;
  case IM_STATUS_INPUT:
    return 1;
  case IM_STATUS_USAGE:
    return 2;
  default:
    return 3;
  }
}

/* The command's context: its warnings are printed (print_warning). The
 * process's handler prints too, for what runs outside it (batch, info). */
static im_context *cli_ctx;

static int report(const im_error *err) {
  char buf[4096];
  fprintf(stderr, "influmap: %s\n", im_error_format(err, buf, sizeof buf));
  return exit_code(err->status);
}

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "influmap: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n%s", usage_text);
  return 2;
}

static bool parse_size(const char *s, im_render_options *opt) {
  const char *x = strchr(s, 'x');
  if (!x || x == s)
    return false;
  char w[64];
  size_t n = (size_t)(x - s);
  if (n >= sizeof w)
    return false;
  memcpy(w, s, n);
  w[n] = '\0';
  if (!im_length_parse(x + 1, IM_UNIT_MM, &opt->height))
    return false;
  /* "180x120mm": the unit written once applies to both. */
  im_unit unit = opt->height.unit;
  if (!im_length_parse(w, unit, &opt->width))
    return false;
  opt->has_size = opt->width.value > 0 && opt->height.value > 0;
  return opt->has_size;
}

static void print_dropped(void *user, const char *text) {
  (void)user;
  fprintf(stderr, "influmap: label not placed: %s\n", text);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* --timings: one line per stage, so a slow map can be explained. */
static void print_timings(const im_render_timings *t, double total) {
  const char *names[] = {"spec", "setup", "load", "project", "draw", "labels", "encode"};
  double ms[] = {t->spec, t->setup, t->load, t->project, t->draw, t->labels, t->encode};
  for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
    fprintf(stderr, "influmap: time %-8s %9.1f ms\n", names[i], ms[i]);
  fprintf(stderr, "influmap: time %-8s %9.1f ms\n", "total", total);
}

/* -o -: the render's bytes as they come (im_map_render_to_stream). */
static bool write_stdout(void *user, const unsigned char *data, size_t length) {
  (void)user;
  return fwrite(data, 1, length, stdout) == length;
}

static int cmd_render(int argc, char **argv) {
  const char *spec = NULL, *out = NULL;
  im_render_options opt = {0};
  im_render_stats stats = {0};
  im_render_timings timings = {0};
  bool verbose = false;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    bool has_next = i + 1 < argc;
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (!has_next)
        return usage_error("%s needs a file name", a);
      out = argv[++i];
    } else if (!strcmp(a, "--format")) {
      if (!has_next)
        return usage_error("%s needs png, svg or pdf", a);
      const char *f = argv[++i];
      if (!strcasecmp(f, "png"))
        opt.format = IM_FORMAT_PNG;
      else if (!strcasecmp(f, "svg"))
        opt.format = IM_FORMAT_SVG;
      else if (!strcasecmp(f, "pdf"))
        opt.format = IM_FORMAT_PDF;
      else
        return usage_error("unknown format '%s' (png, svg or pdf)", f);
    } else if (!strcmp(a, "--dpi")) {
      if (!has_next)
        return usage_error("%s needs a number", a);
      char *end;
      opt.dpi = strtod(argv[++i], &end);
      if (*end || !(opt.dpi >= 10 && opt.dpi <= 2400))
        return usage_error("--dpi must be a number from 10 to 2400, not '%s'", argv[i]);
    } else if (!strcmp(a, "--size")) {
      if (!has_next)
        return usage_error("%s needs WxH, e.g. 180x120mm", a);
      if (!parse_size(argv[++i], &opt))
        return usage_error("--size must look like 180x120mm, 7x5in or 2200x2400px, not '%s'", argv[i]);
    } else if (!strcmp(a, "--from") || !strcmp(a, "--to")) {
      if (!has_next)
        return usage_error("%s needs an ISO 8601 date, e.g. 2021-12-01", a);
      const char *d = argv[++i];
      im_error derr;
      if (im_period_check(d, NULL, 0, 0, &derr))
        return usage_error("%s", derr.message);
      if (!strcmp(a, "--from"))
        opt.from = d;
      else
        opt.to = d;
    } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
      verbose = true;
    } else if (!strcmp(a, "--strict")) {
      opt.strict = true;
    } else if (!strcmp(a, "--svg-text")) {
      opt.svg_text = true;
    } else if (!strcmp(a, "--cmyk")) {
      opt.cmyk = true;
    } else if (!strcmp(a, "--timings")) {
      opt.timings = &timings;
    } else if (a[0] == '-' && a[1]) {
      return usage_error("unknown option '%s'", a);
    } else if (!spec) {
      spec = a;
    } else {
      return usage_error("unexpected argument '%s'", a);
    }
  }
  if (!spec)
    return usage_error("%s", "render needs a spec");
  if (!out)
    return usage_error("%s", "render needs an output file: -o OUT");
  bool to_stdout = !strcmp(out, "-");
  if (to_stdout && !opt.format)
    return usage_error("%s", "-o - (standard output) needs --format png, svg or pdf");
  im_error err;
  im_error_clear(&err);
  im_map *map = NULL;
  double t0 = now_ms();
  if (im_map_load_ctx(cli_ctx, spec, &map, NULL, &err))
    return report(&err);
  timings.spec = now_ms() - t0;
  /* Dropped labels are never silent: counted always, listed with --verbose. */
  opt.stats = &stats;
  if (verbose)
    stats.on_dropped_label = print_dropped;
  /* What a killed render of this output left (SIGKILL cannot be caught). */
  im_status st;
  if (to_stdout) {
    st = im_map_render_to_stream(map, opt.format, write_stdout, NULL, &opt, &err);
    if (!st && fflush(stdout) != 0)
      st = im_error_set(&err, IM_STATUS_IO, "standard output", 0, 0, "cannot write: %s", strerror(errno));
    out = "standard output";
  } else {
    im_tempfile_remove_stale(out);
    st = im_map_render(map, out, &opt, &err);
  }
  double total = now_ms() - t0;
  im_map_free(map);
  if (st)
    return report(&err);
  if (opt.timings)
    print_timings(&timings, total);
  if (!verbose && stats.labels_dropped)
    fprintf(stderr, "influmap: %s: %zu of %zu labels not placed (--verbose lists them)\n", out, stats.labels_dropped,
            stats.label_candidates);
  if (verbose)
    fprintf(stderr,
            "influmap: %s: scale 1:%.0f; labels: %zu candidates, %zu placed (%zu with leaders, %zu as numbers in "
            "the key), %zu dropped, %zu nearer another mark than their own\n",
            out, stats.scale_denominator, stats.label_candidates, stats.labels_placed, stats.labels_with_leader,
            stats.labels_keyed, stats.labels_dropped, stats.labels_misattached);
  if (verbose && (stats.join_unmatched || stats.join_duplicates))
    fprintf(stderr,
            "influmap: %s: joins: %zu feature%s matched no row (no data), %zu key%s in more than one row (the first "
            "used); --strict lists them\n",
            out, stats.join_unmatched, stats.join_unmatched == 1 ? "" : "s", stats.join_duplicates,
            stats.join_duplicates == 1 ? "" : "s");
  return 0;
}

static int cmd_info(int argc, char **argv) {
  if (argc != 1)
    return usage_error("%s", "info needs exactly one shapefile");
  im_error err;
  im_error_clear(&err);
  im_layer *layer = NULL;
  if (im_layer_load(argv[0], NULL, &layer, &err))
    return report(&err);
  im_geo_ctx *ctx = im_geo_ctx_create();
  im_crs *crs = NULL;
  im_status st = ctx ? im_crs_create(ctx, im_layer_crs_definition(layer),
                                     im_layer_crs_file(layer) ? im_layer_crs_file(layer) : argv[0], 0, 0, &crs, &err)
                     : im_error_set(&err, IM_STATUS_INTERNAL, NULL, 0, 0, "cannot create a PROJ context");
  if (!st) {
    const char *format = im_layer_format(layer), *encoding = im_layer_encoding(layer);
    const char *encoding_source = im_layer_encoding_source(layer);
    size_t nfeatures = im_layer_feature_count(layer), nfields = im_layer_field_count(layer);
    im_bbox box = im_layer_bbox(layer);
    printf("file:       %s\n", im_layer_path(layer));
    printf("format:     %s\n", format);
    if (im_layer_shape_type(layer)) {
      printf("shape type: %s\n", im_shape_type_name(im_layer_shape_type(layer)));
    } else {
      /* GeoJSON and CSV features may mix kinds: list those present. */
      static const char *const kinds[] = {"Point", "Line", "Polygon"};
      bool seen[3] = {false, false, false};
      for (size_t i = 0; i < nfeatures; i++)
        seen[im_layer_feature_geom(layer, i)->kind] = true;
      printf("geometry:  ");
      for (int k = 0, n = 0; k < 3; k++)
        if (seen[k])
          printf("%s %s", n++ ? "," : "", kinds[k]);
      printf("%s\n", seen[0] || seen[1] || seen[2] ? "" : " none");
    }
    printf("features:   %ld (%zu not null)\n", im_layer_total_records(layer), nfeatures);
    printf("extent:     %.6f %.6f, %.6f %.6f (xmin ymin, xmax ymax)\n", box.minx, box.miny, box.maxx, box.maxy);
    printf("crs:        %s%s\n", im_crs_name(crs),
           im_layer_crs_file(layer) || strcmp(format, "ESRI Shapefile") ? "" : " (assumed: no .prj)");
    printf("encoding:   %s (%s)\n", encoding ? encoding : "-", encoding_source ? encoding_source : "no .dbf");
    printf("fields:     %zu\n", nfields);
    for (size_t i = 0; i < nfields; i++) {
      const im_field *f = im_layer_field(layer, i);
      printf("  %-12s %s(%d", f->name, im_field_type_name(f->type), f->width);
      if (f->decimals)
        printf(".%d", f->decimals);
      printf(")\n");
    }
  }
  im_crs_free(crs);
  im_geo_ctx_free(ctx);
  im_layer_free(layer);
  return st ? report(&err) : 0;
}

static int cmd_validate(int argc, char **argv) {
  if (argc < 1)
    return usage_error("%s", "validate needs at least one spec");
  int worst = 0;
  for (int i = 0; i < argc; i++) {
    /* Every error of a spec, one per line, not only the first. */
    im_error_list *errors = im_error_list_new();
    im_error err;
    im_error_clear(&err);
    im_map *map = NULL;
    bool sheet = false, listed = false;
    im_status st = im_style_sheet_check(argv[i], &sheet, &err);
    if (!st && !sheet)
      st = im_map_load_ctx(cli_ctx, argv[i], &map, errors, &err);
    if (!st && !sheet)
      st = im_map_check_all(map, errors, &err);
    listed = st == IM_STATUS_INPUT && im_error_list_count(errors) > 1;
    im_map_free(map);
    /* A batch manifest (styles/monthly.yaml beside the specs it uses):
     * checked as the batch reads it, every map expanded. Its own error
     * when its keys are not a spec's at all. */
    size_t njobs = 0;
    bool manifest = false;
    if (st && strstr(err.message, "not a style sheet")) {
      im_error merr;
      im_error_clear(&merr);
      im_manifest *m = NULL;
      im_status mst = im_manifest_load(argv[i], NULL, &m, &merr);
      manifest = !mst || !strstr(merr.message, "not a batch manifest");
      if (manifest) {
        st = mst, err = merr, listed = false;
        njobs = m ? im_manifest_job_count(m) : 0;
      }
      im_manifest_free(m);
    }
    if (!st && manifest) {
      printf("%s: ok (batch manifest, %zu map%s)\n", argv[i], njobs, njobs == 1 ? "" : "s");
    } else if (st) {
      int code = exit_code(st);
      if (listed)
        for (size_t k = 0; k < im_error_list_count(errors); k++)
          report(im_error_list_get(errors, k));
      else
        code = report(&err);
      worst = code > worst ? code : worst;
    } else {
      printf("%s: ok%s\n", argv[i], sheet ? " (style sheet)" : "");
    }
    im_error_list_free(errors);
  }
  return worst;
}

/* The library prints nothing: the command prints its warnings. */
static void print_warning(void *user, const char *message) {
  (void)user;
  fprintf(stderr, "influmap: warning: %s\n", message);
}

int main(int argc, char **argv) {
  /* A crash says where it happened (cli/crash.c). */
  im_cli_crash_report_install();
  im_warning_set_handler(print_warning, NULL);
  if ((cli_ctx = im_context_new()))
    im_context_set_warning_handler(cli_ctx, print_warning, NULL);
  if (argc < 2) {
    fputs(usage_text, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage_text, stdout);
    fputs("\n", stdout);
    fputs(help_text, stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version")) {
    printf("influmap %s\n", im_version());
    return 0;
  }
  /* `influmap render --help` and the like: the whole help, which covers
   * every command's options (batch has its own, longer one). */
  if (strcmp(cmd, "batch") && (!strcmp(cmd, "render") || !strcmp(cmd, "info") || !strcmp(cmd, "validate")))
    for (int i = 2; i < argc; i++)
      if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
        fputs(usage_text, stdout);
        fputs("\n", stdout);
        fputs(help_text, stdout);
        return 0;
      }
  /* Commands that write files: an interrupt (Ctrl-C, SIGTERM from a
   * scheduler, a closed terminal) removes their temporary files, then ends
   * the process by the same signal (exit status 130, 143, 129). */
  if (!strcmp(cmd, "render") || !strcmp(cmd, "batch"))
    im_tempfile_handle_signals();
  if (!strcmp(cmd, "render"))
    return cmd_render(argc - 2, argv + 2);
  if (!strcmp(cmd, "info"))
    return cmd_info(argc - 2, argv + 2);
  if (!strcmp(cmd, "batch"))
    return im_cli_batch(argc - 2, argv + 2);
  if (!strcmp(cmd, "validate"))
    return cmd_validate(argc - 2, argv + 2);
  return usage_error("unknown command '%s'", cmd);
}
