/* Layers a host makes in code (im_layer_create, im_layer_add_feature), and
 * views of a layer the host bound to a map (im_layer_view): what a render
 * reads in place of a source file. The values are text, as CSV and GeoJSON
 * layers hold them, checked against the field's type when added, so a
 * filter, class or time window reads them as it reads a file's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "core/utf8-private.h"
#include "io/io-private.h"
#include "io/layer-private.h"

static const char *const memory_format = "memory";

static const char *name_or_default(const char *name) { return name && *name ? name : "memory layer"; }

im_status im_layer_create(const char *name, const char *crs, const im_field *fields, size_t nfields, im_layer **out,
                          im_error *err) {
  *out = NULL;
  name = name_or_default(name);
  if (nfields && !fields)
    return im_error_set(err, IM_STATUS_USAGE, name, 0, 0, "%zu fields announced but none given", nfields);
  for (size_t i = 0; i < nfields; i++) {
    if (!fields[i].name || !*fields[i].name)
      return im_error_set(err, IM_STATUS_USAGE, name, 0, 0, "field %zu has no name", i + 1);
    if (!im_utf8_valid(fields[i].name, strlen(fields[i].name)))
      return im_error_set(err, IM_STATUS_USAGE, name, 0, 0, "field %zu: its name is not UTF-8", i + 1);
    if ((unsigned)fields[i].type > IM_FIELD_OTHER)
      return im_error_set(err, IM_STATUS_USAGE, name, 0, 0, "field '%s' has no valid type (%d)", fields[i].name,
                          (int)fields[i].type);
    /* Fields are looked up without regard to case (im_layer_field_index). */
    for (size_t k = 0; k < i; k++)
      if (!strcasecmp(fields[k].name, fields[i].name))
        return im_error_set(err, IM_STATUS_USAGE, name, 0, 0, "fields %zu and %zu are both called '%s'", k + 1, i + 1,
                            fields[i].name);
  }
  im_layer *l = im_layer_new(name, memory_format);
  bool ok = l && (l->crs_definition = im_strdup(crs && *crs ? crs : "EPSG:4326")) &&
            (l->encoding = im_strdup("UTF-8")) && (l->fields = calloc(nfields + 1, sizeof *l->fields));
  for (size_t i = 0; ok && i < nfields; i++) {
    l->fields[i] = fields[i];
    ok = (l->fields[i].name = im_strdup(fields[i].name)) != NULL;
    l->nfields += ok;
  }
  if (!ok) {
    im_layer_free(l);
    return im_error_set(err, IM_STATUS_INTERNAL, name, 0, 0, "out of memory");
  }
  l->encoding_source = "given by the host";
  *out = l;
  return IM_STATUS_OK;
}

/* Why text is not a value of type t, or NULL when it is one. */
static const char *misfit(im_field_type t, const char *text) {
  bool real;
  size_t n;
  double v;
  switch (t) {
  case IM_FIELD_INTEGER:
    n = im_number_span(text, &real);
    return n && !text[n] && !real ? NULL : "is not a whole number";
  case IM_FIELD_DOUBLE:
    return im_parse_number(text, &v) ? NULL : "is not a number (written as in C: 12.5, -3, 1e6)";
  case IM_FIELD_LOGICAL:
    return !strcasecmp(text, "true") || !strcasecmp(text, "false") ? NULL : "is neither true nor false";
  case IM_FIELD_DATE:
    return im_iso_date_parts(text) ? NULL : "is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)";
  default:
    return NULL;
  }
}

/* A geometry a render can take: parts in order within the points, every
 * coordinate a finite number. */
static const char *bad_geometry(const im_geom *g) {
  if ((unsigned)g->kind > IM_GEOM_POLYGON)
    return "its geometry has no valid kind";
  if (g->npoints && !g->xy)
    return "its geometry has points but no coordinates";
  if (g->nparts && !g->parts)
    return "its geometry has parts but no part indexes";
  for (size_t i = 0; i < g->nparts; i++)
    if (g->parts[i] > g->npoints || (i && g->parts[i] < g->parts[i - 1]) || (!i && g->parts[0]))
      return "its geometry's parts are out of order or past its points";
  for (size_t i = 0; i < 2 * g->npoints; i++)
    if (!isfinite(g->xy[i]))
      return "its geometry has a coordinate that is not a finite number";
  return NULL;
}

im_status im_layer_add_feature(im_layer *layer, const im_geom *geom, const char *const *values, im_error *err) {
  if (!layer)
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "im_layer_add_feature: no layer");
  const char *name = layer->path;
  size_t index = layer->nfeatures;
  /* A file's layer, or a view, shares what it holds; only a layer made
   * here is the host's to add to. */
  if (layer->format != memory_format || layer->cache_view || layer->base || layer->borrowed)
    return im_error_set(err, IM_STATUS_USAGE, name, 0, 0,
                        "features can be added only to a layer made by im_layer_create, not to a %s layer",
                        layer->format);
  const char *why = geom ? bad_geometry(geom) : NULL;
  if (why)
    return im_error_set(err, IM_STATUS_INPUT, name, 0, 0, "feature %zu: %s", index, why);
  for (size_t k = 0; values && k < layer->nfields; k++) {
    const char *v = values[k];
    if (!v)
      continue;
    if (!im_utf8_valid(v, strlen(v)))
      return im_error_set(err, IM_STATUS_INPUT, name, 0, 0, "feature %zu: field '%s': the value is not UTF-8", index,
                          layer->fields[k].name);
    if ((why = misfit(layer->fields[k].type, v))) {
      char shown[IM_SHOWN_SIZE];
      return im_error_set(err, IM_STATUS_INPUT, name, 0, 0, "feature %zu: field '%s' (%s): '%s' %s", index,
                          layer->fields[k].name, im_field_type_name(layer->fields[k].type), im_utf8_shown(v, shown),
                          why);
    }
  }
  /* The room im_grow made so far: 16, doubled until it held them all. */
  size_t cap = 0;
  if (layer->nfeatures)
    for (cap = 16; cap < layer->nfeatures; cap *= 2)
      ;
  if (!im_grow((void **)&layer->features, &cap, layer->nfeatures + 1, sizeof *layer->features))
    return im_error_set(err, IM_STATUS_INTERNAL, name, 0, 0, "out of memory");
  im_feature f = {.fid = (long)index};
  im_geom_init(&f.geom, geom ? geom->kind : IM_GEOM_POINT);
  bool ok = !geom || im_geom_copy(&f.geom, geom);
  if (ok && layer->nfields && !(f.values = calloc(layer->nfields, sizeof *f.values)))
    ok = false;
  for (size_t k = 0; ok && values && k < layer->nfields; k++)
    if (values[k] && !(f.values[k] = im_strdup(values[k])))
      ok = false;
  if (!ok) {
    for (size_t k = 0; f.values && k < layer->nfields; k++)
      free(f.values[k]);
    free(f.values);
    im_geom_free(&f.geom);
    return im_error_set(err, IM_STATUS_INTERNAL, name, 0, 0, "out of memory");
  }
  /* Widths and decimals as a reader would find them, for number formats. */
  for (size_t k = 0; values && k < layer->nfields; k++) {
    if (!values[k])
      continue;
    im_field_guess g = {.width = layer->fields[k].width, .decimals = layer->fields[k].decimals};
    im_field_guess_add(&g, layer->fields[k].type == IM_FIELD_DOUBLE ? IM_SEEN_REAL : IM_SEEN_TEXT, values[k]);
    layer->fields[k].width = g.width;
    layer->fields[k].decimals = g.decimals;
  }
  if (f.geom.npoints) {
    im_bbox b = im_geom_bbox(&f.geom);
    bool have = layer->has_bbox;
    im_bbox_extend(&layer->file_bbox, &have, &b);
    layer->has_bbox = true;
  }
  layer->features[layer->nfeatures++] = f;
  layer->total_records = (long)layer->nfeatures;
  return IM_STATUS_OK;
}

im_status im_layer_add_point(im_layer *layer, double x, double y, const char *const *values, im_error *err) {
  double xy[2] = {x, y};
  size_t part = 0;
  im_geom g = {.kind = IM_GEOM_POINT, .npoints = 1, .nparts = 1, .xy = xy, .parts = &part};
  return im_layer_add_feature(layer, &g, values, err);
}

im_layer *im_layer_view(const im_layer *all, const im_layer_query *query) {
  im_layer *v = malloc(sizeof *v);
  if (!v)
    return NULL;
  *v = *all;
  v->cache_view = false;
  v->base = NULL;
  v->borrowed = true;
  v->nfeatures = 0;
  if (!(v->features = im_malloc_array(all->nfeatures + 1, sizeof *v->features))) {
    free(v);
    return NULL;
  }
  /* The features a reader would keep for the same query: those that meet
   * its boxes, and rows without geometry only in a table. */
  bool table = query && query->table;
  for (size_t i = 0; i < all->nfeatures; i++) {
    const im_feature *f = &all->features[i];
    if (!f->geom.npoints && !table && query)
      continue;
    im_bbox b = im_geom_bbox(&f->geom);
    if (f->geom.npoints && !im_query_wants(query, &b))
      continue;
    v->features[v->nfeatures++] = *f;
  }
  return v;
}
