/* Point displacement: marks at one place never hide each other. The
 * grouping and the rings (im_displace_points), then whole renders: three
 * events at one place in three colours are all seen with displace:, and
 * only the last drawn without it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "render/displace-private.h"

static void ring_of_coincident_points(void **state) {
  (void)state;
  /* Three at one place, one 100 units away. */
  double xy[] = {50, 50, 50, 50, 50, 50, 150, 50};
  im_displaced d[4];
  assert_true(im_displace_points(xy, 4, 5, 9, NULL, NULL, d));
  for (int i = 0; i < 3; i++) {
    assert_true(d[i].moved);
    assert_int_equal(d[i].group, 0);
    assert_true(fabs(d[i].cx - 50) < 1e-9 && fabs(d[i].cy - 50) < 1e-9);
    /* On a ring of radius max(0.75 x 9, 3 x 9 / 2 pi) = 6.75. */
    assert_true(fabs(hypot(d[i].x - 50, d[i].y - 50) - 6.75) < 1e-9);
  }
  assert_true(d[0].first && !d[1].first && !d[2].first);
  /* The first drawn at the top (y down), the rest clockwise. */
  assert_true(fabs(d[0].x - 50) < 1e-9 && fabs(d[0].y - 43.25) < 1e-9);
  assert_true(d[1].x > 50 && d[1].y > 50);
  assert_true(d[2].x < 50 && d[2].y > 50);
  /* No two marks of the ring closer than the spacing allows. */
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      assert_true(hypot(d[i].x - d[j].x, d[i].y - d[j].y) > 9);
  assert_false(d[3].moved);
  assert_true(d[3].x == 150 && d[3].y == 50);
}

/* Marks of places a little apart keep their places' bearing round the
 * ring (actor-china: Lima's event was put north of Chancay, which lies
 * north of Lima; actor-russia: Arauca north of Cucuta). Marks of one
 * place among them keep their drawing order, next to each other. */
static void ring_keeps_bearings(void **state) {
  (void)state;
  /* Lima twice (drawn first and third), Chancay 3 units north (y down),
   * and a point 2 units east of Lima. */
  double xy[] = {50, 50, 50, 47, 50, 50, 52, 50};
  im_displaced d[4];
  assert_true(im_displace_points(xy, 4, 5, 9, NULL, NULL, d));
  for (int i = 0; i < 4; i++)
    assert_true(d[i].moved);
  /* Chancay the northernmost mark, the east point the easternmost. */
  for (int i = 0; i < 4; i++) {
    if (i != 1)
      assert_true(d[1].y < d[i].y);
    if (i != 3)
      assert_true(d[3].x > d[i].x);
  }
  /* Lima's two south-west, side by side on the ring, the first drawn
   * first clockwise (from the top: south-west before west). */
  assert_true(d[0].y > d[1].y && d[2].y > d[1].y);
  assert_true(d[0].x < d[3].x && d[2].x < d[3].x);
  /* Two at one place only: drawing order, the first at the top. */
  double one[] = {10, 10, 10, 10};
  assert_true(im_displace_points(one, 2, 5, 9, NULL, NULL, d));
  assert_true(fabs(d[0].x - 10) < 1e-9 && d[0].y < 10);
}

static void single_linkage_and_missing_points(void **state) {
  (void)state;
  /* a-b 4 apart, b-c 4 apart, a-c 8 apart: one group of three at
   * distance 5; a NaN point is no point; d far away stays. */
  double xy[] = {0, 0, 4, 0, NAN, NAN, 8, 0, 1000, 1000};
  im_displaced d[5];
  assert_true(im_displace_points(xy, 5, 5, 9, NULL, NULL, d));
  assert_true(d[0].moved && d[1].moved && d[3].moved);
  assert_int_equal(d[3].group, 0);
  assert_false(d[2].moved);
  assert_false(d[4].moved);
  assert_true(fabs(d[0].cx - 4) < 1e-9);
  /* Nearer than the distance only: 5 apart is not grouped. */
  double far[] = {0, 0, 5, 0};
  assert_true(im_displace_points(far, 2, 5, 9, NULL, NULL, d));
  assert_false(d[0].moved || d[1].moved);
  /* Many points on a grid of their own: each alone, none moved. */
  enum { N = 2000 };
  static double many[2 * N];
  static im_displaced dm[N];
  for (int i = 0; i < N; i++)
    many[2 * i] = (i % 50) * 10.0, many[2 * i + 1] = (i / 50) * 10.0;
  assert_true(im_displace_points(many, N, 5, 9, NULL, NULL, dm));
  for (int i = 0; i < N; i++)
    assert_false(dm[i].moved);
}

/* Three events at Havana, red, green and blue, drawn in that order; the
 * page is white with no base map, so every coloured pixel is a mark. */
static void count_colours(const char *displace, bool *red, bool *green, bool *blue) {
  const char *csv = scratch_path("havana.csv");
  const char *data = "lon,lat,actor,name\n-82.38,23.13,a,first\n-82.38,23.13,b,second\n-82.38,23.13,c,third\n";
  assert_true(write_file(csv, data, strlen(data)));
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n"
           "  page: {width: 60mm, height: 60mm, dpi: 150}\n"
           "  crs: \"+proj=laea +lat_0=23 +lon_0=-82\"\n"
           "  extent: {west: -84, east: -81, south: 22, north: 24.5}\n"
           "  background: white\n"
           "palettes:\n"
           "  abc: {a: \"#ff0000\", b: \"#00ff00\", c: \"#0000ff\"}\n"
           "layers:\n"
           "  - id: events\n"
           "    source: %s\n"
           "    marker: {symbol: circle, size: 6pt}\n"
           "    classes: [{field: actor, palette: abc}]\n"
           "%s",
           csv, displace);
  im_map *map = load_spec_text("havana.yaml", yaml);
  im_error err;
  im_error_clear(&err);
  const char *out = scratch_path("havana.png");
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  test_image img;
  assert_true(image_load(out, &img));
  *red = *green = *blue = false;
  for (int y = 0; y < img.height; y++)
    for (int x = 0; x < img.width; x++) {
      uint32_t px = image_pixel(&img, x, y);
      *red |= pixel_near(px, 0xff0000, 8);
      *green |= pixel_near(px, 0x00ff00, 8);
      *blue |= pixel_near(px, 0x0000ff, 8);
    }
  image_free(&img);
  im_map_free(map);
}

static void coincident_events_all_seen(void **state) {
  (void)state;
  bool red, green, blue;
  count_colours("    displace: {distance: 5pt}\n", &red, &green, &blue);
  assert_true(red && green && blue);
  /* Without it the last drawn hides the others: the check can fail. */
  count_colours("", &red, &green, &blue);
  assert_true(blue);
  assert_false(red || green);
}

/* A ring round a place by the frame's top edge turns so that its marks
 * stay inside (pad clear of the edge), keeping west west; one in a corner
 * too big to turn inside moves in, its leaders still from the place. */
static void rings_stay_in_the_frame(void **state) {
  (void)state;
  im_bbox frame = {0, 0, 100, 100};
  double pad[6] = {3, 3, 3, 3, 3, 3};
  /* San Ysidro (west, drawn first) and Otay Mesa at y = 4: the plain ring
   * would put the first at y = 4 - 6.75, outside. */
  double xy[] = {49, 4, 51, 4};
  im_displaced d[6];
  assert_true(im_displace_points(xy, 2, 5, 9, pad, &frame, d));
  for (int i = 0; i < 2; i++) {
    assert_true(d[i].moved);
    assert_true(d[i].y - 3 >= 0 && d[i].y + 3 <= 100 && d[i].x - 3 >= 0 && d[i].x + 3 <= 100);
    assert_true(fabs(hypot(d[i].x - 50, d[i].y - 4) - 6.75) < 1e-9);
  }
  assert_true(d[0].x < d[1].x);
  /* Without a frame too: two places a little apart keep their bearing
   * from the centre, west to the west and east to the east. */
  assert_true(im_displace_points(xy, 2, 5, 9, NULL, NULL, d));
  assert_true(fabs(d[0].x - (50 - 6.75)) < 1e-9 && fabs(d[0].y - 4) < 1e-9);
  assert_true(fabs(d[1].x - (50 + 6.75)) < 1e-9 && fabs(d[1].y - 4) < 1e-9);
  /* Six in the corner: no turn fits; the ring moves in. */
  double corner[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  assert_true(im_displace_points(corner, 6, 5, 9, pad, &frame, d));
  for (int i = 0; i < 6; i++) {
    assert_true(d[i].x - 3 >= -1e-9 && d[i].y - 3 >= -1e-9);
    assert_true(d[i].cx == 1 && d[i].cy == 1);
  }
}

/* A render on white with a frame inside the page (margins): a red mark
 * whose symbol the frame's edge would cut is not drawn at all, a green
 * one wholly inside is. */
static void marks_cut_by_the_frame_not_drawn(void **state) {
  (void)state;
  const char *csv = scratch_path("edge.csv");
  /* The frame spans 0..10 degrees of a plate carree map; red on its west
   * edge, green inside. */
  const char *data = "lon,lat,actor\n0.02,5,a\n5,5,b\n";
  assert_true(write_file(csv, data, strlen(data)));
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n"
           "  page: {width: 60mm, height: 60mm, dpi: 150}\n"
           "  margins: {top: 10mm, right: 10mm, bottom: 10mm, left: 10mm}\n"
           "  crs: \"EPSG:4326\"\n"
           "  extent: {west: 0, east: 10, south: 0, north: 10}\n"
           "  background: white\n"
           "palettes:\n"
           "  ab: {a: \"#ff0000\", b: \"#00ff00\"}\n"
           "layers:\n"
           "  - id: towns\n"
           "    source: %s\n"
           "    marker: {symbol: circle, size: 8pt}\n"
           "    classes: [{field: actor, palette: ab}]\n",
           csv);
  im_map *map = load_spec_text("edge.yaml", yaml);
  im_error err;
  im_error_clear(&err);
  const char *out = scratch_path("edge.png");
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  test_image img;
  assert_true(image_load(out, &img));
  bool red = false, green = false;
  for (int y = 0; y < img.height; y++)
    for (int x = 0; x < img.width; x++) {
      uint32_t px = image_pixel(&img, x, y);
      red |= pixel_near(px, 0xff0000, 8);
      green |= pixel_near(px, 0x00ff00, 8);
    }
  image_free(&img);
  im_map_free(map);
  assert_true(green);
  assert_false(red);
}

/* Two routes on one course, one each way (Maduro to Tehran, an Iranian
 * delegation to Caracas), red drawn first, blue over it: both are seen,
 * side by side, not the blue alone over the red. */
static void routes_on_one_course_both_seen(void **state) {
  (void)state;
  const char *csv = scratch_path("courses.csv");
  const char *data = "wkt,actor\n\"LINESTRING (1 5, 9 5)\",a\n\"LINESTRING (9 5, 1 5)\",b\n";
  assert_true(write_file(csv, data, strlen(data)));
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n"
           "  page: {width: 60mm, height: 60mm, dpi: 150}\n"
           "  crs: \"EPSG:4326\"\n"
           "  extent: {west: 0, east: 10, south: 0, north: 10}\n"
           "  background: white\n"
           "palettes:\n"
           "  ab: {a: \"#ff0000\", b: \"#0000ff\"}\n"
           "layers:\n"
           "  - id: routes\n"
           "    source: %s\n"
           "    stroke: {width: 1.3pt, casing: {color: white, width: 2.6pt}}\n"
           "    classes: [{field: actor, palette: ab}]\n",
           csv);
  im_map *map = load_spec_text("courses.yaml", yaml);
  im_error err;
  im_error_clear(&err);
  const char *out = scratch_path("courses.png");
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  test_image img;
  assert_true(image_load(out, &img));
  /* Down the page's middle column: a red run and a blue run, apart. */
  int x = img.width / 2, red = -1, blue = -1;
  for (int y = 0; y < img.height; y++) {
    uint32_t px = image_pixel(&img, x, y);
    if (pixel_near(px, 0xff0000, 16))
      red = y;
    if (pixel_near(px, 0x0000ff, 16))
      blue = y;
  }
  image_free(&img);
  im_map_free(map);
  assert_true(red >= 0 && blue >= 0);
  assert_true(abs(red - blue) >= 3);
}

static void displace_spec_mistakes(void **state) {
  (void)state;
  const char *bad[] = {"    displace: {distance: 5pt, spacing: 0pt}\n", "    displace: {distanse: 5pt}\n",
                       "    displace: lots\n"};
  const char *needles[] = {"spacing must be more than 0", "unknown key 'distanse'", "displace distance"};
  for (size_t i = 0; i < 3; i++) {
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "map: {crs: \"EPSG:4326\"}\nlayers:\n  - source: %s\n%s",
             src_path("shapes/influence/events.geojson"), bad[i]);
    const char *path = scratch_path("displace-bad.yaml");
    assert_true(write_file(path, yaml, strlen(yaml)));
    im_map *map = NULL;
    im_error err;
    im_error_clear(&err);
    assert_int_equal(im_map_load(path, &map, &err), IM_STATUS_INPUT);
    if (!strstr(err.message, needles[i]) || err.line != 4)
      fail_msg("case %zu: %d:%d %s", i, err.line, err.column, err.message);
    assert_null(map);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ring_of_coincident_points),      cmocka_unit_test(ring_keeps_bearings),
      cmocka_unit_test(rings_stay_in_the_frame),        cmocka_unit_test(marks_cut_by_the_frame_not_drawn),
      cmocka_unit_test(routes_on_one_course_both_seen), cmocka_unit_test(single_linkage_and_missing_points),
      cmocka_unit_test(coincident_events_all_seen),     cmocka_unit_test(displace_spec_mistakes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
