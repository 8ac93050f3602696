#include "influmap/geom.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "geo/geom-private.h"

void im_geom_init(im_geom *g, im_geom_kind kind) {
  memset(g, 0, sizeof *g);
  g->kind = kind;
}

void im_geom_reset(im_geom *g, im_geom_kind kind) {
  g->kind = kind;
  g->nonzero = false;
  g->npoints = 0;
  g->nparts = 0;
}

void im_geom_free(im_geom *g) {
  free(g->xy);
  free(g->parts);
  memset(g, 0, sizeof *g);
}

bool im_geom_begin_part(im_geom *g) {
  if (!im_grow((void **)&g->parts, &g->cap_parts, g->nparts + 1, sizeof *g->parts))
    return false;
  g->parts[g->nparts++] = g->npoints;
  return true;
}

bool im_geom_reserve(im_geom *g, size_t points, size_t parts) {
  if (points > g->cap_points) {
    double *xy = points <= SIZE_MAX / 2 ? im_realloc_array(g->xy, points * 2, sizeof *xy) : NULL;
    if (!xy)
      return false;
    g->xy = xy;
    g->cap_points = points;
  }
  if (parts > g->cap_parts) {
    size_t *pp = im_realloc_array(g->parts, parts, sizeof *pp);
    if (!pp)
      return false;
    g->parts = pp;
    g->cap_parts = parts;
  }
  return true;
}

bool im_geom_add_point(im_geom *g, double x, double y) {
  /* Readers reserve the exact size first (im_geom_reserve): no growing. */
  if (g->npoints >= g->cap_points) {
    size_t cap2 = g->cap_points * 2;
    if (!im_grow((void **)&g->xy, &cap2, (g->npoints + 1) * 2, sizeof *g->xy))
      return false;
    g->cap_points = cap2 / 2;
  }
  g->xy[2 * g->npoints] = x;
  g->xy[2 * g->npoints + 1] = y;
  g->npoints++;
  return true;
}

size_t im_geom_part_size(const im_geom *g, size_t part) {
  size_t end = part + 1 < g->nparts ? g->parts[part + 1] : g->npoints;
  return end - g->parts[part];
}

void im_geom_end_part(im_geom *g, size_t min_points) {
  if (!g->nparts)
    return;
  size_t n = im_geom_part_size(g, g->nparts - 1);
  if (n < min_points) {
    g->npoints = g->parts[g->nparts - 1];
    g->nparts--;
  }
}

bool im_geom_copy(im_geom *dst, const im_geom *src) {
  im_geom_reset(dst, src->kind);
  dst->nonzero = src->nonzero;
  size_t cap2 = dst->cap_points * 2;
  if (!im_grow((void **)&dst->xy, &cap2, src->npoints * 2, sizeof *dst->xy))
    return false;
  dst->cap_points = cap2 / 2;
  if (!im_grow((void **)&dst->parts, &dst->cap_parts, src->nparts, sizeof *dst->parts))
    return false;
  if (src->npoints)
    memcpy(dst->xy, src->xy, src->npoints * 2 * sizeof *dst->xy);
  if (src->nparts)
    memcpy(dst->parts, src->parts, src->nparts * sizeof *dst->parts);
  dst->npoints = src->npoints;
  dst->nparts = src->nparts;
  return true;
}

im_bbox im_geom_bbox(const im_geom *g) {
  im_bbox b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (size_t i = 0; i < g->npoints; i++) {
    double x = g->xy[2 * i], y = g->xy[2 * i + 1];
    if (x < b.minx)
      b.minx = x;
    if (x > b.maxx)
      b.maxx = x;
    if (y < b.miny)
      b.miny = y;
    if (y > b.maxy)
      b.maxy = y;
  }
  return b;
}

/* A hostile file may hold one segment across the globe at a tiny step;
 * this bounds the vertices one segment can add. */
#define IM_DENSIFY_MAX_PER_SEGMENT 100000

bool im_geom_densify(const im_geom *src, double max_step, im_geom *dst) {
  im_geom_reset(dst, src->kind);
  dst->nonzero = src->nonzero;
  for (size_t p = 0; p < src->nparts; p++) {
    size_t start = src->parts[p], n = im_geom_part_size(src, p);
    if (!im_geom_begin_part(dst))
      return false;
    for (size_t i = 0; i < n; i++) {
      const double *v = src->xy + 2 * (start + i);
      if (i > 0 && src->kind != IM_GEOM_POINT) {
        const double *u = v - 2;
        double dx = v[0] - u[0], dy = v[1] - u[1];
        double len = sqrt(dx * dx + dy * dy);
        if (len > max_step) {
          double steps = ceil(len / max_step);
          if (steps > IM_DENSIFY_MAX_PER_SEGMENT)
            steps = IM_DENSIFY_MAX_PER_SEGMENT;
          for (int k = 1; k < (int)steps; k++) {
            double t = k / steps;
            if (!im_geom_add_point(dst, u[0] + t * dx, u[1] + t * dy))
              return false;
          }
        }
      }
      if (!im_geom_add_point(dst, v[0], v[1]))
        return false;
    }
  }
  return true;
}

/* Keeps, in place, the vertices keep() accepts (it sees the vertex, its
 * index in the part, the part's size and the last vertex kept in the part,
 * or NULL), then drops parts left with fewer than min_points. Returns how
 * many vertices were removed. */
typedef bool (*keep_fn)(const double *v, size_t i, size_t n, const double *last, const void *ctx);

static size_t filter_vertices(im_geom *g, size_t min_points, keep_fn keep, const void *ctx) {
  size_t out = 0, nparts = 0, removed = 0;
  for (size_t p = 0; p < g->nparts; p++) {
    size_t start = g->parts[p], n = im_geom_part_size(g, p), part_out = out;
    for (size_t i = 0; i < n; i++) {
      const double *v = g->xy + 2 * (start + i);
      if (!keep(v, i, n, out > part_out ? g->xy + 2 * (out - 1) : NULL, ctx)) {
        removed++;
        continue;
      }
      double x = v[0], y = v[1];
      g->xy[2 * out] = x;
      g->xy[2 * out + 1] = y;
      out++;
    }
    if (out - part_out < min_points) {
      out = part_out;
      continue;
    }
    g->parts[nparts++] = part_out;
  }
  g->npoints = out;
  g->nparts = nparts;
  return removed;
}

static bool far_enough(const double *v, size_t i, size_t n, const double *last, const void *ctx) {
  /* The ends of a part always stay. */
  if (i == 0 || i + 1 == n || !last)
    return true;
  double dx = v[0] - last[0], dy = v[1] - last[1];
  return dx * dx + dy * dy >= *(const double *)ctx;
}

/* Douglas-Peucker over one part v[0..n): marks in keep[] the vertices
 * farther than tol from the chord of the span they lie in, spans split at
 * the farthest vertex until none is; the ends are kept. An explicit stack of
 * spans (at most n), not recursion: a part may have millions of vertices. */
static void mark_dp(const double *v, size_t n, double tol, unsigned char *keep, size_t *stack) {
  memset(keep, 0, n);
  keep[0] = keep[n - 1] = 1;
  size_t top = 0;
  stack[top++] = 0;
  stack[top++] = n - 1;
  while (top) {
    size_t b = stack[--top], a = stack[--top];
    double ax = v[2 * a], ay = v[2 * a + 1], dx = v[2 * b] - ax, dy = v[2 * b + 1] - ay;
    double len = hypot(dx, dy), best = -1;
    size_t far = a;
    for (size_t i = a + 1; i < b; i++) {
      double px = v[2 * i] - ax, py = v[2 * i + 1] - ay;
      /* Distance to the chord's line, or to its start when the chord is a
       * point (a closed ring's first span). */
      double d = len > 0 ? fabs(dy * px - dx * py) / len : hypot(px, py);
      if (d > best)
        best = d, far = i;
    }
    if (best > tol) {
      keep[far] = 1;
      stack[top++] = a;
      stack[top++] = far;
      stack[top++] = far;
      stack[top++] = b;
    }
  }
}

void im_geom_simplify(im_geom *g, double tolerance) { im_geom_simplify_to(g, tolerance, tolerance / 4); }

void im_geom_simplify_to(im_geom *g, double tolerance, double line) {
  if (g->kind == IM_GEOM_POINT)
    return;
  size_t min_points = g->kind == IM_GEOM_POLYGON ? 3 : 2;
  double tol2 = tolerance * tolerance;
  filter_vertices(g, min_points, far_enough, &tol2);
  /* Then the vertices within `line` of the line through their kept
   * neighbours go: smooth runs (densified meridians, 10m coastlines at
   * small scale) lose many vertices that Cairo would otherwise rasterise or
   * write one by one. Without the scratch memory the radial pass alone
   * stands. */
  if (!(line > 0))
    return;
  size_t longest = 0;
  for (size_t p = 0; p < g->nparts; p++) {
    size_t n = im_geom_part_size(g, p);
    longest = n > longest ? n : longest;
  }
  if (longest < 3)
    return;
  unsigned char *keep = malloc(longest);
  size_t *stack = im_malloc_array(2 * longest, sizeof *stack);
  if (keep && stack) {
    size_t out = 0, nparts = 0;
    for (size_t p = 0; p < g->nparts; p++) {
      size_t start = g->parts[p], n = im_geom_part_size(g, p), part_out = out;
      if (n >= 3)
        mark_dp(g->xy + 2 * start, n, line, keep, stack);
      else
        memset(keep, 1, n);
      for (size_t i = 0; i < n; i++) {
        if (!keep[i])
          continue;
        g->xy[2 * out] = g->xy[2 * (start + i)];
        g->xy[2 * out + 1] = g->xy[2 * (start + i) + 1];
        out++;
      }
      if (out - part_out < min_points) {
        out = part_out;
        continue;
      }
      g->parts[nparts++] = part_out;
    }
    g->npoints = out;
    g->nparts = nparts;
  }
  free(keep);
  free(stack);
}

static bool valid_in(const double *v, size_t i, size_t n, const double *last, const void *ctx) {
  (void)i;
  (void)n;
  (void)last;
  const im_bbox *box = ctx;
  return isfinite(v[0]) && isfinite(v[1]) &&
         (!box || (v[0] >= box->minx && v[0] <= box->maxx && v[1] >= box->miny && v[1] <= box->maxy));
}

size_t im_geom_remove_invalid(im_geom *g, const im_bbox *box) {
  size_t min_points = g->kind == IM_GEOM_POLYGON ? 3 : g->kind == IM_GEOM_LINE ? 2 : 1;
  return filter_vertices(g, min_points, valid_in, box);
}

bool im_bbox_meets_any(const im_bbox *boxes, size_t n, const im_bbox *b) {
  if (!n)
    return true;
  for (size_t k = 0; k < n; k++) {
    const im_bbox *a = &boxes[k];
    if (a->minx <= b->maxx && a->maxx >= b->minx && a->miny <= b->maxy && a->maxy >= b->miny)
      return true;
  }
  return false;
}

bool im_ring_contains(const double *xy, size_t n, double x, double y) {
  /* Crossings of a ray towards +x (W. Randolph Franklin's pnpoly): a
   * point on a vertex's level counts with the edge above it only, so a
   * ray through a vertex is counted once. A ring may be closed or not. */
  bool in = false;
  for (size_t i = 0, j = n - 1; i < n; j = i++) {
    double xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
    if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
      in = !in;
  }
  return in;
}

bool im_geom_contains(const im_geom *g, double x, double y) {
  bool in = false;
  for (size_t p = 0; p < g->nparts; p++) {
    size_t n = im_geom_part_size(g, p);
    if (n && im_ring_contains(g->xy + 2 * g->parts[p], n, x, y))
      in = !in;
  }
  return in;
}

/* The unit normal of the segment a -> b (right of its way, y down), or
 * 0, 0 for a segment of no length. */
static void seg_normal(const double *a, const double *b, double *nx, double *ny) {
  double dx = b[0] - a[0], dy = b[1] - a[1], len = hypot(dx, dy);
  *nx = len > 0 ? -dy / len : 0;
  *ny = len > 0 ? dx / len : 0;
}

void im_geom_offset_lines(im_geom *g, double d) {
  if (g->kind != IM_GEOM_LINE || d == 0)
    return;
  for (size_t p = 0; p < g->nparts; p++) {
    double *v = g->xy + 2 * g->parts[p];
    size_t n = im_geom_part_size(g, p);
    if (n < 2)
      continue;
    /* The segment before the vertex, as it was before the vertex moved. */
    double prev[2] = {v[0], v[1]}, pnx = 0, pny = 0;
    for (size_t i = 0; i < n; i++) {
      double cur[2] = {v[2 * i], v[2 * i + 1]}, nx = 0, ny = 0;
      if (i + 1 < n)
        seg_normal(cur, v + 2 * i + 2, &nx, &ny);
      if (i > 0)
        seg_normal(prev, cur, &pnx, &pny);
      double mx = i == 0 ? nx : i + 1 == n ? pnx : pnx + nx, my = i == 0 ? ny : i + 1 == n ? pny : pny + ny;
      double len = hypot(mx, my);
      if (len > 0) {
        mx /= len, my /= len;
        /* cos of half the bend: the offset lines stay d away. */
        double c = i == 0 || i + 1 == n ? 1 : mx * nx + my * ny, k = d / fmax(c, 0.5);
        v[2 * i] = cur[0] + k * mx;
        v[2 * i + 1] = cur[1] + k * my;
      }
      prev[0] = cur[0], prev[1] = cur[1];
    }
  }
}
