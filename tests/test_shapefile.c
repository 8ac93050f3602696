/* The shapefile reader against fixtures written here with shapelib's own
 * writer: every shape type, DBF encodings, .prj handling, box queries and
 * the errors a broken file must give. Fixtures are made at test time so each
 * case states exactly the bytes it reads. */
#include "support.h"
#include <sys/stat.h>

#include <math.h>
#include <shapefil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/utf8-private.h"
#include "io/encoding-private.h"

/* cmocka's float assertions go through float; coordinates need double. */
#define assert_near(a, b, eps) assert_near_at((a), (b), (eps), __FILE__, __LINE__)
static void assert_near_at(double a, double b, double eps, const char *file, int line) {
  if (!(fabs(a - b) <= eps)) {
    print_error("%s:%d: %.17g != %.17g (tolerance %g)\n", file, line, a, b, eps);
    fail();
  }
}

/* ---- warnings ---- */

/* Warnings are counted rather than printed, so a test can say how many a
 * load should give (none, unless it is about a missing file). */
static int nwarnings;
static char last_warning[2048];

static void count_warning(void *user, const char *message) {
  (void)user;
  nwarnings++;
  snprintf(last_warning, sizeof last_warning, "%s", message);
}

static int setup(void **state) {
  (void)state;
  nwarnings = 0;
  last_warning[0] = '\0';
  im_warning_set_handler(count_warning, NULL);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  im_warning_set_handler(NULL, NULL);
  return 0;
}

/* ---- fixtures ---- */

typedef struct {
  char base[4096];
  char shp[4200], shx[4200], dbf[4200], prj[4200], cpg[4200];
} fixture;

/* Names a fixture in the scratch folder and removes what an earlier run
 * left there, since a stale .cpg or .prj would change what is read. */
static void fixture_init(fixture *fx, const char *name) {
  snprintf(fx->base, sizeof fx->base, "%s", scratch_path(name));
  snprintf(fx->shp, sizeof fx->shp, "%s.shp", fx->base);
  snprintf(fx->shx, sizeof fx->shx, "%s.shx", fx->base);
  snprintf(fx->dbf, sizeof fx->dbf, "%s.dbf", fx->base);
  snprintf(fx->prj, sizeof fx->prj, "%s.prj", fx->base);
  snprintf(fx->cpg, sizeof fx->cpg, "%s.cpg", fx->base);
  unlink(fx->shp);
  unlink(fx->shx);
  unlink(fx->dbf);
  unlink(fx->prj);
  unlink(fx->cpg);
}

/* Writes the objects (and destroys them). */
static void write_shapes(const fixture *fx, int type, SHPObject **objs, int n) {
  SHPHandle h = SHPCreate(fx->shp, type);
  assert_non_null(h);
  for (int i = 0; i < n; i++) {
    assert_true(SHPWriteObject(h, -1, objs[i]) >= 0);
    SHPDestroyObject(objs[i]);
  }
  SHPClose(h);
}

static SHPObject *make_object(int type, int nparts, const int *starts, const int *part_types, int n, const double *x,
                              const double *y) {
  /* Z and M carry values the reader must ignore, not zeros it could mistake
   * for coordinates. */
  double z[64], m[64];
  assert_true(n <= 64);
  for (int i = 0; i < n; i++) {
    z[i] = 1000 + i;
    m[i] = 2000 + i;
  }
  SHPObject *o = SHPCreateObject(type, -1, nparts, starts, part_types, n, x, y, z, m);
  assert_non_null(o);
  return o;
}

static SHPObject *make_point(int type, double x, double y) { return make_object(type, 0, NULL, NULL, 1, &x, &y); }

static SHPObject *make_null(void) {
  SHPObject *o = SHPCreateObject(SHPT_NULL, -1, 0, NULL, NULL, 0, NULL, NULL, NULL, NULL);
  assert_non_null(o);
  return o;
}

/* A DBF with one string field NAME holding names (raw bytes, whatever the
 * encoding). codepage is passed to DBFCreateEx; NULL uses DBFCreate. */
static void write_names_dbf(const fixture *fx, const char *codepage, const char *const *names, int n) {
  DBFHandle d = codepage ? DBFCreateEx(fx->dbf, codepage) : DBFCreate(fx->dbf);
  assert_non_null(d);
  assert_int_equal(DBFAddField(d, "NAME", FTString, 40, 0), 0);
  for (int i = 0; i < n; i++)
    assert_true(DBFWriteStringAttribute(d, i, 0, names[i]));
  DBFClose(d);
}

static void write_text(const char *path, const char *text) { assert_true(write_file(path, text, strlen(text))); }

/* n points at (x[i], y[i]). */
static void write_points(const fixture *fx, const double *x, const double *y, int n) {
  SHPObject *objs[16];
  assert_true(n <= 16);
  for (int i = 0; i < n; i++)
    objs[i] = make_point(SHPT_POINT, x[i], y[i]);
  write_shapes(fx, SHPT_POINT, objs, n);
}

static const char wgs84_esri_wkt[] =
    "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],"
    "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";

static im_layer *load(const char *path, const im_layer_query *q) {
  im_layer *layer = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_layer_load_shapefile(path, q, &layer, &err), &err);
  assert_non_null(layer);
  return layer;
}

/* Loads a file that must fail as bad input; returns the error. */
static im_error load_fails(const char *path) {
  im_layer *layer = (im_layer *)&layer; /* must be reset to NULL */
  im_error err;
  im_error_clear(&err);
  im_status st = im_layer_load_shapefile(path, NULL, &layer, &err);
  assert_int_equal(st, IM_STATUS_INPUT);
  assert_int_equal(err.status, IM_STATUS_INPUT);
  assert_null(layer);
  return err;
}

static void assert_xy(const im_geom *g, size_t i, double x, double y) {
  assert_true(i < g->npoints);
  assert_near(g->xy[2 * i], x, 1e-12);
  assert_near(g->xy[2 * i + 1], y, 1e-12);
}

/* Twice the signed area of part p: > 0 counter-clockwise. */
static double part_area(const im_geom *g, size_t p) {
  size_t start = g->parts[p], n = im_geom_part_size(g, p);
  double a = 0;
  for (size_t i = 0; i < n; i++) {
    const double *u = g->xy + 2 * (start + i), *v = g->xy + 2 * (start + (i + 1) % n);
    a += u[0] * v[1] - v[0] * u[1];
  }
  return a;
}

static bool part_closed(const im_geom *g, size_t p) {
  size_t start = g->parts[p], n = im_geom_part_size(g, p);
  return n > 0 && g->xy[2 * start] == g->xy[2 * (start + n - 1)] &&
         g->xy[2 * start + 1] == g->xy[2 * (start + n - 1) + 1];
}

/* ---- shape types ---- */

static void test_point_types(void **state) {
  (void)state;
  static const int types[] = {SHPT_POINT, SHPT_POINTZ, SHPT_POINTM};
  static const char *const names[] = {"Point", "PointZ", "PointM"};
  for (size_t t = 0; t < 3; t++) {
    fixture fx;
    fixture_init(&fx, "points");
    SHPObject *objs[] = {make_point(types[t], -70.5, -12.25), make_point(types[t], 120, 30.125)};
    write_shapes(&fx, types[t], objs, 2);
    write_text(fx.prj, wgs84_esri_wkt);
    im_layer *l = load(fx.shp, NULL);
    assert_int_equal(l->shape_type, types[t]);
    assert_string_equal(im_shape_type_name(l->shape_type), names[t]);
    assert_int_equal(l->total_records, 2);
    assert_int_equal(l->nfeatures, 2);
    for (size_t i = 0; i < 2; i++) {
      const im_geom *g = &l->features[i].geom;
      assert_int_equal(l->features[i].fid, (long)i);
      assert_int_equal(g->kind, IM_GEOM_POINT);
      assert_false(g->nonzero);
      assert_int_equal(g->nparts, 1);
      assert_int_equal(g->npoints, 1);
    }
    assert_xy(&l->features[0].geom, 0, -70.5, -12.25);
    assert_xy(&l->features[1].geom, 0, 120, 30.125);
    /* The header's box covers both points. */
    assert_near(l->file_bbox.minx, -70.5, 0);
    assert_near(l->file_bbox.maxx, 120, 0);
    assert_near(l->file_bbox.miny, -12.25, 0);
    assert_near(l->file_bbox.maxy, 30.125, 0);
    im_layer_free(l);
  }
  /* No .dbf here: one warning per load says so. */
  assert_int_equal(nwarnings, 3);
  assert_non_null(strstr(last_warning, ".dbf"));
}

static void test_multipoint_types(void **state) {
  (void)state;
  static const int types[] = {SHPT_MULTIPOINT, SHPT_MULTIPOINTZ, SHPT_MULTIPOINTM};
  static const char *const names[] = {"MultiPoint", "MultiPointZ", "MultiPointM"};
  static const double x[] = {-75, -74, -73}, y[] = {4, 5, 6};
  for (size_t t = 0; t < 3; t++) {
    fixture fx;
    fixture_init(&fx, "multipoints");
    SHPObject *objs[] = {make_object(types[t], 0, NULL, NULL, 3, x, y)};
    write_shapes(&fx, types[t], objs, 1);
    write_text(fx.prj, wgs84_esri_wkt);
    im_layer *l = load(fx.shp, NULL);
    assert_string_equal(im_shape_type_name(l->shape_type), names[t]);
    assert_int_equal(l->nfeatures, 1);
    const im_geom *g = &l->features[0].geom;
    assert_int_equal(g->kind, IM_GEOM_POINT);
    assert_int_equal(g->nparts, 1);
    assert_int_equal(g->npoints, 3);
    for (size_t i = 0; i < 3; i++)
      assert_xy(g, i, x[i], y[i]);
    im_layer_free(l);
  }
}

static void test_polyline_types(void **state) {
  (void)state;
  static const int types[] = {SHPT_ARC, SHPT_ARCZ, SHPT_ARCM};
  static const char *const names[] = {"PolyLine", "PolyLineZ", "PolyLineM"};
  static const int starts[] = {0, 3};
  static const double x[] = {0, 1, 2, 10, 11}, y[] = {0, 1, 0, 5, 6};
  for (size_t t = 0; t < 3; t++) {
    fixture fx;
    fixture_init(&fx, "lines");
    SHPObject *objs[] = {make_object(types[t], 2, starts, NULL, 5, x, y)};
    write_shapes(&fx, types[t], objs, 1);
    write_text(fx.prj, wgs84_esri_wkt);
    im_layer *l = load(fx.shp, NULL);
    assert_string_equal(im_shape_type_name(l->shape_type), names[t]);
    assert_int_equal(l->nfeatures, 1);
    const im_geom *g = &l->features[0].geom;
    assert_int_equal(g->kind, IM_GEOM_LINE);
    assert_int_equal(g->nparts, 2);
    assert_int_equal(g->npoints, 5);
    assert_int_equal(im_geom_part_size(g, 0), 3);
    assert_int_equal(im_geom_part_size(g, 1), 2);
    assert_int_equal(g->parts[1], 3);
    for (size_t i = 0; i < 5; i++)
      assert_xy(g, i, x[i], y[i]);
    im_layer_free(l);
  }
}

static void test_polygon_types(void **state) {
  (void)state;
  static const int types[] = {SHPT_POLYGON, SHPT_POLYGONZ, SHPT_POLYGONM};
  static const char *const names[] = {"Polygon", "PolygonZ", "PolygonM"};
  /* An outer ring (clockwise, as shapefiles store them), a hole in it
   * (counter-clockwise) and a second outer ring. */
  static const int starts[] = {0, 5, 10};
  static const double x[] = {0, 0, 10, 10, 0, 2, 4, 4, 2, 2, 20, 20, 25, 25, 20};
  static const double y[] = {0, 10, 10, 0, 0, 2, 2, 4, 4, 2, 0, 5, 5, 0, 0};
  for (size_t t = 0; t < 3; t++) {
    fixture fx;
    fixture_init(&fx, "polygons");
    SHPObject *objs[] = {make_object(types[t], 3, starts, NULL, 15, x, y)};
    write_shapes(&fx, types[t], objs, 1);
    write_text(fx.prj, wgs84_esri_wkt);
    im_layer *l = load(fx.shp, NULL);
    assert_string_equal(im_shape_type_name(l->shape_type), names[t]);
    assert_int_equal(l->nfeatures, 1);
    const im_geom *g = &l->features[0].geom;
    assert_int_equal(g->kind, IM_GEOM_POLYGON);
    /* Plain polygons fill even-odd: the hole stays a hole. */
    assert_false(g->nonzero);
    assert_int_equal(g->nparts, 3);
    assert_int_equal(g->npoints, 15);
    for (size_t p = 0; p < 3; p++) {
      assert_int_equal(g->parts[p], (size_t)starts[p]);
      assert_int_equal(im_geom_part_size(g, p), 5);
    }
    for (size_t i = 0; i < 15; i++)
      assert_xy(g, i, x[i], y[i]);
    im_bbox b = im_geom_bbox(g);
    assert_near(b.minx, 0, 0);
    assert_near(b.miny, 0, 0);
    assert_near(b.maxx, 25, 0);
    assert_near(b.maxy, 10, 0);
    im_layer_free(l);
  }
}

/* Rings of fewer than three vertices and lines of one cannot be drawn and
 * are dropped, the rest of the shape kept. */
static void test_degenerate_parts_dropped(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "degenerate");
  static const int starts[] = {0, 2};
  static const double x[] = {5, 5, 0, 0, 1, 0}, y[] = {5, 5, 0, 1, 1, 0};
  SHPObject *objs[] = {make_object(SHPT_POLYGON, 2, starts, NULL, 6, x, y)};
  write_shapes(&fx, SHPT_POLYGON, objs, 1);
  write_text(fx.prj, wgs84_esri_wkt);
  im_layer *l = load(fx.shp, NULL);
  assert_int_equal(l->nfeatures, 1);
  const im_geom *g = &l->features[0].geom;
  assert_int_equal(g->nparts, 1);
  assert_int_equal(g->npoints, 4);
  assert_xy(g, 0, 0, 0);
  im_layer_free(l);
}

static void test_multipatch(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "multipatch");
  /* Shape 0: a strip of 4 vertices over the unit square. Shape 1: a fan
   * round (10,10); a strip; an outer ring written clockwise and an inner
   * ring written counter-clockwise, both closed as shapefiles store them. */
  static const double sx[] = {0, 1, 0, 1}, sy[] = {0, 0, 1, 1};
  static const int strip_type[] = {SHPP_TRISTRIP}, strip_start[] = {0};
  static const int types[] = {SHPP_TRIFAN, SHPP_OUTERRING, SHPP_INNERRING};
  static const int starts[] = {0, 4, 9};
  static const double x[] = {10, 12, 12, 10, 20, 20, 30, 30, 20, 22, 24, 24, 22, 22};
  static const double y[] = {10, 10, 12, 12, 0, 10, 10, 0, 0, 2, 2, 4, 4, 2};
  SHPObject *objs[] = {make_object(SHPT_MULTIPATCH, 1, strip_start, strip_type, 4, sx, sy),
                       make_object(SHPT_MULTIPATCH, 3, starts, types, 14, x, y)};
  write_shapes(&fx, SHPT_MULTIPATCH, objs, 2);
  write_text(fx.prj, wgs84_esri_wkt);
  im_layer *l = load(fx.shp, NULL);
  assert_string_equal(im_shape_type_name(l->shape_type), "MultiPatch");
  assert_int_equal(l->nfeatures, 2);

  /* The strip: 2 triangles, each a closed ring turned counter-clockwise so
   * the non-zero rule paints their union. */
  const im_geom *g = &l->features[0].geom;
  assert_int_equal(g->kind, IM_GEOM_POLYGON);
  assert_true(g->nonzero);
  assert_int_equal(g->nparts, 2);
  for (size_t p = 0; p < 2; p++) {
    assert_int_equal(im_geom_part_size(g, p), 4);
    assert_true(part_closed(g, p));
    assert_near(part_area(g, p), 1, 1e-12);
  }
  /* Triangle 0 is v0 v1 v2, already counter-clockwise. */
  assert_xy(g, 0, 0, 0);
  assert_xy(g, 1, 1, 0);
  assert_xy(g, 2, 0, 1);
  /* Together they cover the unit square. */
  im_bbox b = im_geom_bbox(g);
  assert_near(b.minx, 0, 0);
  assert_near(b.maxx, 1, 0);
  assert_near(b.miny, 0, 0);
  assert_near(b.maxy, 1, 0);

  /* The fan: 2 triangles; then the outer ring counter-clockwise and the
   * inner one clockwise, so the inner one cuts a hole under non-zero. */
  g = &l->features[1].geom;
  assert_true(g->nonzero);
  assert_int_equal(g->nparts, 4);
  for (size_t p = 0; p < 2; p++) {
    assert_int_equal(im_geom_part_size(g, p), 4);
    assert_true(part_closed(g, p));
    assert_near(part_area(g, p), 4, 1e-12);
    /* Every fan triangle has the centre as a vertex. */
    bool has_centre = false;
    for (size_t i = 0; i < 3; i++)
      has_centre |= g->xy[2 * (g->parts[p] + i)] == 10 && g->xy[2 * (g->parts[p] + i) + 1] == 10;
    assert_true(has_centre);
  }
  /* Rings keep their vertices, closed once: a closed input ring must not
   * come out with its first vertex repeated twice at the end. */
  assert_int_equal(im_geom_part_size(g, 2), 5);
  assert_int_equal(im_geom_part_size(g, 3), 5);
  assert_true(part_closed(g, 2));
  assert_true(part_closed(g, 3));
  assert_near(part_area(g, 2), 2 * 100, 1e-9);
  assert_near(part_area(g, 3), -2 * 4, 1e-9);
  im_layer_free(l);
}

static void test_null_shapes_skipped(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "nulls");
  SHPObject *objs[] = {make_point(SHPT_POINT, 1, 1), make_null(), make_point(SHPT_POINT, 2, 2), make_null(),
                       make_point(SHPT_POINT, 3, 3)};
  write_shapes(&fx, SHPT_POINT, objs, 5);
  static const char *const names[] = {"r0", "r1", "r2", "r3", "r4"};
  write_names_dbf(&fx, NULL, names, 5);
  write_text(fx.prj, wgs84_esri_wkt);
  /* With and without a box query (which reads record headers first). */
  im_layer_query q = {.nboxes = 1, .boxes = {{-180, -90, 180, 90}}};
  for (int pass = 0; pass < 2; pass++) {
    im_layer *l = load(fx.shp, pass ? &q : NULL);
    assert_int_equal(l->total_records, 5);
    assert_int_equal(l->nfeatures, 3);
    for (size_t i = 0; i < 3; i++) {
      const im_feature *f = &l->features[i];
      assert_int_equal(f->fid, (long)(2 * i));
      /* Attributes come from the shape's own record, not the i-th read. */
      assert_string_equal(f->values[0], names[2 * i]);
      assert_xy(&f->geom, 0, (double)(i + 1), (double)(i + 1));
    }
    im_layer_free(l);
  }
  assert_int_equal(nwarnings, 0);
}

/* ---- attributes and encodings ---- */

static const char *const latin1_names[] = {"Bogot\xe1", "C\xfa"
                                                        "cuta"};

/* Writes two points named with names, a .prj, and .cpg text when given. */
static im_layer *load_named(const char *name, const char *codepage, const char *cpg, const char *const *names) {
  fixture fx;
  fixture_init(&fx, name);
  static const double x[] = {-74.08, -72.5}, y[] = {4.6, 7.9};
  write_points(&fx, x, y, 2);
  write_names_dbf(&fx, codepage, names, 2);
  write_text(fx.prj, wgs84_esri_wkt);
  if (cpg)
    write_text(fx.cpg, cpg);
  return load(fx.shp, NULL);
}

static void assert_colombia(const im_layer *l) {
  assert_int_equal(l->nfeatures, 2);
  assert_string_equal(l->features[0].values[0], "Bogot\xc3\xa1");
  assert_string_equal(l->features[1].values[0], "C\xc3\xba"
                                                "cuta");
}

static void test_cpg_latin1(void **state) {
  (void)state;
  im_layer *l = load_named("cpg_latin1", "LDID/0", "ISO-8859-1\r\n", latin1_names);
  assert_colombia(l);
  assert_string_equal(l->encoding, "ISO-8859-1");
  assert_string_equal(l->encoding_source, ".cpg");
  im_layer_free(l);
  assert_int_equal(nwarnings, 0);
}

static void test_cpg_1252(void **state) {
  (void)state;
  /* 0x80 is the euro sign in Windows-1252 but a control code in Latin-1:
   * it shows the code page was really used. */
  static const char *const names[] = {"Bogot\xe1", "5 \x80"};
  im_layer *l = load_named("cpg_1252", NULL, "1252", names);
  assert_string_equal(l->encoding, "CP1252");
  assert_string_equal(l->encoding_source, ".cpg");
  assert_string_equal(l->features[0].values[0], "Bogot\xc3\xa1");
  assert_string_equal(l->features[1].values[0], "5 \xe2\x82\xac");
  im_layer_free(l);
}

static void test_language_driver(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "ldid");
  static const double x[] = {-74.08, -72.5}, y[] = {4.6, 7.9};
  write_points(&fx, x, y, 2);
  write_names_dbf(&fx, "LDID/87", latin1_names, 2);
  write_text(fx.prj, wgs84_esri_wkt);
  /* The header says 0x57 and nothing else names the encoding. */
  size_t n;
  char *raw = read_file(fx.dbf, &n);
  assert_non_null(raw);
  assert_true(n > 32);
  assert_int_equal((unsigned char)raw[29], 0x57);
  free(raw);
  assert_int_equal(access(fx.cpg, F_OK), -1);
  im_layer *l = load(fx.shp, NULL);
  assert_colombia(l);
  assert_string_equal(l->encoding, "CP1252");
  assert_string_equal(l->encoding_source, "language driver");
  im_layer_free(l);
  assert_int_equal(nwarnings, 0);
}

static void test_cpg_utf8(void **state) {
  (void)state;
  static const char *const names[] = {"Bogot\xc3\xa1", "C\xc3\xba"
                                                       "cuta"};
  /* The .cpg wins over the language driver DBFCreate writes (CP1252), which
   * would turn every byte of "á" into a letter of its own. */
  im_layer *l = load_named("cpg_utf8", NULL, "UTF-8", names);
  assert_colombia(l);
  assert_string_equal(l->encoding, "UTF-8");
  assert_string_equal(l->encoding_source, ".cpg");
  im_layer_free(l);
}

static void test_detected(void **state) {
  (void)state;
  /* No .cpg and language driver 0: Latin-1 bytes are not valid UTF-8 and
   * are read as Latin-1; UTF-8 text in the same file passes through. */
  static const char *const names[] = {"Bogot\xe1", "C\xc3\xba"
                                                   "cuta"};
  im_layer *l = load_named("detected", "LDID/0", NULL, names);
  assert_colombia(l);
  assert_string_equal(l->encoding_source, "detected");
  for (size_t i = 0; i < l->nfeatures; i++)
    assert_true(im_utf8_valid(l->features[i].values[0], strlen(l->features[i].values[0])));
  im_layer_free(l);
  assert_int_equal(nwarnings, 0);
}

static void test_cpg_unknown_encoding(void **state) {
  (void)state;
  /* A .cpg iconv does not know: one warning, then the text is still read
   * (detected, as there is no language driver either). */
  im_layer *l = load_named("cpg_unknown", "LDID/0", "KLINGON-7", latin1_names);
  assert_int_equal(nwarnings, 1);
  assert_non_null(strstr(last_warning, "KLINGON-7"));
  assert_string_equal(l->encoding_source, "detected");
  assert_colombia(l);
  im_layer_free(l);
}

static void test_fields(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "fields");
  static const double x[] = {-77.04, -58.38, 0}, y[] = {-12.05, -34.6, 0};
  write_points(&fx, x, y, 3);
  write_text(fx.prj, wgs84_esri_wkt);
  DBFHandle d = DBFCreate(fx.dbf);
  assert_non_null(d);
  assert_int_equal(DBFAddField(d, "NAME", FTString, 40, 0), 0);
  /* shapelib calls a number field of 10 digits or more a double, whatever
   * its decimals; the reader still reports it as an integer. */
  assert_int_equal(DBFAddField(d, "POP", FTInteger, 12, 0), 1);
  assert_int_equal(DBFAddField(d, "AREA_KM2", FTDouble, 12, 3), 2);
  assert_int_equal(DBFAddField(d, "CAPITAL", FTLogical, 1, 0), 3);
  assert_int_equal(DBFAddNativeFieldType(d, "FOUNDED", 'D', 8, 0), 4);
  assert_true(DBFWriteStringAttribute(d, 0, 0, "Lima"));
  assert_true(DBFWriteIntegerAttribute(d, 0, 1, 10092000));
  assert_true(DBFWriteDoubleAttribute(d, 0, 2, 2672.25));
  assert_true(DBFWriteLogicalAttribute(d, 0, 3, 'T'));
  /* shapelib's string writer formats a date field as a number: write the
   * YYYYMMDD bytes directly. */
  assert_true(DBFWriteAttributeDirectly(d, 0, 4, "15350118"));
  assert_true(DBFWriteStringAttribute(d, 1, 0, "  Buenos Aires  "));
  assert_true(DBFWriteIntegerAttribute(d, 1, 1, 3121707));
  assert_true(DBFWriteDoubleAttribute(d, 1, 2, 203.5));
  assert_true(DBFWriteLogicalAttribute(d, 1, 3, 'T'));
  assert_true(DBFWriteAttributeDirectly(d, 1, 4, "15800611"));
  /* Record 2: every value null. */
  for (int k = 0; k < 5; k++)
    assert_true(DBFWriteNULLAttribute(d, 2, k));
  DBFClose(d);

  im_layer *l = load(fx.shp, NULL);
  assert_int_equal(l->nfields, 5);
  static const char *const names[] = {"NAME", "POP", "AREA_KM2", "CAPITAL", "FOUNDED"};
  static const im_field_type types[] = {IM_FIELD_STRING, IM_FIELD_INTEGER, IM_FIELD_DOUBLE, IM_FIELD_LOGICAL,
                                        IM_FIELD_DATE};
  static const int widths[] = {40, 12, 12, 1, 8}, decimals[] = {0, 0, 3, 0, 0};
  for (size_t i = 0; i < 5; i++) {
    assert_string_equal(l->fields[i].name, names[i]);
    assert_int_equal(l->fields[i].type, types[i]);
    assert_int_equal(l->fields[i].width, widths[i]);
    assert_int_equal(l->fields[i].decimals, decimals[i]);
  }
  assert_string_equal(im_field_type_name(IM_FIELD_STRING), "String");
  assert_string_equal(im_field_type_name(IM_FIELD_INTEGER), "Integer");
  assert_int_equal(im_layer_field_index(l, "area_km2"), 2);
  assert_int_equal(im_layer_field_index(l, "NAME"), 0);
  assert_int_equal(im_layer_field_index(l, "NAM"), -1);

  /* Values are trimmed text, as they appear in the file. */
  char **v = l->features[0].values;
  assert_string_equal(v[0], "Lima");
  assert_string_equal(v[1], "10092000");
  assert_string_equal(v[2], "2672.250");
  assert_string_equal(v[3], "T");
  assert_string_equal(v[4], "15350118");
  assert_string_equal(l->features[1].values[0], "Buenos Aires");
  for (size_t k = 0; k < 5; k++)
    assert_null(l->features[2].values[k]);
  im_layer_free(l);
}

static void test_no_dbf(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "no_dbf");
  static const double x[] = {1}, y[] = {2};
  write_points(&fx, x, y, 1);
  write_text(fx.prj, wgs84_esri_wkt);
  im_layer *l = load(fx.shp, NULL);
  assert_int_equal(l->nfields, 0);
  assert_int_equal(l->nfeatures, 1);
  assert_null(l->features[0].values);
  assert_null(l->encoding);
  assert_int_equal(nwarnings, 1);
  assert_non_null(strstr(last_warning, "no .dbf"));
  im_layer_free(l);
}

/* ---- .prj ---- */

static void test_prj_kept(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "prj");
  static const char *const names[] = {"a"};
  static const double x[] = {1}, y[] = {2};
  write_points(&fx, x, y, 1);
  write_names_dbf(&fx, NULL, names, 1);
  write_text(fx.prj, wgs84_esri_wkt);
  im_layer *l = load(fx.shp, NULL);
  assert_string_equal(l->crs_definition, wgs84_esri_wkt);
  assert_non_null(l->crs_file);
  assert_string_equal(l->crs_file, fx.prj);
  im_layer_free(l);
  assert_int_equal(nwarnings, 0);
}

static void test_prj_missing(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "no_prj");
  static const char *const names[] = {"a"};
  static const double x[] = {1}, y[] = {2};
  write_points(&fx, x, y, 1);
  write_names_dbf(&fx, NULL, names, 1);
  im_layer *l = load(fx.shp, NULL);
  assert_string_equal(l->crs_definition, "EPSG:4326");
  assert_null(l->crs_file);
  assert_int_equal(nwarnings, 1);
  assert_non_null(strstr(last_warning, ".prj"));
  assert_non_null(strstr(last_warning, fx.shp));
  im_layer_free(l);
}

/* ---- box queries ---- */

static void test_bbox_query_points(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "query_points");
  static const double x[] = {-70, 120}, y[] = {-10, 30};
  static const char *const names[] = {"Lima side", "Asia side"};
  write_points(&fx, x, y, 2);
  write_names_dbf(&fx, NULL, names, 2);
  write_text(fx.prj, wgs84_esri_wkt);

  im_layer_query q = {.nboxes = 1, .boxes = {{-75, -15, -65, -5}}};
  im_layer *l = load(fx.shp, &q);
  assert_int_equal(l->total_records, 2);
  assert_int_equal(l->nfeatures, 1);
  assert_int_equal(l->features[0].fid, 0);
  assert_string_equal(l->features[0].values[0], "Lima side");
  im_layer_free(l);

  /* Two boxes, as on either side of the antimeridian. */
  q.nboxes = 2;
  q.boxes[1] = (im_bbox){110, 20, 130, 40};
  l = load(fx.shp, &q);
  assert_int_equal(l->nfeatures, 2);
  assert_int_equal(l->features[0].fid, 0);
  assert_int_equal(l->features[1].fid, 1);
  im_layer_free(l);

  /* A box that meets neither. */
  q.nboxes = 1;
  q.boxes[0] = (im_bbox){0, 0, 10, 10};
  l = load(fx.shp, &q);
  assert_int_equal(l->nfeatures, 0);
  im_layer_free(l);

  /* Geometry only. */
  q.boxes[0] = (im_bbox){-180, -90, 180, 90};
  q.skip_attributes = true;
  l = load(fx.shp, &q);
  assert_int_equal(l->nfeatures, 2);
  assert_int_equal(l->nfields, 1);
  for (size_t i = 0; i < 2; i++)
    assert_null(l->features[i].values);
  im_layer_free(l);
  assert_int_equal(nwarnings, 0);
}

static void test_bbox_query_polygons(void **state) {
  (void)state;
  /* For shapes with a box in their record header, the box decides. */
  fixture fx;
  fixture_init(&fx, "query_polygons");
  static const double x0[] = {-72, -72, -68, -68, -72}, y0[] = {-12, -8, -8, -12, -12};
  static const double x1[] = {118, 118, 122, 122, 118}, y1[] = {28, 32, 32, 28, 28};
  SHPObject *objs[] = {make_object(SHPT_POLYGON, 1, (const int[]){0}, NULL, 5, x0, y0),
                       make_object(SHPT_POLYGON, 1, (const int[]){0}, NULL, 5, x1, y1)};
  write_shapes(&fx, SHPT_POLYGON, objs, 2);
  write_text(fx.prj, wgs84_esri_wkt);
  /* Touches only the corner of the first polygon's box. */
  im_layer_query q = {.nboxes = 1, .boxes = {{-68, -8, -60, 0}}};
  im_layer *l = load(fx.shp, &q);
  assert_int_equal(l->nfeatures, 1);
  assert_int_equal(l->features[0].fid, 0);
  im_layer_free(l);
  q.boxes[0] = (im_bbox){121, 31, 140, 50};
  l = load(fx.shp, &q);
  assert_int_equal(l->nfeatures, 1);
  assert_int_equal(l->features[0].fid, 1);
  im_layer_free(l);
}

/* ---- errors ---- */

/* A good file of several polygons, the base for breaking. */
static void write_good_polygons(const fixture *fx, int n) {
  SHPObject *objs[8];
  assert_true(n <= 8);
  for (int i = 0; i < n; i++) {
    double x[] = {i, i, i + 0.5, i + 0.5, i}, y[] = {0, 1, 1, 0, 0};
    objs[i] = make_object(SHPT_POLYGON, 1, (const int[]){0}, NULL, 5, x, y);
  }
  write_shapes(fx, SHPT_POLYGON, objs, n);
  const char *names[8] = {"a", "b", "c", "d", "e", "f", "g", "h"};
  write_names_dbf(fx, NULL, names, n);
  write_text(fx->prj, wgs84_esri_wkt);
}

static void test_error_truncated_shp(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "truncated");
  write_good_polygons(&fx, 3);
  size_t n;
  char *data = read_file(fx.shp, &n);
  assert_non_null(data);
  /* Each record is 8 + 4 + 32 + 4 + 4 + 4 + 5 * 16 = 136 bytes after the
   * 100-byte header: cut the last one in the middle of its points. */
  assert_int_equal(n, 100 + 3 * 136);
  assert_true(write_file(fx.shp, data, n - 50));
  free(data);
  im_error err = load_fails(fx.shp);
  assert_string_equal(err.file, fx.shp);
  assert_non_null(strstr(err.message, "shape 2"));
  assert_non_null(strstr(err.message, "truncated"));
}

static void test_error_missing_shx(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "no_shx");
  write_good_polygons(&fx, 2);
  assert_int_equal(unlink(fx.shx), 0);
  im_error err = load_fails(fx.shp);
  assert_string_equal(err.file, fx.shp);
  assert_non_null(strstr(err.message, ".shx"));
  assert_non_null(strstr(err.message, "missing"));
}

static void test_error_short_dbf(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "short_dbf");
  write_good_polygons(&fx, 3);
  static const char *const names[] = {"a", "b"};
  write_names_dbf(&fx, NULL, names, 2);
  im_error err = load_fails(fx.shp);
  assert_string_equal(err.file, fx.dbf);
  assert_non_null(strstr(err.message, "2 records"));
  assert_non_null(strstr(err.message, "3 shapes"));
}

static void test_error_nonexistent(void **state) {
  (void)state;
  const char *path = scratch_path("does-not-exist.shp");
  unlink(path);
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", path);
  im_error err = load_fails(copy);
  assert_string_equal(err.file, copy);
  assert_non_null(strstr(err.message, "cannot open"));
  assert_non_null(strstr(err.message, "No such file"));
}

static void test_error_garbage_header(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "garbage");
  write_good_polygons(&fx, 2);
  size_t n;
  char *data = read_file(fx.shp, &n);
  assert_non_null(data);
  memset(data, 'x', 100);
  assert_true(write_file(fx.shp, data, n));
  free(data);
  im_error err = load_fails(fx.shp);
  assert_string_equal(err.file, fx.shp);
  /* shapelib reads the header from the .shx alone: the records here are
   * intact, but a .shp with no shapefile header is not a shapefile. */
  assert_non_null(strstr(err.message, "not a shapefile"));
}

static void test_error_short_header(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "short_header");
  write_good_polygons(&fx, 1);
  assert_true(write_file(fx.shp, "\0\0\x27\x0a", 4));
  im_error err = load_fails(fx.shp);
  assert_string_equal(err.file, fx.shp);
  assert_non_null(strstr(err.message, "not a readable shapefile"));
}

static void test_error_unknown_shape_type(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, "bad_type");
  write_good_polygons(&fx, 2);
  size_t n;
  char *data = read_file(fx.shp, &n);
  assert_non_null(data);
  /* The shape type is the little-endian int at byte 32 of the header. */
  data[32] = 99;
  assert_true(write_file(fx.shp, data, n));
  free(data);
  im_error err = load_fails(fx.shp);
  assert_string_equal(err.file, fx.shp);
  assert_non_null(strstr(err.message, "shape type 99"));

  /* In the .shx, where shapelib reads it, the .shx is to blame. */
  data = read_file(fx.shx, &n);
  assert_non_null(data);
  data[32] = 99;
  assert_true(write_file(fx.shx, data, n));
  free(data);
  err = load_fails(fx.shp);
  assert_string_equal(err.file, fx.shx);
  assert_non_null(strstr(err.message, "shape type 99"));
}

static void test_error_type_mismatch(void **state) {
  (void)state;
  /* A .shp of points beside the .shx of polygons. */
  fixture fx;
  fixture_init(&fx, "mismatch");
  write_good_polygons(&fx, 1);
  size_t n;
  char *data = read_file(fx.shp, &n);
  assert_non_null(data);
  data[32] = SHPT_POINT;
  assert_true(write_file(fx.shp, data, n));
  free(data);
  im_error err = load_fails(fx.shp);
  assert_string_equal(err.file, fx.shp);
  assert_non_null(strstr(err.message, "Point"));
  assert_non_null(strstr(err.message, "Polygon"));
}

static void test_unsupported_suffix(void **state) {
  (void)state;
  im_layer *l = NULL;
  im_error err;
  im_error_clear(&err);
  assert_int_equal(im_layer_load("countries.gpkg", NULL, &l, &err), IM_STATUS_INPUT);
  assert_null(l);
  assert_string_equal(err.file, "countries.gpkg");
  assert_non_null(strstr(err.message, "unsupported"));
}

/* ---- encoding helpers ---- */

static void test_encoding_from_cpg(void **state) {
  (void)state;
  static const struct {
    const char *cpg, *enc;
  } cases[] = {
      {"UTF-8", "UTF-8"},           {"utf8", "UTF-8"},
      {"UTF-8\r\n", "UTF-8"},       {"1252", "CP1252"},
      {"ANSI 1252", "CP1252"},      {"windows-1252", "CP1252"},
      {"ISO-8859-1", "ISO-8859-1"}, {"8859_1", "ISO-8859-1"},
      {"LATIN1", "ISO-8859-1"},     {"ISO 8859-15", "ISO-8859-15"},
      {"88591", "ISO-8859-1"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buf[64];
    const char *enc = im_encoding_from_cpg(cases[i].cpg, buf, sizeof buf);
    if (!enc || strcmp(enc, cases[i].enc))
      print_error("cpg '%s': got '%s', want '%s'\n", cases[i].cpg, enc ? enc : "(null)", cases[i].enc);
    assert_non_null(enc);
    assert_string_equal(enc, cases[i].enc);
    /* Every answer must be something iconv can open. */
    im_transcoder *t = im_transcoder_create(enc);
    assert_non_null(t);
    im_transcoder_free(t);
  }
  char buf[64];
  assert_null(im_encoding_from_cpg("", buf, sizeof buf));
  assert_null(im_encoding_from_cpg(" \r\n", buf, sizeof buf));
}

static void test_encoding_from_ldid(void **state) {
  (void)state;
  assert_string_equal(im_encoding_from_ldid(0x57), "CP1252");
  assert_string_equal(im_encoding_from_ldid(0x03), "CP1252");
  assert_null(im_encoding_from_ldid(0));
  assert_null(im_encoding_from_ldid(0xFF));
}

static void test_transcode(void **state) {
  (void)state;
  im_transcoder *t = im_transcoder_create("CP1252");
  assert_non_null(t);
  char *s = im_transcode(t,
                         "C\xfa"
                         "cuta \x80",
                         8);
  assert_string_equal(s, "C\xc3\xba"
                         "cuta \xe2\x82\xac");
  free(s);
  im_transcoder_free(t);
  assert_null(im_transcoder_create("NO-SUCH-ENCODING-42"));
}

/* A named pipe where the .cpg belongs (shapelib opens the .cpg itself):
 * read as if there were no .cpg, not waited on forever. An alarm fails
 * the test instead of hanging it. */
static void test_fifo_cpg(void **state) {
  (void)state;
  const char *exts[] = {"shp", "shx", "dbf", "prj"};
  for (size_t i = 0; i < 4; i++) {
    char from[512], to[512];
    snprintf(from, sizeof from, "shapes/ne_50m_admin_0_countries.%s", exts[i]);
    snprintf(to, sizeof to, "fifo.%s", exts[i]);
    size_t n = 0;
    char *data = read_file(src_path(from), &n);
    assert_non_null(data);
    assert_true(write_file(scratch_path(to), data, n));
    free(data);
  }
  const char *cpg = scratch_path("fifo.cpg");
  remove(cpg);
  assert_int_equal(mkfifo(cpg, 0600), 0);
  alarm(30);
  im_layer *layer = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_layer_load(scratch_path("fifo.shp"), NULL, &layer, &err), &err);
  alarm(0);
  assert_true(im_layer_feature_count(layer) > 200);
  assert_true(!im_layer_encoding_source(layer) || strcmp(im_layer_encoding_source(layer), ".cpg"));
  im_layer_free(layer);
  remove(cpg);

  /* A FIFO in place of the .shx or the .dbf: named, as not a regular file
   * (it was "missing", and the .dbf's rows were dropped with a warning). */
  const char *odd[] = {"shx", "dbf"};
  for (size_t i = 0; i < 2; i++) {
    char name[64], keep[64];
    snprintf(name, sizeof name, "fifo.%s", odd[i]);
    snprintf(keep, sizeof keep, "fifo.%s.kept", odd[i]);
    char path[1024], kept[1024];
    snprintf(path, sizeof path, "%s", scratch_path(name));
    snprintf(kept, sizeof kept, "%s", scratch_path(keep));
    assert_int_equal(rename(path, kept), 0);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(30);
    im_error_clear(&err);
    layer = NULL;
    assert_int_equal(im_layer_load(scratch_path("fifo.shp"), NULL, &layer, &err), IM_STATUS_INPUT);
    alarm(0);
    assert_null(layer);
    assert_string_equal(err.file, path);
    assert_string_equal(err.message, "not a regular file");
    remove(path);
    assert_int_equal(rename(kept, path), 0);
  }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_point_types),
      T(test_fifo_cpg),
      T(test_multipoint_types),
      T(test_polyline_types),
      T(test_polygon_types),
      T(test_degenerate_parts_dropped),
      T(test_multipatch),
      T(test_null_shapes_skipped),
      T(test_cpg_latin1),
      T(test_cpg_1252),
      T(test_language_driver),
      T(test_cpg_utf8),
      T(test_detected),
      T(test_cpg_unknown_encoding),
      T(test_fields),
      T(test_no_dbf),
      T(test_prj_kept),
      T(test_prj_missing),
      T(test_bbox_query_points),
      T(test_bbox_query_polygons),
      T(test_error_truncated_shp),
      T(test_error_missing_shx),
      T(test_error_short_dbf),
      T(test_error_nonexistent),
      T(test_error_garbage_header),
      T(test_error_short_header),
      T(test_error_unknown_shape_type),
      T(test_error_type_mismatch),
      T(test_unsupported_suffix),
      T(test_encoding_from_cpg),
      T(test_encoding_from_ldid),
      T(test_transcode),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
