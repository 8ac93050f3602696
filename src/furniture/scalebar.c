/* The scale bar and the north arrow.
 *
 * The scale bar is true at the frame's centre: its length on the page is
 * the one whose ends, centred there, are its stated length apart on the
 * WGS 84 ellipsoid (PROJ's geodesic.h). Lengths are round: 1, 2 or 5 times
 * a power of ten, in km, statute miles or nautical miles. Where the scale
 * changes by more than the tolerance (10%) across the frame, as on a world
 * map, one bar would mislead: it is left out with a warning unless forced.
 *
 * The north arrow points to true north where it stands (or, outside the
 * frame, at the frame's centre): the direction on the page from its point
 * to one a little north of it, which is the projection's meridian
 * convergence there. */
#include <geodesic.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "furniture/furniture-private.h"

#define SCALE_FONT "Noto Sans 6"
#define NORTH_FONT "Noto Sans Bold 7"

static double geodesic_km(double lon1, double lat1, double lon2, double lat2) {
  struct geod_geodesic g;
  geod_init(&g, 6378137.0, 1 / 298.257223563);
  double d = NAN;
  geod_inverse(&g, lat1, lon1, lat2, lon2, &d, NULL, NULL);
  return d / 1000;
}

/* Ground distance in km between two device points; NaN when either is off
 * the projection. */
static double device_km(im_page *pg, double x0, double y0, double x1, double y1) {
  double lon0, lat0, lon1, lat1;
  if (!im_furniture_to_lonlat(pg, x0, y0, &lon0, &lat0) || !im_furniture_to_lonlat(pg, x1, y1, &lon1, &lat1))
    return NAN;
  return geodesic_km(lon0, lat0, lon1, lat1);
}

/* km per device unit at (x, y), across or down. */
static double local_scale(im_page *pg, double x, double y, bool down, double h) {
  double d = down ? device_km(pg, x, y - h, x, y + h) : device_km(pg, x - h, y, x + h, y);
  return d / (2 * h);
}

static const char *const unit_names[] = {"km", "mi", "nmi"};
static const double unit_km[] = {1, 1.609344, 1.852};

/* The largest 1, 2 or 5 times a power of ten not above x; *lead gets 1, 2
 * or 5. */
static double round_down_125(double x, int *lead) {
  double p = pow(10, floor(log10(x)));
  if (5 * p <= x * (1 + 1e-9))
    return *lead = 5, 5 * p;
  if (2 * p <= x * (1 + 1e-9))
    return *lead = 2, 2 * p;
  return *lead = 1, p;
}

static void format_number(double v, char *buf, size_t size) {
  if (fabs(v - round(v)) > 1e-9 * fmax(1, fabs(v))) {
    snprintf(buf, size, "%g", v);
    return;
  }
  char digits[32];
  snprintf(digits, sizeof digits, "%.0f", fabs(v));
  size_t n = strlen(digits), o = 0;
  for (size_t i = 0; i < n && o + 2 < size; i++) {
    if (i && (n - i) % 3 == 0)
      buf[o++] = ',';
    buf[o++] = digits[i];
  }
  buf[o] = '\0';
}

static PangoLayout *number_layout(im_page *pg, int i) {
  const im_furniture_state *s = pg->furniture;
  char text[48];
  format_number(s->scale.length * i / s->scale.segments, text, sizeof text);
  return im_ftext_layout(pg, text, s->fu->scalebar.font, SCALE_FONT, 0, PANGO_ALIGN_LEFT, false);
}

/* Which boundaries get a number: all when they fit, else the ends and the
 * middle, else the ends. */
static bool labelled(im_page *pg, int i) {
  const im_furniture_state *s = pg->furniture;
  int n = s->scale.segments;
  double seg = s->scale.dev_len / n, widest = 0;
  for (int k = 0; k <= n; k++) {
    double w, h;
    PangoLayout *l = number_layout(pg, k);
    im_ftext_size(l, &w, &h);
    g_object_unref(l);
    widest = fmax(widest, w);
  }
  double air = 3 * pg->dev_per_pt;
  if (widest + air <= seg)
    return true;
  if (i == 0 || i == n)
    return true;
  return n % 2 == 0 && 2 * i == n && widest + air <= seg * n / 2;
}

bool im_scalebar_measure(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  const im_scalebar *sb = &s->fu->scalebar;
  im_item *it = &s->items[IM_ITEM_SCALEBAR];
  double cx = pg->fx0 + pg->fw / 2, cy = pg->fy0 + pg->fh / 2, h = pg->fw * 0.01;
  double k0 = local_scale(pg, cx, cy, false, h);
  if (!(k0 > 0) || !isfinite(k0)) {
    s->scale.refused = true;
    im_warn("%s: scale bar left out: the scale at the map's centre cannot be measured", pg->map->path);
    return false;
  }
  /* How far the scale strays from the centre's over the frame, across and
   * down (a conformal map changes both alike; others differ by direction). */
  double worst = 0;
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 5; j++) {
      double x = pg->fx0 + pg->fw * (0.05 + 0.225 * i), y = pg->fy0 + pg->fh * (0.05 + 0.225 * j);
      for (int down = 0; down < 2; down++) {
        double k = local_scale(pg, x, y, down, h);
        worst = isfinite(k) ? fmax(worst, fabs(k / k0 - 1)) : INFINITY;
      }
    }
  s->scale.variation = worst;
  if (worst > sb->tolerance && !sb->force) {
    s->scale.refused = true;
    if (isfinite(worst))
      im_warn("%s: scale bar left out: the scale changes by %.1f%% across this map (more than %.0f%%), so one bar "
              "would mislead; write scalebar: {force: true} to draw it anyway (true at the centre)",
              pg->map->path, 100 * worst, 100 * sb->tolerance);
    else
      im_warn("%s: scale bar left out: parts of this map are off the projection (a world map), so one bar would "
              "mislead; write scalebar: {force: true} to draw it anyway (true at the centre)",
              pg->map->path);
    return false;
  }
  double ukm = unit_km[sb->units];
  double max_dev = fmin(im_furniture_len(pg, sb->length), 0.6 * pg->fw);
  int lead;
  double L = round_down_125(max_dev * k0 / ukm, &lead);
  /* The page length whose ends, centred on the frame's centre, are L
   * apart on the ellipsoid. */
  double d = L * ukm / k0;
  for (int i = 0; i < 6; i++) {
    double km = device_km(pg, cx - d / 2, cy, cx + d / 2, cy);
    if (!(km > 0))
      break;
    d *= L * ukm / km;
  }
  s->scale.km_per_dev = k0;
  s->scale.length = L;
  s->scale.unit_km = ukm;
  s->scale.dev_len = d;
  s->scale.segments = sb->segments > 0 ? sb->segments : lead == 5 ? 5 : 4;
  s->scale.centre[0] = cx - d / 2;
  s->scale.centre[1] = cy;
  s->scale.centre[2] = cx + d / 2;
  s->scale.centre[3] = cy;
  double w0, wn, wu, lh;
  PangoLayout *l = number_layout(pg, 0);
  im_ftext_size(l, &w0, &lh);
  g_object_unref(l);
  l = number_layout(pg, s->scale.segments);
  im_ftext_size(l, &wn, &lh);
  g_object_unref(l);
  char unit[8];
  snprintf(unit, sizeof unit, " %s", unit_names[sb->units]);
  l = im_ftext_layout(pg, unit, sb->font, SCALE_FONT, 0, PANGO_ALIGN_LEFT, false);
  im_ftext_size(l, &wu, &lh);
  g_object_unref(l);
  s->scale.label_h = lh;
  s->scale.left_over = w0 / 2;
  s->scale.right_over = wn / 2 + wu;
  s->scale.bar_h = 3 * pg->dev_per_pt;
  it->w = 2 * it->pad + s->scale.left_over + d + s->scale.right_over;
  it->h = 2 * it->pad + lh + 1.5 * pg->dev_per_pt + s->scale.bar_h;
  return true;
}

void im_scalebar_draw(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  const im_scalebar *sb = &s->fu->scalebar;
  im_item *it = &s->items[IM_ITEM_SCALEBAR];
  cairo_t *cr = pg->cr;
  im_furniture_draw_box(pg, it);
  int n = s->scale.segments;
  double d = s->scale.dev_len, bh = s->scale.bar_h;
  double x0 = it->box.minx + it->pad + s->scale.left_over, y0 = it->box.maxy - it->pad - bh;
  im_color c = sb->color;
  cairo_save(cr);
  for (int i = 0; i < n; i++) {
    cairo_rectangle(cr, x0 + d * i / n, y0, d / n, bh);
    if (i % 2 == 0)
      cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
    else
      cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill(cr);
  }
  double lw = 0.5 * pg->dev_per_pt;
  cairo_rectangle(cr, x0, y0, d, bh);
  cairo_set_line_width(cr, lw);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
  cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
  cairo_stroke(cr);
  cairo_restore(cr);
  double ty = y0 - 1.5 * pg->dev_per_pt - s->scale.label_h, end_x = x0 + d;
  for (int i = 0; i <= n; i++) {
    if (!labelled(pg, i))
      continue;
    PangoLayout *l = number_layout(pg, i);
    double w, h;
    im_ftext_size(l, &w, &h);
    double x = x0 + d * i / n - w / 2;
    im_ftext_draw(pg, l, x, ty, c, 0, c, "scalebar");
    g_object_unref(l);
    if (i == n)
      end_x = x + w;
  }
  char unit[8];
  snprintf(unit, sizeof unit, " %s", unit_names[sb->units]);
  PangoLayout *l = im_ftext_layout(pg, unit, sb->font, SCALE_FONT, 0, PANGO_ALIGN_LEFT, false);
  im_ftext_draw(pg, l, end_x, ty, c, 0, c, "scalebar");
  g_object_unref(l);
  s->scale.bar[0] = x0;
  s->scale.bar[1] = y0 + bh / 2;
  s->scale.bar[2] = x0 + d;
  s->scale.bar[3] = y0 + bh / 2;
}

/* ---- north arrow ---- */

bool im_north_angle(im_page *pg, double x, double y, double *angle) {
  double lon, lat, qx, qy;
  if (!im_furniture_to_lonlat(pg, x, y, &lon, &lat) || fabs(lat) > 89.9)
    return false;
  /* A step north small enough to follow the meridian, large enough to stay
   * clear of rounding. */
  if (!im_furniture_to_device(pg, lon, lat + 0.01, &qx, &qy) || (qx == x && qy == y))
    return false;
  *angle = atan2(qx - x, -(qy - y));
  return true;
}

bool im_north_measure(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  im_item *it = &s->items[IM_ITEM_NORTH];
  double size = im_furniture_len(pg, s->fu->north_arrow.size);
  if (!(size > 0))
    return false;
  it->w = it->h = size + 2 * it->pad;
  return true;
}

void im_north_draw(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  const im_north_arrow *na = &s->fu->north_arrow;
  im_item *it = &s->items[IM_ITEM_NORTH];
  cairo_t *cr = pg->cr;
  im_furniture_draw_box(pg, it);
  double size = it->w - 2 * it->pad;
  double mx = (it->box.minx + it->box.maxx) / 2, my = (it->box.miny + it->box.maxy) / 2;
  bool inside = mx >= pg->fx0 && mx <= pg->fx0 + pg->fw && my >= pg->fy0 && my <= pg->fy0 + pg->fh;
  double px = inside ? mx : pg->fx0 + pg->fw / 2, py = inside ? my : pg->fy0 + pg->fh / 2, angle = 0;
  if (!im_north_angle(pg, px, py, &angle)) {
    im_warn("%s: north arrow: true north cannot be told at its place (a pole, or off the projection); drawn "
            "pointing up",
            pg->map->path);
    angle = 0;
  }
  s->north.drawn = true;
  s->north.x = px;
  s->north.y = py;
  s->north.angle = angle;
  im_color c = na->color;
  /* The arrow: a split chevron, dark on the left, light on the right, its
   * tip towards north; the letter N beyond the tip, upright. */
  double tip = -0.14 * size, tail = 0.48 * size, notch = 0.34 * size, half = 0.17 * size;
  cairo_save(cr);
  cairo_translate(cr, mx, my);
  cairo_rotate(cr, angle);
  cairo_set_line_width(cr, 0.5 * pg->dev_per_pt);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
  cairo_move_to(cr, 0, tip);
  cairo_line_to(cr, -half, tail);
  cairo_line_to(cr, 0, notch);
  cairo_close_path(cr);
  cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
  cairo_fill_preserve(cr);
  cairo_stroke(cr);
  cairo_move_to(cr, 0, tip);
  cairo_line_to(cr, half, tail);
  cairo_line_to(cr, 0, notch);
  cairo_close_path(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_fill_preserve(cr);
  cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
  cairo_stroke(cr);
  cairo_restore(cr);
  char font[64];
  snprintf(font, sizeof font, "Noto Sans Bold %.1f", fmax(4, 0.3 * size / pg->dev_per_pt));
  PangoLayout *l = im_ftext_layout(pg, "N", na->font ? na->font : font, NORTH_FONT, 0, PANGO_ALIGN_LEFT, false);
  double w, h;
  im_ftext_size(l, &w, &h);
  double r = 0.32 * size;
  double nx = mx + r * sin(angle), ny = my - r * cos(angle);
  im_ftext_draw(pg, l, nx - w / 2, ny - h / 2, c, 0, c, "north-arrow");
  g_object_unref(l);
}
