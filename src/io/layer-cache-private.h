/* Layers read once per process while a batch runs: the first map that
 * needs a source loads all of it; every map after that (in any thread) gets
 * a view of the features that meet its frame, sharing the geometry and
 * attributes, which nobody writes to while drawing. Outside a batch, loads
 * go straight to im_layer_load. */
#ifndef IM_LAYER_CACHE_PRIVATE_H
#define IM_LAYER_CACHE_PRIVATE_H

#include "io/layer-private.h"
#include "io/layer-private.h"

/* Turns the cache on until the matching im_layer_cache_end (calls nest);
 * the last end drops every entry no view still uses. The
 * projected-geometry cache (render/projcache-private.h) follows: on with
 * it, emptied with it. */
void im_layer_cache_begin(void);
void im_layer_cache_end(void);

/* Like im_layer_load: the features of path that meet query (the same ones,
 * in the same order). Thread-safe. Release with im_layer_cache_release. */
im_status im_layer_cache_load(const char *path, const im_layer_query *query, im_layer **out, im_error *err);
/* Frees a layer from im_layer_cache_load (a view, or a layer of its own);
 * im_layer_free on a view comes here too. */
void im_layer_cache_release(im_layer *layer);

/* A layer's data: the features of bound (a layer the host bound to the
 * map: a view, im_layer_view) when it is not NULL, else those of the file
 * at path (im_layer_cache_load). Release with im_layer_cache_release. */
im_status im_layer_source_open(const char *path, const im_layer *bound, const im_layer_query *query, im_layer **out,
                               im_error *err);
/* The CRS of the same: bound's definition (and no file), else
 * im_layer_source_crs. The caller frees both. */
im_status im_layer_source_crs_of(const char *path, const im_layer *bound, char **definition, char **crs_file,
                                 im_error *err);

/* Loads of whole files so far, and views served from them (for tests). */
void im_layer_cache_stats(size_t *loads, size_t *views);

#endif
