/* Projected coordinates equal PROJ's own command-line tool, cs2cs, to 1 mm;
 * CRSs in every accepted form; the central meridian each map is cut at. */
#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/crs-private.h"
#include "support.h"

static const struct {
  const char *name;
  double lon, lat;
} cities[] = {{"Lima", -77.0428, -12.0464},
              {"Santiago", -70.6693, -33.4489},
              {"Caracas", -66.9036, 10.4806},
              {"Shanghai", 121.4737, 31.2304}};

/* What cs2cs prints for lon/lat (WGS 84) into crs, easting first (-s: for
 * a CRS whose axes are northing, easting). */
static void cs2cs(const char *crs, bool swap, double lon, double lat, double *x, double *y) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "echo '%.10f %.10f' | cs2cs %s -f %%.6f '+proj=longlat +datum=WGS84 +no_defs' +to '%s'",
           lon, lat, swap ? "-s" : "", crs);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  int n = fscanf(p, "%lf %lf", x, y);
  int rc = pclose(p);
  if (n != 2 || rc != 0)
    fail_msg("cs2cs failed for %s (is proj-bin installed?)", crs);
}

/* The map CRS of definition, its lon/lat base and the transformation
 * from the one to the other, in a context of their own (map_close). */
typedef struct {
  im_geo_ctx *ctx;
  im_crs *map, *geog;
  im_transform *t;
} map_crs;

static map_crs map_open(const char *definition) {
  map_crs m = {im_geo_ctx_create(), NULL, NULL, NULL};
  assert_non_null(m.ctx);
  im_error err;
  assert_ok(im_crs_create(m.ctx, definition, NULL, 0, 0, &m.map, &err), &err);
  assert_ok(im_crs_geographic(m.ctx, m.map, &m.geog, &err), &err);
  assert_ok(im_transform_create(m.ctx, m.geog, m.map, &m.t, &err), &err);
  return m;
}

static void map_close(map_crs *m) {
  im_transform_free(m->t);
  im_crs_free(m->geog);
  im_crs_free(m->map);
  im_geo_ctx_free(m->ctx);
}

static void check_crs_axes(const char *definition, bool swap, double expected_lon0) {
  map_crs m = map_open(definition);
  im_transform *t = m.t;
  assert_float_equal(im_crs_central_meridian(m.map), expected_lon0, 1e-9);
  /* All four in one array, as the renderer does. */
  double xy[8];
  for (int i = 0; i < 4; i++) {
    xy[2 * i] = cities[i].lon;
    xy[2 * i + 1] = cities[i].lat;
  }
  assert_int_equal(im_transform_array(t, xy, 4, false), 0);
  for (int i = 0; i < 4; i++) {
    double x, y;
    cs2cs(definition, swap, cities[i].lon, cities[i].lat, &x, &y);
    if (fabs(xy[2 * i] - x) > 0.001 || fabs(xy[2 * i + 1] - y) > 0.001)
      fail_msg("%s in %s: influmap %.4f %.4f, cs2cs %.4f %.4f", cities[i].name, definition, xy[2 * i], xy[2 * i + 1], x,
               y);
  }
  /* And back. */
  assert_int_equal(im_transform_array(t, xy, 4, true), 0);
  for (int i = 0; i < 4; i++) {
    assert_float_equal(xy[2 * i], cities[i].lon, 1e-8);
    assert_float_equal(xy[2 * i + 1], cities[i].lat, 1e-8);
  }
  map_close(&m);
}

static void check_crs(const char *definition, double expected_lon0) {
  check_crs_axes(definition, false, expected_lon0);
}

static void latam_laea(void **state) {
  (void)state;
  check_crs("+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs", -70);
}

static void world_robinson(void **state) {
  (void)state;
  check_crs("ESRI:54030", 0);
}

static void pacific_robinson(void **state) {
  (void)state;
  check_crs("+proj=robin +lon_0=180 +datum=WGS84 +units=m +no_defs", 180);
}

static void web_mercator_epsg(void **state) {
  (void)state;
  check_crs("EPSG:3857", 0);
}

/* Northing before easting in EPSG (the map still gets x = easting), and a
 * CRS in US survey feet: the map's own conversion (crs.c) keeps both. */
static void axes_and_units(void **state) {
  (void)state;
  check_crs_axes("EPSG:3035", true, 10);
  check_crs("EPSG:2227", -120.5);
}

static void forms_of_crs(void **state) {
  (void)state;
  im_geo_ctx *ctx = im_geo_ctx_create();
  im_error err;
  im_crs *c = NULL;
  /* A bare code is EPSG; lon/lat axis order whatever EPSG says. */
  assert_ok(im_crs_create(ctx, "4326", NULL, 0, 0, &c, &err), &err);
  assert_string_equal(im_crs_name(c), "WGS 84");
  assert_true(im_crs_is_geographic(c));
  im_crs_free(c);
  /* The ESRI WKT of a Natural Earth .prj. */
  size_t n;
  char *prj = read_file(src_path("shapes/ne_50m_admin_0_countries.prj"), &n);
  assert_non_null(prj);
  assert_ok(im_crs_create(ctx, prj, "x.prj", 0, 0, &c, &err), &err);
  assert_true(im_crs_is_geographic(c));
  free(prj);
  im_crs_free(c);
  /* OGC WKT2 of a projected CRS, with its central meridian. */
  const char *wkt = "PROJCRS[\"UTM 18S\",BASEGEOGCRS[\"WGS 84\",DATUM[\"World Geodetic System 1984\","
                    "ELLIPSOID[\"WGS 84\",6378137,298.257223563]]],CONVERSION[\"UTM zone 18S\","
                    "METHOD[\"Transverse Mercator\",ID[\"EPSG\",9807]],"
                    "PARAMETER[\"Latitude of natural origin\",0,ANGLEUNIT[\"degree\",0.0174532925199433]],"
                    "PARAMETER[\"Longitude of natural origin\",-75,ANGLEUNIT[\"degree\",0.0174532925199433]],"
                    "PARAMETER[\"Scale factor at natural origin\",0.9996,SCALEUNIT[\"unity\",1]],"
                    "PARAMETER[\"False easting\",500000,LENGTHUNIT[\"metre\",1]],"
                    "PARAMETER[\"False northing\",10000000,LENGTHUNIT[\"metre\",1]]],"
                    "CS[Cartesian,2],AXIS[\"easting\",east,ORDER[1],LENGTHUNIT[\"metre\",1]],"
                    "AXIS[\"northing\",north,ORDER[2],LENGTHUNIT[\"metre\",1]]]";
  assert_ok(im_crs_create(ctx, wkt, NULL, 0, 0, &c, &err), &err);
  assert_false(im_crs_is_geographic(c));
  assert_float_equal(im_crs_central_meridian(c), -75, 1e-9);
  im_crs_free(c);
  /* Unknown ones: one clear message with the place in the spec. */
  const char *bad[] = {"EPSG:999999", "+proj=nonsense", "not a crs at all", ""};
  for (size_t i = 0; i < 4; i++) {
    im_error_clear(&err);
    assert_int_equal(im_crs_create(ctx, bad[i], "spec.yaml", 4, 8, &c, &err), IM_STATUS_INPUT);
    assert_null(c);
    assert_string_equal(err.file, "spec.yaml");
    assert_int_equal(err.line, 4);
    assert_int_equal(err.column, 8);
    assert_non_null(strstr(err.message, "CRS"));
  }
  /* Names are not looked up in proj.db (seconds for a word like "OGC"):
   * they are refused, saying what a CRS may be. Codes in other forms and
   * OGC's own are taken. */
  const char *names[] = {"OGC", "WGS 84", "World Robinson"};
  for (size_t i = 0; i < 3; i++) {
    im_error_clear(&err);
    assert_int_equal(im_crs_create(ctx, names[i], "spec.yaml", 4, 8, &c, &err), IM_STATUS_INPUT);
    assert_non_null(strstr(err.message, "EPSG:4326"));
    assert_non_null(strstr(err.message, "PROJ string"));
  }
  const char *codes[] = {"OGC:CRS84", "urn:ogc:def:crs:EPSG::4326", "ESRI:54030"};
  for (size_t i = 0; i < 3; i++) {
    assert_ok(im_crs_create(ctx, codes[i], "spec.yaml", 4, 8, &c, &err), &err);
    im_crs_free(c);
  }
  im_geo_ctx_free(ctx);
}

/* A latitude beyond 90 cannot be projected: NaN, counted. */
static void impossible_points(void **state) {
  (void)state;
  map_crs m = map_open("+proj=ortho +lat_0=-15 +lon_0=-70");
  /* Shanghai is on the far side of an orthographic globe over Peru. */
  double xy[] = {-77.04, -12.05, 121.47, 31.23};
  assert_int_equal(im_transform_array(m.t, xy, 2, false), 1);
  assert_true(isfinite(xy[0]));
  assert_true(isnan(xy[2]));
  map_close(&m);
}

/* crs.c sends lon/lat arrays to the projection step alone, past PROJ's
 * pipeline (degrees to radians, then the projection), when that gives the
 * same bits: here it does, on points all over the globe (and beyond the
 * orthographic's horizon), against the pipeline itself; and a pipeline of
 * more steps (US feet) is left alone. */
static void check_radian_step(const char *definition, bool expect_step) {
  map_crs m = map_open(definition);
  im_transform *t = m.t;
  if (im_transform_radian_step(t) != expect_step)
    fail_msg("%s: radian step %s", definition, expect_step ? "not taken" : "taken");
  /* The same pipeline made here, straight from PROJ. */
  PJ_CONTEXT *pc = proj_context_create();
  char text[512];
  snprintf(text, sizeof text, "%s%s", definition, definition[0] == '+' ? " +type=crs" : "");
  PJ *crs = proj_create(pc, text), *conv = crs ? proj_crs_get_coordoperation(pc, crs) : NULL;
  PJ *pipe = conv ? proj_normalize_for_visualization(pc, conv) : NULL;
  assert_non_null(pipe);
  enum { N = 20000 };
  double *a = malloc(2 * N * sizeof *a), *b = malloc(2 * N * sizeof *b);
  assert_non_null(a);
  assert_non_null(b);
  srand(7);
  for (int i = 0; i < N; i++) {
    a[2 * i] = -180 + 360.0 * rand() / RAND_MAX;
    a[2 * i + 1] = -89.9 + 179.8 * rand() / RAND_MAX;
  }
  memcpy(b, a, 2 * N * sizeof *a);
  im_transform_array(t, a, N, false);
  proj_trans_generic(pipe, PJ_FWD, b, 2 * sizeof *b, N, b + 1, 2 * sizeof *b, N, NULL, 0, 0, NULL, 0, 0);
  int finite = 0;
  for (int i = 0; i < 2 * N; i++) {
    if (!isfinite(b[i])) {
      if (!isnan(a[i]))
        fail_msg("%s: point %d: influmap %.17g where PROJ has no value", definition, i / 2, a[i]);
      continue;
    }
    finite++;
    if (memcmp(&a[i], &b[i], sizeof a[i]))
      fail_msg("%s: point %d: influmap %.17g, PROJ's pipeline %.17g", definition, i / 2, a[i], b[i]);
  }
  assert_true(finite > N); /* most points project */
  free(a);
  free(b);
  proj_destroy(pipe);
  proj_destroy(conv);
  proj_destroy(crs);
  proj_context_destroy(pc);
  map_close(&m);
}

static void radian_step_same_bits(void **state) {
  (void)state;
  check_radian_step("+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs", true);
  check_radian_step("ESRI:54030", true);
  check_radian_step("EPSG:32718", true);
  check_radian_step("EPSG:3035", true);
  check_radian_step("+proj=ortho +lat_0=-15 +lon_0=-70", true);
  check_radian_step("EPSG:2227", false);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(latam_laea),       cmocka_unit_test(world_robinson),
                                     cmocka_unit_test(pacific_robinson), cmocka_unit_test(web_mercator_epsg),
                                     cmocka_unit_test(forms_of_crs),     cmocka_unit_test(impossible_points),
                                     cmocka_unit_test(axes_and_units),   cmocka_unit_test(radian_step_same_bits)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
