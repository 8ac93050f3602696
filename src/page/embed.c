/* A map drawn into a box of a host's Cairo context: a report pipeline's
 * page, a PDF of its own, an image. The map is laid out as on a page the
 * size of the box and recorded (a Cairo recording surface); only a
 * finished recording reaches the host, painted once, over what the host
 * has drawn and clipped to the box. Recording first is what lets a
 * numbered key that outgrew its margin be laid out again (as im_map_render
 * does), leaves the host's page untouched when the render fails, and keeps
 * the layout (Pango's metrics) independent of the host's surface and font
 * options. A recording painted on a vector surface stays vector (a PDF
 * form, SVG elements); on an image it is replayed at the host's
 * resolution. */
#include <cairo.h>
#include <math.h>
#include <stdlib.h>

#include "core/context-private.h"
#include "furniture/furniture-private.h"
#include "page/page-private.h"

/* One layout of map on a page of w x h points into a new recording (*out).
 * When the numbered key did not fit its margin, *key_short is how many
 * points it lacked and *key_side which margin (furniture/key.c). */
static im_status record(const im_map *map, double w, double h, const im_render_options *opt, cairo_surface_t **out,
                        double *key_short, int *key_side, im_error *err) {
  im_render_options o = opt ? *opt : (im_render_options){0};
  o.has_size = true;
  o.width = (im_length){w, IM_UNIT_PT};
  o.height = (im_length){h, IM_UNIT_PT};
  o.format = IM_FORMAT_PDF;
  o.svg_text = o.cmyk = false;
  *out = NULL;
  im_render_ctx rc;
  im_status st = im_render_ctx_init(&rc, map, &o, true, err);
  if (!st) {
    cairo_rectangle_t ext = {0, 0, rc.dev_w, rc.dev_h};
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &ext);
    cairo_t *cr = cairo_create(rec);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
      st = im_error_set(err, IM_STATUS_INTERNAL, map->path, 0, 0, "cannot record the map: %s",
                        cairo_status_to_string(cairo_status(cr)));
    if (!st)
      st = im_render_ctx_attach(&rc, cr, NULL, err);
    if (!st) {
      rc.page.over_host = true;
      st = im_page_draw_map(&rc, &o, IM_BACKGROUND_PAGE_OVER, map->path, err);
    }
    if (st && rc.page.furniture) {
      *key_short = rc.page.furniture->key_short_pt;
      *key_side = rc.page.furniture->key_side;
    }
    im_render_ctx_detach(&rc);
    cairo_destroy(cr);
    cairo_surface_flush(rec);
    if (!st && cairo_surface_status(rec) != CAIRO_STATUS_SUCCESS)
      st = im_error_set(err, IM_STATUS_INTERNAL, map->path, 0, 0, "cannot record the map: %s",
                        cairo_status_to_string(cairo_surface_status(rec)));
    if (st)
      cairo_surface_destroy(rec);
    else
      *out = rec;
  }
  im_render_ctx_fini(&rc);
  return st;
}

typedef struct {
  double w, h;
  const im_render_options *opt;
  cairo_surface_t **out;
} record_attempt;

static im_status record_attempt_once(const im_map *map, void *user, double *key_short, int *key_side, im_error *err) {
  const record_attempt *a = user;
  return record(map, a->w, a->h, a->opt, a->out, key_short, key_side, err);
}

/* The recording of map at w x h, the numbered key given room as
 * im_map_render gives it (im_page_fit_key). */
static im_status record_fitted(const im_map *map, double w, double h, const im_render_options *opt,
                               cairo_surface_t **out, im_error *err) {
  record_attempt a = {w, h, opt, out};
  return im_page_fit_key(map, opt, record_attempt_once, &a, err);
}

/* Cairo 1.16's SVG surface, when a source it still refers to is destroyed
 * before it finishes, takes a snapshot of it and never frees the snapshot
 * (LeakSanitizer, test_embed). On an SVG host the recording is kept with
 * the host's surface instead and goes when that surface goes, after it
 * has finished. The key of each kept recording is its own address: one
 * surface may hold several maps. */
typedef struct {
  cairo_user_data_key_t key;
  cairo_surface_t *rec;
} kept_recording;

static void kept_free(void *p) {
  kept_recording *k = p;
  cairo_surface_destroy(k->rec);
  free(k);
}

static void release(cairo_t *cr, cairo_surface_t *rec) {
  cairo_surface_t *target = cairo_get_target(cr);
  if (cairo_surface_get_type(target) == CAIRO_SURFACE_TYPE_SVG) {
    kept_recording *k = malloc(sizeof *k);
    if (k) {
      k->rec = rec;
      if (cairo_surface_set_user_data(target, &k->key, k, kept_free) == CAIRO_STATUS_SUCCESS)
        return;
      free(k);
    }
  }
  cairo_surface_destroy(rec);
}

im_status im_map_render_to_box(const im_map *map, cairo_t *cr, double x, double y, double w, double h,
                               const im_render_options *opt, im_error *err) {
  if (!cr || cairo_status(cr) != CAIRO_STATUS_SUCCESS)
    return im_error_set(err, IM_STATUS_USAGE, map->path, 0, 0, "the host's Cairo context is in error: %s",
                        cr ? cairo_status_to_string(cairo_status(cr)) : "none given");
  if (!(w > 0) || !(h > 0) || !isfinite(x + y + w + h))
    return im_error_set(err, IM_STATUS_USAGE, map->path, 0, 0, "the box %g x %g at %g, %g has no area", w, h, x, y);
  cairo_surface_t *rec;
  const im_context *was = im_context_enter(map->ctx);
  im_status st = record_fitted(map, w, h, opt, &rec, err);
  im_context_leave(was);
  if (st)
    return st;
  /* cairo_save keeps the host's matrix, source, clip, operator, line and
   * font settings, but not its path: that is kept apart. */
  cairo_path_t *path = cairo_copy_path(cr);
  cairo_save(cr);
  cairo_new_path(cr);
  cairo_translate(cr, x, y);
  cairo_rectangle(cr, 0, 0, w, h);
  cairo_clip(cr);
  cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
  cairo_set_source_surface(cr, rec, 0, 0);
  cairo_paint(cr);
  cairo_status_t cs = cairo_status(cr);
  cairo_restore(cr);
  cairo_new_path(cr);
  if (path && path->status == CAIRO_STATUS_SUCCESS)
    cairo_append_path(cr, path);
  cairo_path_destroy(path);
  release(cr, rec);
  if (cs != CAIRO_STATUS_SUCCESS)
    return im_error_set(err, IM_STATUS_INTERNAL, map->path, 0, 0, "drawing failed: %s", cairo_status_to_string(cs));
  return IM_STATUS_OK;
}

im_status im_map_render_to_cairo(const im_map *map, cairo_t *cr, const im_render_options *opt, im_error *err) {
  im_frame f;
  im_status st = im_map_frame(map, opt, &f, err);
  return st ? st : im_map_render_to_box(map, cr, 0, 0, f.width_pt, f.height_pt, opt, err);
}
