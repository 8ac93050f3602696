/* A layer's where:, rules: and classes:. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "influmap/classify.h"
#include "influmap/filter.h"
#include "spec/spec-private.h"

im_status im_spec_read_where(im_spec_ctx *c, struct fy_node *v, im_where *w) {
  im_where_clear(w);
  if (im_yaml_string(&c->r, v, "where", &w->text))
    return IM_STATUS_INPUT;
  w->file = c->r.file;
  w->pos = im_yaml_pos(v);
  return im_filter_parse(w->text, w->file, w->pos.line, w->pos.column, &w->filter, c->r.err);
}

void im_where_clear(im_where *w) {
  im_filter_free(w->filter);
  free(w->text);
  memset(w, 0, sizeof *w);
}

/* ---- rules ---- */

typedef struct {
  im_spec_ctx *c;
  im_rule *rule;
} rule_ctx;

static im_status rule_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  rule_ctx *rc = vctx;
  if (!strcmp(key, "where"))
    return im_spec_read_where(rc->c, v, &rc->rule->where);
  if (!strcmp(key, "min_scale"))
    return im_yaml_number(r, v, "min_scale", 0, 1e12, &rc->rule->min_scale);
  if (!strcmp(key, "max_scale"))
    return im_yaml_number(r, v, "max_scale", 0, 1e12, &rc->rule->max_scale);
  return im_spec_style_pair(rc->c, key, k, v, &rc->rule->style);
}

im_status im_spec_read_rules(im_spec_ctx *c, struct fy_node *v, im_layer_style *l) {
  struct fy_node *d = im_yaml_deref(v);
  if (!d || !fy_node_is_sequence(d))
    return im_yaml_fail(&c->r, v, "rules must be a list (each rule starting with '- ')");
  int n = fy_node_sequence_item_count(d);
  im_rule *grown = im_realloc_array(l->rules, l->nrules + (n > 0 ? (size_t)n : 1), sizeof *l->rules);
  if (!grown)
    return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
  l->rules = grown;
  memset(l->rules + l->nrules, 0, (n > 0 ? (size_t)n : 1) * sizeof *l->rules);
  static const char *const keys[] = {"where", "min_scale", "max_scale", IM_SPEC_STYLE_KEYS, NULL};
  void *it = NULL;
  struct fy_node *item;
  while ((item = fy_node_sequence_iterate(d, &it))) {
    im_rule *rule = &l->rules[l->nrules++];
    rule->pos = im_yaml_pos(item);
    rule_ctx rc = {c, rule};
    if (im_yaml_each_pair(&c->r, item, "a rule", keys, rule_pair, &rc))
      return IM_STATUS_INPUT;
    if (rule->min_scale && rule->max_scale && rule->min_scale > rule->max_scale)
      return im_yaml_fail(&c->r, item, "min_scale (%g) is more than max_scale (%g)", rule->min_scale, rule->max_scale);
  }
  return IM_STATUS_OK;
}

/* ---- classes ---- */

typedef struct {
  im_spec_ctx *c;
  im_classes *cl;
  bool categorical, graduated;
  struct fy_node *kind_node;
  struct fy_node *labels_node;
} classes_ctx;

static im_status read_values(im_spec_ctx *c, struct fy_node *v, im_classes *cl) {
  struct fy_node *d = im_yaml_deref(v);
  if (!d || !fy_node_is_mapping(d))
    return im_yaml_fail(&c->r, v, "values must map each value to a style, e.g. {port: {marker: triangle}}");
  int n = fy_node_mapping_item_count(d);
  cl->values = calloc(n > 0 ? (size_t)n : 1, sizeof *cl->values);
  if (!cl->values)
    return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(d, &it))) {
    struct fy_node *k = fy_node_pair_key(p);
    const char *value = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
    if (!value)
      return im_yaml_fail(&c->r, k, "class values must be plain values");
    im_class_style *cs = &cl->values[cl->nvalues++];
    cs->pos = im_yaml_pos(k);
    if (!(cs->value = im_strdup(value)))
      return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
    struct fy_node *sv = fy_node_pair_value(p);
    char what[160];
    snprintf(what, sizeof what, "the style of class '%.100s'", value);
    if (im_yaml_is_scalar(sv)) { /* China: "#d55e00" is a fill colour */
      cs->style.set |= IM_STYLE_FILL;
      if (im_yaml_color(&c->r, sv, what, &cs->style.fill))
        return IM_STATUS_INPUT;
    } else if (im_spec_read_style(c, sv, what, &cs->style)) {
      return IM_STATUS_INPUT;
    }
  }
  return IM_STATUS_OK;
}

/* labels: a list (graduated: one text per class, lowest first) or a
 * mapping (categorical: value to text). */
static im_status read_labels(im_spec_ctx *c, struct fy_node *v, im_classes *cl) {
  struct fy_node *d = im_yaml_deref(v);
  bool list = d && fy_node_is_sequence(d);
  if (!d || (!list && !fy_node_is_mapping(d)))
    return im_yaml_fail(&c->r, v,
                        "labels must be a list (graduated classes, lowest first: [\"None\", \"1\", \"2 or more\"]) "
                        "or map values to texts ({CHN: China})");
  int n = list ? fy_node_sequence_item_count(d) : fy_node_mapping_item_count(d);
  if (!(cl->labels = calloc(n > 0 ? (size_t)n : 1, sizeof *cl->labels)))
    return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
  void *it = NULL;
  for (int i = 0; i < n; i++) {
    struct fy_node *key = NULL, *text;
    if (list) {
      text = fy_node_sequence_iterate(d, &it);
    } else {
      struct fy_node_pair *p = fy_node_mapping_iterate(d, &it);
      key = fy_node_pair_key(p);
      text = fy_node_pair_value(p);
    }
    im_class_label *lb = &cl->labels[cl->nlabels++];
    if (key && im_yaml_string(&c->r, key, "class value", &lb->value))
      return IM_STATUS_INPUT;
    if (im_yaml_string(&c->r, text, "class label", &lb->text))
      return IM_STATUS_INPUT;
  }
  return IM_STATUS_OK;
}

/* format: {decimals: 1, unit: "%"}: how the legend writes graduated
 * bounds. */
static im_status format_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_classes *cl = vctx;
  if (!strcmp(key, "unit"))
    return im_yaml_string(r, v, "format unit", &cl->unit);
  double d;
  if (im_yaml_number(r, v, "format decimals", 0, 6, &d))
    return IM_STATUS_INPUT;
  cl->decimals = (int)d;
  return IM_STATUS_OK;
}

static im_status classes_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  classes_ctx *x = vctx;
  im_classes *cl = x->cl;
  if (!strcmp(key, "labels")) {
    x->labels_node = v;
    return read_labels(x->c, v, cl);
  }
  if (!strcmp(key, "format")) {
    static const char *const keys[] = {"decimals", "unit", NULL};
    return im_yaml_each_pair(r, v, "format", keys, format_pair, cl);
  }
  if (!strcmp(key, "no_data")) {
    cl->has_no_data = true;
    im_style_init_defaults(&cl->no_data);
    cl->no_data.set = 0;
    if (im_yaml_is_scalar(v)) { /* no_data: "#e0e0e0" is a fill colour */
      cl->no_data.set |= IM_STYLE_FILL;
      return im_yaml_color(r, v, "no_data", &cl->no_data.fill);
    }
    return im_spec_read_style(x->c, v, "the no_data style", &cl->no_data);
  }
  if (!strcmp(key, "field")) {
    cl->field_pos = im_yaml_pos(v);
    cl->file = r->file;
    return im_yaml_string(r, v, "classes field", &cl->field);
  }
  if (!strcmp(key, "apply")) {
    static const char *const applies[] = {"fill", "stroke", "both", NULL};
    int choice;
    if (im_yaml_choice(r, v, "apply", applies, &choice))
      return IM_STATUS_INPUT;
    cl->apply_fill = choice != 1;
    cl->apply_stroke = choice != 0;
    return IM_STATUS_OK;
  }
  bool categorical = !strcmp(key, "palette") || !strcmp(key, "values");
  if (categorical ? x->graduated : (x->categorical && strcmp(key, "reverse")))
    return im_yaml_fail(r, k,
                        "'%s' mixes categorical classes (palette, values) with graduated ones (ramp, method, "
                        "count, breaks)",
                        key);
  if (categorical)
    x->categorical = true;
  else if (strcmp(key, "reverse"))
    x->graduated = true;
  if (!strcmp(key, "palette")) {
    cl->palette_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "palette", &cl->palette);
  }
  if (!strcmp(key, "values"))
    return read_values(x->c, v, cl);
  if (!strcmp(key, "reverse"))
    return im_yaml_bool(r, v, "reverse", &cl->reverse);
  if (!strcmp(key, "ramp")) {
    if (im_yaml_string(r, v, "ramp", &cl->ramp))
      return IM_STATUS_INPUT;
    if (!im_ramp_exists(cl->ramp))
      return im_yaml_fail(
          r, v, "unknown ramp '%s' (ColorBrewer names such as YlOrRd, Blues, RdBu, or viridis, magma, inferno, plasma)",
          cl->ramp);
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "method")) {
    static const char *const methods[] = {"equal-interval", "quantile", "jenks", NULL};
    int choice;
    if (im_yaml_choice(r, v, "method", methods, &choice))
      return IM_STATUS_INPUT;
    cl->method = choice == 0 ? IM_BREAKS_EQUAL_INTERVAL : choice == 1 ? IM_BREAKS_QUANTILE : IM_BREAKS_JENKS;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "count")) {
    double n;
    if (im_yaml_number(r, v, "count", 2, 11, &n))
      return IM_STATUS_INPUT;
    cl->count = (size_t)n;
    return IM_STATUS_OK;
  }
  /* breaks: [0, 10, 100] */
  struct fy_node *d = im_yaml_deref(v);
  if (!d || !fy_node_is_sequence(d) || fy_node_sequence_item_count(d) < 2)
    return im_yaml_fail(r, v, "breaks must be a list of at least two ascending numbers");
  size_t n = (size_t)fy_node_sequence_item_count(d);
  free(cl->breaks);
  cl->nbreaks = 0;
  if (!(cl->breaks = im_malloc_array(n, sizeof *cl->breaks)))
    return im_error_set(r->err, IM_STATUS_INTERNAL, r->file, 0, 0, "out of memory");
  void *it = NULL;
  struct fy_node *item;
  while ((item = fy_node_sequence_iterate(d, &it))) {
    double b;
    if (im_yaml_number(r, item, "break", -1e300, 1e300, &b))
      return IM_STATUS_INPUT;
    if (cl->nbreaks && b <= cl->breaks[cl->nbreaks - 1])
      return im_yaml_fail(r, item, "breaks must ascend (%g after %g)", b, cl->breaks[cl->nbreaks - 1]);
    cl->breaks[cl->nbreaks++] = b;
  }
  cl->method = IM_BREAKS_GIVEN;
  return IM_STATUS_OK;
}

static im_status read_one_classes(im_spec_ctx *c, struct fy_node *v, im_classes *cl) {
  static const char *const keys[] = {"field", "palette", "values", "apply",   "ramp",   "reverse", "method",
                                     "count", "breaks",  "labels", "no_data", "format", NULL};
  cl->method = IM_BREAKS_QUANTILE;
  cl->count = 5;
  cl->decimals = -1;
  classes_ctx x = {.c = c, .cl = cl};
  if (im_yaml_each_pair(&c->r, v, "classes", keys, classes_pair, &x))
    return IM_STATUS_INPUT;
  if (!cl->field)
    return im_yaml_fail(&c->r, v, "classes need a field: the attribute that picks the class");
  if (x.graduated) {
    cl->kind = IM_CLASSES_GRADUATED;
    if (!cl->ramp && !cl->nvalues && !(cl->ramp = im_strdup("YlOrRd")))
      return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
    size_t k = cl->method == IM_BREAKS_GIVEN ? cl->nbreaks - 1 : cl->count;
    im_color tmp[16];
    if (cl->ramp && (k > 16 || !im_ramp_colors(cl->ramp, k < 3 ? 3 : k, false, tmp)))
      return im_yaml_fail(&c->r, v, "ramp %s has no %zu-class version", cl->ramp, k);
    if (cl->nlabels && cl->labels[0].value)
      return im_yaml_fail(&c->r, x.labels_node, "labels of graduated classes are a list, one per class, lowest first");
    if (cl->nlabels && cl->nlabels != k)
      return im_yaml_fail(&c->r, x.labels_node, "%zu labels for %zu classes", cl->nlabels, k);
  } else {
    cl->kind = IM_CLASSES_CATEGORICAL;
    if (cl->nlabels && !cl->labels[0].value)
      return im_yaml_fail(&c->r, x.labels_node,
                          "labels of categorical classes map each value to its text, e.g. {CHN: China}");
  }
  return IM_STATUS_OK;
}

/* classes: one classification, or a list applied in order (colour by
 * actor, then symbol by category, ...). */
im_status im_spec_read_classes(im_spec_ctx *c, struct fy_node *v, im_layer_style *l) {
  struct fy_node *d = im_yaml_deref(v);
  bool list = d && fy_node_is_sequence(d);
  size_t n = list ? (size_t)fy_node_sequence_item_count(d) : 1;
  im_classes *grown = im_realloc_array(l->classes, l->nclasses + n + 1, sizeof *l->classes);
  if (!grown)
    return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
  l->classes = grown;
  void *it = NULL;
  struct fy_node *item = list ? fy_node_sequence_iterate(d, &it) : v;
  for (; item; item = list ? fy_node_sequence_iterate(d, &it) : NULL) {
    im_classes *cl = &l->classes[l->nclasses++];
    memset(cl, 0, sizeof *cl);
    if (read_one_classes(c, item, cl))
      return IM_STATUS_INPUT;
  }
  return IM_STATUS_OK;
}

static bool copy_style(im_style *dst, const im_style *src) {
  memset(dst, 0, sizeof *dst);
  im_style_init_defaults(dst);
  dst->set = 0;
  return im_style_merge(dst, src);
}

im_status im_spec_copy_rules_classes(im_spec_ctx *c, const im_layer_style *from, im_layer_style *to) {
  im_error *err = c->r.err;
  if (from->nrules) {
    im_rule *grown = im_realloc_array(to->rules, to->nrules + from->nrules, sizeof *to->rules);
    if (!grown)
      return im_error_set(err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
    to->rules = grown;
    for (size_t i = 0; i < from->nrules; i++) {
      const im_rule *s = &from->rules[i];
      im_rule *d = &to->rules[to->nrules++];
      memset(d, 0, sizeof *d);
      d->min_scale = s->min_scale;
      d->max_scale = s->max_scale;
      d->pos = s->pos;
      if (!copy_style(&d->style, &s->style))
        return im_error_set(err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
      if (s->where.text) {
        /* A filter is bound to one layer's fields: each user gets its own,
         * parsed again from the same text and place. */
        d->where.file = s->where.file;
        d->where.pos = s->where.pos;
        if (!(d->where.text = im_strdup(s->where.text)))
          return im_error_set(err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
        if (im_filter_parse(d->where.text, d->where.file, d->where.pos.line, d->where.pos.column, &d->where.filter,
                            err))
          return IM_STATUS_INPUT;
      }
    }
  }
  if (from->nclasses) {
    im_classes *grown = im_realloc_array(to->classes, to->nclasses + from->nclasses, sizeof *to->classes);
    if (!grown)
      return im_error_set(err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
    to->classes = grown;
    for (size_t i = 0; i < from->nclasses; i++) {
      const im_classes *s = &from->classes[i];
      im_classes *d = &to->classes[to->nclasses++];
      *d = *s;
      d->field = im_strdup(s->field);
      d->palette = im_strdup(s->palette);
      d->ramp = im_strdup(s->ramp);
      d->unit = im_strdup(s->unit);
      if (s->unit && !d->unit)
        return im_error_set(err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
      d->breaks = s->nbreaks ? im_malloc_array(s->nbreaks, sizeof *d->breaks) : NULL;
      d->values = s->nvalues ? calloc(s->nvalues, sizeof *d->values) : NULL;
      d->nvalues = 0;
      d->labels = s->nlabels ? calloc(s->nlabels, sizeof *d->labels) : NULL;
      d->nlabels = 0;
      d->has_no_data = false;
      if (s->nlabels && !d->labels)
        return im_error_set(err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
      for (size_t k = 0; k < s->nlabels; k++) {
        im_class_label *lb = &d->labels[d->nlabels++];
        lb->value = im_strdup(s->labels[k].value);
        lb->text = im_strdup(s->labels[k].text);
        if ((s->labels[k].value && !lb->value) || !lb->text)
          return im_error_set(err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
      }
      if (s->has_no_data) {
        d->has_no_data = true;
        if (!copy_style(&d->no_data, &s->no_data))
          return im_error_set(err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
      }
      if ((s->field && !d->field) || (s->palette && !d->palette) || (s->ramp && !d->ramp) ||
          (s->nbreaks && !d->breaks) || (s->nvalues && !d->values))
        return im_error_set(err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
      if (s->nbreaks)
        memcpy(d->breaks, s->breaks, s->nbreaks * sizeof *d->breaks);
      for (size_t k = 0; k < s->nvalues; k++) {
        im_class_style *cs = &d->values[d->nvalues++];
        cs->pos = s->values[k].pos;
        if (!(cs->value = im_strdup(s->values[k].value)) || !copy_style(&cs->style, &s->values[k].style))
          return im_error_set(err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
      }
    }
  }
  return IM_STATUS_OK;
}

void im_layer_style_clear_rules_classes(im_layer_style *l) {
  for (size_t k = 0; k < l->nrules; k++) {
    im_where_clear(&l->rules[k].where);
    im_style_clear(&l->rules[k].style);
  }
  free(l->rules);
  l->rules = NULL;
  l->nrules = 0;
  for (size_t k = 0; k < l->nclasses; k++)
    im_classes_clear(&l->classes[k]);
  free(l->classes);
  l->classes = NULL;
  l->nclasses = 0;
}

void im_classes_clear(im_classes *cl) {
  free(cl->field);
  free(cl->palette);
  free(cl->ramp);
  free(cl->unit);
  free(cl->breaks);
  for (size_t i = 0; i < cl->nvalues; i++) {
    free(cl->values[i].value);
    im_style_clear(&cl->values[i].style);
  }
  free(cl->values);
  for (size_t i = 0; i < cl->nlabels; i++) {
    free(cl->labels[i].value);
    free(cl->labels[i].text);
  }
  free(cl->labels);
  if (cl->has_no_data)
    im_style_clear(&cl->no_data);
  memset(cl, 0, sizeof *cl);
}
