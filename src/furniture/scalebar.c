/* The scale bar and the north arrow, and when each tells the truth.
 *
 * Both are decided on the projection's own factors (PROJ's proj_factors)
 * sampled on a 9 x 9 grid over the frame, points off the projection
 * skipped. A bar is true at one place and, read by eye, in every
 * direction: it is drawn where the principal scales (the longest and the
 * shortest of the local scales, Tissot's a and b) stay within the
 * tolerance (5%) of the scale across the page at the frame's centre
 * everywhere in the frame. Elsewhere (a continent, a world map) it is
 * replaced by a statement, "Scale varies; 1:X at the centre", X from the
 * page's physical size; `at_latitude` draws a bar true on that parallel
 * instead, labelled so, and `force` the bar true at the centre.
 *
 * The bar is true at its reference point (the frame's centre, or the
 * stated parallel on the meridian through the centre): its length on the
 * page is the one whose ends, centred there, are its stated length apart
 * on the WGS 84 ellipsoid (PROJ's geodesic.h). Lengths are round: 1, 2 or
 * 5 times a power of ten, in km, statute miles or nautical miles.
 *
 * The north arrow is drawn where north turns by less than its tolerance
 * (5°) across the frame, pointing to true north where it stands (or,
 * outside the frame, at the frame's centre): the direction on the page
 * from its point to one a little north of it, which is the projection's
 * meridian convergence there. Where north turns more (an azimuthal
 * continent: 33° on influence-latam), one arrow would be read as "the map
 * is rotated"; it is left out, or with at_centre: true points to north at
 * the frame's centre. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/cnum-private.h"
#include "furniture/furniture-private.h"
#include "geo/crs-private.h"
#include "geo/geodesic-private.h"

#define SCALE_FONT "Noto Sans 6"
#define NORTH_FONT "Noto Sans Bold 7"

static double geodesic_km(double lon1, double lat1, double lon2, double lat2) {
  struct geod_geodesic g;
  im_geod_wgs84(&g);
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
    im_snprintf(buf, size, "%g", v);
    return;
  }
  im_format_number(v, 0, true, buf, size);
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

/* ---- how the projection changes across the frame ---- */

/* Finite differences through the render's own transformation, for a map
 * CRS proj_factors does not take (a geographic one): images of 1 km steps
 * east and north, in map units (y up). */
static bool numeric_factors(im_page *pg, double lon, double lat, im_crs_factors *f) {
  const double d = 0.01;
  double x[4], y[4];
  if (fabs(lat) > 89 || !im_furniture_to_device(pg, lon - d, lat, &x[0], &y[0]) ||
      !im_furniture_to_device(pg, lon + d, lat, &x[1], &y[1]) ||
      !im_furniture_to_device(pg, lon, lat - d, &x[2], &y[2]) ||
      !im_furniture_to_device(pg, lon, lat + d, &x[3], &y[3]))
    return false;
  double ke = geodesic_km(lon - d, lat, lon + d, lat), kn = geodesic_km(lon, lat - d, lon, lat + d);
  if (!(ke > 0) || !(kn > 0))
    return false;
  double ux = pg->dev_per_unit_x, uy = pg->dev_per_unit_y;
  *f = (im_crs_factors){(x[1] - x[0]) / ux / ke, -(y[1] - y[0]) / uy / ke, (x[3] - x[2]) / ux / kn,
                        -(y[3] - y[2]) / uy / kn};
  return true;
}

static bool point_factors(im_page *pg, const im_crs *crs, double x, double y, im_crs_factors *f) {
  double lon, lat;
  if (!im_furniture_to_lonlat(pg, x, y, &lon, &lat))
    return false;
  return crs ? im_crs_local_factors(crs, lon, lat, f) : numeric_factors(pg, lon, lat, f);
}

/* The scale along the page's x axis (the bar's direction): the inverse of
 * the ground length of a unit map step across. */
static double scale_across(const im_crs_factors *f) {
  double det = f->ex * f->ny - f->nx * f->ey;
  return fabs(det) / hypot(f->ey, f->ny);
}

/* The principal scales: the singular values of the local map. */
static void principal_scales(const im_crs_factors *f, double *a, double *b) {
  double t = f->ex * f->ex + f->ey * f->ey + f->nx * f->nx + f->ny * f->ny;
  double det = fabs(f->ex * f->ny - f->nx * f->ey);
  *a = sqrt((t + sqrt(fmax(0, t * t - 4 * det * det))) / 2);
  *b = *a > 0 ? det / *a : 0;
}

void im_frame_distortion(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  if (s->distortion.done)
    return;
  s->distortion.done = true;
  /* The map's CRS, from the thread's cache: proj_factors needs the CRS
   * itself, not the lon/lat-to-map pipeline the render holds. */
  im_geo_ctx *ctx = im_geo_ctx_create();
  im_crs *crs = NULL;
  im_error err;
  if (ctx && im_crs_create(ctx, pg->map->crs ? pg->map->crs : "EPSG:4326", NULL, 0, 0, &crs, &err))
    crs = NULL;
  double cx = pg->fx0 + pg->fw / 2, cy = pg->fy0 + pg->fh / 2;
  im_crs_factors c;
  const im_crs *use = crs;
  /* A CRS PROJ has no factors for (geographic): finite differences for
   * every point, so all are in the same units. */
  if (!use || !point_factors(pg, use, cx, cy, &c)) {
    use = NULL;
    if (!point_factors(pg, NULL, cx, cy, &c))
      goto done;
  }
  s->distortion.ok = true;
  s->distortion.kx0 = scale_across(&c);
  s->distortion.north0 = atan2(c.nx, c.ny);
  double worst = 0, lo = 0, hi = 0;
  enum { N = 9 };
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      im_crs_factors f;
      if (!point_factors(pg, use, pg->fx0 + pg->fw * i / (N - 1), pg->fy0 + pg->fh * j / (N - 1), &f))
        continue; /* off the projection: nothing of the map is there */
      s->distortion.samples++;
      double a, b;
      principal_scales(&f, &a, &b);
      worst = fmax(worst, fmax(a / s->distortion.kx0 - 1, 1 - b / s->distortion.kx0));
      double turn = remainder(atan2(f.nx, f.ny) - s->distortion.north0, 2 * M_PI);
      lo = fmin(lo, turn);
      hi = fmax(hi, turn);
    }
  s->distortion.variation = worst;
  s->distortion.turn = hi - lo;
done:
  im_crs_free(crs);
  im_geo_ctx_free(ctx);
}

/* "41,000,000": two significant figures, which is all a statement of a
 * varying scale can claim. */
static void round_denominator(double d, char *buf, size_t size) {
  double p = pow(10, floor(log10(d)) - 1);
  format_number(p >= 1 ? round(d / p) * p : round(d), buf, size);
}

/* The statement that replaces the bar where the scale varies. */
static bool measure_statement(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  const im_scalebar *sb = &s->fu->scalebar;
  im_item *it = &s->items[IM_ITEM_SCALEBAR];
  char denom[48];
  if (pg->scale_denominator > 0) {
    round_denominator(pg->scale_denominator, denom, sizeof denom);
    snprintf(s->scale.text, sizeof s->scale.text, "Scale varies; 1:%s at the centre", denom);
  } else {
    snprintf(s->scale.text, sizeof s->scale.text, "Scale varies across the map");
  }
  s->scale.statement = true;
  it->layout = im_ftext_layout(pg, s->scale.text, sb->font, SCALE_FONT, 0, PANGO_ALIGN_LEFT, false);
  double w, h;
  im_ftext_size(it->layout, &w, &h);
  it->w = 2 * it->pad + w;
  it->h = 2 * it->pad + h;
  return true;
}

static void format_latitude(double lat, char *buf, size_t size) {
  char deg[32];
  format_number(fabs(lat), deg, sizeof deg);
  snprintf(buf, size, "%s°%s", deg, lat > 0 ? "N" : lat < 0 ? "S" : "");
}

/* The unit after the last number: " km", or " km, true at 30°S". */
static void unit_text(const im_furniture_state *s, char *buf, size_t size) {
  const im_scalebar *sb = &s->fu->scalebar;
  if (!sb->has_latitude) {
    snprintf(buf, size, " %s", unit_names[sb->units]);
    return;
  }
  char lat[40];
  format_latitude(sb->at_latitude, lat, sizeof lat);
  snprintf(buf, size, " %s, true at %s", unit_names[sb->units], lat);
}

bool im_scalebar_measure(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  const im_scalebar *sb = &s->fu->scalebar;
  im_item *it = &s->items[IM_ITEM_SCALEBAR];
  im_frame_distortion(pg);
  s->scale.variation = s->distortion.ok ? s->distortion.variation : INFINITY;
  /* The bar's reference point: the frame's centre, or the stated
   * parallel on the meridian through it. */
  double cx = pg->fx0 + pg->fw / 2, cy = pg->fy0 + pg->fh / 2, h = pg->fw * 0.01;
  if (sb->has_latitude) {
    double lon, lat;
    if (!im_furniture_to_lonlat(pg, cx, cy, &lon, &lat) ||
        !im_furniture_to_device(pg, lon, sb->at_latitude, &cx, &cy)) {
      s->scale.refused = true;
      im_warn("%s: scale bar left out: latitude %g cannot be placed on this map", pg->map->path, sb->at_latitude);
      return false;
    }
    s->scale.latitude = sb->at_latitude;
  } else if (s->scale.variation > sb->tolerance && !sb->force) {
    s->scale.refused = true;
    return measure_statement(pg);
  }
  double k0 = local_scale(pg, cx, cy, false, h);
  if (!(k0 > 0) || !isfinite(k0)) {
    s->scale.refused = true;
    im_warn("%s: scale bar left out: the scale at its reference point cannot be measured", pg->map->path);
    return false;
  }
  double ukm = unit_km[sb->units];
  double max_dev = fmin(im_furniture_len(pg, sb->length), 0.6 * pg->fw);
  int lead;
  double L = round_down_125(max_dev * k0 / ukm, &lead);
  /* The page length whose ends, centred on the reference point, are L
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
  char unit[64];
  unit_text(s, unit, sizeof unit);
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
  if (s->scale.statement) {
    im_ftext_draw(pg, it->layout, it->box.minx + it->pad, it->box.miny + it->pad, sb->color, 0, sb->color, "scalebar");
    return;
  }
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
  char unit[64];
  unit_text(s, unit, sizeof unit);
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
  const im_north_arrow *na = &s->fu->north_arrow;
  double size = im_furniture_len(pg, na->size);
  if (!(size > 0))
    return false;
  im_frame_distortion(pg);
  if (!s->distortion.ok || s->distortion.turn > na->tolerance * M_PI / 180) {
    s->north.refused = true;
    if (!na->at_centre || !s->distortion.ok)
      return false;
    s->north.at_centre = true;
  }
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
  if (s->north.at_centre) {
    /* North turns across the frame: the arrow is true at the centre only. */
    px = pg->fx0 + pg->fw / 2, py = pg->fy0 + pg->fh / 2;
    angle = s->distortion.north0;
  } else if (!im_north_angle(pg, px, py, &angle)) {
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
  im_snprintf(font, sizeof font, "Noto Sans Bold %.1f", fmax(4, 0.3 * size / pg->dev_per_pt));
  PangoLayout *l = im_ftext_layout(pg, "N", na->font ? na->font : font, NORTH_FONT, 0, PANGO_ALIGN_LEFT, false);
  double w, h;
  im_ftext_size(l, &w, &h);
  double r = 0.32 * size;
  double nx = mx + r * sin(angle), ny = my - r * cos(angle);
  im_ftext_draw(pg, l, nx - w / 2, ny - h / 2, c, 0, c, "north-arrow");
  g_object_unref(l);
}
