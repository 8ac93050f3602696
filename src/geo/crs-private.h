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

#endif
