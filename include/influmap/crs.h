/* influmap — coordinate reference systems and transformations (PROJ).
 *
 * A PROJ context is not thread-safe: each thread (each batch worker) makes
 * its own im_geo_ctx and creates its CRSs and transformations from it, and
 * uses them in that thread only. A transformation is created once per
 * (source CRS, map CRS) pair and moves whole coordinate arrays per call.
 * Axis order is always x/east, y/north (longitude first for geographic
 * CRSs).
 *
 * Each thread keeps one PROJ context for its lifetime, with the CRSs it
 * parsed (by definition text) and the transformations between them:
 * im_geo_ctx_create returns that context, and creating a CRS or a
 * transformation the thread has made before returns the same object again
 * (shared, reference-counted; the free functions give it back). So the
 * second map of a batch worker, or a second layer with the same .prj, costs
 * no parsing and no proj.db lookup. */
#ifndef INFLUMAP_CRS_H
#define INFLUMAP_CRS_H

#include "influmap/export.h"

#include <stdbool.h>
#include <stddef.h>

#include "influmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct im_geo_ctx im_geo_ctx;
typedef struct im_crs im_crs;
typedef struct im_transform im_transform;

/* Returns the calling thread's context (made on first use, kept until the
 * thread ends), or NULL when out of memory; give it back with
 * im_geo_ctx_free after every object made from it. */
IM_API im_geo_ctx *im_geo_ctx_create(void);
IM_API void im_geo_ctx_free(im_geo_ctx *ctx);

/* Parses a CRS: "EPSG:4326" (or a bare code, "4326"), "ESRI:54030", a PROJ
 * string ("+proj=laea +lat_0=-15 +lon_0=-70"), or WKT (OGC or ESRI, as in a
 * .prj). On failure the error names file:line:column when given (file may be
 * NULL). Returns a new im_crs in *out; free it with im_crs_free. */
IM_API im_status im_crs_create(im_geo_ctx *ctx, const char *definition, const char *file, int line, int column,
                               im_crs **out, im_error *err);
IM_API void im_crs_free(im_crs *crs);

/* The CRS's name as PROJ gives it ("WGS 84", "unknown" for PROJ strings).
 * Owned by crs. */
IM_API const char *im_crs_name(const im_crs *crs);
IM_API bool im_crs_is_geographic(const im_crs *crs);
/* The longitude of the projection's centre in degrees (0 when it has none):
 * the map's antimeridian is this + 180. */
IM_API double im_crs_central_meridian(const im_crs *crs);

/* The geographic (longitude, latitude) CRS that crs is based on. Returns a
 * new im_crs in *out. */
IM_API im_status im_crs_geographic(im_geo_ctx *ctx, const im_crs *crs, im_crs **out, im_error *err);

/* True when both describe the same CRS (so no transformation is needed). */
IM_API bool im_crs_equivalent(const im_crs *a, const im_crs *b);

/* Creates the transformation from src to dst. Returns a new im_transform
 * in *out; free with im_transform_free before the context. */
IM_API im_status im_transform_create(im_geo_ctx *ctx, const im_crs *src, const im_crs *dst, im_transform **out,
                                     im_error *err);
IM_API void im_transform_free(im_transform *t);

/* A copy of t with a PROJ context of its own, for another thread to use
 * (alone) while t's thread goes on with t; made in t's thread. It gives
 * the same numbers as t. Returns NULL when out of memory; free it with
 * im_transform_free (in any thread). */
IM_API im_transform *im_transform_clone(const im_transform *t);

/* Transforms n points in place (xy interleaved), forward or inverse. Points
 * that cannot be transformed become NaN; returns how many did. */
IM_API size_t im_transform_array(im_transform *t, double *xy, size_t n, bool inverse);

/* The bounding box, in the target CRS, of box in the source CRS (edges
 * densified). Returns false when PROJ cannot tell. */
IM_API bool im_transform_bounds(im_transform *t, const double box[4], double out[4]);

#ifdef __cplusplus
}
#endif
#endif
