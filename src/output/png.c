/* PNG encoding for maps.
 *
 * Maps are large flat areas with anti-aliased edges. No row filter gives
 * files 15-20% smaller than Cairo's adaptive filtering at a third of the
 * time: a flat row repeats the row above, which deflate finds as one long
 * match, while SUB or UP turn the same row into noise-free but less
 * repetitive bytes. Deflate is zlib's level 3 (greedy matching, which skips
 * hashing inside long matches) with "nice" matches raised from 32 bytes to
 * the longest, 258, so that a flat stretch is taken as one match: measured
 * on the three benchmark maps (bench/), half the time of level 4 (lazy
 * matching, which hashes every byte) for files 1-2% larger, 15% on the
 * plainest (latam-50m); plain level 3 is 6-23% larger than level 4, levels
 * 5-9 gain a few percent for much more time.
 *
 * The rows are cut into chunks of a fixed number of rows; worker threads
 * take the next chunk as they come free, get its pixels (from the image, or
 * drawn into the worker's own buffer), and deflate it into a raw deflate
 * stream of its own that ends on a byte boundary (Z_SYNC_FLUSH); the
 * streams are joined in order under one zlib header and one Adler-32
 * (combined), as pigz does. The chunking depends only on the image's
 * height, never on the cores present or on which thread took which chunk,
 * so neither do the bytes. libpng writes the container: signature, IHDR,
 * pHYs, the IDAT chunks and IEND, with their CRCs. */
#include "output/png-private.h"

#include <limits.h>
#include <math.h>
#include <png.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/mem-private.h"

#define IM_PNG_LEVEL 3
#define IM_PNG_NICE_MATCH 258
/* zlib's hash of 2^(6+7) entries rather than its default 2^15: cleared at
 * every chunk's start and small enough to stay in cache; for flat map
 * colours the matches are found as well (files 0.5% larger): world-robinson
 * PNG 1138M -> 1076M instructions, latam-10m 1952M -> 1887M (callgrind).
 * 5 and below lose more in size than they gain. */
#define IM_PNG_MEM_LEVEL 6
/* IDAT chunks of at most this many bytes (any split is valid PNG). */
#define IM_PNG_IDAT_MAX (256u * 1024u)

typedef struct {
  unsigned char *out; /* the chunk's rows deflated */
  size_t len, cap;
  uLong adler;   /* of the chunk's filtered rows */
  z_off_t bytes; /* their length */
  bool ok;
} png_chunk;

typedef struct {
  const unsigned char *data; /* the whole image; NULL: draw gives the rows */
  im_png_draw_fn draw;
  void *user;
  int stride, width, height;
  bool alpha;
  int nchunks;
  png_chunk *chunks;
  atomic_int next; /* the next chunk to take */
} png_job;

typedef struct {
  png_job *job;
  int worker;
} png_worker;

/* One row with its filter byte (0: none): RGB from RGB24, or RGBA with the
 * colour un-premultiplied from ARGB32. */
static void filter_row(bool alpha, int width, const unsigned char *pixels, unsigned char *row) {
  const uint32_t *src = (const uint32_t *)(const void *)pixels;
  unsigned char *d = row;
  *d++ = 0;
  if (!alpha) {
    for (int x = 0; x < width; x++, d += 3) {
      uint32_t v = src[x];
      d[0] = (unsigned char)(v >> 16);
      d[1] = (unsigned char)(v >> 8);
      d[2] = (unsigned char)v;
    }
    return;
  }
  for (int x = 0; x < width; x++, d += 4) {
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
 * Z_FINISH, ended the stream), growing the chunk's output as needed. */
static bool deflate_step(png_chunk *c, z_stream *z, int flush) {
  for (;;) {
    if (c->cap - c->len < 4096 && !im_grow((void **)&c->out, &c->cap, c->len + 65536, 1))
      return false;
    size_t room = c->cap - c->len;
    if (room > UINT_MAX)
      room = UINT_MAX;
    z->next_out = c->out + c->len;
    z->avail_out = (uInt)room;
    int r = deflate(z, flush);
    c->len += room - z->avail_out;
    if (r == Z_STREAM_ERROR)
      return false;
    if (flush == Z_FINISH ? r == Z_STREAM_END : z->avail_out != 0 && z->avail_in == 0)
      return true;
  }
}

static bool deflate_chunk(png_job *j, int worker, int index, z_stream *z, unsigned char *row, unsigned char *pixels) {
  png_chunk *c = &j->chunks[index];
  int y0 = index * IM_PNG_CHUNK_ROWS, y1 = y0 + IM_PNG_CHUNK_ROWS < j->height ? y0 + IM_PNG_CHUNK_ROWS : j->height;
  size_t rowbytes = 1 + (size_t)j->width * (j->alpha ? 4u : 3u);
  const unsigned char *rows = j->data ? j->data + (size_t)y0 * (size_t)j->stride : pixels;
  if (!j->data && !j->draw(j->user, worker, pixels, j->stride, y0, y1))
    return false;
  /* deflateReset puts the level's own tuning back. */
  if (deflateReset(z) != Z_OK || deflateTune(z, 4, 6, IM_PNG_NICE_MATCH, 32) != Z_OK ||
      !im_grow((void **)&c->out, &c->cap, rowbytes * (size_t)(y1 - y0) / 16 + 64, 1))
    return false;
  c->adler = adler32(0L, Z_NULL, 0);
  c->bytes = 0;
  for (int y = y0; y < y1; y++) {
    filter_row(j->alpha, j->width, rows + (size_t)(y - y0) * (size_t)j->stride, row);
    c->adler = adler32(c->adler, row, (uInt)rowbytes);
    c->bytes += (z_off_t)rowbytes;
    z->next_in = row;
    z->avail_in = (uInt)rowbytes;
    if (!deflate_step(c, z, Z_NO_FLUSH))
      return false;
  }
  return deflate_step(c, z, index == j->nchunks - 1 ? Z_FINISH : Z_SYNC_FLUSH);
}

/* Takes chunks until none is left (or one fails: then the others are not
 * worth doing). */
static void *work(void *arg) {
  png_worker *w = arg;
  png_job *j = w->job;
  size_t rowbytes = 1 + (size_t)j->width * (j->alpha ? 4u : 3u);
  unsigned char *row = malloc(rowbytes);
  unsigned char *pixels = j->data ? NULL : malloc((size_t)j->stride * IM_PNG_CHUNK_ROWS);
  z_stream z;
  memset(&z, 0, sizeof z);
  /* A raw stream (negative window bits): the header and checksum are
   * written once for all chunks. */
  bool ok = row && (j->data || pixels) &&
            deflateInit2(&z, IM_PNG_LEVEL, Z_DEFLATED, -15, IM_PNG_MEM_LEVEL, Z_DEFAULT_STRATEGY) == Z_OK;
  for (int i; ok && (i = atomic_fetch_add(&j->next, 1)) < j->nchunks;) {
    ok = j->chunks[i].ok = deflate_chunk(j, w->worker, i, &z, row, pixels);
    if (!ok)
      atomic_store(&j->next, j->nchunks);
  }
  if (z.state)
    deflateEnd(&z);
  free(row);
  free(pixels);
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

/* The container round the joined chunks. idat: IM_PNG_IDAT_MAX bytes of
 * scratch. Returns the status. */
static cairo_status_t png_emit(const png_chunk *chunks, int nchunks, unsigned char *idat, int width, int height,
                               bool alpha, double dpi, png_sink *sink) {
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
               alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (dpi > 0) {
    png_uint_32 ppm = (png_uint_32)lround(dpi / 0.0254);
    png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
  }
  png_write_info(png, info);
  /* The zlib header, then the chunks' streams, in IDATs of IM_PNG_IDAT_MAX
   * bytes (the last shorter). CMF 0x78: deflate with a 32 KiB window; FLG:
   * level 3 counts as "default" (FLEVEL 1), check bits so that CMF * 256 + FLG is
   * a multiple of 31. */
  unsigned cmf = 0x78, flg = 1u << 6;
  flg += 31 - (cmf * 256 + flg) % 31;
  idat[0] = (unsigned char)cmf;
  idat[1] = (unsigned char)flg;
  size_t fill = 2;
  for (int i = 0; i < nchunks; i++)
    for (size_t off = 0; off < chunks[i].len;) {
      size_t n = chunks[i].len - off < IM_PNG_IDAT_MAX - fill ? chunks[i].len - off : IM_PNG_IDAT_MAX - fill;
      memcpy(idat + fill, chunks[i].out + off, n);
      fill += n;
      off += n;
      if (fill == IM_PNG_IDAT_MAX) {
        png_write_chunk(png, (png_const_bytep) "IDAT", idat, fill);
        fill = 0;
      }
    }
  if (fill)
    png_write_chunk(png, (png_const_bytep) "IDAT", idat, fill);
  /* png_write_end would refuse: libpng did not see the IDATs go by. */
  png_write_chunk(png, (png_const_bytep) "IEND", NULL, 0);
  png_destroy_write_struct(&png, &info);
  return sink->status;
}

/* The chunks of a w x h image, deflated by the workers, joined and
 * written. data (the whole image) or draw gives the pixels. */
static cairo_status_t write_chunks(const unsigned char *data, im_png_draw_fn draw, void *user, int stride, int w, int h,
                                   bool alpha, double dpi, cairo_write_func_t write, void *closure) {
  png_job j = {.data = data, .draw = draw, .user = user, .stride = stride, .width = w, .height = h, .alpha = alpha};
  j.nchunks = (h + IM_PNG_CHUNK_ROWS - 1) / IM_PNG_CHUNK_ROWS;
  atomic_init(&j.next, 0);
  if (!(j.chunks = calloc((size_t)j.nchunks, sizeof *j.chunks)))
    return CAIRO_STATUS_NO_MEMORY;
  /* Workers after the first on threads of their own, the first on this
   * one; one that cannot start leaves its chunks to the others. */
  int nworkers = j.nchunks < IM_PNG_WORKERS ? j.nchunks : IM_PNG_WORKERS;
  png_worker workers[IM_PNG_WORKERS];
  pthread_t threads[IM_PNG_WORKERS];
  bool started[IM_PNG_WORKERS] = {false};
  for (int i = 0; i < nworkers; i++)
    workers[i] = (png_worker){&j, i};
  for (int i = 1; i < nworkers; i++)
    started[i] = pthread_create(&threads[i], NULL, work, &workers[i]) == 0;
  work(&workers[0]);
  for (int i = 1; i < nworkers; i++)
    if (started[i])
      pthread_join(threads[i], NULL);
  cairo_status_t st = CAIRO_STATUS_SUCCESS;
  for (int i = 0; i < j.nchunks; i++)
    if (!j.chunks[i].ok)
      st = CAIRO_STATUS_NO_MEMORY;
  png_chunk *last = &j.chunks[j.nchunks - 1];
  if (st == CAIRO_STATUS_SUCCESS && !im_grow((void **)&last->out, &last->cap, last->len + 4, 1))
    st = CAIRO_STATUS_NO_MEMORY;
  if (st == CAIRO_STATUS_SUCCESS) {
    uLong adler = j.chunks[0].adler;
    for (int i = 1; i < j.nchunks; i++)
      adler = adler32_combine(adler, j.chunks[i].adler, j.chunks[i].bytes);
    for (int k = 3; k >= 0; k--)
      last->out[last->len++] = (unsigned char)(adler >> (8 * k));
    png_sink sink = {write, closure, CAIRO_STATUS_SUCCESS};
    unsigned char *idat = malloc(IM_PNG_IDAT_MAX);
    st = idat ? png_emit(j.chunks, j.nchunks, idat, w, h, alpha, dpi, &sink) : CAIRO_STATUS_NO_MEMORY;
    free(idat);
  }
  for (int i = 0; i < j.nchunks; i++)
    free(j.chunks[i].out);
  free(j.chunks);
  return st;
}

cairo_status_t im_png_write(cairo_surface_t *image, double dpi, cairo_write_func_t write, void *closure) {
  cairo_surface_flush(image);
  cairo_format_t fmt = cairo_image_surface_get_format(image);
  if (fmt != CAIRO_FORMAT_ARGB32 && fmt != CAIRO_FORMAT_RGB24)
    return CAIRO_STATUS_INVALID_FORMAT;
  int w = cairo_image_surface_get_width(image), h = cairo_image_surface_get_height(image);
  if (w <= 0 || h <= 0)
    return CAIRO_STATUS_INVALID_SIZE;
  return write_chunks(cairo_image_surface_get_data(image), NULL, NULL, cairo_image_surface_get_stride(image), w, h,
                      fmt == CAIRO_FORMAT_ARGB32, dpi, write, closure);
}

int im_png_workers(int height) {
  int n = (height + IM_PNG_CHUNK_ROWS - 1) / IM_PNG_CHUNK_ROWS;
  return n < IM_PNG_WORKERS ? (n > 0 ? n : 1) : IM_PNG_WORKERS;
}

cairo_status_t im_png_write_drawn(int width, int height, cairo_format_t fmt, double dpi, im_png_draw_fn draw,
                                  void *user, cairo_write_func_t write, void *closure) {
  if (fmt != CAIRO_FORMAT_ARGB32 && fmt != CAIRO_FORMAT_RGB24)
    return CAIRO_STATUS_INVALID_FORMAT;
  if (width <= 0 || height <= 0)
    return CAIRO_STATUS_INVALID_SIZE;
  int stride = cairo_format_stride_for_width(fmt, width);
  if (stride <= 0)
    return CAIRO_STATUS_INVALID_SIZE;
  return write_chunks(NULL, draw, user, stride, width, height, fmt == CAIRO_FORMAT_ARGB32, dpi, write, closure);
}
