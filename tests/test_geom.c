/* Geometry operations: antimeridian cut, densify, simplify, clip. */
#include <math.h>

#include "support.h"

#include "geo/geom-private.h"

static void ring(im_geom *g, const double *xy, size_t n) {
  assert_true(im_geom_begin_part(g));
  for (size_t i = 0; i < n; i++)
    assert_true(im_geom_add_point(g, xy[2 * i], xy[2 * i + 1]));
}

static double part_area(const im_geom *g, size_t p) {
  const double *v = g->xy + 2 * g->parts[p];
  size_t n = im_geom_part_size(g, p);
  double a = 0;
  for (size_t i = 0; i + 1 < n; i++)
    a += v[2 * i] * v[2 * i + 3] - v[2 * i + 2] * v[2 * i + 1];
  return fabs(a / 2);
}

/* A square from 170°E to 170°W (across the dateline, as Fiji's or
 * Chukotka's polygons would be if not split) cut for lon0 = 0: two pieces,
 * one on each side, each inside [-180, 180], areas adding up. */
static void cut_square_across_dateline(void **state) {
  (void)state;
  im_geom g, out;
  im_geom_init(&g, IM_GEOM_POLYGON);
  im_geom_init(&out, IM_GEOM_POINT);
  const double sq[] = {170, -10, -170, -10, -170, 10, 170, 10, 170, -10};
  ring(&g, sq, 5);
  assert_true(im_geom_cut_antimeridian(&g, 0, false, &out));
  assert_int_equal(out.kind, IM_GEOM_POLYGON);
  assert_int_equal(out.nparts, 2);
  double total = 0;
  for (size_t p = 0; p < out.nparts; p++) {
    im_geom piece = out;
    (void)piece;
    const double *v = out.xy + 2 * out.parts[p];
    size_t n = im_geom_part_size(&out, p);
    double minx = 1e9, maxx = -1e9;
    for (size_t i = 0; i < n; i++) {
      minx = fmin(minx, v[2 * i]);
      maxx = fmax(maxx, v[2 * i]);
    }
    /* Each piece stays on its own side: no piece spans the map. */
    assert_true(maxx - minx < 11);
    assert_true(minx >= -180 && maxx <= 180);
    total += part_area(&out, p);
  }
  assert_float_equal(total, 20 * 20, 1e-6);

  /* The outline cut as lines: split where it crosses, no edge along the cut. */
  assert_true(im_geom_cut_antimeridian(&g, 0, true, &out));
  assert_int_equal(out.kind, IM_GEOM_LINE);
  assert_true(out.nparts >= 2);
  for (size_t i = 0; i + 1 < out.npoints; i++)
    assert_true(fabs(out.xy[2 * i]) <= 180);
  im_geom_free(&g);
  im_geom_free(&out);
}

/* The same square with the map centred on 180: nothing to cut. */
static void cut_pacific_centred(void **state) {
  (void)state;
  im_geom g, out;
  im_geom_init(&g, IM_GEOM_POLYGON);
  im_geom_init(&out, IM_GEOM_POINT);
  const double sq[] = {170, -10, -170, -10, -170, 10, 170, 10, 170, -10};
  ring(&g, sq, 5);
  assert_true(im_geom_cut_antimeridian(&g, 180, false, &out));
  assert_int_equal(out.nparts, 1);
  assert_float_equal(part_area(&out, 0), 400, 1e-6);
  /* Longitudes are continuous around 180 (170..190). */
  im_bbox b = im_geom_bbox(&out);
  assert_float_equal(b.minx, 170, 1e-6);
  assert_float_equal(b.maxx, 190, 1e-6);
  /* A square on the Greenwich meridian is cut for that map, as Africa is. */
  im_geom_reset(&g, IM_GEOM_POLYGON);
  const double gw[] = {-5, 5, 5, 5, 5, 15, -5, 15, -5, 5};
  ring(&g, gw, 5);
  assert_true(im_geom_cut_antimeridian(&g, 180, false, &out));
  assert_int_equal(out.nparts, 2);
  im_geom_free(&g);
  im_geom_free(&out);
}

/* A ring round the south pole (Antarctica) is closed over the pole:
 * one piece covering -180..180 down to -90. */
static void cut_pole_ring(void **state) {
  (void)state;
  im_geom g, out;
  im_geom_init(&g, IM_GEOM_POLYGON);
  im_geom_init(&out, IM_GEOM_POINT);
  assert_true(im_geom_begin_part(&g));
  for (int lon = -150; lon <= 210; lon += 30)
    assert_true(im_geom_add_point(&g, lon > 180 ? lon - 360 : lon, -70));
  assert_true(im_geom_cut_antimeridian(&g, 0, false, &out));
  assert_true(out.nparts >= 1);
  im_bbox b = im_geom_bbox(&out);
  assert_float_equal(b.miny, -90, 1e-9);
  assert_true(b.minx <= -179.99 && b.maxx >= 179.99);
  double total = 0;
  for (size_t p = 0; p < out.nparts; p++)
    total += part_area(&out, p);
  /* 360° wide, 20° tall in lon/lat. */
  assert_float_equal(total, 360 * 20, 1e-3);
  im_geom_free(&g);
  im_geom_free(&out);
}

static void cut_line_split(void **state) {
  (void)state;
  im_geom g, out;
  im_geom_init(&g, IM_GEOM_LINE);
  im_geom_init(&out, IM_GEOM_POINT);
  const double l[] = {170, 0, -170, 10};
  ring(&g, l, 2);
  assert_true(im_geom_cut_antimeridian(&g, 0, false, &out));
  assert_int_equal(out.nparts, 2);
  /* Both pieces meet the cut at the same latitude, halfway. */
  const double *a = out.xy + 2 * (out.parts[1] - 1), *b = out.xy + 2 * out.parts[1];
  assert_float_equal(a[1], 5, 1e-6);
  assert_float_equal(b[1], 5, 1e-6);
  assert_float_equal(a[0], 180, 1e-6);
  assert_float_equal(b[0], -180, 1e-6);
  im_geom_free(&g);
  im_geom_free(&out);
}

static void densify_and_simplify(void **state) {
  (void)state;
  im_geom g, out;
  im_geom_init(&g, IM_GEOM_LINE);
  im_geom_init(&out, IM_GEOM_POINT);
  const double l[] = {0, 0, 10, 0};
  ring(&g, l, 2);
  assert_true(im_geom_densify(&g, 1, &out));
  assert_int_equal(out.npoints, 11);
  assert_float_equal(out.xy[2 * 5], 5, 1e-12);
  im_geom_simplify(&out, 2.5);
  /* Radially 0, 3, 6, 9 (each >= 2.5 from the last kept) and the end, 10;
   * all on one line, so Douglas-Peucker keeps only the ends. */
  assert_int_equal(out.npoints, 2);
  assert_float_equal(out.xy[0], 0, 1e-12);
  assert_float_equal(out.xy[2], 10, 1e-12);
  /* A vertex off the line by more than a quarter of the tolerance stays;
   * one off by less goes (tolerance 4: threshold 1). */
  im_geom_reset(&g, IM_GEOM_LINE);
  const double bumps[] = {0, 0, 5, 0.9, 10, 0, 15, 1.2, 20, 0};
  ring(&g, bumps, 5);
  im_geom_simplify(&g, 4);
  assert_int_equal(g.npoints, 3);
  assert_float_equal(g.xy[2], 15, 1e-12);
  assert_float_equal(g.xy[3], 1.2, 1e-12);
  /* A ring simplified below three vertices disappears. */
  im_geom_reset(&g, IM_GEOM_POLYGON);
  const double tiny[] = {0, 0, 0.1, 0, 0.1, 0.1, 0, 0};
  ring(&g, tiny, 4);
  im_geom_simplify(&g, 1);
  assert_int_equal(g.nparts, 0);
  im_geom_free(&g);
  im_geom_free(&out);
}

static void clip_ring_and_line(void **state) {
  (void)state;
  im_geom g, out;
  im_geom_init(&g, IM_GEOM_POLYGON);
  im_geom_init(&out, IM_GEOM_POINT);
  const double sq[] = {-10, -10, 10, -10, 10, 10, -10, 10, -10, -10};
  ring(&g, sq, 5);
  im_bbox box = {0, 0, 100, 100};
  assert_true(im_geom_clip(&g, box, &out));
  assert_int_equal(out.nparts, 1);
  assert_float_equal(part_area(&out, 0), 100, 1e-9);
  /* Wholly outside: nothing. */
  im_bbox far = {50, 50, 60, 60};
  assert_true(im_geom_clip(&g, far, &out));
  assert_int_equal(out.nparts, 0);

  im_geom_reset(&g, IM_GEOM_LINE);
  const double zig[] = {-5, 5, 5, 5, 5, 20, 8, 20, 8, 5};
  ring(&g, zig, 5);
  im_bbox b2 = {0, 0, 10, 10};
  assert_true(im_geom_clip(&g, b2, &out));
  /* Leaves the box at y = 10 and comes back: two pieces. */
  assert_int_equal(out.nparts, 2);
  assert_float_equal(out.xy[0], 0, 1e-12);
  im_geom_free(&g);
  im_geom_free(&out);
}

static void remove_invalid(void **state) {
  (void)state;
  im_geom g;
  im_geom_init(&g, IM_GEOM_POLYGON);
  const double r[] = {0, 0, 1, 0, NAN, 5, 1, 131.7, 1, 1, 0, 1, 0, 0};
  ring(&g, r, 7);
  im_bbox lonlat = {-540, -90, 540, 90};
  assert_int_equal(im_geom_remove_invalid(&g, &lonlat), 2);
  assert_int_equal(g.npoints, 5);
  im_geom_free(&g);
}

/* The segment clipper of clip.c, the labels and the legend: a segment that
 * only touches an edge or a corner meets the box, for all three alike. */
static void segment_clip(void **state) {
  (void)state;
  im_bbox b = {0, 0, 10, 10};
  double t0, t1;
  assert_true(im_segment_clip(-5, 5, 15, 5, b, &t0, &t1));
  assert_float_equal(t0, 0.25, 1e-12);
  assert_float_equal(t1, 0.75, 1e-12);
  assert_true(im_segment_clip(2, 2, 3, 3, b, &t0, &t1)); /* wholly inside */
  assert_true(t0 == 0 && t1 == 1);
  assert_true(im_segment_clip(-1, 10, 11, 10, b, &t0, &t1)); /* along the top edge */
  assert_true(im_segment_hits_box(-1, 1, 1, -1, b));         /* through the corner */
  assert_true(im_segment_hits_box(10, 10, 10, 10, b));       /* a point on the corner */
  assert_false(im_segment_hits_box(-1, 0.5, 0.5, -1, b));    /* just past the corner */
  assert_false(im_segment_hits_box(11, 0, 11, 10, b));
  assert_false(im_segment_hits_box(-3, 5, -1, 5, b)); /* short of the box on its line */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(cut_square_across_dateline),
                                     cmocka_unit_test(cut_pacific_centred),
                                     cmocka_unit_test(cut_pole_ring),
                                     cmocka_unit_test(cut_line_split),
                                     cmocka_unit_test(densify_and_simplify),
                                     cmocka_unit_test(clip_ring_and_line),
                                     cmocka_unit_test(remove_invalid),
                                     cmocka_unit_test(segment_clip)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
