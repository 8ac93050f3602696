/* Map furniture: the page layout (frame, margins) and the placing of the
 * items round or inside the frame. Each item is measured by its own file
 * (textblock.c, legend.c, scalebar.c, inset.c), then put in its slot: a
 * corner or edge of the frame (inside it, or outside in the margin) or of
 * the page. Items sharing a slot are stacked away from the corner. Every
 * box becomes an obstacle for labels; graticule labels keep clear of them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "furniture/furniture-private.h"
#include "influmap/filter.h"

double im_furniture_len(const im_page *pg, im_length len) {
  return im_length_to_pt(len, pg->frame.dpi) * pg->dev_per_pt;
}

bool im_furniture_to_lonlat(im_page *pg, double x, double y, double *lon, double *lat) {
  const im_frame *f = &pg->frame;
  double xy[2] = {f->xmin + (x - pg->fx0) / pg->dev_per_unit_x, f->ymax - (y - pg->fy0) / pg->dev_per_unit_y};
  if (im_transform_array(pg->geo2map, xy, 1, true) || !isfinite(xy[0]) || !isfinite(xy[1]))
    return false;
  *lon = xy[0];
  *lat = xy[1];
  return true;
}

bool im_furniture_to_device(im_page *pg, double lon, double lat, double *x, double *y) {
  const im_frame *f = &pg->frame;
  double xy[2] = {lon, lat};
  if (im_transform_array(pg->geo2map, xy, 1, false) || !isfinite(xy[0]) || !isfinite(xy[1]))
    return false;
  im_xwrap_apply(pg->xwrap, xy, 1);
  *x = pg->fx0 + (xy[0] - f->xmin) * pg->dev_per_unit_x;
  *y = pg->fy0 + (f->ymax - xy[1]) * pg->dev_per_unit_y;
  return true;
}

void im_furniture_draw_box(im_page *pg, const im_item *it) {
  if (!it->at->box || it->placement != IM_PLACE_INSIDE)
    return;
  cairo_t *cr = pg->cr;
  const im_bbox *b = &it->box;
  cairo_save(cr);
  cairo_rectangle(cr, b->minx, b->miny, b->maxx - b->minx, b->maxy - b->miny);
  im_color bg = it->at->background, bd = it->at->border;
  if (bg.a > 0) {
    cairo_set_source_rgba(cr, bg.r, bg.g, bg.b, bg.a);
    cairo_fill_preserve(cr);
  }
  if (bd.a > 0) {
    cairo_set_line_width(cr, 0.4 * pg->dev_per_pt);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_set_source_rgba(cr, bd.r, bd.g, bd.b, bd.a);
    cairo_stroke_preserve(cr);
  }
  cairo_new_path(cr);
  cairo_restore(cr);
}

void im_furniture_state_free(im_furniture_state *s) {
  if (!s)
    return;
  for (size_t i = 0; s->marks && i < s->fu->nannotations; i++)
    im_filter_free(s->marks[i].where);
  free(s->marks);
  for (int i = 0; i < IM_NITEMS; i++)
    if (s->items[i].layout)
      g_object_unref(s->items[i].layout);
  for (size_t i = 0; i < s->nentries; i++)
    im_legend_entry_clear(&s->entries[i]);
  free(s->entries);
  free(s->slots);
  free(s->layer_listed);
  free(s->layer_class);
  free(s->layer_field);
  free(s->layer_byfield);
  free(s->layer_nentries);
  for (size_t i = 0; i < s->nsizes; i++)
    im_legend_size_clear(&s->sizes[i]);
  free(s->sizes);
  im_geom_free(&s->grat);
  free(s->crossings);
  for (size_t i = 0; i < s->nglabels; i++)
    if (s->glabels[i].layout)
      g_object_unref(s->glabels[i].layout);
  free(s->glabels);
  if (s->pango)
    g_object_unref(s->pango);
  free(s);
}

static im_status oom(im_error *err) { return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory"); }

/* The page's margins: paper white (or left transparent when the map's
 * background is), and closed to labels. */
static void paint_margins(im_page *pg) {
  cairo_t *cr = pg->cr;
  /* Over a host's page, a transparent margin is the host's page. */
  bool paint = !(pg->over_host && pg->map->background.a < 1);
  cairo_save(cr);
  cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
  cairo_rectangle(cr, 0, 0, pg->dev_w, pg->dev_h);
  cairo_rectangle(cr, pg->fx0, pg->fy0, pg->fw, pg->fh);
  if (pg->map->background.a < 1) {
    cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR);
  } else {
    cairo_set_source_rgb(cr, 1, 1, 1);
  }
  if (paint)
    cairo_fill(cr);
  cairo_new_path(cr);
  cairo_restore(cr);
  double x1 = pg->fx0 + pg->fw, y1 = pg->fy0 + pg->fh;
  im_labeler_add_obstacle(pg->labeler, 0, 0, pg->dev_w, pg->fy0);
  im_labeler_add_obstacle(pg->labeler, 0, y1, pg->dev_w, pg->dev_h);
  im_labeler_add_obstacle(pg->labeler, 0, 0, pg->fx0, pg->dev_h);
  im_labeler_add_obstacle(pg->labeler, x1, 0, pg->dev_w, pg->dev_h);
}

/* Each feature drawn: the legend lists it, an annotation may point to it. */
static bool furniture_note(im_page *pg, size_t li, const im_layer_style *ls, const struct im_resolver *res,
                           const im_feature *f, const im_style *st, const im_geom *drawn) {
  return im_legend_note(pg, li, ls, res, f, st, drawn) && im_annotations_note(pg, li, ls, res, f, st, drawn);
}

static bool needs_state(const im_map *map) { return map->furniture || (map->title && *map->title); }

im_status im_furniture_begin(im_page *pg, im_error *err) {
  if (!needs_state(pg->map))
    return IM_STATUS_OK;
  im_furniture_state *s = calloc(1, sizeof *s);
  if (!s)
    return oom(err);
  pg->furniture = s;
  pg->note_drawn = furniture_note;
  pg->free_furniture = im_furniture_state_free;
  im_furniture_init(&s->defaults);
  s->fu = pg->map->furniture ? pg->map->furniture : &s->defaults;
  if (s->fu->nannotations) {
    if (!(s->marks = calloc(s->fu->nannotations, sizeof *s->marks)))
      return oom(err);
    for (size_t i = 0; i < s->fu->nannotations; i++)
      s->marks[i].bound = -1;
  }
  s->vector = pg->dev_w == pg->frame.width_pt && pg->dev_h == pg->frame.height_pt && pg->dev_per_pt == 1;
  im_geom_init(&s->grat, IM_GEOM_LINE);
  /* Per section of the legend (one without sections:) and layer. */
  /* With sections: one more, untitled, for layers none of them is by. */
  s->nsections = s->fu->legend.nsections ? s->fu->legend.nsections + 1 : 1;
  size_t n = pg->map->nlayers * s->nsections;
  if (n) {
    s->layer_listed = malloc(n);
    s->layer_class = im_malloc_array(n, sizeof *s->layer_class);
    s->layer_field = im_malloc_array(n, sizeof *s->layer_field);
    s->layer_byfield = im_malloc_array(n, sizeof *s->layer_byfield);
    s->layer_nentries = calloc(n, sizeof *s->layer_nentries);
    if (!s->layer_listed || !s->layer_class || !s->layer_field || !s->layer_byfield || !s->layer_nentries)
      return oom(err);
    memset(s->layer_listed, -1, n);
  }
  if (pg->clip_frame)
    paint_margins(pg);
  /* Labels that find no room become numbers listed in the key. */
  im_labeler_use_key(pg->labeler, s->fu->key.enabled);
  if (s->fu->graticule.enabled) {
    if (!im_graticule_build(pg))
      return oom(err);
    if (!s->fu->graticule.over)
      im_graticule_draw_lines(pg);
  }
  return IM_STATUS_OK;
}

/* ---- layout ---- */

static double margin_on(const im_page *pg, im_position p) {
  switch (p) {
  case IM_POS_TOP_LEFT:
  case IM_POS_TOP:
  case IM_POS_TOP_RIGHT:
    return pg->fy0;
  case IM_POS_BOTTOM_LEFT:
  case IM_POS_BOTTOM:
  case IM_POS_BOTTOM_RIGHT:
    return pg->dev_h - pg->fy0 - pg->fh;
  case IM_POS_LEFT:
    return pg->fx0;
  default:
    return pg->dev_w - pg->fx0 - pg->fw;
  }
}

static bool is_side(im_position p) { return p == IM_POS_LEFT || p == IM_POS_RIGHT; }
static bool is_top(im_position p) { return p <= IM_POS_TOP_RIGHT; }
static bool is_bottom(im_position p) { return p >= IM_POS_BOTTOM_LEFT; }

/* How far beyond the frame's edge an item outside it starts: past the
 * graticule's labels when they are in that margin. */
static double outside_offset(const im_page *pg, im_position p) {
  int edge = is_top(p) ? 0 : p == IM_POS_RIGHT ? 1 : is_bottom(p) ? 2 : 3;
  return IM_FURNITURE_OUTSIDE_PT * pg->dev_per_pt + pg->furniture->grat_band[edge];
}

/* Measures the present items. Text blocks with placement auto go outside
 * when the margin on their side still holds them, else inside. */
static bool measure(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  const im_furniture *fu = s->fu;
  double dpp = pg->dev_per_pt;
  double gap = IM_FURNITURE_GAP_PT * dpp, page = IM_FURNITURE_PAGE_PT * dpp;
  double used[8] = {0}; /* per position: the margin already taken by auto text */
  const im_text_block *blocks[4] = {&fu->title, &fu->subtitle, &fu->credits, &fu->disclaimer};
  for (int k = IM_ITEM_TITLE; k <= IM_ITEM_DISCLAIMER; k++) {
    im_item *it = &s->items[k];
    const im_text_block *t = blocks[k];
    it->at = &t->at;
    it->pad = 0;
    im_placement pl = t->at.placement;
    im_position p = t->at.position;
    double out = outside_offset(pg, p);
    double wrap = is_side(p) ? margin_on(pg, p) - out - page : pg->fw;
    if (pl == IM_PLACE_PAGE)
      wrap = pg->dev_w - 2 * page;
    if (pl == IM_PLACE_AUTO && margin_on(pg, p) < out + page && k == IM_ITEM_TITLE) {
      it->present = false; /* no margin there: not worth measuring (see below) */
      continue;
    }
    if (pl == IM_PLACE_AUTO || pl == IM_PLACE_OUTSIDE) {
      if (!(it->present = im_textblock_measure(pg, (im_item_kind)k, wrap > 0 ? wrap : pg->fw)))
        continue;
      double need = used[p] + (used[p] > 0 ? gap : out) + (is_side(p) ? it->w : it->h);
      if (pl == IM_PLACE_OUTSIDE || need + page <= margin_on(pg, p) + 0.01) {
        it->placement = IM_PLACE_OUTSIDE;
        used[p] = need;
        continue;
      }
      /* The title is also the document's title: on a page without room
       * for it, it stays that, rather than cover the map (placement:
       * inside puts it on the map). */
      if (k == IM_ITEM_TITLE) {
        it->present = false;
        continue;
      }
      pl = IM_PLACE_INSIDE;
    }
    it->placement = pl;
    it->pad = pl == IM_PLACE_INSIDE && t->at.box ? 3.0 * dpp : 0;
    double w = pl == IM_PLACE_PAGE ? wrap : 0.45 * pg->fw;
    it->present = im_textblock_measure(pg, (im_item_kind)k, w);
  }
  /* The other items: auto is inside. */
  const im_furniture_place *places[IM_NITEMS] = {[IM_ITEM_SCALEBAR] = &fu->scalebar.at,
                                                 [IM_ITEM_NORTH] = &fu->north_arrow.at,
                                                 [IM_ITEM_LEGEND] = &fu->legend.at,
                                                 [IM_ITEM_INSET] = &fu->inset.at};
  for (int k = IM_ITEM_SCALEBAR; k < IM_NITEMS; k++) {
    im_item *it = &s->items[k];
    it->at = places[k];
    it->placement = it->at->placement == IM_PLACE_AUTO ? IM_PLACE_INSIDE : it->at->placement;
    it->pad = it->placement == IM_PLACE_INSIDE && it->at->box ? 4.0 * dpp : 0;
  }
  if (fu->scalebar.enabled)
    s->items[IM_ITEM_SCALEBAR].present = im_scalebar_measure(pg);
  if (fu->north_arrow.enabled)
    s->items[IM_ITEM_NORTH].present = im_north_measure(pg);
  if (fu->legend.enabled)
    s->items[IM_ITEM_LEGEND].present = im_legend_measure(pg);
  if (fu->inset.enabled) {
    s->items[IM_ITEM_INSET].pad = s->items[IM_ITEM_INSET].pad > 0 ? 1.5 * dpp : 0;
    s->items[IM_ITEM_INSET].present = im_inset_measure(pg);
  }
  return true;
}

/* Puts the items of one slot (placement pl at position p) on the page. */
static void place_slot(im_page *pg, im_placement pl, im_position p) {
  im_furniture_state *s = pg->furniture;
  double dpp = pg->dev_per_pt;
  double gap = IM_FURNITURE_GAP_PT * dpp;
  im_item *list[IM_NITEMS];
  size_t n = 0;
  double total = 0, widest = 0;
  for (int k = 0; k < IM_NITEMS; k++) {
    im_item *it = &s->items[k];
    if (it->present && it->placement == pl && it->at->position == p) {
      list[n++] = it;
      total += (n > 1 ? gap : 0) + it->h;
      widest = fmax(widest, it->w);
    }
  }
  if (!n)
    return;
  /* R: the rectangle the slot's items are aligned in. */
  im_bbox R;
  double fx1 = pg->fx0 + pg->fw, fy1 = pg->fy0 + pg->fh;
  if (pl == IM_PLACE_INSIDE) {
    double in = IM_FURNITURE_INSET_PT * dpp;
    R = (im_bbox){pg->fx0 + in, pg->fy0 + in, fx1 - in, fy1 - in};
  } else if (pl == IM_PLACE_PAGE) {
    double in = IM_FURNITURE_PAGE_PT * dpp;
    R = (im_bbox){in, in, pg->dev_w - in, pg->dev_h - in};
  } else {
    double out = outside_offset(pg, p);
    if (is_top(p))
      R = (im_bbox){pg->fx0, pg->fy0 - out - total, fx1, pg->fy0 - out};
    else if (is_bottom(p))
      R = (im_bbox){pg->fx0, fy1 + out, fx1, fy1 + out + total};
    else if (p == IM_POS_LEFT)
      R = (im_bbox){pg->fx0 - out - widest, pg->fy0, pg->fx0 - out, fy1};
    else
      R = (im_bbox){fx1 + out, pg->fy0, fx1 + out + widest, fy1};
  }
  /* Top slots stack down from the top; bottom slots up from the bottom,
   * the first item nearest the corner; side slots from the top (outside)
   * or round the middle (inside, page). */
  double y;
  if (is_bottom(p))
    y = R.maxy;
  else if (is_side(p) && pl != IM_PLACE_OUTSIDE)
    y = (R.miny + R.maxy) / 2 - total / 2;
  else
    y = R.miny;
  for (size_t i = 0; i < n; i++) {
    im_item *it = list[i];
    double x;
    if (p == IM_POS_TOP_LEFT || p == IM_POS_BOTTOM_LEFT || (p == IM_POS_RIGHT && pl == IM_PLACE_OUTSIDE))
      x = R.minx;
    else if (p == IM_POS_TOP || p == IM_POS_BOTTOM)
      x = (R.minx + R.maxx) / 2 - it->w / 2;
    else if (p == IM_POS_LEFT && pl != IM_PLACE_OUTSIDE)
      x = R.minx;
    else
      x = R.maxx - it->w;
    if (is_bottom(p)) {
      it->box = (im_bbox){x, y - it->h, x + it->w, y};
      y -= it->h + gap;
    } else {
      it->box = (im_bbox){x, y, x + it->w, y + it->h};
      y += it->h + gap;
    }
    if (pl == IM_PLACE_OUTSIDE && (it->box.minx < -0.5 || it->box.miny < -0.5 || it->box.maxx > pg->dev_w + 0.5 ||
                                   it->box.maxy > pg->dev_h + 0.5))
      im_warn("%s: an item placed outside the frame (%s) does not fit in the page's margin; give the page wider "
              "margins (map: margins:)",
              pg->map->path,
              p == IM_POS_LEFT    ? "left"
              : p == IM_POS_RIGHT ? "right"
              : is_top(p)         ? "top"
                                  : "bottom");
  }
}

static void draw_frame_line(im_page *pg) {
  const im_furniture *fu = pg->furniture->fu;
  bool want = fu->frame_set ? fu->frame_color.a > 0 : pg->clip_frame;
  double w = im_furniture_len(pg, fu->frame_width);
  if (!want || !(w > 0))
    return;
  cairo_t *cr = pg->cr;
  cairo_save(cr);
  /* Inside the frame's edge, so a PNG's line stays whole pixels wide. */
  cairo_rectangle(cr, pg->fx0 + w / 2, pg->fy0 + w / 2, pg->fw - w, pg->fh - w);
  cairo_set_line_width(cr, w);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
  cairo_set_source_rgba(cr, fu->frame_color.r, fu->frame_color.g, fu->frame_color.b, fu->frame_color.a);
  cairo_stroke(cr);
  cairo_restore(cr);
}

im_status im_furniture_finish(im_page *pg, im_error *err) {
  im_furniture_state *s = pg->furniture;
  if (!s)
    return IM_STATUS_OK;
  const im_furniture *fu = s->fu;
  if (fu->graticule.enabled && fu->graticule.labels)
    im_graticule_bands(pg);
  if (!measure(pg))
    return oom(err);
  for (int pl = IM_PLACE_INSIDE; pl <= IM_PLACE_PAGE; pl++)
    for (int p = IM_POS_TOP_LEFT; p <= IM_POS_BOTTOM_RIGHT; p++)
      place_slot(pg, (im_placement)pl, (im_position)p);
  for (int k = 0; k < IM_NITEMS; k++) {
    const im_item *it = &s->items[k];
    if (it->present)
      im_labeler_add_obstacle(pg->labeler, it->box.minx, it->box.miny, it->box.maxx, it->box.maxy);
  }
  im_status ast = fu->nannotations ? im_annotations_draw(pg, err) : IM_STATUS_OK;
  if (ast)
    return ast;
  if (fu->graticule.enabled) {
    if (fu->graticule.over)
      im_graticule_draw_lines(pg);
    if (fu->graticule.labels && !im_graticule_place_labels(pg))
      return oom(err);
    im_graticule_draw_labels(pg);
  }
  im_status st = IM_STATUS_OK;
  if (s->items[IM_ITEM_INSET].present && (st = im_inset_draw(pg, err)))
    return st;
  if (s->items[IM_ITEM_LEGEND].present)
    im_legend_draw(pg);
  if (s->items[IM_ITEM_SCALEBAR].present)
    im_scalebar_draw(pg);
  if (s->items[IM_ITEM_NORTH].present)
    im_north_draw(pg);
  for (int k = IM_ITEM_TITLE; k <= IM_ITEM_DISCLAIMER; k++)
    im_textblock_draw(pg, (im_item_kind)k);
  draw_frame_line(pg);
  return IM_STATUS_OK;
}

/* ---- for tests ---- */

static void report(const im_page *pg, im_furniture_report *out) {
  memset(out, 0, sizeof *out);
  out->fx0 = pg->fx0, out->fy0 = pg->fy0, out->fw = pg->fw, out->fh = pg->fh;
  out->dev_w = pg->dev_w, out->dev_h = pg->dev_h, out->dev_per_pt = pg->dev_per_pt;
  out->frame = pg->frame;
  const im_furniture_state *s = pg->furniture;
  if (!s)
    return;
  for (size_t i = 0; i < s->nentries && out->nlegend < 64; i++) {
    const im_legend_entry *e = &s->entries[i];
    size_t k = out->nlegend++;
    snprintf(out->legend[k].label, sizeof out->legend[k].label, "%s", e->label);
    out->legend[k].count = e->count;
    out->legend[k].layer = e->layer;
    out->legend[k].section = e->section;
    const im_style *st = im_legend_entry_style(e);
    out->legend[k].kind = e->kind;
    out->legend[k].fill = st->fill;
    out->legend[k].stroke = st->stroke_color;
    out->legend[k].marker = st->marker_symbol;
  }
  out->scalebar_drawn = s->items[IM_ITEM_SCALEBAR].present && !s->scale.statement;
  out->scalebar_refused = s->scale.refused;
  out->scale_statement = s->scale.statement;
  snprintf(out->scale_text, sizeof out->scale_text, "%s", s->scale.text);
  out->north_turn = s->distortion.turn * 180 / M_PI;
  out->north_refused = s->north.refused;
  out->north_at_centre = s->north.at_centre;
  out->scale_length = s->scale.length;
  out->scale_unit_km = s->scale.unit_km;
  out->scale_variation = s->scale.variation;
  memcpy(out->bar, s->scale.bar, sizeof out->bar);
  memcpy(out->centre_bar, s->scale.centre, sizeof out->centre_bar);
  out->north_drawn = s->north.drawn;
  out->north_x = s->north.x, out->north_y = s->north.y;
  out->north_angle = s->north.angle * 180 / M_PI;
  for (size_t i = 0; i < s->nglabels && out->ngrat < 512; i++) {
    out->grat_boxes[out->ngrat] = s->glabels[i].box;
    snprintf(out->grat_text[out->ngrat], sizeof out->grat_text[0], "%s", s->glabels[i].text);
    out->grat_edge[out->ngrat] = s->glabels[i].edge;
    out->grat_anchor[out->ngrat][0] = s->glabels[i].ax;
    out->grat_anchor[out->ngrat][1] = s->glabels[i].ay;
    out->ngrat++;
  }
  for (int k = 0; k < IM_NITEMS; k++) {
    out->item_present[k] = s->items[k].present;
    out->item_box[k] = s->items[k].box;
  }
  out->key_entries = s->key_entries;
  out->key_box = s->key_box;
}

const im_render_overlay im_furniture_overlay = {im_furniture_begin, im_furniture_finish, im_key_draw};

im_status im_furniture_probe(const im_map *map, const im_render_options *opt, im_furniture_report *out, im_error *err) {
  im_render_ctx rc;
  im_status st = im_render_ctx_open_image(&rc, map, opt, err);
  if (!st) {
    im_render_draw_opts o = {.background = IM_BACKGROUND_PAGE_OPAQUE, .overlay = &im_furniture_overlay};
    st = im_render_draw(&rc, &o, err);
  }
  if (!st)
    report(&rc.page, out);
  im_render_ctx_close_image(&rc);
  return st;
}
