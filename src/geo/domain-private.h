/* What a projection can show (domain.c): whether its plane repeats across
 * (a cylindrical projection, whose frame may then sit across its own
 * antimeridian), whether it tears along a meridian, how far towards a pole
 * it reaches, and the visible cap of a globe (an orthographic map shows
 * one hemisphere), which geometry is clipped to on the sphere before it is
 * projected so no chord is drawn across the hidden side. */
#ifndef IM_DOMAIN_PRIVATE_H
#define IM_DOMAIN_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "influmap/crs.h"
#include "influmap/geom.h"

/* A cylindrical map whose frame is centred away from the projection's own
 * central meridian: PROJ gives x within one period round the central
 * meridian, which im_xwrap_apply moves by whole periods into the period
 * centred on the frame. period 0: nothing to do. */
typedef struct {
  double period; /* map units for 360° of longitude */
  double centre; /* x of the middle of the period shown */
} im_xwrap;

/* Moves the x of n points (xy interleaved, NaN left alone) into
 * [centre - period/2, centre + period/2). */
void im_xwrap_apply(const im_xwrap *w, double *xy, size_t n);

/* The map units 360° of longitude span when t (lon/lat to map) is
 * cylindrical about lon0 (x grows linearly with longitude, y depends on
 * latitude alone, as in Mercator, Web Mercator, plate carrée); 0 when it
 * is not. Negative when x grows westwards. */
double im_domain_x_period(im_transform *t, double lon0);

/* True when t tears the map apart along the meridian lon between the
 * latitudes south and north: two points a hair either side of it project
 * far apart (Robinson's antimeridian; not an azimuthal map's). */
bool im_domain_tears(im_transform *t, double lon, double south, double north);

/* For a cylindrical map of period P (im_domain_x_period; 0: not
 * cylindrical, 90 returned), the latitude (degrees) up to which t (lon/lat
 * to map) is shown: 90 when its poles are at a finite distance, else
 * where the map's height equals its width (85.05° for Web Mercator). */
double im_domain_pole_limit(im_transform *t, double lon0, double period);

/* ---- the visible cap of a globe ---- */

typedef struct {
  double x, y, z;
} im_v3;

typedef struct {
  im_v3 c, u, w; /* the view direction and two axes across it (east, north) */
  double cosr;   /* cos of the cap's radius */
  double r;      /* the radius, radians */
} im_cap;

/* The cap of radius_deg degrees of arc round lon0, lat0. */
void im_cap_init(im_cap *k, double lon0, double lat0, double radius_deg);
/* The point of the cap's rim at angle t (radians, from east towards north). */
void im_cap_rim_point(const im_cap *k, double t, double *lon, double *lat);
bool im_cap_contains(const im_cap *k, double lon, double lat);
/* True when no segment of g (lon/lat) can reach the cap's rim: each vertex
 * lies farther inside it than the longest segment is long (taken as
 * hypot(dlon, dlat) degrees, never shorter than the way on the sphere).
 * Such a shape needs no clipping. */
bool im_cap_well_inside(const im_cap *k, const im_geom *g);
/* src (lon/lat, densified so its segments are short on the sphere) clipped
 * to the cap, into dst: rings leaving the cap are closed along its rim,
 * the short way (rings_as_lines: broken there instead, as lines, for
 * stroking a polygon without a line along the rim); lines are broken
 * where they leave; points outside are dropped. Longitudes stay continuous
 * along each part. False when out of memory. */
bool im_cap_clip(const im_cap *k, const im_geom *src, bool rings_as_lines, im_geom *dst);

#endif
