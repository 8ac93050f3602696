/* PROJ's geodesic calculations (geodesic.h), started safely from any
 * thread: see geodesic.c. */
#ifndef IM_GEODESIC_PRIVATE_H
#define IM_GEODESIC_PRIVATE_H

#include <geodesic.h>

/* Sets the constants of PROJ's geodesic code once, before any thread uses
 * it; every later call returns at once. Call it before PROJ may compute a
 * geodesic on this thread (im_geo_ctx_create does). */
void im_geod_ready(void);
/* g set up for the WGS 84 ellipsoid (after im_geod_ready). */
void im_geod_wgs84(struct geod_geodesic *g);

#endif
