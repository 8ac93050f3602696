/* Labels: text templates over a feature's attributes, Pango layout, and
 * placement without collisions across all layers of one render.
 *
 * One labeler per render (and so per thread). Drawing code adds obstacles
 * (the symbols it drew) and label candidates as it goes, in layer order;
 * once every layer is drawn, im_labeler_place decides, greedily by
 * priority, which labels go where, and im_labeler_draw draws them on top.
 * Everything is in device units (pixels for PNG, points for PDF/SVG), y
 * down, the page spanning 0..page_w x 0..page_h. */
#ifndef IM_LABELS_PRIVATE_H
#define IM_LABELS_PRIVATE_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

#include "influmap/error.h"
#include "influmap/geom.h"
#include "io/layer-private.h"
#include "spec/style-private.h"
#include "output/svgtext-private.h"

/* The font when a style names none. */
#define IM_LABEL_DEFAULT_FONT "Noto Sans 7"

/* --- Text ---------------------------------------------------------------- */

/* Expands a template: "{NAME}" becomes the value of the field NAME (names
 * compared case-insensitively), "{{" and "}}" become "{" and "}". An unknown
 * field or a null value expands to nothing; a '{' without its '}' is kept as
 * it is. values holds nfields entries (a feature's values). Returns a new
 * string (free with free()), or NULL when out of memory. */
char *im_label_expand(const char *tmpl, const im_field *fields, size_t nfields, char *const *values);

/* Checks that every {FIELD} of tmpl names one of fields, and that braces
 * are balanced. On a fault, fills err (IM_STATUS_INPUT) naming spec_file at
 * line:column moved to the fault, assuming the template starts at column
 * and appears verbatim there; the message names layer_path and, for a
 * misspelt field, the closest field name ("did you mean 'NAME'?"). */
im_status im_label_template_check(const char *tmpl, const im_field *fields, size_t nfields, const char *layer_path,
                                  const char *spec_file, int line, int column, im_error *err);

/* The next {FIELD} of a template from p on ("{{" and "}}" skipped): its
 * text in *name and *len, *closed false when no '}' ends it (a '{' or the
 * end comes first); returns where to go on from, or NULL when there is
 * none (also for p NULL). */
const char *im_label_template_next(const char *p, const char **name, size_t *len, bool *closed);

/* The spec column of `at` in tmpl, tmpl starting at column (0: unknown). */
int im_label_template_column(const char *tmpl, const char *at, int column);

/* text (UTF-8; invalid bytes are replaced) in NFC with the case changed:
 * upper and lower case by Unicode's full mappings ('Bogotá' -> 'BOGOTÁ'),
 * title case capitalises the first letter of each word and lowers the rest
 * ('são paulo' -> 'São Paulo'). Returns a new string (free with free()), or
 * NULL when out of memory. */
char *im_label_apply_case(const char *text, im_text_case text_case);

/* --- Placement ----------------------------------------------------------- */

typedef struct im_labeler im_labeler;

/* Creates a labeler for a page of page_w x page_h device units with
 * dev_per_pt device units per point; dpi resolves lengths given in px. cr is
 * used only to make the Pango context that measures text (its target's font
 * options); it is not kept. Returns NULL when out of memory. Free with
 * im_labeler_free. */
im_labeler *im_labeler_create(cairo_t *cr, double page_w, double page_h, double dev_per_pt, double dpi);
void im_labeler_free(im_labeler *lb);

/* A drawn symbol no label may cover (device units). */
void im_labeler_add_obstacle(im_labeler *lb, double x0, double y0, double x1, double y1);

/* A point mark drawn at x, y with radius r (device units). A point label
 * is placed only where its own mark is nearer to it than every other mark
 * (or with a leader to its own), so that no label reads as another mark's;
 * marks at the very same place count as one. Returns false when out of
 * memory. */
bool im_labeler_add_mark(im_labeler *lb, double x, double y, double r);

/* Label candidates. text is UTF-8, already expanded; the style's case
 * change, font, colours, halo and leader setting are applied and copied, so
 * st and text stay the caller's. Higher priority is placed first; ties go by
 * the order of these calls (layer order). Empty text adds nothing.
 * Returns false only when out of memory (the labeler then stays failed).
 *
 * A point label is tried in 8 positions round a symbol of symbol_radius
 * (right, left, top-right, bottom-right, top-left, bottom-left, above,
 * below); with st->label.leader, when none is free, farther positions are
 * searched and a leader line drawn from the symbol. */
bool im_labeler_add_point(im_labeler *lb, const char *text, const im_style *st, double x, double y,
                          double symbol_radius, double priority);
/* The pole of inaccessibility (the interior point farthest from the
 * outline, to within precision) of the largest ring of rings (IM_GEOM_POLYGON,
 * even-odd, device units), its holes considered: where a polygon's
 * proportional symbol goes. *x, *y NaN when there is no ring with an area.
 * Returns false only when out of memory. */
bool im_polygon_pole(const im_geom *rings, double precision, double *x, double *y);

/* A polygon label goes inside the largest rings at their pole of
 * inaccessibility (the interior point farthest from the outline) or close to
 * it, and only where it fits wholly inside. rings: IM_GEOM_POLYGON, even-odd,
 * device units; not kept. */
bool im_labeler_add_polygon(im_labeler *lb, const char *text, const im_style *st, const im_geom *rings,
                            double priority);
/* A line label follows the longest part of line glyph by glyph, reading
 * left to right, where the bends between glyphs stay under 30 degrees.
 * line: IM_GEOM_LINE, device units; not kept. */
bool im_labeler_add_line(im_labeler *lb, const char *text, const im_style *st, const im_geom *line, double priority);
/* As im_labeler_add_line, for a line drawn beside others on one course
 * (render/courses.c): its text and its key number go along the line's
 * outer side, side > 0 the right of its way, side < 0 the left, clear of
 * the line, so a reader does not give them to the line next to it. */
bool im_labeler_add_line_beside(im_labeler *lb, const char *text, const im_style *st, const im_geom *line,
                                double priority, int side);

/* What the labels added next come from: the layer's id, and the short form
 * of their text (expanded, NULL: none), which a required label (the
 * style's label.required) takes when its full text fits nowhere. Both
 * are copied. Returns false when out of memory. */
bool im_labeler_set_source(im_labeler *lb, const char *layer_id, const char *short_text);

/* Places every candidate, greedily by priority (required labels first): each label takes its first
 * position that stays inside the page (less a small margin) and covers no
 * placed label, leader or obstacle, or is dropped. Call once, after the last
 * candidate. Returns false when out of memory. */
bool im_labeler_place(im_labeler *lb);

/* Draws the placed labels: leaders, then halos, then text. With a text
 * sink set, leaders are drawn but the text is handed to the sink, one item
 * per label (its lines, or its glyphs along a line, as runs), and no glyph
 * is drawn. */
void im_labeler_draw(im_labeler *lb, cairo_t *cr);

/* Sets (or, with NULL, removes) the sink im_labeler_draw hands text to:
 * for SVGs whose labels stay text (--svg-text). user is passed on. */
void im_labeler_set_text_sink(im_labeler *lb, im_text_sink sink, void *user);
/* The sink set, or NULL (then *user is NULL): so that other text of the
 * same render (title, legend) can go the same way. */
im_text_sink im_labeler_text_sink(const im_labeler *lb, void **user);

/* The numbered key: point labels whose style says label: key: (auto or
 * all) are placed as a small number beside their mark, their text listed
 * in a key block beside the map (furniture/key.c), when on is true; else
 * their key mode is ignored. Call before im_labeler_place. */
void im_labeler_use_key(im_labeler *lb, bool on);
/* After im_labeler_place: how many labels the key lists, and the text of
 * number i + 1 (owned by lb). */
size_t im_labeler_key_count(const im_labeler *lb);
const char *im_labeler_key_text(const im_labeler *lb, size_t i);

typedef struct {
  /* placed counts the labels placed as numbers of the key too (keyed). */
  size_t candidates, placed, dropped, with_leader, keyed;
  /* Point labels not placed because a twin names the same place (a port
   * and a town both "Callao"): shown, so neither placed nor dropped. */
  size_t repeats;
  /* Placed point labels a reader would give to another mark: one is
   * nearer to the label than its own (with no leader to its own). */
  size_t misattached;
} im_label_stats;
im_label_stats im_labeler_stats(const im_labeler *lb);

/* After im_labeler_place: false when every required label was placed;
 * else true with the first that was not, its text and layer (owned by lb). */
bool im_labeler_missing(const im_labeler *lb, const char **text, const char **layer);

/* The texts of the dropped labels (owned by lb), for --verbose: copies up to
 * max pointers to out and returns how many there are. */
size_t im_labeler_dropped(const im_labeler *lb, const char **out, size_t max);

/* The boxes the placed labels occupy, padding for the halo included, in
 * device units (a line label has one per glyph: the box round the rotated
 * glyph, and these may overlap each other), label by label in the order
 * they were added. Copies up to max to out and, when owner is not NULL, the
 * label's number (0 for the first added) to owner; returns how many boxes
 * there are. */
size_t im_labeler_boxes(const im_labeler *lb, im_bbox *out, size_t *owner, size_t max);

#endif
