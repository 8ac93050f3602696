/* Map furniture on the page: layout and drawing of the items of
 * furniture.h. One im_furniture_state per render, made by
 * im_furniture_begin and freed with the render context.
 *
 * A render calls, in order:
 *   im_furniture_begin   after the background, before the layers: margins
 *                        painted, label obstacles over them, graticule lines
 *                        under the layers;
 *   (layers; draw.c calls im_legend_note for each feature drawn)
 *   im_furniture_finish  after the layers, before labels are placed: every
 *                        item laid out, registered as a label obstacle and
 *                        drawn (labels keep clear of it, so drawing it before
 *                        them is the same as after);
 *   im_key_draw          once the labels are placed and drawn: the numbered
 *                        key, in a margin.
 * Everything is in device units (pixels for PNG, points for PDF/SVG), y
 * down. */
#ifndef IM_FURNITURE_PRIVATE_H
#define IM_FURNITURE_PRIVATE_H

#include <pango/pangocairo.h>
#include <stdbool.h>

#include "spec/map-furniture-private.h"
#include "influmap/render.h"
#include "render/render-private.h"
#include "render/style-resolve-private.h"

/* Air between the frame's edge and an item inside it, between stacked
 * items, and between the frame and an item in the margin; and the page's
 * own edge. In points. */
#define IM_FURNITURE_INSET_PT 7.0
#define IM_FURNITURE_GAP_PT 4.0
#define IM_FURNITURE_OUTSIDE_PT 5.0
#define IM_FURNITURE_PAGE_PT 8.0

/* Items in stacking order: in a slot (a corner or edge of the frame or
 * page) the first is nearest the corner (above the frame: nearest the top). */
typedef enum {
  IM_ITEM_TITLE,
  IM_ITEM_SUBTITLE,
  IM_ITEM_CREDITS,
  IM_ITEM_DISCLAIMER,
  IM_ITEM_SCALEBAR,
  IM_ITEM_NORTH,
  IM_ITEM_LEGEND,
  IM_ITEM_INSET,
  IM_NITEMS
} im_item_kind;

typedef struct {
  bool present;
  const im_furniture_place *at;
  im_placement placement; /* resolved: never AUTO */
  double w, h;            /* outer size, padding included */
  double pad;             /* inside the box */
  im_bbox box;            /* on the page */
  PangoLayout *layout;    /* text blocks */
} im_item;

/* One legend entry: a class of one layer (and geometry kind) drawn in the
 * frame. Its symbol (legend.c): in a legend by a field (by:), always
 * `sample`, so that only that field's look varies from entry to entry;
 * otherwise `first` when uniform, else `shared` when has_shared, else
 * `sample`. */
typedef struct {
  size_t layer; /* index in map->layers */
  long cls;     /* the class's number (im_resolver_class_of; by a field without classes: order of first
                   drawing), -1: the layer as a whole */
  char *label;
  im_geom_kind kind;
  size_t count;    /* features drawn in the frame */
  im_style first;  /* the style of the first feature drawn */
  im_style sample; /* the class's own style (im_resolver_class_style) */
  bool uniform;    /* every feature looked like the first: draw `first` */
  char **common;   /* per field of the layer: the value all its features drawn share, else NULL */
  size_t ncommon;
  im_style shared; /* the style of a feature with just those values */
  bool has_shared;
  bool neutral;   /* the legend is by a field: draw `sample` */
  size_t section; /* of the legend (0 without sections:) */
  bool no_data;   /* the features in no class (legend: no_data:) */
} im_legend_entry;

/* Where a graticule line meets the frame's edge. */
typedef struct {
  double x, y;
  int edge;     /* 0 top, 1 right, 2 bottom, 3 left */
  double value; /* degrees */
  bool meridian;
  double ox, oy; /* the line's direction there, unit vector pointing out of the frame */
  bool labelled; /* gets a label (if it finds room): see graticule.c */
} im_grat_crossing;

typedef struct {
  im_bbox box;
  PangoLayout *layout;
  char text[24];
  bool inside;   /* inside the frame: drawn with a halo */
  int edge;      /* the crossing's */
  double ax, ay; /* the crossing labelled (on the frame's edge) */
} im_grat_label;

/* The proportional symbols of one layer as the legend keys them
 * (legend-size.c). */
typedef struct {
  size_t layer;
  double max_value; /* the layer's scale: max_value is drawn max wide */
  im_length max;
  double top;     /* the largest value drawn in the frame */
  bool integer;   /* every value drawn is whole */
  im_style style; /* the neutral symbol: the layer's own, no class colour */
  char *title;    /* NULL: none */
} im_legend_size;

typedef struct im_furniture_state {
  const im_furniture *fu; /* the map's, or `defaults` */
  im_furniture defaults;
  bool vector;
  PangoContext *pango;
  im_item items[IM_NITEMS];

  /* annotations: the marks they point to (mark:), as drawn */
  struct im_annotation_mark {
    double x, y, r;          /* device units; r: the mark's half-size */
    size_t found;            /* points of the layer that matched */
    long bound;              /* the layer index the filter is bound to, -1 none */
    bool bad;                /* the filter names a field the layer has not */
    struct im_filter *where; /* the annotation's, bound in a copy (a render never writes the map) */
  } * marks;

  /* legend */
  im_legend_entry *entries;
  size_t nentries, cap_entries;
  size_t *slots; /* hash of entries: index + 1, 0 empty */
  size_t nslots;
  /* Per section and layer ([section * nlayers + layer]): */
  size_t nsections;          /* the legend's sections; 1 without sections: */
  signed char *layer_listed; /* -1 not decided, 0 no, 1 yes */
  long *layer_class;         /* the classification listed, -1 none */
  long *layer_field;         /* by: a field the layer has but does not classify by, -1 none */
  long *layer_byfield;       /* by: the field's index in the layer, -1 none */
  long *layer_nentries;      /* entries made so far */
  im_legend_size *sizes;     /* proportional symbols drawn, a block per layer */
  size_t nsizes, cap_sizes;

  /* scale bar and north arrow */
  struct {
    bool done;        /* measured (im_frame_distortion) */
    bool ok;          /* the centre's scale is known */
    double kx0;       /* the scale across the page at the frame's centre, PROJ's units */
    double variation; /* largest relative departure of any principal scale over the frame from kx0 */
    double north0;    /* true north at the centre, radians clockwise from the page's up */
    double turn;      /* how far north turns across the frame, radians */
    size_t samples;   /* points of the grid that projected */
  } distortion;
  struct {
    bool refused;      /* no bar: a statement instead, or nothing */
    bool statement;    /* "Scale varies; 1:X at the centre" drawn instead of the bar */
    char text[96];     /* the statement */
    double latitude;   /* the bar is true there (has_latitude) */
    double variation;  /* largest relative change of scale over the frame */
    double km_per_dev; /* at the frame's centre */
    double length;     /* in units */
    double unit_km;
    int segments;
    double dev_len;   /* the bar on the page */
    double bar[4];    /* drawn: x0, y0, x1, y1 */
    double centre[4]; /* the same length, centred on the frame's centre */
    double label_h, left_over, right_over, bar_h;
  } scale;
  struct {
    bool drawn;
    bool refused;   /* north turns more than the tolerance across the frame */
    bool at_centre; /* drawn to north at the frame's centre (at_centre: true) */
    double x, y;    /* where the angle was taken */
    double angle;   /* radians, clockwise from the page's up */
  } north;

  /* graticule: lines in device units, and where they meet the frame */
  im_geom grat;
  im_grat_crossing *crossings;
  size_t ncrossings, cap_crossings;
  im_grat_label *glabels;
  size_t nglabels, cap_glabels;
  bool grat_outside[4]; /* per frame edge (top, right, bottom, left): labels in the margin */
  double grat_band[4];  /* and the depth they take there */

  /* the numbered key, once drawn */
  size_t key_entries;
  im_bbox key_box;
  /* When it did not fit: how many points its margin lacked, and which
   * (0 top, 1 right, 2 bottom, 3 left), so that im_map_render can give
   * the page that much more and render again. */
  double key_short_pt;
  int key_side;
} im_furniture_state;

/* ---- furniture.c: the calls a render makes ---- */
/* begin and finish as render/'s overlay (im_render_draw_opts). */
extern const im_render_overlay im_furniture_overlay;
im_status im_furniture_begin(im_page *pg, im_error *err);
im_status im_furniture_finish(im_page *pg, im_error *err);
void im_furniture_state_free(im_furniture_state *s);

/* Device point <-> longitude/latitude through the render's frame; false
 * when PROJ cannot. */
bool im_furniture_to_lonlat(im_page *pg, double x, double y, double *lon, double *lat);
bool im_furniture_to_device(im_page *pg, double lon, double lat, double *x, double *y);
/* A length in device units. */
double im_furniture_len(const im_page *pg, im_length len);
/* Draws an item's box (background and border) when it has one. */
void im_furniture_draw_box(im_page *pg, const im_item *it);

/* ---- textblock.c: Pango text ---- */
/* A layout of text in font (else default_font), wrapped to width device
 * units (0: not wrapped), aligned. With markup, text that parses as Pango
 * markup is taken as such (else as written). Returns a new layout
 * (g_object_unref it). */
PangoLayout *im_ftext_layout(im_page *pg, const char *text, const char *font, const char *default_font, double width,
                             PangoAlignment align, bool markup);
/* The layout's logical size. */
void im_ftext_size(PangoLayout *layout, double *w, double *h);
/* Draws layout with its top-left at (x, y); a halo of halo_w when > 0.
 * When the render hands text to a sink (SVG with --svg-text, see
 * svgtext-private.h), the text goes there, as class cls, instead of being
 * drawn. */
void im_ftext_draw(im_page *pg, PangoLayout *layout, double x, double y, im_color color, double halo_w, im_color halo,
                   const char *cls);
/* ---- annotations.c ---- */
/* Draws the map's annotations (annotations:) and makes their boxes and
 * leaders label obstacles. An annotation whose mark: matched no point, or
 * more than one, is an error. */
im_status im_annotations_draw(im_page *pg, im_error *err);
/* The note_drawn hook for annotations with a mark: (after the legend's). */
bool im_annotations_note(im_page *pg, size_t layer_index, const im_layer_style *ls, const struct im_resolver *res,
                         const im_feature *f, const im_style *st, const im_geom *drawn);

/* Text blocks: the layout for item kind (title .. disclaimer) at wrap width. */
bool im_textblock_measure(im_page *pg, im_item_kind kind, double wrap);
void im_textblock_draw(im_page *pg, im_item_kind kind);

/* ---- legend.c (what is drawn), legend-draw.c (rows, layout, drawing) ---- */
/* Called by draw.c for each feature drawn (its resolved style, and the
 * device geometry drawn); notes its class when it is in the frame. False
 * when out of memory. */
bool im_legend_note(im_page *pg, size_t layer_index, const im_layer_style *ls, const struct im_resolver *res,
                    const im_feature *f, const im_style *st, const im_geom *drawn);
/* Frees what entry e owns (not e itself). */
void im_legend_entry_clear(im_legend_entry *e);
/* The style e's symbol is drawn with (owned by e). */
const im_style *im_legend_entry_style(const im_legend_entry *e);
/* The field section sec of the legend lists by (its by: without sections);
 * NULL: none (the block of other layers). */
const char *im_legend_section_by(const im_legend *lg, size_t sec);
/* Whether two styles draw the same symbol. */
bool im_legend_same_look(const im_style *a, const im_style *b);
/* legend-size.c: proportional symbols. Notes f's symbol (a layer with
 * marker: size: {field}); false only when out of memory. */
bool im_legend_size_note(im_page *pg, size_t layer_index, const im_layer_style *ls, const struct im_resolver *res,
                         const im_feature *f);
void im_legend_size_clear(im_legend_size *z);
/* Small multiples: into gets from's blocks (one per layer, the largest value
 * of all panels); false when out of memory. */
bool im_legend_size_take(im_furniture_state *into, im_furniture_state *from);
/* The values keyed for symbols up to top: at most three, descending, round
 * (the largest to one significant digit, the others 5, 2.5, 2 or 1 times a
 * power of ten about a half and an eighth of it); whole when integer.
 * Returns how many. */
size_t im_legend_size_values(double top, bool integer, double out[3]);
/* The blocks' size, and drawing them with their top-left at (x, y). */
void im_legend_size_measure(im_page *pg, double *w, double *h);
void im_legend_size_draw(im_page *pg, double x, double y);
/* Sizes the legend from its entries; false: nothing to list. */
bool im_legend_measure(im_page *pg);
void im_legend_draw(im_page *pg);

/* ---- key.c: the numbered key ---- */
/* Once the labels are placed and drawn (im_furniture_overlay's labelled):
 * lists the labels placed as numbers in the margin the key names. Fails
 * (IM_STATUS_INPUT, naming the margin) when they do not fit there. */
im_status im_key_draw(im_page *pg, im_error *err);

/* ---- scalebar.c: scale bar and north arrow ---- */
/* Samples the projection's factors (PROJ's proj_factors; for a geographic
 * map CRS, finite differences) on a 9 x 9 grid over the frame into
 * s->distortion, once per render: how much the scale and the direction of
 * north change across the frame. */
void im_frame_distortion(im_page *pg);
bool im_scalebar_measure(im_page *pg);
void im_scalebar_draw(im_page *pg);
bool im_north_measure(im_page *pg);
void im_north_draw(im_page *pg);
/* The direction of true north at device point (x, y): radians clockwise
 * from the page's up; false where it cannot be told (a pole, off the
 * projection). */
bool im_north_angle(im_page *pg, double x, double y, double *angle);

/* ---- graticule.c ---- */
/* Builds the lines (and their crossings with the frame's edges). */
bool im_graticule_build(im_page *pg);
/* Decides, per frame edge, whether the degree labels go in the margin
 * (when it holds them) and how deep a band they take there; items outside
 * the frame are put beyond it. */
void im_graticule_bands(im_page *pg);
void im_graticule_draw_lines(im_page *pg);
/* Places the degree labels clear of each other, the frame's corners and
 * the items laid out; registers them as label obstacles. */
bool im_graticule_place_labels(im_page *pg);
void im_graticule_draw_labels(im_page *pg);

/* ---- inset.c ---- */
bool im_inset_measure(im_page *pg);
im_status im_inset_draw(im_page *pg, im_error *err);

/* ---- for tests: what a render laid out ---- */
typedef struct {
  double fx0, fy0, fw, fh; /* the frame on the page, device units */
  double dev_w, dev_h, dev_per_pt;
  im_frame frame;
  size_t nlegend; /* legend entries (rows merge entries when legend: by: is set) */
  struct {
    char label[128];
    size_t count;
    size_t layer;
    im_geom_kind kind;
    im_color fill, stroke; /* of the symbol drawn */
    im_marker_symbol marker;
    size_t section; /* of the legend's sections (the last: other layers) */
  } legend[64];
  bool scalebar_drawn, scalebar_refused, scale_statement;
  char scale_text[96]; /* the statement drawn instead of the bar */
  double scale_length, scale_unit_km, scale_variation;
  double north_turn; /* degrees north turns across the frame */
  bool north_refused, north_at_centre;
  double bar[4], centre_bar[4];
  bool north_drawn;
  double north_x, north_y, north_angle; /* degrees clockwise from the page's up */
  size_t ngrat;
  im_bbox grat_boxes[512];
  char grat_text[512][24];
  int grat_edge[512];         /* 0 top, 1 right, 2 bottom, 3 left */
  double grat_anchor[512][2]; /* where the label's line meets that edge */
  bool item_present[IM_NITEMS];
  im_bbox item_box[IM_NITEMS];
  size_t key_entries; /* the numbered key's, 0: none drawn */
  im_bbox key_box;
} im_furniture_report;

/* Renders map as a PNG would be (not written anywhere) and reports the
 * furniture laid out. */
im_status im_furniture_probe(const im_map *map, const im_render_options *opt, im_furniture_report *out, im_error *err);

#endif
