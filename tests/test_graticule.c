/* Graticule labels sit at the end of their own line: for a UTM frame, a
 * Robinson frame and a polar frame, every degree label's text names a line
 * (meridian or parallel) that, by PROJ here, meets the frame's edge under
 * the label, within a point of the label's middle; and on the UTM frame
 * every meridian meeting the bottom edge away from the corners is
 * labelled. Labels never overlap, cover a frame corner or leave the page.
 * The crossings are found by walking the frame's edges and inverse
 * projecting with PROJ's own API, independently of the renderer. */
#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "furniture/furniture-private.h"
#include "support.h"

/* Air the renderer keeps between the edge and a label (graticule.c). */
#define GAP_PT 2.0

static im_map *spec(const char *name, const char *crs, const char *map_extra, const char *layer,
                    const char *graticule) {
  char yaml[4096];
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: \"%s\"\n  page: {width: 160mm, height: 130mm, dpi: 150}\n  background: \"#dbe9f4\"\n"
           "  margins: {top: 12mm, right: 14mm, bottom: 10mm, left: 14mm}\n%s"
           "layers:\n  - {id: land, source: %s, fill: \"#f2efe9\"}\n%s",
           crs, map_extra, src_path(layer), graticule);
  return load_spec_text(name, yaml);
}

/* ---- PROJ, straight ---- */

typedef struct {
  PJ_CONTEXT *ctx;
  PJ *inv; /* map CRS -> its geographic CRS, lon/lat order */
  const im_furniture_report *r;
} unproj;

static void unproj_init(unproj *u, const char *crs, const im_furniture_report *r) {
  u->r = r;
  u->ctx = proj_context_create();
  PJ *map = proj_create(u->ctx, crs);
  if (map && !proj_is_crs(map)) { /* a PROJ string: a conversion until +type=crs */
    char def[512];
    snprintf(def, sizeof def, "%s +type=crs", crs);
    proj_destroy(map);
    map = proj_create(u->ctx, def);
  }
  assert_non_null(map);
  PJ *geo = proj_crs_get_geodetic_crs(u->ctx, map);
  assert_non_null(geo);
  PJ *t = proj_create_crs_to_crs_from_pj(u->ctx, map, geo, NULL, NULL);
  assert_non_null(t);
  u->inv = proj_normalize_for_visualization(u->ctx, t);
  assert_non_null(u->inv);
  proj_destroy(t);
  proj_destroy(geo);
  proj_destroy(map);
}

static void unproj_fini(unproj *u) {
  proj_destroy(u->inv);
  proj_context_destroy(u->ctx);
}

/* Page (device units) -> lon/lat; false where it does not project. */
static bool lonlat_at(unproj *u, double x, double y, double *lon, double *lat) {
  const im_furniture_report *r = u->r;
  const im_frame *f = &r->frame;
  PJ_COORD c = proj_coord(f->xmin + (x - r->fx0) / r->fw * (f->xmax - f->xmin),
                          f->ymax - (y - r->fy0) / r->fh * (f->ymax - f->ymin), 0, 0);
  proj_errno_reset(u->inv);
  PJ_COORD g = proj_trans(u->inv, PJ_FWD, c);
  *lon = g.lp.lam;
  *lat = g.lp.phi;
  return proj_errno(u->inv) == 0 && isfinite(*lon) && isfinite(*lat) && fabs(*lat) <= 90;
}

/* The point at s along edge e (0 top, 1 right, 2 bottom, 3 left). */
static void edge_point(const im_furniture_report *r, int e, double s, double *x, double *y) {
  *x = e % 2 ? (e == 1 ? r->fx0 + r->fw : r->fx0) : r->fx0 + s;
  *y = e % 2 ? r->fy0 + s : (e == 0 ? r->fy0 : r->fy0 + r->fh);
}

/* How far the point at s is from the line, in degrees, signed. */
static bool offset_at(unproj *u, int e, double s, bool meridian, double value, double *off) {
  double x, y, lon, lat;
  edge_point(u->r, e, s, &x, &y);
  if (!lonlat_at(u, x, y, &lon, &lat))
    return false;
  *off = meridian ? remainder(lon - value, 360) : lat - value;
  return true;
}

/* Where the meridian (or parallel) `value` meets edge e: positions along
 * the edge, device units. Returns how many (at most max). */
static size_t crossings(unproj *u, int e, bool meridian, double value, double *at, size_t max) {
  const im_furniture_report *r = u->r;
  double len = e % 2 ? r->fh : r->fw, step = 0.25 * r->dev_per_pt, prev = NAN;
  size_t n = 0;
  for (double s = 0; s <= len + 1e-9 && n < max; s += step) {
    double off;
    if (!offset_at(u, e, s, meridian, value, &off)) {
      prev = NAN;
      continue;
    }
    /* A change of sign, not the jump at +-180° from the line. */
    if (isfinite(prev) && (prev < 0) != (off < 0) && fabs(prev - off) < 10) {
      double a = s - step, b = s, fa = prev;
      for (int i = 0; i < 40; i++) {
        double m = (a + b) / 2, fm;
        if (!offset_at(u, e, m, meridian, value, &fm))
          break;
        if ((fm < 0) == (fa < 0))
          a = m, fa = fm;
        else
          b = m;
      }
      at[n++] = (a + b) / 2;
    }
    prev = off;
  }
  return n;
}

/* "77°30′W" -> -77.5; *lon: the text names a meridian (E/W), *either: it
 * could be both (0°, 180°). */
static double parse_degrees(const char *t, bool *lon, bool *either) {
  char *end;
  double d = strtod(t, &end);
  assert_true(end > t && !strncmp(end, "\xc2\xb0", 2));
  end += 2;
  if (*end >= '0' && *end <= '9') {
    double m = strtod(end, &end);
    assert_true(!strncmp(end, "\xe2\x80\xb2", 3));
    end += 3;
    d += m / 60;
  }
  *either = *end == '\0';
  *lon = *end == 'E' || *end == 'W';
  if (*end == 'W' || *end == 'S')
    d = -d;
  return d;
}

/* The label i lies at the end of a line its text names: that line meets
 * the label's edge within a point of the label's middle, under the label,
 * and the label keeps GAP_PT from the edge. */
static bool label_at_its_line(unproj *u, size_t i) {
  const im_furniture_report *r = u->r;
  const im_bbox b = r->grat_boxes[i];
  int e = r->grat_edge[i];
  double pt = r->dev_per_pt;
  /* Beyond the edge it says, a gap away. */
  double gap = e == 0   ? r->fy0 - b.maxy
               : e == 1 ? b.minx - (r->fx0 + r->fw)
               : e == 2 ? b.miny - (r->fy0 + r->fh)
                        : r->fx0 - b.maxx;
  if (fabs(gap - GAP_PT * pt) > 0.5 * pt) {
    print_message("label %s: %.2f pt from its edge\n", r->grat_text[i], gap / pt);
    return false;
  }
  bool lon, either;
  double value = parse_degrees(r->grat_text[i], &lon, &either);
  double mid = e % 2 ? (b.miny + b.maxy) / 2 - r->fy0 : (b.minx + b.maxx) / 2 - r->fx0;
  double lo = e % 2 ? b.miny - r->fy0 : b.minx - r->fx0, hi = e % 2 ? b.maxy - r->fy0 : b.maxx - r->fx0;
  for (int k = 0; k < 2; k++) {
    bool meridian = k == 0 ? lon : !lon;
    if (k == 1 && !either)
      break;
    double at[16];
    size_t n = crossings(u, e, meridian, value, at, 16);
    for (size_t j = 0; j < n; j++)
      if (fabs(at[j] - mid) <= 1.0 * pt && at[j] >= lo && at[j] <= hi) {
        /* And the crossing the renderer reports, to half a point. */
        double anchor = e % 2 ? r->grat_anchor[i][1] - r->fy0 : r->grat_anchor[i][0] - r->fx0;
        if (fabs(anchor - at[j]) > 0.5 * pt)
          print_message("label %s: crossing at %.2f, PROJ says %.2f\n", r->grat_text[i], anchor, at[j]);
        return fabs(anchor - at[j]) <= 0.5 * pt;
      }
    for (size_t j = 0; j < n; j++)
      print_message("label %s (edge %d, middle %.1f): its line meets the edge at %.1f\n", r->grat_text[i], e, mid,
                    at[j]);
  }
  print_message("label %s (edge %d): no line of that value meets the edge under it\n", r->grat_text[i], e);
  return false;
}

static void labels_apart(const im_furniture_report *r) {
  double corners[4][2] = {
      {r->fx0, r->fy0}, {r->fx0 + r->fw, r->fy0}, {r->fx0, r->fy0 + r->fh}, {r->fx0 + r->fw, r->fy0 + r->fh}};
  for (size_t i = 0; i < r->ngrat; i++) {
    im_bbox a = r->grat_boxes[i];
    if (a.minx < 0 || a.miny < 0 || a.maxx > r->dev_w || a.maxy > r->dev_h)
      fail_msg("label %s is off the page", r->grat_text[i]);
    for (size_t j = i + 1; j < r->ngrat; j++) {
      im_bbox b = r->grat_boxes[j];
      if (a.minx < b.maxx && b.minx < a.maxx && a.miny < b.maxy && b.miny < a.maxy)
        fail_msg("labels %s and %s overlap", r->grat_text[i], r->grat_text[j]);
    }
    for (int k = 0; k < 4; k++)
      if (corners[k][0] >= a.minx && corners[k][0] <= a.maxx && corners[k][1] >= a.miny && corners[k][1] <= a.maxy)
        fail_msg("label %s covers a frame corner", r->grat_text[i]);
  }
}

/* Renders, checks every label, and returns the report (static: large). */
static const im_furniture_report *check_map(const char *name, const char *crs, const char *map_extra, const char *layer,
                                            const char *graticule, size_t min_per_edge[4]) {
  static im_furniture_report r;
  im_map *map = spec(name, crs, map_extra, layer, graticule);
  im_error err;
  im_error_clear(&err);
  assert_ok(im_furniture_probe(map, NULL, &r, &err), &err);
  im_map_free(map);
  unproj u;
  unproj_init(&u, crs, &r);
  size_t per_edge[4] = {0}, wrong = 0;
  for (size_t i = 0; i < r.ngrat; i++) {
    per_edge[r.grat_edge[i]]++;
    wrong += !label_at_its_line(&u, i);
  }
  print_message("%s: %zu labels (top %zu, right %zu, bottom %zu, left %zu), %zu misplaced\n", name, r.ngrat,
                per_edge[0], per_edge[1], per_edge[2], per_edge[3], wrong);
  assert_int_equal(wrong, 0);
  for (int e = 0; e < 4; e++)
    assert_true(per_edge[e] >= min_per_edge[e]);
  labels_apart(&r);
  unproj_fini(&u);
  return &r;
}

#define UTM_18S "+proj=utm +zone=18 +south +datum=WGS84 +units=m +no_defs"

/* UTM zone 18S round Lima, every 15′: the meridians are near vertical and
 * lean with the grid convergence; a transverse Mercator tears a meridian
 * apart beyond the pole, which once drew meridians 180° away across the
 * map and labelled them (107°30′E). */
static void utm_labels_at_their_lines(void **state) {
  (void)state;
  size_t min[4] = {3, 3, 3, 3};
  const im_furniture_report *r =
      check_map("grat-utm.yaml", UTM_18S, "  extent: {west: -77.8, east: -76.6, south: -12.3, north: -11.2}\n",
                "shapes/ne_10m_land_americas.shp", "graticule: {step: 0.25}\n", min);
  /* Every meridian meeting the bottom edge clear of the corners has its
   * label there. */
  unproj u;
  unproj_init(&u, UTM_18S, r);
  double pt = r->dev_per_pt;
  size_t expected = 0;
  for (int k = -78 * 4; k <= -76 * 4; k++) {
    double at[4];
    size_t n = crossings(&u, 2, true, k / 4.0, at, 4);
    for (size_t j = 0; j < n; j++) {
      if (at[j] < 20 * pt || at[j] > r->fw - 20 * pt)
        continue;
      expected++;
      bool found = false;
      for (size_t i = 0; i < r->ngrat && !found; i++) {
        bool lon, either;
        found = r->grat_edge[i] == 2 && fabs(parse_degrees(r->grat_text[i], &lon, &either) - k / 4.0) < 1e-9;
      }
      if (!found)
        fail_msg("the meridian %g meets the bottom edge at %.1f but has no label there", k / 4.0, at[j]);
    }
  }
  assert_true(expected >= 3);
  unproj_fini(&u);
}

/* Robinson, Atlantic-centred: meridians curve towards the poles, so at
 * the top and bottom edges they slant, more the further from the centre;
 * some meet a side edge too, or the same edge twice. */
static void robinson_labels_at_their_lines(void **state) {
  (void)state;
  size_t min[4] = {6, 3, 5, 3};
  check_map("grat-robin.yaml", "+proj=robin +lon_0=-30 +datum=WGS84 +units=m +no_defs",
            "  extent: {west: -122, east: 80, south: -56, north: 70}\n", "shapes/ne_50m_admin_0_countries.shp",
            "graticule: {step: 30}\n", min);
}

/* Polar stereographic: meridians radiate from the pole in the middle, so
 * those that meet only the sides are labelled there; parallels are circles
 * meeting each side twice. */
static void polar_labels_at_their_lines(void **state) {
  (void)state;
  size_t min[4] = {2, 2, 2, 2};
  const im_furniture_report *r = check_map(
      "grat-polar.yaml", "EPSG:3031", "  extent: {xmin: -3500000, xmax: 3500000, ymin: -3000000, ymax: 3000000}\n",
      "shapes/ne_50m_admin_0_countries.shp", "graticule: {lon_step: 30, lat_step: 10}\n", min);
  bool lon_on_side = false;
  for (size_t i = 0; i < r->ngrat; i++) {
    bool lon, either;
    parse_degrees(r->grat_text[i], &lon, &either);
    lon_on_side = lon_on_side || (lon && r->grat_edge[i] % 2);
  }
  assert_true(lon_on_side);
}

/* A graticule no line of which crosses the frame (a 20 km frame, lines
 * every 30°): nothing to label, and nothing to sort either. Under UBSan
 * the sort of the empty list of crossings (qsort of NULL) failed this. */
static void no_line_crosses_the_frame(void **state) {
  (void)state;
  im_map *map = spec("tiny.yaml", "EPSG:4326", "  extent: {west: -77.2, east: -77.0, south: -12.2, north: -12.0}\n",
                     "shapes/ne_50m_admin_0_countries.shp", "graticule: {step: 30}\n");
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, scratch_path("tiny.png"), NULL, &err), &err);
  im_map_free(map);
}

/* Over or under, by choice (graticule: over:): on a plate carrée map of
 * South America with a red graticule, the meridian of 60°W at 10°S, in
 * Brazil, is red only when the graticule is drawn over the land, and
 * where the same line runs at sea (45°W, 30°S) it shows either way; no
 * red pixel falls outside the frame (the margins) in either case. */
static void graticule_over_or_under(void **state) {
  (void)state;
  for (int over = 0; over < 2; over++) {
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "map:\n  crs: EPSG:4326\n  page: {width: 120mm, height: 120mm, dpi: 100}\n  background: \"#dbe9f4\"\n"
             "  extent: {west: -80, east: -40, south: -30, north: 10}\n"
             "  margins: {top: 10mm, right: 10mm, bottom: 10mm, left: 10mm}\n  frame: none\n"
             "layers:\n  - {id: land, source: %s, fill: \"#f2efe9\"}\n"
             "graticule: {step: 10, color: \"#ff0000\", width: 1.5pt, labels: false, over: %s}\n",
             src_path("shapes/ne_50m_admin_0_countries.shp"), over ? "true" : "false");
    im_map *map = load_spec_text(over ? "over.yaml" : "under.yaml", yaml);
    im_furniture_report r;
    im_error err;
    im_error_clear(&err);
    assert_ok(im_furniture_probe(map, NULL, &r, &err), &err);
    const char *png = scratch_path(over ? "over.png" : "under.png");
    assert_ok(im_map_render(map, png, NULL, &err), &err);
    test_image img;
    assert_true(image_load(png, &img));
    const im_frame *f = &r.frame;
    int x = (int)floor(r.fx0 + (-60 - f->xmin) / (f->xmax - f->xmin) * r.fw);
    int y = (int)floor(r.fy0 + (f->ymax - -10) / (f->ymax - f->ymin) * r.fh);
    bool land_red = false, sea_red = false;
    for (int dx = -1; dx <= 1; dx++)
      land_red = land_red || pixel_near(image_pixel(&img, x + dx, y), 0xff0000, 60);
    x = (int)floor(r.fx0 + (-45 - f->xmin) / (f->xmax - f->xmin) * r.fw);
    y = (int)floor(r.fy0 + (f->ymax - -30) / (f->ymax - f->ymin) * r.fh);
    for (int dy = -1; dy <= 1; dy++)
      sea_red = sea_red || pixel_near(image_pixel(&img, x, y + dy), 0xff0000, 60);
    assert_true(land_red == (over == 1));
    assert_true(sea_red);
    size_t outside = 0;
    for (int j = 0; j < img.height; j++)
      for (int i = 0; i < img.width; i++) {
        bool in = i >= r.fx0 - 1 && i < r.fx0 + r.fw + 1 && j >= r.fy0 - 1 && j < r.fy0 + r.fh + 1;
        outside += !in && pixel_near(image_pixel(&img, i, j), 0xff0000, 100);
      }
    assert_int_equal(outside, 0);
    image_free(&img);
    im_map_free(map);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(no_line_crosses_the_frame),   cmocka_unit_test(graticule_over_or_under),
      cmocka_unit_test(utm_labels_at_their_lines),   cmocka_unit_test(robinson_labels_at_their_lines),
      cmocka_unit_test(polar_labels_at_their_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
