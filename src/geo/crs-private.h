/* The per-thread PROJ cache of crs.c, seen from tests. */
#ifndef IM_CRS_PRIVATE_H
#define IM_CRS_PRIVATE_H

#include <stddef.h>

/* CRSs and transformations the calling thread got from its cache (hits)
 * and made anew (misses) so far. */
void im_geo_cache_stats(size_t *hits, size_t *misses);

#endif
