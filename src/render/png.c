/* PNG encoding for maps.
 *
 * Maps are large flat areas with anti-aliased edges. Measured on the Latin
 * America overview at 2200 x 2400 px and three other maps, no row filter
 * with zlib level 4 gives files 15-20% smaller than Cairo's adaptive
 * filtering at a third of the time: a flat row repeats the row above, which
 * deflate finds as one long match, while SUB or UP turn the same row into
 * noise-free but less repetitive bytes. Level 3 is faster again but up to
 * 25% larger at 600 dpi; levels 5-9 gain a few percent for much more time.
 *
 * The image is cut into a fixed number of horizontal bands, each deflated
 * on its own thread into a raw deflate stream that ends on a byte boundary
 * (Z_SYNC_FLUSH); the streams are joined under one zlib header and one
 * Adler-32 (combined), as pigz does. The band split depends only on the
 * image's height, never on the cores present, so the bytes do not either.
 * libpng writes the container: signature, IHDR, pHYs, the IDAT chunks and
 * IEND, with their CRCs. */
#include "png-private.h"

#include <limits.h>
#include <math.h>
#include <png.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../core/mem-private.h"

#define IM_PNG_LEVEL 4
/* Two bands: this is written for two cores; images under twice this many
 * rows are one band, where a thread would cost more than it saves. */
#define IM_PNG_BANDS 2
#define IM_PNG_MIN_BAND_ROWS 256
/* IDAT chunks of at most this many bytes (any split is valid PNG). */
#define IM_PNG_IDAT_MAX (256u * 1024u)

typedef struct {
  const unsigned char *data;
  int stride, width, y0, y1; /* rows y0 .. y1 - 1 */
  bool alpha, first, last;
  unsigned char *out; /* deflated rows; the first band starts with the zlib header */
  size_t len, cap;
  uLong adler;   /* of the filtered rows of this band */
  z_off_t bytes; /* the filtered rows' length */
  bool ok;
} png_band;

/* One row with its filter byte (0: none): RGB from RGB24, or RGBA with the
 * colour un-premultiplied from ARGB32. */
static void band_row(const png_band *b, int y, unsigned char *row) {
  const uint32_t *src = (const uint32_t *)(const void *)(b->data + (size_t)y * (size_t)b->stride);
  unsigned char *d = row;
  *d++ = 0;
  if (!b->alpha) {
    for (int x = 0; x < b->width; x++, d += 3) {
      uint32_t v = src[x];
      d[0] = (unsigned char)(v >> 16);
      d[1] = (unsigned char)(v >> 8);
      d[2] = (unsigned char)v;
    }
    return;
  }
  for (int x = 0; x < b->width; x++, d += 4) {
    uint32_t v = src[x], a = v >> 24;
    uint32_t r = (v >> 16) & 0xff, g = (v >> 8) & 0xff, bl = v & 0xff;
    if (a == 0) {
      r = g = bl = 0;
    } else if (a < 255) {
      r = (r * 255 + a / 2) / a;
      g = (g * 255 + a / 2) / a;
      bl = (bl * 255 + a / 2) / a;
    }
    d[0] = (unsigned char)(r > 255 ? 255 : r);
    d[1] = (unsigned char)(g > 255 ? 255 : g);
    d[2] = (unsigned char)(bl > 255 ? 255 : bl);
    d[3] = (unsigned char)a;
  }
}

/* Runs deflate with flush until it has consumed its input (and, for
 * Z_FINISH, ended the stream), growing the band's output as needed. */
static bool band_deflate_step(png_band *b, z_stream *z, int flush) {
  for (;;) {
    if (b->cap - b->len < 4096 && !im_grow((void **)&b->out, &b->cap, b->len + 65536, 1))
      return false;
    size_t room = b->cap - b->len;
    if (room > UINT_MAX)
      room = UINT_MAX;
    z->next_out = b->out + b->len;
    z->avail_out = (uInt)room;
    int r = deflate(z, flush);
    b->len += room - z->avail_out;
    if (r == Z_STREAM_ERROR)
      return false;
    if (flush == Z_FINISH ? r == Z_STREAM_END : z->avail_out != 0 && z->avail_in == 0)
      return true;
  }
}

static void *band_deflate(void *arg) {
  png_band *b = arg;
  size_t rowbytes = 1 + (size_t)b->width * (b->alpha ? 4u : 3u);
  unsigned char *row = malloc(rowbytes);
  z_stream z;
  memset(&z, 0, sizeof z);
  b->ok = false;
  /* A raw stream (negative window bits): the header and checksum are
   * written once for all bands. */
  if (!row || deflateInit2(&z, IM_PNG_LEVEL, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    free(row);
    return NULL;
  }
  size_t guess = rowbytes * (size_t)(b->y1 - b->y0) / 16 + 64;
  bool ok = im_grow((void **)&b->out, &b->cap, guess, 1);
  if (ok && b->first) {
    /* CMF 0x78: deflate with a 32 KiB window; FLG: level 4 is "default"
     * (FLEVEL 1), check bits so that CMF * 256 + FLG is a multiple of 31. */
    unsigned cmf = 0x78, flg = 1u << 6;
    flg += 31 - (cmf * 256 + flg) % 31;
    b->out[b->len++] = (unsigned char)cmf;
    b->out[b->len++] = (unsigned char)flg;
  }
  b->adler = adler32(0L, Z_NULL, 0);
  b->bytes = 0;
  for (int y = b->y0; y < b->y1 && ok; y++) {
    band_row(b, y, row);
    b->adler = adler32(b->adler, row, (uInt)rowbytes);
    b->bytes += (z_off_t)rowbytes;
    z.next_in = row;
    z.avail_in = (uInt)rowbytes;
    ok = band_deflate_step(b, &z, Z_NO_FLUSH);
  }
  if (ok)
    ok = band_deflate_step(b, &z, b->last ? Z_FINISH : Z_SYNC_FLUSH);
  deflateEnd(&z);
  free(row);
  b->ok = ok;
  return NULL;
}

typedef struct {
  cairo_write_func_t write;
  void *closure;
  cairo_status_t status;
} png_sink;

static void png_sink_write(png_structp png, png_bytep data, size_t length) {
  png_sink *s = png_get_io_ptr(png);
  while (length > 0 && s->status == CAIRO_STATUS_SUCCESS) {
    unsigned n = length > UINT_MAX ? UINT_MAX : (unsigned)length;
    s->status = s->write(s->closure, data, n);
    data += n;
    length -= n;
  }
  if (s->status != CAIRO_STATUS_SUCCESS)
    png_error(png, "write failed");
}

static void png_sink_flush(png_structp png) { (void)png; }

/* libpng's messages would go to stderr; the status says what failed. */
static void png_fail(png_structp png, png_const_charp msg) {
  (void)msg;
  png_longjmp(png, 1);
}

static void png_quiet(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg;
}

/* The container round the joined bands. Returns the status. */
static cairo_status_t png_emit(png_band *bands, int nbands, int width, int height, bool alpha, double dpi,
                               png_sink *sink) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail, png_quiet);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!info) {
    png_destroy_write_struct(&png, NULL);
    return CAIRO_STATUS_NO_MEMORY;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return sink->status != CAIRO_STATUS_SUCCESS ? sink->status : CAIRO_STATUS_NO_MEMORY;
  }
  png_set_write_fn(png, sink, png_sink_write, png_sink_flush);
  png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
               alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (dpi > 0) {
    png_uint_32 ppm = (png_uint_32)lround(dpi / 0.0254);
    png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
  }
  png_write_info(png, info);
  for (int i = 0; i < nbands; i++)
    for (size_t off = 0; off < bands[i].len; off += IM_PNG_IDAT_MAX) {
      size_t n = bands[i].len - off < IM_PNG_IDAT_MAX ? bands[i].len - off : IM_PNG_IDAT_MAX;
      png_write_chunk(png, (png_const_bytep) "IDAT", bands[i].out + off, n);
    }
  /* png_write_end would refuse: libpng did not see the IDATs go by. */
  png_write_chunk(png, (png_const_bytep) "IEND", NULL, 0);
  png_destroy_write_struct(&png, &info);
  return sink->status;
}

cairo_status_t im_png_write(cairo_surface_t *image, double dpi, cairo_write_func_t write, void *closure) {
  cairo_surface_flush(image);
  cairo_format_t fmt = cairo_image_surface_get_format(image);
  if (fmt != CAIRO_FORMAT_ARGB32 && fmt != CAIRO_FORMAT_RGB24)
    return CAIRO_STATUS_INVALID_FORMAT;
  int w = cairo_image_surface_get_width(image), h = cairo_image_surface_get_height(image);
  if (w <= 0 || h <= 0)
    return CAIRO_STATUS_INVALID_SIZE;
  png_band bands[IM_PNG_BANDS];
  int nbands = h >= 2 * IM_PNG_MIN_BAND_ROWS ? IM_PNG_BANDS : 1;
  for (int i = 0; i < nbands; i++)
    bands[i] = (png_band){
        .data = cairo_image_surface_get_data(image),
        .stride = cairo_image_surface_get_stride(image),
        .width = w,
        .y0 = (int)((long long)h * i / nbands),
        .y1 = (int)((long long)h * (i + 1) / nbands),
        .alpha = fmt == CAIRO_FORMAT_ARGB32,
        .first = i == 0,
        .last = i == nbands - 1,
    };
  /* Bands after the first on threads of their own, the first on this one;
   * a band whose thread cannot start is deflated here afterwards. */
  pthread_t threads[IM_PNG_BANDS];
  bool started[IM_PNG_BANDS] = {false};
  for (int i = 1; i < nbands; i++)
    started[i] = pthread_create(&threads[i], NULL, band_deflate, &bands[i]) == 0;
  band_deflate(&bands[0]);
  for (int i = 1; i < nbands; i++) {
    if (started[i])
      pthread_join(threads[i], NULL);
    else
      band_deflate(&bands[i]);
  }
  cairo_status_t st = CAIRO_STATUS_SUCCESS;
  for (int i = 0; i < nbands; i++)
    if (!bands[i].ok)
      st = CAIRO_STATUS_NO_MEMORY;
  png_band *last = &bands[nbands - 1];
  if (st == CAIRO_STATUS_SUCCESS && !im_grow((void **)&last->out, &last->cap, last->len + 4, 1))
    st = CAIRO_STATUS_NO_MEMORY;
  if (st == CAIRO_STATUS_SUCCESS) {
    uLong adler = bands[0].adler;
    for (int i = 1; i < nbands; i++)
      adler = adler32_combine(adler, bands[i].adler, bands[i].bytes);
    for (int k = 3; k >= 0; k--)
      last->out[last->len++] = (unsigned char)(adler >> (8 * k));
    png_sink sink = {write, closure, CAIRO_STATUS_SUCCESS};
    st = png_emit(bands, nbands, w, h, fmt == CAIRO_FORMAT_ARGB32, dpi, &sink);
  }
  for (int i = 0; i < nbands; i++)
    free(bands[i].out);
  return st;
}
