/* Proportional symbols (issue 17, item 5): marker: size: {field, max,
 * max_value}. Areas measured on a 300 dpi PNG against the value, the draw
 * order (a small mark over a large one), a polygon's symbol at its pole,
 * zero, missing and negative values drawing nothing, the nested legend's
 * values in the PDF's text, and the errors of a bad size. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "furniture/furniture-private.h"
#include "support.h"

/* Red symbols on white: a pixel's coverage is how far its green channel
 * fell from white, so the sum over a window is the symbol's area in pixels
 * (antialiased edges counted in part, as they are drawn). */
static double red_area(const test_image *img, int cx, int cy, int r) {
  double sum = 0;
  for (int y = cy - r; y <= cy + r; y++)
    for (int x = cx - r; x <= cx + r; x++) {
      if (x < 0 || y < 0 || x >= img->width || y >= img->height)
        continue;
      uint32_t px = image_pixel(img, x, y);
      int red = (px >> 16) & 0xff, green = (px >> 8) & 0xff, blue = px & 0xff;
      if (red > 200 && abs(green - blue) < 8)
        sum += (255 - green) / 255.0;
    }
  return sum;
}

static const char points_csv[] = "name,value,lon,lat\n"
                                 "hundred,100,5,5\n"
                                 "quarter,25,15,5\n"
                                 "four,4,25,5\n"
                                 "zero,0,35,5\n"
                                 "missing,,5,2\n"
                                 "negative,-3,15,2\n"
                                 "text,many,25,2\n";

static im_map *points_map(const char *name, const char *marker) {
  assert_true(write_file(scratch_path("prop-points.csv"), points_csv, strlen(points_csv)));
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 160mm, height: 40mm, dpi: 300}\n  crs: EPSG:4326\n"
           "  extent: {west: 0, east: 40, south: 0, north: 10}\n  background: \"#ffffff\"\n"
           "layers:\n  - id: pts\n    source: prop-points.csv\n    fill: \"#ff0000\"\n    stroke: none\n"
           "    marker: %s\n",
           marker);
  return load_spec_text(name, yaml);
}

/* The area of each symbol is max's area times value / max_value, within 2%:
 * 10 mm at 300 dpi is 118.1 px across. Zero, no value, a negative value and
 * one that is no number draw nothing. */
static void areas_within_two_percent(void **state) {
  (void)state;
  im_map *map = points_map("prop-areas.yaml", "{symbol: circle, size: {field: value, max: 10mm, max_value: 100}}");
  const char *out = scratch_path("prop-areas.png");
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, map);
  static const struct {
    double lon, lat, value;
  } want[] = {{5, 5, 100}, {15, 5, 25}, {25, 5, 4}, {35, 5, 0}, {5, 2, 0}, {15, 2, 0}, {25, 2, 0}};
  double full = 10 / 25.4 * 300; /* px */
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    int x, y;
    assert_true(map_projector_pixel(&p, want[i].lon, want[i].lat, &x, &y));
    double d = full * sqrt(want[i].value / 100), expect = M_PI * d * d / 4;
    double got = red_area(&img, x, y, (int)(full / 2) + 4);
    print_message("value %g: %.1f px, expected %.1f\n", want[i].value, got, expect);
    if (want[i].value > 0) {
      if (fabs(got - expect) > 0.02 * expect)
        fail_msg("value %g: area %.1f px, expected %.1f (more than 2%% off)", want[i].value, got, expect);
    } else if (got > 1) {
      fail_msg("the point at %g,%g (no positive value) drew %.1f px", want[i].lon, want[i].lat, got);
    }
  }
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);

  /* Squares too: the side goes with the square root of the value. max_value:
   * auto is the largest value drawn (100), so the same sizes. */
  map = points_map("prop-squares.yaml", "{symbol: square, size: {field: value, max: 10mm, max_value: auto}}");
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  assert_true(image_load(out, &img));
  map_projector_init(&p, map);
  int x, y;
  assert_true(map_projector_pixel(&p, 15, 5, &x, &y));
  double side = full / 2, got = red_area(&img, x, y, (int)full);
  if (fabs(got - side * side) > 0.02 * side * side)
    fail_msg("square of 25: area %.1f px, expected %.1f", got, side * side);
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* A small mark over a large one at the same place: the small one is drawn
 * last whatever the file's order (it comes first here), so the middle
 * shows it; a ring of the large one shows round it. Coloured by a class on
 * another field, with a legend of both (whose entries once shared the
 * style's strings with the map's and freed them twice). */
static void small_over_large(void **state) {
  (void)state;
  static const char csv[] = "kind,value,lon,lat\nsmall,1,10,5\nbig,100,10,5\n";
  assert_true(write_file(scratch_path("prop-order.csv"), csv, strlen(csv)));
  const char *yaml = "palettes:\n  kinds: {small: \"#0000ff\", big: \"#ff0000\"}\n"
                     "map:\n  page: {width: 80mm, height: 40mm, dpi: 300}\n  crs: EPSG:4326\n"
                     "  extent: {west: 0, east: 20, south: 0, north: 10}\n  background: \"#ffffff\"\n"
                     "layers:\n  - id: pts\n    source: prop-order.csv\n"
                     "    marker: {symbol: circle, size: {field: value, max: 12mm}}\n"
                     "    classes: {field: kind, palette: kinds}\n"
                     "legend: {position: bottom-left}\n"; /* class rows and the nested block */
  im_map *map = load_spec_text("prop-order.yaml", yaml);
  const char *out = scratch_path("prop-order.png");
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, map);
  int x, y;
  assert_true(map_projector_pixel(&p, 10, 5, &x, &y));
  uint32_t mid = image_pixel(&img, x, y);
  if (!pixel_near(mid, 0x0000ff, 10))
    fail_msg("the middle is #%06x: the small (blue) mark is hidden under the large one", mid & 0xffffff);
  /* 12 mm across at 300 dpi: 141.7 px; halfway out, the large one. */
  assert_true(pixel_near(image_pixel(&img, x + 35, y), 0xff0000, 10));
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* A polygon layer draws each polygon as its symbol at its pole (the centre
 * of a square), not the polygon itself. */
static void polygon_symbol_at_pole(void **state) {
  (void)state;
  static const char squares[] =
      "{\"type\": \"FeatureCollection\", \"features\": [\n"
      "{\"type\": \"Feature\", \"properties\": {\"n\": 9}, \"geometry\": {\"type\": \"Polygon\", "
      "\"coordinates\": [[[2,1],[10,1],[10,9],[2,9],[2,1]]]}}]}\n";
  assert_true(write_file(scratch_path("prop-square.geojson"), squares, strlen(squares)));
  const char *yaml = "map:\n  page: {width: 80mm, height: 40mm, dpi: 150}\n  crs: EPSG:4326\n"
                     "  extent: {west: 0, east: 20, south: 0, north: 10}\n  background: \"#ffffff\"\n"
                     "layers:\n  - id: sq\n    source: prop-square.geojson\n    fill: \"#ff0000\"\n"
                     "    stroke: {color: \"#000000\", width: 0.5pt}\n"
                     "    marker: {symbol: circle, size: {field: n, max: 8mm}}\n";
  im_map *map = load_spec_text("prop-square.yaml", yaml);
  const char *out = scratch_path("prop-square.png");
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, map);
  int x, y;
  assert_true(map_projector_pixel(&p, 6, 5, &x, &y));
  assert_true(pixel_near(image_pixel(&img, x, y), 0xff0000, 10));
  /* A corner of the square: neither filled nor outlined. */
  assert_true(map_projector_pixel(&p, 2.5, 1.5, &x, &y));
  assert_true(pixel_near(image_pixel(&img, x, y), 0xffffff, 3));
  assert_true(map_projector_pixel(&p, 2, 5, &x, &y));
  assert_true(pixel_near(image_pixel(&img, x, y), 0xffffff, 3));
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* An aggregate on the bundled data: Peru's five December 2021 events (the
 * hand count of test_thematic) as a circle at Peru's pole, 5 of max_value
 * 10, so half the area of a 10 mm circle, measured within 2%. */
static void aggregate_count_at_pole(void **state) {
  (void)state;
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 120mm, height: 120mm, dpi: 300}\n"
           "  crs: \"+proj=laea +lat_0=-10 +lon_0=-75 +datum=WGS84 +units=m +no_defs\"\n"
           "  extent: {west: -90, east: -60, south: -25, north: 5}\n  background: \"#ffffff\"\n"
           "layers:\n  - id: counts\n    source: %s\n    where: \"ISO_A3 = 'PER'\"\n"
           "    aggregate: {name: n, source: %s, where: \"reported = '2021-12'\"}\n"
           "    fill: \"#ff0000\"\n    stroke: none\n"
           "    marker: {symbol: circle, size: {field: n, max: 10mm, max_value: 10}}\n",
           src_path("shapes/ne_10m_admin_0_countries_americas.shp"), src_path("shapes/influence/events.geojson"));
  im_map *map = load_spec_text("prop-peru.yaml", yaml);
  const char *out = scratch_path("prop-peru.png");
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  test_image img;
  assert_true(image_load(out, &img));
  /* The only red on the page is the circle (the country itself is not
   * drawn): sum it all. */
  double got = red_area(&img, img.width / 2, img.height / 2, img.width), d = 10 / 25.4 * 300 * sqrt(0.5);
  double expect = M_PI * d * d / 4;
  print_message("Peru: %.1f px, expected %.1f\n", got, expect);
  if (fabs(got - expect) > 0.02 * expect)
    fail_msg("Peru's circle: %.1f px, expected %.1f (5 events of 10)", got, expect);
  /* And it sits at Peru's pole of inaccessibility, so wholly inside Peru,
   * whose inscribed circle is far larger: its centre and four points near
   * its rim are in Peru as the same map draws it filled blue. */
  double sx = 0, sy = 0, sw = 0;
  for (int y = 0; y < img.height; y++)
    for (int x = 0; x < img.width; x++) {
      uint32_t px = image_pixel(&img, x, y);
      double a = ((px >> 16) & 0xff) > 200 ? (255 - ((px >> 8) & 0xff)) / 255.0 : 0;
      sx += a * x, sy += a * y, sw += a;
    }
  image_free(&img);
  im_map_free(map);
  assert_true(sw > 0);
  int cx = (int)lround(sx / sw), cy = (int)lround(sy / sw), r = (int)(0.45 * d);
  char *peru = strstr(yaml, "    fill: ");
  snprintf(peru, sizeof yaml - (size_t)(peru - yaml), "    fill: \"#0000ff\"\n    stroke: none\n");
  map = load_spec_text("prop-peru-fill.yaml", yaml);
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  assert_true(image_load(out, &img));
  static const int off[][2] = {{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}};
  for (size_t i = 0; i < 5; i++)
    if (!pixel_near(image_pixel(&img, cx + off[i][0] * r, cy + off[i][1] * r), 0x0000ff, 10))
      fail_msg("the circle centred at %d,%d reaches outside Peru", cx, cy);
  image_free(&img);
  im_map_free(map);
}

/* The nested legend: three round values below the largest drawn (100: 100,
 * 50 and 10), under the title of the legend's section by the size field. */
static void nested_legend_in_pdf(void **state) {
  (void)state;
  assert_true(write_file(scratch_path("prop-points.csv"), points_csv, strlen(points_csv)));
  const char *yaml = "map:\n  page: {width: 160mm, height: 80mm}\n  crs: EPSG:4326\n"
                     "  extent: {west: 0, east: 40, south: -10, north: 10}\n"
                     "layers:\n  - id: pts\n    source: prop-points.csv\n    fill: \"#ff0000\"\n"
                     "    marker: {symbol: circle, size: {field: value, max: 10mm}}\n"
                     "legend:\n  position: bottom-right\n  sections: [{title: Qwertyvalue, by: value}]\n";
  im_map *map = load_spec_text("prop-legend.yaml", yaml);
  const char *out = scratch_path("prop-legend.pdf");
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "pdftotext -raw '%s' -", out);
  char *text = run_capture(cmd);
  assert_non_null(text);
  print_message("%s", text);
  assert_non_null(strstr(text, "Qwertyvalue"));
  const char *after = strstr(text, "Qwertyvalue");
  /* In order, largest first, each a word of its own. */
  const char *a = strstr(after, "100\n"), *b = a ? strstr(a + 4, "50\n") : NULL, *c = b ? strstr(b + 3, "10\n") : NULL;
  assert_non_null(a);
  assert_non_null(b);
  assert_non_null(c);
  free(text);
  im_map_free(map);
}

/* The values keyed: the largest to one significant digit, then about a
 * half and an eighth of it in 1, 2, 2.5 or 5 times a power of ten; whole
 * numbers only for whole values. */
static void legend_values(void **state) {
  (void)state;
  double v[3];
  assert_int_equal(im_legend_size_values(5, true, v), 3);
  assert_true(v[0] == 5 && v[1] == 2 && v[2] == 1);
  assert_int_equal(im_legend_size_values(47, true, v), 3);
  assert_true(v[0] == 40 && v[1] == 20 && v[2] == 5);
  assert_int_equal(im_legend_size_values(1234, true, v), 3);
  assert_true(v[0] == 1000 && v[1] == 500 && v[2] == 100);
  assert_int_equal(im_legend_size_values(100, false, v), 3);
  assert_true(v[0] == 100 && v[1] == 50 && v[2] == 10);
  assert_int_equal(im_legend_size_values(2, true, v), 2);
  assert_true(v[0] == 2 && v[1] == 1);
  assert_int_equal(im_legend_size_values(1, true, v), 1);
  assert_true(v[0] == 1);
  assert_int_equal(im_legend_size_values(0.37, false, v), 3);
  assert_true(fabs(v[0] - 0.3) < 1e-12 && fabs(v[1] - 0.1) < 1e-12 && fabs(v[2] - 0.025) < 1e-12);
  assert_int_equal(im_legend_size_values(0, true, v), 0);
}

static void bad_sizes(void **state) {
  (void)state;
  assert_true(write_file(scratch_path("prop-points.csv"), points_csv, strlen(points_csv)));
  static const struct {
    const char *marker, *message;
  } bad[] = {
      {"{size: {field: valeu, max: 10mm}}", "marker size field 'valeu' is not in"},
      {"{size: {max: 10mm}}", "needs field:"},
      {"{size: {field: value, max: 0mm}}", "max must be more than 0"},
      {"{size: {field: value, max_value: -2}}", "max_value"},
      {"{size: {field: value, maximum: 3mm}}", "maximum"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "map:\n  page: {width: 80mm, height: 40mm}\n  crs: EPSG:4326\n"
             "  extent: {west: 0, east: 40, south: 0, north: 10}\n"
             "layers:\n  - id: pts\n    source: prop-points.csv\n    marker: %s\n",
             bad[i].marker);
    const char *path = scratch_path("prop-bad.yaml");
    assert_true(write_file(path, yaml, strlen(yaml)));
    im_map *map = NULL;
    im_error err;
    im_error_clear(&err);
    im_status st = im_map_load(path, &map, &err);
    if (!st) {
      st = im_map_check(map, &err);
      im_map_free(map);
    }
    assert_int_equal(st, IM_STATUS_INPUT);
    if (!strstr(err.message, bad[i].message) || !strstr(err.file, "prop-bad.yaml") || err.line != 8)
      fail_msg("%s: %s:%d: '%s', expected '%s' on line 8", bad[i].marker, err.file, err.line, err.message,
               bad[i].message);
  }
}

/* Small multiples: each panel's largest value would be drawn max wide,
 * so one value at two sizes side by side; max_value must be a number. */
static void multiples_need_max_value(void **state) {
  (void)state;
  assert_true(write_file(scratch_path("prop-points.csv"), points_csv, strlen(points_csv)));
  const char *base = "map:\n  page: {width: 200mm, height: 100mm}\n  crs: EPSG:4326\n"
                     "  extent: {west: 0, east: 40, south: 0, north: 10}\n"
                     "layers:\n  - id: pts\n    source: prop-points.csv\n"
                     "    marker: {size: {field: value, max: 10mm%s}}\n"
                     "multiples:\n  columns: 2\n  panels: [{where: {layer: pts, expr: \"value > 10\"}}, {title: B}]\n";
  char yaml[1024];
  snprintf(yaml, sizeof yaml, base, "");
  const char *path = scratch_path("prop-mult.yaml");
  assert_true(write_file(path, yaml, strlen(yaml)));
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_int_equal(im_map_load(path, &map, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "need max_value: a number"));
  assert_int_equal(err.line, 8);
  snprintf(yaml, sizeof yaml, base, ", max_value: 100");
  assert_true(write_file(path, yaml, strlen(yaml)));
  im_error_clear(&err);
  assert_ok(im_map_load(path, &map, &err), &err);
  assert_ok(im_map_render(map, scratch_path("prop-mult.png"), NULL, &err), &err);
  im_map_free(map);
}

/* The size may be an expression (spec/filter: computed fields): value * 4
 * with max_value 400 draws exactly what value with max_value 100 does, and
 * a misspelt field inside it is an error at its column. */
static void size_from_expression(void **state) {
  (void)state;
  im_error err;
  im_map *plain = points_map("prop-expr-a.yaml", "{symbol: circle, size: {field: value, max: 10mm, max_value: 100}}");
  im_map *expr =
      points_map("prop-expr-b.yaml", "{symbol: circle, size: {field: \"value * 4\", max: 10mm, max_value: 400}}");
  char a[1024], b[1024];
  snprintf(a, sizeof a, "%s", scratch_path("prop-expr-a.png"));
  snprintf(b, sizeof b, "%s", scratch_path("prop-expr-b.png"));
  im_error_clear(&err);
  assert_ok(im_map_render(plain, a, NULL, &err), &err);
  assert_ok(im_map_render(expr, b, NULL, &err), &err);
  assert_true(files_equal(a, b));
  im_map_free(plain);
  im_map_free(expr);
  im_map *typo =
      points_map("prop-expr-c.yaml", "{symbol: circle, size: {field: \"valu * 4\", max: 10mm, max_value: 400}}");
  im_error_clear(&err);
  assert_int_equal(im_map_render(typo, scratch_path("prop-expr-c.png"), NULL, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "did you mean 'value'"));
  assert_int_equal(err.line, 11);
  im_map_free(typo);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(areas_within_two_percent),
      cmocka_unit_test(small_over_large),
      cmocka_unit_test(polygon_symbol_at_pole),
      cmocka_unit_test(aggregate_count_at_pole),
      cmocka_unit_test(nested_legend_in_pdf),
      cmocka_unit_test(legend_values),
      cmocka_unit_test(bad_sizes),
      cmocka_unit_test(multiples_need_max_value),
      cmocka_unit_test(size_from_expression),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
