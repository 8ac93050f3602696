/* aggregate: (docs/style-language.md, "Aggregates"): fields computed for
 * each polygon of a layer from the features of another source that fall in
 * it, added to the layer as read before anything else (filters, classes,
 * labels, the legend) looks at its fields. */
#ifndef IM_AGGREGATE_PRIVATE_H
#define IM_AGGREGATE_PRIVATE_H

#include <stdbool.h>

#include "influmap/crs.h"
#include "io/layer-private.h"
#include "render/render-private.h"
#include "spec/map-private.h"

/* Adds ls's aggregates to *layer, read from ls's source in crs. Each
 * counted feature is taken at its first vertex, in its source's own
 * geometry moved to crs (not as drawn), and passes the aggregate's where:,
 * the named layer's where: (layer:) and rc's time window. On success
 * *layer is the extended layer and the one passed in is taken by it; on
 * failure *layer is unchanged. fields_only: *layer was read for its fields
 * alone (a check): the sources and fields are checked and the fields
 * added, with nothing counted. */
im_status im_render_aggregate(im_render_ctx *rc, const im_layer_style *ls, const im_crs *crs, bool fields_only,
                              im_layer **layer, im_error *err);

#endif
