/* Fields a layer gets from elsewhere: join: (docs/style-language.md,
 * "Joins"), the rows of a table attached by a key, and aggregate:
 * ("Aggregates"), fields computed for each of its polygons from the
 * features of another source that fall in it. Read and checked here;
 * computed when the layer is drawn (render/join.c, render/aggregate.c),
 * since they need the data, the map's time window and the CRSs. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "spec/spec-private.h"

typedef struct {
  im_spec_ctx *c;
  im_aggregate *a;
} agg_ctx;

static im_status agg_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  agg_ctx *ac = vctx;
  im_aggregate *a = ac->a;
  if (!strcmp(key, "name"))
    return im_yaml_string(r, v, "aggregate name", &a->name);
  if (!strcmp(key, "source")) {
    a->source_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "aggregate source", &a->source);
  }
  if (!strcmp(key, "layer")) {
    a->layer_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "aggregate layer", &a->layer);
  }
  if (!strcmp(key, "field")) {
    a->field_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "aggregate field", &a->field);
  }
  if (!strcmp(key, "where"))
    return im_spec_read_where(ac->c, v, &a->where);
  static const char *const ops[] = {"count", "sum", "mean", "min", "max", NULL};
  int op;
  if (im_yaml_choice(r, v, "aggregate op", ops, &op))
    return IM_STATUS_INPUT;
  a->op = (im_agg_op)op;
  return IM_STATUS_OK;
}

static im_status read_one(im_spec_ctx *c, struct fy_node *item, im_aggregate *a) {
  static const char *const keys[] = {"name", "source", "layer", "op", "field", "where", NULL};
  a->pos = im_yaml_pos(item);
  a->file = c->r.file;
  struct fy_node *d = im_yaml_deref(item);
  if (!d || !fy_node_is_mapping(d))
    return im_yaml_fail(&c->r, item, "an aggregate is a mapping: {name: FIELD, source: PATH, op: count}");
  if (im_yaml_each_pair(&c->r, item, "an aggregate", keys, agg_pair, &(agg_ctx){c, a}))
    return IM_STATUS_INPUT;
  if (!a->name)
    return im_yaml_fail(&c->r, item, "an aggregate needs a name: the field it adds to the layer's features");
  if (!a->source == !a->layer)
    return im_yaml_fail(&c->r, item, "aggregate %s takes one of source: (a file) or layer: (another layer's id)",
                        a->name);
  if (a->op == IM_AGG_COUNT && a->field)
    return im_yaml_fail(&c->r, item, "aggregate %s counts features: field: is for sum, mean, min and max", a->name);
  if (a->op != IM_AGG_COUNT && !a->field)
    return im_yaml_fail(&c->r, item, "aggregate %s: op %s needs a field: the numbers to combine", a->name,
                        (const char *[]){"count", "sum", "mean", "min", "max"}[a->op]);
  if (a->source) {
    char *resolved = im_yaml_resolve(&c->r, a->source_pos.line, a->source_pos.column, "aggregate source", a->source);
    if (!resolved)
      return c->r.err ? c->r.err->status : IM_STATUS_INPUT;
    if (!im_yaml_file_exists(resolved)) {
      free(resolved);
      im_error_set(c->r.err, IM_STATUS_INPUT, c->r.file, a->source_pos.line, a->source_pos.column,
                   "aggregate %s: source '%s' not found (looked beside the spec and in the current folder)", a->name,
                   a->source);
      return im_spec_code(c, IM_E_NOT_FOUND);
    }
    free(a->source);
    a->source = resolved;
  }
  return IM_STATUS_OK;
}

im_status im_spec_read_aggregates(im_spec_ctx *c, struct fy_node *v, im_layer_style *l) {
  struct fy_node *d = im_yaml_deref(v);
  bool list = d && fy_node_is_sequence(d);
  size_t n = list ? (size_t)fy_node_sequence_item_count(d) : 1;
  im_aggregate *grown = im_realloc_array(l->aggregates, l->naggregates + n + 1, sizeof *l->aggregates);
  if (!grown)
    return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
  l->aggregates = grown;
  void *it = NULL;
  struct fy_node *item = list ? fy_node_sequence_iterate(d, &it) : v;
  for (; item; item = list ? fy_node_sequence_iterate(d, &it) : NULL) {
    im_aggregate *a = &l->aggregates[l->naggregates++];
    memset(a, 0, sizeof *a);
    if (read_one(c, item, a))
      return IM_STATUS_INPUT;
    for (size_t i = 0; i + 1 < l->naggregates; i++)
      if (!strcasecmp(l->aggregates[i].name, a->name))
        return im_yaml_fail(&c->r, item, "aggregate %s is defined twice on layer %s", a->name, l->id ? l->id : "");
  }
  return IM_STATUS_OK;
}

/* ---- join: ---- */

typedef struct {
  im_spec_ctx *c;
  im_join *j;
} join_ctx;

static im_status join_fields(im_yaml_reader *r, struct fy_node *v, im_join *j) {
  struct fy_node *d = im_yaml_deref(v);
  j->fields_pos = im_yaml_pos(v);
  if (!d || !fy_node_is_sequence(d) || fy_node_sequence_item_count(d) < 1)
    return im_yaml_fail(r, v, "join fields must be a list of the table's fields, e.g. [gdp_musd, population]");
  int n = fy_node_sequence_item_count(d);
  if (!(j->fields = calloc((size_t)n, sizeof *j->fields)))
    return im_error_set(r->err, IM_STATUS_INTERNAL, r->file, 0, 0, "out of memory");
  void *it = NULL;
  struct fy_node *item;
  while ((item = fy_node_sequence_iterate(d, &it)))
    if (im_yaml_string(r, item, "join field", &j->fields[j->nfields++]))
      return IM_STATUS_INPUT;
  return IM_STATUS_OK;
}

static im_status join_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  join_ctx *jc = vctx;
  im_join *j = jc->j;
  if (!strcmp(key, "source")) {
    j->source_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "join source", &j->source);
  }
  if (!strcmp(key, "layer")) {
    j->layer_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "join layer", &j->layer);
  }
  if (!strcmp(key, "on")) {
    j->on_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "join on", &j->on);
  }
  if (!strcmp(key, "key")) {
    j->key_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "join key", &j->key);
  }
  return join_fields(r, v, j);
}

static im_status read_join(im_spec_ctx *c, struct fy_node *item, im_join *j) {
  static const char *const keys[] = {"source", "layer", "on", "key", "fields", NULL};
  j->pos = im_yaml_pos(item);
  j->file = c->r.file;
  struct fy_node *d = im_yaml_deref(item);
  if (!d || !fy_node_is_mapping(d))
    return im_yaml_fail(&c->r, item, "a join is a mapping: {source: PATH, on: FIELD, key: FIELD, fields: [...]}");
  if (im_yaml_each_pair(&c->r, item, "a join", keys, join_pair, &(join_ctx){c, j}))
    return IM_STATUS_INPUT;
  if (!j->on)
    return im_yaml_fail(&c->r, item, "a join needs on: the layer's field that holds the key");
  if (!j->source == !j->layer)
    return im_yaml_fail(&c->r, item, "a join takes one of source: (a table) or layer: (another layer's id)");
  if (j->source) {
    char *resolved = im_yaml_resolve(&c->r, j->source_pos.line, j->source_pos.column, "join source", j->source);
    if (!resolved)
      return c->r.err ? c->r.err->status : IM_STATUS_INPUT;
    if (!im_yaml_file_exists(resolved)) {
      free(resolved);
      im_error_set(c->r.err, IM_STATUS_INPUT, c->r.file, j->source_pos.line, j->source_pos.column,
                   "join source '%s' not found (looked beside the spec and in the current folder)", j->source);
      return im_spec_code(c, IM_E_NOT_FOUND);
    }
    free(j->source);
    j->source = resolved;
  }
  return IM_STATUS_OK;
}

im_status im_spec_read_joins(im_spec_ctx *c, struct fy_node *v, im_layer_style *l) {
  struct fy_node *d = im_yaml_deref(v);
  bool list = d && fy_node_is_sequence(d);
  size_t n = list ? (size_t)fy_node_sequence_item_count(d) : 1;
  im_join *grown = im_realloc_array(l->joins, l->njoins + n + 1, sizeof *l->joins);
  if (!grown)
    return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
  l->joins = grown;
  void *it = NULL;
  struct fy_node *item = list ? fy_node_sequence_iterate(d, &it) : v;
  for (; item; item = list ? fy_node_sequence_iterate(d, &it) : NULL) {
    im_join *j = &l->joins[l->njoins++];
    memset(j, 0, sizeof *j);
    if (read_join(c, item, j))
      return IM_STATUS_INPUT;
  }
  return IM_STATUS_OK;
}

im_status im_spec_check_aggregates(im_spec_ctx *c, im_map *m) {
  for (size_t i = 0; i < m->nlayers; i++) {
    const im_layer_style *l = &m->layers[i];
    for (size_t k = 0; k < l->njoins; k++) {
      const im_join *j = &l->joins[k];
      if (j->layer && !im_map_layer(m, j->layer))
        return im_error_set(c->r.err, IM_STATUS_INPUT, j->file, j->layer_pos.line, j->layer_pos.column,
                            "join: no layer has the id '%s'", j->layer);
    }
    for (size_t k = 0; k < l->naggregates; k++) {
      const im_aggregate *a = &l->aggregates[k];
      if (!a->layer)
        continue;
      const im_layer_style *o = im_map_layer(m, a->layer);
      if (!o)
        return im_error_set(c->r.err, IM_STATUS_INPUT, a->file, a->layer_pos.line, a->layer_pos.column,
                            "aggregate %s: no layer has the id '%s'", a->name, a->layer);
      if (o == l || o->naggregates)
        return im_error_set(c->r.err, IM_STATUS_INPUT, a->file, a->layer_pos.line, a->layer_pos.column,
                            "aggregate %s: layer %s %s; aggregates are taken from a layer's own data", a->name,
                            a->layer, o == l ? "is the layer itself" : "has aggregates of its own");
    }
  }
  return IM_STATUS_OK;
}

void im_aggregates_clear(im_layer_style *l) {
  for (size_t k = 0; k < l->naggregates; k++) {
    im_aggregate *a = &l->aggregates[k];
    free(a->name);
    free(a->source);
    free(a->layer);
    free(a->field);
    im_where_clear(&a->where);
  }
  free(l->aggregates);
  l->aggregates = NULL;
  l->naggregates = 0;
  for (size_t k = 0; k < l->njoins; k++) {
    im_join *j = &l->joins[k];
    free(j->source);
    free(j->layer);
    free(j->on);
    free(j->key);
    for (size_t i = 0; i < j->nfields; i++)
      free(j->fields[i]);
    free(j->fields);
  }
  free(l->joins);
  l->joins = NULL;
  l->njoins = 0;
}
