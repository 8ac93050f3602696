/* join: (docs/style-language.md, "Joins"): the rows of a table (a CSV
 * without geometry, a GeoJSON or shapefile's attributes, another layer's
 * source) attached to a layer's features by a key, as new fields, before
 * anything else reads the layer's fields. */
#ifndef IM_JOIN_PRIVATE_H
#define IM_JOIN_PRIVATE_H

#include "io/layer-private.h"
#include "render/render-private.h"
#include "spec/map-private.h"

/* Applies ls's joins, in order, to *layer: on success *layer is the
 * extended layer (the one passed in is taken by it). A feature whose key no
 * row has gets nulls (no data); of keys in several rows the first row is
 * used; both are counted in rc (join_unmatched, join_duplicates) and fail
 * the render when rc->strict. */
im_status im_render_join(im_render_ctx *rc, const im_layer_style *ls, im_layer **layer, im_error *err);

#endif
