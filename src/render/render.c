/* Surfaces and the whole render: page, background, layers, atomic output. */
#define _GNU_SOURCE /* memmem */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/mem-private.h"
#include "influmap/influmap.h"
#include "output-private.h"
#include "render-private.h"

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

/* Cairo numbers SVG surfaces with a counter global to the process, so the
 * second render in one process would write id="surface31" where the first
 * wrote id="surface26". The SVG is collected in memory and those ids are
 * renumbered in order of first appearance before it is written out. */
typedef struct {
  char *data;
  size_t len, cap;
  bool failed;
} svg_buffer;

static cairo_status_t svg_buffer_write(void *closure, const unsigned char *data, unsigned int length) {
  svg_buffer *b = closure;
  if (b->failed || !im_grow((void **)&b->data, &b->cap, b->len + length + 1, 1)) {
    b->failed = true;
    return CAIRO_STATUS_NO_MEMORY;
  }
  memcpy(b->data + b->len, data, length);
  b->len += length;
  return CAIRO_STATUS_SUCCESS;
}

static cairo_status_t svg_write_renumbered(const svg_buffer *b, im_output *o) {
  static const char key[] = "surface";
  const size_t klen = sizeof key - 1;
  unsigned long *seen = NULL;
  size_t nseen = 0, cap = 0;
  const char *p = b->data, *end = b->data + b->len, *flushed = p;
  cairo_status_t st = CAIRO_STATUS_SUCCESS;
  while (st == CAIRO_STATUS_SUCCESS && (p = memmem(p, (size_t)(end - p), key, klen))) {
    const char *digits = p + klen, *q = digits;
    while (q < end && *q >= '0' && *q <= '9')
      q++;
    if (q == digits || q - digits > 9) {
      p = q;
      continue;
    }
    unsigned long id = strtoul(digits, NULL, 10);
    size_t k;
    for (k = 0; k < nseen && seen[k] != id; k++)
      ;
    if (k == nseen) {
      if (!im_grow((void **)&seen, &cap, nseen + 1, sizeof *seen)) {
        st = CAIRO_STATUS_NO_MEMORY;
        break;
      }
      seen[nseen++] = id;
    }
    char num[32];
    int n = snprintf(num, sizeof num, "%zu", k + 1);
    st = im_output_write(o, (const unsigned char *)flushed, (unsigned)(digits - flushed));
    if (st == CAIRO_STATUS_SUCCESS)
      st = im_output_write(o, (const unsigned char *)num, (unsigned)n);
    flushed = p = q;
  }
  if (st == CAIRO_STATUS_SUCCESS)
    st = im_output_write(o, (const unsigned char *)flushed, (unsigned)(end - flushed));
  free(seen);
  return st;
}

im_status im_map_frame(const im_map *map, const im_render_options *opt, im_frame *out, im_error *err) {
  im_render_ctx rc;
  im_status st = im_render_ctx_init(&rc, map, opt, false, err);
  if (!st)
    *out = rc.frame;
  im_render_ctx_fini(&rc);
  return st;
}

im_status im_map_check(const im_map *map, im_error *err) {
  im_render_ctx rc;
  im_status st = im_render_ctx_init(&rc, map, NULL, true, err);
  for (size_t i = 0; i < map->nlayers && !st; i++)
    st = im_render_check_layer(&rc, &map->layers[i], err);
  im_render_ctx_fini(&rc);
  return st;
}

static cairo_surface_t *create_surface(im_format fmt, const im_render_ctx *rc, im_output *o, svg_buffer *svg) {
  const im_frame *f = &rc->frame;
  cairo_surface_t *s = NULL;
  switch (fmt) {
  case IM_FORMAT_PNG:
    s = cairo_image_surface_create(rc->map->background.a < 1 ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24,
                                   f->width_px, f->height_px);
    break;
  case IM_FORMAT_SVG:
    /* Width and height in millimetres, so the figure has its physical size
     * when placed in a document. Cairo 1.16 writes the numbers it was given
     * followed by the unit, so it is given millimetres, and the drawing (in
     * points) is scaled to them: see im_map_render. */
    s = cairo_svg_surface_create_for_stream(svg_buffer_write, svg, f->width_pt * MM_PER_PT,
                                            f->height_pt * MM_PER_PT);
    cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_MM);
    break;
  default:
    s = cairo_pdf_surface_create_for_stream(im_output_write, o, f->width_pt, f->height_pt);
    /* Fixed metadata: the same input gives the same bytes. */
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "influmap " IM_VERSION_STRING);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
    if (rc->map->title)
      cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, rc->map->title);
    break;
  }
  return s;
}

im_status im_map_render(const im_map *map, const char *out_path, const im_render_options *opt, im_error *err) {
  im_format fmt = opt && opt->format ? opt->format : im_format_from_path(out_path);
  if (fmt == IM_FORMAT_AUTO)
    return im_error_set(err, IM_STATUS_USAGE, out_path, 0, 0,
                        "cannot tell the format from the name: use .png, .svg or .pdf, or --format");
  im_render_ctx rc;
  im_status st = im_render_ctx_init(&rc, map, opt, fmt != IM_FORMAT_PNG, err);
  if (st) {
    im_render_ctx_fini(&rc);
    return st;
  }
  /* Nothing touches the output's folder before the inputs are known good;
   * from here on, a failure removes only our temporary file. */
  im_output out;
  if ((st = im_output_open(&out, out_path, err))) {
    im_render_ctx_fini(&rc);
    return st;
  }
  svg_buffer svg = {0};
  cairo_surface_t *surface = create_surface(fmt, &rc, &out, &svg);
  rc.cr = cairo_create(surface);
  if (cairo_status(rc.cr) != CAIRO_STATUS_SUCCESS) {
    st = im_error_set(err, IM_STATUS_INTERNAL, out_path, 0, 0, "cannot create the drawing surface: %s",
                      cairo_status_to_string(cairo_status(rc.cr)));
    goto done;
  }
  if (fmt == IM_FORMAT_SVG)
    cairo_scale(rc.cr, MM_PER_PT, MM_PER_PT);
  if (fmt == IM_FORMAT_PNG || map->background.a > 0) {
    cairo_set_source_rgba(rc.cr, map->background.r, map->background.g, map->background.b, map->background.a);
    cairo_set_operator(rc.cr, CAIRO_OPERATOR_SOURCE);
    cairo_paint(rc.cr);
    cairo_set_operator(rc.cr, CAIRO_OPERATOR_OVER);
  }
  rc.labeler = im_labeler_create(rc.cr, rc.dev_w, rc.dev_h, rc.dev_per_pt, rc.frame.dpi);
  if (!rc.labeler) {
    st = im_error_set(err, IM_STATUS_INTERNAL, out_path, 0, 0, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < map->nlayers && !st; i++) {
    rc.layer_index = i;
    st = im_render_layer(&rc, &map->layers[i], err);
  }
  if (st)
    goto done;
  /* Labels of every layer compete for space together, on top. */
  if (!im_labeler_place(rc.labeler)) {
    st = im_error_set(err, IM_STATUS_INTERNAL, out_path, 0, 0, "out of memory placing labels");
    goto done;
  }
  im_labeler_draw(rc.labeler, rc.cr);
  if (opt && opt->stats) {
    im_label_stats ls = im_labeler_stats(rc.labeler);
    *opt->stats = (im_render_stats){ls.candidates, ls.placed, ls.dropped, ls.with_leader, rc.scale_denominator};
  }
  if (cairo_status(rc.cr) != CAIRO_STATUS_SUCCESS) {
    st = im_error_set(err, IM_STATUS_INTERNAL, out_path, 0, 0, "drawing failed: %s",
                      cairo_status_to_string(cairo_status(rc.cr)));
    goto done;
  }
  cairo_status_t cs;
  if (fmt == IM_FORMAT_PNG) {
    cairo_surface_flush(surface);
    cs = cairo_surface_write_to_png_stream(surface, im_output_write, &out);
  } else {
    cairo_surface_finish(surface);
    cs = cairo_surface_status(surface);
    if (cs == CAIRO_STATUS_SUCCESS && fmt == IM_FORMAT_SVG)
      cs = svg.failed ? CAIRO_STATUS_NO_MEMORY : svg_write_renumbered(&svg, &out);
  }
  if (cs != CAIRO_STATUS_SUCCESS) {
    st = im_error_set(err, IM_STATUS_IO, out_path, 0, 0, "cannot write: %s",
                      out.write_errno ? strerror(out.write_errno) : cairo_status_to_string(cs));
    goto done;
  }
done:
  cairo_destroy(rc.cr);
  rc.cr = NULL;
  /* Finishing a vector surface writes through out: do it before closing. */
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  free(svg.data);
  if (st)
    im_output_abort(&out);
  else
    st = im_output_commit(&out, err);
  im_render_ctx_fini(&rc);
  return st;
}
