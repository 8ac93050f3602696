/* A feature from its source CRS to map CRS units (project.c): to lon/lat,
 * geodesic routes, the antimeridian cut, densify, project; through the
 * projected-geometry cache. And the prefetcher, which does this for the
 * features of a layer on a second core, ahead of the thread that draws
 * them: projecting is a quarter to a third of drawing a detailed layer,
 * and with it off the critical path a single render uses both cores. */
#ifndef IM_PROJECT_PRIVATE_H
#define IM_PROJECT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "influmap/crs.h"
#include "influmap/geom.h"
#include "geo/domain-private.h"
#include "geo/projcache-private.h"

/* Densify step in degrees: long segments (and the edges the antimeridian
 * cut adds) become curves in the projection instead of chords. */
#define IM_DENSIFY_DEGREES 0.5
/* Geodesic routes get a vertex at least every this many km before the cut. */
#define IM_GEODESIC_STEP_KM 50.0

/* How one layer's features are projected in one thread. */
typedef struct {
  im_transform *src2geo; /* to the map's lon/lat; NULL when the source is in it */
  im_transform *geo2map;
  double lon0;           /* where the map is cut, + 180 (the CRS's central meridian, or the frame's centre) */
  const im_xwrap *xwrap; /* applied after geo2map; NULL: none */
  const im_cap *cap;     /* the visible part of a globe, which geometry is clipped to first; NULL: none */
  double thin;           /* lon/lat vertices nearer than this (degrees of arc) to the one kept before them are
                            dropped before projecting; 0: none (im_render_thin_tolerance) */
  const im_bbox *query;  /* the frame's footprint in lon/lat, query_boxes boxes: parts wholly outside
                            it are not projected (unless cached); NULL: all are */
  size_t query_boxes;
  bool cache; /* through the projected-geometry cache, with: */
  uint32_t source_id, crs_id;
} im_proj_env;

/* What the projection needs of a feature: its geometry in the source CRS,
 * its record number (the cache's key) and whether it is a geodesic route. */
typedef struct {
  const im_geom *geom;
  long fid;
  bool geodesic;
} im_proj_feature;

/* Scratch geometry, reused from feature to feature (one per thread). */
typedef struct {
  im_geom work, cut, dense, thin, kept;
  im_geom capd, capfill, capline; /* densified for, and clipped to, the visible cap */
  im_geom seam;                   /* an outline without the dateline's cut edges */
} im_proj_scratch;

void im_proj_scratch_init(im_proj_scratch *s);
void im_proj_scratch_free(im_proj_scratch *s);

typedef enum { IM_PROJ_OK, IM_PROJ_OOM, IM_PROJ_CEILING } im_proj_result;

/* ll (lon/lat) clipped to the cap k, in s's cap buffers: *fill the shapes
 * (rings closed along the rim), *lines their outlines when want_lines (a
 * polygon's rings broken at the rim, as lines), else *fill too. False
 * when out of memory. */
bool im_cap_prepare(const im_cap *k, const im_geom *ll, bool want_lines, im_proj_scratch *s, const im_geom **fill,
                    const im_geom **lines);

/* The feature's lon/lat (in the map's geographic CRS) into s->work:
 * unprojectable points and impossible longitudes/latitudes dropped (and
 * counted in *lost), geodesic routes given their vertices along the
 * ellipsoid. False when out of memory. */
bool im_project_lonlat(const im_proj_env *env, im_proj_scratch *s, const im_proj_feature *f, size_t *lost);

/* The feature through the antimeridian cut, densify and projection into
 * p, from the cache or computed: the fill (or the line, or the points)
 * when want_fill, the outline of a polygon (its rings cut as lines) when
 * want_outline. The outline is cut separately only when that cut differs
 * from the fill's (a ring crosses the map's antimeridian); then both are
 * projected, else once. With the cache on, a polygon gets both, for the
 * maps and layers after this one. CEILING: densifying would make more
 * than room vertices (nothing is made). *have_work: s->work holds the
 * feature's lon/lat. */
im_proj_result im_project_feature(const im_proj_env *env, im_proj_scratch *s, const im_proj_feature *f, bool want_fill,
                                  bool want_outline, size_t room, im_projected *p, bool *have_work);

/* The vertices of p that drawing uses (what the vertex ceiling counts). */
size_t im_projected_used(const im_projected *p, bool polygon, bool want_fill, bool want_outline);

/* ---- the prefetcher ---- */

typedef struct im_prefetch im_prefetch;

/* Starts a thread that projects features[0..n) (in drawing order) as im_project_feature would with want_fill and,
 * for polygons, want_outline, using clones of env's transforms. Returns
 * NULL (and the caller projects everything itself) when the layer is too
 * small to gain, the process has no idle core, or anything fails. */
im_prefetch *im_prefetch_start(const im_proj_env *env, const im_proj_feature *features, size_t n, size_t max_vertices);
/* Feature i, in order: true with its projection swapped into *p when it
 * was made ahead (p's old buffers go back for reuse); false when the
 * caller must project it (nobody had begun it, or it was given up: out of
 * memory, the vertex ceiling). Takes i = 0, 1, ... in turn;
 * vertices_drawn is the layer's count so far. While the thread is still
 * on feature i, the caller projects features after it with env and
 * scratch (its own) instead of waiting. */
bool im_prefetch_take(im_prefetch *pf, size_t i, size_t vertices_drawn, const im_proj_env *env,
                      im_proj_scratch *scratch, im_projected *p);
/* Stops the thread and frees everything. NULL is fine. */
void im_prefetch_stop(im_prefetch *pf);

/* Around the drawing of a layer: the prefetcher starts only while the
 * threads drawing and prefetching leave a core idle. */
void im_prefetch_layer_begin(void);
void im_prefetch_layer_end(void);

/* For tests: 0 never prefetch, 1 prefetch every layer (even small ones, on
 * a busy machine), -1 decide (the default). */
void im_prefetch_set_mode(int mode);

#endif
