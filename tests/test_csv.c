/* The CSV reader: lon/lat and WKT geometry, typing, quoted fields with
 * commas and newlines (and the line numbers errors give after them), BOM,
 * ragged rows, bytes that are not UTF-8, box queries. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void test_lon_lat_points(void **state) {
  (void)state;
  im_layer *l = load_ok("events.csv",
                        "id,name,lon,lat,count,share,ok,date,code,note\n"
                        "cn-1,Chancay,-77.27,-11.58,12,0.5,true,2021-12-01,007,\n"
                        "ru-2,Managua,-86.25,12.13,-3,2,FALSE,2022-01,604,\"\"\n",
                        NULL);
  assert_string_equal(l->format, "CSV");
  assert_int_equal(l->shape_type, 0);
  assert_string_equal(l->crs_definition, "EPSG:4326");
  assert_string_equal(l->encoding, "UTF-8");
  assert_int_equal(l->nfeatures, 2);
  assert_int_equal(l->total_records, 2);
  /* lon and lat make the geometry and are not fields. */
  static const char *const names[] = {"id", "name", "count", "share", "ok", "date", "code", "note"};
  static const im_field_type types[] = {IM_FIELD_STRING,  IM_FIELD_STRING, IM_FIELD_INTEGER, IM_FIELD_DOUBLE,
                                        IM_FIELD_LOGICAL, IM_FIELD_DATE,   IM_FIELD_STRING,  IM_FIELD_STRING};
  assert_int_equal(l->nfields, 8);
  for (size_t i = 0; i < l->nfields; i++) {
    assert_string_equal(l->fields[i].name, names[i]);
    if (l->fields[i].type != types[i])
      print_error("field %s is %s\n", names[i], im_field_type_name(l->fields[i].type));
    assert_int_equal(l->fields[i].type, types[i]);
  }
  assert_int_equal(l->features[0].geom.kind, IM_GEOM_POINT);
  assert_xy(&l->features[0].geom, 0, -77.27, -11.58);
  assert_xy(&l->features[1].geom, 0, -86.25, 12.13);
  assert_int_equal(l->features[0].fid, 0);
  assert_int_equal(l->features[1].fid, 1);
  assert_int_equal(l->features[0].line, 2);
  assert_int_equal(l->features[1].line, 3);
  assert_string_equal(value(l, 0, "code"), "007"); /* kept as written */
  assert_string_equal(value(l, 1, "ok"), "FALSE");
  assert_null(value(l, 0, "note"));             /* empty and unquoted: null */
  assert_string_equal(value(l, 1, "note"), ""); /* quoted: an empty string */
  assert_true(l->file_bbox.minx == -86.25 && l->file_bbox.maxy == 12.13);
  im_layer_free(l);
}

static void test_other_coordinate_names(void **state) {
  (void)state;
  im_layer *l = load_ok("longlat.csv", "Name,Latitude,LONGITUDE\nA,10,20\n", NULL);
  assert_xy(&l->features[0].geom, 0, 20, 10);
  assert_int_equal(l->nfields, 1);
  im_layer_free(l);
  l = load_ok("xy.csv", "x,y,lat\n1.5,2.5,text\n", NULL);
  assert_xy(&l->features[0].geom, 0, 1.5, 2.5);
  assert_int_equal(l->nfields, 1); /* "lat" without "lon" is an ordinary field */
  assert_string_equal(value(l, 0, "lat"), "text");
  im_layer_free(l);
}

static void test_quoted_commas_and_newlines(void **state) {
  (void)state;
  const char *text = "id,description,lon,lat\n"               /* 1 */
                     "a,\"Port, phase 1\",1,2\n"              /* 2 */
                     "b,\"two\nlines\",3,4\n"                 /* 3-4 */
                     "\n"                                     /* 5, blank */
                     "c,\"say \"\"hi\"\"\nand\n\n go\",5,6\n" /* 6-9 */
                     "d,plain,7,8";                           /* 10, no newline */
  im_layer *l = load_ok("quoted.csv", text, NULL);
  assert_int_equal(l->nfeatures, 4);
  assert_string_equal(value(l, 0, "description"), "Port, phase 1");
  assert_string_equal(value(l, 1, "description"), "two\nlines");
  assert_string_equal(value(l, 2, "description"), "say \"hi\"\nand\n\n go");
  assert_int_equal(l->features[0].line, 2);
  assert_int_equal(l->features[1].line, 3);
  assert_int_equal(l->features[2].line, 6);
  assert_int_equal(l->features[3].line, 10);
  assert_xy(&l->features[3].geom, 0, 7, 8);
  im_layer_free(l);

  /* The same, broken after the quoted newlines: the error is on line 10. */
  char bad[512];
  snprintf(bad, sizeof bad, "%s\ne,x,9,north\n",
           "id,description,lon,lat\na,\"Port, phase 1\",1,2\n"
           "b,\"two\nlines\",3,4\n\nc,\"say \"\"hi\"\"\nand\n\n go\",5,6\n"
           "d,plain,7,8");
  im_error err = load_fails("quoted_bad.csv", bad);
  assert_int_equal(err.line, 11);
  assert_has(err.message, "lat 'north' is not a number");

  /* CRLF line ends count once, and so does a lone CR. */
  l = load_ok("crlf.csv", "id,name,lon,lat\r\na,n,1,2\r\nb,\"x\r\ny\",3,4\r\nc,z,5,6\r\n", NULL);
  assert_int_equal(l->nfeatures, 3);
  assert_string_equal(value(l, 1, "name"), "x\r\ny");
  assert_int_equal(l->features[2].line, 5);
  im_layer_free(l);
  err = load_fails("crlf_bad.csv", "id,name,lon,lat\r\na,n,1,2\r\nb,\"x\r\ny\",3,4\r\nc,1\r\n");
  assert_int_equal(err.line, 5);
  err = load_fails("cr_bad.csv", "id,name,lon,lat\ra,n,1,2\rb,n,3\r");
  assert_int_equal(err.line, 3);
}

static void test_wkt(void **state) {
  (void)state;
  im_layer *l =
      load_ok("wkt.csv",
              "name,WKT\n"
              "p,POINT (-70.4 -23.1)\n"
              "l,\"LINESTRING (0 0, 1 1, 2 0)\"\n"
              "h,\"POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))\"\n"
              "mp,\"MULTIPOINT ((1 2), (3 4))\"\n"
              "mp2,\"multipoint (5 6, 7 8)\"\n"
              "ml,\"MULTILINESTRING ((0 0, 1 1), (2 2, 3 3, 4 4))\"\n"
              "mpoly,\"MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 9 5, 9 9, 5 5), (6 6, 8 6, 8 8, 6 6)))\"\n"
              "z,POINT Z (1 2 3)\n"
              "zm,POINTZM (1 2 3 4)\n"
              "e,POINT EMPTY\n"
              "s,SRID=4326;POINT (9 9)\n",
              NULL);
  assert_int_equal(l->total_records, 11);
  assert_int_equal(l->nfeatures, 10); /* EMPTY is skipped */
  assert_int_equal(l->nfields, 1);
  const im_geom *g = &l->features[0].geom;
  assert_int_equal(g->kind, IM_GEOM_POINT);
  assert_xy(g, 0, -70.4, -23.1);
  g = &l->features[1].geom;
  assert_int_equal(g->kind, IM_GEOM_LINE);
  assert_int_equal(g->npoints, 3);
  g = &l->features[2].geom;
  assert_int_equal(g->kind, IM_GEOM_POLYGON);
  assert_int_equal(g->nparts, 2);
  assert_xy(g, 5, 2, 2);
  g = &l->features[3].geom;
  assert_int_equal(g->kind, IM_GEOM_POINT);
  assert_int_equal(g->npoints, 2);
  assert_xy(g, 1, 3, 4);
  assert_xy(&l->features[4].geom, 1, 7, 8);
  g = &l->features[5].geom;
  assert_int_equal(g->kind, IM_GEOM_LINE);
  assert_int_equal(g->nparts, 2);
  assert_int_equal(im_geom_part_size(g, 1), 3);
  g = &l->features[6].geom;
  assert_int_equal(g->kind, IM_GEOM_POLYGON);
  assert_int_equal(g->nparts, 3);
  assert_int_equal(g->npoints, 12);
  assert_xy(&l->features[7].geom, 0, 1, 2);
  assert_xy(&l->features[8].geom, 0, 1, 2);
  assert_string_equal(value(l, 9, "name"), "s");
  assert_int_equal(l->features[9].line, 12);
  im_layer_free(l);
}

static void test_wkt_errors(void **state) {
  (void)state;
  static const struct {
    const char *cell;
    const char *expect[2];
  } cases[] = {
      {"PIONT (1 2)", {"at character 1", "did you mean POINT?"}},
      {"POINT (1)", {"at character 9", "expected a number (y, the latitude)"}},
      {"POINT (1 2 3)", {"at character 12", "after 2 numbers (a position with more needs a Z or M tag"}},
      {"\"LINESTRING (0 0)\"", {"a line needs at least 2 positions"}},
      {"\"POLYGON ((0 0, 1 0, 1 1, 0 1))\"", {"at character 10", "ring is not closed"}},
      {"\"POLYGON ((0 0, 1 0, 0 0))\"", {"a ring needs at least 4"}},
      {"POINT (1 2) x", {"at character 13", "unexpected 'x'"}},
      {"\"LINESTRING (0 0 1 1)\"", {"at character 17", "expected ',' or ')'"}},
      {"POINT (1 nan)", {"expected a number"}},
      {"SRID=3857;POINT (1 2)", {"SRID=3857"}},
      {"GEOMETRYCOLLECTION EMPTY", {"unknown geometry type"}},
      {"\"POINT (1 2\"", {"expected ')'", "the end of the text"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[256], name[32];
    snprintf(text, sizeof text, "id,wkt\nok,POINT (0 0)\nbad,%s\n", cases[i].cell);
    snprintf(name, sizeof name, "wkt_bad%zu.csv", i);
    im_error err = load_fails(name, text);
    assert_int_equal(err.line, 3);
    assert_has(err.message, "wkt at character");
    for (size_t k = 0; k < 2 && cases[i].expect[k]; k++)
      assert_has(err.message, cases[i].expect[k]);
  }
}

static void test_bom(void **state) {
  (void)state;
  im_layer *l = load_ok("bom.csv", "\xEF\xBB\xBFid,lon,lat\nPer\xC3\xBA,1,2\n", NULL);
  assert_string_equal(l->fields[0].name, "id");
  assert_string_equal(value(l, 0, "id"), "Per\xC3\xBA");
  im_layer_free(l);
  /* Columns on the first line count from after the mark. */
  im_error err = load_fails("bom_bad.csv", "\xEF\xBB\xBFi\"d,lon,lat\n");
  assert_int_equal(err.line, 1);
  assert_int_equal(err.column, 2);
}

static void test_bad_rows(void **state) {
  (void)state;
  im_error err = load_fails("ragged.csv", "id,name,lon,lat\na,b,1,2\nc,d,3\n");
  assert_int_equal(err.line, 3);
  assert_has(err.message, "has 3 fields, but the header has 4 columns");

  err = load_fails("long.csv", "id,lon,lat\na,1,2,extra\n");
  assert_int_equal(err.line, 2);
  assert_has(err.message, "has 4 fields");

  err = load_fails("latin1.csv", "id,name,lon,lat\na,Lima,1,2\nb,Per\xfa y Bol\xedvia,3,4\n");
  assert_int_equal(err.line, 3);
  assert_int_equal(err.column, 6);
  assert_has(err.message, "invalid UTF-8 (byte 0xFA)");
  assert_has(err.message, "Latin-1");

  err = load_fails("empty_lon.csv", "id,lon,lat\na,1,2\nb,,4\n");
  assert_int_equal(err.line, 3);
  assert_has(err.message, "lon cell is empty");

  err = load_fails("quote.csv", "id,lon,lat\na,\"1\"2,3\n");
  assert_int_equal(err.line, 2);
  assert_int_equal(err.column, 6);
  assert_has(err.message, "quote");

  err = load_fails("unclosed.csv", "id,lon,lat\na,1,2\nb,\"1,2\n3,4\n");
  assert_int_equal(err.line, 3);
  assert_has(err.message, "never closed");

  static const char nul[] = "id,lon,lat\na\0b,1,2\n";
  assert_true(write_file(scratch_path("nul.csv"), nul, sizeof nul - 1));
  im_layer *l = NULL;
  assert_int_equal(im_layer_load(scratch_path("nul.csv"), NULL, &l, &err), IM_STATUS_INPUT);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.column, 2);
  assert_has(err.message, "NUL");
}

static void test_bad_headers(void **state) {
  (void)state;
  static const struct {
    const char *text, *expect;
  } cases[] = {
      {"id,name\na,b\n", "has no geometry"},
      {"id,lon\na,1\n", "'lon' column but not its partner"},
      {"id,lon,lat,wkt\na,1,2,POINT (1 2)\n", "both lon/lat and wkt"},
      {"id,lon,lat,ID\na,1,2,3\n", "column 1 'id' and column 4 'ID'"},
      {"id,,lon,lat\na,b,1,2\n", "column 2 has no name"},
      {"", "is empty"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char name[32];
    snprintf(name, sizeof name, "header%zu.csv", i);
    im_error err = load_fails(name, cases[i].text);
    assert_has(err.message, cases[i].expect);
  }
}

static void test_bbox_and_skip_attributes(void **state) {
  (void)state;
  const char *text = "id,lon,lat\nlima,-77,-12\nshanghai,121,31\nquito,-78,0\n";
  im_layer_query q = {.nboxes = 1, .boxes = {{-92, -56, -30, 15}}};
  im_layer *l = load_ok("bbox.csv", text, &q);
  assert_int_equal(l->nfeatures, 2);
  assert_string_equal(value(l, 1, "id"), "quito");
  assert_int_equal(l->features[1].fid, 2);
  assert_int_equal(l->features[1].line, 4);
  assert_int_equal(l->total_records, 3);
  assert_true(l->file_bbox.maxx == 121);
  im_layer_free(l);
  q.skip_attributes = true;
  l = load_ok("bbox.csv", text, &q);
  assert_int_equal(l->nfields, 1);
  assert_null(l->features[0].values);
  im_layer_free(l);
}

static void test_source_crs(void **state) {
  (void)state;
  write_fixture("crs.CSV", "id,lon,lat\n");
  char *def = NULL, *file = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_layer_source_crs(scratch_path("crs.CSV"), &def, &file, &err), &err);
  assert_string_equal(def, "EPSG:4326");
  assert_null(file);
  free(def);
  im_layer *l = load_ok("crs.CSV", "id,lon,lat\n", NULL);
  assert_int_equal(l->nfeatures, 0); /* a header alone is an empty layer */
  assert_int_equal(l->nfields, 1);
  im_layer_free(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lon_lat_points),
      cmocka_unit_test(test_other_coordinate_names),
      cmocka_unit_test(test_quoted_commas_and_newlines),
      cmocka_unit_test(test_wkt),
      cmocka_unit_test(test_wkt_errors),
      cmocka_unit_test(test_bom),
      cmocka_unit_test(test_bad_rows),
      cmocka_unit_test(test_bad_headers),
      cmocka_unit_test(test_bbox_and_skip_attributes),
      cmocka_unit_test(test_source_crs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
