/* What a projection can show (domain-private.h). The tests are numerical,
 * on a few projected points, so they hold for any CRS PROJ knows rather
 * than for a list of projection names. */
#include "geo/domain-private.h"
#include "geo/geom-private.h"

#include <math.h>
#include <stdlib.h>

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
  k->r = radius_deg * DEG;
}

static bool polygon_contains(const im_geom *src, double lon, double lat);

/* Whether every point of the lon/lat box lies within cosine c of the cap's
 * centre. The farthest point of such a box from any centre is one of its
 * corners (along a parallel the distance grows with the longitude's
 * distance from the centre's, along a meridian it has no maximum inside),
 * or, on a box reaching across the meridian opposite the centre, a point
 * of that meridian. */
static bool box_within(const im_cap *k, double w, double s, double e, double n, double c) {
  double lon0 = atan2(k->c.y, k->c.x) / DEG, opposite = lon0 + 180;
  opposite -= 360 * floor((opposite - w) / 360); /* the first at or east of w */
  double lons[3] = {w, e, opposite};
  int nlons = opposite <= e ? 3 : 2;
  for (int i = 0; i < nlons; i++)
    if (!(dot(k->c, to_v3(lons[i], s)) >= c) || !(dot(k->c, to_v3(lons[i], n)) >= c))
      return false;
  return true;
}

bool im_cap_well_inside(const im_cap *k, const im_geom *g) {
  if (!g->npoints)
    return true;
  double longest2 = 0, w = INFINITY, s = INFINITY, e = -INFINITY, n = -INFINITY;
  for (size_t p = 0; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    for (size_t i = 1, m = im_geom_part_size(g, p); i < m; i++) {
      double dx = v[2 * i] - v[2 * i - 2], dy = v[2 * i + 1] - v[2 * i - 1];
      longest2 = fmax(longest2, dx * dx + dy * dy);
    }
  }
  for (size_t i = 0; i < g->npoints; i++) {
    w = fmin(w, g->xy[2 * i]), e = fmax(e, g->xy[2 * i]);
    s = fmin(s, g->xy[2 * i + 1]), n = fmax(n, g->xy[2 * i + 1]);
  }
  double longest = sqrt(longest2);
  if (!(longest * DEG < k->r))
    return false;
  double c = cos(k->r - longest * DEG);
  /* The shape's box first: four or six points instead of every vertex. */
  if (!(e - w < 180 && box_within(k, w, s, e, n, c)))
    for (size_t i = 0; i < g->npoints; i++)
      if (!(dot(k->c, to_v3(g->xy[2 * i], g->xy[2 * i + 1])) >= c))
        return false;
  if (g->kind != IM_GEOM_POLYGON)
    return true;
  /* A polygon may yet hold all that lies outside the cap (a country
   * round the antipode of an equal-area map). */
  double alon = atan2(-k->c.y, -k->c.x) / DEG, alat = asin(-k->c.z) / DEG;
  alon -= 360 * floor((alon - w) / 360);
  if (alat < s || alat > n || alon > e)
    return true;
  return !polygon_contains(g, alon, alat);
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

/* Even-odd point in polygon over every ring of src, in the plane of
 * longitude and latitude (rings cut at the antimeridian, as Natural Earth
 * and shapefiles have them, and rings round a pole along ±90°, are right
 * there; a ring whose longitudes run past ±180° is tried a turn either
 * side). Which side of a ring is inside decides how a polygon leaving the
 * cap is closed along the rim, so it must not depend on the rings'
 * orientation, which sources do not agree on. */
static bool polygon_contains(const im_geom *src, double lon, double lat) {
  for (int turn = -1; turn <= 1; turn++)
    if (im_geom_contains(src, lon + 360.0 * turn, lat))
      return true;
  return false;
}

/* A run of a ring inside the cap: from where it enters (rim angle t_in)
 * to where it leaves (t_out), its points part `part` of the runs. */
typedef struct {
  size_t part;
  double t_in, t_out;
} cap_run;

/* A place the rings cross the rim, sorted by angle. */
typedef struct {
  double t;
  size_t run;
  bool entry;
} cap_event;

static int event_cmp(const void *a, const void *b) {
  const cap_event *x = a, *y = b;
  return (x->t > y->t) - (x->t < y->t);
}

static double angle_0_2pi(double t) {
  t = fmod(t, 2 * M_PI);
  return t < 0 ? t + 2 * M_PI : t;
}

/* The rim from angle a to b (b - a of either sign), end points excluded. */
static bool add_rim(const im_cap *k, im_geom *dst, size_t start, double a, double b) {
  int steps = (int)ceil(fabs(b - a) / (1 * DEG));
  for (int s = 1; s < steps; s++) {
    double l, t;
    im_cap_rim_point(k, a + (b - a) * s / steps, &l, &t);
    if (!add_continuous(dst, start, l, t))
      return false;
  }
  return true;
}

/* One ring's runs inside the cap into runs/list (a ring wholly inside goes
 * to dst as it is). */
static bool ring_runs(const im_cap *k, const double *v, size_t n, im_geom *dst, im_geom *runs, cap_run **list,
                      size_t *nruns, size_t *room) {
  size_t inside = 0;
  for (size_t i = 0; i < n; i++)
    inside += im_cap_contains(k, v[2 * i], v[2 * i + 1]);
  if (!inside)
    return true;
  if (inside == n) {
    if (!im_geom_begin_part(dst))
      return false;
    for (size_t i = 0; i < n; i++)
      if (!im_geom_add_point(dst, v[2 * i], v[2 * i + 1]))
        return false;
    im_geom_end_part(dst, 3);
    return true;
  }
  /* From a vertex where the ring comes in, so every run ends inside the
   * loop. */
  size_t e = 0;
  while (im_cap_contains(k, v[2 * ((e + n - 1) % n)], v[2 * ((e + n - 1) % n) + 1]) ||
         !im_cap_contains(k, v[2 * e], v[2 * e + 1]))
    e++;
  size_t start = 0;
  for (size_t j = 0; j < n; j++) {
    const double *p = v + 2 * ((e + j + n - 1) % n), *q = v + 2 * ((e + j) % n);
    bool pin = im_cap_contains(k, p[0], p[1]), qin = im_cap_contains(k, q[0], q[1]);
    if (pin != qin) {
      double lon, lat, t;
      crossing(k, p, q, &lon, &lat, &t);
      if (qin) {
        if (*nruns == *room) {
          size_t r = *room ? 2 * *room : 8;
          cap_run *grown = realloc(*list, r * sizeof *grown);
          if (!grown)
            return false;
          *list = grown, *room = r;
        }
        (*list)[*nruns] = (cap_run){runs->nparts, angle_0_2pi(t), 0};
        if (!im_geom_begin_part(runs))
          return false;
        start = runs->npoints;
      }
      if (!add_continuous(runs, start, lon, lat))
        return false;
      if (!qin) {
        (*list)[*nruns].t_out = angle_0_2pi(t);
        (*nruns)++;
        im_geom_end_part(runs, 0);
      }
    }
    if (qin && !add_continuous(runs, start, q[0], q[1]))
      return false;
  }
  return true;
}

/* How the largest of the rings from part `first` of g on turns on the page
 * of an azimuthal map centred on the cap: +1 anticlockwise (east towards
 * north, as the rim does with its angle), -1 clockwise; +1 when there is
 * none. A ring turns on the page as it does in longitude and latitude,
 * except one round the antipode: the page shows it from the other side. */
static double rim_turn_of_child(const im_cap *k, const im_geom *g, size_t first) {
  double best = 0, sign = 1;
  for (size_t p = first; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    size_t n = im_geom_part_size(g, p);
    double area = 0;
    for (size_t i = 0, j = n - 1; i < n; j = i++)
      area += v[2 * j] * v[2 * i + 1] - v[2 * i] * v[2 * j + 1];
    if (fabs(area) <= best)
      continue;
    best = fabs(area);
    im_geom ring = {.kind = IM_GEOM_POLYGON, .npoints = n, .nparts = 1, .xy = (double *)v, .parts = (size_t[]){0}};
    double alon = atan2(-k->c.y, -k->c.x) / DEG, alat = asin(-k->c.z) / DEG;
    sign = (area > 0 ? 1 : -1) * (polygon_contains(&ring, alon, alat) ? -1 : 1);
  }
  return sign;
}

/* A polygon (every ring of src) clipped to the cap, as Weiler and
 * Atherton clip: each run of a ring inside the cap is followed to where it
 * leaves, then the rim is followed, on the side that lies inside the
 * polygon, to where the next run comes in, until the ring closes. The
 * side is found by testing the polygon at the middle of each piece of rim
 * between two crossings. Closing the short way round instead fails when a
 * polygon holds more than half the rim (a continent at the edge of a
 * globe), and a polygon that holds the whole rim without crossing it (an
 * island round the antipode of an azimuthal map, whose rim circles the
 * antipode) gets the rim as a ring of its own, which with the even-odd
 * rule leaves that island its true shape on the page. */
static bool clip_polygon(const im_cap *k, const im_geom *src, im_geom *dst) {
  im_geom runs;
  im_geom_init(&runs, IM_GEOM_LINE);
  cap_run *list = NULL;
  cap_event *ev = NULL;
  bool *arc_in = NULL, *done = NULL;
  size_t nruns = 0, room = 0, first_part = dst->nparts;
  bool ok = true;
  for (size_t p = 0; ok && p < src->nparts; p++) {
    const double *v = src->xy + 2 * src->parts[p];
    size_t n = im_geom_part_size(src, p);
    /* Shapefile rings repeat their first vertex at the end. */
    if (n > 1 && v[0] == v[2 * (n - 1)] && v[1] == v[2 * (n - 1) + 1])
      n--;
    if (n >= 3)
      ok = ring_runs(k, v, n, dst, &runs, &list, &nruns, &room);
  }
  if (ok && nruns == 0) {
    double lon, lat;
    im_cap_rim_point(k, 0, &lon, &lat);
    if (polygon_contains(src, lon, lat)) {
      /* The rim is the outermost ring on the page; filled with the
       * non-zero rule (polygons filled together, im_fill_batch) it must
       * turn against the rings inside it. */
      double dir = -rim_turn_of_child(k, dst, first_part);
      ok = im_geom_begin_part(dst);
      size_t start = dst->npoints;
      for (int i = 0; ok && i < 360; i++) {
        im_cap_rim_point(k, dir * i * DEG, &lon, &lat);
        ok = add_continuous(dst, start, lon, lat);
      }
      im_geom_end_part(dst, 3);
    }
  }
  size_t nev = 2 * nruns;
  if (ok && nruns &&
      (!(ev = malloc(nev * sizeof *ev)) || !(arc_in = malloc(nev * sizeof *arc_in)) ||
       !(done = calloc(nruns, sizeof *done))))
    ok = false;
  if (ok && nruns) {
    for (size_t r = 0; r < nruns; r++) {
      ev[2 * r] = (cap_event){list[r].t_in, r, true};
      ev[2 * r + 1] = (cap_event){list[r].t_out, r, false};
    }
    qsort(ev, nev, sizeof *ev, event_cmp);
    size_t *exit_at = (size_t *)malloc(nruns * sizeof *exit_at);
    if (!exit_at)
      ok = false;
    for (size_t i = 0; ok && i < nev; i++) {
      double a = ev[i].t, b = i + 1 < nev ? ev[i + 1].t : ev[0].t + 2 * M_PI, lon, lat;
      im_cap_rim_point(k, (a + b) / 2, &lon, &lat);
      arc_in[i] = polygon_contains(src, lon, lat);
      if (!ev[i].entry)
        exit_at[ev[i].run] = i;
    }
    for (size_t s0 = 0; ok && s0 < nruns; s0++) {
      if (done[s0])
        continue;
      if (!(ok = im_geom_begin_part(dst)))
        break;
      size_t start = dst->npoints;
      for (size_t cur = s0, guard = 0; ok && guard <= nruns; guard++) {
        done[cur] = true;
        const double *v = runs.xy + 2 * runs.parts[list[cur].part];
        size_t n = im_geom_part_size(&runs, list[cur].part);
        for (size_t i = 0; ok && i < n; i++)
          ok = add_continuous(dst, start, v[2 * i], v[2 * i + 1]);
        /* Along the rim, on the polygon's side, to the next crossing. */
        size_t i = exit_at[cur], next;
        double a = ev[i].t, b;
        if (arc_in[i]) {
          next = (i + 1) % nev;
          b = next > i ? ev[next].t : ev[next].t + 2 * M_PI;
        } else if (arc_in[(i + nev - 1) % nev]) {
          next = (i + nev - 1) % nev;
          b = next < i ? ev[next].t : ev[next].t - 2 * M_PI;
        } else {
          break; /* neither side inside: a ring that touches the rim only */
        }
        if (!ev[next].entry)
          break; /* rings that cross each other: close here */
        if (ok)
          ok = add_rim(k, dst, start, a, b);
        if (ev[next].run == s0 || done[ev[next].run])
          break;
        cur = ev[next].run;
      }
      im_geom_end_part(dst, 3);
    }
    free(exit_at);
  }
  free(ev);
  free(arc_in);
  free(done);
  free(list);
  im_geom_free(&runs);
  return ok;
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
  if (rings)
    return clip_polygon(k, src, dst);
  for (size_t p = 0; p < src->nparts; p++)
    if (!clip_line(k, src->xy + 2 * src->parts[p], im_geom_part_size(src, p), dst))
      return false;
  return true;
}
