/* The graticule: meridians and parallels every N degrees, taken through the
 * same pipeline as the layers (antimeridian cut, densify, project, clip),
 * so they are curves in the projection and stop at the map's antimeridian;
 * and their degree labels at the frame's edges: longitudes on the top and
 * bottom edges, latitudes on the left and right, outside the frame where
 * the margin holds them, else just inside with a halo. A label that would
 * touch another, a frame corner, an item of furniture or the page's edge is
 * left out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem-private.h"
#include "furniture-private.h"

#define GRAT_FONT "Noto Sans 5.5"

static bool add_crossing(im_furniture_state *s, double x, double y, int edge, double value, bool meridian) {
  if (!im_grow((void **)&s->crossings, &s->cap_crossings, s->ncrossings + 1, sizeof *s->crossings))
    return false;
  s->crossings[s->ncrossings++] = (im_grat_crossing){x, y, edge, value, meridian};
  return true;
}

/* Which frame edge (x, y) lies on, or -1. */
static int edge_of(const im_render_ctx *rc, double x, double y) {
  double eps = 0.01 * rc->dev_per_pt;
  if (fabs(y - rc->fy0) < eps)
    return 0;
  if (fabs(x - (rc->fx0 + rc->fw)) < eps)
    return 1;
  if (fabs(y - (rc->fy0 + rc->fh)) < eps)
    return 2;
  if (fabs(x - rc->fx0) < eps)
    return 3;
  return -1;
}

/* One graticule line (lon/lat) onto the page: its parts are added to the
 * graticule and their ends on the frame's edge noted. */
static bool add_line(im_render_ctx *rc, im_geom *ll, im_geom *dev, double value, bool meridian) {
  im_furniture_state *s = rc->furniture;
  size_t lost = 0;
  if (!im_render_prepare(rc, ll, false, 0, dev, &lost))
    return false;
  for (size_t p = 0; p < dev->nparts; p++) {
    size_t a = dev->parts[p], n = im_geom_part_size(dev, p);
    if (n < 2)
      continue;
    if (!im_geom_begin_part(&s->grat))
      return false;
    for (size_t i = 0; i < n; i++)
      if (!im_geom_add_point(&s->grat, dev->xy[2 * (a + i)], dev->xy[2 * (a + i) + 1]))
        return false;
    for (int end = 0; end < 2; end++) {
      size_t i = end ? a + n - 1 : a;
      double x = dev->xy[2 * i], y = dev->xy[2 * i + 1];
      int edge = edge_of(rc, x, y);
      if (edge >= 0 && !add_crossing(s, x, y, edge, value, meridian))
        return false;
    }
  }
  return true;
}

bool im_graticule_build(im_render_ctx *rc) {
  const im_graticule *g = &rc->furniture->fu->graticule;
  im_geom ll, dev;
  im_geom_init(&ll, IM_GEOM_LINE);
  im_geom_init(&dev, IM_GEOM_LINE);
  bool ok = true;
  /* Meridians over the map's whole longitude range, but not its
   * antimeridian, where the map itself is cut. */
  double lon0 = rc->lon0, step = g->lon_step;
  long k0 = (long)ceil((lon0 - 180) / step - 1e-9), k1 = (long)floor((lon0 + 180) / step + 1e-9);
  for (long k = k0; ok && k <= k1; k++) {
    double lon = k * step;
    if (fabs(lon - (lon0 - 180)) < 1e-9 || fabs(lon - (lon0 + 180)) < 1e-9)
      continue;
    im_geom_reset(&ll, IM_GEOM_LINE);
    ok = im_geom_begin_part(&ll) && im_geom_add_point(&ll, lon, -90) && im_geom_add_point(&ll, lon, 90) &&
         add_line(rc, &ll, &dev, lon, true);
  }
  step = g->lat_step;
  for (long k = (long)ceil(-90 / step + 1e-9); ok && k * step < 90 - 1e-9; k++) {
    double lat = k * step;
    im_geom_reset(&ll, IM_GEOM_LINE);
    /* Vertices every 10° (densify makes the rest): one segment all the way
     * round would be taken for a step across the antimeridian. */
    ok = im_geom_begin_part(&ll);
    for (int i = 0; ok && i <= 36; i++)
      ok = im_geom_add_point(&ll, lon0 - 180 + 1e-7 + i * (360 - 2e-7) / 36, lat);
    ok = ok && add_line(rc, &ll, &dev, lat, false);
  }
  im_geom_free(&ll);
  im_geom_free(&dev);
  return ok;
}

void im_graticule_draw_lines(im_render_ctx *rc) {
  im_furniture_state *s = rc->furniture;
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
  cairo_save(rc->cr);
  cairo_rectangle(rc->cr, rc->fx0, rc->fy0, rc->fw, rc->fh);
  cairo_clip(rc->cr);
  im_stroke_lines(rc->cr, &rc->symbols, &st, &s->grat);
  cairo_restore(rc->cr);
  im_style_clear(&st);
}

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

static int cmp_crossing(const void *a, const void *b) {
  const im_grat_crossing *x = a, *y = b;
  if (x->edge != y->edge)
    return x->edge < y->edge ? -1 : 1;
  double u = x->edge % 2 ? x->y : x->x, v = y->edge % 2 ? y->y : y->x;
  return u < v ? -1 : u > v;
}

static bool want_minutes(const im_graticule *g) {
  return g->minutes || fmod(g->lon_step, 1) > 1e-9 || fmod(g->lat_step, 1) > 1e-9;
}

/* Air between the frame's edge and a degree label, in points. */
#define GRAT_GAP_PT 2.0

void im_graticule_bands(im_render_ctx *rc) {
  im_furniture_state *s = rc->furniture;
  const im_graticule *g = &s->fu->graticule;
  double pt = rc->dev_per_pt;
  double need[4] = {0}, room[4] = {rc->fy0, rc->dev_w - rc->fx0 - rc->fw, rc->dev_h - rc->fy0 - rc->fh, rc->fx0};
  bool minutes = want_minutes(g);
  for (size_t i = 0; i < s->ncrossings; i++) {
    const im_grat_crossing *c = &s->crossings[i];
    if (c->meridian != (c->edge % 2 == 0))
      continue;
    char text[24];
    format_degrees(c->value, c->meridian, minutes, text, sizeof text);
    PangoLayout *l = im_ftext_layout(rc, text, g->font, GRAT_FONT, 0, PANGO_ALIGN_LEFT, false);
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

bool im_graticule_place_labels(im_render_ctx *rc) {
  im_furniture_state *s = rc->furniture;
  const im_graticule *g = &s->fu->graticule;
  double pt = rc->dev_per_pt, gap = GRAT_GAP_PT * pt, label_h = 0;
  bool minutes = want_minutes(g);
  bool *outside = s->grat_outside;
  qsort(s->crossings, s->ncrossings, sizeof *s->crossings, cmp_crossing);
  PangoLayout *probe = im_ftext_layout(rc, "0\xc2\xb0N", g->font, GRAT_FONT, 0, PANGO_ALIGN_LEFT, false);
  double probe_w;
  im_ftext_size(probe, &probe_w, &label_h);
  g_object_unref(probe);
  /* The frame's corners stay clear: no label within this of one. */
  double corner = 1.2 * label_h + gap;
  double cxs[2] = {rc->fx0, rc->fx0 + rc->fw}, cys[2] = {rc->fy0, rc->fy0 + rc->fh};
  for (size_t i = 0; i < s->ncrossings; i++) {
    const im_grat_crossing *c = &s->crossings[i];
    if (c->meridian != (c->edge % 2 == 0))
      continue; /* meridians on the top and bottom, parallels on the sides */
    char text[24];
    format_degrees(c->value, c->meridian, minutes, text, sizeof text);
    PangoLayout *l = im_ftext_layout(rc, text, g->font, GRAT_FONT, 0, PANGO_ALIGN_LEFT, false);
    double w, h;
    im_ftext_size(l, &w, &h);
    bool out = outside[c->edge];
    im_bbox b;
    switch (c->edge) {
    case 0:
      b.miny = out ? c->y - gap - h : c->y + gap;
      b.minx = c->x - w / 2;
      break;
    case 2:
      b.miny = out ? c->y + gap : c->y - gap - h;
      b.minx = c->x - w / 2;
      break;
    case 1:
      b.minx = out ? c->x + gap : c->x - gap - w;
      b.miny = c->y - h / 2;
      break;
    default:
      b.minx = out ? c->x - gap - w : c->x + gap;
      b.miny = c->y - h / 2;
      break;
    }
    b.maxx = b.minx + w;
    b.maxy = b.miny + h;
    bool ok = b.minx >= 0 && b.miny >= 0 && b.maxx <= rc->dev_w && b.maxy <= rc->dev_h;
    for (int a = 0; ok && a < 2; a++)
      for (int d = 0; ok && d < 2; d++)
        ok = !overlaps(b, (im_bbox){cxs[a] - corner, cys[d] - corner, cxs[a] + corner, cys[d] + corner}, 0);
    for (int k = 0; ok && k < IM_NITEMS; k++)
      ok = !s->items[k].present || !overlaps(b, s->items[k].box, pt);
    for (size_t k = 0; ok && k < s->nglabels; k++)
      ok = !overlaps(b, s->glabels[k].box, 1.5 * pt);
    if (!ok || !im_grow((void **)&s->glabels, &s->cap_glabels, s->nglabels + 1, sizeof *s->glabels)) {
      g_object_unref(l);
      if (ok)
        return false;
      continue;
    }
    im_grat_label *gl = &s->glabels[s->nglabels++];
    *gl = (im_grat_label){.box = b, .layout = l, .inside = !out};
    snprintf(gl->text, sizeof gl->text, "%s", text);
    im_labeler_add_obstacle(rc->labeler, b.minx, b.miny, b.maxx, b.maxy);
  }
  return true;
}

void im_graticule_draw_labels(im_render_ctx *rc) {
  im_furniture_state *s = rc->furniture;
  const im_graticule *g = &s->fu->graticule;
  im_color halo = {1, 1, 1, 0.85};
  for (size_t i = 0; i < s->nglabels; i++) {
    const im_grat_label *gl = &s->glabels[i];
    im_ftext_draw(rc, gl->layout, gl->box.minx, gl->box.miny, g->label_color, gl->inside ? 1.0 * rc->dev_per_pt : 0,
                  halo, "graticule");
  }
}
