/* Symbols: how one feature looks once its geometry is on the page. Markers
 * for points (built-in shapes and SVG icons), strokes for lines (casing,
 * dashes, caps, joins, arrowheads) and fills for polygons (fill, hatching,
 * outline), each honouring the style's opacity.
 *
 * Everything here works in device units: pixels for PNG, points for PDF and
 * SVG. Lengths in the style (pt, mm, px, ...) are converted with
 * im_symbol_len. The drawing functions leave the cairo_t's state (source,
 * line width, dash, clip, fill rule) as they found it. */
#ifndef IM_SYMBOLS_PRIVATE_H
#define IM_SYMBOLS_PRIVATE_H

#include <cairo.h>
#include <stdbool.h>

#include "influmap/error.h"
#include "influmap/geom.h"
#include "spec/style-private.h"

/* SVG icons, each parsed once per render and drawn as often as needed. The
 * cache owns the parsed documents. It is not shared between threads: each
 * render (and so each batch worker) has its own. */
typedef struct im_icon_cache im_icon_cache;

/* Returns a new, empty cache (NULL when out of memory); free it with
 * im_icon_cache_free. */
im_icon_cache *im_icon_cache_create(void);
/* Frees c and every icon in it; NULL is fine. */
void im_icon_cache_free(im_icon_cache *c);

/* Loads svg_path into c unless it is there already (paths are compared as
 * given, so pass them resolved the same way). A missing, unreadable or
 * broken SVG, or one without a size (width and height, or a viewBox), is
 * IM_STATUS_INPUT. The message names svg_path; the error's place is
 * spec_file:line:column when spec_file is given (the spec key that asked for
 * the icon), else svg_path itself. */
im_status im_icon_cache_load(im_icon_cache *c, const char *svg_path, const char *spec_file, int line, int column,
                             im_error *err);

/* The loaded icon's width / height; false when svg_path is not in c. */
bool im_icon_cache_aspect(const im_icon_cache *c, const char *svg_path, double *aspect);

/* Draws the loaded icon svg_path scaled into the box (x, y, w, h), device
 * units. Returns false, drawing nothing, when it is not in c or librsvg
 * fails. */
bool im_icon_draw(const im_icon_cache *c, cairo_t *cr, const char *svg_path, double x, double y, double w, double h);

/* What a render tells the symbol code: the scale from points to device units
 * (dpi / 72 for PNG, 1 for vector surfaces), the resolution (to convert px
 * lengths) and the icons loaded for it (may be NULL when no style uses
 * icons). The context borrows icons; it does not free it. */
typedef struct {
  double dev_per_pt, dpi;
  im_icon_cache *icons;
} im_symbol_ctx;

/* A style length in device units. */
double im_symbol_len(const im_symbol_ctx *sc, im_length len);

/* How far, in device units, anything drawn for st (marker, casing, line,
 * arrowhead) can reach from the geometry it is drawn on: the margin to keep
 * when clipping geometry to the page so that nothing is cut short. */
double im_symbol_margin(const im_symbol_ctx *sc, const im_style *st);

/* Draws one marker centred on (x, y), device units, of st->marker_symbol and
 * st->marker_size (the overall height; also the width of the symmetric
 * shapes). Circle, square; triangle (equilateral, pointing up, its centroid
 * on the point); diamond (a square turned 45°, as high as the size); star
 * (five points, inner radius 0.382 of the outer, its centre on the point);
 * cross (a filled plus sign whose bars are size / 5 thick); pin (a teardrop
 * with a round head, its tip on the point). Shapes are filled with st->fill
 * and outlined with st->stroke_color and st->stroke_width when
 * IM_STYLE_STROKE_COLOR or IM_STYLE_STROKE is set (a transparent colour or
 * zero width draws no outline). Icons (IM_MARKER_ICON: st->marker_icon,
 * loaded beforehand into sc->icons with im_icon_cache_load) are drawn in
 * their own colours, scaled so that their height is the size, aspect kept,
 * centred on the point; an icon not in the cache is not drawn. st->opacity
 * applies to the marker as a whole. */
void im_draw_marker(cairo_t *cr, const im_symbol_ctx *sc, const im_style *st, double x, double y);

/* The box the marker of st at (x, y) covers, outline included, device units:
 * for label collisions. */
im_bbox im_marker_box(const im_symbol_ctx *sc, const im_style *st, double x, double y);

/* Strokes each part of g (device units; drawn as open lines whatever
 * g->kind) with st: first the casing when IM_STYLE_CASING is set (a line
 * casing.width wide in casing.color under the whole line, not dashed), then
 * the line itself with stroke_width, stroke_color, dash (when IM_STYLE_DASH
 * is set), cap and join. Arrowheads (st->arrow) are filled triangles in the
 * line's colour, arrow_size long and 0.75 of that wide (at least twice the
 * line width, so a thick line never hides them), pointing along the last
 * arrow_size of the part; the line is shortened so that it ends inside the
 * arrowhead and never shows past its tip. st->opacity applies to casing,
 * line and arrowheads together. */
void im_stroke_lines(cairo_t *cr, const im_symbol_ctx *sc, const im_style *st, const im_geom *g);

/* Fills the rings of g (device units; even-odd, or non-zero when
 * g->nonzero) with st->fill (transparent: no fill), then, when IM_STYLE_HATCH
 * is set, hatches them: parallel lines hatch.spacing apart at hatch.angle
 * degrees (counter-clockwise from horizontal), hatch.width wide, clipped to
 * the rings. Hatch lines are laid from the device origin, so neighbouring
 * polygons' hatching lines up and a render is reproducible. When outline is
 * not NULL it is then stroked like a line (width, colour, dash, cap, join;
 * no casing, no arrowheads): pass the rings cut as lines (see
 * im_geom_cut_antimeridian), or g itself, or NULL for no outline. st->opacity
 * applies to fill, hatching and outline together. */
/* Polygons filled one by one leave seams: where two meet, an edge pixel
 * covered a by one and 1 - a by the other is painted over the background
 * twice, a then 1 - a, and keeps a * (1 - a) of the background (a quarter
 * on a border through its middle): a hairline of sea between neighbouring
 * countries. So consecutive polygons of a layer with one opaque fill, no
 * hatching and no outline are put in one path (im_fill_batch_add) and
 * filled once (im_fill_batch_flush), where shared edges cancel. Each
 * feature's rings are turned so its net area is positive and the path is
 * filled with the non-zero rule: the union of the features, each one's
 * holes (rings turned against its outer ring, as the shapefile
 * specification has them) kept. */

/* Markers in one path at most: a command's extents stay small enough for a
 * PNG chunk's replay to skip the batches off it, and an SVG or PDF viewer
 * gets paths of a bounded size. */
#define IM_MARKER_BATCH_MAX 1024

/* A layer of very many markers batches them too (im_fill_batch_add_marker):
 * a recording surface, and with it every PNG, SVG and PDF page, holds ~800
 * bytes for each fill (the command, its source and its own copy of the path
 * buffer), ~110 for a marker's shape in a shared path; so a million markers
 * took 1.6 GB of recordings for a PNG page. Overlapping markers of one
 * opaque colour fill their union, as drawing them one by one shows them but
 * for the antialiased pixels where two outlines cross. Outlined markers
 * (circles, squares, triangles, diamonds; an outlined million took 2.8 GB
 * of an SVG's recording) are kept as their centres: the batch's outlines
 * are stroked, then its fills painted over them, each shape shrunk to
 * the outline's inner edge. A lone marker looks as drawn alone; a cloud of
 * overlapping ones reads in its fill colour with the outline round its
 * edge, where drawn one by one each later marker's outline would show
 * over the fills before it (stroking after filling would turn a dense
 * cloud into the outline's colour). */
typedef struct {
  bool open;      /* rings or markers are in cr's path, or centres in xy */
  im_color color; /* their fill */
  int symbol;     /* the markers' symbol (im_marker_symbol); -1: polygons */
  size_t count;   /* markers in the path or in xy */
  bool stroked;   /* markers: outlined, with these; their centres in xy */
  im_color stroke;
  double width, size;
  int join;
  double xy[2 * IM_MARKER_BATCH_MAX]; /* outlined markers' centres */
} im_fill_batch;

/* Whether st fills a polygon in a way a batch can: an opaque fill alone. */
bool im_fill_batchable(const im_style *st);
/* Adds g's rings, filled with color, to the batch; fills what the batch
 * held first when its colour differs. */
void im_fill_batch_add(cairo_t *cr, im_fill_batch *b, im_color color, const im_geom *g);
/* Whether a marker of st can join a batch: a built-in symbol filled with
 * an opaque colour, without opacity below 1; outlined, a circle, square,
 * triangle or diamond. */
bool im_marker_batchable(const im_symbol_ctx *sc, const im_style *st);
/* Adds the marker of st at x, y (device units) to the batch, as
 * im_draw_marker would draw it; fills (and outlines) what the batch held
 * first when its colour, outline or symbol differs or it holds
 * IM_MARKER_BATCH_MAX markers. st must be im_marker_batchable. */
void im_fill_batch_add_marker(cairo_t *cr, im_fill_batch *b, const im_symbol_ctx *sc, const im_style *st, double x,
                              double y);
/* A translucent marker of a layer of very many, in a PDF: drawn
 * once into a recording (the stamp) and painted at each point, where a fill
 * and an outline each took a command of ~800 bytes in the page's recording;
 * a paint of the stamp takes less than half of one, and the PDF gets the
 * shape once (a form XObject). Each marker still covers the ones before,
 * as drawn one by one. Not in SVG: Cairo 1.16's SVG surface keeps a
 * snapshot of each recording painted from it that it never frees
 * (LeakSanitizer), and misplaces one whose extents do not start at 0, 0.
 * A PNG draws its markers as they are (its pixels stay those of the
 * shapes). */
typedef struct {
  cairo_surface_t *rec; /* the marker at (ox, oy), opaque; NULL: none yet */
  double ox, oy;
  int symbol; /* what it was drawn from */
  im_length size, stroke_width;
  im_color fill, stroke;
  int join;
  bool stroked;
} im_marker_stamp;

/* The stamps of a layer's markers, one per look, IM_MARKER_STAMPS at most:
 * markers of further looks are drawn one by one. */
#define IM_MARKER_STAMPS 16
typedef struct {
  im_marker_stamp stamp[IM_MARKER_STAMPS];
  int n;
} im_marker_stamps;

/* Whether markers on cr's page are worth stamping: a PDF page. */
bool im_marker_stamps_pay(cairo_t *cr);
/* Draws the marker of st at x, y as im_draw_marker would, through the
 * stamp of its look (made at its first use). */
void im_marker_stamp_draw(cairo_t *cr, im_marker_stamps *s, const im_symbol_ctx *sc, const im_style *st, double x,
                          double y);
/* Destroys the stamps. */
void im_marker_stamps_free(im_marker_stamps *s);
/* Fills what the batch holds; nothing when it is empty. */
void im_fill_batch_flush(cairo_t *cr, im_fill_batch *b);

void im_fill_polygon(cairo_t *cr, const im_symbol_ctx *sc, const im_style *st, const im_geom *g,
                     const im_geom *outline);

#endif
