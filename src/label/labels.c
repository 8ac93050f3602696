/* The labeler: its life, its candidates, what it reports, and drawing the
 * labels once placed. Text is in label-text.c, geometry in label-geom.c,
 * placement in label-place.c. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/context-private.h"
#include "core/mem-private.h"
#include "influmap/limits.h"
#include "label/label-impl-private.h"

/* Labels keep this far inside the page's edge. */
#define IM_LABEL_MARGIN_PT 2.0
/* Air kept round a label beyond its halo, so neighbours do not touch. */
#define IM_LABEL_AIR_PT 0.25
/* The collision grid's cell. */
#define IM_LABEL_CELL_PT 12.0
/* The width of leader lines. */
#define IM_LEADER_WIDTH_PT 0.35

im_labeler *im_labeler_create(cairo_t *cr, double page_w, double page_h, double dev_per_pt, double dpi) {
  im_labeler *lb = calloc(1, sizeof *lb);
  if (!lb)
    return NULL;
  if (!(dev_per_pt > 0))
    dev_per_pt = 1;
  lb->page_w = page_w;
  lb->page_h = page_h;
  lb->dev_per_pt = dev_per_pt;
  lb->dpi = dpi > 0 ? dpi : 72 * dev_per_pt;
  double m = IM_LABEL_MARGIN_PT * dev_per_pt;
  lb->inside = (im_bbox){m, m, page_w - m, page_h - m};
  if (!im_grid_init(&lb->grid, page_w, page_h, IM_LABEL_CELL_PT * dev_per_pt) ||
      !im_grid_init(&lb->marks, page_w, page_h, IM_LABEL_CELL_PT * dev_per_pt)) {
    im_grid_free(&lb->grid);
    free(lb);
    return NULL;
  }
  /* The Pango context is made when the first label needs it: creating it
   * starts fontconfig (its configuration and caches, a thread, a few MB),
   * which a map without text should not pay for. */
  lb->cr = cr;
  im_geom_init(&lb->areas, IM_GEOM_POLYGON);
  return lb;
}

/* Text is measured unhinted, at 72 dpi and without the drawing's
 * transformation, so a label lands in the same place on PNG, SVG and PDF
 * and sizes in device units are what they say. NULL when out of memory. */
static PangoContext *labeler_context(im_labeler *lb) {
  if (lb->ctx)
    return lb->ctx;
  lb->ctx =
      lb->cr ? pango_cairo_create_context(lb->cr) : pango_font_map_create_context(pango_cairo_font_map_get_default());
  if (!lb->ctx)
    return NULL;
  pango_context_set_matrix(lb->ctx, NULL);
  cairo_font_options_t *fo = cairo_font_options_create();
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options(lb->ctx, fo);
  cairo_font_options_destroy(fo);
  pango_cairo_context_set_resolution(lb->ctx, 72);
  pango_context_set_round_glyph_positions(lb->ctx, FALSE);
  return lb->ctx;
}

void im_labeler_free(im_labeler *lb) {
  if (!lb)
    return;
  free(lb->next_layer);
  free(lb->next_short);
  for (size_t i = 0; i < lb->nlabels; i++) {
    free(lb->labels[i].short_text);
    free(lb->labels[i].layer);
    free(lb->labels[i].text);
    free(lb->labels[i].key_text);
    if (lb->labels[i].layout)
      g_object_unref(lb->labels[i].layout);
  }
  free(lb->labels);
  free(lb->pos);
  free(lb->clusters);
  free(lb->glyphs);
  free(lb->boxes);
  free(lb->keyed);
  free(lb->anchors);
  im_geom_free(&lb->areas);
  free(lb->area_labels);
  im_grid_free(&lb->grid);
  im_grid_free(&lb->marks);
  if (lb->ctx)
    g_object_unref(lb->ctx);
  free(lb);
}

bool im_labeler_add_mark(im_labeler *lb, double x, double y, double r) {
  if (!lb || lb->failed || lb->done)
    return !lb || !lb->failed;
  if (!isfinite(x) || !isfinite(y) || !(r >= 0))
    return true;
  if (!im_grid_add(&lb->marks, (im_label_item){.box = {x - r, y - r, x + r, y + r}, .kind = IM_ITEM_OBSTACLE})) {
    lb->failed = true;
    return false;
  }
  return true;
}

void im_labeler_add_obstacle(im_labeler *lb, double x0, double y0, double x1, double y1) {
  if (!lb || lb->failed || lb->done)
    return;
  if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1))
    return;
  im_bbox b = {fmin(x0, x1), fmin(y0, y1), fmax(x0, x1), fmax(y0, y1)};
  if (!im_grid_add(&lb->grid, (im_label_item){.box = b, .kind = IM_ITEM_OBSTACLE}))
    lb->failed = true;
}

/* The longest prefix of s of at most max bytes that ends between UTF-8
 * characters; s is longer than max. */
static size_t utf8_cut(const char *s, size_t max) {
  while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
    max--;
  return max;
}

/* A new label from text and style: 1 made (*out), 0 nothing to label,
 * -1 out of memory. one_line: line labels turn line breaks into spaces. */
static int new_label(im_labeler *lb, const char *text, const im_style *st, im_label_kind kind, double priority,
                     bool one_line, im_label **out) {
  if (!lb || lb->failed || lb->done || !text || !st)
    return lb && lb->failed ? -1 : 0;
  /* Ceilings (limits.h): Pango lays text out, and GLib normalises it for a
   * case change, in time quadratic in its lines or length; every candidate
   * costs a layout. */
  im_limits lim = im_limits_current();
  if (lb->nlabels >= lim.max_labels) {
    if (lb->over_limit++ == 0)
      im_warn("more than %zu labels on one map, influmap's limit: the rest are left out (%s)", lim.max_labels,
              im_limit_hint(IM_LIMIT_LABELS));
    return 0;
  }
  size_t bytes = strlen(text);
  char *cut_text = NULL;
  if (bytes > lim.max_label_bytes) {
    size_t cut = utf8_cut(text, lim.max_label_bytes);
    if (!(cut_text = im_strndup(text, cut)))
      return -1;
    text = cut_text;
    if (lb->cut_long++ == 0)
      im_warn("a label of %zu bytes was cut to %zu, influmap's limit for one label (%s)", bytes, cut,
              im_limit_hint(IM_LIMIT_LABEL_BYTES));
  }
  char *t = im_label_apply_case(text, st->label.text_case);
  free(cut_text);
  if (!t)
    return -1;
  if (strlen(t) > lim.max_label_bytes)
    t[utf8_cut(t, lim.max_label_bytes)] = '\0'; /* a case change can lengthen text: "ß" -> "SS" */
  bool blank = true;
  for (char *p = t; *p; p++) {
    if (one_line && (*p == '\n' || *p == '\r' || *p == '\t'))
      *p = ' ';
    if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
      blank = false;
  }
  if (blank) {
    free(t);
    return 0;
  }
  if (!im_grow((void **)&lb->labels, &lb->cap_labels, lb->nlabels + 1, sizeof *lb->labels)) {
    free(t);
    return -1;
  }
  im_label *l = &lb->labels[lb->nlabels];
  *l = (im_label){.kind = kind, .text = t, .order = lb->nlabels};
  PangoContext *ctx = labeler_context(lb);
  l->layout = ctx ? im_label_layout(ctx, t, st->label.font, lb->dev_per_pt, lb->dpi, &l->font_px) : NULL;
  if (!l->layout) {
    free(t);
    return -1;
  }
  l->ink = im_label_layout_ink(l->layout);
  if (!(l->ink.maxx > l->ink.minx) || !(l->ink.maxy > l->ink.miny)) {
    g_object_unref(l->layout);
    free(t);
    return 0;
  }
  lb->nlabels++;
  l->color = st->label.color;
  l->halo_color = st->label.halo_color;
  l->halo_width = im_length_to_pt(st->label.halo_width, lb->dpi) * lb->dev_per_pt;
  if (!(l->halo_width > 0) || l->halo_color.a <= 0)
    l->halo_width = 0;
  l->pad = l->halo_width + IM_LABEL_AIR_PT * lb->dev_per_pt;
  l->leader_allowed = st->label.leader;
  l->key_mode = kind != IM_LABEL_POLYGON ? st->label.key : IM_LABEL_KEY_NONE;
  if ((l->required = st->label.required)) {
    l->layer = im_strdup(lb->next_layer ? lb->next_layer : "");
    l->short_text = lb->next_short ? im_label_apply_case(lb->next_short, st->label.text_case) : NULL;
    if (!l->layer || (lb->next_short && !l->short_text))
      return -1; /* the label is counted: im_labeler_free frees what it holds */
  }
  l->priority = isnan(priority) ? -DBL_MAX : priority;
  lb->stats.candidates++;
  *out = l;
  return 1;
}

bool im_labeler_set_source(im_labeler *lb, const char *layer_id, const char *short_text) {
  if (!lb || lb->failed)
    return !lb;
  free(lb->next_layer);
  free(lb->next_short);
  lb->next_layer = layer_id ? im_strdup(layer_id) : NULL;
  lb->next_short = short_text && *short_text ? im_strdup(short_text) : NULL;
  if ((layer_id && !lb->next_layer) || (short_text && *short_text && !lb->next_short)) {
    lb->failed = true;
    return false;
  }
  return true;
}

bool im_labeler_missing(const im_labeler *lb, const char **text, const char **layer) {
  for (size_t i = 0; lb && lb->done && i < lb->nlabels; i++) {
    const im_label *l = &lb->labels[i];
    if (l->required && !l->placed) {
      *text = l->text;
      *layer = l->layer;
      return true;
    }
  }
  return false;
}

static bool failed(im_labeler *lb) {
  if (lb)
    lb->failed = true;
  return false;
}

bool im_labeler_add_point(im_labeler *lb, const char *text, const im_style *st, double x, double y,
                          double symbol_radius, double priority) {
  if (!isfinite(x) || !isfinite(y))
    return !lb || !lb->failed;
  im_label *l;
  int r = new_label(lb, text, st, IM_LABEL_POINT, priority, false, &l);
  if (r <= 0)
    return r == 0 ? !lb || !lb->failed : failed(lb);
  l->x = x;
  l->y = y;
  l->r = symbol_radius > 0 ? symbol_radius : 0;
  return true;
}

/* Polygon and line labels whose every position is taken at once keep only
 * their text, for the list of dropped labels, unless they may still go
 * beside a point (anchored: a required polygon's pole, a keyed line's
 * middle). */
static void forget_layout(im_label *l) {
  if (l->npos == 0 && !l->anchored && l->layout) {
    g_object_unref(l->layout);
    l->layout = NULL;
  }
}

/* The vertices of all polygon labels' rings kept for place_point's
 * test of where a name set beside its country stands: a few hundred
 * countries or provinces, simplified on the page, hold far fewer. */
#define IM_LABEL_AREA_POINTS 400000

/* Keeps l's rings in lb->areas, while they fit the budget. */
static bool keep_area(im_labeler *lb, im_label *l, const im_geom *rings) {
  l->area_part = l->area_nparts = 0;
  if (rings->kind != IM_GEOM_POLYGON || !rings->nparts || lb->areas.npoints + rings->npoints > IM_LABEL_AREA_POINTS)
    return true;
  if (!im_grow((void **)&lb->area_labels, &lb->cap_area_labels, lb->narea_labels + 1, sizeof *lb->area_labels))
    return false;
  l->area_part = lb->areas.nparts;
  l->area_box = (im_bbox){INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (size_t p = 0; p < rings->nparts; p++) {
    const double *v = rings->xy + 2 * rings->parts[p];
    size_t n = im_geom_part_size(rings, p);
    if (!im_geom_begin_part(&lb->areas))
      return false;
    for (size_t i = 0; i < n; i++) {
      if (!im_geom_add_point(&lb->areas, v[2 * i], v[2 * i + 1]))
        return false;
      l->area_box.minx = fmin(l->area_box.minx, v[2 * i]), l->area_box.maxx = fmax(l->area_box.maxx, v[2 * i]);
      l->area_box.miny = fmin(l->area_box.miny, v[2 * i + 1]), l->area_box.maxy = fmax(l->area_box.maxy, v[2 * i + 1]);
    }
  }
  l->area_nparts = rings->nparts;
  lb->area_labels[lb->narea_labels++] = (size_t)(l - lb->labels);
  return true;
}

bool im_labeler_add_polygon(im_labeler *lb, const char *text, const im_style *st, const im_geom *rings,
                            double priority) {
  if (!rings)
    return !lb || !lb->failed;
  im_label *l;
  int r = new_label(lb, text, st, IM_LABEL_POLYGON, priority, false, &l);
  if (r <= 0)
    return r == 0 ? !lb || !lb->failed : failed(lb);
  if (!im_label_polygon_positions(lb, l, rings) || !keep_area(lb, l, rings))
    return failed(lb);
  forget_layout(l);
  return true;
}

/* How far beside its line a label of a line on a shared course runs, in
 * font sizes: half the text's height and a little air, so the text and
 * its halo clear the line's own stroke. */
#define IM_LABEL_BESIDE_FONTS 0.75

bool im_labeler_add_line_beside(im_labeler *lb, const char *text, const im_style *st, const im_geom *line,
                                double priority, int side) {
  if (!line)
    return !lb || !lb->failed;
  im_label *l;
  int r = new_label(lb, text, st, IM_LABEL_LINE, priority, true, &l);
  if (r <= 0)
    return r == 0 ? !lb || !lb->failed : failed(lb);
  im_geom beside;
  im_geom_init(&beside, IM_GEOM_LINE);
  const im_geom *path = line;
  if (side) {
    if (!im_geom_copy(&beside, line))
      return failed(lb);
    im_geom_offset_lines(&beside, (side > 0 ? 1 : -1) * IM_LABEL_BESIDE_FONTS * l->font_px);
    path = &beside;
  }
  bool ok = im_label_clusters(lb, l) && im_label_line_positions(lb, l, path);
  im_geom_free(&beside);
  if (!ok)
    return failed(lb);
  forget_layout(l);
  return true;
}

bool im_labeler_add_line(im_labeler *lb, const char *text, const im_style *st, const im_geom *line, double priority) {
  return im_labeler_add_line_beside(lb, text, st, line, priority, 0);
}

im_label_stats im_labeler_stats(const im_labeler *lb) { return lb ? lb->stats : (im_label_stats){0}; }

size_t im_labeler_dropped(const im_labeler *lb, const char **out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; lb && lb->done && i < lb->nlabels; i++) {
    if (lb->labels[i].placed || lb->labels[i].repeat)
      continue;
    if (n < max)
      out[n] = lb->labels[i].text;
    n++;
  }
  return n;
}

size_t im_labeler_boxes(const im_labeler *lb, im_bbox *out, size_t *owner, size_t max) {
  size_t n = 0;
  for (size_t i = 0; lb && i < lb->nlabels; i++) {
    const im_label *l = &lb->labels[i];
    for (size_t k = 0; l->placed && k < l->nboxes; k++, n++)
      if (n < max) {
        out[n] = lb->boxes[l->first_box + k];
        if (owner)
          owner[n] = i;
      }
  }
  return n;
}

/* A line label, cluster by cluster along its glyphs: all halos first, so
 * one glyph's halo never covers its neighbour's ink. */
static void draw_along(im_labeler *lb, cairo_t *cr, const im_label *l) {
  const im_label_cluster *c = lb->clusters + l->first_cluster;
  const im_label_glyph *g = lb->glyphs + l->glyphs;
  const PangoFontDescription *fd = pango_layout_get_font_description(l->layout);
  double full_base = pango_layout_get_baseline(l->layout) / (double)PANGO_SCALE;
  double mid = (l->ink.miny + l->ink.maxy) / 2;
  PangoLayout *one = pango_layout_new(labeler_context(lb));
  pango_layout_set_font_description(one, fd);
  for (int pass = l->halo_width > 0 ? 0 : 1; pass < 2; pass++)
    for (size_t i = 0; i < l->nclusters; i++) {
      if (!c[i].len)
        continue;
      pango_layout_set_text(one, l->text + c[i].start, (int)c[i].len);
      double base = pango_layout_get_baseline(one) / (double)PANGO_SCALE;
      cairo_save(cr);
      cairo_translate(cr, g[i].x, g[i].y);
      cairo_rotate(cr, g[i].angle);
      /* The glyph's advance centred on the line, the text's middle on it. */
      cairo_translate(cr, -c[i].w / 2, -(base + mid - full_base));
      im_label_show(cr, one, l, pass == 0, pass == 1);
      cairo_restore(cr);
    }
  g_object_unref(one);
}

void im_labeler_set_text_sink(im_labeler *lb, im_text_sink sink, void *user) {
  if (!lb)
    return;
  lb->sink = sink;
  lb->sink_user = user;
}

im_text_sink im_labeler_text_sink(const im_labeler *lb, void **user) {
  *user = lb && lb->sink ? lb->sink_user : NULL;
  return lb ? lb->sink : NULL;
}

/* A placed label handed to the text sink: each line of a point or polygon
 * label as a run at its baseline, or each cluster of a line label where
 * draw_along puts it. */
static void sink_label(im_labeler *lb, const im_label *l) {
  const PangoFontDescription *fd = pango_layout_get_font_description(l->layout);
  const double s = PANGO_SCALE;
  size_t max = l->kind == IM_LABEL_LINE ? l->nclusters : (size_t)pango_layout_get_line_count(l->layout);
  im_text_run *runs = im_malloc_array(max ? max : 1, sizeof *runs);
  if (!runs) {
    lb->failed = true;
    return;
  }
  size_t n = 0;
  if (l->kind == IM_LABEL_LINE) {
    const im_label_cluster *c = lb->clusters + l->first_cluster;
    const im_label_glyph *g = lb->glyphs + l->glyphs;
    double full_base = pango_layout_get_baseline(l->layout) / s;
    double mid = (l->ink.miny + l->ink.maxy) / 2;
    for (size_t i = 0; i < l->nclusters; i++) {
      if (!c[i].len)
        continue;
      /* draw_along's transformation applied to the cluster's baseline
       * start: its own layout's baseline cancels out. */
      double dx = -c[i].w / 2, dy = full_base - mid, ca = cos(g[i].angle), sa = sin(g[i].angle);
      runs[n++] = (im_text_run){l->text + c[i].start, c[i].len, g[i].x + ca * dx - sa * dy, g[i].y + sa * dx + ca * dy,
                                g[i].angle};
    }
  } else {
    PangoLayoutIter *it = pango_layout_get_iter(l->layout);
    do {
      PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
      PangoRectangle logical;
      pango_layout_iter_get_line_extents(it, NULL, &logical);
      if (line->length > 0 && n < max)
        runs[n++] = (im_text_run){l->text + line->start_index, (size_t)line->length, l->ox + logical.x / s,
                                  l->oy + pango_layout_iter_get_baseline(it) / s, 0};
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
  }
  PangoStyle style = pango_font_description_get_style(fd);
  im_text_item item = {
      .cls = "label",
      .family = pango_font_description_get_family(fd),
      .weight = (int)pango_font_description_get_weight(fd),
      .stretch = (int)pango_font_description_get_stretch(fd) - (int)PANGO_STRETCH_NORMAL,
      .italic = style == PANGO_STYLE_ITALIC || style == PANGO_STYLE_OBLIQUE,
      .size = l->font_px,
      .color = l->color,
      .halo_color = l->halo_color,
      .halo_width = l->halo_width,
      .runs = runs,
      .nruns = n,
  };
  lb->sink(lb->sink_user, &item);
  free(runs);
}

void im_labeler_draw(im_labeler *lb, cairo_t *cr) {
  if (!lb || !lb->done || lb->failed)
    return;
  cairo_save(cr);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_width(cr, IM_LEADER_WIDTH_PT * lb->dev_per_pt);
  for (size_t i = 0; i < lb->nlabels; i++) {
    const im_label *l = &lb->labels[i];
    if (!l->placed || !l->leader)
      continue;
    cairo_move_to(cr, l->lx0, l->ly0);
    cairo_line_to(cr, l->lx1, l->ly1);
    cairo_set_source_rgba(cr, l->color.r, l->color.g, l->color.b, l->color.a);
    cairo_stroke(cr);
  }
  for (size_t i = 0; i < lb->nlabels; i++) {
    const im_label *l = &lb->labels[i];
    if (!l->placed)
      continue;
    if (lb->sink) {
      sink_label(lb, l);
      continue;
    }
    if (l->kind == IM_LABEL_LINE) {
      draw_along(lb, cr, l);
      continue;
    }
    cairo_save(cr);
    cairo_translate(cr, l->ox, l->oy);
    im_label_show(cr, l->layout, l, true, true);
    cairo_restore(cr);
  }
  cairo_restore(cr);
}
