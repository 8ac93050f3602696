/* The projected-geometry cache (projcache-private.h): a hash table of
 * entries on a least-recently-used list, under one mutex. Values are
 * copied in and out, so an entry can be evicted while a map draws what it
 * copied from it. */
#include "geo/projcache-private.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mem-private.h"
#include "influmap/limits.h"

#define MIB ((size_t)1 << 20)

typedef struct entry entry;
struct entry {
  im_proj_key key;
  uint64_t hash;
  entry *chain;       /* next in the bucket */
  entry *prev, *next; /* recency: head is the most recent */
  im_projected value; /* exact-size arrays */
  size_t bytes;
};

typedef struct {
  char *path, *crs;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
} source;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static size_t users;
static entry **buckets;
static size_t nbuckets, nentries, bytes;
static entry *head, *tail;
static source *sources;
static size_t nsources, cap_sources;
static char **crss;
static size_t ncrss, cap_crss;
static size_t names_bytes; /* of sources and crss, counted in the budget */
static size_t budget_override = SIZE_MAX;
static im_proj_cache_stats stats;

void im_projected_init(im_projected *p) {
  memset(p, 0, sizeof *p);
  im_geom_init(&p->fill, IM_GEOM_POINT);
  im_geom_init(&p->outline, IM_GEOM_LINE);
}

void im_projected_free(im_projected *p) {
  im_geom_free(&p->fill);
  im_geom_free(&p->outline);
  memset(p, 0, sizeof *p);
}

/* Called with the mutex held. */
static size_t budget(void) {
  if (budget_override != SIZE_MAX)
    return budget_override;
  size_t mb = im_limits_get().max_proj_cache_mb;
  return mb > SIZE_MAX / MIB ? SIZE_MAX : mb * MIB;
}

static void unlink_recent(entry *e) {
  if (e->prev)
    e->prev->next = e->next;
  else
    head = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    tail = e->prev;
  e->prev = e->next = NULL;
}

static void push_recent(entry *e) {
  e->prev = NULL;
  e->next = head;
  if (head)
    head->prev = e;
  head = e;
  if (!tail)
    tail = e;
}

static void entry_free(entry *e) {
  im_projected_free(&e->value);
  free(e);
}

static void remove_entry(entry *e) {
  entry **p = &buckets[e->hash % nbuckets];
  while (*p != e)
    p = &(*p)->chain;
  *p = e->chain;
  unlink_recent(e);
  nentries--;
  bytes -= e->bytes;
  entry_free(e);
}

/* Everything: entries and the names the keys refer to. Mutex held. */
static void clear_all(void) {
  while (head)
    remove_entry(head);
  free(buckets);
  buckets = NULL;
  nbuckets = 0;
  for (size_t i = 0; i < nsources; i++) {
    free(sources[i].path);
    free(sources[i].crs);
  }
  free(sources);
  sources = NULL;
  nsources = cap_sources = 0;
  for (size_t i = 0; i < ncrss; i++)
    free(crss[i]);
  free(crss);
  crss = NULL;
  ncrss = cap_crss = 0;
  names_bytes = 0;
}

void im_proj_cache_begin(void) {
  pthread_mutex_lock(&mu);
  users++;
  pthread_mutex_unlock(&mu);
}

void im_proj_cache_end(void) {
  pthread_mutex_lock(&mu);
  if (users && --users == 0)
    clear_all();
  pthread_mutex_unlock(&mu);
}

/* Per thread, not per process: a host may render single maps on one
 * thread while a batch runs on others. */
static _Thread_local bool batch_thread;

void im_proj_cache_batch_thread(bool on) { batch_thread = on; }

bool im_proj_cache_batch(void) {
  if (!batch_thread)
    return false;
  pthread_mutex_lock(&mu);
  bool on = users > 0;
  pthread_mutex_unlock(&mu);
  return on;
}

bool im_proj_cache_enabled(void) {
  pthread_mutex_lock(&mu);
  bool on = budget() > 0;
  pthread_mutex_unlock(&mu);
  return on;
}

void im_proj_cache_set_budget(size_t b) {
  pthread_mutex_lock(&mu);
  budget_override = b;
  if (b != SIZE_MAX && bytes + names_bytes > b)
    clear_all();
  pthread_mutex_unlock(&mu);
}

im_proj_cache_stats im_proj_cache_get_stats(void) {
  pthread_mutex_lock(&mu);
  im_proj_cache_stats s = stats;
  s.entries = nentries;
  s.bytes = bytes + names_bytes;
  pthread_mutex_unlock(&mu);
  return s;
}

uint32_t im_proj_cache_source(const char *path, const char *crs_definition) {
  struct stat st;
  if (!path || stat(path, &st))
    return 0;
  const char *crs = crs_definition ? crs_definition : "";
  uint32_t id = 0;
  pthread_mutex_lock(&mu);
  for (size_t i = 0; i < nsources && !id; i++) {
    const source *s = &sources[i];
    if (!strcmp(s->path, path) && !strcmp(s->crs, crs) && s->dev == st.st_dev && s->ino == st.st_ino &&
        s->size == st.st_size && s->mtime.tv_sec == st.st_mtim.tv_sec && s->mtime.tv_nsec == st.st_mtim.tv_nsec)
      id = (uint32_t)i + 1;
  }
  size_t need = strlen(path) + strlen(crs) + 2 + sizeof(source);
  if (!id && nsources < UINT32_MAX - 1 && bytes + names_bytes + need <= budget() &&
      im_grow((void **)&sources, &cap_sources, nsources + 1, sizeof *sources)) {
    source s = {im_strdup(path), im_strdup(crs), st.st_dev, st.st_ino, st.st_size, st.st_mtim};
    if (s.path && s.crs) {
      sources[nsources++] = s;
      names_bytes += need;
      id = (uint32_t)nsources;
    } else {
      free(s.path);
      free(s.crs);
    }
  }
  pthread_mutex_unlock(&mu);
  return id;
}

uint32_t im_proj_cache_crs(const char *definition) {
  if (!definition)
    return 0;
  uint32_t id = 0;
  pthread_mutex_lock(&mu);
  for (size_t i = 0; i < ncrss && !id; i++)
    if (!strcmp(crss[i], definition))
      id = (uint32_t)i + 1;
  size_t need = strlen(definition) + 1 + sizeof(char *);
  if (!id && ncrss < UINT32_MAX - 1 && bytes + names_bytes + need <= budget() &&
      im_grow((void **)&crss, &cap_crss, ncrss + 1, sizeof *crss) && (crss[ncrss] = im_strdup(definition))) {
    ncrss++;
    names_bytes += need;
    id = (uint32_t)ncrss;
  }
  pthread_mutex_unlock(&mu);
  return id;
}

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
  return h;
}

static uint64_t bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

static uint64_t key_hash(const im_proj_key *k) {
  uint64_t h = mix(0, k->source);
  h = mix(h, k->crs);
  h = mix(h, (uint64_t)k->fid);
  h = mix(h, bits(k->lon0));
  h = mix(h, bits(k->step));
  h = mix(h, bits(k->thin));
  h = mix(h, k->geodesic);
  return h * 0xff51afd7ed558ccdu;
}

static bool key_equal(const im_proj_key *a, const im_proj_key *b) {
  return a->source == b->source && a->crs == b->crs && a->fid == b->fid && bits(a->lon0) == bits(b->lon0) &&
         bits(a->step) == bits(b->step) && bits(a->thin) == bits(b->thin) && a->geodesic == b->geodesic;
}

/* Mutex held. */
static entry *find(const im_proj_key *k, uint64_t h) {
  if (!nbuckets)
    return NULL;
  for (entry *e = buckets[h % nbuckets]; e; e = e->chain)
    if (e->hash == h && key_equal(&e->key, k))
      return e;
  return NULL;
}

/* Copies src into dst, exactly sized when exact (dst holds nothing of its
 * own then). */
static bool geom_copy(im_geom *dst, const im_geom *src, bool exact) {
  if (!exact)
    return im_geom_copy(dst, src);
  im_geom_init(dst, src->kind);
  dst->nonzero = src->nonzero;
  dst->xy = im_malloc_array(2 * src->npoints + 1, sizeof *dst->xy);
  dst->parts = im_malloc_array(src->nparts + 1, sizeof *dst->parts);
  if (!dst->xy || !dst->parts) {
    im_geom_free(dst);
    return false;
  }
  if (src->npoints)
    memcpy(dst->xy, src->xy, 2 * src->npoints * sizeof *dst->xy);
  if (src->nparts)
    memcpy(dst->parts, src->parts, src->nparts * sizeof *dst->parts);
  dst->npoints = dst->cap_points = src->npoints;
  dst->nparts = dst->cap_parts = src->nparts;
  return true;
}

static bool projected_copy(im_projected *dst, const im_projected *src, bool exact) {
  bool ok = true;
  if (src->has_fill)
    ok = geom_copy(&dst->fill, &src->fill, exact);
  if (ok && src->has_outline && !src->outline_same)
    ok = geom_copy(&dst->outline, &src->outline, exact);
  dst->has_fill = src->has_fill;
  dst->has_outline = src->has_outline;
  dst->outline_same = src->outline_same;
  dst->lost_pre = src->lost_pre;
  dst->lost_fill = src->lost_fill;
  dst->lost_outline = src->lost_outline;
  return ok;
}

bool im_proj_cache_get(const im_proj_key *key, im_projected *out) {
  if (!key->source || !key->crs)
    return false;
  uint64_t h = key_hash(key);
  pthread_mutex_lock(&mu);
  entry *e = find(key, h);
  bool ok = e && projected_copy(out, &e->value, false);
  if (ok) {
    stats.hits++;
    unlink_recent(e);
    push_recent(e);
  } else {
    stats.misses++;
  }
  pthread_mutex_unlock(&mu);
  return ok;
}

static size_t geom_bytes(const im_geom *g) { return g->npoints * 2 * sizeof(double) + g->nparts * sizeof(size_t); }

/* Mutex held. */
static bool grow_buckets(void) {
  size_t n = nbuckets ? 2 * nbuckets : 1024;
  entry **b = calloc(n, sizeof *b);
  if (!b)
    return false;
  for (size_t i = 0; i < nbuckets; i++)
    for (entry *e = buckets[i], *next; e; e = next) {
      next = e->chain;
      e->chain = b[e->hash % n];
      b[e->hash % n] = e;
    }
  free(buckets);
  buckets = b;
  nbuckets = n;
  return true;
}

void im_proj_cache_put(const im_proj_key *key, const im_projected *value) {
  if (!key->source || !key->crs)
    return;
  size_t size = sizeof(entry) + (value->has_fill ? geom_bytes(&value->fill) : 0) +
                (value->has_outline && !value->outline_same ? geom_bytes(&value->outline) : 0);
  uint64_t h = key_hash(key);
  pthread_mutex_lock(&mu);
  size_t limit = budget();
  if (size > limit || find(key, h) || (nentries >= nbuckets && !grow_buckets())) {
    pthread_mutex_unlock(&mu);
    return;
  }
  while (tail && bytes + names_bytes + size > limit) {
    remove_entry(tail);
    stats.evicted++;
  }
  entry *e = bytes + names_bytes + size <= limit ? calloc(1, sizeof *e) : NULL;
  if (e && projected_copy(&e->value, value, true)) {
    e->key = *key;
    e->hash = h;
    e->bytes = size;
    e->chain = buckets[h % nbuckets];
    buckets[h % nbuckets] = e;
    push_recent(e);
    nentries++;
    bytes += size;
  } else if (e) {
    entry_free(e);
  }
  pthread_mutex_unlock(&mu);
}
