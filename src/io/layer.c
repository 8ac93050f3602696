/* What every source shares: choosing a reader by suffix, the source CRS,
 * freeing, field lookup, and guessing a field's type from its values for
 * formats that do not declare one (GeoJSON, CSV). */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/context-private.h"
#include "core/cnum-private.h"
#include "core/mem-private.h"
#include "io/layer-private.h"
#include "geo/geom-private.h"
#include "io/io-private.h"
#include "io/layer-cache-private.h"

typedef enum { SRC_UNKNOWN, SRC_SHAPEFILE, SRC_GEOJSON, SRC_CSV } source_kind;

static source_kind kind_of_path(const char *path) {
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  if (!dot || (slash && dot < slash))
    return SRC_UNKNOWN;
  if (!strcasecmp(dot, ".shp"))
    return SRC_SHAPEFILE;
  if (!strcasecmp(dot, ".geojson") || !strcasecmp(dot, ".json"))
    return SRC_GEOJSON;
  if (!strcasecmp(dot, ".csv"))
    return SRC_CSV;
  return SRC_UNKNOWN;
}

static im_status unsupported(const char *path, im_error *err) {
  return im_error_set(err, IM_STATUS_INPUT, path, 0, 0,
                      "unsupported source format (influmap reads ESRI Shapefiles .shp, GeoJSON .geojson or "
                      ".json, and CSV .csv)");
}

im_status im_layer_load(const char *path, const im_layer_query *query, im_layer **out, im_error *err) {
  switch (kind_of_path(path)) {
  case SRC_SHAPEFILE:
    return im_layer_load_shapefile(path, query, out, err);
  case SRC_GEOJSON:
    return im_layer_load_geojson(path, query, out, err);
  case SRC_CSV:
    return im_layer_load_csv(path, query, out, err);
  default:
    *out = NULL;
    return unsupported(path, err);
  }
}

im_status im_layer_source_crs(const char *path, char **definition, char **crs_file, im_error *err) {
  *definition = NULL;
  *crs_file = NULL;
  switch (kind_of_path(path)) {
  case SRC_SHAPEFILE:
    return im_shapefile_source_crs(path, definition, crs_file, err);
  case SRC_GEOJSON:
    return im_geojson_source_crs(path, definition, err);
  case SRC_CSV:
    if (!(*definition = im_strdup("EPSG:4326")))
      return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
    return IM_STATUS_OK;
  default:
    return unsupported(path, err);
  }
}

im_layer *im_layer_new(const char *path, const char *format) {
  im_layer *layer = calloc(1, sizeof *layer);
  if (!layer || !(layer->path = im_strdup(path))) {
    free(layer);
    return NULL;
  }
  layer->format = format;
  return layer;
}

void im_layer_free(im_layer *layer) {
  if (!layer)
    return;
  /* A host may be handed a cached view (io/layer-cache-private.h): the
   * features are the cache's, so it goes back there, never freed twice. */
  if (layer->cache_view) {
    im_layer_cache_release(layer);
    return;
  }
  if (layer->borrowed) {
    free(layer->features);
    free(layer);
    return;
  }
  if (layer->base) {
    size_t own_from = layer->base->nfields;
    for (size_t i = 0; i < layer->nfeatures; i++) {
      char **v = layer->features[i].values;
      for (size_t k = own_from; v && k < layer->nfields; k++)
        free(v[k]);
      free(v);
    }
    free(layer->features);
    for (size_t i = 0; i < layer->nfields; i++)
      free(layer->fields[i].name);
    free(layer->fields);
    free(layer->path);
    im_layer_cache_release(layer->base);
    free(layer);
    return;
  }
  for (size_t i = 0; i < layer->nfeatures; i++) {
    im_feature *f = &layer->features[i];
    im_geom_free(&f->geom);
    if (f->values) {
      for (size_t k = 0; k < layer->nfields; k++)
        free(f->values[k]);
      free(f->values);
    }
  }
  free(layer->features);
  for (size_t i = 0; i < layer->nfields; i++)
    free(layer->fields[i].name);
  free(layer->fields);
  free(layer->path);
  free(layer->crs_definition);
  free(layer->crs_file);
  free(layer->encoding);
  free(layer);
}

im_layer *im_layer_extend(im_layer *base, const im_field *extra, size_t nextra, char **values) {
  size_t nb = base->nfields, n = base->nfeatures, nf = nb + nextra;
  im_layer *l = calloc(1, sizeof *l);
  if (l) {
    *l = *base;
    l->cache_view = false;
    l->borrowed = false;
    l->base = base;
    l->path = im_strdup(base->path);
    l->nfields = 0;
    l->nfeatures = 0;
    l->fields = calloc(nf + 1, sizeof *l->fields);
    l->features = im_malloc_array(n + 1, sizeof *l->features);
  }
  bool ok = l && l->path && l->fields && l->features;
  for (size_t i = 0; ok && i < nf; i++) {
    const im_field *src = i < nb ? &base->fields[i] : &extra[i - nb];
    l->fields[i] = *src;
    ok = (l->fields[i].name = im_strdup(src->name)) != NULL;
    l->nfields += ok;
  }
  /* From here on the layer owns the values it has taken. */
  size_t taken = 0;
  for (size_t i = 0; ok && i < n; i++) {
    im_feature f = base->features[i];
    char **v = calloc(nf + 1, sizeof *v);
    if (!(ok = v != NULL))
      break;
    for (size_t k = 0; k < nb; k++)
      v[k] = base->features[i].values ? base->features[i].values[k] : NULL;
    for (size_t k = 0; k < nextra; k++)
      v[nb + k] = values[i * nextra + k];
    f.values = v;
    l->features[l->nfeatures++] = f;
    taken = i + 1;
  }
  for (size_t j = taken * nextra; j < n * nextra; j++)
    free(values[j]);
  free(values);
  if (ok)
    return l;
  if (!l || !l->fields || !l->features || l->nfields < nf) {
    /* The fields are not all there: free by hand what was made. */
    if (l) {
      for (size_t i = 0; i < l->nfeatures; i++) {
        for (size_t k = nb; k < nf; k++)
          free(l->features[i].values[k]);
        free(l->features[i].values);
      }
      for (size_t i = 0; l->fields && i < l->nfields; i++)
        free(l->fields[i].name);
      free(l->fields);
      free(l->features);
      free(l->path);
      free(l);
    }
    im_layer_cache_release(base);
    return NULL;
  }
  im_layer_free(l);
  return NULL;
}

const char *im_field_type_name(im_field_type t) {
  static const char *const names[] = {"String", "Integer", "Real", "Logical", "Date", "Other"};
  return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "Other";
}

long im_layer_field_index(const im_layer *layer, const char *name) {
  /* The exact-case match first: computed fields are named by their
   * expression, and upper(NAME) || 'a' is not upper(NAME) || 'A'. */
  for (size_t i = 0; i < layer->nfields; i++)
    if (strcmp(layer->fields[i].name, name) == 0)
      return (long)i;
  for (size_t i = 0; i < layer->nfields; i++)
    if (strcasecmp(layer->fields[i].name, name) == 0)
      return (long)i;
  return -1;
}

/* ---- field types from values ---- */

static bool all_digits(const char *s, size_t n) {
  if (!n)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return false;
  return true;
}

static int number_of(const char *s, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; i++)
    v = v * 10 + (s[i] - '0');
  return v;
}

int im_iso_date_parts(const char *s) {
  size_t n = strlen(s);
  if (!(n == 4 || n == 7 || n == 10) || !all_digits(s, 4))
    return 0;
  if (n == 4)
    return 1;
  if (s[4] != '-' || !all_digits(s + 5, 2))
    return 0;
  int month = number_of(s + 5, 2);
  if (month < 1 || month > 12)
    return 0;
  if (n == 7)
    return 2;
  if (s[7] != '-' || !all_digits(s + 8, 2))
    return 0;
  static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int year = number_of(s, 4), day = number_of(s + 8, 2);
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int max = month == 2 && !leap ? 28 : days[month - 1];
  return day >= 1 && day <= max ? 3 : 0;
}

/* An optional sign, digits, an optional fraction and exponent: the shape
 * strtod accepts minus hex, inf and nan, which are not numbers in a table. */
size_t im_number_span(const char *s, bool *real) {
  const char *p = s;
  *real = false;
  if (*p == '-' || *p == '+')
    p++;
  size_t ndigits = strspn(p, "0123456789");
  p += ndigits;
  if (*p == '.') {
    *real = true;
    size_t nfrac = strspn(p + 1, "0123456789");
    ndigits += nfrac;
    p += 1 + nfrac;
  }
  if (!ndigits)
    return 0;
  if (*p == 'e' || *p == 'E') {
    const char *e = p + 1;
    if (*e == '-' || *e == '+')
      e++;
    size_t nexp = strspn(e, "0123456789");
    if (nexp) {
      *real = true;
      p = e + nexp;
    }
  }
  return (size_t)(p - s);
}

bool im_parse_number(const char *s, double *v) {
  bool real;
  size_t n = im_number_span(s, &real);
  if (!n || s[n])
    return false;
  *v = im_strtod(s, NULL);
  return isfinite(*v);
}

unsigned im_text_kind(const char *s) {
  if (!strcasecmp(s, "true") || !strcasecmp(s, "false"))
    return IM_SEEN_BOOL;
  if (im_iso_date_parts(s) >= 2)
    return IM_SEEN_DATE;
  bool real;
  size_t n = im_number_span(s, &real);
  if (!n || s[n])
    return IM_SEEN_TEXT;
  const char *digits = s + (*s == '-' || *s == '+');
  size_t nint = strspn(digits, "0123456789");
  if (!real && nint > 1 && *digits == '0')
    return IM_SEEN_TEXT; /* "007", a code, not the number 7 */
  if (!real && nint > 18)
    return IM_SEEN_REAL; /* beyond a 64-bit integer */
  return real ? IM_SEEN_REAL : IM_SEEN_INTEGER;
}

void im_field_guess_add(im_field_guess *g, unsigned kind, const char *text) {
  g->seen |= kind;
  size_t n = strlen(text);
  if (n > (size_t)g->width)
    g->width = n > 255 ? 255 : (int)n;
  if (kind == IM_SEEN_REAL) {
    const char *dot = strchr(text, '.');
    if (dot) {
      int d = (int)strspn(dot + 1, "0123456789");
      if (d > g->decimals)
        g->decimals = d;
    }
  }
}

void im_field_guess_apply(const im_field_guess *g, im_field *f) {
  f->width = g->width;
  f->decimals = 0;
  switch (g->seen) {
  case IM_SEEN_INTEGER:
    f->type = IM_FIELD_INTEGER;
    break;
  case IM_SEEN_REAL:
  case IM_SEEN_INTEGER | IM_SEEN_REAL:
    f->type = IM_FIELD_DOUBLE;
    f->decimals = g->decimals;
    break;
  case IM_SEEN_BOOL:
    f->type = IM_FIELD_LOGICAL;
    break;
  case IM_SEEN_DATE:
    f->type = IM_FIELD_DATE;
    break;
  default:
    f->type = IM_FIELD_STRING;
  }
}

/* ---- boxes ---- */

bool im_query_wants(const im_layer_query *q, const im_bbox *b) {
  if (!q)
    return true;
  size_t n = q->nboxes < sizeof q->boxes / sizeof q->boxes[0] ? q->nboxes : sizeof q->boxes / sizeof q->boxes[0];
  return im_bbox_meets_any(q->boxes, n, b);
}

void im_bbox_extend(im_bbox *acc, bool *have, const im_bbox *b) {
  if (!*have) {
    *acc = *b;
    *have = true;
    return;
  }
  if (b->minx < acc->minx)
    acc->minx = b->minx;
  if (b->miny < acc->miny)
    acc->miny = b->miny;
  if (b->maxx > acc->maxx)
    acc->maxx = b->maxx;
  if (b->maxy > acc->maxy)
    acc->maxy = b->maxy;
}

/* ---- ceilings ---- */

void im_budget_init(im_budget *b) { *b = (im_budget){.limits = im_limits_current()}; }

/* The memory one feature holds beyond its parts: the feature itself and
 * its geometry's header. */
#define FEATURE_OVERHEAD (sizeof(im_feature) + 64)

const char *im_budget_add(im_budget *b, size_t vertices, size_t parts, size_t bytes, char *buf, size_t size) {
  const im_limits *l = &b->limits;
  if (vertices || parts)
    b->features++;
  b->vertices += vertices;
  /* Saturating: the sum is compared with a ceiling well below SIZE_MAX. */
  size_t add = vertices > SIZE_MAX / 64 ? SIZE_MAX / 4 : 16 * vertices + 8 * parts;
  add += bytes + ((vertices || parts) ? FEATURE_OVERHEAD : 0);
  b->bytes = b->bytes > SIZE_MAX - add ? SIZE_MAX : b->bytes + add;
  if (b->features > l->max_features)
    snprintf(buf, size, "the layer has more than %zu features, influmap's limit for one layer (%s)", l->max_features,
             im_limit_hint(IM_LIMIT_FEATURES));
  else if (b->vertices > l->max_vertices)
    snprintf(buf, size, "the layer has more than %zu vertices, influmap's limit for one layer (%s)", l->max_vertices,
             im_limit_hint(IM_LIMIT_VERTICES));
  else if (b->bytes / ((size_t)1 << 20) >= l->max_layer_mb)
    snprintf(buf, size, "the layer needs more than %zu MiB of memory, influmap's limit for one layer (%s)",
             l->max_layer_mb, im_limit_hint(IM_LIMIT_LAYER_MB));
  else
    return NULL;
  return buf;
}

const char *im_layer_path(const im_layer *layer) { return layer->path; }

const char *im_layer_format(const im_layer *layer) { return layer->format; }

int im_layer_shape_type(const im_layer *layer) { return layer->shape_type; }

long im_layer_total_records(const im_layer *layer) { return layer->total_records; }

size_t im_layer_feature_count(const im_layer *layer) { return layer->nfeatures; }

im_bbox im_layer_bbox(const im_layer *layer) { return layer->file_bbox; }

const char *im_layer_crs_definition(const im_layer *layer) { return layer->crs_definition; }

const char *im_layer_crs_file(const im_layer *layer) { return layer->crs_file; }

const char *im_layer_encoding(const im_layer *layer) { return layer->encoding; }

const char *im_layer_encoding_source(const im_layer *layer) { return layer->encoding_source; }

size_t im_layer_field_count(const im_layer *layer) { return layer->nfields; }

const im_field *im_layer_field(const im_layer *layer, size_t i) {
  return i < layer->nfields ? &layer->fields[i] : NULL;
}

long im_layer_feature_fid(const im_layer *layer, size_t i) { return layer->features[i].fid; }

const im_geom *im_layer_feature_geom(const im_layer *layer, size_t i) { return &layer->features[i].geom; }

const char *im_layer_feature_value(const im_layer *layer, size_t i, size_t f) {
  const im_feature *ft = &layer->features[i];
  return ft->values && f < layer->nfields ? ft->values[f] : NULL;
}
