/* What the label modules share: the labeler's insides, the collision grid
 * and the geometry helpers. Only labels.c, label-text.c, label-place.c and
 * label-geom.c include this; the rest of the library uses labels-private.h. */
#ifndef IM_LABEL_IMPL_PRIVATE_H
#define IM_LABEL_IMPL_PRIVATE_H

#include <pango/pangocairo.h>

#include "geo/geom-private.h"
#include "label/labels-private.h"

typedef enum { IM_LABEL_POINT, IM_LABEL_POLYGON, IM_LABEL_LINE } im_label_kind;

/* One grapheme cluster of a line label, in the unrotated layout. */
typedef struct {
  size_t start, len; /* bytes of the label's text */
  double x, w;       /* logical left edge and advance, device units */
} im_label_cluster;

/* Where a cluster of a line label goes: the centre of its advance on the
 * line (the text's vertical middle sits on the line), turned by angle
 * (radians, y down as on the page). */
typedef struct {
  double x, y, angle;
} im_label_glyph;

/* A candidate position of a polygon or line label. */
typedef struct {
  double ox, oy; /* polygons: the layout's origin */
  size_t glyphs; /* lines: the first of the label's nclusters in lb->glyphs */
} im_label_pos;

typedef struct {
  im_label_kind kind;
  char *text; /* NFC, case applied; owned */
  PangoLayout *layout;
  im_bbox ink;    /* the layout's ink extents from its origin */
  double pad;     /* kept clear round the ink: the halo and a little air */
  double font_px; /* the font size, device units */
  im_color color, halo_color;
  double halo_width; /* device units; 0 = none */
  bool leader_allowed;
  bool required;         /* placed whatever it takes, or the render fails (im_labeler_missing) */
  char *short_text;      /* required points: the shorter text tried last (NFC, case applied); owned, or NULL */
  char *layer;           /* required labels: the layer's id, for the message; owned, or NULL */
  im_label_key key_mode; /* points, lines: a number at the mark (the line's middle) when the labeler keeps a key */
  size_t key_no;         /* placed as a number (text is it, key_text the label's): 1, 2, ...; 0: not */
  char *key_text;        /* the label's text while a number stands for it; owned, or NULL */
  double priority;
  size_t order;
  double x, y, r; /* points: the symbol's centre and radius; required polygons: the pole; keyed lines: the middle */
  bool anchored;  /* a polygon or line label that may go beside a point: x, y hold it */
  size_t first_anchor, nanchors;   /* anchored polygons: more points inside; keyed lines: more along; in lb->anchors */
  size_t first_pos, npos;          /* polygons, lines: candidates in lb->pos */
  size_t first_cluster, nclusters; /* lines: in lb->clusters */
  /* The outcome of im_labeler_place. */
  bool placed, leader;
  double ox, oy;                 /* points, polygons: the layout's origin */
  size_t glyphs;                 /* lines: the first of nclusters in lb->glyphs */
  double lx0, ly0, lx1, ly1;     /* the leader line */
  size_t first_box, nboxes;      /* in lb->boxes */
  size_t area_part, area_nparts; /* polygons: the rings, in lb->areas (none when past its budget) */
  im_bbox area_box;
  bool repeat; /* not placed: its twin, placed, shows its text */
  size_t twin; /* points: 1 + the index of a label before it in priority order with the same
                                text at nearly the same place (a port and a town both "Callao"); 0: none */
} im_label;

typedef enum { IM_ITEM_OBSTACLE, IM_ITEM_LABEL, IM_ITEM_LEADER } im_item_kind;

/* Something labels must keep clear of: a box, or a leader's segment. */
typedef struct {
  im_bbox box;
  im_item_kind kind;
  double x0, y0, x1, y1; /* leaders */
} im_label_item;

typedef struct {
  size_t *idx;
  size_t n, cap;
} im_grid_cell;

/* A uniform grid over the page; each cell lists the items that meet it.
 * Items off the page are kept in the edge cells. */
typedef struct {
  double cell;
  size_t nx, ny;
  im_grid_cell *cells;
  im_label_item *items;
  size_t nitems, cap;
} im_label_grid;

struct im_labeler {
  PangoContext *ctx; /* made on first use: labeler_context() */
  cairo_t *cr;       /* borrowed: the context drawn into, alive while labels are added and drawn */
  double page_w, page_h, dev_per_pt, dpi;
  im_bbox inside; /* where labels may go: the page less a margin */
  im_label *labels;
  size_t nlabels, cap_labels;
  im_label_pos *pos;
  size_t npos, cap_pos;
  im_label_cluster *clusters;
  size_t nclusters, cap_clusters;
  im_label_glyph *glyphs;
  size_t nglyphs, cap_glyphs;
  im_label_glyph *anchors; /* points inside anchored polygons, along keyed lines (x, y; angle unused) */
  size_t nanchors, cap_anchors;
  im_bbox *boxes; /* the placed labels' boxes */
  size_t nboxes, cap_boxes;
  im_label_grid grid;
  /* The point marks drawn (im_labeler_add_mark), each an IM_ITEM_OBSTACLE
   * box round its circle: a point label must sit nearer its own mark than
   * any other (place_point), so that a reader gives it to the right one. */
  im_label_grid marks;
  bool failed; /* out of memory: later calls do nothing */
  bool done;   /* im_labeler_place has run */
  /* The polygons of the polygon labels (up to IM_LABEL_AREA_POINTS
   * vertices in all), so that a name set beside its country does not
   * stand on another country (place_point). */
  im_geom areas;
  size_t *area_labels; /* the labels that have rings in areas */
  size_t narea_labels, cap_area_labels;
  bool area_rule;              /* while set, a polygon label keeps off the others' polygons (place_point) */
  double reach_cap;            /* while > 0: no leader longer than this many font sizes (place_polygon_beside) */
  size_t over_limit, cut_long; /* candidates past the ceiling, texts cut (limits.h): warned once */
  im_label_stats stats;
  char *next_layer, *next_short; /* im_labeler_set_source: for the labels added next */
  bool key_on;                   /* a key block lists numbered labels (im_labeler_use_key) */
  size_t *keyed;                 /* the labels placed as numbers, by number */
  size_t nkeyed;
  im_text_sink sink; /* takes the placed labels' text instead of drawing it */
  void *sink_user;
};

/* label-text.c: a layout of text in the style's font, at dev_per_pt. */
PangoLayout *im_label_layout(PangoContext *ctx, const char *text, const char *font, double dev_per_pt, double dpi,
                             double *font_px);
/* The ink extents of a layout from its origin, device units. */
im_bbox im_label_layout_ink(PangoLayout *layout);
/* Appends the grapheme clusters of a one-line layout to lb->clusters. */
bool im_label_clusters(im_labeler *lb, im_label *l);
/* Draws a layout at the origin: its halo (the outline stroked), its text,
 * or both, the halo under the text. */
void im_label_show(cairo_t *cr, PangoLayout *layout, const im_label *l, bool halo, bool text);

/* label-place.c: a point label's placement, by its layout as it stands
 * (its 8 slots round the mark, then farther with a leader); l->placed
 * says whether it found room. False only when out of memory. */
bool im_label_place_point(im_labeler *lb, im_label *l);
/* label-key.c. Whether the key may take l (it keeps a key, l's layer is
 * keyed, l is without a place, a point or a line whose middle is known). */
bool im_label_keyable(const im_labeler *lb, const im_label *l);
/* Tries l as a number (a placeholder as wide as the widest the map may
 * need) beside its mark or its line's middle; l->placed says whether it
 * found room, else l is as it was. False only when out of memory. */
bool im_label_key_try(im_labeler *lb, im_label *l);
/* Once all are placed: numbers the labels placed as numbers in reading
 * order, each centred in its room, and lists them (lb->keyed). */
bool im_label_key_number(im_labeler *lb);

/* label-place.c: the grid. */
bool im_grid_init(im_label_grid *g, double w, double h, double cell);
void im_grid_free(im_label_grid *g);
bool im_grid_add(im_label_grid *g, im_label_item item);
/* True when box meets an item (any kind). */
bool im_grid_box_hits(const im_label_grid *g, im_bbox box);
/* Whether a mark of g other than the one centred at (ownx, owny) has its
 * edge no farther from box than own, the own mark's edge distance. */
bool im_grid_mark_nearer(const im_label_grid *g, im_bbox box, double ownx, double owny, double own);
/* True when the segment meets a label, a leader, or an obstacle that does
 * not contain (ownx, owny) (the symbol the leader starts from). */
bool im_grid_segment_hits(const im_label_grid *g, double x0, double y0, double x1, double y1, double ownx, double owny);

/* label-geom.c */
static inline bool im_bbox_overlap(im_bbox a, im_bbox b) {
  return a.minx < b.maxx && b.minx < a.maxx && a.miny < b.maxy && b.miny < a.maxy;
}
static inline bool im_bbox_within(im_bbox inner, im_bbox outer) {
  return inner.minx >= outer.minx && inner.maxx <= outer.maxx && inner.miny >= outer.miny && inner.maxy <= outer.maxy;
}
bool im_segments_cross(double ax, double ay, double bx, double by, double cx, double cy, double dx, double dy);
/* The box round a cluster of a line label placed at glyph. */
im_bbox im_label_glyph_box(const im_label *l, const im_label_cluster *c, const im_label_glyph *g);
/* Candidate positions for a polygon or line label, appended to lb->pos. */
bool im_label_polygon_positions(im_labeler *lb, im_label *l, const im_geom *rings);
bool im_label_line_positions(im_labeler *lb, im_label *l, const im_geom *line);

#endif
