/* The projection's outline on the page: the edge of the world on a world
 * map (Robinson's rounded sides, Mollweide's ellipse, a cylindrical map's
 * rectangle), the rim of an orthographic globe or of any azimuthal map's
 * cap (im_render_azimuth). Where part of the frame
 * lies outside it, the sea (the background) and the graticule are drawn
 * inside it only and the rest of the frame is paper, as GMT and d3-geo
 * draw world maps; an outline stroke is optional (map: outline:). An
 * azimuthal map also clips every layer to its cap on the sphere before
 * projecting (im_render_ctx.cap): an orthographic or perspective globe to
 * its visible side, so no shape is joined by a chord across the hidden
 * side; an equal-area or equidistant one short of its antipode, which is
 * the whole outer circle on the page. */
#include <math.h>
#include <string.h>

#include "geo/crs-private.h"
#include "geo/geom-private.h"
#include "render/render-private.h"

#define DEG (M_PI / 180)
/* The visible cap stops this far short of the true horizon (degrees), so
 * every point kept projects on the ellipsoid too; at the rim of a globe a
 * page wide that is 4e-5 of its radius. */
#define IM_HORIZON_MARGIN 0.5
/* Steps along the outline, degrees. */
#define IM_OUTLINE_STEP 0.25

/* Pseudocylindrical world projections, by PROJ's method name: the
 * longitude/latitude rectangle's edge is their outline. Cylindrical ones
 * are found by their geometry (im_domain_x_period). Interrupted ones are
 * not: their outline has gaps this does not draw. */
static bool world_method(const char *m) {
  static const char *const names[] = {"Robinson",      "Mollweide",        "Equal Earth", "Eckert",     "Winkel",
                                      "Natural Earth", "hammer",           "Aitoff",      "Sinusoidal", "Wagner",
                                      "kav7",          "Goode Homolosine", "Times",       "Patterson",  "Loximuthal"};
  if (strstr(m, "Interrupted"))
    return false;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strstr(m, names[i]))
      return true;
  return false;
}

static bool add_device(im_render_ctx *rc, im_geom *g, double lon, double lat) {
  double xy[2] = {lon, lat};
  if (im_transform_array(rc->geo2map, xy, 1, false))
    return true; /* a point that does not project is left out */
  im_xwrap_apply(&rc->xwrap, xy, 1);
  const im_frame *f = &rc->frame;
  return im_geom_add_point(g, rc->fx0 + (xy[0] - f->xmin) * rc->dev_per_unit_x,
                           rc->fy0 + (f->ymax - xy[1]) * rc->dev_per_unit_y);
}

/* Whether the whole frame (a hair inside its edges) lies inside g. */
static bool frame_inside(const im_render_ctx *rc, const im_geom *g) {
  enum { PER_EDGE = 64 };
  double x0 = rc->fx0 + 0.5, y0 = rc->fy0 + 0.5, x1 = rc->fx0 + rc->fw - 0.5, y1 = rc->fy0 + rc->fh - 0.5;
  for (int i = 0; i <= PER_EDGE; i++) {
    double t = (double)i / PER_EDGE, x = x0 + t * (x1 - x0), y = y0 + t * (y1 - y0);
    if (!im_geom_contains(g, x, y0) || !im_geom_contains(g, x, y1) || !im_geom_contains(g, x0, y) ||
        !im_geom_contains(g, x1, y))
      return false;
  }
  return true;
}

bool im_render_azimuth(const im_render_ctx *rc, bool whole, double *edge, double *clip) {
  const char *m = im_crs_method(rc->map_crs);
  double horizon = im_crs_horizon(rc->map_crs);
  if (!strcmp(m, "Orthographic")) {
    *edge = 90, *clip = 90 - IM_HORIZON_MARGIN;
  } else if (!strcmp(m, "Vertical Perspective") && horizon > 2 * IM_HORIZON_MARGIN) {
    *edge = horizon, *clip = horizon - IM_HORIZON_MARGIN;
  } else if (strstr(m, "Lambert Azimuthal Equal Area")) {
    /* Everything but the antipode, which is the whole outer circle. */
    *edge = 180, *clip = 180 - IM_HORIZON_MARGIN;
  } else if (strstr(m, "Azimuthal Equidistant")) {
    /* The same, but on an ellipsoid the shortest way to a point near the
     * antipode swings round (its cut locus reaches about 0.6 degrees from
     * it on WGS 84), so the cap stops well short of that there. */
    *edge = 180, *clip = im_crs_is_sphere(rc->map_crs) ? 179.9 : 178;
  } else if (strstr(m, "Stereographic")) {
    /* The antipode lies at infinity: a whole map is the hemisphere, as
     * GMT and d3 draw it; a map of an extent is clipped where the page
     * would be eleven globe radii out. */
    *edge = *clip = whole ? 90 : 160;
  } else if (!strcmp(m, "Gnomonic")) {
    /* The horizon lies at infinity: a whole map shows 60 degrees round
     * its centre (the scale there is four times the centre's). */
    *edge = *clip = whole ? 60 : 80;
  } else {
    return false;
  }
  return true;
}

bool im_render_globe_init(im_render_ctx *rc) {
  im_geom *g = &rc->globe;
  im_geom_init(g, IM_GEOM_POLYGON);
  const char *method = im_crs_method(rc->map_crs);
  double edge, clip;
  bool azimuthal = im_render_azimuth(rc, rc->map->extent.kind == IM_EXTENT_AUTO, &edge, &clip);
  double period = rc->xwrap.period != 0 ? rc->xwrap.period : im_domain_x_period(rc->geo2map, rc->crs_lon0);
  bool ok = true;
  if (azimuthal) {
    /* Every layer is clipped to the cap on the sphere, and the cap's rim
     * is the outline. */
    rc->has_cap = true;
    im_cap_init(&rc->cap, rc->crs_lon0, im_crs_origin_latitude(rc->map_crs), clip);
    ok = im_geom_begin_part(g);
    int n = (int)lround(360 / IM_OUTLINE_STEP);
    for (int i = 0; ok && i < n; i++) {
      double lon, lat;
      im_cap_rim_point(&rc->cap, i * (2 * M_PI / n), &lon, &lat);
      ok = add_device(rc, g, lon, lat);
    }
  } else if (period != 0 || world_method(method)) {
    double limit = period != 0 ? im_domain_pole_limit(rc->geo2map, rc->crs_lon0, period) : 90;
    double w = rc->lon0 - 180 + 1e-6, e = rc->lon0 + 180 - 1e-6;
    int nx = (int)lround(360 / IM_OUTLINE_STEP), ny = (int)lround(2 * limit / IM_OUTLINE_STEP);
    ok = im_geom_begin_part(g);
    for (int i = 0; ok && i < nx; i++)
      ok = add_device(rc, g, w + (e - w) * i / nx, -limit);
    for (int i = 0; ok && i < ny; i++)
      ok = add_device(rc, g, e, -limit + 2 * limit * i / ny);
    for (int i = 0; ok && i < nx; i++)
      ok = add_device(rc, g, e - (e - w) * i / nx, limit);
    for (int i = 0; ok && i < ny; i++)
      ok = add_device(rc, g, w, limit - 2 * limit * i / ny);
  }
  if (!ok)
    return false;
  im_geom_end_part(g, 3);
  /* Only where the frame reaches past it: a regional map keeps its
   * background to the frame's edges. */
  if (g->nparts && frame_inside(rc, g))
    im_geom_reset(g, IM_GEOM_POLYGON);
  return true;
}

void im_render_globe_path(cairo_t *cr, const im_geom *g) {
  cairo_new_path(cr);
  for (size_t p = 0; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    size_t n = im_geom_part_size(g, p);
    for (size_t i = 0; i < n; i++)
      (i ? cairo_line_to : cairo_move_to)(cr, v[2 * i], v[2 * i + 1]);
    cairo_close_path(cr);
  }
}
