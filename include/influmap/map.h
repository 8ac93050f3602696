/* influmap — the map spec model, read from YAML.
 *
 *   map:    {title, page: {width, height, dpi}, crs, extent, background}
 *   layers: [{id, source, fill, stroke: {color, width}, opacity, visible,
 *             marker: {symbol, size}}]
 *
 * Every key is checked: an unknown key or a bad value is an error reported
 * as file:line:column. Paths in the spec are resolved against the spec's
 * folder first, then the current folder. */
#ifndef INFLUMAP_MAP_H
#define INFLUMAP_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "influmap/error.h"
#include "influmap/units.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where a value was written, for messages about it later (a source that
 * does not open, a CRS PROJ refuses). */
typedef struct {
  int line, column;
} im_spec_pos;

typedef enum { IM_MARKER_CIRCLE, IM_MARKER_SQUARE } im_marker_symbol;

typedef struct {
  char *id;
  char *source;      /* resolved path */
  im_spec_pos source_pos;
  bool has_fill;
  im_color fill;
  bool has_stroke;
  im_color stroke_color;
  im_length stroke_width;
  double opacity;    /* 0..1, the whole layer */
  bool visible;
  im_marker_symbol marker_symbol;
  im_length marker_size; /* diameter / side */
} im_layer_style;

typedef enum {
  IM_EXTENT_AUTO,    /* the whole of the first layer */
  IM_EXTENT_DEGREES, /* west/east/south/north, longitude and latitude */
  IM_EXTENT_CRS,     /* xmin/xmax/ymin/ymax in the map CRS's units */
} im_extent_kind;

typedef struct {
  im_extent_kind kind;
  double west, east, south, north; /* or xmin, xmax, ymin, ymax */
  im_spec_pos pos;
} im_extent;

/* Owned whole by the map; free with im_map_free. */
typedef struct {
  char *path; /* the spec file */
  char *title;
  im_length width, height;
  double dpi;
  char *crs;
  im_spec_pos crs_pos;
  im_extent extent;
  im_color background; /* alpha 0: transparent */
  size_t nlayers;
  im_layer_style *layers;
} im_map;

/* Reads and checks a spec. Returns a new map in *out; free with
 * im_map_free. */
im_status im_map_load(const char *path, im_map **out, im_error *err);

/* The same from a buffer; name is used in messages and to resolve paths. */
im_status im_map_load_string(const char *text, size_t len, const char *name, im_map **out,
                             im_error *err);

void im_map_free(im_map *map);

#ifdef __cplusplus
}
#endif
#endif
