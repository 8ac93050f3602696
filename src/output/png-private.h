/* PNG files from Cairo image surfaces, written through libpng with settings
 * chosen for maps rather than cairo_surface_write_to_png's (which tries
 * every row filter on every row and spends most of a render doing it). */
#ifndef IM_PNG_PRIVATE_H
#define IM_PNG_PRIVATE_H

#include <cairo.h>
#include <stdbool.h>

/* Writes image through write(closure, ...): a CAIRO_FORMAT_RGB24 surface as
 * 8-bit RGB, an ARGB32 one as 8-bit RGBA with the alpha un-premultiplied.
 * The pHYs chunk records dpi (pixels per metre, rounded), so the picture
 * keeps its physical size when placed in a document. No tIME chunk and
 * fixed filter, zlib level and band split, so the same pixels give the same
 * bytes on any machine, however many cores it has. Returns
 * CAIRO_STATUS_SUCCESS, CAIRO_STATUS_NO_MEMORY, CAIRO_STATUS_INVALID_FORMAT
 * (another surface format) or what write returned. */
cairo_status_t im_png_write(cairo_surface_t *image, double dpi, cairo_write_func_t write, void *closure);

/* Draws rows y0 .. y1 - 1 of the picture into buf (row y0 first, stride
 * bytes a row, the format given to im_png_write_drawn). Called from worker
 * `worker` (0 .. im_png_workers(height) - 1), the workers at once on their
 * own threads, each for the chunks of rows it takes, in no set order.
 * Returns false on failure. */
typedef bool (*im_png_draw_fn)(void *user, int worker, unsigned char *buf, int stride, int y0, int y1);

/* Threads encoding: written for two cores. */
#define IM_PNG_WORKERS 2

/* Rows per chunk. Drawn chunks are where the time of a raster map goes,
 * and each drawing that crosses a chunk is walked once per chunk, so not
 * too few; a worker holds one chunk's pixels (2200 px wide: 1.1 MB), so
 * not too many; and deflate loses a little at each chunk's start.
 * Measured on world-robinson (1500 rows): 64 rows 138 ms, 128 124, 256
 * 129, 512 129, 750 (a chunk per thread, unbalanced) 148. */
#define IM_PNG_CHUNK_ROWS 128

/* The number of workers im_png_write_drawn uses for this height. */
int im_png_workers(int height);

/* As im_png_write, but the picture is never whole in memory: draw paints it
 * a chunk of rows at a time, on each band's thread, and the rows are
 * deflated as they come. The same pixels give the same bytes as
 * im_png_write. A failed draw gives CAIRO_STATUS_NO_MEMORY. */
cairo_status_t im_png_write_drawn(int width, int height, cairo_format_t fmt, double dpi, im_png_draw_fn draw,
                                  void *user, cairo_write_func_t write, void *closure);

#endif
