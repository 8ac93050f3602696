/* Label geometry: where a polygon's label fits (pole of inaccessibility,
 * after Mapbox's polylabel), how a line label's glyphs follow the line, and
 * the segment and box tests the placement needs. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/mem-private.h"
#include "label/label-impl-private.h"

static double orient(double ax, double ay, double bx, double by, double cx, double cy) {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

bool im_segments_cross(double ax, double ay, double bx, double by, double cx, double cy, double dx, double dy) {
  double o1 = orient(ax, ay, bx, by, cx, cy), o2 = orient(ax, ay, bx, by, dx, dy);
  double o3 = orient(cx, cy, dx, dy, ax, ay), o4 = orient(cx, cy, dx, dy, bx, by);
  return ((o1 > 0) != (o2 > 0)) && ((o3 > 0) != (o4 > 0)) && o1 != 0 && o2 != 0 && o3 != 0 && o4 != 0;
}

im_bbox im_label_glyph_box(const im_label *l, const im_label_cluster *c, const im_label_glyph *g) {
  double hw = c->w / 2 + l->pad, hh = (l->ink.maxy - l->ink.miny) / 2 + l->pad;
  double ca = fabs(cos(g->angle)), sa = fabs(sin(g->angle));
  double ex = hw * ca + hh * sa, ey = hw * sa + hh * ca;
  return (im_bbox){g->x - ex, g->y - ey, g->x + ex, g->y + ey};
}

static bool add_pos(im_labeler *lb, im_label *l, im_label_pos p) {
  if (!im_grow((void **)&lb->pos, &lb->cap_pos, lb->npos + 1, sizeof *lb->pos))
    return false;
  lb->pos[lb->npos++] = p;
  l->npos++;
  return true;
}

/* --- Polygons ------------------------------------------------------------ */

/* A ring's vertices; a closing vertex equal to the first is dropped. */
static const double *ring(const im_geom *g, size_t part, size_t *n) {
  const double *v = g->xy + 2 * g->parts[part];
  *n = im_geom_part_size(g, part);
  if (*n > 1 && v[0] == v[2 * (*n - 1)] && v[1] == v[2 * (*n - 1) + 1])
    (*n)--;
  return v;
}

static double ring_area(const double *v, size_t n) {
  double a = 0;
  for (size_t i = 0, j = n - 1; i < n; j = i++)
    a += v[2 * j] * v[2 * i + 1] - v[2 * i] * v[2 * j + 1];
  return a / 2;
}

static bool ring_contains(const double *v, size_t n, double x, double y) {
  bool in = false;
  for (size_t i = 0, j = n - 1; i < n; j = i++) {
    double ax = v[2 * j], ay = v[2 * j + 1], bx = v[2 * i], by = v[2 * i + 1];
    if ((ay > y) != (by > y) && x < (bx - ax) * (y - ay) / (by - ay) + ax)
      in = !in;
  }
  return in;
}

/* The rings of one piece of a polygon: an outer ring and what lies in it. */
typedef struct {
  const im_geom *g;
  const size_t *parts;
  size_t n;
} piece;

/* Distance from (x, y) to the piece's outline: positive inside (even-odd),
 * negative outside. */
static double signed_distance(const piece *pc, double x, double y) {
  bool in = false;
  double best = DBL_MAX;
  for (size_t k = 0; k < pc->n; k++) {
    size_t n;
    const double *v = ring(pc->g, pc->parts[k], &n);
    for (size_t i = 0, j = n - 1; i < n; j = i++) {
      double ax = v[2 * j], ay = v[2 * j + 1], bx = v[2 * i], by = v[2 * i + 1];
      if ((ay > y) != (by > y) && x < (bx - ax) * (y - ay) / (by - ay) + ax)
        in = !in;
      double dx = bx - ax, dy = by - ay, t = 0, len2 = dx * dx + dy * dy;
      if (len2 > 0) {
        t = ((x - ax) * dx + (y - ay) * dy) / len2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
      }
      double ex = ax + t * dx - x, ey = ay + t * dy - y, d2 = ex * ex + ey * ey;
      if (d2 < best)
        best = d2;
    }
  }
  return (in ? 1 : -1) * sqrt(best);
}

typedef struct {
  double x, y, half, d, max;
} cell;

static cell make_cell(const piece *pc, double x, double y, double half) {
  double d = signed_distance(pc, x, y);
  return (cell){x, y, half, d, d + half * M_SQRT2};
}

typedef struct {
  cell *c;
  size_t n, cap;
} heap;

static bool heap_push(heap *h, cell c) {
  if (!im_grow((void **)&h->c, &h->cap, h->n + 1, sizeof *h->c))
    return false;
  size_t i = h->n++;
  while (i > 0 && h->c[(i - 1) / 2].max < c.max) {
    h->c[i] = h->c[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  h->c[i] = c;
  return true;
}

static cell heap_pop(heap *h) {
  cell top = h->c[0], last = h->c[--h->n];
  size_t i = 0;
  for (;;) {
    size_t k = 2 * i + 1;
    if (k >= h->n)
      break;
    if (k + 1 < h->n && h->c[k + 1].max > h->c[k].max)
      k++;
    if (h->c[k].max <= last.max)
      break;
    h->c[i] = h->c[k];
    i = k;
  }
  if (h->n)
    h->c[i] = last;
  return top;
}

/* The pole of inaccessibility of the piece to within precision: cells
 * that could still hold a farther point are split until none can. */
static bool polylabel(const piece *pc, double precision, double *px, double *py) {
  size_t n;
  const double *v = ring(pc->g, pc->parts[0], &n);
  im_bbox bb = {DBL_MAX, DBL_MAX, -DBL_MAX, -DBL_MAX};
  double cx = 0, cy = 0, a = 0;
  for (size_t i = 0, j = n - 1; i < n; j = i++) {
    bb.minx = fmin(bb.minx, v[2 * i]);
    bb.maxx = fmax(bb.maxx, v[2 * i]);
    bb.miny = fmin(bb.miny, v[2 * i + 1]);
    bb.maxy = fmax(bb.maxy, v[2 * i + 1]);
    double f = v[2 * j] * v[2 * i + 1] - v[2 * i] * v[2 * j + 1];
    cx += (v[2 * j] + v[2 * i]) * f;
    cy += (v[2 * j + 1] + v[2 * i + 1]) * f;
    a += 3 * f;
  }
  double size = fmin(bb.maxx - bb.minx, bb.maxy - bb.miny);
  cell best = a != 0 ? make_cell(pc, cx / a, cy / a, 0) : make_cell(pc, v[0], v[1], 0);
  cell mid = make_cell(pc, (bb.minx + bb.maxx) / 2, (bb.miny + bb.maxy) / 2, 0);
  if (mid.d > best.d)
    best = mid;
  /* A sliver (a long thin ring) would start with millions of square cells;
   * larger cells overhanging the box cover it as well. */
  double longest = fmax(bb.maxx - bb.minx, bb.maxy - bb.miny);
  if (size > 0 && longest / size > 100)
    size = longest / 100;
  if (size > 0) {
    heap h = {0};
    double half = size / 2;
    bool ok = true;
    for (double x = bb.minx; x < bb.maxx && ok; x += size)
      for (double y = bb.miny; y < bb.maxy && ok; y += size)
        ok = heap_push(&h, make_cell(pc, x + half, y + half, half));
    /* Bounded work: a pathological outline stops at a good-enough point. */
    for (size_t pops = 0; ok && h.n && pops < 20000; pops++) {
      cell c = heap_pop(&h);
      if (c.d > best.d)
        best = c;
      if (c.max - best.d <= precision)
        continue;
      double q = c.half / 2;
      ok = heap_push(&h, make_cell(pc, c.x - q, c.y - q, q)) && heap_push(&h, make_cell(pc, c.x + q, c.y - q, q)) &&
           heap_push(&h, make_cell(pc, c.x - q, c.y + q, q)) && heap_push(&h, make_cell(pc, c.x + q, c.y + q, q));
    }
    free(h.c);
    if (!ok)
      return false;
  }
  *px = best.x;
  *py = best.y;
  return true;
}

/* The box lies wholly inside the piece: its centre is inside and no edge
 * of the piece enters it. */
static bool box_inside(const piece *pc, im_bbox b) {
  double mx = (b.minx + b.maxx) / 2, my = (b.miny + b.maxy) / 2;
  bool in = false;
  for (size_t k = 0; k < pc->n; k++) {
    size_t n;
    const double *v = ring(pc->g, pc->parts[k], &n);
    for (size_t i = 0, j = n - 1; i < n; j = i++) {
      double ax = v[2 * j], ay = v[2 * j + 1], bx = v[2 * i], by = v[2 * i + 1];
      if ((ay > my) != (by > my) && mx < (bx - ax) * (my - ay) / (by - ay) + ax)
        in = !in;
      if (im_segment_hits_box(ax, ay, bx, by, b))
        return false;
    }
  }
  return in;
}

#define IM_POLYGON_PIECES 3
/* Positions farther from the pole tried after those round it, at most. */
#define IM_POLYGON_FAR 24

typedef struct {
  double d, cx, cy;
} far_pos;

static int by_distance(const void *a, const void *b) {
  const far_pos *p = a, *q = b;
  if (p->d != q->d)
    return p->d < q->d ? -1 : 1;
  if (p->cy != q->cy)
    return p->cy < q->cy ? -1 : 1;
  return (p->cx > q->cx) - (p->cx < q->cx);
}

/* Where the pole and its nudges are taken (by the marks and labels of a
 * crowded country: Peru's coast, Venezuela's north), the label may still
 * fit elsewhere inside: a grid over the piece's box, nearest the pole
 * first, at most IM_POLYGON_FAR of the places where it fits. */
static bool far_positions(im_labeler *lb, im_label *l, const piece *pc, const double *v, size_t n, double px, double py,
                          double w, double h) {
  im_bbox bb = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (size_t i = 0; i < n; i++) {
    bb.minx = fmin(bb.minx, v[2 * i]), bb.maxx = fmax(bb.maxx, v[2 * i]);
    bb.miny = fmin(bb.miny, v[2 * i + 1]), bb.maxy = fmax(bb.maxy, v[2 * i + 1]);
  }
  double sx = fmax(w / 2, (bb.maxx - bb.minx) / 12), sy = fmax(h, (bb.maxy - bb.miny) / 12);
  if (!(sx > 0) || !(sy > 0) || !isfinite(sx) || !isfinite(sy))
    return true;
  far_pos cand[13 * 13];
  size_t nc = 0;
  for (double cy = bb.miny + h / 2; cy + h / 2 <= bb.maxy && nc < 13 * 13; cy += sy)
    for (double cx = bb.minx + w / 2; cx + w / 2 <= bb.maxx && nc < 13 * 13; cx += sx)
      cand[nc++] = (far_pos){hypot(cx - px, cy - py), cx, cy};
  qsort(cand, nc, sizeof *cand, by_distance);
  bool ok = true;
  for (size_t i = 0, added = 0; ok && i < nc && added < IM_POLYGON_FAR; i++) {
    im_bbox b = {cand[i].cx - w / 2, cand[i].cy - h / 2, cand[i].cx + w / 2, cand[i].cy + h / 2};
    if (!im_bbox_within(b, lb->inside) || !box_inside(pc, b))
      continue;
    ok = add_pos(lb, l,
                 (im_label_pos){.ox = cand[i].cx - (l->ink.minx + l->ink.maxx) / 2,
                                .oy = cand[i].cy - (l->ink.miny + l->ink.maxy) / 2});
    added++;
  }
  return ok;
}

typedef struct {
  size_t part;
  double area;
} part_area;

static int by_area_desc(const void *a, const void *b) {
  const part_area *p = a, *q = b;
  if (p->area != q->area)
    return p->area < q->area ? 1 : -1;
  return p->part < q->part ? -1 : p->part > q->part;
}

/* More points inside the piece for a required label's leader to start
 * from, should the pole lie under another label: a 7 x 7 grid over the
 * piece's box, the points inside it (a pixel clear of its edges), nearest
 * the pole first (all of them: the room may be at the far end). */
#define IM_POLYGON_ANCHORS 49
static bool inner_anchors(im_labeler *lb, im_label *l, const piece *pc, const double *v, size_t n, double px,
                          double py) {
  im_bbox bb = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (size_t i = 0; i < n; i++) {
    bb.minx = fmin(bb.minx, v[2 * i]), bb.maxx = fmax(bb.maxx, v[2 * i]);
    bb.miny = fmin(bb.miny, v[2 * i + 1]), bb.maxy = fmax(bb.maxy, v[2 * i + 1]);
  }
  if (!isfinite(bb.minx) || !isfinite(bb.maxx) || !isfinite(bb.miny) || !isfinite(bb.maxy))
    return true;
  far_pos cand[49];
  size_t nc = 0;
  for (int j = 1; j <= 7; j++)
    for (int i = 1; i <= 7; i++) {
      double x = bb.minx + (bb.maxx - bb.minx) * i / 8, y = bb.miny + (bb.maxy - bb.miny) * j / 8;
      if (box_inside(pc, (im_bbox){x - 1, y - 1, x + 1, y + 1}))
        cand[nc++] = (far_pos){hypot(x - px, y - py), x, y};
    }
  qsort(cand, nc, sizeof *cand, by_distance);
  l->first_anchor = lb->nanchors;
  l->nanchors = 0;
  for (size_t i = 0; i < nc && i < IM_POLYGON_ANCHORS; i++) {
    if (!im_grow((void **)&lb->anchors, &lb->cap_anchors, lb->nanchors + 1, sizeof *lb->anchors))
      return false;
    lb->anchors[lb->nanchors++] = (im_label_glyph){cand[i].cx, cand[i].cy, 0};
    l->nanchors++;
  }
  return true;
}

bool im_polygon_pole(const im_geom *rings, double precision, double *x, double *y) {
  *x = *y = NAN;
  if (rings->kind != IM_GEOM_POLYGON || !rings->nparts)
    return true;
  /* The largest ring (by area) with the holes inside it, as a required
   * label's anchor is found. */
  size_t best = SIZE_MAX, n;
  double best_area = 0;
  for (size_t p = 0; p < rings->nparts; p++) {
    const double *v = ring(rings, p, &n);
    double a = n >= 3 ? fabs(ring_area(v, n)) : 0;
    if (a > best_area)
      best = p, best_area = a;
  }
  if (best == SIZE_MAX)
    return true;
  size_t *members = im_malloc_array(rings->nparts, sizeof *members);
  if (!members)
    return false;
  piece pc = {rings, members, 0};
  members[pc.n++] = best;
  const double *v = ring(rings, best, &n);
  for (size_t j = 0; j < rings->nparts; j++) {
    size_t m;
    const double *u = ring(rings, j, &m);
    if (j != best && m >= 3 && ring_contains(v, n, u[0], u[1]))
      members[pc.n++] = j;
  }
  bool ok = polylabel(&pc, precision, x, y);
  free(members);
  return ok;
}

bool im_label_polygon_positions(im_labeler *lb, im_label *l, const im_geom *rings) {
  l->first_pos = lb->npos;
  l->npos = 0;
  if (rings->kind != IM_GEOM_POLYGON || !rings->nparts)
    return true;
  double w = l->ink.maxx - l->ink.minx + 2 * l->pad, h = l->ink.maxy - l->ink.miny + 2 * l->pad;
  part_area *pa = im_malloc_array(rings->nparts, sizeof *pa);
  size_t *members = im_malloc_array(rings->nparts, sizeof *members);
  bool ok = pa && members;
  size_t np = 0;
  for (size_t p = 0; ok && p < rings->nparts; p++) {
    size_t n;
    const double *v = ring(rings, p, &n);
    if (n >= 3)
      pa[np++] = (part_area){p, fabs(ring_area(v, n))};
  }
  if (ok)
    qsort(pa, np, sizeof *pa, by_area_desc);
  size_t pieces = 0;
  for (size_t k = 0; ok && k < np && pieces < IM_POLYGON_PIECES && pa[k].area >= w * h; k++) {
    size_t n;
    const double *v = ring(rings, pa[k].part, &n);
    /* A hole (or an island in a hole) of a larger ring is no piece. */
    size_t around = 0;
    for (size_t j = 0; j < k; j++) {
      size_t m;
      const double *u = ring(rings, pa[j].part, &m);
      around += ring_contains(u, m, v[0], v[1]);
    }
    if (around % 2)
      continue;
    piece pc = {rings, members, 0};
    members[pc.n++] = pa[k].part;
    for (size_t j = k + 1; j < np; j++) {
      const double *u = rings->xy + 2 * rings->parts[pa[j].part];
      if (ring_contains(v, n, u[0], u[1]))
        members[pc.n++] = pa[j].part;
    }
    pieces++;
    double px, py;
    if (!(ok = polylabel(&pc, 0.5 * lb->dev_per_pt, &px, &py)))
      break;
    /* The pole itself first, then nudges round it that may dodge another
     * label or a symbol and still fit. */
    static const double shift[][2] = {{0, 0},       {0, -0.5},     {0, 0.5},     {-0.25, 0}, {0.25, 0},
                                      {0, -1},      {0, 1},        {-0.5, 0},    {0.5, 0},   {-0.25, -0.75},
                                      {0.25, 0.75}, {0.25, -0.75}, {-0.25, 0.75}};
    for (size_t s = 0; ok && s < sizeof shift / sizeof shift[0]; s++) {
      double cx = px + shift[s][0] * w, cy = py + shift[s][1] * h;
      im_bbox b = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
      if (!im_bbox_within(b, lb->inside) || !box_inside(&pc, b))
        continue;
      ok = add_pos(
          lb, l,
          (im_label_pos){.ox = cx - (l->ink.minx + l->ink.maxx) / 2, .oy = cy - (l->ink.miny + l->ink.maxy) / 2});
    }
    if (ok)
      ok = far_positions(lb, l, &pc, v, n, px, py, w, h);
  }
  /* A required label (or one that may take a leader) gets the largest
   * piece's pole as an anchor: it goes beside it like a point label, with a leader
   * into the country (label-place.c), rather than fail the map. */
  if (ok && (l->required || l->leader_allowed) && np > 0) {
    size_t n;
    (void)ring(rings, pa[0].part, &n);
    piece pc = {rings, members, 0};
    members[pc.n++] = pa[0].part;
    const double *v = ring(rings, pa[0].part, &n);
    for (size_t j = 1; j < np; j++) {
      const double *u = rings->xy + 2 * rings->parts[pa[j].part];
      if (ring_contains(v, n, u[0], u[1]))
        members[pc.n++] = pa[j].part;
    }
    double px, py;
    if ((ok = polylabel(&pc, 0.5 * lb->dev_per_pt, &px, &py)) && isfinite(px) && isfinite(py)) {
      l->x = px, l->y = py, l->r = 0;
      l->anchored = true;
      ok = inner_anchors(lb, l, &pc, v, n, px, py);
    }
  }
  free(pa);
  free(members);
  return ok;
}

/* --- Lines --------------------------------------------------------------- */

typedef struct {
  const double *v;
  size_t n;
  double *cum; /* distance from the first vertex to each vertex */
} path;

static void point_at(const path *p, double s, double *x, double *y) {
  if (s <= 0) {
    *x = p->v[0], *y = p->v[1];
    return;
  }
  size_t lo = 0, hi = p->n - 1;
  if (s >= p->cum[hi]) {
    *x = p->v[2 * hi], *y = p->v[2 * hi + 1];
    return;
  }
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (p->cum[mid] <= s)
      lo = mid;
    else
      hi = mid;
  }
  double seg = p->cum[hi] - p->cum[lo], t = seg > 0 ? (s - p->cum[lo]) / seg : 0;
  *x = p->v[2 * lo] + t * (p->v[2 * hi] - p->v[2 * lo]);
  *y = p->v[2 * lo + 1] + t * (p->v[2 * hi + 1] - p->v[2 * lo + 1]);
}

/* The sharpest bend allowed between neighbouring glyphs. */
#define IM_LINE_MAX_BEND (30.0 * M_PI / 180.0)

/* Glyphs for the text centred at distance sc along the path, reading left
 * to right; false when a bend is too sharp or a glyph leaves the page. */
static bool fit_along(const im_labeler *lb, const im_label *l, const path *p, double sc, double x0, double width,
                      im_label_glyph *out) {
  const im_label_cluster *c = lb->clusters + l->first_cluster;
  double a = sc - width / 2, b = sc + width / 2, ax, ay, bx, by;
  point_at(p, a, &ax, &ay);
  point_at(p, b, &bx, &by);
  bool reversed = bx < ax; /* the line runs right to left here: read it backwards */
  for (size_t i = 0; i < l->nclusters; i++) {
    double hw = fmax(c[i].w / 2, 0.5 * lb->dev_per_pt), off = c[i].x - x0 + c[i].w / 2;
    double s = reversed ? b - off : a + off, x1, y1, x2, y2;
    point_at(p, reversed ? s + hw : s - hw, &x1, &y1);
    point_at(p, reversed ? s - hw : s + hw, &x2, &y2);
    double gx, gy;
    point_at(p, s, &gx, &gy);
    out[i] = (im_label_glyph){gx, gy, atan2(y2 - y1, x2 - x1)};
    if (i > 0) {
      double bend = fabs(remainder(out[i].angle - out[i - 1].angle, 2 * M_PI));
      if (bend > IM_LINE_MAX_BEND)
        return false;
    }
    if (!im_bbox_within(im_label_glyph_box(l, &c[i], &out[i]), lb->inside))
      return false;
  }
  return true;
}

bool im_label_line_positions(im_labeler *lb, im_label *l, const im_geom *line) {
  l->first_pos = lb->npos;
  l->npos = 0;
  if (line->kind != IM_GEOM_LINE || !line->nparts || !l->nclusters)
    return true;
  size_t best = 0;
  double best_len = -1;
  for (size_t q = 0; q < line->nparts; q++) {
    const double *v = line->xy + 2 * line->parts[q];
    size_t n = im_geom_part_size(line, q);
    double len = 0;
    for (size_t i = 1; i < n; i++)
      len += hypot(v[2 * i] - v[2 * i - 2], v[2 * i + 1] - v[2 * i - 1]);
    if (len > best_len) {
      best_len = len;
      best = q;
    }
  }
  path p = {line->xy + 2 * line->parts[best], im_geom_part_size(line, best), NULL};
  if (p.n < 2)
    return true;
  const im_label_cluster *c = lb->clusters + l->first_cluster;
  double x0 = c[0].x, x1 = c[0].x + c[0].w;
  for (size_t i = 1; i < l->nclusters; i++) {
    x0 = fmin(x0, c[i].x);
    x1 = fmax(x1, c[i].x + c[i].w);
  }
  double width = x1 - x0, end_gap = l->pad + l->font_px / 2;
  p.cum = im_malloc_array(p.n, sizeof *p.cum);
  im_label_glyph *g = im_malloc_array(l->nclusters, sizeof *g);
  bool ok = p.cum && g;
  if (ok) {
    p.cum[0] = 0;
    for (size_t i = 1; i < p.n; i++)
      p.cum[i] = p.cum[i - 1] + hypot(p.v[2 * i] - p.v[2 * i - 2], p.v[2 * i + 1] - p.v[2 * i - 1]);
  }
  /* The line's middle, where its number goes if the labeler lists it in
   * the numbered key (label-key.c). */
  for (size_t i = 1; ok && i < p.n && l->key_mode != IM_LABEL_KEY_NONE; i++)
    if (p.cum[i] >= best_len / 2) {
      double seg = p.cum[i] - p.cum[i - 1], t = seg > 0 ? (best_len / 2 - p.cum[i - 1]) / seg : 0;
      l->x = p.v[2 * i - 2] + t * (p.v[2 * i] - p.v[2 * i - 2]);
      l->y = p.v[2 * i - 1] + t * (p.v[2 * i + 1] - p.v[2 * i - 1]);
      l->r = 0;
      l->anchored = isfinite(l->x) && isfinite(l->y);
      break;
    }
  /* And points farther along, should the middle be taken (label-key.c). */
  static const double along[] = {0.35, 0.65, 0.2, 0.8};
  l->first_anchor = lb->nanchors;
  l->nanchors = 0;
  for (size_t k = 0; ok && l->anchored && k < sizeof along / sizeof along[0]; k++) {
    double ax, ay;
    point_at(&p, along[k] * best_len, &ax, &ay);
    if (!(ok = im_grow((void **)&lb->anchors, &lb->cap_anchors, lb->nanchors + 1, sizeof *lb->anchors)))
      break;
    lb->anchors[lb->nanchors++] = (im_label_glyph){ax, ay, 0};
    l->nanchors++;
  }
  double lo = width / 2 + end_gap, hi = best_len - width / 2 - end_gap;
  /* The middle of the line first, then outwards. */
  static const double where[] = {0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9, 0, 1};
  for (size_t k = 0; ok && hi >= lo && k < sizeof where / sizeof where[0]; k++) {
    if (!fit_along(lb, l, &p, lo + where[k] * (hi - lo), x0, width, g))
      continue;
    size_t first = lb->nglyphs;
    if (!(ok = im_grow((void **)&lb->glyphs, &lb->cap_glyphs, lb->nglyphs + l->nclusters, sizeof *lb->glyphs)))
      break;
    for (size_t i = 0; i < l->nclusters; i++)
      lb->glyphs[lb->nglyphs++] = g[i];
    ok = add_pos(lb, l, (im_label_pos){.glyphs = first});
  }
  free(p.cum);
  free(g);
  return ok;
}
