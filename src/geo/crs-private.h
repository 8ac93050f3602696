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

#endif
