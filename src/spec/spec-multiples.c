/* Small multiples in specs: multiples: -> im_multiples (map.h).
 *
 *   multiples:
 *     columns: 2                 rows follow from the panels (or rows: N)
 *     gap: 4mm
 *     panels:
 *       - {title: China, where: "actor = 'China'"}
 *       - {title: Russia, where: {layer: events, expr: "actor = 'Russia'"}, period: {from: 2021-12}}
 *
 * A panel changes what a batch manifest's entry changes in its base spec
 * (title, where, period, extent), and the renderer applies it through the
 * same calls (spec-override.c). Read after layers:, so what a panel names is
 * checked here, at its line and column: unknown keys and layers get a "did
 * you mean", expressions are parsed. Binding them to the data's fields is
 * left to the render and to `influmap validate`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cnum-private.h"
#include "core/mem-private.h"
#include "core/suggest-private.h"
#include "influmap/filter.h"
#include "spec/map-furniture-private.h"
#include "spec/spec-multiples-private.h"

static im_status oom(im_spec_ctx *c) {
  return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
}

static bool is_mapping(struct fy_node *v) {
  struct fy_node *d = im_yaml_deref(v);
  return d && fy_node_is_mapping(d);
}

/* Where a message about a value goes: the value, or its key when the
 * value has no position of its own (an empty {} or []). */
static struct fy_node *at(struct fy_node *k, struct fy_node *v) { return im_yaml_pos(v).line > 0 ? v : k; }

static bool is_sequence(struct fy_node *v) {
  struct fy_node *d = im_yaml_deref(v);
  return d && fy_node_is_sequence(d);
}

void im_multiples_free(im_multiples *mu) {
  if (!mu)
    return;
  for (size_t i = 0; i < mu->npanels; i++) {
    im_panel *p = &mu->panels[i];
    free(p->title);
    for (size_t k = 0; k < p->nwheres; k++) {
      free(p->wheres[k].layer);
      free(p->wheres[k].expr);
    }
    free(p->wheres);
    free(p->period_from);
    free(p->period_to);
  }
  free(mu->panels);
  free(mu->title_font);
  free(mu);
}

/* ---- a panel's where: ---- */

static bool has_event_layer(const im_map *m) {
  for (size_t i = 0; i < m->nlayers; i++)
    if (m->layers[i].schema_events)
      return true;
  return false;
}

/* The expression parses (its fields are checked against the data later). */
static im_status check_expr(im_spec_ctx *c, const im_panel_where *w) {
  im_filter *f = NULL;
  im_status st = im_filter_parse(w->expr, c->r.file, w->pos.line, w->pos.column, &f, c->r.err);
  im_filter_free(f);
  return st;
}

static im_status check_layer(im_spec_ctx *c, struct fy_node *at, const char *id) {
  const im_map *m = c->map;
  if (im_map_layer(c->map, id))
    return IM_STATUS_OK;
  const char **ids = im_malloc_array(m->nlayers + 1, sizeof *ids);
  if (!ids)
    return oom(c);
  for (size_t i = 0; i < m->nlayers; i++)
    ids[i] = m->layers[i].id;
  const char *near = im_suggest(id, ids, m->nlayers);
  im_status st = near ? im_yaml_fail(&c->r, at, "panel where: no layer has the id '%s' (did you mean '%s'?)", id, near)
                      : im_yaml_fail(&c->r, at, "panel where: no layer has the id '%s'", id);
  free(ids);
  return st;
}

typedef struct {
  im_spec_ctx *c;
  im_panel_where *w;
  struct fy_node *layer_node;
} where_ctx;

static im_status where_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  where_ctx *wc = vctx;
  if (!strcmp(key, "layer")) {
    wc->w->layer_pos = im_yaml_pos(v);
    wc->layer_node = v;
    return im_yaml_string(r, v, "where layer", &wc->w->layer);
  }
  wc->w->pos = im_yaml_pos(v);
  return im_yaml_string(r, v, "where expr", &wc->w->expr);
}

/* One item: "EXPRESSION" (every layer with schema: events) or {layer, expr}. */
static im_status read_where_item(im_spec_ctx *c, struct fy_node *v, im_panel_where *w) {
  if (!is_mapping(v)) {
    if (!has_event_layer(c->map))
      return im_yaml_fail(&c->r, v,
                          "a panel's where: \"EXPRESSION\" filters the layers with schema: events, and no layer has "
                          "it; write where: {layer: ID, expr: EXPRESSION}");
    w->pos = im_yaml_pos(v);
    if (im_yaml_string(&c->r, v, "panel where", &w->expr))
      return IM_STATUS_INPUT;
    return check_expr(c, w);
  }
  static const char *const keys[] = {"layer", "expr", NULL};
  where_ctx wc = {c, w, NULL};
  if (im_yaml_each_pair(&c->r, v, "panel where (layer: ID, expr: EXPRESSION)", keys, where_pair, &wc))
    return IM_STATUS_INPUT;
  if (!w->layer || !w->expr)
    return im_yaml_fail(&c->r, v, "a panel's where needs layer: (a layer id) and expr: (an expression)");
  if (check_layer(c, wc.layer_node, w->layer))
    return IM_STATUS_INPUT;
  return check_expr(c, w);
}

static im_status read_wheres(im_spec_ctx *c, struct fy_node *k, struct fy_node *v, im_panel *p) {
  bool list = is_sequence(v);
  struct fy_node *d = im_yaml_deref(v);
  size_t n = list ? (size_t)fy_node_sequence_item_count(d) : 1;
  if (list && !n)
    return im_yaml_fail(&c->r, k, "a panel's where: list is empty");
  if (!(p->wheres = calloc(n, sizeof *p->wheres)))
    return oom(c);
  void *it = NULL;
  struct fy_node *item = list ? fy_node_sequence_iterate(d, &it) : v;
  for (; item; item = list ? fy_node_sequence_iterate(d, &it) : NULL)
    if (read_where_item(c, item, &p->wheres[p->nwheres++]))
      return IM_STATUS_INPUT;
  return IM_STATUS_OK;
}

/* ---- a panel ---- */

static im_status period_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_panel *p = vctx;
  char **dst = !strcmp(key, "from") ? &p->period_from : &p->period_to;
  if (im_yaml_string(r, v, key, dst))
    return IM_STATUS_INPUT;
  im_spec_pos pos = im_yaml_pos(v);
  return im_period_check(*dst, r->file, pos.line, pos.column, r->err);
}

static im_status panel_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  im_spec_ctx *c = (im_spec_ctx *)r;
  im_panel *p = vctx;
  if (!strcmp(key, "title"))
    return im_yaml_string(r, v, "panel title", &p->title);
  if (!strcmp(key, "where"))
    return read_wheres(c, k, v, p);
  if (!strcmp(key, "period")) {
    static const char *const keys[] = {"from", "to", NULL};
    p->has_period = true;
    if (!is_mapping(v))
      return im_yaml_fail(r, at(k, v), "a panel's period is a mapping: {from: DATE, to: DATE}");
    return im_yaml_each_pair(r, v, "panel period", keys, period_pair, p);
  }
  p->has_extent = true;
  return im_spec_read_extent(c, k, v, &p->extent);
}

static im_status read_panels(im_spec_ctx *c, struct fy_node *k, struct fy_node *v, im_multiples *mu) {
  if (!is_sequence(v))
    return im_yaml_fail(&c->r, at(k, v), "multiples: panels must be a list (each panel starting with '- ')");
  struct fy_node *d = im_yaml_deref(v);
  int n = fy_node_sequence_item_count(d);
  if (n < 1)
    return im_yaml_fail(&c->r, k, "multiples: panels is empty");
  if (n > IM_MULTIPLES_MAX_PANELS)
    return im_yaml_fail(&c->r, v, "multiples: %d panels; a page holds at most %d", n, IM_MULTIPLES_MAX_PANELS);
  if (!(mu->panels = calloc((size_t)n, sizeof *mu->panels)))
    return oom(c);
  static const char *const keys[] = {"title", "where", "period", "extent", NULL};
  void *it = NULL;
  struct fy_node *item;
  while ((item = fy_node_sequence_iterate(d, &it))) {
    im_panel *p = &mu->panels[mu->npanels++];
    p->pos = im_yaml_pos(item);
    if (!is_mapping(item))
      return im_yaml_fail(&c->r, item, "a panel is a mapping: {title, where, period, extent}");
    if (im_yaml_each_pair(&c->r, item, "a panel", keys, panel_pair, p))
      return IM_STATUS_INPUT;
  }
  return IM_STATUS_OK;
}

/* ---- multiples: ---- */

typedef struct {
  im_spec_ctx *c;
  im_multiples *mu;
  struct fy_node *columns, *rows, *panels;
} multiples_ctx;

/* A whole number of rows or columns, 1 to 12. */
static im_status grid_count(im_yaml_reader *r, struct fy_node *v, const char *what, int *out) {
  const char *s;
  if (im_yaml_scalar(r, v, what, &s))
    return IM_STATUS_INPUT;
  char *end;
  double n = im_strtod(s, &end);
  if (end == s || *end || !isfinite(n) || n != floor(n) || n < 1 || n > 12)
    return im_yaml_fail(r, v, "multiples: %s must be a whole number from 1 to 12, not '%s'", what, s);
  *out = (int)n;
  return IM_STATUS_OK;
}

static im_status multiples_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  multiples_ctx *mc = vctx;
  im_multiples *mu = mc->mu;
  if (!strcmp(key, "columns")) {
    mc->columns = v;
    return grid_count(r, v, "columns", &mu->columns);
  }
  if (!strcmp(key, "rows")) {
    mc->rows = v;
    return grid_count(r, v, "rows", &mu->rows);
  }
  if (!strcmp(key, "gap"))
    return im_yaml_length(r, v, "multiples gap", IM_UNIT_MM, &mu->gap);
  if (!strcmp(key, "title_font"))
    return im_yaml_string(r, v, "multiples title_font", &mu->title_font);
  if (!strcmp(key, "title_color"))
    return im_yaml_color(r, v, "multiples title_color", &mu->title_color);
  if (!strcmp(key, "legend")) {
    static const char *const places[] = {"outside", "cell", NULL};
    int choice;
    if (im_yaml_choice(r, v, "multiples legend", places, &choice))
      return IM_STATUS_INPUT;
    mu->legend = (im_multiples_legend)choice;
    return IM_STATUS_OK;
  }
  mc->panels = v;
  return read_panels(mc->c, k, v, mu);
}

im_status im_spec_read_multiples(im_spec_ctx *c, struct fy_node *root) {
  struct fy_node *k = NULL, *v = NULL;
  void *iter = NULL;
  struct fy_node_pair *pair;
  while (!k && (pair = fy_node_mapping_iterate(root, &iter))) {
    struct fy_node *key = fy_node_pair_key(pair);
    if (key && fy_node_is_scalar(key) && !strcmp(fy_node_get_scalar0(key), "multiples"))
      k = key, v = fy_node_pair_value(pair);
  }
  if (!k)
    return IM_STATUS_OK;
  if (!is_mapping(v))
    return im_yaml_fail(&c->r, at(k, v), "multiples must be a mapping: {columns, gap, panels, ...}");
  /* Each panel places its own labels: one key's numbers would repeat. */
  if (c->map->furniture && c->map->furniture->key.enabled)
    return im_yaml_fail(&c->r, k, "a numbered key (key:) is for single maps: small multiples have none");
  im_multiples *mu = calloc(1, sizeof *mu);
  if (!mu)
    return oom(c);
  c->map->multiples = mu;
  mu->file = c->r.file;
  mu->pos = im_yaml_pos(v);
  mu->gap = (im_length){4, IM_UNIT_MM};
  mu->title_color = (im_color){0.12, 0.12, 0.12, 1};
  static const char *const keys[] = {"columns", "rows", "gap", "title_font", "title_color", "legend", "panels", NULL};
  multiples_ctx mc = {.c = c, .mu = mu};
  if (im_yaml_each_pair(&c->r, v, "multiples", keys, multiples_pair, &mc))
    return IM_STATUS_INPUT;
  if (!mc.panels)
    return im_yaml_fail(&c->r, at(k, v), "multiples needs panels: (a list, one mapping per panel)");
  if (!mc.columns)
    return im_yaml_fail(&c->r, at(k, v), "multiples needs columns: (1 to 12; the rows follow from the panels)");
  /* Proportional symbols sized to each panel's own largest value would
   * draw one value at different sizes side by side, against one legend. */
  for (size_t i = 0; i < c->map->nlayers; i++) {
    const im_style *st = &c->map->layers[i].style;
    if (st->marker_scale.field && !(st->marker_scale.max_value > 0))
      return im_error_set(c->r.err, IM_STATUS_INPUT, st->marker_scale.file, st->marker_scale.pos.line,
                          st->marker_scale.pos.column,
                          "layer %s: proportional symbols in small multiples need max_value: a number (not auto), so "
                          "that every panel draws a value the same size",
                          c->map->layers[i].id);
  }
  size_t cols = (size_t)mu->columns;
  /* The legend in a cell takes one no panel does. */
  size_t cells_needed = mu->npanels + (mu->legend == IM_MULTIPLES_LEGEND_CELL);
  if (!mc.rows) {
    size_t rows = (cells_needed + cols - 1) / cols;
    if (rows > 12)
      return im_yaml_fail(&c->r, mc.columns, "multiples: %zu panels in %zu columns make %zu rows; at most 12 fit",
                          mu->npanels, cols, rows);
    mu->rows = (int)rows;
  } else if ((size_t)mu->rows * cols < cells_needed) {
    return im_yaml_fail(&c->r, mc.rows, "multiples: a grid of %d rows and %zu columns has %zu cells; %zu %s", mu->rows,
                        cols, (size_t)mu->rows * cols, cells_needed,
                        mu->legend == IM_MULTIPLES_LEGEND_CELL ? "are needed (the panels and the legend)"
                                                               : "panels need one each");
  }
  return IM_STATUS_OK;
}
