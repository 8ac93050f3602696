/* The graticule: meridians and parallels every N degrees, as curves in the
 * projection, stopping at the map's antimeridian; and their degree labels
 * at the frame's edges, at the end of their own line: outside the frame
 * where the margin holds them, else just inside with a halo. A label that
 * would touch another, a frame corner, an item of furniture or the page's
 * edge is left out.
 *
 * The lines do not go through the layers' pipeline (densify at 0.5°, then
 * join whatever projected): a projection can tear a line apart, and joining
 * across the tear draws a line that is not there. A transverse Mercator
 * (UTM) puts the far half of a meridian beyond the pole, so the chord from
 * its last point south of the equator to its first point north of it
 * crossed the map, and its degree value (a meridian 180° away) was printed
 * at the frame's edge. Here each line is sampled in longitude/latitude and
 * refined where the projected curve is not yet straight to a tolerance;
 * where it will not become straight however short the step (a tear), or
 * does not project, it is broken. Only the part of each line over the
 * frame's geographic footprint is sampled.
 *
 * Where a line meets the frame's edge is computed on those samples, every
 * time it crosses an edge (a line may meet an edge twice, or several
 * edges). Meridians are labelled on the top and bottom edges and parallels
 * on the sides; a line that meets neither of its own edges (a parallel
 * that leaves through the top of a conic map, a meridian of an oblique
 * projection) is labelled where it does meet the frame. A line meeting the
 * edge at less than 20° is not labelled there: which line a label belongs
 * to would not be clear. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "furniture/furniture-private.h"

#define GRAT_FONT "Noto Sans 6" /* the checklist's least print size */
/* Air between the frame's edge and a degree label, in points. */
#define GRAT_GAP_PT 2.0
/* First sampling step along a line, degrees; refined from there. */
#define GRAT_SAMPLE_DEG 0.5
/* A step this short that still jumps on the page is a tear. */
#define GRAT_MIN_STEP_DEG 1e-9
#define GRAT_MAX_DEPTH 48
/* sin(20°): the least angle between a labelled line and the edge. */
#define GRAT_MIN_SINE 0.342

/* ---- lines ---- */

typedef struct {
  double t;    /* along the line: the latitude of a meridian's point, the longitude of a parallel's */
  double x, y; /* on the page; NaN where it does not project, or a break */
} gsample;

typedef struct {
  im_page *pg;
  bool meridian;
  double fixed; /* the meridian's longitude, the parallel's latitude */
  double tol;   /* device units */
  gsample *pts;
  size_t n, cap;
  double *xy; /* scratch for PROJ */
  size_t cap_xy;
} gline;

static void to_page(const im_page *pg, double *xy, size_t n) {
  const im_frame *f = &pg->frame;
  for (size_t i = 0; i < n; i++) {
    double x = xy[2 * i], y = xy[2 * i + 1];
    xy[2 * i] = isfinite(x) && isfinite(y) ? pg->fx0 + (x - f->xmin) * pg->dev_per_unit_x : NAN;
    xy[2 * i + 1] = isfinite(x) && isfinite(y) ? pg->fy0 + (f->ymax - y) * pg->dev_per_unit_y : NAN;
  }
}

/* Projects the n samples at s (their t set) in one call. */
static bool project(gline *L, gsample *s, size_t n) {
  if (!im_grow((void **)&L->xy, &L->cap_xy, 2 * n, sizeof *L->xy))
    return false;
  for (size_t i = 0; i < n; i++) {
    L->xy[2 * i] = L->meridian ? L->fixed : s[i].t;
    L->xy[2 * i + 1] = L->meridian ? s[i].t : L->fixed;
  }
  im_transform_array(L->pg->geo2map, L->xy, n, false);
  im_xwrap_apply(L->pg->xwrap, L->xy, n);
  to_page(L->pg, L->xy, n);
  for (size_t i = 0; i < n; i++) {
    s[i].x = L->xy[2 * i];
    s[i].y = L->xy[2 * i + 1];
  }
  return true;
}

static bool push(gline *L, gsample s) {
  if (!im_grow((void **)&L->pts, &L->cap, L->n + 1, sizeof *L->pts))
    return false;
  L->pts[L->n++] = s;
  return true;
}

static bool push_break(gline *L) { return push(L, (gsample){NAN, NAN, NAN}); }

/* Both ends beyond one edge of the frame by more than their distance: no
 * curve between them that refining could find reaches the frame. */
static bool far_outside(const im_page *pg, const gsample *a, const gsample *b, double d) {
  double x0 = pg->fx0 - d, y0 = pg->fy0 - d, x1 = pg->fx0 + pg->fw + d, y1 = pg->fy0 + pg->fh + d;
  return (a->x < x0 && b->x < x0) || (a->x > x1 && b->x > x1) || (a->y < y0 && b->y < y0) || (a->y > y1 && b->y > y1);
}

/* Adds the samples strictly between a and b: halves the step until the
 * curve is straight to tol; breaks the line where it tears or does not
 * project. */
static bool refine(gline *L, gsample a, gsample b, int depth) {
  bool fa = isfinite(a.x), fb = isfinite(b.x);
  if (!fa && !fb)
    return true;
  double dt = b.t - a.t;
  gsample m = {a.t + dt / 2, NAN, NAN};
  if (fa != fb) {
    /* Close in on the last point that projects (a horizon, an edge of
     * the projection's domain); the NaN sample itself breaks the line. */
    if (fabs(dt) < 1e-6 || depth >= GRAT_MAX_DEPTH)
      return true;
    return project(L, &m, 1) && refine(L, a, m, depth + 1) && push(L, m) && refine(L, m, b, depth + 1);
  }
  double dx = b.x - a.x, dy = b.y - a.y, chord = hypot(dx, dy);
  if (chord <= L->tol || far_outside(L->pg, &a, &b, chord))
    return true;
  if (fabs(dt) < GRAT_MIN_STEP_DEG || depth >= GRAT_MAX_DEPTH)
    return push_break(L); /* a tear: the line does not go on across it */
  if (!project(L, &m, 1))
    return false;
  if (isfinite(m.x)) {
    /* Straight: the middle is on the chord, and near its middle (a tear
     * along the line's own direction puts it near one end). */
    double dev = fabs((m.x - a.x) * dy - (m.y - a.y) * dx) / chord;
    double off = hypot(m.x - (a.x + b.x) / 2, m.y - (a.y + b.y) / 2);
    if (dev <= L->tol && off <= 0.25 * chord)
      return true;
  }
  return refine(L, a, m, depth + 1) && push(L, m) && refine(L, m, b, depth + 1);
}

static bool add_crossing(im_furniture_state *s, im_grat_crossing c) {
  if (!im_grow((void **)&s->crossings, &s->cap_crossings, s->ncrossings + 1, sizeof *s->crossings))
    return false;
  s->crossings[s->ncrossings++] = c;
  return true;
}

/* Where the segment a-b crosses the frame's edges. */
static bool segment_crossings(gline *L, const gsample *a, const gsample *b) {
  const im_page *pg = L->pg;
  double x0 = pg->fx0, y0 = pg->fy0, x1 = pg->fx0 + pg->fw, y1 = pg->fy0 + pg->fh;
  /* Per edge: across (y) or down (x), its level, which side is out. */
  const struct {
    bool horizontal;
    double level;
    int out;
  } edges[4] = {{true, y0, -1}, {false, x1, 1}, {true, y1, 1}, {false, x0, -1}};
  for (int e = 0; e < 4; e++) {
    double va = edges[e].horizontal ? a->y : a->x, vb = edges[e].horizontal ? b->y : b->x, lv = edges[e].level;
    bool oa = edges[e].out < 0 ? va < lv : va > lv, ob = edges[e].out < 0 ? vb < lv : vb > lv;
    if (oa == ob)
      continue;
    double u = (lv - va) / (vb - va);
    double cx = a->x + u * (b->x - a->x), cy = a->y + u * (b->y - a->y);
    double along = edges[e].horizontal ? cx : cy, lo = edges[e].horizontal ? x0 : y0,
           hi = edges[e].horizontal ? x1 : y1;
    if (along < lo || along > hi)
      continue;
    double len = hypot(b->x - a->x, b->y - a->y), sign = oa ? -1 : 1;
    im_grat_crossing c = {.x = edges[e].horizontal ? cx : lv,
                          .y = edges[e].horizontal ? lv : cy,
                          .edge = e,
                          .value = L->fixed,
                          .meridian = L->meridian,
                          .ox = sign * (b->x - a->x) / len,
                          .oy = sign * (b->y - a->y) / len};
    if (!add_crossing(pg->furniture, c))
      return false;
  }
  return true;
}

/* Which of a line's crossings get a label: those on its own edges (top and
 * bottom for a meridian, the sides for a parallel), else, when it meets
 * none of those, wherever it meets the frame; never where it meets the edge
 * at a glancing angle. */
static void choose_labelled(im_furniture_state *s, size_t first) {
  bool own = false;
  for (size_t i = first; i < s->ncrossings; i++) {
    im_grat_crossing *c = &s->crossings[i];
    double across = c->edge % 2 ? fabs(c->ox) : fabs(c->oy);
    c->labelled = across >= GRAT_MIN_SINE;
    own = own || (c->labelled && c->meridian == (c->edge % 2 == 0));
  }
  for (size_t i = first; own && i < s->ncrossings; i++)
    if (s->crossings[i].meridian != (s->crossings[i].edge % 2 == 0))
      s->crossings[i].labelled = false;
}

/* One line from t0 to t1 (degrees) onto the page: drawn parts into the
 * graticule, crossings with the frame's edges noted. */
static bool add_line(gline *L, im_geom *raw, im_geom *clipped, double t0, double t1) {
  im_page *pg = L->pg;
  im_furniture_state *s = pg->furniture;
  size_t n0 = (size_t)ceil((t1 - t0) / GRAT_SAMPLE_DEG - 1e-9) + 1, first = s->ncrossings;
  if (n0 < 2)
    n0 = 2;
  gsample *init = im_malloc_array(n0, sizeof *init);
  if (!init)
    return false;
  for (size_t i = 0; i < n0; i++)
    init[i].t = i + 1 == n0 ? t1 : t0 + (t1 - t0) * (double)i / (double)(n0 - 1);
  L->n = 0;
  bool ok = project(L, init, n0) && push(L, init[0]);
  for (size_t i = 0; ok && i + 1 < n0; i++)
    ok = refine(L, init[i], init[i + 1], 0) && push(L, init[i + 1]);
  free(init);
  im_geom_reset(raw, IM_GEOM_LINE);
  for (size_t i = 0; ok && i < L->n; i++) {
    const gsample *p = &L->pts[i];
    if (!isfinite(p->x))
      continue;
    if (i == 0 || !isfinite(L->pts[i - 1].x))
      ok = im_geom_begin_part(raw);
    else
      ok = segment_crossings(L, &L->pts[i - 1], p);
    ok = ok && im_geom_add_point(raw, p->x, p->y);
  }
  if (!ok)
    return false;
  choose_labelled(s, first);
  /* Drawn: simplified like the layers, clipped to the frame (and a little
   * more, so line ends stay under the frame line). */
  im_geom_simplify_to(raw, pg->simplify_tol, pg->simplify_line);
  double m = 2 * pg->dev_per_pt;
  if (!im_geom_clip(raw, (im_bbox){pg->fx0 - m, pg->fy0 - m, pg->fx0 + pg->fw + m, pg->fy0 + pg->fh + m}, clipped))
    return false;
  for (size_t p = 0; p < clipped->nparts; p++) {
    size_t a = clipped->parts[p], n = im_geom_part_size(clipped, p);
    if (n < 2)
      continue;
    if (!im_geom_begin_part(&s->grat))
      return false;
    for (size_t i = 0; i < n; i++)
      if (!im_geom_add_point(&s->grat, clipped->xy[2 * (a + i)], clipped->xy[2 * (a + i) + 1]))
        return false;
  }
  return true;
}

/* The frame's footprint as longitude intervals relative to the central
 * meridian (within -180 .. 180) and a latitude range. */
typedef struct {
  double lo[4], hi[4];
  size_t n;
  double south, north;
} footprint;

static void footprint_of(const im_page *pg, footprint *fp) {
  const im_layer_query *q = pg->query;
  fp->n = 0;
  fp->south = -90;
  fp->north = 90;
  if (pg->query_all || !q->nboxes) {
    fp->lo[0] = -180, fp->hi[0] = 180, fp->n = 1;
    return;
  }
  fp->south = 90, fp->north = -90;
  for (size_t i = 0; i < q->nboxes && i < 2; i++) {
    const im_bbox *b = &q->boxes[i];
    fp->south = fmin(fp->south, b->miny);
    fp->north = fmax(fp->north, b->maxy);
    double a = fmod(b->minx - pg->lon0 + 540, 360) - 180, w = b->maxx - b->minx;
    if (w >= 360) {
      fp->lo[0] = -180, fp->hi[0] = 180, fp->n = 1;
      continue;
    }
    if (fp->n >= 3)
      continue;
    if (a + w <= 180) {
      fp->lo[fp->n] = a, fp->hi[fp->n++] = a + w;
    } else {
      fp->lo[fp->n] = a, fp->hi[fp->n++] = 180;
      fp->lo[fp->n] = -180, fp->hi[fp->n++] = a + w - 360;
    }
  }
}

bool im_graticule_build(im_page *pg) {
  const im_graticule *g = &pg->furniture->fu->graticule;
  footprint fp = {0};
  footprint_of(pg, &fp);
  gline L = {.pg = pg, .tol = pg->simplify_tol};
  im_geom raw, clipped;
  im_geom_init(&raw, IM_GEOM_LINE);
  im_geom_init(&clipped, IM_GEOM_LINE);
  bool ok = true;
  /* Meridians over the footprint, but not the map's antimeridian, where
   * the map itself is cut. */
  double lon0 = pg->lon0, step = g->lon_step, edge = 1e-7;
  long k0 = (long)ceil((lon0 - 180) / step - 1e-9), k1 = (long)floor((lon0 + 180) / step + 1e-9);
  L.meridian = true;
  for (long k = k0; ok && k <= k1; k++) {
    double lon = k * step, rel = lon - lon0;
    if (fabs(fabs(rel) - 180) < 1e-9)
      continue;
    bool seen = false;
    for (size_t i = 0; i < fp.n; i++)
      seen = seen || (rel >= fp.lo[i] && rel <= fp.hi[i]);
    if (!seen)
      continue;
    L.fixed = lon;
    ok = add_line(&L, &raw, &clipped, fp.south, fp.north);
  }
  /* Parallels (not the poles), over each longitude interval, inside the
   * antimeridian. */
  step = g->lat_step;
  L.meridian = false;
  for (long k = (long)ceil(-90 / step + 1e-9); ok && k * step < 90 - 1e-9; k++) {
    double lat = k * step;
    if (lat < fp.south || lat > fp.north)
      continue;
    L.fixed = lat;
    for (size_t i = 0; ok && i < fp.n; i++)
      ok = add_line(&L, &raw, &clipped, lon0 + fmax(fp.lo[i], -180 + edge), lon0 + fmin(fp.hi[i], 180 - edge));
  }
  free(L.pts);
  free(L.xy);
  im_geom_free(&raw);
  im_geom_free(&clipped);
  return ok;
}

void im_graticule_draw_lines(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  const im_graticule *g = &s->fu->graticule;
  if (!s->grat.nparts)
    return;
  im_style st;
  im_style_init_defaults(&st);
  st.set = IM_STYLE_STROKE_COLOR | IM_STYLE_STROKE_WIDTH;
  st.stroke_color = g->color;
  st.stroke_width = g->width;
  st.cap = IM_CAP_BUTT;
  st.join = IM_JOIN_ROUND;
  st.opacity = 1;
  cairo_save(pg->cr);
  cairo_rectangle(pg->cr, pg->fx0, pg->fy0, pg->fw, pg->fh);
  cairo_clip(pg->cr);
  if (pg->globe) {
    /* Inside the projection's outline only (render/globe.c). */
    im_render_globe_path(pg->cr, pg->globe);
    cairo_clip(pg->cr);
  }
  im_stroke_lines(pg->cr, pg->symbols, &st, &s->grat);
  cairo_restore(pg->cr);
  im_style_clear(&st);
}

/* ---- labels ---- */

/* 70°W, 15°S, 0°, 180°; minutes when the step has them (or asked). */
static void format_degrees(double v, bool lon, bool minutes, char *buf, size_t size) {
  if (lon) {
    v = fmod(v, 360);
    if (v > 180)
      v -= 360;
    if (v <= -180)
      v += 360;
  }
  double a = fabs(v);
  int d = (int)floor(a + 1e-9), m = (int)lround((a - d) * 60);
  if (m == 60)
    d++, m = 0;
  const char *hemi = "";
  if (a > 1e-9 && !(lon && fabs(a - 180) < 1e-9))
    hemi = lon ? (v < 0 ? "W" : "E") : (v < 0 ? "S" : "N");
  if (minutes || m)
    snprintf(buf, size, "%d\xc2\xb0%02d\xe2\x80\xb2%s", d, m, hemi);
  else
    snprintf(buf, size, "%d\xc2\xb0%s", d, hemi);
}

static bool overlaps(im_bbox a, im_bbox b, double pad) {
  return a.minx < b.maxx + pad && b.minx < a.maxx + pad && a.miny < b.maxy + pad && b.miny < a.maxy + pad;
}

/* Labels on their own edges first (they win a place over the others),
 * then by edge and along it. */
static int cmp_crossing(const void *a, const void *b) {
  const im_grat_crossing *x = a, *y = b;
  bool ox = x->meridian == (x->edge % 2 == 0), oy = y->meridian == (y->edge % 2 == 0);
  if (ox != oy)
    return ox ? -1 : 1;
  if (x->edge != y->edge)
    return x->edge < y->edge ? -1 : 1;
  double u = x->edge % 2 ? x->y : x->x, v = y->edge % 2 ? y->y : y->x;
  return u < v ? -1 : u > v;
}

static bool want_minutes(const im_graticule *g) {
  return g->minutes || fmod(g->lon_step, 1) > 1e-9 || fmod(g->lat_step, 1) > 1e-9;
}

void im_graticule_bands(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  const im_graticule *g = &s->fu->graticule;
  double pt = pg->dev_per_pt;
  double need[4] = {0}, room[4] = {pg->fy0, pg->dev_w - pg->fx0 - pg->fw, pg->dev_h - pg->fy0 - pg->fh, pg->fx0};
  bool minutes = want_minutes(g);
  for (size_t i = 0; i < s->ncrossings; i++) {
    const im_grat_crossing *c = &s->crossings[i];
    if (!c->labelled)
      continue;
    char text[24];
    format_degrees(c->value, c->meridian, minutes, text, sizeof text);
    PangoLayout *l = im_ftext_layout(pg, text, g->font, GRAT_FONT, 0, PANGO_ALIGN_LEFT, false);
    double w, h;
    im_ftext_size(l, &w, &h);
    g_object_unref(l);
    need[c->edge] = fmax(need[c->edge], (c->edge % 2 ? w : h) + GRAT_GAP_PT * pt);
  }
  for (int e = 0; e < 4; e++) {
    s->grat_outside[e] = need[e] > 0 && (g->label_placement == IM_PLACE_OUTSIDE ||
                                         (g->label_placement == IM_PLACE_AUTO && room[e] >= need[e] + pt));
    s->grat_band[e] = s->grat_outside[e] ? need[e] : 0;
  }
}

/* The box of a w x h label for crossing c: gap beside the edge (out:
 * beyond it), centred on the crossing. */
static im_bbox label_box(const im_grat_crossing *c, bool out, double w, double h, double gap) {
  double dir = out ? 1 : -1, d = gap + (c->edge % 2 ? w : h) / 2; /* from the edge to the label's middle */
  double cx = c->edge % 2 == 0 ? c->x : c->edge == 1 ? c->x + dir * d : c->x - dir * d;
  double cy = c->edge % 2 == 1 ? c->y : c->edge == 0 ? c->y - dir * d : c->y + dir * d;
  return (im_bbox){cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
}

bool im_graticule_place_labels(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  const im_graticule *g = &s->fu->graticule;
  double pt = pg->dev_per_pt, gap = GRAT_GAP_PT * pt, label_h = 0;
  bool minutes = want_minutes(g);
  bool *outside = s->grat_outside;
  if (s->ncrossings > 1) /* none when no line crosses the frame: qsort wants an array */
    qsort(s->crossings, s->ncrossings, sizeof *s->crossings, cmp_crossing);
  PangoLayout *probe = im_ftext_layout(pg, "0\xc2\xb0N", g->font, GRAT_FONT, 0, PANGO_ALIGN_LEFT, false);
  double probe_w;
  im_ftext_size(probe, &probe_w, &label_h);
  g_object_unref(probe);
  /* The frame's corners stay clear: no label within this of one. */
  double corner = 1.2 * label_h + gap;
  double cxs[2] = {pg->fx0, pg->fx0 + pg->fw}, cys[2] = {pg->fy0, pg->fy0 + pg->fh};
  for (size_t i = 0; i < s->ncrossings; i++) {
    const im_grat_crossing *c = &s->crossings[i];
    if (!c->labelled)
      continue;
    char text[24];
    format_degrees(c->value, c->meridian, minutes, text, sizeof text);
    PangoLayout *l = im_ftext_layout(pg, text, g->font, GRAT_FONT, 0, PANGO_ALIGN_LEFT, false);
    double w, h;
    im_ftext_size(l, &w, &h);
    bool out = outside[c->edge];
    im_bbox b = label_box(c, out, w, h, gap);
    bool ok = b.minx >= 0 && b.miny >= 0 && b.maxx <= pg->dev_w && b.maxy <= pg->dev_h;
    for (int a = 0; ok && a < 2; a++)
      for (int d = 0; ok && d < 2; d++)
        ok = !overlaps(b, (im_bbox){cxs[a] - corner, cys[d] - corner, cxs[a] + corner, cys[d] + corner}, 0);
    for (int k = 0; ok && k < IM_NITEMS; k++)
      ok = !s->items[k].present || !overlaps(b, s->items[k].box, pt);
    /* A label off its own edges keeps further from the others, so that
     * "60°S" is not read with the "120°W" beside it. */
    double pad = c->meridian == (c->edge % 2 == 0) ? 1.5 * pt : 6 * pt;
    for (size_t k = 0; ok && k < s->nglabels; k++)
      ok = !overlaps(b, s->glabels[k].box, pad);
    if (!ok || !im_grow((void **)&s->glabels, &s->cap_glabels, s->nglabels + 1, sizeof *s->glabels)) {
      g_object_unref(l);
      if (ok)
        return false;
      continue;
    }
    im_grat_label *gl = &s->glabels[s->nglabels++];
    *gl = (im_grat_label){.box = b, .layout = l, .inside = !out, .edge = c->edge, .ax = c->x, .ay = c->y};
    snprintf(gl->text, sizeof gl->text, "%s", text);
    im_labeler_add_obstacle(pg->labeler, b.minx, b.miny, b.maxx, b.maxy);
  }
  return true;
}

void im_graticule_draw_labels(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  const im_graticule *g = &s->fu->graticule;
  im_color halo = {1, 1, 1, 0.85};
  for (size_t i = 0; i < s->nglabels; i++) {
    const im_grat_label *gl = &s->glabels[i];
    im_ftext_draw(pg, gl->layout, gl->box.minx, gl->box.miny, g->label_color, gl->inside ? 1.0 * pg->dev_per_pt : 0,
                  halo, "graticule");
  }
}
