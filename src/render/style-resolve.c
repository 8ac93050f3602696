#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cnum-private.h"
#include "core/mem-private.h"
#include "core/suggest-private.h"
#include "influmap/classify.h"
#include "influmap/filter.h"
#include "label/labels-private.h"
#include "io/io-private.h"
#include "render/style-resolve-private.h"
#include "spec/filter-private.h"
#include "spec/palettes-private.h"

/* One classification of the layer, bound to its data. */
typedef struct {
  const im_classes *cl;
  long field;
  /* categorical: the distinct values in order of first appearance */
  char **values;
  im_color *value_colors;
  bool *value_other; /* the value takes the palette's "other" colour: the legend calls it "other" */
  size_t nvalues;
  /* graduated */
  double breaks[17];
  size_t nbreaks;
  im_color ramp[16];
} class_state;

struct im_resolver {
  im_field *label_fields; /* the layer's fields, then length_km */
  size_t nlabel_fields;
  im_filter *period; /* the time window, bound to this layer; NULL if none */
  /* The layer's and its rules' where: filters, copies bound to this layer
   * (the map's own are never bound: the map is read only while it
   * renders); NULL where there is none. */
  im_filter *where;
  im_filter **rule_where;
  const im_map *map;
  const im_layer_style *ls;
  const im_layer *layer;
  bool *rule_active; /* rules within the map's scale */
  long z_field;
  /* Proportional symbols (marker: size: {field, ...}): the field (-1:
   * none) and the value drawn ls->style.marker_scale.max wide (0: no
   * positive value to draw). */
  long size_field;
  double size_max_value;
  class_state *classes;
  size_t nclasses;
};

im_status im_field_error(const im_layer *layer, const char *field, const char *file, im_spec_pos pos, const char *what,
                         im_error *err) {
  const char **names = im_malloc_array(layer->nfields + 1, sizeof *names);
  if (!names)
    return im_error_set(err, IM_STATUS_INTERNAL, file, 0, 0, "out of memory");
  for (size_t i = 0; i < layer->nfields; i++)
    names[i] = layer->fields[i].name;
  const char *near = im_suggest(field, names, layer->nfields);
  const char *sp = what ? " " : "";
  what = what ? what : "";
  im_status st =
      near ? im_error_set(err, IM_STATUS_INPUT, file, pos.line, pos.column,
                          "%s%sfield '%s' is not in %s (did you mean '%s'?)", what, sp, field, layer->path, near)
           : im_error_set(err, IM_STATUS_INPUT, file, pos.line, pos.column, "%s%sfield '%s' is not in %s", what, sp,
                          field, layer->path);
  if (err)
    err->code = IM_E_NO_SUCH_FIELD;
  free(names);
  return st;
}

static im_status bind_where(const im_where *w, const im_layer *layer, im_filter **out, im_error *err) {
  *out = NULL;
  if (!w->filter)
    return IM_STATUS_OK;
  return im_filter_copy_bound(w->filter, layer->fields, layer->nfields, layer->path, out, err);
}

bool im_label_priority_number(const char *text, double *v) { return im_parse_number(text, v); }

static im_status check_label(const im_resolver *r, const im_style *st, const im_layer *layer, const char *file,
                             im_spec_pos pos, im_error *err) {
  /* At the text's own place when known. */
  const struct im_label_at *t = &st->label.text_at, *sh = &st->label.short_at, *pr = &st->label.priority_at;
  if (st->label.text &&
      im_label_template_check(st->label.text, r->label_fields, r->nlabel_fields, layer->path, t->line ? t->file : file,
                              t->line ? t->line : pos.line, t->line ? t->column : pos.column, err))
    return IM_STATUS_INPUT;
  if (st->label.short_text &&
      im_label_template_check(st->label.short_text, r->label_fields, r->nlabel_fields, layer->path,
                              sh->line ? sh->file : file, sh->line ? sh->line : pos.line,
                              sh->line ? sh->column : pos.column, err))
    return IM_STATUS_INPUT;
  if (pr->line) {
    file = pr->file;
    pos = (im_spec_pos){pr->line, pr->column};
  }
  /* A priority is a number ("10") or a field holding one. */
  double fixed;
  if (st->label.priority && !im_label_priority_number(st->label.priority, &fixed) &&
      im_layer_field_index(layer, st->label.priority) < 0)
    return im_field_error(layer, st->label.priority, file, pos, "label priority", err);
  return IM_STATUS_OK;
}

static double number_of(const im_feature *f, long field) {
  if (field < 0 || !f->values || !f->values[field])
    return NAN;
  char *end;
  double v = im_strtod(f->values[field], &end);
  return end != f->values[field] && *end == '\0' ? v : NAN;
}

static im_status setup_categorical(const im_resolver *res, class_state *r, im_error *err) {
  const im_classes *cl = r->cl;
  const im_layer *layer = res->layer;
  r->values = calloc(layer->nfeatures + 1, sizeof *r->values);
  r->value_colors = calloc(layer->nfeatures + 1, sizeof *r->value_colors);
  r->value_other = calloc(layer->nfeatures + 1, sizeof *r->value_other);
  if (!r->values || !r->value_colors || !r->value_other)
    return im_error_set(err, IM_STATUS_INTERNAL, layer->path, 0, 0, "out of memory");
  const im_spec_palette *sp = cl->palette ? im_map_palette(res->map, cl->palette) : NULL;
  for (size_t i = 0; i < layer->nfeatures; i++) {
    const im_feature *f = &layer->features[i];
    const char *v = f->values ? f->values[r->field] : NULL;
    if (!v)
      continue;
    size_t k;
    for (k = 0; k < r->nvalues && strcmp(r->values[k], v); k++)
      ;
    if (k < r->nvalues)
      continue;
    r->values[k] = (char *)v; /* owned by the layer, which outlives us */
    im_color c = {0.6, 0.6, 0.6, 1};
    if (sp) {
      const im_palette_entry *other = NULL, *hit = NULL;
      for (size_t e = 0; e < sp->nentries; e++) {
        if (!strcasecmp(sp->entries[e].value, v))
          hit = &sp->entries[e];
        if (!strcasecmp(sp->entries[e].value, "other"))
          other = &sp->entries[e];
      }
      if (hit || other)
        c = (hit ? hit : other)->color;
      r->value_other[k] = !hit && other;
    } else if (cl->palette) {
      im_palette_color(cl->palette, v, k, &c);
      r->value_other[k] = im_palette_is_other(cl->palette, v);
    }
    r->value_colors[k] = c;
    r->nvalues++;
  }
  return IM_STATUS_OK;
}

static im_status setup_graduated(const im_resolver *res, class_state *r, im_error *err) {
  const im_classes *cl = r->cl;
  const im_layer *layer = res->layer;
  size_t k;
  if (cl->method == IM_BREAKS_GIVEN) {
    r->nbreaks = cl->nbreaks < 17 ? cl->nbreaks : 17;
    memcpy(r->breaks, cl->breaks, r->nbreaks * sizeof *r->breaks);
    k = r->nbreaks - 1;
  } else {
    /* Breaks from the features read (those that meet the frame and pass
     * the layer's where:), so every class is on the map. */
    double *vals = im_malloc_array(layer->nfeatures + 1, sizeof *vals);
    if (!vals)
      return im_error_set(err, IM_STATUS_INTERNAL, layer->path, 0, 0, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < layer->nfeatures; i++) {
      const im_feature *f = &layer->features[i];
      if (res->where && !im_filter_eval(res->where, f->values))
        continue;
      double v = number_of(f, r->field);
      if (isfinite(v))
        vals[n++] = v;
    }
    k = im_breaks_compute((im_breaks_method)cl->method, vals, n, cl->count, r->breaks);
    free(vals);
    r->nbreaks = k ? k + 1 : 0;
  }
  if (k && cl->ramp && !im_ramp_colors(cl->ramp, k < 3 ? 3 : k, cl->reverse, r->ramp))
    return im_error_set(err, IM_STATUS_INPUT, cl->file, cl->field_pos.line, cl->field_pos.column,
                        "ramp %s has no %zu-class version", cl->ramp, k);
  if (k && k < 3 && cl->ramp) {
    /* Fewer values than classes: use the ends of the 3-class ramp. */
    r->ramp[1] = r->ramp[2];
  }
  return IM_STATUS_OK;
}

/* marker: size: {field, max, max_value}: the field bound, and max_value: auto
 * the largest value of the features read that pass the layer's where: and
 * the time window (those drawn, as computed breaks are). */
static im_status setup_size(im_resolver *r, im_error *err) {
  const im_style *st = &r->ls->style;
  const im_layer *layer = r->layer;
  if (!st->marker_scale.field)
    return IM_STATUS_OK;
  if ((r->size_field = im_layer_field_index(layer, st->marker_scale.field)) < 0)
    return im_field_error(layer, st->marker_scale.field, st->marker_scale.file ? st->marker_scale.file : r->map->path,
                          st->marker_scale.pos, "marker size", err);
  r->size_max_value = st->marker_scale.max_value;
  if (r->size_max_value > 0)
    return IM_STATUS_OK;
  for (size_t i = 0; i < layer->nfeatures; i++) {
    const im_feature *f = &layer->features[i];
    if ((r->where && !im_filter_eval(r->where, f->values)) || (r->period && !im_filter_eval(r->period, f->values)))
      continue;
    double v = number_of(f, r->size_field);
    if (isfinite(v) && v > r->size_max_value)
      r->size_max_value = v;
  }
  return IM_STATUS_OK;
}

double im_resolver_size_value(const im_resolver *r, const im_feature *f) {
  if (r->size_field < 0)
    return NAN;
  double v = number_of(f, r->size_field);
  return isfinite(v) ? v : NAN;
}

bool im_resolver_size_drawable(const im_resolver *r) { return r->size_field >= 0 && r->size_max_value > 0; }

bool im_resolver_size_scale(const im_resolver *r, double *max_value, im_length *max) {
  if (r->size_field < 0)
    return false;
  *max_value = r->size_max_value;
  *max = r->ls->style.marker_scale.max;
  return true;
}

const char *im_resolver_size_field(const im_resolver *r) {
  return r->size_field >= 0 ? r->layer->fields[r->size_field].name : NULL;
}

im_status im_period_filter(const im_layer *layer, const char *from, const char *to, im_filter **out, im_error *err) {
  *out = NULL;
  if ((!from && !to) || im_layer_field_index(layer, "date") < 0)
    return IM_STATUS_OK;
  bool has_end = im_layer_field_index(layer, "date_end") >= 0;
  char text[512];
  const char *lo = from ? from : "0001", *hi = to ? to : "9999";
  if (has_end)
    snprintf(text, sizeof text,
             "date <= %s and ((date_end is not null and date_end >= %s) or (date_end is null and date >= %s))", hi, lo,
             lo);
  else
    snprintf(text, sizeof text, "date <= %s and date >= %s", hi, lo);
  im_status st = im_filter_parse(text, NULL, 0, 0, out, err);
  if (!st)
    st = im_filter_bind(*out, layer->fields, layer->nfields, layer->path, err);
  return st;
}

im_status im_resolver_create(const im_map *map, const im_layer_style *ls, const im_layer *layer,
                             double scale_denominator, const char *from, const char *to, im_resolver **out,
                             im_error *err) {
  *out = NULL;
  im_resolver *r = calloc(1, sizeof *r);
  if (!r)
    return im_error_set(err, IM_STATUS_INTERNAL, layer->path, 0, 0, "out of memory");
  r->map = map;
  r->ls = ls;
  r->layer = layer;
  r->z_field = -1;
  r->size_field = -1;
  im_status st = IM_STATUS_OK;
  const char *spec = map->path;
  r->rule_active = calloc(ls->nrules + 1, sizeof *r->rule_active);
  r->rule_where = calloc(ls->nrules + 1, sizeof *r->rule_where);
  /* Labels may also use {length_km}: the geodesic length of a line. */
  r->label_fields = calloc(layer->nfields + 1, sizeof *r->label_fields);
  if (r->label_fields) {
    if (layer->nfields) /* a layer without fields has no array to copy from */
      memcpy(r->label_fields, layer->fields, layer->nfields * sizeof *r->label_fields);
    r->label_fields[layer->nfields] = (im_field){.name = (char *)"length_km", .type = IM_FIELD_DOUBLE};
    r->nlabel_fields = layer->nfields + 1;
  }
  if (!r->rule_active || !r->rule_where || !r->label_fields) {
    st = im_error_set(err, IM_STATUS_INTERNAL, layer->path, 0, 0, "out of memory");
    goto done;
  }
  if ((st = bind_where(&ls->where, layer, &r->where, err)) ||
      (st = check_label(r, &ls->style, layer, spec, ls->pos, err)) ||
      (st = im_period_filter(layer, from, to, &r->period, err)))
    goto done;
  for (size_t i = 0; i < ls->nrules; i++) {
    const im_rule *rule = &ls->rules[i];
    if ((st = bind_where(&rule->where, layer, &r->rule_where[i], err)) ||
        (st = check_label(r, &rule->style, layer, spec, rule->pos, err)))
      goto done;
    double d = scale_denominator;
    r->rule_active[i] =
        d <= 0 || ((!rule->min_scale || d >= rule->min_scale) && (!rule->max_scale || d <= rule->max_scale));
  }
  if (ls->z_field && (r->z_field = im_layer_field_index(layer, ls->z_field)) < 0) {
    st = im_field_error(layer, ls->z_field, spec, ls->z_pos, "z", err);
    goto done;
  }
  if ((st = setup_size(r, err)))
    goto done;
  if (!(r->classes = calloc(ls->nclasses + 1, sizeof *r->classes))) {
    st = im_error_set(err, IM_STATUS_INTERNAL, layer->path, 0, 0, "out of memory");
    goto done;
  }
  for (size_t c = 0; c < ls->nclasses && !st; c++) {
    const im_classes *cl = &ls->classes[c];
    class_state *cs = &r->classes[r->nclasses++];
    cs->cl = cl;
    if ((cs->field = im_layer_field_index(layer, cl->field)) < 0) {
      st = im_field_error(layer, cl->field, cl->file, cl->field_pos, "classes", err);
      break;
    }
    for (size_t i = 0; i < cl->nvalues && !st; i++)
      st = check_label(r, &cl->values[i].style, layer, cl->file, cl->values[i].pos, err);
    if (!st)
      st = cl->kind == IM_CLASSES_CATEGORICAL ? setup_categorical(r, cs, err) : setup_graduated(r, cs, err);
  }
done:
  if (st) {
    im_resolver_free(r);
    return st;
  }
  *out = r;
  return IM_STATUS_OK;
}

void im_resolver_free(im_resolver *r) {
  if (!r)
    return;
  for (size_t i = 0; r->rule_where && i < r->ls->nrules; i++)
    im_filter_free(r->rule_where[i]);
  free(r->rule_where);
  im_filter_free(r->where);
  free(r->rule_active);
  free(r->label_fields);
  im_filter_free(r->period);
  for (size_t i = 0; i < r->nclasses; i++) {
    free(r->classes[i].values);
    free(r->classes[i].value_colors);
    free(r->classes[i].value_other);
  }
  free(r->classes);
  free(r);
}

static im_status load_icon(im_icon_cache *icons, const im_style *st, const char *file, im_spec_pos pos, im_error *err) {
  if (st->marker_symbol != IM_MARKER_ICON || !st->marker_icon)
    return IM_STATUS_OK;
  return im_icon_cache_load(icons, st->marker_icon, file, pos.line, pos.column, err);
}

im_status im_resolver_check_icons(const im_resolver *r, im_icon_cache *icons, im_error *err) {
  const im_layer_style *ls = r->ls;
  im_status st = load_icon(icons, &ls->style, r->map->path, ls->pos, err);
  for (size_t i = 0; i < ls->nrules && !st; i++)
    st = load_icon(icons, &ls->rules[i].style, r->map->path, ls->rules[i].pos, err);
  for (size_t c = 0; c < ls->nclasses; c++)
    for (size_t i = 0; i < ls->classes[c].nvalues && !st; i++)
      st = load_icon(icons, &ls->classes[c].values[i].style, ls->classes[c].file, ls->classes[c].values[i].pos, err);
  return st;
}

static bool rule_matches(const im_resolver *r, size_t i, const im_feature *f) {
  return r->rule_active[i] && (!r->rule_where[i] || im_filter_eval(r->rule_where[i], f->values));
}

bool im_resolver_select(const im_resolver *r, const im_feature *f, size_t index, im_drawn *out) {
  if (r->where && !im_filter_eval(r->where, f->values))
    return false;
  if (r->period && !im_filter_eval(r->period, f->values))
    return false;
  out->index = index;
  if (r->size_field >= 0 && r->z_field < 0) {
    /* Proportional symbols: the largest first, so small marks stay on top
     * of large ones; those without a size (not drawn) last. */
    double v = im_resolver_size_value(r, f);
    out->key = v > 0 ? -v : INFINITY;
    return true;
  }
  if (r->z_field >= 0) {
    double z = number_of(f, r->z_field);
    out->key = isfinite(z) ? z : -INFINITY;
    return true;
  }
  out->key = -1;
  for (size_t i = 0; i < r->ls->nrules; i++)
    if (rule_matches(r, i, f))
      out->key = (double)i;
  return true;
}

static int cmp_drawn(const void *a, const void *b) {
  const im_drawn *x = a, *y = b;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

void im_drawn_sort(im_drawn *d, size_t n) { qsort(d, n, sizeof *d, cmp_drawn); }

/* The class colour goes to the fill of polygons and markers and the stroke
 * of lines, unless classes: apply: says otherwise. */
static void apply_class_color(const im_classes *cl, const im_feature *f, im_color c, im_style *out) {
  bool fill = cl->apply_fill, stroke = cl->apply_stroke;
  if (!fill && !stroke) {
    fill = f->geom.kind != IM_GEOM_LINE;
    stroke = f->geom.kind == IM_GEOM_LINE;
  }
  if (fill) {
    out->fill = c;
    out->set |= IM_STYLE_FILL;
  }
  if (stroke) {
    out->stroke_color = c;
    out->set |= IM_STYLE_STROKE_COLOR;
  }
}

/* The colour of a value no feature of the layer has, where the palette
 * says: a spec palette's entry or its "other", the "other" of "vric".
 * Numbered palettes give none (their colours go by order of appearance). */
static bool unseen_value_color(const im_resolver *r, const im_classes *cl, const char *v, im_color *c) {
  const im_spec_palette *sp = im_map_palette(r->map, cl->palette);
  if (sp) {
    const im_palette_entry *other = NULL;
    for (size_t e = 0; e < sp->nentries; e++) {
      if (!strcasecmp(sp->entries[e].value, v)) {
        *c = sp->entries[e].color;
        return true;
      }
      if (!strcasecmp(sp->entries[e].value, "other"))
        other = &sp->entries[e];
    }
    if (other)
      *c = other->color;
    return other != NULL;
  }
  return im_palette_is_other(cl->palette, v) && im_palette_color(cl->palette, v, 0, c);
}

bool im_resolver_style(const im_resolver *r, const im_feature *f, im_style *out) {
  im_style_clear(out);
  im_style_init_defaults(out);
  out->set = 0;
  if (!im_style_merge(out, &r->ls->style))
    return false;
  out->opacity = 1;
  for (size_t c = 0; c < r->nclasses; c++) {
    const class_state *cs = &r->classes[c];
    const im_classes *cl = cs->cl;
    const char *v = f->values ? f->values[cs->field] : NULL;
    /* No value (null, empty, or not a number for graduated classes): the
     * classes' no_data style, if they have one. */
    bool no_value = !v || !*v || (cl->kind == IM_CLASSES_GRADUATED && isnan(number_of(f, cs->field)));
    if (cl->kind == IM_CLASSES_CATEGORICAL && v) {
      size_t k;
      for (k = 0; k < cs->nvalues && strcmp(cs->values[k], v); k++)
        ;
      im_color col;
      if (k < cs->nvalues && cl->palette)
        apply_class_color(cl, f, cs->value_colors[k], out);
      else if (k == cs->nvalues && cl->palette && unseen_value_color(r, cl, v, &col))
        apply_class_color(cl, f, col, out); /* a legend's neutral sample: the palette's "other" */
    } else if (cl->kind == IM_CLASSES_GRADUATED && cs->nbreaks >= 2) {
      int k = im_class_index(cs->breaks, cs->nbreaks, number_of(f, cs->field));
      if (k >= 0 && cl->ramp)
        apply_class_color(cl, f, cs->ramp[k], out);
    }
    for (size_t i = 0; v && i < cl->nvalues; i++)
      if (!strcasecmp(cl->values[i].value, v) && !im_style_merge(out, &cl->values[i].style))
        return false;
    if (no_value && cl->has_no_data && !im_style_merge(out, &cl->no_data))
      return false;
  }
  for (size_t i = 0; i < r->ls->nrules; i++)
    if (rule_matches(r, i, f) && !im_style_merge(out, &r->ls->rules[i].style))
      return false;
  /* Proportional symbols: the area goes with the value, so the width with
   * its square root. A feature without a positive value keeps the style's
   * fixed size (what the legend shows for its classes); it is not drawn. */
  double v = im_resolver_size_value(r, f);
  if (v > 0 && r->size_max_value > 0) {
    im_length max = r->ls->style.marker_scale.max;
    out->marker_size = (im_length){max.value * sqrt(v / r->size_max_value), max.unit};
  }
  /* Overlapping proportional symbols stay apart by a thin outline, unless
   * the style says otherwise (stroke: none included). */
  if (r->size_field >= 0 && !(out->set & (IM_STYLE_STROKE | IM_STYLE_STROKE_COLOR | IM_STYLE_STROKE_WIDTH))) {
    out->stroke_color = (im_color){0.25, 0.25, 0.25, 1};
    out->stroke_width = (im_length){0.4, IM_UNIT_PT};
    out->set |= IM_STYLE_STROKE_COLOR | IM_STYLE_STROKE_WIDTH;
  }
  return true;
}

const im_field *im_resolver_label_fields(const im_resolver *r, size_t *n) {
  *n = r->nlabel_fields;
  return r->label_fields;
}

size_t im_resolver_nclasses(const im_resolver *r) { return r->nclasses; }

const im_classes *im_resolver_classes(const im_resolver *r, size_t k) {
  return k < r->nclasses ? r->classes[k].cl : NULL;
}

/* v with `decimals` decimals and thousands separators, whatever the
 * locale. */
static void format_fixed(double v, int decimals, char *buf, size_t size) {
  im_format_number(v, decimals, true, buf, size);
}

/* A class bound for people: whole numbers with thousands separators from
 * 100 up, three significant digits below. */
static void format_bound(double v, char *buf, size_t size) {
  if (fabs(v) < 100 || fabs(v) >= 1e15) {
    im_snprintf(buf, size, "%.3g", v);
    return;
  }
  char digits[32];
  im_snprintf(digits, sizeof digits, "%.0f", fabs(v));
  size_t n = strlen(digits), o = 0;
  if (v < 0 && o + 1 < size)
    buf[o++] = '-';
  for (size_t i = 0; i < n && o + 2 < size; i++) {
    if (i && (n - i) % 3 == 0)
      buf[o++] = ',';
    buf[o++] = digits[i];
  }
  buf[o] = '\0';
}

long im_resolver_class_of(const im_resolver *r, size_t k, const im_feature *f, char *buf, size_t size) {
  if (size)
    buf[0] = '\0';
  if (k >= r->nclasses)
    return -1;
  const class_state *cs = &r->classes[k];
  const char *v = f->values ? f->values[cs->field] : NULL;
  if (cs->cl->kind == IM_CLASSES_CATEGORICAL) {
    if (!v)
      return -1;
    for (size_t i = 0; i < cs->nvalues; i++)
      if (!strcmp(cs->values[i], v)) {
        /* Values the palette does not name all look alike: one entry, as
         * the map shows them, not one grey entry per value. */
        const char *shown = cs->value_other && cs->value_other[i] ? "other" : v;
        for (size_t j = 0; j < cs->cl->nlabels; j++)
          if (cs->cl->labels[j].value && !strcasecmp(cs->cl->labels[j].value, shown)) {
            shown = cs->cl->labels[j].text;
            break;
          }
        snprintf(buf, size, "%s", shown);
        return (long)i;
      }
    return -1;
  }
  int c = cs->nbreaks >= 2 ? im_class_index(cs->breaks, cs->nbreaks, number_of(f, cs->field)) : -1;
  if (c < 0)
    return -1;
  if ((size_t)c < cs->cl->nlabels) {
    snprintf(buf, size, "%s", cs->cl->labels[c].text);
    return c;
  }
  char lo[40], hi[40];
  if (r->layer->fields[cs->field].type == IM_FIELD_INTEGER) {
    /* Whole numbers: the values the class holds, not its bounds. Classes
     * run from their lower bound up to (not including) the next one, the
     * last one up to and including its upper bound, so [1, 3) holds 1 and
     * 2: "1 – 2", and [0, 1) holds only 0: "0" (not "0 – 1", which reads
     * as if 1 were in it too). */
    double a = ceil(cs->breaks[c]) + 0.0, up = cs->breaks[c + 1]; /* + 0.0: ceil(-0.5) is -0 */
    double b = ((size_t)c + 2 == cs->nbreaks ? floor(up) : ceil(up) - 1) + 0.0;
    format_bound(a, lo, sizeof lo);
    format_bound(b, hi, sizeof hi);
    const char *u = cs->cl->unit ? cs->cl->unit : "";
    if (b <= a)
      snprintf(buf, size, "%s%s", lo, u);
    else
      snprintf(buf, size, "%s%s \xe2\x80\x93 %s%s", lo, u, hi, u);
    return c;
  }
  const char *unit = cs->cl->unit ? cs->cl->unit : "";
  if (cs->cl->decimals >= 0) {
    format_fixed(cs->breaks[c], cs->cl->decimals, lo, sizeof lo);
    format_fixed(cs->breaks[c + 1], cs->cl->decimals, hi, sizeof hi);
  } else {
    format_bound(cs->breaks[c], lo, sizeof lo);
    format_bound(cs->breaks[c + 1], hi, sizeof hi);
  }
  snprintf(buf, size, "%s%s \xe2\x80\x93 %s%s", lo, unit, hi, unit);
  return c;
}

bool im_resolver_class_style(const im_resolver *r, size_t k, long index, im_geom_kind kind, im_style *out) {
  const im_layer *layer = r->layer;
  char **values = calloc(layer->nfields + 1, sizeof *values);
  if (!values)
    return false;
  char number[64];
  if (k < r->nclasses && index >= 0) {
    const class_state *cs = &r->classes[k];
    if (cs->cl->kind == IM_CLASSES_CATEGORICAL && (size_t)index < cs->nvalues) {
      values[cs->field] = cs->values[index];
    } else if (cs->cl->kind == IM_CLASSES_GRADUATED && (size_t)index + 1 < cs->nbreaks) {
      im_snprintf(number, sizeof number, "%.17g", (cs->breaks[index] + cs->breaks[index + 1]) / 2);
      values[cs->field] = number;
    }
  }
  im_feature f = {.fid = -1, .values = values};
  f.geom.kind = kind;
  bool ok = im_resolver_style(r, &f, out);
  free(values);
  return ok;
}
