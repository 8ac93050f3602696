/* The spec reader's side of map furniture (furniture.h): map: keys for text
 * blocks, margins and the frame line; the top-level legend, scalebar,
 * north_arrow, graticule and inset; a layer's legend: key. */
#ifndef IM_SPEC_FURNITURE_PRIVATE_H
#define IM_SPEC_FURNITURE_PRIVATE_H

#include "spec/map-furniture-private.h"
#include "spec/spec-private.h"

/* The map: keys this file reads (NULL-terminated list for key checks). */
#define IM_SPEC_FURNITURE_MAP_KEYS "subtitle", "credits", "disclaimer", "margins", "frame"
/* The top-level keys (read after layers:, which they may name). */
#define IM_SPEC_FURNITURE_TOP_KEYS "legend", "scalebar", "north_arrow", "graticule", "inset", "key"

/* One map: key: title (a string, or {text, font, color, width, visible,
 * position, placement, box, background, border}), subtitle, credits,
 * disclaimer, margins, frame. The title's text goes to c->map->title. */
im_status im_spec_furniture_map_pair(im_spec_ctx *c, const char *key, struct fy_node *k, struct fy_node *v);

/* Reads the top-level furniture keys present in root (a mapping), after the
 * layers, and checks what they name (layer ids, class fields). */
im_status im_spec_read_furniture(im_spec_ctx *c, struct fy_node *root);

/* A layer's legend: false (left out), true, or "Label" (its entry's text
 * when it has no classes). */
im_status im_spec_layer_legend(im_spec_ctx *c, struct fy_node *v, im_layer_style *l);

/* annotations: (a list at the top of the spec), into the map's furniture
 * (spec-annotations.c). */
im_status im_spec_read_annotations(im_spec_ctx *c, struct fy_node *root);

#endif
