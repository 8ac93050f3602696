/* Well-known text (OGC simple features) for geometry in CSV cells:
 * POINT, LINESTRING, POLYGON and their MULTI forms, 2D or with Z/M
 * ordinates (dropped), optionally after an EWKT "SRID=4326;". */
#ifndef IM_WKT_PRIVATE_H
#define IM_WKT_PRIVATE_H

#include <stddef.h>

#include "influmap/error.h"
#include "influmap/geom.h"

/* Reads text into g (reset here). "... EMPTY" gives an empty g. On bad
 * text returns IM_STATUS_INPUT with a message in msg that gives the
 * character where it went wrong ("at character 12: expected ',' or ')'");
 * IM_STATUS_INTERNAL when out of memory. */
im_status im_wkt_read(const char *text, im_geom *g, char *msg, size_t size);

#endif
