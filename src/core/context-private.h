/* The context a thread works in (influmap/context.h), and what the rest of
 * the library reads from it.
 *
 * The public calls that take a context, or a map that holds one, make it
 * the calling thread's current context for the length of the call
 * (im_context_enter / im_context_leave, which nest); the code below them
 * (readers, the label placer, warnings) asks for the current one instead
 * of taking it as an argument through every layer. The threads a render
 * starts (projection prefetch, PNG workers) neither warn nor read a
 * setting, so they need none; a batch's workers enter the context of the
 * map they render. A thread with no current context uses the process's
 * settings. */
#ifndef IM_CONTEXT_PRIVATE_H
#define IM_CONTEXT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "influmap/context.h"

/* Makes ctx current on this thread and returns the one it replaces, to
 * give back to im_context_leave. NULL keeps the current one. */
const im_context *im_context_enter(const im_context *ctx);
void im_context_leave(const im_context *previous);
/* The calling thread's context, NULL for none. */
const im_context *im_context_current(void);

/* Warnings: the current context's handler, if it has one; false when
 * there is none (then the process's handler is asked). */
bool im_context_warning_handler(im_warning_fn *fn, void **user);

/* The ceilings in force on this thread (limits.h, per layer and per map). */
im_limits im_limits_current(void);

/* What a message says to raise one ceiling: "raise it with
 * INFLUMAP_MAX_…" when the environment or the default set it; when the
 * host program did (its context's limits, im_limits_set), the reader can
 * do nothing with a variable, and is told so. */
typedef enum {
  IM_LIMIT_VERTICES,
  IM_LIMIT_FEATURES,
  IM_LIMIT_LAYER_MB,
  IM_LIMIT_LAYERS,
  IM_LIMIT_LABELS,
  IM_LIMIT_LABEL_BYTES
} im_limit_id;
const char *im_limit_hint(im_limit_id which);

/* The cache folder on this thread: the context's, else the process's
 * (core/limits-private.h); NULL for none. */
const char *im_cache_dir_current(void);

/* The base folder on this thread, NULL for the current folder. */
const char *im_base_dir_current(void);
/* path from base when it is relative and base is not NULL; a new string
 * (NULL: out of memory). */
char *im_path_from_base(const char *base, const char *path);

/* Passes name (written in from_file) through the current context's
 * resolver into a new string in *out. Returns false when there is no
 * resolver (*out untouched), true when it answered: *out is the path, or
 * NULL when it refused (*refused true) or memory ran out. */
bool im_resolve_current(const char *name, const char *from_file, char **out, bool *refused);

#endif
