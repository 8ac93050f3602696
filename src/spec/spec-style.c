/* Style properties wherever they are written: layers, rules, named styles,
 * class values. Each key read sets its IM_STYLE_* bit, so rules and named
 * styles override only what they say. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "core/suggest-private.h"
#include "spec/spec-private.h"

static const char *const marker_names[] = {"circle", "square", "triangle", "diamond", "star", "cross", "pin", NULL};

static bool is_none(struct fy_node *v) {
  return im_yaml_is_scalar(v) && !strcasecmp(fy_node_get_scalar0(im_yaml_deref(v)), "none");
}

/* ---- stroke ---- */

static im_status read_dash(im_spec_ctx *c, struct fy_node *v, im_style *st) {
  st->set |= IM_STYLE_DASH;
  st->ndash = 0;
  if (is_none(v))
    return IM_STATUS_OK;
  struct fy_node *d = im_yaml_deref(v);
  if (!d || !fy_node_is_sequence(d))
    return im_yaml_fail(&c->r, v, "dash must be a list of lengths, e.g. [4pt, 2pt], or none");
  void *it = NULL;
  struct fy_node *item;
  while ((item = fy_node_sequence_iterate(d, &it))) {
    if (st->ndash == IM_MAX_DASH)
      return im_yaml_fail(&c->r, item, "dash has more than %d lengths", IM_MAX_DASH);
    if (im_yaml_length(&c->r, item, "dash length", IM_UNIT_PT, &st->dash[st->ndash]))
      return IM_STATUS_INPUT;
    st->ndash++;
  }
  double total = 0;
  for (size_t i = 0; i < st->ndash; i++)
    total += st->dash[i].value;
  if (st->ndash && total <= 0)
    return im_yaml_fail(&c->r, v, "dash lengths cannot all be 0");
  return IM_STATUS_OK;
}

static im_status casing_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_style *st = ctx;
  if (!strcmp(key, "color"))
    return im_yaml_color(r, v, "casing color", &st->casing.color);
  return im_yaml_length(r, v, "casing width", IM_UNIT_PT, &st->casing.width);
}

static im_status stroke_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_spec_ctx *c = (im_spec_ctx *)r;
  im_style *st = ctx;
  if (!strcmp(key, "color")) {
    st->set |= IM_STYLE_STROKE_COLOR;
    return im_yaml_color(r, v, "stroke color", &st->stroke_color);
  }
  if (!strcmp(key, "width")) {
    st->set |= IM_STYLE_STROKE_WIDTH;
    return im_yaml_length(r, v, "stroke width", IM_UNIT_PT, &st->stroke_width);
  }
  if (!strcmp(key, "dash"))
    return read_dash(c, v, st);
  int choice;
  if (!strcmp(key, "cap")) {
    static const char *const caps[] = {"butt", "round", "square", NULL};
    st->set |= IM_STYLE_CAP;
    if (im_yaml_choice(r, v, "cap", caps, &choice))
      return IM_STATUS_INPUT;
    st->cap = (im_line_cap)choice;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "join")) {
    static const char *const joins[] = {"miter", "round", "bevel", NULL};
    st->set |= IM_STYLE_JOIN;
    if (im_yaml_choice(r, v, "join", joins, &choice))
      return IM_STATUS_INPUT;
    st->join = (im_line_join)choice;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "casing")) {
    st->set |= IM_STYLE_CASING;
    if (is_none(v)) {
      st->casing.width = (im_length){0, IM_UNIT_PT};
      return IM_STATUS_OK;
    }
    static const char *const keys[] = {"color", "width", NULL};
    st->casing.width = (im_length){0, IM_UNIT_PT};
    if (im_yaml_each_pair(r, v, "casing", keys, casing_pair, st))
      return IM_STATUS_INPUT;
    if (st->casing.width.value <= 0)
      return im_yaml_fail(r, v, "casing needs a width (the whole width of the casing, wider than the line)");
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "arrow")) {
    static const char *const arrows[] = {"none", "end", "start", "both", NULL};
    st->set |= IM_STYLE_ARROW;
    if (im_yaml_choice(r, v, "arrow", arrows, &choice))
      return IM_STATUS_INPUT;
    st->arrow = (im_arrow)choice;
    return IM_STATUS_OK;
  }
  st->set |= IM_STYLE_ARROW;
  return im_yaml_length(r, v, "arrow_size", IM_UNIT_PT, &st->arrow_size);
}

static im_status read_stroke(im_spec_ctx *c, struct fy_node *v, im_style *st) {
  st->set |= IM_STYLE_STROKE;
  if (is_none(v)) {
    st->set |= IM_STYLE_STROKE_COLOR;
    st->stroke_color = (im_color){0, 0, 0, 0};
    return IM_STATUS_OK;
  }
  if (im_yaml_is_scalar(v)) {
    st->set |= IM_STYLE_STROKE_COLOR;
    return im_yaml_color(&c->r, v, "stroke", &st->stroke_color);
  }
  static const char *const keys[] = {"color", "width", "dash", "cap", "join", "casing", "arrow", "arrow_size", NULL};
  return im_yaml_each_pair(&c->r, v, "stroke", keys, stroke_pair, st);
}

/* ---- hatch, marker, label ---- */

static im_status hatch_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_style *st = ctx;
  if (!strcmp(key, "color"))
    return im_yaml_color(r, v, "hatch color", &st->hatch.color);
  if (!strcmp(key, "spacing"))
    return im_yaml_length(r, v, "hatch spacing", IM_UNIT_PT, &st->hatch.spacing);
  if (!strcmp(key, "width"))
    return im_yaml_length(r, v, "hatch width", IM_UNIT_PT, &st->hatch.width);
  return im_yaml_number(r, v, "hatch angle", -360, 360, &st->hatch.angle);
}

static im_status displace_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_style *st = ctx;
  if (!strcmp(key, "distance"))
    return im_yaml_length(r, v, "displace distance", IM_UNIT_PT, &st->displace.distance);
  return im_yaml_length(r, v, "displace spacing", IM_UNIT_PT, &st->displace.spacing);
}

static im_status marker_scale_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v,
                                   void *ctx) {
  (void)k;
  im_style *st = ctx;
  if (!strcmp(key, "field")) {
    st->marker_scale.pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "marker size field", &st->marker_scale.field);
  }
  if (!strcmp(key, "max"))
    return im_yaml_length(r, v, "marker size max", IM_UNIT_PT, &st->marker_scale.max);
  /* max_value: auto (the largest drawn), or the value drawn max wide. */
  const char *text = im_yaml_is_scalar(v) ? fy_node_get_scalar0(im_yaml_deref(v)) : NULL;
  if (text && !strcasecmp(text, "auto")) {
    st->marker_scale.max_value = 0;
    return IM_STATUS_OK;
  }
  if (im_yaml_number(r, v, "marker size max_value", 0, HUGE_VAL, &st->marker_scale.max_value))
    return IM_STATUS_INPUT;
  if (!(st->marker_scale.max_value > 0))
    return im_yaml_fail(r, v, "marker size max_value must be more than 0 (or auto)");
  return IM_STATUS_OK;
}

/* marker: size: {field, max, max_value}: a proportional symbol. */
static im_status marker_scale(im_yaml_reader *r, struct fy_node *v, im_style *st) {
  free(st->marker_scale.field);
  st->marker_scale.field = NULL;
  st->marker_scale.max = (im_length){12, IM_UNIT_MM};
  st->marker_scale.max_value = 0;
  st->marker_scale.file = r->file;
  static const char *const keys[] = {"field", "max", "max_value", NULL};
  if (im_yaml_each_pair(r, v, "marker size", keys, marker_scale_pair, st))
    return IM_STATUS_INPUT;
  if (!st->marker_scale.field)
    return im_yaml_fail(r, v, "marker size: a proportional size needs field:");
  if (!(st->marker_scale.max.value > 0))
    return im_yaml_fail(r, v, "marker size max must be more than 0");
  st->set |= IM_STYLE_MARKER_SCALE;
  return IM_STATUS_OK;
}

static im_status marker_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_style *st = ctx;
  if (!strcmp(key, "size")) {
    if (!im_yaml_is_scalar(v))
      return marker_scale(r, v, st);
    /* A fixed size replaces a proportional one inherited. */
    free(st->marker_scale.field);
    st->marker_scale.field = NULL;
    st->set |= IM_STYLE_MARKER_SIZE | IM_STYLE_MARKER_SCALE;
    return im_yaml_length(r, v, "marker size", IM_UNIT_PT, &st->marker_size);
  }
  st->set |= IM_STYLE_MARKER_SYMBOL;
  if (!strcmp(key, "icon")) {
    char *rel = NULL;
    if (im_yaml_string(r, v, "marker icon", &rel))
      return IM_STATUS_INPUT;
    im_spec_pos pos = im_yaml_pos(v);
    char *path = im_yaml_resolve(r, pos.line, pos.column, "marker icon", rel);
    free(rel);
    if (!path)
      return r->err ? r->err->status : IM_STATUS_INPUT;
    if (!im_yaml_file_exists(path)) {
      im_status s = im_yaml_fail(r, v, "marker icon '%s' not found", path);
      if (r->err)
        r->err->code = IM_E_NOT_FOUND;
      free(path);
      return s;
    }
    free(st->marker_icon);
    st->marker_icon = path;
    st->marker_symbol = IM_MARKER_ICON;
    return IM_STATUS_OK;
  }
  int choice;
  if (im_yaml_choice(r, v, "marker symbol", marker_names, &choice))
    return IM_STATUS_INPUT;
  st->marker_symbol = (im_marker_symbol)choice;
  free(st->marker_icon);
  st->marker_icon = NULL;
  return IM_STATUS_OK;
}

static im_status halo_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_style *st = ctx;
  if (!strcmp(key, "color"))
    return im_yaml_color(r, v, "halo color", &st->label.halo_color);
  return im_yaml_length(r, v, "halo width", IM_UNIT_PT, &st->label.halo_width);
}

static im_status label_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_style *st = ctx;
  if (!strcmp(key, "text")) {
    st->set |= IM_STYLE_LABEL;
    im_spec_pos pos = im_yaml_pos(v);
    st->label.text_at = (struct im_label_at){r->file, pos.line, pos.column};
    return im_yaml_string(r, v, "label text", &st->label.text);
  }
  if (!strcmp(key, "font")) {
    st->set |= IM_STYLE_FONT;
    return im_yaml_string(r, v, "label font", &st->label.font);
  }
  if (!strcmp(key, "color")) {
    st->set |= IM_STYLE_LABEL_COLOR;
    return im_yaml_color(r, v, "label color", &st->label.color);
  }
  if (!strcmp(key, "halo")) {
    st->set |= IM_STYLE_HALO;
    if (is_none(v)) {
      st->label.halo_width = (im_length){0, IM_UNIT_PT};
      return IM_STATUS_OK;
    }
    static const char *const keys[] = {"color", "width", NULL};
    st->label.halo_width = (im_length){1, IM_UNIT_PT};
    return im_yaml_each_pair(r, v, "halo", keys, halo_pair, st);
  }
  int choice;
  if (!strcmp(key, "case")) {
    static const char *const cases[] = {"none", "upper", "lower", "title", NULL};
    st->set |= IM_STYLE_TEXT_CASE;
    if (im_yaml_choice(r, v, "label case", cases, &choice))
      return IM_STATUS_INPUT;
    st->label.text_case = (im_text_case)choice;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "leader")) {
    static const char *const leaders[] = {"none", "auto", "false", "true", "no", "yes", NULL};
    st->set |= IM_STYLE_LEADER;
    if (im_yaml_choice(r, v, "leader", leaders, &choice))
      return IM_STATUS_INPUT;
    st->label.leader = choice == 1 || choice == 3 || choice == 5;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "required")) {
    st->set |= IM_STYLE_LABEL_REQUIRED;
    return im_yaml_bool(r, v, "label required", &st->label.required);
  }
  if (!strcmp(key, "key")) {
    static const char *const keys[] = {"none", "auto", "all", "false", "no", NULL};
    st->set |= IM_STYLE_LABEL_KEY;
    if (im_yaml_choice(r, v, "label key", keys, &choice))
      return IM_STATUS_INPUT;
    st->label.key = choice == 1 ? IM_LABEL_KEY_AUTO : choice == 2 ? IM_LABEL_KEY_ALL : IM_LABEL_KEY_NONE;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "short")) {
    st->set |= IM_STYLE_LABEL_SHORT;
    im_spec_pos pos = im_yaml_pos(v);
    st->label.short_at = (struct im_label_at){r->file, pos.line, pos.column};
    return im_yaml_string(r, v, "label short", &st->label.short_text);
  }
  im_spec_pos pos = im_yaml_pos(v);
  st->label.priority_at = (struct im_label_at){r->file, pos.line, pos.column};
  return im_yaml_string(r, v, "label priority", &st->label.priority);
}

/* ---- named styles ---- */

static const im_named_style *find_style(im_spec_ctx *c, const char *name) {
  for (size_t i = c->nstyles; i-- > 0;)
    if (!strcmp(c->styles[i].name, name))
      return &c->styles[i];
  return NULL;
}

/* Applies the named style at v to st; with layer, also its rules and
 * classes (which only a layer can take). */
static im_status apply_named(im_spec_ctx *c, struct fy_node *v, im_style *st, im_layer_style *layer) {
  const char *name;
  if (im_yaml_scalar(&c->r, v, "style", &name))
    return IM_STATUS_INPUT;
  const im_named_style *ns = find_style(c, name);
  if (ns && !layer && (ns->extra.nrules || ns->extra.nclasses))
    return im_yaml_fail(&c->r, v, "style '%s' has rules or classes, so only a layer can use it", name);
  if (ns && layer && im_spec_copy_rules_classes(c, &ns->extra, layer))
    return IM_STATUS_INPUT;
  if (!ns) {
    const char **names = im_malloc_array(c->nstyles + 1, sizeof *names);
    if (!names)
      return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
    for (size_t i = 0; i < c->nstyles; i++)
      names[i] = c->styles[i].name;
    const char *near = im_suggest(name, names, c->nstyles);
    free(names);
    if (near)
      return im_yaml_fail(&c->r, v, "unknown style '%s' (did you mean '%s'?)", name, near);
    return im_yaml_fail(&c->r, v,
                        "unknown style '%s' (styles are defined under styles:, before use, or in an "
                        "included sheet)",
                        name);
  }
  if (!im_style_merge(st, &ns->style))
    return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
  return IM_STATUS_OK;
}

/* style: NAME, or a list of names applied in order. */
static im_status apply_names(im_spec_ctx *c, struct fy_node *v, im_style *st, im_layer_style *layer) {
  struct fy_node *d = im_yaml_deref(v);
  if (d && fy_node_is_sequence(d)) {
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(d, &it)))
      if (apply_named(c, item, st, layer))
        return IM_STATUS_INPUT;
    return IM_STATUS_OK;
  }
  return apply_named(c, v, st, layer);
}

im_status im_spec_style_pair(im_spec_ctx *c, const char *key, struct fy_node *k, struct fy_node *v, im_style *st) {
  (void)k;
  im_yaml_reader *r = &c->r;
  if (!strcmp(key, "fill")) {
    st->set |= IM_STYLE_FILL;
    return im_yaml_color(r, v, "fill", &st->fill);
  }
  if (!strcmp(key, "stroke"))
    return read_stroke(c, v, st);
  if (!strcmp(key, "opacity")) {
    st->set |= IM_STYLE_OPACITY;
    return im_yaml_number(r, v, "opacity", 0, 1, &st->opacity);
  }
  if (!strcmp(key, "visible")) {
    st->set |= IM_STYLE_VISIBLE;
    return im_yaml_bool(r, v, "visible", &st->visible);
  }
  if (!strcmp(key, "hatch")) {
    st->set |= IM_STYLE_HATCH;
    if (is_none(v)) {
      st->hatch.width = (im_length){0, IM_UNIT_PT};
      return IM_STATUS_OK;
    }
    static const char *const keys[] = {"color", "spacing", "width", "angle", NULL};
    if (im_yaml_each_pair(r, v, "hatch", keys, hatch_pair, st))
      return IM_STATUS_INPUT;
    if (st->hatch.spacing.value <= 0)
      return im_yaml_fail(r, v, "hatch spacing must be more than 0");
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "displace")) {
    st->set |= IM_STYLE_DISPLACE;
    st->displace.distance = (im_length){0, IM_UNIT_PT};
    st->displace.spacing = (im_length){IM_DISPLACE_SPACING_PT, IM_UNIT_PT};
    if (im_yaml_is_scalar(v)) { /* displace: false, or displace: 3pt */
      const char *text = fy_node_get_scalar0(im_yaml_deref(v));
      if (is_none(v) || (text && !strcasecmp(text, "false")))
        return IM_STATUS_OK;
      return im_yaml_length(r, v, "displace distance", IM_UNIT_PT, &st->displace.distance);
    }
    static const char *const keys[] = {"distance", "spacing", NULL};
    if (im_yaml_each_pair(r, v, "displace", keys, displace_pair, st))
      return IM_STATUS_INPUT;
    if (!(st->displace.spacing.value > 0))
      return im_yaml_fail(r, v, "displace spacing must be more than 0");
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "marker")) {
    if (im_yaml_is_scalar(v)) { /* marker: triangle */
      return marker_pair(r, "symbol", k, v, st);
    }
    static const char *const keys[] = {"symbol", "icon", "size", NULL};
    return im_yaml_each_pair(r, v, "marker", keys, marker_pair, st);
  }
  if (!strcmp(key, "label")) {
    if (im_yaml_is_scalar(v)) { /* label: "{NAME}" */
      if (is_none(v)) {
        st->set |= IM_STYLE_LABEL;
        free(st->label.text);
        st->label.text = NULL;
        return IM_STATUS_OK;
      }
      return label_pair(r, "text", k, v, st);
    }
    static const char *const keys[] = {"text",     "font",     "color", "halo", "case", "leader",
                                       "priority", "required", "short", "key",  NULL};
    return im_yaml_each_pair(r, v, "label", keys, label_pair, st);
  }
  return apply_names(c, v, st, NULL);
}

im_status im_spec_layer_style_names(im_spec_ctx *c, struct fy_node *v, im_layer_style *l) {
  return apply_names(c, v, &l->style, l);
}

static im_status style_only_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  return im_spec_style_pair((im_spec_ctx *)r, key, k, v, ctx);
}

im_status im_spec_read_style(im_spec_ctx *c, struct fy_node *v, const char *what, im_style *st) {
  static const char *const keys[] = {IM_SPEC_STYLE_KEYS, NULL};
  return im_yaml_each_pair(&c->r, v, what, keys, style_only_pair, st);
}

typedef struct {
  im_style *style;
  im_layer_style *extra;
} named_ctx;

static im_status named_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  im_spec_ctx *c = (im_spec_ctx *)r;
  named_ctx *x = vctx;
  if (!strcmp(key, "rules"))
    return im_spec_read_rules(c, v, x->extra);
  if (!strcmp(key, "classes"))
    return im_spec_read_classes(c, v, x->extra);
  if (!strcmp(key, "style")) /* building on other named styles brings their rules too */
    return apply_names(c, v, x->style, x->extra);
  return im_spec_style_pair(c, key, k, v, x->style);
}

static im_status styles_pair(im_yaml_reader *r, const char *key, struct fy_node *v) {
  im_spec_ctx *c = (im_spec_ctx *)r;
  if (!im_grow((void **)&c->styles, &c->cap_styles, c->nstyles + 1, sizeof *c->styles))
    return im_error_set(r->err, IM_STATUS_INTERNAL, r->file, 0, 0, "out of memory");
  im_named_style *ns = &c->styles[c->nstyles];
  memset(ns, 0, sizeof *ns);
  im_style_init_defaults(&ns->style);
  ns->style.set = 0;
  char what[160];
  snprintf(what, sizeof what, "style '%.100s'", key);
  static const char *const keys[] = {IM_SPEC_STYLE_KEYS, "rules", "classes", NULL};
  named_ctx x = {&ns->style, &ns->extra};
  im_status st = im_yaml_each_pair(r, v, what, keys, named_pair, &x);
  if (!st && !(ns->name = im_strdup(key)))
    st = im_error_set(r->err, IM_STATUS_INTERNAL, r->file, 0, 0, "out of memory");
  if (st) {
    free(ns->name);
    im_style_clear(&ns->style);
    im_layer_style_clear_rules_classes(&ns->extra);
    return st;
  }
  c->nstyles++;
  return IM_STATUS_OK;
}

/* Named styles are read in order: a style can build on one defined before
 * it (or in an included sheet) with style: NAME. A later definition of the
 * same name replaces the earlier one from then on. */
im_status im_spec_read_styles(im_spec_ctx *c, struct fy_node *v) {
  struct fy_node *d = im_yaml_deref(v);
  if (!d || !fy_node_is_mapping(d))
    return im_yaml_fail(&c->r, v, "styles must be a mapping of names to styles");
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(d, &it))) {
    struct fy_node *k = fy_node_pair_key(p);
    const char *key = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
    if (!key)
      return im_yaml_fail(&c->r, k, "style names must be plain names");
    if (styles_pair(&c->r, key, fy_node_pair_value(p)))
      return IM_STATUS_INPUT;
  }
  return IM_STATUS_OK;
}

im_status im_spec_read_palettes(im_spec_ctx *c, struct fy_node *v) {
  struct fy_node *d = im_yaml_deref(v);
  if (!d || !fy_node_is_mapping(d))
    return im_yaml_fail(&c->r, v, "palettes must be a mapping of names to {value: colour} mappings");
  im_map *m = c->map;
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(d, &it))) {
    struct fy_node *k = fy_node_pair_key(p), *pv = im_yaml_deref(fy_node_pair_value(p));
    const char *name = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
    if (!name)
      return im_yaml_fail(&c->r, k, "palette names must be plain names");
    if (!pv || !fy_node_is_mapping(pv))
      return im_yaml_fail(&c->r, k, "palette %s must map values to colours, e.g. {China: \"#d55e00\"}", name);
    size_t cap = m->npalettes;
    if (!im_grow((void **)&m->palettes, &cap, m->npalettes + 1, sizeof *m->palettes))
      return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
    im_spec_palette *pal = &m->palettes[m->npalettes++];
    memset(pal, 0, sizeof *pal);
    pal->name = im_strdup(name);
    int n = fy_node_mapping_item_count(pv);
    pal->entries = calloc(n > 0 ? (size_t)n : 1, sizeof *pal->entries);
    if (!pal->name || !pal->entries)
      return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
    void *it2 = NULL;
    struct fy_node_pair *e;
    while ((e = fy_node_mapping_iterate(pv, &it2))) {
      struct fy_node *ek = fy_node_pair_key(e);
      const char *value = ek && fy_node_is_scalar(ek) ? fy_node_get_scalar0(ek) : NULL;
      if (!value)
        return im_yaml_fail(&c->r, ek, "palette values must be plain values");
      im_palette_entry *pe = &pal->entries[pal->nentries];
      if (im_yaml_color(&c->r, fy_node_pair_value(e), "palette colour", &pe->color))
        return IM_STATUS_INPUT;
      if (!(pe->value = im_strdup(value)))
        return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
      pal->nentries++;
    }
  }
  return IM_STATUS_OK;
}
