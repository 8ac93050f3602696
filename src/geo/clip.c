/* Clipping to the frame (plus a margin) on the page, so that vector files
 * carry only what can be seen and Cairo never sees huge coordinates. */
#include <stdlib.h>

#include "core/mem-private.h"
#include "geo/geom-private.h"
#include "influmap/geom.h"

enum { LEFT, RIGHT, BOTTOM, TOP };

static bool inside(const double *p, int side, im_bbox b) {
  switch (side) {
  case LEFT:
    return p[0] >= b.minx;
  case RIGHT:
    return p[0] <= b.maxx;
  case BOTTOM:
    return p[1] >= b.miny;
  default:
    return p[1] <= b.maxy;
  }
}

static void intersect(const double *p, const double *q, int side, im_bbox b, double *out) {
  double t;
  switch (side) {
  case LEFT:
  case RIGHT: {
    double x = side == LEFT ? b.minx : b.maxx;
    t = (x - p[0]) / (q[0] - p[0]);
    out[0] = x;
    out[1] = p[1] + t * (q[1] - p[1]);
    break;
  }
  default: {
    double y = side == BOTTOM ? b.miny : b.maxy;
    t = (y - p[1]) / (q[1] - p[1]);
    out[0] = p[0] + t * (q[0] - p[0]);
    out[1] = y;
  }
  }
}

static size_t clip_side(const double *in, size_t n, int side, im_bbox b, double *out) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    const double *p = in + 2 * ((i + n - 1) % n), *q = in + 2 * i;
    bool pin = inside(p, side, b), qin = inside(q, side, b);
    if (pin != qin) {
      intersect(p, q, side, b, out + 2 * m);
      m++;
    }
    if (qin) {
      out[2 * m] = q[0];
      out[2 * m + 1] = q[1];
      m++;
    }
  }
  return m;
}

static bool clip_ring(const double *r, size_t n, im_bbox box, im_geom *dst, double *a, double *b) {
  if (n > 1 && r[0] == r[2 * (n - 1)] && r[1] == r[2 * (n - 1) + 1])
    n--;
  /* Fast paths: wholly inside is copied, wholly on the outside of one side
   * is dropped; only rings that straddle the box are clipped. */
  bool all_in = true;
  double minx = r[0], maxx = r[0], miny = r[1], maxy = r[1];
  for (size_t i = 0; i < n; i++) {
    double x = r[2 * i], y = r[2 * i + 1];
    minx = x < minx ? x : minx;
    maxx = x > maxx ? x : maxx;
    miny = y < miny ? y : miny;
    maxy = y > maxy ? y : maxy;
  }
  if (maxx < box.minx || minx > box.maxx || maxy < box.miny || miny > box.maxy)
    return true;
  all_in = minx >= box.minx && maxx <= box.maxx && miny >= box.miny && maxy <= box.maxy;
  const double *src = r;
  size_t m = n;
  if (!all_in) {
    m = clip_side(r, n, LEFT, box, a);
    m = clip_side(a, m, RIGHT, box, b);
    m = clip_side(b, m, BOTTOM, box, a);
    m = clip_side(a, m, TOP, box, b);
    src = b;
  }
  if (m < 3)
    return true;
  if (!im_geom_begin_part(dst))
    return false;
  for (size_t i = 0; i < m; i++)
    if (!im_geom_add_point(dst, src[2 * i], src[2 * i + 1]))
      return false;
  return im_geom_add_point(dst, src[0], src[1]);
}

bool im_segment_clip(double x0, double y0, double x1, double y1, im_bbox b, double *t0, double *t1) {
  double dx = x1 - x0, dy = y1 - y0;
  double pp[4] = {-dx, dx, -dy, dy};
  double qq[4] = {x0 - b.minx, b.maxx - x0, y0 - b.miny, b.maxy - y0};
  *t0 = 0;
  *t1 = 1;
  for (int i = 0; i < 4; i++) {
    if (pp[i] == 0) {
      if (qq[i] < 0)
        return false;
      continue;
    }
    double t = qq[i] / pp[i];
    if (pp[i] < 0) {
      if (t > *t1)
        return false;
      if (t > *t0)
        *t0 = t;
    } else {
      if (t < *t0)
        return false;
      if (t < *t1)
        *t1 = t;
    }
  }
  return true;
}

bool im_segment_hits_box(double x0, double y0, double x1, double y1, im_bbox b) {
  double t0, t1;
  return im_segment_clip(x0, y0, x1, y1, b, &t0, &t1);
}

static bool clip_line(const double *l, size_t n, im_bbox box, im_geom *dst) {
  bool open = false; /* a part is being written */
  for (size_t i = 1; i < n; i++) {
    const double *p = l + 2 * (i - 1), *q = l + 2 * i;
    double t0, t1;
    if (!im_segment_clip(p[0], p[1], q[0], q[1], box, &t0, &t1)) {
      if (open)
        im_geom_end_part(dst, 2);
      open = false;
      continue;
    }
    double dx = q[0] - p[0], dy = q[1] - p[1];
    if (!open || t0 > 0) {
      if (open)
        im_geom_end_part(dst, 2);
      if (!im_geom_begin_part(dst) || !im_geom_add_point(dst, p[0] + t0 * dx, p[1] + t0 * dy))
        return false;
      open = true;
    }
    if (!im_geom_add_point(dst, p[0] + t1 * dx, p[1] + t1 * dy))
      return false;
    if (t1 < 1) {
      im_geom_end_part(dst, 2);
      open = false;
    }
  }
  if (open)
    im_geom_end_part(dst, 2);
  return true;
}

bool im_geom_clip(const im_geom *src, im_bbox box, im_geom *dst) {
  im_geom_reset(dst, src->kind);
  dst->nonzero = src->nonzero;
  if (src->kind == IM_GEOM_POINT) {
    if (!im_geom_begin_part(dst))
      return false;
    for (size_t i = 0; i < src->npoints; i++) {
      const double *p = src->xy + 2 * i;
      if (p[0] >= box.minx && p[0] <= box.maxx && p[1] >= box.miny && p[1] <= box.maxy)
        if (!im_geom_add_point(dst, p[0], p[1]))
          return false;
    }
    return true;
  }
  size_t maxn = 0;
  for (size_t p = 0; p < src->nparts; p++) {
    size_t n = im_geom_part_size(src, p);
    maxn = n > maxn ? n : maxn;
  }
  /* One pass keeps the inside vertices and adds one per crossing; crossings
   * pair an inside with an outside vertex, so a pass grows a ring by at most
   * half: four passes stay under (3/2)^4 n < 6n. */
  double *a = NULL, *b = NULL;
  if (src->kind == IM_GEOM_POLYGON) {
    a = im_malloc_array(2 * (6 * maxn + 8), sizeof *a);
    b = im_malloc_array(2 * (6 * maxn + 8), sizeof *b);
    if (!a || !b) {
      free(a);
      free(b);
      return false;
    }
  }
  bool ok = true;
  for (size_t p = 0; p < src->nparts && ok; p++) {
    const double *part = src->xy + 2 * src->parts[p];
    size_t n = im_geom_part_size(src, p);
    ok = src->kind == IM_GEOM_POLYGON ? clip_ring(part, n, box, dst, a, b) : clip_line(part, n, box, dst);
  }
  free(a);
  free(b);
  return ok;
}
