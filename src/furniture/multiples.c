/* Small multiples: one page, a grid of panels, one legend.
 *
 * Each panel is the spec's map with its panel's changes applied through the
 * calls a batch manifest uses (spec-override.c): title, filters, time
 * window, extent. The map is not copied deeply: a panel (and the page) is a
 * shallow copy of the im_map that owns only what it changes.
 *
 * The page is laid out in points, like a single map's furniture:
 *   - the page less its margins (10mm when the spec sets none);
 *   - the page's title, subtitle, credits, disclaimer and legend outside
 *     the grid, each side as deep as its stacked items (as furniture.c
 *     stacks them), so furniture.c itself places them round the grid;
 *   - the grid: columns x rows cells with gaps; in each cell the panel's
 *     title, and under it the frame, as large as fits with the shape of the
 *     panel's extent projected, centred.
 * A panel is drawn as a single map whose margins put its frame there (so
 * frame.c computes it), clipped to its cell, with its own labeler: labels
 * stay in their frame. The legend's size depends on what the panels draw,
 * and the grid on the legend's size; panels whose extent fills their frame
 * show the same whatever its size, so a first pass (to a 1x1 surface,
 * without labels) finds the legend's entries, then the panels are drawn. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "influmap/filter.h"
#include "spec/map-furniture-private.h"
#include "furniture/multiples-private.h"

#define PANEL_TITLE_FONT "Noto Sans Bold 8.5"
/* As furniture.c: between the frame and an item outside it, and between
 * stacked items, in points. */
#define OUTSIDE_PT 5.0
#define STACK_GAP_PT 4.0
#define DEFAULT_MARGIN_MM 10.0
/* A cell smaller than this (points) leaves no room for a map. */
#define MIN_CELL_PT 36.0
#define MAX_PANELS IM_MULTIPLES_REPORT_PANELS

static im_status oom(im_error *err) { return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory"); }

/* ---- shallow copies of the map ---- */

typedef struct {
  im_map map;             /* shares all but title, period, furniture, layers */
  im_furniture fu;        /* shares its strings with the spec's */
  im_layer_style *layers; /* shares all but the wheres marked own_where */
  bool *own_where;
} map_copy;

static void copy_fini(map_copy *c) {
  free(c->map.title);
  free(c->map.period_from);
  free(c->map.period_to);
  for (size_t i = 0; c->own_where && i < c->map.nlayers; i++)
    if (c->own_where[i]) {
      im_filter_free(c->layers[i].where.filter);
      free(c->layers[i].where.text);
    }
  free(c->layers);
  free(c->own_where);
  memset(c, 0, sizeof *c);
}

static im_status copy_init(map_copy *c, const im_map *src, const im_frame *page, im_error *err) {
  memset(c, 0, sizeof *c);
  c->map = *src;
  c->map.title = c->map.period_from = c->map.period_to = NULL;
  c->map.multiples = NULL;
  c->map.layers = NULL;
  c->map.nlayers = 0;
  if (src->furniture)
    c->fu = *src->furniture;
  else
    im_furniture_init(&c->fu);
  /* Annotations are the single map's (a callout in every panel would be
   * the same text over and over): panels and the page draw none. */
  c->fu.annotations = NULL;
  c->fu.nannotations = 0;
  c->map.furniture = &c->fu;
  /* The page as the render has it (options applied), in points. */
  c->map.width = (im_length){page->width_pt, IM_UNIT_PT};
  c->map.height = (im_length){page->height_pt, IM_UNIT_PT};
  c->map.dpi = page->dpi;
  c->layers = im_malloc_array(src->nlayers ? src->nlayers : 1, sizeof *c->layers);
  c->own_where = calloc(src->nlayers ? src->nlayers : 1, sizeof *c->own_where);
  c->map.title = im_strdup(src->title);
  c->map.period_from = im_strdup(src->period_from);
  c->map.period_to = im_strdup(src->period_to);
  if (!c->layers || !c->own_where || (src->title && !c->map.title) || (src->period_from && !c->map.period_from) ||
      (src->period_to && !c->map.period_to))
    return oom(err);
  if (src->nlayers)
    memcpy(c->layers, src->layers, src->nlayers * sizeof *c->layers);
  c->map.layers = c->layers;
  c->map.nlayers = src->nlayers;
  return IM_STATUS_OK;
}

/* Layer i gets its own copy of its where, which a panel's filter may then
 * replace (im_map_add_layer_filter frees the one it combines with). */
static im_status own_where(map_copy *c, size_t i, im_error *err) {
  if (c->own_where[i])
    return IM_STATUS_OK;
  im_where *w = &c->layers[i].where;
  im_where copy = {.file = w->file, .pos = w->pos};
  if (w->text) {
    if (!(copy.text = im_strdup(w->text)))
      return oom(err);
    if (im_filter_parse(copy.text, copy.file, copy.pos.line, copy.pos.column, &copy.filter, err)) {
      free(copy.text);
      return IM_STATUS_INPUT;
    }
  }
  *w = copy;
  c->own_where[i] = true;
  return IM_STATUS_OK;
}

static im_status add_filter(map_copy *c, size_t i, const im_multiples *mu, const im_panel_where *w, im_error *err) {
  im_status st = own_where(c, i, err);
  if (!st)
    st = im_map_add_layer_filter(&c->map, c->layers[i].id, w->expr, mu->file, w->pos.line, w->pos.column, err);
  return st;
}

/* The panel's changes, as a batch manifest's entry makes them. */
static im_status apply_panel(map_copy *c, const im_multiples *mu, const im_panel *p, im_error *err) {
  im_map *m = &c->map;
  im_status st = im_map_set_title(m, p->title, err);
  if (!st && p->has_extent)
    st = im_map_set_extent(m, &p->extent, err);
  if (!st && p->has_period)
    st = im_map_set_period(m, p->period_from ? p->period_from : m->period_from,
                           p->period_to ? p->period_to : m->period_to, err);
  for (size_t k = 0; k < p->nwheres && !st; k++) {
    const im_panel_where *w = &p->wheres[k];
    for (size_t i = 0; i < m->nlayers && !st; i++)
      if (w->layer ? !strcmp(c->layers[i].id, w->layer) : c->layers[i].schema_events)
        st = add_filter(c, i, mu, w, err);
  }
  return st;
}

static void force_inside(im_furniture_place *at) {
  if (at->placement != IM_PLACE_INSIDE)
    at->placement = IM_PLACE_INSIDE;
}

/* A panel's furniture: its title above its frame, its own scale bar, north
 * arrow, inset and graticule inside the frame (the cell holds nothing
 * else), the legend only noted (the page draws it), no page text. */
static void panel_furniture(im_furniture *fu, const im_multiples *mu) {
  fu->title.visible = true;
  fu->title.text = NULL;
  fu->title.font = mu->title_font ? mu->title_font : (char *)PANEL_TITLE_FONT;
  fu->title.color = mu->title_color;
  fu->title.width = (im_length){0, IM_UNIT_PT};
  fu->title.at.position = IM_POS_TOP_LEFT;
  fu->title.at.placement = IM_PLACE_OUTSIDE;
  fu->subtitle.visible = fu->credits.visible = fu->disclaimer.visible = false;
  force_inside(&fu->scalebar.at);
  force_inside(&fu->north_arrow.at);
  force_inside(&fu->inset.at);
  fu->graticule.label_placement = IM_PLACE_INSIDE;
}

/* The page's furniture: text blocks and the legend outside the grid, the
 * rest (per panel) left out, no line round the grid. */
static void page_furniture(im_furniture *fu, const im_multiples *mu) {
  im_text_block *blocks[4] = {&fu->title, &fu->subtitle, &fu->credits, &fu->disclaimer};
  for (int k = 0; k < 4; k++)
    blocks[k]->at.placement = IM_PLACE_OUTSIDE;
  fu->legend.at.placement = IM_PLACE_OUTSIDE;
  if (mu->legend == IM_MULTIPLES_LEGEND_CELL)
    fu->legend.enabled = false; /* placed by draw_cell_legend */
  fu->scalebar.enabled = fu->north_arrow.enabled = fu->graticule.enabled = fu->inset.enabled = false;
  fu->frame_set = true;
  fu->frame_color.a = 0;
}

/* ---- the run ---- */

typedef struct {
  const im_map *map;
  const im_multiples *mu;
  im_page *outer; /* the render's page: its cr, labeler, frame */
  const im_render_options *opt;
  bool vector;
  double dpp; /* device units per point */
  map_copy page;
  map_copy *panels;
  size_t ncopies; /* panels set up */
  cairo_surface_t *scratch_surface;
  cairo_t *scratch;
  im_render_ctx mrc; /* for measuring: the page map, its frame the page less the margins */
  bool have_mrc;
  /* the layout, in points */
  double W, H;
  im_bbox inner, grid;
  double band[4]; /* top, right, bottom, left: what the page's items take outside the grid */
  size_t rows, cols;
  double gap;
  double col_x[12], col_w[12], row_y[12], row_h[12];
  double aspect[MAX_PANELS], title_band[MAX_PANELS];
  im_bbox cell[MAX_PANELS], frame[MAX_PANELS];
  im_render_stats stats;
  im_multiples_report *report;
} run_state;

static void run_fini(run_state *rs) {
  if (rs->have_mrc) {
    rs->mrc.cr = NULL;
    im_render_ctx_fini(&rs->mrc);
  }
  for (size_t i = 0; i < rs->ncopies; i++)
    copy_fini(&rs->panels[i]);
  free(rs->panels);
  copy_fini(&rs->page);
  if (rs->scratch)
    cairo_destroy(rs->scratch);
  if (rs->scratch_surface)
    cairo_surface_destroy(rs->scratch_surface);
}

static im_status build_copies(run_state *rs, im_error *err) {
  const im_frame *page = &rs->outer->frame;
  im_status st = copy_init(&rs->page, rs->map, page, err);
  if (st)
    return st;
  page_furniture(&rs->page.fu, rs->mu);
  if (!(rs->panels = calloc(rs->mu->npanels, sizeof *rs->panels)))
    return oom(err);
  for (size_t i = 0; i < rs->mu->npanels; i++) {
    map_copy *c = &rs->panels[i];
    rs->ncopies = i + 1;
    if ((st = copy_init(c, rs->map, page, err)) || (st = apply_panel(c, rs->mu, &rs->mu->panels[i], err)))
      return st;
    panel_furniture(&c->fu, rs->mu);
  }
  return IM_STATUS_OK;
}

/* The width over the height of a map's extent in its CRS: the frame's
 * shape that shows exactly the extent, as the render frames it (frame.c:
 * across the antimeridian, to a cylindrical map's pole limit, an azimuthal
 * map's cap). */
static im_render_options options_for(const run_state *rs, const im_panel *p);

static im_status extent_aspect(const run_state *rs, const im_map *m, double *aspect, im_error *err) {
  im_render_options o = options_for(rs, NULL);
  im_render_ctx rc;
  im_status st = im_render_ctx_init(&rc, m, &o, rs->vector, err);
  if (!st)
    *aspect = (rc.extent_box.maxx - rc.extent_box.minx) / (rc.extent_box.maxy - rc.extent_box.miny);
  im_render_ctx_fini(&rc);
  return st;
}

static im_status aspects(run_state *rs, im_error *err) {
  im_status st = IM_STATUS_OK;
  for (size_t i = 0; i < rs->mu->npanels && !st; i++)
    st = extent_aspect(rs, &rs->panels[i].map, &rs->aspect[i], err);
  return st;
}

static im_render_options options_for(const run_state *rs, const im_panel *p) {
  im_render_options o = rs->opt ? *rs->opt : (im_render_options){0};
  o.has_size = false; /* the copies have the render's page */
  o.dpi = rs->outer->frame.dpi;
  o.stats = NULL;
  o.timings = NULL; /* the page's render times the whole (im_multiples_draw) */
  /* A panel's own period is its own: --from/--to set the map's. */
  if (p && p->has_period)
    o.from = o.to = NULL;
  return o;
}

/* ---- measuring ---- */

static im_status start_measuring(run_state *rs, im_error *err) {
  rs->scratch_surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
  rs->scratch = cairo_create(rs->scratch_surface);
  if (cairo_status(rs->scratch) != CAIRO_STATUS_SUCCESS)
    return oom(err);
  im_render_options o = options_for(rs, NULL);
  rs->have_mrc = true;
  im_status st = im_render_ctx_init(&rs->mrc, &rs->page.map, &o, rs->vector, err);
  if (st)
    return st;
  if ((st = im_render_ctx_attach(&rs->mrc, rs->scratch, NULL, err)))
    return st;
  return im_furniture_begin(&rs->mrc.page, err);
}

static int side_of(im_position p) {
  return p <= IM_POS_TOP_RIGHT ? 0 : p == IM_POS_RIGHT ? 1 : p == IM_POS_LEFT ? 3 : 2;
}

/* How deep the page's items outside the grid are on each side: sides
 * first (the width they leave decides the wrapping above and below), then
 * per slot above and below, stacked as furniture.c stacks them. */
static void measure_bands(run_state *rs, bool with_legend, double wrap_pt) {
  im_page *pg = &rs->mrc.page;
  im_furniture_state *s = pg->furniture;
  const im_furniture *fu = &rs->page.fu;
  double out = OUTSIDE_PT * rs->dpp, gap = STACK_GAP_PT * rs->dpp, inner_w = pg->fw;
  const im_text_block *blocks[4] = {&fu->title, &fu->subtitle, &fu->credits, &fu->disclaimer};
  bool present[IM_NITEMS] = {0};
  double band[4] = {0};
  for (int pass = 0; pass < 2; pass++) {
    /* pass 0: left and right; pass 1: above and below, wrapped to the grid's width */
    double grid_w = wrap_pt > 0 ? wrap_pt * rs->dpp : inner_w - band[1] - band[3];
    pg->fw = pass ? grid_w : inner_w;
    for (int k = IM_ITEM_TITLE; k <= IM_ITEM_LEGEND; k++) {
      if (k > IM_ITEM_DISCLAIMER && k != IM_ITEM_LEGEND)
        continue;
      const im_furniture_place *at = k == IM_ITEM_LEGEND ? &fu->legend.at : &blocks[k]->at;
      int side = side_of(at->position);
      if ((side == 1 || side == 3) != (pass == 0))
        continue;
      im_item *it = &s->items[k];
      it->at = at;
      it->placement = IM_PLACE_OUTSIDE;
      it->pad = 0;
      if (k == IM_ITEM_LEGEND)
        present[k] = with_legend && fu->legend.enabled && im_legend_measure(pg);
      else
        present[k] = im_textblock_measure(pg, (im_item_kind)k, pass ? grid_w : 0.25 * inner_w);
      if (present[k] && pass == 0)
        band[side] = fmax(band[side], out + it->w);
    }
  }
  for (int p = IM_POS_TOP_LEFT; p <= IM_POS_BOTTOM_RIGHT; p++) {
    if (p == IM_POS_LEFT || p == IM_POS_RIGHT)
      continue;
    double total = 0;
    for (int k = IM_ITEM_TITLE; k <= IM_ITEM_LEGEND; k++)
      if (present[k] && s->items[k].at->position == (im_position)p)
        total += (total > 0 ? gap : 0) + s->items[k].h;
    if (total > 0)
      band[side_of((im_position)p)] = fmax(band[side_of((im_position)p)], out + total);
  }
  pg->fw = inner_w;
  for (int i = 0; i < 4; i++)
    rs->band[i] = band[i] / rs->dpp;
}

/* A panel title's height in points, wrapped to width points. */
static double title_height(run_state *rs, const char *title, double width) {
  if (!title || !*title)
    return 0;
  const char *font = rs->mu->title_font ? rs->mu->title_font : PANEL_TITLE_FONT;
  PangoLayout *l =
      im_ftext_layout(&rs->mrc.page, title, font, PANEL_TITLE_FONT, width * rs->dpp, PANGO_ALIGN_LEFT, true);
  double w, h;
  im_ftext_size(l, &w, &h);
  g_object_unref(l);
  return h / rs->dpp;
}

static im_bbox cell_rect(const run_state *rs, size_t i) {
  size_t r = i / rs->cols, c = i % rs->cols;
  return (im_bbox){rs->col_x[c], rs->row_y[r], rs->col_x[c] + rs->col_w[c], rs->row_y[r] + rs->row_h[r]};
}

/* The frame with the extent's shape, as large as fits in the cell under a
 * title band of depth band, the two centred together. */
static im_bbox fit_frame(im_bbox cell, double aspect, double band) {
  double aw = cell.maxx - cell.minx, ah = cell.maxy - cell.miny - band;
  double fw = aw, fh = aw / aspect;
  if (fh > ah) {
    fh = ah;
    fw = ah * aspect;
  }
  double x = cell.minx + (aw - fw) / 2, y = cell.miny + (cell.maxy - cell.miny - band - fh) / 2 + band;
  return (im_bbox){x, y, x + fw, y + fh};
}

/* Columns and rows from x0/y0 on, each as wide or high as given. */
static void place_tracks(run_state *rs, double x0, double y0) {
  for (size_t c = 0; c < rs->cols; c++)
    rs->col_x[c] = c ? rs->col_x[c - 1] + rs->col_w[c - 1] + rs->gap : x0;
  for (size_t r = 0; r < rs->rows; r++)
    rs->row_y[r] = r ? rs->row_y[r - 1] + rs->row_h[r - 1] + rs->gap : y0;
}

/* Panel i's title band and frame in its cell. The title wraps to the
 * frame's width, which depends on the title's depth: a few rounds settle it
 * (a deeper title, a narrower frame). */
static void fit_panel(run_state *rs, size_t i) {
  const char *title = rs->mu->panels[i].title;
  rs->cell[i] = cell_rect(rs, i);
  double band = 0, width = rs->cell[i].maxx - rs->cell[i].minx;
  for (int round = 0; round < 4; round++) {
    double h = title_height(rs, title, width);
    double want = h > 0 ? h + OUTSIDE_PT : 0; /* the title sits that far above its frame */
    if (round > 0 && want <= band)
      break;
    band = fmax(band, want);
    rs->frame[i] = fit_frame(rs->cell[i], rs->aspect[i], band);
    width = rs->frame[i].maxx - rs->frame[i].minx;
  }
  rs->title_band[i] = band;
}

/* The grid inside the page's items, its cells, and each panel's frame.
 * Cells are first the space shared out evenly; then each column is made as
 * wide as its widest frame and each row as deep as its deepest title and
 * frame, and the grid, so tightened, is centred in the space: no white
 * between panels but the gap. */
static im_status layout(run_state *rs, im_error *err) {
  im_bbox space = {rs->inner.minx + rs->band[3], rs->inner.miny + rs->band[0], rs->inner.maxx - rs->band[1],
                   rs->inner.maxy - rs->band[2]};
  rs->cols = (size_t)rs->mu->columns;
  rs->rows = (size_t)rs->mu->rows;
  rs->gap = im_length_to_pt(rs->mu->gap, rs->outer->frame.dpi);
  double cw = (space.maxx - space.minx - (rs->cols - 1) * rs->gap) / rs->cols;
  double ch = (space.maxy - space.miny - (rs->rows - 1) * rs->gap) / rs->rows;
  if (!(cw >= MIN_CELL_PT) || !(ch >= MIN_CELL_PT))
    return im_error_set(err, IM_STATUS_INPUT, rs->mu->file, rs->mu->pos.line, rs->mu->pos.column,
                        "multiples: %zu rows and %zu columns leave cells of %.0f x %.0f mm on this page (at least "
                        "%.0f mm a side is needed): use a larger page, fewer panels, a smaller gap or legend",
                        rs->rows, rs->cols, cw * 25.4 / 72, ch * 25.4 / 72, MIN_CELL_PT * 25.4 / 72);
  for (size_t c = 0; c < rs->cols; c++)
    rs->col_w[c] = cw;
  for (size_t r = 0; r < rs->rows; r++)
    rs->row_h[r] = ch;
  place_tracks(rs, space.minx, space.miny);
  double used_w[12] = {0}, used_h[12] = {0};
  for (size_t i = 0; i < rs->mu->npanels; i++) {
    fit_panel(rs, i);
    const im_bbox *f = &rs->frame[i];
    used_w[i % rs->cols] = fmax(used_w[i % rs->cols], f->maxx - f->minx);
    used_h[i / rs->cols] = fmax(used_h[i / rs->cols], rs->title_band[i] + f->maxy - f->miny);
  }
  /* A column or row no panel is in (the legend's cell) keeps its share. */
  double gw = (rs->cols - 1) * rs->gap, gh = (rs->rows - 1) * rs->gap;
  for (size_t c = 0; c < rs->cols; c++)
    gw += rs->col_w[c] = used_w[c] > 0 ? fmin(used_w[c], cw) : cw;
  for (size_t r = 0; r < rs->rows; r++)
    gh += rs->row_h[r] = used_h[r] > 0 ? fmin(used_h[r], ch) : ch;
  double x0 = space.minx + (space.maxx - space.minx - gw) / 2, y0 = space.miny + (space.maxy - space.miny - gh) / 2;
  rs->grid = (im_bbox){x0, y0, x0 + gw, y0 + gh};
  place_tracks(rs, x0, y0);
  for (size_t i = 0; i < rs->mu->npanels; i++) {
    fit_panel(rs, i);
    im_margins *mg = &rs->panels[i].fu.margins;
    const im_bbox *f = &rs->frame[i];
    mg->top = (im_length){f->miny, IM_UNIT_PT};
    mg->left = (im_length){f->minx, IM_UNIT_PT};
    mg->right = (im_length){rs->W - f->maxx, IM_UNIT_PT};
    mg->bottom = (im_length){rs->H - f->maxy, IM_UNIT_PT};
  }
  return IM_STATUS_OK;
}

/* Bands and grid until the grid's width, to which the page's text above
 * and below it wraps, settles (a narrower grid, deeper text, a smaller
 * grid: a few rounds at most). Text that still wraps deeper than measured
 * grows away from the grid, into the margin. */
static im_status settle_layout(run_state *rs, bool with_legend, im_error *err) {
  double wrap = 0;
  for (int round = 0; round < 3; round++) {
    measure_bands(rs, with_legend, wrap);
    im_status st = layout(rs, err);
    double gw = rs->grid.maxx - rs->grid.minx;
    if (st || fabs(gw - wrap) < 0.5)
      return st;
    wrap = gw;
  }
  return IM_STATUS_OK;
}

/* ---- drawing ---- */

/* A panel's legend entries go to the page's legend (draw_panel). */
static im_status take_legend(im_render_ctx *prc, void *into, im_error *err) {
  if (into && prc->page.furniture &&
      (!im_legend_take(into, prc->page.furniture) || !im_legend_size_take(into, prc->page.furniture)))
    return oom(err);
  return IM_STATUS_OK;
}

/* One panel: a whole map in its cell, through render/'s layer loop.
 * probe: only what the legend needs (the layers it may list, no labels,
 * no furniture), onto the scratch surface. The legend entries it notes go
 * to into. */
static im_status draw_panel(run_state *rs, size_t i, bool probe, im_furniture_state *into, im_error *err) {
  const im_panel *p = &rs->mu->panels[i];
  im_render_options o = options_for(rs, p);
  im_render_ctx prc;
  im_status st = im_render_ctx_init(&prc, &rs->panels[i].map, &o, rs->vector, err);
  cairo_t *cr = probe ? rs->scratch : rs->outer->cr;
  double d = rs->dpp;
  cairo_save(cr);
  cairo_rectangle(cr, rs->cell[i].minx * d, rs->cell[i].miny * d, (rs->cell[i].maxx - rs->cell[i].minx) * d,
                  (rs->cell[i].maxy - rs->cell[i].miny) * d);
  cairo_clip(cr);
  if (!st)
    st = im_render_ctx_attach(&prc, cr, probe ? NULL : rs->outer->labeler, err);
  prc.page.over_host = rs->outer->over_host;
  if (!st) {
    im_render_draw_opts d_opts = {.background = probe ? IM_BACKGROUND_NONE : IM_BACKGROUND_FRAME,
                                  .overlay = &im_furniture_overlay,
                                  .legend_layers_only = probe,
                                  .layers_only = probe,
                                  .after_layers = take_legend,
                                  .user = into,
                                  .strict = rs->opt && rs->opt->strict};
    st = im_render_draw(&prc, &d_opts, err);
  }
  if (!st && !probe) {
    const im_render_stats *want = rs->opt ? rs->opt->stats : NULL;
    im_render_add_stats(&prc, &rs->stats, want);
    if (i == 0)
      rs->stats.scale_denominator = prc.scale_denominator;
    if (rs->report && i < IM_MULTIPLES_REPORT_PANELS) {
      im_multiples_report *r = rs->report;
      r->panels[i].fx0 = prc.fx0, r->panels[i].fy0 = prc.fy0, r->panels[i].fw = prc.fw, r->panels[i].fh = prc.fh;
      r->panels[i].frame = prc.frame;
      r->panels[i].title = prc.page.furniture && prc.page.furniture->items[IM_ITEM_TITLE].present;
      if (r->panels[i].title)
        r->panels[i].title_box = prc.page.furniture->items[IM_ITEM_TITLE].box;
    }
  }
  im_render_ctx_detach(&prc);
  cairo_restore(cr);
  im_render_ctx_fini(&prc);
  return st;
}

/* The legend in the grid's last cell, centred, on its box. */
static void draw_cell_legend(run_state *rs, im_page *pc) {
  im_furniture_state *s = pc->furniture;
  im_item *it = &s->items[IM_ITEM_LEGEND];
  it->at = &rs->page.fu.legend.at;
  it->placement = IM_PLACE_INSIDE;
  it->pad = it->at->box ? 4.0 * rs->dpp : 0;
  if (!(it->present = im_legend_measure(pc)))
    return;
  im_bbox c = cell_rect(rs, rs->rows * rs->cols - 1);
  double cx = (c.minx + c.maxx) / 2 * rs->dpp, cy = (c.miny + c.maxy) / 2 * rs->dpp;
  it->box = (im_bbox){cx - it->w / 2, cy - it->h / 2, cx + it->w / 2, cy + it->h / 2};
  im_legend_draw(pc);
}

static void report_page(run_state *rs, const im_page *pc) {
  im_multiples_report *r = rs->report;
  double d = rs->dpp;
  r->dev_w = pc->dev_w, r->dev_h = pc->dev_h, r->dev_per_pt = d;
  r->rows = rs->rows, r->columns = rs->cols, r->npanels = rs->mu->npanels;
  r->inner = (im_bbox){rs->inner.minx * d, rs->inner.miny * d, rs->inner.maxx * d, rs->inner.maxy * d};
  r->grid = (im_bbox){rs->grid.minx * d, rs->grid.miny * d, rs->grid.maxx * d, rs->grid.maxy * d};
  for (size_t i = 0; i < rs->mu->npanels && i < IM_MULTIPLES_REPORT_PANELS; i++) {
    im_bbox c = rs->cell[i];
    r->panels[i].cell = (im_bbox){c.minx * d, c.miny * d, c.maxx * d, c.maxy * d};
  }
  r->legend_in_cell = rs->mu->legend == IM_MULTIPLES_LEGEND_CELL;
  r->legend_cell = rs->rows * rs->cols - 1;
  const im_furniture_state *s = pc->furniture;
  if (!s)
    return;
  for (size_t i = 0; i < s->nentries && r->nlegend < 64; i++) {
    size_t k = r->nlegend++;
    snprintf(r->legend[k].label, sizeof r->legend[k].label, "%s", s->entries[i].label);
    r->legend[k].count = s->entries[i].count;
    r->legend[k].layer = s->entries[i].layer;
    r->legend[k].section = s->entries[i].section;
  }
  for (int k = 0; k < IM_NITEMS; k++) {
    r->item_present[k] = s->items[k].present;
    r->item_box[k] = s->items[k].box;
  }
}

/* The page: its background, the page's furniture round the grid, the
 * panels, the legend. */
static im_status draw_page(run_state *rs, bool opaque, im_error *err) {
  cairo_t *cr = rs->outer->cr;
  const im_color *bg = &rs->map->background;
  /* The page is paper: white, or nothing under a transparent background. */
  if (bg->a >= 1 || opaque) {
    cairo_save(cr);
    if (bg->a >= 1)
      cairo_set_source_rgb(cr, 1, 1, 1);
    else
      cairo_set_source_rgba(cr, 0, 0, 0, 0);
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
    cairo_paint(cr);
    cairo_restore(cr);
  }
  im_margins *mg = &rs->page.fu.margins;
  mg->top = (im_length){rs->grid.miny, IM_UNIT_PT};
  mg->left = (im_length){rs->grid.minx, IM_UNIT_PT};
  mg->right = (im_length){rs->W - rs->grid.maxx, IM_UNIT_PT};
  mg->bottom = (im_length){rs->H - rs->grid.maxy, IM_UNIT_PT};
  im_render_options o = options_for(rs, NULL);
  im_render_ctx pc;
  im_status st = im_render_ctx_init(&pc, &rs->page.map, &o, rs->vector, err);
  if (!st) {
    /* The page's labeler: its text sink takes the page's text too. */
    im_render_ctx_attach_shared(&pc, cr, rs->outer->labeler);
    pc.page.over_host = rs->outer->over_host;
    st = im_furniture_begin(&pc.page, err);
  }
  for (size_t i = 0; i < rs->mu->npanels && !st; i++)
    st = draw_panel(rs, i, false, pc.page.furniture, err);
  if (!st)
    st = im_furniture_finish(&pc.page, err);
  if (!st && rs->mu->legend == IM_MULTIPLES_LEGEND_CELL && rs->map->furniture && rs->map->furniture->legend.enabled)
    draw_cell_legend(rs, &pc.page);
  if (!st && rs->report)
    report_page(rs, &pc.page);
  im_render_ctx_detach(&pc);
  im_render_ctx_fini(&pc);
  return st;
}

static im_status run(im_page *pg, const im_render_options *opt, bool opaque, im_multiples_report *report,
                     im_error *err) {
  run_state rs = {.map = pg->map, .mu = pg->map->multiples, .outer = pg, .opt = opt, .report = report};
  rs.dpp = pg->dev_per_pt;
  /* As furniture.c tells: a vector surface's device units are points. */
  rs.vector = pg->dev_per_pt == 1 && pg->dev_w == pg->frame.width_pt && pg->dev_h == pg->frame.height_pt;
  rs.W = pg->frame.width_pt;
  rs.H = pg->frame.height_pt;
  double mt, mr, mb, ml;
  im_furniture_margins_pt(pg->map->furniture, pg->frame.dpi, &mt, &mr, &mb, &ml);
  if (mt <= 0 && mr <= 0 && mb <= 0 && ml <= 0)
    mt = mr = mb = ml = DEFAULT_MARGIN_MM * 72 / 25.4;
  rs.inner = (im_bbox){ml, mt, rs.W - mr, rs.H - mb};
  im_status st = build_copies(&rs, err);
  if (!st) {
    rs.page.fu.margins = (im_margins){{mt, IM_UNIT_PT}, {mr, IM_UNIT_PT}, {mb, IM_UNIT_PT}, {ml, IM_UNIT_PT}};
    st = aspects(&rs, err);
  }
  if (!st)
    st = start_measuring(&rs, err);
  if (!st)
    st = settle_layout(&rs, false, err);
  /* The legend's size (outside the grid) depends on what the panels draw. */
  const im_legend *lg = &rs.page.fu.legend;
  if (!st && lg->enabled && rs.mrc.page.furniture) {
    for (size_t i = 0; i < rs.mu->npanels && !st; i++)
      st = draw_panel(&rs, i, true, rs.mrc.page.furniture, err);
    if (!st)
      st = settle_layout(&rs, true, err);
  }
  if (!st)
    st = draw_page(&rs, opaque, err);
  if (!st && opt && opt->stats) {
    im_render_stats *out = opt->stats;
    rs.stats.on_dropped_label = out->on_dropped_label;
    rs.stats.user = out->user;
    *out = rs.stats;
  }
  run_fini(&rs);
  return st;
}

im_status im_multiples_draw(im_page *pg, const im_render_options *opt, bool opaque, const char *name, im_error *err) {
  im_status st = run(pg, opt, opaque, NULL, err);
  if (!st && cairo_status(pg->cr) != CAIRO_STATUS_SUCCESS)
    st = im_error_set(err, IM_STATUS_INTERNAL, name, 0, 0, "drawing failed: %s",
                      cairo_status_to_string(cairo_status(pg->cr)));
  return st;
}

im_status im_multiples_check(const im_map *map, im_error *err) {
  const im_multiples *mu = map->multiples;
  im_frame page = {.width_pt = im_length_to_pt(map->width, map->dpi),
                   .height_pt = im_length_to_pt(map->height, map->dpi),
                   .dpi = map->dpi};
  im_status st = IM_STATUS_OK;
  for (size_t i = 0; mu && i < mu->npanels && !st; i++) {
    map_copy c;
    if (!(st = copy_init(&c, map, &page, err)) && !(st = apply_panel(&c, mu, &mu->panels[i], err))) {
      memset(&c.fu.margins, 0, sizeof c.fu.margins);
      st = im_render_check_map(&c.map, NULL, err);
    }
    copy_fini(&c);
  }
  return st;
}

im_status im_multiples_probe(const im_map *map, const im_render_options *opt, im_multiples_report *out, im_error *err) {
  memset(out, 0, sizeof *out);
  if (!map->multiples)
    return im_error_set(err, IM_STATUS_USAGE, map->path, 0, 0, "the spec has no multiples:");
  im_render_ctx rc;
  im_status st = im_render_ctx_open_image(&rc, map, opt, err);
  if (!st)
    st = run(&rc.page, opt, true, out, err);
  im_render_ctx_close_image(&rc);
  return st;
}
