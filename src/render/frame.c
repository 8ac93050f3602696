/* The frame: from the spec's extent (degrees or CRS units) to the rectangle
 * in map units that fills the page, and back to the part of the globe it
 * shows, which decides what each layer reads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <time.h>

#include "core/context-private.h"
#include "core/limits-private.h"
#include "core/mem-private.h"
#include "influmap/limits.h"

#include "geo/crs-private.h"
#include "geo/geodesic-private.h"
#include "spec/map-furniture-private.h"
#include "render/render-private.h"

#if defined(__SANITIZE_ADDRESS__)
#define IM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IM_ASAN 1
#endif
#endif
#ifndef IM_ASAN
#define IM_ASAN 0
#endif

static double wrap180(double x) {
  x = fmod(x + 180.0, 360.0);
  if (x < 0)
    x += 360.0;
  return x - 180.0;
}

/* Projects a grid over a lon/lat box (edges sampled densely) and returns
 * the bounding box of what projects. clamp: the box ends at the map's cut
 * (a whole world), whose samples are kept a hair inside it. */
static bool projected_bounds(im_render_ctx *rc, double west, double east, double south, double north, bool clamp,
                             im_bbox *out) {
  enum { EDGE = 1024, GRID = 24 };
  size_t n = 4 * EDGE + GRID * GRID;
  double *xy = im_malloc_array(2 * n, sizeof *xy);
  if (!xy)
    return false;
  size_t k = 0;
  for (int i = 0; i < EDGE; i++) {
    double t = i / (double)(EDGE - 1);
    double lon = west + t * (east - west), lat = south + t * (north - south);
    xy[2 * k] = lon, xy[2 * k + 1] = south, k++;
    xy[2 * k] = lon, xy[2 * k + 1] = north, k++;
    xy[2 * k] = west, xy[2 * k + 1] = lat, k++;
    xy[2 * k] = east, xy[2 * k + 1] = lat, k++;
  }
  for (int i = 0; i < GRID; i++)
    for (int j = 0; j < GRID; j++) {
      xy[2 * k] = west + (east - west) * i / (GRID - 1.0);
      xy[2 * k + 1] = south + (north - south) * j / (GRID - 1.0);
      k++;
    }
  /* Keep samples just inside the map's own antimeridian and the poles'
   * singularities, where some projections return nothing. */
  for (size_t i = 0; i < n && clamp; i++) {
    double rel = xy[2 * i] - rc->lon0;
    if (rel <= -180.0)
      xy[2 * i] = rc->lon0 - 179.9999;
    if (rel >= 180.0)
      xy[2 * i] = rc->lon0 + 179.9999;
  }
  im_transform_array(rc->geo2map, xy, n, false);
  im_xwrap_apply(&rc->xwrap, xy, n);
  im_bbox b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (size_t i = 0; i < n; i++) {
    double x = xy[2 * i], y = xy[2 * i + 1];
    if (!isfinite(x))
      continue;
    b.minx = fmin(b.minx, x);
    b.maxx = fmax(b.maxx, x);
    b.miny = fmin(b.miny, y);
    b.maxy = fmax(b.maxy, y);
  }
  free(xy);
  *out = b;
  return isfinite(b.minx) && b.maxx > b.minx && b.maxy > b.miny;
}

/* The geographic footprint of the frame (f: its extent in map units), as
 * up to two lon/lat boxes. */
/* How near (degrees of arc) two lon/lat vertices may be and one still be
 * dropped before projecting (project-private.h): what maps to the
 * simplification tolerance (half a pixel on a PNG) where the
 * projection stretches the most over the frame, found on a grid of points
 * of the frame by the largest singular value of the projection's
 * derivative there, rounded down to a half-octave (a power of the square
 * root of two) so that maps of about the same scale share cached
 * projections. 0 (no thinning) when the grid tells nothing. Thinning in
 * lon/lat spares projecting, cutting and densifying the vertices the
 * simplification on the page would drop anyway (10m coastlines have
 * several to a pixel on a continent-wide map): latam-10m's projection
 * stage 49 -> 37 ms, land IoU against gdal_rasterize 0.99963 -> 0.99957
 * (bench/). The whole tolerance rather than three quarters of it: the
 * page's own radial pass drops what is nearer than that anyway, and
 * latam-10m projects 15% fewer vertices than at three quarters (399k ->
 * 337k; 5% fewer instructions in all, callgrind), land IoU 0.99955 ->
 * 0.99942. */
#define IM_THIN_SHARE 1.0 /* of the simplification tolerance */
static double thin_tolerance(const im_render_ctx *rc) {
  enum { N = 17 };
  const double d = 1e-3; /* degrees: a derivative by finite differences */
  const im_frame *f = &rc->frame;
  double *xy = im_malloc_array(6 * N * N, sizeof *xy);
  if (!xy)
    return 0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      xy[2 * (i * N + j)] = f->xmin + (f->xmax - f->xmin) * i / (N - 1.0);
      xy[2 * (i * N + j) + 1] = f->ymin + (f->ymax - f->ymin) * j / (N - 1.0);
    }
  im_transform_array(rc->geo2map, xy, N * N, true);
  /* Each point, then a step east and a step north of it, all projected. */
  double *q = xy + 2 * N * N;
  for (int k = 0; k < N * N; k++) {
    double lon = xy[2 * k], lat = xy[2 * k + 1];
    double c = fmax(cos(lat * (M_PI / 180)), 1e-3);
    q[4 * k] = lon + d / c, q[4 * k + 1] = lat;
    q[4 * k + 2] = lon, q[4 * k + 3] = lat + d;
  }
  im_transform_array(rc->geo2map, xy, N * N, false);
  im_transform_array(rc->geo2map, q, 2 * N * N, false);
  im_xwrap_apply(&rc->xwrap, xy, N * N);
  im_xwrap_apply(&rc->xwrap, q, 2 * N * N);
  double worst = 0, sx = rc->dev_per_unit_x, sy = rc->dev_per_unit_y;
  bool any = false;
  for (int k = 0; k < N * N; k++) {
    double x = xy[2 * k], y = xy[2 * k + 1];
    double ax = (q[4 * k] - x) * sx / d, ay = (q[4 * k + 1] - y) * sy / d;
    double bx = (q[4 * k + 2] - x) * sx / d, by = (q[4 * k + 3] - y) * sy / d;
    double t = ax * ax + ay * ay + bx * bx + by * by, det = ax * by - ay * bx;
    double s1 = sqrt((t + sqrt(fmax(t * t - 4 * det * det, 0))) / 2);
    if (!isfinite(s1))
      continue;
    any = true;
    worst = fmax(worst, s1);
  }
  free(xy);
  if (!any || !(worst > 0))
    return 0;
  double tol = rc->simplify_tol * IM_THIN_SHARE / worst;
  return isfinite(tol) && tol > 0 ? exp2(floor(2 * log2(tol)) / 2) : 0;
}

static bool frame_query(im_render_ctx *rc, const im_bbox *f) {
  enum { N = 49 };
  double *xy = im_malloc_array(2 * N * N + 4, sizeof *xy);
  if (!xy)
    return false;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      xy[2 * (i * N + j)] = f->minx + (f->maxx - f->minx) * i / (N - 1.0);
      xy[2 * (i * N + j) + 1] = f->miny + (f->maxy - f->miny) * j / (N - 1.0);
    }
  size_t failed = im_transform_array(rc->geo2map, xy, N * N, true);
  double lo = INFINITY, hi = -INFINITY, s = INFINITY, nn = -INFINITY;
  for (int i = 0; i < N * N; i++) {
    if (!isfinite(xy[2 * i]))
      continue;
    double rel = wrap180(xy[2 * i] - rc->lon0);
    lo = fmin(lo, rel);
    hi = fmax(hi, rel);
    s = fmin(s, xy[2 * i + 1]);
    nn = fmax(nn, xy[2 * i + 1]);
  }
  /* A pole inside the frame means every longitude is seen. */
  double poles[4] = {rc->lon0, 90, rc->lon0, -90};
  im_transform_array(rc->geo2map, poles, 2, false);
  im_xwrap_apply(&rc->xwrap, poles, 2);
  bool pole_in[2];
  for (int p = 0; p < 2; p++)
    pole_in[p] = isfinite(poles[2 * p]) && poles[2 * p] >= f->minx && poles[2 * p] <= f->maxx &&
                 poles[2 * p + 1] >= f->miny && poles[2 * p + 1] <= f->maxy;
  free(xy);
  if (!isfinite(lo)) {
    rc->query_all = true;
    return true;
  }
  /* Samples are a grid step apart: widen by more than one step. */
  double lat_margin = 2.0 + 0.1 * (nn - s), lon_margin = 2.0 + 0.1 * (hi - lo);
  s -= lat_margin;
  nn += lat_margin;
  lo -= lon_margin;
  hi += lon_margin;
  if (pole_in[0])
    nn = 90;
  if (pole_in[1])
    s = -90;
  if (failed || pole_in[0] || pole_in[1] || hi - lo >= 350) {
    lo = -180;
    hi = 180;
  }
  s = fmax(s, -90);
  nn = fmin(nn, 90);
  double west = rc->lon0 + lo, east = rc->lon0 + hi;
  im_layer_query *q = &rc->query;
  if (hi - lo >= 360 || (west <= -180 && east >= 180)) {
    q->nboxes = 1;
    q->boxes[0] = (im_bbox){-180, s, 180, nn};
    rc->query_all = s <= -90 && nn >= 90;
  } else if (west < -180) {
    q->nboxes = 2;
    q->boxes[0] = (im_bbox){west + 360, s, 180, nn};
    q->boxes[1] = (im_bbox){-180, s, east, nn};
  } else if (east > 180) {
    q->nboxes = 2;
    q->boxes[0] = (im_bbox){west, s, 180, nn};
    q->boxes[1] = (im_bbox){-180, s, east - 360, nn};
  } else {
    q->nboxes = 1;
    q->boxes[0] = (im_bbox){west, s, east, nn};
  }
  return true;
}

/* The scale denominator at the frame's centre: ground distance (geodesic,
 * WGS 84) between two points 1 cm apart on the page, across, over 1 cm. */
static double scale_at_centre(im_render_ctx *rc, const im_bbox *f, double frame_width_pt) {
  double units_per_cm = (f->maxx - f->minx) / (frame_width_pt / 72.0 * 2.54);
  double cx = (f->minx + f->maxx) / 2, cy = (f->miny + f->maxy) / 2;
  double xy[4] = {cx - units_per_cm / 2, cy, cx + units_per_cm / 2, cy};
  if (im_transform_array(rc->geo2map, xy, 2, true))
    return 0;
  struct geod_geodesic g;
  im_geod_wgs84(&g);
  double d = 0;
  geod_inverse(&g, xy[1], xy[0], xy[3], xy[2], &d, NULL, NULL);
  return d > 0 ? d / 0.01 : 0;
}

/* A whole azimuthal map: the bounds of its cap's rim (radius degrees of
 * arc), which a grid of longitudes and latitudes only comes near on a
 * globe (a frame 0.35% too small) and overshoots on a stereographic map
 * (whose antipode is at infinity). */
static bool cap_bounds(im_render_ctx *rc, double radius, im_bbox *ext) {
  enum { N = 1440 };
  im_cap k;
  im_cap_init(&k, rc->crs_lon0, im_crs_origin_latitude(rc->map_crs), radius);
  *ext = (im_bbox){INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (int i = 0; i < N; i++) {
    double xy[2];
    im_cap_rim_point(&k, i * (2 * M_PI / N), &xy[0], &xy[1]);
    if (im_transform_array(rc->geo2map, xy, 1, false))
      continue;
    ext->minx = fmin(ext->minx, xy[0]), ext->maxx = fmax(ext->maxx, xy[0]);
    ext->miny = fmin(ext->miny, xy[1]), ext->maxy = fmax(ext->maxy, xy[1]);
  }
  return isfinite(ext->minx) && ext->maxx > ext->minx && ext->maxy > ext->miny;
}

/* The extent in degrees, to a box in map units (ext). Without assuming
 * where the CRS is centred: an extent across the CRS's own antimeridian
 * (its central meridian + 180°) is shown by a cylindrical map as it is,
 * its frame centred on the extent (the map is then cut opposite that
 * centre, and x moved into the period the frame shows: rc->xwrap); by a
 * projection that does not tear there (an azimuthal one) as it is; and
 * is an error where the projection tears it in two (Robinson centred on
 * 0°), naming the extent and the CRS. A cylindrical map whose poles are
 * infinitely far (Mercator, Web Mercator) stops where its height equals
 * its width (85.05° for Web Mercator), with a note. */
static im_status degree_extent(im_render_ctx *rc, const im_map *map, im_bbox *ext, im_error *err) {
  const im_extent *e = &map->extent;
  double west = e->west, east = e->east, south = e->south, north = e->north;
  bool whole = e->kind == IM_EXTENT_AUTO;
  if (whole) {
    west = rc->crs_lon0 - 180;
    east = rc->crs_lon0 + 180;
    south = -90;
    north = 90;
  } else if (east < west) {
    east += 360; /* the extent crosses the antimeridian */
  }
  double period = im_domain_x_period(rc->geo2map, rc->crs_lon0);
  if (period != 0) {
    double limit = im_domain_pole_limit(rc->geo2map, rc->crs_lon0, period);
    if (limit < 90 && (south < -limit || north > limit)) {
      im_warn("%s: the CRS %s cannot show the poles (they lie at infinity): the map shows latitudes %.2f to %.2f "
              "degrees; give an extent to choose others",
              map->path ? map->path : "map", map->crs, fmax(south, -limit), fmin(north, limit));
      south = fmax(south, -limit);
      north = fmin(north, limit);
      if (!(north > south))
        return im_error_set(err, IM_STATUS_INPUT, map->path, e->pos.line, e->pos.column,
                            "the extent (south %g, north %g) lies beyond the latitudes the CRS %s can show (%.2f to "
                            "%.2f)",
                            e->south, e->north, map->crs, -limit, limit);
    }
  }
  double rel_w = wrap180(west - rc->crs_lon0), rel_e = rel_w + (east - west);
  bool crosses = !whole && east - west < 360 && rel_e > 180 + 1e-9;
  bool clamp = true;
  if (crosses && period != 0) {
    /* Centred on the extent: cut opposite its middle, x into the period
     * round it. */
    double mid = wrap180((west + east) / 2), origin[2] = {rc->crs_lon0, 0};
    if (!im_transform_array(rc->geo2map, origin, 1, false)) {
      rc->lon0 = mid;
      rc->xwrap = (im_xwrap){period, origin[0] + period / 360 * wrap180(mid - rc->crs_lon0)};
    }
  } else if (crosses) {
    if (im_domain_tears(rc->geo2map, rc->crs_lon0 + 180, south, north))
      return im_error_set(err, IM_STATUS_INPUT, map->path, e->pos.line, e->pos.column,
                          "the extent {west: %g, east: %g, south: %g, north: %g} crosses %g degrees, where the CRS %s "
                          "(central meridian %g) is cut in two: no one frame shows it; centre the CRS on the extent "
                          "(e.g. +lon_0=%.0f)",
                          e->west, e->east, e->south, e->north, 180 - wrap180(-rc->crs_lon0), map->crs, rc->crs_lon0,
                          wrap180((west + east) / 2));
    clamp = false; /* the projection is whole there: every longitude as it is */
  }
  /* Longitudes from the cut's side: a west of 160 and east of 190 (-170)
   * round a central meridian of -45 are -155 and -125 from it, not a
   * box past its antimeridian that the clamp would fold over. */
  double span = east - west, edge, clip;
  west = rc->lon0 + wrap180(west - rc->lon0);
  east = west + span;
  if (whole && im_render_azimuth(rc, true, &edge, &clip) && cap_bounds(rc, fmin(edge, 180 - 0.01), ext))
    return IM_STATUS_OK;
  if (!projected_bounds(rc, west, east, south, north, clamp, ext))
    return im_error_set(err, IM_STATUS_INPUT, map->path, e->pos.line, e->pos.column,
                        "the extent {west: %g, east: %g, south: %g, north: %g} cannot be shown in the CRS %s (no "
                        "point of it projects)",
                        e->west, e->east, e->south, e->north, map->crs);
  return IM_STATUS_OK;
}

double im_render_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

void im_render_lap(im_render_ctx *rc, double *stage) {
  if (!rc->times_out)
    return;
  double now = im_render_now_ms();
  *stage += now - rc->lap - rc->nested;
  rc->lap = now;
  rc->nested = 0;
}

im_status im_render_ctx_init(im_render_ctx *rc, const im_map *map, const im_render_options *opt, bool vector,
                             im_error *err) {
  memset(rc, 0, sizeof *rc);
  rc->map = map;
  if ((rc->times_out = opt ? opt->timings : NULL))
    rc->lap = im_render_now_ms();
  im_proj_scratch_init(&rc->scratch);
  im_geom_init(&rc->fill, IM_GEOM_POINT);
  im_geom_init(&rc->outline, IM_GEOM_POINT);
  im_geom_init(&rc->globe, IM_GEOM_POLYGON);
  im_projected_init(&rc->proj);
  rc->max_vertices = im_limits_current().max_vertices;
  im_status st;
  if (!(rc->geo = im_geo_ctx_create()))
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "cannot create a PROJ context");
  if ((st = im_crs_create(rc->geo, map->crs, map->path, map->crs_pos.line, map->crs_pos.column, &rc->map_crs, err)))
    return st;
  if ((st = im_crs_geographic(rc->geo, rc->map_crs, &rc->geog, err)) ||
      (st = im_transform_create(rc->geo, rc->geog, rc->map_crs, &rc->geo2map, err)))
    return st;
  rc->lon0 = rc->crs_lon0 = im_crs_central_meridian(rc->map_crs);

  rc->period_from = opt && opt->from ? opt->from : map->period_from;
  rc->period_to = opt && opt->to ? opt->to : map->period_to;
  im_frame *f = &rc->frame;
  f->dpi = opt && opt->dpi > 0 ? opt->dpi : map->dpi;
  im_length w = opt && opt->has_size ? opt->width : map->width;
  im_length h = opt && opt->has_size ? opt->height : map->height;
  f->width_pt = im_length_to_pt(w, f->dpi);
  f->height_pt = im_length_to_pt(h, f->dpi);
  /* Checked before it becomes an int: a width of 4294967396 px would wrap
   * to 100, and 1e308 mm to nothing. */
  double wpx = w.unit == IM_UNIT_PX ? w.value : f->width_pt * f->dpi / 72.0;
  double hpx = h.unit == IM_UNIT_PX ? h.value : f->height_pt * f->dpi / 72.0;
  if (!(wpx >= 0.5 && wpx < 32767.5) || !(hpx >= 0.5 && hpx < 32767.5))
    return im_error_set(err, IM_STATUS_INPUT, map->path, 0, 0,
                        "the page is %.6g x %.6g pixels at %g dpi; each side must be 1 to 32767", wpx, hpx, f->dpi);
  f->width_px = (int)lround(wpx);
  f->height_px = (int)lround(hpx);
  rc->dev_per_pt = vector ? 1.0 : f->dpi / 72.0;
  rc->dev_w = vector ? f->width_pt : f->width_px;
  rc->dev_h = vector ? f->height_pt : f->height_px;
  /* The map frame: the page less its margins (none by default). On a PNG
   * its edges fall on whole pixels, so the frame line and the clip are
   * sharp. */
  double mt, mr, mb, ml;
  im_furniture_margins_pt(map->furniture, f->dpi, &mt, &mr, &mb, &ml);
  double frame_w_pt = f->width_pt - ml - mr, frame_h_pt = f->height_pt - mt - mb;
  rc->fx0 = vector ? ml : round(ml * rc->dev_per_pt);
  rc->fy0 = vector ? mt : round(mt * rc->dev_per_pt);
  rc->fw = rc->dev_w - rc->fx0 - (vector ? mr : round(mr * rc->dev_per_pt));
  rc->fh = rc->dev_h - rc->fy0 - (vector ? mb : round(mb * rc->dev_per_pt));
  if (!(frame_w_pt >= 1) || !(frame_h_pt >= 1) || !(rc->fw >= 1) || !(rc->fh >= 1))
    return im_error_set(err, IM_STATUS_INPUT, map->path, 0, 0,
                        "the margins (%g, %g, %g, %g pt) leave no room for the map on a %g x %g pt page", mt, mr, mb,
                        ml, f->width_pt, f->height_pt);
  rc->clip_frame = rc->fx0 > 0 || rc->fy0 > 0 || rc->fw < rc->dev_w || rc->fh < rc->dev_h;

  im_bbox ext = {0, 0, 0, 0};
  const im_extent *e = &map->extent;
  if (e->kind == IM_EXTENT_CRS) {
    ext = (im_bbox){e->west, e->south, e->east, e->north};
  } else if ((st = degree_extent(rc, map, &ext, err))) {
    return st;
  }
  rc->extent_box = ext;
  /* Widen the extent to the frame's shape so the scale is the same in x and
   * y; the asked extent stays centred and wholly visible. */
  double ew = ext.maxx - ext.minx, eh = ext.maxy - ext.miny;
  /* The page's shape in points, not pixels: PNG, SVG and PDF of one spec
   * show the same frame (a PNG's rounding to whole pixels is absorbed by
   * its x and y scales differing by less than a pixel over the page). */
  double page_aspect = frame_w_pt / frame_h_pt;
  if (ew / eh < page_aspect) {
    double nw = eh * page_aspect, cx = (ext.minx + ext.maxx) / 2;
    ext.minx = cx - nw / 2;
    ext.maxx = cx + nw / 2;
  } else {
    double nh = ew / page_aspect, cy = (ext.miny + ext.maxy) / 2;
    ext.miny = cy - nh / 2;
    ext.maxy = cy + nh / 2;
  }
  f->xmin = ext.minx;
  f->xmax = ext.maxx;
  f->ymin = ext.miny;
  f->ymax = ext.maxy;
  rc->dev_per_unit_x = rc->fw / (ext.maxx - ext.minx);
  rc->dev_per_unit_y = rc->fh / (ext.maxy - ext.miny);
  /* Half a pixel at the output resolution: finer detail cannot be seen
   * (vector output is simplified for its print resolution). */
  rc->simplify_tol = 0.5 * rc->dev_per_pt * 72.0 / f->dpi;
  /* Vertices nearer than this to the line through their neighbours go
   * too. An eighth of a pixel on a PNG: a quarter moved world-map coasts
   * enough to flip edge pixels against an exact coverage mask (land IoU
   * 0.9990 against 0.9996, bench/). A quarter of the print pixel in SVG
   * and PDF, which no printer resolves: a quarter of the vertices fewer,
   * files as much smaller and faster to write. Lines that are only
   * stroked (outlines of unfilled polygons, line layers) take a quarter
   * pixel on a PNG too: a stroke's edge pixels are its own colour mixed
   * with what is under it, and they cover no land edge the coverage check
   * counts; latam-10m PNG 5% fewer instructions (callgrind), land IoU
   * 0.99957 -> 0.99955. */
  rc->simplify_line = rc->simplify_tol / (vector ? 2 : 4);
  rc->simplify_stroke = rc->simplify_tol / 2;
  if (!frame_query(rc, &ext))
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  rc->scale_denominator = scale_at_centre(rc, &ext, frame_w_pt);
  rc->thin_deg = im_env_thinning_off() ? 0 : thin_tolerance(rc);
  if (!im_render_globe_init(rc))
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  rc->symbols.dev_per_pt = rc->dev_per_pt;
  rc->symbols.dpi = f->dpi;
  if (!(rc->symbols.icons = im_icon_cache_create()))
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  rc->page = (im_page){.map = map,
                       .symbols = &rc->symbols,
                       .frame = rc->frame,
                       .dev_per_pt = rc->dev_per_pt,
                       .dev_w = rc->dev_w,
                       .dev_h = rc->dev_h,
                       .fx0 = rc->fx0,
                       .fy0 = rc->fy0,
                       .fw = rc->fw,
                       .fh = rc->fh,
                       .clip_frame = rc->clip_frame,
                       .scale_denominator = rc->scale_denominator,
                       .period_from = rc->period_from,
                       .period_to = rc->period_to,
                       .lon0 = rc->lon0,
                       .geo2map = rc->geo2map,
                       .xwrap = &rc->xwrap,
                       .globe = rc->globe.nparts ? &rc->globe : NULL,
                       .dev_per_unit_x = rc->dev_per_unit_x,
                       .dev_per_unit_y = rc->dev_per_unit_y,
                       .simplify_tol = rc->simplify_tol,
                       .simplify_line = rc->simplify_line,
                       .query = &rc->query,
                       .query_all = rc->query_all};
  im_render_lap(rc, &rc->times.setup);
  return IM_STATUS_OK;
}

void im_render_ctx_drop_scratch(im_render_ctx *rc) {
  im_projected_free(&rc->proj);
  im_proj_scratch_free(&rc->scratch);
  im_geom_free(&rc->fill);
  im_geom_free(&rc->outline);
  im_projected_init(&rc->proj);
  im_proj_scratch_init(&rc->scratch);
  im_geom_init(&rc->fill, IM_GEOM_POINT);
  im_geom_init(&rc->outline, IM_GEOM_POINT);
#if defined(__GLIBC__) && !IM_ASAN
  /* The pages freed amid the heap go back too, not only those at its top.
   * Not under AddressSanitizer: its allocator is not glibc's, and glibc's
   * malloc_trim from several batch threads once crashed there. */
  malloc_trim(0);
#endif
}

void im_render_ctx_fini(im_render_ctx *rc) {
  if (rc->times_out) {
    im_render_timings *o = rc->times_out;
    const im_render_timings *t = &rc->times;
    o->setup += t->setup, o->load += t->load, o->project += t->project, o->draw += t->draw;
    o->labels += t->labels, o->encode += t->encode;
  }
  if (rc->page.free_furniture)
    rc->page.free_furniture(rc->page.furniture);
  im_projected_free(&rc->proj);
  im_proj_scratch_free(&rc->scratch);
  im_geom_free(&rc->fill);
  im_geom_free(&rc->outline);
  im_geom_free(&rc->globe);
  im_icon_cache_free(rc->symbols.icons);
  if (!rc->labeler_shared)
    im_labeler_free(rc->labeler);
  im_transform_free(rc->geo2map);
  im_crs_free(rc->geog);
  im_crs_free(rc->map_crs);
  im_geo_ctx_free(rc->geo);
  memset(rc, 0, sizeof *rc);
}

/* The mark is user data on the page surface: every recording of the page
 * (page/page.c) is fed through one tee, so the page is where it is seen. */
static const cairo_user_data_key_t shared_key;

void im_render_mark_shared(cairo_t *cr) {
  cairo_surface_t *page = cairo_get_target(cr);
  if (!cairo_surface_get_user_data(page, &shared_key))
    cairo_surface_set_user_data(page, &shared_key, (void *)&shared_key, NULL);
}

void im_render_push_group(cairo_t *cr) {
  im_render_mark_shared(cr);
  cairo_push_group(cr);
}

bool im_render_is_shared(cairo_surface_t *page) { return cairo_surface_get_user_data(page, &shared_key) != NULL; }
