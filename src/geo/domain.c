/* What a projection can show (domain-private.h). The tests are numerical,
 * on a few projected points, so they hold for any CRS PROJ knows rather
 * than for a list of projection names. */
#include "geo/domain-private.h"

#include <math.h>

#define DEG (M_PI / 180)

void im_xwrap_apply(const im_xwrap *w, double *xy, size_t n) {
  if (!w || !(w->period != 0))
    return;
  double p = fabs(w->period), lo = w->centre - p / 2;
  for (size_t i = 0; i < n; i++) {
    double x = xy[2 * i];
    if (!isfinite(x))
      continue;
    if (x < lo || x >= lo + p)
      xy[2 * i] = x - p * floor((x - lo) / p);
  }
}

double im_domain_x_period(im_transform *t, double lon0) {
  enum { NLAT = 5, NLON = 7 };
  static const double lats[NLAT] = {-50, -10, 0, 20, 60};
  static const double rels[NLON] = {-170, -100, -30, 0, 40, 120, 170};
  double xy[2 * NLAT * NLON];
  for (int i = 0; i < NLAT; i++)
    for (int j = 0; j < NLON; j++) {
      xy[2 * (i * NLON + j)] = lon0 + rels[j];
      xy[2 * (i * NLON + j) + 1] = lats[i];
    }
  if (im_transform_array(t, xy, NLAT * NLON, false))
    return 0;
  /* The slope at the equator (rels[6] against rels[3]). */
  const double *eq = xy + 2 * 2 * NLON;
  double slope = (eq[2 * 6] - eq[2 * 3]) / (rels[6] - rels[3]);
  if (!(fabs(slope) > 0) || !isfinite(slope))
    return 0;
  double tol = 1e-9 * 360 * fabs(slope) + 1e-6;
  for (int i = 0; i < NLAT; i++) {
    const double *row = xy + 2 * i * NLON;
    for (int j = 0; j < NLON; j++) {
      double dx = row[2 * j] - row[2 * 3] - slope * rels[j];
      if (fabs(dx) > tol || fabs(row[2 * j + 1] - row[2 * 3 + 1]) > tol)
        return 0;
    }
  }
  return 360 * slope;
}

bool im_domain_tears(im_transform *t, double lon, double south, double north) {
  enum { N = 17 };
  const double hair = 1e-4;
  double xy[6 * N];
  south = fmax(south, -89), north = fmin(north, 89);
  for (int i = 0; i < N; i++) {
    double lat = south + (north - south) * i / (N - 1.0);
    xy[6 * i] = lon - hair, xy[6 * i + 1] = lat;
    xy[6 * i + 2] = lon + hair, xy[6 * i + 3] = lat;
    xy[6 * i + 4] = lon - 3 * hair, xy[6 * i + 5] = lat;
  }
  im_transform_array(t, xy, 3 * N, false);
  for (int i = 0; i < N; i++) {
    const double *a = xy + 6 * i, *b = a + 2, *c = a + 4;
    if (!isfinite(a[0]) || !isfinite(b[0]) || !isfinite(c[0]))
      continue;
    /* a to b spans 2 hairs across the meridian, c to a 2 hairs beside it. */
    double across = hypot(b[0] - a[0], b[1] - a[1]), beside = hypot(a[0] - c[0], a[1] - c[1]);
    if (across > 50 * beside + 1e-3)
      return true;
  }
  return false;
}

double im_domain_pole_limit(im_transform *t, double lon0, double period) {
  if (!(period != 0))
    return 90;
  double p[6] = {lon0, 0, lon0, 90, lon0, -90};
  im_transform_array(t, p, 3, false);
  if (!isfinite(p[1]))
    return 85;
  /* PROJ gives Mercator's pole a y of 2.4e8 m, not infinity: a pole
   * farther from the equator than a whole turn is taken as infinitely far
   * (Miller's is at 0.37 turn, plate carree's at 0.25). */
  double eq[2] = {p[0], p[1]};
  if (isfinite(p[3]) && isfinite(p[5]) && fabs(p[3] - eq[1]) <= fabs(period) && fabs(p[5] - eq[1]) <= fabs(period))
    return 90;
  /* Bisection for y(lat) - y(0) = |period| / 2, northwards. */
  double lo = 0, hi = 89.9999, half = fabs(period) / 2;
  for (int i = 0; i < 60; i++) {
    double mid = (lo + hi) / 2, q[2] = {lon0, mid};
    if (im_transform_array(t, q, 1, false) || fabs(q[1] - eq[1]) > half)
      hi = mid;
    else
      lo = mid;
  }
  return lo;
}

/* ---- the visible cap ---- */

static im_v3 to_v3(double lon, double lat) {
  return (im_v3){cos(lat * DEG) * cos(lon * DEG), cos(lat * DEG) * sin(lon * DEG), sin(lat * DEG)};
}

static double dot(im_v3 a, im_v3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

void im_cap_init(im_cap *k, double lon0, double lat0, double radius_deg) {
  k->c = to_v3(lon0, lat0);
  k->u = (im_v3){-sin(lon0 * DEG), cos(lon0 * DEG), 0};
  k->w = (im_v3){-sin(lat0 * DEG) * cos(lon0 * DEG), -sin(lat0 * DEG) * sin(lon0 * DEG), cos(lat0 * DEG)};
  k->cosr = cos(radius_deg * DEG);
}

void im_cap_rim_point(const im_cap *k, double t, double *lon, double *lat) {
  double sr = sqrt(1 - k->cosr * k->cosr), ct = cos(t), st = sin(t);
  im_v3 p = {k->c.x * k->cosr + sr * (k->u.x * ct + k->w.x * st), k->c.y * k->cosr + sr * (k->u.y * ct + k->w.y * st),
             k->c.z * k->cosr + sr * (k->u.z * ct + k->w.z * st)};
  *lon = atan2(p.y, p.x) / DEG;
  *lat = atan2(p.z, hypot(p.x, p.y)) / DEG;
}

bool im_cap_contains(const im_cap *k, double lon, double lat) { return dot(k->c, to_v3(lon, lat)) >= k->cosr; }

static double rim_angle(const im_cap *k, im_v3 p) { return atan2(dot(p, k->w), dot(p, k->u)); }

/* Adds lon/lat to g, its longitude moved by whole turns to within 180° of
 * the point before (the antimeridian cut wants continuous longitudes). */
static bool add_continuous(im_geom *g, size_t part_start, double lon, double lat) {
  if (g->npoints > part_start) {
    double prev = g->xy[2 * (g->npoints - 1)];
    lon += 360 * round((prev - lon) / 360);
  }
  return im_geom_add_point(g, lon, lat);
}

/* Where the segment p-q (one in, one out) meets the rim, as lon/lat and
 * rim angle. */
static void crossing(const im_cap *k, const double *p, const double *q, double *lon, double *lat, double *angle) {
  im_v3 pp = to_v3(p[0], p[1]), pq = to_v3(q[0], q[1]);
  double dp = dot(k->c, pp) - k->cosr, dq = dot(k->c, pq) - k->cosr, t = dp / (dp - dq);
  im_v3 m = {pp.x + t * (pq.x - pp.x), pp.y + t * (pq.y - pp.y), pp.z + t * (pq.z - pp.z)};
  *angle = rim_angle(k, m);
  /* On the rim itself (the chord's point is a hair inside the sphere). */
  im_cap_rim_point(k, *angle, lon, lat);
}

static bool clip_ring(const im_cap *k, const double *v, size_t n, im_geom *dst) {
  size_t inside = 0;
  for (size_t i = 0; i < n; i++)
    inside += im_cap_contains(k, v[2 * i], v[2 * i + 1]);
  if (!inside)
    return true;
  if (!im_geom_begin_part(dst))
    return false;
  size_t start = dst->npoints;
  if (inside == n) {
    for (size_t i = 0; i < n; i++)
      if (!im_geom_add_point(dst, v[2 * i], v[2 * i + 1]))
        return false;
    im_geom_end_part(dst, 3);
    return true;
  }
  /* Sutherland-Hodgman against the plane dot(c, p) = cosr, from the first
   * vertex inside so the ring's exits and entries pair up. */
  size_t first = 0;
  while (!im_cap_contains(k, v[2 * first], v[2 * first + 1]))
    first++;
  double exit_t = 0;
  for (size_t j = 1; j <= n; j++) {
    const double *p = v + 2 * ((first + j - 1) % n), *q = v + 2 * ((first + j) % n);
    bool pin = im_cap_contains(k, p[0], p[1]), qin = im_cap_contains(k, q[0], q[1]);
    if (pin != qin) {
      double lon, lat, qt;
      crossing(k, p, q, &lon, &lat, &qt);
      if (qin) {
        /* Coming back in: along the rim from where it left, the short way. */
        double sweep = remainder(qt - exit_t, 2 * M_PI);
        int steps = (int)ceil(fabs(sweep) / (1 * DEG));
        for (int s = 1; s < steps; s++) {
          double l, b;
          im_cap_rim_point(k, exit_t + sweep * s / steps, &l, &b);
          if (!add_continuous(dst, start, l, b))
            return false;
        }
      } else {
        exit_t = qt;
      }
      if (!add_continuous(dst, start, lon, lat))
        return false;
    }
    if (qin && !add_continuous(dst, start, q[0], q[1]))
      return false;
  }
  im_geom_end_part(dst, 3);
  return true;
}

static bool clip_line(const im_cap *k, const double *v, size_t n, im_geom *dst) {
  bool open = false;
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    bool in = im_cap_contains(k, v[2 * i], v[2 * i + 1]);
    if (i > 0 && in != im_cap_contains(k, v[2 * i - 2], v[2 * i - 1])) {
      double lon, lat, t;
      crossing(k, v + 2 * i - 2, v + 2 * i, &lon, &lat, &t);
      if (!open) {
        if (!im_geom_begin_part(dst))
          return false;
        start = dst->npoints;
        open = true;
      }
      if (!add_continuous(dst, start, lon, lat))
        return false;
      if (!in) {
        im_geom_end_part(dst, 2);
        open = false;
      }
    }
    if (in) {
      if (!open) {
        if (!im_geom_begin_part(dst))
          return false;
        start = dst->npoints;
        open = true;
      }
      if (!add_continuous(dst, start, v[2 * i], v[2 * i + 1]))
        return false;
    }
  }
  if (open)
    im_geom_end_part(dst, 2);
  return true;
}

bool im_cap_clip(const im_cap *k, const im_geom *src, bool rings_as_lines, im_geom *dst) {
  bool rings = src->kind == IM_GEOM_POLYGON && !rings_as_lines;
  im_geom_reset(dst, src->kind == IM_GEOM_POLYGON && rings_as_lines ? IM_GEOM_LINE : src->kind);
  dst->nonzero = src->nonzero;
  if (src->kind == IM_GEOM_POINT) {
    if (!im_geom_begin_part(dst))
      return false;
    for (size_t i = 0; i < src->npoints; i++)
      if (im_cap_contains(k, src->xy[2 * i], src->xy[2 * i + 1]) &&
          !im_geom_add_point(dst, src->xy[2 * i], src->xy[2 * i + 1]))
        return false;
    return true;
  }
  for (size_t p = 0; p < src->nparts; p++) {
    const double *v = src->xy + 2 * src->parts[p];
    size_t n = im_geom_part_size(src, p);
    if (rings) {
      /* Shapefile rings repeat their first vertex at the end. */
      if (n > 1 && v[0] == v[2 * (n - 1)] && v[1] == v[2 * (n - 1) + 1])
        n--;
      if (n >= 3 && !clip_ring(k, v, n, dst))
        return false;
    } else if (!clip_line(k, v, n, dst)) {
      return false;
    }
  }
  return true;
}
