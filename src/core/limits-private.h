/* The library's other settings from the environment, read with the
 * ceilings of influmap/limits.h in core/limits.c: once for the process, on
 * first use, so that every map of a process (a batch, a host's threads) is
 * made alike and no render reads the environment while another thread may
 * be changing it. */
#ifndef IM_LIMITS_PRIVATE_H
#define IM_LIMITS_PRIVATE_H

#include <stdbool.h>

#include "influmap/limits.h"

/* INFLUMAP_THIN=0: every vertex is projected, none thinned out (README.md),
 * to compare a map with or to rule the thinning out. */
bool im_env_thinning_off(void);

/* The folder for influmap's caches: $INFLUMAP_CACHE_DIR, else
 * $XDG_CACHE_HOME/influmap, else $HOME/.cache/influmap (those two only
 * when absolute); NULL for none (INFLUMAP_CACHE_DIR empty or "off", no
 * variable set, out of memory). */
const char *im_env_cache_dir(void);

/* The ceilings the program set with im_limits_set (0: not set, the
 * environment's or the default holds); false when it set none. */
bool im_limits_set_by_program(im_limits *out);

#endif
