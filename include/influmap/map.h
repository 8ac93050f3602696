/* influmap — the map spec model, read from YAML.
 *
 *   include: [house.yaml]          style sheets: their styles and palettes
 *   styles:   {NAME: STYLE, ...}   named styles, used as `style: NAME`
 *   palettes: {NAME: {VALUE: COLOUR, ...}}
 *   map:    {title, page: {width, height, dpi}, crs, extent, background}
 *   layers: [{id, source, where, style, STYLE..., rules, classes, z,
 *             min_scale, max_scale, legend}]   (source: memory: a layer
 *             the host binds, im_map_bind_layer)
 *   legend, scalebar, north_arrow, graticule, inset; and in map: subtitle,
 *   credits, disclaimer, margins, frame: the furniture (furniture.h)
 *   multiples: {columns, rows, gap, title_font, title_color, legend,
 *               panels: [{title, where, period, extent}]}: small multiples
 *
 * STYLE is fill, hatch, stroke, opacity, visible, marker, label (see
 * style.h and docs/style-language.md). Every key is checked: an unknown key
 * or a bad value is an error reported as file:line:column. Paths are
 * resolved against the folder of the file they are written in, then the
 * current folder. */
#ifndef INFLUMAP_MAP_H
#define INFLUMAP_MAP_H

#include "influmap/export.h"

#include <stdbool.h>
#include <stddef.h>

#include "influmap/context.h"
#include "influmap/error.h"
#include "influmap/layer.h"
#include "influmap/units.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where a value was written, for messages about it later (a source that
 * does not open, a CRS PROJ refuses, a field the data does not have). */
typedef struct {
  int line, column;
} im_spec_pos;

typedef enum {
  IM_EXTENT_AUTO,    /* the whole world */
  IM_EXTENT_DEGREES, /* west/east/south/north, longitude and latitude */
  IM_EXTENT_CRS,     /* xmin/xmax/ymin/ymax in the map CRS's units */
} im_extent_kind;

typedef struct {
  im_extent_kind kind;
  double west, east, south, north; /* or xmin, xmax, ymin, ymax */
  im_spec_pos pos;
} im_extent;

/* A loaded map spec: opaque; see the accessors below.
 *
 * Threads: nothing that takes a const im_map * writes it (the accessors,
 * and render.h's im_map_frame, im_map_check and renders), so one map may
 * be read and rendered from several threads at once. The calls that take
 * an im_map * (the overrides below, im_map_free) must not run while any
 * other thread uses that map. Different maps are independent. */
typedef struct im_map im_map;

/* Reads and checks a spec. Returns a new map in *out; free with
 * im_map_free. */
IM_API im_status im_map_load(const char *path, im_map **out, im_error *err);

/* The same from a buffer; name is used in messages and to resolve paths
 * (NULL: "<string>", and paths from the current folder). */
IM_API im_status im_map_load_string(const char *text, size_t len, const char *name, im_map **out, im_error *err);

/* The same in a context (context.h; NULL: the process's settings): the
 * map keeps a reference to ctx and renders, checks and warns in it; a
 * relative path is from ctx's base folder; every file the spec names goes
 * through ctx's resolver. With errors not NULL the whole spec (and its
 * style sheets) is read whatever it finds, and every error goes into
 * errors, in file order (a spec with three typos: three entries, each
 * with its file, line:column and code); err gets the first, as
 * im_map_load gives it. A failed load leaves *out NULL. */
IM_API im_status im_map_load_ctx(im_context *ctx, const char *path, im_map **out, im_error_list *errors, im_error *err);
IM_API im_status im_map_load_string_ctx(im_context *ctx, const char *text, size_t len, const char *name, im_map **out,
                                        im_error_list *errors, im_error *err);

IM_API void im_map_free(im_map *map);

/* What a loaded map says. Strings are owned by the map and live until it
 * is freed or the matching im_map_set_* replaces them. */
/* The spec file it was read from (the name given to im_map_load_string). */
IM_API const char *im_map_path(const im_map *map);
/* The title, or NULL when it has none. */
IM_API const char *im_map_title(const im_map *map);
/* The map CRS as written in the spec ("EPSG:3857", a PROJ string, WKT). */
IM_API const char *im_map_crs(const im_map *map);
/* The layers, in drawing order, and the id of layer i (NULL past the end). */
IM_API size_t im_map_layer_count(const im_map *map);
IM_API const char *im_map_layer_id(const im_map *map, size_t i);
/* The time window: ISO dates, NULL for an open end. */
IM_API void im_map_period(const im_map *map, const char **from, const char **to);
/* The extent as written (kind IM_EXTENT_AUTO: the whole world). */
IM_API im_extent im_map_extent(const im_map *map);

/* Checks a time-window bound: an ISO 8601 date (2021, 2021-12,
 * 2021-12-01, with an optional time); file/line/column place the error. */
IM_API im_status im_period_check(const char *date, const char *file, int line, int column, im_error *err);

/* When path is a style sheet (no map: and no layers:), checks it as an
 * include would read it and sets *is_sheet; otherwise only sets *is_sheet
 * to false (load it with im_map_load). */
IM_API im_status im_style_sheet_check(const char *path, bool *is_sheet, im_error *err);

/* ---- Overrides of a loaded map (src/spec/spec-override.c), e.g. what one
 * entry of a batch manifest changes in its base spec. ---- */

/* Replaces the title (NULL: none). Fails only when out of memory. */
IM_API im_status im_map_set_title(im_map *map, const char *title, im_error *err);

/* Replaces the extent; an area with no width or height is IM_STATUS_INPUT. */
IM_API im_status im_map_set_extent(im_map *map, const im_extent *extent, im_error *err);

/* Replaces the time window; from and to are ISO 8601 dates, or NULL for an
 * open end. */
IM_API im_status im_map_set_period(im_map *map, const char *from, const char *to, im_error *err);

/* Narrows layer layer_id to the features that also match expr (a where:
 * expression, filter.h): the layer's where becomes "(old) and (expr)".
 * file, line and column say where expr is written (file may be NULL, else it
 * must outlive the map); a syntax error or an unknown layer (with a "did you
 * mean") is an IM_STATUS_INPUT error placed there. */
IM_API im_status im_map_add_layer_filter(im_map *map, const char *layer_id, const char *expr, const char *file,
                                         int line, int column, im_error *err);

/* Binds layer, a host's layer (im_layer_create, im_layer_load_*_buffer, or
 * any im_layer_load*), to the spec's layer layer_id: renders, checks and
 * every aggregate: or join: that names that layer read it in place
 * of the layer's source, with the spec's where:, rules, classes, labels,
 * time window, displacement and legend applied as to a file's features.
 * A spec layer written with `source: memory` has no file and must be bound
 * before it is rendered or checked (else IM_STATUS_INPUT at its source);
 * a layer with a file may be bound too, overriding it.
 *
 * Ownership: on success the map owns layer (freed with the map, or when
 * another layer is bound to the same id); the host must not free or
 * change it after. On failure the host still owns it. NULL unbinds (the
 * layer bound before is freed). A layer can be bound to one id of one map
 * only (another id of the same map is IM_STATUS_USAGE); bind a second
 * copy to draw the same data twice. An unknown id is IM_STATUS_INPUT with
 * a "did you mean". Like the other overrides it takes an im_map *: it must
 * not run while another thread uses the map; renders only read a bound
 * layer, so one map with bound layers renders from several threads at
 * once. */
IM_API im_status im_map_bind_layer(im_map *map, const char *layer_id, im_layer *layer, im_error *err);

#ifdef __cplusplus
}
#endif
#endif
