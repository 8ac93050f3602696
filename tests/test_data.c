/* The bundled influence data says what its source and the maps' titles say
 * (issue 15, item 5):
 *   - every feature is dated as an ISO date and carries the issue that
 *     reports it (reported: YYYY-MM);
 *   - every map of styles/ that draws influence layers names that issue in
 *     its title or subtitle ("... the December 2021 VRIC Monitor"), and every
 *     feature it draws inside its frame was reported in it; a map with a time
 *     window (period:) draws only features whose whole date lies inside it;
 *   - every item of the December 2021 issue that has a place (listed below
 *     with the report's words) is a feature, no feature is outside that list,
 *     and each is drawn inside the frame of at least one map;
 *   - the Chile–China cable runs at sea: no sample of it, away from its two
 *     landings, is inside a country of Natural Earth's 1:50m world.
 * Which features a map draws is asked of the renderer's own resolver (its
 * where:, the time window, and each panel's filters for small multiples). */
#include "support.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "influmap/geodesic.h"
#include "render/style-resolve-private.h"
#include "spec/map-furniture-private.h"

/* ---- the items of the December 2021 issue that have a place ---- */

typedef struct {
  const char *id;
  const char *quote; /* the report's words, whitespace aside */
} item;

static const item items[] = {
    {"castillo-chinese-embassy", "made an irregular visit to Beijing's embassy in Lima"},
    {"iran-cultural-centre-boric", "cultural center in Santiago voiced support"},
    {"chancay-port", "mega-port in Chancay, Peru"},
    {"alba-summit-havana", "held in mid-December in Havana, Cuba"},
    {"guaido-mandate-extended", "mandate of Interim President Juan Guaidó was extended for one year"},
    {"venezuela-gold-bank-of-england", "gold reserves held by the Bank of England"},
    {"us-assistance-venezuela", "U.S. humanitarian and health assistance to Venezuela"},
    {"venezuela-november-elections", "another round of sham elections in November"},
    {"barinas-election", "A contested election in Barinas"},
    {"chile-election-boric", "leftist candidates win presidential elections in Chile, Peru, and Honduras"},
    {"peru-election-castillo", "leftist candidates win presidential elections in Chile, Peru, and Honduras"},
    {"honduras-election-castro", "leftist candidates win presidential elections in Chile, Peru, and Honduras"},
    {"el-salvador-authoritarian-advance", "authoritarian leaders advanced in El Salvador and Nicaragua"},
    {"nicaragua-authoritarian-advance", "authoritarian leaders advanced in El Salvador and Nicaragua"},
    {"runasur-cusco", "second annual meeting in Cusco, Peru"},
    {"belarus-poland-migration", "engineered migration from Belarus to Poland last year"},
    {"russia-ukraine-buildup", "military buildup on the Ukrainian border this year"},
    {"russia-drones-arauca", "Russian-made drones in Arauca and Cucuta"},
    {"russia-drones-cucuta", "Russian-made drones in Arauca and Cucuta"},
    {"san-ysidro-russians", "speed past the San Ysidro Port of Entry"},
    {"otay-mesa-russians", "run across the border at Otay Mesa Port of Entry"},
    {"fernandez-russian-diplomats", "Argentine President Alberto Fernandez met with Russian diplomats in Moscow"},
    {"lavrov-brazil-unsc", "during a meeting with his Brazilian counterpart"},
    {"russia-apc-uruguay", "talks underway between Montevideo and Moscow"},
    {"russia-apc-venezuela", "in talks with Uruguay and Venezuela to export armored personnel carriers"},
    {"peru-russia-classified-info", "agreement on mutual protection of classified information"},
    {"maduro-al-mayadeen", "On December 26, 2021, Al-Mayadeen"},
    {"raisi-maduro-call", "A phone call by Iranian President Ebrahim Raisi on December 6"},
    {"iran-venezuela-20-year-deal", "expected to sign a 20-year deal between Iran and Venezuela"},
    {"iran-venezuela-fm-meeting", "a meeting in Tehran in October 2021 between the respective foreign ministers"},
    {"llorenti-raisi-tehran", "Sacha Llorenti, met with President Raisi in Tehran"},
    {"iran-nuclear-talks-vienna", "Iran nuclear negotiations in Vienna"},
    {"colombia-iaea-board", "a new member of the IAEA Board of Governors"},
    {"molano-iran-hezbollah", "Colombian Defense Minister Diego Molano stated"},
    {"iran-propaganda-colombia", "amplifying its propaganda in the Colombian press"},
    {"ecuador-ambassador-axios", "Ecuador's ambassador to Washington recently told Axios"},
    {"aiib-loan-ecuador", "loan from the Asian Infrastructure Investment Bank (AIIB) to Ecuador"},
    {"brazil-china-biotech-forum", "a bilateral forum between Brazil and China"},
    {"nicaragua-breaks-taiwan", "broke Nicaragua's long-standing diplomatic ties with Taiwan in early December"},
    {"taiwan-embassy-managua-seized", "seizing the former Taiwanese embassy in Managua"},
    {"cuba-belt-and-road", "Cuba recently signed a Belt and Road Initiative deal with China"},
    {"cuba-ciie-shanghai", "fourth China International Import Expo (CIIE)"},
    {"argentina-china-space-plan", "strategic partners in Argentina's lithium industry"},
    {"china-lithium-southern-cone", "heavily involved in the lithium industry in the Southern Cone"},
    {"chile-china-cable", "15,000 kilometer subsea cable to send solar energy to China"},
    {"nicaragua-delegation-moscow", "welcoming an official Nicaraguan delegation to Moscow"},
    {"lasso-moscow-visit", "expected to visit Moscow early in the new year"},
    {"maduro-tehran-trip", "third official visit of Venezuela's Nicolás Maduro"},
    {"iran-delegation-caracas", "An Iranian delegation then traveled to Caracas last November"},
    {"colombia-israel-visit", "traveled to Israel in November"},
};
#define NITEMS (sizeof items / sizeof items[0])
#define ISSUE "2021-12"

/* ---- the data ---- */

static const char *const data_files[] = {"shapes/influence/events.geojson", "shapes/influence/routes.geojson"};
#define NDATA 2

static im_layer *load_layer(const char *path) {
  im_layer *layer = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_layer_load(path, NULL, &layer, &err), &err);
  return layer;
}

static const char *value(const im_layer *layer, const im_feature *f, const char *field) {
  long i = im_layer_field_index(layer, field);
  return i >= 0 && f->values ? f->values[i] : NULL;
}

static long item_index(const char *id) {
  for (size_t i = 0; i < NITEMS; i++)
    if (!strcmp(items[i].id, id))
      return (long)i;
  return -1;
}

/* An ISO date YYYY, YYYY-MM or YYYY-MM-DD as the first and last days it
 * covers ("2021" is 2021-01-01 to 2021-12-31), written YYYY-MM-DD so that
 * they compare as strings. False when it is not such a date. */
static bool date_span(const char *s, char first[32], char last[32]) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y, m = 0, d = 0, n = 0;
  size_t len = strlen(s);
  if (len == 4    ? sscanf(s, "%4d%n", &y, &n) != 1
      : len == 7  ? sscanf(s, "%4d-%2d%n", &y, &m, &n) != 2
      : len == 10 ? sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3
                  : true)
    return false;
  if ((size_t)n != len || y < 1900 || y > 2100 || (len > 4 && (m < 1 || m > 12)))
    return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int dim = len > 4 ? mdays[m - 1] + (m == 2 && leap) : 31;
  if (len == 10 && (d < 1 || d > dim))
    return false;
  snprintf(first, 32, "%04d-%02d-%02d", y, len > 4 ? m : 1, len == 10 ? d : 1);
  snprintf(last, 32, "%04d-%02d-%02d", y, len > 4 ? m : 12, len == 10 ? d : dim);
  return true;
}

/* Every feature: an item of the list, with a valid date and reported
 * issue; what the report says happened is dated no later than the month
 * after the issue (it was written in early January 2022). */
static void every_feature_dated_and_listed(void **state) {
  (void)state;
  size_t nfeatures = 0;
  char ifirst[32], ilast[32];
  assert_true(date_span(ISSUE, ifirst, ilast));
  for (size_t k = 0; k < NDATA; k++) {
    im_layer *l = load_layer(src_path(data_files[k]));
    for (size_t i = 0; i < l->nfeatures; i++) {
      const im_feature *f = &l->features[i];
      const char *id = value(l, f, "id"), *date = value(l, f, "date"), *end = value(l, f, "date_end"),
                 *reported = value(l, f, "reported"), *status = value(l, f, "status");
      char first[32], last[32], efirst[32], elast[32];
      assert_non_null(id);
      nfeatures++;
      if (item_index(id) < 0)
        fail_msg("%s: feature %s is not an item of the report (tests/test_data.c lists them)", data_files[k], id);
      if (!reported || strlen(reported) != 7 || !date_span(reported, first, last))
        fail_msg("%s: reported '%s' is not the issue's month (YYYY-MM)", id, reported ? reported : "(none)");
      if (!date || !date_span(date, first, last))
        fail_msg("%s: date '%s' is not an ISO date", id, date ? date : "(none)");
      if (end && (!date_span(end, efirst, elast) || strcmp(elast, first) < 0))
        fail_msg("%s: date_end '%s' is not an ISO date at or after the date", id, end);
      /* Happened: by the time the issue was written (the month after it). */
      if (status && (!strcmp(status, "occurred") || !strcmp(status, "operational") ||
                     !strcmp(status, "under construction") || !strcmp(status, "suspended"))) {
        char limit[32];
        int y = atoi(ISSUE), m = atoi(ISSUE + 5) + 1;
        snprintf(limit, sizeof limit, "%04d-%02d-31", m > 12 ? y + 1 : y, m > 12 ? 1 : m);
        if (strcmp(first, limit) > 0)
          fail_msg("%s: %s on %s, after the issue of %s was written", id, status, date, ISSUE);
      }
    }
    im_layer_free(l);
  }
  assert_int_equal(nfeatures, NITEMS);
}

/* The quotes are the report's words (when the report's text is at hand:
 * it lives outside the repository, beside it in ../shared/reference). */
static void normalize(char *s) {
  char *w = s;
  bool space = false;
  for (char *r = s; *r; r++) {
    if (*r == ' ' || *r == '\n' || *r == '\t' || *r == '\r') {
      space = true;
      continue;
    }
    if (space && w != s)
      *w++ = ' ';
    space = false;
    *w++ = *r;
  }
  *w = '\0';
}

static void quotes_are_the_reports(void **state) {
  (void)state;
  const char *path = getenv("INFLUMAP_VRIC_SOURCE");
  if (!path)
    path = src_path("../shared/reference/vric-monitor-2021-12.txt");
  size_t len;
  char *text = read_file(path, &len);
  if (!text) {
    print_message("the report's text (%s) is not here: quotes not checked\n", path);
    skip();
  }
  normalize(text);
  for (size_t i = 0; i < NITEMS; i++) {
    char q[512];
    snprintf(q, sizeof q, "%s", items[i].quote);
    normalize(q);
    if (!strstr(text, q))
      fail_msg("%s: '%s' is not in %s", items[i].id, items[i].quote, path);
  }
  free(text);
}

/* ---- the maps ---- */

/* The issue a title or subtitle names ("... the December 2021 VRIC
 * Monitor") as YYYY-MM, or false. */
static bool issue_named(const char *text, char out[32]) {
  static const char *const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};
  if (!text)
    return false;
  for (int m = 0; m < 12; m++) {
    char pattern[40];
    for (int y = 2000; y < 2100; y++) {
      snprintf(pattern, sizeof pattern, "%s %d VRIC Monitor", months[m], y);
      if (strstr(text, pattern)) {
        snprintf(out, 32, "%04d-%02d", y, m + 1);
        return true;
      }
    }
  }
  return false;
}

static bool in_box(const im_extent *e, double lon, double lat) {
  if (e->kind != IM_EXTENT_DEGREES)
    return true; /* the whole world */
  lon = remainder(lon, 360.0);
  bool lon_in = e->west <= e->east ? lon >= e->west && lon <= e->east : lon >= e->west || lon <= e->east;
  return lon_in && lat >= e->south && lat <= e->north;
}

/* Inside the map's extent (its lon/lat box): a point, or any sample of a
 * route's geodesic. */
static bool in_frame(const im_map *map, const im_feature *f) {
  if (f->geom.kind == IM_GEOM_POINT)
    return in_box(&map->extent, f->geom.xy[0], f->geom.xy[1]);
  im_geom dense;
  im_geom_init(&dense, IM_GEOM_LINE);
  assert_true(im_geom_geodesic(&f->geom, 50, &dense));
  bool in = false;
  for (size_t i = 0; i < dense.npoints && !in; i++)
    in = in_box(&map->extent, dense.xy[2 * i], dense.xy[2 * i + 1]);
  im_geom_free(&dense);
  return in;
}

typedef struct {
  bool drawn[NITEMS]; /* somewhere, on some map */
  size_t nmaps;
  char failures[4096];
} survey;

static void failure(survey *s, const char *fmt, const char *a, const char *b, const char *c) {
  size_t n = strlen(s->failures);
  snprintf(s->failures + n, sizeof s->failures - n, fmt, a, b, c);
}

/* What one map (or one panel of it) draws of the influence layers. */
static void check_drawn(const im_map *map, const char *what, const char *issue, survey *s) {
  for (size_t i = 0; i < map->nlayers; i++) {
    const im_layer_style *ls = &map->layers[i];
    if (!ls->schema_events || !ls->style.visible)
      continue;
    im_layer *l = load_layer(ls->source);
    im_resolver *r = NULL;
    im_error err;
    im_error_clear(&err);
    assert_ok(im_resolver_create(map, ls, l, 0, map->period_from, map->period_to, &r, &err), &err);
    for (size_t k = 0; k < l->nfeatures; k++) {
      const im_feature *f = &l->features[k];
      im_drawn d;
      if (!im_resolver_select(r, f, k, &d) || !in_frame(map, f))
        continue;
      const char *id = value(l, f, "id"), *reported = value(l, f, "reported"), *date = value(l, f, "date"),
                 *end = value(l, f, "date_end");
      if (!reported || strcmp(reported, issue))
        failure(s, "%s: draws %s, reported in %s, not in the issue its title names\n", what, id,
                reported ? reported : "no issue");
      if (map->period_from || map->period_to) {
        char first[32] = "", last[32] = "", pf[32], pl[32], ef[32], el[32];
        assert_true(date && date_span(date, first, last));
        if (end && date_span(end, ef, el))
          memcpy(last, el, sizeof last);
        /* Inside the window: the whole of its date, not an overlap. */
        if ((map->period_from && (!date_span(map->period_from, pf, pl) || strcmp(first, pf) < 0)) ||
            (map->period_to && (!date_span(map->period_to, pf, pl) || strcmp(last, pl) > 0)))
          failure(s, "%s: draws %s, dated %s, outside the map's window\n", what, id, date);
      }
      long it = item_index(id);
      if (it >= 0)
        s->drawn[it] = true;
    }
    im_resolver_free(r);
    im_layer_free(l);
  }
}

static im_map *load_map(const char *path) {
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_load(path, &map, &err), &err);
  return map;
}

static bool draws_events(const im_map *map) {
  for (size_t i = 0; i < map->nlayers; i++)
    if (map->layers[i].schema_events)
      return true;
  return false;
}

static void check_map(const char *path, survey *s) {
  im_map *map = load_map(path);
  if (!draws_events(map)) {
    im_map_free(map);
    return;
  }
  s->nmaps++;
  char issue[32];
  const char *subtitle = map->furniture ? map->furniture->subtitle.text : NULL;
  if (!issue_named(map->title, issue) && !issue_named(subtitle, issue)) {
    failure(s, "%s: neither its title ('%s') nor its subtitle names the issue it shows%s\n", path, map->title, "");
    im_map_free(map);
    return;
  }
  const im_multiples *mu = map->multiples;
  if (!mu) {
    check_drawn(map, path, issue, s);
    im_map_free(map);
    return;
  }
  /* Each panel: the map with the panel's filters and window. */
  for (size_t p = 0; p < mu->npanels; p++) {
    im_map *panel = load_map(path);
    const im_panel *pa = &panel->multiples->panels[p];
    im_error err;
    im_error_clear(&err);
    for (size_t w = 0; w < pa->nwheres; w++)
      for (size_t i = 0; i < panel->nlayers; i++)
        if (pa->wheres[w].layer ? !strcmp(panel->layers[i].id, pa->wheres[w].layer) : panel->layers[i].schema_events)
          assert_ok(im_map_add_layer_filter(panel, panel->layers[i].id, pa->wheres[w].expr, NULL, 0, 0, &err), &err);
    if (pa->has_period)
      assert_ok(im_map_set_period(panel, pa->period_from ? pa->period_from : panel->period_from,
                                  pa->period_to ? pa->period_to : panel->period_to, &err),
                &err);
    if (pa->has_extent)
      panel->extent = pa->extent;
    char what[2048];
    snprintf(what, sizeof what, "%s, panel %s", path, pa->title ? pa->title : "(untitled)");
    check_drawn(panel, what, issue, s);
    im_map_free(panel);
  }
  im_map_free(map);
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void survey_styles(const char *dir, survey *s) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  char *names[256];
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d)) && n < 256;) {
    size_t len = strlen(e->d_name);
    if (len > 5 && !strcmp(e->d_name + len - 5, ".yaml") && strcmp(e->d_name, "vric.yaml"))
      names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_names); /* the same order, so the same messages */
  for (size_t i = 0; i < n; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    /* Batch manifests (monthly.yaml, quick.yaml) live beside the specs. */
    size_t len = 0;
    char *text = read_file(path, &len);
    bool is_map = text && (!strncmp(text, "map:", 4) || strstr(text, "\nmap:"));
    free(text);
    if (is_map)
      check_map(path, s);
    free(names[i]);
  }
}

static void maps_show_their_issue_and_every_item(void **state) {
  (void)state;
  static survey s;
  memset(&s, 0, sizeof s);
  survey_styles(src_path("styles"), &s);
  print_message("%zu maps draw influence layers\n", s.nmaps);
  assert_true(s.nmaps >= 10);
  for (size_t i = 0; i < NITEMS; i++)
    if (!s.drawn[i])
      failure(&s, "%s ('%s') is on no map%s\n", items[i].id, items[i].quote, "");
  if (s.failures[0])
    fail_msg("%s", s.failures);
}

/* The survey can fail: a map whose title names another issue, and one whose
 * window leaves out part of a feature's date. */
static void survey_catches_a_wrong_title_and_window(void **state) {
  (void)state;
  static survey s;
  const char *path = scratch_path("border.yaml");
  size_t len;
  char *text = read_file(src_path("styles/us-mexico-border.yaml"), &len);
  assert_non_null(text);
  char *copy = malloc(len + 4096);
  assert_non_null(copy);
  /* Sources and style sheet where the original has them; the subtitle
   * names November 2021; the window is 15 November to 31 December 2021. */
  char *base = strdup(src_path("styles/"));
  assert_non_null(base);
  size_t o = 0;
  for (const char *r = text; *r;) {
    if (!strncmp(r, "../shapes/", 10)) {
      o += (size_t)sprintf(copy + o, "%s../shapes/", base);
      r += 10;
    } else if (!strncmp(r, "include: vric.yaml", 18)) {
      o += (size_t)sprintf(copy + o, "include: %svric.yaml", base);
      r += 18;
    } else if (!strncmp(r, "December 2021 VRIC", 18)) {
      o += (size_t)sprintf(copy + o, "November 2021 VRIC");
      r += 18;
    } else if (!strncmp(r, "period: {from: 2021-11, to: 2021-12}", 36)) {
      o += (size_t)sprintf(copy + o, "period: {from: 2021-11-15, to: 2021-12-31}");
      r += 36;
    } else
      copy[o++] = *r++;
  }
  copy[o] = '\0';
  assert_true(write_file(path, copy, o));
  memset(&s, 0, sizeof s);
  check_map(path, &s);
  print_message("%s", s.failures);
  /* Both were reported in December, not November; Otay Mesa (November
   * 2021, no day) overlaps the window, so the renderer draws it, but is not
   * inside it; San Ysidro (14 December) is. */
  assert_non_null(strstr(s.failures, "draws san-ysidro-russians, reported in 2021-12, not in the issue"));
  assert_non_null(strstr(s.failures, "draws otay-mesa-russians, reported in 2021-12, not in the issue"));
  assert_non_null(strstr(s.failures, "draws otay-mesa-russians, dated 2021-11, outside the map's window"));
  assert_null(strstr(s.failures, "san-ysidro-russians, dated"));
  free(base);
  free(copy);
  free(text);
}

/* ---- the cable at sea ---- */

/* Even-odd point in polygon over all rings of g. */
static bool inside(const im_geom *g, double x, double y) {
  bool in = false;
  for (size_t p = 0; p < g->nparts; p++) {
    size_t a = g->parts[p], b = p + 1 < g->nparts ? g->parts[p + 1] : g->npoints;
    for (size_t i = a, j = b - 1; i < b; j = i++) {
      double xi = g->xy[2 * i], yi = g->xy[2 * i + 1], xj = g->xy[2 * j], yj = g->xy[2 * j + 1];
      if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
        in = !in;
    }
  }
  return in;
}

static double km_between(double lon1, double lat1, double lon2, double lat2) {
  double r = 3.14159265358979323846 / 180, dl = (lon2 - lon1) * r, p1 = lat1 * r, p2 = lat2 * r;
  double h = sin((p2 - p1) / 2) * sin((p2 - p1) / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
  return 2 * 6371.0 * asin(sqrt(h));
}

/* Samples of the cable on land (farther than 40 km from its landings, whose
 * coasts 1:50m data draws coarsely), listed in out; returns how many. */
static size_t cable_on_land(const im_geom *cable, const im_layer *world, char *out, size_t size) {
  im_geom dense;
  im_geom_init(&dense, IM_GEOM_LINE);
  assert_true(im_geom_geodesic(cable, 10, &dense));
  double lon0 = cable->xy[0], lat0 = cable->xy[1];
  double lon1 = cable->xy[2 * cable->npoints - 2], lat1 = cable->xy[2 * cable->npoints - 1];
  size_t n = 0;
  out[0] = '\0';
  for (size_t i = 0; i < dense.npoints; i++) {
    double lon = remainder(dense.xy[2 * i], 360.0), lat = dense.xy[2 * i + 1];
    if (km_between(lon, lat, lon0, lat0) < 40 || km_between(lon, lat, lon1, lat1) < 40)
      continue;
    for (size_t k = 0; k < world->nfeatures; k++) {
      const im_geom *g = &world->features[k].geom;
      im_bbox b = im_geom_bbox(g);
      if (lon < b.minx || lon > b.maxx || lat < b.miny || lat > b.maxy || !inside(g, lon, lat))
        continue;
      if (n++ < 5) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, " (%.2f %.2f in %s)", lon, lat,
                 value(world, &world->features[k], "NAME") ? value(world, &world->features[k], "NAME") : "?");
      }
      break;
    }
  }
  im_geom_free(&dense);
  return n;
}

static void cable_runs_at_sea(void **state) {
  (void)state;
  im_layer *routes = load_layer(src_path("shapes/influence/routes.geojson"));
  im_layer *world = load_layer(src_path("shapes/ne_50m_admin_0_countries.shp"));
  const im_feature *cable = NULL;
  for (size_t i = 0; i < routes->nfeatures; i++)
    if (!strcmp(value(routes, &routes->features[i], "id"), "chile-china-cable"))
      cable = &routes->features[i];
  assert_non_null(cable);
  assert_string_equal(value(routes, cable, "reported_length_km"), "15000");
  char where[512];
  size_t n = cable_on_land(&cable->geom, world, where, sizeof where);
  if (n)
    fail_msg("the cable crosses land at %zu samples:%s", n, where);
  double km = im_geom_geodesic_length_km(&cable->geom);
  print_message("cable: %zu vertices, %.0f km, at sea\n", cable->geom.npoints, km);
  assert_true(km > 15000 && km < 21000);
  /* The check sees land: the geodesic between the two landings runs over
   * Honshu and Korea. */
  im_geom straight;
  im_geom_init(&straight, IM_GEOM_LINE);
  assert_true(im_geom_begin_part(&straight));
  assert_true(im_geom_add_point(&straight, cable->geom.xy[0], cable->geom.xy[1]));
  assert_true(im_geom_add_point(&straight, cable->geom.xy[2 * cable->geom.npoints - 2],
                                cable->geom.xy[2 * cable->geom.npoints - 1]));
  im_geom_end_part(&straight, 2);
  n = cable_on_land(&straight, world, where, sizeof where);
  print_message("the geodesic between the landings: %zu samples on land:%s\n", n, where);
  assert_true(n > 20);
  assert_non_null(strstr(where, "Japan"));
  im_geom_free(&straight);
  im_layer_free(world);
  im_layer_free(routes);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_feature_dated_and_listed),
      cmocka_unit_test(quotes_are_the_reports),
      cmocka_unit_test(maps_show_their_issue_and_every_item),
      cmocka_unit_test(survey_catches_a_wrong_title_and_window),
      cmocka_unit_test(cable_runs_at_sea),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
