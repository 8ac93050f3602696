/* SVG icons as markers, through librsvg. A map draws the same few icons
 * thousands of times, so each file is parsed once per render and its handle
 * kept; handles are not shared between threads, hence a cache per render.
 *
 * librsvg is opened on first use (dlopen), not linked: with libxml2, ICU and
 * gdk-pixbuf behind it, linking it cost every run about 3 ms of start-up
 * and 3 MB of memory, and most maps have no icon. */
#include <dlfcn.h>
#include <errno.h>
#include <librsvg/rsvg.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "render/render-private.h"
#include "render/symbols-private.h"

/* The librsvg 2.52+ functions used; the soname is that of Debian's
 * librsvg2-2 (every librsvg 2.x). */
#define RSVG_SONAME "librsvg-2.so.2"
static struct {
  RsvgHandle *(*new_from_file)(const char *, GError **);
  gboolean (*size_in_pixels)(RsvgHandle *, gdouble *, gdouble *);
  void (*dimensions)(RsvgHandle *, gboolean *, RsvgLength *, gboolean *, RsvgLength *, gboolean *, RsvgRectangle *);
  gboolean (*render_document)(RsvgHandle *, cairo_t *, const RsvgRectangle *, GError **);
  char why[256]; /* empty: loaded */
} rsvg;
static pthread_once_t rsvg_once = PTHREAD_ONCE_INIT;

static void rsvg_open(void) {
  /* Never closed: its GObject types stay registered for the process. */
  void *lib = dlopen(RSVG_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *e = dlerror();
    snprintf(rsvg.why, sizeof rsvg.why, "SVG icons need librsvg (%s, Debian package librsvg2-2): %s", RSVG_SONAME,
             e ? e : "cannot load it");
    return;
  }
  /* Through void *: ISO C has no cast between object and function pointers. */
  void *f[4] = {dlsym(lib, "rsvg_handle_new_from_file"), dlsym(lib, "rsvg_handle_get_intrinsic_size_in_pixels"),
                dlsym(lib, "rsvg_handle_get_intrinsic_dimensions"), dlsym(lib, "rsvg_handle_render_document")};
  for (int i = 0; i < 4; i++)
    if (!f[i]) {
      snprintf(rsvg.why, sizeof rsvg.why, "SVG icons need librsvg 2.52 or later: %s lacks its functions", RSVG_SONAME);
      return;
    }
  memcpy(&rsvg.new_from_file, &f[0], sizeof f[0]);
  memcpy(&rsvg.size_in_pixels, &f[1], sizeof f[1]);
  memcpy(&rsvg.dimensions, &f[2], sizeof f[2]);
  memcpy(&rsvg.render_document, &f[3], sizeof f[3]);
}

/* NULL when librsvg is there, else why not. */
static const char *rsvg_load(void) {
  pthread_once(&rsvg_once, rsvg_open);
  return rsvg.why[0] ? rsvg.why : NULL;
}

typedef struct {
  char *path;
  RsvgHandle *handle;
  double width, height; /* intrinsic size, for the aspect only */
} icon;

struct im_icon_cache {
  icon *icons;
  size_t n, cap;
};

im_icon_cache *im_icon_cache_create(void) { return calloc(1, sizeof(im_icon_cache)); }

void im_icon_cache_free(im_icon_cache *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n; i++) {
    free(c->icons[i].path);
    g_object_unref(c->icons[i].handle);
  }
  free(c->icons);
  free(c);
}

static const icon *find(const im_icon_cache *c, const char *path) {
  if (!c || !path)
    return NULL;
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->icons[i].path, path) == 0)
      return &c->icons[i];
  return NULL;
}

/* One message for every failure, placed at the spec key when there is one. */
static im_status icon_error(im_error *err, const char *svg_path, const char *spec_file, int line, int column,
                            const char *what) {
  if (spec_file)
    return im_error_set(err, IM_STATUS_INPUT, spec_file, line, column, "icon %s: %s", svg_path, what);
  return im_error_set(err, IM_STATUS_INPUT, svg_path, 0, 0, "icon: %s", what);
}

/* The size to keep the aspect of: width and height when the SVG gives them
 * in absolute units (librsvg then fits that box, not the viewBox, into the
 * viewport), else the viewBox. */
static bool icon_size(RsvgHandle *h, double *w, double *h_out) {
  if (rsvg.size_in_pixels(h, w, h_out) && isfinite(*w) && isfinite(*h_out) && *w > 0 && *h_out > 0)
    return true;
  gboolean has_vb = FALSE;
  RsvgRectangle vb = {0};
  rsvg.dimensions(h, NULL, NULL, NULL, NULL, &has_vb, &vb);
  if (!has_vb || !isfinite(vb.width) || !isfinite(vb.height) || vb.width <= 0 || vb.height <= 0)
    return false;
  *w = vb.width;
  *h_out = vb.height;
  return true;
}

im_status im_icon_cache_load(im_icon_cache *c, const char *svg_path, const char *spec_file, int line, int column,
                             im_error *err) {
  if (!c || !svg_path)
    return im_error_set(err, IM_STATUS_INTERNAL, spec_file, line, column, "no icon cache or path");
  if (find(c, svg_path))
    return IM_STATUS_OK;
  /* librsvg's own message for a missing file is wordy and repeats the
   * path; opening it first gives the usual one. */
  FILE *f = fopen(svg_path, "rb");
  if (!f) {
    char what[256];
    snprintf(what, sizeof what, "cannot open: %s", strerror(errno));
    return icon_error(err, svg_path, spec_file, line, column, what);
  }
  fclose(f);
  const char *why = rsvg_load();
  if (why)
    return icon_error(err, svg_path, spec_file, line, column, why);
  GError *gerr = NULL;
  RsvgHandle *h = rsvg.new_from_file(svg_path, &gerr);
  if (!h) {
    char what[512];
    snprintf(what, sizeof what, "not a valid SVG: %s", gerr && gerr->message ? gerr->message : "unknown error");
    if (gerr)
      g_error_free(gerr);
    return icon_error(err, svg_path, spec_file, line, column, what);
  }
  double w, hh;
  if (!icon_size(h, &w, &hh)) {
    g_object_unref(h);
    return icon_error(err, svg_path, spec_file, line, column,
                      "has no size: give the <svg> element width and height, or a viewBox");
  }
  char *path = im_strdup(svg_path);
  if (!path || !im_grow((void **)&c->icons, &c->cap, c->n + 1, sizeof *c->icons)) {
    free(path);
    g_object_unref(h);
    return im_error_set(err, IM_STATUS_INTERNAL, spec_file ? spec_file : svg_path, line, column,
                        "out of memory loading icon %s", svg_path);
  }
  c->icons[c->n++] = (icon){.path = path, .handle = h, .width = w, .height = hh};
  return IM_STATUS_OK;
}

bool im_icon_cache_aspect(const im_icon_cache *c, const char *svg_path, double *aspect) {
  const icon *ic = find(c, svg_path);
  if (!ic)
    return false;
  *aspect = ic->width / ic->height;
  return true;
}

bool im_icon_draw(const im_icon_cache *c, cairo_t *cr, const char *svg_path, double x, double y, double w, double h) {
  const icon *ic = find(c, svg_path);
  if (!ic || !(w > 0) || !(h > 0))
    return false;
  RsvgRectangle viewport = {x, y, w, h};
  GError *gerr = NULL;
  im_render_mark_shared(cr); /* librsvg may draw through groups */
  cairo_save(cr);
  bool ok = rsvg.render_document(ic->handle, cr, &viewport, &gerr);
  cairo_restore(cr);
  if (gerr)
    g_error_free(gerr);
  return ok;
}
