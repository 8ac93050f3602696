/* The matrix and its jobs: values from lists, data and ranges; templates
 * ({name}, {name.attr}, {name|slug}); every combination expanded, its
 * output checked. */
#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "core/suggest-private.h"
#include "spec/yaml-private.h"
#include "batch/batch-private.h"
#include "render/style-resolve-private.h"
#include "influmap/crs.h"
#include "influmap/filter.h"

/* A batch this large is a mistake in the matrix, not a month's work. */
enum { MAX_VALUES = 100000, MAX_JOBS = 1000000 };

/* ---- templates ---- */

static const char *const filters[] = {"lower", "upper", "slug", "quote", NULL};

typedef struct {
  const char *name, *attr; /* spans into the template, with lengths */
  size_t name_len, attr_len;
  const char *filters; /* "|lower|slug" span */
  size_t filters_len;
  size_t len; /* of the whole {...} */
} placeholder;

/* Reads the placeholder at s (which starts with '{'); false when it is not
 * closed. */
static bool read_placeholder(const char *s, placeholder *p) {
  const char *close = strchr(s, '}');
  if (!close)
    return false;
  memset(p, 0, sizeof *p);
  p->name = s + 1;
  const char *bar = memchr(s, '|', (size_t)(close - s));
  const char *end = bar ? bar : close;
  const char *dot = memchr(s, '.', (size_t)(end - s));
  p->name_len = (size_t)((dot ? dot : end) - p->name);
  if (dot) {
    p->attr = dot + 1;
    p->attr_len = (size_t)(end - p->attr);
  }
  if (bar) {
    p->filters = bar;
    p->filters_len = (size_t)(close - bar);
  }
  p->len = (size_t)(close - s) + 1;
  return true;
}

static const im_batch_var *find_var(const im_manifest *m, const char *name, size_t len, size_t *index) {
  for (size_t i = 0; i < m->nvars; i++)
    if (strlen(m->vars[i].name) == len && !strncmp(m->vars[i].name, name, len)) {
      *index = i;
      return &m->vars[i];
    }
  return NULL;
}

static long find_attr(const im_batch_var *v, const char *attr, size_t len) {
  for (size_t k = 0; k < v->nwith; k++)
    if (strlen(v->with[k]) == len && !strncmp(v->with[k], attr, len))
      return (long)k;
  return -1;
}

/* The column of byte offset off in t, counting UTF-8 characters. */
static im_spec_pos pos_at(const im_tmpl *t, size_t off) {
  im_spec_pos p = t->pos;
  for (size_t i = 0; i < off; i++)
    if (((unsigned char)t->text[i] & 0xc0) != 0x80)
      p.column++;
  return p;
}

static im_status tmpl_fail(const im_tmpl *t, size_t off, im_error *err, const char *fmt, const char *a, const char *b) {
  im_spec_pos p = pos_at(t, off);
  return im_error_set(err, IM_STATUS_INPUT, t->file, p.line, p.column, fmt, a, b);
}

im_status im_tmpl_check(const im_manifest *m, const im_tmpl *t, const char *what, im_error *err) {
  if (!t->text)
    return IM_STATUS_OK;
  const char *s = t->text;
  bool quoted = false; /* inside '...' of an expression */
  for (size_t i = 0; s[i]; i++) {
    if ((s[i] == '{' && s[i + 1] == '{') || (s[i] == '}' && s[i + 1] == '}')) {
      i++;
      continue;
    }
    if (t->expr && s[i] == '\'')
      quoted = !quoted; /* '' inside a string turns it off and on again */
    placeholder q;
    if (s[i] == '{' && quoted && read_placeholder(s + i, &q)) {
      char name[128];
      snprintf(name, sizeof name, "%.*s", (int)(q.len - 2 < 100 ? q.len - 2 : 100), s + i + 1);
      return tmpl_fail(t, i, err,
                       "a value inside quotes could end them and rewrite the filter; each value goes in as one "
                       "literal by itself: write {%s}, not '{%s}'",
                       name, name);
    }
    if (s[i] == '}')
      return tmpl_fail(t, i, err, "%s: a '}' with no '{' (write }} for a brace)%s", what, "");
    if (s[i] != '{')
      continue;
    placeholder p;
    if (!read_placeholder(s + i, &p))
      return tmpl_fail(t, i, err, "%s: '{' is not closed (write {{ for a brace)%s", what, "");
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(p.name_len < 100 ? p.name_len : 100), p.name);
    size_t vi;
    const im_batch_var *v = find_var(m, p.name, p.name_len, &vi);
    if (!v) {
      const char **names = im_malloc_array(m->nvars + 1, sizeof *names);
      if (!names)
        return im_error_set(err, IM_STATUS_INTERNAL, t->file, 0, 0, "out of memory");
      char list[512] = "";
      for (size_t k = 0; k < m->nvars; k++) {
        names[k] = m->vars[k].name;
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s%s", k ? ", " : "", names[k]);
      }
      const char *near = im_suggest(name, names, m->nvars);
      im_status st = near ? tmpl_fail(t, i + 1, err, "unknown variable '%s' (did you mean '%s'?)", name, near)
                     : m->nvars
                         ? tmpl_fail(t, i + 1, err, "unknown variable '%s' (the matrix has: %s)", name, list)
                         : tmpl_fail(t, i + 1, err, "unknown variable '%s' (the manifest has no matrix:)%s", name, "");
      free(names);
      return st;
    }
    if (p.attr && find_attr(v, p.attr, p.attr_len) < 0) {
      char attr[128];
      snprintf(attr, sizeof attr, "%.*s", (int)(p.attr_len < 100 ? p.attr_len : 100), p.attr);
      return tmpl_fail(t, (size_t)(p.attr - s), err,
                       "'%s' is not among the attributes of '%s' (list it under with: of its from:)", attr, name);
    }
    for (const char *f = p.filters; f && f < p.filters + p.filters_len;) {
      const char *next = memchr(f + 1, '|', (size_t)(p.filters + p.filters_len - f - 1));
      size_t flen = (size_t)((next ? next : p.filters + p.filters_len) - f - 1);
      int k;
      for (k = 0; filters[k]; k++)
        if (strlen(filters[k]) == flen && !strncmp(filters[k], f + 1, flen))
          break;
      if (!filters[k]) {
        char fname[64];
        snprintf(fname, sizeof fname, "%.*s", (int)(flen < 40 ? flen : 40), f + 1);
        return tmpl_fail(t, (size_t)(f + 1 - s), err, "unknown filter '%s' (%s: lower, upper, slug, quote)", fname,
                         "known");
      }
      f = next;
    }
    i += p.len - 1;
  }
  return IM_STATUS_OK;
}

/* Lower case ASCII letters and digits, other runs a single '-'; accents
 * are dropped first (Perú -> peru). */
static char *slugify(const char *s) {
  char *ascii = g_str_to_ascii(s, "C");
  if (!ascii)
    return NULL;
  size_t n = 0;
  bool dash = false;
  for (const char *p = ascii; *p; p++) {
    if (isalnum((unsigned char)*p)) {
      if (dash && n)
        ascii[n++] = '-';
      ascii[n++] = (char)tolower((unsigned char)*p);
      dash = false;
    } else {
      dash = true;
    }
  }
  ascii[n] = '\0';
  char *out = im_strdup(ascii);
  g_free(ascii);
  return out;
}

static char *quote(const char *s) {
  size_t n = 3;
  for (const char *p = s; *p; p++)
    n += *p == '\'' ? 2 : 1;
  char *out = malloc(n), *o = out;
  if (!out)
    return NULL;
  *o++ = '\'';
  for (const char *p = s; *p; p++) {
    *o++ = *p;
    if (*p == '\'')
      *o++ = '\'';
  }
  *o++ = '\'';
  *o = '\0';
  return out;
}

static char *apply_filter(const char *name, size_t len, const char *s) {
  if (len == 5 && !strncmp(name, "lower", 5)) {
    char *g = g_utf8_strdown(s, -1), *out = im_strdup(g);
    g_free(g);
    return out;
  }
  if (len == 5 && !strncmp(name, "upper", 5)) {
    char *g = g_utf8_strup(s, -1), *out = im_strdup(g);
    g_free(g);
    return out;
  }
  if (len == 4 && !strncmp(name, "slug", 4))
    return slugify(s);
  return quote(s);
}

static bool append(char **buf, size_t *len, size_t *cap, const char *s, size_t n) {
  if (!im_grow((void **)buf, cap, *len + n + 1, 1))
    return false;
  memcpy(*buf + *len, s, n);
  *len += n;
  (*buf)[*len] = '\0';
  return true;
}

/* The value a placeholder stands for in job (checked: it exists). */
static char *placeholder_value(const im_manifest *m, const placeholder *p, const im_batch_job *job) {
  size_t vi = 0;
  const im_batch_var *v = find_var(m, p->name, p->name_len, &vi);
  const char *value = job->params[vi].value;
  if (p->attr) {
    long k = find_attr(v, p->attr, p->attr_len);
    size_t i = 0;
    while (i < v->nvalues && v->values[i] != value)
      i++;
    value = i < v->nvalues && v->attrs[i * v->nwith + (size_t)k] ? v->attrs[i * v->nwith + (size_t)k] : "";
  }
  char *cur = im_strdup(value);
  for (const char *f = p->filters; cur && f && f < p->filters + p->filters_len;) {
    const char *next = memchr(f + 1, '|', (size_t)(p->filters + p->filters_len - f - 1));
    size_t flen = (size_t)((next ? next : p->filters + p->filters_len) - f - 1);
    char *out = apply_filter(f + 1, flen, cur);
    free(cur);
    cur = out;
    f = next;
  }
  return cur;
}

/* A number or an ISO date (YYYY-MM, YYYY-MM-DD) as the filter language
 * writes them bare; anything else is a string. */
static bool bare_literal(const char *v) {
  size_t i = v[0] == '-', digits = strspn(v + i, "0123456789");
  if (digits && !v[i + digits])
    return true;
  if (digits && v[i + digits] == '.' && strspn(v + i + digits + 1, "0123456789") &&
      !v[i + digits + 1 + strspn(v + i + digits + 1, "0123456789")])
    return true;
  size_t n = strlen(v);
  return (n == 7 || n == 10) && strspn(v, "0123456789") == 4 && v[4] == '-' && strspn(v + 5, "0123456789") == 2 &&
         (n == 7 || (v[7] == '-' && strspn(v + 8, "0123456789") == 2));
}

/* A value of an expression template as one literal of the filter
 * language, whatever it holds: a data value "PER' or country != 'x" must
 * not rewrite the filter. {name|quote} is one already. */
static char *expr_literal(const placeholder *p, char *value) {
  bool quoted = p->filters_len >= 6 && !strncmp(p->filters + p->filters_len - 6, "|quote", 6);
  if (!value || quoted || bare_literal(value))
    return value;
  char *q = quote(value);
  free(value);
  return q;
}

char *im_tmpl_expand(const im_manifest *m, const im_tmpl *t, const im_batch_job *job) {
  size_t len = 0, cap = 0;
  char *buf = NULL;
  if (!append(&buf, &len, &cap, "", 0))
    return NULL;
  const char *s = t->text;
  for (size_t i = 0; s[i]; i++) {
    if ((s[i] == '{' && s[i + 1] == '{') || (s[i] == '}' && s[i + 1] == '}')) {
      if (!append(&buf, &len, &cap, s + i, 1))
        goto oom;
      i++;
      continue;
    }
    if (s[i] != '{') {
      if (!append(&buf, &len, &cap, s + i, 1))
        goto oom;
      continue;
    }
    placeholder p;
    read_placeholder(s + i, &p); /* checked when the manifest was read */
    char *value = placeholder_value(m, &p, job);
    if (t->expr)
      value = expr_literal(&p, value);
    bool ok = value && append(&buf, &len, &cap, value, strlen(value));
    free(value);
    if (!ok)
      goto oom;
    i += p.len - 1;
  }
  return buf;
oom:
  free(buf);
  return NULL;
}

/* ---- values from data ---- */

typedef struct {
  const char *value;
  size_t feature;
} seen_value;

static int cmp_seen(const void *a, const void *b) {
  const seen_value *x = a, *y = b;
  int c = strcmp(x->value, y->value);
  return c ? c : (x->feature > y->feature) - (x->feature < y->feature);
}

im_status im_batch_var_from_data(im_batch_var *v, const char *manifest, const char *path, const char *field,
                                 im_spec_pos field_pos, const char *where, im_spec_pos where_pos, im_error *err) {
  im_layer *layer = NULL;
  im_filter *filter = NULL;
  seen_value *seen = NULL;
  im_status st = im_layer_load(path, NULL, &layer, err);
  if (st)
    return st;
  long fi = im_layer_field_index(layer, field);
  if (fi < 0) {
    st = im_field_error(layer, field, manifest, field_pos, NULL, err);
    goto done;
  }
  long *with = calloc(v->nwith + 1, sizeof *with);
  if (!with)
    goto oom;
  for (size_t k = 0; k < v->nwith; k++)
    if ((with[k] = im_layer_field_index(layer, v->with[k])) < 0) {
      free(with);
      st = im_field_error(layer, v->with[k], manifest, field_pos, NULL, err);
      goto done;
    }
  if (where && ((st = im_filter_parse(where, manifest, where_pos.line, where_pos.column, &filter, err)) ||
                (st = im_filter_bind(filter, layer->fields, layer->nfields, layer->path, err)))) {
    free(with);
    goto done;
  }
  size_t n = 0;
  if (!(seen = im_malloc_array(layer->nfeatures + 1, sizeof *seen))) {
    free(with);
    goto oom;
  }
  for (size_t i = 0; i < layer->nfeatures; i++) {
    char **vals = layer->features[i].values;
    if (vals && vals[fi] && *vals[fi] && (!filter || im_filter_eval(filter, vals)))
      seen[n++] = (seen_value){vals[fi], i};
  }
  qsort(seen, n, sizeof *seen, cmp_seen);
  size_t distinct = 0;
  for (size_t i = 0; i < n; i++)
    if (!i || strcmp(seen[i].value, seen[i - 1].value))
      seen[distinct++] = seen[i];
  if (!distinct) {
    free(with);
    st = im_error_set(err, IM_STATUS_INPUT, manifest, field_pos.line, field_pos.column,
                      "%s has no values of '%s'%s: the matrix variable '%s' would be empty", path, field,
                      where ? " where the condition holds" : "", v->name);
    goto done;
  }
  if (distinct > MAX_VALUES) {
    free(with);
    st = im_error_set(err, IM_STATUS_INPUT, manifest, field_pos.line, field_pos.column,
                      "'%s' has %zu distinct values in %s, more than %d", field, distinct, path, MAX_VALUES);
    goto done;
  }
  v->values = calloc(distinct, sizeof *v->values);
  v->attrs = v->nwith ? calloc(distinct * v->nwith, sizeof *v->attrs) : NULL;
  bool ok = v->values && (!v->nwith || v->attrs);
  for (size_t i = 0; ok && i < distinct; i++) {
    ok = (v->values[i] = im_strdup(seen[i].value)) != NULL;
    v->nvalues = i + 1;
    char **vals = layer->features[seen[i].feature].values;
    for (size_t k = 0; ok && k < v->nwith; k++)
      ok = !vals[with[k]] || (v->attrs[i * v->nwith + k] = im_strdup(vals[with[k]]));
  }
  free(with);
  if (!ok)
    goto oom;
done:
  free(seen);
  im_filter_free(filter);
  im_layer_free(layer);
  return st;
oom:
  st = im_error_set(err, IM_STATUS_INTERNAL, manifest, 0, 0, "out of memory");
  goto done;
}

/* ---- ranges ---- */

static int days_in_month(int y, int mo) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return mo == 2 && leap ? 29 : days[mo - 1];
}

/* 1 a whole number, 2 YYYY-MM, 3 YYYY-MM-DD; 0 none of them. */
static int range_kind(const char *s, long *n, int *y, int *mo, int *d) {
  int len = 0;
  if (sscanf(s, "%4d-%2d-%2d%n", y, mo, d, &len) == 3 && len == 10 && !s[len])
    return *mo >= 1 && *mo <= 12 && *d >= 1 && *d <= days_in_month(*y, *mo) ? 3 : 0;
  if (sscanf(s, "%4d-%2d%n", y, mo, &len) == 2 && len == 7 && !s[len])
    return *mo >= 1 && *mo <= 12 ? 2 : 0;
  char *end;
  errno = 0;
  *n = strtol(s, &end, 10);
  return end != s && !*end && !errno && labs(*n) < 1000000000L ? 1 : 0;
}

im_status im_batch_var_from_range(im_batch_var *v, const char *manifest, const char *first, im_spec_pos first_pos,
                                  const char *last, im_spec_pos last_pos, im_error *err) {
  long n0 = 0, n1 = 0;
  int y0 = 0, m0 = 0, d0 = 0, y1 = 0, m1 = 0, d1 = 0;
  int k0 = range_kind(first, &n0, &y0, &m0, &d0), k1 = range_kind(last, &n1, &y1, &m1, &d1);
  static const char what[] = "a range runs over months (2021-01), days (2021-01-01) or whole numbers (2019), not '%s'";
  if (!k0)
    return im_error_set(err, IM_STATUS_INPUT, manifest, first_pos.line, first_pos.column, what, first);
  if (!k1)
    return im_error_set(err, IM_STATUS_INPUT, manifest, last_pos.line, last_pos.column, what, last);
  if (k0 != k1)
    return im_error_set(err, IM_STATUS_INPUT, manifest, last_pos.line, last_pos.column,
                        "the range's ends must be of one kind: '%s' and '%s' are not", first, last);
  if (strcmp(first, last) > 0 && k0 > 1)
    return im_error_set(err, IM_STATUS_INPUT, manifest, last_pos.line, last_pos.column,
                        "the range ends (%s) before it starts (%s)", last, first);
  if (k0 == 1 && n1 < n0)
    return im_error_set(err, IM_STATUS_INPUT, manifest, last_pos.line, last_pos.column,
                        "the range ends (%ld) before it starts (%ld)", n1, n0);
  for (int pass = 0; pass < 2; pass++) {
    size_t count = 0;
    int y = y0, mo = m0, d = d0;
    long num = n0;
    for (;;) {
      if (count >= MAX_VALUES)
        return im_error_set(err, IM_STATUS_INPUT, manifest, last_pos.line, last_pos.column,
                            "the range from %s to %s has more than %d values", first, last, MAX_VALUES);
      if (pass) {
        char buf[32];
        if (k0 == 1)
          snprintf(buf, sizeof buf, "%ld", num);
        else if (k0 == 2)
          snprintf(buf, sizeof buf, "%04d-%02d", y, mo);
        else
          snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, mo, d);
        if (!(v->values[count] = im_strdup(buf)))
          return im_error_set(err, IM_STATUS_INTERNAL, manifest, 0, 0, "out of memory");
        v->nvalues = count + 1;
      }
      count++;
      if (k0 == 1 ? num == n1 : y == y1 && mo == m1 && (k0 == 2 || d == d1))
        break;
      if (k0 == 1) {
        num++;
        continue;
      }
      if (k0 == 3 && d < days_in_month(y, mo)) {
        d++;
        continue;
      }
      d = 1;
      if (++mo > 12) {
        mo = 1;
        y++;
      }
    }
    if (!pass && !(v->values = calloc(count, sizeof *v->values)))
      return im_error_set(err, IM_STATUS_INTERNAL, manifest, 0, 0, "out of memory");
  }
  return IM_STATUS_OK;
}

/* ---- extents from features ---- */

static int cmp_bbox(const void *a, const void *b) {
  return strcmp(((const im_batch_bbox *)a)->value, ((const im_batch_bbox *)b)->value);
}

im_status im_batch_index_extent(im_manifest *m, im_error *err) {
  im_layer *layer = NULL;
  im_geo_ctx *geo = NULL;
  im_crs *src = NULL, *geog = NULL;
  im_transform *tr = NULL;
  im_status st = im_layer_load(m->ext_source, NULL, &layer, err);
  if (st)
    return st;
  long fi = im_layer_field_index(layer, m->ext_field);
  if (fi < 0) {
    st = im_field_error(layer, m->ext_field, m->path, m->ext_field_pos, NULL, err);
    goto done;
  }
  if (!(geo = im_geo_ctx_create()))
    goto oom;
  if ((st =
           im_crs_create(geo, layer->crs_definition, layer->crs_file ? layer->crs_file : layer->path, 0, 0, &src, err)))
    goto done;
  if (!im_crs_is_geographic(src) &&
      ((st = im_crs_geographic(geo, src, &geog, err)) || (st = im_transform_create(geo, src, geog, &tr, err))))
    goto done;
  if (!(m->bboxes = im_malloc_array(layer->nfeatures + 1, sizeof *m->bboxes)))
    goto oom;
  for (size_t i = 0; i < layer->nfeatures; i++) {
    const im_feature *f = &layer->features[i];
    if (!f->values || !f->values[fi] || !f->geom.npoints)
      continue;
    im_bbox b = im_geom_bbox(&f->geom);
    double box[4] = {b.minx, b.miny, b.maxx, b.maxy};
    if (tr && !im_transform_bounds(tr, box, box))
      continue;
    im_batch_bbox *e = &m->bboxes[m->nbboxes];
    if (!(e->value = im_strdup(f->values[fi])))
      goto oom;
    m->nbboxes++;
    e->west = box[0], e->south = box[1], e->east = box[2], e->north = box[3];
  }
  /* One box per value: the union of its features' (a country in parts). */
  qsort(m->bboxes, m->nbboxes, sizeof *m->bboxes, cmp_bbox);
  size_t n = 0;
  for (size_t i = 0; i < m->nbboxes; i++) {
    im_batch_bbox *e = &m->bboxes[i];
    if (n && !strcmp(m->bboxes[n - 1].value, e->value)) {
      im_batch_bbox *u = &m->bboxes[n - 1];
      u->west = fmin(u->west, e->west), u->south = fmin(u->south, e->south);
      u->east = fmax(u->east, e->east), u->north = fmax(u->north, e->north);
      free(e->value);
    } else {
      m->bboxes[n++] = *e;
    }
  }
  m->nbboxes = n;
done:
  im_transform_free(tr);
  im_crs_free(geog);
  im_crs_free(src);
  im_geo_ctx_free(geo);
  im_layer_free(layer);
  return st;
oom:
  st = im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
  goto done;
}

/* ---- jobs ---- */

static char *join(const char *root, const char *rel) {
  if (rel[0] == '/' || !strcmp(root, "."))
    return im_strdup(rel);
  size_t n = strlen(root) + strlen(rel) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", rel);
  return p;
}

static bool climbs_out(const char *path) {
  for (const char *c = path; *c;) {
    size_t len = strcspn(c, "/");
    if (len == 2 && c[0] == '.' && c[1] == '.')
      return true;
    c += len;
    c += *c == '/';
  }
  return false;
}

/* "actor=China, month=2021-12" for messages. */
static void describe(const im_batch_job *job, char *buf, size_t size) {
  buf[0] = '\0';
  for (size_t i = 0; i < job->nparams; i++) {
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, "%s%s=%s", i ? ", " : "", job->params[i].name, job->params[i].value);
  }
  if (!job->nparams)
    snprintf(buf, size, "the only entry");
}

static int cmp_job_path(const void *a, const void *b) {
  const im_batch_job *const *x = a, *const *y = b;
  int c = strcmp((*x)->path, (*y)->path);
  return c ? c : ((*x)->index > (*y)->index) - ((*x)->index < (*y)->index);
}

static im_status check_job(im_manifest *m, im_batch_job *job, im_error *err) {
  const im_tmpl *t = &m->output;
  char who[512];
  describe(job, who, sizeof who);
  if (!m->allow_outside && (job->output[0] == '/' || climbs_out(job->output)))
    return im_error_set(err, IM_STATUS_INPUT, t->file, t->pos.line, t->pos.column,
                        "output '%s' (%s) is outside the output folder; use a relative path without '..' "
                        "(or --allow-outside)",
                        job->output, who);
  if (!*job->output || job->output[strlen(job->output) - 1] == '/')
    return im_error_set(err, IM_STATUS_INPUT, t->file, t->pos.line, t->pos.column,
                        "output '%s' (%s) is not a file name", job->output, who);
  if ((job->format = im_format_from_path(job->output)) == IM_FORMAT_AUTO)
    return im_error_set(err, IM_STATUS_INPUT, t->file, t->pos.line, t->pos.column,
                        "output '%s' (%s) does not end in .png, .svg or .pdf", job->output, who);
  if (job > m->jobs && !strcmp(job[-1].base, job->base))
    return IM_STATUS_OK;
  if (!im_yaml_file_exists(job->base))
    return im_error_set(err, IM_STATUS_INPUT, m->base.file, m->base.pos.line, m->base.pos.column,
                        "base spec '%s' (%s) not found (looked beside the manifest and in the current folder)",
                        job->base, who);
  return IM_STATUS_OK;
}

/* Whether real (a resolved path) is root or below it. */
static bool below(const char *real, const char *root) {
  size_t n = strlen(root);
  if (n == 1 && root[0] == '/')
    return true;
  return !strncmp(real, root, n) && (real[n] == '/' || !real[n]);
}

im_status im_batch_check_real_output(const im_manifest *m, const im_batch_job *job, im_error *err) {
  if (m->allow_outside)
    return IM_STATUS_OK;
  char root[PATH_MAX], real[PATH_MAX];
  if (!realpath(m->lock_dir, root))
    return im_error_set(err, IM_STATUS_IO, m->lock_dir, 0, 0, "cannot resolve the output folder: %s", strerror(errno));
  /* The deepest folder of the output that exists, with every link on the
   * way followed; those below it are made inside it. */
  char *dir = im_strdup(job->path);
  if (!dir)
    return im_error_set(err, IM_STATUS_INTERNAL, job->path, 0, 0, "out of memory");
  bool found = false;
  for (char *slash; !found && (slash = strrchr(dir, '/'));) {
    *slash = '\0';
    found = realpath(*dir ? dir : "/", real) != NULL;
  }
  if (!found)
    found = realpath(".", real) != NULL;
  free(dir);
  if (found && below(real, root))
    return IM_STATUS_OK;
  char who[512];
  describe(job, who, sizeof who);
  const im_tmpl *t = &m->output;
  return im_error_set(err, IM_STATUS_INPUT, t->file, t->pos.line, t->pos.column,
                      "output '%s' (%s) leads outside the output folder through a symbolic link (its folder is %s); "
                      "remove the link (or --allow-outside)",
                      job->output, who, found ? real : "not found");
}

static im_status check_duplicates(im_manifest *m, im_error *err) {
  const im_batch_job **order = im_malloc_array(m->njobs + 1, sizeof *order);
  if (!order)
    return im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
  for (size_t i = 0; i < m->njobs; i++)
    order[i] = &m->jobs[i];
  qsort(order, m->njobs, sizeof *order, cmp_job_path);
  im_status st = IM_STATUS_OK;
  for (size_t i = 1; i < m->njobs && !st; i++)
    if (!strcmp(order[i - 1]->path, order[i]->path)) {
      char a[400], b[400];
      describe(order[i - 1], a, sizeof a);
      describe(order[i], b, sizeof b);
      st = im_error_set(err, IM_STATUS_INPUT, m->output.file, m->output.pos.line, m->output.pos.column,
                        "entries (%s) and (%s) both write '%s': put every variable that changes the map in output", a,
                        b, order[i]->path);
    }
  free(order);
  return st;
}

/* The output template's leading folders without variables. */
static char *fixed_folder(const im_manifest *m) {
  const char *t = m->output.text;
  size_t fixed = strcspn(t, "{}");
  size_t dir = 0;
  for (size_t i = 0; i < fixed; i++)
    if (t[i] == '/')
      dir = i;
  char *rel = im_strndup(t, dir ? dir : (t[0] == '/' ? 1 : 0));
  if (!rel)
    return NULL;
  char *p = *rel ? join(m->out_root, rel) : im_strdup(m->out_root);
  free(rel);
  return p;
}

im_status im_batch_expand(im_manifest *m, im_error *err) {
  size_t total = 1;
  for (size_t i = 0; i < m->nvars; i++)
    if (im_mul_overflows(total, m->vars[i].nvalues, &total) || total > MAX_JOBS)
      return im_error_set(err, IM_STATUS_INPUT, m->path, m->vars[i].pos.line, m->vars[i].pos.column,
                          "the matrix has more than %d combinations", MAX_JOBS);
  if (!(m->jobs = calloc(total, sizeof *m->jobs)) || !(m->lock_dir = fixed_folder(m)))
    return im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
  for (size_t j = 0; j < total; j++) {
    im_batch_job *job = &m->jobs[m->njobs++];
    job->index = j;
    if (!(job->params = calloc(m->nvars ? m->nvars : 1, sizeof *job->params)))
      return im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
    job->nparams = m->nvars;
    /* The last variable changes fastest, like nested loops in the order
     * written. */
    size_t rest = j;
    for (size_t i = m->nvars; i-- > 0;) {
      const im_batch_var *v = &m->vars[i];
      job->params[i] = (im_batch_param){v->name, v->values[rest % v->nvalues]};
      rest /= v->nvalues;
    }
    char *base = im_tmpl_expand(m, &m->base, job);
    job->output = im_tmpl_expand(m, &m->output, job);
    job->base = base ? im_yaml_resolve_path(m->path, base) : NULL;
    free(base);
    job->path = job->output ? join(m->out_root, job->output) : NULL;
    if (!job->output || !job->path || !job->base)
      return im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
    job->hash = im_batch_hash(job->output);
    im_status st = check_job(m, job, err);
    if (st)
      return st;
  }
  return check_duplicates(m, err);
}
