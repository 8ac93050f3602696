/* Routes on one course drawn side by side (courses.c). */
#ifndef IM_COURSES_PRIVATE_H
#define IM_COURSES_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "geo/project-private.h"
#include "io/layer-private.h"
#include "render/style-resolve-private.h"
#include "render/symbols-private.h"

/* For the n features of layer in drawing order (order[i], their geometry
 * and geodesic flag feats[i]): how far each line is moved sideways on the
 * page (device units; to the right of its way for > 0,
 * im_geom_offset_lines) to stand beside the other lines of its course,
 * the same vertices one way or the other, drawn alike. *out: a new array
 * of n (free it), or NULL when no two lines share a course. Returns false
 * when out of memory. */
bool im_route_courses(const im_layer *layer, const im_drawn *order, const im_proj_feature *feats, size_t n,
                      const im_resolver *res, const im_symbol_ctx *sc, double **out);

#endif
