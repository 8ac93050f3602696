/* Batch manifests: YAML -> im_manifest (the matrix, the templates, the
 * overrides), read with the spec's YAML helpers so every mistake is
 * reported once at its file:line:column. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cnum-private.h"
#include "core/mem-private.h"
#include "spec/yaml-private.h"
#include "batch/batch-private.h"

typedef struct {
  im_yaml_reader r;
  im_manifest *m;
} reader;

static im_status oom(im_yaml_reader *r) {
  return im_error_set(r->err, IM_STATUS_INTERNAL, r->file, 0, 0, "out of memory");
}

/* A template's position is that of its first character (libfyaml marks a
 * quoted scalar's start inside the quotes). */
static im_status read_tmpl(im_yaml_reader *r, struct fy_node *v, const char *what, im_tmpl *t) {
  if (im_yaml_string(r, v, what, &t->text))
    return IM_STATUS_INPUT;
  t->file = r->file;
  t->pos = im_yaml_pos(v);
  return IM_STATUS_OK;
}

static void tmpl_clear(im_tmpl *t) {
  free(t->text);
  t->text = NULL;
}

/* ---- matrix: ---- */

typedef struct {
  reader *rd;
  im_batch_var *var;
  struct fy_node *from, *field, *where, *with, *range;
} var_ctx;

static im_status var_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)r;
  (void)k;
  var_ctx *c = vctx;
  struct fy_node **slot = !strcmp(key, "from")    ? &c->from
                          : !strcmp(key, "field") ? &c->field
                          : !strcmp(key, "where") ? &c->where
                          : !strcmp(key, "with")  ? &c->with
                                                  : &c->range;
  *slot = v;
  return IM_STATUS_OK;
}

static bool valid_name(const char *s) {
  if (!(isalpha((unsigned char)*s) || *s == '_'))
    return false;
  for (; *s; s++)
    if (!(isalnum((unsigned char)*s) || *s == '_'))
      return false;
  return true;
}

static im_status read_list(im_yaml_reader *r, struct fy_node *v, im_batch_var *var) {
  struct fy_node *d = im_yaml_deref(v);
  int n = fy_node_sequence_item_count(d);
  if (n <= 0)
    return im_yaml_fail(r, v, "matrix variable '%s' has no values", var->name);
  if (!(var->values = calloc((size_t)n, sizeof *var->values)))
    return oom(r);
  void *it = NULL;
  struct fy_node *item;
  while ((item = fy_node_sequence_iterate(d, &it))) {
    char what[160];
    snprintf(what, sizeof what, "a value of '%s'", var->name);
    if (im_yaml_string(r, item, what, &var->values[var->nvalues]))
      return IM_STATUS_INPUT;
    var->nvalues++;
  }
  return IM_STATUS_OK;
}

static im_status read_with(im_yaml_reader *r, struct fy_node *v, im_batch_var *var) {
  struct fy_node *d = im_yaml_deref(v);
  bool list = d && fy_node_is_sequence(d);
  size_t n = list ? (size_t)fy_node_sequence_item_count(d) : 1;
  if (!(var->with = calloc(n ? n : 1, sizeof *var->with)))
    return oom(r);
  void *it = NULL;
  struct fy_node *item = list ? fy_node_sequence_iterate(d, &it) : v;
  for (; item; item = list ? fy_node_sequence_iterate(d, &it) : NULL) {
    if (im_yaml_string(r, item, "with (a field name)", &var->with[var->nwith]))
      return IM_STATUS_INPUT;
    var->nwith++;
  }
  return IM_STATUS_OK;
}

static im_status read_var(reader *rd, const char *key, struct fy_node *k, struct fy_node *v) {
  im_yaml_reader *r = &rd->r;
  im_manifest *m = rd->m;
  if (!valid_name(key))
    return im_yaml_fail(r, k, "matrix variable '%s' must be a name of letters, digits and _", key);
  for (size_t i = 0; i < m->nvars; i++)
    if (!strcmp(m->vars[i].name, key))
      return im_yaml_fail(r, k, "matrix variable '%s' is given twice", key);
  im_batch_var *var = &m->vars[m->nvars++];
  if (!(var->name = im_strdup(key)))
    return oom(r);
  var->pos = im_yaml_pos(k);
  struct fy_node *d = im_yaml_deref(v);
  if (d && fy_node_is_sequence(d))
    return read_list(r, v, var);
  if (!d || !fy_node_is_mapping(d))
    return im_yaml_fail(r, v,
                        "matrix variable '%s' must be a list ([a, b]), values from data ({from: FILE, field: NAME}) "
                        "or a range ({range: [2021-01, 2021-12]})",
                        key);
  static const char *const keys[] = {"from", "field", "where", "with", "range", NULL};
  var_ctx c = {.rd = rd, .var = var};
  if (im_yaml_each_pair(r, v, "a matrix variable", keys, var_pair, &c))
    return IM_STATUS_INPUT;
  if (c.range) {
    if (c.from || c.field || c.where || c.with)
      return im_yaml_fail(r,
                          c.from    ? c.from
                          : c.field ? c.field
                          : c.where ? c.where
                                    : c.with,
                          "a range cannot also take values from data");
    struct fy_node *rl = im_yaml_deref(c.range);
    if (!rl || !fy_node_is_sequence(rl) || fy_node_sequence_item_count(rl) != 2)
      return im_yaml_fail(r, c.range, "range must be a list of two values: [first, last]");
    struct fy_node *a = fy_node_sequence_get_by_index(rl, 0), *b = fy_node_sequence_get_by_index(rl, 1);
    const char *first, *last;
    if (im_yaml_scalar(r, a, "the first value of the range", &first) ||
        im_yaml_scalar(r, b, "the last value of the range", &last))
      return IM_STATUS_INPUT;
    return im_batch_var_from_range(var, r->file, first, im_yaml_pos(a), last, im_yaml_pos(b), r->err);
  }
  if (!c.from)
    return im_yaml_fail(r, v, "matrix variable '%s' needs range: or from: (with field:)", key);
  if (!c.field)
    return im_yaml_fail(r, c.from, "values from data need field: (the field whose values to use)");
  const char *from, *field, *where = NULL;
  if (im_yaml_scalar(r, c.from, "from", &from) || im_yaml_scalar(r, c.field, "field", &field) ||
      (c.where && im_yaml_scalar(r, c.where, "where", &where)))
    return IM_STATUS_INPUT;
  if (c.with && read_with(r, c.with, var))
    return IM_STATUS_INPUT;
  char *path = im_yaml_resolve_path(r->file, from);
  if (!path)
    return oom(r);
  im_status st = IM_STATUS_OK;
  if (!im_yaml_file_exists(path))
    st = im_yaml_fail(r, c.from, "'%s' not found (looked beside the manifest and in the current folder)", from);
  else
    st = im_batch_var_from_data(var, r->file, path, field, im_yaml_pos(c.field), where,
                                c.where ? im_yaml_pos(c.where) : (im_spec_pos){0, 0}, r->err);
  free(path);
  return st;
}

static im_status read_matrix(reader *rd, struct fy_node *v) {
  im_yaml_reader *r = &rd->r;
  struct fy_node *d = im_yaml_deref(v);
  if (!d || !fy_node_is_mapping(d))
    return im_yaml_fail(r, v, "matrix must be a mapping of variable names to their values");
  int n = fy_node_mapping_item_count(d);
  if (!(rd->m->vars = calloc(n > 0 ? (size_t)n : 1, sizeof *rd->m->vars)))
    return oom(r);
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(d, &it))) {
    struct fy_node *k = fy_node_pair_key(p);
    const char *key = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
    if (!key)
      return im_yaml_fail(r, k, "matrix variables must be plain names");
    if (read_var(rd, key, k, fy_node_pair_value(p)))
      return IM_STATUS_INPUT;
  }
  return IM_STATUS_OK;
}

/* ---- extent: ---- */

typedef struct {
  bool have[4];
  double v[4];
} fixed_ctx;

static const char *const sides[] = {"west", "east", "south", "north", NULL};

static im_status side_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  fixed_ctx *c = vctx;
  for (int i = 0; i < 4; i++)
    if (!strcmp(key, sides[i])) {
      c->have[i] = true;
      return im_yaml_number(r, v, key, i < 2 ? -540 : -90, i < 2 ? 540 : 90, &c->v[i]);
    }
  return IM_STATUS_INPUT; /* not reached: keys are checked first */
}

static im_status read_padding(im_yaml_reader *r, struct fy_node *v, im_manifest *m) {
  const char *s;
  if (im_yaml_scalar(r, v, "padding", &s))
    return IM_STATUS_INPUT;
  char *end;
  double p = im_strtod(s, &end);
  m->padding_pct = *end == '%';
  if (end == s || (m->padding_pct ? end[1] != '\0' : *end != '\0') || !(p >= 0 && p <= (m->padding_pct ? 1000 : 90)))
    return im_yaml_fail(r, v, "padding must be a percentage of the feature's size (10%%) or degrees (2.5), not '%s'",
                        s);
  m->padding = m->padding_pct ? p / 100 : p;
  return IM_STATUS_OK;
}

static im_status feature_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_manifest *m = vctx;
  if (!strcmp(key, "source")) {
    const char *s;
    if (im_yaml_scalar(r, v, "source", &s))
      return IM_STATUS_INPUT;
    free(m->ext_source);
    if (!(m->ext_source = im_yaml_resolve_path(r->file, s)))
      return oom(r);
    if (!im_yaml_file_exists(m->ext_source))
      return im_yaml_fail(r, v, "source '%s' not found (looked beside the manifest and in the current folder)", s);
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "field")) {
    m->ext_field_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "field", &m->ext_field);
  }
  if (!strcmp(key, "value"))
    return read_tmpl(r, v, "value", &m->ext_value);
  return read_padding(r, v, m);
}

static im_status extent_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  reader *rd = vctx;
  im_manifest *m = rd->m;
  if (!strcmp(key, "from_feature")) {
    m->extent_kind = IM_BATCH_EXTENT_FEATURE;
    static const char *const keys[] = {"source", "field", "value", "padding", NULL};
    if (im_yaml_each_pair(r, v, "from_feature", keys, feature_pair, m))
      return IM_STATUS_INPUT;
    const char *missing = !m->ext_source ? "source" : !m->ext_field ? "field" : !m->ext_value.text ? "value" : NULL;
    if (missing)
      return im_yaml_fail(r, k, "from_feature needs source, field and value; %s is missing", missing);
    return IM_STATUS_OK;
  }
  return IM_STATUS_OK; /* west/east/south/north: read together below */
}

static im_status read_extent(reader *rd, struct fy_node *k, struct fy_node *v) {
  im_yaml_reader *r = &rd->r;
  im_manifest *m = rd->m;
  static const char *const keys[] = {"from_feature", "west", "east", "south", "north", NULL};
  m->extent_pos = im_yaml_pos(k);
  if (im_yaml_each_pair(r, v, "extent", keys, extent_pair, rd))
    return IM_STATUS_INPUT;
  if (m->extent_kind == IM_BATCH_EXTENT_FEATURE) {
    struct fy_node *d = im_yaml_deref(v);
    if (fy_node_mapping_item_count(d) > 1)
      return im_yaml_fail(r, k, "extent: from_feature cannot be mixed with west/east/south/north");
    return IM_STATUS_OK;
  }
  fixed_ctx c = {0};
  if (im_yaml_each_pair(r, v, "extent", sides, side_pair, &c))
    return IM_STATUS_INPUT;
  for (int i = 0; i < 4; i++)
    if (!c.have[i])
      return im_yaml_fail(r, k, "extent needs west, east, south and north (or from_feature); %s is missing", sides[i]);
  if (c.v[2] >= c.v[3])
    return im_yaml_fail(r, k, "extent: south (%g) must be less than north (%g)", c.v[2], c.v[3]);
  if (c.v[0] == c.v[1])
    return im_yaml_fail(r, k, "extent: west and east are the same longitude");
  m->extent_kind = IM_BATCH_EXTENT_FIXED;
  m->extent = (im_extent){IM_EXTENT_DEGREES, c.v[0], c.v[1], c.v[2], c.v[3], im_yaml_pos(k)};
  return IM_STATUS_OK;
}

/* ---- where:, period:, size: ---- */

static im_status where_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_batch_where *w = vctx;
  if (!strcmp(key, "layer")) {
    w->layer_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "layer", &w->layer);
  }
  w->expr.expr = true;
  return read_tmpl(r, v, "expr", &w->expr);
}

static im_status read_wheres(reader *rd, struct fy_node *v) {
  im_yaml_reader *r = &rd->r;
  im_manifest *m = rd->m;
  struct fy_node *d = im_yaml_deref(v);
  bool list = d && fy_node_is_sequence(d);
  size_t n = list ? (size_t)fy_node_sequence_item_count(d) : 1;
  if (!(m->wheres = calloc(n ? n : 1, sizeof *m->wheres)))
    return oom(r);
  static const char *const keys[] = {"layer", "expr", NULL};
  void *it = NULL;
  struct fy_node *item = list ? fy_node_sequence_iterate(d, &it) : v;
  for (; item; item = list ? fy_node_sequence_iterate(d, &it) : NULL) {
    im_batch_where *w = &m->wheres[m->nwheres++];
    if (im_yaml_each_pair(r, item, "where (layer: ID, expr: EXPRESSION)", keys, where_pair, w))
      return IM_STATUS_INPUT;
    if (!w->layer || !w->expr.text)
      return im_yaml_fail(r, item, "where needs layer: (a layer id of the base spec) and expr: (an expression)");
  }
  return IM_STATUS_OK;
}

static im_status period_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_manifest *m = vctx;
  return read_tmpl(r, v, key, !strcmp(key, "from") ? &m->period_from : &m->period_to);
}

static im_status read_size(im_yaml_reader *r, struct fy_node *v, im_manifest *m) {
  const char *s;
  if (im_yaml_scalar(r, v, "size", &s))
    return IM_STATUS_INPUT;
  const char *x = strchr(s, 'x');
  char w[64];
  size_t n = x ? (size_t)(x - s) : 0;
  bool ok = x && n && n < sizeof w;
  if (ok) {
    memcpy(w, s, n);
    w[n] = '\0';
    /* "180x120mm": the unit written once applies to both. */
    ok = im_length_parse(x + 1, IM_UNIT_MM, &m->height) && im_length_parse(w, m->height.unit, &m->width) &&
         m->width.value > 0 && m->height.value > 0;
  }
  if (!ok)
    return im_yaml_fail(r, v, "size must look like 180x120mm, 7x5in or 2200x2400px, not '%s'", s);
  m->has_size = true;
  return IM_STATUS_OK;
}

/* ---- the document ---- */

static im_status top_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  reader *rd = vctx;
  im_manifest *m = rd->m;
  if (!strcmp(key, "base"))
    return read_tmpl(r, v, "base", &m->base);
  if (!strcmp(key, "output"))
    return read_tmpl(r, v, "output", &m->output);
  if (!strcmp(key, "title"))
    return read_tmpl(r, v, "title", &m->title);
  if (!strcmp(key, "matrix"))
    return read_matrix(rd, v);
  if (!strcmp(key, "extent"))
    return read_extent(rd, k, v);
  if (!strcmp(key, "where"))
    return read_wheres(rd, v);
  if (!strcmp(key, "period")) {
    static const char *const keys[] = {"from", "to", NULL};
    return im_yaml_each_pair(r, v, "period", keys, period_pair, m);
  }
  if (!strcmp(key, "dpi"))
    return im_yaml_number(r, v, "dpi", 10, 2400, &m->dpi);
  return read_size(r, v, m);
}

/* Every template names known variables; checked once the matrix is read,
 * whatever order the keys are written in. */
static im_status check_templates(im_manifest *m, im_error *err) {
  if (im_tmpl_check(m, &m->base, "base", err) || im_tmpl_check(m, &m->output, "output", err) ||
      im_tmpl_check(m, &m->title, "title", err) || im_tmpl_check(m, &m->period_from, "period from", err) ||
      im_tmpl_check(m, &m->period_to, "period to", err) || im_tmpl_check(m, &m->ext_value, "value", err))
    return IM_STATUS_INPUT;
  for (size_t i = 0; i < m->nwheres; i++)
    if (im_tmpl_check(m, &m->wheres[i].expr, "expr", err))
      return IM_STATUS_INPUT;
  return IM_STATUS_OK;
}

static im_status read_manifest(im_manifest *m, im_error *err) {
  struct fy_document *doc = NULL;
  im_status st = im_yaml_load(m->path, NULL, 0, &doc, err);
  if (st)
    return st;
  reader rd = {.r = {.file = m->path, .err = err}, .m = m};
  struct fy_node *root = fy_document_root(doc);
  static const char *const keys[] = {"base",  "matrix", "output", "title", "extent",
                                     "where", "period", "dpi",    "size",  NULL};
  if (!root)
    st = im_error_set(err, IM_STATUS_INPUT, m->path, 0, 0, "the manifest is empty");
  else if (!(st = im_yaml_recognise(&rd.r, root, "a batch manifest", keys)))
    st = im_yaml_each_pair(&rd.r, root, "the manifest", keys, top_pair, &rd);
  fy_document_destroy(doc);
  if (st)
    return st;
  if (!m->base.text)
    return im_error_set(err, IM_STATUS_INPUT, m->path, 0, 0, "the manifest has no base: (the map spec to render)");
  if (!m->output.text)
    return im_error_set(err, IM_STATUS_INPUT, m->path, 0, 0,
                        "the manifest has no output: (a file name template such as out/{country}.pdf)");
  return check_templates(m, err);
}

im_status im_manifest_load(const char *path, const im_manifest_options *opt, im_manifest **out, im_error *err) {
  *out = NULL;
  im_manifest *m = calloc(1, sizeof *m);
  if (!m || !(m->path = im_strdup(path)) ||
      !(m->out_root = im_strdup(opt && opt->out_root && *opt->out_root ? opt->out_root : "."))) {
    im_manifest_free(m);
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  }
  m->allow_outside = opt && opt->allow_outside;
  im_status st = read_manifest(m, err);
  if (!st && m->extent_kind == IM_BATCH_EXTENT_FEATURE)
    st = im_batch_index_extent(m, err);
  if (!st)
    st = im_batch_expand(m, err);
  if (st) {
    im_manifest_free(m);
    return st;
  }
  *out = m;
  return IM_STATUS_OK;
}

void im_batch_var_clear(im_batch_var *v) {
  for (size_t i = 0; i < v->nvalues; i++) {
    free(v->values[i]);
    for (size_t k = 0; v->attrs && k < v->nwith; k++)
      free(v->attrs[i * v->nwith + k]);
  }
  for (size_t k = 0; k < v->nwith; k++)
    free(v->with[k]);
  free(v->values);
  free(v->attrs);
  free(v->with);
  free(v->name);
  memset(v, 0, sizeof *v);
}

void im_manifest_free(im_manifest *m) {
  if (!m)
    return;
  for (size_t i = 0; i < m->njobs; i++) {
    free(m->jobs[i].output);
    free(m->jobs[i].path);
    free(m->jobs[i].base);
    free(m->jobs[i].params);
  }
  free(m->jobs);
  for (size_t i = 0; i < m->nvars; i++)
    im_batch_var_clear(&m->vars[i]);
  free(m->vars);
  for (size_t i = 0; i < m->nwheres; i++) {
    free(m->wheres[i].layer);
    tmpl_clear(&m->wheres[i].expr);
  }
  free(m->wheres);
  for (size_t i = 0; i < m->nbboxes; i++)
    free(m->bboxes[i].value);
  free(m->bboxes);
  tmpl_clear(&m->base);
  tmpl_clear(&m->output);
  tmpl_clear(&m->title);
  tmpl_clear(&m->period_from);
  tmpl_clear(&m->period_to);
  tmpl_clear(&m->ext_value);
  free(m->ext_source);
  free(m->ext_field);
  free(m->lock_dir);
  free(m->lock_path);
  free(m->out_root);
  free(m->path);
  free(m);
}

size_t im_manifest_job_count(const im_manifest *m) { return m->njobs; }

const im_batch_job *im_manifest_job(const im_manifest *m, size_t i) { return i < m->njobs ? &m->jobs[i] : NULL; }
