/* One map rendered from several threads at once, and different maps in
 * different threads (render.h, "Threads"): each output byte-identical to
 * a render made alone. Built with ThreadSanitizer too (INFLUMAP_TSAN,
 * scripts/test.sh), which fails it on any data race: on the map, which a
 * render must not write, or on the process-wide caches (PROJ contexts,
 * the CRS store, projected geometry, layers, icons), which must be
 * synchronised. */
#include <cairo.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

enum { SAME = 4, OTHER = 1, MAPS = 2 };

typedef struct {
  const im_map *map;
  const char *name;
  int id;
  im_status st;
  char message[512];
} job;

static const im_render_options opt = {.dpi = 40};

/* The outputs of each render: a PNG and a PDF by im_map_render, and a box
 * of an image surface (im_map_render_to_box) written by Cairo; at 40 dpi,
 * so the threads (and ThreadSanitizer) have all the work of a map but few
 * pixels. */
enum { NFORMATS = 3 };
static const char *const formats[NFORMATS] = {"png", "pdf", "box.png"};

/* The map's page at 40 dpi, in a box 10 pt from the edges of an image. */
static im_status render_box(const im_map *map, const char *path, im_error *err) {
  im_frame f;
  im_status st = im_map_frame(map, NULL, &f, err);
  if (st)
    return st;
  double scale = opt.dpi / 72;
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)ceil((f.width_pt + 20) * scale),
                                                  (int)ceil((f.height_pt + 20) * scale));
  cairo_t *cr = cairo_create(s);
  cairo_scale(cr, scale, scale);
  cairo_set_source_rgb(cr, 0.9, 0.9, 0.8);
  cairo_paint(cr);
  st = im_map_render_to_box(map, cr, 10, 10, f.width_pt, f.height_pt, &opt, err);
  cairo_destroy(cr);
  if (!st && cairo_surface_write_to_png(s, path) != CAIRO_STATUS_SUCCESS)
    st = im_error_set(err, IM_STATUS_IO, path, 0, 0, "cannot write");
  cairo_surface_destroy(s);
  return st;
}

/* Not scratch_path, whose buffers are shared. */
static im_status render_all(const im_map *map, const char *name, int id, im_error *err) {
  im_status st = IM_STATUS_OK;
  for (int k = 0; k < NFORMATS && !st; k++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-%d.%s", IM_SCRATCH_DIR, name, id, formats[k]);
    st = k == 2 ? render_box(map, path, err) : im_map_render(map, path, &opt, err);
  }
  return st;
}

static void *run(void *arg) {
  job *j = arg;
  im_error err;
  im_error_clear(&err);
  j->st = render_all(j->map, j->name, j->id, &err);
  if (j->st)
    im_error_format(&err, j->message, sizeof j->message);
  return NULL;
}

static void same_bytes(const char *name, int id) {
  char a[64], b[64];
  for (int k = 0; k < NFORMATS; k++) {
    const char *ext = formats[k];
    snprintf(a, sizeof a, "%s-ref.%s", name, ext);
    snprintf(b, sizeof b, "%s-%d.%s", name, id, ext);
    char pa[4096];
    snprintf(pa, sizeof pa, "%s", scratch_path(a));
    if (!files_equal(pa, scratch_path(b)))
      fail_msg("%s differs from the render made alone", b);
  }
}

static void one_map_many_threads(void **state) {
  (void)state;
  im_error err;
  /* a: filters (where:, rules), classes, labels with leaders and a
   * numbered key, legend, scale bar: most of what a render reads from a
   * map, its events from a bound layer; b: small multiples (panels, each a copy of the map with its own
   * where:). */
  static const char *const specs[MAPS] = {"styles/influence-latam.yaml", "styles/actors-multiples.yaml"};
  static const char *const names[MAPS] = {"a", "b"};
  im_map *maps[MAPS];
  for (int i = 0; i < MAPS; i++) {
    assert_ok(im_map_load(src_path(specs[i]), &maps[i], &err), &err);
    if (i == 0) {
      /* Map a's events are a layer the host bound (map.h): every render
       * takes its own view of it and writes nothing in it. */
      size_t len;
      char *text = read_file(src_path("shapes/influence/events.geojson"), &len);
      im_layer *events = NULL;
      assert_non_null(text);
      assert_ok(im_layer_load_geojson_buffer(text, len, "events.geojson", NULL, &events, &err), &err);
      free(text);
      assert_ok(im_map_bind_layer(maps[0], "events", events, &err), &err);
    }
    /* Alone first: the references. */
    assert_ok(render_all(maps[i], names[i], -1, &err), &err);
    for (int k = 0; k < NFORMATS; k++) {
      char from[64], to[64];
      snprintf(from, sizeof from, "%s--1.%s", names[i], formats[k]);
      snprintf(to, sizeof to, "%s-ref.%s", names[i], formats[k]);
      char pf[4096];
      snprintf(pf, sizeof pf, "%s", scratch_path(from));
      assert_int_equal(rename(pf, scratch_path(to)), 0);
    }
  }
  /* SAME threads render map a at once, OTHER threads the others. */
  job jobs[SAME + OTHER];
  pthread_t th[SAME + OTHER];
  for (int i = 0; i < SAME + OTHER; i++) {
    int m = i < SAME ? 0 : 1 + (i - SAME) % (MAPS - 1);
    jobs[i] = (job){.map = maps[m], .name = names[m], .id = i};
    assert_int_equal(pthread_create(&th[i], NULL, run, &jobs[i]), 0);
  }
  for (int i = 0; i < SAME + OTHER; i++)
    assert_int_equal(pthread_join(th[i], NULL), 0);
  for (int i = 0; i < SAME + OTHER; i++) {
    if (jobs[i].st)
      fail_msg("thread %d: %s", i, jobs[i].message);
    same_bytes(jobs[i].name, i);
  }
  for (int i = 0; i < MAPS; i++)
    im_map_free(maps[i]);
}

/* A batch of four workers: each job its own map, but the layer cache and
 * the projected-geometry cache shared by all of them (a batch's, which
 * single renders hardly use); the bytes those of a batch of one worker. */
static im_status run_batch(const char *dir, int workers, im_error *err) {
  char yaml[1024], name[64];
  snprintf(yaml, sizeof yaml,
           "base: %s\nmatrix:\n  actor: [China, Russia, Iran, Venezuela]\noutput: \"%s/{actor|slug}.png\"\n"
           "title: \"{actor}\"\ndpi: 40\n",
           src_path("styles/influence-latam.yaml"), dir);
  snprintf(name, sizeof name, "%s.yaml", dir);
  char path[4096];
  snprintf(path, sizeof path, "%s", scratch_path(name));
  assert_true(write_file(path, yaml, strlen(yaml)));
  im_manifest_options mo = {.out_root = IM_SCRATCH_DIR};
  im_manifest *m = NULL;
  im_status st = im_manifest_load(path, &mo, &m, err);
  if (!st) {
    im_batch_options bo = {.workers = workers, .force = true};
    im_batch_summary sum;
    st = im_batch_run(m, &bo, &sum, err);
    assert_int_equal(sum.failed, 0);
    assert_int_equal(sum.rendered, 4);
  }
  im_manifest_free(m);
  return st;
}

static void batch_workers_share_caches(void **state) {
  (void)state;
  im_error err;
  assert_ok(run_batch("serial", 1, &err), &err);
  assert_ok(run_batch("parallel", 4, &err), &err);
  static const char *const actors[] = {"china", "russia", "iran", "venezuela"};
  for (int i = 0; i < 4; i++) {
    char a[64], b[64], pa[4096];
    snprintf(a, sizeof a, "serial/%s.png", actors[i]);
    snprintf(b, sizeof b, "parallel/%s.png", actors[i]);
    snprintf(pa, sizeof pa, "%s", scratch_path(a));
    if (!files_equal(pa, scratch_path(b)))
      fail_msg("%s differs from the batch of one worker", b);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(one_map_many_threads),
                                     cmocka_unit_test(batch_workers_share_caches)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
