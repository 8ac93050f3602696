/* Map specs: YAML (libfyaml) -> im_map.
 *
 * Top-level keys are taken in a fixed order whatever order they are written
 * in: include, palettes, styles, map, layers, so a layer can use a style
 * written after it and an included sheet comes before everything. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>

#include "core/context-private.h"
#include "core/error-private.h"
#include "core/mem-private.h"
#include "influmap/classify.h"
#include "influmap/filter.h"
#include "influmap/limits.h"
#include "spec/map-furniture-private.h"
#include "spec/spec-furniture-private.h"
#include "spec/spec-multiples-private.h"
#include "spec/spec-private.h"

/* ---- map: ---- */

static im_status page_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_map *m = ctx;
  if (!strcmp(key, "width"))
    return im_yaml_length(r, v, "page width", IM_UNIT_MM, &m->width);
  if (!strcmp(key, "height"))
    return im_yaml_length(r, v, "page height", IM_UNIT_MM, &m->height);
  return im_yaml_number(r, v, "dpi", 10, 2400, &m->dpi);
}

typedef struct {
  im_map *map;
  bool have[4];
  double v[4];
} extent_ctx;

static const char *const extent_deg_keys[] = {"west", "east", "south", "north", NULL};
static const char *const extent_crs_keys[] = {"xmin", "xmax", "ymin", "ymax", NULL};

static im_status extent_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  extent_ctx *c = vctx;
  im_extent *e = &c->map->extent;
  for (int i = 0; i < 4; i++) {
    bool deg = !strcmp(key, extent_deg_keys[i]);
    if (!deg && strcmp(key, extent_crs_keys[i]))
      continue;
    im_extent_kind kind = deg ? IM_EXTENT_DEGREES : IM_EXTENT_CRS;
    if (e->kind != IM_EXTENT_AUTO && e->kind != kind)
      return im_yaml_fail(r, k, "extent mixes degrees (west/east/south/north) with CRS units (xmin/xmax/ymin/ymax)");
    e->kind = kind;
    double lo = -1e15, hi = 1e15;
    if (deg) {
      lo = i < 2 ? -540 : -90;
      hi = i < 2 ? 540 : 90;
    }
    c->have[i] = true;
    return im_yaml_number(r, v, key, lo, hi, &c->v[i]);
  }
  return IM_STATUS_INPUT; /* not reached: keys are checked first */
}

static im_status read_extent(im_yaml_reader *r, struct fy_node *k, struct fy_node *v, im_map *m) {
  static const char *const keys[] = {"west", "east", "south", "north", "xmin", "xmax", "ymin", "ymax", NULL};
  extent_ctx c = {.map = m};
  m->extent.pos = im_yaml_pos(k);
  if (im_yaml_each_pair(r, v, "extent", keys, extent_pair, &c))
    return IM_STATUS_INPUT;
  const char *const *names = m->extent.kind == IM_EXTENT_CRS ? extent_crs_keys : extent_deg_keys;
  for (int i = 0; i < 4; i++)
    if (!c.have[i])
      return im_yaml_missing(r, k, "extent needs %s, %s, %s and %s; %s is missing", names[0], names[1], names[2],
                             names[3], names[i]);
  m->extent.west = c.v[0];
  m->extent.east = c.v[1];
  m->extent.south = c.v[2];
  m->extent.north = c.v[3];
  if (m->extent.south >= m->extent.north)
    return im_yaml_fail(r, k, "extent: %s (%g) must be less than %s (%g)", names[2], c.v[2], names[3], c.v[3]);
  if (m->extent.kind == IM_EXTENT_CRS && m->extent.west >= m->extent.east)
    return im_yaml_fail(r, k, "extent: xmin (%g) must be less than xmax (%g)", c.v[0], c.v[1]);
  if (m->extent.kind == IM_EXTENT_DEGREES && m->extent.west == m->extent.east)
    return im_yaml_fail(r, k, "extent: west and east are the same longitude");
  return IM_STATUS_OK;
}

/* The same reader for a panel's extent (spec-multiples.c). */
im_status im_spec_read_extent(im_spec_ctx *c, struct fy_node *k, struct fy_node *v, im_extent *out) {
  im_map tmp = {0};
  im_status st = read_extent(&c->r, k, v, &tmp);
  *out = tmp.extent;
  return st;
}

static im_status period_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_map *m = ctx;
  char **dst = !strcmp(key, "from") ? &m->period_from : &m->period_to;
  if (im_yaml_string(r, v, key, dst))
    return IM_STATUS_INPUT;
  im_spec_pos pos = im_yaml_pos(v);
  return im_period_check(*dst, r->file, pos.line, pos.column, r->err);
}

static im_status outline_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_map *m = ctx;
  if (!strcmp(key, "color"))
    return im_yaml_color(r, v, "outline color", &m->outline_color);
  return im_yaml_length(r, v, "outline width", IM_UNIT_PT, &m->outline_width);
}

/* outline: none | COLOUR | {color, width}: a line along the projection's
 * outline (the edge of a world map, a globe's rim). */
static im_status read_outline(im_yaml_reader *r, struct fy_node *v, im_map *m) {
  struct fy_node *d = im_yaml_deref(v);
  m->outline_color = (im_color){0.3, 0.3, 0.3, 1};
  m->outline_width = (im_length){0.5, IM_UNIT_PT};
  if (im_yaml_is_scalar(v) && !strcasecmp(fy_node_get_scalar0(d), "none")) {
    m->outline_color.a = 0;
    return IM_STATUS_OK;
  }
  if (!(d && fy_node_is_mapping(d)))
    return im_yaml_color(r, v, "outline", &m->outline_color);
  static const char *const keys[] = {"color", "width", NULL};
  return im_yaml_each_pair(r, v, "outline", keys, outline_pair, m);
}

static im_status map_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  im_map *m = ctx;
  if (!strcmp(key, "period")) {
    static const char *const keys[] = {"from", "to", NULL};
    m->period_pos = im_yaml_pos(k);
    return im_yaml_each_pair(r, v, "period", keys, period_pair, m);
  }
  static const char *const furniture_keys[] = {"title", IM_SPEC_FURNITURE_MAP_KEYS, NULL};
  for (size_t i = 0; furniture_keys[i]; i++)
    if (!strcmp(key, furniture_keys[i]))
      return im_spec_furniture_map_pair((im_spec_ctx *)r, key, k, v);
  if (!strcmp(key, "page")) {
    static const char *const keys[] = {"width", "height", "dpi", NULL};
    return im_yaml_each_pair(r, v, "page", keys, page_pair, m);
  }
  if (!strcmp(key, "dpi"))
    return im_yaml_number(r, v, "dpi", 10, 2400, &m->dpi);
  if (!strcmp(key, "crs")) {
    m->crs_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "crs", &m->crs);
  }
  if (!strcmp(key, "extent"))
    return read_extent(r, k, v, m);
  if (!strcmp(key, "outline"))
    return read_outline(r, v, m);
  return im_yaml_color(r, v, "background", &m->background);
}

/* ---- layers: ---- */

static im_status layer_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  im_spec_ctx *c = (im_spec_ctx *)r;
  im_layer_style *l = ctx;
  if (!strcmp(key, "id"))
    return im_yaml_string(r, v, "layer id", &l->id);
  if (!strcmp(key, "source")) {
    l->source_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "source", &l->source);
  }
  if (!strcmp(key, "where"))
    return im_spec_read_where(c, v, &l->where);
  if (!strcmp(key, "rules"))
    return im_spec_read_rules(c, v, l);
  if (!strcmp(key, "classes"))
    return im_spec_read_classes(c, v, l);
  if (!strcmp(key, "z")) {
    l->z_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "z", &l->z_field);
  }
  if (!strcmp(key, "min_scale"))
    return im_yaml_number(r, v, "min_scale", 0, 1e12, &l->min_scale);
  if (!strcmp(key, "max_scale"))
    return im_yaml_number(r, v, "max_scale", 0, 1e12, &l->max_scale);
  if (!strcmp(key, "geodesic"))
    return im_yaml_bool(r, v, "geodesic", &l->geodesic);
  if (!strcmp(key, "schema")) {
    static const char *const schemas[] = {"none", "events", NULL};
    int choice;
    if (im_yaml_choice(r, v, "schema", schemas, &choice))
      return IM_STATUS_INPUT;
    l->schema_events = choice == 1;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "style"))
    return im_spec_layer_style_names(c, v, l);
  if (!strcmp(key, "legend"))
    return im_spec_layer_legend(c, v, l);
  if (!strcmp(key, "aggregate"))
    return im_spec_read_aggregates(c, v, l);
  if (!strcmp(key, "join"))
    return im_spec_read_joins(c, v, l);
  return im_spec_style_pair(c, key, k, v, &l->style);
}

im_status im_spec_code(im_spec_ctx *c, im_error_code code) {
  if (c->r.err)
    c->r.err->code = code;
  return IM_STATUS_INPUT;
}

/* A layer written without an id is "layerN", N its place in the list. */
static im_status default_id(im_spec_ctx *c, im_layer_style *l) {
  if (l->id)
    return IM_STATUS_OK;
  char buf[32];
  snprintf(buf, sizeof buf, "layer%zu", c->map->nlayers);
  if (!(l->id = im_strdup(buf)))
    return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
  return IM_STATUS_OK;
}

static im_status read_layers(im_spec_ctx *c, struct fy_node *v) {
  im_map *m = c->map;
  struct fy_node *d = im_yaml_deref(v);
  if (!d || !fy_node_is_sequence(d))
    return im_yaml_fail(&c->r, v, "layers must be a list (each item starting with '- ')");
  int n = fy_node_sequence_item_count(d);
  size_t max_layers = im_limits_current().max_layers; /* each is read and drawn: see limits.h */
  if (n > 0 && (size_t)n > max_layers) {
    im_yaml_fail(&c->r, v, "the spec has %d layers; influmap draws at most %zu in one map (%s)", n, max_layers,
                 im_limit_hint(IM_LIMIT_LAYERS));
    return im_spec_code(c, IM_E_LIMIT);
  }
  m->layers = calloc(n > 0 ? (size_t)n : 1, sizeof *m->layers);
  if (!m->layers)
    return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
  void *it = NULL;
  struct fy_node *item;
  static const char *const keys[] = {"id",        "source",           "where",    "rules",  "classes", "z",
                                     "min_scale", "max_scale",        "geodesic", "schema", "legend",  "aggregate",
                                     "join",      IM_SPEC_STYLE_KEYS, NULL};
  bool failed = false; /* collecting errors (im_yaml_read_on): some layer had one */
  im_status st;
  while ((item = fy_node_sequence_iterate(d, &it))) {
    im_layer_style *l = &m->layers[m->nlayers++];
    l->pos = im_yaml_pos(item);
    im_style_init_defaults(&l->style);
    if ((st = im_yaml_each_pair(&c->r, item, "a layer", keys, layer_pair, l))) {
      if (im_yaml_read_on(&c->r, &st, &failed) && (st = default_id(c, l)) == IM_STATUS_OK)
        continue;
      return st;
    }
    if (!l->source) {
      st = im_yaml_missing(&c->r, item, "layer %s has no source", l->id ? l->id : "");
      if (im_yaml_read_on(&c->r, &st, &failed) && (st = default_id(c, l)) == IM_STATUS_OK)
        continue;
      return st;
    }
    if ((st = default_id(c, l)))
      return st;
    if (l->min_scale && l->max_scale && l->min_scale > l->max_scale) {
      st = im_yaml_fail(&c->r, item, "min_scale (%g) is more than max_scale (%g)", l->min_scale, l->max_scale);
      if (im_yaml_read_on(&c->r, &st, &failed))
        continue;
      return st;
    }
    /* Not a file: the host binds the layer (im_map_bind_layer). A source
     * is read by its suffix, so no file is called just that; nor is the
     * host's resolver asked for it. */
    if ((l->memory = !strcmp(l->source, IM_SOURCE_MEMORY)))
      continue;
    char *resolved = im_yaml_resolve(&c->r, l->source_pos.line, l->source_pos.column, "source", l->source);
    if (!resolved) {
      st = c->r.err ? c->r.err->status : IM_STATUS_INPUT;
      if (im_yaml_read_on(&c->r, &st, &failed))
        continue;
      return st;
    }
    if (!im_yaml_file_exists(resolved)) {
      /* There but not a file (a FIFO, /dev/zero, a folder): said so. */
      struct stat sb;
      bool there = stat(resolved, &sb) == 0;
      free(resolved);
      im_error_set(c->r.err, IM_STATUS_INPUT, c->r.file, l->source_pos.line, l->source_pos.column,
                   there ? "layer %s: source '%s' is not a regular file"
                         : "layer %s: source '%s' not found (looked beside the spec and in the current folder)",
                   l->id, l->source);
      st = im_spec_code(c, there ? IM_E_BAD_VALUE : IM_E_NOT_FOUND);
      if (im_yaml_read_on(&c->r, &st, &failed))
        continue;
      return st;
    }
    free(l->source);
    l->source = resolved;
  }
  st = im_spec_check_aggregates(c, m);
  if (st && !im_yaml_read_on(&c->r, &st, &failed))
    return st;
  return failed ? im_yaml_failed(&c->r) : IM_STATUS_OK;
}

/* ---- the document ---- */

static struct fy_node *lookup(struct fy_node *map, const char *key) {
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(map, &it))) {
    struct fy_node *k = fy_node_pair_key(p);
    if (k && fy_node_is_scalar(k) && !strcmp(fy_node_get_scalar0(k), key))
      return fy_node_pair_value(p);
  }
  return NULL;
}

static im_status accept_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)r;
  (void)key;
  (void)k;
  (void)v;
  (void)ctx;
  return IM_STATUS_OK;
}

static im_status read_file(im_spec_ctx *c, const char *path, const char *text, size_t len, bool is_spec);

/* The file name is kept by the map: positions in it outlive the read. */
static const char *remember_file(im_spec_ctx *c, const char *path) {
  im_map *m = c->map;
  size_t cap = m->nfiles;
  if (!im_grow((void **)&m->files, &cap, m->nfiles + 1, sizeof *m->files))
    return NULL;
  char *copy = im_strdup(path);
  if (!copy)
    return NULL;
  m->files[m->nfiles++] = copy;
  return copy;
}

static im_status read_include(im_spec_ctx *c, struct fy_node *v) {
  struct fy_node *d = im_yaml_deref(v);
  bool list = d && fy_node_is_sequence(d);
  void *it = NULL;
  struct fy_node *item = list ? fy_node_sequence_iterate(d, &it) : v;
  for (; item; item = list ? fy_node_sequence_iterate(d, &it) : NULL) {
    const char *rel;
    if (im_yaml_scalar(&c->r, item, "include", &rel))
      return IM_STATUS_INPUT;
    im_spec_pos pos = im_yaml_pos(item);
    char *path = im_yaml_resolve(&c->r, pos.line, pos.column, "include", rel);
    if (!path)
      return c->r.err ? c->r.err->status : IM_STATUS_INPUT;
    char real[PATH_MAX];
    bool again = false;
    if (realpath(path, real))
      for (size_t i = 0; i < c->map->nfiles && !again; i++) {
        char other[PATH_MAX];
        again = realpath(c->map->files[i], other) && !strcmp(real, other);
      }
    im_status st = IM_STATUS_OK;
    if (!im_yaml_file_exists(path) && (st = im_yaml_fail(&c->r, item, "included style sheet '%s' not found", path)))
      im_spec_code(c, IM_E_NOT_FOUND);
    else if (again)
      st = im_yaml_fail(&c->r, item, "'%s' is included twice (or includes itself)", path);
    else if (c->include_depth >= 8)
      st = im_yaml_fail(&c->r, item, "includes nest more than 8 deep");
    if (!st) {
      im_yaml_reader saved = c->r;
      c->include_depth++;
      st = read_file(c, path, NULL, 0, false);
      c->include_depth--;
      c->r.file = saved.file;
    }
    free(path);
    if (st)
      return st;
  }
  return IM_STATUS_OK;
}

static im_status read_file(im_spec_ctx *c, const char *path, const char *text, size_t len, bool is_spec) {
  const char *file = remember_file(c, path);
  if (!file)
    return im_error_set(c->r.err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  c->r.file = file;
  struct fy_document *doc = NULL;
  im_status st = im_yaml_load(file, text, len, &doc, c->r.err);
  if (st)
    return st;
  struct fy_node *root = fy_document_root(doc);
  static const char *const spec_keys[] = {
      "include", "palettes", "styles", "map", "layers", IM_SPEC_FURNITURE_TOP_KEYS, "multiples", "annotations", NULL};
  static const char *const sheet_keys[] = {"include", "palettes", "styles", NULL};
  if (!root) {
    st =
        im_error_set(c->r.err, IM_STATUS_INPUT, file, 0, 0, is_spec ? "the spec is empty" : "the style sheet is empty");
    goto done;
  }
  /* A file that has none of the keys of a spec is not quoted (a key that is
   * not known there could be the first line of any file); one that has is
   * a spec or sheet, misspelt keys and all, and gets "did you mean". */
  /* Collecting errors, each section is read whatever the one before found
   * (im_yaml_read_on). */
  bool failed = false;
  if ((st = im_yaml_recognise(&c->r, root, is_spec ? "a map spec" : "a style sheet", spec_keys)))
    goto done;
  if (is_spec)
    c->spec_read = true;
  if ((st = im_yaml_each_pair(&c->r, root, is_spec ? "the spec" : "a style sheet", is_spec ? spec_keys : sheet_keys,
                              accept_pair, NULL)) &&
      !im_yaml_read_on(&c->r, &st, &failed))
    goto done;
  struct fy_node *v;
  if ((v = lookup(root, "include")) && (st = read_include(c, v)) && !im_yaml_read_on(&c->r, &st, &failed))
    goto done;
  c->r.file = file;
  if ((v = lookup(root, "palettes")) && (st = im_spec_read_palettes(c, v)) && !im_yaml_read_on(&c->r, &st, &failed))
    goto done;
  if ((v = lookup(root, "styles")) && (st = im_spec_read_styles(c, v)) && !im_yaml_read_on(&c->r, &st, &failed))
    goto done;
  if (!is_spec)
    goto done;
  if ((v = lookup(root, "map"))) {
    static const char *const keys[] = {
        "title", "page", "dpi", "crs", "extent", "background", "outline", "period", IM_SPEC_FURNITURE_MAP_KEYS, NULL};
    if ((st = im_yaml_each_pair(&c->r, v, "map", keys, map_pair, c->map)) && !im_yaml_read_on(&c->r, &st, &failed))
      goto done;
  }
  if ((v = lookup(root, "layers")) && (st = read_layers(c, v)) && !im_yaml_read_on(&c->r, &st, &failed))
    goto done;
  if ((st = im_spec_read_furniture(c, root)) && !im_yaml_read_on(&c->r, &st, &failed))
    goto done;
  if ((st = im_spec_read_multiples(c, root)) && !im_yaml_read_on(&c->r, &st, &failed))
    goto done;
  if ((st = im_spec_read_annotations(c, root)) && !im_yaml_read_on(&c->r, &st, &failed))
    goto done;
done:
  fy_document_destroy(doc);
  if (!st && failed)
    st = im_yaml_failed(&c->r);
  return st;
}

const im_spec_palette *im_map_palette(const im_map *m, const char *name) {
  for (size_t i = m->npalettes; i-- > 0;)
    if (!strcmp(m->palettes[i].name, name))
      return &m->palettes[i];
  return NULL;
}

/* Checks that need the whole document: palettes may be defined after the
 * layers that use them. */
static im_status check_map(im_spec_ctx *c) {
  im_map *m = c->map;
  const char *name = m->files[0];
  bool failed = false;
  im_status st;
  if (!m->crs) {
    im_error_set(c->r.err, IM_STATUS_INPUT, name, 0, 0, "map: crs is missing (an EPSG code, a PROJ string or WKT)");
    st = im_spec_code(c, IM_E_FIELD_MISSING);
    if (!im_yaml_read_on(&c->r, &st, &failed))
      return st;
  }
  if (!m->nlayers) {
    im_error_set(c->r.err, IM_STATUS_INPUT, name, 0, 0, "the spec has no layers");
    st = im_spec_code(c, IM_E_FIELD_MISSING);
    if (!im_yaml_read_on(&c->r, &st, &failed))
      return st;
  }
  if (m->width.value <= 0 || m->height.value <= 0) {
    st = im_error_set(c->r.err, IM_STATUS_INPUT, name, 0, 0, "page width and height must be more than 0");
    if (!im_yaml_read_on(&c->r, &st, &failed))
      return st;
  }
  for (size_t i = 0; i < m->nlayers; i++) {
    for (size_t k = 0; k < m->layers[i].nclasses; k++) {
      const im_classes *cl = &m->layers[i].classes[k];
      if (cl->kind == IM_CLASSES_CATEGORICAL && cl->palette && !im_palette_exists(cl->palette) &&
          !im_map_palette(m, cl->palette)) {
        st = im_error_set(c->r.err, IM_STATUS_INPUT, cl->file, cl->palette_pos.line, cl->palette_pos.column,
                          "layer %s: unknown palette '%s' (built in: vric, okabe-ito, set2, dark2, paired, "
                          "tableau10; or define it under palettes:)",
                          m->layers[i].id, cl->palette);
        if (!im_yaml_read_on(&c->r, &st, &failed))
          return st;
      }
    }
  }
  return failed ? im_yaml_failed(&c->r) : IM_STATUS_OK;
}

/* text == NULL: read the file at name. */
/* text == NULL: read the file at name. errors not NULL: collect every
 * error (yaml-private.h), the first also in err. Runs in ctx. */
static im_status load_in(im_context *ctx, const char *name, const char *text, size_t len, im_map **out,
                         im_error_list *errors, im_error *err) {
  *out = NULL;
  im_map *m = calloc(1, sizeof *m);
  if (!m || !(m->path = im_strdup(name))) {
    free(m);
    return im_error_set(err, IM_STATUS_INTERNAL, name, 0, 0, "out of memory");
  }
  m->ctx = im_context_ref(ctx);
  m->width = (im_length){180, IM_UNIT_MM};
  m->height = (im_length){120, IM_UNIT_MM};
  m->dpi = 300;
  m->background = (im_color){1, 1, 1, 1};
  /* The errors are kept here even when the caller's err is NULL. */
  im_error last;
  im_error_clear(&last);
  im_error_list_clear(errors);
  im_spec_ctx c = {.r = {.file = name, .err = &last, .errors = errors}, .map = m};
  im_status st = read_file(&c, name, text, len, true);
  if (st == IM_STATUS_INPUT && errors) {
    /* Recorded; the whole-map checks follow only if the spec itself was
     * read (not after a YAML syntax error, say). */
    bool failed = false;
    if (im_yaml_read_on(&c.r, &st, &failed) && !c.spec_read)
      st = IM_STATUS_INPUT;
  }
  if (!st)
    st = check_map(&c);
  if (!st && im_error_list_count(errors))
    st = IM_STATUS_INPUT;
  if (st && st != IM_STATUS_INTERNAL && im_error_list_count(errors))
    last = *im_error_list_get(errors, 0);
  if (st && err)
    *err = last;
  for (size_t i = 0; i < c.nstyles; i++) {
    free(c.styles[i].name);
    im_style_clear(&c.styles[i].style);
    im_layer_style_clear_rules_classes(&c.styles[i].extra);
  }
  free(c.styles);
  if (st) {
    im_map_free(m);
    return st;
  }
  *out = m;
  return IM_STATUS_OK;
}

static im_status load(im_context *ctx, const char *name, const char *text, size_t len, im_map **out,
                      im_error_list *errors, im_error *err) {
  const im_context *was = im_context_enter(ctx);
  /* A relative spec path is from the base folder (a string's name only
   * places the paths it names: yaml.c). */
  char *joined = text ? NULL : im_path_from_base(im_base_dir_current(), name);
  im_status st = !text && !joined ? im_error_set(err, IM_STATUS_INTERNAL, name, 0, 0, "out of memory")
                                  : load_in(ctx, joined ? joined : name, text, len, out, errors, err);
  free(joined);
  im_context_leave(was);
  return st;
}

/* A spec held in memory without a name is named so in messages. */
#define STRING_NAME "<string>"

im_status im_map_load_string(const char *text, size_t len, const char *name, im_map **out, im_error *err) {
  return load(NULL, name ? name : STRING_NAME, text ? text : "", text ? len : 0, out, NULL, err);
}

im_status im_map_load(const char *path, im_map **out, im_error *err) {
  if (!path) {
    *out = NULL;
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "no spec path given");
  }
  return load(NULL, path, NULL, 0, out, NULL, err);
}

im_status im_map_load_ctx(im_context *ctx, const char *path, im_map **out, im_error_list *errors, im_error *err) {
  if (!path) {
    *out = NULL;
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "no spec path given");
  }
  return load(ctx, path, NULL, 0, out, errors, err);
}

im_status im_map_load_string_ctx(im_context *ctx, const char *text, size_t len, const char *name, im_map **out,
                                 im_error_list *errors, im_error *err) {
  return load(ctx, name ? name : STRING_NAME, text ? text : "", text ? len : 0, out, errors, err);
}

void im_map_free(im_map *m) {
  if (!m)
    return;
  for (size_t i = 0; i < m->nlayers; i++) {
    im_layer_style *l = &m->layers[i];
    free(l->id);
    free(l->source);
    im_layer_free(l->bound);
    free(l->z_field);
    im_where_clear(&l->where);
    im_style_clear(&l->style);
    im_layer_style_clear_rules_classes(l);
    free(l->legend_label);
    im_aggregates_clear(l);
  }
  free(m->layers);
  for (size_t i = 0; i < m->npalettes; i++) {
    for (size_t k = 0; k < m->palettes[i].nentries; k++)
      free(m->palettes[i].entries[k].value);
    free(m->palettes[i].entries);
    free(m->palettes[i].name);
  }
  free(m->palettes);
  for (size_t i = 0; i < m->nfiles; i++)
    free(m->files[i]);
  free(m->files);
  free(m->path);
  free(m->title);
  free(m->crs);
  free(m->period_from);
  free(m->period_to);
  im_furniture_free(m->furniture);
  im_multiples_free(m->multiples);
  im_context_free(m->ctx);
  free(m);
}

/* YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by T and a time; the
 * ranges of months and days are left to the filter parser. */
static bool looks_like_date(const char *d) {
  size_t n = strlen(d);
  if (n < 4 || strspn(d, "0123456789") != 4)
    return false;
  if (n == 4)
    return true;
  if (d[4] != '-' || n < 7 || strspn(d + 5, "0123456789") != 2)
    return false;
  if (n == 7)
    return true;
  if (d[7] != '-' || n < 10 || strspn(d + 8, "0123456789") != 2)
    return false;
  return n == 10 || d[10] == 'T';
}

im_status im_period_check(const char *date, const char *file, int line, int column, im_error *err) {
  /* The window is applied as a filter on the date field, so a bound is
   * checked by the filter language's own date reader. */
  char text[128];
  if (strlen(date) > 64 || strpbrk(date, " '\"()"))
    return im_error_set(err, IM_STATUS_INPUT, file, line, column, "'%.64s' is not an ISO 8601 date", date);
  snprintf(text, sizeof text, "date >= %s", date);
  im_filter *f = NULL;
  im_error e;
  im_status st = im_filter_parse(text, file, line, column, &f, &e);
  im_filter_free(f);
  if (st || !looks_like_date(date))
    return im_error_set(err, IM_STATUS_INPUT, file, line, column,
                        "'%s' is not an ISO 8601 date (2021, 2021-12 or 2021-12-01)", date);
  return IM_STATUS_OK;
}

im_status im_style_sheet_check(const char *path, bool *is_sheet, im_error *err) {
  *is_sheet = false;
  struct fy_document *doc = NULL;
  im_status st = im_yaml_load(path, NULL, 0, &doc, err);
  if (st)
    return st;
  struct fy_node *root = fy_document_root(doc);
  bool sheet = root && fy_node_is_mapping(root) && !lookup(root, "map") && !lookup(root, "layers");
  fy_document_destroy(doc);
  if (!sheet)
    return IM_STATUS_OK;
  *is_sheet = true;
  /* Read it as an include would, into a throwaway map. */
  im_map *m = calloc(1, sizeof *m);
  if (!m)
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  im_spec_ctx c = {.r = {.file = path, .err = err}, .map = m};
  st = read_file(&c, path, NULL, 0, false);
  for (size_t i = 0; i < c.nstyles; i++) {
    free(c.styles[i].name);
    im_style_clear(&c.styles[i].style);
    im_layer_style_clear_rules_classes(&c.styles[i].extra);
  }
  free(c.styles);
  im_map_free(m);
  return st;
}
