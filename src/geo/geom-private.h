/* Geometry helpers shared inside the library, not part of its API. */
#ifndef IM_GEOM_PRIVATE_H
#define IM_GEOM_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "influmap/geom.h"

/* True when b meets one of boxes[0..n), or when n is 0 (no boxes: no
 * restriction). */
bool im_bbox_meets_any(const im_bbox *boxes, size_t n, const im_bbox *b);

#endif
