/* The December 2021 map set (styles/): every event that a map's filter,
 * period and frame keep is drawn at its projected pixel; the Chile–China
 * cable is one continuous curve across the Pacific with nothing streaking,
 * and its length agrees with PROJ's geod; the time window keeps exactly the
 * events whose dates overlap it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/map-furniture-private.h"
#include "support.h"

#include <dirent.h>
#include <stdlib.h>

#define LAND 0xf2efe9
#define SEA 0xdbe9f4
#define TOL 4 /* antialiasing and PNG rounding */

/* tests/support.c's projector, and where the map frame sits on the PNG: the
 * page less the furniture's margins, rounded to whole pixels as the
 * renderer does (src/render/frame.c). */
typedef struct {
  map_projector mp;
  const im_frame *frame;
  double x0, y0, w, h; /* the frame on the PNG, pixels */
} projector;

static void projector_init(projector *p, const im_map *map) {
  map_projector_init(&p->mp, map);
  const im_frame *f = p->frame = &p->mp.frame;
  double top, right, bottom, left, k = f->dpi / 72.0;
  im_furniture_margins_pt(map->furniture, f->dpi, &top, &right, &bottom, &left);
  p->x0 = round(left * k);
  p->y0 = round(top * k);
  p->w = f->width_px - p->x0 - round(right * k);
  p->h = f->height_px - p->y0 - round(bottom * k);
}

static void projector_fini(projector *p) { map_projector_fini(&p->mp); }

/* The pixel a lon/lat falls on; false when it is outside the map frame or
 * within margin pixels of its edge. Longitudes unwrapped past 180 (geodesic
 * samples) are brought back first. */
static bool to_pixel(projector *p, double lon, double lat, int margin, int *px, int *py) {
  double xy[2] = {remainder(lon, 360.0), lat};
  if (im_transform_array(p->mp.t, xy, 1, false) || !isfinite(xy[0]) || !isfinite(xy[1]))
    return false;
  const im_frame *f = p->frame;
  *px = (int)floor(p->x0 + (xy[0] - f->xmin) / (f->xmax - f->xmin) * p->w);
  *py = (int)floor(p->y0 + (f->ymax - xy[1]) / (f->ymax - f->ymin) * p->h);
  return *px >= p->x0 + margin && *py >= p->y0 + margin && *px < p->x0 + p->w - margin && *py < p->y0 + p->h - margin;
}

static bool background(uint32_t px) { return pixel_near(px, LAND, TOL) || pixel_near(px, SEA, TOL); }

/* A symbol is drawn at (x, y): a pixel within 2 px is neither land nor sea
 * and, when bare (the same map without its events layer) is given, differs
 * from it, so it is not a border, a place or a label of another layer. */
static bool symbol_at(const test_image *img, const test_image *bare, int x, int y) {
  for (int dy = -2; dy <= 2; dy++)
    for (int dx = -2; dx <= 2; dx++) {
      int u = x + dx, v = y + dy;
      if (u < 0 || v < 0 || u >= img->width || v >= img->height)
        continue;
      uint32_t px = image_pixel(img, u, v);
      if (!background(px) && (!bare || !pixel_near(px, image_pixel(bare, u, v), TOL)))
        return true;
    }
  return false;
}

/* Nothing of the events layer at (x, y): the 5 x 5 pixels round it are as
 * in the render without that layer. */
static bool nothing_at(const test_image *img, const test_image *bare, int x, int y) {
  for (int dy = -2; dy <= 2; dy++)
    for (int dx = -2; dx <= 2; dx++)
      if (!pixel_near(image_pixel(img, x + dx, y + dy), image_pixel(bare, x + dx, y + dy), TOL))
        return false;
  return true;
}

/* ---- the data ---- */

static im_layer *load_layer(const char *rel) {
  im_layer *layer = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_layer_load(src_path(rel), NULL, &layer, &err), &err);
  return layer;
}

static const char *value(const im_layer *layer, const im_feature *f, const char *field) {
  long i = im_layer_field_index(layer, field);
  return i >= 0 && f->values ? f->values[i] : NULL;
}

/* Compares two ISO dates at the coarser of their precisions (2021-12 equals
 * any day of December 2021), as the time window does. */
static int date_cmp(const char *a, const char *b) {
  size_t n = strlen(a) < strlen(b) ? strlen(a) : strlen(b);
  return strncmp(a, b, n);
}

/* A feature is in the window when its date (or date..date_end) overlaps
 * [from, to]; NULL bounds are open. Written independently of the renderer's
 * filter so that the two can disagree. */
static bool in_window(const im_layer *layer, const im_feature *f, const char *from, const char *to) {
  const char *date = value(layer, f, "date"), *end = value(layer, f, "date_end");
  assert_non_null(date);
  if (!end)
    end = date;
  return (!to || date_cmp(date, to) <= 0) && (!from || date_cmp(end, from) >= 0);
}

static im_map *load_map(const char *name) {
  char rel[256];
  snprintf(rel, sizeof rel, "styles/%s.yaml", name);
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_load(src_path(rel), &map, &err), &err);
  return map;
}

static im_layer_style *map_layer(im_map *map, const char *id) {
  for (size_t i = 0; i < map->nlayers; i++)
    if (!strcmp(map->layers[i].id, id))
      return &map->layers[i];
  fail_msg("%s has no layer %s", map->path, id);
  return NULL;
}

/* The layer's where: bound to the data, or NULL when it has none. */
static im_filter *layer_filter(const im_layer_style *ls, const im_layer *layer) {
  if (!ls->where.text)
    return NULL;
  im_filter *f = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_filter_parse(ls->where.text, NULL, 0, 0, &f, &err), &err);
  assert_ok(im_filter_bind(f, layer->fields, layer->nfields, layer->path, &err), &err);
  return f;
}

/* Renders map to scratch/name; with_events false hides the events layer
 * (the bare map to compare with). */
static void render(im_map *map, const char *name, const char *from, const char *to, bool with_events,
                   im_render_stats *stats, test_image *img) {
  im_layer_style *events = map_layer(map, "events");
  bool visible = events->style.visible;
  events->style.visible = with_events && visible;
  /* Each event where it is, so that its pixel can be checked: the house
   * style lays events at one place on a ring (displace:), which
   * test_displace and labels_belong_to_their_marks check. */
  im_length displace = events->style.displace.distance;
  events->style.displace.distance.value = 0;
  /* Stacked, the marks of one place leave room for one label: the others
   * may not be required. */
  bool required = events->style.label.required;
  events->style.label.required = false;
  /* Nor numbered: a key that outgrows its margin makes the page render
   * again with a taller one, and the frame would not be the spec's. */
  bool key = map->furniture && map->furniture->key.enabled;
  if (map->furniture)
    map->furniture->key.enabled = false;
  im_render_options opt = {.from = from, .to = to, .stats = stats};
  im_error err;
  im_error_clear(&err);
  const char *out = scratch_path(name);
  assert_ok(im_map_render(map, out, &opt, &err), &err);
  events->style.visible = visible;
  events->style.displace.distance = displace;
  events->style.label.required = required;
  if (map->furniture)
    map->furniture->key.enabled = key;
  assert_true(image_load(out, img));
}

/* ---- every event of a map is drawn ---- */

typedef struct {
  const char *spec;
  size_t expected; /* events that the filter, period and frame keep */
  bool at_least;   /* expected is a floor (a map whose extent others tune) */
  const char *required[6];
} map_case;

static const map_case cases[] = {
    {.spec = "influence-latam",
     .expected = 30,
     .at_least = true,
     .required = {"chancay-port", "san-ysidro-russians", "argentina-china-space-plan", "cuba-belt-and-road"}},
    {.spec = "chancay",
     .expected = 4,
     .required = {"chancay-port", "castillo-chinese-embassy", "peru-election-castillo", "peru-russia-classified-info"}},
    {.spec = "cable-pacific",
     .expected = 11,
     .required = {"cuba-ciie-shanghai", "chancay-port", "china-lithium-southern-cone"}},
    {.spec = "colombia-venezuela",
     .expected = 3,
     .required = {"russia-drones-arauca", "russia-drones-cucuta", "barinas-election"}},
    {.spec = "us-mexico-border", .expected = 2, .required = {"san-ysidro-russians", "otay-mesa-russians"}},
    {.spec = "actor-china",
     .expected = 9,
     .required = {"chancay-port", "taiwan-embassy-managua-seized", "castillo-chinese-embassy"}},
    {.spec = "actor-russia",
     .expected = 11,
     .required = {"fernandez-russian-diplomats", "belarus-poland-migration", "san-ysidro-russians",
                  "russia-apc-uruguay"}},
    {.spec = "actor-iran",
     .expected = 9,
     .required = {"raisi-maduro-call", "iran-nuclear-talks-vienna", "iran-cultural-centre-boric",
                  "llorenti-raisi-tehran"}},
    {.spec = "actor-venezuela",
     .expected = 12,
     .required = {"alba-summit-havana", "maduro-al-mayadeen", "llorenti-raisi-tehran", "barinas-election"}},
};

static void check_map(const map_case *c, const im_layer *events) {
  im_map *map = load_map(c->spec);
  char name[128];
  test_image img, bare;
  snprintf(name, sizeof name, "%s.png", c->spec);
  render(map, name, NULL, NULL, true, NULL, &img);
  snprintf(name, sizeof name, "%s-bare.png", c->spec);
  render(map, name, NULL, NULL, false, NULL, &bare);
  im_filter *filter = layer_filter(map_layer(map, "events"), events);
  projector p;
  projector_init(&p, map);
  assert_int_equal(img.width, p.frame->width_px);
  assert_int_equal(img.height, p.frame->height_px);
  size_t checked = 0, required_found = 0;
  char list[4096] = "";
  for (size_t i = 0; i < events->nfeatures; i++) {
    const im_feature *f = &events->features[i];
    const char *id = value(events, f, "id");
    int x, y;
    if ((filter && !im_filter_eval(filter, f->values)) || !in_window(events, f, map->period_from, map->period_to) ||
        !to_pixel(&p, f->geom.xy[0], f->geom.xy[1], 3, &x, &y))
      continue;
    if (!symbol_at(&img, &bare, x, y))
      fail_msg("%s: event %s (%.2f %.2f) is not drawn at pixel %d,%d", c->spec, id, f->geom.xy[0], f->geom.xy[1], x, y);
    checked++;
    for (size_t k = 0; k < sizeof c->required / sizeof *c->required && c->required[k]; k++)
      required_found += !strcmp(c->required[k], id);
    size_t len = strlen(list);
    snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", id);
  }
  print_message("%s (%zu): %s\n", c->spec, checked, list);
  size_t nrequired = 0;
  while (nrequired < sizeof c->required / sizeof *c->required && c->required[nrequired])
    nrequired++;
  assert_int_equal(required_found, nrequired);
  if (c->at_least)
    assert_true(checked >= c->expected);
  else
    assert_int_equal(checked, c->expected);
  projector_fini(&p);
  im_filter_free(filter);
  image_free(&img);
  image_free(&bare);
  im_map_free(map);
}

static void every_event_drawn(void **state) {
  (void)state;
  im_layer *events = load_layer("shapes/influence/events.geojson");
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    check_map(&cases[i], events);
  im_layer_free(events);
}

/* The symbol check can fail: a map whose events layer is filtered to
 * nothing shows no event where the data has one. */
static void missing_symbol_detected(void **state) {
  (void)state;
  im_map *map = load_map("chancay");
  test_image img, bare;
  render(map, "chancay-none.png", "1990-01-01", "1990-12-31", true, NULL, &img);
  render(map, "chancay-none-bare.png", NULL, NULL, false, NULL, &bare);
  projector p;
  projector_init(&p, map);
  int x, y;
  assert_true(to_pixel(&p, -77.27, -11.58, 3, &x, &y)); /* the Chancay port */
  assert_false(symbol_at(&img, &bare, x, y));
  assert_true(nothing_at(&img, &bare, x, y));
  projector_fini(&p);
  image_free(&img);
  image_free(&bare);
  im_map_free(map);
}

/* ---- the cable ---- */

static const im_feature *route(const im_layer *routes, const char *id) {
  for (size_t i = 0; i < routes->nfeatures; i++) {
    const char *v = value(routes, &routes->features[i], "id");
    if (v && !strcmp(v, id))
      return &routes->features[i];
  }
  fail_msg("no route %s", id);
  return NULL;
}

/* PROJ's geod for the inverse problem on WGS 84: the distance in km. */
static double geod_km(double lon1, double lat1, double lon2, double lat2) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "echo '%.10g %.10g %.10g %.10g' | geod +ellps=WGS84 -I +units=km -f %%.6f", lat1, lon1,
           lat2, lon2);
  FILE *fp = popen(cmd, "r");
  assert_non_null(fp);
  char line[256] = "";
  bool got = fgets(line, sizeof line, fp) != NULL;
  int rc = pclose(fp);
  if (!got || rc != 0)
    fail_msg("geod (PROJ, package proj-bin) did not run: %s", cmd);
  char az1[64], az2[64];
  double km = NAN;
  if (sscanf(line, "%63s %63s %lf", az1, az2, &km) != 3)
    fail_msg("cannot read geod's output: %s", line);
  return km;
}

static void cable_length_matches_geod(void **state) {
  (void)state;
  im_layer *routes = load_layer("shapes/influence/routes.geojson");
  const im_feature *cable = route(routes, "chile-china-cable");
  assert_int_equal(cable->geom.kind, IM_GEOM_LINE);
  /* a sea route through waypoints, a geodesic between each two */
  assert_true(cable->geom.npoints > 2);
  const double *xy = cable->geom.xy;
  double ours = im_geom_geodesic_length_km(&cable->geom), theirs = 0;
  for (size_t i = 0; i + 1 < cable->geom.npoints; i++)
    theirs += geod_km(xy[2 * i], xy[2 * i + 1], xy[2 * i + 2], xy[2 * i + 3]);
  print_message("cable: %.3f km (geod %.3f km)\n", ours, theirs);
  assert_true(theirs > 15000 && theirs < 20000);
  assert_true(fabs(ours - theirs) <= 0.001 * theirs);
  /* Densified, the same length: the vertices lie on the geodesic. */
  im_geom dense;
  im_geom_init(&dense, IM_GEOM_LINE);
  assert_true(im_geom_geodesic(&cable->geom, 50, &dense));
  assert_true(dense.npoints > 300);
  assert_true(fabs(im_geom_geodesic_length_km(&dense) - theirs) <= 0.001 * theirs);
  im_geom_free(&dense);
  im_layer_free(routes);
}

/* Whether (x, y) is within r pixels of a projected sample of the cable. */
static bool near_cable(const int *cx, const int *cy, size_t n, int x, int y, int r) {
  for (size_t i = 0; i < n; i++)
    if (abs(cx[i] - x) <= r && abs(cy[i] - y) <= r)
      return true;
  return false;
}

/* Of the pixels along the cable, how many have ink within 2 px, and the
 * longest stretch along it (in pixels) without. */
static size_t cable_ink(const test_image *img, const int *cx, const int *cy, size_t n, double *max_gap) {
  size_t inked = 0;
  double gap = 0;
  *max_gap = 0;
  for (size_t i = 0; i < n; i++) {
    if (symbol_at(img, NULL, cx[i], cy[i])) {
      inked++;
      gap = 0;
    } else if (i > 0) {
      gap += hypot(cx[i] - cx[i - 1], cy[i] - cy[i - 1]);
      *max_gap = fmax(*max_gap, gap);
    }
  }
  return inked;
}

static void cable_one_curve_no_streaks(void **state) {
  (void)state;
  im_layer *routes = load_layer("shapes/influence/routes.geojson");
  const im_feature *cable = route(routes, "chile-china-cable");
  im_map *map = load_map("cable-pacific");
  /* Without the graticule, so that open ocean is sea colour only. */
  if (map->furniture)
    map->furniture->graticule.enabled = false;
  test_image img;
  render(map, "cable-pacific.png", NULL, NULL, true, NULL, &img);
  projector p;
  projector_init(&p, map);
  /* Samples every 10 km along the geodesic, each a pixel on the page. */
  im_geom dense;
  im_geom_init(&dense, IM_GEOM_LINE);
  assert_true(im_geom_geodesic(&cable->geom, 10, &dense));
  size_t n = 0;
  int *cx = calloc(dense.npoints, sizeof *cx), *cy = calloc(dense.npoints, sizeof *cy);
  assert_true(cx && cy);
  for (size_t i = 0; i < dense.npoints; i++) {
    int x, y;
    if (!to_pixel(&p, dense.xy[2 * i], dense.xy[2 * i + 1], 3, &x, &y))
      fail_msg("cable sample %zu (%.2f %.2f) is off the map", i, dense.xy[2 * i], dense.xy[2 * i + 1]);
    if (n > 0 && x == cx[n - 1] && y == cy[n - 1])
      continue;
    if (n > 0)
      assert_true(abs(x - cx[n - 1]) <= 3 && abs(y - cy[n - 1]) <= 3); /* no jump across the page */
    cx[n] = x;
    cy[n] = y;
    n++;
  }
  double max_gap;
  size_t inked = cable_ink(&img, cx, cy, n, &max_gap);
  print_message("cable: %zu sampled pixels, %zu inked, longest gap %.0f px\n", n, inked, max_gap);
  assert_true(n > 1000);
  assert_true(inked >= n * 95 / 100);
  assert_true(max_gap < 25); /* a dash gap (2.5pt = 10 px) and rounding, never a break */
  /* The check sees a missing cable: outside its date, most of the way is bare sea. */
  test_image none;
  render(map, "cable-pacific-none.png", "1990-01-01", "1990-12-31", true, NULL, &none);
  inked = cable_ink(&none, cx, cy, n, &max_gap);
  print_message("without the cable: %zu inked, longest gap %.0f px\n", inked, max_gap);
  assert_true(inked < n / 10 && max_gap > 500);
  image_free(&none);
  /* Rows across the open Pacific, on the map without its events (and their
   * labels): sea wherever the cable (and its label) is not. A polygon drawn
   * across the map's cut (Greenwich) would streak over them. */
  test_image bare;
  render(map, "cable-pacific-bare.png", NULL, NULL, false, NULL, &bare);
  static const double rows[][3] = {{-45, 175, 280}, {-5, 160, 270}, {35, 150, 195}, {50, 160, 230}};
  for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
    int lastx = -1, total = 0, sea = 0;
    for (double lon = rows[r][1]; lon <= rows[r][2]; lon += 0.02) {
      int x, y;
      if (!to_pixel(&p, lon, rows[r][0], 0, &x, &y) || x == lastx)
        continue;
      lastx = x;
      if (near_cable(cx, cy, n, x, y, 60))
        continue;
      total++;
      if (pixel_near(image_pixel(&bare, x, y), SEA, TOL))
        sea++;
      else if (total - sea <= 5)
        print_message("row %.0f: not sea at %.2f (pixel %d,%d)\n", rows[r][0], lon, x, y);
    }
    print_message("row %.0f: %d of %d pixels sea\n", rows[r][0], sea, total);
    assert_true(total > 80);
    assert_int_equal(sea, total);
  }
  image_free(&bare);
  free(cx);
  free(cy);
  im_geom_free(&dense);
  projector_fini(&p);
  image_free(&img);
  im_map_free(map);
  im_layer_free(routes);
}

/* ---- the time window ---- */

/* Events of the layer inside the frame and the window, by index. */
static size_t in_frame(projector *p, const im_layer *events, const char *from, const char *to, bool *keep) {
  size_t n = 0;
  for (size_t i = 0; i < events->nfeatures; i++) {
    const im_feature *f = &events->features[i];
    int x, y;
    keep[i] = in_window(events, f, from, to) && to_pixel(p, f->geom.xy[0], f->geom.xy[1], 3, &x, &y);
    n += keep[i];
  }
  return n;
}

static bool id_in(const char *id, const char *const *ids) {
  for (; *ids; ids++)
    if (!strcmp(id, *ids))
      return true;
  return false;
}

/* One day, 14 December 2021, on the Latin America map: San Ysidro (dated
 * that day) and every event dated only "2021-12" or "2021" stay; Otay Mesa
 * and the Venezuelan elections (2021-11), Guaidó's mandate (2022-01-05) and
 * the Barinas election (2022-01-09) go. Their
 * places are shared with events that stay, so that they went is read from
 * the label candidates: one per event drawn. */
static void window_one_day(void **state) {
  (void)state;
  im_layer *events = load_layer("shapes/influence/events.geojson");
  im_map *map = load_map("influence-latam");
  projector p;
  projector_init(&p, map);
  bool *all = calloc(events->nfeatures, sizeof *all), *day = calloc(events->nfeatures, sizeof *day);
  assert_true(all && day);
  size_t nall = in_frame(&p, events, map->period_from, map->period_to, all);
  size_t nday = in_frame(&p, events, "2021-12-14", "2021-12-14", day);
  static const char *const gone[] = {"otay-mesa-russians", "venezuela-november-elections", "guaido-mandate-extended",
                                     "barinas-election", NULL};
  size_t ngone = 0;
  for (size_t i = 0; i < events->nfeatures; i++) {
    const im_feature *f = &events->features[i];
    const char *id = value(events, f, "id"), *date = value(events, f, "date");
    if (all[i] && !day[i]) {
      assert_true(id_in(id, gone));
      ngone++;
    }
    /* what stays: San Ysidro and the dates that contain that day */
    if (day[i])
      assert_true(!strcmp(date, "2021-12") || !strcmp(date, "2021-12-14") || !strcmp(date, "2021"));
  }
  assert_int_equal(ngone, 4);
  assert_int_equal(nall - nday, 4);
  test_image img, bare;
  im_render_stats sall = {0}, sday = {0};
  render(map, "latam-all.png", NULL, NULL, true, &sall, &img);
  image_free(&img);
  render(map, "latam-day.png", "2021-12-14", "2021-12-14", true, &sday, &img);
  render(map, "latam-day-bare.png", "2021-12-14", "2021-12-14", false, NULL, &bare);
  /* The candidates differ by the events and the routes (each labelled,
   * by name or number) that the day leaves out: those of the issue dated
   * outside it. */
  im_layer *routes = load_layer("shapes/influence/routes.geojson");
  size_t routes_gone = 0;
  for (size_t i = 0; i < routes->nfeatures; i++) {
    const im_feature *f = &routes->features[i];
    const char *reported = value(routes, f, "reported");
    routes_gone += reported && !strcmp(reported, "2021-12") && in_window(routes, f, map->period_from, map->period_to) &&
                   !in_window(routes, f, "2021-12-14", "2021-12-14");
  }
  im_layer_free(routes);
  assert_true(routes_gone > 0);
  assert_int_equal(sall.label_candidates - sday.label_candidates, nall - nday + routes_gone);
  for (size_t i = 0; i < events->nfeatures; i++) {
    const im_feature *f = &events->features[i];
    int x, y;
    if (day[i] && to_pixel(&p, f->geom.xy[0], f->geom.xy[1], 3, &x, &y) && !symbol_at(&img, &bare, x, y))
      fail_msg("event %s is not drawn on 2021-12-14", value(events, f, "id"));
  }
  free(all);
  free(day);
  projector_fini(&p);
  image_free(&img);
  image_free(&bare);
  im_map_free(map);
  im_layer_free(events);
}

/* January 2022 on the Latin America map: only Guaidó's mandate (2022-01-05),
 * the Barinas election (2022-01-09) and the Iranian propaganda (2021-12 to
 * 2022-01-03, a range overlapping the window) stay; every other event's place is as on the map without events. */
static void window_january(void **state) {
  (void)state;
  im_layer *events = load_layer("shapes/influence/events.geojson");
  im_map *map = load_map("influence-latam");
  projector p;
  projector_init(&p, map);
  bool *keep = calloc(events->nfeatures, sizeof *keep);
  assert_non_null(keep);
  assert_int_equal(in_frame(&p, events, "2022-01-01", "2022-01-31", keep), 3);
  test_image img, bare;
  render(map, "latam-jan.png", "2022-01-01", "2022-01-31", true, NULL, &img);
  render(map, "latam-jan-bare.png", "2022-01-01", "2022-01-31", false, NULL, &bare);
  int kx[3], ky[3], nk = 0;
  for (size_t i = 0; i < events->nfeatures; i++) {
    if (!keep[i])
      continue;
    const im_feature *f = &events->features[i];
    const char *id = value(events, f, "id");
    assert_true(!strcmp(id, "guaido-mandate-extended") || !strcmp(id, "iran-propaganda-colombia") ||
                !strcmp(id, "barinas-election"));
    assert_true(to_pixel(&p, f->geom.xy[0], f->geom.xy[1], 3, &kx[nk], &ky[nk]));
    assert_true(symbol_at(&img, &bare, kx[nk], ky[nk]));
    nk++;
  }
  size_t absent = 0;
  for (size_t i = 0; i < events->nfeatures; i++) {
    const im_feature *f = &events->features[i];
    int x, y;
    if (keep[i] || !to_pixel(&p, f->geom.xy[0], f->geom.xy[1], 3, &x, &y))
      continue;
    /* places shared with (or labelled beside) the three that stay are not told apart */
    bool shared = false;
    for (int k = 0; k < nk; k++)
      shared |= abs(x - kx[k]) < 150 && abs(y - ky[k]) < 150;
    if (shared)
      continue;
    if (!nothing_at(&img, &bare, x, y))
      fail_msg("event %s (dated %s) is drawn in January 2022", value(events, f, "id"), value(events, f, "date"));
    absent++;
  }
  print_message("January: %zu events absent\n", absent);
  assert_true(absent >= 20);
  free(keep);
  projector_fini(&p);
  image_free(&img);
  image_free(&bare);
  im_map_free(map);
  im_layer_free(events);
}

/* The day boundary, at a scale where the two border crossings are apart:
 * 14 December keeps San Ysidro only; 30 November to 1 December keeps Otay
 * Mesa (dated 2021-11) only. */
static void window_border_crossings(void **state) {
  (void)state;
  im_map *map = load_map("us-mexico-border");
  projector p;
  projector_init(&p, map);
  int sx, sy, ox, oy;
  assert_true(to_pixel(&p, -117.03, 32.54, 3, &sx, &sy)); /* San Ysidro */
  assert_true(to_pixel(&p, -116.94, 32.55, 3, &ox, &oy)); /* Otay Mesa */
  test_image img, bare;
  render(map, "border-bare.png", NULL, NULL, false, NULL, &bare);
  render(map, "border-dec14.png", "2021-12-14", "2021-12-14", true, NULL, &img);
  assert_true(symbol_at(&img, &bare, sx, sy));
  assert_true(nothing_at(&img, &bare, ox, oy));
  image_free(&img);
  render(map, "border-nov30.png", "2021-11-30", "2021-12-01", true, NULL, &img);
  assert_true(nothing_at(&img, &bare, sx, sy));
  assert_true(symbol_at(&img, &bare, ox, oy));
  image_free(&img);
  render(map, "border-dec15.png", "2021-12-15", "2021-12-31", true, NULL, &img);
  assert_true(nothing_at(&img, &bare, sx, sy));
  assert_true(nothing_at(&img, &bare, ox, oy));
  image_free(&img);
  projector_fini(&p);
  image_free(&bare);
  im_map_free(map);
}

/* Every placed point label on every map of the set sits nearer its own
 * mark than any other (or has a leader to its own): no label reads as
 * another event's. The labeler's audit counts those that do not. */
static void labels_belong_to_their_marks(void **state) {
  (void)state;
  DIR *dir = opendir(src_path("styles"));
  assert_non_null(dir);
  struct dirent *e;
  size_t maps = 0;
  while ((e = readdir(dir))) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
      continue;
    char rel[300];
    snprintf(rel, sizeof rel, "styles/%s", e->d_name);
    size_t n = 0;
    char *text = read_file(src_path(rel), &n);
    assert_non_null(text);
    bool is_map = !strncmp(text, "map:", 4) || strstr(text, "\nmap:");
    free(text);
    if (!is_map)
      continue;
    im_map *map = NULL;
    im_error err;
    im_error_clear(&err);
    assert_ok(im_map_load(src_path(rel), &map, &err), &err);
    im_render_stats stats = {0};
    im_render_options opt = {.stats = &stats};
    char out[300];
    snprintf(out, sizeof out, "own-%.*s.png", (int)(len - 5), e->d_name);
    assert_ok(im_map_render(map, scratch_path(out), &opt, &err), &err);
    print_message("%s: %zu labels placed, %zu nearer another mark\n", e->d_name, stats.labels_placed,
                  stats.labels_misattached);
    if (stats.labels_misattached)
      fail_msg("%s: %zu labels sit nearer another mark than their own", e->d_name, stats.labels_misattached);
    im_map_free(map);
    maps++;
  }
  closedir(dir);
  assert_true(maps >= 13);
}

/* Text with every blank left out: pdftotext breaks lines where the key
 * wraps an entry, and a label's words may sit on two lines. */
static char *squeeze(const char *s) {
  char *out = malloc(strlen(s) + 1), *o = out;
  assert_non_null(out);
  for (; *s; s++)
    if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r' && *s != '\f')
      *o++ = *s;
  *o = '\0';
  return out;
}

/* Every event a single map of the set draws is named on it: by its label
 * beside the mark, or by its number's entry in the numbered key (the
 * house style's events have label: key: auto and required: true). Read
 * from the PDF's text, so a key that lost an entry, or a label drawn
 * nowhere, fails. Small multiples have no key and are left out. */
static void every_event_named(void **state) {
  (void)state;
  static const char *const maps[] = {
      "influence-latam", "actor-china", "actor-russia",     "actor-iran",         "actor-venezuela",
      "cable-pacific",   "chancay",     "us-mexico-border", "colombia-venezuela", NULL};
  im_layer *events = load_layer("shapes/influence/events.geojson");
  size_t keyed_total = 0;
  for (const char *const *name = maps; *name; name++) {
    im_map *map = load_map(*name);
    im_layer_style *ls = map_layer(map, "events");
    im_filter *where = layer_filter(ls, events);
    char out[300];
    snprintf(out, sizeof out, "named-%s.pdf", *name);
    im_render_stats stats = {0};
    im_render_options opt = {.stats = &stats};
    im_error err;
    im_error_clear(&err);
    assert_ok(im_map_render(map, scratch_path(out), &opt, &err), &err);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", scratch_path(out));
    char *raw = run_capture(cmd);
    assert_non_null(raw);
    char *text = squeeze(raw);
    projector p;
    projector_init(&p, map);
    size_t n = 0;
    for (size_t i = 0; i < events->nfeatures; i++) {
      const im_feature *f = &events->features[i];
      int x, y;
      if (!ls->style.visible || (where && !im_filter_eval(where, f->values)) ||
          !in_window(events, f, map->period_from, map->period_to) ||
          !to_pixel(&p, f->geom.xy[0], f->geom.xy[1], 3, &x, &y))
        continue;
      char *want = squeeze(value(events, f, "name"));
      if (!strstr(text, want))
        fail_msg("%s: the event \"%s\" is drawn but named neither by a label nor in the key", *name,
                 value(events, f, "name"));
      free(want);
      n++;
    }
    if (stats.labels_keyed && !strstr(text, "Eventsnumberedonthemap"))
      fail_msg("%s: %zu labels became numbers but the key's heading is missing", *name, stats.labels_keyed);
    print_message("%s: %zu events named, %zu of them in the key\n", *name, n, stats.labels_keyed);
    keyed_total += stats.labels_keyed;
    projector_fini(&p);
    free(text);
    free(raw);
    im_filter_free(where);
    im_map_free(map);
  }
  /* The set does use the key (influence-latam has more stories than room). */
  assert_true(keyed_total > 0);
  im_layer_free(events);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(labels_belong_to_their_marks),
      cmocka_unit_test(every_event_named),
      cmocka_unit_test(every_event_drawn),
      cmocka_unit_test(missing_symbol_detected),
      cmocka_unit_test(cable_length_matches_geod),
      cmocka_unit_test(cable_one_curve_no_streaks),
      cmocka_unit_test(window_one_day),
      cmocka_unit_test(window_january),
      cmocka_unit_test(window_border_crossings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
