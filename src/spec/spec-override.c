/* Changing a loaded map: what one entry of a batch manifest overrides in
 * its base spec (title, extent, time window, an extra filter on a layer),
 * and a layer a host binds in place of a source.
 * The map stays as consistent as im_map_load leaves it: every string owned,
 * every where parsed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "core/suggest-private.h"
#include "influmap/filter.h"
#include "spec/spec-private.h"

static im_status oom(im_error *err, const im_map *map) {
  return im_error_set(err, IM_STATUS_INTERNAL, map->path, 0, 0, "out of memory");
}

im_status im_map_set_title(im_map *map, const char *title, im_error *err) {
  char *copy = im_strdup(title);
  if (title && !copy)
    return oom(err, map);
  free(map->title);
  map->title = copy;
  return IM_STATUS_OK;
}

im_status im_map_set_extent(im_map *map, const im_extent *extent, im_error *err) {
  const im_extent *e = extent;
  bool ok = e->kind == IM_EXTENT_AUTO || (e->south < e->north && e->west != e->east);
  if (ok && e->kind == IM_EXTENT_CRS)
    ok = e->west < e->east;
  if (ok && e->kind == IM_EXTENT_DEGREES)
    ok = e->south >= -90 && e->north <= 90 && e->west >= -540 && e->east <= 540;
  if (!ok)
    return im_error_set(err, IM_STATUS_INPUT, map->path, 0, 0,
                        "extent west %g, east %g, south %g, north %g is not a valid area", e->west, e->east, e->south,
                        e->north);
  map->extent = *e;
  return IM_STATUS_OK;
}

im_status im_map_set_period(im_map *map, const char *from, const char *to, im_error *err) {
  if ((from && im_period_check(from, map->path, 0, 0, err)) || (to && im_period_check(to, map->path, 0, 0, err)))
    return IM_STATUS_INPUT;
  char *f = im_strdup(from), *t = im_strdup(to);
  if ((from && !f) || (to && !t)) {
    free(f);
    free(t);
    return oom(err, map);
  }
  free(map->period_from);
  free(map->period_to);
  map->period_from = f;
  map->period_to = t;
  return IM_STATUS_OK;
}

im_layer_style *im_map_layer(im_map *map, const char *id) {
  for (size_t i = 0; i < map->nlayers; i++)
    if (map->layers[i].id && !strcmp(map->layers[i].id, id))
      return &map->layers[i];
  return NULL;
}

static im_status unknown_layer(im_map *map, const char *id, const char *file, int line, int column, im_error *err) {
  const char **ids = im_malloc_array(map->nlayers + 1, sizeof *ids);
  if (!ids)
    return oom(err, map);
  char list[512] = "";
  for (size_t i = 0; i < map->nlayers; i++) {
    ids[i] = map->layers[i].id;
    size_t n = strlen(list);
    snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", ids[i]);
  }
  const char *near = im_suggest(id, ids, map->nlayers);
  im_status st = near ? im_error_set(err, IM_STATUS_INPUT, file, line, column,
                                     "%s has no layer '%s' (did you mean '%s'?)", map->path, id, near)
                      : im_error_set(err, IM_STATUS_INPUT, file, line, column, "%s has no layer '%s' (its layers: %s)",
                                     map->path, id, list);
  free(ids);
  return st;
}

im_status im_map_add_layer_filter(im_map *map, const char *layer_id, const char *expr, const char *file, int line,
                                  int column, im_error *err) {
  im_layer_style *l = im_map_layer(map, layer_id);
  if (!l)
    return unknown_layer(map, layer_id, file, line, column, err);
  /* Parsed on its own first, so a mistake is placed in the text it was
   * written in, not in the combination below. */
  im_filter *f = NULL;
  if (im_filter_parse(expr, file, line, column, &f, err))
    return IM_STATUS_INPUT;
  if (!l->where.text) {
    char *text = im_strdup(expr);
    if (!text) {
      im_filter_free(f);
      return oom(err, map);
    }
    l->where = (im_where){.text = text, .file = file, .pos = {line, column}, .filter = f};
    return IM_STATUS_OK;
  }
  im_filter_free(f);
  /* One where per layer is what the resolver knows: the two are combined
   * into one expression, each part in parentheses so neither's or binds
   * across the and. The combination is kept at the layer's own where. */
  size_t n = strlen(l->where.text) + strlen(expr) + 16;
  char *text = malloc(n);
  if (!text)
    return oom(err, map);
  snprintf(text, n, "(%s) and (%s)", l->where.text, expr);
  im_filter *both = NULL;
  if (im_filter_parse(text, l->where.file, l->where.pos.line, l->where.pos.column, &both, err)) {
    free(text);
    return IM_STATUS_INPUT;
  }
  im_filter_free(l->where.filter);
  free(l->where.text);
  l->where.text = text;
  l->where.filter = both;
  return IM_STATUS_OK;
}

im_status im_map_bind_layer(im_map *map, const char *layer_id, im_layer *layer, im_error *err) {
  if (!map || !layer_id)
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "im_map_bind_layer: no map or no layer id");
  im_layer_style *l = im_map_layer(map, layer_id);
  if (!l)
    return unknown_layer(map, layer_id, NULL, 0, 0, err);
  /* The map frees what it holds: one layer bound twice would be freed
   * twice. */
  for (size_t i = 0; layer && i < map->nlayers; i++)
    if (map->layers[i].bound == layer && &map->layers[i] != l)
      return im_error_set(err, IM_STATUS_USAGE, map->path, 0, 0,
                          "im_map_bind_layer: this layer is already bound to layer '%s' (bind a copy: each "
                          "binding owns its layer)",
                          map->layers[i].id);
  if (l->bound != layer)
    im_layer_free(l->bound);
  l->bound = layer;
  return IM_STATUS_OK;
}
