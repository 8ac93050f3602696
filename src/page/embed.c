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
 * resolution, in bands on two threads where it can be (below). */
#include <cairo-tee.h>
#include <cairo.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/context-private.h"
#include "furniture/furniture-private.h"
#include "output/png-private.h"
#include "page/page-private.h"

/* What a box was recorded into: one recording, or one per replaying thread
 * fed at once through a tee (replaying a recording writes its index into
 * it, so two threads must not replay the same one; page/page.c). shared:
 * the map drew a group or an icon, which every recording refers to, so
 * replays run one at a time. */
enum { BOX_RECS = IM_PNG_WORKERS };
typedef struct {
  cairo_surface_t *rec[BOX_RECS];
  int n;
  bool shared;
} box_recording;

static void box_recording_free(box_recording *b) {
  for (int i = 0; i < b->n; i++)
    cairo_surface_destroy(b->rec[i]);
  b->n = 0;
}

/* One layout of map on a page of w x h points into n new recordings
 * (n <= BOX_RECS). When the numbered key did not fit its margin,
 * *key_short is how many points it lacked and *key_side which margin
 * (furniture/key.c). */
static im_status record(const im_map *map, double w, double h, const im_render_options *opt, int n, box_recording *out,
                        double *key_short, int *key_side, im_error *err) {
  im_render_options o = opt ? *opt : (im_render_options){0};
  o.has_size = true;
  o.width = (im_length){w, IM_UNIT_PT};
  o.height = (im_length){h, IM_UNIT_PT};
  o.format = IM_FORMAT_PDF;
  o.svg_text = o.cmyk = false;
  out->n = 0;
  out->shared = false;
  im_render_ctx rc;
  im_status st = im_render_ctx_init(&rc, map, &o, true, err);
  if (!st) {
    cairo_rectangle_t ext = {0, 0, rc.dev_w, rc.dev_h};
    for (int i = 0; i < n; i++)
      out->rec[out->n++] = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &ext);
    cairo_surface_t *page = cairo_surface_reference(out->rec[0]);
    if (n > 1) {
      cairo_surface_destroy(page);
      page = cairo_tee_surface_create(out->rec[0]);
      for (int i = 1; i < n; i++)
        cairo_tee_surface_add(page, out->rec[i]);
    }
    cairo_t *cr = cairo_create(page);
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
    cairo_surface_flush(page);
    out->shared = im_render_is_shared(page);
    cairo_status_t cs = cairo_surface_status(page);
    for (int i = 0; i < out->n; i++)
      if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(out->rec[i]);
    cairo_surface_destroy(page);
    if (!st && cs != CAIRO_STATUS_SUCCESS)
      st = im_error_set(err, IM_STATUS_INTERNAL, map->path, 0, 0, "cannot record the map: %s",
                        cairo_status_to_string(cs));
    if (st)
      box_recording_free(out);
  }
  im_render_ctx_fini(&rc);
  return st;
}

typedef struct {
  double w, h;
  const im_render_options *opt;
  int n;
  box_recording *out;
} record_attempt;

static im_status record_attempt_once(const im_map *map, void *user, double *key_short, int *key_side, im_error *err) {
  const record_attempt *a = user;
  return record(map, a->w, a->h, a->opt, a->n, a->out, key_short, key_side, err);
}

/* The recording of map at w x h, the numbered key given room as
 * im_map_render gives it (im_page_fit_key). */
static im_status record_fitted(const im_map *map, double w, double h, const im_render_options *opt, int n,
                               box_recording *out, im_error *err) {
  record_attempt a = {w, h, opt, n, out};
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

/* ---- An image host: the recording replayed in bands on two threads ----
 *
 * Painting a recording onto an image re-rasterises every command at the
 * host's resolution, most of a box's time; on the calling thread alone a
 * box on an image took ~1.4x a PNG file's wall time, which rasterises on
 * two threads (page/page.c). So where the host's pixels can be addressed
 * directly -- the context draws on an ARGB32 or RGB24 image, not into a
 * group, without device offset or scale, its matrix without rotation or
 * shear and its clip whole pixels (Cairo can list it as rectangles) --
 * the box's rows are cut into chunks of IM_PNG_CHUNK_ROWS, each replayed
 * through its own image over those rows of the host's buffer, by the
 * threads in turn. A chunk's device space is the host's moved by whole
 * rows, so the pixels are those of one paint over the whole box. Any other
 * host is painted on the calling thread. */

typedef struct {
  box_recording *rec;
  unsigned char *data;
  int stride, width;
  cairo_format_t fmt;
  int y_begin, y_end;           /* device rows the box covers */
  cairo_matrix_t matrix;        /* the host's user space to its pixels */
  cairo_rectangle_list_t *clip; /* the host's clip, in its user space */
  cairo_antialias_t antialias;
  double x, y, w, h;    /* the box in the host's user space */
  pthread_mutex_t lock; /* next, failed; replays when shared */
  int next;
  bool failed;
} band_job;

static bool paint_band(band_job *j, int worker, int y0, int y1) {
  cairo_surface_t *s = cairo_image_surface_create_for_data(j->data + (size_t)y0 * (size_t)j->stride, j->fmt, j->width,
                                                           y1 - y0, j->stride);
  cairo_t *cr = cairo_create(s);
  cairo_matrix_t m = j->matrix;
  m.y0 -= y0;
  cairo_set_matrix(cr, &m);
  cairo_set_antialias(cr, j->antialias);
  for (int i = 0; i < j->clip->num_rectangles; i++) {
    const cairo_rectangle_t *r = &j->clip->rectangles[i];
    cairo_rectangle(cr, r->x, r->y, r->width, r->height);
  }
  cairo_clip(cr);
  cairo_translate(cr, j->x, j->y);
  cairo_rectangle(cr, 0, 0, j->w, j->h);
  cairo_clip(cr);
  cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
  if (j->rec->shared)
    pthread_mutex_lock(&j->lock);
  cairo_set_source_surface(cr, j->rec->rec[worker < j->rec->n ? worker : 0], 0, 0);
  cairo_paint(cr);
  if (j->rec->shared)
    pthread_mutex_unlock(&j->lock);
  return im_page_chunk_done(cr, s);
}

typedef struct {
  band_job *job;
  int worker;
} band_worker;

static void *band_run(void *p) {
  band_worker *bw = p;
  band_job *j = bw->job;
  for (;;) {
    pthread_mutex_lock(&j->lock);
    int y0 = j->next;
    j->next += IM_PNG_CHUNK_ROWS;
    bool stop = j->failed || y0 >= j->y_end;
    pthread_mutex_unlock(&j->lock);
    if (stop)
      return NULL;
    int y1 = y0 + IM_PNG_CHUNK_ROWS < j->y_end ? y0 + IM_PNG_CHUNK_ROWS : j->y_end;
    if (!paint_band(j, bw->worker, y0, y1)) {
      pthread_mutex_lock(&j->lock);
      j->failed = true;
      pthread_mutex_unlock(&j->lock);
    }
  }
}

/* How many threads a box on the host behind cr is replayed on: 1 when its
 * pixels cannot be addressed (above) or the box is a chunk high or less;
 * then job is filled for band_paint. */
static int band_plan(cairo_t *cr, double x, double y, double w, double h, band_job *job) {
  cairo_surface_t *t = cairo_get_group_target(cr);
  if (t != cairo_get_target(cr) || cairo_surface_get_type(t) != CAIRO_SURFACE_TYPE_IMAGE)
    return 1;
  cairo_format_t fmt = cairo_image_surface_get_format(t);
  if (fmt != CAIRO_FORMAT_ARGB32 && fmt != CAIRO_FORMAT_RGB24)
    return 1;
  double ox, oy, sx, sy;
  cairo_surface_get_device_offset(t, &ox, &oy);
  cairo_surface_get_device_scale(t, &sx, &sy);
  cairo_matrix_t m;
  cairo_get_matrix(cr, &m);
  if (ox != 0 || oy != 0 || sx != 1 || sy != 1 || m.xy != 0 || m.yx != 0 || !(m.xx > 0) || !(m.yy > 0))
    return 1;
  /* The rows the box covers, within the image and the clip. */
  double top = m.yy * y + m.y0, bottom = m.yy * (y + h) + m.y0;
  double cx0, cy0, cx1, cy1;
  cairo_clip_extents(cr, &cx0, &cy0, &cx1, &cy1);
  double ctop = m.yy * cy0 + m.y0, cbottom = m.yy * cy1 + m.y0;
  int height = cairo_image_surface_get_height(t);
  double y0 = fmax(fmax(floor(top), floor(ctop)), 0), y1 = fmin(fmin(ceil(bottom), ceil(cbottom)), height);
  if (!(y1 - y0 > IM_PNG_CHUNK_ROWS))
    return 1;
  cairo_rectangle_list_t *clip = cairo_copy_clip_rectangle_list(cr);
  if (clip->status != CAIRO_STATUS_SUCCESS) {
    cairo_rectangle_list_destroy(clip);
    return 1;
  }
  cairo_surface_flush(t);
  *job = (band_job){.data = cairo_image_surface_get_data(t),
                    .stride = cairo_image_surface_get_stride(t),
                    .width = cairo_image_surface_get_width(t),
                    .fmt = fmt,
                    .y_begin = (int)y0,
                    .y_end = (int)y1,
                    .matrix = m,
                    .clip = clip,
                    .antialias = cairo_get_antialias(cr),
                    .x = x,
                    .y = y,
                    .w = w,
                    .h = h,
                    .next = (int)y0};
  if (!job->data) { /* an image in error */
    cairo_rectangle_list_destroy(clip);
    return 1;
  }
  return BOX_RECS;
}

/* The box's bands on the calling thread and BOX_RECS - 1 more; false when
 * a band could not be drawn. The host's image is told what changed. */
static bool band_paint(cairo_t *cr, band_job *j, box_recording *rec) {
  j->rec = rec;
  bool ok = pthread_mutex_init(&j->lock, NULL) == 0;
  if (ok) {
    pthread_t threads[BOX_RECS];
    band_worker workers[BOX_RECS];
    bool started[BOX_RECS] = {false};
    for (int i = 1; i < BOX_RECS; i++) {
      workers[i] = (band_worker){j, i};
      started[i] = pthread_create(&threads[i], NULL, band_run, &workers[i]) == 0;
    }
    /* A thread that could not start leaves its chunks to the others. */
    workers[0] = (band_worker){j, 0};
    band_run(&workers[0]);
    for (int i = 1; i < BOX_RECS; i++)
      if (started[i])
        pthread_join(threads[i], NULL);
    ok = !j->failed;
    pthread_mutex_destroy(&j->lock);
  }
  cairo_rectangle_list_destroy(j->clip);
  cairo_surface_t *t = cairo_get_target(cr);
  cairo_surface_mark_dirty_rectangle(t, 0, j->y_begin, j->width, j->y_end - j->y_begin);
  return ok;
}

im_status im_map_render_to_box(const im_map *map, cairo_t *cr, double x, double y, double w, double h,
                               const im_render_options *opt, im_error *err) {
  if (!cr || cairo_status(cr) != CAIRO_STATUS_SUCCESS)
    return im_error_set(err, IM_STATUS_USAGE, map->path, 0, 0, "the host's Cairo context is in error: %s",
                        cr ? cairo_status_to_string(cairo_status(cr)) : "none given");
  if (!(w > 0) || !(h > 0) || !isfinite(x + y + w + h))
    return im_error_set(err, IM_STATUS_USAGE, map->path, 0, 0, "the box %g x %g at %g, %g has no area", w, h, x, y);
  band_job job;
  int threads = band_plan(cr, x, y, w, h, &job);
  box_recording rec = {.n = 0};
  const im_context *was = im_context_enter(map->ctx);
  im_status st = record_fitted(map, w, h, opt, threads, &rec, err);
  im_context_leave(was);
  if (st) {
    if (threads > 1)
      cairo_rectangle_list_destroy(job.clip);
    return st;
  }
  cairo_status_t cs = CAIRO_STATUS_SUCCESS;
  if (threads > 1) {
    if (!band_paint(cr, &job, &rec))
      cs = CAIRO_STATUS_NO_MEMORY;
    box_recording_free(&rec);
  } else {
    /* cairo_save keeps the host's matrix, source, clip, operator, line and
     * font settings, but not its path: that is kept apart. */
    cairo_path_t *path = cairo_copy_path(cr);
    cairo_save(cr);
    cairo_new_path(cr);
    cairo_translate(cr, x, y);
    cairo_rectangle(cr, 0, 0, w, h);
    cairo_clip(cr);
    cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    cairo_set_source_surface(cr, rec.rec[0], 0, 0);
    cairo_paint(cr);
    cs = cairo_status(cr);
    cairo_restore(cr);
    cairo_new_path(cr);
    if (path && path->status == CAIRO_STATUS_SUCCESS)
      cairo_append_path(cr, path);
    cairo_path_destroy(path);
    release(cr, rec.rec[0]);
  }
  if (cs != CAIRO_STATUS_SUCCESS)
    return im_error_set(err, IM_STATUS_INTERNAL, map->path, 0, 0, "drawing failed: %s", cairo_status_to_string(cs));
  return IM_STATUS_OK;
}

im_status im_map_render_to_cairo(const im_map *map, cairo_t *cr, const im_render_options *opt, im_error *err) {
  im_frame f;
  im_status st = im_map_frame(map, opt, &f, err);
  return st ? st : im_map_render_to_box(map, cr, 0, 0, f.width_pt, f.height_pt, opt, err);
}
