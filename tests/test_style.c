/* The style language end to end: rules, classes, named styles and
 * includes, scale ranges, draw order, the time window, and the messages a
 * mistake gets. Pixels are read back from rendered PNGs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define LAND 0xf2efe9
#define SEA 0xdbe9f4

static const char *countries(void) { return src_path("shapes/ne_10m_admin_0_countries_americas.shp"); }

/* A spec over South America at 100 dpi with the given layers text. */
static im_map *south_america(const char *name, const char *head, const char *layers) {
  static char yaml[16384];
  snprintf(yaml, sizeof yaml,
           "%s"
           "map:\n  page: {width: 150mm, height: 180mm, dpi: 100}\n"
           "  crs: \"+proj=laea +lat_0=-15 +lon_0=-65 +datum=WGS84\"\n"
           "  extent: {west: -85, east: -33, south: -56, north: 13}\n"
           "  background: \"#dbe9f4\"\n"
           "layers:\n%s",
           head, layers);
  return load_spec_text(name, yaml);
}

/* Renders map to scratch/name.png and loads it, with a projector. */
static void render_png(im_map *map, const char *name, test_image *img, map_projector *p, im_render_options *opt) {
  char file[256];
  snprintf(file, sizeof file, "%s.png", name);
  const char *out = scratch_path(file);
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, out, opt, &err), &err);
  assert_true(image_load(out, img));
  map_projector_init(p, map);
}

#define LIMA -77.04, -12.05
#define BRASILIA -47.9, -15.8
#define MONTEVIDEO -56.0, -33.0   /* inland Uruguay */
#define BUENOS_AIRES -62.0, -36.0 /* inland Argentina */

/* Every matching rule applies, in order: a later rule wins where both set
 * the same property, and leaves what it does not set. */
static void rules_all_match_later_wins(void **state) {
  (void)state;
  char layers[2048];
  snprintf(layers, sizeof layers,
           "  - source: %s\n"
           "    fill: \"#f2efe9\"\n"
           "    rules:\n"
           "      - where: ISO_A3 in (PER, BRA)\n"
           "        fill: \"#ff0000\"\n"
           "      - where: ISO_A3 = 'BRA'\n"
           "        fill: \"#0000ff\"\n"
           "      - where: ISO_A3 = 'PER'\n"
           "        stroke: {color: \"#00ff00\", width: 0.2pt}\n",
           countries());
  im_map *map = south_america("rules.yaml", "", layers);
  test_image img;
  map_projector p;
  render_png(map, "rules", &img, &p, NULL);
  assert_true(pixel_near(map_projector_sample(&p, &img, LIMA), 0xff0000, 2));     /* rule 1; rule 3 set no fill */
  assert_true(pixel_near(map_projector_sample(&p, &img, BRASILIA), 0x0000ff, 2)); /* rule 2 overrides rule 1 */
  assert_true(pixel_near(map_projector_sample(&p, &img, BUENOS_AIRES), LAND, 2)); /* no rule */
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* A polygon layer with only a stroke draws outlines, never a fill: the
 * default fill is for markers. */
static void stroke_only_polygons(void **state) {
  (void)state;
  char layers[2048];
  snprintf(layers, sizeof layers,
           "  - {source: %s, fill: \"#f2efe9\"}\n"
           "  - {source: %s, stroke: {color: \"#ff0000\", width: 0.3pt}}\n"
           "  - {source: %s, stroke: \"#00ff00\", fill: none}\n",
           countries(), countries(), countries());
  im_map *map = south_america("outline.yaml", "", layers);
  test_image img;
  map_projector p;
  render_png(map, "outline", &img, &p, NULL);
  assert_true(pixel_near(map_projector_sample(&p, &img, BRASILIA), LAND, 2));
  assert_true(pixel_near(map_projector_sample(&p, &img, LIMA), LAND, 2));
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* Categorical classes from a palette of the spec (with its "other"), then
 * graduated classes with given breaks and a ColorBrewer ramp. */
static void classes_colour_features(void **state) {
  (void)state;
  char layers[2048];
  snprintf(layers, sizeof layers,
           "  - source: %s\n"
           "    classes: {field: ISO_A3, palette: house}\n",
           countries());
  im_map *map = south_america("cat.yaml",
                              "palettes:\n  house: {PER: \"#ff0000\", BRA: \"#0000ff\", other: \"#777777\"}\n", layers);
  test_image img;
  map_projector p;
  render_png(map, "cat", &img, &p, NULL);
  assert_true(pixel_near(map_projector_sample(&p, &img, LIMA), 0xff0000, 2));
  assert_true(pixel_near(map_projector_sample(&p, &img, BRASILIA), 0x0000ff, 2));
  assert_true(pixel_near(map_projector_sample(&p, &img, BUENOS_AIRES), 0x777777, 2));
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);

  /* Blues, 3 classes: #deebf7 #9ecae1 #3182bd. POP_EST: Uruguay 3.4 M,
   * Peru 31 M, Brazil 207 M. */
  snprintf(layers, sizeof layers,
           "  - source: %s\n"
           "    classes: {field: POP_EST, breaks: [0, 10000000, 100000000, 2000000000], ramp: Blues}\n",
           countries());
  map = south_america("grad.yaml", "", layers);
  render_png(map, "grad", &img, &p, NULL);
  assert_true(pixel_near(map_projector_sample(&p, &img, MONTEVIDEO), 0xdeebf7, 2));
  assert_true(pixel_near(map_projector_sample(&p, &img, LIMA), 0x9ecae1, 2));
  assert_true(pixel_near(map_projector_sample(&p, &img, BRASILIA), 0x3182bd, 2));
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* A house style written once in a sheet: named styles with rules and
 * classes, used by a layer; a spec's own layer properties still win. */
static void include_named_styles(void **state) {
  (void)state;
  const char *sheet = "styles:\n"
                      "  base: {fill: \"#00ff00\"}\n"
                      "  house:\n"
                      "    style: base\n"
                      "    classes: {field: ISO_A3, values: {BRA: {fill: \"#0000ff\"}}}\n"
                      "    rules:\n"
                      "      - where: ISO_A3 = 'PER'\n"
                      "        fill: \"#ff0000\"\n";
  assert_true(write_file(scratch_path("house.yaml"), sheet, strlen(sheet)));
  char layers[2048];
  snprintf(layers, sizeof layers, "  - source: %s\n    style: house\n", countries());
  im_map *map = south_america("uses-house.yaml", "include: house.yaml\n", layers);
  test_image img;
  map_projector p;
  render_png(map, "house", &img, &p, NULL);
  assert_true(pixel_near(map_projector_sample(&p, &img, LIMA), 0xff0000, 2));
  assert_true(pixel_near(map_projector_sample(&p, &img, BRASILIA), 0x0000ff, 2));
  assert_true(pixel_near(map_projector_sample(&p, &img, BUENOS_AIRES), 0x00ff00, 2));
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* Scale ranges: this map is about 1:48,000,000. */
static void scale_ranges(void **state) {
  (void)state;
  char layers[2048];
  snprintf(layers, sizeof layers,
           "  - source: %s\n"
           "    fill: \"#f2efe9\"\n"
           "    rules:\n"
           "      - {where: ISO_A3 = 'PER', fill: \"#ff0000\", max_scale: 1000000}\n"
           "      - {where: ISO_A3 = 'BRA', fill: \"#0000ff\", min_scale: 10000000, max_scale: 100000000}\n"
           "  - source: %s\n"
           "    fill: \"#000000\"\n"
           "    min_scale: 100000000\n",
           countries(), countries());
  im_map *map = south_america("scale.yaml", "", layers);
  test_image img;
  map_projector p;
  im_render_stats stats;
  im_render_options opt = {.stats = &stats};
  render_png(map, "scale", &img, &p, &opt);
  assert_true(stats.scale_denominator > 30e6 && stats.scale_denominator < 70e6);
  assert_true(pixel_near(map_projector_sample(&p, &img, LIMA), LAND, 2));         /* rule only below 1:1M */
  assert_true(pixel_near(map_projector_sample(&p, &img, BRASILIA), 0x0000ff, 2)); /* rule in range */
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

static void write_points(const char *name, const char *features) {
  char json[8192];
  snprintf(json, sizeof json, "{\"type\": \"FeatureCollection\", \"features\": [%s]}", features);
  assert_true(write_file(scratch_path(name), json, strlen(json)));
}

#define POINT(lon, lat, props)                                                                                         \
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [" #lon ", " #lat "]}, "               \
  "\"properties\": " props "}"

/* Within a layer, features are drawn by their z field (ascending), else by
 * the last rule they match, else in file order. */
static void draw_order(void **state) {
  (void)state;
  write_points("stack.geojson", POINT(-60, -10, "{\"n\": 1, \"z\": 3}") ", " POINT(-60, -10, "{\"n\": 2, \"z\": 1}"));
  char layers[2048];
  snprintf(layers, sizeof layers,
           "  - source: %s\n"
           "    marker: {symbol: square, size: 20pt}\n"
           "    z: z\n"
           "    rules:\n"
           "      - {where: n = 1, fill: \"#ff0000\"}\n"
           "      - {where: n = 2, fill: \"#0000ff\"}\n",
           scratch_path("stack.geojson"));
  im_map *map = south_america("z.yaml", "", layers);
  test_image img;
  map_projector p;
  render_png(map, "z", &img, &p, NULL);
  assert_true(pixel_near(map_projector_sample(&p, &img, -60, -10), 0xff0000, 2)); /* z 3 on top */
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
  /* Without z: the feature whose last matching rule comes later is on top,
   * whatever the file order. */
  snprintf(layers, sizeof layers,
           "  - source: %s\n"
           "    marker: {symbol: square, size: 20pt}\n"
           "    rules:\n"
           "      - {where: n = 2, fill: \"#0000ff\"}\n"
           "      - {where: n = 1, fill: \"#ff0000\"}\n",
           scratch_path("stack.geojson"));
  map = south_america("rule-order.yaml", "", layers);
  render_png(map, "rule-order", &img, &p, NULL);
  assert_true(pixel_near(map_projector_sample(&p, &img, -60, -10), 0xff0000, 2));
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* --from/--to keep the events whose date (to date_end) meets the window,
 * bounds included, a month-only date meeting any window in that month. */
static void time_window(void **state) {
  (void)state;
  write_points(
      "events.geojson",
      POINT(-70, -5, "{\"date\": \"2021-11-30\"}") ", " POINT(-60, -5, "{\"date\": \"2021-12-01\"}") ", " POINT(
          -50, -5, "{\"date\": \"2021-12\"}") ", " POINT(-70, -20,
                                                         "{\"date\": \"2021-10-01\", \"date_end\": "
                                                         "\"2021-12-01\"}") ", " POINT(-60, -20,
                                                                                       "{\"date\": "
                                                                                       "\"2022-01-01\"}"));
  char layers[2048];
  snprintf(layers, sizeof layers, "  - source: %s\n    marker: {symbol: square, size: 12pt}\n    fill: \"#ff0000\"\n",
           scratch_path("events.geojson"));
  im_map *map = south_america("window.yaml", "", layers);
  test_image img;
  map_projector p;
  im_render_options opt = {.from = "2021-12-01", .to = "2021-12-31"};
  render_png(map, "window", &img, &p, &opt);
  assert_false(pixel_near(map_projector_sample(&p, &img, -70, -5), 0xff0000, 2));  /* the day before */
  assert_true(pixel_near(map_projector_sample(&p, &img, -60, -5), 0xff0000, 2));   /* the first day */
  assert_true(pixel_near(map_projector_sample(&p, &img, -50, -5), 0xff0000, 2));   /* the month */
  assert_true(pixel_near(map_projector_sample(&p, &img, -70, -20), 0xff0000, 2));  /* a range ending on it */
  assert_false(pixel_near(map_projector_sample(&p, &img, -60, -20), 0xff0000, 2)); /* after */
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* Loads a spec expected to fail, at line:column with needle in the message
 * (when checking, im_map_check binds to the data too). */
static void expect(const char *name, const char *yaml, bool check, int line, int column, const char *needle) {
  const char *path = scratch_path(name);
  assert_true(write_file(path, yaml, strlen(yaml)));
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  im_status st = im_map_load(path, &map, &err);
  if (!st && check)
    st = im_map_check(map, &err);
  im_map_free(map);
  if (st != IM_STATUS_INPUT || err.line != line || err.column != column || !strstr(err.message, needle)) {
    char buf[4096];
    fail_msg("%s: expected %d:%d '%s', got %d: %s", name, line, column, needle, st,
             im_error_format(&err, buf, sizeof buf));
  }
}

static void mistakes_are_pointed_at(void **state) {
  (void)state;
  char yaml[4096];
  const char *c = countries();
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    strok: red\n", c);
  expect("strok.yaml", yaml, false, 5, 5, "unknown key 'strok' in a layer (did you mean 'stroke'?)");
  snprintf(yaml, sizeof yaml,
           "styles:\n  border: {stroke: red}\nmap:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    style: bordr\n", c);
  expect("style.yaml", yaml, false, 7, 12, "unknown style 'bordr' (did you mean 'border'?)");
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    where: ISO_A3 = 'PER' and NAM = 'x'\n", c);
  expect("field.yaml", yaml, true, 5, 31, "field 'NAM' is not in");
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    where: ISO_A3 = 'PER' or\n", c);
  expect("syntax.yaml", yaml, false, 5, 29, "found the end of the expression");
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    classes: {field: ISO3, palette: vric}\n", c);
  expect("classfield.yaml", yaml, true, 5, 22, "classes field 'ISO3' is not in");
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    classes: {field: ISO_A3, palette: vrik}\n", c);
  expect("palette.yaml", yaml, false, 5, 39, "unknown palette 'vrik'");
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    marker: {symbol: hexagon}\n", c);
  expect("marker.yaml", yaml, false, 5, 22, "marker symbol must be one of");
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    stroke: {cap: rond}\n", c);
  expect("cap.yaml", yaml, false, 5, 19, "cap 'rond' is not known (did you mean 'round'?)");
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    classes: {field: POP_EST, ramp: Bluez}\n", c);
  expect("ramp.yaml", yaml, false, 5, 37, "unknown ramp 'Bluez'");
  snprintf(yaml, sizeof yaml, "include: nothere.yaml\nmap:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n", c);
  expect("include.yaml", yaml, false, 1, 10, "included style sheet");
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\n  period: {from: 2021-13-01}\nlayers:\n  - source: %s\n", c);
  expect("period.yaml", yaml, false, 3, 18, "not an ISO 8601 date");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(rules_all_match_later_wins),
                                     cmocka_unit_test(stroke_only_polygons),
                                     cmocka_unit_test(classes_colour_features),
                                     cmocka_unit_test(include_named_styles),
                                     cmocka_unit_test(scale_ranges),
                                     cmocka_unit_test(draw_order),
                                     cmocka_unit_test(time_window),
                                     cmocka_unit_test(mistakes_are_pointed_at)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
