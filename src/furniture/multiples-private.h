/* Small multiples on one page (map.h, im_multiples): the page's text blocks
 * and legend round a grid of cells, one panel per cell, each panel a whole
 * map (frame, layers, labels, its own title, scale bar, north arrow,
 * graticule, inset) drawn in its cell, its frame fitted to the cell with
 * the shape of its extent. The legend lists what every panel drew.
 *
 * A render of a spec with multiples: goes through im_multiples_draw in
 * place of the single map's drawing (render.c). Device units as everywhere
 * in rendering: pixels for PNG, points for PDF/SVG, y down. */
#ifndef IM_MULTIPLES_PRIVATE_H
#define IM_MULTIPLES_PRIVATE_H

#include "furniture/furniture-private.h"
#include "render/render-private.h"

/* Draws the page of small multiples of pg->map on pg->cr: pg is the
 * render's context (cr and labeler set; the labeler's text sink, if any, is
 * used by every panel). opaque: paint the page even when the background is
 * transparent (a PNG). Fills opt->stats with the sums over the panels. */
im_status im_multiples_draw(im_page *pg, const im_render_options *opt, bool opaque, const char *name, im_error *err);

/* Every check a render of map's panels makes (each panel's filters bound to
 * its layers' fields), for `influmap validate`. */
im_status im_multiples_check(const im_map *map, im_error *err);

/* ---- for tests: what a render laid out ---- */

#define IM_MULTIPLES_REPORT_PANELS 64

typedef struct {
  double dev_w, dev_h, dev_per_pt; /* the page */
  size_t rows, columns, npanels;
  im_bbox inner; /* the page less its margins */
  im_bbox grid;  /* the cells and the gaps between them */
  struct {
    im_bbox cell;
    double fx0, fy0, fw, fh; /* the panel's frame */
    im_frame frame;          /* its extent in map units */
    bool title;              /* a panel title was drawn, in title_box */
    im_bbox title_box;
  } panels[IM_MULTIPLES_REPORT_PANELS];
  bool legend_in_cell;
  size_t legend_cell; /* its cell, when in one */
  size_t nlegend;     /* entries (a class of a layer and geometry kind), counts summed over the panels */
  struct {
    char label[128];
    size_t count;
    size_t layer;
    size_t section; /* of the legend's sections */
  } legend[64];
  bool item_present[IM_NITEMS]; /* the page's items: title, ..., legend */
  im_bbox item_box[IM_NITEMS];
} im_multiples_report;

/* Renders map (which has multiples) as a PNG would be, to nowhere, and
 * reports the layout. */
im_status im_multiples_probe(const im_map *map, const im_render_options *opt, im_multiples_report *out, im_error *err);

/* legend.c: moves the legend entries a panel noted (from) into the page's
 * state (into), summing the counts of the same class of the same layer and
 * geometry kind. from keeps what could not be moved; false when out of
 * memory. */
bool im_legend_take(im_furniture_state *into, im_furniture_state *from);

#endif
