/* Geodesic routes against PROJ's geodesic.h called directly: lengths,
 * midpoints, step sizes, and longitudes that stay continuous across the
 * antimeridian. */
#include "support.h"

#include <geodesic.h>
#include <math.h>
#include <stdio.h>

#include "influmap/geodesic.h"

#define assert_near(a, b, eps) assert_near_at((a), (b), (eps), __FILE__, __LINE__)
static void assert_near_at(double a, double b, double eps, const char *file, int line) {
  if (!(fabs(a - b) <= eps)) {
    print_error("%s:%d: %.17g != %.17g (tolerance %g)\n", file, line, a, b, eps);
    fail();
  }
}

static const double mejillones[2] = {-70.45, -23.10}, shanghai[2] = {121.47, 31.23};
static const double managua[2] = {-86.25, 12.13}, moscow[2] = {37.62, 55.75};

static struct geod_geodesic wgs84(void) {
  struct geod_geodesic g;
  geod_init(&g, 6378137, 1 / 298.257223563);
  return g;
}

static void line_of(im_geom *g, const double *a, const double *b) {
  im_geom_init(g, IM_GEOM_LINE);
  assert_true(im_geom_begin_part(g));
  assert_true(im_geom_add_point(g, a[0], a[1]));
  assert_true(im_geom_add_point(g, b[0], b[1]));
}

static double direct_km(const double *a, const double *b) {
  struct geod_geodesic g = wgs84();
  double s12;
  geod_inverse(&g, a[1], a[0], b[1], b[0], &s12, NULL, NULL);
  return s12 / 1000;
}

static double segment_km(const double *u, const double *v) { return direct_km(u, v); }

static void test_mejillones_shanghai_length(void **state) {
  (void)state;
  im_geom g;
  line_of(&g, mejillones, shanghai);
  double km = im_geom_geodesic_length_km(&g);
  assert_near(km, direct_km(mejillones, shanghai), 1e-6);
  /* About 18,537 km: a fact about the Earth, not about the code. */
  assert_near(km, 18536.5, 1);
  im_geom_free(&g);
}

static void test_route_follows_the_geodesic(void **state) {
  (void)state;
  im_geom g, r;
  line_of(&g, mejillones, shanghai);
  im_geom_init(&r, IM_GEOM_POINT);
  assert_true(im_geom_geodesic(&g, 100, &r));
  assert_int_equal(r.kind, IM_GEOM_LINE);
  assert_int_equal(r.nparts, 1);
  double total = direct_km(mejillones, shanghai);
  size_t n = r.npoints;
  assert_int_equal(n, (size_t)ceil(total / 100) + 1);
  /* The ends are the input's (the far one a turn of longitude away). */
  assert_near(r.xy[0], mejillones[0], 0);
  assert_near(r.xy[1], mejillones[1], 0);
  assert_near(r.xy[2 * (n - 1)] + 360, shanghai[0], 1e-9);
  assert_near(r.xy[2 * (n - 1) + 1], shanghai[1], 0);

  /* Steps of at most 100 km, all equal, and continuous longitudes: the
   * route goes west over the Pacific, so past -180 rather than jumping. */
  bool crossed = false;
  for (size_t i = 1; i < n; i++) {
    const double *u = r.xy + 2 * (i - 1), *v = r.xy + 2 * i;
    double step = segment_km(u, v);
    assert_true(step <= 100 + 1e-9);
    assert_near(step, total / (double)(n - 1), 1e-3);
    assert_true(v[0] < u[0] && u[0] - v[0] < 10); /* westward, never a jump of ~360 */
    if (v[0] < -180)
      crossed = true;
  }
  assert_true(crossed);
  assert_near(r.xy[2 * (n - 1)], shanghai[0] - 360, 1e-9);
  /* The length along the vertices is the geodesic's. */
  assert_near(im_geom_geodesic_length_km(&r), total, 1e-3);

  /* The midpoint is geod_direct's at half the distance. */
  struct geod_geodesic geod = wgs84();
  double s12, azi1, lat, lon;
  geod_inverse(&geod, mejillones[1], mejillones[0], shanghai[1], shanghai[0], &s12, &azi1, NULL);
  geod_direct(&geod, mejillones[1], mejillones[0], azi1, s12 / 2, &lat, &lon, NULL);
  size_t steps = n - 1;
  if (steps % 2 == 0) {
    const double *mid = r.xy + 2 * (steps / 2);
    assert_near(mid[1], lat, 1e-9);
    assert_near(remainder(mid[0] - lon, 360), 0, 1e-9);
  } else {
    /* An odd count has no vertex at the middle: check with 2 steps. */
    im_geom two;
    im_geom_init(&two, IM_GEOM_LINE);
    assert_true(im_geom_geodesic(&g, total / 2 + 1, &two));
    assert_int_equal(two.npoints, 3);
    assert_near(two.xy[3], lat, 1e-9);
    assert_near(remainder(two.xy[2] - lon, 360), 0, 1e-9);
    im_geom_free(&two);
  }
  /* Roughly over the northern Pacific, west of Mexico. */
  assert_near(lat, 33.7, 0.1);
  assert_near(lon, -134.8, 0.1);
  im_geom_free(&g);
  im_geom_free(&r);
}

static void test_midpoint_with_two_steps(void **state) {
  (void)state;
  im_geom g, r;
  line_of(&g, mejillones, shanghai);
  im_geom_init(&r, IM_GEOM_LINE);
  double total = direct_km(mejillones, shanghai);
  assert_true(im_geom_geodesic(&g, total / 2 + 1e-6, &r));
  assert_int_equal(r.npoints, 3);
  struct geod_geodesic geod = wgs84();
  double s12, azi1, lat, lon;
  geod_inverse(&geod, mejillones[1], mejillones[0], shanghai[1], shanghai[0], &s12, &azi1, NULL);
  geod_direct(&geod, mejillones[1], mejillones[0], azi1, s12 / 2, &lat, &lon, NULL);
  assert_near(r.xy[3], lat, 1e-9);
  assert_near(r.xy[2], lon, 1e-9); /* -134.77..., the same turn as the start */
  im_geom_free(&g);
  im_geom_free(&r);
}

static void test_managua_moscow(void **state) {
  (void)state;
  im_geom g, r;
  line_of(&g, managua, moscow);
  double km = im_geom_geodesic_length_km(&g);
  assert_near(km, direct_km(managua, moscow), 1e-6);
  assert_near(km, 10869.4, 1);
  im_geom_init(&r, IM_GEOM_LINE);
  assert_true(im_geom_geodesic(&g, 500, &r));
  assert_int_equal(r.npoints, 23); /* ceil(10869.4 / 500) = 22 steps */
  /* Eastward over the Atlantic, no turn of longitude needed. */
  for (size_t i = 1; i < r.npoints; i++)
    assert_true(r.xy[2 * i] > r.xy[2 * i - 2]);
  assert_near(r.xy[2 * 22], moscow[0], 1e-9);
  /* Its northernmost point is well north of both ends (a great circle). */
  double maxlat = -90;
  for (size_t i = 0; i < r.npoints; i++)
    maxlat = fmax(maxlat, r.xy[2 * i + 1]);
  assert_true(maxlat > moscow[1] - 1e-9);
  im_geom_free(&g);
  im_geom_free(&r);
}

static void test_multi_segment_and_parts(void **state) {
  (void)state;
  /* Two parts; the second runs east across the antimeridian twice over
   * three vertices, so the unwrapping has to carry from segment to segment. */
  im_geom g, r;
  im_geom_init(&g, IM_GEOM_LINE);
  assert_true(im_geom_begin_part(&g));
  assert_true(im_geom_add_point(&g, 0, 0));
  assert_true(im_geom_add_point(&g, 1, 0));
  assert_true(im_geom_begin_part(&g));
  assert_true(im_geom_add_point(&g, 170, 10));
  assert_true(im_geom_add_point(&g, -170, 10));
  assert_true(im_geom_add_point(&g, -150, 12));
  assert_true(im_geom_add_point(&g, 170, -5));
  im_geom_init(&r, IM_GEOM_LINE);
  assert_true(im_geom_geodesic(&g, 50, &r));
  assert_int_equal(r.nparts, 2);
  assert_int_equal(im_geom_part_size(&r, 0), 4); /* 111 km in 3 steps */
  size_t start = r.parts[1], n = im_geom_part_size(&r, 1);
  for (size_t i = start + 1; i < start + n; i++) {
    double d = r.xy[2 * i] - r.xy[2 * i - 2];
    assert_true(fabs(d) < 1);
    assert_true(segment_km(r.xy + 2 * i - 2, r.xy + 2 * i) <= 50 + 1e-9);
  }
  assert_near(r.xy[2 * start], 170, 0);
  assert_near(r.xy[2 * (start + n - 1)], 170, 1e-9); /* back where it went east from */
  /* Some vertex sits exactly on -150 + 360 = 210, the middle input vertex. */
  bool found = false;
  for (size_t i = start; i < start + n; i++)
    found = found || (r.xy[2 * i] == 210 && r.xy[2 * i + 1] == 12);
  assert_true(found);
  assert_near(im_geom_geodesic_length_km(&r), im_geom_geodesic_length_km(&g), 1e-3);
  im_geom_free(&g);
  im_geom_free(&r);
}

static void test_points_and_rings(void **state) {
  (void)state;
  im_geom g, r;
  im_geom_init(&g, IM_GEOM_POINT);
  assert_true(im_geom_begin_part(&g));
  assert_true(im_geom_add_point(&g, 10, 20));
  assert_true(im_geom_add_point(&g, 30, 40));
  im_geom_init(&r, IM_GEOM_LINE);
  assert_true(im_geom_geodesic(&g, 10, &r));
  assert_int_equal(r.kind, IM_GEOM_POINT);
  assert_int_equal(r.npoints, 2);
  assert_near(im_geom_geodesic_length_km(&g), 0, 0);
  im_geom_free(&g);

  /* A ring keeps closing: its last vertex is its first. */
  im_geom_init(&g, IM_GEOM_POLYGON);
  assert_true(im_geom_begin_part(&g));
  double ring[][2] = {{-80, -10}, {-60, -10}, {-60, 10}, {-80, 10}, {-80, -10}};
  for (int i = 0; i < 5; i++)
    assert_true(im_geom_add_point(&g, ring[i][0], ring[i][1]));
  assert_true(im_geom_geodesic(&g, 200, &r));
  assert_int_equal(r.kind, IM_GEOM_POLYGON);
  assert_true(r.npoints > 20);
  assert_near(r.xy[0], r.xy[2 * (r.npoints - 1)], 0);
  assert_near(r.xy[1], r.xy[2 * (r.npoints - 1) + 1], 0);
  /* The top edge bows poleward of 10°N, the shortest path. */
  double maxlat = -90;
  for (size_t i = 0; i < r.npoints; i++)
    maxlat = fmax(maxlat, r.xy[2 * i + 1]);
  assert_true(maxlat > 10.1);
  im_geom_free(&g);

  /* No step: only the ends, unwrapped. */
  line_of(&g, (double[]){179, 0}, (double[]){-179, 0});
  assert_true(im_geom_geodesic(&g, 0, &r));
  assert_int_equal(r.npoints, 2);
  assert_near(r.xy[2], 181, 1e-9);
  im_geom_free(&g);

  /* A vertex that is not a position is passed through, not followed. */
  line_of(&g, (double[]){0, 0}, (double[]){10, 95});
  assert_true(im_geom_geodesic(&g, 10, &r));
  assert_int_equal(r.npoints, 2);
  assert_near(r.xy[3], 95, 0);
  assert_near(im_geom_geodesic_length_km(&g), 0, 0);
  im_geom_free(&g);
  im_geom_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mejillones_shanghai_length), cmocka_unit_test(test_route_follows_the_geodesic),
      cmocka_unit_test(test_midpoint_with_two_steps),    cmocka_unit_test(test_managua_moscow),
      cmocka_unit_test(test_multi_segment_and_parts),    cmocka_unit_test(test_points_and_rings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
