/* The accessors of an opaque im_map (influmap/map.h), and what it reads. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/mem-private.h"
#include "spec/map-furniture-private.h"
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

static bool same_file(const struct stat *a, const char *path) {
  struct stat b;
  return path && stat(path, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

/* A source, and for a shapefile the files read with it. */
static bool source_is(const struct stat *out, const char *source) {
  if (!source)
    return false;
  if (same_file(out, source))
    return true;
  size_t n = strlen(source);
  if (n < 4 || strcasecmp(source + n - 4, ".shp"))
    return false;
  char *p = im_strdup(source);
  bool same = false;
  static const char *const exts[] = {"shx", "dbf", "prj", "cpg", "SHX", "DBF", "PRJ", "CPG"};
  for (size_t i = 0; p && !same && i < sizeof exts / sizeof exts[0]; i++) {
    memcpy(p + n - 3, exts[i], 3);
    same = same_file(out, p);
  }
  free(p);
  return same;
}

static bool style_reads(const struct stat *out, const im_style *st) {
  return st->marker_symbol == IM_MARKER_ICON && same_file(out, st->marker_icon);
}

bool im_map_reads_file(const im_map *map, const char *path) {
  struct stat out;
  if (stat(path, &out) != 0)
    return false; /* not there: nothing to write over */
  for (size_t i = 0; i < map->nfiles; i++)
    if (same_file(&out, map->files[i]))
      return true;
  for (size_t i = 0; i < map->nlayers; i++) {
    const im_layer_style *l = &map->layers[i];
    if (source_is(&out, l->source) || style_reads(&out, &l->style))
      return true;
    for (size_t k = 0; k < l->naggregates; k++)
      if (l->aggregates[k].source && source_is(&out, l->aggregates[k].source))
        return true;
    for (size_t k = 0; k < l->njoins; k++)
      if (l->joins[k].source && source_is(&out, l->joins[k].source))
        return true;
    for (size_t k = 0; k < l->nrules; k++)
      if (style_reads(&out, &l->rules[k].style))
        return true;
    for (size_t k = 0; k < l->nclasses; k++)
      for (size_t v = 0; v < l->classes[k].nvalues; v++)
        if (style_reads(&out, &l->classes[k].values[v].style))
          return true;
  }
  return map->furniture && map->furniture->inset.enabled && source_is(&out, map->furniture->inset.source);
}

uint64_t im_map_source_bytes(const im_map *map) {
  uint64_t bytes = 0;
  for (size_t i = 0; i < map->nlayers; i++) {
    const im_layer_style *l = &map->layers[i];
    struct stat st;
    if (l->style.visible && l->style.opacity > 0 && !l->memory && l->source && stat(l->source, &st) == 0 &&
        S_ISREG(st.st_mode))
      bytes += (uint64_t)st.st_size;
  }
  return bytes;
}
