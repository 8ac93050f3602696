/* One job's map: its base spec with the manifest's overrides applied, and
 * the parameters that make it what it is (for the lock file). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "core/suggest-private.h"
#include "batch/batch-private.h"

static int cmp_value(const void *key, const void *elem) { return strcmp(key, ((const im_batch_bbox *)elem)->value); }

static im_status not_found(const im_manifest *m, const char *value, im_error *err) {
  const char **values = im_malloc_array(m->nbboxes + 1, sizeof *values);
  if (!values)
    return im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
  for (size_t i = 0; i < m->nbboxes; i++)
    values[i] = m->bboxes[i].value;
  const char *near = im_suggest(value, values, m->nbboxes);
  const im_tmpl *t = &m->ext_value;
  im_status st = im_error_set(err, IM_STATUS_INPUT, t->file, t->pos.line, t->pos.column,
                              "extent: no feature of %s has %s = '%s'%s%s%s", m->ext_source, m->ext_field, value,
                              near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
  free(values);
  return st;
}

/* The extent of the feature(s) whose field has the job's value, padded. */
static im_status feature_extent(const im_manifest *m, const im_batch_job *job, im_extent *e, im_error *err) {
  char *value = im_tmpl_expand(m, &m->ext_value, job);
  if (!value)
    return im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
  const im_batch_bbox *b = bsearch(value, m->bboxes, m->nbboxes, sizeof *m->bboxes, cmp_value);
  im_status st = b ? IM_STATUS_OK : not_found(m, value, err);
  free(value);
  if (st)
    return st;
  double w = b->east - b->west, h = b->north - b->south;
  /* A point (or a feature as thin as one) still gets an area around it. */
  double px = m->padding_pct ? m->padding * fmax(w, 0.01) : m->padding;
  double py = m->padding_pct ? m->padding * fmax(h, 0.01) : m->padding;
  if (w + 2 * px <= 0)
    px = 0.05;
  if (h + 2 * py <= 0)
    py = 0.05;
  *e = (im_extent){.kind = IM_EXTENT_DEGREES,
                   .west = fmax(b->west - px, -540),
                   .east = fmin(b->east + px, 540),
                   .south = fmax(b->south - py, -90),
                   .north = fmin(b->north + py, 90),
                   .pos = m->extent_pos};
  return IM_STATUS_OK;
}

static im_status expand(const im_manifest *m, const im_tmpl *t, const im_batch_job *job, char **out, im_error *err) {
  *out = NULL;
  if (!t->text)
    return IM_STATUS_OK;
  if (!(*out = im_tmpl_expand(m, t, job)))
    return im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
  return IM_STATUS_OK;
}

static im_status apply_period(const im_manifest *m, const im_batch_job *job, im_map *map, im_error *err) {
  char *from = NULL, *to = NULL;
  im_status st = expand(m, &m->period_from, job, &from, err);
  if (!st)
    st = expand(m, &m->period_to, job, &to, err);
  if (!st && from)
    st = im_period_check(from, m->path, m->period_from.pos.line, m->period_from.pos.column, err);
  if (!st && to)
    st = im_period_check(to, m->path, m->period_to.pos.line, m->period_to.pos.column, err);
  if (!st)
    st = im_map_set_period(map, from ? from : map->period_from, to ? to : map->period_to, err);
  free(from);
  free(to);
  return st;
}

im_status im_batch_job_map(const im_manifest *m, const im_batch_job *job, im_map **out, im_error *err) {
  *out = NULL;
  im_map *map = NULL;
  im_status st = im_map_load(job->base, &map, err);
  if (st)
    return st;
  if (m->title.text) {
    char *title = NULL;
    if (!(st = expand(m, &m->title, job, &title, err)))
      st = im_map_set_title(map, title, err);
    free(title);
  }
  if (!st && m->extent_kind != IM_BATCH_EXTENT_KEEP) {
    im_extent e = m->extent;
    if (m->extent_kind == IM_BATCH_EXTENT_FEATURE)
      st = feature_extent(m, job, &e, err);
    if (!st)
      st = im_map_set_extent(map, &e, err);
  }
  if (!st && (m->period_from.text || m->period_to.text))
    st = apply_period(m, job, map, err);
  for (size_t i = 0; i < m->nwheres && !st; i++) {
    const im_batch_where *w = &m->wheres[i];
    char *expr = NULL;
    if ((st = expand(m, &w->expr, job, &expr, err)))
      break;
    /* An unknown layer is placed at the layer's name, a bad expression in
     * the expression. */
    im_spec_pos pos = im_map_layer(map, w->layer) ? w->expr.pos : w->layer_pos;
    st = im_map_add_layer_filter(map, w->layer, expr, m->path, pos.line, pos.column, err);
    free(expr);
  }
  if (st) {
    im_map_free(map);
    return st;
  }
  if (m->dpi > 0)
    map->dpi = m->dpi;
  if (m->has_size) {
    map->width = m->width;
    map->height = m->height;
  }
  *out = map;
  return IM_STATUS_OK;
}

/* Every override as it applies to this job, so the lock file can tell when
 * the manifest changes a map (and only that map). */
json_t *im_batch_job_params(const im_manifest *m, const im_batch_job *job) {
  json_t *o = json_object();
  if (!o)
    return NULL;
  json_t *params = json_object();
  for (size_t i = 0; params && i < job->nparams; i++)
    json_object_set_new(params, job->params[i].name, json_string(job->params[i].value));
  json_object_set_new(o, "matrix", params);
  json_object_set_new(o, "base", json_string(job->base));
  const struct {
    const char *key;
    const im_tmpl *t;
  } texts[] = {{"title", &m->title}, {"period_from", &m->period_from}, {"period_to", &m->period_to}};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
    if (texts[i].t->text) {
      char *v = im_tmpl_expand(m, texts[i].t, job);
      json_object_set_new(o, texts[i].key, v ? json_string(v) : json_null());
      free(v);
    }
  if (m->extent_kind == IM_BATCH_EXTENT_FIXED) {
    json_object_set_new(o, "extent",
                        json_pack("[ffff]", m->extent.west, m->extent.east, m->extent.south, m->extent.north));
  } else if (m->extent_kind == IM_BATCH_EXTENT_FEATURE) {
    char *v = im_tmpl_expand(m, &m->ext_value, job);
    json_object_set_new(o, "extent",
                        json_pack("{s:s, s:s, s:s?, s:f, s:b}", "source", m->ext_source, "field", m->ext_field, "value",
                                  v, "padding", m->padding, "percent", m->padding_pct));
    free(v);
  }
  if (m->nwheres) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nwheres; i++) {
      char *v = im_tmpl_expand(m, &m->wheres[i].expr, job);
      json_array_append_new(a, json_pack("[ss?]", m->wheres[i].layer, v));
      free(v);
    }
    json_object_set_new(o, "where", a);
  }
  if (m->dpi > 0)
    json_object_set_new(o, "dpi", json_real(m->dpi));
  if (m->has_size)
    json_object_set_new(o, "size",
                        json_pack("[fifi]", m->width.value, (int)m->width.unit, m->height.value, (int)m->height.unit));
  return o;
}
