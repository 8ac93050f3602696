/* influmap — geodesics on the WGS 84 ellipsoid (PROJ's geodesic.h, after
 * Karney): routes drawn as the shortest path over the Earth rather than a
 * straight line in whatever projection the map uses. */
#ifndef INFLUMAP_GEODESIC_H
#define INFLUMAP_GEODESIC_H

#include "influmap/export.h"

#include <stdbool.h>

#include "influmap/geom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Replaces each segment of a lon/lat line (or ring) with the geodesic
 * between its ends, with vertices at most max_step_km apart (and one at
 * each segment end; max_step_km <= 0 adds none between). Longitudes are
 * unwrapped along each part so the result is continuous (it may leave
 * -180..180; the antimeridian cut, im_geom_cut_antimeridian, handles that
 * later). Points are copied as they are, and so are segments with an end
 * that is not a valid longitude/latitude. dst must be initialised and
 * distinct from src; its contents are replaced. Returns false when out of
 * memory. */
IM_API bool im_geom_geodesic(const im_geom *src, double max_step_km, im_geom *dst);

/* Geodesic length in km of all parts of a lon/lat line (a ring's
 * perimeter); 0 for points. */
IM_API double im_geom_geodesic_length_km(const im_geom *g);

#ifdef __cplusplus
}
#endif
#endif
