/* What page.c (a map's page into a file) shares with embed.c (a map into a
 * box of a host's Cairo context). */
#ifndef IM_PAGE_PRIVATE_H
#define IM_PAGE_PRIVATE_H

#include "render/render-private.h"

/* Everything on the page, once the surface and the labeler exist: the map
 * through render/'s one layer loop, with its furniture, or small
 * multiples; bg says how the background meets what is beneath (PAGE_OPAQUE:
 * a PNG has no page beneath; PAGE_OVER: a host's page). Fills opt's stats. */
im_status im_page_draw_map(im_render_ctx *rc, const im_render_options *opt, im_render_background bg, const char *name,
                           im_error *err);

/* One attempt at a map's page: when the numbered key did not fit its
 * margin, *key_short is how many points it lacked and *key_side which
 * margin (furniture/key.c), else 0. */
typedef im_status (*im_page_attempt_fn)(const im_map *map, void *user, double *key_short, int *key_side, im_error *err);

/* The numbered key lists the labels that became numbers, which only the
 * placing of the labels tells; its margin is the style's guess. attempt
 * draws map; when the key needs more room, map is drawn again with that
 * margin taller by what it lacked (and the frame shorter, which may number
 * a label more: up to three times). opt gives the dpi lengths resolve at. */
im_status im_page_fit_key(const im_map *map, const im_render_options *opt, im_page_attempt_fn attempt, void *user,
                          im_error *err);

/* Whether a PNG page of map in frame f is drawn on one image rather than
 * recorded and replayed in chunks (page.c, IM_PNG_DIRECT_RATIO): when the
 * files its layers draw are several times the image's size. */
bool im_page_png_direct(const im_map *map, const im_frame *f);

/* Ends a replay into a chunk of rows: destroys cr and its image s (made
 * over the chunk's buffer), flushed first; false when either is in error.
 * page.c's PNG chunks and embed.c's bands of a host's image. */
bool im_page_chunk_done(cairo_t *cr, cairo_surface_t *s);

#endif
