/* Map specs: YAML (libfyaml) -> im_map.
 *
 * Each mapping is read against a table of the keys it may hold, so a typo is
 * an error at its own line:column instead of a setting silently ignored. */
#include <libfyaml.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/mem-private.h"
#include "influmap/map.h"

/* Exported by libfyaml 0.7 but missing from its header: without it, parse
 * errors are printed, not kept for fy_diag_errors_iterate. */
void fy_diag_set_collect_errors(struct fy_diag *diag, bool collect_errors);

typedef struct {
  const char *file;
  im_error *err;
} reader;

static im_spec_pos node_pos(struct fy_node *n) {
  /* libfyaml 0.7 gives positions for tokens only: a collection is placed at
   * its first scalar. Depth-bounded, as a document can nest deeply. */
  for (int depth = 0; n && depth < 64; depth++) {
    if (fy_node_is_alias(n) || fy_node_is_scalar(n)) {
      struct fy_token *t = fy_node_get_scalar_token(n);
      const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
      if (m)
        return (im_spec_pos){m->line + 1, m->column + 1};
      break;
    }
    void *it = NULL;
    if (fy_node_is_mapping(n)) {
      struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
      n = p ? fy_node_pair_key(p) : NULL;
    } else {
      n = fy_node_sequence_iterate(n, &it);
    }
  }
  return (im_spec_pos){0, 0};
}

static im_status fail(reader *r, struct fy_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static im_status fail(reader *r, struct fy_node *at, const char *fmt, ...) {
  im_spec_pos pos = node_pos(at);
  va_list ap;
  va_start(ap, fmt);
  im_error_setv(r->err, IM_STATUS_INPUT, r->file, pos.line, pos.column, fmt, ap);
  va_end(ap);
  return IM_STATUS_INPUT;
}

/* Follows aliases (*name) to the node they stand for. */
static struct fy_node *deref(struct fy_node *n) {
  for (int i = 0; n && fy_node_is_alias(n) && i < 16; i++)
    n = fy_node_resolve_alias(n);
  return n;
}

static im_status get_scalar(reader *r, struct fy_node *n, const char *what, const char **out) {
  n = deref(n);
  if (!n || !fy_node_is_scalar(n) || !(*out = fy_node_get_scalar0(n)))
    return fail(r, n, "%s must be a single value", what);
  return IM_STATUS_OK;
}

static im_status get_string(reader *r, struct fy_node *n, const char *what, char **out) {
  const char *s;
  if (get_scalar(r, n, what, &s))
    return IM_STATUS_INPUT;
  free(*out);
  if (!(*out = im_strdup(s)))
    return im_error_set(r->err, IM_STATUS_INTERNAL, r->file, 0, 0, "out of memory");
  return IM_STATUS_OK;
}

static im_status get_number(reader *r, struct fy_node *n, const char *what, double lo, double hi,
                            double *out) {
  const char *s;
  if (get_scalar(r, n, what, &s))
    return IM_STATUS_INPUT;
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end || !isfinite(v))
    return fail(r, n, "%s must be a number, not '%s'", what, s);
  if (v < lo || v > hi)
    return fail(r, n, "%s must be between %g and %g, not %g", what, lo, hi, v);
  *out = v;
  return IM_STATUS_OK;
}

static im_status get_length(reader *r, struct fy_node *n, const char *what, im_unit def, im_length *out) {
  const char *s;
  if (get_scalar(r, n, what, &s))
    return IM_STATUS_INPUT;
  if (!im_length_parse(s, def, out))
    return fail(r, n, "%s must be a length such as 180mm, 0.5pt, 7in, 12cm or 2200px, not '%s'", what, s);
  return IM_STATUS_OK;
}

static im_status get_color(reader *r, struct fy_node *n, const char *what, im_color *out) {
  const char *s;
  if (get_scalar(r, n, what, &s))
    return IM_STATUS_INPUT;
  if (!im_color_parse(s, out))
    return fail(r, n, "%s must be a colour such as \"#f2efe9\", white or none, not '%s'", what, s);
  return IM_STATUS_OK;
}

static im_status get_bool(reader *r, struct fy_node *n, const char *what, bool *out) {
  const char *s;
  if (get_scalar(r, n, what, &s))
    return IM_STATUS_INPUT;
  if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
    *out = true;
  else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off"))
    *out = false;
  else
    return fail(r, n, "%s must be true or false, not '%s'", what, s);
  return IM_STATUS_OK;
}

/* Iterates a mapping, checking each key against allowed (NULL-ended). */
typedef im_status (*pair_fn)(reader *r, const char *key, struct fy_node *key_node, struct fy_node *value,
                             void *ctx);

static im_status each_pair(reader *r, struct fy_node *map, const char *what, const char *const *allowed,
                           pair_fn fn, void *ctx) {
  map = deref(map);
  if (!map || !fy_node_is_mapping(map))
    return fail(r, map, "%s must be a mapping of keys to values", what);
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(map, &it))) {
    struct fy_node *k = fy_node_pair_key(p);
    const char *key = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
    if (!key)
      return fail(r, k, "keys in %s must be plain names", what);
    size_t i;
    for (i = 0; allowed[i]; i++)
      if (!strcmp(allowed[i], key))
        break;
    if (!allowed[i]) {
      char list[512] = "";
      for (size_t j = 0; allowed[j]; j++) {
        strncat(list, j ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, allowed[j], sizeof list - strlen(list) - 1);
      }
      return fail(r, k, "unknown key '%s' in %s (expected one of: %s)", key, what, list);
    }
    im_status s = fn(r, key, k, fy_node_pair_value(p), ctx);
    if (s)
      return s;
  }
  return IM_STATUS_OK;
}

static bool file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* A spec's paths are relative to its folder; failing that, to the current
 * folder (so both "../shapes/x.shp" and "shapes/x.shp" work from the repo). */
static char *resolve_path(const char *spec_path, const char *rel) {
  if (rel[0] == '/')
    return im_strdup(rel);
  const char *slash = strrchr(spec_path, '/');
  if (slash) {
    size_t dir = (size_t)(slash - spec_path) + 1;
    size_t n = dir + strlen(rel) + 1;
    char *p = malloc(n);
    if (!p)
      return NULL;
    memcpy(p, spec_path, dir);
    strcpy(p + dir, rel);
    if (file_exists(p) || !file_exists(rel))
      return p;
    free(p);
  }
  return im_strdup(rel);
}

/* ---- map: ---- */

static im_status page_pair(reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_map *m = ctx;
  if (!strcmp(key, "width"))
    return get_length(r, v, "page width", IM_UNIT_MM, &m->width);
  if (!strcmp(key, "height"))
    return get_length(r, v, "page height", IM_UNIT_MM, &m->height);
  return get_number(r, v, "dpi", 10, 2400, &m->dpi);
}

typedef struct {
  im_map *map;
  bool have[4];
  double v[4];
} extent_ctx;

static const char *const extent_deg_keys[] = {"west", "east", "south", "north", NULL};
static const char *const extent_crs_keys[] = {"xmin", "xmax", "ymin", "ymax", NULL};

static im_status extent_pair(reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  extent_ctx *c = vctx;
  im_extent *e = &c->map->extent;
  for (int i = 0; i < 4; i++) {
    bool deg = !strcmp(key, extent_deg_keys[i]);
    if (!deg && strcmp(key, extent_crs_keys[i]))
      continue;
    im_extent_kind kind = deg ? IM_EXTENT_DEGREES : IM_EXTENT_CRS;
    if (e->kind != IM_EXTENT_AUTO && e->kind != kind)
      return fail(r, k, "extent mixes degrees (west/east/south/north) with CRS units (xmin/xmax/ymin/ymax)");
    e->kind = kind;
    double lo = -1e15, hi = 1e15;
    if (deg) {
      lo = i < 2 ? -540 : -90;
      hi = i < 2 ? 540 : 90;
    }
    c->have[i] = true;
    return get_number(r, v, key, lo, hi, &c->v[i]);
  }
  return IM_STATUS_INPUT; /* not reached: keys are checked first */
}

static im_status read_extent(reader *r, struct fy_node *k, struct fy_node *v, im_map *m) {
  static const char *const keys[] = {"west", "east", "south", "north", "xmin", "xmax", "ymin", "ymax", NULL};
  extent_ctx c = {.map = m};
  m->extent.pos = node_pos(k);
  if (each_pair(r, v, "extent", keys, extent_pair, &c))
    return IM_STATUS_INPUT;
  const char *const *names = m->extent.kind == IM_EXTENT_CRS ? extent_crs_keys : extent_deg_keys;
  for (int i = 0; i < 4; i++)
    if (!c.have[i])
      return fail(r, k, "extent needs %s, %s, %s and %s; %s is missing", names[0], names[1], names[2],
                  names[3], names[i]);
  m->extent.west = c.v[0];
  m->extent.east = c.v[1];
  m->extent.south = c.v[2];
  m->extent.north = c.v[3];
  if (m->extent.south >= m->extent.north)
    return fail(r, k, "extent: %s (%g) must be less than %s (%g)", names[2], c.v[2], names[3], c.v[3]);
  if (m->extent.kind == IM_EXTENT_CRS && m->extent.west >= m->extent.east)
    return fail(r, k, "extent: xmin (%g) must be less than xmax (%g)", c.v[0], c.v[1]);
  if (m->extent.kind == IM_EXTENT_DEGREES && m->extent.west == m->extent.east)
    return fail(r, k, "extent: west and east are the same longitude");
  return IM_STATUS_OK;
}

static im_status map_pair(reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  im_map *m = ctx;
  if (!strcmp(key, "title"))
    return get_string(r, v, "title", &m->title);
  if (!strcmp(key, "page")) {
    static const char *const keys[] = {"width", "height", "dpi", NULL};
    return each_pair(r, v, "page", keys, page_pair, m);
  }
  if (!strcmp(key, "dpi"))
    return get_number(r, v, "dpi", 10, 2400, &m->dpi);
  if (!strcmp(key, "crs")) {
    m->crs_pos = node_pos(v);
    return get_string(r, v, "crs", &m->crs);
  }
  if (!strcmp(key, "extent"))
    return read_extent(r, k, v, m);
  return get_color(r, v, "background", &m->background);
}

/* ---- layers: ---- */

static im_status stroke_pair(reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_layer_style *l = ctx;
  if (!strcmp(key, "color"))
    return get_color(r, v, "stroke color", &l->stroke_color);
  return get_length(r, v, "stroke width", IM_UNIT_PT, &l->stroke_width);
}

static im_status marker_pair(reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_layer_style *l = ctx;
  if (!strcmp(key, "size"))
    return get_length(r, v, "marker size", IM_UNIT_PT, &l->marker_size);
  const char *s;
  if (get_scalar(r, v, "marker symbol", &s))
    return IM_STATUS_INPUT;
  if (!strcmp(s, "circle"))
    l->marker_symbol = IM_MARKER_CIRCLE;
  else if (!strcmp(s, "square"))
    l->marker_symbol = IM_MARKER_SQUARE;
  else
    return fail(r, v, "marker symbol must be circle or square, not '%s'", s);
  return IM_STATUS_OK;
}

static im_status layer_pair(reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_layer_style *l = ctx;
  if (!strcmp(key, "id"))
    return get_string(r, v, "layer id", &l->id);
  if (!strcmp(key, "source")) {
    l->source_pos = node_pos(v);
    return get_string(r, v, "source", &l->source);
  }
  if (!strcmp(key, "fill")) {
    l->has_fill = true;
    return get_color(r, v, "fill", &l->fill);
  }
  if (!strcmp(key, "stroke")) {
    l->has_stroke = true;
    struct fy_node *d = deref(v);
    if (d && fy_node_is_scalar(d))
      return get_color(r, v, "stroke", &l->stroke_color);
    static const char *const keys[] = {"color", "width", NULL};
    return each_pair(r, v, "stroke", keys, stroke_pair, l);
  }
  if (!strcmp(key, "opacity"))
    return get_number(r, v, "opacity", 0, 1, &l->opacity);
  if (!strcmp(key, "visible"))
    return get_bool(r, v, "visible", &l->visible);
  static const char *const keys[] = {"symbol", "size", NULL};
  return each_pair(r, v, "marker", keys, marker_pair, l);
}

static im_status read_layers(reader *r, struct fy_node *v, im_map *m) {
  v = deref(v);
  if (!v || !fy_node_is_sequence(v))
    return fail(r, v, "layers must be a list (each item starting with '- ')");
  int n = fy_node_sequence_item_count(v);
  m->layers = calloc(n > 0 ? (size_t)n : 1, sizeof *m->layers);
  if (!m->layers)
    return im_error_set(r->err, IM_STATUS_INTERNAL, r->file, 0, 0, "out of memory");
  void *it = NULL;
  struct fy_node *item;
  static const char *const keys[] = {"id", "source", "fill", "stroke", "opacity", "visible", "marker", NULL};
  while ((item = fy_node_sequence_iterate(v, &it))) {
    im_layer_style *l = &m->layers[m->nlayers++];
    l->opacity = 1;
    l->visible = true;
    l->stroke_color = (im_color){0.33, 0.33, 0.33, 1};
    l->stroke_width = (im_length){0.5, IM_UNIT_PT};
    l->marker_size = (im_length){4, IM_UNIT_PT};
    l->fill = (im_color){0.5, 0.5, 0.5, 1};
    if (each_pair(r, item, "a layer", keys, layer_pair, l))
      return IM_STATUS_INPUT;
    if (!l->source)
      return fail(r, item, "layer %s has no source", l->id ? l->id : "");
    if (!l->id) {
      char buf[32];
      snprintf(buf, sizeof buf, "layer%zu", m->nlayers);
      l->id = im_strdup(buf);
    }
    if (!l->id)
      return im_error_set(r->err, IM_STATUS_INTERNAL, r->file, 0, 0, "out of memory");
    char *resolved = resolve_path(m->path, l->source);
    if (!resolved)
      return im_error_set(r->err, IM_STATUS_INTERNAL, r->file, 0, 0, "out of memory");
    if (!file_exists(resolved)) {
      free(resolved);
      return im_error_set(r->err, IM_STATUS_INPUT, r->file, l->source_pos.line, l->source_pos.column,
                          "layer %s: source '%s' not found (looked beside the spec and in the current folder)",
                          l->id, l->source);
    }
    free(l->source);
    l->source = resolved;
  }
  return IM_STATUS_OK;
}

static im_status top_pair(reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_map *m = ctx;
  if (!strcmp(key, "map")) {
    static const char *const keys[] = {"title", "page", "dpi", "crs", "extent", "background", NULL};
    return each_pair(r, v, "map", keys, map_pair, m);
  }
  return read_layers(r, v, m);
}

static void silent_diag(struct fy_diag *diag, void *user, const char *buf, size_t len) {
  (void)diag;
  (void)user;
  (void)buf;
  (void)len;
}

im_status im_map_load_string(const char *text, size_t len, const char *name, im_map **out, im_error *err) {
  *out = NULL;
  reader r = {name, err};
  im_map *m = calloc(1, sizeof *m);
  if (!m || !(m->path = im_strdup(name))) {
    free(m);
    return im_error_set(err, IM_STATUS_INTERNAL, name, 0, 0, "out of memory");
  }
  m->width = (im_length){180, IM_UNIT_MM};
  m->height = (im_length){120, IM_UNIT_MM};
  m->dpi = 300;
  m->background = (im_color){1, 1, 1, 1};

  struct fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = NULL;
  dcfg.output_fn = silent_diag;
  dcfg.colorize = false;
  struct fy_diag *diag = fy_diag_create(&dcfg);
  if (diag)
    fy_diag_set_collect_errors(diag, true);
  struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG, .diag = diag};
  struct fy_document *doc = diag ? fy_document_build_from_string(&cfg, text, len) : NULL;
  im_status st = IM_STATUS_OK;
  if (!doc) {
    void *it = NULL;
    struct fy_diag_error *e = diag ? fy_diag_errors_iterate(diag, &it) : NULL;
    if (e)
      /* Collected errors are already 1-based, unlike fy_mark. */
      st = im_error_set(err, IM_STATUS_INPUT, name, e->line, e->column, "YAML: %s", e->msg);
    else
      st = im_error_set(err, IM_STATUS_INPUT, name, 0, 0, "not a YAML document");
    goto done;
  }
  struct fy_node *root = fy_document_root(doc);
  if (!root) {
    st = im_error_set(err, IM_STATUS_INPUT, name, 0, 0, "the spec is empty");
    goto done;
  }
  static const char *const keys[] = {"map", "layers", NULL};
  if ((st = each_pair(&r, root, "the spec", keys, top_pair, m)))
    goto done;
  if (!m->crs) {
    st = im_error_set(err, IM_STATUS_INPUT, name, 0, 0, "map: crs is missing (an EPSG code, a PROJ string or WKT)");
    goto done;
  }
  if (!m->nlayers) {
    st = im_error_set(err, IM_STATUS_INPUT, name, 0, 0, "the spec has no layers");
    goto done;
  }
  if (m->width.value <= 0 || m->height.value <= 0) {
    st = im_error_set(err, IM_STATUS_INPUT, name, 0, 0, "page width and height must be more than 0");
    goto done;
  }
done:
  if (doc)
    fy_document_destroy(doc);
  if (diag)
    fy_diag_destroy(diag);
  if (st) {
    im_map_free(m);
    return st;
  }
  *out = m;
  return IM_STATUS_OK;
}

im_status im_map_load(const char *path, im_map **out, im_error *err) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "cannot open the spec");
  /* Specs are small; a cap keeps a wrong argument (a shapefile, a device)
   * from being read whole. */
  enum { MAX_SPEC = 4 << 20 };
  char *buf = malloc(MAX_SPEC + 1);
  size_t n = buf ? fread(buf, 1, MAX_SPEC + 1, f) : 0;
  int read_err = ferror(f);
  fclose(f);
  if (!buf)
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  if (read_err) {
    free(buf);
    return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "cannot read the spec");
  }
  if (n > MAX_SPEC) {
    free(buf);
    return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "the spec is larger than 4 MiB");
  }
  im_status st = im_map_load_string(buf, n, path, out, err);
  free(buf);
  return st;
}

void im_map_free(im_map *m) {
  if (!m)
    return;
  for (size_t i = 0; i < m->nlayers; i++) {
    free(m->layers[i].id);
    free(m->layers[i].source);
  }
  free(m->layers);
  free(m->path);
  free(m->title);
  free(m->crs);
  free(m);
}
