/* One layer: read what meets the frame, take each feature from its source
 * CRS to the page (antimeridian cut, densify, project, simplify, clip) and
 * draw it with Cairo. */
#include <math.h>
#include <stdlib.h>

#include "render-private.h"

/* Densify step in degrees: long segments (and the edges the antimeridian
 * cut adds) become curves in the projection instead of chords. */
#define IM_DENSIFY_DEGREES 0.5

typedef struct {
  im_render_ctx *rc;
  const im_layer_style *style;
  im_transform *src2geo; /* NULL when the source is already geographic */
  im_bbox clip;          /* the page in device units, plus a margin */
  size_t dropped_features;
} layer_job;

static void set_color(cairo_t *cr, im_color c) { cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a); }

/* lon/lat -> map CRS -> device units, in place; returns points lost. */
static size_t to_device(im_render_ctx *rc, im_geom *g) {
  size_t lost = im_transform_array(rc->geo2map, g->xy, g->npoints, false);
  const im_frame *f = &rc->frame;
  double sx = rc->dev_per_unit_x, sy = rc->dev_per_unit_y;
  for (size_t i = 0; i < g->npoints; i++) {
    g->xy[2 * i] = (g->xy[2 * i] - f->xmin) * sx;
    g->xy[2 * i + 1] = (f->ymax - g->xy[2 * i + 1]) * sy;
  }
  im_geom_remove_invalid(g, NULL);
  return lost;
}

static void add_path(cairo_t *cr, const im_geom *g, bool close) {
  for (size_t p = 0; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    size_t n = im_geom_part_size(g, p);
    cairo_move_to(cr, v[0], v[1]);
    for (size_t i = 1; i < n; i++)
      cairo_line_to(cr, v[2 * i], v[2 * i + 1]);
    if (close)
      cairo_close_path(cr);
  }
}

/* From the lon/lat geometry in rc->work to device geometry clipped to the
 * page, in rc->cut. as_outline: rings as lines (for stroking). Returns
 * false when out of memory. */
static bool prepare(layer_job *job, bool as_outline, size_t *lost) {
  im_render_ctx *rc = job->rc;
  if (!im_geom_cut_antimeridian(&rc->work, rc->lon0, as_outline, &rc->cut))
    return false;
  if (rc->cut.kind != IM_GEOM_POINT) {
    if (!im_geom_densify(&rc->cut, IM_DENSIFY_DEGREES, &rc->dense))
      return false;
  } else if (!im_geom_copy(&rc->dense, &rc->cut)) {
    return false;
  }
  *lost += to_device(rc, &rc->dense);
  im_geom_simplify(&rc->dense, rc->simplify_tol);
  return im_geom_clip(&rc->dense, job->clip, &rc->cut);
}

static void draw_markers(layer_job *job, const im_geom *g) {
  cairo_t *cr = job->rc->cr;
  const im_layer_style *st = job->style;
  double size = im_length_to_pt(st->marker_size, job->rc->frame.dpi) * job->rc->dev_per_pt;
  for (size_t i = 0; i < g->npoints; i++) {
    double x = g->xy[2 * i], y = g->xy[2 * i + 1];
    if (st->marker_symbol == IM_MARKER_SQUARE)
      cairo_rectangle(cr, x - size / 2, y - size / 2, size, size);
    else {
      cairo_new_sub_path(cr);
      cairo_arc(cr, x, y, size / 2, 0, 2 * M_PI);
    }
  }
  set_color(cr, st->fill);
  if (st->has_stroke) {
    cairo_fill_preserve(cr);
    set_color(cr, st->stroke_color);
    cairo_set_line_width(cr, im_length_to_pt(st->stroke_width, job->rc->frame.dpi) * job->rc->dev_per_pt);
    cairo_stroke(cr);
  } else {
    cairo_fill(cr);
  }
}

static im_status draw_feature(layer_job *job, const im_layer *layer, const im_feature *f, im_error *err) {
  im_render_ctx *rc = job->rc;
  const im_layer_style *st = job->style;
  cairo_t *cr = rc->cr;
  if (!im_geom_copy(&rc->work, &f->geom))
    goto oom;
  size_t lost = 0;
  if (job->src2geo)
    lost += im_transform_array(job->src2geo, rc->work.xy, rc->work.npoints, false);
  /* Coordinates no longitude/latitude can have (a latitude of 131° in one
   * Natural Earth release) are dropped, not wrapped or clamped. */
  static const im_bbox lonlat = {-540, -90, 540, 90};
  lost += im_geom_remove_invalid(&rc->work, &lonlat);

  bool polygon = f->geom.kind == IM_GEOM_POLYGON;
  bool fill = polygon && st->has_fill;
  bool stroke = !polygon || st->has_stroke || !st->has_fill;
  double width = im_length_to_pt(st->stroke_width, rc->frame.dpi) * rc->dev_per_pt;
  if (f->geom.kind == IM_GEOM_POINT) {
    if (!prepare(job, false, &lost))
      goto oom;
    draw_markers(job, &rc->cut);
  } else {
    if (fill) {
      if (!prepare(job, false, &lost))
        goto oom;
      add_path(cr, &rc->cut, true);
      cairo_set_fill_rule(cr, rc->cut.nonzero ? CAIRO_FILL_RULE_WINDING : CAIRO_FILL_RULE_EVEN_ODD);
      set_color(cr, st->fill);
      cairo_fill(cr);
    }
    if (stroke && width > 0) {
      size_t lost_outline = 0;
      if (!prepare(job, true, fill ? &lost_outline : &lost))
        goto oom;
      add_path(cr, &rc->cut, false);
      set_color(cr, st->stroke_color);
      cairo_set_line_width(cr, width);
      cairo_stroke(cr);
    }
  }
  if (lost) {
    job->dropped_features++;
    im_warn("layer %s (%s): feature %ld: %zu point%s outside the valid longitude/latitude range or the "
            "projection's domain, dropped",
            st->id, layer->path, f->fid, lost, lost == 1 ? "" : "s");
  }
  return IM_STATUS_OK;
oom:
  return im_error_set(err, IM_STATUS_INTERNAL, layer->path, 0, 0, "out of memory drawing feature %ld", f->fid);
}

im_status im_render_layer(im_render_ctx *rc, const im_layer_style *style, im_error *err) {
  if (!style->visible || style->opacity <= 0)
    return IM_STATUS_OK;
  /* The frame's footprint is in longitude/latitude; the shapes to read are
   * chosen in the layer's own CRS, so that comes first. */
  im_layer *layer = NULL;
  im_crs *src = NULL;
  im_transform *src2geo = NULL;
  char *crs_def = NULL, *crs_file = NULL;
  im_status st = im_layer_source_crs(style->source, &crs_def, &crs_file, err);
  if (!st)
    st = im_crs_create(rc->geo, crs_def, crs_file ? crs_file : style->source, 0, 0, &src, err);
  free(crs_def);
  free(crs_file);
  if (st)
    goto done;
  im_layer_query q = rc->query;
  if (rc->query_all)
    q.nboxes = 0;
  if (!im_crs_equivalent(src, rc->geog)) {
    if ((st = im_transform_create(rc->geo, src, rc->geog, &src2geo, err))) {
      im_error_set(err, err->status, style->source, 0, 0, "%s", err->message);
      goto done;
    }
    /* Bounds in the source CRS, through the inverse direction. */
    im_transform *geo2src = NULL;
    if (q.nboxes && !im_transform_create(rc->geo, rc->geog, src, &geo2src, NULL)) {
      size_t n = 0;
      for (size_t i = 0; i < q.nboxes; i++) {
        double in[4] = {q.boxes[i].minx, q.boxes[i].miny, q.boxes[i].maxx, q.boxes[i].maxy}, out[4];
        if (!im_transform_bounds(geo2src, in, out)) {
          n = 0;
          break;
        }
        q.boxes[n++] = (im_bbox){out[0], out[1], out[2], out[3]};
      }
      q.nboxes = n;
    } else {
      q.nboxes = 0;
    }
    im_transform_free(geo2src);
  }
  q.skip_attributes = true; /* nothing drawn here reads attributes yet */
  if ((st = im_layer_load(style->source, &q, &layer, err)))
    goto done;

  layer_job job = {.rc = rc, .style = style, .src2geo = src2geo};
  double margin = 2 + 2 * im_length_to_pt(style->stroke_width, rc->frame.dpi) * rc->dev_per_pt +
                  im_length_to_pt(style->marker_size, rc->frame.dpi) * rc->dev_per_pt;
  job.clip = (im_bbox){-margin, -margin, rc->dev_w + margin, rc->dev_h + margin};
  cairo_t *cr = rc->cr;
  cairo_save(cr);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  bool group = style->opacity < 1;
  if (group)
    cairo_push_group(cr);
  for (size_t i = 0; i < layer->nfeatures && !st; i++)
    st = draw_feature(&job, layer, &layer->features[i], err);
  if (group) {
    cairo_pop_group_to_source(cr);
    cairo_paint_with_alpha(cr, style->opacity);
  }
  cairo_restore(cr);
done:
  im_transform_free(src2geo);
  im_crs_free(src);
  im_layer_free(layer);
  return st;
}
