/* The inset (locator) map: a second, small map in a corner with its own CRS
 * and extent, drawn through a render context of its own whose frame is the
 * inset's box on the same page, so its geometry goes through the same
 * pipeline as the main map's (antimeridian cut, densify, project, clip). It
 * shows a land layer in one flat colour and the main map's footprint (the
 * frame's outline taken back to longitude/latitude) as a line.
 *
 * crs: globe (the default) is an orthographic globe centred on the main
 * map. Its render context, like any orthographic map's, clips the land to
 * the visible hemisphere on the sphere before projecting (geo/domain.c),
 * so shapes end cleanly at the globe's rim. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cnum-private.h"
#include "core/mem-private.h"
#include "furniture/furniture-private.h"

#define DEG (M_PI / 180)

bool im_inset_measure(im_page *pg) {
  im_furniture_state *s = pg->furniture;
  const im_inset *in = &s->fu->inset;
  im_item *it = &s->items[IM_ITEM_INSET];
  double w = im_furniture_len(pg, in->width), h = in->height.value > 0 ? im_furniture_len(pg, in->height) : w;
  it->w = w + 2 * it->pad;
  it->h = h + 2 * it->pad;
  return w > 0 && h > 0;
}

/* Adds lon/lat to g, its longitude moved by whole turns to within 180° of
 * the point before (the antimeridian cut wants continuous longitudes). */
static bool add_continuous(im_geom *g, size_t part_start, double lon, double lat) {
  if (g->npoints > part_start) {
    double prev = g->xy[2 * (g->npoints - 1)];
    lon += 360 * round((prev - lon) / 360);
  }
  return im_geom_add_point(g, lon, lat);
}

/* ---- drawing ---- */

static bool parse_param(const char *def, const char *key, double *out) {
  const char *p = strstr(def, key);
  if (!p)
    return false;
  *out = im_strtod(p + strlen(key), NULL);
  return true;
}

static void fill_device(cairo_t *cr, const im_geom *g, im_color c) {
  cairo_new_path(cr);
  for (size_t p = 0; p < g->nparts; p++) {
    size_t a = g->parts[p], n = im_geom_part_size(g, p);
    for (size_t i = 0; i < n; i++)
      (i ? cairo_line_to : cairo_move_to)(cr, g->xy[2 * (a + i)], g->xy[2 * (a + i) + 1]);
    cairo_close_path(cr);
  }
  cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
  cairo_fill_preserve(cr);
}

/* The land layer: every polygon, in the source's CRS taken to lon/lat (on
 * a globe im_render_prepare clips it to the visible cap). */
static im_status draw_land(im_render_ctx *irc, const im_inset *in, im_error *err) {
  char *def = NULL, *crs_file = NULL;
  im_crs *src = NULL;
  im_transform *to_geo = NULL;
  im_layer *layer = NULL;
  im_status st = im_layer_source_crs(in->source, &def, &crs_file, err);
  if (!st)
    st = im_crs_create(irc->geo, def, crs_file ? crs_file : in->source, 0, 0, &src, err);
  if (!st && !im_crs_equivalent(src, irc->geog))
    st = im_transform_create(irc->geo, src, irc->geog, &to_geo, err);
  im_layer_query q = irc->query;
  if (irc->query_all || to_geo)
    q.nboxes = 0;
  q.skip_attributes = true;
  if (!st)
    st = im_layer_load(in->source, &q, &layer, err);
  im_style land;
  im_style_init_defaults(&land);
  land.set = IM_STYLE_FILL;
  land.fill = in->land;
  land.opacity = 1;
  if (in->land_border.a > 0) {
    land.set |= IM_STYLE_STROKE_COLOR | IM_STYLE_STROKE_WIDTH;
    land.stroke_color = in->land_border;
    land.stroke_width = (im_length){0.2, IM_UNIT_PT};
  }
  im_geom ll, dev, outline;
  im_geom_init(&ll, IM_GEOM_POLYGON);
  im_geom_init(&dev, IM_GEOM_POLYGON);
  im_geom_init(&outline, IM_GEOM_LINE);
  bool ok = true;
  for (size_t i = 0; !st && ok && i < layer->nfeatures; i++) {
    const im_feature *f = &layer->features[i];
    if (f->geom.kind != IM_GEOM_POLYGON)
      continue;
    ok = im_geom_copy(&ll, &f->geom);
    if (ok && to_geo)
      im_transform_array(to_geo, ll.xy, ll.npoints, false);
    static const im_bbox lonlat = {-540, -90, 540, 90};
    im_geom_remove_invalid(&ll, &lonlat);
    const im_geom *shape = &ll;
    size_t lost = 0;
    if (!ok || !shape->nparts)
      continue;
    ok = im_render_prepare(irc, shape, false, 2, &dev, &lost);
    bool border = ok && in->land_border.a > 0;
    if (border)
      ok = im_render_prepare(irc, shape, true, 2, &outline, &lost);
    if (ok)
      im_fill_polygon(irc->cr, &irc->symbols, &land, &dev, border ? &outline : NULL);
  }
  if (!st && !ok)
    st = im_error_set(err, IM_STATUS_INTERNAL, in->source, 0, 0, "out of memory drawing the inset");
  im_geom_free(&ll);
  im_geom_free(&dev);
  im_geom_free(&outline);
  im_style_clear(&land);
  im_layer_free(layer);
  im_transform_free(to_geo);
  im_crs_free(src);
  free(def);
  free(crs_file);
  return st;
}

/* The main frame's outline, back to lon/lat (parts break where it does not
 * project), drawn in the inset; a ring round it when it is too small to
 * see. */
static bool draw_footprint(im_page *pg, im_render_ctx *irc, const im_inset *in) {
  enum { PER_EDGE = 64 };
  im_geom ll, dev;
  im_geom_init(&ll, IM_GEOM_LINE);
  im_geom_init(&dev, IM_GEOM_LINE);
  bool ok = true, open = false;
  for (int i = 0; ok && i <= 4 * PER_EDGE; i++) {
    int e = (i / PER_EDGE) % 4;
    double t = (double)(i % PER_EDGE) / PER_EDGE;
    double x = pg->fx0, y = pg->fy0;
    if (e == 0)
      x += t * pg->fw;
    else if (e == 1)
      x += pg->fw, y += t * pg->fh;
    else if (e == 2)
      x += (1 - t) * pg->fw, y += pg->fh;
    else
      y += (1 - t) * pg->fh;
    double lon, lat;
    if (!im_furniture_to_lonlat(pg, x, y, &lon, &lat)) {
      open = false;
      continue;
    }
    if (!open && !(ok = im_geom_begin_part(&ll)))
      break;
    if (!open)
      ok = im_geom_add_point(&ll, lon, lat);
    else
      ok = add_continuous(&ll, ll.parts[ll.nparts - 1], lon, lat);
    open = true;
  }
  size_t lost = 0;
  ok = ok && im_render_prepare(irc, &ll, false, 4, &dev, &lost);
  if (ok && dev.npoints) {
    im_style st;
    im_style_init_defaults(&st);
    st.set = IM_STYLE_STROKE_COLOR | IM_STYLE_STROKE_WIDTH;
    st.stroke_color = in->footprint_color;
    st.stroke_width = in->footprint_width;
    st.join = IM_JOIN_ROUND;
    st.cap = IM_CAP_ROUND;
    st.opacity = 1;
    im_bbox b = im_geom_bbox(&dev);
    double small = 5 * pg->dev_per_pt;
    if (b.maxx - b.minx < small && b.maxy - b.miny < small) {
      st.fill = (im_color){0, 0, 0, 0};
      st.marker_symbol = IM_MARKER_CIRCLE;
      st.marker_size = (im_length){7, IM_UNIT_PT};
      im_draw_marker(irc->cr, &irc->symbols, &st, (b.minx + b.maxx) / 2, (b.miny + b.maxy) / 2);
    } else {
      im_stroke_lines(irc->cr, &irc->symbols, &st, &dev);
    }
    im_style_clear(&st);
  }
  im_geom_free(&ll);
  im_geom_free(&dev);
  return ok;
}

im_status im_inset_draw(im_page *pg, im_error *err) {
  im_furniture_state *s = pg->furniture;
  const im_inset *in = &s->fu->inset;
  im_item *it = &s->items[IM_ITEM_INSET];
  /* The CRS: a globe centred on the main map unless another is given. */
  char globe[160];
  const char *crs = in->crs;
  double lon0 = 0, lat0 = 0;
  bool ortho;
  if (!crs || !strcasecmp(crs, "globe")) {
    if (!im_furniture_to_lonlat(pg, pg->fx0 + pg->fw / 2, pg->fy0 + pg->fh / 2, &lon0, &lat0))
      lon0 = pg->lon0, lat0 = 0;
    im_snprintf(globe, sizeof globe, "+proj=ortho +lat_0=%.4f +lon_0=%.4f +datum=WGS84 +units=m +no_defs", lat0, lon0);
    crs = globe;
    ortho = true;
  } else {
    ortho = strstr(crs, "+proj=ortho") != NULL;
    parse_param(crs, "+lat_0=", &lat0);
    parse_param(crs, "+lon_0=", &lon0);
  }
  /* A map of its own whose frame is the inset's box on this page. */
  double dpp = pg->dev_per_pt;
  im_furniture ifu;
  im_furniture_init(&ifu);
  ifu.margins = (im_margins){{(it->box.miny + it->pad) / dpp, IM_UNIT_PT},
                             {(pg->dev_w - it->box.maxx + it->pad) / dpp, IM_UNIT_PT},
                             {(pg->dev_h - it->box.maxy + it->pad) / dpp, IM_UNIT_PT},
                             {(it->box.minx + it->pad) / dpp, IM_UNIT_PT}};
  im_map imap = {.path = pg->map->path,
                 .crs = (char *)crs,
                 .crs_pos = in->crs_pos,
                 .extent = in->extent,
                 .width = {pg->frame.width_pt, IM_UNIT_PT},
                 .height = {pg->frame.height_pt, IM_UNIT_PT},
                 .dpi = pg->frame.dpi,
                 .background = pg->map->background,
                 .furniture = &ifu};
  /* A whole globe, with a little air round its rim. */
  if (ortho && imap.extent.kind == IM_EXTENT_AUTO && !strstr(crs, "+x_0") && !strstr(crs, "+y_0"))
    imap.extent = (im_extent){.kind = IM_EXTENT_CRS, .west = -6.5e6, .east = 6.5e6, .south = -6.5e6, .north = 6.5e6};
  im_render_options opt = {.dpi = pg->frame.dpi};
  im_render_ctx irc;
  im_status st = im_render_ctx_init(&irc, &imap, &opt, s->vector, err);
  if (st) {
    im_render_ctx_fini(&irc);
    return st;
  }
  /* The inset draws on the page's surface; it places no labels. */
  im_render_ctx_attach_shared(&irc, pg->cr, NULL);
  cairo_t *cr = pg->cr;
  cairo_save(cr);
  cairo_rectangle(cr, it->box.minx, it->box.miny, it->box.maxx - it->box.minx, it->box.maxy - it->box.miny);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_fill(cr);
  cairo_rectangle(cr, irc.fx0, irc.fy0, irc.fw, irc.fh);
  cairo_clip(cr);
  im_geom disc;
  im_geom_init(&disc, IM_GEOM_POLYGON);
  bool ok = true;
  if (ortho && irc.has_cap) {
    /* The globe: its rim in device units, filled with water. */
    ok = im_geom_begin_part(&disc);
    for (int i = 0; ok && i < 360; i++) {
      double lon, lat, x, y;
      im_cap_rim_point(&irc.cap, i * DEG, &lon, &lat);
      if (im_furniture_to_device(&irc.page, lon, lat, &x, &y))
        ok = im_geom_add_point(&disc, x, y);
    }
    if (ok)
      fill_device(cr, &disc, in->water);
    cairo_new_path(cr);
  } else if (in->extent.kind == IM_EXTENT_AUTO) {
    /* The whole world: water inside its outline (Robinson's rounded
     * sides), paper outside. */
    im_geom ll;
    im_geom_init(&ll, IM_GEOM_POLYGON);
    double w = irc.lon0 - 179.999, e = irc.lon0 + 179.999;
    /* Vertices every 10° along the poles: no step may look like one
     * across the antimeridian. */
    ok = im_geom_begin_part(&ll);
    for (int i = 0; ok && i <= 36; i++)
      ok = im_geom_add_point(&ll, w + (e - w) * i / 36, -90);
    for (int i = 36; ok && i >= 0; i--)
      ok = im_geom_add_point(&ll, w + (e - w) * i / 36, 90);
    ok = ok && im_geom_add_point(&ll, w, -90);
    size_t lost = 0;
    ok = ok && im_render_prepare(&irc, &ll, false, 2, &disc, &lost);
    if (ok)
      fill_device(cr, &disc, in->water);
    cairo_new_path(cr);
    im_geom_free(&ll);
  } else {
    cairo_set_source_rgba(cr, in->water.r, in->water.g, in->water.b, in->water.a);
    cairo_paint(cr);
  }
  if (!ok)
    st = im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory drawing the inset");
  if (!st)
    st = draw_land(&irc, in, err);
  if (!st && disc.npoints) {
    fill_device(cr, &disc, (im_color){0, 0, 0, 0});
    cairo_set_line_width(cr, 0.4 * dpp);
    cairo_set_source_rgba(cr, 0.45, 0.5, 0.55, 1);
    cairo_stroke(cr);
  }
  if (!st && !draw_footprint(pg, &irc, in))
    st = im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory drawing the inset");
  cairo_restore(cr);
  if (!st && it->at->box && it->at->border.a > 0) {
    cairo_save(cr);
    cairo_rectangle(cr, it->box.minx, it->box.miny, it->box.maxx - it->box.minx, it->box.maxy - it->box.miny);
    cairo_set_line_width(cr, 0.5 * dpp);
    cairo_set_source_rgba(cr, it->at->border.r, it->at->border.g, it->at->border.b, it->at->border.a);
    cairo_stroke(cr);
    cairo_restore(cr);
  }
  im_geom_free(&disc);
  im_render_ctx_detach(&irc);
  im_render_ctx_fini(&irc);
  return st;
}
