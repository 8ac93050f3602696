#include "support.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *rotate(const char *base, const char *rel) {
  static char bufs[8][4096];
  static int next;
  char *b = bufs[next++ % 8];
  snprintf(b, sizeof bufs[0], "%s/%s", base, rel);
  return b;
}

const char *src_path(const char *rel) { return rotate(IM_SOURCE_DIR, rel); }
const char *scratch_path(const char *rel) { return rotate(IM_SCRATCH_DIR, rel); }

char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[n] = '\0';
    if (len)
      *len = (size_t)n;
  }
  return buf;
}

bool write_file(const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return false;
  bool ok = fwrite(data, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

bool files_equal(const char *a, const char *b) {
  size_t na, nb;
  char *da = read_file(a, &na), *db = read_file(b, &nb);
  bool eq = da && db && na == nb && memcmp(da, db, na) == 0;
  free(da);
  free(db);
  return eq;
}

void assert_ok(im_status st, const im_error *err) {
  if (st) {
    char buf[4096];
    print_error("unexpected error: %s\n", im_error_format(err, buf, sizeof buf));
  }
  assert_int_equal(st, IM_STATUS_OK);
}

im_map *load_spec_text(const char *name, const char *yaml) {
  const char *path = scratch_path(name);
  assert_true(write_file(path, yaml, strlen(yaml)));
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_load(path, &map, &err), &err);
  return map;
}

bool image_load(const char *path, test_image *img) {
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return false;
  }
  img->surface = s;
  img->width = cairo_image_surface_get_width(s);
  img->height = cairo_image_surface_get_height(s);
  img->stride = cairo_image_surface_get_stride(s);
  img->pixels = (uint32_t *)cairo_image_surface_get_data(s);
  return true;
}

void image_free(test_image *img) {
  if (img->surface)
    cairo_surface_destroy(img->surface);
  memset(img, 0, sizeof *img);
}

uint32_t image_pixel(const test_image *img, int x, int y) {
  if (x < 0 || y < 0 || x >= img->width || y >= img->height)
    return 0;
  return img->pixels[(size_t)y * (size_t)(img->stride / 4) + (size_t)x];
}

bool pixel_near(uint32_t px, uint32_t rgb, int tol) {
  for (int shift = 0; shift < 24; shift += 8) {
    int a = (int)((px >> shift) & 0xFF), b = (int)((rgb >> shift) & 0xFF);
    if (abs(a - b) > tol)
      return false;
  }
  return true;
}

void map_projector_init(map_projector *p, const im_map *map) {
  im_error err;
  p->ctx = im_geo_ctx_create();
  assert_non_null(p->ctx);
  assert_ok(im_crs_create(p->ctx, map->crs, NULL, 0, 0, &p->map, &err), &err);
  assert_ok(im_crs_geographic(p->ctx, p->map, &p->geog, &err), &err);
  assert_ok(im_transform_create(p->ctx, p->geog, p->map, &p->t, &err), &err);
  assert_ok(im_map_frame(map, NULL, &p->frame, &err), &err);
}

void map_projector_fini(map_projector *p) {
  im_transform_free(p->t);
  im_crs_free(p->geog);
  im_crs_free(p->map);
  im_geo_ctx_free(p->ctx);
}

bool map_projector_pixel(map_projector *p, double lon, double lat, int *px, int *py) {
  double xy[2] = {lon, lat};
  if (im_transform_array(p->t, xy, 1, false))
    return false;
  const im_frame *f = &p->frame;
  *px = (int)floor((xy[0] - f->xmin) / (f->xmax - f->xmin) * f->width_px);
  *py = (int)floor((f->ymax - xy[1]) / (f->ymax - f->ymin) * f->height_px);
  return *px >= 0 && *py >= 0 && *px < f->width_px && *py < f->height_px;
}

uint32_t map_projector_sample(map_projector *p, const test_image *img, double lon, double lat) {
  int x = 0, y = 0;
  if (!map_projector_pixel(p, lon, lat, &x, &y))
    fail_msg("%.3f %.3f is off the page", lon, lat);
  return image_pixel(img, x, y);
}

char *run_capture(const char *cmd) {
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  assert_non_null(buf);
  size_t got;
  while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
    len += got;
    if (cap - len < 1024) {
      cap *= 2;
      buf = realloc(buf, cap);
      assert_non_null(buf);
    }
  }
  buf[len] = '\0';
  pclose(p);
  return buf;
}
