/* influmap — a context: what a host decides for the maps it loads.
 *
 * Without one, the library takes these from the process: warnings go to
 * im_warning_set_handler's handler (error.h), the CRS store lives in
 * $INFLUMAP_CACHE_DIR or the XDG cache folder, the ceilings are those of
 * im_limits_get (limits.h), relative paths start from the current folder
 * and any file a spec names may be read. A host that embeds influmap (a
 * report pipeline, a server with several users) gives each of its jobs a
 * context instead, the way PROJ takes a PJ_CONTEXT:
 *
 *   im_context *ctx = im_context_new();
 *   im_context_set_warning_handler(ctx, log_warning, job);
 *   im_context_set_cache_dir(ctx, NULL, &err);        // write nothing
 *   im_map_load_ctx(ctx, "figure.yaml", &map, NULL, &err);
 *   im_context_free(ctx);                             // the map holds its own reference
 *   im_map_render(map, "figure.pdf", NULL, &err);     // in the map's context
 *   im_map_free(map);
 *
 * A map loaded with a context keeps a reference to it and renders,
 * checks and warns in it (render.h's calls need no context argument).
 * Layers a map reads while it renders count against the context's
 * ceilings, and its warnings go to the context's handler only: two
 * contexts used from two threads never see each other's warnings.
 *
 * Threads: set a context up before it is used; after that it is only
 * read, and may be used by several threads and maps at once. The
 * reference count is atomic. */
#ifndef INFLUMAP_CONTEXT_H
#define INFLUMAP_CONTEXT_H

#include "influmap/export.h"

#include <stdbool.h>
#include <stddef.h>

#include "influmap/error.h"
#include "influmap/limits.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct im_context im_context;

/* A new context with the process's settings (above), with one reference;
 * NULL when out of memory. Drop it with im_context_free. */
IM_API im_context *im_context_new(void);

/* Another reference to ctx (returned); each is dropped by im_context_free.
 * NULL gives NULL. */
IM_API im_context *im_context_ref(im_context *ctx);

/* Drops one reference; the last one frees the context. NULL is ignored. */
IM_API void im_context_free(im_context *ctx);

/* Warnings of the maps loaded with ctx go to fn(user, message), from
 * whichever thread renders, so fn must be thread-safe when several do.
 * NULL (the default): to the process's handler (im_warning_set_handler);
 * to drop them, give a function that does nothing. */
IM_API void im_context_set_warning_handler(im_context *ctx, im_warning_fn fn, void *user);

/* The folder for influmap's caches (the CRS store, README "CRSs"); it is
 * made when first needed. NULL: no cache, nothing is written anywhere.
 * Without a call: the process's (INFLUMAP_CACHE_DIR, XDG_CACHE_HOME or
 * HOME). A relative dir is from the base folder. Fails only when out of
 * memory. */
IM_API im_status im_context_set_cache_dir(im_context *ctx, const char *dir, im_error *err);

/* The ceilings for the maps loaded with ctx (per layer, per map); a field
 * left 0 takes the process's value (im_limits_get), and so does every
 * field when limits is NULL. max_proj_cache_mb is the process's own (its
 * cache is shared) and is ignored here. */
IM_API void im_context_set_limits(im_context *ctx, const im_limits *limits);

/* The ceilings in force in ctx (NULL: the process's). */
IM_API im_limits im_context_limits(const im_context *ctx);

/* The folder a relative spec path, and a relative path a spec names that
 * is not found beside the spec, start from (NULL: the current folder).
 * Outputs are not concerned: a render writes to the path it is given.
 * Fails only when out of memory. */
IM_API im_status im_context_set_base_dir(im_context *ctx, const char *dir, im_error *err);

/* A host's say over the files a spec may read: called for every path a
 * spec names (include:, layers' sources, join and aggregate sources,
 * icons, an inset's source), with the name as written and the file that
 * names it. It writes the path to read into path (size bytes, NUL
 * included) and returns true, or returns false to refuse: the load then
 * fails with IM_STATUS_INPUT (code IM_E_REFUSED), naming the name. Called
 * on the thread that loads the map, never while it renders. */
typedef bool (*im_resolve_fn)(void *user, const char *name, const char *from_file, char *path, size_t size);

/* NULL (the default): a name is a path, resolved as map.h says. */
IM_API void im_context_set_resolver(im_context *ctx, im_resolve_fn fn, void *user);

#ifdef __cplusplus
}
#endif
#endif
