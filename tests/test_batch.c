/* Batch manifests: matrix expansion (lists, data, ranges), templates and
 * their filters, overrides applied to a job's map (title, extent from a
 * feature, period, layer filters), mistakes placed at file:line:column,
 * outputs kept inside the output root, and shards. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/batch-private.h"
#include "io/layer-cache-private.h"
#include "influmap/filter.h"
#include "influmap/batch.h"
#include "support.h"

/* The base spec every manifest here uses: countries and influence events. */
static void write_base(void) {
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n"
           "  title: Base\n"
           "  page: {width: 40mm, height: 30mm, dpi: 40}\n"
           "  crs: EPSG:4326\n"
           "  extent: {west: -90, east: -30, south: -56, north: 15}\n"
           "layers:\n"
           "  - {id: countries, source: %s, fill: \"#eeeeee\"}\n"
           "  - {id: events, source: %s, where: \"actor != 'other'\", marker: {symbol: circle, size: 3pt}}\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"), src_path("shapes/influence/events.geojson"));
  assert_true(write_file(scratch_path("base.yaml"), yaml, strlen(yaml)));
}

/* Writes text as scratch/name and loads it as a manifest (outputs below
 * scratch/out); returns the status, the manifest in *out. */
static im_status load(const char *name, const char *text, im_manifest **out, im_error *err) {
  write_base();
  const char *path = scratch_path(name);
  assert_true(write_file(path, text, strlen(text)));
  im_manifest_options opt = {.out_root = scratch_path("out")};
  char root[1024];
  snprintf(root, sizeof root, "%s", opt.out_root);
  opt.out_root = root;
  im_error_clear(err);
  return im_manifest_load(path, &opt, out, err);
}

static im_manifest *load_ok(const char *name, const char *text) {
  im_manifest *m = NULL;
  im_error err;
  assert_ok(load(name, text, &m, &err), &err);
  return m;
}

/* Expects a load to fail with IM_STATUS_INPUT at line:column of name, with
 * a message containing want. */
static void load_fails(const char *name, const char *text, int line, int column, const char *want) {
  im_manifest *m = NULL;
  im_error err;
  im_status st = load(name, text, &m, &err);
  if (st != IM_STATUS_INPUT || err.line != line || err.column != column || !strstr(err.message, want) ||
      !strstr(err.file, name))
    fail_msg("expected %s:%d:%d: ...%s..., got status %d: %s:%d:%d: %s", name, line, column, want, st, err.file,
             err.line, err.column, err.message);
  assert_null(m);
}

static const char *param(const im_batch_job *job, const char *name) {
  for (size_t i = 0; i < job->nparams; i++)
    if (!strcmp(job->params[i].name, name))
      return job->params[i].value;
  return NULL;
}

static void test_matrix_order_and_templates(void **state) {
  (void)state;
  im_manifest *m = load_ok("matrix.yaml", "base: base.yaml\n"
                                          "matrix:\n"
                                          "  actor: [China, Russia]\n"
                                          "  month: {range: [2021-11, 2022-01]}\n"
                                          "  format: [png, pdf]\n"
                                          "output: \"maps/{actor|lower}/{month}-{actor|upper}.{format}\"\n");
  assert_int_equal(im_manifest_job_count(m), 12);
  /* The last variable changes fastest; months run across the year's end. */
  const char *want[] = {"maps/china/2021-11-CHINA.png",  "maps/china/2021-11-CHINA.pdf", "maps/china/2021-12-CHINA.png",
                        "maps/china/2021-12-CHINA.pdf",  "maps/china/2022-01-CHINA.png", "maps/china/2022-01-CHINA.pdf",
                        "maps/russia/2021-11-RUSSIA.png"};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const im_batch_job *job = im_manifest_job(m, i);
    assert_int_equal(job->index, i);
    assert_string_equal(job->output, want[i]);
  }
  const im_batch_job *last = im_manifest_job(m, 11);
  assert_string_equal(last->output, "maps/russia/2022-01-RUSSIA.pdf");
  assert_int_equal(last->format, IM_FORMAT_PDF);
  assert_int_equal(im_manifest_job(m, 0)->format, IM_FORMAT_PNG);
  assert_string_equal(param(last, "month"), "2022-01");
  assert_string_equal(last->params[0].name, "actor");
  /* The output root is joined in front; the base is found beside the manifest. */
  char path[2048];
  snprintf(path, sizeof path, "%s/%s", scratch_path("out"), last->output);
  assert_string_equal(last->path, path);
  assert_string_equal(last->base, scratch_path("base.yaml"));
  assert_null(im_manifest_job(m, 12));
  im_manifest_free(m);

  /* Days across a leap day, whole numbers, slugs of accented text, {{ }}. */
  m = load_ok("days.yaml", "base: base.yaml\n"
                           "matrix:\n"
                           "  day: {range: [2024-02-28, 2024-03-01]}\n"
                           "  n: {range: [9, 10]}\n"
                           "  place: [\"Perú y Bolivia\"]\n"
                           "output: \"{place|slug}/{{x}}-{day}-{n}.svg\"\n");
  assert_int_equal(im_manifest_job_count(m), 6);
  assert_string_equal(im_manifest_job(m, 0)->output, "peru-y-bolivia/{x}-2024-02-28-9.svg");
  assert_string_equal(im_manifest_job(m, 3)->output, "peru-y-bolivia/{x}-2024-02-29-10.svg");
  assert_string_equal(im_manifest_job(m, 5)->output, "peru-y-bolivia/{x}-2024-03-01-10.svg");
  im_manifest_free(m);

  /* No matrix: one map. */
  m = load_ok("single.yaml", "base: base.yaml\noutput: one.png\n");
  assert_int_equal(im_manifest_job_count(m), 1);
  assert_int_equal(im_manifest_job(m, 0)->nparams, 0);
  im_manifest_free(m);
}

static void test_values_from_data(void **state) {
  (void)state;
  char text[2048];
  snprintf(text, sizeof text,
           "base: base.yaml\n"
           "matrix:\n"
           "  country: {from: %s, field: country, where: \"actor = 'China'\"}\n"
           "  actor: {from: %s, field: actor}\n"
           "output: \"{country}-{actor|slug}.png\"\n",
           src_path("shapes/influence/events.geojson"), src_path("shapes/influence/events.geojson"));
  im_manifest *m = load_ok("data.yaml", text);
  /* Distinct values, sorted, nulls and empty values left out. */
  size_t n = im_manifest_job_count(m);
  assert_true(n > 0);
  const im_batch_job *first = im_manifest_job(m, 0);
  const char *actors[] = {"China", "Iran", "Russia", "Venezuela", "other"};
  size_t nactors = sizeof actors / sizeof actors[0];
  assert_int_equal(n % nactors, 0);
  for (size_t i = 0; i < nactors; i++)
    assert_string_equal(param(im_manifest_job(m, i), "actor"), actors[i]);
  assert_string_equal(im_manifest_job(m, 4)->output, "BRA-other.png");
  assert_string_equal(param(first, "country"), "BRA");
  /* Every country of the list has a Chinese event, and they are in order. */
  for (size_t i = nactors; i < n; i += nactors)
    assert_true(strcmp(param(im_manifest_job(m, i - nactors), "country"), param(im_manifest_job(m, i), "country")) < 0);
  im_manifest_free(m);

  /* Attributes of a value, from its first feature: {var.attr}. */
  snprintf(text, sizeof text,
           "base: base.yaml\n"
           "matrix:\n"
           "  iso: {from: %s, field: ISO_A3, with: [NAME], where: \"ISO_A3 in (PER, CHL)\"}\n"
           "output: \"{iso}.pdf\"\n"
           "title: \"Influence in {iso.NAME}\"\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"));
  m = load_ok("with.yaml", text);
  assert_int_equal(im_manifest_job_count(m), 2);
  im_map *map = NULL;
  im_error err;
  assert_ok(im_batch_job_map(m, im_manifest_job(m, 1), &map, &err), &err);
  assert_string_equal(map->title, "Influence in Peru");
  im_map_free(map);
  im_manifest_free(m);
}

static void test_overrides(void **state) {
  (void)state;
  char text[2048];
  snprintf(text, sizeof text,
           "base: base.yaml\n"
           "matrix:\n"
           "  country: [PER, CHL]\n"
           "  actor: [China]\n"
           "output: \"{country}.pdf\"\n"
           "title: \"{actor} in {country}\"\n"
           "extent: {from_feature: {source: %s, field: ISO_A3, value: \"{country}\", padding: 10%%}}\n"
           "where:\n"
           "  - {layer: events, expr: \"actor = {actor|quote} and country = {country}\"}\n"
           "  - {layer: countries, expr: \"ISO_A3 = {country}\"}\n"
           "period: {from: \"2021-{country|lower}\", to: 2021-12}\n"
           "dpi: 55\n"
           "size: 50x70mm\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"));
  /* The period from is not a date for these values: kept for later. */
  im_manifest *m = load_ok("over.yaml", text);
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  im_status st = im_batch_job_map(m, im_manifest_job(m, 0), &map, &err);
  assert_int_equal(st, IM_STATUS_INPUT);
  assert_int_equal(err.line, 11);
  assert_int_equal(err.column, 17);
  assert_non_null(strstr(err.message, "2021-per"));
  im_manifest_free(m);

  char *fixed = strstr(text, "\"2021-{country|lower}\"");
  const char *good = "\"2021-06\"";
  memmove(fixed + strlen(good), fixed + strlen("\"2021-{country|lower}\""),
          strlen(fixed + strlen("\"2021-{country|lower}\"")) + 1);
  memcpy(fixed, good, strlen(good));
  m = load_ok("over.yaml", text);
  assert_ok(im_batch_job_map(m, im_manifest_job(m, 0), &map, &err), &err);
  assert_string_equal(map->title, "China in PER");
  assert_string_equal(map->period_from, "2021-06");
  assert_string_equal(map->period_to, "2021-12");
  assert_true(map->dpi == 55);
  assert_true(map->width.value == 50 && map->height.value == 70 && map->width.unit == IM_UNIT_MM);
  /* An existing where is and-ed; a layer without one gets the new one. */
  assert_string_equal(map->layers[1].where.text, "(actor != 'other') and (actor = 'China' and country = 'PER')");
  assert_string_equal(map->layers[0].where.text, "ISO_A3 = 'PER'");
  assert_non_null(map->layers[0].where.filter);
  /* Peru's box, read from the shapefile, with 10% of its size around it. */
  im_layer *layer = NULL;
  assert_ok(im_layer_load(src_path("shapes/ne_50m_admin_0_countries.shp"), NULL, &layer, &err), &err);
  long fi = im_layer_field_index(layer, "ISO_A3");
  im_bbox b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (size_t i = 0; i < layer->nfeatures; i++)
    if (layer->features[i].values[fi] && !strcmp(layer->features[i].values[fi], "PER")) {
      im_bbox f = im_geom_bbox(&layer->features[i].geom);
      b = (im_bbox){fmin(b.minx, f.minx), fmin(b.miny, f.miny), fmax(b.maxx, f.maxx), fmax(b.maxy, f.maxy)};
    }
  im_layer_free(layer);
  assert_true(b.maxx > b.minx);
  double w = b.maxx - b.minx, h = b.maxy - b.miny;
  assert_int_equal(map->extent.kind, IM_EXTENT_DEGREES);
  assert_true(fabs(map->extent.west - (b.minx - 0.1 * w)) < 1e-9);
  assert_true(fabs(map->extent.east - (b.maxx + 0.1 * w)) < 1e-9);
  assert_true(fabs(map->extent.south - (b.miny - 0.1 * h)) < 1e-9);
  assert_true(fabs(map->extent.north - (b.maxy + 0.1 * h)) < 1e-9);
  /* Peru is roughly 81.3W..68.7W, 18.4S..0.0 */
  assert_true(map->extent.west < -81 && map->extent.west > -84);
  assert_true(map->extent.north > 0 && map->extent.north < 3);
  /* The frame follows: the map draws Peru, not the base's extent. */
  im_frame frame;
  assert_ok(im_map_frame(map, NULL, &frame, &err), &err);
  assert_true(frame.xmin > -86 && frame.xmax < -64);
  im_map_free(map);

  /* Chile, the second entry, gets its own box. */
  assert_ok(im_batch_job_map(m, im_manifest_job(m, 1), &map, &err), &err);
  assert_true(map->extent.south < -55 && map->extent.north > -18);
  im_map_free(map);
  im_manifest_free(m);
}

static void test_override_mistakes(void **state) {
  (void)state;
  char text[2048];
  snprintf(text, sizeof text,
           "base: base.yaml\n"
           "matrix:\n"
           "  country: [PER, XYZ, PRY]\n"
           "output: \"{country}.pdf\"\n"
           "extent: {from_feature: {source: %s, field: ISO_A3, value: \"{country}\"}}\n"
           "where: {layer: event, expr: \"country = {country}\"}\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"));
  im_manifest *m = load_ok("mistakes.yaml", text);
  im_map *map = NULL;
  im_error err;
  /* A value no feature has: placed at the value, with a close one. */
  im_status st = im_batch_job_map(m, im_manifest_job(m, 1), &map, &err);
  assert_int_equal(st, IM_STATUS_INPUT);
  assert_null(map);
  assert_int_equal(err.line, 5);
  int column =
      (int)(strlen("extent: {from_feature: {source: ") + strlen(src_path("shapes/ne_50m_admin_0_countries.shp")) +
            strlen(", field: ISO_A3, value: \"") + 1);
  assert_int_equal(err.column, column);
  assert_non_null(strstr(err.message, "ISO_A3 = 'XYZ'"));
  /* A layer the base does not have: at the layer's name. */
  st = im_batch_job_map(m, im_manifest_job(m, 0), &map, &err);
  assert_int_equal(st, IM_STATUS_INPUT);
  assert_int_equal(err.line, 6);
  assert_int_equal(err.column, 16);
  assert_non_null(strstr(err.message, "did you mean 'events'"));
  im_manifest_free(m);

  /* A field the extent's source does not have: when the manifest is read. */
  snprintf(text, sizeof text,
           "base: base.yaml\n"
           "output: x.pdf\n"
           "extent: {from_feature: {source: %s, field: ISO_A2X, value: PER}}\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"));
  load_fails("nofield.yaml", text, 3, 9 + (int)strlen(src_path("shapes/ne_50m_admin_0_countries.shp")) + 33,
             "did you mean 'ISO_A2'");
}

static void test_manifest_mistakes(void **state) {
  (void)state;
  load_fails("k1.yaml", "base: base.yaml\noutput: x.png\nmatrx: {a: [1]}\n", 3, 1, "did you mean 'matrix'");
  load_fails("k2.yaml", "base: base.yaml\nmatrix:\n  actor: [China]\noutput: \"out/{actr}.png\"\n", 4, 15,
             "unknown variable 'actr' (did you mean 'actor'?)");
  load_fails("k3.yaml", "base: base.yaml\nmatrix:\n  a: [x]\noutput: 'o/{a|shout}.png'\n", 4, 15,
             "unknown filter 'shout'");
  load_fails("k4.yaml", "base: base.yaml\nmatrix:\n  m: {range: [2021-01, 2021-13]}\noutput: '{m}.png'\n", 3, 24,
             "a range runs over months");
  load_fails("k5.yaml", "base: base.yaml\nmatrix:\n  m: {range: [2021-05, 2021-01]}\noutput: '{m}.png'\n", 3, 24,
             "ends (2021-01) before it starts");
  load_fails("k6.yaml", "base: base.yaml\nmatrix:\n  a: [x, y]\noutput: '../{a}.png'\n", 4, 10,
             "outside the output folder");
  load_fails("k7.yaml", "base: base.yaml\nmatrix:\n  a: [x, y]\noutput: '/tmp/{a}.png'\n", 4, 10,
             "outside the output folder");
  load_fails("k8.yaml", "base: base.yaml\nmatrix:\n  a: [x, y]\n  b: [1, 2]\noutput: 'm/{a}.png'\n", 5, 10,
             "both write");
  load_fails("k9.yaml", "base: base.yaml\nmatrix:\n  a: [x]\noutput: 'm/{a}.jpeg'\n", 4, 10,
             "does not end in .png, .svg or .pdf");
  load_fails("k10.yaml", "base: '{a}.yaml'\nmatrix:\n  a: [base, nothere]\noutput: 'm/{a}.png'\n", 1, 8,
             "nothere.yaml");
  load_fails("k11.yaml", "base: base.yaml\nmatrix:\n  a: x\noutput: 'm/{a}.png'\n", 3, 6, "must be a list");
  load_fails("k12.yaml", "base: base.yaml\nmatrix:\n  a: {from: nothere.geojson, field: x}\noutput: '{a}.png'\n", 3, 13,
             "not found");
  load_fails("k13.yaml", "base: base.yaml\n", 0, 0, "no output");
  load_fails("k14.yaml", "base: base.yaml\noutput: x.png\nextent: {west: -10, east: 10, south: 5}\n", 3, 1,
             "north is missing");
  load_fails("k15.yaml", "base: base.yaml\noutput: 'x{.png'\n", 2, 11, "'{' is not closed");
  load_fails("k16.yaml", "base: base.yaml\noutput: x.png\ndpi: 5\n", 3, 6, "between 10 and 2400");

  /* Outside the root when asked for. */
  write_base();
  const char *path = scratch_path("k6.yaml");
  im_manifest_options opt = {.out_root = NULL, .allow_outside = true};
  im_manifest *m = NULL;
  im_error err;
  assert_ok(im_manifest_load(path, &opt, &m, &err), &err);
  assert_string_equal(im_manifest_job(m, 0)->path, "../x.png");
  im_manifest_free(m);
}

/* A value put into an expression is one literal whatever it holds: a
 * value written to end the quotes ("PER' or country != 'x", as data may
 * hold) stays a string, so the filter still says country = that string;
 * numbers and dates go in bare. A value inside quotes is refused. */
static void test_expr_values_are_literals(void **state) {
  (void)state;
  im_manifest *m = load_ok("inject.yaml", "base: base.yaml\n"
                                          "matrix:\n"
                                          "  country: [\"PER' or country != 'x\"]\n"
                                          "  year: [2021]\n"
                                          "  month: [2021-12]\n"
                                          "output: \"{country|slug}.pdf\"\n"
                                          "where:\n"
                                          "  - {layer: events, expr: \"country = {country} and year = {year} and date "
                                          ">= {month}\"}\n"
                                          "  - {layer: countries, expr: \"ISO_A3 = {country|quote}\"}\n");
  const im_batch_job *job = im_manifest_job(m, 0);
  char *e0 = im_tmpl_expand(m, &m->wheres[0].expr, job), *e1 = im_tmpl_expand(m, &m->wheres[1].expr, job);
  assert_string_equal(e0, "country = 'PER'' or country != ''x' and year = 2021 and date >= 2021-12");
  assert_string_equal(e1, "ISO_A3 = 'PER'' or country != ''x'");
  /* What it selects: the literal value only, not every other country. */
  im_filter *f = NULL;
  im_error err;
  assert_ok(im_filter_parse(e0, "inject.yaml", 8, 1, &f, &err), &err);
  const im_field fields[] = {{.name = "country", .type = IM_FIELD_STRING},
                             {.name = "year", .type = IM_FIELD_INTEGER},
                             {.name = "date", .type = IM_FIELD_DATE}};
  assert_ok(im_filter_bind(f, fields, 3, "events", &err), &err);
  char *chl[] = {"CHL", "2021", "2021-12-05"}, *per[] = {"PER' or country != 'x", "2021", "2021-12-05"};
  assert_false(im_filter_eval(f, chl));
  assert_true(im_filter_eval(f, per));
  im_filter_free(f);
  free(e0);
  free(e1);
  im_map *map = NULL;
  assert_ok(im_batch_job_map(m, job, &map, &err), &err);
  im_map_free(map);
  im_manifest_free(m);
  load_fails("quoted.yaml",
             "base: base.yaml\nmatrix: {country: [PER]}\noutput: \"{country}.pdf\"\n"
             "where: {layer: events, expr: \"country = '{country}'\"}\n",
             4, 42,
             "rewrite the filter; each value goes in as one literal by itself: write {country}, not '{country}'");
}

static void test_shards(void **state) {
  (void)state;
  /* FNV-1a 64 of known strings. */
  assert_true(im_batch_hash("") == 0xcbf29ce484222325ULL);
  assert_true(im_batch_hash("a") == 0xaf63dc4c8601ec8cULL);
  im_manifest *m = load_ok("shards.yaml", "base: base.yaml\n"
                                          "matrix:\n"
                                          "  a: {range: [1, 17]}\n"
                                          "  f: [png, pdf, svg]\n"
                                          "output: \"{a}/map.{f}\"\n");
  size_t n = im_manifest_job_count(m);
  assert_int_equal(n, 51);
  for (unsigned shards = 1; shards <= 5; shards++) {
    size_t *seen = calloc(n, sizeof *seen);
    size_t smallest = n, largest = 0;
    for (unsigned k = 1; k <= shards; k++) {
      size_t count = 0;
      for (size_t i = 0; i < n; i++)
        if (im_batch_job_in_shard(im_manifest_job(m, i), k, shards)) {
          seen[i]++;
          count++;
        }
      smallest = count < smallest ? count : smallest;
      largest = count > largest ? count : largest;
    }
    /* Every job in exactly one shard. */
    for (size_t i = 0; i < n; i++)
      assert_int_equal(seen[i], 1);
    /* And the hash spreads them: no shard empty. */
    assert_true(smallest > 0);
    free(seen);
  }
  im_manifest_free(m);
}

static void test_shard_parse(void **state) {
  (void)state;
  unsigned k = 0, n = 0;
  im_error err;
  assert_ok(im_batch_shard_parse("3/16", 0, &k, &n, &err), &err);
  assert_int_equal(k, 3);
  assert_int_equal(n, 16);
  assert_int_equal(im_batch_shard_parse("0/4", 0, &k, &n, &err), IM_STATUS_USAGE);
  assert_int_equal(im_batch_shard_parse("5/4", 0, &k, &n, &err), IM_STATUS_USAGE);
  assert_int_equal(im_batch_shard_parse("3", 0, &k, &n, &err), IM_STATUS_USAGE);
  assert_int_equal(im_batch_shard_parse("a/b", 0, &k, &n, &err), IM_STATUS_USAGE);

  unsetenv("SLURM_ARRAY_TASK_ID");
  unsetenv("SLURM_ARRAY_TASK_COUNT");
  unsetenv("SLURM_ARRAY_TASK_MIN");
  unsetenv("SLURM_ARRAY_TASK_MAX");
  unsetenv("JOB_COMPLETION_INDEX");
  assert_int_equal(im_batch_shard_parse("auto", 0, &k, &n, &err), IM_STATUS_USAGE);
  assert_non_null(strstr(err.message, "SLURM_ARRAY_TASK_ID"));
  /* Slurm: the task id, 0-based, is the shard less one, out of --count
   * whatever the array's own size (a resubmission of a few tasks, a step):
   * without --count, the run stops and says how to give it. */
  setenv("SLURM_ARRAY_TASK_ID", "9", 1);
  setenv("SLURM_ARRAY_TASK_MIN", "5", 1);
  setenv("SLURM_ARRAY_TASK_MAX", "9", 1);
  setenv("SLURM_ARRAY_TASK_COUNT", "2", 1); /* --array=5,9 */
  assert_int_equal(im_batch_shard_parse("auto", 0, &k, &n, &err), IM_STATUS_USAGE);
  assert_non_null(strstr(err.message, "--count"));
  assert_string_equal(im_batch_shard_variable(), "SLURM_ARRAY_TASK_ID");
  assert_ok(im_batch_shard_parse("auto", 16, &k, &n, &err), &err);
  assert_true(k == 10 && n == 16);
  setenv("SLURM_ARRAY_TASK_ID", "5", 1);
  assert_ok(im_batch_shard_parse("auto", 16, &k, &n, &err), &err);
  assert_true(k == 6 && n == 16);
  /* --array=0-15:4 */
  setenv("SLURM_ARRAY_TASK_ID", "8", 1);
  setenv("SLURM_ARRAY_TASK_MIN", "0", 1);
  setenv("SLURM_ARRAY_TASK_MAX", "12", 1);
  setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
  assert_ok(im_batch_shard_parse("auto", 16, &k, &n, &err), &err);
  assert_true(k == 9 && n == 16);
  /* --array=1-16 with --count 16: task 16 is beyond, and the message says
   * how the array should run. */
  setenv("SLURM_ARRAY_TASK_ID", "16", 1);
  assert_int_equal(im_batch_shard_parse("auto", 16, &k, &n, &err), IM_STATUS_USAGE);
  assert_non_null(strstr(err.message, "--array=0-15"));
  unsetenv("SLURM_ARRAY_TASK_ID");
  /* Kubernetes Indexed Job: 0-based, count given. */
  setenv("JOB_COMPLETION_INDEX", "0", 1);
  assert_string_equal(im_batch_shard_variable(), "JOB_COMPLETION_INDEX");
  assert_int_equal(im_batch_shard_parse("auto", 0, &k, &n, &err), IM_STATUS_USAGE);
  assert_non_null(strstr(err.message, "--count"));
  assert_ok(im_batch_shard_parse("auto", 5, &k, &n, &err), &err);
  assert_true(k == 1 && n == 5);
  setenv("JOB_COMPLETION_INDEX", "8", 1);
  assert_int_equal(im_batch_shard_parse("auto", 8, &k, &n, &err), IM_STATUS_USAGE);
  assert_non_null(strstr(err.message, "JOB_COMPLETION_INDEX=8 is beyond --count 8"));
  unsetenv("JOB_COMPLETION_INDEX");
  unsetenv("SLURM_ARRAY_TASK_COUNT");
  unsetenv("SLURM_ARRAY_TASK_MIN");
  unsetenv("SLURM_ARRAY_TASK_MAX");
}

/* The layer cache serves the features a query would read, in file order,
 * from one read of the file, and only while a batch has it on. */
static void test_layer_cache(void **state) {
  (void)state;
  const char *paths[] = {src_path("shapes/ne_50m_admin_0_countries.shp"), src_path("shapes/influence/events.geojson")};
  im_layer_query queries[] = {{.nboxes = 1, .boxes = {{-82, -19, -68, 1}}},
                              {.nboxes = 2, .boxes = {{170, -50, 180, -30}, {-180, -50, -170, -30}}},
                              {.nboxes = 1, .boxes = {{1, 1, 0, 0}}},
                              {.nboxes = 0}};
  size_t loads0, views0, loads, views;
  im_layer_cache_stats(&loads0, &views0);
  im_error err;
  /* Off: a plain load. */
  im_layer *plain = NULL;
  assert_ok(im_layer_cache_load(paths[0], &queries[0], &plain, &err), &err);
  im_layer_cache_release(plain);
  im_layer_cache_stats(&loads, &views);
  assert_int_equal(loads, loads0);
  im_layer_cache_begin();
  for (size_t p = 0; p < 2; p++)
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
      im_layer *want = NULL, *got = NULL;
      assert_ok(im_layer_load(paths[p], &queries[q], &want, &err), &err);
      assert_ok(im_layer_cache_load(paths[p], &queries[q], &got, &err), &err);
      assert_int_equal(got->nfeatures, want->nfeatures);
      assert_int_equal(got->nfields, want->nfields);
      for (size_t i = 0; i < got->nfeatures; i++) {
        assert_int_equal(got->features[i].fid, want->features[i].fid);
        assert_int_equal(got->features[i].geom.npoints, want->features[i].geom.npoints);
      }
      im_layer_free(want);
      im_layer_cache_release(got);
    }
  im_layer_cache_stats(&loads, &views);
  assert_int_equal(loads - loads0, 2);
  assert_int_equal(views - views0, 8);
  /* A view outlives the end of the batch that made it. */
  im_layer *late = NULL;
  assert_ok(im_layer_cache_load(paths[1], NULL, &late, &err), &err);
  im_layer_cache_end();
  assert_true(late->nfeatures > 40);
  im_layer_cache_release(late);
}

/* A cached view given to im_layer_free (as a host would, knowing nothing of
 * the cache) goes back to the cache: freed once, the cached features kept
 * for the next view. Under ASan a double free or a leak fails the test. */
static void test_layer_cache_view_freed_once(void **state) {
  (void)state;
  im_error err;
  im_error_clear(&err);
  const char *path = src_path("shapes/ne_50m_admin_0_countries.shp");
  im_layer_cache_begin();
  im_layer *a = NULL, *b = NULL;
  assert_ok(im_layer_cache_load(path, NULL, &a, &err), &err);
  assert_true(a->cache_view);
  size_t n = im_layer_feature_count(a);
  assert_true(n > 40);
  im_layer_free(a);
  assert_ok(im_layer_cache_load(path, NULL, &b, &err), &err);
  assert_int_equal(im_layer_feature_count(b), n);
  assert_non_null(im_layer_feature_geom(b, n - 1));
  im_layer_cache_end();
  im_layer_free(b);
}

/* ---- warnings: nothing printed by default; a batch gives the host's
 * handler back ---- */

static int host_warnings;
static void host_warning(void *user, const char *message) {
  (void)user;
  (void)message;
  host_warnings++;
}

static void test_warnings_belong_to_the_host(void **state) {
  (void)state;
  /* No handler: the library prints nothing on stderr. */
  im_warning_set_handler(NULL, NULL);
  fflush(stderr);
  int saved = dup(2);
  FILE *sink = fopen(scratch_path("stderr.txt"), "w");
  assert_non_null(sink);
  dup2(fileno(sink), 2);
  im_warn("%s", "a warning no one asked to see");
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  fclose(sink);
  size_t len = 1;
  char *text = read_file(scratch_path("stderr.txt"), &len);
  assert_non_null(text);
  assert_int_equal(len, 0);
  free(text);
  /* The host's handler hears warnings, and is its own again after a batch
   * (which routes warnings to its events while it runs). */
  im_warning_set_handler(host_warning, &host_warnings);
  im_warn("one");
  assert_int_equal(host_warnings, 1);
  im_manifest *m = load_ok("warn.yaml", "base: base.yaml\noutput: warn.png\n");
  im_batch_options opt = {.force = true};
  im_batch_summary sum;
  im_error err;
  assert_ok(im_batch_run(m, &opt, &sum, &err), &err);
  assert_int_equal(sum.rendered, 1);
  im_warning_fn fn;
  void *user;
  im_warning_get_handler(&fn, &user);
  assert_true(fn == host_warning && user == &host_warnings);
  im_warn("two");
  assert_int_equal(host_warnings, 2);
  im_warning_set_handler(NULL, NULL);
  im_manifest_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matrix_order_and_templates),
      cmocka_unit_test(test_values_from_data),
      cmocka_unit_test(test_overrides),
      cmocka_unit_test(test_override_mistakes),
      cmocka_unit_test(test_manifest_mistakes),
      cmocka_unit_test(test_expr_values_are_literals),
      cmocka_unit_test(test_shards),
      cmocka_unit_test(test_shard_parse),
      cmocka_unit_test(test_layer_cache),
      cmocka_unit_test(test_layer_cache_view_freed_once),
      cmocka_unit_test(test_warnings_belong_to_the_host),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
