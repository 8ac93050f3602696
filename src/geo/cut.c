/* Cutting lon/lat geometry at the antimeridian of the map projection.
 *
 * Longitudes are taken relative to the central meridian lon0 and unwrapped
 * along each part, so a part that crosses the cut runs continuously past
 * +-180. The part is then split (lines) or clipped (rings) into the 360°
 * strips [-180 + 360k, 180 + 360k], and each piece is shifted back by -360k.
 * Clipping a ring to a strip closes it along the strip's edge, which is what
 * a filled polygon needs; the stroked outline is cut as a line instead, so
 * no outline is drawn along the cut. */
#include <math.h>
#include <stdlib.h>

#include "core/mem-private.h"
#include "geo/geom-private.h"
#include "influmap/geom.h"

static double wrap180(double x) {
  /* Nearly every longitude is in range already, where fmod would give its
   * argument back: the same number without the division (cutting was 4%
   * of latam-10m's instructions). */
  double y = x + 180.0;
  if (y >= 0.0 && y < 360.0)
    return y - 180.0;
  x = fmod(x + 180.0, 360.0);
  if (x < 0)
    x += 360.0;
  return x - 180.0;
}

static int strip_of(double x) { return (int)floor((x + 180.0) / 360.0); }

/* Unwrapped relative longitudes of one part into buf (2 * n doubles). */
static void unwrap_part(const double *xy, size_t n, double lon0, double *buf) {
  double prev = 0;
  for (size_t i = 0; i < n; i++) {
    double l = wrap180(xy[2 * i] - lon0);
    if (i > 0) {
      while (l - prev > 180.0)
        l -= 360.0;
      while (l - prev < -180.0)
        l += 360.0;
    }
    buf[2 * i] = l;
    buf[2 * i + 1] = xy[2 * i + 1];
    prev = l;
  }
}

/* A vertex exactly on the cut could be projected to either side of the map:
 * keep it a hair inside its own strip. */
#define IM_CUT_EPSILON 1e-7

static inline bool emit(im_geom *dst, double x, double y, int strip, double lon0) {
  double rel = x - 360.0 * strip;
  if (rel > 180.0 - IM_CUT_EPSILON)
    rel = 180.0 - IM_CUT_EPSILON;
  if (rel < -180.0 + IM_CUT_EPSILON)
    rel = -180.0 + IM_CUT_EPSILON;
  /* im_geom_add_point, without a call per vertex. */
  if (dst->npoints == dst->cap_points &&
      !im_geom_reserve(dst, dst->cap_points ? 2 * dst->cap_points : 64, dst->cap_parts))
    return false;
  dst->xy[2 * dst->npoints] = rel + lon0;
  dst->xy[2 * dst->npoints + 1] = y;
  dst->npoints++;
  return true;
}

static bool cut_line(const double *u, size_t n, double lon0, im_geom *dst) {
  if (n == 0)
    return true;
  int k = strip_of(u[0]);
  if (!im_geom_begin_part(dst) || !emit(dst, u[0], u[1], k, lon0))
    return false;
  for (size_t i = 1; i < n; i++) {
    const double *p = u + 2 * (i - 1), *q = u + 2 * i;
    int kq = strip_of(q[0]);
    while (k != kq) {
      double edge = kq > k ? 180.0 + 360.0 * k : -180.0 + 360.0 * k;
      double t = (edge - p[0]) / (q[0] - p[0]);
      double lat = p[1] + t * (q[1] - p[1]);
      if (!emit(dst, edge, lat, k, lon0))
        return false;
      im_geom_end_part(dst, 2);
      k += kq > k ? 1 : -1;
      if (!im_geom_begin_part(dst) || !emit(dst, edge, lat, k, lon0))
        return false;
    }
    if (!emit(dst, q[0], q[1], k, lon0))
      return false;
  }
  im_geom_end_part(dst, 2);
  return true;
}

/* Sutherland-Hodgman against one vertical line: keeps x >= edge (keep_right)
 * or x <= edge. */
static size_t clip_vertical(const double *in, size_t n, double edge, bool keep_right, double *out) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    const double *p = in + 2 * ((i + n - 1) % n), *q = in + 2 * i;
    bool pin = keep_right ? p[0] >= edge : p[0] <= edge;
    bool qin = keep_right ? q[0] >= edge : q[0] <= edge;
    if (pin != qin) {
      double t = (edge - p[0]) / (q[0] - p[0]);
      out[m++] = edge;
      out[m++] = p[1] + t * (q[1] - p[1]);
    }
    if (qin) {
      out[m++] = q[0];
      out[m++] = q[1];
    }
  }
  return m / 2;
}

static double ring_area(const double *r, size_t n) {
  double a = 0;
  for (size_t i = 0; i < n; i++) {
    const double *p = r + 2 * i, *q = r + 2 * ((i + 1) % n);
    a += p[0] * q[1] - q[0] * p[1];
  }
  return a / 2;
}

static bool cut_ring(double *u, size_t n, double lon0, im_geom *dst) {
  /* Shapefile rings repeat the first vertex at the end; the clipper treats
   * the ring as implicitly closed. */
  if (n > 1 && u[0] == u[2 * (n - 1)] && u[1] == u[2 * (n - 1) + 1])
    n--;
  if (n < 3)
    return true;
  /* Closing the ring may need one more step across the cut: a ring round a
   * pole comes back 360° away from where it started. */
  double close = u[0] - u[2 * (n - 1)];
  close -= 360.0 * round(close / 360.0);
  double net = (u[2 * (n - 1)] + close) - u[0];
  size_t total = n;
  double *ring = u;
  double *grown = NULL;
  if (fabs(net) > 180.0) {
    double lat_sum = 0;
    for (size_t i = 0; i < n; i++)
      lat_sum += u[2 * i + 1];
    double pole = lat_sum < 0 ? -90.0 : 90.0;
    grown = im_malloc_array(2 * (n + 2), sizeof *grown);
    if (!grown)
      return false;
    for (size_t i = 0; i < 2 * n; i++)
      grown[i] = u[i];
    grown[2 * n] = u[2 * (n - 1)] + close;
    grown[2 * n + 1] = pole;
    grown[2 * n + 2] = u[0];
    grown[2 * n + 3] = pole;
    total = n + 2;
    ring = grown;
  }
  double minx = INFINITY, maxx = -INFINITY;
  for (size_t i = 0; i < total; i++) {
    if (ring[2 * i] < minx)
      minx = ring[2 * i];
    if (ring[2 * i] > maxx)
      maxx = ring[2 * i];
  }
  bool ok = true;
  /* Each clipping pass grows a ring by at most half (see clip.c). */
  double *a = im_malloc_array(2 * (3 * total + 8), sizeof *a);
  double *b = im_malloc_array(2 * (3 * total + 8), sizeof *b);
  if (!a || !b) {
    ok = false;
    goto done;
  }
  int k0 = strip_of(minx), k1 = strip_of(maxx);
  for (int k = k0; k <= k1 && ok; k++) {
    size_t m = total;
    const double *src = ring;
    if (k0 != k1) {
      m = clip_vertical(ring, total, -180.0 + 360.0 * k, true, a);
      m = clip_vertical(a, m, 180.0 + 360.0 * k, false, b);
      src = b;
    }
    if (m < 3 || fabs(ring_area(src, m)) < 1e-12)
      continue;
    ok = im_geom_begin_part(dst);
    for (size_t i = 0; i < m && ok; i++)
      ok = emit(dst, src[2 * i], src[2 * i + 1], k, lon0);
    /* Close explicitly, as shapefile rings are. */
    if (ok)
      ok = emit(dst, src[0], src[1], k, lon0);
  }
done:
  free(a);
  free(b);
  free(grown);
  return ok;
}

bool im_geom_cut_antimeridian(const im_geom *src, double lon0, bool as_outline, im_geom *dst) {
  im_geom_kind kind = src->kind;
  if (kind == IM_GEOM_POLYGON && as_outline)
    kind = IM_GEOM_LINE;
  im_geom_reset(dst, kind);
  dst->nonzero = src->nonzero;
  if (src->kind == IM_GEOM_POINT) {
    if (!im_geom_begin_part(dst))
      return false;
    for (size_t i = 0; i < src->npoints; i++)
      if (!emit(dst, wrap180(src->xy[2 * i] - lon0), src->xy[2 * i + 1], 0, lon0))
        return false;
    return true;
  }
  size_t maxn = 0;
  for (size_t p = 0; p < src->nparts; p++) {
    size_t n = im_geom_part_size(src, p);
    if (n > maxn)
      maxn = n;
  }
  double *u = im_malloc_array(2 * maxn, sizeof *u);
  if (!u)
    return false;
  bool ok = true;
  for (size_t p = 0; p < src->nparts && ok; p++) {
    size_t n = im_geom_part_size(src, p);
    unwrap_part(src->xy + 2 * src->parts[p], n, lon0, u);
    if (src->kind == IM_GEOM_POLYGON && !as_outline)
      ok = cut_ring(u, n, lon0, dst);
    else
      ok = cut_line(u, n, lon0, dst);
  }
  free(u);
  return ok;
}

/* An edge of a ring along the dateline (both ends on one of the ±180
 * meridians) or along a pole (both at ±90): where a source cut a shape
 * that reaches round the world (Natural Earth's Antarctica, Russia, Fiji),
 * not a border. */
static bool dateline_edge(const double *a, const double *b) {
  return (fabs(a[0]) == 180 && a[0] == b[0]) || (fabs(a[1]) == 90 && a[1] == b[1]);
}

bool im_geom_has_dateline_edges(const im_geom *g) {
  if (g->kind == IM_GEOM_POINT)
    return false;
  for (size_t p = 0; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    size_t n = im_geom_part_size(g, p);
    for (size_t i = 1; i < n; i++)
      if (dateline_edge(v + 2 * i - 2, v + 2 * i))
        return true;
    if (g->kind == IM_GEOM_POLYGON && n > 1 && dateline_edge(v + 2 * (n - 1), v))
      return true;
  }
  return false;
}

bool im_geom_break_at_dateline(const im_geom *src, im_geom *dst) {
  im_geom_reset(dst, IM_GEOM_LINE);
  for (size_t p = 0; p < src->nparts; p++) {
    const double *v = src->xy + 2 * src->parts[p];
    size_t n = im_geom_part_size(src, p);
    bool ring = src->kind == IM_GEOM_POLYGON;
    if (ring && n > 1 && v[0] == v[2 * (n - 1)] && v[1] == v[2 * (n - 1) + 1])
      n--; /* the closing vertex is the first */
    size_t edges = ring ? n : (n ? n - 1 : 0), start = 0;
    /* A ring is walked from just after one of its cut edges, so it is
     * broken only there. */
    if (ring)
      for (size_t i = 0; i < n; i++)
        if (dateline_edge(v + 2 * i, v + 2 * ((i + 1) % n))) {
          start = (i + 1) % n;
          break;
        }
    if (!im_geom_begin_part(dst) || !im_geom_add_point(dst, v[2 * start], v[2 * start + 1]))
      return false;
    for (size_t e = 0; e < edges; e++) {
      const double *a = v + 2 * ((start + e) % n), *b = v + 2 * ((start + e + 1) % n);
      if (dateline_edge(a, b)) {
        im_geom_end_part(dst, 2);
        if (!im_geom_begin_part(dst))
          return false;
      }
      if (!im_geom_add_point(dst, b[0], b[1]))
        return false;
    }
    im_geom_end_part(dst, 2);
  }
  return true;
}
