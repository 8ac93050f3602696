/* The process-wide layer cache of batches (layer-cache-private.h). An
 * entry is a whole source, keyed by its path and the identity of the file
 * (device, inode, size, modification time), so a file replaced during a run
 * is read again. A view is an im_layer whose features array is its own and
 * whose everything else belongs to the entry. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mem-private.h"
#include "io/io-private.h"
#include "geo/projcache-private.h"
#include "io/layer-cache-private.h"

typedef struct {
  char *path;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  im_layer *layer; /* every feature */
  im_bbox *bboxes; /* one per feature */
  size_t views;    /* views not yet released */
  bool stale;      /* dropped from the cache; freed with its last view */
} entry;

typedef struct {
  im_layer layer; /* the view handed out: first, so the pointers are the same */
  entry *from;
} view;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static size_t users;
static entry **entries;
static size_t nentries, cap_entries;
static view **views;
static size_t nviews, cap_views;
static size_t stat_loads, stat_views;

static void entry_free(entry *e) {
  im_layer_free(e->layer);
  free(e->bboxes);
  free(e->path);
  free(e);
}

void im_layer_cache_begin(void) {
  pthread_mutex_lock(&mu);
  users++;
  pthread_mutex_unlock(&mu);
  /* Loaded once, projected once per map CRS. */
  im_proj_cache_begin();
}

void im_layer_cache_end(void) {
  im_proj_cache_end();
  pthread_mutex_lock(&mu);
  if (users && --users == 0) {
    for (size_t i = 0; i < nentries; i++) {
      if (entries[i]->views)
        entries[i]->stale = true;
      else
        entry_free(entries[i]);
    }
    free(entries);
    entries = NULL;
    nentries = cap_entries = 0;
  }
  pthread_mutex_unlock(&mu);
}

void im_layer_cache_stats(size_t *loads, size_t *nview) {
  pthread_mutex_lock(&mu);
  *loads = stat_loads;
  *nview = stat_views;
  pthread_mutex_unlock(&mu);
}

static bool same_file(const entry *e, const char *path, const struct stat *st) {
  return !strcmp(e->path, path) && e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
         e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Called with the mutex held. NULL when the whole file cannot be read
 * (the caller then reads just what it needs, as without a cache). */
static entry *find_or_load(const char *path, const struct stat *st) {
  for (size_t i = 0; i < nentries; i++)
    if (same_file(entries[i], path, st))
      return entries[i];
  entry *e = calloc(1, sizeof *e);
  if (!e || !(e->path = im_strdup(path)) || !im_grow((void **)&entries, &cap_entries, nentries + 1, sizeof *entries)) {
    if (e)
      free(e->path);
    free(e);
    return NULL;
  }
  im_error err;
  if (im_layer_load(path, NULL, &e->layer, &err) ||
      !(e->bboxes = im_malloc_array(e->layer->nfeatures + 1, sizeof *e->bboxes))) {
    entry_free(e);
    return NULL;
  }
  for (size_t i = 0; i < e->layer->nfeatures; i++)
    e->bboxes[i] = im_geom_bbox(&e->layer->features[i].geom);
  e->dev = st->st_dev, e->ino = st->st_ino, e->size = st->st_size, e->mtime = st->st_mtim;
  entries[nentries++] = e;
  stat_loads++;
  return e;
}

im_status im_layer_cache_load(const char *path, const im_layer_query *query, im_layer **out, im_error *err) {
  *out = NULL;
  struct stat st;
  pthread_mutex_lock(&mu);
  /* One file read at a time: a second map wanting the same source waits
   * for it rather than reading it too. */
  entry *e = users && stat(path, &st) == 0 ? find_or_load(path, &st) : NULL;
  view *v = e ? calloc(1, sizeof *v) : NULL;
  if (v && !im_grow((void **)&views, &cap_views, nviews + 1, sizeof *views)) {
    free(v);
    v = NULL;
  }
  if (v) {
    const im_layer *all = e->layer;
    v->layer = *all;
    v->layer.cache_view = true;
    v->layer.nfeatures = 0;
    v->layer.features = im_malloc_array(all->nfeatures + 1, sizeof *v->layer.features);
    if (!v->layer.features) {
      free(v);
      v = NULL;
    }
  }
  if (v) {
    /* The same test the readers make with the query's boxes. */
    for (size_t i = 0; i < e->layer->nfeatures; i++)
      if (im_query_wants(query, &e->bboxes[i]))
        v->layer.features[v->layer.nfeatures++] = e->layer->features[i];
    v->from = e;
    e->views++;
    views[nviews++] = v;
    stat_views++;
  }
  pthread_mutex_unlock(&mu);
  if (v) {
    *out = &v->layer;
    return IM_STATUS_OK;
  }
  return im_layer_load(path, query, out, err);
}

void im_layer_cache_release(im_layer *layer) {
  if (!layer)
    return;
  pthread_mutex_lock(&mu);
  view *v = NULL;
  for (size_t i = 0; i < nviews; i++)
    if (&views[i]->layer == layer) {
      v = views[i];
      views[i] = views[--nviews];
      break;
    }
  if (v) {
    entry *e = v->from;
    if (--e->views == 0 && e->stale)
      entry_free(e);
    free(v->layer.features);
    free(v);
  }
  if (!nviews && !users) {
    free(views);
    views = NULL;
    cap_views = 0;
  }
  pthread_mutex_unlock(&mu);
  /* Not a view: a layer of its own (the cache was off or full). */
  if (!v && !layer->cache_view)
    im_layer_free(layer);
}

im_status im_layer_source_open(const char *path, const im_layer *bound, const im_layer_query *query, im_layer **out,
                               im_error *err) {
  if (!bound)
    return im_layer_cache_load(path, query, out, err);
  /* Renders only read a bound layer: each takes a view of its own. */
  if (!(*out = im_layer_view(bound, query)))
    return im_error_set(err, IM_STATUS_INTERNAL, bound->path, 0, 0, "out of memory");
  return IM_STATUS_OK;
}

im_status im_layer_source_crs_of(const char *path, const im_layer *bound, char **definition, char **crs_file,
                                 im_error *err) {
  if (!bound)
    return im_layer_source_crs(path, definition, crs_file, err);
  *crs_file = NULL;
  if (!(*definition = im_strdup(bound->crs_definition ? bound->crs_definition : "EPSG:4326")))
    return im_error_set(err, IM_STATUS_INTERNAL, bound->path, 0, 0, "out of memory");
  return IM_STATUS_OK;
}
