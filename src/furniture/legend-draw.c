/* The legend on the page: its rows (entries of one section that share a
 * label, and rows that look alike joined), their symbols drawn by the map's
 * own functions, and the layout in columns and sections. What the rows
 * come from is noted while the layers draw (legend.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "furniture/furniture-private.h"
#include "geo/geom-private.h"

#define LEGEND_FONT "Noto Sans 7"
#define LEGEND_TITLE_FONT "Noto Sans Bold 7.5"
#define LEGEND_SECTION_FONT "Noto Sans Bold 7"
#define MAX_ROW_SYMBOLS 4

/* ---- rows ---- */

typedef struct {
  const char *label;
  char joined[200]; /* rows of one section that look alike: "occurred, operational" (use_joined) */
  size_t section;
  bool use_joined;
  size_t count;
  size_t entries[MAX_ROW_SYMBOLS];
  size_t nentries;
  size_t layer; /* where it first appears, for the order */
  long cls;
  bool no_data; /* listed last */
  bool other;   /* a palette's "other" (the values it does not name): after the named ones */
} row;

static const im_legend *legend_of(const im_page *pg) { return &pg->furniture->fu->legend; }

static int cmp_data(const void *a, const void *b) {
  const row *x = a, *y = b;
  if (x->no_data != y->no_data)
    return x->no_data ? 1 : -1;
  if (x->other != y->other)
    return x->other ? 1 : -1;
  if (x->layer != y->layer)
    return x->layer < y->layer ? -1 : 1;
  if (x->cls != y->cls)
    return x->cls < y->cls ? -1 : 1;
  return strcmp(x->label, y->label);
}

static int cmp_label(const void *a, const void *b) {
  const row *x = a, *y = b;
  if (x->no_data != y->no_data)
    return x->no_data ? 1 : -1;
  if (x->other != y->other)
    return x->other ? 1 : -1;
  int c = strcasecmp(x->label, y->label);
  return c ? c : cmp_data(a, b);
}

static int cmp_entry_order(const im_legend_entry *a, const im_legend_entry *b) {
  if (a->layer != b->layer)
    return a->layer < b->layer ? -1 : 1;
  return a->kind < b->kind ? -1 : a->kind > b->kind;
}

/* The entry of row r for a layer's points, lines or polygons; NULL: none. */
static const im_legend_entry *row_entry(const im_furniture_state *s, const row *r, const im_legend_entry *like) {
  for (size_t k = 0; k < r->nentries; k++) {
    const im_legend_entry *x = &s->entries[r->entries[k]];
    if (x->kind == like->kind && x->layer == like->layer)
      return x;
  }
  return NULL;
}

/* Do two rows look alike to a reader of the map: every symbol both show
 * (a layer's points, its lines) drawn the same, and at least one shown by
 * both? A value that only some routes have ("diplomacy": a route and
 * circles) and one that has none ("other": circles) are told apart on the
 * map by nothing, so the legend may not tell them apart either. */
static bool rows_look_alike(const im_furniture_state *s, const row *a, const row *b) {
  bool shared = false;
  for (size_t k = 0; k < a->nentries; k++) {
    const im_legend_entry *x = &s->entries[a->entries[k]], *y = row_entry(s, b, x);
    if (!y)
      continue;
    if (!im_legend_same_look(im_legend_entry_style(x), im_legend_entry_style(y)))
      return false;
    shared = true;
  }
  return shared;
}

/* Adds entry i to r's symbols, in layer order, then points, lines,
 * polygons. */
static void row_add_entry(const im_furniture_state *s, row *r, size_t i) {
  if (r->nentries >= MAX_ROW_SYMBOLS)
    return;
  const im_legend_entry *e = &s->entries[i];
  size_t at = r->nentries++;
  while (at > 0 && cmp_entry_order(e, &s->entries[r->entries[at - 1]]) < 0) {
    r->entries[at] = r->entries[at - 1];
    at--;
  }
  r->entries[at] = i;
}

/* The text a row shows for an entry's label: the legend's labels: give
 * some values their own ("proposed" -> "Planned"). */
static const char *shown(const im_legend *lg, const char *label) {
  for (size_t i = 0; i < lg->nrelabel; i++)
    if (!strcmp(lg->relabel_from[i], label))
      return lg->relabel_to[i];
  return label;
}

/* The rows of section sec, in order; returns how many (rows holds
 * nentries). */
static size_t build_rows(const im_page *pg, size_t sec, row *rows) {
  const im_furniture_state *s = pg->furniture;
  const im_legend *lg = legend_of(pg);
  bool by = im_legend_section_by(lg, sec) != NULL;
  size_t n = 0;
  for (size_t i = 0; i < s->nentries; i++) {
    const im_legend_entry *e = &s->entries[i];
    if (e->section != sec)
      continue;
    row *r = NULL;
    const char *label = shown(lg, e->label);
    for (size_t j = 0; by && j < n && !r; j++)
      if (!strcmp(rows[j].label, label))
        r = &rows[j];
    if (!r) {
      r = &rows[n++];
      *r = (row){.label = label,
                 .layer = e->layer,
                 .cls = e->cls,
                 .section = sec,
                 .no_data = e->no_data,
                 .other = !strcmp(e->label, "other")};
    }
    r->count += e->count;
    row_add_entry(s, r, i);
    if (e->layer < r->layer || (e->layer == r->layer && e->cls < r->cls)) {
      r->layer = e->layer;
      r->cls = e->cls;
    }
  }
  qsort(rows, n, sizeof *rows, lg->sort == IM_LEGEND_SORT_LABEL ? cmp_label : cmp_data);
  /* In a section, values drawn alike are one row: a reader cannot tell
   * "occurred" from "operational" on the map, so neither may the legend
   * pretend to (rows_look_alike). */
  if (!lg->nsections)
    return n;
  size_t out = 0;
  for (size_t i = 0; i < n; i++) {
    row *into = NULL;
    for (size_t j = 0; j < out && !into; j++)
      if (rows[j].no_data == rows[i].no_data && rows_look_alike(s, &rows[j], &rows[i]))
        into = &rows[j];
    if (!into) {
      rows[out++] = rows[i];
      continue;
    }
    if (!into->use_joined) {
      snprintf(into->joined, sizeof into->joined, "%s", into->label);
      into->use_joined = true;
    }
    size_t len = strlen(into->joined);
    snprintf(into->joined + len, sizeof into->joined - len, ", %s", rows[i].label);
    into->count += rows[i].count;
    /* The joined row shows every symbol either showed. */
    for (size_t k = 0; k < rows[i].nentries; k++)
      if (!row_entry(s, into, &s->entries[rows[i].entries[k]]))
        row_add_entry(s, into, rows[i].entries[k]);
  }
  return out;
}

/* ---- symbols ---- */

/* The size of an entry's symbol, device units. */
static void symbol_size(const im_page *pg, const im_legend_entry *e, double *w, double *h) {
  double pt = pg->dev_per_pt;
  const im_style *st = im_legend_entry_style(e);
  if (e->kind == IM_GEOM_POINT) {
    im_bbox b = im_marker_box(pg->symbols, st, 0, 0);
    *w = fmax(b.maxx - b.minx, 4 * pt);
    *h = fmax(b.maxy - b.miny, 4 * pt);
  } else if (e->kind == IM_GEOM_LINE) {
    *w = 20 * pt;
    *h = fmax(im_symbol_margin(pg->symbols, st) * 2, 4 * pt);
  } else {
    *w = 14 * pt;
    *h = 9 * pt;
  }
}

static void draw_symbol(im_page *pg, const im_legend_entry *e, double x, double y, double w, double h) {
  const im_style *st = im_legend_entry_style(e);
  const im_symbol_ctx *sc = pg->symbols;
  cairo_t *cr = pg->cr;
  double layer_opacity = pg->map->layers[e->layer].style.opacity;
  cairo_save(cr);
  bool group = layer_opacity < 1;
  if (group)
    im_render_push_group(cr);
  double cx = x + w / 2, cy = y + h / 2;
  if (e->kind == IM_GEOM_POINT) {
    im_bbox b = im_marker_box(sc, st, 0, 0);
    im_draw_marker(cr, sc, st, cx - (b.minx + b.maxx) / 2, cy - (b.miny + b.maxy) / 2);
  } else {
    im_geom g;
    im_geom_init(&g, e->kind);
    bool ok = im_geom_begin_part(&g);
    if (e->kind == IM_GEOM_LINE) {
      ok = ok && im_geom_add_point(&g, x, cy) && im_geom_add_point(&g, x + w, cy);
      if (ok)
        im_stroke_lines(cr, sc, st, &g);
    } else {
      ok = ok && im_geom_add_point(&g, x, y) && im_geom_add_point(&g, x + w, y) &&
           im_geom_add_point(&g, x + w, y + h) && im_geom_add_point(&g, x, y + h) && im_geom_add_point(&g, x, y);
      /* As draw.c decides: filled when the style sets a fill; an outline
       * when it sets a stroke, or no fill. */
      bool fill = ((st->set & IM_STYLE_FILL) && st->fill.a > 0) || (st->set & IM_STYLE_HATCH);
      bool stroke =
          st->stroke_color.a > 0 && im_symbol_len(sc, st->stroke_width) > 0 &&
          ((st->set & (IM_STYLE_STROKE | IM_STYLE_STROKE_COLOR | IM_STYLE_STROKE_WIDTH)) || !(st->set & IM_STYLE_FILL));
      static const im_geom none = {.kind = IM_GEOM_POLYGON};
      if (ok && (fill || stroke))
        im_fill_polygon(cr, sc, st, fill ? &g : &none, stroke ? &g : NULL);
    }
    im_geom_free(&g);
  }
  if (group) {
    cairo_pop_group_to_source(cr);
    cairo_paint_with_alpha(cr, layer_opacity);
  }
  cairo_restore(cr);
}

/* ---- layout ---- */

#define MAX_SECTIONS 9 /* 8 and the block of other layers */

typedef struct {
  size_t nrows, per_column, columns;
  double sym_w, sym_h, text_w, col_w[12], col_h[12], title_h, row_gap, text_gap, col_gap;
  /* Sections (legend: sections:): their rows are rows[sec_first[i] ..
   * + sec_rows[i]), each under a heading sec_head_h[i] high (0: none),
   * one column. */
  size_t nsections, sec_first[MAX_SECTIONS], sec_rows[MAX_SECTIONS];
  double sec_head_h[MAX_SECTIONS], sec_gap;
  double size_w, size_h; /* the proportional symbols' blocks, below the rows (legend-size.c) */
} legend_layout;

/* A section's heading: the section's title in the legend's title font. */
static PangoLayout *section_head(im_page *pg, size_t sec) {
  const im_legend *lg = legend_of(pg);
  /* The block of other layers after the sections: what the base map shows. */
  const char *t = sec < lg->nsections ? lg->sections[sec].title : lg->nsections ? "Base map" : NULL;
  if (!t || !*t)
    return NULL;
  return im_ftext_layout(pg, t, lg->title_font, LEGEND_SECTION_FONT, 0, PANGO_ALIGN_LEFT, true);
}

static PangoLayout *row_text(im_page *pg, const row *r, double wrap) {
  const im_legend *lg = legend_of(pg);
  char text[320];
  /* The base map's block is not counted: "Town (23)" counts nothing a
   * reader looks for. */
  if (lg->counts && (!lg->nsections || r->section < lg->nsections))
    snprintf(text, sizeof text, "%s (%zu)", r->use_joined ? r->joined : r->label, r->count);
  else
    snprintf(text, sizeof text, "%s", r->use_joined ? r->joined : r->label);
  return im_ftext_layout(pg, text, lg->font, LEGEND_FONT, wrap, PANGO_ALIGN_LEFT, false);
}

static void row_symbols_size(im_page *pg, const row *r, double *w, double *h) {
  const im_furniture_state *s = pg->furniture;
  *w = 0;
  *h = 0;
  for (size_t i = 0; i < r->nentries; i++) {
    double sw, sh;
    symbol_size(pg, &s->entries[r->entries[i]], &sw, &sh);
    *w += (i ? 3 * pg->dev_per_pt : 0) + sw;
    *h = fmax(*h, sh);
  }
}

/* A row's height and where its symbols' middle and text top go: symbols
 * are centred on the text's first line; every row is at least as high as
 * the tallest symbol (sym_h), so rows are evenly spaced. */
static double row_metrics(im_page *pg, const row *r, PangoLayout *t, double sym_h, double *mid, double *text_dy) {
  double tw, th, sw, sh;
  im_ftext_size(t, &tw, &th);
  row_symbols_size(pg, r, &sw, &sh);
  sh = fmax(sh, sym_h);
  PangoRectangle first;
  pango_layout_line_get_extents(pango_layout_get_line_readonly(t, 0), NULL, &first);
  double first_h = first.height / (double)PANGO_SCALE;
  *mid = fmax(first_h, sh) / 2;
  *text_dy = *mid - first_h / 2;
  return fmax(*text_dy + th, sh);
}

static bool layout_legend(im_page *pg, row *rows, legend_layout *L) {
  im_furniture_state *s = pg->furniture;
  const im_legend *lg = legend_of(pg);
  im_item *it = &s->items[IM_ITEM_LEGEND];
  double pt = pg->dev_per_pt;
  memset(L, 0, sizeof *L);
  L->nsections = s->nsections < MAX_SECTIONS ? s->nsections : MAX_SECTIONS;
  for (size_t sec = 0; sec < L->nsections; sec++) {
    L->sec_first[sec] = L->nrows;
    L->sec_rows[sec] = build_rows(pg, sec, rows + L->nrows);
    L->nrows += L->sec_rows[sec];
  }
  im_legend_size_measure(pg, &L->size_w, &L->size_h);
  if (!L->nrows && !L->size_h)
    return false;
  L->columns = lg->columns > 0 && !lg->nsections ? (size_t)lg->columns : 1;
  if (L->columns > L->nrows)
    L->columns = L->nrows ? L->nrows : 1;
  L->per_column = L->nrows ? (L->nrows + L->columns - 1) / L->columns : 1;
  L->row_gap = 2.5 * pt;
  L->text_gap = 4 * pt;
  L->col_gap = 9 * pt;
  for (size_t i = 0; i < L->nrows; i++) {
    double w, h;
    row_symbols_size(pg, &rows[i], &w, &h);
    L->sym_w = fmax(L->sym_w, w);
    L->sym_h = fmax(L->sym_h, h);
  }
  if (lg->width.value > 0) {
    double inner = im_furniture_len(pg, lg->width) - 2 * it->pad;
    L->text_w = (inner - (L->columns - 1) * L->col_gap) / L->columns - L->sym_w - L->text_gap;
    if (L->text_w < 20 * pt)
      L->text_w = 20 * pt;
  } else {
    L->text_w = 0.4 * pg->fw / L->columns;
  }
  double title_w = 0;
  if (lg->title && *lg->title) {
    PangoLayout *t = im_ftext_layout(pg, lg->title, lg->title_font, LEGEND_TITLE_FONT,
                                     lg->width.value > 0 ? im_furniture_len(pg, lg->width) - 2 * it->pad : 0,
                                     PANGO_ALIGN_LEFT, true);
    im_ftext_size(t, &title_w, &L->title_h);
    L->title_h += 3 * pt;
    g_object_unref(t);
  }
  L->sec_gap = 4 * pt;
  for (size_t sec = 0; sec < L->nsections; sec++) {
    PangoLayout *hd = L->sec_rows[sec] ? section_head(pg, sec) : NULL;
    if (hd) {
      double hw, hh;
      im_ftext_size(hd, &hw, &hh);
      L->sec_head_h[sec] = hh + 2 * pt;
      title_w = fmax(title_w, hw);
      g_object_unref(hd);
    }
    /* Sections stack in the one column, a gap and a heading apart. */
    if (L->sec_rows[sec] && L->sec_first[sec] > 0)
      L->col_h[0] += L->sec_gap;
    L->col_h[0] += L->sec_head_h[sec];
  }
  for (size_t i = 0; i < L->nrows; i++) {
    size_t c = i / L->per_column;
    PangoLayout *t = row_text(pg, &rows[i], L->text_w);
    double tw, th, mid, dy;
    im_ftext_size(t, &tw, &th);
    double rh = row_metrics(pg, &rows[i], t, L->sym_h, &mid, &dy);
    g_object_unref(t);
    L->col_w[c] = fmax(L->col_w[c], L->sym_w + L->text_gap + tw);
    bool first_of_section = false;
    for (size_t sec = 0; sec < L->nsections; sec++)
      first_of_section = first_of_section || (L->sec_rows[sec] && L->sec_first[sec] == i);
    L->col_h[c] += (i % L->per_column && !first_of_section ? L->row_gap : 0) + rh;
  }
  double w = 0, h = 0;
  for (size_t c = 0; c < L->columns; c++) {
    w += (c ? L->col_gap : 0) + L->col_w[c];
    h = fmax(h, L->col_h[c]);
  }
  if (L->size_h > 0) {
    h += (L->nrows ? L->sec_gap : 0) + L->size_h;
    w = fmax(w, L->size_w);
  }
  if (lg->width.value > 0)
    w = fmax(w, im_furniture_len(pg, lg->width) - 2 * it->pad);
  w = fmax(w, title_w);
  it->w = w + 2 * it->pad;
  it->h = L->title_h + h + 2 * it->pad;
  return true;
}

bool im_legend_measure(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  row *rows = im_malloc_array(s->nentries + 1, sizeof *rows);
  legend_layout L;
  bool any = rows && layout_legend(pg, rows, &L);
  free(rows);
  return any;
}

void im_legend_draw(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  const im_legend *lg = legend_of(pg);
  im_item *it = &s->items[IM_ITEM_LEGEND];
  row *rows = im_malloc_array(s->nentries + 1, sizeof *rows);
  legend_layout L;
  if (!rows || !layout_legend(pg, rows, &L)) {
    free(rows);
    return;
  }
  im_furniture_draw_box(pg, it);
  double x0 = it->box.minx + it->pad, y0 = it->box.miny + it->pad;
  if (lg->title && *lg->title) {
    PangoLayout *t = im_ftext_layout(pg, lg->title, lg->title_font, LEGEND_TITLE_FONT,
                                     lg->width.value > 0 ? it->w - 2 * it->pad : 0, PANGO_ALIGN_LEFT, true);
    im_ftext_draw(pg, t, x0, y0, lg->color, 0, lg->color, "legend");
    g_object_unref(t);
  }
  double cx = x0, y = y0 + L.title_h;
  for (size_t i = 0; i < L.nrows; i++) {
    size_t c = i / L.per_column;
    if (i && i % L.per_column == 0) {
      cx += L.col_w[c - 1] + L.col_gap;
      y = y0 + L.title_h;
    }
    /* A section starts: a gap after the one before, then its heading. */
    for (size_t sec = 0; sec < L.nsections; sec++) {
      if (!L.sec_rows[sec] || L.sec_first[sec] != i)
        continue;
      if (i > 0)
        y += L.sec_gap - L.row_gap;
      PangoLayout *hd = section_head(pg, sec);
      if (hd) {
        im_ftext_draw(pg, hd, cx, y, lg->color, 0, lg->color, "legend");
        g_object_unref(hd);
      }
      y += L.sec_head_h[sec];
    }
    PangoLayout *t = row_text(pg, &rows[i], L.text_w);
    double sw, sh, mid, dy;
    row_symbols_size(pg, &rows[i], &sw, &sh);
    double rh = row_metrics(pg, &rows[i], t, L.sym_h, &mid, &dy);
    /* Right-aligned, so rows with fewer symbols line theirs up with the
     * last symbols of the others (the points, layers being in order). */
    double sx = cx + L.sym_w - sw;
    for (size_t k = 0; k < rows[i].nentries; k++) {
      const im_legend_entry *e = &s->entries[rows[i].entries[k]];
      double ew, eh;
      symbol_size(pg, e, &ew, &eh);
      draw_symbol(pg, e, sx, y + mid - eh / 2, ew, eh);
      sx += ew + 3 * pg->dev_per_pt;
    }
    im_ftext_draw(pg, t, cx + L.sym_w + L.text_gap, y + dy, lg->color, 0, lg->color, "legend");
    g_object_unref(t);
    y += rh + L.row_gap;
  }
  if (L.size_h > 0) {
    double hmax = 0;
    for (size_t c = 0; c < L.columns; c++)
      hmax = fmax(hmax, L.col_h[c]);
    im_legend_size_draw(pg, x0, y0 + L.title_h + hmax + (L.nrows ? L.sec_gap : 0));
  }
  free(rows);
}
