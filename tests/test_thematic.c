/* Thematic maps (issue 17). aggregate: on a layer: counts per country
 * checked against a hand count of the bundled events, sum/mean/min/max with
 * missing values, the time window and another layer's where:, and the
 * errors of a bad aggregate. Classes that read well: whole-number classes
 * labelled by the values they hold, labels of one's own, a "no data" style
 * with its legend entry. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "furniture/furniture-private.h"
#include "support.h"

#define SEA 0xdbe9f4

/* Countries coloured by their number of December 2021 events: count k
 * gets the colour #k0k0k0 (red, green and blue all 16 * k + ...), so the
 * pixel at a capital reads back the count. */
static void counts_match_hand_count(void **state) {
  (void)state;
  char yaml[4096];
  int n = snprintf(yaml, sizeof yaml, "palettes:\n  counts: {");
  for (int k = 0; k <= 9; k++)
    n += snprintf(yaml + n, sizeof yaml - n, "%s\"%d\": \"#%02x%02x%02x\"", k ? ", " : "", k, 20 * k, 20 * k,
                  20 * k + 5);
  snprintf(yaml + n, sizeof yaml - n,
           ", other: \"#ff0000\"}\n"
           "map:\n  page: {width: 1400px, height: 1600px, dpi: 150}\n"
           "  crs: \"+proj=laea +lat_0=-15 +lon_0=-75 +datum=WGS84 +units=m +no_defs\"\n"
           "  extent: {west: -118, east: -34, south: -56, north: 33}\n  background: \"#dbe9f4\"\n"
           "layers:\n  - id: countries\n    source: %s\n"
           "    aggregate: {name: n_events, source: %s, op: count, where: \"reported = '2021-12'\"}\n"
           "    classes: {field: n_events, palette: counts}\n",
           src_path("shapes/ne_10m_admin_0_countries_americas.shp"), src_path("shapes/influence/events.geojson"));
  im_map *map = load_spec_text("counts.yaml", yaml);
  const char *out = scratch_path("counts.png");
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, map);
  /* The hand count: the December 2021 events of shapes/influence/events.geojson by
   * their "country" (the 44 features with reported = '2021-12'), read off
   * one by one; each event's point lies in the country it names. */
  static const struct {
    const char *iso;
    double lon, lat;
    int count;
  } hand[] = {
      {"PER", -75.0, -9.5, 5},  {"VEN", -66.0, 7.5, 5},   {"COL", -73.5, 4.0, 4},   {"CHL", -70.5, -30.0, 3},
      {"NIC", -85.0, 12.8, 3},  {"USA", -98.0, 31.0, 3},  {"CUB", -79.0, 21.8, 2},  {"ECU", -78.3, -1.5, 1},
      {"BRA", -50.0, -10.0, 1}, {"ARG", -64.0, -34.0, 1}, {"URY", -56.0, -32.8, 1}, {"HND", -86.6, 14.6, 1},
      {"SLV", -88.9, 13.75, 1}, {"BOL", -64.5, -17.0, 0}, {"PRY", -58.0, -23.5, 0}, {"MEX", -102.0, 23.5, 0},
      {"GTM", -90.3, 15.5, 0},  {"PAN", -80.2, 8.4, 0},   {"GUY", -58.9, 5.0, 0},   {"CRI", -84.1, 10.0, 0},
  };
  for (size_t i = 0; i < sizeof hand / sizeof hand[0]; i++) {
    uint32_t px = map_projector_sample(&p, &img, hand[i].lon, hand[i].lat);
    int k = hand[i].count;
    uint32_t want = (uint32_t)(20 * k) << 16 | (uint32_t)(20 * k) << 8 | (uint32_t)(20 * k + 5);
    if (!pixel_near(px, want, 3))
      fail_msg("%s: pixel #%06x, expected the colour of %d events (#%06x)", hand[i].iso, px & 0xffffff, k, want);
  }
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* Two squares, A (0..10 x 0..10, with a hole 4..6 x 4..6) and B (20..30 x
 * 0..10), and points: in A the values 1, 2 and 4, a point with no value
 * and one with a value that is no number (counted, left out of the sum),
 * one in A's hole, one dated outside the map's period, and one the layer
 * named by layer: filters out; none in B. */
static const char *write_fixture(void) {
  static const char squares[] =
      "{\"type\": \"FeatureCollection\", \"features\": [\n"
      "{\"type\": \"Feature\", \"properties\": {\"name\": \"A\"}, \"geometry\": {\"type\": \"Polygon\", "
      "\"coordinates\": [[[0,0],[10,0],[10,10],[0,10],[0,0]], [[4,4],[6,4],[6,6],[4,6],[4,4]]]}},\n"
      "{\"type\": \"Feature\", \"properties\": {\"name\": \"B\"}, \"geometry\": {\"type\": \"Polygon\", "
      "\"coordinates\": [[[20,0],[30,0],[30,10],[20,10],[20,0]]]}}]}\n";
  static const char points[] = "name,v,date,kind,lon,lat\n"
                               "p1,1,2021-12-01,x,1,1\n"
                               "p2,2,2021-12-05,x,9,2\n"
                               "p3,4,2021-12-09,x,3,8\n"
                               "p4,,2021-12-10,x,2,5\n"
                               "p5,1.5,2021-12-11,x,5,5\n"
                               "p6,100,2020-01-01,x,8,8\n"
                               "p7,50,2021-12-12,y,7,3\n";
  assert_true(write_file(scratch_path("squares.geojson"), squares, strlen(squares)));
  assert_true(write_file(scratch_path("points.csv"), points, strlen(points)));
  return scratch_path("squares.geojson");
}

static void sum_mean_min_max(void **state) {
  (void)state;
  write_fixture();
  char yaml[4096];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 600px, height: 300px, dpi: 72}\n  crs: EPSG:4326\n"
           "  extent: {west: -2, east: 32, south: -2, north: 12}\n  background: \"#dbe9f4\"\n"
           "  period: {from: 2021-12-01, to: 2021-12-31}\n"
           "layers:\n"
           "  - id: areas\n    source: %s\n    fill: \"#888888\"\n"
           "    aggregate:\n"
           "      - {name: n, layer: pts}\n"
           "      - {name: total, layer: pts, op: sum, field: v}\n"
           "      - {name: avg, layer: pts, op: mean, field: v}\n"
           "      - {name: lo, layer: pts, op: min, field: v}\n"
           "      - {name: hi, source: points.csv, op: max, field: v, where: \"kind = 'x'\"}\n"
           "    rules:\n"
           "      - where: \"n = 4 and total = 7 and avg > 2.333 and avg < 2.334 and lo = 1 and hi = 4\"\n"
           "        fill: \"#ff0000\"\n"
           "      - where: \"n = 0 and total = 0 and avg is null and lo is null and hi is null\"\n"
           "        fill: \"#0000ff\"\n"
           "  - id: pts\n    source: points.csv\n    where: \"kind = 'x'\"\n    visible: false\n",
           scratch_path("squares.geojson"));
  im_map *map = load_spec_text("agg.yaml", yaml);
  const char *out = scratch_path("agg.png");
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, map);
  uint32_t a = map_projector_sample(&p, &img, 2, 2), b = map_projector_sample(&p, &img, 25, 5);
  if (!pixel_near(a, 0xff0000, 2))
    fail_msg("square A: #%06x, not the colour of n 4, total 7, mean 7/3, min 1, max 4", a & 0xffffff);
  if (!pixel_near(b, 0x0000ff, 2))
    fail_msg("square B: #%06x, not the colour of no points (n 0, sum 0, no mean, min or max)", b & 0xffffff);
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* A bad aggregate is an error at its place, never a crash or a silent 0. */
static void bad_aggregates(void **state) {
  (void)state;
  char squares[1024];
  snprintf(squares, sizeof squares, "%s", write_fixture()); /* scratch_path's buffer is reused */
  static const struct {
    const char *agg, *message;
  } cases[] = {
      {"{name: n, source: points.csv, op: median}", "did you mean 'mean'"},
      {"{name: n, source: points.csv, layer: pts}", "one of source: (a file) or layer:"},
      {"{name: n, source: points.csv, op: sum}", "needs a field"},
      {"{name: n, source: points.csv, field: v}", "field: is for sum"},
      {"{name: n, layer: nowhere}", "no layer has the id 'nowhere'"},
      {"{source: points.csv}", "needs a name"},
      {"{name: s, source: points.csv, op: sum, field: vv}", "field 'vv' is not in"},
      {"{name: s, source: points.csv, op: sum, field: kind}", "holds String values, not numbers to sum"},
      {"{name: name, source: points.csv}", "already has a field of that name"},
      {"{name: n, source: points.csv, where: \"nope = 1\"}", "nope"},
      {"{name: n, source: missing.csv}", "not found"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "map:\n  page: {width: 200px, height: 100px, dpi: 72}\n  crs: EPSG:4326\n"
             "  extent: {west: -2, east: 32, south: -2, north: 12}\n"
             "layers:\n  - id: areas\n    source: %s\n    aggregate: %s\n"
             "  - id: pts\n    source: points.csv\n",
             squares, cases[i].agg);
    const char *path = scratch_path("bad.yaml");
    assert_true(write_file(path, yaml, strlen(yaml)));
    im_map *map = NULL;
    im_error err;
    im_error_clear(&err);
    im_status st = im_map_load(path, &map, &err);
    if (!st)
      st = im_map_check(map, &err);
    if (!st || !strstr(err.message, cases[i].message))
      fail_msg("aggregate %s: status %d, message '%s', expected one with '%s'", cases[i].agg, (int)st, err.message,
               cases[i].message);
    im_map_free(map);
  }
}

/* The mean of v in each square in classes [0, 2) and [2, 100]: the legend
 * says "0 – 2" and "2 – 100" (a Real field: the bounds), or the labels
 * given; B, with no points, has no mean: it is drawn in the no_data style
 * and listed last as "No data", counted. */
static void class_labels_and_no_data(void **state) {
  (void)state;
  write_fixture();
  char yaml[4096];
  for (int custom = 0; custom < 2; custom++) {
    snprintf(yaml, sizeof yaml,
             "map:\n  page: {width: 600px, height: 300px, dpi: 72}\n  crs: EPSG:4326\n"
             "  extent: {west: -2, east: 32, south: -2, north: 12}\n  background: \"#dbe9f4\"\n"
             "  period: {from: 2021-12-01, to: 2021-12-31}\n"
             "layers:\n"
             "  - id: areas\n    source: %s\n"
             "    aggregate: {name: avg, source: points.csv, op: mean, field: v}\n"
             "    classes: {field: avg, breaks: [0, 2, 100], ramp: Greens, no_data: {fill: \"#ff00ff\"}%s}\n"
             "legend: {counts: true, layers: [areas]}\n",
             scratch_path("squares.geojson"), custom ? ", labels: [Low, High]" : "");
    im_map *map = load_spec_text("labels.yaml", yaml);
    im_furniture_report r;
    im_error err;
    im_error_clear(&err);
    assert_ok(im_furniture_probe(map, NULL, &r, &err), &err);
    /* A: the mean of 1, 2, 4 and 50 (p1, p2, p3, p7) is 14.25. */
    assert_int_equal(r.nlegend, 2);
    assert_string_equal(r.legend[0].label, custom ? "High" : "2 \xe2\x80\x93 100");
    assert_string_equal(r.legend[1].label, "No data");
    assert_int_equal(r.legend[1].count, 1);
    const char *out = scratch_path("labels.png");
    assert_ok(im_map_render(map, out, NULL, &err), &err);
    test_image img;
    assert_true(image_load(out, &img));
    map_projector p;
    map_projector_init(&p, map);
    uint32_t b = map_projector_sample(&p, &img, 25, 5);
    if (!pixel_near(b, 0xff00ff, 2))
      fail_msg("square B, with no mean: #%06x, not the no_data fill", b & 0xffffff);
    map_projector_fini(&p);
    image_free(&img);
    im_map_free(map);
  }
  /* A label list that does not fit the classes is refused where it is. */
  const char *bad = "map:\n  crs: EPSG:4326\nlayers:\n  - id: a\n    source: squares.geojson\n"
                    "    classes: {field: name, breaks: [0, 1, 2], labels: [one]}\n";
  const char *path = scratch_path("badlabels.yaml");
  assert_true(write_file(path, bad, strlen(bad)));
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_int_equal(im_map_load(path, &map, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "1 labels for 2 classes"));
  assert_int_equal(err.line, 6);
}

/* Whole numbers with given breaks that are not whole: [-0.5, 0.5) holds
 * only 0, [0.5, 2.5) holds 1 and 2, the last class [2.5, 5] holds 3 to 5. */
static void integer_labels_from_fractional_breaks(void **state) {
  (void)state;
  write_fixture();
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 600px, height: 300px, dpi: 72}\n  crs: EPSG:4326\n"
           "  extent: {west: -2, east: 32, south: -2, north: 12}\n"
           "  period: {from: 2021-12-01, to: 2021-12-31}\n"
           "layers:\n  - id: areas\n    source: %s\n"
           "    aggregate: {name: n, source: points.csv}\n"
           "    classes: {field: n, breaks: [-0.5, 0.5, 2.5, 5], ramp: Blues}\n"
           "legend: {layers: [areas]}\n",
           scratch_path("squares.geojson"));
  im_map *map = load_spec_text("intlabels.yaml", yaml);
  im_furniture_report r;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_furniture_probe(map, NULL, &r, &err), &err);
  assert_int_equal(r.nlegend, 2);
  /* A holds p1, p2, p3, p4 and p7 (p5 is in its hole, p6 before the
   * period): 5 points, the last class's upper bound. */
  assert_string_equal(r.legend[0].label, "3 \xe2\x80\x93 5");
  assert_string_equal(r.legend[1].label, "0");
  im_map_free(map);
}

/* Joins: squares A, B and C (C has no row), a table with B twice (the
 * first row used) and a row for no square; then keys compared as numbers
 * ("2" matches "2.0"); counts in the render's stats, strict failing and
 * naming the keys; a field the layer already has refused. */
static void join_matched_unmatched_duplicate(void **state) {
  (void)state;
  static const char squares[] =
      "{\"type\": \"FeatureCollection\", \"features\": [\n"
      "{\"type\": \"Feature\", \"properties\": {\"name\": \"A\", \"code\": 1}, \"geometry\": {\"type\": "
      "\"Polygon\", \"coordinates\": [[[0,0],[10,0],[10,10],[0,10],[0,0]]]}},\n"
      "{\"type\": \"Feature\", \"properties\": {\"name\": \"B\", \"code\": 2}, \"geometry\": {\"type\": "
      "\"Polygon\", \"coordinates\": [[[20,0],[30,0],[30,10],[20,10],[20,0]]]}},\n"
      "{\"type\": \"Feature\", \"properties\": {\"name\": \"C\", \"code\": 3}, \"geometry\": {\"type\": "
      "\"Polygon\", \"coordinates\": [[[40,0],[50,0],[50,10],[40,10],[40,0]]]}}]}\n";
  static const char table[] = "id,code,share,note\nA,1.0,10,first\nB,2,80,first\nB,2,5,second\nZ,9,1,none\n";
  assert_true(write_file(scratch_path("abc.geojson"), squares, strlen(squares)));
  assert_true(write_file(scratch_path("table.csv"), table, strlen(table)));
  static const char *const joins[] = {"{source: table.csv, on: name, key: id, fields: [share, note]}",
                                      "{source: table.csv, on: code, fields: [share, note]}"};
  for (int by_code = 0; by_code < 2; by_code++) {
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "map:\n  page: {width: 600px, height: 200px, dpi: 72}\n  crs: EPSG:4326\n"
             "  extent: {west: -2, east: 52, south: -2, north: 12}\n  background: \"#dbe9f4\"\n"
             "layers:\n  - id: areas\n    source: abc.geojson\n    join: %s\n"
             "    classes: {field: share, breaks: [0, 50, 100], ramp: Blues, no_data: \"#ff00ff\"}\n"
             "    rules: [{where: \"note = 'first' and share = 80\", fill: \"#00ff00\"}]\n",
             joins[by_code]);
    im_map *map = load_spec_text("join.yaml", yaml);
    im_render_stats stats = {0};
    im_render_options opt = {.stats = &stats};
    im_error err;
    im_error_clear(&err);
    const char *out = scratch_path("join.png");
    assert_ok(im_map_render(map, out, &opt, &err), &err);
    assert_int_equal(stats.join_unmatched, 1);  /* C */
    assert_int_equal(stats.join_duplicates, 1); /* B */
    test_image img;
    assert_true(image_load(out, &img));
    map_projector p;
    map_projector_init(&p, map);
    uint32_t a = map_projector_sample(&p, &img, 5, 5), b = map_projector_sample(&p, &img, 25, 5),
             c = map_projector_sample(&p, &img, 45, 5);
    /* A: share 10, Blues' lighter class; B: its first row; C: no data. */
    if (!pixel_near(a, 0xdeebf7, 2) || !pixel_near(b, 0x00ff00, 2) || !pixel_near(c, 0xff00ff, 2))
      fail_msg("join by %s: A #%06x, B #%06x, C #%06x", by_code ? "code" : "name", a & 0xffffff, b & 0xffffff,
               c & 0xffffff);
    map_projector_fini(&p);
    image_free(&img);
    /* Strict: an error that names the unmatched key, nothing written. */
    remove(out);
    opt.strict = true;
    assert_int_equal(im_map_render(map, out, &opt, &err), IM_STATUS_INPUT);
    if (!strstr(err.message, "1 feature matches no row") || !strstr(err.message, by_code ? "'3'" : "'C'"))
      fail_msg("strict join: %s", err.message);
    im_map_free(map);
  }
  /* Without fields: every column but the key, and one the layer has
   * already (code) is refused. */
  const char *bad = "map:\n  crs: EPSG:4326\nlayers:\n  - id: a\n    source: abc.geojson\n"
                    "    join: {source: table.csv, on: name, key: id}\n";
  const char *path = scratch_path("badjoin.yaml");
  assert_true(write_file(path, bad, strlen(bad)));
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_load(path, &map, &err), &err);
  assert_int_equal(im_map_check(map, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "join: field 'code'"));
  im_map_free(map);
}

/* Number formats: decimals and a unit, thousands separated by commas and
 * the decimal point a point whatever the locale. */
static void class_number_format(void **state) {
  (void)state;
  write_fixture();
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 600px, height: 300px, dpi: 72}\n  crs: EPSG:4326\n"
           "  extent: {west: -2, east: 32, south: -2, north: 12}\n"
           "  period: {from: 2021-12-01, to: 2021-12-31}\n"
           "layers:\n  - id: areas\n    source: %s\n"
           "    aggregate: {name: avg, source: points.csv, op: mean, field: v}\n"
           "    classes: {field: avg, breaks: [0, 2.5, 1500.75], ramp: Blues, format: {decimals: 1, unit: \"%%\"}}\n"
           "legend: {layers: [areas]}\n",
           scratch_path("squares.geojson"));
  im_map *map = load_spec_text("format.yaml", yaml);
  im_furniture_report r;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_furniture_probe(map, NULL, &r, &err), &err);
  assert_int_equal(r.nlegend, 1); /* A's mean, 14.25; B has none */
  assert_string_equal(r.legend[0].label, "2.5% \xe2\x80\x93 1,500.8%");
  im_map_free(map);
}

/* A named ramp in a spec: five squares valued 1..5 in five equal-interval
 * classes of viridis, reversed, are filled with matplotlib's published
 * 5-class viridis (#440154 #3b528b #21918c #5ec962 #fde725), last first. */
static void named_ramp_on_map(void **state) {
  (void)state;
  char geojson[2048];
  int n = snprintf(geojson, sizeof geojson, "{\"type\": \"FeatureCollection\", \"features\": [");
  for (int i = 0; i < 5; i++)
    n += snprintf(geojson + n, sizeof geojson - n,
                  "%s{\"type\": \"Feature\", \"properties\": {\"v\": %d}, \"geometry\": {\"type\": \"Polygon\", "
                  "\"coordinates\": [[[%d,0],[%d,0],[%d,10],[%d,10],[%d,0]]]}}",
                  i ? "," : "", i + 1, 10 * i, 10 * i + 8, 10 * i + 8, 10 * i, 10 * i);
  snprintf(geojson + n, sizeof geojson - n, "]}");
  assert_true(write_file(scratch_path("ramp.geojson"), geojson, strlen(geojson)));
  const char *yaml = "map:\n  page: {width: 500px, height: 100px, dpi: 72}\n  crs: EPSG:4326\n"
                     "  extent: {west: -1, east: 49, south: 0, north: 10}\n  background: \"#ffffff\"\n"
                     "layers:\n  - id: sq\n    source: ramp.geojson\n    stroke: none\n"
                     "    classes: {field: v, method: equal-interval, count: 5, ramp: viridis, reverse: true}\n";
  im_map *map = load_spec_text("ramp.yaml", yaml);
  const char *out = scratch_path("ramp.png");
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, map);
  static const uint32_t want[] = {0xfde725, 0x5ec962, 0x21918c, 0x3b528b, 0x440154};
  for (int i = 0; i < 5; i++) {
    uint32_t px = map_projector_sample(&p, &img, 10 * i + 4, 5);
    if (!pixel_near(px, want[i], 1))
      fail_msg("square %d: #%06x, expected #%06x", i + 1, px & 0xffffff, want[i]);
  }
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* ---- annotations ---- */

typedef struct {
  double x0, y0, x1, y1;
  char text[64];
} word_box;

/* The words of a PDF with their boxes (pdftotext -bbox), up to max. */
static size_t pdf_words(const char *pdf, word_box *out, size_t max) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -bbox '%s' -", pdf);
  char *html = run_capture(cmd);
  assert_non_null(html);
  size_t n = 0;
  for (const char *p = strstr(html, "<word "); p && n < max; p = strstr(p + 1, "<word ")) {
    word_box *w = &out[n];
    int used = 0;
    if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\">%n", &w->x0, &w->y0, &w->x1, &w->y1,
               &used) != 4)
      continue;
    const char *t = p + used, *end = strstr(t, "</word>");
    size_t len = end ? (size_t)(end - t) : 0;
    snprintf(w->text, sizeof w->text, "%.*s", (int)(len < 63 ? len : 63), t);
    n++;
  }
  free(html);
  return n;
}

/* The union of the boxes of the annotation's words (those listed in
 * mine), and how many other words (labels) meet it: none may. */
static size_t words_over_annotation(const word_box *w, size_t n, const char *const *mine, size_t *nmine) {
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  *nmine = 0;
  for (size_t i = 0; i < n; i++)
    for (const char *const *m = mine; *m; m++)
      if (!strcmp(w[i].text, *m)) {
        x0 = fmin(x0, w[i].x0), y0 = fmin(y0, w[i].y0), x1 = fmax(x1, w[i].x1), y1 = fmax(y1, w[i].y1);
        ++*nmine;
        break;
      }
  size_t over = 0;
  for (size_t i = 0; i < n; i++) {
    bool own = false;
    for (const char *const *m = mine; *m && !own; m++)
      own = !strcmp(w[i].text, *m);
    if (!own && w[i].x0 < x1 && w[i].x1 > x0 && w[i].y0 < y1 && w[i].y1 > y0) {
      print_message("label word '%s' over the annotation\n", w[i].text);
      over++;
    }
  }
  return over;
}

/* Points whose labels would sit where an annotation is: they go elsewhere
 * (or are dropped), never over it; without the annotation one of them is
 * there, so the test can fail. */
static void annotation_never_overlapped(void **state) {
  (void)state;
  static const char points[] = "name,lon,lat\nAlphaville,10,5\nBravotown,10.6,5.4\nCharliecity,9.4,4.6\n"
                               "Deltaport,10.3,4.4\nEchobay,9.7,5.6\n";
  assert_true(write_file(scratch_path("near.csv"), points, strlen(points)));
  static const char *const mine[] = {"ZZNOTE", "QQCALLOUT", "XXTEXT", NULL};
  double bx0 = 0, by0 = 0, bx1 = 0, by1 = 0;
  for (int with = 1; with >= 0; with--) {
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "map:\n  page: {width: 120mm, height: 80mm}\n  crs: EPSG:4326\n"
             "  extent: {west: 0, east: 20, south: 0, north: 10}\n"
             "layers:\n  - id: pts\n    source: near.csv\n    marker: {symbol: circle, size: 4pt}\n"
             "    label: {text: \"{name}\", font: \"Noto Sans 9\"}\n"
             "%s",
             with ? "annotations:\n  - text: \"ZZNOTE QQCALLOUT XXTEXT\"\n    at: {lon: 10, lat: 5}\n"
                    "    font: \"Noto Sans 9\"\n    box: true\n"
                  : "");
    im_map *map = load_spec_text("ann.yaml", yaml);
    const char *pdf = scratch_path("ann.pdf");
    im_error err;
    im_error_clear(&err);
    assert_ok(im_map_render(map, pdf, NULL, &err), &err);
    static word_box w[512];
    size_t n = pdf_words(pdf, w, 512), nmine;
    if (with) {
      assert_int_equal(words_over_annotation(w, n, mine, &nmine), 0);
      assert_int_equal(nmine, 3);
      bx0 = INFINITY, by0 = INFINITY, bx1 = -INFINITY, by1 = -INFINITY;
      for (size_t i = 0; i < n; i++)
        if (strstr(w[i].text, "ZZNOTE") || strstr(w[i].text, "QQCALLOUT") || strstr(w[i].text, "XXTEXT"))
          bx0 = fmin(bx0, w[i].x0), by0 = fmin(by0, w[i].y0), bx1 = fmax(bx1, w[i].x1), by1 = fmax(by1, w[i].y1);
    } else {
      /* Without the annotation a label takes some of its place: what
       * kept it out was the annotation. */
      size_t there = 0;
      for (size_t i = 0; i < n; i++)
        there += w[i].x0 < bx1 && w[i].x1 > bx0 && w[i].y0 < by1 && w[i].y1 > by0;
      assert_true(there > 0);
    }
    im_map_free(map);
  }
}

/* The set's thematic map: the Chancay callout is drawn, whole, and no
 * label of the map covers it. */
static void chancay_callout_clear(void **state) {
  (void)state;
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_load(src_path("styles/events-by-country.yaml"), &map, &err), &err);
  const char *pdf = scratch_path("events-by-country.pdf");
  assert_ok(im_map_render(map, pdf, NULL, &err), &err);
  static word_box w[2048];
  size_t n = pdf_words(pdf, w, 2048);
  static const char *const mine[] = {
      "Chancay,", "Peru", "China&apos;s", "mega-port",      "under", "construction:", "the", "issue&apos;s", "main",
      "story",    "of",   "Chinese",      "infrastructure", "in",    "region",        NULL};
  /* "Peru", "the", "in" and "of" may be words of other texts (the title,
   * a label): the box is that of the callout's own lines only when they
   * are there, so count the distinctive words. */
  static const char *const distinct[] = {"Chancay,", "mega-port", "construction:", "infrastructure", NULL};
  size_t ndistinct = 0;
  for (size_t i = 0; i < n; i++)
    for (const char *const *m = distinct; *m; m++)
      ndistinct += !strcmp(w[i].text, *m);
  assert_int_equal(ndistinct, 4);
  /* Every word meeting the callout's box is one of its own. */
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (size_t i = 0; i < n; i++)
    for (const char *const *m = distinct; *m; m++)
      if (!strcmp(w[i].text, *m))
        x0 = fmin(x0, w[i].x0), y0 = fmin(y0, w[i].y0), x1 = fmax(x1, w[i].x1), y1 = fmax(y1, w[i].y1);
  for (size_t i = 0; i < n; i++) {
    if (!(w[i].x0 < x1 && w[i].x1 > x0 && w[i].y0 < y1 && w[i].y1 > y0))
      continue;
    bool own = false;
    for (const char *const *m = mine; *m && !own; m++)
      own = !strcmp(w[i].text, *m);
    if (!own)
      fail_msg("'%s' lies over the Chancay callout", w[i].text);
  }
  im_map_free(map);
}

/* A mark: that matches no point is an error naming it. */
static void annotation_mark_must_match(void **state) {
  (void)state;
  static const char points[] = "name,lon,lat\nAlphaville,10,5\n";
  assert_true(write_file(scratch_path("one.csv"), points, strlen(points)));
  const char *yaml = "map:\n  page: {width: 120mm, height: 80mm}\n  crs: EPSG:4326\n"
                     "  extent: {west: 0, east: 20, south: 0, north: 10}\n"
                     "layers:\n  - {id: pts, source: one.csv, marker: {symbol: circle, size: 4pt}}\n"
                     "annotations:\n  - {text: Here, mark: {layer: pts, where: \"name = 'Nowhere'\"}, "
                     "offset: {x: 10mm, y: 0mm}}\n";
  im_map *map = load_spec_text("nomark.yaml", yaml);
  im_error err;
  im_error_clear(&err);
  assert_int_equal(im_map_render(map, scratch_path("nomark.png"), NULL, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "0 points of layer pts"));
  im_map_free(map);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(counts_match_hand_count),
      cmocka_unit_test(sum_mean_min_max),
      cmocka_unit_test(bad_aggregates),
      cmocka_unit_test(class_labels_and_no_data),
      cmocka_unit_test(integer_labels_from_fractional_breaks),
      cmocka_unit_test(class_number_format),
      cmocka_unit_test(named_ramp_on_map),
      cmocka_unit_test(join_matched_unmatched_duplicate),
      cmocka_unit_test(annotation_never_overlapped),
      cmocka_unit_test(chancay_callout_clear),
      cmocka_unit_test(annotation_mark_must_match),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
