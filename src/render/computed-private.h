/* Expressions where a field is named (docs/style-language.md,
 * "Expressions"): classes: {field: "GDP_MD_EST / POP_EST"}, a label's
 * "{format(POP_EST / 1e6, 1)}", a label priority, z. Each is computed
 * once per feature into a field named by its text, added to the layer
 * after joins and aggregates, so everything that reads fields (classes and
 * their breaks, labels, the legend) reads it as it reads any other. */
#ifndef IM_COMPUTED_PRIVATE_H
#define IM_COMPUTED_PRIVATE_H

#include "io/layer-private.h"
#include "spec/map-private.h"

/* Adds the layer style ls's expressions to *layer: a text that names no
 * field of *layer and reads as an expression (an operator, a call, a
 * quote: a misspelt plain name is left to the usual "field is not in"
 * message). A fault in one is an error at its own line:column in the
 * spec. On success *layer is the extended layer (the one passed in is
 * taken by it); with nothing to add it is unchanged. A value that is null
 * (a missing field, a division by zero) is a null field: no data. */
im_status im_render_computed(const im_map *map, const im_layer_style *ls, im_layer **layer, im_error *err);

#endif
