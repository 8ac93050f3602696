/* Expressions where a field is named, computed into fields of their own
 * (computed-private.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "label/labels-private.h"
#include "render/computed-private.h"
#include "render/style-resolve-private.h"
#include "spec/filter-private.h"

/* An expression and where it is written. */
typedef struct {
  char *text;
  const char *file;
  int line, column;
} wanted;

typedef struct {
  const im_layer *layer;
  wanted *w;
  size_t n, cap;
  bool oom;
} wants;

/* Reads as an expression rather than a (misspelt) field name. */
static bool looks_computed(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strchr("+-*/%|(',", s[i]))
      return true;
  return false;
}

static void want(wants *ws, const char *s, size_t n, const char *file, int line, int column) {
  if (!s || !n || !looks_computed(s, n))
    return;
  char *text = im_strndup(s, n);
  if (!text) {
    ws->oom = true;
    return;
  }
  bool known = im_layer_field_index(ws->layer, text) >= 0;
  for (size_t i = 0; i < ws->n && !known; i++)
    known = !strcmp(ws->w[i].text, text);
  if (known || !im_grow((void **)&ws->w, &ws->cap, ws->n + 1, sizeof *ws->w)) {
    ws->oom |= !known;
    free(text);
    return;
  }
  ws->w[ws->n++] = (wanted){text, file, line, column};
}

/* Each {...} of a label template (placed as im_label_template_check
 * places its faults, which reports a brace without its pair). */
static void want_template(wants *ws, const char *tmpl, const char *file, im_spec_pos pos) {
  const char *name;
  size_t len;
  bool closed;
  for (const char *p = tmpl; (p = im_label_template_next(p, &name, &len, &closed)) && closed;)
    want(ws, name, len, file, pos.line, im_label_template_column(tmpl, name, pos.column));
}

/* Where a label's text is written: its own place when known, else the
 * style's. */
static const char *at(const struct im_label_at *a, const char *file, im_spec_pos *pos) {
  if (!a->line)
    return file;
  *pos = (im_spec_pos){a->line, a->column};
  return a->file;
}

static void want_style(wants *ws, const im_style *st, const char *file, im_spec_pos pos) {
  im_spec_pos p = pos;
  const char *f = at(&st->label.text_at, file, &p);
  want_template(ws, st->label.text, f, p);
  p = pos;
  f = at(&st->label.short_at, file, &p);
  want_template(ws, st->label.short_text, f, p);
  double fixed;
  p = pos;
  f = at(&st->label.priority_at, file, &p);
  if (st->label.priority && !im_label_priority_number(st->label.priority, &fixed))
    want(ws, st->label.priority, strlen(st->label.priority), f, p.line, p.column);
}

/* Whether v's result is a number whatever its inputs (for a layer read
 * without features, whose values say nothing). */
static bool numeric(const im_fvalue *v) {
  if (v->kind == IM_FV_SUM || v->kind == IM_FV_PRODUCT || v->kind == IM_FV_NEG)
    return true;
  if (v->kind != IM_FV_CALL)
    return v->kind == IM_FV_LEAF && !v->leaf.is_field && v->leaf.kind == IM_FLIT_NUMBER;
  switch (v->fn) {
  case IM_FN_LENGTH:
  case IM_FN_ROUND:
  case IM_FN_ABS:
  case IM_FN_FLOOR:
  case IM_FN_CEIL:
  case IM_FN_NUMBER:
  case IM_FN_YEAR:
  case IM_FN_MONTH:
  case IM_FN_DAY:
  case IM_FN_DAYS_BETWEEN:
    return true;
  default:
    return false;
  }
}

/* Computes w for every feature of layer into values[i * stride], and its
 * type into *field. */
static im_status compute(const wanted *w, const im_layer *layer, char **values, size_t stride, im_field *field,
                         im_error *err) {
  im_filter *f = NULL;
  im_status st = im_filter_parse_value(w->text, w->file, w->line, w->column, &f, err);
  if (!st)
    st = im_filter_bind(f, layer->fields, layer->nfields, layer->path, err);
  if (st) {
    im_filter_free(f);
    return st;
  }
  char scratch[IM_FARENA_STACK];
  bool any_number = false, other = false, whole = true;
  for (size_t i = 0; i < layer->nfeatures; i++) {
    im_farena a = {scratch, sizeof scratch, 0};
    im_fval v = layer->features[i].values ? im_fvalue_eval(f->value, layer->features[i].values, &a)
                                          : (im_fval){.t = IM_FVAL_NULL};
    const char *t = im_fval_text(v, &a);
    if (!t)
      continue;
    if (v.t == IM_FVAL_NUM) {
      any_number = true;
      whole &= v.num > -1e15 && v.num < 1e15 && v.num == floor(v.num);
    } else {
      other = true;
    }
    if (!(values[i * stride] = im_strdup(t))) {
      im_filter_free(f);
      return im_error_set(err, IM_STATUS_INTERNAL, layer->path, 0, 0, "out of memory");
    }
  }
  bool number = other ? false : any_number ? true : numeric(f->value);
  field->type = !number ? IM_FIELD_STRING : any_number && whole ? IM_FIELD_INTEGER : IM_FIELD_DOUBLE;
  field->width = number ? 24 : 254;
  field->decimals = field->type == IM_FIELD_DOUBLE ? 6 : 0;
  im_filter_free(f);
  return IM_STATUS_OK;
}

im_status im_render_computed(const im_map *map, const im_layer_style *ls, im_layer **layer, im_error *err) {
  wants ws = {.layer = *layer};
  want_style(&ws, &ls->style, map->path, ls->pos);
  for (size_t i = 0; i < ls->nrules; i++)
    want_style(&ws, &ls->rules[i].style, map->path, ls->rules[i].pos);
  if (ls->z_field)
    want(&ws, ls->z_field, strlen(ls->z_field), map->path, ls->z_pos.line, ls->z_pos.column);
  const char *size = ls->style.marker_scale.field;
  if (size)
    want(&ws, size, strlen(size), ls->style.marker_scale.file ? ls->style.marker_scale.file : map->path,
         ls->style.marker_scale.pos.line, ls->style.marker_scale.pos.column);
  for (size_t c = 0; c < ls->nclasses; c++) {
    const im_classes *cl = &ls->classes[c];
    want(&ws, cl->field, cl->field ? strlen(cl->field) : 0, cl->file, cl->field_pos.line, cl->field_pos.column);
    for (size_t i = 0; i < cl->nvalues; i++)
      want_style(&ws, &cl->values[i].style, cl->file, cl->values[i].pos);
  }
  im_layer *base = *layer;
  size_t n = ws.n, nf = base->nfeatures;
  im_field *fields = calloc(n + 1, sizeof *fields);
  char **values = calloc(nf * n + 1, sizeof *values);
  im_status st = ws.oom || !fields || !values ? im_error_set(err, IM_STATUS_INTERNAL, base->path, 0, 0, "out of memory")
                                              : IM_STATUS_OK;
  for (size_t k = 0; k < n && !st; k++) {
    fields[k].name = ws.w[k].text;
    st = compute(&ws.w[k], base, values + k, n, &fields[k], err);
  }
  if (!st && n) {
    im_layer *extended = im_layer_extend(base, fields, n, values);
    values = NULL; /* taken */
    if (!extended) {
      *layer = NULL; /* taken, and released, by im_layer_extend */
      st = im_error_set(err, IM_STATUS_INTERNAL, ls->source, 0, 0, "out of memory");
    } else {
      *layer = extended;
    }
  }
  for (size_t j = 0; values && j < nf * n; j++)
    free(values[j]);
  free(values);
  free(fields);
  for (size_t k = 0; k < ws.n; k++)
    free(ws.w[k].text);
  free(ws.w);
  return st;
}
