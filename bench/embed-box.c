/* Drawing into a host's Cairo context against rendering to a file (issue
 * 18, "Measured"), for bench/embed.sh: loads a spec once, then renders it
 * N times either
 *   file  im_map_render to OUT (the file path: influmap's own surface and
 *         encoder), or
 *   box   a host surface the size of the page im_map_frame gives (an image
 *         of width_px x height_px, painted white and scaled to points,
 *         for PNG; a PDF surface of width_pt x height_pt for PDF),
 *         im_map_render_to_box at 0, 0 over the full page, then the host
 *         writes the file (cairo_surface_write_to_png; finishing the PDF
 *         surface) and syncs it to disk as im_map_render does,
 *   draw  as box, but the host writes nothing (PNG only): the drawing
 *         alone, without Cairo's PNG encoder,
 * so every mode but draw ends with a finished file. With -t it prints, on
 * standard error, the mean milliseconds per render of the calls to the
 * library and of the host's writing. Built by bench/embed.sh against the
 * build's library; not part of ctest.
 *   embed-box [-t] file|box|draw png|pdf SPEC OUT [N] */
#define _POSIX_C_SOURCE 200809L
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <influmap/influmap.h>

static void quiet(void *user, const char *message) {
  (void)user;
  (void)message;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int fail(const im_error *err) {
  char buf[2048];
  fprintf(stderr, "%s\n", im_error_format(err, buf, sizeof buf));
  return 1;
}

static int sync_file(const char *path) {
  int fd = open(path, O_WRONLY);
  int ok = fd >= 0 && fsync(fd) == 0;
  if (fd >= 0)
    close(fd);
  if (!ok)
    fprintf(stderr, "cannot sync %s\n", path);
  return ok;
}

/* One render into a host surface, written to out unless mode is draw;
 * *lib_ms and *host_ms get the time in the library and in the host's
 * writing. */
static int render_box(const im_map *map, const im_frame *f, const im_render_options *opt, int pdf, int write,
                      const char *out, double *lib_ms, double *host_ms, im_error *err) {
  double t0 = now_ms();
  cairo_surface_t *s;
  if (pdf) {
    s = cairo_pdf_surface_create(out, f->width_pt, f->height_pt);
  } else {
    s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, f->width_px, f->height_px);
  }
  cairo_t *cr = cairo_create(s);
  if (!pdf) {
    /* The host's page is white, as influmap's PNG is where the map leaves
     * its page bare (outside the world's outline, say). */
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, f->width_px / f->width_pt, f->height_px / f->height_pt);
  }
  double t1 = now_ms();
  im_status st = im_map_render_to_box(map, cr, 0, 0, f->width_pt, f->height_pt, opt, err);
  double t2 = now_ms();
  cairo_destroy(cr);
  int rc = st ? fail(err) : 0;
  if (!rc && !pdf && write && cairo_surface_write_to_png(s, out) != CAIRO_STATUS_SUCCESS) {
    fprintf(stderr, "cannot write %s\n", out);
    rc = 1;
  }
  cairo_surface_finish(s);
  if (!rc && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    fprintf(stderr, "cannot write %s: %s\n", out, cairo_status_to_string(cairo_surface_status(s)));
    rc = 1;
  }
  cairo_surface_destroy(s);
  /* im_map_render syncs the file it writes to disk before renaming it into
   * place; the host does as much, or the file path pays for durability the
   * box path does not. */
  if (!rc && write && !sync_file(out))
    rc = 1;
  double t3 = now_ms();
  *lib_ms += t2 - t1;
  *host_ms += (t1 - t0) + (t3 - t2);
  return rc;
}

int main(int argc, char **argv) {
  int timed = argc > 1 && !strcmp(argv[1], "-t");
  argv += timed;
  argc -= timed;
  if (argc < 5 || argc > 6) {
    fprintf(stderr, "usage: embed-box [-t] file|box|draw png|pdf SPEC OUT [N]\n");
    return 2;
  }
  const char *mode = argv[1], *out = argv[4];
  int pdf = !strcmp(argv[2], "pdf");
  int n = argc == 6 ? atoi(argv[5]) : 1;
  if ((!pdf && strcmp(argv[2], "png")) || n < 1 ||
      (strcmp(mode, "file") && strcmp(mode, "box") && (strcmp(mode, "draw") || pdf))) {
    fprintf(stderr, "embed-box: bad mode, format or count\n");
    return 2;
  }
  im_warning_set_handler(quiet, NULL);
  im_error err;
  im_error_clear(&err);
  im_map *map = NULL;
  if (im_map_load(argv[3], &map, &err))
    return fail(&err);
  im_render_timings tm = {0};
  im_render_options opt = {.format = pdf ? IM_FORMAT_PDF : IM_FORMAT_PNG, .timings = timed ? &tm : NULL};
  im_frame f;
  if (im_map_frame(map, &opt, &f, &err)) {
    im_map_free(map);
    return fail(&err);
  }
  int rc = 0;
  double lib_ms = 0, host_ms = 0;
  for (int i = 0; i < n && !rc; i++) {
    if (!strcmp(mode, "file")) {
      double t0 = now_ms();
      rc = im_map_render(map, out, &opt, &err) ? fail(&err) : 0;
      lib_ms += now_ms() - t0;
    } else {
      rc = render_box(map, &f, &opt, pdf, strcmp(mode, "draw") != 0, out, &lib_ms, &host_ms, &err);
    }
  }
  /* The library's own account (im_render_timings); in a box render,
   * what the call took beyond it is painting the recording into the
   * host's surface. */
  if (timed && !rc) {
    const char *name = strrchr(argv[3], '/') ? strrchr(argv[3], '/') + 1 : argv[3];
    double sum = tm.setup + tm.load + tm.project + tm.draw + tm.labels + tm.encode;
    fprintf(stderr,
            "%s %s %s: library %.1f ms (setup %.1f, load %.1f, project %.1f, draw %.1f, labels %.1f, encode %.1f, "
            "rest %.1f), host %.1f ms, per render (%d)\n",
            name, mode, argv[2], lib_ms / n, tm.setup / n, tm.load / n, tm.project / n, tm.draw / n, tm.labels / n,
            tm.encode / n, (lib_ms - sum) / n, host_ms / n, n);
  }
  im_map_free(map);
  return rc;
}
