/* One layer: read what meets the frame, resolve each feature's style (layer,
 * classes, rules), take its geometry from the source CRS to the page
 * (project-private.h: geodesic routes, antimeridian cut, densify, project;
 * then simplify, clip) and draw it; label candidates go to the labeler for
 * later. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/layer-cache-private.h"
#include "core/cnum-private.h"
#include "core/context-private.h"
#include "core/mem-private.h"
#include "influmap/events.h"
#include "influmap/filter.h"
#include "influmap/geodesic.h"
#include "label/labels-private.h"
#include "geo/geom-private.h"
#include "geo/project-private.h"
#include "render/aggregate-private.h"
#include "render/computed-private.h"
#include "render/courses-private.h"
#include "render/displace-private.h"
#include "render/join-private.h"
#include "render/render-private.h"
#include "render/style-resolve-private.h"
#include "render/symbols-private.h"

typedef struct {
  im_render_ctx *rc;
  const im_layer_style *ls;
  im_layer *layer;
  const im_field *label_fields; /* the layer's fields + length_km */
  size_t nlabel_fields;
  char **label_values; /* scratch: a feature's values + its length */
  im_resolver *res;
  long route_field;        /* index of a "route" field, or -1 */
  size_t dropped_features; /* features that lost points to the projection (warned about once, per layer) */
  size_t lost_points;
  long first_dropped;    /* the first such feature's record number */
  size_t last_used;      /* vertices of the feature just projected that are drawn */
  im_proj_env env;       /* src2geo (NULL when the source is in the map's lon/lat), the cache */
  im_prefetch *prefetch; /* the features projected ahead on another core; NULL: none */
  size_t vertices;       /* drawn so far, densified: against the vertex ceiling */
  im_displaced *disp;    /* where each point in drawing order goes (displace:); NULL: where it is */
  size_t ndisp;
  double *course;      /* lines in drawing order: moved sideways by this (device units) to stand beside the
                            others of their course (im_route_courses); NULL: none shares one */
  im_fill_batch batch; /* polygons filled together (symbols-private.h: no seams between them) */
  bool batch_markers;  /* the layer draws so many points that its markers are batched too */
  bool stamp_markers;  /* and those that cannot be are stamped (a PDF page) */
  im_marker_stamps stamps;
  bool proportional; /* marker: size: {field, ...}: symbols sized by a field */
  size_t no_size;    /* features not drawn for want of a positive value (zero aside) */
} layer_job;

bool im_render_device(im_render_ctx *rc, const im_geom *p, im_geom_kind kind, double margin, im_geom *out) {
  /* Copied and moved to device units in one pass: the arithmetic is that
   * of moving in place, so the result is the same to the bit. The copy
   * goes to whichever scratch geometry p is not (both are free by now). */
  im_geom *d = p == &rc->scratch.dense ? &rc->scratch.cut : &rc->scratch.dense;
  im_geom_reset(d, kind);
  d->nonzero = p->nonzero;
  size_t cap2 = d->cap_points * 2;
  if (!im_grow((void **)&d->xy, &cap2, p->npoints * 2, sizeof *d->xy))
    return false;
  d->cap_points = cap2 / 2;
  if (!im_grow((void **)&d->parts, &d->cap_parts, p->nparts, sizeof *d->parts))
    return false;
  const im_frame *f = &rc->frame;
  double sx = rc->dev_per_unit_x, sy = rc->dev_per_unit_y, x0 = rc->fx0, y0 = rc->fy0;
  double xmin = f->xmin, ymax = f->ymax;
  for (size_t i = 0; i < p->npoints; i++) {
    d->xy[2 * i] = x0 + (p->xy[2 * i] - xmin) * sx;
    d->xy[2 * i + 1] = y0 + (ymax - p->xy[2 * i + 1]) * sy;
  }
  if (p->nparts)
    memcpy(d->parts, p->parts, p->nparts * sizeof *d->parts);
  d->npoints = p->npoints;
  d->nparts = p->nparts;
  im_geom_remove_invalid(d, NULL);
  if (!(rc->exact_fill && kind == IM_GEOM_POLYGON))
    im_geom_simplify_to(d, rc->simplify_tol, kind == IM_GEOM_LINE ? rc->simplify_stroke : rc->simplify_line);
  im_bbox clip = {rc->fx0 - margin, rc->fy0 - margin, rc->fx0 + rc->fw + margin, rc->fy0 + rc->fh + margin};
  return im_geom_clip(d, clip, out);
}

/* From the lon/lat geometry in src to device geometry clipped to the frame
 * plus margin, in out. as_outline: rings as lines (for stroking). */
bool im_render_prepare(im_render_ctx *rc, const im_geom *src, bool as_outline, double margin, im_geom *out,
                       size_t *lost) {
  if (rc->has_cap) {
    const im_geom *fill, *lines;
    if (!im_cap_prepare(&rc->cap, src, as_outline, &rc->scratch, &fill, &lines))
      return false;
    src = as_outline ? lines : fill;
  }
  if (as_outline && im_geom_has_dateline_edges(src)) {
    if (!im_geom_break_at_dateline(src, &rc->scratch.seam))
      return false;
    src = &rc->scratch.seam;
  }
  /* An azimuthal map (with a cap) does not tear at its antimeridian
   * (geo/project.c). */
  if (!(rc->has_cap ? im_geom_copy(&rc->scratch.cut, src)
                    : im_geom_cut_antimeridian(src, rc->lon0, as_outline, &rc->scratch.cut)))
    return false;
  im_geom *g = &rc->scratch.cut;
  if (g->kind != IM_GEOM_POINT) {
    if (!im_geom_densify(g, IM_DENSIFY_DEGREES, &rc->scratch.dense))
      return false;
    g = &rc->scratch.dense;
  }
  *lost += im_transform_array(rc->geo2map, g->xy, g->npoints, false);
  im_xwrap_apply(&rc->xwrap, g->xy, g->npoints);
  return im_render_device(rc, g, g->kind, margin, out);
}

/* The feature in map CRS units into rc->proj: made ahead by the
 * prefetcher, or here; counted against the layer's vertex ceiling. */
static im_status project_feature(layer_job *job, const im_feature *f, size_t index, bool geodesic, bool want_fill,
                                 bool want_outline, bool *have_work, im_error *err) {
  im_render_ctx *rc = job->rc;
  im_projected *p = &rc->proj;
  bool polygon = f->geom.kind == IM_GEOM_POLYGON;
  size_t room = rc->max_vertices - job->vertices;
  *have_work = false;
  im_proj_result r = IM_PROJ_OK;
  if (!im_prefetch_take(job->prefetch, index, job->vertices, &job->env, &rc->scratch, p))
    r = im_project_feature(&job->env, &rc->scratch, &(im_proj_feature){&f->geom, f->fid, geodesic}, want_fill,
                           want_outline, room, p, have_work);
  if (r == IM_PROJ_OOM)
    return im_error_set(err, IM_STATUS_INTERNAL, job->layer->path, 0, 0, "out of memory drawing feature %ld", f->fid);
  /* What is drawn counts, cached or not. */
  size_t n = r == IM_PROJ_OK ? im_projected_used(p, polygon, want_fill, want_outline) : 0;
  if (r == IM_PROJ_CEILING || n > room) {
    im_error_set(err, IM_STATUS_INPUT, job->layer->path, 0, 0,
                 "layer %s, feature %ld: densified for drawing (a vertex every %g degrees), the layer has "
                 "more than %zu vertices, influmap's limit for one layer (%s)",
                 job->ls->id, f->fid, IM_DENSIFY_DEGREES, rc->max_vertices, im_limit_hint(IM_LIMIT_VERTICES));
    if (err)
      err->code = IM_E_LIMIT;
    return IM_STATUS_INPUT;
  }
  job->vertices += n;
  job->last_used = n;
  return IM_STATUS_OK;
}

static const im_geom empty_polygon = {.kind = IM_GEOM_POLYGON};

static bool is_geodesic(const layer_job *job, const im_feature *f) {
  if (f->geom.kind == IM_GEOM_POINT)
    return false;
  if (job->ls->geodesic)
    return true;
  return job->route_field >= 0 && f->values && f->values[job->route_field] &&
         !strcasecmp(f->values[job->route_field], "geodesic");
}

/* The leaders of a displaced group, from its common place to each of its
 * marks, and a small dot on the place itself: drawn under the group's
 * marks, with its first. The dot keeps labels off it. */
#define IM_DISPLACE_LEADER_PT 0.5
#define IM_DISPLACE_DOT_PT 1.4
static void draw_group_leaders(layer_job *job, size_t group) {
  im_render_ctx *rc = job->rc;
  cairo_t *cr = rc->cr;
  const im_displaced *g = &job->disp[group];
  double pt = rc->dev_per_pt;
  cairo_save(cr);
  cairo_set_source_rgba(cr, 0.35, 0.35, 0.35, 1);
  cairo_set_line_width(cr, IM_DISPLACE_LEADER_PT * pt);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (size_t i = group; i < job->ndisp; i++) {
    const im_displaced *d = &job->disp[i];
    if (!d->moved || d->group != group)
      continue;
    cairo_move_to(cr, g->cx, g->cy);
    cairo_line_to(cr, d->x, d->y);
  }
  cairo_stroke(cr);
  double r = IM_DISPLACE_DOT_PT / 2 * pt;
  cairo_arc(cr, g->cx, g->cy, r, 0, 2 * M_PI);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_set_line_width(cr, 0.4 * pt);
  cairo_stroke(cr);
  cairo_restore(cr);
  im_labeler_add_obstacle(rc->labeler, g->cx - 2 * r, g->cy - 2 * r, g->cx + 2 * r, g->cy + 2 * r);
}

/* displace: where each visible point of the layer goes, in drawing order:
 * projected to the page once ahead of the drawing (so the layer is not
 * prefetched), then grouped and laid on rings (displace.c). */
static im_status displace_layer(layer_job *job, const im_drawn *order, size_t n, im_error *err) {
  im_render_ctx *rc = job->rc;
  const im_style *ls = &job->ls->style;
  double *xy = im_malloc_array(2 * (n + 1), sizeof *xy), *pad = im_malloc_array(n + 1, sizeof *pad);
  job->disp = im_malloc_array(n + 1, sizeof *job->disp);
  job->ndisp = n;
  im_projected tmp;
  im_projected_init(&tmp);
  im_style fst;
  memset(&fst, 0, sizeof fst);
  bool ok = xy && pad && job->disp;
  for (size_t i = 0; ok && i < n; i++) {
    const im_feature *f = &job->layer->features[order[i].index];
    xy[2 * i] = xy[2 * i + 1] = NAN;
    pad[i] = 0;
    if (f->geom.kind != IM_GEOM_POINT || f->geom.npoints != 1)
      continue;
    if (!(ok = im_resolver_style(job->res, f, &fst)))
      break;
    if (!fst.visible)
      continue;
    bool have_work;
    im_proj_result r = im_project_feature(&job->env, &rc->scratch, &(im_proj_feature){&f->geom, f->fid, false}, true,
                                          false, SIZE_MAX, &tmp, &have_work);
    if (r == IM_PROJ_OOM) {
      ok = false;
      break;
    }
    double margin = 2 + im_symbol_margin(&rc->symbols, &fst);
    pad[i] = margin;
    if (r != IM_PROJ_OK || !(ok = im_render_device(rc, &tmp.fill, IM_GEOM_POINT, margin, &rc->fill)))
      continue;
    if (rc->fill.npoints == 1)
      xy[2 * i] = rc->fill.xy[0], xy[2 * i + 1] = rc->fill.xy[1];
  }
  im_bbox frame = {rc->fx0, rc->fy0, rc->fx0 + rc->fw, rc->fy0 + rc->fh};
  ok = ok && im_displace_points(xy, n, im_symbol_len(&rc->symbols, ls->displace.distance),
                                im_symbol_len(&rc->symbols, ls->displace.spacing), pad, &frame, job->disp);
  im_style_clear(&fst);
  im_projected_free(&tmp);
  free(xy);
  free(pad);
  if (!ok)
    return im_error_set(err, IM_STATUS_INTERNAL, job->layer->path, 0, 0, "out of memory displacing points");
  return IM_STATUS_OK;
}

/* Of the points of f the projection lost, those near the frame: in its
 * geographic footprint (rc->query, which has wide margins). The others lie
 * where nothing of the map is drawn: a UTM map of Peru loses Brazil's
 * coast 40° east of its central meridian, off the projection's domain and
 * far off the page, and saying so on every such map is noise. Counted
 * again on the feature's lon/lat, cut and densified as drawn (not thinned:
 * a bound, never fewer than the map lost near the frame). Only called
 * when something was lost, so the second projection is rare. *oom: out of
 * memory. */
static size_t lost_near_frame(layer_job *job, const im_feature *f, bool geodesic, bool *oom) {
  im_render_ctx *rc = job->rc;
  im_proj_scratch t;
  im_proj_scratch_init(&t);
  size_t pre = 0, near = 0;
  const im_geom *g = &t.cut;
  *oom = !im_project_lonlat(&job->env, &t, &(im_proj_feature){&f->geom, f->fid, geodesic}, &pre) ||
         !im_geom_cut_antimeridian(&t.work, rc->lon0, false, &t.cut);
  if (!*oom && t.cut.kind != IM_GEOM_POINT) {
    *oom = !im_geom_densify(&t.cut, IM_DENSIFY_DEGREES, &t.dense);
    g = &t.dense;
  }
  if (!*oom && !(*oom = !im_geom_copy(&t.kept, g))) {
    im_transform_array(rc->geo2map, t.kept.xy, t.kept.npoints, false);
    for (size_t i = 0; i < g->npoints; i++) {
      if (isfinite(t.kept.xy[2 * i]) && isfinite(t.kept.xy[2 * i + 1]))
        continue;
      /* A vertex that is no place at all (NaN, infinite) is a fault in
       * the data, worth a word wherever it is. */
      double lon = remainder(g->xy[2 * i], 360), lat = g->xy[2 * i + 1];
      im_bbox b = {lon, lat, lon, lat};
      near += !isfinite(lon) || !isfinite(lat) || im_bbox_meets_any(rc->query.boxes, rc->query.nboxes, &b);
    }
  }
  im_proj_scratch_free(&t);
  return near;
}

/* A polygon's proportional symbol, at the pole of its largest visible
 * piece (where its label would go), drawn in its place. *drawn becomes the
 * symbol's point, so the legend lists the polygon as the symbol it shows.
 * A marker and an obstacle to labels, as a point's is. False only when out
 * of memory. */
static bool draw_pole_symbol(layer_job *job, const im_style *st, const im_geom **drawn) {
  im_render_ctx *rc = job->rc;
  double x, y;
  if (!im_polygon_pole(&rc->fill, 0.5 * rc->dev_per_pt, &x, &y))
    return false;
  im_geom_reset(&rc->outline, IM_GEOM_POINT);
  *drawn = &rc->outline;
  if (!isfinite(x) || !isfinite(y))
    return true;
  if (!im_geom_begin_part(&rc->outline) || !im_geom_add_point(&rc->outline, x, y))
    return false;
  im_fill_batch_flush(rc->cr, &job->batch);
  im_draw_marker(rc->cr, &rc->symbols, st, x, y);
  im_bbox b = im_marker_box(&rc->symbols, st, x, y);
  im_labeler_add_obstacle(rc->labeler, b.minx, b.miny, b.maxx, b.maxy);
  return im_labeler_add_mark(rc->labeler, x, y, (b.maxx - b.minx) / 2);
}

static im_status draw_feature(layer_job *job, const im_feature *f, size_t index, const im_style *st, im_error *err) {
  im_render_ctx *rc = job->rc;
  cairo_t *cr = rc->cr;
  const im_symbol_ctx *sc = &rc->symbols;
  const im_projected *p = &rc->proj;
  double margin = 2 + im_symbol_margin(sc, st);
  const char *label = st->label.text && *st->label.text ? st->label.text : NULL;
  /* A polygon is filled only when its style says so (a fill or a class
   * colour): the default fill is for markers. */
  bool fill = ((st->set & IM_STYLE_FILL) && st->fill.a > 0) || (st->set & IM_STYLE_HATCH);
  bool stroke =
      st->stroke_color.a > 0 && im_symbol_len(sc, st->stroke_width) > 0 &&
      ((st->set & (IM_STYLE_STROKE | IM_STYLE_STROKE_COLOR | IM_STYLE_STROKE_WIDTH)) || !(st->set & IM_STYLE_FILL));
  bool polygon = f->geom.kind == IM_GEOM_POLYGON, geodesic = is_geodesic(job, f), have_work;
  /* A polygon of a layer of proportional symbols is drawn as its symbol
   * at its pole, not as itself: its fill and outline are the symbol's. */
  bool symbol = polygon && job->proportional;
  if (symbol)
    fill = stroke = false;
  double t0 = rc->times_out ? im_render_now_ms() : 0;
  im_status status =
      project_feature(job, f, index, geodesic, !polygon || fill || label || symbol, polygon && stroke, &have_work, err);
  if (rc->times_out) {
    double dt = im_render_now_ms() - t0;
    rc->times.project += dt;
    rc->nested += dt;
  }
  if (status)
    return status;
  /* The points lost: before the cut, and where the fill (a polygon's, when
   * it is drawn or labelled) did not project. */
  size_t lost = p->lost_pre + (!polygon || fill || label || symbol ? p->lost_fill : 0);
  char *text = NULL;
  if (label) {
    /* {length_km}: the geodesic length of the line as read, before any
     * cut (a route across the dateline is still one route). */
    char length[32] = "";
    if (f->geom.kind == IM_GEOM_LINE && strstr(label, "{length_km}")) {
      size_t ignored = 0;
      if (!have_work &&
          !im_project_lonlat(&job->env, &rc->scratch, &(im_proj_feature){&f->geom, f->fid, geodesic}, &ignored))
        goto oom;
      im_snprintf(length, sizeof length, "%.0f", im_geom_geodesic_length_km(&rc->scratch.work));
    }
    size_t nf = job->layer->nfields;
    for (size_t i = 0; i < nf; i++)
      job->label_values[i] = f->values ? f->values[i] : NULL;
    job->label_values[nf] = length[0] ? length : NULL;
    text = im_label_expand(label, job->label_fields, job->nlabel_fields, job->label_values);
    if (!text)
      goto oom;
    if (st->label.required) {
      /* The layer and the short form go with the labels added next. */
      char *short_text = st->label.short_text ? im_label_expand(st->label.short_text, job->label_fields,
                                                                job->nlabel_fields, job->label_values)
                                              : NULL;
      bool set = (!st->label.short_text || short_text) && im_labeler_set_source(rc->labeler, job->ls->id, short_text);
      free(short_text);
      if (!set)
        goto oom;
    }
  }
  double priority = rc->layer_index;
  if (st->label.priority && !im_label_priority_number(st->label.priority, &priority)) {
    long pi = im_layer_field_index(job->layer, st->label.priority);
    const char *pv = pi >= 0 && f->values ? f->values[pi] : NULL;
    priority = pv ? im_strtod(pv, NULL) : -INFINITY;
  }
  bool ok = true;
  const im_geom *drawn = NULL; /* the device geometry drawn, for the legend */
  if (f->geom.kind == IM_GEOM_POINT) {
    ok = im_render_device(rc, &p->fill, IM_GEOM_POINT, margin, &rc->fill);
    drawn = &rc->fill;
    if (ok && job->disp && index < job->ndisp && job->disp[index].moved && rc->fill.npoints == 1) {
      const im_displaced *d = &job->disp[index];
      if (d->first) {
        /* Under the group's marks, and not through the batch's path. */
        im_fill_batch_flush(cr, &job->batch);
        draw_group_leaders(job, d->group);
      }
      rc->fill.xy[0] = d->x;
      rc->fill.xy[1] = d->y;
    }
    /* A mark the frame would cut is not drawn, nor labelled, nor counted
     * in the legend, as a label is never drawn cut: a town's dot half
     * outside the frame with its name inside reads as a mark at the edge.
     * A mark whose label is required is the map's subject and stays. */
    if (ok && !st->label.required) {
      size_t kept = 0;
      for (size_t i = 0; i < rc->fill.npoints; i++) {
        double x = rc->fill.xy[2 * i], y = rc->fill.xy[2 * i + 1];
        im_bbox b = im_marker_box(sc, st, x, y);
        if (b.minx < rc->fx0 || b.miny < rc->fy0 || b.maxx > rc->fx0 + rc->fw || b.maxy > rc->fy0 + rc->fh)
          continue;
        rc->fill.xy[2 * kept] = x, rc->fill.xy[2 * kept + 1] = y;
        kept++;
      }
      rc->fill.npoints = kept;
    }
    bool batched = job->batch_markers && im_marker_batchable(sc, st);
    for (size_t i = 0; ok && i < rc->fill.npoints; i++) {
      double x = rc->fill.xy[2 * i], y = rc->fill.xy[2 * i + 1];
      if (batched) {
        im_fill_batch_add_marker(cr, &job->batch, sc, st, x, y);
      } else if (job->stamp_markers && st->marker_symbol != IM_MARKER_ICON) {
        im_fill_batch_flush(cr, &job->batch);
        im_marker_stamp_draw(cr, &job->stamps, sc, st, x, y);
      } else {
        im_fill_batch_flush(cr, &job->batch);
        im_draw_marker(cr, sc, st, x, y);
      }
      im_bbox b = im_marker_box(sc, st, x, y);
      im_labeler_add_obstacle(rc->labeler, b.minx, b.miny, b.maxx, b.maxy);
      ok = im_labeler_add_mark(rc->labeler, x, y, (b.maxx - b.minx) / 2);
      if (ok && text)
        ok = im_labeler_add_point(rc->labeler, text, st, x, y, (b.maxx - b.minx) / 2, priority);
    }
  } else if (polygon) {
    if (fill || text || symbol) {
      ok = im_render_device(rc, &p->fill, IM_GEOM_POLYGON, margin, &rc->fill);
      drawn = &rc->fill;
    }
    /* Filled and outlined, with no antimeridian cut between the two: the
     * outline is the fill's own path. Clipping a polygon adds edges along
     * the clip box, but that box lies `margin` (more than half the line)
     * outside the frame, where the frame's clip or the page's edge hides
     * them; so the map looks the same, the rings are moved to the page and
     * clipped once, and SVG and PDF get one fill-and-stroke path instead of
     * two copies of every ring. */
    bool shared = ok && fill && stroke && p->outline_same;
    if (ok && stroke && !shared) {
      ok = im_render_device(rc, p->outline_same ? &p->fill : &p->outline, IM_GEOM_LINE, margin, &rc->outline);
      drawn = drawn ? drawn : &rc->outline;
    }
    if (ok && fill && !stroke && im_fill_batchable(st)) {
      im_fill_batch_add(cr, &job->batch, st->fill, &rc->fill);
    } else if (ok && (fill || stroke)) {
      im_fill_batch_flush(cr, &job->batch);
      im_fill_polygon(cr, sc, st, fill ? &rc->fill : &empty_polygon, shared ? &rc->fill : stroke ? &rc->outline : NULL);
    }
    if (ok && symbol)
      ok = draw_pole_symbol(job, st, &drawn);
    if (ok && text)
      ok = im_labeler_add_polygon(rc->labeler, text, st, &rc->fill, priority);
  } else {
    ok = im_render_device(rc, &p->fill, IM_GEOM_LINE, margin, &rc->outline);
    drawn = &rc->outline;
    if (ok && job->course)
      im_geom_offset_lines(&rc->outline, job->course[index]);
    im_fill_batch_flush(cr, &job->batch);
    if (ok)
      im_stroke_lines(cr, sc, st, &rc->outline);
    /* A line beside others of its course is labelled on its outer side. */
    int side = job->course ? (job->course[index] > 0) - (job->course[index] < 0) : 0;
    if (ok && text)
      ok = im_labeler_add_line_beside(rc->labeler, text, st, &rc->outline, priority, side);
  }
  /* What the legend lists: the classes of what was drawn in the frame. */
  if (ok && rc->page.note_drawn && drawn)
    ok = rc->page.note_drawn(&rc->page, rc->layer_index, job->ls, job->res, f, st, drawn);
  free(text);
  text = NULL;
  if (!ok)
    goto oom;
  if (lost > p->lost_pre && !rc->query_all) {
    bool oom = false;
    lost = p->lost_pre + lost_near_frame(job, f, geodesic, &oom);
    if (oom)
      goto oom;
  }
  if (lost) {
    if (!job->dropped_features++)
      job->first_dropped = f->fid;
    job->lost_points += lost;
  }
  /* A feature of which nothing projects is lost; a map of nothing else is
   * refused (im_render_draw). */
  if (job->last_used)
    rc->features_kept++;
  else if (lost)
    rc->features_lost++;
  return IM_STATUS_OK;
oom:
  free(text);
  return im_error_set(err, IM_STATUS_INTERNAL, job->layer->path, 0, 0, "out of memory drawing feature %ld", f->fid);
}

static bool in_scale(double denom, double min_scale, double max_scale) {
  if (denom <= 0)
    return true; /* unknown scale: ranges do not apply */
  return (!min_scale || denom >= min_scale) && (!max_scale || denom <= max_scale);
}

/* Opens the layer's source: its CRS first (the frame's footprint is in
 * longitude/latitude and has to be moved to the source's CRS to pick the
 * shapes to read), then the shapes that meet it. */
im_status im_render_bound(const im_render_ctx *rc, const im_layer_style *ls, const im_layer **bound, im_error *err) {
  *bound = ls->bound;
  if (ls->memory && !ls->bound)
    return im_error_set(err, IM_STATUS_INPUT, rc->map->path, ls->source_pos.line, ls->source_pos.column,
                        "layer %s: its source is memory, and no layer is bound to it (the host binds one with "
                        "im_map_bind_layer)",
                        ls->id);
  return IM_STATUS_OK;
}

static im_status open_layer(im_render_ctx *rc, const im_layer_style *ls, layer_job *job, im_crs **src, bool fields_only,
                            im_error *err) {
  char *crs_def = NULL, *crs_file = NULL;
  const im_layer *bound = NULL;
  im_status st = im_render_bound(rc, ls, &bound, err);
  if (!st)
    st = im_layer_source_crs_of(ls->source, bound, &crs_def, &crs_file, err);
  if (!st)
    st = im_crs_create(rc->geo, crs_def, crs_file ? crs_file : bound ? bound->path : ls->source, 0, 0, src, err);
  /* The projected-geometry cache knows a source by its file; a host's
   * layer may change between renders under the same name. */
  if (bound)
    job->env.cache = false;
  if (!st && job->env.cache) {
    if (!rc->proj_crs)
      rc->proj_crs = im_proj_cache_crs(rc->map->crs);
    job->env.crs_id = rc->proj_crs;
    job->env.source_id = im_proj_cache_source(ls->source, crs_def);
    job->env.cache = rc->proj_crs && job->env.source_id;
  }
  free(crs_def);
  free(crs_file);
  if (st)
    return st;
  im_layer_query q = rc->query;
  if (rc->query_all)
    q.nboxes = 0;
  if (fields_only) {
    /* A box that meets nothing: the header and the fields, no shapes. */
    q.nboxes = 1;
    q.boxes[0] = (im_bbox){1, 1, 0, 0};
  } else if (!im_crs_equivalent(*src, rc->geog)) {
    if ((st = im_transform_create(rc->geo, *src, rc->geog, &job->env.src2geo, err)))
      return im_error_set(err, err->status, bound ? bound->path : ls->source, 0, 0, "%s", err->message);
    im_transform *geo2src = NULL;
    size_t n = 0;
    if (q.nboxes && !im_transform_create(rc->geo, rc->geog, *src, &geo2src, NULL)) {
      for (size_t i = 0; i < q.nboxes; i++) {
        double in[4] = {q.boxes[i].minx, q.boxes[i].miny, q.boxes[i].maxx, q.boxes[i].maxy}, out[4];
        if (!im_transform_bounds(geo2src, in, out)) {
          n = 0;
          break;
        }
        q.boxes[n++] = (im_bbox){out[0], out[1], out[2], out[3]};
      }
    }
    q.nboxes = n;
    im_transform_free(geo2src);
  }
  /* Shared between the maps of a batch; a plain load otherwise. */
  if ((st = im_layer_source_open(ls->source, bound, &q, &job->layer, err)))
    return st;
  /* Fields from other sources (join:, then aggregate:), before anything
   * reads the layer's fields. */
  if ((st = im_render_join(rc, ls, &job->layer, err)) ||
      (st = im_render_aggregate(rc, ls, *src, fields_only, &job->layer, err)))
    return st;
  /* Then the expressions written where a field is named, which may use
   * the fields of both. */
  return im_render_computed(rc->map, ls, &job->layer, err);
}

/* Whether two layers of a map draw the same data: the same layer bound to
 * both (never, im_map_bind_layer), or the same file, neither bound. */
static bool same_source(const im_layer_style *a, const im_layer_style *b) {
  if (a->bound || b->bound || a->memory || b->memory)
    return false;
  return a->source && b->source && !strcmp(a->source, b->source);
}

/* Features to draw from which a layer's markers are batched (layer_job);
 * the points of the map set are at most a few thousand a layer. */
#define IM_MARKER_BATCH_LAYER 20000

/* True when another visible layer of map reads the same source. */
static bool source_drawn_again(const im_map *map, const im_layer_style *ls) {
  for (size_t i = 0; i < map->nlayers; i++) {
    const im_layer_style *o = &map->layers[i];
    if (o != ls && o->style.visible && o->style.opacity > 0 && same_source(o, ls))
      return true;
  }
  return false;
}

/* A layer whose own style fills with an opaque colour and draws no
 * outline: its polygons are filled together (im_fill_batch). */
static bool fills_without_outline(const im_style *st) {
  bool fill = (st->set & IM_STYLE_FILL) && st->fill.a >= 1 && !(st->set & IM_STYLE_HATCH) && st->opacity >= 1;
  bool stroke = st->stroke_color.a > 0 && st->stroke_width.value > 0 &&
                (st->set & (IM_STYLE_STROKE | IM_STYLE_STROKE_COLOR | IM_STYLE_STROKE_WIDTH));
  return fill && !stroke;
}

/* Whether a layer drawn after ls outlines the same source (countries
 * filled, then their borders): the stroke covers the shared borders, so
 * ls needs no exact ones. */
static bool outlined_later(const im_map *map, const im_layer_style *ls) {
  bool after = false;
  for (size_t i = 0; i < map->nlayers; i++) {
    const im_layer_style *o = &map->layers[i];
    if (o == ls) {
      after = true;
      continue;
    }
    if (after && o->style.visible && o->style.opacity > 0 && same_source(o, ls) && o->style.stroke_color.a > 0 &&
        o->style.stroke_width.value > 0)
      return true;
  }
  return false;
}

im_status im_render_layer(im_render_ctx *rc, const im_layer_style *ls, im_error *err) {
  if (!ls->style.visible || ls->style.opacity <= 0 || !in_scale(rc->scale_denominator, ls->min_scale, ls->max_scale))
    return IM_STATUS_OK;
  layer_job job = {.rc = rc, .ls = ls, .route_field = -1};
  job.env.geo2map = rc->geo2map;
  job.env.lon0 = rc->lon0;
  job.env.xwrap = &rc->xwrap;
  job.env.cap = rc->has_cap ? &rc->cap : NULL;
  /* Neighbouring polygons filled as one path (im_fill_batch) meet without a
   * seam only where their shared border has the same vertices on both
   * sides: thinned and simplified feature by feature, it does not, and the
   * sliver between them shows the background (a hairline between
   * countries: 983 of 5,022 border pixels of the 1:10m countries at 72 dpi,
   * test_render no_seams_between_countries). Such a
   * layer keeps every vertex; one with outlines hides the border under
   * its stroke and is simplified as before, as is one whose borders a
   * later layer draws. */
  rc->exact_fill = fills_without_outline(&ls->style) && !outlined_later(rc->map, ls);
  job.env.thin = rc->exact_fill ? 0 : rc->thin_deg;
  job.env.query = rc->query_all ? NULL : rc->query.boxes;
  job.env.query_boxes = rc->query.nboxes;
  /* A batch caches every feature it projects; a single render only those
   * of a source it draws again (countries filled, then their borders). */
  job.env.cache = im_proj_cache_enabled() && (im_proj_cache_batch() || source_drawn_again(rc->map, ls));
  im_prefetch_layer_begin();
  im_crs *src = NULL;
  im_resolver *res = NULL;
  double t0 = rc->times_out ? im_render_now_ms() : 0;
  im_status st = open_layer(rc, ls, &job, &src, false, err);
  if (rc->times_out) {
    double dt = im_render_now_ms() - t0;
    rc->times.load += dt;
    rc->nested += dt;
  }
  if (!st)
    st = im_resolver_create(rc->map, ls, job.layer, rc->scale_denominator, rc->period_from, rc->period_to, &res, err);
  if (!st)
    st = im_resolver_check_icons(res, rc->symbols.icons, err);
  if (st)
    goto done;
  job.res = res;
  job.proportional = im_resolver_size_field(res) != NULL;
  job.route_field = im_layer_field_index(job.layer, "route");
  job.label_fields = im_resolver_label_fields(res, &job.nlabel_fields);
  if (!(job.label_values = calloc(job.nlabel_fields + 1, sizeof *job.label_values))) {
    st = im_error_set(err, IM_STATUS_INTERNAL, ls->source, 0, 0, "out of memory");
    goto done;
  }
  if (ls->schema_events) {
    size_t problems = 0;
    if ((st = im_events_validate(job.layer, NULL, &problems, err)))
      goto done;
  }

  /* Draw order: layer order, then the z field or the last matching rule. */
  size_t n = 0;
  im_drawn *order = im_malloc_array(job.layer->nfeatures ? job.layer->nfeatures : 1, sizeof *order);
  if (!order) {
    st = im_error_set(err, IM_STATUS_INTERNAL, ls->source, 0, 0, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < job.layer->nfeatures; i++)
    if (im_resolver_select(res, &job.layer->features[i], i, &order[n]))
      n++;
  im_drawn_sort(order, n);
  /* Past IM_MARKER_BATCH_LAYER features to draw, markers of one opaque
   * colour share paths (symbols-private.h): a million of them one by one
   * took ~800 MB of recording per PNG worker, and as much in SVG and PDF.
   * Below it every marker stays a path of its own, an object an SVG or PDF
   * editor can pick. */
  job.batch_markers = n >= IM_MARKER_BATCH_LAYER;
  job.stamp_markers = job.batch_markers && im_marker_stamps_pay(rc->cr);
  /* Another core projects the features ahead of the drawing. */
  im_proj_feature *feats = im_malloc_array(n + 1, sizeof *feats);
  for (size_t i = 0; feats && i < n; i++) {
    const im_feature *f = &job.layer->features[order[i].index];
    feats[i] = (im_proj_feature){&f->geom, f->fid, is_geodesic(&job, f)};
  }
  bool displace = (ls->style.set & IM_STYLE_DISPLACE) && ls->style.displace.distance.value > 0;
  if (displace && (st = displace_layer(&job, order, n, err))) {
    free(feats);
    free(order);
    free(job.disp);
    goto done;
  }
  if (!st && feats && !im_route_courses(job.layer, order, feats, n, res, &rc->symbols, &job.course))
    st = im_error_set(err, IM_STATUS_INTERNAL, ls->source, 0, 0, "out of memory laying out routes");
  if (st) {
    free(feats);
    free(order);
    free(job.disp);
    goto done;
  }
  if (feats && !displace)
    job.prefetch = im_prefetch_start(&job.env, feats, n, rc->max_vertices);

  cairo_t *cr = rc->cr;
  cairo_save(cr);
  if (rc->clip_frame) {
    /* Symbols near the edge (clipped with a margin) stay out of the page's
     * margins. */
    cairo_rectangle(cr, rc->fx0, rc->fy0, rc->fw, rc->fh);
    cairo_clip(cr);
  }
  bool group = ls->style.opacity < 1;
  if (group)
    im_render_push_group(cr);
  im_style fst;
  memset(&fst, 0, sizeof fst);
  for (size_t i = 0; i < n && !st; i++) {
    const im_feature *f = &job.layer->features[order[i].index];
    if (!im_resolver_style(res, f, &fst)) {
      st = im_error_set(err, IM_STATUS_INTERNAL, ls->source, 0, 0, "out of memory");
      break;
    }
    /* A proportional symbol needs a positive value: zero is no symbol,
     * a missing or negative one is counted and warned about. */
    bool marked = job.proportional && f->geom.kind != IM_GEOM_LINE; /* lines have no marker */
    double size = marked ? im_resolver_size_value(res, f) : 1;
    bool sized = !marked || (size > 0 && im_resolver_size_drawable(res));
    if (!sized && fst.visible && size != 0)
      job.no_size++;
    if (fst.visible && sized)
      st = draw_feature(&job, f, i, &fst, err);
    else
      im_prefetch_take(job.prefetch, i, job.vertices, &job.env, &rc->scratch, &rc->proj);
  }
  im_fill_batch_flush(cr, &job.batch);
  im_marker_stamps_free(&job.stamps);
  im_prefetch_stop(job.prefetch);
  /* One line per layer, not one per feature (a file of bad coordinates
   * gave hundreds). */
  if (job.dropped_features == 1)
    im_warn("layer %s (%s): feature %ld: %zu point%s outside the valid longitude/latitude range or the "
            "projection's domain, dropped",
            ls->id, job.layer->path, job.first_dropped, job.lost_points, job.lost_points == 1 ? "" : "s");
  else if (job.dropped_features)
    im_warn("layer %s (%s): %zu features lost %zu points outside the valid longitude/latitude range or the "
            "projection's domain (the first: feature %ld); the points were dropped",
            ls->id, job.layer->path, job.dropped_features, job.lost_points, job.first_dropped);
  if (job.no_size)
    im_warn("layer %s (%s): %zu feature%s no positive value of %s for a proportional symbol, not drawn", ls->id,
            job.layer->path, job.no_size, job.no_size == 1 ? " has" : "s have", im_resolver_size_field(res));
  free(feats);
  free(job.disp);
  free(job.course);
  im_style_clear(&fst);
  if (group) {
    cairo_pop_group_to_source(cr);
    cairo_paint_with_alpha(cr, ls->style.opacity);
  }
  cairo_restore(cr);
  free(order);
done:
  rc->exact_fill = false;
  im_prefetch_layer_end();
  free(job.label_values);
  im_resolver_free(res);
  im_transform_free(job.env.src2geo);
  im_crs_free(src);
  im_layer_cache_release(job.layer);
  return st;
}

im_status im_render_check_layer(im_render_ctx *rc, const im_layer_style *ls, im_error *err) {
  layer_job job = {.rc = rc, .ls = ls, .route_field = -1};
  im_crs *src = NULL;
  im_resolver *res = NULL;
  im_status st = open_layer(rc, ls, &job, &src, true, err);
  if (!st)
    st = im_resolver_create(rc->map, ls, job.layer, rc->scale_denominator, rc->period_from, rc->period_to, &res, err);
  if (!st)
    st = im_resolver_check_icons(res, rc->symbols.icons, err);
  if (!st && ls->schema_events) {
    /* The schema is about every feature, not just the fields: read all. */
    im_layer *all = NULL;
    size_t problems = 0;
    st = ls->bound ? IM_STATUS_OK : im_layer_load(ls->source, NULL, &all, err);
    if (!st)
      st = im_events_validate(ls->bound ? ls->bound : all, NULL, &problems, err);
    im_layer_free(all);
  }
  im_resolver_free(res);
  im_transform_free(job.env.src2geo);
  im_crs_free(src);
  im_layer_cache_release(job.layer);
  return st;
}
