/* Contexts (influmap/context.h) and the calling thread's current one
 * (core/context-private.h). */
#include "influmap/context.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context-private.h"
#include "core/limits-private.h"
#include "core/mem-private.h"

typedef enum { CACHE_PROCESS, CACHE_NONE, CACHE_DIR } cache_kind;

struct im_context {
  atomic_size_t refs;
  im_warning_fn warn_fn;
  void *warn_user;
  cache_kind cache;
  char *cache_dir;  /* CACHE_DIR: absolute, or relative to base_dir */
  char *cache_path; /* cache_dir from base_dir, as used */
  bool have_limits;
  im_limits limits;
  char *base_dir;
  im_resolve_fn resolve;
  void *resolve_user;
};

/* The only state here besides the contexts themselves: each thread's own. */
static _Thread_local const im_context *current;

im_context *im_context_new(void) {
  im_context *c = calloc(1, sizeof *c);
  if (c)
    atomic_init(&c->refs, 1);
  return c;
}

im_context *im_context_ref(im_context *ctx) {
  if (ctx)
    atomic_fetch_add(&ctx->refs, 1);
  return ctx;
}

void im_context_free(im_context *ctx) {
  if (!ctx || atomic_fetch_sub(&ctx->refs, 1) != 1)
    return;
  free(ctx->cache_dir);
  free(ctx->cache_path);
  free(ctx->base_dir);
  free(ctx);
}

void im_context_set_warning_handler(im_context *ctx, im_warning_fn fn, void *user) {
  ctx->warn_fn = fn;
  ctx->warn_user = user;
}

char *im_path_from_base(const char *base, const char *path) {
  if (!base || path[0] == '/')
    return im_strdup(path);
  size_t n = strlen(base) + strlen(path) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", base, path);
  return p;
}

static im_status refresh_cache_path(im_context *ctx, im_error *err) {
  free(ctx->cache_path);
  ctx->cache_path = NULL;
  if (ctx->cache != CACHE_DIR)
    return IM_STATUS_OK;
  if (!(ctx->cache_path = im_path_from_base(ctx->base_dir, ctx->cache_dir)))
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  return IM_STATUS_OK;
}

im_status im_context_set_cache_dir(im_context *ctx, const char *dir, im_error *err) {
  char *copy = NULL;
  if (dir && !(copy = im_strdup(dir)))
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  free(ctx->cache_dir);
  ctx->cache_dir = copy;
  ctx->cache = dir ? CACHE_DIR : CACHE_NONE;
  return refresh_cache_path(ctx, err);
}

void im_context_set_limits(im_context *ctx, const im_limits *limits) {
  ctx->have_limits = limits != NULL;
  if (limits)
    ctx->limits = *limits;
}

im_limits im_context_limits(const im_context *ctx) {
  im_limits l = im_limits_get();
  if (!ctx || !ctx->have_limits)
    return l;
  const im_limits *c = &ctx->limits;
  if (c->max_vertices)
    l.max_vertices = c->max_vertices;
  if (c->max_features)
    l.max_features = c->max_features;
  if (c->max_layer_mb)
    l.max_layer_mb = c->max_layer_mb;
  if (c->max_layers)
    l.max_layers = c->max_layers;
  if (c->max_labels)
    l.max_labels = c->max_labels;
  if (c->max_label_bytes)
    l.max_label_bytes = c->max_label_bytes;
  return l;
}

im_status im_context_set_base_dir(im_context *ctx, const char *dir, im_error *err) {
  char *copy = NULL;
  if (dir && !(copy = im_strdup(dir)))
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  /* "data/" and "data" are one folder: paths are joined with a '/'. */
  for (size_t n = copy ? strlen(copy) : 0; n > 1 && copy[n - 1] == '/'; n--)
    copy[n - 1] = '\0';
  free(ctx->base_dir);
  ctx->base_dir = copy;
  return refresh_cache_path(ctx, err);
}

void im_context_set_resolver(im_context *ctx, im_resolve_fn fn, void *user) {
  ctx->resolve = fn;
  ctx->resolve_user = user;
}

const im_context *im_context_enter(const im_context *ctx) {
  const im_context *was = current;
  if (ctx)
    current = ctx;
  return was;
}

void im_context_leave(const im_context *previous) { current = previous; }

const im_context *im_context_current(void) { return current; }

bool im_context_warning_handler(im_warning_fn *fn, void **user) {
  if (!current || !current->warn_fn)
    return false;
  *fn = current->warn_fn;
  *user = current->warn_user;
  return true;
}

im_limits im_limits_current(void) { return im_context_limits(current); }

static size_t limit_field(const im_limits *l, im_limit_id which) {
  switch (which) {
  case IM_LIMIT_VERTICES:
    return l->max_vertices;
  case IM_LIMIT_FEATURES:
    return l->max_features;
  case IM_LIMIT_LAYER_MB:
    return l->max_layer_mb;
  case IM_LIMIT_LAYERS:
    return l->max_layers;
  case IM_LIMIT_LABELS:
    return l->max_labels;
  default:
    return l->max_label_bytes;
  }
}

const char *im_limit_hint(im_limit_id which) {
  static const char *const by_env[] = {
      [IM_LIMIT_VERTICES] = "raise it with INFLUMAP_MAX_VERTICES",
      [IM_LIMIT_FEATURES] = "raise it with INFLUMAP_MAX_FEATURES",
      [IM_LIMIT_LAYER_MB] = "raise it with INFLUMAP_MAX_LAYER_MB",
      [IM_LIMIT_LAYERS] = "raise it with INFLUMAP_MAX_LAYERS",
      [IM_LIMIT_LABELS] = "raise it with INFLUMAP_MAX_LABELS",
      [IM_LIMIT_LABEL_BYTES] = "raise it with INFLUMAP_MAX_LABEL_BYTES",
  };
  im_limits set;
  bool by_host = (current && current->have_limits && limit_field(&current->limits, which)) ||
                 (im_limits_set_by_program(&set) && limit_field(&set, which));
  return by_host ? "a ceiling the host program set" : by_env[which];
}

const char *im_cache_dir_current(void) {
  if (!current || current->cache == CACHE_PROCESS)
    return im_env_cache_dir();
  return current->cache_path;
}

const char *im_base_dir_current(void) { return current ? current->base_dir : NULL; }

bool im_resolve_current(const char *name, const char *from_file, char **out, bool *refused) {
  *refused = false;
  if (!current || !current->resolve)
    return false;
  char path[PATH_MAX];
  path[0] = '\0';
  if (!current->resolve(current->resolve_user, name, from_file ? from_file : "", path, sizeof path) ||
      !memchr(path, '\0', sizeof path) || !path[0]) {
    *refused = true;
    *out = NULL;
    return true;
  }
  *out = im_strdup(path);
  return true;
}
