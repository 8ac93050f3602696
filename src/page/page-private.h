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

#endif
