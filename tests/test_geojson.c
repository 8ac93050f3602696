/* The GeoJSON reader: every geometry type, holes, property typing, null
 * geometries, box queries, the legacy "crs" member, and the messages a
 * broken file must give (line:column for syntax, the feature otherwise).
 * Each fixture is written here so the test states the bytes it reads. */
#include "support.h"

#include <jansson.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */ /* GeoJSON written as it reads: clang-format would break the strings apart */

static const char *write_fixture(const char *name, const char *text) {
  const char *path = scratch_path(name);
  assert_true(write_file(path, text, strlen(text)));
  return path;
}

static im_layer *load_ok(const char *name, const char *text, const im_layer_query *q) {
  const char *path = write_fixture(name, text);
  im_layer *l = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_layer_load(path, q, &l, &err), &err);
  assert_non_null(l);
  return l;
}

static im_error load_fails(const char *name, const char *text) {
  const char *path = write_fixture(name, text);
  im_layer *l = NULL;
  im_error err;
  im_error_clear(&err);
  im_status st = im_layer_load(path, NULL, &l, &err);
  if (st != IM_STATUS_INPUT)
    print_error("%s: expected an input error, got status %d\n", name, st);
  assert_int_equal(st, IM_STATUS_INPUT);
  assert_null(l);
  assert_string_equal(err.file, path);
  return err;
}

static void assert_has(const char *haystack, const char *needle) {
  if (!strstr(haystack, needle)) {
    print_error("'%s' not found in '%s'\n", needle, haystack);
    fail();
  }
}

static const char *value(const im_layer *l, size_t feature, const char *field) {
  long k = im_layer_field_index(l, field);
  assert_true(k >= 0);
  return l->features[feature].values[k];
}

static void assert_xy(const im_geom *g, size_t i, double x, double y) {
  assert_true(i < g->npoints);
  if (g->xy[2 * i] != x || g->xy[2 * i + 1] != y) {
    print_error("vertex %zu is (%.17g, %.17g), expected (%.17g, %.17g)\n", i, g->xy[2 * i], g->xy[2 * i + 1], x, y);
    fail();
  }
}

#define FC(features) "{\"type\": \"FeatureCollection\", \"features\": [" features "]}"
#define FEATURE(geom, props) "{\"type\": \"Feature\", \"geometry\": " geom ", \"properties\": " props "}"

static void test_every_geometry_type(void **state) {
  (void)state;
  im_layer *l = load_ok(
      "types.geojson",
      FC(FEATURE("{\"type\": \"Point\", \"coordinates\": [-77.03, -12.05, 150]}", "{\"n\": 0}") ","
         FEATURE("{\"type\": \"MultiPoint\", \"coordinates\": [[1, 2], [3, 4], [5, 6]]}", "{\"n\": 1}") ","
         FEATURE("{\"type\": \"LineString\", \"coordinates\": [[0, 0], [1, 1], [2, 0]]}", "{\"n\": 2}") ","
         FEATURE("{\"type\": \"MultiLineString\", \"coordinates\": [[[0, 0], [1, 1]], [[5, 5], [6, 6], [7, 5]]]}",
                 "{\"n\": 3}") ","
         FEATURE("{\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],"
                 " [[2, 2], [2, 4], [4, 4], [4, 2], [2, 2]]]}",
                 "{\"n\": 4}") ","
         FEATURE("{\"type\": \"MultiPolygon\", \"coordinates\": [[[[0, 0], [1, 0], [1, 1], [0, 0]]],"
                 " [[[5, 5], [9, 5], [9, 9], [5, 5]], [[6, 6], [8, 6], [8, 8], [6, 6]]]]}",
                 "{\"n\": 5}") ","
         FEATURE("{\"type\": \"GeometryCollection\", \"geometries\": ["
                 "{\"type\": \"LineString\", \"coordinates\": [[0, 0], [1, 0]]},"
                 "{\"type\": \"MultiLineString\", \"coordinates\": [[[2, 0], [3, 0]], [[4, 0], [5, 0]]]}]}",
                 "{\"n\": 6}") ","
         FEATURE("{\"type\": \"GeometryCollection\", \"geometries\": ["
                 "{\"type\": \"Point\", \"coordinates\": [7, 8]}, {\"type\": \"Point\", \"coordinates\": [9, 10]}]}",
                 "{\"n\": 7}")),
      NULL);
  assert_string_equal(l->format, "GeoJSON");
  assert_int_equal(l->shape_type, 0);
  assert_string_equal(l->crs_definition, "EPSG:4326");
  assert_null(l->crs_file);
  assert_int_equal(l->nfeatures, 8);
  assert_int_equal(l->total_records, 8);
  const im_geom *g = &l->features[0].geom;
  assert_int_equal(g->kind, IM_GEOM_POINT);
  assert_int_equal(g->npoints, 1);
  assert_xy(g, 0, -77.03, -12.05); /* the altitude is dropped */

  g = &l->features[1].geom;
  assert_int_equal(g->kind, IM_GEOM_POINT);
  assert_int_equal(g->npoints, 3);
  assert_xy(g, 2, 5, 6);

  g = &l->features[2].geom;
  assert_int_equal(g->kind, IM_GEOM_LINE);
  assert_int_equal(g->nparts, 1);
  assert_int_equal(g->npoints, 3);

  g = &l->features[3].geom;
  assert_int_equal(g->kind, IM_GEOM_LINE);
  assert_int_equal(g->nparts, 2);
  assert_int_equal(im_geom_part_size(g, 1), 3);
  assert_xy(g, 2, 5, 5);

  /* The hole is a second ring; rings keep their closing vertex. */
  g = &l->features[4].geom;
  assert_int_equal(g->kind, IM_GEOM_POLYGON);
  assert_int_equal(g->nparts, 2);
  assert_int_equal(im_geom_part_size(g, 0), 5);
  assert_int_equal(im_geom_part_size(g, 1), 5);
  assert_xy(g, 5, 2, 2);
  assert_xy(g, 9, 2, 2);

  g = &l->features[5].geom;
  assert_int_equal(g->kind, IM_GEOM_POLYGON);
  assert_int_equal(g->nparts, 3);
  assert_int_equal(g->npoints, 12);
  assert_xy(g, 8, 6, 6);

  g = &l->features[6].geom;
  assert_int_equal(g->kind, IM_GEOM_LINE);
  assert_int_equal(g->nparts, 3);
  assert_xy(g, 5, 5, 0);

  g = &l->features[7].geom;
  assert_int_equal(g->kind, IM_GEOM_POINT);
  assert_int_equal(g->npoints, 2);
  assert_xy(g, 1, 9, 10);

  for (size_t i = 0; i < l->nfeatures; i++) {
    assert_int_equal(l->features[i].fid, (long)i);
    assert_int_equal(l->features[i].line, 0);
  }
  /* The extent of everything read, the point's altitude aside. */
  assert_true(l->file_bbox.minx == -77.03 && l->file_bbox.miny == -12.05);
  assert_true(l->file_bbox.maxx == 10 && l->file_bbox.maxy == 10);
  im_layer_free(l);
}

static void test_property_typing(void **state) {
  (void)state;
  im_layer *l = load_ok(
      "props.geojson",
      FC("{\"type\": \"Feature\", \"id\": \"cn-1\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [1, 2]},"
         " \"properties\": {\"count\": 12, \"share\": 0.1, \"mixed\": 3, \"ok\": true, \"date\": \"2021-12-01\","
         " \"name\": \"Chancay\", \"meta\": {\"a\": [1, 2], \"b\": \"x\"}, \"codes\": \"PE\", \"empty\": null}},"
         "{\"type\": \"Feature\", \"id\": 7, \"geometry\": {\"type\": \"Point\", \"coordinates\": [3, 4]},"
         " \"properties\": {\"count\": -4, \"share\": 1e3, \"mixed\": 2.5, \"ok\": false, \"date\": \"2022-01\","
         " \"name\": \"Posorja\", \"codes\": 604, \"late\": \"new\", \"empty\": null}}"),
      NULL);
  assert_int_equal(l->nfeatures, 2);
  /* Keys in order of first appearance, the feature's "id" first. */
  static const char *const names[] = {"id", "count", "share", "mixed", "ok", "date", "name", "meta", "codes", "empty",
                                      "late"};
  static const im_field_type types[] = {IM_FIELD_STRING, IM_FIELD_INTEGER, IM_FIELD_DOUBLE, IM_FIELD_DOUBLE,
                                        IM_FIELD_LOGICAL, IM_FIELD_DATE,   IM_FIELD_STRING, IM_FIELD_STRING,
                                        IM_FIELD_STRING, IM_FIELD_STRING,  IM_FIELD_STRING};
  assert_int_equal(l->nfields, sizeof names / sizeof names[0]);
  for (size_t i = 0; i < l->nfields; i++) {
    assert_string_equal(l->fields[i].name, names[i]);
    if (l->fields[i].type != types[i])
      print_error("field %s is %s\n", names[i], im_field_type_name(l->fields[i].type));
    assert_int_equal(l->fields[i].type, types[i]);
  }
  assert_string_equal(value(l, 0, "id"), "cn-1");
  assert_string_equal(value(l, 1, "id"), "7");
  assert_string_equal(value(l, 0, "count"), "12");
  assert_string_equal(value(l, 1, "count"), "-4");
  assert_string_equal(value(l, 0, "share"), "0.1"); /* the shortest text that reads back the same */
  assert_string_equal(value(l, 1, "share"), "1000.0");
  assert_string_equal(value(l, 1, "mixed"), "2.5");
  assert_string_equal(value(l, 0, "ok"), "true");
  assert_string_equal(value(l, 1, "ok"), "false");
  assert_string_equal(value(l, 0, "date"), "2021-12-01");
  assert_string_equal(value(l, 0, "name"), "Chancay");
  assert_string_equal(value(l, 0, "meta"), "{\"a\":[1,2],\"b\":\"x\"}");
  assert_null(value(l, 1, "meta"));
  assert_string_equal(value(l, 1, "codes"), "604");
  assert_null(value(l, 0, "empty"));
  /* A field first seen in a later feature is null in the earlier ones. */
  assert_null(value(l, 0, "late"));
  assert_string_equal(value(l, 1, "late"), "new");
  assert_int_equal(l->fields[6].width, 7);
  assert_string_equal(l->encoding, "UTF-8");
  im_layer_free(l);
}

static void test_id_in_properties_wins(void **state) {
  (void)state;
  im_layer *l = load_ok("id.json",
                        FC("{\"type\": \"Feature\", \"id\": \"outer\", \"geometry\": {\"type\": \"Point\","
                           " \"coordinates\": [0, 0]}, \"properties\": {\"name\": \"a\", \"id\": \"inner\"}}"),
                        NULL);
  assert_int_equal(l->nfields, 2);
  assert_string_equal(l->fields[0].name, "name");
  assert_string_equal(value(l, 0, "id"), "inner");
  im_layer_free(l);
}

static void test_null_geometry_skipped(void **state) {
  (void)state;
  im_layer *l = load_ok("nulls.geojson",
                        FC(FEATURE("{\"type\": \"Point\", \"coordinates\": [1, 1]}", "{\"a\": 1}") ","
                           FEATURE("null", "{\"b\": \"only here\"}") ","
                           FEATURE("{\"type\": \"LineString\", \"coordinates\": []}", "null") ","
                           FEATURE("{\"type\": \"Point\", \"coordinates\": [2, 2]}", "{\"a\": 2}")),
                        NULL);
  assert_int_equal(l->total_records, 4);
  assert_int_equal(l->nfeatures, 2);
  assert_int_equal(l->features[0].fid, 0);
  assert_int_equal(l->features[1].fid, 3);
  /* The skipped feature's property is still a field of the layer. */
  assert_int_equal(l->nfields, 2);
  assert_null(value(l, 1, "b"));
  assert_string_equal(value(l, 1, "a"), "2");
  im_layer_free(l);
}

static void test_bbox_filter(void **state) {
  (void)state;
  const char *text = FC(FEATURE("{\"type\": \"Point\", \"coordinates\": [-70, -15]}", "{\"n\": \"lima\"}") ","
                        FEATURE("{\"type\": \"Point\", \"coordinates\": [121, 31]}", "{\"n\": \"shanghai\"}") ","
                        FEATURE("{\"type\": \"LineString\", \"coordinates\": [[-80, 0], [130, 40]]}",
                                "{\"n\": \"cable\"}") ","
                        FEATURE("{\"type\": \"Point\", \"coordinates\": [170, -40]}", "{\"n\": \"nz\"}"));
  im_layer_query q = {.nboxes = 1, .boxes = {{-92, -56, -30, 15}}};
  im_layer *l = load_ok("bbox.geojson", text, &q);
  assert_int_equal(l->nfeatures, 2);
  assert_string_equal(value(l, 0, "n"), "lima");
  assert_string_equal(value(l, 1, "n"), "cable"); /* its box meets the query's */
  assert_int_equal(l->total_records, 4);
  assert_true(l->file_bbox.minx == -80 && l->file_bbox.maxx == 170 && l->file_bbox.miny == -40);
  im_layer_free(l);

  q = (im_layer_query){.nboxes = 2, .boxes = {{100, 20, 140, 50}, {160, -50, 180, -30}}, .skip_attributes = true};
  l = load_ok("bbox.geojson", text, &q);
  assert_int_equal(l->nfeatures, 3);
  assert_int_equal(l->features[0].fid, 1);
  assert_int_equal(l->features[2].fid, 3);
  for (size_t i = 0; i < l->nfeatures; i++)
    assert_null(l->features[i].values);
  im_layer_free(l);
}

static void test_syntax_errors(void **state) {
  (void)state;
  im_error err = load_fails("syntax.geojson", "{\"type\": \"FeatureCollection\",\n"
                                              "  \"features\": [\n"
                                              "    {\"type\": \"Feature\", \"geometry\": nul}\n"
                                              "  ]\n"
                                              "}\n");
  assert_int_equal(err.line, 3);
  assert_int_equal(err.column, 37); /* the first character of "nul" */
  assert_has(err.message, "invalid JSON");

  err = load_fails("dup.geojson", "{\"type\": \"FeatureCollection\", \"features\": [],\n \"type\": \"x\"}");
  assert_int_equal(err.line, 2);
  assert_int_equal(err.column, 2);
  assert_has(err.message, "duplicate");

  err = load_fails("trailing.geojson", "{\"type\": \"FeatureCollection\", \"features\": []}\n]");
  assert_int_equal(err.line, 2);
  assert_int_equal(err.column, 1);

  err = load_fails("latin1.geojson", "{\"type\": \"FeatureCollection\", \"features\": [\n"
                                     "{\"type\": \"Feature\", \"geometry\": null, \"properties\": {\"n\": \"Per\xfa\"}}]}");
  assert_int_equal(err.line, 2);
  assert_has(err.message, "0xfa");

  err = load_fails("empty.geojson", "  \n");
  assert_has(err.message, "empty");
}

static void test_bom_and_suffix_case(void **state) {
  (void)state;
  im_layer *l = load_ok("bom.GEOJSON", "\xEF\xBB\xBF" FC(FEATURE("{\"type\": \"Point\", \"coordinates\": [1, 2]}", "{}")),
                        NULL);
  assert_int_equal(l->nfeatures, 1);
  assert_int_equal(l->nfields, 0);
  im_layer_free(l);
}

static void test_structural_errors(void **state) {
  (void)state;
  static const struct {
    const char *text;
    const char *expect[3];
  } cases[] = {
      {FEATURE("{\"type\": \"Point\", \"coordinates\": [0, 0]}", "{}"), {"not a GeoJSON FeatureCollection", "Feature"}},
      {"[1, 2]", {"not a GeoJSON FeatureCollection", "array"}},
      {"{\"type\": \"FeatureCollection\", \"features\": {}}", {"\"features\" must be an array", "object"}},
      {FC("3"), {"feature 0", "must be a Feature object"}},
      {FC(FEATURE("{\"type\": \"Point\", \"coordinates\": [0, 0]}", "{}") ","
          "{\"type\": \"Feature\", \"id\": \"b\", \"geometry\": {\"type\": \"LineString\", \"coordinates\":"
          " [[0, 0], [1, \"1\"]]}, \"properties\": {\"name\": \"Cable B\"}}"),
       {"feature 1 (id \"b\", name \"Cable B\")", "coordinates[1][1]", "not a number"}},
      {FC(FEATURE("{\"type\": \"Point\", \"coordinates\": \"0 0\"}", "{\"id\": 12}")),
       {"feature 0 (id 12)", "Point", "a string"}},
      {FC(FEATURE("{\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [1, 0], [0, 0]]]}", "{\"name\": \"tri\"}")),
       {"feature 0 (name \"tri\")", "coordinates[0] has 3 positions", "at least 4"}},
      {FC(FEATURE("{\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}", "{}")),
       {"feature 0", "not closed"}},
      {FC(FEATURE("{\"type\": \"LineStrin\", \"coordinates\": [[0, 0], [1, 1]]}", "{}")),
       {"unknown geometry type 'LineStrin'", "did you mean 'LineString'"}},
      {FC(FEATURE("{\"type\": \"GeometryCollection\", \"geometries\": [{\"type\": \"Point\", \"coordinates\": [0, 0]},"
                  " {\"type\": \"LineString\", \"coordinates\": [[0, 0], [1, 1]]}]}",
                  "{\"id\": \"gc\"}")),
       {"feature 0 (id \"gc\")", "mixes points and lines"}},
      {FC("{\"type\": \"Feature\", \"properties\": {}}"), {"feature 0", "no \"geometry\""}},
      {FC("{\"type\": \"Feature\", \"geometry\": null, \"properties\": [1]}"), {"\"properties\" must be an object"}},
      {FC("{\"type\": \"Featur\", \"geometry\": null}"), {"\"type\" must be \"Feature\"", "Featur"}},
      {FC(FEATURE("{\"type\": \"MultiLineString\", \"coordinates\": [[[0, 0]]]}", "{}")),
       {"coordinates[0] has 1 position", "a line needs at least 2"}},
      {FC(FEATURE("{\"type\": \"Point\", \"coordinates\": [5]}", "{}")),
       {"must be a position", "not an array of one number"}},
      /* A position in a list, once reported as "an array of one number". */
      {FC(FEATURE("{\"type\": \"Point\", \"coordinates\": [[0, 0]]}", "{}")),
       {"Point coordinates must be a position [longitude, latitude], not an array holding an array (one pair of "
        "brackets too many?)"}},
      {FC(FEATURE("{\"type\": \"LineString\", \"coordinates\": [[], [1, 1]]}", "{}")),
       {"coordinates[0] must be a position", "not an empty array"}},
      {FC(FEATURE("{\"type\": \"Point\", \"coordinates\": [\"x\"]}", "{}")),
       {"not an array holding one value that is not a number"}},
      {"{\"type\": \"FeatureCollection\", \"crs\": {\"type\": \"link\"}, \"features\": []}", {"\"crs\""}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char name[32];
    snprintf(name, sizeof name, "bad%zu.geojson", i);
    im_error err = load_fails(name, cases[i].text);
    assert_int_equal(err.line, 0);
    for (size_t k = 0; k < 3 && cases[i].expect[k]; k++)
      assert_has(err.message, cases[i].expect[k]);
  }
}

static void test_crs_member(void **state) {
  (void)state;
  static const struct {
    const char *name, *def;
  } cases[] = {
      {"urn:ogc:def:crs:EPSG::3857", "EPSG:3857"},
      {"urn:ogc:def:crs:EPSG::4326", "EPSG:4326"},
      {"urn:ogc:def:crs:EPSG:6.6:32718", "EPSG:32718"},
      {"urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326"},
      {"EPSG:5070", "EPSG:5070"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[512], name[32];
    /* The crs after "features", so the scan has to skip them. */
    snprintf(text, sizeof text,
             "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"geometry\": null,"
             " \"properties\": {\"crs\": \"decoy\", \"x\": [\"{\\\"crs\\\"\"]}}],"
             " \"crs\": {\"type\": \"name\", \"properties\": {\"name\": \"%s\"}}}",
             cases[i].name);
    snprintf(name, sizeof name, "crs%zu.geojson", i);
    im_layer *l = load_ok(name, text, NULL);
    assert_string_equal(l->crs_definition, cases[i].def);
    im_layer_free(l);
    char *def = NULL, *file = NULL;
    im_error err;
    im_error_clear(&err);
    assert_ok(im_layer_source_crs(scratch_path(name), &def, &file, &err), &err);
    assert_string_equal(def, cases[i].def);
    assert_null(file);
    free(def);
  }
  /* Without one: RFC 7946's WGS 84. */
  write_fixture("nocrs.json", FC(""));
  char *def = NULL, *file = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_layer_source_crs(scratch_path("nocrs.json"), &def, &file, &err), &err);
  assert_string_equal(def, "EPSG:4326");
  free(def);
  /* A bad one is reported by both. */
  write_fixture("badcrs.json", "{\"crs\": {\"type\": \"name\", \"properties\": {}}, \"type\": \"FeatureCollection\","
                               " \"features\": []}");
  assert_int_equal(im_layer_source_crs(scratch_path("badcrs.json"), &def, &file, &err), IM_STATUS_INPUT);
  assert_null(def);
  assert_has(err.message, "\"crs\"");
}

static void test_missing_file(void **state) {
  (void)state;
  im_layer *l = NULL;
  im_error err;
  im_error_clear(&err);
  const char *path = scratch_path("nowhere/missing.geojson");
  assert_int_equal(im_layer_load(path, NULL, &l, &err), IM_STATUS_INPUT);
  assert_string_equal(err.file, path);
  assert_has(err.message, "cannot open");
}

/* ---- reading a feature at a time ---- */

/* jansson's allocations, counted: each block carries its size before it. */
static size_t json_now, json_peak;

static void *counted_malloc(size_t n) {
  max_align_t *p = malloc(sizeof *p + n);
  if (!p)
    return NULL;
  *(size_t *)p = n;
  json_now += n;
  if (json_now > json_peak)
    json_peak = json_now;
  return p + 1;
}

static void counted_free(void *q) {
  if (!q)
    return;
  max_align_t *p = (max_align_t *)q - 1;
  json_now -= *(size_t *)p;
  free(p);
}

/* A FeatureCollection of n points with three properties, one feature a
 * line; returns its size. */
static size_t write_points(const char *path, int n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs("{\"type\": \"FeatureCollection\", \"features\": [\n", f);
  for (int i = 0; i < n; i++)
    fprintf(f, "%s{\"type\":\"Feature\",\"properties\":{\"id\":%d,\"name\":\"site %d\",\"value\":%.2f},"
            "\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.6f,%.6f]}}\n",
            i ? "," : "", i, i, (i % 1000) / 7.0, -120 + fmod(i * 0.000731, 90), -50 + fmod(i * 0.000377, 80));
  fputs("]}\n", f);
  long size = ftell(f);
  assert_int_equal(fclose(f), 0);
  return (size_t)size;
}

/* A 129 MB file of points peaked at 6.6 GB: jansson held the whole file,
 * ~35 times its size. Now it holds one feature at a time: its peak is
 * counted through json_set_alloc_funcs (no timing, no rlimit, so it holds
 * under the sanitizers too), and must stay under a quarter of the file
 * (the old reader: 30 times; what remains is the top level, an array of a
 * null per feature). */
static void test_one_feature_at_a_time(void **state) {
  (void)state;
  const char *path = scratch_path("points.geojson");
  size_t size = write_points(path, 20000);
  json_now = json_peak = 0;
  json_set_alloc_funcs(counted_malloc, counted_free);
#if !defined(__SANITIZE_ADDRESS__)
  struct mallinfo2 before = mallinfo2();
#endif
  im_layer *l = NULL;
  im_error err;
  im_error_clear(&err);
  im_status st = im_layer_load(path, NULL, &l, &err);
  json_set_alloc_funcs(malloc, free);
  assert_ok(st, &err);
  assert_int_equal(l->nfeatures, 20000);
  assert_string_equal(value(l, 19999, "name"), "site 19999");
  assert_int_equal(json_now, 0);
  if (json_peak > size / 4) {
    print_error("jansson held %zu bytes at once for a file of %zu\n", json_peak, size);
    fail();
  }
  /* The layer itself (features, coordinates, values) is at most 5 times
   * the file. mallinfo2 does not see ASan's allocator. */
#if !defined(__SANITIZE_ADDRESS__)
  struct mallinfo2 after = mallinfo2();
  size_t held = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
  if (held > 5 * size) {
    print_error("the layer holds %zu bytes for a file of %zu\n", held, size);
    fail();
  }
#endif
  im_layer_free(l);
}

/* Errors jansson finds inside one feature's text (yajl lets them pass) are
 * placed in the file, not in the feature: on the feature's first line the
 * columns count from where it starts. */
static void test_errors_inside_a_feature(void **state) {
  (void)state;
  static const char *const texts[] = {
      "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"geometry\": null},"
      " {\"type\": \"Feature\", \"geometry\": null, \"properties\": {\"a\": 1e999}}]}",
      "{\"type\": \"FeatureCollection\",\n \"features\": [\n  {\"type\": \"Feature\", \"geometry\": null},\n"
      "  {\"type\": \"Feature\",\n   \"geometry\": null,\n   \"properties\": {\"a\": 1, \"a\": 2}}]}",
  };
  static const struct {
    int line;
    const char *mark, *message;
  } want[] = {{1, "1e999", "invalid JSON: real number overflow"}, {6, "\"a\": 2", "invalid JSON: duplicate object key"}};
  for (size_t i = 0; i < 2; i++) {
    char name[32];
    snprintf(name, sizeof name, "inside%zu.geojson", i);
    im_error err = load_fails(name, texts[i]);
    const char *mark = strstr(texts[i], want[i].mark), *line_start = mark;
    while (line_start > texts[i] && line_start[-1] != '\n')
      line_start--;
    assert_int_equal(err.line, want[i].line);
    if (i == 0)
      assert_int_equal(err.column, (int)(mark - line_start) + 1);
    assert_has(err.message, want[i].message);
  }
}

/* One feature is parsed whole, at up to 40 times its text: a feature past
 * 1/40 of the layer's memory ceiling is refused before it is parsed, named,
 * at its line:column. */
static void test_feature_too_big(void **state) {
  (void)state;
  const char *path = scratch_path("big-feature.geojson");
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs("{\"type\": \"FeatureCollection\", \"features\": [\n"
        "{\"type\": \"Feature\", \"geometry\": null},\n"
        "  {\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\", \"coordinates\": [[0, 0]", f);
  for (int i = 1; i < 4000; i++)
    fprintf(f, ", [%d.5, 1.25]", i % 180);
  fputs("]}}]}\n", f);
  assert_int_equal(fclose(f), 0);
  im_limits_set(&(im_limits){.max_layer_mb = 1});
  im_layer *l = NULL;
  im_error err;
  im_error_clear(&err);
  assert_int_equal(im_layer_load(path, NULL, &l, &err), IM_STATUS_INPUT);
  im_limits_set(NULL);
  assert_int_equal(err.line, 3);
  assert_int_equal(err.column, 3);
  assert_has(err.message, "feature 1 is 0.05 MiB of JSON; influmap parses one feature at a time");
  assert_has(err.message, "at most 0.02 MiB");
  assert_ok(im_layer_load(path, NULL, &l, &err), &err);
  assert_int_equal(l->nfeatures, 1);
  im_layer_free(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_geometry_type), cmocka_unit_test(test_property_typing),
      cmocka_unit_test(test_id_in_properties_wins), cmocka_unit_test(test_null_geometry_skipped),
      cmocka_unit_test(test_bbox_filter),          cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_bom_and_suffix_case),  cmocka_unit_test(test_structural_errors),
      cmocka_unit_test(test_crs_member),           cmocka_unit_test(test_missing_file),
      cmocka_unit_test(test_one_feature_at_a_time), cmocka_unit_test(test_errors_inside_a_feature),
      cmocka_unit_test(test_feature_too_big),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
/* clang-format on */
