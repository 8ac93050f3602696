/* influmap — map furniture: what a figure needs beside the map itself.
 *
 *   map:         {title, subtitle, credits, disclaimer, margins, frame}
 *   legend:      built from what is drawn (classes present in the frame)
 *   scalebar:    true at the frame's centre where the scale is the same
 *                across it, else a statement ("Scale varies; 1:X at the
 *                centre") or a bar for a stated latitude
 *   north_arrow: towards true north at its place, where north is one
 *                direction across the frame
 *   graticule:   meridians and parallels as curves, labelled at the edges
 *   inset:       a locator map (e.g. an orthographic globe) with the
 *                main frame's footprint
 *   key:         the numbered key: label texts listed by number in a margin
 *
 * The spec reader (src/spec/spec-furniture.c) fills this model; the
 * renderer (src/render/furniture.c and friends) lays it out and draws it.
 * Everything is owned by the im_furniture; free with im_furniture_free. See
 * docs/style-language.md, "Map furniture". */
#ifndef IM_MAP_FURNITURE_PRIVATE_H
#define IM_MAP_FURNITURE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "spec/map-private.h"
#include "influmap/units.h"

/* Where on the frame (or page) an item goes. */
typedef enum {
  IM_POS_TOP_LEFT,
  IM_POS_TOP,
  IM_POS_TOP_RIGHT,
  IM_POS_LEFT,
  IM_POS_RIGHT,
  IM_POS_BOTTOM_LEFT,
  IM_POS_BOTTOM,
  IM_POS_BOTTOM_RIGHT,
} im_position;

typedef enum {
  IM_PLACE_AUTO,    /* outside the frame when the margin on that side holds it, else inside */
  IM_PLACE_INSIDE,  /* inside the frame, in a box; labels keep clear of it */
  IM_PLACE_OUTSIDE, /* in the margin, beside the frame: above (top-*), below (bottom-*), left or right */
  IM_PLACE_PAGE,    /* at the page's corner or edge, whatever the frame */
} im_placement;

/* Placement shared by every item. */
typedef struct {
  im_position position;
  im_placement placement;
  bool box;            /* a background box (items inside the frame have one by default) */
  im_color background; /* of the box */
  im_color border;     /* of the box; alpha 0: none */
  im_spec_pos pos;     /* where the item is written */
} im_furniture_place;

/* A text block: title, subtitle, credits, disclaimer. The title's text is
 * the map's (im_map.title, also the PDF's title); the others own theirs.
 * Pango markup is allowed (<b>, <i>, <span ...>); text that is not valid
 * markup is drawn as written. */
typedef struct {
  bool visible;
  char *text; /* NULL for the title (see above) */
  char *font;
  im_color color;
  im_length width; /* wrap width; 0: the frame's width outside it, 45% of it inside */
  im_furniture_place at;
} im_text_block;

typedef enum { IM_LEGEND_SORT_DATA, IM_LEGEND_SORT_LABEL } im_legend_sort;

/* One section of a legend: a heading and the field whose values are its
 * rows (legend: sections:). */
typedef struct {
  char *title; /* NULL: no heading */
  char *by;
  im_spec_pos by_pos;
} im_legend_section;

typedef struct {
  bool enabled;
  im_furniture_place at;
  char *title; /* NULL: no title */
  char *by;    /* a class field: rows of every listed layer merged by its value */
  /* Sections, one under the other, each by its own field (legend: sections:):
   * actor by colour, category by shape, status by fill and dash. With
   * sections, by: is not used. */
  im_legend_section *sections;
  size_t nsections;
  im_spec_pos by_pos;
  char **layers; /* layer ids to list; NULL: layers with classes or a legend label */
  size_t nlayers;
  im_spec_pos layers_pos;
  int columns;     /* >= 1 */
  bool counts;     /* "China (12)" */
  im_length width; /* the legend's width, labels wrapped to it; 0: as wide as needed */
  char *font, *title_font;
  im_color color;
  im_legend_sort sort;
  /* labels: {VALUE: "Text"}: an entry's text in place of its value. */
  char **relabel_from, **relabel_to;
  size_t nrelabel;
  /* no_data: "No data": features of a listed layer in no class (a null or
   * empty value) get this entry, last; NULL: they are left out. */
  char *no_data;
} im_legend;

typedef enum { IM_SCALE_KM, IM_SCALE_MI, IM_SCALE_NMI } im_scale_units;

typedef struct {
  bool enabled;
  bool force;         /* a bar true at the centre even where the scale varies more than tolerance */
  double tolerance;   /* largest relative change of scale across the frame (0.05) */
  bool has_latitude;  /* at_latitude: a bar true on that parallel (where it crosses the frame's */
  double at_latitude; /* vertical middle line), labelled so, whatever the variation */
  im_furniture_place at;
  im_scale_units units;
  im_length length; /* the longest the bar may be on the page (default 35mm) */
  int segments;     /* 0: by the length (4 or 5) */
  char *font;
  im_color color;
} im_scalebar;

typedef struct {
  bool enabled;
  im_furniture_place at;
  im_length size; /* the arrow's height, letter N included */
  char *font;
  im_color color;
  double tolerance; /* degrees north may turn across the frame and the arrow still be drawn (5) */
  bool at_centre;   /* beyond that, an arrow to true north at the frame's centre (else none) */
} im_north_arrow;

typedef struct {
  bool enabled;
  double lon_step, lat_step; /* degrees */
  bool labels;
  bool minutes; /* 70°30′W even for whole degrees */
  bool over;    /* drawn over the layers (default: under them, so only where nothing is drawn) */
  im_color color;
  im_length width;
  char *font;
  im_color label_color;
  im_placement label_placement; /* AUTO: outside where the margin holds a label, else inside */
  im_spec_pos pos;
} im_graticule;

typedef struct {
  bool enabled;
  char *crs; /* "globe": orthographic, centred on the main frame */
  im_spec_pos crs_pos;
  im_extent extent; /* AUTO: the whole world */
  im_furniture_place at;
  im_length width, height; /* height 0: as wide */
  char *source;            /* resolved; NULL: the map's first layer's source */
  im_spec_pos source_pos;
  im_color land, water, land_border;
  im_color footprint_color;
  im_length footprint_width;
} im_inset;

/* The numbered key (key:): the texts of the labels placed as numbers
 * (a layer's label: key: auto or all), listed by number in the page's
 * margin on one side of the frame, in columns. */
typedef struct {
  bool enabled;
  im_furniture_place at; /* position only: always in the margin */
  char *title;           /* a heading; NULL: none */
  char *font, *title_font;
  im_color color;
  int columns; /* 0: as many as fit, each at least IM_KEY_MIN_COLUMN_MM wide */
} im_key;
#define IM_KEY_MIN_COLUMN_MM 50.0

typedef struct {
  im_length top, right, bottom, left;
} im_margins;

/* annotations: (docs/style-language.md, "Annotations"): free text on the
 * map, at a place or a page position, with a leader to a place; labels
 * keep clear of it. */
typedef enum { IM_LEADER_ARROW, IM_LEADER_LINE, IM_LEADER_NONE } im_leader_kind;
typedef enum {
  IM_ANNOTATION_AT,     /* the text centred on the place */
  IM_ANNOTATION_OFFSET, /* the text's centre offset from the place by (dx, dy), right and down */
  IM_ANNOTATION_PAGE,   /* the text's top-left (dx, dy) from the frame's top-left */
} im_annotation_where;

typedef struct {
  char *text; /* Pango markup allowed */
  bool has_place;
  double lon, lat; /* the place pointed to */
  im_annotation_where where;
  im_length dx, dy;
  im_leader_kind leader; /* to the place, when the text is away from it */
  char *font;            /* NULL: Noto Sans 7 */
  im_color color, halo_color;
  im_length halo_width, width; /* width: wrap width */
  bool box;
  im_color background, border;
  /* mark: {layer, where}: the place is that layer's one point matching
   * where, as drawn (displaced on a ring, if it is), and the leader ends
   * at its edge. */
  char *mark_layer, *mark_text;
  struct im_filter *mark_where; /* bound to the layer's fields when drawn */
  const char *file;
  im_spec_pos pos, mark_pos;
} im_annotation;

typedef struct im_furniture {
  im_margins margins;   /* the map frame sits inside the page by these */
  im_color frame_color; /* the line round the frame; alpha 0: none */
  im_length frame_width;
  bool frame_set; /* frame: written (else drawn only when there are margins) */
  im_text_block title, subtitle, credits, disclaimer;
  im_legend legend;
  im_scalebar scalebar;
  im_north_arrow north_arrow;
  im_graticule graticule;
  im_inset inset;
  im_key key;
  im_annotation *annotations;
  size_t nannotations;
} im_furniture;

/* Sets f to the defaults: no margins, nothing enabled but the title (drawn
 * when the map has one). */
void im_furniture_init(im_furniture *f);

/* Frees everything f owns and f itself; NULL is fine. */
void im_furniture_free(im_furniture *f);

/* The margins in points. */
void im_furniture_margins_pt(const im_furniture *f, double dpi, double *top, double *right, double *bottom,
                             double *left);
#endif
