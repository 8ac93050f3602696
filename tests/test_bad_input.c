/* Hostile input, each case with its exact outcome: the files of
 * tests/bad-input/ (written by tests/bad-input/make.py, listed in its
 * README.md), the inputs the fuzzers found (tests/bad-input/fuzz/), and
 * files too big to commit, made here in scratch: a shape of 10^7 vertices,
 * a .shx whose entries all point at one shape, 1 MB labels, a 10 MB CSV
 * field. A failure is IM_STATUS_INPUT with one message naming the file; a
 * success draws the map. The ceilings of limits.h are lowered per test
 * with im_limits_set and restored after. */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "influmap/limits.h"

/* ---- warnings, limits ---- */

static int nwarnings;
static char warnings[8192];

static void keep_warning(void *user, const char *message) {
  (void)user;
  nwarnings++;
  size_t n = strlen(warnings);
  snprintf(warnings + n, sizeof warnings - n, "%s\n", message);
}

static int setup(void **state) {
  (void)state;
  nwarnings = 0;
  warnings[0] = '\0';
  im_warning_set_handler(keep_warning, NULL);
  im_limits_set(NULL);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  im_warning_set_handler(NULL, NULL);
  im_limits_set(NULL);
  return 0;
}

#define assert_contains(haystack, needle) assert_contains_at((haystack), (needle), __FILE__, __LINE__)
static void assert_contains_at(const char *haystack, const char *needle, const char *file, int line) {
  if (!strstr(haystack, needle)) {
    print_error("%s:%d: '%s' does not contain '%s'\n", file, line, haystack, needle);
    fail();
  }
}

/* ---- loading ---- */

static const char *bad(const char *rel) {
  static char buf[4][4096];
  static int next;
  char *b = buf[next++ % 4];
  snprintf(b, sizeof buf[0], "%s/tests/bad-input/%s", IM_SOURCE_DIR, rel);
  return b;
}

/* Loads path (any format), which must fail as bad input in file with a
 * message containing want. */
static void load_fails(const char *path, const char *file, const char *want) {
  im_layer *layer = (im_layer *)&layer;
  im_error err;
  im_error_clear(&err);
  im_status st = im_layer_load(path, NULL, &layer, &err);
  if (st != IM_STATUS_INPUT || !strstr(err.message, want)) {
    print_error("%s: status %d, message '%s'; expected bad input saying '%s'\n", path, st, err.message, want);
    fail();
  }
  assert_null(layer);
  assert_string_equal(err.file, file);
}

static im_layer *load_ok(const char *path) {
  im_layer *layer = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_layer_load(path, NULL, &layer, &err), &err);
  return layer;
}

/* Renders a one-layer map of source (marker/label lines appended to the
 * layer) to a PNG in scratch; returns the status, err filled. */
static im_status render_source(const char *name, const char *source, const char *layer_extra, im_error *err) {
  char yaml[2048], spec[256], png[256];
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: \"EPSG:4326\"\n  page: {width: 60mm, height: 40mm, dpi: 72}\n"
           "  extent: {west: -90, east: -30, south: -45, north: 15}\nlayers:\n  - source: %s\n    fill: \"#cc0000\"\n"
           "    stroke: black\n    marker: {symbol: circle, size: 3pt}\n%s",
           source, layer_extra ? layer_extra : "");
  snprintf(spec, sizeof spec, "%s.yaml", name);
  snprintf(png, sizeof png, "%s.png", name);
  const char *spec_path = scratch_path(spec);
  assert_true(write_file(spec_path, yaml, strlen(yaml)));
  im_map *map = NULL;
  im_error_clear(err);
  im_status st = im_map_load(spec_path, &map, err);
  if (!st)
    st = im_map_render(map, scratch_path(png), NULL, err);
  im_map_free(map);
  return st;
}

/* The map of source draws, and its PNG is a real image. */
static void renders(const char *name, const char *source, const char *layer_extra) {
  im_error err;
  assert_ok(render_source(name, source, layer_extra, &err), &err);
  char png[256];
  snprintf(png, sizeof png, "%s.png", name);
  test_image img;
  assert_true(image_load(scratch_path(png), &img));
  assert_int_equal(img.width, 170); /* 60 mm at 72 dpi */
  image_free(&img);
}

/* ---- shapefiles: headers ---- */

static void test_shp_header_short(void **state) {
  (void)state;
  load_fails(bad("shp/shp-header-short/x.shp"), bad("shp/shp-header-short/x.shp"),
             "not a readable shapefile: .shp file is unreadable, or corrupt.");
}

static void test_shx_header_short(void **state) {
  (void)state;
  load_fails(bad("shp/shx-header-short/x.shp"), bad("shp/shx-header-short/x.shx"),
             "the header is truncated (an index starts with 100 header bytes)");
}

/* shapelib would size its index arrays from this claim (2 GB) before
 * reading a byte: refused from the file's real size first. */
static void test_shx_header_oversized(void **state) {
  (void)state;
  load_fails(bad("shp/shx-header-oversized/x.shp"), bad("shp/shx-header-oversized/x.shx"),
             "the header says the index is 4294967294 bytes long (536870899 records) but the file has 108; it is "
             "truncated or corrupt");
}

/* The .shp's own length field is not used to find records: the file reads. */
static void test_shp_header_oversized(void **state) {
  (void)state;
  im_layer *l = load_ok(bad("shp/shp-header-oversized/x.shp"));
  assert_int_equal(l->nfeatures, 1);
  assert_int_equal(l->features[0].geom.npoints, 5);
  im_layer_free(l);
}

static void test_shp_not_a_shapefile(void **state) {
  (void)state;
  load_fails(bad("shp/shp-not-a-shapefile/x.shp"), bad("shp/shp-not-a-shapefile/x.shp"),
             "not a shapefile: the header has file code 1347093252 and version 1000 (expected 9994 and 1000)");
}

/* ---- shapefiles: records ---- */

static void test_record_offset_past_end(void **state) {
  (void)state;
  load_fails(bad("shp/record-offset-past-end/x.shp"), bad("shp/record-offset-past-end/x.shx"),
             "does not match x.shp: its entry for shape 0 points at byte 2000000 (128 bytes long), but shape 0 starts "
             "at byte 100; x.shp holds 1 record and the index lists 1, so records would be misread; rebuild the index "
             "(GDAL does with --config SHAPE_RESTORE_SHX YES)");
}

/* An index of 8 entries pointing into the middle of 22 records (the .dbf
 * has 22 rows): shapelib read 8 shapes made of other bytes, and the 14
 * records it never reached were lost, with only a warning that the table
 * had more rows. The index is checked against the .shp's records, and
 * refused, naming it and the counts. */
static void test_shx_into_records(void **state) {
  (void)state;
  load_fails(bad("shp/shx-into-records/x.shp"), bad("shp/shx-into-records/x.shx"),
             "does not match x.shp: its entry for shape 0 points at byte 136 (128 bytes long), but shape 0 starts at "
             "byte 100; x.shp holds 22 records and the index lists 8, so records would be misread and at least 14 "
             "lost; rebuild the index (GDAL does with --config SHAPE_RESTORE_SHX YES)");
  assert_int_equal(nwarnings, 0);
}

static void test_record_length_past_end(void **state) {
  (void)state;
  load_fails(bad("shp/record-length-past-end/x.shp"), bad("shp/record-length-past-end/x.shp"),
             "not a readable shapefile: Invalid length for entity 0");
}

static void test_parts_negative(void **state) {
  (void)state;
  load_fails(bad("shp/parts-negative/x.shp"), bad("shp/parts-negative/x.shp"),
             "shape 0 is truncated or corrupt: Corrupted .shp file : shape 0, nPoints=5, nParts=4294967295.");
}

static void test_vertices_negative(void **state) {
  (void)state;
  load_fails(bad("shp/vertices-negative/x.shp"), bad("shp/vertices-negative/x.shp"),
             "shape 0 is truncated or corrupt: Corrupted .shp file : shape 0, nPoints=4294967291, nParts=1.");
}

static void test_vertices_oversized(void **state) {
  (void)state;
  load_fails(bad("shp/vertices-oversized/x.shp"), bad("shp/vertices-oversized/x.shp"),
             "shape 0 is truncated or corrupt: Corrupted .shp file : shape 0, nPoints=2147483647, nParts=1.");
}

static void test_parts_out_of_order(void **state) {
  (void)state;
  load_fails(bad("shp/parts-out-of-order/x.shp"), bad("shp/parts-out-of-order/x.shp"),
             "shape 0 is truncated or corrupt: Corrupted .shp file : shape 0 : panPartStart[2] = 3, panPartStart[1] "
             "= 6");
}

static void test_part_start_past_end(void **state) {
  (void)state;
  load_fails(bad("shp/part-start-past-end/x.shp"), bad("shp/part-start-past-end/x.shp"),
             "shape 0 is truncated or corrupt: Corrupted .shp file : shape 0 : panPartStart[2] = 50, nVertices = 10");
}

/* Rings of 1 and 2 vertices draw nothing and are dropped; a closed ring of
 * 3 (a, b, a) and the triangle stay. A shape left with no ring has no
 * vertices. The map draws. */
static void test_rings_1_to_3_points(void **state) {
  (void)state;
  im_layer *l = load_ok(bad("shp/rings-1-to-3-points/x.shp"));
  assert_int_equal(l->nfeatures, 2);
  const im_geom *g = &l->features[0].geom;
  assert_int_equal(g->nparts, 2);
  assert_int_equal(im_geom_part_size(g, 0), 3);
  assert_int_equal(im_geom_part_size(g, 1), 4);
  assert_int_equal(l->features[1].geom.nparts, 0);
  assert_int_equal(l->features[1].geom.npoints, 0);
  im_layer_free(l);
  renders("rings", bad("shp/rings-1-to-3-points/x.shp"), NULL);
  assert_int_equal(nwarnings, 0);
}

/* NaN and infinite coordinates are read as they are. Drawn, points whose
 * box (their own coordinates) meets nothing are not even decoded: the map
 * draws the valid point, without a warning. */
static void test_nan_inf_points(void **state) {
  (void)state;
  im_layer *l = load_ok(bad("shp/nan-inf-points/x.shp"));
  assert_int_equal(l->nfeatures, 4);
  assert_true(isnan(l->features[0].geom.xy[0]));
  assert_true(isinf(l->features[1].geom.xy[1]));
  assert_true(isinf(l->features[3].geom.xy[0]));
  im_layer_free(l);
  renders("nan_points", bad("shp/nan-inf-points/x.shp"), NULL);
  assert_int_equal(nwarnings, 0);
}

/* A ring with a NaN vertex and one with an infinite latitude: their boxes
 * (from the record headers) meet the frame, so they are decoded, and the
 * bad vertices are dropped with one warning per feature (counted after the
 * ring is cut and densified, so as 2 points). The rest draws. */
static void test_nan_inf_polygon(void **state) {
  (void)state;
  renders("nan_polygon", bad("shp/nan-inf-polygon/x.shp"), NULL);
  assert_int_equal(nwarnings, 1);
  assert_contains(warnings, "x.shp): 2 features lost 4 points outside the valid longitude/latitude range or the "
                            "projection's domain (the first: feature 0); the points were dropped\n");
}

/* A world map of points in metres without a .prj (taken for degrees: no
 * latitude of millions projects). With one real point the map draws with
 * one warning for the layer, not one per point (299); with none it is
 * refused, saying why, and no file is written. */
static void test_metres_without_prj(void **state) {
  (void)state;
  const char *which[] = {"many", "only"};
  for (int i = 0; i < 2; i++) {
    char yaml[1024], spec[64], png[64];
    snprintf(yaml, sizeof yaml,
             "map:\n  crs: \"+proj=robin\"\n  page: {width: 60mm, height: 40mm, dpi: 72}\n"
             "  extent: {west: -180, east: 180, south: -60, north: 85}\nlayers:\n  - source: %s\n"
             "    marker: {symbol: circle, size: 3pt}\n",
             bad(i ? "shp/metres-only/x.shp" : "shp/metres-many/x.shp"));
    snprintf(spec, sizeof spec, "metres-%s.yaml", which[i]);
    snprintf(png, sizeof png, "metres-%s.png", which[i]);
    char spec_path[4200], png_path[4200];
    snprintf(spec_path, sizeof spec_path, "%s", scratch_path(spec));
    snprintf(png_path, sizeof png_path, "%s", scratch_path(png));
    unlink(png_path);
    assert_true(write_file(spec_path, yaml, strlen(yaml)));
    nwarnings = 0;
    warnings[0] = '\0';
    im_map *map = NULL;
    im_error err;
    assert_ok(im_map_load(spec_path, &map, &err), &err);
    im_status st = im_map_render(map, png_path, NULL, &err);
    im_map_free(map);
    assert_int_equal(nwarnings, 2); /* no .prj; the points */
    assert_contains(warnings, "x.shp: no .prj beside it; assuming WGS 84 longitude/latitude (EPSG:4326)\n");
    assert_contains(warnings, "x.shp): 299 features lost 299 points outside the valid longitude/latitude range or "
                              "the projection's domain (the first: feature 0); the points were dropped\n");
    if (!i) {
      assert_ok(st, &err);
      continue;
    }
    assert_int_equal(st, IM_STATUS_INPUT);
    assert_string_equal(err.file, spec_path);
    assert_string_equal(err.message, "nothing to draw: every feature of every layer (299) lies outside the valid "
                                     "longitude/latitude range or the projection's domain; check the sources' CRS "
                                     "(their .prj) and the map's crs");
    assert_int_equal(access(png_path, F_OK), -1);
  }
}

/* Renders the Americas' countries in crs over extent; returns the warnings
 * about points the projection lost. */
static int lost_point_warnings(const char *name, const char *crs, const char *extent) {
  char yaml[2048], spec[256], png[256];
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: \"%s\"\n  page: {width: 100mm, height: 100mm, dpi: 72}\n  extent: %s\nlayers:\n"
           "  - {source: %s, fill: \"#cccccc\"}\n",
           crs, extent, src_path("shapes/ne_10m_admin_0_countries_americas.shp"));
  snprintf(spec, sizeof spec, "%s.yaml", name);
  snprintf(png, sizeof png, "%s.png", name);
  const char *spec_path = scratch_path(spec);
  assert_true(write_file(spec_path, yaml, strlen(yaml)));
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_load(spec_path, &map, &err), &err);
  nwarnings = 0;
  warnings[0] = '\0';
  assert_ok(im_map_render(map, scratch_path(png), NULL, &err), &err);
  im_map_free(map);
  int n = 0;
  for (const char *w = warnings; (w = strstr(w, "projection's domain")); w++)
    n++;
  return n;
}

/* A normal UTM map of Peru is quiet: the points its projection loses (the
 * United States' Pacific islands, 90° and more from its central meridian,
 * whose record's box spans the Pacific and so meets the frame) are nowhere
 * near the frame. It used to warn. */
static void test_lost_points_only_near_frame(void **state) {
  (void)state;
  assert_int_equal(lost_point_warnings("utm_peru", "EPSG:32718", "{west: -82, east: -68, south: -19, north: 0}"), 0);
  /* An orthographic map, and a near-sided perspective from 3,000 km up
   * (which sees less than a hemisphere), are clipped at their horizon
   * before projecting: they lose nothing. A tilted perspective is not
   * clipped: what lies past its horizon is lost, in the frame, and said. */
  assert_int_equal(lost_point_warnings("ortho_horizon", "+proj=ortho +lat_0=-15 +lon_0=-60",
                                       "{xmin: -6400000, xmax: 6400000, ymin: -6400000, ymax: 6400000}"),
                   0);
  assert_int_equal(lost_point_warnings("nsper_horizon", "+proj=nsper +lat_0=-15 +lon_0=-60 +h=3000000",
                                       "{xmin: -3000000, xmax: 3000000, ymin: -3000000, ymax: 3000000}"),
                   0);
  assert_true(lost_point_warnings("tpers_horizon", "+proj=tpers +lat_0=-15 +lon_0=-60 +h=3000000 +tilt=0",
                                  "{xmin: -3000000, xmax: 3000000, ymin: -3000000, ymax: 3000000}") == 1);
}

/* ---- shapefiles: tables and side files ---- */

/* A header claiming 2^31 - 1 records of 4000 bytes over an empty table:
 * refused before any record is read. */
static void test_dbf_2e31_records_empty(void **state) {
  (void)state;
  load_fails(bad("shp/dbf-2e31-records-empty/x.shp"), bad("shp/dbf-2e31-records-empty/x.dbf"),
             "the table's header claims 2147483647 records of 4000 bytes, but the file (65 bytes) cannot hold the 1 "
             "the shapes need; it is truncated or corrupt");
}

/* The same claim over a table that holds the record the shape needs: the
 * claim alone costs nothing, the layer reads. */
static void test_dbf_2e31_records_enough(void **state) {
  (void)state;
  im_layer *l = load_ok(bad("shp/dbf-2e31-records-enough/x.shp"));
  assert_int_equal(l->nfeatures, 1);
  assert_string_equal(l->features[0].values[0], "n0");
  im_layer_free(l);
  assert_int_equal(nwarnings, 1);
  assert_contains(warnings, "x.dbf: the table has 2147483647 records but the index (.shx) lists 1 shapes");
}

/* An index that lost entries (cut to its first of three): it was read
 * with a warning that the table has more rows, and the two shapes past it
 * were lost. The .shp's records past the index are counted: refused. */
static void test_shx_fewer_than_dbf(void **state) {
  (void)state;
  load_fails(bad("shp/shx-fewer-than-dbf/x.shp"), bad("shp/shx-fewer-than-dbf/x.shx"),
             "lists 1 record but x.shp holds 3: 2 would not be read; rebuild the index (GDAL does with --config "
             "SHAPE_RESTORE_SHX YES)");
}

/* 2^31 read as a signed count: shapelib takes it as no records. */
static void test_dbf_records_negative(void **state) {
  (void)state;
  char want[4200];
  snprintf(want, sizeof want, "the table has 0 records but %s has 1 shapes", bad("shp/dbf-records-negative/x.shp"));
  load_fails(bad("shp/dbf-records-negative/x.shp"), bad("shp/dbf-records-negative/x.dbf"), want);
}

static void test_cpg_unknown_encoding(void **state) {
  (void)state;
  im_layer *l = load_ok(bad("shp/cpg-unknown-encoding/x.shp"));
  assert_int_equal(nwarnings, 1);
  assert_contains(warnings, "x.cpg: unknown encoding 'KLINGON-8'; reading text as UTF-8, or Latin-1 where it is not");
  assert_string_equal(l->encoding_source, "detected");
  assert_string_equal(l->features[0].values[0], "Bogot\xc3\xa1"); /* Latin-1 0xE1 */
  im_layer_free(l);
}

/* The .prj is read as it is; the render names it when PROJ refuses it. */
static void test_prj_not_wkt(void **state) {
  (void)state;
  im_error err;
  assert_int_equal(render_source("prj", bad("shp/prj-not-wkt/x.shp"), NULL, &err), IM_STATUS_INPUT);
  assert_string_equal(err.file, bad("shp/prj-not-wkt/x.prj"));
  /* Not a CRS, so not quoted (it could be any file). */
  assert_string_equal(err.message, "not a CRS: give an EPSG or ESRI code (EPSG:4326), a PROJ string (+proj=...), WKT "
                                   "or PROJJSON (51 bytes)");
}

/* A .cpg and a .prj that are some other file (shadow-like lines): the
 * warning and the error name the files and quote nothing of them. */
static void test_sidecars_are_secrets(void **state) {
  (void)state;
  im_error err;
  assert_int_equal(render_source("secrets", bad("shp/sidecars-are-secrets/x.shp"), NULL, &err), IM_STATUS_INPUT);
  assert_string_equal(err.file, bad("shp/sidecars-are-secrets/x.prj"));
  assert_null(strstr(err.message, "SECRET"));
  assert_null(strstr(err.message, "root"));
  assert_contains(err.message, "not a CRS");
  /* The .cpg is read with the table: a load reads it. */
  im_layer_free(load_ok(bad("shp/sidecars-are-secrets/x.shp")));
  assert_int_equal(nwarnings, 1);
  assert_contains(warnings, "x.cpg: does not name an encoding; reading text as UTF-8, or Latin-1 where it is not");
  assert_null(strstr(warnings, "SECRET"));
  assert_null(strstr(warnings, "root"));
}

/* ---- shapefiles made here: too big to commit ---- */

static void put_be32(FILE *f, uint32_t v) {
  unsigned char b[4] = {v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255};
  assert_int_equal(fwrite(b, 1, 4, f), 4);
}

static void put_le32(FILE *f, uint32_t v) {
  unsigned char b[4] = {v & 255, v >> 8 & 255, v >> 16 & 255, v >> 24};
  assert_int_equal(fwrite(b, 1, 4, f), 4);
}

static void put_doubles(FILE *f, const double *v, size_t n) { assert_int_equal(fwrite(v, sizeof *v, n, f), n); }

static void put_header(FILE *f, uint32_t bytes, int type) {
  put_be32(f, 9994);
  for (int i = 0; i < 5; i++)
    put_be32(f, 0);
  put_be32(f, bytes / 2);
  put_le32(f, 1000);
  put_le32(f, (uint32_t)type);
  const double box[8] = {-80, -40, -30, 10, 0, 0, 0, 0};
  put_doubles(f, box, 8);
}

/* base.shp with one PolyLine of n vertices (a zigzag over South America)
 * and base.shx with nentries entries all pointing at it; no .dbf. */
static void write_big_line(const char *base, size_t n, size_t nentries) {
  char path[4300]; /* base (at most 4200) and a suffix */
  uint32_t content = 4 + 32 + 4 + 4 + 4 + 16 * (uint32_t)n;
  snprintf(path, sizeof path, "%s.shp", base);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  put_header(f, 100 + 8 + content, 3);
  put_be32(f, 1);
  put_be32(f, content / 2);
  put_le32(f, 3);
  const double box[4] = {-75, -30, -45, 0};
  put_doubles(f, box, 4);
  put_le32(f, 1);
  put_le32(f, (uint32_t)n);
  put_le32(f, 0);
  double chunk[2 * 4096];
  for (size_t i = 0; i < n;) {
    size_t k = 0;
    for (; k < 4096 && i < n; k++, i++) {
      chunk[2 * k] = -75 + 30.0 * (double)i / (double)n;
      chunk[2 * k + 1] = i % 2 ? -30 : 0;
    }
    put_doubles(f, chunk, 2 * k);
  }
  assert_int_equal(fclose(f), 0);
  snprintf(path, sizeof path, "%s.shx", base);
  f = fopen(path, "wb");
  assert_non_null(f);
  put_header(f, 100 + 8 * (uint32_t)nentries, 3);
  for (size_t i = 0; i < nentries; i++) {
    put_be32(f, 50);
    put_be32(f, content / 2);
  }
  assert_int_equal(fclose(f), 0);
  snprintf(path, sizeof path, "%s.prj", base);
  unlink(path);
}

/* 10^7 vertices in one shape (160 MB, made here): read whole under the
 * default ceiling of 5 * 10^7, refused under a ceiling of 5 * 10^6. */
static void test_ten_million_vertices(void **state) {
  (void)state;
  const char *base = scratch_path("ten_million");
  write_big_line(base, 10000000, 1);
  char shp[4200];
  snprintf(shp, sizeof shp, "%s.shp", base);
  im_layer *l = load_ok(shp);
  assert_int_equal(l->nfeatures, 1);
  assert_int_equal(l->features[0].geom.npoints, 10000000);
  assert_true(l->features[0].geom.xy[2 * 9999999] > -45.001);
  im_layer_free(l);
  im_limits_set(&(im_limits){.max_vertices = 5000000});
  load_fails(shp, shp,
             "shape 0: the layer has more than 5000000 vertices, influmap's limit for one layer (a ceiling "
             "the host program set)");
  unlink(shp);
  snprintf(shp, sizeof shp, "%s.shx", base);
  unlink(shp);
}

/* A .shx of 20,000 entries (160 KB) all pointing at one shape of 10,000
 * vertices would make 2 * 10^8 vertices (3.2 GB) from 320 KB. The vertex,
 * feature and memory ceilings stopped it at the shape that passed them;
 * the index is now refused first, at its second entry, as one that does
 * not describe the .shp (the ceilings are tested on real records by
 * test_ten_million_vertices, csv_feature_limit and
 * geojson_distinct_properties). */
static void test_shx_entries_all_one_shape(void **state) {
  (void)state;
  const char *base = scratch_path("amplified");
  write_big_line(base, 10000, 20000);
  char shp[4200], shx[4200];
  snprintf(shp, sizeof shp, "%s.shp", base);
  snprintf(shx, sizeof shx, "%s.shx", base);
  load_fails(
      shp, shx,
      "does not match amplified.shp: its entry for shape 1 points at byte 100, but amplified.shp has no shape "
      "1; amplified.shp holds 1 record and the index lists 20000, so records would be misread; rebuild the index "
      "(GDAL does with --config SHAPE_RESTORE_SHX YES)");
}

/* Bytes after the last record that are no record (padding) are said and
 * ignored; an index whose lengths disagree with the records' own headers
 * (two entries swapped in length, the chain still adding up) is refused. */
static void test_shp_padding_and_swapped_lengths(void **state) {
  (void)state;
  const char *base = scratch_path("padded");
  write_big_line(base, 10, 1);
  char shp[4200], shx[4200];
  snprintf(shp, sizeof shp, "%s.shp", base);
  snprintf(shx, sizeof shx, "%s.shx", base);
  FILE *f = fopen(shp, "ab");
  assert_non_null(f);
  put_le32(f, 0);
  assert_int_equal(fclose(f), 0);
  im_layer *l = load_ok(shp);
  assert_int_equal(l->nfeatures, 1);
  im_layer_free(l);
  assert_int_equal(nwarnings, 3); /* and no .prj, no .dbf */
  assert_contains(warnings, "padded.shp: 4 bytes after its last record are not a record; they are ignored");

  /* Two records of 10 and 20 vertices, the index giving 20 then 10. */
  const char *two = scratch_path("swapped");
  char a[4200], b[4200];
  snprintf(a, sizeof a, "%s_a", two);
  snprintf(b, sizeof b, "%s_b", two);
  write_big_line(a, 10, 1);
  write_big_line(b, 20, 1);
  uint32_t len_a = 4 + 32 + 4 + 4 + 4 + 16 * 10, len_b = 4 + 32 + 4 + 4 + 4 + 16 * 20;
  size_t na, nb;
  char pa[4300], pb[4300], out[4300];
  snprintf(pa, sizeof pa, "%s.shp", a);
  snprintf(pb, sizeof pb, "%s.shp", b);
  char *da = read_file(pa, &na), *db = read_file(pb, &nb);
  assert_non_null(da);
  assert_non_null(db);
  snprintf(out, sizeof out, "%s.shp", two);
  f = fopen(out, "wb");
  assert_non_null(f);
  put_header(f, 100 + 8 + len_a + 8 + len_b, 3);
  assert_int_equal(fwrite(da + 100, 1, na - 100, f), na - 100);
  db[100 + 3] = 2; /* record number 2 */
  assert_int_equal(fwrite(db + 100, 1, nb - 100, f), nb - 100);
  assert_int_equal(fclose(f), 0);
  free(da);
  free(db);
  snprintf(out, sizeof out, "%s.shx", two);
  f = fopen(out, "wb");
  assert_non_null(f);
  put_header(f, 100 + 16, 3);
  put_be32(f, 50);
  put_be32(f, len_b / 2);
  put_be32(f, (100 + 8 + len_b) / 2);
  put_be32(f, len_a / 2);
  assert_int_equal(fclose(f), 0);
  snprintf(out, sizeof out, "%s.shp", two);
  snprintf(shx, sizeof shx, "%s.shx", two);
  load_fails(out, shx,
             "does not match swapped.shp: its entry for shape 0 says 368 bytes, but the record at byte 100 has 208; "
             "swapped.shp holds 2 records and the index lists 2, so records would be misread; rebuild the index");
}

/* ---- the fuzzers' finds ---- */

/* fuzz_shapefile's framing (tests/fuzz/fuzz_shapefile.c) unpacked into
 * files base.shp, .shx, .dbf, .prj, .cpg; returns the flags byte. */
static unsigned unpack_shapefile(const char *input, const char *base) {
  size_t size;
  unsigned char *data = (unsigned char *)read_file(input, &size);
  assert_non_null(data);
  assert_true(size >= 1);
  static const char *const suffixes[] = {"shp", "shx", "dbf", "prj", "cpg"};
  size_t pos = 1;
  for (int i = 0; i < 5; i++) {
    char path[4200];
    snprintf(path, sizeof path, "%s.%s", base, suffixes[i]);
    unlink(path);
    if (size - pos < 4)
      continue;
    uint32_t len = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16 | (uint32_t)data[pos + 3] << 24;
    pos += 4;
    if (len == 0xFFFFFFFFu)
      continue;
    if (len > size - pos)
      len = (uint32_t)(size - pos);
    assert_true(write_file(path, (const char *)data + pos, len));
    pos += len;
  }
  unsigned flags = data[0];
  free(data);
  return flags;
}

/* A record whose type has its top bit set was read into an int by a
 * left shift into the sign bit (UBSan): now read as unsigned. The box
 * query reads the record headers; shapelib then takes the record as a
 * null shape, which is skipped. */
static void test_fuzz_record_type_shift(void **state) {
  (void)state;
  const char *base = scratch_path("record_type_shift");
  unsigned flags = unpack_shapefile(bad("fuzz/shapefile/record-type-shift"), base);
  assert_int_equal(flags & 1, 1);
  char shp[4200];
  snprintf(shp, sizeof shp, "%s.shp", base);
  im_layer_query q = {.nboxes = 1, .boxes = {{-80, -40, -30, 10}}};
  im_layer *l = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_layer_load_shapefile(shp, &q, &l, &err), &err);
  assert_int_equal(l->total_records, 1);
  assert_int_equal(l->nfeatures, 0);
  im_layer_free(l);
}

/* ---- GeoJSON ---- */

static void test_geojson_nested_10000(void **state) {
  (void)state;
  const char *p = bad("geojson/nested-10000.geojson");
  load_fails(p, p, "invalid JSON: maximum parsing depth reached");
}

static void test_geojson_nan(void **state) {
  (void)state;
  const char *p = bad("geojson/nan.geojson");
  load_fails(p, p, "invalid JSON: invalid token");
}

/* A file that is not JSON is not quoted: jansson's "near '...'" is left
 * out, the place is given. */
static void test_geojson_secret(void **state) {
  (void)state;
  const char *p = bad("geojson/secret.geojson");
  im_layer *layer = NULL;
  im_error err;
  assert_int_equal(im_layer_load(p, NULL, &layer, &err), IM_STATUS_INPUT);
  assert_string_equal(err.message, "invalid JSON: '[' or '{' expected");
  assert_int_equal(err.line, 1);
  assert_int_equal(err.column, 1);
}

/* Features with no properties at all: a layer without fields draws (once a
 * memcpy from its NULL field array, which UBSan reports). */
static void test_geojson_no_properties(void **state) {
  (void)state;
  static const char json[] = "{\"type\":\"FeatureCollection\",\"features\":["
                             "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[-77.2,-11.6]}},"
                             "{\"type\":\"Feature\",\"properties\":null,"
                             "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[-77,-12],[-70,-33]]}}]}";
  const char *p = scratch_path("no-properties.geojson");
  assert_true(write_file(p, json, sizeof json - 1));
  renders("no-properties", p, "");
}

static void test_geojson_overflow(void **state) {
  (void)state;
  const char *p = bad("geojson/overflow.geojson");
  load_fails(p, p, "invalid JSON: real number overflow");
}

/* Features each bringing a new property make every feature's values as
 * long as the whole field list: quadratic memory. Counted, and refused. */
static void test_geojson_distinct_properties(void **state) {
  (void)state;
  const char *path = scratch_path("distinct.geojson");
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs("{\"type\":\"FeatureCollection\",\"features\":[", f);
  for (int i = 0; i < 3000; i++)
    fprintf(f,
            "%s{\"type\":\"Feature\",\"properties\":{\"p%d\":%d},\"geometry\":{\"type\":\"Point\","
            "\"coordinates\":[-70,-12]}}",
            i ? "," : "", i, i);
  fputs("]}", f);
  assert_int_equal(fclose(f), 0);
  im_layer *l = load_ok(path);
  assert_int_equal(l->nfields, 3000);
  im_layer_free(l);
  im_limits_set(&(im_limits){.max_layer_mb = 40});
  load_fails(path, path,
             "3000 features with 3000 distinct properties: the layer needs more than 40 MiB of memory, influmap's "
             "limit for one layer (a ceiling the host program set)");
  im_limits_set(&(im_limits){.max_layer_mb = 20});
  load_fails(path, path, "feature 2267: the layer needs more than 20 MiB of memory");
}

/* jansson held a file at ~35 times its size, so a file past 1/32 of the
 * layer's memory ceiling was refused before it was parsed. Read a feature
 * at a time, the 44 events (0.04 MiB) read under a ceiling of 1 MiB. */
static void test_geojson_under_a_small_ceiling(void **state) {
  (void)state;
  const char *p = src_path("shapes/influence/events.geojson");
  im_limits_set(&(im_limits){.max_layer_mb = 1});
  im_layer *l = load_ok(p);
  im_limits_set(NULL);
  assert_int_equal(l->nfeatures, 44);
  im_layer_free(l);
}

/* Labels of 1 MB on a point, a line, a polygon, and one of 500,000 lines:
 * Pango lays text out in time quadratic in its lines, and a line label
 * walked its glyphs quadratically. Cut to the label ceiling, one warning;
 * the map draws in well under a second. */
static void test_labels_1mb(void **state) {
  (void)state;
  const char *path = scratch_path("labels.geojson");
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  const char *geoms[] = {"{\"type\":\"Point\",\"coordinates\":[-70,-12]}",
                         "{\"type\":\"LineString\",\"coordinates\":[[-85,-30],[-35,-30]]}",
                         "{\"type\":\"Polygon\",\"coordinates\":[[[-80,-25],[-60,-25],[-60,-5],[-80,-25]]]}",
                         "{\"type\":\"Point\",\"coordinates\":[-50,0]}"};
  fputs("{\"type\":\"FeatureCollection\",\"features\":[", f);
  for (int i = 0; i < 4; i++) {
    fprintf(f, "%s{\"type\":\"Feature\",\"properties\":{\"name\":\"", i ? "," : "");
    for (int k = 0; k < 200000; k++)
      fputs(i == 3 ? "a\\nb\\nc" : "Lim\xc3\xa1 ", f); /* 6 bytes each, a 2-byte character last but one */
    fprintf(f, "\"},\"geometry\":%s}", geoms[i]);
  }
  fputs("]}", f);
  assert_int_equal(fclose(f), 0);
  renders("labels", path, "    label: {text: \"{name}\"}\n");
  assert_int_equal(nwarnings, 1);
  /* Byte 4096 is the second of an "á" (4096 = 682 * 6 + 4): the cut moves
   * back to the character's start. */
  assert_contains(warnings, "a label of 1200000 bytes was cut to 4095, influmap's limit for one label (raise it with "
                            "INFLUMAP_MAX_LABEL_BYTES)");
}

/* Past the label ceiling the rest go unlabelled, with one warning. */
static void test_label_count_limit(void **state) {
  (void)state;
  im_limits_set(&(im_limits){.max_labels = 5});
  renders("label_count", src_path("shapes/influence/events.geojson"), "    label: {text: \"{name}\"}\n");
  assert_int_equal(nwarnings, 1);
  assert_contains(warnings, "more than 5 labels on one map, influmap's limit: the rest are left out (a ceiling the "
                            "host program set)");
}

/* ---- CSV ---- */

static void test_csv_nan(void **state) {
  (void)state;
  load_fails(bad("csv/nan.csv"), bad("csv/nan.csv"), "lon 'nan' is not a number");
}

static void test_csv_overflow(void **state) {
  (void)state;
  load_fails(bad("csv/overflow.csv"), bad("csv/overflow.csv"), "lat '1e999' is not a number");
}

/* A quoted field of 10 MB (with line breaks in it) is one value. */
static void test_csv_10mb_field(void **state) {
  (void)state;
  const char *path = scratch_path("big_field.csv");
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs("lon,lat,note\n-70,-12,\"", f);
  for (int i = 0; i < 1000000; i++)
    fputs(i % 1000 == 999 ? "abcdefghi\n" : "abcdefghij", f);
  fputs("\"\n-71,-13,short\n", f);
  assert_int_equal(fclose(f), 0);
  im_layer *l = load_ok(path);
  assert_int_equal(l->nfeatures, 2);
  assert_int_equal(strlen(l->features[0].values[0]), 10000000);
  assert_int_equal(l->features[1].line, 1003);
  im_layer_free(l);
  im_limits_set(&(im_limits){.max_layer_mb = 5});
  load_fails(path, path, "the layer needs more than 5 MiB of memory");
}

/* A 1 MB header of 150,000 columns: the check that no two share a name
 * compared every pair (10^10 comparisons, half a minute per 1.4 MB); now
 * sorted. The pair named is the one met first reading left to right. */
static void test_csv_150000_columns(void **state) {
  (void)state;
  const char *path = scratch_path("wide.csv");
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs("lon,lat", f);
  for (int i = 0; i < 150000; i++)
    fprintf(f, ",c%d", i);
  fputs(",LAT,C7\n-70,-12", f);
  for (int i = 0; i < 150002; i++)
    fputs(",x", f);
  fputs("\n", f);
  assert_int_equal(fclose(f), 0);
  load_fails(path, path, "the header names column 2 'lat' and column 150003 'LAT'; names must differ");
}

static void test_csv_feature_limit(void **state) {
  (void)state;
  const char *p = src_path("shapes/influence/events.csv");
  im_limits_set(&(im_limits){.max_features = 3});
  im_layer *layer = NULL;
  im_error err;
  im_error_clear(&err);
  assert_int_equal(im_layer_load(p, NULL, &layer, &err), IM_STATUS_INPUT);
  assert_int_equal(err.line, 5); /* the header, then three records */
  /* im_limits_set is the program's: the reader is not sent to a variable. */
  assert_string_equal(err.message, "the layer has more than 3 features, influmap's limit for one layer (a ceiling the "
                                   "host program set)");
}

/* ---- YAML ---- */

static void map_fails(const char *path, int line, int column, const char *want) {
  im_map *map = (im_map *)&map;
  im_error err;
  im_error_clear(&err);
  im_status st = im_map_load(path, &map, &err);
  if (st != IM_STATUS_INPUT || strcmp(err.message, want) || err.line != line || err.column != column) {
    print_error("%s: status %d at %d:%d, '%s'; expected bad input at %d:%d: '%s'\n", path, st, err.line, err.column,
                err.message, line, column, want);
    fail();
  }
  assert_null(map);
  assert_string_equal(err.file, path);
}

/* A spec that includes a file that is no style sheet, and such a file
 * rendered as a spec: the message says what the file is not and quotes
 * nothing of it (once a spec's shadow file gave "unknown key 'root:$6$...'"). */
static void test_yaml_not_a_spec(void **state) {
  (void)state;
  static const char want[] = "none of its top-level keys is one of include, palettes, styles, map, layers, legend, "
                             "scalebar, north_arrow, graticule, inset, key, multiples";
  const char *const shadow = bad("yaml/shadow"), *const passwd = bad("yaml/passwd");
  struct {
    const char *spec, *file, *message;
    int line, column;
  } cases[] = {
      {bad("yaml/include-shadow.yaml"), shadow, "not a style sheet: ", 0, 0},
      {shadow, shadow, "not a map spec: ", 0, 0},
      {bad("yaml/include-passwd.yaml"), passwd, "not a style sheet: its top level is not a mapping", 1, 1},
      {passwd, passwd, "not a map spec: its top level is not a mapping", 1, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    im_map *map = NULL;
    im_error err;
    im_error_clear(&err);
    assert_int_equal(im_map_load(cases[i].spec, &map, &err), IM_STATUS_INPUT);
    assert_null(map);
    assert_string_equal(err.file, cases[i].file);
    assert_int_equal(err.line, cases[i].line);
    assert_int_equal(err.column, cases[i].column);
    assert_contains(err.message, cases[i].message);
    if (!cases[i].line)
      assert_contains(err.message, want);
    assert_null(strstr(err.message, "root"));
    assert_null(strstr(err.message, "SECRET"));
    assert_null(strstr(err.message, "daemon"));
  }
}

static void test_yaml_nested_10000(void **state) {
  (void)state;
  map_fails(bad("yaml/nested-10000.yaml"), 2, 72, "YAML: nested more than 64 deep");
}

/* A spec of 4 MiB of one character, written to scratch. */
static const char *four_mib_of(const char *name, const char *start, const char *unit) {
  const char *path = scratch_path(name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  size_t n = fputs(start, f) >= 0 ? strlen(start) : 0;
  for (; n + strlen(unit) <= (4u << 20) - 16; n += strlen(unit))
    fputs(unit, f);
  assert_int_equal(fclose(f), 0);
  return path;
}

/* libfyaml queues the tokens of a flow collection that could be a key
 * (~350 bytes for each byte of text) until it sees whether a ':' follows:
 * 4 MiB of '{' took 1.47 GB before the "more than 250000 values" refusal,
 * at no line:column. Now the depth is counted as the events come. */
static void test_yaml_4mib_of_braces(void **state) {
  (void)state;
  map_fails(four_mib_of("braces.yaml", "", "{"), 1, 65, "YAML: nested more than 64 deep");
  map_fails(four_mib_of("dashes.yaml", "", "- "), 1, 129, "YAML: nested more than 64 deep");
}

/* A flat unclosed list where a key may stand, the same queueing without
 * depth (873 MB): the parser is fed no more than 32 KiB past the last
 * value it delivered, and the place where that was crossed is named. */
static void test_yaml_4mib_unclosed_list(void **state) {
  (void)state;
  map_fails(four_mib_of("list.yaml", "[", "a,"), 1, 32769,
            "YAML: more than 32 KiB read without a complete value since line 1, column 1: an unclosed [ or {, or a "
            "value longer than influmap reads (a [ ] or { } that long, a spec written as JSON among them, must be "
            "broken into lines)");
}

/* Specs are UTF-8: a Latin-1 byte is named at its line:column. */
static void test_yaml_latin1(void **state) {
  (void)state;
  map_fails(bad("yaml/latin1.yaml"), 2, 15,
            "invalid UTF-8 (byte 0xE1), perhaps Latin-1 or Windows-1252; save the file as UTF-8");
}

/* "%\xA8": libfyaml 0.7 loops for ever on a directive with an invalid
 * byte (fuzz_spec's first timeout). Refused before libfyaml sees it. */
static void test_fuzz_spec_directive_invalid_utf8(void **state) {
  (void)state;
  map_fails(bad("fuzz/spec/directive-invalid-utf8"), 1, 2,
            "invalid UTF-8 (byte 0xA8), perhaps Latin-1 or Windows-1252; save the file as UTF-8");
}

/* Nine levels of ten aliases each: 10^9 values if followed. */
static void test_yaml_billion_laughs(void **state) {
  (void)state;
  map_fails(bad("yaml/billion-laughs.yaml"), 0, 0,
            "aliases expand the document to more than 250000 values, or nest more than 128 deep (each use of an "
            "alias is read as its whole anchor): use fewer aliases");
}

/* libfyaml compares each anchor with every earlier one while it builds a
 * document (100,000 anchors: 18 s): counted before the build. */
static void test_yaml_many_anchors(void **state) {
  (void)state;
  map_fails(bad("yaml/anchors-300.yaml"), 259, 18,
            "the document has more than 256 anchors (&name), more than influmap reads in one file");
}

/* libfyaml compares each key of a mapping with every earlier one (20,000
 * keys: 16 s): keys are checked by sorting instead, and the repeat is
 * still named at its line:column. */
static void test_yaml_120000_keys(void **state) {
  (void)state;
  const char *path = scratch_path("keys.yaml");
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs("palettes:\n  p:\n", f);
  for (int i = 0; i < 120000; i++)
    fprintf(f, "    k%d: red\n", i);
  fputs("    k5: blue\n", f);
  assert_int_equal(fclose(f), 0);
  map_fails(path, 120003, 5, "YAML: duplicate key");
}

/* 300,000 values without an alias: past the ceiling, said as such. */
static void test_yaml_300000_values(void **state) {
  (void)state;
  const char *path = scratch_path("values.yaml");
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs("layers: [{}", f);
  for (int i = 1; i < 300000; i++)
    fputs(",{}", f);
  fputs("]\n", f);
  assert_int_equal(fclose(f), 0);
  map_fails(path, 1, 750001, "the document has more than 250000 values, more than influmap reads in one file");
}

/* The read-ahead ceiling leaves a long spec written as JSON alone once it
 * is broken into lines (a key cannot span lines, so libfyaml stops
 * queueing): 4,000 palette entries, 100 KB. */
static void test_yaml_long_json_in_lines(void **state) {
  (void)state;
  const char *path = scratch_path("long.json.yaml");
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs("{\"map\": {\"crs\": \"EPSG:4326\"},\n \"palettes\": {\"p\": {\n", f);
  for (int i = 0; i < 4000; i++)
    fprintf(f, "  \"country number %d\": \"#d55e00\",\n", i);
  fprintf(f, "  \"last\": \"#000000\"}},\n \"layers\": [{\"source\": \"%s\"}]}\n",
          src_path("shapes/ne_10m_admin_0_countries_americas.shp"));
  long size = ftell(f);
  assert_int_equal(fclose(f), 0);
  assert_true(size > 100000);
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_load(path, &map, &err), &err);
  im_map_free(map);
}

/* A layer list of 100 aliases of one layer reads as 100 layers. */
static void test_yaml_layer_aliases(void **state) {
  (void)state;
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_load(bad("yaml/layer-aliases.yaml"), &map, &err), &err);
  assert_int_equal(map->nlayers, 100);
  im_map_free(map);
  im_limits_set(&(im_limits){.max_layers = 99});
  map_fails(bad("yaml/layer-aliases.yaml"), 3, 9,
            "the spec has 100 layers; influmap draws at most 99 in one map (a ceiling the host program set)");
}

/* ---- limits ---- */

static void test_limits_defaults_and_set(void **state) {
  (void)state;
  im_limits l = im_limits_get(); /* no INFLUMAP_MAX_* in ctest's environment */
  assert_int_equal(l.max_vertices, IM_DEFAULT_MAX_VERTICES);
  assert_int_equal(l.max_features, IM_DEFAULT_MAX_FEATURES);
  assert_int_equal(l.max_layer_mb, IM_DEFAULT_MAX_LAYER_MB);
  assert_int_equal(l.max_layers, IM_DEFAULT_MAX_LAYERS);
  assert_int_equal(l.max_labels, IM_DEFAULT_MAX_LABELS);
  assert_int_equal(l.max_label_bytes, IM_DEFAULT_MAX_LABEL_BYTES);
  im_limits_set(&(im_limits){.max_labels = 7});
  l = im_limits_get();
  assert_int_equal(l.max_labels, 7);
  assert_int_equal(l.max_vertices, IM_DEFAULT_MAX_VERTICES); /* 0: the default */
  im_limits_set(NULL);
  assert_int_equal(im_limits_get().max_labels, IM_DEFAULT_MAX_LABELS);
}

/* ---- the command line ---- */

/* Runs the CLI with env (NAME=VALUE or NULL) and args; returns the exit
 * code, stderr in err (truncated). */
static int run_cli(const char *env, const char *args, char *err, size_t size) {
  char cmd[8192];
  const char *errf = scratch_path("cli.stderr");
  if (snprintf(cmd, sizeof cmd, "%s %s %s >/dev/null 2>%s", env ? env : "", IM_CLI, args, errf) >= (int)sizeof cmd)
    fail_msg("command too long: %s", args);
  int st = system(cmd);
  size_t n;
  char *text = read_file(errf, &n);
  snprintf(err, size, "%s", text ? text : "");
  free(text);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int count_lines(const char *s) {
  int n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

static void test_cli(void **state) {
  (void)state;
  char err[8192], args[8192];
  /* Bad input: exit 1, one line naming the file. */
  snprintf(args, sizeof args, "info %s", bad("shp/shx-header-oversized/x.shp"));
  assert_int_equal(run_cli(NULL, args, err, sizeof err), 1);
  assert_int_equal(count_lines(err), 1);
  assert_contains(err, "x.shx: the header says the index is 4294967294 bytes long");
  snprintf(args, sizeof args, "validate %s", bad("yaml/billion-laughs.yaml"));
  assert_int_equal(run_cli(NULL, args, err, sizeof err), 1);
  assert_int_equal(count_lines(err), 1);
  assert_contains(err, "billion-laughs.yaml: aliases expand the document to more than 250000 values");
  /* Ceilings from the environment. */
  snprintf(args, sizeof args, "info %s", src_path("shapes/ne_10m_ports_americas.shp"));
  assert_int_equal(run_cli("INFLUMAP_MAX_FEATURES=2", args, err, sizeof err), 1);
  assert_contains(err, "ne_10m_ports_americas.shp: shape 2: the layer has more than 2 features, influmap's limit for "
                       "one layer (raise it with INFLUMAP_MAX_FEATURES)");
  assert_int_equal(run_cli("INFLUMAP_MAX_FEATURES=lots", args, err, sizeof err), 0);
  assert_string_equal(err, "influmap: warning: INFLUMAP_MAX_FEATURES='lots' is not a positive whole number; using "
                           "5000000\n");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_shp_header_short),
      T(test_shx_header_short),
      T(test_shx_header_oversized),
      T(test_shp_header_oversized),
      T(test_shp_not_a_shapefile),
      T(test_record_offset_past_end),
      T(test_shx_into_records),
      T(test_shp_padding_and_swapped_lengths),
      T(test_record_length_past_end),
      T(test_parts_negative),
      T(test_vertices_negative),
      T(test_vertices_oversized),
      T(test_parts_out_of_order),
      T(test_part_start_past_end),
      T(test_rings_1_to_3_points),
      T(test_nan_inf_points),
      T(test_nan_inf_polygon),
      T(test_lost_points_only_near_frame),
      T(test_metres_without_prj),
      T(test_dbf_2e31_records_empty),
      T(test_dbf_2e31_records_enough),
      T(test_shx_fewer_than_dbf),
      T(test_dbf_records_negative),
      T(test_cpg_unknown_encoding),
      T(test_prj_not_wkt),
      T(test_sidecars_are_secrets),
      T(test_ten_million_vertices),
      T(test_shx_entries_all_one_shape),
      T(test_fuzz_record_type_shift),
      T(test_geojson_nested_10000),
      T(test_geojson_nan),
      T(test_geojson_secret),
      T(test_geojson_no_properties),
      T(test_geojson_overflow),
      T(test_geojson_distinct_properties),
      T(test_geojson_under_a_small_ceiling),
      T(test_labels_1mb),
      T(test_label_count_limit),
      T(test_csv_nan),
      T(test_csv_overflow),
      T(test_csv_10mb_field),
      T(test_csv_150000_columns),
      T(test_csv_feature_limit),
      T(test_yaml_not_a_spec),
      T(test_yaml_nested_10000),
      T(test_yaml_4mib_of_braces),
      T(test_yaml_4mib_unclosed_list),
      T(test_yaml_long_json_in_lines),
      T(test_yaml_latin1),
      T(test_fuzz_spec_directive_invalid_utf8),
      T(test_yaml_billion_laughs),
      T(test_yaml_many_anchors),
      T(test_yaml_120000_keys),
      T(test_yaml_300000_values),
      T(test_yaml_layer_aliases),
      T(test_limits_defaults_and_set),
      T(test_cli),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
