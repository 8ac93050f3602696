/* The projected-geometry cache: a feature's geometry after the antimeridian
 * cut, densification and projection, in map CRS units, kept per process so
 * that the maps of a batch that share a CRS (46 countries x 3 months in one
 * LAEA) project each feature once, and two layers of one map drawn from the
 * same source (countries filled, then their borders) project it once.
 *
 * What is cached is everything before the frame: the device affine,
 * simplification and clipping depend on the frame and are done per map. A
 * key names the source file by its identity (path, device, inode, size,
 * modification time) and its CRS definition, the feature by its record
 * number, and the map CRS by its definition, with the central meridian,
 * densify step and geodesic flag that shape the result.
 *
 * The cache is thread-safe (one mutex; values are copied in and out) and
 * bounded: limits.h's max_proj_cache_mb (INFLUMAP_PROJ_CACHE_MB, 256 MiB
 * by default, 0 turns it off); past it, the least recently used entries
 * go. While a batch runs (im_layer_cache_begin) every feature drawn is
 * cached; a single render caches only the sources it draws more than once.
 * The last im_proj_cache_end empties it. */
#ifndef IM_PROJCACHE_PRIVATE_H
#define IM_PROJCACHE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "influmap/geom.h"

/* A feature through the cut, densify and projection: map CRS units, NaN
 * for points that did not project. */
typedef struct {
  im_geom fill;    /* cut as a polygon (rings closed along the cut); lines and points as they are */
  im_geom outline; /* polygons: rings cut as lines, for stroking; unused when outline_same */
  bool has_fill, has_outline;
  bool outline_same;              /* the outline is fill's coordinates (no ring meets the cut) */
  size_t lost_pre;                /* points dropped before the cut (not to lon/lat, outside its range) */
  size_t lost_fill, lost_outline; /* points the projection lost */
} im_projected;

void im_projected_init(im_projected *p);
void im_projected_free(im_projected *p);

typedef struct {
  uint32_t source; /* im_proj_cache_source */
  uint32_t crs;    /* im_proj_cache_crs */
  long fid;
  double lon0, step, thin;
  bool geodesic;
} im_proj_key;

/* Turns caching of every feature on until the matching end (calls nest);
 * the last end empties the cache. im_layer_cache_begin/end call these. */
void im_proj_cache_begin(void);
void im_proj_cache_end(void);
/* True while a batch has the cache on and the calling thread renders for
 * it (im_proj_cache_batch_thread): only then is every feature cached. A
 * render another thread of the host makes meanwhile behaves as it would
 * alone (it caches only sources it draws twice). */
bool im_proj_cache_batch(void);
/* Marks the calling thread as rendering a batch's maps, or no longer. */
void im_proj_cache_batch_thread(bool on);
/* False when the cache is off (a budget of 0). */
bool im_proj_cache_enabled(void);

/* Ids for the parts of a key; 0 when the cache is off or full, or path
 * cannot be read (then nothing is cached). */
uint32_t im_proj_cache_source(const char *path, const char *crs_definition);
uint32_t im_proj_cache_crs(const char *definition);

/* Copies the entry for key into out (its geometries reused) and returns
 * true, or returns false on a miss. Thread-safe. */
bool im_proj_cache_get(const im_proj_key *key, im_projected *out);
/* Copies value in under key (replacing nothing: the first copy stays).
 * Does nothing when it does not fit the budget or memory runs out. */
void im_proj_cache_put(const im_proj_key *key, const im_projected *value);

typedef struct {
  size_t hits, misses, entries, bytes, evicted;
} im_proj_cache_stats;
im_proj_cache_stats im_proj_cache_get_stats(void);

/* For tests: the budget in bytes, replacing limits.h's (SIZE_MAX: back to
 * it). */
void im_proj_cache_set_budget(size_t bytes);

#endif
