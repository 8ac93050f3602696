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

/* Whether the ring of group members[0..k) turned by t (and centred on
 * x, y) keeps every mark, grown by its pad, inside frame; *moved: the sum
 * of the squared distances of the marks from their own points. */
static bool ring_fits(const double *xy, const double *pad, const size_t *members, size_t k, const size_t *rank,
                      double x, double y, double r, double t, const im_bbox *frame, double *moved) {
  *moved = 0;
  for (size_t m = 0; m < k; m++) {
    size_t i = members[m];
    double a = -M_PI / 2 + t + 2 * M_PI * (double)rank[i] / (double)k, p = pad ? pad[i] : 0;
    double mx = x + r * cos(a), my = y + r * sin(a);
    if (mx - p < frame->minx || mx + p > frame->maxx || my - p < frame->miny || my + p > frame->maxy)
      return false;
    *moved += (mx - xy[2 * i]) * (mx - xy[2 * i]) + (my - xy[2 * i + 1]) * (my - xy[2 * i + 1]);
  }
  return true;
}

/* A ring near the frame's edge would push a mark out of the frame, where
 * it is cut or lost (a San Ysidro cross shoved against the top of
 * influence-latam): the ring turns, the least it can, until every mark is
 * inside (of two turns as small, the one that leaves the marks nearer
 * their own points: San Ysidro west of Otay Mesa); when no turn does (a
 * corner, a large ring), its centre moves in, and the leaders still start
 * from the group's own place. */
static void fit_ring(const double *xy, const double *pad, const size_t *members, size_t k, const size_t *rank, double r,
                     const im_bbox *frame, double *x, double *y, double *t) {
  double t0 = *t;
  if (!frame)
    return;
  for (int step = 0; step <= 36; step++) {
    double best = INFINITY, moved;
    for (int sign = 1; sign >= -1; sign -= 2) {
      double turn = t0 + sign * step * (M_PI / 36);
      if (ring_fits(xy, pad, members, k, rank, *x, *y, r, turn, frame, &moved) && moved < best - 1e-9)
        best = moved, *t = turn;
    }
    if (isfinite(best))
      return;
  }
  double p = 0;
  for (size_t m = 0; m < k; m++)
    p = fmax(p, pad ? pad[members[m]] : 0);
  double lo = frame->minx + r + p, hi = frame->maxx - r - p;
  *x = lo <= hi ? fmin(fmax(*x, lo), hi) : (frame->minx + frame->maxx) / 2;
  lo = frame->miny + r + p, hi = frame->maxy - r - p;
  *y = lo <= hi ? fmin(fmax(*y, lo), hi) : (frame->miny + frame->maxy) / 2;
}

/* Where a group's marks go round the ring. Marks of one place keep the
 * drawing order, clockwise from the top. Marks of places a little apart
 * (Lima and Chancay, 60 km; Arauca and Cucuta) keep their places' bearing
 * from the group's centre: ordered clockwise by it, and the ring turned
 * (*t) to where each mark's slot is nearest its own bearing, so Chancay,
 * north of Lima, stays north of it on the page; points at the centre
 * itself keep their drawing order among the others. rank[members[j]]:
 * the slot of each member (0 .. k-1, clockwise from the top plus *t). */
typedef struct {
  double bearing; /* clockwise from the top, 0 .. 2 pi; 4 pi: at the centre */
  size_t order;   /* drawing order in the group */
  size_t i;
} ring_member;

static int by_bearing(const void *a, const void *b) {
  const ring_member *p = a, *q = b;
  if (p->bearing != q->bearing)
    return p->bearing < q->bearing ? -1 : 1;
  return p->order < q->order ? -1 : p->order > q->order;
}

static bool order_ring(const double *xy, const size_t *members, size_t k, double cx, double cy, double eps,
                       size_t *rank, double *t) {
  *t = 0;
  ring_member *rm = im_malloc_array(k, sizeof *rm);
  if (!rm)
    return false;
  size_t apart = 0;
  for (size_t j = 0; j < k; j++) {
    size_t i = members[j];
    double dx = xy[2 * i] - cx, dy = xy[2 * i + 1] - cy;
    /* y grows downwards: atan2(dx, -dy) is the bearing clockwise from the top. */
    bool at_centre = !(hypot(dx, dy) > eps);
    double b = at_centre ? 4 * M_PI : atan2(dx, -dy); /* at the centre: after the others */
    if (b < 0)
      b += 2 * M_PI;
    apart += !at_centre;
    rm[j] = (ring_member){b, rank[i], i};
  }
  if (apart > 0) {
    qsort(rm, k, sizeof *rm, by_bearing);
    /* The turn that best matches slots to bearings: the mean direction of
     * each bearing less its slot's angle. */
    double sx = 0, sy = 0;
    for (size_t j = 0; j < k; j++) {
      if (rm[j].bearing > 2 * M_PI)
        continue;
      double d = rm[j].bearing - 2 * M_PI * (double)j / (double)k;
      sx += cos(d), sy += sin(d);
    }
    if (hypot(sx, sy) > 1e-9)
      *t = atan2(sy, sx);
    for (size_t j = 0; j < k; j++)
      rank[rm[j].i] = j;
  }
  free(rm);
  return true;
}

static int by_group(const void *a, const void *b) {
  const size_t *p = a, *q = b;
  if (p[0] != q[0])
    return p[0] < q[0] ? -1 : 1;
  return p[1] < q[1] ? -1 : p[1] > q[1];
}

bool im_displace_points(const double *xy, size_t n, double distance, double spacing, const double *pad,
                        const im_bbox *frame, im_displaced *out) {
  for (size_t i = 0; i < n; i++)
    out[i] = (im_displaced){.x = xy[2 * i], .y = xy[2 * i + 1], .group = i};
  if (!(distance > 0) || n < 2)
    return true;
  size_t *parent = im_malloc_array(n, sizeof *parent);
  cell_point *pts = im_malloc_array(n, sizeof *pts);
  size_t *count = calloc(n, sizeof *count);
  double *sx = calloc(n, sizeof *sx), *sy = calloc(n, sizeof *sy);
  size_t *rank = calloc(n, sizeof *rank);
  size_t *pairs = im_malloc_array(2 * n, sizeof *pairs), *members = im_malloc_array(n, sizeof *members);
  bool ok = parent && pts && count && sx && sy && rank && pairs && members;
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
    /* The points of each group together (group, then input order), so
     * that each ring is fitted to the frame once, with all its marks. */
    size_t m2 = 0;
    for (size_t i = 0; i < n; i++)
      if (isfinite(xy[2 * i]) && isfinite(xy[2 * i + 1]) && count[find(parent, i)] >= 2) {
        pairs[2 * m2] = find(parent, i);
        pairs[2 * m2 + 1] = i;
        m2++;
      }
    qsort(pairs, m2, 2 * sizeof *pairs, by_group);
    for (size_t a = 0; a < m2;) {
      size_t g = pairs[2 * a], k = count[g];
      for (size_t j = 0; j < k; j++)
        members[j] = pairs[2 * (a + j) + 1];
      double cx = sx[g] / (double)k, cy = sy[g] / (double)k, x = cx, y = cy, t;
      double r = fmax(0.75 * spacing, (double)k * spacing / (2 * M_PI));
      if (!(ok = order_ring(xy, members, k, cx, cy, 1e-6 * distance, rank, &t)))
        break;
      fit_ring(xy, pad, members, k, rank, r, frame, &x, &y, &t);
      for (size_t j = 0; j < k; j++) {
        size_t i = members[j];
        /* Clockwise from the top on the page (y grows downwards). */
        double ang = -M_PI / 2 + t + 2 * M_PI * (double)rank[i] / (double)k;
        out[i] = (im_displaced){.moved = true,
                                .first = i == g,
                                .x = x + r * cos(ang),
                                .y = y + r * sin(ang),
                                .cx = cx,
                                .cy = cy,
                                .group = g};
      }
      a += k;
    }
  }
  free(parent);
  free(pts);
  free(count);
  free(sx);
  free(sy);
  free(rank);
  free(pairs);
  free(members);
  return ok;
}
