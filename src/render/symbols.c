/* Markers, line strokes and polygon fills, in device units (see
 * symbols-private.h). Icons live in icons.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render/symbols-private.h"
#include "render/render-private.h"

/* Star: the inner radius as a share of the outer (a regular pentagram). */
#define STAR_INNER 0.382
/* Pin: the head's radius as a share of the pin's height. */
#define PIN_HEAD 0.32
/* Miter limits: markers are small and pointed, so a low limit keeps their
 * corners (and so their box) within one line width; lines take SVG's 4. */
#define MARKER_MITER_LIMIT 2.0
#define LINE_MITER_LIMIT 4.0
/* Arrowheads are this share of their length wide. */
#define ARROW_ASPECT 0.75
/* More hatch lines than this in one polygon is a spacing too small to see. */
#define MAX_HATCH_LINES 1000000

static void set_color(cairo_t *cr, im_color c) { cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a); }

double im_symbol_len(const im_symbol_ctx *sc, im_length len) {
  double v = im_length_to_pt(len, sc->dpi) * sc->dev_per_pt;
  return isfinite(v) && v > 0 ? v : 0;
}

/* ---- opacity ---- */

/* Opacity below 1 needs the symbol drawn into a group first, so that where
 * its own parts overlap (casing under line, fill under outline) they do not
 * show through each other. A group is a surface as large as the clip, which
 * on a raster page is megabytes per feature, so there the clip is narrowed to
 * the symbol's box (whole device pixels, so its edges are not antialiased).
 * Returns whether a group was pushed; end_opacity pops it. */
static bool begin_opacity(cairo_t *cr, double opacity, im_bbox box) {
  if (opacity >= 1)
    return false;
  cairo_save(cr);
  /* A PNG page is recorded (render.c) and its groups become images when
   * replayed, so there too. */
  cairo_surface_type_t target = cairo_surface_get_type(cairo_get_group_target(cr));
  if (target == CAIRO_SURFACE_TYPE_IMAGE || target == CAIRO_SURFACE_TYPE_RECORDING ||
      target == CAIRO_SURFACE_TYPE_TEE) {
    double cx[4] = {box.minx, box.maxx, box.maxx, box.minx}, cy[4] = {box.miny, box.miny, box.maxy, box.maxy};
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int i = 0; i < 4; i++) {
      cairo_user_to_device(cr, &cx[i], &cy[i]);
      x0 = fmin(x0, cx[i]), y0 = fmin(y0, cy[i]), x1 = fmax(x1, cx[i]), y1 = fmax(y1, cy[i]);
    }
    if (isfinite(x0) && isfinite(y0) && isfinite(x1) && isfinite(y1)) {
      cairo_matrix_t m;
      cairo_get_matrix(cr, &m);
      cairo_identity_matrix(cr);
      cairo_rectangle(cr, floor(x0) - 1, floor(y0) - 1, ceil(x1) - floor(x0) + 2, ceil(y1) - floor(y0) + 2);
      cairo_clip(cr);
      cairo_set_matrix(cr, &m);
    }
  }
  im_render_push_group(cr);
  return true;
}

static void end_opacity(cairo_t *cr, bool group, double opacity) {
  if (!group)
    return;
  cairo_pop_group_to_source(cr);
  cairo_paint_with_alpha(cr, opacity);
  cairo_restore(cr);
}

/* The style's opacity in 0..1 (a missing or broken value is opaque). */
static double opacity_of(const im_style *st) {
  double o = st->opacity;
  if (isnan(o))
    return 1;
  return o < 0 ? 0 : o > 1 ? 1 : o;
}

/* ---- markers ---- */

static bool marker_stroked(const im_symbol_ctx *sc, const im_style *st, double *width) {
  *width = im_symbol_len(sc, st->stroke_width);
  return st->marker_symbol != IM_MARKER_ICON && (st->set & (IM_STYLE_STROKE_COLOR | IM_STYLE_STROKE)) &&
         st->stroke_color.a > 0 && *width > 0;
}

/* The shape's extent around its anchor, outline excluded: offsets to the
 * left, top (negative) and right, bottom (positive). */
static void marker_extent(const im_symbol_ctx *sc, const im_style *st, double s, double *l, double *t, double *r,
                          double *b) {
  double hw = s / 2, top = -s / 2, bottom = s / 2;
  switch (st->marker_symbol) {
  case IM_MARKER_TRIANGLE:
    hw = s / sqrt(3);
    top = -2 * s / 3;
    bottom = s / 3;
    break;
  case IM_MARKER_STAR: {
    double R = s / (1 + cos(M_PI / 5));
    hw = R * cos(M_PI / 10);
    top = -R;
    bottom = R * cos(M_PI / 5);
    break;
  }
  case IM_MARKER_PIN:
    hw = PIN_HEAD * s;
    top = -s;
    bottom = 0;
    break;
  case IM_MARKER_ICON: {
    double aspect = 1;
    im_icon_cache_aspect(sc->icons, st->marker_icon, &aspect);
    hw = s * aspect / 2;
    break;
  }
  default:
    break;
  }
  *l = -hw, *r = hw, *t = top, *b = bottom;
}

static void polygon_path(cairo_t *cr, const double *v, int n, double x, double y) {
  cairo_move_to(cr, x + v[0], y + v[1]);
  for (int i = 1; i < n; i++)
    cairo_line_to(cr, x + v[2 * i], y + v[2 * i + 1]);
  cairo_close_path(cr);
}

static void marker_path(cairo_t *cr, im_marker_symbol sym, double x, double y, double s) {
  double h = s / 2;
  switch (sym) {
  case IM_MARKER_SQUARE:
    cairo_rectangle(cr, x - h, y - h, s, s);
    break;
  case IM_MARKER_TRIANGLE: {
    double w = s / sqrt(3), v[] = {0, -2 * s / 3, w, s / 3, -w, s / 3};
    polygon_path(cr, v, 3, x, y);
    break;
  }
  case IM_MARKER_DIAMOND: {
    double v[] = {0, -h, h, 0, 0, h, -h, 0};
    polygon_path(cr, v, 4, x, y);
    break;
  }
  case IM_MARKER_STAR: {
    double R = s / (1 + cos(M_PI / 5)), v[20];
    for (int i = 0; i < 10; i++) {
      double a = -M_PI / 2 + i * M_PI / 5, r = i % 2 ? R * STAR_INNER : R;
      v[2 * i] = r * cos(a);
      v[2 * i + 1] = r * sin(a);
    }
    polygon_path(cr, v, 10, x, y);
    break;
  }
  case IM_MARKER_CROSS: {
    double t = s / 10; /* half the bar's thickness */
    double v[] = {-t, -h, t, -h, t, -t, h, -t, h, t, t, t, t, h, -t, h, -t, t, -h, t, -h, -t, -t, -t};
    polygon_path(cr, v, 12, x, y);
    break;
  }
  case IM_MARKER_PIN: {
    /* A circle on top, and the two lines from the tip that touch it. */
    double r = PIN_HEAD * s, cy = y - s + r, phi = acos(r / (s - r));
    cairo_move_to(cr, x, y);
    cairo_arc_negative(cr, x, cy, r, M_PI / 2 - phi, M_PI / 2 + phi);
    cairo_close_path(cr);
    break;
  }
  default: /* circle */
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, h, 0, 2 * M_PI);
    cairo_close_path(cr);
    break;
  }
}

im_bbox im_marker_box(const im_symbol_ctx *sc, const im_style *st, double x, double y) {
  double s = im_symbol_len(sc, st->marker_size), l, t, r, b, w;
  marker_extent(sc, st, s, &l, &t, &r, &b);
  double pad = 0;
  if (marker_stroked(sc, st, &w))
    pad = st->join == IM_JOIN_MITER ? w * MARKER_MITER_LIMIT / 2 : w / 2;
  return (im_bbox){x + l - pad, y + t - pad, x + r + pad, y + b + pad};
}

static cairo_line_join_t cairo_join(im_line_join j) {
  if (j == IM_JOIN_MITER)
    return CAIRO_LINE_JOIN_MITER;
  return j == IM_JOIN_BEVEL ? CAIRO_LINE_JOIN_BEVEL : CAIRO_LINE_JOIN_ROUND;
}

static cairo_line_cap_t cairo_cap(im_line_cap c) {
  return c == IM_CAP_SQUARE ? CAIRO_LINE_CAP_SQUARE : c == IM_CAP_ROUND ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT;
}

void im_draw_marker(cairo_t *cr, const im_symbol_ctx *sc, const im_style *st, double x, double y) {
  double s = im_symbol_len(sc, st->marker_size), opacity = opacity_of(st), w;
  if (!(s > 0) || opacity <= 0 || !isfinite(x) || !isfinite(y))
    return;
  bool group = begin_opacity(cr, opacity, im_marker_box(sc, st, x, y));
  if (st->marker_symbol == IM_MARKER_ICON) {
    double aspect = 1;
    if (im_icon_cache_aspect(sc->icons, st->marker_icon, &aspect))
      im_icon_draw(sc->icons, cr, st->marker_icon, x - s * aspect / 2, y - s / 2, s * aspect, s);
    end_opacity(cr, group, opacity);
    return;
  }
  cairo_save(cr);
  cairo_new_path(cr);
  marker_path(cr, st->marker_symbol, x, y, s);
  if (st->fill.a > 0) {
    set_color(cr, st->fill);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    cairo_fill_preserve(cr);
  }
  if (marker_stroked(sc, st, &w)) {
    set_color(cr, st->stroke_color);
    cairo_set_line_width(cr, w);
    cairo_set_line_join(cr, cairo_join(st->join));
    cairo_set_miter_limit(cr, MARKER_MITER_LIMIT);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_stroke_preserve(cr);
  }
  cairo_new_path(cr);
  cairo_restore(cr);
  end_opacity(cr, group, opacity);
}

bool im_marker_stamps_pay(cairo_t *cr) {
  return cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_PDF;
}

static bool same_length(im_length a, im_length b) { return a.value == b.value && a.unit == b.unit; }

static bool same_look(const im_marker_stamp *a, const im_marker_stamp *b) {
  return a->symbol == b->symbol && same_length(a->size, b->size) && same_length(a->stroke_width, b->stroke_width) &&
         !memcmp(&a->fill, &b->fill, sizeof a->fill) && !memcmp(&a->stroke, &b->stroke, sizeof a->stroke) &&
         a->join == b->join && a->stroked == b->stroked;
}

/* The marker of st drawn opaque into a recording whose extents start at
 * (0, 0), the marker at (ox, oy) a whole unit inside (whole units: its
 * path is the same to the bit, moved). */
static void stamp_make(im_marker_stamp *s, const im_symbol_ctx *sc, const im_style *st) {
  im_bbox b = im_marker_box(sc, st, 0, 0);
  s->ox = 1 - floor(b.minx);
  s->oy = 1 - floor(b.miny);
  cairo_rectangle_t ext = {0, 0, ceil(b.maxx) + s->ox + 1, ceil(b.maxy) + s->oy + 1};
  s->rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &ext);
  cairo_t *c = cairo_create(s->rec);
  im_style opaque = *st;
  opaque.opacity = 1;
  im_draw_marker(c, sc, &opaque, s->ox, s->oy);
  cairo_destroy(c);
}

void im_marker_stamp_draw(cairo_t *cr, im_marker_stamps *s, const im_symbol_ctx *sc, const im_style *st, double x,
                          double y) {
  double size = im_symbol_len(sc, st->marker_size), opacity = opacity_of(st), w;
  if (!(size > 0) || opacity <= 0 || !isfinite(x) || !isfinite(y))
    return;
  im_marker_stamp key = {.symbol = (int)st->marker_symbol,
                         .size = st->marker_size,
                         .stroke_width = st->stroke_width,
                         .fill = st->fill,
                         .stroke = st->stroke_color,
                         .join = (int)st->join,
                         .stroked = marker_stroked(sc, st, &w)};
  im_marker_stamp *stamp = NULL;
  for (int i = 0; i < s->n && !stamp; i++)
    if (same_look(&s->stamp[i], &key))
      stamp = &s->stamp[i];
  if (!stamp && s->n < IM_MARKER_STAMPS) {
    stamp = &s->stamp[s->n++];
    *stamp = key;
    stamp_make(stamp, sc, st);
  }
  if (!stamp) {
    im_draw_marker(cr, sc, st, x, y);
    return;
  }
  cairo_save(cr);
  cairo_set_source_surface(cr, stamp->rec, x - stamp->ox, y - stamp->oy);
  if (opacity >= 1)
    cairo_paint(cr);
  else
    cairo_paint_with_alpha(cr, opacity);
  cairo_restore(cr);
}

void im_marker_stamps_free(im_marker_stamps *s) {
  for (int i = 0; i < s->n; i++)
    cairo_surface_destroy(s->stamp[i].rec);
  *s = (im_marker_stamps){0};
}

/* ---- lines ---- */

static double seg_len(const double *v, size_t i) { return hypot(v[2 * i + 2] - v[2 * i], v[2 * i + 3] - v[2 * i + 1]); }

static double part_length(const double *v, size_t n) {
  double len = 0;
  for (size_t i = 0; i + 1 < n; i++)
    len += seg_len(v, i);
  return len;
}

/* The point at arc length t along v, t clamped to the line. */
static void point_at(const double *v, size_t n, double t, double *x, double *y) {
  double acc = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    double l = seg_len(v, i);
    if (t <= acc + l && l > 0) {
      double f = t <= acc ? 0 : (t - acc) / l;
      *x = v[2 * i] + f * (v[2 * i + 2] - v[2 * i]);
      *y = v[2 * i + 1] + f * (v[2 * i + 3] - v[2 * i + 1]);
      return;
    }
    acc += l;
  }
  *x = v[2 * n - 2];
  *y = v[2 * n - 1];
}

/* Adds the piece of v from arc length from to arc length to (from < to). */
static void trimmed_path(cairo_t *cr, const double *v, size_t n, double from, double to) {
  double x, y, acc = 0;
  point_at(v, n, from, &x, &y);
  cairo_move_to(cr, x, y);
  for (size_t i = 0; i + 1 < n; i++) {
    acc += seg_len(v, i);
    if (acc <= from)
      continue;
    if (acc >= to)
      break;
    cairo_line_to(cr, v[2 * i + 2], v[2 * i + 3]);
  }
  point_at(v, n, to, &x, &y);
  cairo_line_to(cr, x, y);
}

static void part_path(cairo_t *cr, const double *v, size_t n, bool close) {
  cairo_move_to(cr, v[0], v[1]);
  for (size_t i = 1; i < n; i++)
    cairo_line_to(cr, v[2 * i], v[2 * i + 1]);
  if (close)
    cairo_close_path(cr);
}

/* What the stroke of one style needs, in device units. */
typedef struct {
  double lw, cw; /* line and casing width (0: none) */
  double dash[IM_MAX_DASH];
  int ndash; /* 0: solid */
  double arrow_len, arrow_w;
  cairo_line_cap_t cap;
  cairo_line_join_t join;
} line_spec;

static void line_spec_init(line_spec *ls, const im_symbol_ctx *sc, const im_style *st) {
  ls->lw = st->stroke_color.a > 0 ? im_symbol_len(sc, st->stroke_width) : 0;
  ls->cw = (st->set & IM_STYLE_CASING) && st->casing.color.a > 0 ? im_symbol_len(sc, st->casing.width) : 0;
  ls->cap = cairo_cap(st->cap);
  ls->join = cairo_join(st->join);
  ls->ndash = 0;
  if (st->set & IM_STYLE_DASH) {
    /* Cairo puts the context in an error state for an all-zero pattern;
     * such a pattern is drawn solid instead. */
    double total = 0;
    size_t n = st->ndash < IM_MAX_DASH ? st->ndash : IM_MAX_DASH;
    for (size_t i = 0; i < n; i++)
      total += ls->dash[i] = im_symbol_len(sc, st->dash[i]);
    if (total > 0)
      ls->ndash = (int)n;
  }
  ls->arrow_len = ls->arrow_w = 0;
  if (st->arrow != IM_ARROW_NONE && ls->lw > 0) {
    double size = im_symbol_len(sc, st->arrow_size);
    if (size > 0) {
      ls->arrow_w = fmax(ARROW_ASPECT * size, 2 * ls->lw);
      ls->arrow_len = ls->arrow_w / ARROW_ASPECT;
    }
  }
}

/* How much of a line w wide to cut from an end with an arrowhead so that
 * its end (cap included) lies inside the arrowhead: where the arrowhead is
 * as wide as the line, plus what the cap adds. */
static double arrow_trim(const line_spec *ls, double w) {
  double t = ls->arrow_len * w / ls->arrow_w + (ls->cap == CAIRO_LINE_CAP_BUTT ? 0 : w / 2);
  return fmin(t, ls->arrow_len);
}

/* The arrowhead at the tip (v[n-1], or v[0] when at_start), pointing along
 * the chord over its own length, so a densified curve's last tiny segment
 * does not decide where it points. */
static void arrow_path(cairo_t *cr, const line_spec *ls, const double *v, size_t n, double total, bool at_start) {
  double tx, ty, bx, by;
  point_at(v, n, at_start ? 0 : total, &tx, &ty);
  point_at(v, n, at_start ? fmin(ls->arrow_len, total) : fmax(total - ls->arrow_len, 0), &bx, &by);
  double dx = tx - bx, dy = ty - by, d = hypot(dx, dy);
  if (!(d > 1e-9))
    return;
  dx /= d, dy /= d;
  double cx = tx - dx * ls->arrow_len, cy = ty - dy * ls->arrow_len, hw = ls->arrow_w / 2;
  cairo_move_to(cr, tx, ty);
  cairo_line_to(cr, cx - dy * hw, cy + dx * hw);
  cairo_line_to(cr, cx + dy * hw, cy - dx * hw);
  cairo_close_path(cr);
}

/* Adds every part of g, cut back at the ends with arrowheads for a line w
 * wide; closed when g is a polygon (an outline drawn from the rings). */
static void lines_path(cairo_t *cr, const im_geom *g, const line_spec *ls, im_arrow arrow, double w) {
  bool close = g->kind == IM_GEOM_POLYGON;
  for (size_t p = 0; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    size_t n = im_geom_part_size(g, p);
    if (n < 2)
      continue;
    if (!ls->arrow_len || close) {
      part_path(cr, v, n, close);
      continue;
    }
    double total = part_length(v, n);
    double from = arrow & IM_ARROW_START ? arrow_trim(ls, w) : 0;
    double to = total - (arrow & IM_ARROW_END ? arrow_trim(ls, w) : 0);
    if (to > from)
      trimmed_path(cr, v, n, from, to);
  }
}

static void stroke_with(cairo_t *cr, const line_spec *ls, double w, bool dashed) {
  cairo_set_line_width(cr, w);
  cairo_set_line_cap(cr, ls->cap);
  cairo_set_line_join(cr, ls->join);
  cairo_set_miter_limit(cr, LINE_MITER_LIMIT);
  cairo_set_dash(cr, ls->dash, dashed ? ls->ndash : 0, 0);
  cairo_stroke(cr);
}

static im_bbox grow_box(im_bbox b, double by) { return (im_bbox){b.minx - by, b.miny - by, b.maxx + by, b.maxy + by}; }

/* Casing, line and arrowheads of g, without opacity. */
static void stroke_lines(cairo_t *cr, const line_spec *ls, const im_style *st, const im_geom *g, im_arrow arrow) {
  if (ls->cw > 0) {
    lines_path(cr, g, ls, arrow, ls->cw);
    set_color(cr, st->casing.color);
    stroke_with(cr, ls, ls->cw, false);
  }
  if (ls->lw <= 0)
    return;
  lines_path(cr, g, ls, arrow, ls->lw);
  set_color(cr, st->stroke_color);
  stroke_with(cr, ls, ls->lw, true);
  if (!ls->arrow_len || g->kind == IM_GEOM_POLYGON)
    return;
  for (size_t p = 0; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    size_t n = im_geom_part_size(g, p);
    if (n < 2)
      continue;
    double total = part_length(v, n);
    if (arrow & IM_ARROW_END)
      arrow_path(cr, ls, v, n, total, false);
    if (arrow & IM_ARROW_START)
      arrow_path(cr, ls, v, n, total, true);
  }
  cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
  cairo_fill(cr);
}

void im_stroke_lines(cairo_t *cr, const im_symbol_ctx *sc, const im_style *st, const im_geom *g) {
  double opacity = opacity_of(st);
  if (opacity <= 0 || !g->nparts)
    return;
  line_spec ls;
  line_spec_init(&ls, sc, st);
  if (ls.lw <= 0 && ls.cw <= 0)
    return;
  bool group = begin_opacity(cr, opacity, grow_box(im_geom_bbox(g), im_symbol_margin(sc, st)));
  cairo_save(cr);
  cairo_new_path(cr);
  stroke_lines(cr, &ls, st, g, st->arrow);
  cairo_restore(cr);
  end_opacity(cr, group, opacity);
}

/* ---- polygons ---- */

static void rings_path(cairo_t *cr, const im_geom *g) {
  for (size_t p = 0; p < g->nparts; p++) {
    size_t n = im_geom_part_size(g, p);
    if (n)
      part_path(cr, g->xy + 2 * g->parts[p], n, true);
  }
}

bool im_fill_batchable(const im_style *st) {
  return opacity_of(st) >= 1 && st->fill.a >= 1 && !(st->set & IM_STYLE_HATCH);
}

/* How much a shape's size shrinks for its edge to move in by half a unit:
 * size / (2 x inradius), for the convex symbols (marker_path); 0 for the
 * others, which are not batched outlined. */
static double inset_per_width(im_marker_symbol sym) {
  switch (sym) {
  case IM_MARKER_SQUARE:
    return 1;
  case IM_MARKER_TRIANGLE:
    return 1.5; /* inradius s / 3 */
  case IM_MARKER_DIAMOND:
    return M_SQRT2; /* inradius s / (2 sqrt 2) */
  case IM_MARKER_CIRCLE:
    return 1;
  default:
    return 0;
  }
}

void im_fill_batch_flush(cairo_t *cr, im_fill_batch *b) {
  if (!b->open)
    return;
  cairo_save(cr);
  cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
  if (b->stroked) {
    cairo_new_path(cr);
    for (size_t i = 0; i < b->count; i++)
      marker_path(cr, (im_marker_symbol)b->symbol, b->xy[2 * i], b->xy[2 * i + 1], b->size);
    set_color(cr, b->stroke);
    cairo_set_line_width(cr, b->width);
    cairo_set_line_join(cr, (cairo_line_join_t)b->join);
    cairo_set_miter_limit(cr, MARKER_MITER_LIMIT);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_stroke(cr);
    /* The fill up to the outline's inner edge: half its width in from
     * the shape's edge, the size less that times size / inradius. */
    double inset = b->width * inset_per_width((im_marker_symbol)b->symbol), s = b->size - inset;
    for (size_t i = 0; s > 0 && i < b->count; i++)
      marker_path(cr, (im_marker_symbol)b->symbol, b->xy[2 * i], b->xy[2 * i + 1], s);
  }
  set_color(cr, b->color);
  cairo_fill(cr);
  cairo_restore(cr);
  b->open = false;
}

bool im_marker_batchable(const im_symbol_ctx *sc, const im_style *st) {
  double w;
  return st->marker_symbol != IM_MARKER_ICON && opacity_of(st) >= 1 && st->fill.a >= 1 &&
         (!marker_stroked(sc, st, &w) || inset_per_width(st->marker_symbol) > 0);
}

/* Starts a batch of color and symbol (-1: polygons) unless the open one is
 * of both. Polygons' rings are turned to a positive area and each symbol
 * has one orientation, so the non-zero rule fills the union; a symbol of
 * the other orientation would cut holes where it overlaps. */
/* What outlines a batch's markers (stroked false: none). */
typedef struct {
  bool stroked;
  im_color color;
  double width, size;
  int join;
} batch_outline;

static void batch_open(cairo_t *cr, im_fill_batch *b, im_color color, int symbol, const batch_outline *o) {
  bool stroked = o && o->stroked;
  if (b->open && (memcmp(&b->color, &color, sizeof color) || b->symbol != symbol ||
                  (symbol >= 0 && b->count >= IM_MARKER_BATCH_MAX) || b->stroked != stroked ||
                  (stroked && (memcmp(&b->stroke, &o->color, sizeof b->stroke) || b->width != o->width ||
                               b->size != o->size || b->join != o->join))))
    im_fill_batch_flush(cr, b);
  if (!b->open) {
    cairo_new_path(cr);
    b->open = true;
    b->color = color;
    b->symbol = symbol;
    b->count = 0;
    b->stroked = stroked;
    if (stroked) {
      b->stroke = o->color;
      b->width = o->width;
      b->size = o->size;
      b->join = o->join;
    }
  }
}

void im_fill_batch_add_marker(cairo_t *cr, im_fill_batch *b, const im_symbol_ctx *sc, const im_style *st, double x,
                              double y) {
  double s = im_symbol_len(sc, st->marker_size);
  if (!(s > 0) || !isfinite(x) || !isfinite(y))
    return;
  batch_outline o = {.stroked = false};
  double w;
  if (marker_stroked(sc, st, &w))
    o = (batch_outline){true, st->stroke_color, w, s, (int)cairo_join(st->join)};
  batch_open(cr, b, st->fill, (int)st->marker_symbol, &o);
  if (b->stroked) { /* centres only: outlines first, then fills (im_fill_batch) */
    b->xy[2 * b->count] = x;
    b->xy[2 * b->count + 1] = y;
  } else {
    marker_path(cr, st->marker_symbol, x, y, s);
  }
  b->count++;
}

void im_fill_batch_add(cairo_t *cr, im_fill_batch *b, im_color color, const im_geom *g) {
  batch_open(cr, b, color, -1, NULL);
  /* Twice the feature's net signed area (shoelace): its rings go in
   * reversed when it is negative. */
  double area = 0;
  for (size_t p = 0; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    size_t n = im_geom_part_size(g, p);
    for (size_t i = 0; i < n; i++) {
      size_t j = (i + 1) % n;
      area += v[2 * i] * v[2 * j + 1] - v[2 * j] * v[2 * i + 1];
    }
  }
  if (area >= 0) {
    rings_path(cr, g);
    return;
  }
  for (size_t p = 0; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    size_t n = im_geom_part_size(g, p);
    if (!n)
      continue;
    cairo_move_to(cr, v[2 * (n - 1)], v[2 * (n - 1) + 1]);
    for (size_t i = n - 1; i-- > 0;)
      cairo_line_to(cr, v[2 * i], v[2 * i + 1]);
    cairo_close_path(cr);
  }
}

/* Lines k * spacing from the origin along the normal of the hatch direction,
 * each long enough to cross box; the caller clips them to the polygon. */
static void hatch_lines(cairo_t *cr, im_bbox box, double angle_deg, double spacing) {
  double a = angle_deg * M_PI / 180;
  /* y grows downwards on the page, so counter-clockwise flips sin. */
  double dx = cos(a), dy = -sin(a), nx = -dy, ny = dx;
  double cx[4] = {box.minx, box.maxx, box.maxx, box.minx}, cy[4] = {box.miny, box.miny, box.maxy, box.maxy};
  double n0 = INFINITY, n1 = -INFINITY, t0 = INFINITY, t1 = -INFINITY;
  for (int i = 0; i < 4; i++) {
    double pn = cx[i] * nx + cy[i] * ny, pt = cx[i] * dx + cy[i] * dy;
    n0 = fmin(n0, pn), n1 = fmax(n1, pn), t0 = fmin(t0, pt), t1 = fmax(t1, pt);
  }
  double k0 = floor(n0 / spacing), k1 = ceil(n1 / spacing);
  if (!isfinite(k0) || !isfinite(k1) || k1 - k0 > MAX_HATCH_LINES)
    return;
  for (double k = k0; k <= k1; k++) {
    double px = nx * k * spacing, py = ny * k * spacing;
    cairo_move_to(cr, px + dx * (t0 - 1), py + dy * (t0 - 1));
    cairo_line_to(cr, px + dx * (t1 + 1), py + dy * (t1 + 1));
  }
}

void im_fill_polygon(cairo_t *cr, const im_symbol_ctx *sc, const im_style *st, const im_geom *g,
                     const im_geom *outline) {
  double opacity = opacity_of(st);
  if (opacity <= 0)
    return;
  double hatch_w = im_symbol_len(sc, st->hatch.width), spacing = im_symbol_len(sc, st->hatch.spacing);
  bool fill = st->fill.a > 0 && g->nparts;
  bool hatch = (st->set & IM_STYLE_HATCH) && st->hatch.color.a > 0 && hatch_w > 0 && spacing > 0 && g->nparts &&
               isfinite(st->hatch.angle);
  line_spec ls;
  line_spec_init(&ls, sc, st);
  bool stroke = outline && outline->nparts && ls.lw > 0;
  if (!fill && !hatch && !stroke)
    return;
  im_bbox box = im_geom_bbox(g);
  if (stroke) {
    im_bbox ob = grow_box(im_geom_bbox(outline), im_symbol_margin(sc, st));
    box = g->nparts ? (im_bbox){fmin(box.minx, ob.minx), fmin(box.miny, ob.miny), fmax(box.maxx, ob.maxx),
                                fmax(box.maxy, ob.maxy)}
                    : ob;
  }
  bool group = begin_opacity(cr, opacity, box);
  cairo_save(cr);
  cairo_new_path(cr);
  cairo_set_fill_rule(cr, g->nonzero ? CAIRO_FILL_RULE_WINDING : CAIRO_FILL_RULE_EVEN_ODD);
  if (fill || hatch)
    rings_path(cr, g);
  if (fill) {
    set_color(cr, st->fill);
    cairo_fill_preserve(cr);
  }
  if (hatch) {
    cairo_save(cr);
    cairo_clip(cr);
    hatch_lines(cr, im_geom_bbox(g), st->hatch.angle, spacing);
    set_color(cr, st->hatch.color);
    cairo_set_line_width(cr, hatch_w);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_stroke(cr);
    cairo_restore(cr);
  }
  if (stroke && outline == g && fill && !hatch && g->nparts && ls.lw > 0) {
    /* The outline is the filled path itself: stroke it as it stands. A
     * fill followed by a stroke of the same path becomes one fill-and-stroke
     * in Cairo's SVG and PDF surfaces (one <path>, one "B" operator): half
     * the path data of a filled and outlined polygon. */
    set_color(cr, st->stroke_color);
    stroke_with(cr, &ls, ls.lw, true);
  } else {
    cairo_new_path(cr);
    if (stroke) {
      ls.cw = 0;
      ls.arrow_len = 0;
      stroke_lines(cr, &ls, st, outline, IM_ARROW_NONE);
    }
  }
  cairo_restore(cr);
  end_opacity(cr, group, opacity);
}

/* ---- margins ---- */

double im_symbol_margin(const im_symbol_ctx *sc, const im_style *st) {
  double reach = 0;
  if (im_symbol_len(sc, st->marker_size) > 0) {
    im_bbox b = im_marker_box(sc, st, 0, 0);
    reach = fmax(fmax(-b.minx, b.maxx), fmax(-b.miny, b.maxy));
  }
  line_spec ls;
  line_spec_init(&ls, sc, st);
  /* A miter reaches LINE_MITER_LIMIT / 2 widths from a vertex, a square
   * cap's corner sqrt(2) / 2. */
  double w = fmax(ls.lw, ls.cw);
  reach = fmax(reach, w * (ls.join == CAIRO_LINE_JOIN_MITER ? LINE_MITER_LIMIT / 2 : M_SQRT2 / 2));
  reach = fmax(reach, hypot(ls.arrow_w / 2, ls.arrow_len));
  return reach + 1; /* antialiasing */
}
