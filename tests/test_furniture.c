/* Map furniture: the legend lists exactly the classes drawn in the frame;
 * the scale bar's length is true on the ellipsoid at the frame's centre and
 * is refused on world maps; the north arrow agrees with PROJ's meridian
 * convergence; graticule labels neither overlap nor leave the page; text
 * blocks are real text in a PDF; margins stay paper white; spec errors are
 * placed and explained. Geometry comes from the renderer's own layout
 * (im_furniture_probe), checked against PROJ and geodesic.h independently. */
#include <geodesic.h>
#include <cairo-pdf.h>
#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "furniture/furniture-private.h"
#include "support.h"

#define LAEA "+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs"

/* A spec: map keys (after crs and page), layers, then top-level extras. */
static im_map *spec(const char *name, const char *crs, const char *map_extra, const char *layers, const char *extra) {
  char yaml[8192];
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: \"%s\"\n  page: {width: 160mm, height: 120mm, dpi: 100}\n  background: \"#dbe9f4\"\n%s"
           "layers:\n%s%s",
           crs, map_extra, layers, extra);
  return load_spec_text(name, yaml);
}

static char *countries_layer(void) {
  static char buf[512];
  snprintf(buf, sizeof buf,
           "  - {id: countries, source: %s, fill: \"#f2efe9\", stroke: {color: \"#999999\", width: 0.3pt}}\n",
           src_path("shapes/ne_10m_admin_0_countries_americas.shp"));
  return buf;
}

static void probe(const im_map *map, im_furniture_report *r) {
  im_error err;
  im_error_clear(&err);
  assert_ok(im_furniture_probe(map, NULL, r, &err), &err);
}

/* Device point -> lon/lat through the map's CRS, independently of the
 * renderer's own transformation. */
typedef struct {
  im_geo_ctx *ctx;
  im_crs *map, *geog;
  im_transform *t;
  const im_furniture_report *r;
} unprojector;

static void unprojector_init(unprojector *u, const im_map *map, const im_furniture_report *r) {
  im_error err;
  u->r = r;
  u->ctx = im_geo_ctx_create();
  assert_ok(im_crs_create(u->ctx, map->crs, NULL, 0, 0, &u->map, &err), &err);
  assert_ok(im_crs_geographic(u->ctx, u->map, &u->geog, &err), &err);
  assert_ok(im_transform_create(u->ctx, u->geog, u->map, &u->t, &err), &err);
}

static void unprojector_fini(unprojector *u) {
  im_transform_free(u->t);
  im_crs_free(u->geog);
  im_crs_free(u->map);
  im_geo_ctx_free(u->ctx);
}

static void to_lonlat(unprojector *u, double x, double y, double *lon, double *lat) {
  const im_furniture_report *r = u->r;
  const im_frame *f = &r->frame;
  double xy[2] = {f->xmin + (x - r->fx0) / r->fw * (f->xmax - f->xmin),
                  f->ymax - (y - r->fy0) / r->fh * (f->ymax - f->ymin)};
  assert_int_equal(im_transform_array(u->t, xy, 1, true), 0);
  *lon = xy[0];
  *lat = xy[1];
}

static double ellipsoid_km(double lon1, double lat1, double lon2, double lat2) {
  struct geod_geodesic g;
  geod_init(&g, 6378137.0, 1 / 298.257223563);
  double d;
  geod_inverse(&g, lat1, lon1, lat2, lon2, &d, NULL, NULL);
  return d / 1000;
}

/* ---- legend ---- */

/* Events coloured by actor over the Southern Cone: the legend lists the
 * actors of the events inside the frame, with their counts, and no other
 * (the events further north, of other actors, are left out). */
static void legend_lists_classes_drawn(void **state) {
  (void)state;
  char layers[2048];
  snprintf(
      layers, sizeof layers,
      "%s  - {id: events, source: %s, marker: {symbol: circle, size: 6pt}, classes: {field: actor, palette: vric}}\n"
      "  - {id: routes, source: %s, stroke: {width: 1pt}, classes: {field: actor, palette: vric}, legend: false}\n",
      countries_layer(), src_path("shapes/influence/events.geojson"), src_path("shapes/influence/routes.geojson"));
  const char *ext = "  extent: {west: -76, east: -50, south: -45, north: -25}\n";
  im_map *map = spec("legend.yaml", LAEA, ext, layers, "legend: {title: Actor, counts: true}\n");
  im_furniture_report r;
  probe(map, &r);
  /* What is in the frame, computed here from the data. */
  im_layer *events = NULL;
  im_error err;
  assert_ok(im_layer_load(src_path("shapes/influence/events.geojson"), NULL, &events, &err), &err);
  long actor = im_layer_field_index(events, "actor");
  assert_true(actor >= 0);
  unprojector u;
  unprojector_init(&u, map, &r);
  const im_frame *f = &r.frame;
  char names[32][64];
  size_t counts[32] = {0}, nnames = 0, outside = 0;
  for (size_t i = 0; i < events->nfeatures; i++) {
    const im_feature *e = &events->features[i];
    double xy[2] = {e->geom.xy[0], e->geom.xy[1]};
    im_transform_array(u.t, xy, 1, false);
    bool in = xy[0] >= f->xmin && xy[0] <= f->xmax && xy[1] >= f->ymin && xy[1] <= f->ymax;
    const char *a = e->values[actor];
    if (!in) {
      outside++;
      continue;
    }
    size_t k;
    for (k = 0; k < nnames && strcmp(names[k], a); k++)
      ;
    if (k == nnames)
      snprintf(names[nnames++], sizeof names[0], "%s", a);
    counts[k]++;
  }
  assert_true(nnames >= 2 && outside > 10);
  /* Only the events layer: the routes say legend: false, countries have no classes. */
  assert_int_equal(r.nlegend, nnames);
  for (size_t k = 0; k < nnames; k++) {
    size_t j;
    for (j = 0; j < r.nlegend && strcmp(r.legend[j].label, names[k]); j++)
      ;
    if (j == r.nlegend)
      fail_msg("actor %s is in the frame but not in the legend", names[k]);
    assert_int_equal(r.legend[j].count, counts[k]);
    assert_int_equal(r.legend[j].layer, 1);
  }
  assert_true(r.item_present[IM_ITEM_LEGEND]);
  unprojector_fini(&u);
  im_layer_free(events);
  im_map_free(map);
}

/* legend: by: merges the layers' entries by actor; layers: limits it. */
static void legend_by_field_merges_layers(void **state) {
  (void)state;
  char layers[2048];
  snprintf(layers, sizeof layers,
           "%s  - {id: events, source: %s, marker: circle, classes: [{field: actor, palette: vric}, {field: category, "
           "values: {port: {marker: square}}}]}\n"
           "  - {id: routes, source: %s, stroke: {width: 1pt}, classes: {field: actor, palette: vric}}\n",
           countries_layer(), src_path("shapes/influence/events.geojson"), src_path("shapes/influence/routes.geojson"));
  const char *ext = "  extent: {west: -100, east: -30, south: -50, north: 20}\n";
  im_map *map = spec("legend-by.yaml", LAEA, ext, layers, "legend: {by: actor, sort: label}\n");
  im_furniture_report r;
  probe(map, &r);
  bool event_china = false, route_china = false;
  for (size_t i = 0; i < r.nlegend; i++) {
    if (!strcmp(r.legend[i].label, "China"))
      *(r.legend[i].layer == 1 ? &event_china : &route_china) = true;
    assert_true(r.legend[i].layer == 1 || r.legend[i].layer == 2);
  }
  assert_true(event_china && route_china);
  im_map_free(map);
  map = spec("legend-layers.yaml", LAEA, ext, layers, "legend: {by: actor, layers: [routes]}\n");
  probe(map, &r);
  assert_true(r.nlegend > 0);
  for (size_t i = 0; i < r.nlegend; i++)
    assert_int_equal(r.legend[i].layer, 2);
  im_map_free(map);
}

/* legend: by: category over events coloured by actor and routes that have
 * a category but are classified by actor only: the entries are exactly the
 * (layer, category) pairs drawn in the frame, routes included as lines;
 * an entry whose features share one actor shows that actor's colour, one
 * that mixes actors the layer's own neutral colour. */
static bool color_is(im_color c, const char *hex) {
  im_color want;
  assert_true(im_color_parse(hex, &want));
  return fabs(c.r - want.r) < 1e-6 && fabs(c.g - want.g) < 1e-6 && fabs(c.b - want.b) < 1e-6;
}

/* The house legend by actor on the map of the month: one entry per colour
 * a reader sees (the actors the palette does not name are all "other",
 * not one grey entry each), and every event entry on the same neutral
 * marker, so that shape is not read as the actor. */
static void legend_by_actor_neutral(void **state) {
  (void)state;
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_load(src_path("styles/influence-latam.yaml"), &map, &err), &err);
  im_furniture_report r;
  probe(map, &r);
  const char *names[] = {"China", "Russia", "Iran", "Venezuela", "other"};
  size_t events = 0, hollow = 0, shapes = 0;
  im_marker_symbol marker = IM_MARKER_CIRCLE;
  for (size_t j = 0; j < r.nlegend; j++) {
    /* Category: grey markers of the category's shape; Status: grey
     * markers, hollow (white fill, grey rim) for what is only planned. */
    if (r.legend[j].section == 1 && r.legend[j].kind == IM_GEOM_POINT)
      shapes += r.legend[j].marker != IM_MARKER_CIRCLE;
    if (r.legend[j].section == 2 && r.legend[j].kind == IM_GEOM_POINT && !strcmp(r.legend[j].label, "proposed")) {
      assert_true(r.legend[j].fill.r == 1 && r.legend[j].fill.g == 1 && r.legend[j].fill.b == 1);
      assert_true(r.legend[j].stroke.r < 0.8 && fabs(r.legend[j].stroke.r - r.legend[j].stroke.b) < 0.01);
      hollow++;
    }
    if (r.legend[j].section != 0)
      continue;
    bool known = false;
    for (size_t k = 0; k < 5; k++)
      known = known || !strcmp(r.legend[j].label, names[k]);
    if (!known)
      fail_msg("legend entry '%s' is not one of the actor colours", r.legend[j].label);
    if (r.legend[j].kind != IM_GEOM_POINT)
      continue;
    if (events++ == 0)
      marker = r.legend[j].marker;
    assert_int_equal(r.legend[j].marker, marker);
  }
  assert_int_equal(events, 5);
  assert_int_equal(hollow, 1);
  assert_true(shapes >= 5);
  im_map_free(map);
}

static void legend_by_category_with_routes(void **state) {
  (void)state;
  const char *actors = "{China: {%s: \"#d55e00\"}, Russia: {%s: \"#0072b2\"}, Iran: {%s: \"#009e73\"}, "
                       "Venezuela: {%s: \"#e69f00\"}}";
  char point_actors[256], line_actors[512], layers[4096];
  snprintf(point_actors, sizeof point_actors, actors, "fill", "fill", "fill", "fill");
  snprintf(line_actors, sizeof line_actors, actors, "stroke", "stroke", "stroke", "stroke");
  snprintf(layers, sizeof layers,
           "%s  - {id: events, source: %s, marker: {symbol: circle, size: 6pt}, fill: \"#777777\",\n"
           "     stroke: {color: white, width: 0.5pt},\n"
           "     classes: [{field: actor, values: %s}, {field: category, values: {space: {marker: star}, "
           "mining: {marker: star}, military: {marker: triangle}}}],\n"
           "     rules: [{where: \"status in ('proposed', 'announced')\", stroke: {width: 1.5pt}}]}\n"
           "  - {id: routes, source: %s, geodesic: true, stroke: {color: \"#777777\", width: 1pt},\n"
           "     classes: {field: actor, values: %s}}\n",
           countries_layer(), src_path("shapes/influence/events.geojson"), point_actors,
           src_path("shapes/influence/routes.geojson"), line_actors);
  const char *ext = "  extent: {west: -100, east: -30, south: -50, north: 20}\n";
  im_map *map = spec("legend-category.yaml", LAEA, ext, layers, "legend: {by: category, counts: true}\n");
  im_furniture_report r;
  probe(map, &r);
  unprojector u;
  unprojector_init(&u, map, &r);
  const im_frame *f = &r.frame;
  /* What is drawn in the frame, per layer and category: count and actors. */
  struct {
    size_t layer;
    char category[32], actor[32];
    size_t count;
    bool mixed;
  } want[64];
  size_t nwant = 0, lines = 0;
  const char *sources[2] = {"shapes/influence/events.geojson", "shapes/influence/routes.geojson"};
  for (size_t li = 0; li < 2; li++) {
    im_layer *layer = NULL;
    im_error err;
    assert_ok(im_layer_load(src_path(sources[li]), NULL, &layer, &err), &err);
    long cat = im_layer_field_index(layer, "category"), act = im_layer_field_index(layer, "actor");
    assert_true(cat >= 0 && act >= 0);
    for (size_t i = 0; i < layer->nfeatures; i++) {
      const im_feature *e = &layer->features[i];
      /* Points in the frame; routes (from Latin America) with an end in it. */
      bool in = false;
      for (size_t k = 0; k < e->geom.npoints && !in; k++) {
        double xy[2] = {e->geom.xy[2 * k], e->geom.xy[2 * k + 1]};
        im_transform_array(u.t, xy, 1, false);
        in = xy[0] >= f->xmin && xy[0] <= f->xmax && xy[1] >= f->ymin && xy[1] <= f->ymax;
      }
      if (!in)
        continue;
      size_t k;
      for (k = 0; k < nwant && (want[k].layer != li + 1 || strcmp(want[k].category, e->values[cat])); k++)
        ;
      if (k == nwant) {
        assert_true(nwant < 64);
        want[nwant].layer = li + 1;
        snprintf(want[nwant].category, sizeof want[0].category, "%s", e->values[cat]);
        snprintf(want[nwant].actor, sizeof want[0].actor, "%s", e->values[act]);
        want[nwant].count = 0;
        want[nwant++].mixed = false;
      }
      want[k].count++;
      want[k].mixed = want[k].mixed || strcmp(want[k].actor, e->values[act]);
      lines += li == 1;
    }
    im_layer_free(layer);
  }
  assert_true(lines >= 5);
  /* Exactly those entries, in their layers; lines for the routes. */
  assert_int_equal(r.nlegend, nwant);
  size_t single = 0, mixed = 0;
  for (size_t k = 0; k < nwant; k++) {
    size_t j;
    for (j = 0; j < r.nlegend && (r.legend[j].layer != want[k].layer || strcmp(r.legend[j].label, want[k].category));
         j++)
      ;
    if (j == r.nlegend)
      fail_msg("%s (layer %zu) is drawn but not in the legend", want[k].category, want[k].layer);
    assert_int_equal(r.legend[j].count, want[k].count);
    assert_int_equal(r.legend[j].kind, want[k].layer == 1 ? IM_GEOM_POINT : IM_GEOM_LINE);
    /* A legend by category keys shape, not colour: every entry takes the
     * layer's neutral grey, even when all its events are of one actor
     * (Iran's media in Iran's green read as "Iran" to a reader). */
    im_color c = want[k].layer == 1 ? r.legend[j].fill : r.legend[j].stroke;
    const char *expect = "#777777";
    if (!color_is(c, expect))
      fail_msg("%s (layer %zu, %s): symbol colour %.3f %.3f %.3f, not %s", want[k].category, want[k].layer,
               want[k].mixed ? "several actors" : want[k].actor, c.r, c.g, c.b, expect);
    *(want[k].mixed ? &mixed : &single) += 1;
    if (!strcmp(want[k].category, "space"))
      assert_int_equal(r.legend[j].marker, IM_MARKER_STAR);
  }
  assert_true(single >= 3 && mixed >= 2);
  unprojector_fini(&u);
  im_map_free(map);
}

/* ---- scale bar ---- */

static bool round_125(double v) {
  double p = pow(10, floor(log10(v) + 1e-9)), m = v / p;
  return fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9;
}

static void check_scalebar(const char *name, const char *crs, const char *ext, const char *units, double unit_km,
                           bool drawn_ends_too) {
  char extra[256];
  snprintf(extra, sizeof extra, "scalebar: {units: %s, position: bottom-left}\n", units);
  im_map *map = spec(name, crs, ext, countries_layer(), extra);
  im_furniture_report r;
  probe(map, &r);
  assert_true(r.scalebar_drawn);
  assert_true(round_125(r.scale_length));
  assert_float_equal(r.scale_unit_km, unit_km, 1e-9);
  unprojector u;
  unprojector_init(&u, map, &r);
  double lon0, lat0, lon1, lat1;
  /* The bar's length, centred on the frame's centre. */
  assert_float_equal(r.centre_bar[1], r.fy0 + r.fh / 2, 1e-9);
  assert_float_equal((r.centre_bar[0] + r.centre_bar[2]) / 2, r.fx0 + r.fw / 2, 1e-6);
  assert_float_equal(r.centre_bar[2] - r.centre_bar[0], r.bar[2] - r.bar[0], 1e-3);
  to_lonlat(&u, r.centre_bar[0], r.centre_bar[1], &lon0, &lat0);
  to_lonlat(&u, r.centre_bar[2], r.centre_bar[3], &lon1, &lat1);
  double km = ellipsoid_km(lon0, lat0, lon1, lat1), want = r.scale_length * unit_km;
  print_message("%s: bar %g %s = %.3f km; measured %.3f km at the centre\n", name, r.scale_length, units, want, km);
  assert_true(fabs(km / want - 1) < 0.01);
  if (drawn_ends_too) {
    /* A map small enough that the scale is the same everywhere: the bar
     * where it is drawn measures the same. */
    to_lonlat(&u, r.bar[0], r.bar[1], &lon0, &lat0);
    to_lonlat(&u, r.bar[2], r.bar[3], &lon1, &lat1);
    km = ellipsoid_km(lon0, lat0, lon1, lat1);
    assert_true(fabs(km / want - 1) < 0.01);
  }
  /* Not longer than asked (35mm by default). */
  assert_true(r.bar[2] - r.bar[0] <= 35 / 25.4 * 100 + 1);
  unprojector_fini(&u);
  im_map_free(map);
}

static void scalebar_true_at_centre(void **state) {
  (void)state;
  check_scalebar("scale-peru.yaml", LAEA, "  extent: {west: -82, east: -68, south: -19, north: 0}\n", "km", 1, false);
  check_scalebar("scale-mi.yaml", "EPSG:3857", "  extent: {west: -75, east: -65, south: -32, north: -28}\n", "mi",
                 1.609344, false);
  check_scalebar("scale-chancay.yaml", "+proj=utm +zone=18 +south +datum=WGS84",
                 "  extent: {west: -77.4, east: -77.1, south: -11.7, north: -11.45}\n", "nmi", 1.852, true);
}

/* A world map: the scale changes far more than 10% across it. */
static void scalebar_refused_on_world_maps(void **state) {
  (void)state;
  im_map *map =
      spec("scale-world.yaml", "+proj=robin +lon_0=0 +datum=WGS84", "", countries_layer(), "scalebar: true\n");
  im_furniture_report r;
  probe(map, &r);
  assert_false(r.scalebar_drawn);
  assert_true(r.scalebar_refused);
  im_map_free(map);
  /* A continent in Mercator: refused too (the scale doubles from 0 to 60°S). */
  map = spec("scale-merc.yaml", "EPSG:3857", "  extent: {west: -90, east: -30, south: -56, north: 12}\n",
             countries_layer(), "scalebar: true\n");
  probe(map, &r);
  assert_false(r.scalebar_drawn);
  assert_true(r.scale_variation > 0.2);
  im_map_free(map);
  map = spec("scale-merc-forced.yaml", "EPSG:3857", "  extent: {west: -90, east: -30, south: -56, north: 12}\n",
             countries_layer(), "scalebar: {force: true}\n");
  probe(map, &r);
  assert_true(r.scalebar_drawn);
  im_map_free(map);
}

/* ---- the map set: when a bar and an arrow tell the truth ---- */

typedef struct {
  const char *style;
  bool bar, arrow; /* drawn */
} honest_case;

/* Each map of styles/ that asks for a scale bar or a north arrow. On the
 * continental maps (Lambert azimuthal over 84° of longitude) the principal
 * scales at the corners are about 0.8 and 1.2 of the centre's and north
 * turns by about 60° across the frame: a statement replaces the bar and no
 * arrow is drawn. On the local maps both are true everywhere. */
static void mapset_scale_and_north(void **state) {
  (void)state;
  static const honest_case cases[] = {
      {"styles/influence-latam.yaml", false, false}, {"styles/actor-china.yaml", false, false},
      {"styles/chancay.yaml", true, true},           {"styles/colombia-venezuela.yaml", true, true},
      {"styles/us-mexico-border.yaml", true, true},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const honest_case *c = &cases[i];
    im_map *map = NULL;
    im_error err;
    im_error_clear(&err);
    assert_ok(im_map_load(src_path(c->style), &map, &err), &err);
    im_furniture_report r;
    probe(map, &r);
    print_message("%s: scale varies %.1f%%, north turns %.1f°: bar %d, statement '%s', arrow %d\n", c->style,
                  100 * r.scale_variation, r.north_turn, r.scalebar_drawn, r.scale_text, r.north_drawn);
    /* The scale bar's item is there either way: the bar or the statement. */
    assert_true(r.item_present[IM_ITEM_SCALEBAR]);
    assert_int_equal(r.scale_statement, !c->bar);
    assert_int_equal(r.scalebar_drawn, c->bar);
    assert_int_equal(r.scale_variation <= 0.05, c->bar);
    assert_int_equal(r.north_drawn, c->arrow);
    assert_int_equal(r.north_turn <= 5, c->arrow);
    if (!c->bar) {
      assert_true(r.scale_variation > 0.15); /* 0.82 and 1.22 at the corners */
      assert_non_null(strstr(r.scale_text, "Scale varies; 1:"));
      assert_non_null(strstr(r.scale_text, " at the centre"));
      /* 1:X from the page's physical size: X is the scale denominator at
       * the centre to two figures. */
      unsigned long long x = 0;
      const char *d = strstr(r.scale_text, "1:") + 2;
      for (; *d && *d != ' '; d++)
        if (*d != ',')
          x = 10 * x + (unsigned long long)(*d - '0');
      unprojector u;
      unprojector_init(&u, map, &r);
      double cx = r.fx0 + r.fw / 2, cy = r.fy0 + r.fh / 2, cm = 72 / 2.54 * r.dev_per_pt, lon0, lat0, lon1, lat1;
      to_lonlat(&u, cx - cm / 2, cy, &lon0, &lat0);
      to_lonlat(&u, cx + cm / 2, cy, &lon1, &lat1);
      double denom = ellipsoid_km(lon0, lat0, lon1, lat1) * 1000 / 0.01;
      print_message("  statement 1:%llu, measured 1:%.0f\n", x, denom);
      assert_true(fabs((double)x / denom - 1) < 0.05);
      unprojector_fini(&u);
    }
    im_map_free(map);
  }
}

/* The scale bar for a stated latitude: on a Mercator continent the bar is
 * true on that parallel (where it crosses the central meridian), not at
 * the centre, and says so. */
static void scalebar_at_latitude(void **state) {
  (void)state;
  const char *ext = "  extent: {west: -90, east: -30, south: -56, north: 12}\n";
  im_map *map = spec("scale-lat.yaml", "EPSG:3857", ext, countries_layer(), "scalebar: {at_latitude: -40}\n");
  im_furniture_report r;
  probe(map, &r);
  assert_true(r.scalebar_drawn);
  assert_false(r.scale_statement);
  unprojector u;
  unprojector_init(&u, map, &r);
  double lon0, lat0, lon1, lat1;
  to_lonlat(&u, r.centre_bar[0], r.centre_bar[1], &lon0, &lat0);
  to_lonlat(&u, r.centre_bar[2], r.centre_bar[3], &lon1, &lat1);
  double km = ellipsoid_km(lon0, lat0, lon1, lat1), want = r.scale_length * r.scale_unit_km;
  print_message("bar at 40°S: %g km; measured %.1f km between %.2f,%.2f and %.2f,%.2f\n", want, km, lon0, lat0, lon1,
                lat1);
  assert_true(fabs(lat0 + 40) < 0.01 && fabs(lat1 + 40) < 0.01);
  assert_true(fabs(km / want - 1) < 0.01);
  unprojector_fini(&u);
  im_map_free(map);
}

/* ---- north arrow ---- */

static void check_north(const char *name, const char *crs, const char *ext, const char *options) {
  char extra[128];
  snprintf(extra, sizeof extra, "north_arrow: {%s}\n", options);
  im_map *map = spec(name, crs, ext, countries_layer(), extra);
  im_furniture_report r;
  probe(map, &r);
  assert_true(r.north_drawn);
  unprojector u;
  unprojector_init(&u, map, &r);
  double lon, lat;
  to_lonlat(&u, r.north_x, r.north_y, &lon, &lat);
  PJ_CONTEXT *ctx = proj_context_create();
  PJ *P = proj_create(ctx, crs);
  assert_non_null(P);
  PJ_COORD c = proj_coord(proj_torad(lon), proj_torad(lat), 0, 0);
  PJ_FACTORS pf = proj_factors(P, c);
  /* PROJ's convergence is the angle from grid north to true north,
   * counter-clockwise; the arrow's angle is clockwise from the page's up. */
  double convergence = -proj_todeg(pf.meridian_convergence);
  print_message("%s: arrow at %.2f %.2f: %.3f°, PROJ convergence %.3f°; north turns %.1f° across the frame\n", name,
                lon, lat, r.north_angle, convergence, r.north_turn);
  assert_true(fabs(r.north_angle - convergence) < 0.5);
  proj_destroy(P);
  proj_context_destroy(ctx);
  unprojector_fini(&u);
  im_map_free(map);
}

static void north_arrow_true_north(void **state) {
  (void)state;
  /* Central Peru: north turns by a few degrees across the frame, within the 5°
   * tolerance; the arrow points to north where it stands. */
  const char *peru = "  extent: {west: -79, east: -71, south: -15, north: -8}\n";
  check_north("north-laea-r.yaml", LAEA, peru, "position: top-right");
  check_north("north-laea-l.yaml", LAEA, peru, "position: bottom-left");
  check_north("north-lcc.yaml", "+proj=lcc +lat_1=-5 +lat_2=-30 +lat_0=-15 +lon_0=-60 +datum=WGS84", peru,
              "position: top-left");
  /* Mercator: north is up everywhere, so the arrow is drawn on a continent. */
  const char *ext = "  extent: {west: -92, east: -30, south: -56, north: 15}\n";
  check_north("north-merc.yaml", "EPSG:3857", ext, "position: top-right");
  /* LAEA over the continent: away from the central meridian true north
   * leans towards it, by tens of degrees at the corners. One arrow would
   * say the map is rotated: none, unless asked for the centre's north. */
  im_map *map = spec("north-angle.yaml", LAEA, ext, countries_layer(), "north_arrow: {position: bottom-left}\n");
  im_furniture_report r;
  probe(map, &r);
  assert_false(r.north_drawn);
  assert_true(r.north_refused);
  assert_true(r.north_turn > 20);
  im_map_free(map);
  /* A larger tolerance takes it. */
  map = spec("north-tol.yaml", LAEA, ext, countries_layer(), "north_arrow: {position: bottom-left, tolerance: 90}\n");
  probe(map, &r);
  assert_true(r.north_drawn);
  assert_true(fabs(r.north_angle) > 5); /* at its corner: not simply up */
  im_map_free(map);
  /* at_centre: the centre's north, wherever the arrow stands. */
  check_north("north-centre.yaml", LAEA, ext, "position: bottom-left, at_centre: true");
  map = spec("north-centre2.yaml", LAEA, ext, countries_layer(),
             "north_arrow: {position: bottom-left, at_centre: true}\n");
  probe(map, &r);
  assert_true(r.north_at_centre);
  assert_float_equal(r.north_x, r.fx0 + r.fw / 2, 1e-6);
  assert_float_equal(r.north_y, r.fy0 + r.fh / 2, 1e-6);
  im_map_free(map);
}

/* ---- graticule ---- */

static void check_graticule(const char *name, const char *crs, const char *map_extra, const char *extra, size_t min) {
  im_map *map = spec(name, crs, map_extra, countries_layer(), extra);
  im_furniture_report r;
  probe(map, &r);
  print_message("%s: %zu graticule labels\n", name, r.ngrat);
  assert_true(r.ngrat >= min);
  double corners[4][2] = {{r.fx0, r.fy0}, {r.fx0 + r.fw, r.fy0}, {r.fx0, r.fy0 + r.fh}, {r.fx0 + r.fw, r.fy0 + r.fh}};
  for (size_t i = 0; i < r.ngrat; i++) {
    im_bbox a = r.grat_boxes[i];
    assert_true(a.maxx > a.minx && a.maxy > a.miny);
    if (a.minx < 0 || a.miny < 0 || a.maxx > r.dev_w || a.maxy > r.dev_h)
      fail_msg("label %s is off the page", r.grat_text[i]);
    for (size_t j = i + 1; j < r.ngrat; j++) {
      im_bbox b = r.grat_boxes[j];
      if (a.minx < b.maxx && b.minx < a.maxx && a.miny < b.maxy && b.miny < a.maxy)
        fail_msg("labels %s and %s overlap", r.grat_text[i], r.grat_text[j]);
    }
    for (int k = 0; k < 4; k++)
      if (corners[k][0] >= a.minx && corners[k][0] <= a.maxx && corners[k][1] >= a.miny && corners[k][1] <= a.maxy)
        fail_msg("label %s covers a frame corner", r.grat_text[i]);
    assert_true(strstr(r.grat_text[i], "\xc2\xb0") != NULL);
  }
  im_map_free(map);
}

static void graticule_labels_apart(void **state) {
  (void)state;
  const char *ext = "  extent: {west: -92, east: -30, south: -56, north: 15}\n";
  check_graticule("grat-in.yaml", LAEA, ext, "graticule: 5\n", 12);
  char with_margins[256];
  snprintf(with_margins, sizeof with_margins, "%s  margins: 9mm\n", ext);
  check_graticule("grat-out.yaml", LAEA, with_margins, "graticule: {step: 2.5}\n", 12);
  check_graticule("grat-world.yaml", "+proj=robin +lon_0=150 +datum=WGS84", "  margins: 8mm\n", "graticule: 30\n", 2);
  /* Half degrees: minutes in the labels. */
  im_map *map = spec("grat-min.yaml", LAEA, "  extent: {west: -72, east: -70, south: -34, north: -32}\n",
                     countries_layer(), "graticule: {step: 0.5}\n");
  im_furniture_report r;
  probe(map, &r);
  bool minutes = false;
  for (size_t i = 0; i < r.ngrat; i++)
    minutes = minutes || strstr(r.grat_text[i], "30\xe2\x80\xb2");
  assert_true(minutes);
  im_map_free(map);
}

/* ---- text, margins, PDF ---- */

static void title_and_credits_are_text(void **state) {
  (void)state;
  im_map *map = spec("text.yaml", LAEA,
                     "  extent: {west: -92, east: -30, south: -56, north: 15}\n  margins: {top: 16mm, bottom: 9mm, "
                     "left: 5mm, right: 5mm}\n  title: \"Chinese ports in <i>South America</i>\"\n"
                     "  subtitle: Natural Earth & friends\n  credits: \"Base map: Natural Earth. Data: VRIC Monitor, "
                     "December 2021.\"\n",
                     countries_layer(), "");
  const char *pdf = scratch_path("text.pdf");
  im_error err;
  assert_ok(im_map_render(map, pdf, NULL, &err), &err);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", pdf);
  char *text = run_capture(cmd);
  assert_non_null(strstr(text, "Chinese ports in South America")); /* markup applied, not printed */
  assert_non_null(strstr(text, "Natural Earth & friends"));        /* not markup: as written */
  assert_non_null(strstr(text, "Base map: Natural Earth. Data: VRIC Monitor, December 2021."));
  free(text);
  /* They went outside the frame: the margins hold them. */
  im_furniture_report r;
  probe(map, &r);
  assert_true(r.item_present[IM_ITEM_TITLE] && r.item_present[IM_ITEM_CREDITS]);
  assert_true(r.item_box[IM_ITEM_TITLE].maxy <= r.fy0);
  assert_true(r.item_box[IM_ITEM_SUBTITLE].maxy <= r.fy0);
  assert_true(r.item_box[IM_ITEM_CREDITS].miny >= r.fy0 + r.fh);
  assert_true(r.item_box[IM_ITEM_TITLE].maxy <= r.item_box[IM_ITEM_SUBTITLE].miny);
  im_map_free(map);
}

/* With margins, the frame shrinks, the map stays in it and the margins
 * stay white; without, nothing changes. */
static void margins_stay_white(void **state) {
  (void)state;
  im_map *map = spec("margins.yaml", LAEA,
                     "  extent: {west: -92, east: -30, south: -56, north: 15}\n  margins: {top: 10mm, right: 5mm, "
                     "bottom: 8mm, left: 12mm}\n",
                     countries_layer(), "");
  const char *png = scratch_path("margins.png");
  im_error err;
  assert_ok(im_map_render(map, png, NULL, &err), &err);
  test_image img;
  assert_true(image_load(png, &img));
  im_furniture_report r;
  probe(map, &r);
  assert_float_equal(r.fx0, round(12 / 25.4 * 100), 1e-9);
  assert_float_equal(r.fy0, round(10 / 25.4 * 100), 1e-9);
  /* The frame line is drawn just inside the frame; outside it, white. */
  size_t white = 0, total = 0;
  for (int y = 0; y < img.height; y++)
    for (int x = 0; x < img.width; x++) {
      bool in = x >= r.fx0 && x < r.fx0 + r.fw && y >= r.fy0 && y < r.fy0 + r.fh;
      if (in)
        continue;
      total++;
      white += pixel_near(image_pixel(&img, x, y), 0xffffff, 0);
    }
  assert_int_equal(white, total);
  /* Inside: the sea (and land) as before. */
  assert_true(pixel_near(image_pixel(&img, (int)(r.fx0 + 20), (int)(r.fy0 + r.fh / 2)), 0xdbe9f4, 2));
  image_free(&img);
  im_map_free(map);
}

/* The inset: a globe with the main frame's footprint in red. */
static void inset_shows_footprint(void **state) {
  (void)state;
  char extra[512];
  snprintf(extra, sizeof extra, "inset: {position: top-right, size: 30mm, source: %s}\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"));
  im_map *map =
      spec("inset.yaml", LAEA, "  extent: {west: -82, east: -68, south: -19, north: 0}\n", countries_layer(), extra);
  const char *png = scratch_path("inset.png");
  im_error err;
  assert_ok(im_map_render(map, png, NULL, &err), &err);
  im_furniture_report r;
  probe(map, &r);
  assert_true(r.item_present[IM_ITEM_INSET]);
  im_bbox b = r.item_box[IM_ITEM_INSET];
  test_image img;
  assert_true(image_load(png, &img));
  size_t red = 0, water = 0;
  for (int y = (int)b.miny; y < (int)b.maxy; y++)
    for (int x = (int)b.minx; x < (int)b.maxx; x++) {
      uint32_t px = image_pixel(&img, x, y);
      red += pixel_near(px, 0xd62728, 40);
      water += pixel_near(px, 0xdbe9f5, 6);
    }
  assert_true(red > 20);
  assert_true(water > (b.maxx - b.minx) * (b.maxy - b.miny) / 4); /* the globe's sea */
  image_free(&img);
  im_map_free(map);
}

/* ---- spec errors ---- */

static void expect_error(const char *yaml_extra, const char *fragment, int line) {
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:3857\nlayers:\n  - {id: events, source: %s, classes: {field: actor, palette: vric}}\n%s",
           src_path("shapes/influence/events.geojson"), yaml_extra);
  const char *path = scratch_path("bad.yaml");
  assert_true(write_file(path, yaml, strlen(yaml)));
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  im_status st = im_map_load(path, &map, &err);
  assert_int_equal(st, IM_STATUS_INPUT);
  char buf[2048];
  print_message("%s\n", im_error_format(&err, buf, sizeof buf));
  assert_non_null(strstr(err.message, fragment));
  assert_int_equal(err.line, line);
  assert_true(err.column > 0);
  im_map_free(map);
}

static void spec_errors(void **state) {
  (void)state;
  expect_error("legend: {titel: Actor}\n", "did you mean 'title'", 5);
  expect_error("legend: {layers: [event]}\n", "did you mean 'events'", 5);
  expect_error("legend: {by: actr}\n", "did you mean 'actor'", 5);
  expect_error("scalebar: {units: kms}\n", "did you mean 'km'", 5);
  expect_error("north_arrow: {position: top-centre}\n", "position", 5);
  expect_error("graticule: {step: 0}\n", "graticule step", 5);
  expect_error("inset: {source: nowhere.shp}\n", "not found", 5);
  expect_error("legend:\n  position: bottom-left\n  placement: outsde\n", "did you mean 'outside'", 7);
  expect_error("scalebar: maybe\n", "true, false or a mapping", 5);
  expect_error("legend: {sections: [{title: Actor, by: actr}]}\n", "did you mean 'actor'", 5);
  expect_error("legend: {sections: [{title: Actor}]}\n", "needs by:", 5);
  expect_error("legend: {sections: [{title: Status, by: status}]}\n", "not a field the legend's layers are styled by",
               5);
  expect_error("legend: {sections: []}\n", "1 to 8 sections", 5);
  /* In map: too. */
  char yaml[1024];
  snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:3857\n  margins: {top: 1cm, botom: 2mm}\nlayers:\n  - {source: %s}\n",
           src_path("shapes/influence/events.geojson"));
  const char *path = scratch_path("bad-map.yaml");
  assert_true(write_file(path, yaml, strlen(yaml)));
  im_map *map = NULL;
  im_error err;
  assert_int_equal(im_map_load(path, &map, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "did you mean 'bottom'"));
  assert_int_equal(err.line, 3);
  /* Margins that leave no map. */
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:3857\n  page: {width: 50mm, height: 50mm}\n  margins: 30mm\n"
           "layers:\n  - {source: %s}\n",
           src_path("shapes/influence/events.geojson"));
  assert_true(write_file(path, yaml, strlen(yaml)));
  assert_ok(im_map_load(path, &map, &err), &err);
  im_frame f;
  assert_int_equal(im_map_frame(map, NULL, &f, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "margins"));
  im_map_free(map);
}

/* The numbered key: on a crowded map whose event labels (10 pt) cannot all
 * sit by their marks, those that find no room become numbers and the key
 * lists them below the credits, in the bottom margin, inside the page; a
 * bottom margin too small for it is made taller; a side margin too narrow
 * fails the render, naming the margin. */
static void numbered_key_in_margin(void **state) {
  (void)state;
  char layers[1024], loose[1024];
  snprintf(layers, sizeof layers,
           "%s  - {id: events, source: %s, schema: events, marker: {symbol: circle, size: 5pt}, fill: \"#bf4d00\",\n"
           "     displace: {distance: 5pt, spacing: 8pt},\n"
           "     label: {text: \"{name}\", font: \"Noto Sans 10\", leader: auto, key: auto, required: true}}\n",
           countries_layer(), src_path("shapes/influence/events.geojson"));
  /* The same, not required: with the margin too small, the key's own
   * failure, not a number without room, is what fails the render. */
  snprintf(loose, sizeof loose, "%s", layers);
  char *req = strstr(loose, "required: true");
  assert_non_null(req);
  memcpy(req, "required:   no", 14);
  const char *extent = "  extent: {west: -90, east: -55, south: -5, north: 25}\n  credits: \"Data: VRIC Monitor.\"\n";
  char map_extra[512];
  snprintf(map_extra, sizeof map_extra, "%s  margins: {top: 5mm, right: 5mm, bottom: 45mm, left: 5mm}\n", extent);
  im_map *map = spec("key.yaml", LAEA, map_extra, layers, "key: {position: bottom, title: Key}\n");
  im_furniture_report r;
  probe(map, &r);
  print_message("key: %zu entries in [%.0f %.0f %.0f %.0f]\n", r.key_entries, r.key_box.minx, r.key_box.miny,
                r.key_box.maxx, r.key_box.maxy);
  assert_true(r.key_entries >= 3);
  assert_true(r.item_present[IM_ITEM_CREDITS]);
  assert_true(r.key_box.miny >= r.item_box[IM_ITEM_CREDITS].maxy);
  assert_true(r.key_box.miny >= r.fy0 + r.fh);
  assert_true(r.key_box.maxy <= r.dev_h && r.key_box.minx >= r.fx0 - 0.5 && r.key_box.maxx <= r.fx0 + r.fw + 0.5);
  /* The render counts the numbers as placed labels: none dropped. */
  im_render_stats stats = {0};
  im_render_options opt = {.stats = &stats};
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, scratch_path("key.png"), &opt, &err), &err);
  assert_int_equal(stats.labels_keyed, r.key_entries);
  im_map_free(map);

  /* 8 mm below the frame: the credits take it, the key has no room there.
   * The render gives the bottom margin what the key lacks and draws the
   * page again: the PDF holds the key's heading and its entries, below
   * the frame. */
  snprintf(map_extra, sizeof map_extra, "%s  margins: {top: 5mm, right: 5mm, bottom: 8mm, left: 5mm}\n", extent);
  map = spec("key-small.yaml", LAEA, map_extra, loose, "key: {position: bottom, title: Key}\n");
  const char *pdf = scratch_path("key-small.pdf");
  stats = (im_render_stats){0};
  assert_ok(im_map_render(map, pdf, &opt, &err), &err);
  assert_true(stats.labels_keyed >= 3);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -layout '%s' -", pdf);
  char *text = run_capture(cmd);
  const char *key = strstr(text, "\nKey");
  assert_non_null(key);
  assert_non_null(strstr(key, "1 "));
  assert_true(strstr(text, "Data: VRIC Monitor.") < key); /* below the credits */
  free(text);
  /* Into a host's Cairo context the same: the map is recorded, laid out
   * again with the taller margin, and drawn once. */
  im_frame fr;
  assert_ok(im_map_frame(map, NULL, &fr, &err), &err);
  const char *host = scratch_path("key-host.pdf");
  cairo_surface_t *s = cairo_pdf_surface_create(host, fr.width_pt, fr.height_pt);
  cairo_t *cr = cairo_create(s);
  stats = (im_render_stats){0};
  assert_ok(im_map_render_to_cairo(map, cr, &opt, &err), &err);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
  assert_true(stats.labels_keyed >= 3);
  snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -layout '%s' -", host);
  text = run_capture(cmd);
  key = strstr(text, "\nKey");
  assert_non_null(key);
  assert_true(strstr(text, "Data: VRIC Monitor.") < key);
  free(text);
  im_map_free(map);

  /* Beside the frame, a taller margin cannot help: a key on the right
   * of a 5 mm margin fails the render, naming the margin, and writes
   * nothing. */
  snprintf(map_extra, sizeof map_extra, "%s  margins: {top: 5mm, right: 5mm, bottom: 8mm, left: 5mm}\n", extent);
  map = spec("key-side.yaml", LAEA, map_extra, loose, "key: {position: right, title: Key}\n");
  const char *out = scratch_path("key-side.png");
  remove(out);
  assert_int_equal(im_map_render(map, out, NULL, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "numbered key"));
  assert_non_null(strstr(err.message, "right margin"));
  assert_int_equal(access(out, F_OK), -1);
  im_map_free(map);
}

/* A legend's own texts and its "no data" entry: labels: shows "China" as
 * the text it is given; no_data: lists the points with no actor as one
 * entry, last, counted; without no_data they are left out. */
static void legend_labels_and_no_data(void **state) {
  (void)state;
  const char *pts = scratch_path("nodata.geojson");
  const char *gj = "{\"type\": \"FeatureCollection\", \"features\": [\n"
                   "{\"type\": \"Feature\", \"properties\": {\"actor\": \"China\"}, \"geometry\": "
                   "{\"type\": \"Point\", \"coordinates\": [-70, -15]}},\n"
                   "{\"type\": \"Feature\", \"properties\": {\"actor\": \"Russia\"}, \"geometry\": "
                   "{\"type\": \"Point\", \"coordinates\": [-60, -10]}},\n"
                   "{\"type\": \"Feature\", \"properties\": {\"actor\": null}, \"geometry\": "
                   "{\"type\": \"Point\", \"coordinates\": [-65, -20]}},\n"
                   "{\"type\": \"Feature\", \"properties\": {}, \"geometry\": "
                   "{\"type\": \"Point\", \"coordinates\": [-55, -25]}}]}\n";
  assert_true(write_file(pts, gj, strlen(gj)));
  char layers[1024];
  snprintf(layers, sizeof layers,
           "%s  - {id: pts, source: %s, marker: {symbol: circle, size: 6pt}, fill: \"#777777\",\n"
           "     classes: [{field: actor, values: {China: {fill: \"#bf4d00\"}, Russia: {fill: \"#417ed9\"}}}]}\n",
           countries_layer(), pts);
  const char *frame = "  extent: {west: -92, east: -30, south: -56, north: 15}\n";
  for (int with = 0; with < 2; with++) {
    char extra[512];
    snprintf(extra, sizeof extra, "legend: {layers: [pts], counts: true, labels: {China: \"People's Republic\"}%s}\n",
             with ? ", no_data: \"No actor given\"" : "");
    im_map *map = spec(with ? "nodata.yaml" : "nodata0.yaml", LAEA, frame, layers, extra);
    im_furniture_report r;
    probe(map, &r);
    assert_int_equal(r.nlegend, with ? 3 : 2);
    if (with) {
      assert_string_equal(r.legend[2].label, "No actor given");
      assert_int_equal(r.legend[2].count, 2);
    }
    const char *pdf = scratch_path(with ? "nodata.pdf" : "nodata0.pdf");
    im_error err;
    im_error_clear(&err);
    assert_ok(im_map_render(map, pdf, NULL, &err), &err);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", pdf);
    char *text = run_capture(cmd);
    assert_non_null(strstr(text, "People's Republic (1)"));
    assert_null(strstr(text, "China"));
    assert_true(!strstr(text, "No actor given (2)") == !with);
    /* Listed last: after Russia. */
    if (with)
      assert_true(strstr(text, "No actor given") > strstr(text, "Russia"));
    free(text);
    im_map_free(map);
  }
}

/* In a legend's section, values a reader cannot tell apart on the map are
 * one row, a symbol only some of them have (a route) not keeping them
 * apart: on actor-venezuela, diplomacy (routes and circles) and health and
 * other (circles) are drawn alike, as are the hollow announced (a dashed
 * route and rings) and proposed (rings). */
static void legend_rows_alike_are_one(void **state) {
  (void)state;
  im_error err;
  im_map *map = NULL;
  assert_ok(im_map_load(src_path("styles/actor-venezuela.yaml"), &map, &err), &err);
  const char *pdf = scratch_path("legend-alike.pdf");
  assert_ok(im_map_render(map, pdf, NULL, &err), &err);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", pdf);
  char *text = run_capture(cmd);
  assert_non_null(strstr(text, "diplomacy, health, other ("));
  assert_non_null(strstr(text, "announced, proposed ("));
  assert_null(strstr(text, "\nproposed ("));
  free(text);
  im_map_free(map);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(legend_labels_and_no_data),
      cmocka_unit_test(numbered_key_in_margin),
      cmocka_unit_test(legend_lists_classes_drawn),
      cmocka_unit_test(legend_by_field_merges_layers),
      cmocka_unit_test(legend_by_category_with_routes),
      cmocka_unit_test(legend_by_actor_neutral),
      cmocka_unit_test(scalebar_true_at_centre),
      cmocka_unit_test(scalebar_refused_on_world_maps),
      cmocka_unit_test(mapset_scale_and_north),
      cmocka_unit_test(scalebar_at_latitude),
      cmocka_unit_test(north_arrow_true_north),
      cmocka_unit_test(graticule_labels_apart),
      cmocka_unit_test(title_and_credits_are_text),
      cmocka_unit_test(legend_rows_alike_are_one),
      cmocka_unit_test(margins_stay_white),
      cmocka_unit_test(inset_shows_footprint),
      cmocka_unit_test(spec_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
