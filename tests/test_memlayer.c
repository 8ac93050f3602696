/* Layers from memory (issue 18, item 3): a layer a host makes in code, or
 * reads from a GeoJSON or CSV text it holds, bound to a spec's layer by id
 * (im_map_bind_layer) and drawn with the spec's filters, classes and time
 * window at the places PROJ puts its points; errors naming the buffer and
 * the place in it; the same bytes as the same data read from a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define LAEA "+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs"

enum { WHITE = 0xffffff, RED = 0xd01010, BLUE = 0x1030c0, GREEN = 0x20a040 };

/* Events coloured by actor, only those with keep = true; a polygon layer
 * (zone) under them. Both sources are the host's. */
static im_map *events_spec(void) {
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "palettes: {actors: {China: \"#d01010\", Russia: \"#1030c0\"}}\n"
           "map:\n  page: {width: 160mm, height: 120mm, dpi: 100}\n  crs: \"%s\"\n"
           "  extent: {west: -92, east: -30, south: -56, north: 15}\n  background: \"#ffffff\"\n"
           "layers:\n"
           "  - {id: zone, source: memory, fill: \"#20a040\", stroke: none}\n"
           "  - id: events\n    source: memory\n    where: \"keep = true\"\n"
           "    marker: {symbol: circle, size: 9pt}\n    fill: \"#000000\"\n    stroke: none\n"
           "    classes: [{field: actor, palette: actors}]\n",
           LAEA);
  return load_spec_text("events.yaml", yaml);
}

typedef struct {
  double lon, lat;
  const char *actor, *keep, *date;
} event;

/* Lima, Caracas, Santiago, Bogotá (filtered out), Buenos Aires (dated
 * outside the window of the second render). */
static const event events[] = {
    {-77.03, -12.05, "China", "true", "2021-12-03"}, {-66.90, 10.48, "Russia", "true", "2021-12-10"},
    {-70.67, -33.45, "Russia", "true", "2021-11"},   {-74.07, 4.71, "China", "false", "2021-12-01"},
    {-58.38, -34.60, "China", "true", "2020-05-01"},
};
enum { NEVENTS = sizeof events / sizeof events[0] };

static im_layer *events_layer(void) {
  static const im_field fields[] = {
      {.name = "actor", .type = IM_FIELD_STRING},
      {.name = "keep", .type = IM_FIELD_LOGICAL},
      {.name = "date", .type = IM_FIELD_DATE},
  };
  im_error err;
  im_layer *l = NULL;
  assert_ok(im_layer_create("my-events", NULL, fields, 3, &l, &err), &err);
  for (size_t i = 0; i < NEVENTS; i++) {
    const char *values[] = {events[i].actor, events[i].keep, events[i].date};
    assert_ok(im_layer_add_point(l, events[i].lon, events[i].lat, values, &err), &err);
  }
  assert_string_equal(im_layer_format(l), "memory");
  assert_string_equal(im_layer_path(l), "my-events");
  assert_int_equal(im_layer_feature_count(l), NEVENTS);
  return l;
}

/* A square in the Brazilian interior, 8 degrees a side, in Web Mercator
 * metres: a layer's own CRS, not the map's nor longitude/latitude. */
static im_layer *zone_layer(void) {
  im_error err;
  im_layer *l = NULL;
  assert_ok(im_layer_create("zone", "EPSG:3857", NULL, 0, &l, &err), &err);
  im_geo_ctx *ctx = im_geo_ctx_create();
  im_crs *merc = NULL, *geog = NULL;
  im_transform *t = NULL;
  assert_ok(im_crs_create(ctx, "EPSG:3857", NULL, 0, 0, &merc, &err), &err);
  assert_ok(im_crs_create(ctx, "EPSG:4326", NULL, 0, 0, &geog, &err), &err);
  assert_ok(im_transform_create(ctx, geog, merc, &t, &err), &err);
  double xy[] = {-56, -16, -48, -16, -48, -8, -56, -8, -56, -16};
  im_transform_array(t, xy, 5, false);
  im_geom g;
  im_geom_init(&g, IM_GEOM_POLYGON);
  assert_true(im_geom_begin_part(&g));
  for (int i = 0; i < 5; i++)
    assert_true(im_geom_add_point(&g, xy[2 * i], xy[2 * i + 1]));
  assert_ok(im_layer_add_feature(l, &g, NULL, &err), &err);
  im_geom_free(&g);
  im_transform_free(t);
  im_crs_free(merc);
  im_crs_free(geog);
  im_geo_ctx_free(ctx);
  return l;
}

static void render_png(const im_map *map, const char *out, const im_render_options *opt) {
  im_error err;
  assert_ok(im_map_render(map, out, opt, &err), &err);
}

/* Each event at the pixel PROJ gives its place, in its actor's colour;
 * the one keep = false left out; the zone filled; then a time window. */
static void bound_layer_drawn_at_its_places(void **state) {
  (void)state;
  im_error err;
  im_map *map = events_spec();
  assert_ok(im_map_bind_layer(map, "events", events_layer(), &err), &err);
  assert_ok(im_map_bind_layer(map, "zone", zone_layer(), &err), &err);
  const char *out = scratch_path("events.png");
  render_png(map, out, NULL);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, map);
  const uint32_t want[NEVENTS] = {RED, BLUE, BLUE, WHITE, RED};
  for (size_t i = 0; i < NEVENTS; i++) {
    uint32_t px = map_projector_sample(&p, &img, events[i].lon, events[i].lat);
    if (!pixel_near(px, want[i], 12))
      fail_msg("event %zu (%g, %g): pixel %06x, expected %06x", i, events[i].lon, events[i].lat, px & 0xffffff,
               want[i]);
  }
  /* The zone: inside green, outside (west of it, in Bolivia) white. */
  assert_true(pixel_near(map_projector_sample(&p, &img, -52, -12), GREEN, 12));
  assert_true(pixel_near(map_projector_sample(&p, &img, -62, -12), WHITE, 12));
  image_free(&img);

  /* December 2021 only: Santiago (2021-11) and Buenos Aires (2020) go. */
  im_render_options opt = {.from = "2021-12-01", .to = "2021-12-31"};
  render_png(map, out, &opt);
  assert_true(image_load(out, &img));
  const uint32_t want_dec[NEVENTS] = {RED, BLUE, WHITE, WHITE, WHITE};
  for (size_t i = 0; i < NEVENTS; i++)
    assert_true(pixel_near(map_projector_sample(&p, &img, events[i].lon, events[i].lat), want_dec[i], 12));
  image_free(&img);
  map_projector_fini(&p);
  im_map_free(map);
}

/* What a host gets wrong is said plainly: an unknown id (with a "did you
 * mean"), a layer with nothing bound, a value not of its field's type, a
 * layer bound twice. */
static void binding_errors(void **state) {
  (void)state;
  im_error err;
  im_map *map = events_spec();
  im_layer *l = events_layer();
  assert_int_equal(im_map_bind_layer(map, "event", l, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "has no layer 'event' (did you mean 'events'?)"));
  /* Nothing bound to zone or events: the render fails at the source. */
  im_error_clear(&err);
  assert_int_equal(im_map_render(map, scratch_path("unbound.png"), NULL, &err), IM_STATUS_INPUT);
  assert_true(strstr(err.file, "events.yaml") != NULL);
  assert_int_equal(err.line, 8);
  assert_int_equal(err.column, 24);
  assert_non_null(strstr(err.message, "layer zone: its source is memory, and no layer is bound to it"));
  assert_int_equal(im_map_check(map, &err), IM_STATUS_INPUT);
  /* Bound once; a second id for the same layer would free it twice. */
  assert_ok(im_map_bind_layer(map, "events", l, &err), &err);
  assert_int_equal(im_map_bind_layer(map, "zone", l, &err), IM_STATUS_USAGE);
  /* Rebinding the same id frees the layer bound before (valgrind and ASan
   * see it), NULL unbinds. */
  assert_ok(im_map_bind_layer(map, "events", events_layer(), &err), &err);
  assert_ok(im_map_bind_layer(map, "events", NULL, &err), &err);

  static const im_field fields[] = {{.name = "n", .type = IM_FIELD_INTEGER}, {.name = "when", .type = IM_FIELD_DATE}};
  assert_ok(im_layer_create("mine", NULL, fields, 2, &l, &err), &err);
  const char *bad_date[] = {"3", "3 Dec 2021"};
  assert_int_equal(im_layer_add_point(l, 0, 0, bad_date, &err), IM_STATUS_INPUT);
  assert_string_equal(err.file, "mine");
  assert_string_equal(err.message,
                      "feature 0: field 'when' (Date): '3 Dec 2021' is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)");
  const char *bad_int[] = {"3.5", NULL};
  assert_int_equal(im_layer_add_point(l, 0, 0, bad_int, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "'3.5' is not a whole number"));
  assert_int_equal(im_layer_feature_count(l), 0);
  const char *good[] = {"3", "2021-12"};
  assert_ok(im_layer_add_point(l, 1, 2, good, &err), &err);
  assert_int_equal(im_layer_feature_count(l), 1);
  assert_string_equal(im_layer_feature_value(l, 0, 1), "2021-12");
  static const im_field twice[] = {{.name = "a"}, {.name = "A"}};
  im_layer *l2 = NULL;
  assert_int_equal(im_layer_create("x", NULL, twice, 2, &l2, &err), IM_STATUS_USAGE);
  assert_null(l2);
  im_layer_free(l);
  im_map_free(map);
}

/* A GeoJSON text with a syntax error: the buffer's name, line and column;
 * a CSV text's error likewise; a loaded file's layer takes no features. */
static void buffer_errors(void **state) {
  (void)state;
  im_error err;
  im_layer *l = NULL;
  static const char json[] = "{\"type\": \"FeatureCollection\",\n"
                             " \"features\": [\n"
                             "  {\"type\": \"Feature\" \"geometry\": null, \"properties\": {}}]}\n";
  assert_int_equal(im_layer_load_geojson_buffer(json, strlen(json), "events.geojson", NULL, &l, &err), IM_STATUS_INPUT);
  assert_null(l);
  assert_string_equal(err.file, "events.geojson");
  assert_int_equal(err.line, 3);
  assert_int_equal(err.column, 22);
  assert_non_null(strstr(err.message, "invalid JSON"));
  static const char csv[] = "name,lon,lat\nLima,-77.03,-12.05\nCaracas,west,10.48\n";
  assert_int_equal(im_layer_load_csv_buffer(csv, strlen(csv), "events.csv", NULL, &l, &err), IM_STATUS_INPUT);
  assert_string_equal(err.file, "events.csv");
  assert_int_equal(err.line, 3);
  assert_non_null(strstr(err.message, "'west' is not a number"));
  assert_int_equal(im_layer_load_csv_buffer("", 0, "empty.csv", NULL, &l, &err), IM_STATUS_INPUT);
  assert_string_equal(err.file, "empty.csv");
  /* The good part of it reads. */
  assert_ok(im_layer_load_csv_buffer(csv, 32, "events.csv", NULL, &l, &err), &err);
  assert_int_equal(im_layer_feature_count(l), 1);
  assert_string_equal(im_layer_format(l), "CSV");
  assert_int_equal(im_layer_add_point(l, 0, 0, NULL, &err), IM_STATUS_USAGE);
  im_layer_free(l);
}

/* An aggregate of another layer (countries counting events in them) reads
 * the layer bound to that one: two events in Peru make it red, one in
 * Chile leaves it as Brazil with none. */
static void aggregate_counts_a_bound_layer(void **state) {
  (void)state;
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 120mm, height: 140mm, dpi: 60}\n  crs: \"%s\"\n"
           "  extent: {west: -92, east: -30, south: -56, north: 15}\n  background: \"#ffffff\"\n"
           "layers:\n"
           "  - id: countries\n    source: %s\n    fill: \"#ffffff\"\n    stroke: none\n"
           "    aggregate: {name: n, layer: events}\n"
           "    rules: [{where: \"n >= 2\", fill: \"#d01010\"}, {where: \"n = 1\", fill: \"#1030c0\"}]\n"
           "  - {id: events, source: memory, visible: false}\n",
           LAEA, src_path("shapes/ne_10m_admin_0_countries_americas.shp"));
  im_map *map = load_spec_text("aggregate.yaml", yaml);
  static const im_field fields[] = {{.name = "name", .type = IM_FIELD_STRING}};
  im_error err;
  im_layer *l = NULL;
  assert_ok(im_layer_create("events", NULL, fields, 1, &l, &err), &err);
  const char *lima[] = {"Lima"}, *cusco[] = {"Cusco"}, *santiago[] = {"Santiago"};
  assert_ok(im_layer_add_point(l, -77.03, -12.05, lima, &err), &err);
  assert_ok(im_layer_add_point(l, -71.97, -13.53, cusco, &err), &err);
  assert_ok(im_layer_add_point(l, -70.67, -33.45, santiago, &err), &err);
  assert_ok(im_map_bind_layer(map, "events", l, &err), &err);
  const char *out = scratch_path("aggregate.png");
  render_png(map, out, NULL);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, map);
  assert_true(pixel_near(map_projector_sample(&p, &img, -75.0, -9.0), RED, 12));    /* Peru */
  assert_true(pixel_near(map_projector_sample(&p, &img, -70.5, -30.0), BLUE, 12));  /* Chile */
  assert_true(pixel_near(map_projector_sample(&p, &img, -50.0, -10.0), WHITE, 12)); /* Brazil */
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* A join reads a bound table too: rows made without geometry, attached to
 * the countries by their ISO code. */
static void join_reads_a_bound_table(void **state) {
  (void)state;
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 120mm, height: 140mm, dpi: 60}\n  crs: \"%s\"\n"
           "  extent: {west: -92, east: -30, south: -56, north: 15}\n  background: \"#ffffff\"\n"
           "layers:\n"
           "  - id: countries\n    source: %s\n    fill: \"#ffffff\"\n    stroke: none\n"
           "    join: {layer: scores, on: ISO_A3, key: iso3, fields: [score]}\n"
           "    rules: [{where: \"score > 5\", fill: \"#d01010\"}, {where: \"score <= 5\", fill: \"#1030c0\"}]\n"
           "  - {id: scores, source: memory, visible: false}\n",
           LAEA, src_path("shapes/ne_10m_admin_0_countries_americas.shp"));
  im_map *map = load_spec_text("join.yaml", yaml);
  static const im_field fields[] = {{.name = "iso3", .type = IM_FIELD_STRING},
                                    {.name = "score", .type = IM_FIELD_DOUBLE}};
  im_error err;
  im_layer *l = NULL;
  assert_ok(im_layer_create("scores", NULL, fields, 2, &l, &err), &err);
  const char *peru[] = {"PER", "7.5"}, *chile[] = {"CHL", "2"};
  assert_ok(im_layer_add_feature(l, NULL, peru, &err), &err);
  assert_ok(im_layer_add_feature(l, NULL, chile, &err), &err);
  assert_ok(im_map_bind_layer(map, "scores", l, &err), &err);
  assert_ok(im_map_check(map, &err), &err);
  const char *out = scratch_path("join.png");
  render_png(map, out, NULL);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, map);
  assert_true(pixel_near(map_projector_sample(&p, &img, -75.0, -9.0), RED, 12));    /* Peru */
  assert_true(pixel_near(map_projector_sample(&p, &img, -70.5, -30.0), BLUE, 12));  /* Chile */
  assert_true(pixel_near(map_projector_sample(&p, &img, -50.0, -10.0), WHITE, 12)); /* Brazil: no row */
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* s with every from replaced by to; free the result. */
static char *replace(const char *s, const char *from, const char *to) {
  size_t n = 0, lf = strlen(from), lt = strlen(to);
  for (const char *p = s; (p = strstr(p, from)); p += lf)
    n++;
  char *out = malloc(strlen(s) + n * lt + 1), *o = out;
  for (const char *p = s, *q; (q = strstr(p, from)); p = q + lf) {
    memcpy(o, p, (size_t)(q - p));
    o += q - p;
    memcpy(o, to, lt);
    o += lt;
    s = q + lf;
  }
  strcpy(o, s);
  return out;
}

/* The events read from a buffer and bound, against the same file
 * as the spec's source: PNG and PDF byte for byte the same, for GeoJSON
 * and CSV. The spec is the region's map (styles/influence-latam.yaml):
 * filters, classes, rules, labels with leaders and a numbered key,
 * displacement, a legend with counts: all that reads the layer. */
static void same_bytes_as_the_file(void **state) {
  (void)state;
  size_t len;
  char *latam = read_file(src_path("styles/influence-latam.yaml"), &len);
  assert_non_null(latam);
  char shapes[4096], sheet[4096];
  snprintf(shapes, sizeof shapes, "%s/", src_path("shapes"));
  snprintf(sheet, sizeof sheet, "include: %s", src_path("styles/vric.yaml"));
  char *a = replace(latam, "../shapes/", shapes);
  char *geojson_spec = replace(a, "include: vric.yaml", sheet);
  char *csv_spec = replace(geojson_spec, "influence/events.geojson", "influence/events.csv");
  free(latam);
  free(a);
  static const char *const files[] = {"shapes/influence/events.geojson", "shapes/influence/events.csv"};
  for (int k = 0; k < 2; k++) {
    /* The same spec, its events' source a layer the host binds: a bound
     * layer not read would fail the render. */
    char path[4096];
    snprintf(path, sizeof path, "%s", src_path(files[k]));
    char *memory_spec = replace(k ? csv_spec : geojson_spec, path, "memory");
    assert_null(strstr(memory_spec, k ? "events.csv" : "events.geojson"));
    assert_non_null(strstr(memory_spec, "source: memory,"));
    im_map *from_file = load_spec_text("file.yaml", k ? csv_spec : geojson_spec);
    im_map *from_memory = load_spec_text("memory.yaml", memory_spec);
    free(memory_spec);
    char *text = read_file(src_path(files[k]), &len);
    assert_non_null(text);
    im_error err;
    im_layer *l = NULL;
    assert_ok(k ? im_layer_load_csv_buffer(text, len, "events.csv", NULL, &l, &err)
                : im_layer_load_geojson_buffer(text, len, "events.geojson", NULL, &l, &err),
              &err);
    free(text);
    assert_ok(im_map_bind_layer(from_memory, "events", l, &err), &err);
    static const char *const ext[] = {"png", "pdf"};
    for (int e = 0; e < 2; e++) {
      char fa[64], fb[64], pa[4096];
      snprintf(fa, sizeof fa, "file-%d.%s", k, ext[e]);
      snprintf(fb, sizeof fb, "memory-%d.%s", k, ext[e]);
      snprintf(pa, sizeof pa, "%s", scratch_path(fa));
      im_render_stats sa = {0}, sb = {0};
      render_png(from_file, pa, &(im_render_options){.dpi = 60, .stats = &sa});
      render_png(from_memory, scratch_path(fb), &(im_render_options){.dpi = 60, .stats = &sb});
      assert_true(sa.labels_placed > 10);
      assert_int_equal(sa.labels_placed, sb.labels_placed);
      if (!files_equal(pa, scratch_path(fb)))
        fail_msg("%s: %s differs from %s", files[k], fb, fa);
    }
    im_map_free(from_file);
    im_map_free(from_memory);
  }
  free(geojson_spec);
  free(csv_spec);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(bound_layer_drawn_at_its_places),
      cmocka_unit_test(binding_errors),
      cmocka_unit_test(buffer_errors),
      cmocka_unit_test(aggregate_counts_a_bound_layer),
      cmocka_unit_test(join_reads_a_bound_table),
      cmocka_unit_test(same_bytes_as_the_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
