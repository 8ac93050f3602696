/* influmap — geometry: a flat coordinate array split into parts, and the
 * operations that take it from source coordinates to the page: antimeridian
 * cut, densify, simplify, clip. */
#ifndef INFLUMAP_GEOM_H
#define INFLUMAP_GEOM_H

#include "influmap/export.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  IM_GEOM_POINT,   /* each vertex is a point; parts are not used for drawing */
  IM_GEOM_LINE,    /* each part is an open line */
  IM_GEOM_POLYGON, /* each part is a ring (outer or hole; even-odd fill) */
} im_geom_kind;

/* A geometry owns xy and parts; free with im_geom_free. Part i covers
 * vertices parts[i] .. (i + 1 < nparts ? parts[i + 1] : npoints) - 1. */
typedef struct {
  im_geom_kind kind;
  bool nonzero; /* fill with the non-zero rule (multipatch triangles) */
  size_t npoints, nparts;
  double *xy;    /* 2 * npoints: x0, y0, x1, y1, ... */
  size_t *parts; /* nparts start indexes */
  size_t cap_points, cap_parts;
} im_geom;

typedef struct {
  double minx, miny, maxx, maxy;
} im_bbox;

IM_API void im_geom_init(im_geom *g, im_geom_kind kind);
/* Empties g but keeps its memory for reuse. */
IM_API void im_geom_reset(im_geom *g, im_geom_kind kind);
IM_API void im_geom_free(im_geom *g);
/* Starts a new part; the following points belong to it. false: out of memory. */
IM_API bool im_geom_begin_part(im_geom *g);
/* Makes room for exactly `points` points and `parts` parts in all (more
 * when g has more already): a reader that knows the size of a shape up
 * front keeps no slack, where growing by doubling would waste up to half. */
IM_API bool im_geom_reserve(im_geom *g, size_t points, size_t parts);
IM_API bool im_geom_add_point(im_geom *g, double x, double y);
/* Drops the last part if it has fewer than min_points vertices. */
IM_API void im_geom_end_part(im_geom *g, size_t min_points);
/* Copies src into dst (dst initialised, contents replaced). */
IM_API bool im_geom_copy(im_geom *dst, const im_geom *src);
IM_API size_t im_geom_part_size(const im_geom *g, size_t part);
IM_API im_bbox im_geom_bbox(const im_geom *g);

/* Cuts a lon/lat geometry at the meridian lon0 + 180 so that, once every
 * longitude is taken relative to lon0, no part crosses +-180: lines are split
 * there, rings are clipped into pieces closed along the cut, and rings that
 * go round a pole are closed over that pole. The output longitudes are
 * absolute again (lon0 added back) and each part lies within
 * [lon0 - 180, lon0 + 180]. With as_outline, rings are cut like lines
 * instead (kind IM_GEOM_LINE): that is the outline to stroke, without the
 * edges the cut adds along the meridian. dst must be initialised and
 * distinct from src. */
IM_API bool im_geom_cut_antimeridian(const im_geom *src, double lon0, bool as_outline, im_geom *dst);

/* Inserts vertices so no segment is longer than max_step (in the units of
 * the coordinates, e.g. degrees). dst is replaced. */
IM_API bool im_geom_densify(const im_geom *src, double max_step, im_geom *dst);

/* Removes, in place, vertices closer than tolerance to the last kept vertex,
 * then (Douglas-Peucker) those within tolerance / 4 of the line through
 * their kept neighbours; the first and last vertex of each part are kept,
 * and parts that collapse below 2 (lines) or 3 (rings) vertices go. */
IM_API void im_geom_simplify(im_geom *g, double tolerance);
/* The same with the Douglas-Peucker distance given: line (0: no such pass). */
IM_API void im_geom_simplify_to(im_geom *g, double tolerance, double line);

/* Removes, in place, vertices that are NaN or infinite, or outside box when
 * box is not NULL, and parts left too short to draw. Returns how many
 * vertices were removed. */
IM_API size_t im_geom_remove_invalid(im_geom *g, const im_bbox *box);

/* Clips to box: rings with Sutherland-Hodgman (pieces closed along the box,
 * which the caller puts outside the visible frame), lines split where they
 * leave the box, points outside dropped. dst is replaced. */
IM_API bool im_geom_clip(const im_geom *src, im_bbox box, im_geom *dst);

#ifdef __cplusplus
}
#endif
#endif
