/* annotations: free text on the map (spec-annotations.c reads them): set
 * at its place, beside it (offset:) or at a page position, with an arrow
 * or a plain leader to the place, a halo and a box. Drawn with the other
 * furniture, before the labels are placed: its box and its leader are
 * label obstacles, so no label covers the story the callout tells. */
#include <math.h>
#include <string.h>

#include "furniture/furniture-private.h"
#include "spec/filter-private.h"
#include "influmap/filter.h"
#include "render/style-resolve-private.h"
#include "render/symbols-private.h"

#define DEFAULT_FONT "Noto Sans 7"
#define LEADER_PT 0.6 /* the leader's width */
#define CASING_PT 0.8 /* white either side of it, over busy ground */
#define ARROW_PT 4.0  /* the arrowhead's length */
#define GAP_PT 0.8    /* between the tip and the place (a mark's edge): the mark stays whole */
#define PAD_PT 2.0    /* inside the box */

/* Where the segment from the box's centre (cx, cy) to (px, py) leaves the
 * box of half-size (hw, hh); false when the point is inside the box. */
static bool box_exit(double cx, double cy, double hw, double hh, double px, double py, double *ex, double *ey) {
  double dx = px - cx, dy = py - cy;
  double t = INFINITY;
  if (dx != 0)
    t = fmin(t, hw / fabs(dx));
  if (dy != 0)
    t = fmin(t, hh / fabs(dy));
  if (!(t < 1))
    return false;
  *ex = cx + dx * t;
  *ey = cy + dy * t;
  return true;
}

static void leader_path(cairo_t *cr, double x0, double y0, double x1, double y1) {
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
}

/* The leader from (x0, y0) to the tip (x1, y1), cased in white; with an
 * arrowhead at the tip. Obstacles along it every few points. */
static void draw_leader(im_page *pg, const im_annotation *a, double x0, double y0, double x1, double y1) {
  cairo_t *cr = pg->cr;
  double pt = pg->dev_per_pt, len = hypot(x1 - x0, y1 - y0);
  if (!(len > 0))
    return;
  double ux = (x1 - x0) / len, uy = (y1 - y0) / len;
  bool arrow = a->leader == IM_LEADER_ARROW;
  double head = arrow ? fmin(ARROW_PT * pt, len / 2) : 0;
  /* The line stops where the arrowhead starts, so its end stays hidden. */
  double lx = x1 - ux * head * 0.8, ly = y1 - uy * head * 0.8;
  cairo_save(cr);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
  cairo_set_line_width(cr, (LEADER_PT + 2 * CASING_PT) * pt);
  leader_path(cr, x0, y0, lx, ly);
  cairo_stroke(cr);
  im_color c = a->color;
  cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
  cairo_set_line_width(cr, LEADER_PT * pt);
  leader_path(cr, x0, y0, lx, ly);
  cairo_stroke(cr);
  if (arrow) {
    double bx = x1 - ux * head, by = y1 - uy * head, half = head * 0.45;
    cairo_move_to(cr, x1, y1);
    cairo_line_to(cr, bx - uy * half, by + ux * half);
    cairo_line_to(cr, bx + uy * half, by - ux * half);
    cairo_close_path(cr);
    cairo_fill(cr);
  }
  cairo_restore(cr);
  double r = (LEADER_PT / 2 + CASING_PT) * pt, step = 2 * r;
  for (double s = 0; s <= len; s += step) {
    double x = x0 + ux * s, y = y0 + uy * s;
    im_labeler_add_obstacle(pg->labeler, x - r, y - r, x + r, y + r);
  }
}

bool im_annotations_note(im_page *pg, size_t li, const im_layer_style *ls, const struct im_resolver *res,
                         const im_feature *f, const im_style *st, const im_geom *drawn) {
  im_furniture_state *s = pg->furniture;
  const im_furniture *fu = s->fu;
  for (size_t i = 0; i < fu->nannotations; i++) {
    const im_annotation *a = &fu->annotations[i];
    struct im_annotation_mark *m = &s->marks[i];
    if (!a->mark_layer || strcmp(a->mark_layer, ls->id) || f->geom.kind != IM_GEOM_POINT || drawn->npoints < 1)
      continue;
    if (m->bound != (long)li) {
      size_t n;
      const im_field *fields = im_resolver_label_fields(res, &n);
      im_error scratch;
      im_filter_free(m->where);
      m->where = NULL;
      m->bad =
          im_filter_copy_bound(a->mark_where, fields, n ? n - 1 : 0, ls->source, &m->where, &scratch) != IM_STATUS_OK;
      m->bound = (long)li;
    }
    if (m->bad || !m->where || !im_filter_eval(m->where, f->values))
      continue;
    if (!m->found++) {
      m->x = drawn->xy[0];
      m->y = drawn->xy[1];
      im_bbox b = im_marker_box(pg->symbols, st, m->x, m->y);
      m->r = (b.maxx - b.minx) / 2;
    }
  }
  return true;
}

im_status im_annotations_draw(im_page *pg, im_error *err) {
  const im_furniture *fu = pg->furniture->fu;
  double pt = pg->dev_per_pt;
  for (size_t i = 0; i < fu->nannotations; i++) {
    const im_annotation *a = &fu->annotations[i];
    double px = 0, py = 0, mark_r = 0;
    bool placed = a->has_place && im_furniture_to_device(pg, a->lon, a->lat, &px, &py);
    if (a->has_place && !placed) {
      im_warn("annotation \"%.40s\": its place (%g, %g) is not on the map; not drawn", a->text, a->lon, a->lat);
      continue;
    }
    if (a->mark_layer) {
      const struct im_annotation_mark *m = &pg->furniture->marks[i];
      if (m->found != 1)
        return im_error_set(err, IM_STATUS_INPUT, a->file, a->mark_pos.line, a->mark_pos.column,
                            "annotation mark: %zu points of layer %s drawn in the frame meet \"%s\"; it must be one "
                            "(a field it names may not be in the layer)",
                            m->found, a->mark_layer, a->mark_text);
      px = m->x, py = m->y, mark_r = m->r;
      placed = true;
    }
    PangoLayout *layout =
        im_ftext_layout(pg, a->text, a->font, DEFAULT_FONT, im_furniture_len(pg, a->width), PANGO_ALIGN_LEFT, true);
    if (!layout)
      return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory drawing an annotation");
    double w, h;
    im_ftext_size(layout, &w, &h);
    double pad = (a->box ? PAD_PT : 0) * pt + (a->box ? 0 : im_furniture_len(pg, a->halo_width));
    double bw = w + 2 * pad, bh = h + 2 * pad, cx = px, cy = py;
    if (a->where == IM_ANNOTATION_OFFSET) {
      cx = px + im_furniture_len(pg, a->dx);
      cy = py + im_furniture_len(pg, a->dy);
    } else if (a->where == IM_ANNOTATION_PAGE) {
      cx = pg->fx0 + im_furniture_len(pg, a->dx) + bw / 2;
      cy = pg->fy0 + im_furniture_len(pg, a->dy) + bh / 2;
    }
    /* Inside the frame, whatever the offset: a callout cut by the frame
     * tells half its story. */
    double m = pt;
    cx = fmax(pg->fx0 + m + bw / 2, fmin(cx, pg->fx0 + pg->fw - m - bw / 2));
    cy = fmax(pg->fy0 + m + bh / 2, fmin(cy, pg->fy0 + pg->fh - m - bh / 2));
    double x0 = cx - bw / 2, y0 = cy - bh / 2, ex, ey;
    if (placed && a->where != IM_ANNOTATION_AT && a->leader != IM_LEADER_NONE &&
        box_exit(cx, cy, bw / 2, bh / 2, px, py, &ex, &ey)) {
      double len = hypot(px - ex, py - ey), gap = GAP_PT * pt + mark_r;
      if (len > gap + pt)
        draw_leader(pg, a, ex, ey, px - (px - ex) / len * gap, py - (py - ey) / len * gap);
    }
    cairo_t *cr = pg->cr;
    if (a->box) {
      cairo_save(cr);
      cairo_rectangle(cr, x0, y0, bw, bh);
      if (a->background.a > 0) {
        cairo_set_source_rgba(cr, a->background.r, a->background.g, a->background.b, a->background.a);
        cairo_fill_preserve(cr);
      }
      if (a->border.a > 0) {
        cairo_set_line_width(cr, 0.4 * pt);
        cairo_set_source_rgba(cr, a->border.r, a->border.g, a->border.b, a->border.a);
        cairo_stroke_preserve(cr);
      }
      cairo_new_path(cr);
      cairo_restore(cr);
    }
    im_ftext_draw(pg, layout, x0 + pad, y0 + pad, a->color, a->box ? 0 : im_furniture_len(pg, a->halo_width),
                  a->halo_color, "annotation");
    g_object_unref(layout);
    im_labeler_add_obstacle(pg->labeler, x0, y0, x0 + bw, y0 + bh);
  }
  return IM_STATUS_OK;
}
