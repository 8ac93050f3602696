/* influmap — ceilings on what one source or one map may hold.
 *
 * A small hostile file can describe a huge amount of data: a .shx whose
 * 100,000 entries all point at one shape of 60,000 vertices, a CSV of
 * millions of one-character rows, a DBF whose header claims 2^31 records.
 * The readers count what they keep against these ceilings and refuse a
 * source that passes one with an IM_STATUS_INPUT error naming the ceiling
 * and the environment variable that raises it, long before memory runs
 * out. The defaults sit far above any real map of the region (the bundled
 * 10 m countries of the Americas have about 200,000 vertices) and far
 * below what a workstation holds:
 *
 *   vertices per layer     50,000,000   INFLUMAP_MAX_VERTICES   (~0.8 GB of coordinates)
 *   features per layer      5,000,000   INFLUMAP_MAX_FEATURES
 *   memory per layer        4,096 MiB   INFLUMAP_MAX_LAYER_MB   (coordinates, parts,
 *                                                                attributes, per-feature
 *                                                                overhead, as read)
 *   layers per map              1,000   INFLUMAP_MAX_LAYERS     (each is read and drawn)
 *   labels per map            100,000   INFLUMAP_MAX_LABELS     (candidates; past it the
 *                                                                rest go unlabelled, with
 *                                                                one warning)
 *   bytes per label text        4,096   INFLUMAP_MAX_LABEL_BYTES (longer text is cut at
 *                                                                a character boundary, with
 *                                                                one warning)
 *   projected-geometry cache  256 MiB   INFLUMAP_PROJ_CACHE_MB  (per process, shared by
 *                                                                the maps of a batch; past
 *                                                                it the least recently used
 *                                                                features go; 0 turns the
 *                                                                cache off)
 *
 * Layers are read, drawn and freed one at a time, so the memory a map
 * needs for its data is that of its largest layer. The vertex ceiling
 * also counts the vertices a layer has once densified for drawing (a
 * vertex every 0.5 degrees, so a few far-flung points cannot become
 * billions): a layer past it fails to draw, with a message naming it. An environment value
 * must be a positive whole number; anything else is ignored with a
 * warning.
 *
 * Fixed ceilings, for the same reason: a spec or style sheet is at most
 * 4 MiB, nests at most 64 deep, with at most 256 anchors (&name) and
 * 250,000 values once its aliases (*name) are followed; a GeoJSON file is
 * read a feature at a time and is at most 1 GiB, one feature, which jansson
 * holds at up to 40 times its size, at most 1/40 of the memory per layer
 * (102 MiB by default); a where: filter is at
 * most 64 KiB and 256 levels deep; a .prj is read up to 1 MiB. */
#ifndef INFLUMAP_LIMITS_H
#define INFLUMAP_LIMITS_H

#include "influmap/export.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IM_DEFAULT_MAX_VERTICES ((size_t)50000000)
#define IM_DEFAULT_MAX_FEATURES ((size_t)5000000)
#define IM_DEFAULT_MAX_LAYER_MB ((size_t)4096)
#define IM_DEFAULT_MAX_LAYERS ((size_t)1000)
#define IM_DEFAULT_MAX_LABELS ((size_t)100000)
#define IM_DEFAULT_MAX_LABEL_BYTES ((size_t)4096)
#define IM_DEFAULT_PROJ_CACHE_MB ((size_t)256)

typedef struct {
  size_t max_vertices;      /* per layer */
  size_t max_features;      /* per layer */
  size_t max_layer_mb;      /* per layer, in MiB */
  size_t max_layers;        /* per map */
  size_t max_labels;        /* label candidates per map */
  size_t max_label_bytes;   /* bytes of one label's text */
  size_t max_proj_cache_mb; /* the process's projected-geometry cache, in MiB */
} im_limits;

/* The ceilings in force: those given to im_limits_set, else the defaults
 * overridden by the environment (read once, on the first call). */
IM_API im_limits im_limits_get(void);

/* Sets the ceilings for the whole process (a context's own, context.h,
 * override them for the maps loaded with it); a field left 0 takes its
 * default (and environment) value. NULL goes back to the defaults and the
 * environment. It may be called at any time (reads and sets are
 * synchronised), but a render under way may have read the old ceilings;
 * a host whose jobs need different ceilings gives each a context. */
IM_API void im_limits_set(const im_limits *limits);

#ifdef __cplusplus
}
#endif
#endif
