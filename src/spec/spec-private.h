/* Shared by the spec reader's files: the state of one read. */
#ifndef IM_SPEC_PRIVATE_H
#define IM_SPEC_PRIVATE_H

#include "spec/map-private.h"
#include "spec/yaml-private.h"

/* A named style; used by a layer it also brings its classes and rules. */
typedef struct {
  char *name;
  im_style style;
  im_layer_style extra; /* only rules and classes are used */
} im_named_style;

typedef struct {
  im_yaml_reader r; /* r.file is the file being read now (owned by map->files) */
  im_map *map;
  im_named_style *styles;
  size_t nstyles, cap_styles;
  int include_depth;
  bool spec_read; /* the spec's own file was recognised as one and read */
} im_spec_ctx;

/* Sets the code of the error just set in c->r.err; returns IM_STATUS_INPUT. */
im_status im_spec_code(im_spec_ctx *c, im_error_code code);

/* The keys a style may have wherever it is written (NULL-terminated). */
#define IM_SPEC_STYLE_KEYS "fill", "hatch", "stroke", "opacity", "visible", "marker", "displace", "label", "style"

/* Reads one style key (one of IM_SPEC_STYLE_KEYS) into st, marking what it
 * sets. "style: NAME" (or a list of names) merges named styles. */
im_status im_spec_style_pair(im_spec_ctx *c, const char *key, struct fy_node *k, struct fy_node *v, im_style *st);

/* A layer's style: NAME (or list): the named styles' properties, rules and
 * classes, in order. */
im_status im_spec_layer_style_names(im_spec_ctx *c, struct fy_node *v, im_layer_style *l);

/* Reads a whole mapping of style keys (a named style, a class value). */
im_status im_spec_read_style(im_spec_ctx *c, struct fy_node *v, const char *what, im_style *st);

/* Named styles from a `styles:` mapping; palettes from `palettes:`. */
im_status im_spec_read_styles(im_spec_ctx *c, struct fy_node *v);
im_status im_spec_read_palettes(im_spec_ctx *c, struct fy_node *v);

/* A layer's (or named style's) rules: and classes:, appended to l's. */
im_status im_spec_read_rules(im_spec_ctx *c, struct fy_node *v, im_layer_style *l);
im_status im_spec_read_classes(im_spec_ctx *c, struct fy_node *v, im_layer_style *l);
/* Appends copies of from's rules and classes to to's. */
im_status im_spec_copy_rules_classes(im_spec_ctx *c, const im_layer_style *from, im_layer_style *to);
void im_layer_style_clear_rules_classes(im_layer_style *l);
/* A where: expression, parsed (not yet bound). */
im_status im_spec_read_where(im_spec_ctx *c, struct fy_node *v, im_where *w);

void im_where_clear(im_where *w);

/* A layer's aggregate: (a mapping or a list of them), appended to l's;
 * im_spec_check_aggregates checks, once every layer is read, that each
 * layer: names another layer; im_aggregates_clear frees them. */
im_status im_spec_read_aggregates(im_spec_ctx *c, struct fy_node *v, im_layer_style *l);
im_status im_spec_check_aggregates(im_spec_ctx *c, im_map *m);
void im_aggregates_clear(im_layer_style *l);
/* A layer's join: (a mapping or a list of them), appended to l's; checked
 * with the aggregates; freed by im_aggregates_clear too. */
im_status im_spec_read_joins(im_spec_ctx *c, struct fy_node *v, im_layer_style *l);
void im_classes_clear(im_classes *cl);

#endif
