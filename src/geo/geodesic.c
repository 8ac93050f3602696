/* Geodesic routes with PROJ's geodesic.h (Karney's algorithms, accurate to
 * nanometres): a cable from Chile to China is drawn over the Pacific along
 * the shortest path, not as a straight line in the map's projection.
 *
 * Longitudes are unrolled (GEOD_LONG_UNROLL) rather than wrapped into
 * -180..180, so a route that crosses the antimeridian runs on to -190
 * instead of jumping to 170; the dateline cut later splits it where the
 * map needs. */
#include "influmap/geodesic.h"

#include <math.h>
#include <pthread.h>

#include "geo/geodesic-private.h"

/* A segment split finer than this is as good as a curve on any page. */
#define IM_GEODESIC_MAX_PER_SEGMENT 100000

/* geod_init sets the library's constants (tolerances, iteration counts,
 * pi) on its first call, unguarded; and libproj25 (PROJ 9.1, Debian 12)
 * as compiled stores "done" before several of them. A second thread whose
 * first geod_init falls in between skips the set-up and computes with
 * zeros. A batch's workers start their maps, and so their first geodesic
 * (the scale at the frame's centre), together: the first call is made
 * here, once, and every caller waits for it. */
static pthread_once_t geod_once = PTHREAD_ONCE_INIT;

static void geod_first(void) {
  struct geod_geodesic g;
  geod_init(&g, 6378137.0, 1 / 298.257223563);
}

void im_geod_ready(void) { pthread_once(&geod_once, geod_first); }

void im_geod_wgs84(struct geod_geodesic *g) {
  im_geod_ready();
  geod_init(g, 6378137.0, 1 / 298.257223563);
}

static void wgs84(struct geod_geodesic *g) { im_geod_wgs84(g); }

static bool valid(const double *v) { return isfinite(v[0]) && isfinite(v[1]) && fabs(v[1]) <= 90; }

bool im_geom_geodesic(const im_geom *src, double max_step_km, im_geom *dst) {
  if (src->kind == IM_GEOM_POINT)
    return im_geom_copy(dst, src);
  im_geom_reset(dst, src->kind);
  dst->nonzero = src->nonzero;
  struct geod_geodesic g;
  wgs84(&g);
  for (size_t p = 0; p < src->nparts; p++) {
    size_t start = src->parts[p], n = im_geom_part_size(src, p);
    if (!im_geom_begin_part(dst))
      return false;
    double out_lon = 0; /* the last vertex's longitude as written to dst */
    for (size_t i = 0; i < n; i++) {
      const double *v = src->xy + 2 * (start + i);
      const double *u = v - 2;
      if (i == 0 || !valid(u) || !valid(v)) {
        /* Left as it is; remove_invalid drops what cannot be drawn. */
        if (!im_geom_add_point(dst, v[0], v[1]))
          return false;
        out_lon = v[0];
        continue;
      }
      /* The previous vertex may already sit a turn or more away from its
       * source longitude; keep this segment on from there. */
      double shift = out_lon - u[0];
      struct geod_geodesicline line;
      geod_inverseline(&line, &g, u[1], u[0], v[1], v[0], GEOD_LATITUDE | GEOD_LONGITUDE | GEOD_DISTANCE_IN);
      double s13 = line.s13;
      double steps = max_step_km > 0 ? ceil(s13 / (max_step_km * 1000)) : 1;
      if (!(steps >= 1))
        steps = 1;
      if (steps > IM_GEODESIC_MAX_PER_SEGMENT)
        steps = IM_GEODESIC_MAX_PER_SEGMENT;
      for (int k = 1; k < (int)steps; k++) {
        double lat, lon;
        geod_genposition(&line, GEOD_LONG_UNROLL, s13 * k / steps, &lat, &lon, 0, 0, 0, 0, 0, 0);
        if (!im_geom_add_point(dst, lon + shift, lat))
          return false;
      }
      /* The end vertex exactly, moved by whole turns to where the
       * geodesic arrives. */
      double lat, lon;
      geod_genposition(&line, GEOD_LONG_UNROLL, s13, &lat, &lon, 0, 0, 0, 0, 0, 0);
      double end = v[0] + 360 * round((lon - v[0]) / 360) + shift;
      if (!im_geom_add_point(dst, end, v[1]))
        return false;
      out_lon = end;
    }
  }
  return true;
}

double im_geom_geodesic_length_km(const im_geom *g) {
  if (g->kind == IM_GEOM_POINT)
    return 0;
  struct geod_geodesic geod;
  wgs84(&geod);
  double total = 0;
  for (size_t p = 0; p < g->nparts; p++) {
    size_t start = g->parts[p], n = im_geom_part_size(g, p);
    for (size_t i = 1; i < n; i++) {
      const double *u = g->xy + 2 * (start + i - 1), *v = u + 2;
      if (!valid(u) || !valid(v))
        continue;
      double s12;
      geod_inverse(&geod, u[1], u[0], v[1], v[0], &s12, 0, 0);
      total += s12;
    }
  }
  return total / 1000;
}
