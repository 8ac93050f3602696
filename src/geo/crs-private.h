/* The per-thread PROJ cache of crs.c, seen from tests. */
#ifndef IM_CRS_PRIVATE_H
#define IM_CRS_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "influmap/crs.h"

/* CRSs and transformations the calling thread got from its cache (hits)
 * and made anew (misses) so far. */
void im_geo_cache_stats(size_t *hits, size_t *misses);

/* Whether t's forward arrays skip PROJ's pipeline and go through the
 * projection step alone (crs.c: radian_step). */
bool im_transform_radian_step(const im_transform *t);

/* The latitude of the projection's origin (degrees; 0 when it has none)
 * and the name of its method as PROJ gives it ("Orthographic", "PROJ
 * wintri"; "" for a geographic CRS). */
double im_crs_origin_latitude(const im_crs *crs);
const char *im_crs_method(const im_crs *crs);
/* A perspective view's visible cap (Vertical Perspective: acos(a / (a +
 * height))), in degrees of arc round its centre; 0 when crs is not one. */
double im_crs_horizon(const im_crs *crs);
/* True when crs's ellipsoid is a sphere (+R=, or a = b). */
bool im_crs_is_sphere(const im_crs *crs);

/* The projection's local distortion at a point (PROJ's proj_factors, which
 * the map furniture reads to decide whether one scale bar and one north
 * arrow tell the truth across a frame). The columns of the map's image of
 * a unit step east (ex, ey) and north (nx, ny) on the ground, in map units
 * (y up) per ground unit, at the projection's nominal scale. */
typedef struct {
  double ex, ey, nx, ny;
} im_crs_factors;

/* The factors of projected CRS crs at lon, lat (degrees, its geographic
 * base); false where PROJ cannot tell (a geographic CRS, off the
 * projection's domain). */
bool im_crs_local_factors(const im_crs *crs, double lon, double lat, im_crs_factors *out);

#endif
