/* What one render carries from the frame set-up to the drawing of each
 * feature. One per render (and so per thread). */
#ifndef IM_RENDER_PRIVATE_H
#define IM_RENDER_PRIVATE_H

#include <cairo.h>

#include "influmap/crs.h"
#include "influmap/geom.h"
#include "io/layer-private.h"
#include "spec/map-private.h"
#include "influmap/render.h"
#include "label/labels-private.h"
#include "geo/domain-private.h"
#include "geo/project-private.h"
#include "render/symbols-private.h"

typedef struct im_render_ctx im_render_ctx;
typedef struct im_page im_page;
struct im_resolver;

/* What the furniture (furniture/, the folder above) sees of a render: the
 * page and the map frame on it in device units, where to draw, the
 * labeler its items are obstacles to, the map's spec, scale and time
 * window, and the projection as a read-only view (for the graticule, the
 * north arrow and the scale bar, which draw in map coordinates). Filled
 * by im_render_ctx_init (the frame) and im_render_ctx_attach (cr and the
 * labeler); furniture never sees the render context itself. */
struct im_page {
  const im_map *map;
  cairo_t *cr;
  im_labeler *labeler;
  im_symbol_ctx *symbols; /* device scale and the SVG icons of this render */
  im_frame frame;
  double dev_per_pt;                   /* device units per point: dpi/72 for PNG, 1 for vector */
  double dev_w, dev_h;                 /* the page in device units */
  double fx0, fy0, fw, fh;             /* the map frame on the page, device units */
  bool clip_frame;                     /* the frame is smaller than the page */
  bool over_host;                      /* drawn over a host's page (page/embed.c): what is transparent is left to
                                          show it, never cleared */
  double scale_denominator;            /* at the frame's centre; 0 when unknown */
  const char *period_from, *period_to; /* the time window */
  /* The projection: lon/lat (geog) to map units, map units to device units. */
  double lon0;           /* the meridian opposite the map's cut: the CRS's central meridian, or the frame's
                            centre on a cylindrical map centred elsewhere (frame.c) */
  im_transform *geo2map; /* owned by the render */
  const im_xwrap *xwrap; /* applied after geo2map (frame.c); period 0: none */
  const im_geom *globe;  /* the projection's outline in device units when part of the frame lies outside it
                            (a world map's rounded sides, a globe's rim); NULL: none */
  double dev_per_unit_x, dev_per_unit_y;
  double simplify_tol, simplify_line; /* device units (frame.c) */
  const im_layer_query *query;        /* the frame in geographic coordinates */
  bool query_all;                     /* the frame sees the whole globe */
  /* The furniture's own state and two hooks, all set by the furniture
   * (im_furniture_begin), which render/ calls without knowing it: each
   * feature drawn (its layer, resolved style and device geometry; false
   * when out of memory), and the state freed with the render. NULL: none. */
  struct im_furniture_state *furniture;
  bool (*note_drawn)(im_page *page, size_t layer_index, const im_layer_style *ls, const struct im_resolver *res,
                     const im_feature *f, const im_style *st, const im_geom *drawn);
  void (*free_furniture)(struct im_furniture_state *furniture);
};

struct im_render_ctx {
  const im_map *map;
  im_geo_ctx *geo;
  im_crs *map_crs;
  im_crs *geog; /* the map CRS's geographic base */
  im_transform *geo2map;
  double lon0;     /* where the map is cut, + 180 (im_page.lon0) */
  double crs_lon0; /* the CRS's own central meridian */
  im_xwrap xwrap;  /* x moved into the period the frame shows (a cylindrical map across its antimeridian) */
  im_cap cap;      /* an azimuthal map's cap (im_render_azimuth), which geometry is clipped to */
  bool has_cap;
  im_geom globe; /* the projection's outline, device units; no parts: none (im_page.globe) */
  im_frame frame;
  im_bbox extent_box;       /* the extent in map units before it is widened to the frame's shape */
  double dev_per_pt;        /* device units per point: dpi/72 for PNG, 1 for vector */
  double dev_w, dev_h;      /* the page in device units */
  double fx0, fy0, fw, fh;  /* the map frame on the page, device units (the page less the margins) */
  bool clip_frame;          /* the frame is smaller than the page: layers are clipped to it */
  double dev_per_unit_x;    /* device units per map CRS unit, across */
  double dev_per_unit_y;    /* and down (equal but for PNG pixel rounding) */
  double simplify_tol;      /* device units */
  double simplify_line;     /* and its Douglas-Peucker distance for fills (frame.c) */
  double simplify_stroke;   /* and for lines that are only stroked */
  double thin_deg;          /* lon/lat thinning before projection, degrees of arc; 0: none (frame.c) */
  bool exact_fill;          /* the layer drawn fills polygons without outlines: they keep every vertex (draw.c) */
  im_layer_query query;     /* the frame in geographic coordinates */
  bool query_all;           /* the frame sees the whole globe */
  double scale_denominator; /* at the frame's centre; 0 when unknown */
  const char *period_from, *period_to; /* the time window (options, else the spec) */
  cairo_t *cr;
  im_symbol_ctx symbols;        /* device scale and the SVG icons of this render */
  im_labeler *labeler;          /* label candidates of every layer */
  size_t layer_index;           /* the layer being drawn */
  im_proj_scratch scratch;      /* work, cut, dense: reused across features */
  im_geom fill, outline;        /* device geometry of the feature drawn */
  im_projected proj;            /* scratch: a feature in map CRS units */
  uint32_t proj_crs;            /* the map CRS's id in the projected-geometry cache; 0: none */
  size_t max_vertices;          /* limits.h's, for densified layers */
  im_render_timings *times_out; /* the caller's (options), added to at the end; NULL: not timed */
  im_render_timings times;
  double lap;           /* when the last stage ended (ms) */
  double nested;        /* ms of load and project timed inside the current stage */
  im_page page;         /* what the furniture sees of this render */
  bool labeler_shared;  /* labeler is another render's (im_render_ctx_attach_shared) */
  size_t features_kept; /* drawn by im_render_draw: with something projected */
  size_t features_lost; /* and with nothing, every point outside the lon/lat range or the projection's domain */
  bool strict;          /* a join that leaves a feature without its row is an error (im_render_draw_opts.strict) */
  size_t join_unmatched, join_duplicates; /* features no row matched, keys in two rows or more (join:) */
};

/* The frame alone: CRSs, the page and frame in device units, the
 * geographic query and the scale for map and opt; what im_map_frame and
 * the checks need, nothing to draw with (no surface, no labeler). */
im_status im_render_ctx_init(im_render_ctx *rc, const im_map *map, const im_render_options *opt, bool vector,
                             im_error *err);
/* An azimuthal map's reach round its centre, in degrees of arc, by the
 * projection's method (globe.c): edge, what a map without an extent
 * (whole) shows; clip, the cap every layer is clipped to on the sphere
 * before projecting (short of a globe's horizon, of an equal-area or
 * equidistant map's antipode). False when the map is not azimuthal. */
bool im_render_azimuth(const im_render_ctx *rc, bool whole, double *edge, double *clip);
/* The projection's outline (globe.c) into rc->globe, kept only when part
 * of the frame lies outside it; and, on an azimuthal map, the cap layers
 * are clipped to (rc->cap). False when out of memory. */
bool im_render_globe_init(im_render_ctx *rc);
/* g (device units, closed rings) as cr's path. */
void im_render_globe_path(cairo_t *cr, const im_geom *g);

/* Frees everything rc holds, the labeler too unless it is shared. */
void im_render_ctx_fini(im_render_ctx *rc);

/* Resources to draw onto cr: a labeler of rc's own, whose text goes where
 * sink_from's goes when that is not NULL (an SVG page's <text>). */
im_status im_render_ctx_attach(im_render_ctx *rc, cairo_t *cr, const im_labeler *sink_from, im_error *err);
/* Or the labeler of another render on the same page (a multiples page's
 * furniture places its labels with the outer page's): not freed with rc. */
void im_render_ctx_attach_shared(im_render_ctx *rc, cairo_t *cr, im_labeler *labeler);
/* Lets go of cr and frees the labeler (unless shared); rc keeps its frame. */
void im_render_ctx_detach(im_render_ctx *rc);

/* A render onto an image of the page in memory (raster, the spec's dpi):
 * for the probes that measure what a render does without writing it.
 * im_render_ctx_close_image frees it all, after a failed open too. */
im_status im_render_ctx_open_image(im_render_ctx *rc, const im_map *map, const im_render_options *opt, im_error *err);
void im_render_ctx_close_image(im_render_ctx *rc);

/* What is drawn round and over a map's layers: the furniture, by the
 * folder above this one (furniture/im_furniture_overlay), which render/
 * knows only through these calls. */
typedef struct {
  im_status (*begin)(im_page *page, im_error *err);    /* before the layers: margins, graticule */
  im_status (*finish)(im_page *page, im_error *err);   /* after: legend, scale bar, ..., as label obstacles */
  im_status (*labelled)(im_page *page, im_error *err); /* once labels are drawn: the numbered key; NULL: none */
} im_render_overlay;

typedef enum {
  IM_BACKGROUND_NONE,        /* nothing: the host's page or the caller's own */
  IM_BACKGROUND_PAGE,        /* the map's background over the page, when it is not transparent */
  IM_BACKGROUND_PAGE_OPAQUE, /* the same even when transparent (a PNG has no page beneath) */
  IM_BACKGROUND_FRAME,       /* the frame only (a panel in its cell) */
  IM_BACKGROUND_PAGE_OVER,   /* the map's background composited over what is beneath (a host's page), never
                                replacing it */
} im_render_background;

typedef struct {
  im_render_background background;
  const im_render_overlay *overlay; /* NULL: the layers alone */
  bool legend_layers_only;          /* skip layers the legend never lists (a probe of what it lists) */
  bool layers_only;                 /* stop after the layers: no overlay finish, no labels */
  bool strict;                      /* a label not placed is an error (im_render_options.strict) */
  /* Called once the layers are drawn (a panel hands its legend entries to
   * the page); NULL: nothing. */
  im_status (*after_layers)(im_render_ctx *rc, void *user, im_error *err);
  void *user;
} im_render_draw_opts;

/* The one way a map is drawn onto rc->cr (im_render_ctx_attach first):
 * background, the overlay's begin, every layer in order, the overlay's
 * finish, then the labels of all layers placed together and drawn on top;
 * timed for --timings. */
im_status im_render_draw(im_render_ctx *rc, const im_render_draw_opts *o, im_error *err);

/* Adds rc's label counts to into and tells want's on_dropped_label (if
 * any) the text of each label dropped. */
void im_render_add_stats(const im_render_ctx *rc, im_render_stats *into, const im_render_stats *want);

/* Every check of a render of map, without drawing: each layer's fields,
 * filters, classes, label templates and icons (im_render_check_layer).
 * errors not NULL: the checks go on past a layer with bad input, whose
 * error is appended there; err is the first. */
im_status im_render_check_map(const im_map *map, im_error_list *errors, im_error *err);
/* Frees the scratch geometry (sized for the largest feature drawn) once the
 * layers are drawn, before a PNG is rasterised and encoded: the peak memory
 * of a 10m map is then that of its pixels, not of both. */
void im_render_ctx_drop_scratch(im_render_ctx *rc);

/* Notes on the page of cr that it holds drawing its PNG recordings
 * share (a group, an SVG icon), so they are replayed one chunk at a time
 * (page/page.c). im_render_push_group: cairo_push_group, so noted. */
void im_render_mark_shared(cairo_t *cr);
void im_render_push_group(cairo_t *cr);
/* Whether im_render_mark_shared was called on the page. */
bool im_render_is_shared(cairo_surface_t *page);

/* Milliseconds on a monotonic clock. */
double im_render_now_ms(void);
/* --timings: the time since the last lap, less the loading and projecting
 * timed inside it, goes to *stage (a field of rc->times). Does nothing
 * when the render is not timed. */
void im_render_lap(im_render_ctx *rc, double *stage);

/* From projected geometry (map CRS units, NaN where a point did not
 * project) to device units as kind (how rings are clipped), simplified and
 * clipped to the frame grown by margin, into out. Uses rc->cut or
 * rc->dense (the one projected is not) as scratch. False when out of
 * memory. */
bool im_render_device(im_render_ctx *rc, const im_geom *projected, im_geom_kind kind, double margin, im_geom *out);

/* Takes a lon/lat geometry through the drawing pipeline (antimeridian cut,
 * densify, project, simplify) to device units, clipped to the frame grown by
 * margin, into out; as_outline: rings as lines. Adds the points that did not
 * project to *lost. False when out of memory. */
bool im_render_prepare(im_render_ctx *rc, const im_geom *src, bool as_outline, double margin, im_geom *out,
                       size_t *lost);

/* The layer the host bound to ls (NULL: none, read its source), or an
 * error placed at ls's source when it is `source: memory` and nothing is
 * bound. */
im_status im_render_bound(const im_render_ctx *rc, const im_layer_style *ls, const struct im_layer **bound,
                          im_error *err);

/* Loads one layer of the spec (only what meets the frame) and draws it. */
im_status im_render_layer(im_render_ctx *rc, const im_layer_style *style, im_error *err);

/* Opens a layer's fields only and binds its filters, classes, label
 * templates and icons to them: every check of a render, without drawing. */
im_status im_render_check_layer(im_render_ctx *rc, const im_layer_style *style, im_error *err);

#endif
