/* Aggregates across layers: for each polygon of a layer, the count, sum,
 * mean, least or greatest of a field of the features of another source
 * that fall in it, as a new field (aggregate-private.h). Point in polygon
 * on the geometry as read, each polygon's rings pruned by their boxes, so
 * 10,000 points in 250 polygons cost milliseconds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "geo/geom-private.h"
#include "influmap/filter.h"
#include "io/io-private.h"
#include "io/layer-cache-private.h"
#include "render/aggregate-private.h"
#include "render/style-resolve-private.h"
#include "spec/filter-private.h"

typedef struct {
  double x, y, v;
} agg_point;

static const char *const op_names[] = {"count", "sum", "mean", "min", "max"};

static im_status oom(const char *path, im_error *err) {
  return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory computing aggregates");
}

/* The source of a, and the layer it names (NULL: none). */
static const char *source_of(const im_render_ctx *rc, const im_aggregate *a, const im_layer_style **other) {
  *other = NULL;
  if (!a->layer)
    return a->source;
  for (size_t i = 0; i < rc->map->nlayers; i++)
    if (!strcmp(rc->map->layers[i].id, a->layer)) {
      *other = &rc->map->layers[i];
      return rc->map->layers[i].source;
    }
  return NULL; /* checked when the spec was read */
}

/* The points a counts (with the value combined), moved to crs. */
static im_status read_points(im_render_ctx *rc, const im_aggregate *a, const im_crs *crs, bool fields_only,
                             agg_point **out, size_t *nout, im_field_type *type, im_error *err) {
  *out = NULL;
  *nout = 0;
  *type = IM_FIELD_INTEGER;
  const im_layer_style *other_layer;
  const char *path = source_of(rc, a, &other_layer);
  if (!path)
    return im_error_set(err, IM_STATUS_INPUT, a->file, a->layer_pos.line, a->layer_pos.column,
                        "aggregate %s: no layer has the id '%s'", a->name, a->layer);
  const im_where *other = other_layer ? &other_layer->where : NULL;
  const im_layer *bound = NULL;
  if (other_layer && im_render_bound(rc, other_layer, &bound, err))
    return IM_STATUS_INPUT;
  im_layer_query fields = {.nboxes = 1, .boxes = {{1, 1, 0, 0}}}; /* meets nothing: the fields alone */
  im_layer *src = NULL;
  im_filter *period = NULL, *own_where = NULL, *other_where = NULL;
  im_crs *scrs = NULL;
  im_transform *t = NULL;
  char *def = NULL, *crs_file = NULL;
  agg_point *pts = NULL;
  size_t n = 0;
  im_status st = im_layer_source_open(path, bound, fields_only ? &fields : NULL, &src, err);
  if (st)
    return st;
  long fi = -1;
  if (a->field && (fi = im_layer_field_index(src, a->field)) < 0) {
    st = im_field_error(src, a->field, a->file, a->field_pos, "aggregate", err);
    goto done;
  }
  if (fi >= 0) {
    im_field_type ft = src->fields[fi].type;
    if (ft != IM_FIELD_INTEGER && ft != IM_FIELD_DOUBLE) {
      st = im_error_set(err, IM_STATUS_INPUT, a->file, a->field_pos.line, a->field_pos.column,
                        "aggregate %s: field '%s' of %s holds %s values, not numbers to %s", a->name, a->field,
                        src->path, im_field_type_name(ft), op_names[a->op]);
      goto done;
    }
    *type = a->op == IM_AGG_MEAN ? IM_FIELD_DOUBLE : ft;
  }
  /* Bound in copies: a render never writes the map (render.h, "Threads"). */
  if ((a->where.filter &&
       (st = im_filter_copy_bound(a->where.filter, src->fields, src->nfields, src->path, &own_where, err))) ||
      (other && other->filter &&
       (st = im_filter_copy_bound(other->filter, src->fields, src->nfields, src->path, &other_where, err))) ||
      (st = im_period_filter(src, rc->period_from, rc->period_to, &period, err)))
    goto done;
  if (fields_only)
    goto done;
  if ((st = im_layer_source_crs_of(path, bound, &def, &crs_file, err)) ||
      (st = im_crs_create(rc->geo, def, crs_file ? crs_file : path, 0, 0, &scrs, err)))
    goto done;
  if (!im_crs_equivalent(scrs, crs) && (st = im_transform_create(rc->geo, scrs, crs, &t, err)))
    goto done;
  if (!(pts = im_malloc_array(src->nfeatures + 1, sizeof *pts))) {
    st = oom(path, err);
    goto done;
  }
  for (size_t i = 0; i < src->nfeatures; i++) {
    const im_feature *f = &src->features[i];
    if (!f->geom.npoints || (own_where && !im_filter_eval(own_where, f->values)) ||
        (other_where && !im_filter_eval(other_where, f->values)) || (period && !im_filter_eval(period, f->values)))
      continue;
    double v = 1;
    /* A missing or unreadable value is no data: left out of the sum. */
    if (fi >= 0 && !(f->values && f->values[fi] && im_parse_number(f->values[fi], &v)))
      continue;
    pts[n++] = (agg_point){f->geom.xy[0], f->geom.xy[1], v};
  }
  if (t) {
    /* Moved as an array, in place: x y v triples, strided by hand. */
    double *xy = im_malloc_array(2 * n + 2, sizeof *xy);
    if (!xy) {
      st = oom(path, err);
      goto done;
    }
    for (size_t i = 0; i < n; i++)
      xy[2 * i] = pts[i].x, xy[2 * i + 1] = pts[i].y;
    im_transform_array(t, xy, n, false);
    for (size_t i = 0; i < n; i++)
      pts[i].x = xy[2 * i], pts[i].y = xy[2 * i + 1];
    free(xy);
  }
done:
  free(def);
  free(crs_file);
  im_transform_free(t);
  im_crs_free(scrs);
  im_filter_free(period);
  im_filter_free(own_where);
  im_filter_free(other_where);
  im_layer_cache_release(src);
  if (st) {
    free(pts);
    return st;
  }
  *out = pts;
  *nout = n;
  return IM_STATUS_OK;
}

static bool polygon_contains(const im_geom *g, const im_bbox *rings, double x, double y) {
  bool in = false;
  for (size_t p = 0; p < g->nparts; p++) {
    const im_bbox *b = &rings[p];
    if (x < b->minx || x > b->maxx || y < b->miny || y > b->maxy)
      continue;
    size_t n = im_geom_part_size(g, p);
    if (n && im_ring_contains(g->xy + 2 * g->parts[p], n, x, y))
      in = !in;
  }
  return in;
}

/* Whole numbers as such; others to 15 significant digits, so that a sum
 * of tenths reads 0.3 and not 0.30000000000000004. */
static char *number_text(double v, bool integer) {
  char buf[64];
  if (integer && fabs(v) < 9007199254740992.0)
    snprintf(buf, sizeof buf, "%.0f", v);
  else
    snprintf(buf, sizeof buf, "%.15g", v);
  return im_strdup(buf);
}

/* a's value for each polygon of layer into values[i * stride]. */
static bool compute(const im_layer *layer, const im_aggregate *a, const agg_point *pts, size_t npts, im_field_type type,
                    char **values, size_t stride) {
  im_bbox *rings = NULL;
  size_t cap = 0;
  bool ok = true;
  for (size_t i = 0; ok && i < layer->nfeatures; i++) {
    const im_geom *g = &layer->features[i].geom;
    if (g->kind != IM_GEOM_POLYGON || !g->npoints || !g->nparts)
      continue; /* no area, no data */
    if (!(ok = im_grow((void **)&rings, &cap, g->nparts, sizeof *rings)))
      break;
    im_bbox all = im_geom_bbox(g);
    for (size_t p = 0; p < g->nparts; p++) {
      im_geom ring = {.kind = IM_GEOM_LINE, .npoints = im_geom_part_size(g, p), .xy = g->xy + 2 * g->parts[p]};
      rings[p] = im_geom_bbox(&ring);
    }
    size_t count = 0;
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < npts; k++) {
      double x = pts[k].x, y = pts[k].y;
      if (!(x >= all.minx && x <= all.maxx && y >= all.miny && y <= all.maxy) || !polygon_contains(g, rings, x, y))
        continue;
      count++;
      sum += pts[k].v;
      lo = fmin(lo, pts[k].v);
      hi = fmax(hi, pts[k].v);
    }
    char *text = NULL;
    switch (a->op) {
    case IM_AGG_COUNT:
      text = number_text((double)count, true);
      break;
    case IM_AGG_SUM:
      text = number_text(sum, type == IM_FIELD_INTEGER);
      break;
    case IM_AGG_MEAN:
      text = count ? number_text(sum / (double)count, false) : NULL;
      break;
    case IM_AGG_MIN:
      text = count ? number_text(lo, type == IM_FIELD_INTEGER) : NULL;
      break;
    case IM_AGG_MAX:
      text = count ? number_text(hi, type == IM_FIELD_INTEGER) : NULL;
      break;
    }
    bool empty = a->op >= IM_AGG_MEAN && !count;
    ok = text || empty;
    values[i * stride] = text;
  }
  free(rings);
  return ok;
}

im_status im_render_aggregate(im_render_ctx *rc, const im_layer_style *ls, const im_crs *crs, bool fields_only,
                              im_layer **layer, im_error *err) {
  if (!ls->naggregates)
    return IM_STATUS_OK;
  im_layer *base = *layer;
  size_t na = ls->naggregates, nf = base->nfeatures;
  for (size_t k = 0; k < na; k++) {
    const im_aggregate *a = &ls->aggregates[k];
    if (im_layer_field_index(base, a->name) >= 0)
      return im_error_set(err, IM_STATUS_INPUT, a->file, a->pos.line, a->pos.column,
                          "aggregate %s: %s already has a field of that name", a->name, base->path);
  }
  im_field *fields = calloc(na, sizeof *fields);
  char **values = calloc(nf * na + 1, sizeof *values);
  if (!fields || !values) {
    free(fields);
    free(values);
    return oom(base->path, err);
  }
  im_status st = IM_STATUS_OK;
  for (size_t k = 0; k < na && !st; k++) {
    const im_aggregate *a = &ls->aggregates[k];
    agg_point *pts;
    size_t npts;
    im_field_type type;
    st = read_points(rc, a, crs, fields_only, &pts, &npts, &type, err);
    if (st)
      break;
    fields[k] = (im_field){.name = a->name, .type = type, .width = 24, .decimals = type == IM_FIELD_DOUBLE ? 6 : 0};
    if (!fields_only && !compute(base, a, pts, npts, type, values + k, na))
      st = oom(base->path, err);
    free(pts);
  }
  if (st) {
    for (size_t j = 0; j < nf * na; j++)
      free(values[j]);
    free(values);
    free(fields);
    return st;
  }
  im_layer *extended = im_layer_extend(base, fields, na, values);
  free(fields);
  if (!extended) {
    *layer = NULL; /* taken, and released, by im_layer_extend */
    return oom(ls->source, err);
  }
  *layer = extended;
  return IM_STATUS_OK;
}
