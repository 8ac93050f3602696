/* The legend of proportional symbols (marker: size: {field, ...}): three
 * nested symbols of round values, the largest near the largest drawn, on one
 * baseline, each labelled at its top by a thin leader, the way printed
 * atlases key graduated circles. One block per layer drawn, below the
 * legend's rows. The symbols are the layer's own, with no class colour (a
 * neutral sample), so that size is read as the value and colour stays the
 * classes'. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cnum-private.h"
#include "core/mem-private.h"
#include "furniture/furniture-private.h"

#define SIZE_FONT "Noto Sans 7"
#define SIZE_TITLE_FONT "Noto Sans Bold 7"

/* The title of a layer's block: the legend section that is by its field,
 * else the layer's legend label, else the field. */
static const char *size_title(const im_legend *lg, const im_layer_style *ls, const char *field) {
  for (size_t i = 0; i < lg->nsections; i++)
    if (lg->sections[i].by && !strcasecmp(lg->sections[i].by, field) && lg->sections[i].title)
      return lg->sections[i].title;
  if (lg->by && !strcasecmp(lg->by, field) && lg->title)
    return NULL; /* the legend's own title already says it */
  return ls->legend_label ? ls->legend_label : field;
}

bool im_legend_size_note(im_page *pg, size_t li, const im_layer_style *ls, const struct im_resolver *res,
                         const im_feature *f) {
  im_furniture_state *s = pg->furniture;
  const im_legend *lg = &s->fu->legend;
  double max_value, v = im_resolver_size_value(res, f);
  im_length max;
  if (ls->legend_hide || f->geom.kind == IM_GEOM_LINE || !im_resolver_size_scale(res, &max_value, &max) || !(v > 0) ||
      !(max_value > 0))
    return true;
  bool named = !lg->nlayers;
  for (size_t i = 0; i < lg->nlayers; i++)
    named = named || !strcmp(lg->layers[i], ls->id);
  if (!named)
    return true;
  for (size_t i = 0; i < s->nsizes; i++)
    if (s->sizes[i].layer == li) {
      s->sizes[i].top = fmax(s->sizes[i].top, v);
      s->sizes[i].integer = s->sizes[i].integer && v == floor(v);
      return true;
    }
  if (!im_grow((void **)&s->sizes, &s->cap_sizes, s->nsizes + 1, sizeof *s->sizes))
    return false;
  im_legend_size *z = &s->sizes[s->nsizes];
  memset(z, 0, sizeof *z);
  const char *field = im_resolver_size_field(res);
  const char *title = size_title(lg, ls, field);
  z->layer = li;
  z->max_value = max_value;
  z->max = max;
  z->top = v;
  z->integer = v == floor(v);
  if ((title && !(z->title = im_strdup(title))) || !im_resolver_class_style(res, 0, -1, IM_GEOM_POINT, &z->style)) {
    free(z->title);
    im_style_clear(&z->style);
    return false;
  }
  /* A layer whose colour comes from its classes has no fill of its own:
   * its neutral symbols are a light grey that reads as no colour at all
   * (the default mid grey is darker than most class colours). */
  if (!(ls->style.set & IM_STYLE_FILL))
    z->style.fill = (im_color){0.85, 0.85, 0.85, 1};
  s->nsizes++;
  return true;
}

void im_legend_size_clear(im_legend_size *z) {
  free(z->title);
  im_style_clear(&z->style);
  memset(z, 0, sizeof *z);
}

bool im_legend_size_take(im_furniture_state *into, im_furniture_state *from) {
  for (size_t i = 0; i < from->nsizes; i++) {
    im_legend_size *z = &from->sizes[i], *same = NULL;
    for (size_t j = 0; j < into->nsizes && !same; j++)
      if (into->sizes[j].layer == z->layer)
        same = &into->sizes[j];
    if (same) {
      same->top = fmax(same->top, z->top);
      same->integer = same->integer && z->integer;
      im_legend_size_clear(z);
      continue;
    }
    if (!im_grow((void **)&into->sizes, &into->cap_sizes, into->nsizes + 1, sizeof *into->sizes))
      return false;
    into->sizes[into->nsizes++] = *z;
    memset(z, 0, sizeof *z);
  }
  from->nsizes = 0;
  return true;
}

/* The largest m * 10^k at most v, m among mantissas (descending); on a
 * field of whole numbers only whole values. 0 when there is none. */
static double nice_below(double v, const double *mantissas, size_t nm, bool integer) {
  if (!(v > 0) || !isfinite(v))
    return 0;
  for (int k = (int)floor(log10(v)) + 1; k >= -12; k--) {
    double p = pow(10, k);
    for (size_t i = 0; i < nm; i++) {
      double c = mantissas[i] * p;
      /* 1e-9: 0.3 is not below 0.3 for want of a bit. */
      if (c <= v * (1 + 1e-9) && (!integer || c == floor(c)))
        return integer && c < 1 ? 0 : c;
    }
  }
  return 0;
}

size_t im_legend_size_values(double top, bool integer, double out[3]) {
  static const double any[] = {9, 8, 7, 6, 5, 4, 3, 2.5, 2, 1.5, 1};
  static const double round[] = {5, 2.5, 2, 1};
  /* The largest: top to one significant digit (47 -> 40, 1,234 -> 1,000,
   * 9 -> 9), so the legend's largest symbol is about the map's; the others
   * about a half and an eighth of it, rounder still. */
  double v[3] = {nice_below(top, any, sizeof any / sizeof any[0], integer), 0, 0};
  v[1] = nice_below(v[0] / 2, round, sizeof round / sizeof round[0], integer);
  v[2] = nice_below(v[0] / 8, round, sizeof round / sizeof round[0], integer);
  if (integer && v[2] == 0 && v[1] > 1)
    v[2] = 1;
  size_t n = 0;
  for (size_t i = 0; i < 3; i++)
    if (v[i] > 0 && (n == 0 || v[i] < out[n - 1]))
      out[n++] = v[i];
  return n;
}

/* A legend value: whole numbers with thousands separators (a comma, in
 * any locale), else three significant digits. */
static void format_value(double v, char *buf, size_t size) {
  if (v != floor(v) || fabs(v) >= 1e15) {
    im_snprintf(buf, size, "%.3g", v);
    return;
  }
  im_format_number(v, 0, true, buf, size);
}

/* The width (device units) of value v's symbol in block z. */
static double symbol_width(const im_page *pg, const im_legend_size *z, double v) {
  return im_furniture_len(pg, z->max) * sqrt(v / z->max_value);
}

typedef struct {
  double vals[3];
  size_t n;
  double big;              /* the largest symbol's width */
  double label_y[3];       /* each label's middle, from the block's baseline up (negative down) */
  double text_w, text_h;   /* the widest label, one line's height */
  double title_w, title_h; /* 0: no title */
} size_layout;

#define LEADER_PT 6.0 /* from the largest symbol's right edge to the labels */

static void layout_block(im_page *pg, const im_legend_size *z, size_layout *L) {
  const im_legend *lg = &pg->furniture->fu->legend;
  memset(L, 0, sizeof *L);
  L->n = im_legend_size_values(z->top, z->integer, L->vals);
  L->big = L->n ? symbol_width(pg, z, L->vals[0]) : 0;
  for (size_t i = 0; i < L->n; i++) {
    char text[64];
    format_value(L->vals[i], text, sizeof text);
    PangoLayout *t = im_ftext_layout(pg, text, lg->font, SIZE_FONT, 0, PANGO_ALIGN_LEFT, false);
    double w, h;
    im_ftext_size(t, &w, &h);
    g_object_unref(t);
    L->text_w = fmax(L->text_w, w);
    L->text_h = fmax(L->text_h, h);
  }
  /* Each label level with its symbol's top, moved down as far as needed
   * to clear the one above. */
  for (size_t i = 0; i < L->n; i++) {
    double top = symbol_width(pg, z, L->vals[i]);
    L->label_y[i] = i && top > L->label_y[i - 1] - L->text_h ? L->label_y[i - 1] - L->text_h : top;
  }
  if (z->title) {
    PangoLayout *t = im_ftext_layout(pg, z->title, lg->title_font, SIZE_TITLE_FONT, 0, PANGO_ALIGN_LEFT, true);
    im_ftext_size(t, &L->title_w, &L->title_h);
    L->title_h += 2 * pg->dev_per_pt;
    g_object_unref(t);
  }
}

/* The block's height: its title, the largest symbol (and half a label
 * above it), and the lowest label below the baseline, if any. */
static double block_height(const size_layout *L) {
  double below = L->n ? fmax(0, L->text_h / 2 - L->label_y[L->n - 1]) : 0;
  return L->title_h + L->text_h / 2 + L->big + below;
}

static double block_width(const im_page *pg, const size_layout *L) {
  return fmax(L->title_w, L->big + LEADER_PT * pg->dev_per_pt + 2 * pg->dev_per_pt + L->text_w);
}

void im_legend_size_measure(im_page *pg, double *w, double *h) {
  im_furniture_state *s = pg->furniture;
  *w = *h = 0;
  for (size_t i = 0; i < s->nsizes; i++) {
    size_layout L;
    layout_block(pg, &s->sizes[i], &L);
    if (!L.n)
      continue;
    *w = fmax(*w, block_width(pg, &L));
    *h += (*h > 0 ? 4 * pg->dev_per_pt : 0) + block_height(&L);
  }
}

void im_legend_size_draw(im_page *pg, double x, double y) {
  im_furniture_state *s = pg->furniture;
  const im_legend *lg = &s->fu->legend;
  cairo_t *cr = pg->cr;
  double pt = pg->dev_per_pt;
  bool first = true;
  for (size_t b = 0; b < s->nsizes; b++) {
    const im_legend_size *z = &s->sizes[b];
    size_layout L;
    layout_block(pg, z, &L);
    if (!L.n)
      continue;
    if (!first)
      y += 4 * pt;
    first = false;
    if (z->title) {
      PangoLayout *t = im_ftext_layout(pg, z->title, lg->title_font, SIZE_TITLE_FONT, 0, PANGO_ALIGN_LEFT, true);
      im_ftext_draw(pg, t, x, y, lg->color, 0, lg->color, "legend");
      g_object_unref(t);
    }
    double base = y + L.title_h + L.text_h / 2 + L.big, cx = x + L.big / 2;
    double lx = x + L.big + LEADER_PT * pt;
    im_style st = z->style;
    double layer_opacity = pg->map->layers[z->layer].style.opacity;
    /* The largest first, as on the map, so the smaller show inside it;
     * the layer's opacity over them all, as over the layer. */
    cairo_save(cr);
    if (layer_opacity < 1)
      im_render_push_group(cr);
    for (size_t i = 0; i < L.n; i++) {
      double d = symbol_width(pg, z, L.vals[i]);
      st.marker_size = (im_length){d / pt, IM_UNIT_PT};
      im_draw_marker(cr, pg->symbols, &st, cx, base - d / 2);
    }
    if (layer_opacity < 1) {
      cairo_pop_group_to_source(cr);
      cairo_paint_with_alpha(cr, layer_opacity);
    }
    cairo_restore(cr);
    for (size_t i = 0; i < L.n; i++) {
      double d = symbol_width(pg, z, L.vals[i]), ty = base - L.label_y[i];
      cairo_save(cr);
      cairo_set_source_rgba(cr, lg->color.r, lg->color.g, lg->color.b, lg->color.a);
      cairo_set_line_width(cr, 0.4 * pt);
      cairo_move_to(cr, cx, base - d);
      cairo_line_to(cr, x + L.big + 2 * pt, base - d);
      cairo_line_to(cr, lx, ty);
      cairo_stroke(cr);
      cairo_restore(cr);
      char text[64];
      format_value(L.vals[i], text, sizeof text);
      PangoLayout *t = im_ftext_layout(pg, text, lg->font, SIZE_FONT, 0, PANGO_ALIGN_LEFT, false);
      im_ftext_draw(pg, t, lx + 2 * pt, ty - L.text_h / 2, lg->color, 0, lg->color, "legend");
      g_object_unref(t);
    }
    y += block_height(&L);
  }
}
