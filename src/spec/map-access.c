/* The accessors of an opaque im_map (influmap/map.h). */
#include "spec/map-private.h"

const char *im_map_path(const im_map *map) { return map->path; }

const char *im_map_title(const im_map *map) { return map->title; }

const char *im_map_crs(const im_map *map) { return map->crs; }

size_t im_map_layer_count(const im_map *map) { return map->nlayers; }

const char *im_map_layer_id(const im_map *map, size_t i) { return i < map->nlayers ? map->layers[i].id : NULL; }

void im_map_period(const im_map *map, const char **from, const char **to) {
  if (from)
    *from = map->period_from;
  if (to)
    *to = map->period_to;
}

im_extent im_map_extent(const im_map *map) { return map->extent; }
