/* Map specs: every key read, every mistake reported at its line:column. */
#include <stdio.h>
#include <string.h>

#include "support.h"

/* Loads text as a spec written to scratch/name and expects failure at
 * line:column with a message containing needle. */
static void expect_error(const char *name, const char *yaml, int line, int column, const char *needle) {
  const char *path = scratch_path(name);
  assert_true(write_file(path, yaml, strlen(yaml)));
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  im_status st = im_map_load(path, &map, &err);
  if (st != IM_STATUS_INPUT || err.line != line || err.column != column || !strstr(err.message, needle)) {
    char buf[4096];
    fail_msg("%s: expected %d:%d '%s', got status %d: %s", name, line, column, needle, st,
             im_error_format(&err, buf, sizeof buf));
  }
  assert_null(map);
  assert_string_equal(err.file, path);
}

static const char *countries(void) { return src_path("shapes/ne_50m_admin_0_countries.shp"); }

static void full_spec(void **state) {
  (void)state;
  char yaml[4096];
  snprintf(yaml, sizeof yaml,
           "map:\n"
           "  title: China's infrastructure in South America\n"
           "  page: {width: 180mm, height: 8.5in, dpi: 200}\n"
           "  crs: \"+proj=laea +lat_0=-15 +lon_0=-70\"\n"
           "  extent: {west: -92, east: -30, south: -56, north: 15}\n"
           "  background: \"#dbe9f4\"\n"
           "layers:\n"
           "  - id: countries\n"
           "    source: %s\n"
           "    fill: \"#f2efe9\"\n"
           "    stroke: {color: \"#8a8a8a\", width: 0.3pt}\n"
           "    opacity: 0.8\n"
           "  - source: %s\n"
           "    stroke: red\n"
           "    visible: false\n"
           "    marker: {symbol: square, size: 2mm}\n",
           countries(), countries());
  im_map *m = load_spec_text("full.yaml", yaml);
  assert_string_equal(m->title, "China's infrastructure in South America");
  assert_int_equal(m->width.unit, IM_UNIT_MM);
  assert_float_equal(m->width.value, 180, 1e-12);
  assert_int_equal(m->height.unit, IM_UNIT_IN);
  assert_float_equal(m->dpi, 200, 1e-12);
  assert_string_equal(m->crs, "+proj=laea +lat_0=-15 +lon_0=-70");
  assert_int_equal(m->crs_pos.line, 4);
  assert_int_equal(m->crs_pos.column, 9); /* the value, inside its quotes */
  assert_int_equal(m->extent.kind, IM_EXTENT_DEGREES);
  assert_float_equal(m->extent.west, -92, 1e-12);
  assert_float_equal(m->extent.north, 15, 1e-12);
  assert_float_equal(m->background.r, 0xdb / 255.0, 1e-12);
  assert_int_equal(m->nlayers, 2);
  assert_string_equal(m->layers[0].id, "countries");
  const im_style *s0 = &m->layers[0].style;
  assert_true(s0->set & IM_STYLE_FILL);
  assert_true(s0->set & IM_STYLE_STROKE_COLOR);
  assert_float_equal(s0->stroke_width.value, 0.3, 1e-12);
  assert_float_equal(s0->opacity, 0.8, 1e-12);
  assert_true(s0->visible);
  const im_style *s1 = &m->layers[1].style;
  assert_string_equal(m->layers[1].id, "layer2");
  assert_float_equal(s1->stroke_color.r, 1, 1e-12);
  assert_false(s1->set & IM_STYLE_FILL);
  assert_false(s1->visible);
  assert_int_equal(s1->marker_symbol, IM_MARKER_SQUARE);
  assert_int_equal(s1->marker_size.unit, IM_UNIT_MM);
  im_map_free(m);
}

/* Sources are found beside the spec first: styles/ uses ../shapes/. */
static void paths_relative_to_spec(void **state) {
  (void)state;
  im_map *m = NULL;
  im_error err;
  assert_ok(im_map_load(src_path("styles/latam-overview.yaml"), &m, &err), &err);
  assert_non_null(strstr(m->layers[0].source, "styles/../shapes/ne_10m_admin_0_countries_americas.shp"));
  im_map_free(m);
}

static void mistakes(void **state) {
  (void)state;
  char yaml[4096];
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    fil: red\n", countries());
  expect_error("typo.yaml", yaml, 5, 5, "unknown key 'fil' in a layer");
  expect_error("devzero.yaml", "map:\n  crs: EPSG:4326\nlayers:\n  - {id: a, source: /dev/zero}\n", 4, 21,
               "layer a: source '/dev/zero' is not a regular file");
  expect_error("keycols.yaml", "map:\n  crs: EPSG:4326\nlayers: []\nkey: {columns: 1.5}\n", 4, 16,
               "key columns must be a whole number");
  expect_error("keymulti.yaml",
               "map:\n  crs: EPSG:4326\nlayers: []\nkey: {position: right}\nmultiples: {columns: 2, panels: []}\n", 5,
               1, "a numbered key (key:) is for single maps");
  expect_error("labelkey.yaml", "map:\n  crs: EPSG:4326\nlayers:\n  - {id: a, source: x.shp, label: {key: some}}\n", 4,
               41, "label key must be one of none, auto, all");
  expect_error("topkey.yaml", "map:\n  crs: EPSG:4326\nlayer: []\n", 3, 1, "unknown key 'layer'");
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    fill: \"#ff00zz\"\n", countries());
  expect_error("colour.yaml", yaml, 5, 12, "fill must be a colour");
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\n  page: {width: 12 furlongs}\nlayers:\n  - source: %s\n",
           countries());
  expect_error("length.yaml", yaml, 3, 17, "page width must be a length");
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\n  dpi: 5000\nlayers:\n  - source: %s\n", countries());
  expect_error("dpi.yaml", yaml, 3, 8, "dpi must be between 10 and 2400");
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:4326\n  extent: {west: -92, east: -30, ymin: 0, north: 15}\nlayers:\n  - source: %s\n",
           countries());
  expect_error("mixed.yaml", yaml, 3, 34, "extent mixes degrees");
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:4326\n  extent: {west: -92, east: -30, north: 15}\nlayers:\n  - source: %s\n",
           countries());
  expect_error("missing.yaml", yaml, 3, 3, "south is missing");
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:4326\n  extent: {west: -92, east: -30, south: 20, north: 15}\nlayers:\n  - source: %s\n",
           countries());
  expect_error("order.yaml", yaml, 3, 3, "must be less than");
  expect_error("nosource.yaml", "map:\n  crs: EPSG:4326\nlayers:\n  - source: nowhere/x.shp\n", 4, 13,
               "source 'nowhere/x.shp' not found");
  expect_error("syntax.yaml", "map:\n  crs: EPSG:4326\n   bad: 1\nlayers: []\n", 2, 8,
               "YAML: invalid multiline plain key");
  expect_error("duplicate.yaml", "map:\n  crs: EPSG:4326\nmap:\n  crs: EPSG:3857\n", 3, 1, "YAML: duplicate key");
  expect_error("unclosed.yaml", "map:\n  crs: [EPSG:4326\nlayers: []\n", 4, 1,
               "flow sequence without a closing bracket");
  expect_error("notlist.yaml", "map:\n  crs: EPSG:4326\nlayers:\n  source: x\n", 4, 3, "layers must be a list");
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    visible: maybe\n", countries());
  expect_error("bool.yaml", yaml, 5, 14, "visible must be true or false");
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    opacity: 1.5\n", countries());
  expect_error("opacity.yaml", yaml, 5, 14, "opacity must be between 0 and 1");
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\nlayers:\n  - source: %s\n    marker: {symbol: hexagon}\n",
           countries());
  expect_error("marker.yaml", yaml, 5, 22, "marker symbol must be");
}

static void missing_parts(void **state) {
  (void)state;
  im_map *m = NULL;
  im_error err;
  const char *p = scratch_path("nocrs.yaml");
  char yaml[4096];
  snprintf(yaml, sizeof yaml, "layers:\n  - source: %s\n", countries());
  assert_true(write_file(p, yaml, strlen(yaml)));
  assert_int_equal(im_map_load(p, &m, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "crs is missing"));
  p = scratch_path("nolayers.yaml");
  assert_true(write_file(p, "map:\n  crs: EPSG:4326\n", 22));
  assert_int_equal(im_map_load(p, &m, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "no layers"));
  assert_int_equal(im_map_load(scratch_path("does-not-exist.yaml"), &m, &err), IM_STATUS_INPUT);
  assert_null(m);
}

/* What a host sees of an opaque map and layer: the accessors say what the
 * structs hold. */
static void host_accessors(void **state) {
  (void)state;
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_int_equal(im_map_load(src_path("styles/influence-latam.yaml"), &map, &err), IM_STATUS_OK);
  assert_string_equal(im_map_path(map), map->path);
  assert_non_null(im_map_title(map));
  assert_string_equal(im_map_title(map), map->title);
  assert_string_equal(im_map_crs(map), map->crs);
  assert_int_equal(im_map_layer_count(map), map->nlayers);
  assert_true(map->nlayers > 2);
  for (size_t i = 0; i < map->nlayers; i++)
    assert_string_equal(im_map_layer_id(map, i), map->layers[i].id);
  assert_null(im_map_layer_id(map, map->nlayers));
  const char *from = NULL, *to = NULL;
  im_map_period(map, &from, &to);
  assert_ptr_equal(from, map->period_from);
  assert_ptr_equal(to, map->period_to);
  assert_int_equal(im_map_extent(map).kind, map->extent.kind);
  assert_ok(im_map_set_title(map, "Another title", &err), &err);
  assert_string_equal(im_map_title(map), "Another title");
  im_map_free(map);

  im_layer *layer = NULL;
  assert_ok(im_layer_load(src_path("shapes/ne_50m_admin_0_countries.shp"), NULL, &layer, &err), &err);
  assert_string_equal(im_layer_format(layer), "ESRI Shapefile");
  assert_int_equal(im_layer_feature_count(layer), layer->nfeatures);
  assert_int_equal(im_layer_field_count(layer), layer->nfields);
  assert_null(im_layer_field(layer, layer->nfields));
  long name = im_layer_field_index(layer, "NAME");
  assert_true(name >= 0);
  assert_string_equal(im_layer_field(layer, (size_t)name)->name, layer->fields[name].name);
  size_t last = layer->nfeatures - 1;
  assert_string_equal(im_layer_feature_value(layer, last, (size_t)name), layer->features[last].values[name]);
  assert_null(im_layer_feature_value(layer, last, layer->nfields));
  assert_int_equal(im_layer_feature_fid(layer, last), layer->features[last].fid);
  assert_ptr_equal(im_layer_feature_geom(layer, last), &layer->features[last].geom);
  assert_string_equal(im_layer_crs_definition(layer), layer->crs_definition);
  assert_int_equal(im_layer_shape_type(layer), layer->shape_type);
  im_layer_free(layer);

  assert_string_equal(im_version(), IM_VERSION_STRING);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(full_spec), cmocka_unit_test(paths_relative_to_spec),
                                     cmocka_unit_test(mistakes), cmocka_unit_test(missing_parts),
                                     cmocka_unit_test(host_accessors)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
