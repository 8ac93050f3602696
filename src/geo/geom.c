#include "influmap/geom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem-private.h"

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

bool im_geom_add_point(im_geom *g, double x, double y) {
  size_t cap2 = g->cap_points * 2;
  if (!im_grow((void **)&g->xy, &cap2, (g->npoints + 1) * 2, sizeof *g->xy))
    return false;
  g->cap_points = cap2 / 2;
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

void im_geom_simplify(im_geom *g, double tolerance) {
  if (g->kind == IM_GEOM_POINT)
    return;
  size_t min_points = g->kind == IM_GEOM_POLYGON ? 3 : 2;
  double tol2 = tolerance * tolerance;
  size_t out = 0, nparts = 0;
  for (size_t p = 0; p < g->nparts; p++) {
    size_t start = g->parts[p], n = im_geom_part_size(g, p);
    size_t part_out = out;
    for (size_t i = 0; i < n; i++) {
      double x = g->xy[2 * (start + i)], y = g->xy[2 * (start + i) + 1];
      if (i > 0 && i + 1 < n && out > part_out) {
        double dx = x - g->xy[2 * (out - 1)], dy = y - g->xy[2 * (out - 1) + 1];
        if (dx * dx + dy * dy < tol2)
          continue;
      }
      g->xy[2 * out] = x;
      g->xy[2 * out + 1] = y;
      out++;
    }
    /* A ring whose closing vertex is the first one needs 4 to have area. */
    if (out - part_out < min_points) {
      out = part_out;
      continue;
    }
    g->parts[nparts++] = part_out;
  }
  g->npoints = out;
  g->nparts = nparts;
}

size_t im_geom_remove_invalid(im_geom *g, const im_bbox *box) {
  size_t min_points = g->kind == IM_GEOM_POLYGON ? 3 : g->kind == IM_GEOM_LINE ? 2 : 1;
  size_t out = 0, nparts = 0, removed = 0;
  for (size_t p = 0; p < g->nparts; p++) {
    size_t start = g->parts[p], n = im_geom_part_size(g, p), part_out = out;
    for (size_t i = 0; i < n; i++) {
      double x = g->xy[2 * (start + i)], y = g->xy[2 * (start + i) + 1];
      if (!isfinite(x) || !isfinite(y) ||
          (box && (x < box->minx || x > box->maxx || y < box->miny || y > box->maxy))) {
        removed++;
        continue;
      }
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
