/* SVG output after Cairo: the document collected in memory, its ids made
 * stable, accessibility text spliced in, and, for --svg-text, text that
 * stays text.
 *
 * Cairo 1.16's SVG surface writes every glyph as an outline (a <symbol> and
 * a <use>), which a designer cannot edit. In SVG-text mode whoever draws
 * text (the labeler) hands it to an im_text_sink instead of drawing it; the
 * document collects it as <text> elements, written on top of Cairo's
 * drawing, so the glyph outlines are never made. */
#ifndef IM_SVGTEXT_PRIVATE_H
#define IM_SVGTEXT_PRIVATE_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

#include "influmap/units.h"

/* One piece of text set on one baseline. */
typedef struct {
  const char *text; /* UTF-8, len bytes, not NUL-terminated; no line breaks */
  size_t len;
  double x, y;  /* where the baseline starts (the pen's first position), device units, y down */
  double angle; /* radians, turning as on the page (y down: clockwise), about (x, y) */
} im_text_run;

/* A run's own font and colour, where markup (<b>, <i>, <span ...>) or a
 * fallback font makes it differ from its item's. */
typedef struct {
  const char *family; /* NULL: the item's */
  int weight;         /* CSS weight */
  int stretch;        /* as in im_text_item */
  bool italic;
  double size;    /* device units */
  bool has_color; /* else the item's */
  im_color color;
} im_text_style;

/* Text in one font and colour: a label, a title. Its halo goes under all of
 * its runs before any of them is filled, as the raster drawing does. */
typedef struct {
  const char *cls;    /* the group's class ("label"), or NULL */
  const char *family; /* the font family (as Pango names it) */
  int weight;         /* CSS weight, 100 .. 900 */
  int stretch;        /* 0 normal, -4 .. -1 condensed, 1 .. 4 expanded (CSS steps) */
  bool italic;
  double size; /* the em size, device units */
  im_color color;
  im_color halo_color;
  double halo_width; /* each side of the outline, device units; 0: no halo */
  const im_text_run *runs;
  size_t nruns;
  const im_text_style *run_styles; /* NULL: every run in the item's font and colour; else one per run */
} im_text_item;

/* Something that takes text in place of drawing it. */
typedef void (*im_text_sink)(void *user, const im_text_item *item);

/* An SVG document on its way out. Zero-initialise; release with
 * im_svg_doc_fini. */
typedef struct {
  char *data; /* what Cairo wrote */
  size_t len, cap;
  char *text; /* <text> elements collected from the sink, XML */
  size_t text_len, text_cap;
  bool failed; /* out of memory in either */
} im_svg_doc;

/* A cairo_write_func_t collecting Cairo's SVG; closure is the im_svg_doc. */
cairo_status_t im_svg_doc_collect(void *closure, const unsigned char *data, unsigned int length);

/* An im_text_sink; user is the im_svg_doc. The text is escaped for XML and
 * written with the font, fill, and halo as a stroked copy underneath
 * (stroke-linejoin round: the raster halo's shape). Runs at angle 0 become
 * <tspan>s of one <text>, with their own font and fill where run_styles
 * says; turned runs (glyphs along a line) one <text> each, turned by a
 * transform about their start. */
void im_svg_doc_add_text(void *user, const im_text_item *item);

/* Writes the document through write(closure, ...):
 * - Cairo's surfaceN ids renumbered 1, 2, ... in order of first appearance
 *   (Cairo counts surfaces across the process, so a second render in one
 *   process would otherwise differ);
 * - <title> and <desc> (escaped) right after the opening <svg> tag, when
 *   not NULL;
 * - the width and height Cairo wrote in points (the surface is made in
 *   points) given in millimetres, mm_per_pt each, the viewBox left in
 *   points, so the figure has its physical size and user units are points;
 * - the collected text, in <g class="labels">, just before </svg>.
 * Returns CAIRO_STATUS_NO_MEMORY if collecting failed, else what write
 * returned. */
cairo_status_t im_svg_doc_emit(const im_svg_doc *doc, const char *title, const char *desc, double mm_per_pt,
                               cairo_write_func_t write, void *closure);

void im_svg_doc_fini(im_svg_doc *doc);

#endif
