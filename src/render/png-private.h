/* PNG files from Cairo image surfaces, written through libpng with settings
 * chosen for maps rather than cairo_surface_write_to_png's (which tries
 * every row filter on every row and spends most of a render doing it). */
#ifndef IM_PNG_PRIVATE_H
#define IM_PNG_PRIVATE_H

#include <cairo.h>

/* Writes image through write(closure, ...): a CAIRO_FORMAT_RGB24 surface as
 * 8-bit RGB, an ARGB32 one as 8-bit RGBA with the alpha un-premultiplied.
 * The pHYs chunk records dpi (pixels per metre, rounded), so the picture
 * keeps its physical size when placed in a document. No tIME chunk and
 * fixed filter, zlib level and band split, so the same pixels give the same
 * bytes on any machine, however many cores it has. Returns
 * CAIRO_STATUS_SUCCESS, CAIRO_STATUS_NO_MEMORY, CAIRO_STATUS_INVALID_FORMAT
 * (another surface format) or what write returned. */
cairo_status_t im_png_write(cairo_surface_t *image, double dpi, cairo_write_func_t write, void *closure);

#endif
