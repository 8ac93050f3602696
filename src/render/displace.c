/* Point displacement: single-linkage groups on a grid, then rings. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "render/displace-private.h"

static size_t find(size_t *parent, size_t i) {
  while (parent[i] != i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/* Joins i and j; the group is named by its lower index, the first drawn. */
static void join(size_t *parent, size_t i, size_t j) {
  size_t a = find(parent, i), b = find(parent, j);
  if (a < b)
    parent[b] = a;
  else if (b < a)
    parent[a] = b;
}

typedef struct {
  int64_t cx, cy;
  size_t i;
} cell_point;

static int by_cell(const void *a, const void *b) {
  const cell_point *p = a, *q = b;
  if (p->cx != q->cx)
    return p->cx < q->cx ? -1 : 1;
  if (p->cy != q->cy)
    return p->cy < q->cy ? -1 : 1;
  return p->i < q->i ? -1 : p->i > q->i;
}

/* The first of pts[0..n) in cell (cx, cy) or after it, in by_cell order. */
static size_t lower_bound(const cell_point *pts, size_t n, int64_t cx, int64_t cy) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const cell_point *p = &pts[mid];
    if (p->cx < cx || (p->cx == cx && p->cy < cy))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

bool im_displace_points(const double *xy, size_t n, double distance, double spacing, im_displaced *out) {
  for (size_t i = 0; i < n; i++)
    out[i] = (im_displaced){.x = xy[2 * i], .y = xy[2 * i + 1], .group = i};
  if (!(distance > 0) || n < 2)
    return true;
  size_t *parent = im_malloc_array(n, sizeof *parent);
  cell_point *pts = im_malloc_array(n, sizeof *pts);
  size_t *count = calloc(n, sizeof *count);
  double *sx = calloc(n, sizeof *sx), *sy = calloc(n, sizeof *sy);
  size_t *rank = calloc(n, sizeof *rank);
  bool ok = parent && pts && count && sx && sy && rank;
  if (ok) {
    /* Points on a grid of distance-wide cells: a partner lies in the
     * point's cell or one of its eight neighbours, so the pairs tested stay
     * few however many points there are. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      parent[i] = i;
      double x = xy[2 * i], y = xy[2 * i + 1];
      if (isfinite(x) && isfinite(y) && fabs(x / distance) < 1e15 && fabs(y / distance) < 1e15)
        pts[m++] = (cell_point){(int64_t)floor(x / distance), (int64_t)floor(y / distance), i};
    }
    qsort(pts, m, sizeof *pts, by_cell);
    double d2 = distance * distance;
    for (size_t a = 0; a < m; a++)
      for (int64_t dx = -1; dx <= 1; dx++)
        for (int64_t dy = -1; dy <= 1; dy++) {
          for (size_t b = lower_bound(pts, m, pts[a].cx + dx, pts[a].cy + dy);
               b < m && pts[b].cx == pts[a].cx + dx && pts[b].cy == pts[a].cy + dy; b++) {
            size_t i = pts[a].i, j = pts[b].i;
            if (j <= i)
              continue;
            double ex = xy[2 * i] - xy[2 * j], ey = xy[2 * i + 1] - xy[2 * j + 1];
            if (ex * ex + ey * ey < d2)
              join(parent, i, j);
          }
        }
    /* Each group's size and mean, and each point's place in its group (in
     * input order: the drawing order). */
    for (size_t i = 0; i < n; i++) {
      double x = xy[2 * i], y = xy[2 * i + 1];
      if (!isfinite(x) || !isfinite(y))
        continue;
      size_t g = find(parent, i);
      rank[i] = count[g]++;
      sx[g] += x, sy[g] += y;
    }
    for (size_t i = 0; i < n; i++) {
      if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]))
        continue;
      size_t g = find(parent, i), k = count[g];
      if (k < 2)
        continue;
      double cx = sx[g] / (double)k, cy = sy[g] / (double)k;
      double r = fmax(0.75 * spacing, (double)k * spacing / (2 * M_PI));
      /* Clockwise from the top on the page (y grows downwards). */
      double a = -M_PI / 2 + 2 * M_PI * (double)rank[i] / (double)k;
      out[i] = (im_displaced){
          .moved = true, .first = i == g, .x = cx + r * cos(a), .y = cy + r * sin(a), .cx = cx, .cy = cy, .group = g};
    }
  }
  free(parent);
  free(pts);
  free(count);
  free(sx);
  free(sy);
  free(rank);
  return ok;
}
