/* Surfaces and the whole render: page, background, layers, atomic output. */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo-tee.h>
#include <cairo.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/context-private.h"
#include "core/error-private.h"
#include "core/mem-private.h"
#include "output/cmyk-private.h"
#include "furniture/furniture-private.h"
#include "influmap/render.h"
#include "influmap/version.h"
#include "furniture/multiples-private.h"
#include "output/output-private.h"
#include "output/png-private.h"
#include "render/render-private.h"
#include "output/svgtext-private.h"
#include "page/page-private.h"

#define MM_PER_PT (25.4 / 72.0)

im_format im_format_from_path(const char *path) {
  const char *dot = strrchr(path, '.');
  if (!dot || strchr(dot, '/'))
    return IM_FORMAT_AUTO;
  if (!strcasecmp(dot, ".png"))
    return IM_FORMAT_PNG;
  if (!strcasecmp(dot, ".svg"))
    return IM_FORMAT_SVG;
  if (!strcasecmp(dot, ".pdf"))
    return IM_FORMAT_PDF;
  return IM_FORMAT_AUTO;
}

/* Each call below runs in the map's context (core/context-private.h):
 * its warnings, ceilings and cache folder. */

im_status im_map_frame(const im_map *map, const im_render_options *opt, im_frame *out, im_error *err) {
  const im_context *was = im_context_enter(map->ctx);
  im_render_ctx rc;
  im_status st = im_render_ctx_init(&rc, map, opt, false, err);
  if (!st)
    *out = rc.frame;
  im_render_ctx_fini(&rc);
  im_context_leave(was);
  return st;
}

im_status im_map_check(const im_map *map, im_error *err) { return im_map_check_all(map, NULL, err); }

im_status im_map_check_all(const im_map *map, im_error_list *errors, im_error *err) {
  const im_context *was = im_context_enter(map->ctx);
  im_status st = im_render_check_map(map, errors, err);
  if ((!st || (st == IM_STATUS_INPUT && errors)) && map->multiples) {
    im_error e;
    im_error_clear(&e);
    im_status mst = im_multiples_check(map, &e);
    if (mst && errors && mst == IM_STATUS_INPUT && !im_error_list_add(errors, &e))
      mst = im_error_set(&e, IM_STATUS_INTERNAL, map->path, 0, 0, "out of memory");
    if (mst && (!st || mst == IM_STATUS_INTERNAL)) {
      st = mst;
      if (err)
        *err = e;
    }
  }
  im_context_leave(was);
  return st;
}

/* ---- PNG: recorded, then replayed in chunks ----
 *
 * A PNG page is not drawn on an image: it is recorded (one Cairo recording
 * surface per PNG worker thread, all fed at once through a tee surface),
 * and each worker replays its own recording into a buffer of a few rows at
 * a time, the chunks it takes from the PNG encoder, which deflates them as
 * they come (png-private.h). So rasterising, most of a PNG's time, runs on
 * both cores, and the whole picture never sits in memory (2200 x 2400 px
 * would be 21 MB). A replay covers only what crosses the chunk: Cairo
 * indexes the commands by their extents, and its stroker and filler skip
 * edges outside the target. The pixels are those of drawing on one image
 * (the chunks are whole-pixel translations).
 *
 * Why a recording per worker: replaying a recording writes its index of
 * visible commands into the recording itself, so two threads must not
 * replay the same one. A group (cairo_push_group) or an SVG icon becomes,
 * in every recording, a reference to one shared recording of its own; a
 * page that holds one is replayed one chunk at a time (the deflating still
 * runs on both threads). im_render_mark_shared (render/frame.c) notes it on
 * the page. */

enum { REPLAY_MAX = IM_PNG_WORKERS };

/* A recording grows with what is drawn, an image with the page: a marker
 * takes ~800 bytes in each recording (two if outlined), so a million
 * points came to 1.6-3.2 GB of recordings where the image of an A4 page at
 * 300 dpi is 22 MB. What will be drawn is not known before it is, the size
 * of the files drawn is: past IM_PNG_DIRECT_MB, and IM_PNG_DIRECT_RATIO
 * times the image's bytes, the page is drawn on one image instead. The
 * rasterising then runs on one core as the page is drawn, the deflating
 * still on both; the pixels are those of the recordings but for a few
 * glyph edges (a map set's map drawn either way: 24-75 pixels of text
 * differ, by at most 37%). The map set's maps draw 2-23 MB (5-121% of
 * their images), and stay recorded at any resolution. */
#define IM_PNG_DIRECT_MB 64
#define IM_PNG_DIRECT_RATIO 4

typedef struct {
  cairo_surface_t *image;           /* the page drawn on one image; NULL: recorded */
  cairo_surface_t *rec[REPLAY_MAX]; /* one per worker */
  int nrec;
  cairo_format_t fmt;
  int width;
  bool serial; /* the recordings share a group: one chunk at a time */
  pthread_mutex_t lock;
} png_replay;

static bool replay_rows(void *user, int worker, unsigned char *buf, int stride, int y0, int y1) {
  png_replay *r = user;
  cairo_surface_t *s = cairo_image_surface_create_for_data(buf, r->fmt, r->width, y1 - y0, stride);
  cairo_t *cr = cairo_create(s);
  if (r->serial)
    pthread_mutex_lock(&r->lock);
  /* SOURCE: Cairo replays the recording straight onto the buffer. */
  cairo_set_source_surface(cr, r->rec[worker < r->nrec ? worker : 0], 0, -y0);
  cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint(cr);
  if (r->serial)
    pthread_mutex_unlock(&r->lock);
  return im_page_chunk_done(cr, s);
}

/* page-private.h */
bool im_page_chunk_done(cairo_t *cr, cairo_surface_t *s) {
  bool ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS;
  cairo_destroy(cr);
  cairo_surface_flush(s);
  ok = ok && cairo_surface_status(s) == CAIRO_STATUS_SUCCESS;
  cairo_surface_destroy(s);
  return ok;
}

static cairo_format_t png_format(const im_map *map) {
  return map->background.a < 1 ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24;
}

/* page-private.h */
bool im_page_png_direct(const im_map *map, const im_frame *f) {
  int stride = cairo_format_stride_for_width(png_format(map), f->width_px);
  if (stride <= 0 || f->height_px <= 0)
    return false;
  uint64_t image = (uint64_t)stride * (uint64_t)f->height_px, drawn = im_map_source_bytes(map);
  return drawn > (uint64_t)IM_PNG_DIRECT_MB << 20 && drawn / IM_PNG_DIRECT_RATIO > image;
}

/* The page of a PNG: one image (im_page_png_direct), or a recording per
 * worker behind a tee (one worker: the recording itself). */
static cairo_surface_t *create_png_page(const im_map *map, const im_frame *f, png_replay *r) {
  if (im_page_png_direct(map, f)) {
    r->image = cairo_image_surface_create(png_format(map), f->width_px, f->height_px);
    return cairo_surface_reference(r->image);
  }
  cairo_rectangle_t ext = {0, 0, f->width_px, f->height_px};
  r->nrec = im_png_workers(f->height_px);
  if (r->nrec > REPLAY_MAX)
    r->nrec = REPLAY_MAX;
  for (int i = 0; i < r->nrec; i++)
    r->rec[i] = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &ext);
  if (r->nrec == 1)
    return cairo_surface_reference(r->rec[0]);
  cairo_surface_t *tee = cairo_tee_surface_create(r->rec[0]);
  for (int i = 1; i < r->nrec; i++)
    cairo_tee_surface_add(tee, r->rec[i]);
  return tee;
}

static cairo_status_t write_png_page(cairo_surface_t *page, png_replay *r, const im_render_ctx *rc, im_output *out) {
  cairo_surface_flush(page);
  if (r->image)
    return cairo_surface_status(r->image) != CAIRO_STATUS_SUCCESS
               ? cairo_surface_status(r->image)
               : im_png_write(r->image, rc->frame.dpi, im_output_write, out);
  for (int i = 0; i < r->nrec; i++)
    if (cairo_surface_status(r->rec[i]) != CAIRO_STATUS_SUCCESS)
      return cairo_surface_status(r->rec[i]);
  r->fmt = png_format(rc->map);
  r->width = rc->frame.width_px;
  r->serial = im_render_is_shared(page);
  if (pthread_mutex_init(&r->lock, NULL))
    return CAIRO_STATUS_NO_MEMORY;
  cairo_status_t cs = im_png_write_drawn(rc->frame.width_px, rc->frame.height_px, r->fmt, rc->frame.dpi, replay_rows, r,
                                         im_output_write, out);
  pthread_mutex_destroy(&r->lock);
  return cs;
}

static cairo_surface_t *create_surface(im_format fmt, const im_render_ctx *rc, im_output *o, im_svg_doc *svg,
                                       png_replay *png) {
  const im_frame *f = &rc->frame;
  cairo_surface_t *s = NULL;
  switch (fmt) {
  case IM_FORMAT_PNG:
    s = create_png_page(rc->map, f, png);
    break;
  case IM_FORMAT_SVG:
    /* Made in points, so the drawing needs no transformation (Cairo then
     * writes each path once, in page coordinates, with short fixed-point
     * numbers); im_svg_doc_emit gives the width and height in millimetres,
     * so the figure has its physical size when placed in a document. */
    s = cairo_svg_surface_create_for_stream(im_svg_doc_collect, svg, f->width_pt, f->height_pt);
    cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PT);
    break;
  default:
    s = cairo_pdf_surface_create_for_stream(im_output_write, o, f->width_pt, f->height_pt);
    /* Fixed metadata: the same input gives the same bytes. Title, subject
     * and keywords are set once the map is drawn (Cairo writes them when
     * the surface finishes). */
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "influmap " IM_VERSION_STRING);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
    break;
  }
  return s;
}

/* page-private.h */
im_status im_page_draw_map(im_render_ctx *rc, const im_render_options *opt, im_render_background bg, const char *name,
                           im_error *err) {
  bool opaque = bg == IM_BACKGROUND_PAGE_OPAQUE;
  /* Small multiples: a grid of panels sharing one legend (multiples.c). */
  if (rc->map->multiples) {
    /* --timings: the panels are not timed one by one; all of it is drawing. */
    im_render_lap(rc, &rc->times.setup);
    im_status st = im_multiples_draw(&rc->page, opt, opaque, name, err);
    im_render_lap(rc, &rc->times.draw);
    return st;
  }
  im_render_draw_opts o = {.background = bg, .overlay = &im_furniture_overlay, .strict = opt && opt->strict};
  im_status st = im_render_draw(rc, &o, err);
  if (st)
    return st;
  if (opt && opt->stats) {
    im_render_stats *out = opt->stats;
    *out = (im_render_stats){
        .scale_denominator = rc->scale_denominator, .on_dropped_label = out->on_dropped_label, .user = out->user};
    im_render_add_stats(rc, out, out);
  }
  if (cairo_status(rc->cr) != CAIRO_STATUS_SUCCESS)
    return im_error_set(err, IM_STATUS_INTERNAL, name, 0, 0, "drawing failed: %s",
                        cairo_status_to_string(cairo_status(rc->cr)));
  return IM_STATUS_OK;
}

static im_status cmyk_convert(const char *in_path, const char *out_path, void *user, im_error *err) {
  return im_cmyk_convert(in_path, out_path, user, err);
}

/* Where a render goes: a path, or a write function (path NULL). */
typedef struct {
  const char *path;
  im_format format; /* a write function's */
  im_write_fn write;
  void *user;
} render_target;

/* One render of map to the target. When the numbered key did not fit its
 * margin, *key_short is how many points it lacked and *key_side which
 * margin (furniture/key.c); else 0, and nothing was written: a PNG and an
 * SVG are written once the page is drawn, and a PDF, whose bytes start
 * while it is drawn, is held in memory when it goes to a stream or a
 * device (im_output_hold), so an attempt that fails can be made again. */
static im_status render_once(const im_map *map, const render_target *t, const im_render_options *opt, double *key_short,
                             int *key_side, im_error *err) {
  const char *out_path = t->path;
  im_format fmt = !out_path ? t->format : opt && opt->format ? opt->format : im_format_from_path(out_path);
  if (fmt == IM_FORMAT_AUTO)
    return im_error_set(err, IM_STATUS_USAGE, out_path, 0, 0,
                        out_path ? "cannot tell the format from the name: use .png, .svg or .pdf, or --format"
                                 : "a stream needs a format: PNG, SVG or PDF");
  im_render_ctx rc;
  im_status st = im_render_ctx_init(&rc, map, opt, fmt != IM_FORMAT_PNG, err);
  if (st) {
    im_render_ctx_fini(&rc);
    return st;
  }
  bool cmyk = opt && opt->cmyk;
  if (cmyk && fmt != IM_FORMAT_PDF) {
    im_render_ctx_fini(&rc);
    return im_error_set(err, IM_STATUS_USAGE, out_path, 0, 0, "--cmyk makes PDFs only: write to a .pdf");
  }
  /* Before drawing, not after: a long render should not end in this. */
  if (cmyk && !out_path) {
    im_render_ctx_fini(&rc);
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0,
                        "--cmyk converts a file with Ghostscript: write the PDF to a file, not a stream");
  }
  if (cmyk && !im_cmyk_available()) {
    im_render_ctx_fini(&rc);
    return im_error_set(err, IM_STATUS_IO, NULL, 0, 0, IM_CMYK_NEEDS_GS);
  }
  /* The spec, a source, an icon...: a slip of -o (or an output template)
   * must not replace what the map is made from. */
  if (out_path && im_map_reads_file(map, out_path)) {
    im_render_ctx_fini(&rc);
    return im_error_set(err, IM_STATUS_USAGE, out_path, 0, 0,
                        "is one of the files this map is read from; write the map to another file");
  }
  /* Nothing touches the output's folder before the inputs are known good;
   * from here on, a failure removes only our temporary file. */
  im_output out;
  if (!out_path)
    im_output_open_sink(&out, t->write, t->user);
  else if ((st = im_output_open(&out, out_path, err))) {
    im_render_ctx_fini(&rc);
    return st;
  }
  if (cmyk && !im_output_is_file(&out)) {
    im_output_abort(&out);
    im_render_ctx_fini(&rc);
    return im_error_set(err, IM_STATUS_USAGE, out_path, 0, 0,
                        "--cmyk converts a file with Ghostscript: it cannot write to a device or a pipe");
  }
  if (fmt == IM_FORMAT_PDF)
    im_output_hold(&out);
  im_svg_doc svg = {0};
  im_output_meta meta = {0};
  png_replay png = {0};
  cairo_surface_t *surface = create_surface(fmt, &rc, &out, &svg, &png);
  cairo_t *cr = cairo_create(surface);
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
    st = im_error_set(err, IM_STATUS_INTERNAL, out_path, 0, 0, "cannot create the drawing surface: %s",
                      cairo_status_to_string(cairo_status(cr)));
    cairo_destroy(cr);
    goto done;
  }
  if ((st = im_render_ctx_attach(&rc, cr, NULL, err)))
    goto done;
  if (fmt == IM_FORMAT_SVG && opt && opt->svg_text)
    im_labeler_set_text_sink(rc.labeler, im_svg_doc_add_text, &svg);
  if ((st = im_page_draw_map(&rc, opt, fmt == IM_FORMAT_PNG ? IM_BACKGROUND_PAGE_OPAQUE : IM_BACKGROUND_PAGE,
                             out_path ? out_path : map->path, err))) {
    if (rc.page.furniture) {
      *key_short = rc.page.furniture->key_short_pt;
      *key_side = rc.page.furniture->key_side;
    }
    goto done;
  }
  /* Accessibility: what the map is, for screen readers and catalogues. */
  if (!im_output_meta_init(&meta, map, im_crs_name(rc.map_crs), rc.period_from, rc.period_to)) {
    st = im_error_set(err, IM_STATUS_INTERNAL, out_path, 0, 0, "out of memory");
    goto done;
  }
  cairo_status_t cs;
  im_render_ctx_drop_scratch(&rc);
  if (fmt == IM_FORMAT_PNG) {
    cs = write_png_page(surface, &png, &rc, &out);
  } else {
    if (fmt == IM_FORMAT_PDF) {
      cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, meta.title);
      cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, meta.description);
      cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_KEYWORDS, meta.keywords);
    }
    cairo_surface_finish(surface);
    cs = cairo_surface_status(surface);
    if (cs == CAIRO_STATUS_SUCCESS && fmt == IM_FORMAT_SVG)
      cs = im_svg_doc_emit(&svg, meta.title, meta.description, MM_PER_PT, im_output_write, &out);
  }
  if (cs != CAIRO_STATUS_SUCCESS) {
    st = im_error_set(err, IM_STATUS_IO, out_path, 0, 0, "cannot write: %s",
                      out.sink_failed   ? "the write function failed"
                      : out.write_errno ? strerror(out.write_errno)
                                        : cairo_status_to_string(cs));
    goto done;
  }
  /* Ghostscript reads the finished RGB PDF and writes the CMYK one; both
   * are temporary files until the rename in im_output_commit. */
  if (cmyk)
    st = im_output_convert(&out, cmyk_convert, (void *)out_path, err);
done:
  cairo_destroy(rc.cr);
  rc.cr = NULL;
  /* Finishing a vector surface writes through out: do it before closing. */
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  for (int i = 0; i < png.nrec; i++)
    cairo_surface_destroy(png.rec[i]);
  if (png.image)
    cairo_surface_destroy(png.image);
  im_svg_doc_fini(&svg);
  im_output_meta_free(&meta);
  if (st)
    im_output_abort(&out);
  else
    st = im_output_commit(&out, err);
  im_render_lap(&rc, &rc.times.encode);
  im_render_ctx_fini(&rc);
  return st;
}

im_status im_page_fit_key(const im_map *map, const im_render_options *opt, im_page_attempt_fn attempt, void *user,
                          im_error *err) {
  double key_short = 0;
  int side = 0;
  im_status st = attempt(map, user, &key_short, &side, err);
  if (!st || !(key_short > 0) || !map->furniture)
    return st;
  im_furniture fu = *map->furniture;
  im_map grown = *map; /* shallow: read only, nothing of it is freed */
  grown.furniture = &fu;
  double dpi = opt && opt->dpi > 0 ? opt->dpi : map->dpi;
  for (int n = 0; n < 3 && st && key_short > 0; n++) {
    double m[4];
    im_furniture_margins_pt(&fu, dpi, &m[0], &m[1], &m[2], &m[3]);
    im_length *len[4] = {&fu.margins.top, &fu.margins.right, &fu.margins.bottom, &fu.margins.left};
    /* A point more than it lacked: the new frame's edges are rounded. */
    *len[side] = (im_length){m[side] + key_short + 1, IM_UNIT_PT};
    key_short = 0;
    im_error_clear(err);
    st = attempt(&grown, user, &key_short, &side, err);
  }
  return st;
}

typedef struct {
  const render_target *t;
  const im_render_options *opt;
} render_attempt;

static im_status render_attempt_once(const im_map *map, void *user, double *key_short, int *key_side, im_error *err) {
  const render_attempt *a = user;
  return render_once(map, a->t, a->opt, key_short, key_side, err);
}

/* The page to its target, the numbered key given room (im_page_fit_key).
 * Nothing of a failed attempt reaches the target. */
static im_status render_fitted(const im_map *map, const render_target *t, const im_render_options *opt, im_error *err) {
  render_attempt a = {t, opt};
  return im_page_fit_key(map, opt, render_attempt_once, &a, err);
}

im_status im_map_render(const im_map *map, const char *out_path, const im_render_options *opt, im_error *err) {
  const im_context *was = im_context_enter(map->ctx);
  render_target t = {.path = out_path};
  im_status st = render_fitted(map, &t, opt, err);
  im_context_leave(was);
  return st;
}

im_status im_map_render_to_stream(const im_map *map, im_format format, im_write_fn write, void *user,
                                  const im_render_options *opt, im_error *err) {
  if (!write)
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "no write function");
  const im_context *was = im_context_enter(map->ctx);
  render_target t = {.format = format, .write = write, .user = user};
  im_status st = render_fitted(map, &t, opt, err);
  im_context_leave(was);
  return st;
}
