/* Text on the page outside the labeler: the title, subtitle, credits and
 * disclaimer, and the words of the other items (legend, scale bar, north
 * arrow, graticule). Measured like labels (unhinted, at 72 dpi, sizes in
 * device units) so PNG, SVG and PDF lay out alike. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "furniture/furniture-private.h"
#include "output/svgtext-private.h"

/* Text is measured like labels: unhinted, at 72 dpi, sizes in device
 * units, so PNG, SVG and PDF lay out alike. Made when first needed. */
static PangoContext *pango_of(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  if (s->pango)
    return s->pango;
  s->pango = pango_cairo_create_context(pg->cr);
  pango_context_set_matrix(s->pango, NULL);
  cairo_font_options_t *fo = cairo_font_options_create();
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options(s->pango, fo);
  cairo_font_options_destroy(fo);
  pango_cairo_context_set_resolution(s->pango, 72);
  pango_context_set_round_glyph_positions(s->pango, FALSE);
  return s->pango;
}

PangoLayout *im_ftext_layout(im_page *pg, const char *text, const char *font, const char *default_font, double width,
                             PangoAlignment align, bool markup) {
  PangoFontDescription *fd = pango_font_description_from_string(font && *font ? font : default_font);
  if (!pango_font_description_get_family(fd))
    pango_font_description_set_family(fd, "Noto Sans");
  double size = pango_font_description_get_size(fd) / (double)PANGO_SCALE;
  /* "9px": pixels at the map's resolution, whatever the output. */
  if (pango_font_description_get_size_is_absolute(fd))
    size = size * 72.0 / pg->frame.dpi;
  if (!(size > 0))
    size = 7;
  pango_font_description_set_absolute_size(fd, size * pg->dev_per_pt * PANGO_SCALE);
  PangoLayout *layout = pango_layout_new(pango_of(pg));
  pango_layout_set_font_description(layout, fd);
  pango_font_description_free(fd);
  pango_layout_set_alignment(layout, align);
  if (width > 0) {
    pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  }
  /* Markup when it is markup; "Data & maps" stays as written. */
  if (markup && pango_parse_markup(text, -1, 0, NULL, NULL, NULL, NULL))
    pango_layout_set_markup(layout, text, -1);
  else
    pango_layout_set_text(layout, text, -1);
  return layout;
}

void im_ftext_size(PangoLayout *layout, double *w, double *h) {
  PangoRectangle logical;
  pango_layout_get_extents(layout, NULL, &logical);
  /* With a set width, centred and right-aligned lines sit inside it: the
   * box is the width asked. */
  double lw = (logical.x + logical.width) / (double)PANGO_SCALE;
  if (pango_layout_get_width(layout) > 0 && pango_layout_get_alignment(layout) != PANGO_ALIGN_LEFT)
    lw = pango_layout_get_width(layout) / (double)PANGO_SCALE;
  *w = lw;
  *h = logical.height / (double)PANGO_SCALE;
}

static int css_stretch(PangoStretch st) { return (int)st - (int)PANGO_STRETCH_NORMAL; }

static bool is_italic(PangoStyle st) { return st == PANGO_STYLE_ITALIC || st == PANGO_STYLE_OBLIQUE; }

/* The font and colour Pango chose for a run (markup, fallback), into st;
 * returns the description, which holds st->family (free it after use). */
static PangoFontDescription *run_style(const PangoLayoutRun *run, im_text_style *st) {
  const PangoAnalysis *a = &run->item->analysis;
  PangoFontDescription *fd = a->font ? pango_font_describe_with_absolute_size(a->font) : NULL;
  *st = (im_text_style){0};
  if (fd) {
    st->family = pango_font_description_get_family(fd);
    st->weight = (int)pango_font_description_get_weight(fd);
    st->stretch = css_stretch(pango_font_description_get_stretch(fd));
    st->italic = is_italic(pango_font_description_get_style(fd));
    st->size = pango_font_description_get_size(fd) / (double)PANGO_SCALE;
  }
  double alpha = 1;
  for (GSList *l = a->extra_attrs; l; l = l->next) {
    const PangoAttribute *attr = l->data;
    if (attr->klass->type == PANGO_ATTR_FOREGROUND) {
      const PangoColor *c = &((const PangoAttrColor *)attr)->color;
      st->has_color = true;
      st->color = (im_color){c->red / 65535.0, c->green / 65535.0, c->blue / 65535.0, 1};
    } else if (attr->klass->type == PANGO_ATTR_FOREGROUND_ALPHA) {
      alpha = ((const PangoAttrInt *)attr)->value / 65535.0;
    }
  }
  if (st->has_color)
    st->color.a = alpha;
  return fd;
}

/* The layout's text as runs at their baselines, to the sink: a run per
 * line, or, when the layout has markup, per Pango run with its own font
 * and colour (color: the text's own, where markup sets none). */
static void sink_text(im_text_sink sink, void *user, PangoLayout *layout, double x, double y, im_color color,
                      double halo_w, im_color halo, const char *cls) {
  const char *text = pango_layout_get_text(layout);
  PangoAttrList *attrs = pango_layout_get_attributes(layout);
  GSList *all = attrs ? pango_attr_list_get_attributes(attrs) : NULL;
  bool styled = all != NULL;
  g_slist_free_full(all, (GDestroyNotify)pango_attribute_destroy);
  const double s = PANGO_SCALE;
  const PangoFontDescription *fd = pango_layout_get_font_description(layout);
  im_text_item item = {
      .cls = cls,
      .family = pango_font_description_get_family(fd),
      .weight = (int)pango_font_description_get_weight(fd),
      .stretch = css_stretch(pango_font_description_get_stretch(fd)),
      .italic = is_italic(pango_font_description_get_style(fd)),
      .size = pango_font_description_get_size(fd) / s,
      .color = color,
      .halo_color = halo,
      .halo_width = halo_w > 0 && halo.a > 0 ? halo_w : 0,
  };
  /* At most one run per item Pango made, or per line. */
  size_t max = (size_t)pango_layout_get_line_count(layout) + (size_t)strlen(text) + 1;
  im_text_run *runs = im_malloc_array(max, sizeof *runs);
  im_text_style *styles = styled ? im_malloc_array(max, sizeof *styles) : NULL;
  PangoFontDescription **descs = styled ? calloc(max, sizeof *descs) : NULL;
  size_t n = 0;
  if (runs && (!styled || (styles && descs))) {
    PangoLayoutIter *it = pango_layout_get_iter(layout);
    if (!styled) {
      do {
        PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        if (line->length > 0 && n < max)
          runs[n++] = (im_text_run){text + line->start_index, (size_t)line->length, x + logical.x / s,
                                    y + pango_layout_iter_get_baseline(it) / s, 0};
      } while (pango_layout_iter_next_line(it));
    } else {
      do {
        PangoLayoutRun *run = pango_layout_iter_get_run_readonly(it);
        if (!run || run->item->length <= 0 || n >= max)
          continue; /* a line's end */
        PangoRectangle logical;
        pango_layout_iter_get_run_extents(it, NULL, &logical);
        runs[n] = (im_text_run){text + run->item->offset, (size_t)run->item->length, x + logical.x / s,
                                y + pango_layout_iter_get_baseline(it) / s, 0};
        descs[n] = run_style(run, &styles[n]);
        if (!styles[n].has_color) {
          styles[n].has_color = true;
          styles[n].color = color;
        }
        n++;
      } while (pango_layout_iter_next_run(it));
    }
    pango_layout_iter_free(it);
    item.runs = runs;
    item.nruns = n;
    item.run_styles = styles;
    sink(user, &item);
  }
  for (size_t i = 0; descs && i < n; i++)
    if (descs[i])
      pango_font_description_free(descs[i]);
  free(descs);
  free(styles);
  free(runs);
}

void im_ftext_draw(im_page *pg, PangoLayout *layout, double x, double y, im_color color, double halo_w, im_color halo,
                   const char *cls) {
  void *user = NULL;
  im_text_sink sink = im_labeler_text_sink(pg->labeler, &user);
  if (sink) {
    sink_text(sink, user, layout, x, y, color, halo_w, halo, cls);
    return;
  }
  cairo_t *cr = pg->cr;
  cairo_save(cr);
  cairo_translate(cr, x, y);
  if (halo_w > 0 && halo.a > 0) {
    cairo_new_path(cr);
    cairo_move_to(cr, 0, 0);
    pango_cairo_layout_path(cr, layout);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_width(cr, 2 * halo_w);
    cairo_set_source_rgba(cr, halo.r, halo.g, halo.b, halo.a);
    cairo_stroke(cr);
  }
  cairo_move_to(cr, 0, 0);
  cairo_set_source_rgba(cr, color.r, color.g, color.b, color.a);
  pango_cairo_show_layout(cr, layout);
  cairo_new_path(cr);
  cairo_restore(cr);
}

static const im_text_block *block(const im_furniture *fu, im_item_kind kind) {
  switch (kind) {
  case IM_ITEM_TITLE:
    return &fu->title;
  case IM_ITEM_SUBTITLE:
    return &fu->subtitle;
  case IM_ITEM_CREDITS:
    return &fu->credits;
  default:
    return &fu->disclaimer;
  }
}

static const char *default_font(im_item_kind kind) {
  switch (kind) {
  case IM_ITEM_TITLE:
    return "Noto Sans Bold 12";
  case IM_ITEM_SUBTITLE:
    return "Noto Sans 8.5";
  case IM_ITEM_CREDITS:
    return "Noto Sans 6";
  default:
    return "Noto Sans Italic 6"; /* no text under 6 pt (docs/cartography checklist) */
  }
}

bool im_textblock_measure(im_page *pg, im_item_kind kind, double wrap) {
  im_furniture_state *s = pg->furniture;
  const im_text_block *t = block(s->fu, kind);
  const char *text = kind == IM_ITEM_TITLE ? pg->map->title : t->text;
  im_item *it = &s->items[kind];
  if (it->layout)
    g_object_unref(it->layout);
  it->layout = NULL;
  if (!t->visible || !text || !*text)
    return false;
  if (t->width.value > 0)
    wrap = im_furniture_len(pg, t->width);
  PangoAlignment align = PANGO_ALIGN_LEFT;
  im_position p = t->at.position;
  if (p == IM_POS_TOP || p == IM_POS_BOTTOM)
    align = PANGO_ALIGN_CENTER;
  else if (p == IM_POS_TOP_RIGHT || p == IM_POS_BOTTOM_RIGHT || p == IM_POS_RIGHT)
    align = PANGO_ALIGN_RIGHT;
  it->layout = im_ftext_layout(pg, text, t->font, default_font(kind), wrap, align, true);
  /* A wrapped block is only as wide as its longest line (so a short
   * right-aligned title has a short box). */
  if (wrap > 0) {
    int longest = 0;
    for (GSList *l = pango_layout_get_lines_readonly(it->layout); l; l = l->next) {
      PangoRectangle logical;
      pango_layout_line_get_extents(l->data, NULL, &logical);
      longest = logical.width > longest ? logical.width : longest;
    }
    if (longest > 0 && longest < pango_layout_get_width(it->layout))
      pango_layout_set_width(it->layout, longest + PANGO_SCALE / 4);
  }
  double w, h;
  im_ftext_size(it->layout, &w, &h);
  it->w = w + 2 * it->pad;
  it->h = h + 2 * it->pad;
  return true;
}

void im_textblock_draw(im_page *pg, im_item_kind kind) {
  im_furniture_state *s = pg->furniture;
  im_item *it = &s->items[kind];
  if (!it->present || !it->layout)
    return;
  const im_text_block *t = block(s->fu, kind);
  im_furniture_draw_box(pg, it);
  static const char *const cls[] = {"title", "subtitle", "credits", "disclaimer"};
  im_ftext_draw(pg, it->layout, it->box.minx + it->pad, it->box.miny + it->pad, t->color, 0, t->color, cls[kind]);
}
