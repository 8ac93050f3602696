/* GeoJSON reader on jansson (RFC 7946 FeatureCollections).
 *
 * The file is read a feature at a time (geojson-stream.c): memory follows
 * the layer and the largest feature, not the file. jansson gives
 * positions for syntax errors only, so structural errors name the feature
 * (its index, "id" and "name") and the path to the bad member instead.
 * Every geometry is checked, even those the box query leaves out, so a
 * file is valid or not whatever the map's extent. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/context-private.h"
#include "core/cnum-private.h"
#include "core/mem-private.h"
#include "core/utf8-private.h"
#include "core/suggest-private.h"
#include "io/layer-private.h"
#include "io/io-private.h"
#include "io/geojson-stream-private.h"

/* The file may take at most 1 GiB, and one feature at most
 * 1/IM_GEOJSON_MEMORY_FACTOR of the memory one layer may use. */
#define IM_GEOJSON_MAX_BYTES ((size_t)1 << 30)

/* ---- the legacy "crs" member ---- */

/* The definition for a legacy "crs" member (2008 GeoJSON; RFC 7946 removed
 * it and fixed WGS 84 longitude/latitude), NULL or null meaning none. */
static im_status crs_from_member(const char *path, const json_t *crs, char **definition, im_error *err) {
  *definition = NULL;
  const char *def = "EPSG:4326";
  char buf[64];
  if (crs && !json_is_null(crs)) {
    const char *type = json_string_value(json_object_get(crs, "type"));
    const char *name = json_string_value(json_object_get(json_object_get(crs, "properties"), "name"));
    if (!type || strcmp(type, "name") != 0 || !name)
      return im_error_set(err, IM_STATUS_INPUT, path, 0, 0,
                          "the \"crs\" member must name a CRS: {\"type\": \"name\", \"properties\": {\"name\": "
                          "\"urn:ogc:def:crs:EPSG::4326\"}} (or leave it out: GeoJSON is WGS 84 longitude/latitude)");
    static const char epsg_urn[] = "urn:ogc:def:crs:EPSG:";
    if (strstr(name, "CRS84") && !strncmp(name, "urn:ogc:def:crs:OGC:", 20)) {
      def = "EPSG:4326"; /* urn:ogc:def:crs:OGC:1.3:CRS84, the RFC 7946 default */
    } else if (!strncmp(name, epsg_urn, sizeof epsg_urn - 1)) {
      /* urn:ogc:def:crs:EPSG:[version]:code */
      const char *code = strrchr(name, ':') + 1;
      char shown[IM_SHOWN_SIZE];
      if (!*code || strspn(code, "0123456789") != strlen(code) || strlen(code) > 10)
        return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "the \"crs\" member names '%s', which has no EPSG code",
                            im_utf8_shown(name, shown));
      snprintf(buf, sizeof buf, "EPSG:%s", code);
      def = buf;
    } else {
      def = name; /* "EPSG:3857", a PROJ string...: PROJ judges it */
    }
  }
  if (!(*definition = im_strdup(def)))
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  return IM_STATUS_OK;
}

/* The byte range of the top-level "crs" member's value, found without
 * parsing: only strings and nesting are tracked. False when there is none
 * (or the file is not an object; the loader will say so). */
static bool find_crs_member(FILE *f, long *start, long *end) {
  enum { K_NONE, K_EXPECT, K_READING, K_AFTER } key = K_NONE;
  int depth = 0;
  bool in_str = false, esc = false, key_bad = false, capturing = false;
  char keybuf[8];
  size_t keylen = 0;
  long off = 0;
  unsigned char block[65536];
  size_t n;
  while ((n = fread(block, 1, sizeof block, f)) > 0) {
    for (size_t i = 0; i < n; i++, off++) {
      int c = block[i];
      if (in_str) {
        if (esc) {
          esc = false;
        } else if (c == '\\') {
          esc = true;
          key_bad = true; /* an escaped key is not spelt "crs" here */
        } else if (c == '"') {
          in_str = false;
          if (key == K_READING)
            key = K_AFTER;
        } else if (key == K_READING) {
          if (keylen < sizeof keybuf - 1)
            keybuf[keylen++] = (char)c;
          else
            key_bad = true;
        }
        continue;
      }
      switch (c) {
      case '"':
        in_str = true;
        if (depth == 1 && key == K_EXPECT)
          key = K_READING, keylen = 0, key_bad = false;
        break;
      case '{':
      case '[':
        if (depth == 0 && c == '[')
          return false;
        if (++depth == 1)
          key = K_EXPECT;
        break;
      case '}':
      case ']':
        if (depth == 1 && capturing) {
          *end = off;
          return true;
        }
        if (--depth <= 0)
          return false;
        break;
      case ',':
        if (depth == 1 && capturing) {
          *end = off;
          return true;
        }
        if (depth == 1)
          key = K_EXPECT;
        break;
      case ':':
        if (depth == 1 && key == K_AFTER) {
          key = K_NONE;
          if (!key_bad && keylen == 3 && !memcmp(keybuf, "crs", 3))
            capturing = true, *start = off + 1;
        }
        break;
      default:
        if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n' && !(off < 3 && c >= 0x80))
          return false; /* not an object (a BOM is let through) */
      }
    }
  }
  return false;
}

im_status im_geojson_source_crs(const char *path, char **definition, im_error *err) {
  *definition = NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "cannot open: %s", strerror(errno));
  long start = 0, end = 0;
  json_t *crs = NULL;
  if (find_crs_member(f, &start, &end) && end > start && end - start < 65536 && fseek(f, start, SEEK_SET) == 0) {
    size_t n = (size_t)(end - start);
    char *buf = malloc(n);
    json_error_t jerr;
    if (buf && fread(buf, 1, n, f) == n)
      crs = json_loadb(buf, n, JSON_DECODE_ANY, &jerr);
    free(buf);
  }
  fclose(f);
  /* A "crs" the scan could not read is left to the loader to report. */
  im_status st = crs_from_member(path, crs, definition, err);
  json_decref(crs);
  return st;
}

/* ---- geometry ---- */

typedef struct {
  const char *path;
  im_error *err;
  char label[200]; /* "feature 3 (id "x", name "y")" */
} where;

static im_status bad(const where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static im_status bad(const where *w, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  im_vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return im_error_set(w->err, IM_STATUS_INPUT, w->path, 0, 0, "%s: %s", w->label, msg);
}

static im_status oom(const where *w) {
  return im_error_set(w->err, IM_STATUS_INTERNAL, w->path, 0, 0, "%s: out of memory", w->label);
}

static const char *json_kind(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "an object";
  case JSON_ARRAY:
    return "an array";
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
  case JSON_REAL:
    return "a number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "a boolean";
  default:
    return "null";
  }
}

/* "coordinates[1][0]" for the indexes so far. */
static const char *at(char *buf, size_t size, const size_t *idx, int depth) {
  int n = snprintf(buf, size, "coordinates");
  for (int i = 0; i < depth && n > 0 && (size_t)n < size; i++)
    n += snprintf(buf + n, size - (size_t)n, "[%zu]", idx[i]);
  return buf;
}

static im_status add_position(const where *w, const char *type, const json_t *pos, size_t *idx, int depth, im_geom *g) {
  char p[96];
  if (!json_is_array(pos) || json_array_size(pos) < 2) {
    /* Say what is there: [[0, 0]] as a Point is a position in a list (one
     * pair of brackets too many), not "one number". */
    const json_t *only = json_is_array(pos) && json_array_size(pos) == 1 ? json_array_get(pos, 0) : NULL;
    const char *what = !json_is_array(pos)    ? json_kind(pos)
                       : !only                ? "an empty array"
                       : json_is_number(only) ? "an array of one number"
                       : json_is_array(only)  ? "an array holding an array (one pair of brackets too many?)"
                                              : "an array holding one value that is not a number";
    return bad(w, "%s %s must be a position [longitude, latitude], not %s", type, at(p, sizeof p, idx, depth), what);
  }
  double v[2];
  for (size_t k = 0; k < 2; k++) {
    const json_t *c = json_array_get(pos, k);
    idx[depth] = k;
    if (!json_is_number(c))
      return bad(w, "%s %s is %s, not a number", type, at(p, sizeof p, idx, depth + 1), json_kind(c));
    v[k] = json_number_value(c);
  }
  return im_geom_add_point(g, v[0], v[1]) ? IM_STATUS_OK : oom(w);
}

/* An array of positions as one part: a line (min 2) or a ring (min 4,
 * closed), or the points of a MultiPoint (no minimum). */
static im_status add_positions(const where *w, const char *type, const json_t *arr, size_t *idx, int depth, size_t min,
                               bool ring, im_geom *g) {
  char p[96];
  if (!json_is_array(arr))
    return bad(w, "%s %s must be an array of positions, not %s", type, at(p, sizeof p, idx, depth), json_kind(arr));
  size_t n = json_array_size(arr);
  if (n < min)
    return bad(w, "%s %s has %zu position%s; a %s needs at least %zu", type, at(p, sizeof p, idx, depth), n,
               n == 1 ? "" : "s", ring ? "ring" : "line", min);
  if (!im_geom_begin_part(g))
    return oom(w);
  for (size_t i = 0; i < n; i++) {
    idx[depth] = i;
    im_status st = add_position(w, type, json_array_get(arr, i), idx, depth + 1, g);
    if (st)
      return st;
  }
  if (ring) {
    const double *first = g->xy + 2 * g->parts[g->nparts - 1], *last = g->xy + 2 * (g->npoints - 1);
    if (first[0] != last[0] || first[1] != last[1])
      return bad(w, "%s %s is not closed: its last position (%.17g, %.17g) differs from its first (%.17g, %.17g)", type,
                 at(p, sizeof p, idx, depth), last[0], last[1], first[0], first[1]);
  }
  if (n == 0)
    im_geom_end_part(g, 1);
  return IM_STATUS_OK;
}

/* An array of arrays of positions (MultiLineString, Polygon). */
static im_status add_parts(const where *w, const char *type, const json_t *arr, size_t *idx, int depth, bool rings,
                           im_geom *g) {
  char p[96];
  if (!json_is_array(arr))
    return bad(w, "%s %s must be an array of %s, not %s", type, at(p, sizeof p, idx, depth), rings ? "rings" : "lines",
               json_kind(arr));
  for (size_t i = 0; i < json_array_size(arr); i++) {
    idx[depth] = i;
    im_status st = add_positions(w, type, json_array_get(arr, i), idx, depth + 1, rings ? 4 : 2, rings, g);
    if (st)
      return st;
  }
  return IM_STATUS_OK;
}

static const char *const geometry_types[] = {"Point",   "MultiPoint",   "LineString",         "MultiLineString",
                                             "Polygon", "MultiPolygon", "GeometryCollection", NULL};

static const char *kind_name(im_geom_kind k) {
  return k == IM_GEOM_POINT ? "points" : k == IM_GEOM_LINE ? "lines" : "polygons";
}

static im_status read_geometry(const where *w, const json_t *geom, int nesting, im_geom *g);

/* Appends src's parts to dst (same kind). */
static bool append_parts(im_geom *dst, const im_geom *src) {
  for (size_t p = 0; p < src->nparts; p++) {
    if (!im_geom_begin_part(dst))
      return false;
    size_t start = src->parts[p], n = im_geom_part_size(src, p);
    for (size_t i = 0; i < n; i++)
      if (!im_geom_add_point(dst, src->xy[2 * (start + i)], src->xy[2 * (start + i) + 1]))
        return false;
  }
  return true;
}

/* Flattens the members into g; they must all be of one kind (empty members
 * do not count). */
static im_status read_collection(const where *w, const json_t *geom, int nesting, im_geom *g) {
  const json_t *members = json_object_get(geom, "geometries");
  if (!json_is_array(members))
    return bad(w, "GeometryCollection \"geometries\" must be an array of geometries, not %s",
               members ? json_kind(members) : "missing");
  if (nesting > 16)
    return bad(w, "GeometryCollections nested more than 16 deep");
  bool have_kind = false;
  im_geom m;
  im_geom_init(&m, IM_GEOM_POINT);
  im_status st = IM_STATUS_OK;
  for (size_t i = 0; i < json_array_size(members) && !st; i++) {
    if ((st = read_geometry(w, json_array_get(members, i), nesting + 1, &m)))
      break;
    if (!m.npoints)
      continue;
    if (!have_kind) {
      g->kind = m.kind;
      have_kind = true;
    } else if (m.kind != g->kind) {
      st = bad(w,
               "GeometryCollection mixes %s and %s (member %zu); influmap draws one kind of geometry per "
               "feature: split it into features",
               kind_name(g->kind), kind_name(m.kind), i);
      break;
    }
    if (!append_parts(g, &m))
      st = oom(w);
  }
  im_geom_free(&m);
  return st;
}

/* Reads a geometry object into g (reset here); no coordinates gives an
 * empty g. */
static im_status read_geometry(const where *w, const json_t *geom, int nesting, im_geom *g) {
  im_geom_reset(g, IM_GEOM_POINT);
  if (!json_is_object(geom))
    return bad(w, "the geometry must be an object or null, not %s", json_kind(geom));
  const json_t *jt = json_object_get(geom, "type");
  const char *type = json_string_value(jt);
  if (!type)
    return bad(w, "the geometry has no \"type\" string");
  if (!strcmp(type, "GeometryCollection"))
    return read_collection(w, geom, nesting, g);
  int which = -1;
  for (int i = 0; geometry_types[i]; i++)
    if (!strcmp(type, geometry_types[i]))
      which = i;
  if (which < 0) {
    const char *s = im_suggest(type, geometry_types, (size_t)-1);
    return bad(w, "unknown geometry type '%s'%s%s%s", type, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
  }
  const json_t *c = json_object_get(geom, "coordinates");
  if (!c)
    return bad(w, "the %s has no \"coordinates\"", type);
  size_t idx[4] = {0};
  switch (which) {
  case 0: /* Point */
    if (json_is_array(c) && json_array_size(c) == 0)
      return IM_STATUS_OK; /* an empty Point */
    if (!im_geom_begin_part(g))
      return oom(w);
    return add_position(w, type, c, idx, 0, g);
  case 1: /* MultiPoint: one part of points, as a shapefile has it */
    return add_positions(w, type, c, idx, 0, 0, false, g);
  case 2:
    g->kind = IM_GEOM_LINE;
    if (json_is_array(c) && json_array_size(c) == 0)
      return IM_STATUS_OK;
    return add_positions(w, type, c, idx, 0, 2, false, g);
  case 3:
    g->kind = IM_GEOM_LINE;
    return add_parts(w, type, c, idx, 0, false, g);
  case 4:
    g->kind = IM_GEOM_POLYGON;
    return add_parts(w, type, c, idx, 0, true, g);
  default: /* MultiPolygon */
    g->kind = IM_GEOM_POLYGON;
    if (!json_is_array(c))
      return bad(w, "%s coordinates must be an array of polygons, not %s", type, json_kind(c));
    for (size_t i = 0; i < json_array_size(c); i++) {
      idx[0] = i;
      im_status st = add_parts(w, type, json_array_get(c, i), idx, 1, true, g);
      if (st)
        return st;
    }
    return IM_STATUS_OK;
  }
}

/* ---- properties ---- */

/* The value as text: numbers as the shortest form that reads back the same,
 * booleans "true"/"false", objects and arrays as compact JSON. NULL for
 * null; *oom set when memory ran out. */
static char *value_text(const json_t *v, unsigned *kind, bool *oom_flag) {
  char buf[64];
  *kind = 0;
  switch (json_typeof(v)) {
  case JSON_NULL:
    return NULL;
  case JSON_TRUE:
  case JSON_FALSE:
    *kind = IM_SEEN_BOOL;
    snprintf(buf, sizeof buf, "%s", json_is_true(v) ? "true" : "false");
    break;
  case JSON_INTEGER:
    *kind = IM_SEEN_INTEGER;
    snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    break;
  case JSON_REAL: {
    *kind = IM_SEEN_REAL;
    double d = json_real_value(v);
    int prec = 1;
    for (; prec < 17; prec++) {
      im_snprintf(buf, sizeof buf, "%.*g", prec, d);
      if (im_strtod(buf, NULL) == d)
        break;
    }
    /* Whole-number magnitudes below 1e17 without an exponent, as
     * json_dumps writes them: 1000.0, not 1e+03. */
    int exp10 = d != 0 ? (int)floor(log10(fabs(d))) : 0;
    if (exp10 >= prec && exp10 < 17)
      prec = exp10 + 1;
    im_snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (!strpbrk(buf, ".e"))
      strcat(buf, ".0"); /* still a real, as json_dumps writes it */
    break;
  }
  case JSON_STRING: {
    const char *s = json_string_value(v);
    *kind = im_iso_date_parts(s) >= 2 ? IM_SEEN_DATE : IM_SEEN_TEXT;
    /* jansson allows \u0000 inside strings; text here ends at the first. */
    char *t = im_strdup(s);
    *oom_flag = !t;
    return t;
  }
  default: {
    *kind = IM_SEEN_TEXT;
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    /* json_dumps allocates with jansson's allocator, malloc by default;
     * copy so the caller can free() it whatever the allocator. */
    char *c = t ? im_strdup(t) : NULL;
    free(t);
    *oom_flag = !c;
    return c;
  }
  }
  char *t = im_strdup(buf);
  *oom_flag = !t;
  return t;
}

typedef struct {
  im_layer *layer;
  json_t *index; /* field name -> its index, as a JSON integer */
  im_field_guess *guesses;
  size_t cap_fields;
} schema;

/* The index of the field called name, adding it when new; -1 when out of
 * memory. */
static long field_for(schema *s, const char *name) {
  json_t *i = json_object_get(s->index, name);
  if (i)
    return (long)json_integer_value(i);
  im_layer *l = s->layer;
  size_t cap = s->cap_fields;
  if (!im_grow((void **)&l->fields, &s->cap_fields, l->nfields + 1, sizeof *l->fields) ||
      !im_grow((void **)&s->guesses, &cap, l->nfields + 1, sizeof *s->guesses))
    return -1;
  im_field *f = &l->fields[l->nfields];
  memset(f, 0, sizeof *f);
  memset(&s->guesses[l->nfields], 0, sizeof *s->guesses);
  if (!(f->name = im_strdup(name)) || json_object_set_new(s->index, name, json_integer((json_int_t)l->nfields))) {
    free(f->name);
    return -1;
  }
  return (long)l->nfields++;
}

/* One property: its field (added when new), its value's text into
 * values[k] (when values is not NULL) and into the field's evidence. With
 * register_only, only the field. */
static im_status read_property(schema *s, const where *w, const char *key, const json_t *v, char **values,
                               bool register_only) {
  long k = field_for(s, key);
  if (k < 0)
    return oom(w);
  if (register_only)
    return IM_STATUS_OK;
  unsigned kind;
  bool failed = false;
  char *t = value_text(v, &kind, &failed);
  if (failed)
    return oom(w);
  if (t)
    im_field_guess_add(&s->guesses[k], kind, t);
  if (values)
    values[k] = t;
  else
    free(t);
  return IM_STATUS_OK;
}

/* The properties of one feature, its "id" from outside them first when
 * they have none. values (when not NULL) has room for every field, as a
 * register_only pass over the same feature makes sure. */
static im_status read_properties(schema *s, const where *w, const json_t *feature, const json_t *props, char **values,
                                 bool register_only) {
  const json_t *fid = json_object_get(feature, "id");
  im_status st = IM_STATUS_OK;
  if (fid && !json_is_null(fid) && !json_object_get(props, "id"))
    st = read_property(s, w, "id", fid, values, register_only);
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)props, key, v) {
    if (st)
      break;
    st = read_property(s, w, key, v, values, register_only);
  }
  return st;
}

/* "feature 3 (id "x", name "y")", the values cut short. */
static void label_feature(where *w, size_t i, const json_t *feature, const json_t *props) {
  int n = snprintf(w->label, sizeof w->label, "feature %zu", i);
  const json_t *id = json_object_get(props, "id");
  if (!id)
    id = json_object_get(feature, "id");
  const char *name = json_string_value(json_object_get(props, "name"));
  char idbuf[64] = "";
  if (json_is_string(id))
    snprintf(idbuf, sizeof idbuf, "\"%.40s\"", json_string_value(id));
  else if (json_is_integer(id))
    snprintf(idbuf, sizeof idbuf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
  if (idbuf[0] && name)
    snprintf(w->label + n, sizeof w->label - (size_t)n, " (id %s, name \"%.60s\")", idbuf, name);
  else if (idbuf[0])
    snprintf(w->label + n, sizeof w->label - (size_t)n, " (id %s)", idbuf);
  else if (name)
    snprintf(w->label + n, sizeof w->label - (size_t)n, " (name \"%.60s\")", name);
}

/* ---- the collection ---- */

/* The geometry's arrays cut to their contents before the layer keeps it:
 * they grow from 16 entries, and a point's would otherwise hold 256 bytes
 * for its 16 (most of the layer for a file of points). */
static void fit(im_geom *g) {
  if (g->cap_points > g->npoints && g->npoints) {
    double *xy = im_realloc_array(g->xy, g->npoints * 2, sizeof *xy);
    if (xy)
      g->xy = xy, g->cap_points = g->npoints;
  }
  if (g->cap_parts > g->nparts && g->nparts) {
    size_t *parts = im_realloc_array(g->parts, g->nparts, sizeof *parts);
    if (parts)
      g->parts = parts, g->cap_parts = g->nparts;
  }
}

static im_status read_features(im_layer *layer, im_geojson_stream *features, const im_layer_query *query,
                               im_error *err) {
  bool keep_values = !query || !query->skip_attributes;
  schema s = {.layer = layer, .index = json_object()};
  size_t *counts = NULL, cap_features = 0, cap_counts = 0;
  bool have_bbox = false;
  im_status st = IM_STATUS_OK;
  where w = {.path = layer->path, .err = err};
  if (!s.index) {
    st = im_error_set(err, IM_STATUS_INTERNAL, layer->path, 0, 0, "out of memory");
    goto done;
  }
  size_t nfeatures = im_geojson_stream_count(features);
  layer->total_records = (long)nfeatures;
  double max_feature = (double)im_limits_get().max_layer_mb * (1 << 20) / IM_GEOJSON_MEMORY_FACTOR;
  size_t max_feature_bytes = max_feature > (double)IM_GEOJSON_MAX_BYTES ? IM_GEOJSON_MAX_BYTES : (size_t)max_feature;
  json_t *f = NULL;
  im_budget budget;
  im_budget_init(&budget);
  char over_msg[256];
  im_geom g;
  im_geom_init(&g, IM_GEOM_POINT);
  for (size_t i = 0; i < nfeatures && !st; i++) {
    json_decref(f);
    if ((st = im_geojson_stream_next(features, max_feature_bytes, &f, err)))
      break;
    snprintf(w.label, sizeof w.label, "feature %zu", i);
    if (!json_is_object(f)) {
      st = bad(&w, "must be a Feature object, not %s", json_kind(f));
      break;
    }
    const json_t *props = json_object_get(f, "properties");
    label_feature(&w, i, f, props);
    const char *type = json_string_value(json_object_get(f, "type"));
    if (!type || strcmp(type, "Feature") != 0) {
      st =
          bad(&w, "its \"type\" must be \"Feature\"%s%s%s", type ? ", not \"" : "", type ? type : "", type ? "\"" : "");
      break;
    }
    if (props && !json_is_null(props) && !json_is_object(props)) {
      st = bad(&w, "\"properties\" must be an object or null, not %s", json_kind(props));
      break;
    }
    const json_t *geom = json_object_get(f, "geometry");
    if (!geom) {
      st = bad(&w, "has no \"geometry\" member (write \"geometry\": null for a feature without one)");
      break;
    }
    if (json_is_null(geom))
      im_geom_reset(&g, IM_GEOM_POINT);
    else if ((st = read_geometry(&w, geom, 0, &g)))
      break;
    im_bbox b = {0, 0, 0, 0};
    if (g.npoints) {
      b = im_geom_bbox(&g);
      im_bbox_extend(&layer->file_bbox, &have_bbox, &b);
    }
    if (!g.npoints || !im_query_wants(query, &b)) {
      /* Not kept, but its properties still shape the fields. */
      st = read_properties(&s, &w, f, props, NULL, false);
      continue;
    }
    const char *over = im_budget_add(&budget, g.npoints, g.nparts, 0, over_msg, sizeof over_msg);
    if (over) {
      st = bad(&w, "%s", over);
      if (err)
        err->code = IM_E_LIMIT;
      break;
    }
    if (!im_grow((void **)&layer->features, &cap_features, layer->nfeatures + 1, sizeof *layer->features) ||
        !im_grow((void **)&counts, &cap_counts, layer->nfeatures + 1, sizeof *counts)) {
      st = oom(&w);
      break;
    }
    im_feature *feat = &layer->features[layer->nfeatures];
    memset(feat, 0, sizeof *feat);
    feat->fid = (long)i;
    fit(&g);
    feat->geom = g; /* moved: g starts afresh */
    im_geom_init(&g, IM_GEOM_POINT);
    counts[layer->nfeatures] = 0;
    layer->nfeatures++;
    if ((st = read_properties(&s, &w, f, props, NULL, true)))
      break;
    if (keep_values) {
      size_t n = layer->nfields;
      if (!(feat->values = calloc(n ? n : 1, sizeof *feat->values))) {
        st = oom(&w);
        break;
      }
      counts[layer->nfeatures - 1] = n;
    }
    if ((st = read_properties(&s, &w, f, props, feat->values, false)))
      break;
    size_t bytes = layer->nfields * sizeof(char *);
    for (size_t k = 0; feat->values && k < layer->nfields; k++)
      bytes += feat->values[k] ? strlen(feat->values[k]) + 1 : 0;
    if ((over = im_budget_add(&budget, 0, 0, bytes, over_msg, sizeof over_msg)) && (st = bad(&w, "%s", over)) && err)
      err->code = IM_E_LIMIT;
  }
  json_decref(f);
  im_geom_free(&g);
  if (st)
    goto done;
  /* Features read before a field first appeared lack its slot. Many
   * features each bringing a new key would make this quadratic: it is
   * counted first. */
  size_t slots = 0;
  for (size_t i = 0; i < layer->nfeatures && keep_values; i++)
    slots += layer->nfields - counts[i];
  const char *over = im_budget_add(&budget, 0, 0, slots > SIZE_MAX / 8 ? SIZE_MAX / 2 : slots * sizeof(char *),
                                   over_msg, sizeof over_msg);
  if (over) {
    st = im_error_set(err, IM_STATUS_INPUT, layer->path, 0, 0, "%zu features with %zu distinct properties: %s",
                      layer->nfeatures, layer->nfields, over);
    if (err)
      err->code = IM_E_LIMIT;
    goto done;
  }
  for (size_t i = 0; i < layer->nfeatures && keep_values; i++) {
    im_feature *feat = &layer->features[i];
    if (counts[i] == layer->nfields)
      continue;
    char **v = im_realloc_array(feat->values, layer->nfields, sizeof *v);
    if (!v) {
      st = im_error_set(err, IM_STATUS_INTERNAL, layer->path, 0, 0, "out of memory");
      goto done;
    }
    memset(v + counts[i], 0, (layer->nfields - counts[i]) * sizeof *v);
    feat->values = v;
    counts[i] = layer->nfields;
  }
  for (size_t k = 0; k < layer->nfields; k++)
    im_field_guess_apply(&s.guesses[k], &layer->fields[k]);

done:
  /* im_layer_free frees nfields values per feature: make every array that
   * long before an error returns the layer to it. */
  for (size_t i = 0; st && i < layer->nfeatures; i++) {
    im_feature *feat = &layer->features[i];
    if (feat->values && counts[i] < layer->nfields) {
      for (size_t k = 0; k < counts[i]; k++)
        free(feat->values[k]);
      free(feat->values);
      feat->values = NULL;
    }
  }
  free(counts);
  free(s.guesses);
  json_decref(s.index);
  return st;
}

static im_status load_stream(const char *path, im_geojson_stream *stream, const json_t *root,
                             const im_layer_query *query, im_layer **out, im_error *err);

im_status im_layer_load_geojson(const char *path, const im_layer_query *query, im_layer **out, im_error *err) {
  *out = NULL;
  im_geojson_stream *stream = NULL;
  const json_t *root = NULL;
  im_status st = im_geojson_stream_open(path, IM_GEOJSON_MAX_BYTES, &stream, &root, err);
  return st ? st : load_stream(path, stream, root, query, out, err);
}

im_status im_layer_load_geojson_buffer(const char *data, size_t length, const char *name, const im_layer_query *query,
                                       im_layer **out, im_error *err) {
  *out = NULL;
  if (!name || !*name)
    name = "GeoJSON buffer";
  im_geojson_stream *stream = NULL;
  const json_t *root = NULL;
  im_status st =
      im_geojson_stream_open_buffer(name, data, data ? length : 0, IM_GEOJSON_MAX_BYTES, &stream, &root, err);
  return st ? st : load_stream(name, stream, root, query, out, err);
}

/* Takes stream (root is its top level). */
static im_status load_stream(const char *path, im_geojson_stream *stream, const json_t *root,
                             const im_layer_query *query, im_layer **out, im_error *err) {
  im_status st = IM_STATUS_OK;
  im_layer *layer = im_layer_new(path, "GeoJSON");
  if (!layer) {
    im_geojson_stream_close(stream);
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  }
  const char *type = json_string_value(json_object_get(root, "type"));
  const json_t *features = json_object_get(root, "features");
  if (!json_is_object(root) || !type || strcmp(type, "FeatureCollection") != 0) {
    char what[96];
    if (!json_is_object(root))
      snprintf(what, sizeof what, "the top level is %s", json_kind(root));
    else if (type)
      snprintf(what, sizeof what, "its type is \"%.40s\"", type);
    else
      snprintf(what, sizeof what, "it has no \"type\"");
    st = im_error_set(err, IM_STATUS_INPUT, path, 0, 0,
                      "not a GeoJSON FeatureCollection: %s (expected {\"type\": \"FeatureCollection\", "
                      "\"features\": [...]})",
                      what);
  } else if (!json_is_array(features)) {
    st = im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "the FeatureCollection's \"features\" must be an array, not %s",
                      features ? json_kind(features) : "missing");
  }
  if (!st)
    st = crs_from_member(path, json_object_get(root, "crs"), &layer->crs_definition, err);
  if (!st && !(layer->encoding = im_strdup("UTF-8")))
    st = im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  layer->encoding_source = "required by GeoJSON";
  if (!st)
    st = read_features(layer, stream, query, err);
  im_geojson_stream_close(stream);
  if (st) {
    im_layer_free(layer);
    return st;
  }
  *out = layer;
  return IM_STATUS_OK;
}
