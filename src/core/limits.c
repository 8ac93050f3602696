/* The ceilings of limits.h: defaults, environment overrides, a setter; and
 * the other settings the library takes from the environment
 * (core/limits-private.h). */
#include "influmap/limits.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits-private.h"
#include "influmap/error.h"

static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static im_limits from_env;
static im_limits set_by_caller;
static bool have_set;

/* The environment value of name as a positive (or, zero_ok, any) whole
 * number, else def (with a warning when the variable is set but is not
 * one). */
static size_t env_size(const char *name, size_t def, bool zero_ok) {
  const char *s = getenv(name);
  if (!s || !*s)
    return def;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || (v == 0 && !zero_ok) || v > SIZE_MAX || *s == '-' || *s == '+') {
    im_warn("%s='%.40s' is not a %swhole number; using %zu", name, s, zero_ok ? "" : "positive ", def);
    return def;
  }
  return (size_t)v;
}

static void read_env(void) {
  from_env.max_vertices = env_size("INFLUMAP_MAX_VERTICES", IM_DEFAULT_MAX_VERTICES, false);
  from_env.max_features = env_size("INFLUMAP_MAX_FEATURES", IM_DEFAULT_MAX_FEATURES, false);
  from_env.max_layer_mb = env_size("INFLUMAP_MAX_LAYER_MB", IM_DEFAULT_MAX_LAYER_MB, false);
  from_env.max_layers = env_size("INFLUMAP_MAX_LAYERS", IM_DEFAULT_MAX_LAYERS, false);
  from_env.max_labels = env_size("INFLUMAP_MAX_LABELS", IM_DEFAULT_MAX_LABELS, false);
  from_env.max_label_bytes = env_size("INFLUMAP_MAX_LABEL_BYTES", IM_DEFAULT_MAX_LABEL_BYTES, false);
  /* 0 is a setting here: no cache. */
  from_env.max_proj_cache_mb = env_size("INFLUMAP_PROJ_CACHE_MB", IM_DEFAULT_PROJ_CACHE_MB, true);
}

/* im_limits_set may run while another thread reads the ceilings. */
static pthread_mutex_t set_mu = PTHREAD_MUTEX_INITIALIZER;

im_limits im_limits_get(void) {
  pthread_once(&env_once, read_env);
  pthread_mutex_lock(&set_mu);
  bool set = have_set;
  im_limits l = set_by_caller;
  pthread_mutex_unlock(&set_mu);
  if (!set)
    return from_env;
  if (!l.max_vertices)
    l.max_vertices = from_env.max_vertices;
  if (!l.max_features)
    l.max_features = from_env.max_features;
  if (!l.max_layer_mb)
    l.max_layer_mb = from_env.max_layer_mb;
  if (!l.max_layers)
    l.max_layers = from_env.max_layers;
  if (!l.max_labels)
    l.max_labels = from_env.max_labels;
  if (!l.max_label_bytes)
    l.max_label_bytes = from_env.max_label_bytes;
  if (!l.max_proj_cache_mb)
    l.max_proj_cache_mb = from_env.max_proj_cache_mb;
  return l;
}

bool im_limits_set_by_program(im_limits *out) {
  pthread_mutex_lock(&set_mu);
  bool set = have_set;
  *out = set_by_caller;
  pthread_mutex_unlock(&set_mu);
  return set;
}

void im_limits_set(const im_limits *limits) {
  pthread_mutex_lock(&set_mu);
  have_set = limits != NULL;
  if (limits)
    set_by_caller = *limits;
  pthread_mutex_unlock(&set_mu);
}

/* A once of their own, so that reading these does not move the warnings
 * about a ceiling's value (env_size) to another moment. */
static pthread_once_t settings_once = PTHREAD_ONCE_INIT;
static bool thinning_off;
static char *cache_dir;

static char *joined(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 1;
  char *s = malloc(n);
  if (s)
    snprintf(s, n, "%s%s", a, b);
  return s;
}

static void read_settings(void) {
  const char *thin = getenv("INFLUMAP_THIN");
  thinning_off = thin && !strcmp(thin, "0");
  const char *dir = getenv("INFLUMAP_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (dir)
    cache_dir = *dir && strcmp(dir, "off") ? joined(dir, "") : NULL;
  else if (xdg && *xdg == '/')
    cache_dir = joined(xdg, "/influmap");
  else if (home && *home == '/')
    cache_dir = joined(home, "/.cache/influmap");
}

bool im_env_thinning_off(void) {
  pthread_once(&settings_once, read_settings);
  return thinning_off;
}

const char *im_env_cache_dir(void) {
  pthread_once(&settings_once, read_settings);
  return cache_dir;
}
