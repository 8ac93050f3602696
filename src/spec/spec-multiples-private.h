/* The spec reader's side of small multiples (map.h, im_multiples): the
 * top-level multiples: key, read after layers:, whose ids its panels name. */
#ifndef IM_SPEC_MULTIPLES_PRIVATE_H
#define IM_SPEC_MULTIPLES_PRIVATE_H

#include "spec/spec-private.h"

/* The most panels one page holds. */
#define IM_MULTIPLES_MAX_PANELS 64

/* Reads the multiples: key of root (the spec's mapping; none: nothing to
 * do) into c->map->multiples and checks it: the grid's size against the
 * panels, each panel's keys, the layers its where: names and the
 * expressions' syntax, its period and extent. A mistake is an
 * IM_STATUS_INPUT error at its file:line:column. */
im_status im_spec_read_multiples(im_spec_ctx *c, struct fy_node *root);

/* Frees mu and all it owns; NULL is fine. */
void im_multiples_free(im_multiples *mu);

/* An extent: mapping ({west, east, south, north} or {xmin, xmax, ymin,
 * ymax}) read and checked as map: extent: is, into *out (spec.c). k is its
 * key, for messages about the whole. */
im_status im_spec_read_extent(im_spec_ctx *c, struct fy_node *k, struct fy_node *v, im_extent *out);

#endif
