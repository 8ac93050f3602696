/* Map furniture in specs: YAML -> im_furniture (furniture.h).
 *
 * Every item is optional and every key checked like the rest of the spec:
 * an unknown key or a bad value is an error at its file:line:column, with
 * "did you mean" when a known name is close. Top-level items are read after
 * layers:, so a legend can be checked against the layers it names. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cnum-private.h"
#include "core/mem-private.h"
#include "core/suggest-private.h"
#include "influmap/filter.h"
#include "spec/spec-furniture-private.h"

/* ---- the model ---- */

static const im_color box_bg = {1, 1, 1, 0.88}, box_border = {0.62, 0.62, 0.62, 1}, ink = {0.12, 0.12, 0.12, 1};

static im_furniture_place place(im_position p, im_placement pl) {
  return (im_furniture_place){.position = p, .placement = pl, .box = true, .background = box_bg, .border = box_border};
}

static im_text_block text_block(const char *font, im_color color, im_position p) {
  im_text_block t = {.visible = true, .font = (char *)font, .color = color, .at = place(p, IM_PLACE_AUTO)};
  t.at.border.a = 0; /* text boxes are a light veil, not framed */
  return t;
}

void im_furniture_init(im_furniture *f) {
  memset(f, 0, sizeof *f);
  f->frame_color = (im_color){0.3, 0.3, 0.3, 1};
  f->frame_width = (im_length){0.5, IM_UNIT_PT};
  /* Fonts stay NULL unless the spec names one: the renderer has defaults. */
  f->title = text_block(NULL, ink, IM_POS_TOP_LEFT);
  f->subtitle = text_block(NULL, (im_color){0.3, 0.3, 0.3, 1}, IM_POS_TOP_LEFT);
  f->credits = text_block(NULL, (im_color){0.35, 0.35, 0.35, 1}, IM_POS_BOTTOM_LEFT);
  f->disclaimer = text_block(NULL, (im_color){0.45, 0.45, 0.45, 1}, IM_POS_BOTTOM_LEFT);
  f->legend = (im_legend){.at = place(IM_POS_BOTTOM_LEFT, IM_PLACE_AUTO), .columns = 1, .color = ink};
  f->scalebar = (im_scalebar){
      .at = place(IM_POS_BOTTOM_RIGHT, IM_PLACE_AUTO), .tolerance = 0.05, .length = {35, IM_UNIT_MM}, .color = ink};
  f->north_arrow = (im_north_arrow){
      .at = place(IM_POS_TOP_RIGHT, IM_PLACE_AUTO), .size = {11, IM_UNIT_MM}, .color = ink, .tolerance = 5};
  f->graticule = (im_graticule){.lon_step = 10,
                                .lat_step = 10,
                                .labels = true,
                                .color = {0.36, 0.45, 0.55, 0.55},
                                .width = {0.3, IM_UNIT_PT},
                                .label_color = {0.3, 0.36, 0.43, 1}};
  f->key = (im_key){.at = place(IM_POS_BOTTOM, IM_PLACE_OUTSIDE), .color = ink};
  f->inset = (im_inset){.at = place(IM_POS_TOP_LEFT, IM_PLACE_AUTO),
                        .width = {30, IM_UNIT_MM},
                        .land = {0.80, 0.78, 0.73, 1},
                        .water = {0.86, 0.91, 0.96, 1},
                        .footprint_color = {0.84, 0.15, 0.16, 1},
                        .footprint_width = {1, IM_UNIT_PT}};
}

static void text_block_free(im_text_block *t) {
  free(t->text);
  free(t->font);
}

void im_furniture_free(im_furniture *f) {
  if (!f)
    return;
  for (size_t i = 0; i < f->nannotations; i++) {
    free(f->annotations[i].text);
    free(f->annotations[i].font);
    free(f->annotations[i].mark_layer);
    free(f->annotations[i].mark_text);
    im_filter_free(f->annotations[i].mark_where);
  }
  free(f->annotations);
  text_block_free(&f->title);
  text_block_free(&f->subtitle);
  text_block_free(&f->credits);
  text_block_free(&f->disclaimer);
  free(f->legend.title);
  free(f->legend.by);
  for (size_t i = 0; i < f->legend.nsections; i++) {
    free(f->legend.sections[i].title);
    free(f->legend.sections[i].by);
  }
  free(f->legend.sections);
  for (size_t i = 0; i < f->legend.nlayers; i++)
    free(f->legend.layers[i]);
  free(f->legend.layers);
  free(f->legend.font);
  free(f->legend.title_font);
  for (size_t i = 0; i < f->legend.nrelabel; i++) {
    free(f->legend.relabel_from[i]);
    free(f->legend.relabel_to[i]);
  }
  free(f->legend.relabel_from);
  free(f->legend.relabel_to);
  free(f->legend.no_data);
  free(f->scalebar.font);
  free(f->north_arrow.font);
  free(f->graticule.font);
  free(f->inset.crs);
  free(f->inset.source);
  free(f->key.title);
  free(f->key.font);
  free(f->key.title_font);
  free(f);
}

void im_furniture_margins_pt(const im_furniture *f, double dpi, double *top, double *right, double *bottom,
                             double *left) {
  *top = f ? im_length_to_pt(f->margins.top, dpi) : 0;
  *right = f ? im_length_to_pt(f->margins.right, dpi) : 0;
  *bottom = f ? im_length_to_pt(f->margins.bottom, dpi) : 0;
  *left = f ? im_length_to_pt(f->margins.left, dpi) : 0;
}

/* ---- reading helpers ---- */

static im_furniture *furniture_of(im_spec_ctx *c) {
  if (!c->map->furniture) {
    im_furniture *f = malloc(sizeof *f);
    if (!f)
      return NULL;
    im_furniture_init(f);
    c->map->furniture = f;
  }
  return c->map->furniture;
}

static im_status oom(im_spec_ctx *c) {
  return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
}

static bool is_word(struct fy_node *v, const char *word) {
  return im_yaml_is_scalar(v) && !strcasecmp(fy_node_get_scalar0(im_yaml_deref(v)), word);
}

static bool is_bool_word(struct fy_node *v, bool *out) {
  static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
  for (int i = 0; i < 3; i++) {
    if (is_word(v, yes[i]))
      return *out = true, true;
    if (is_word(v, no[i]))
      return *out = false, true;
  }
  return false;
}

static bool is_mapping(struct fy_node *v) {
  struct fy_node *d = im_yaml_deref(v);
  return d && fy_node_is_mapping(d);
}

static const char *const position_names[] = {"top-left",    "top",    "top-right",    "left", "right",
                                             "bottom-left", "bottom", "bottom-right", NULL};
static const char *const placement_names[] = {"auto", "inside", "outside", "page", NULL};

#define PLACE_KEYS "position", "placement", "box", "background", "border"

/* One of PLACE_KEYS; true when key was one. */
static bool place_pair(im_yaml_reader *r, const char *key, struct fy_node *v, im_furniture_place *p, im_status *st) {
  int choice = 0;
  if (!strcmp(key, "position")) {
    *st = im_yaml_choice(r, v, "position", position_names, &choice);
    p->position = (im_position)choice;
  } else if (!strcmp(key, "placement")) {
    *st = im_yaml_choice(r, v, "placement", placement_names, &choice);
    p->placement = (im_placement)choice;
  } else if (!strcmp(key, "box")) {
    *st = im_yaml_bool(r, v, "box", &p->box);
  } else if (!strcmp(key, "background")) {
    *st = im_yaml_color(r, v, "box background", &p->background);
  } else if (!strcmp(key, "border")) {
    *st = im_yaml_color(r, v, "box border", &p->border);
  } else {
    return false;
  }
  return true;
}

/* ---- map: text blocks, margins, frame ---- */

typedef struct {
  im_spec_ctx *c;
  im_text_block *t;
  const char *what;
  bool is_title;
} text_ctx;

static im_status text_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  text_ctx *tc = vctx;
  im_status st = IM_STATUS_OK;
  if (place_pair(r, key, v, &tc->t->at, &st))
    return st;
  if (!strcmp(key, "text"))
    return im_yaml_string(r, v, "text", tc->is_title ? &tc->c->map->title : &tc->t->text);
  if (!strcmp(key, "font"))
    return im_yaml_string(r, v, "font", &tc->t->font);
  if (!strcmp(key, "color"))
    return im_yaml_color(r, v, "text color", &tc->t->color);
  if (!strcmp(key, "width"))
    return im_yaml_length(r, v, "text width", IM_UNIT_MM, &tc->t->width);
  return im_yaml_bool(r, v, "visible", &tc->t->visible);
}

static im_status read_text_block(im_spec_ctx *c, struct fy_node *v, const char *what, im_text_block *t, bool is_title) {
  t->at.pos = im_yaml_pos(v);
  if (!is_mapping(v))
    return im_yaml_string(&c->r, v, what, is_title ? &c->map->title : &t->text);
  static const char *const keys[] = {"text", "font", "color", "width", "visible", PLACE_KEYS, NULL};
  text_ctx tc = {c, t, what, is_title};
  if (im_yaml_each_pair(&c->r, v, what, keys, text_pair, &tc))
    return IM_STATUS_INPUT;
  if (!(is_title ? c->map->title : t->text))
    return im_yaml_fail(&c->r, v, "%s needs a text", what);
  return IM_STATUS_OK;
}

static im_status margin_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_margins *m = ctx;
  im_length *dst = !strcmp(key, "top")      ? &m->top
                   : !strcmp(key, "right")  ? &m->right
                   : !strcmp(key, "bottom") ? &m->bottom
                                            : &m->left;
  return im_yaml_length(r, v, key, IM_UNIT_MM, dst);
}

static im_status read_margins(im_spec_ctx *c, struct fy_node *v, im_margins *m) {
  if (!is_mapping(v)) {
    im_length all;
    if (im_yaml_length(&c->r, v, "margins", IM_UNIT_MM, &all))
      return IM_STATUS_INPUT;
    *m = (im_margins){all, all, all, all};
    return IM_STATUS_OK;
  }
  static const char *const keys[] = {"top", "right", "bottom", "left", NULL};
  return im_yaml_each_pair(&c->r, v, "margins", keys, margin_pair, m);
}

static im_status frame_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *ctx) {
  (void)k;
  im_furniture *f = ctx;
  if (!strcmp(key, "color"))
    return im_yaml_color(r, v, "frame color", &f->frame_color);
  return im_yaml_length(r, v, "frame width", IM_UNIT_PT, &f->frame_width);
}

im_status im_spec_furniture_map_pair(im_spec_ctx *c, const char *key, struct fy_node *k, struct fy_node *v) {
  (void)k;
  im_furniture *f = furniture_of(c);
  if (!f)
    return oom(c);
  if (!strcmp(key, "title"))
    return read_text_block(c, v, "title", &f->title, true);
  if (!strcmp(key, "subtitle"))
    return read_text_block(c, v, "subtitle", &f->subtitle, false);
  if (!strcmp(key, "credits"))
    return read_text_block(c, v, "credits", &f->credits, false);
  if (!strcmp(key, "disclaimer"))
    return read_text_block(c, v, "disclaimer", &f->disclaimer, false);
  if (!strcmp(key, "margins"))
    return read_margins(c, v, &f->margins);
  /* frame: none | COLOUR | {color, width} */
  f->frame_set = true;
  if (is_word(v, "none")) {
    f->frame_color.a = 0;
    return IM_STATUS_OK;
  }
  if (!is_mapping(v))
    return im_yaml_color(&c->r, v, "frame", &f->frame_color);
  static const char *const keys[] = {"color", "width", NULL};
  return im_yaml_each_pair(&c->r, v, "frame", keys, frame_pair, f);
}

/* ---- legend ---- */

static im_status read_layer_list(im_spec_ctx *c, struct fy_node *v, im_legend *lg) {
  struct fy_node *d = im_yaml_deref(v);
  lg->layers_pos = im_yaml_pos(v);
  bool list = d && fy_node_is_sequence(d);
  size_t n = list ? (size_t)fy_node_sequence_item_count(d) : 1;
  if (!(lg->layers = calloc(n ? n : 1, sizeof *lg->layers)))
    return oom(c);
  void *it = NULL;
  struct fy_node *item = list ? fy_node_sequence_iterate(d, &it) : v;
  for (; item; item = list ? fy_node_sequence_iterate(d, &it) : NULL) {
    if (im_yaml_string(&c->r, item, "legend layer", &lg->layers[lg->nlayers]))
      return IM_STATUS_INPUT;
    const char *id = lg->layers[lg->nlayers++];
    size_t i;
    for (i = 0; i < c->map->nlayers && strcmp(c->map->layers[i].id, id); i++)
      ;
    if (i == c->map->nlayers) {
      const char **ids = im_malloc_array(c->map->nlayers + 1, sizeof *ids);
      if (!ids)
        return oom(c);
      for (i = 0; i < c->map->nlayers; i++)
        ids[i] = c->map->layers[i].id;
      const char *near = im_suggest(id, ids, c->map->nlayers);
      im_status st = near ? im_yaml_fail(&c->r, item, "legend: no layer has the id '%s' (did you mean '%s'?)", id, near)
                          : im_yaml_fail(&c->r, item, "legend: no layer has the id '%s'", id);
      free(ids);
      return st;
    }
  }
  return IM_STATUS_OK;
}

static im_status section_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_legend_section *sec = vctx;
  if (!strcmp(key, "title"))
    return im_yaml_string(r, v, "legend section title", &sec->title);
  sec->by_pos = im_yaml_pos(v);
  return im_yaml_string(r, v, "legend section by", &sec->by);
}

/* k, the key: an empty flow list ([]) has no place of its own to name. */
static im_status read_sections(im_spec_ctx *c, struct fy_node *k, struct fy_node *v, im_legend *lg) {
  struct fy_node *d = im_yaml_deref(v);
  if (!d || !fy_node_is_sequence(d))
    return im_yaml_fail(&c->r, v, "legend sections must be a list of {title, by}");
  int n = fy_node_sequence_item_count(d);
  if (n < 1 || n > 8)
    return im_yaml_fail(&c->r, k, "a legend has 1 to 8 sections, not %d", n);
  if (!(lg->sections = calloc((size_t)n, sizeof *lg->sections)))
    return oom(c);
  void *it = NULL;
  struct fy_node *item;
  static const char *const keys[] = {"title", "by", NULL};
  while ((item = fy_node_sequence_iterate(d, &it))) {
    im_legend_section *sec = &lg->sections[lg->nsections++];
    if (im_yaml_each_pair(&c->r, item, "legend section", keys, section_pair, sec))
      return IM_STATUS_INPUT;
    if (!sec->by)
      return im_yaml_fail(&c->r, item, "a legend section needs by: (the field whose values are its rows)");
  }
  return IM_STATUS_OK;
}

/* One pair of legend labels: VALUE: "Text". */
static im_status relabel_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_legend *lg = vctx;
  size_t n = lg->nrelabel;
  char **from = realloc(lg->relabel_from, (n + 1) * sizeof *from);
  if (!from)
    return oom((im_spec_ctx *)r);
  lg->relabel_from = from;
  char **to = realloc(lg->relabel_to, (n + 1) * sizeof *to);
  if (!to)
    return oom((im_spec_ctx *)r);
  lg->relabel_to = to;
  to[n] = NULL;
  if (im_yaml_string(r, v, "legend label", &to[n]))
    return IM_STATUS_INPUT;
  if (!(from[n] = im_strdup(key))) {
    free(to[n]);
    return oom((im_spec_ctx *)r);
  }
  lg->nrelabel++;
  return IM_STATUS_OK;
}

/* legend labels: any value may be a key, so the mapping is read here
 * rather than by im_yaml_each_pair, which checks keys against a list. */
static im_status read_relabels(im_spec_ctx *c, struct fy_node *v, im_legend *lg) {
  struct fy_node *m = im_yaml_deref(v);
  if (!m || !fy_node_is_mapping(m))
    return im_yaml_fail(&c->r, v, "legend labels must be a mapping of values to texts: {proposed: Planned}");
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(m, &it))) {
    struct fy_node *k = fy_node_pair_key(p);
    const char *key = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
    if (!key)
      return im_yaml_fail(&c->r, k ? k : v, "keys in legend labels must be plain values");
    if (relabel_pair(&c->r, key, k, fy_node_pair_value(p), lg))
      return IM_STATUS_INPUT;
  }
  return IM_STATUS_OK;
}

static im_status legend_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  /* k names the key in messages about the whole value (sections: []). */
  im_spec_ctx *c = (im_spec_ctx *)r;
  im_legend *lg = vctx;
  im_status st = IM_STATUS_OK;
  if (place_pair(r, key, v, &lg->at, &st))
    return st;
  if (!strcmp(key, "title"))
    return im_yaml_string(r, v, "legend title", &lg->title);
  if (!strcmp(key, "by")) {
    lg->by_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "legend by", &lg->by);
  }
  if (!strcmp(key, "layers"))
    return read_layer_list(c, v, lg);
  if (!strcmp(key, "sections"))
    return read_sections(c, k, v, lg);
  if (!strcmp(key, "columns")) {
    double n;
    if (im_yaml_number(r, v, "legend columns", 1, 12, &n))
      return IM_STATUS_INPUT;
    if (n != (int)n)
      return im_yaml_fail(r, v, "legend columns must be a whole number");
    lg->columns = (int)n;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "counts"))
    return im_yaml_bool(r, v, "legend counts", &lg->counts);
  if (!strcmp(key, "labels"))
    return read_relabels(c, v, lg);
  if (!strcmp(key, "no_data"))
    return im_yaml_string(r, v, "legend no_data", &lg->no_data);
  if (!strcmp(key, "width"))
    return im_yaml_length(r, v, "legend width", IM_UNIT_MM, &lg->width);
  if (!strcmp(key, "font"))
    return im_yaml_string(r, v, "legend font", &lg->font);
  if (!strcmp(key, "title_font"))
    return im_yaml_string(r, v, "legend title_font", &lg->title_font);
  if (!strcmp(key, "color"))
    return im_yaml_color(r, v, "legend color", &lg->color);
  static const char *const sorts[] = {"data", "label", NULL};
  int choice;
  if (im_yaml_choice(r, v, "legend sort", sorts, &choice))
    return IM_STATUS_INPUT;
  lg->sort = (im_legend_sort)choice;
  return IM_STATUS_OK;
}

/* Whether text names field as a whole word (case-insensitively): a rule's
 * where: that styles by the field ("status in ('proposed')"). */
static bool names_field(const char *text, const char *field) {
  size_t n = strlen(field);
  for (const char *p = text; p && *p; p++) {
    bool start = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
    if (start && !strncasecmp(p, field, n) && !(isalnum((unsigned char)p[n]) || p[n] == '_'))
      return true;
  }
  return false;
}

/* by: must be a field the legend's layers are styled by: the field of one
 * of their classes or of their proportional symbols, or one their rules
 * test. */
static im_status check_legend_by(im_spec_ctx *c, const im_legend *lg, const char *by, im_spec_pos pos) {
  const im_map *m = c->map;
  const char *fields[64];
  size_t nf = 0;
  for (size_t i = 0; i < m->nlayers; i++) {
    const im_layer_style *l = &m->layers[i];
    bool listed = !lg->nlayers;
    for (size_t k = 0; k < lg->nlayers && !listed; k++)
      listed = !strcmp(lg->layers[k], l->id);
    for (size_t k = 0; listed && k < l->nclasses; k++) {
      if (!strcasecmp(l->classes[k].field, by))
        return IM_STATUS_OK;
      if (nf < 64)
        fields[nf++] = l->classes[k].field;
    }
    for (size_t k = 0; listed && k < l->nrules; k++)
      if (l->rules[k].where.text && names_field(l->rules[k].where.text, by))
        return IM_STATUS_OK;
    /* Proportional symbols (marker: size: {field}) are styled by theirs. */
    const char *size = l->style.marker_scale.field;
    if (listed && size && !strcasecmp(size, by))
      return IM_STATUS_OK;
    if (listed && size && nf < 64)
      fields[nf++] = size;
  }
  const char *near = im_suggest(by, fields, nf);
  if (near)
    return im_error_set(c->r.err, IM_STATUS_INPUT, c->r.file, pos.line, pos.column,
                        "legend: by: '%s' is not a field the legend's layers are styled by (did you mean '%s'?)", by,
                        near);
  return im_error_set(c->r.err, IM_STATUS_INPUT, c->r.file, pos.line, pos.column,
                      "legend: by: '%s' is not a field the legend's layers are styled by (their classes or rules)", by);
}

static im_status check_legend(im_spec_ctx *c, const im_legend *lg) {
  if (!lg->enabled)
    return IM_STATUS_OK;
  if (lg->by && !lg->nsections)
    return check_legend_by(c, lg, lg->by, lg->by_pos);
  for (size_t i = 0; i < lg->nsections; i++)
    if (check_legend_by(c, lg, lg->sections[i].by, lg->sections[i].by_pos))
      return IM_STATUS_INPUT;
  return IM_STATUS_OK;
}

/* ---- scale bar, north arrow ---- */

static im_status scalebar_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_scalebar *sb = vctx;
  im_status st = IM_STATUS_OK;
  if (place_pair(r, key, v, &sb->at, &st))
    return st;
  if (!strcmp(key, "units")) {
    static const char *const units[] = {"km", "mi", "nmi", NULL};
    int choice;
    if (im_yaml_choice(r, v, "scalebar units", units, &choice))
      return IM_STATUS_INPUT;
    sb->units = (im_scale_units)choice;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "length"))
    return im_yaml_length(r, v, "scalebar length", IM_UNIT_MM, &sb->length);
  if (!strcmp(key, "segments")) {
    double n;
    if (im_yaml_number(r, v, "scalebar segments", 1, 10, &n))
      return IM_STATUS_INPUT;
    sb->segments = (int)n;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "force"))
    return im_yaml_bool(r, v, "scalebar force", &sb->force);
  if (!strcmp(key, "tolerance")) {
    if (im_yaml_number(r, v, "scalebar tolerance", 0, 100, &sb->tolerance))
      return IM_STATUS_INPUT;
    sb->tolerance /= 100; /* written in percent */
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "at_latitude")) {
    sb->has_latitude = true;
    return im_yaml_number(r, v, "scalebar at_latitude", -85, 85, &sb->at_latitude);
  }
  if (!strcmp(key, "font"))
    return im_yaml_string(r, v, "scalebar font", &sb->font);
  return im_yaml_color(r, v, "scalebar color", &sb->color);
}

static im_status north_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_north_arrow *na = vctx;
  im_status st = IM_STATUS_OK;
  if (place_pair(r, key, v, &na->at, &st))
    return st;
  if (!strcmp(key, "size"))
    return im_yaml_length(r, v, "north_arrow size", IM_UNIT_MM, &na->size);
  if (!strcmp(key, "tolerance"))
    return im_yaml_number(r, v, "north_arrow tolerance", 0, 180, &na->tolerance);
  if (!strcmp(key, "at_centre"))
    return im_yaml_bool(r, v, "north_arrow at_centre", &na->at_centre);
  if (!strcmp(key, "font"))
    return im_yaml_string(r, v, "north_arrow font", &na->font);
  return im_yaml_color(r, v, "north_arrow color", &na->color);
}

/* ---- graticule ---- */

static im_status graticule_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_graticule *g = vctx;
  if (!strcmp(key, "step")) {
    if (im_yaml_number(r, v, "graticule step", 1.0 / 60, 90, &g->lon_step))
      return IM_STATUS_INPUT;
    g->lat_step = g->lon_step;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "lon_step"))
    return im_yaml_number(r, v, "graticule lon_step", 1.0 / 60, 180, &g->lon_step);
  if (!strcmp(key, "lat_step"))
    return im_yaml_number(r, v, "graticule lat_step", 1.0 / 60, 90, &g->lat_step);
  if (!strcmp(key, "labels"))
    return im_yaml_bool(r, v, "graticule labels", &g->labels);
  if (!strcmp(key, "minutes"))
    return im_yaml_bool(r, v, "graticule minutes", &g->minutes);
  if (!strcmp(key, "over"))
    return im_yaml_bool(r, v, "graticule over", &g->over);
  if (!strcmp(key, "color"))
    return im_yaml_color(r, v, "graticule color", &g->color);
  if (!strcmp(key, "width"))
    return im_yaml_length(r, v, "graticule width", IM_UNIT_PT, &g->width);
  if (!strcmp(key, "font"))
    return im_yaml_string(r, v, "graticule font", &g->font);
  if (!strcmp(key, "label_color"))
    return im_yaml_color(r, v, "graticule label_color", &g->label_color);
  int choice;
  if (im_yaml_choice(r, v, "graticule label_placement", placement_names, &choice))
    return IM_STATUS_INPUT;
  if (choice == IM_PLACE_PAGE)
    return im_yaml_fail(r, v, "graticule label_placement must be auto, inside or outside");
  g->label_placement = (im_placement)choice;
  return IM_STATUS_OK;
}

/* ---- inset ---- */

typedef struct {
  im_extent *e;
  bool have[4];
  double v[4];
} extent_ctx;

static im_status extent_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  static const char *const deg[] = {"west", "east", "south", "north"}, *const crs[] = {"xmin", "xmax", "ymin", "ymax"};
  extent_ctx *ec = vctx;
  for (int i = 0; i < 4; i++) {
    bool is_deg = !strcmp(key, deg[i]);
    if (!is_deg && strcmp(key, crs[i]))
      continue;
    im_extent_kind kind = is_deg ? IM_EXTENT_DEGREES : IM_EXTENT_CRS;
    if (ec->e->kind != IM_EXTENT_AUTO && ec->e->kind != kind)
      return im_yaml_fail(r, k, "extent mixes degrees (west/east/south/north) with CRS units (xmin/xmax/ymin/ymax)");
    ec->e->kind = kind;
    ec->have[i] = true;
    return im_yaml_number(r, v, key, is_deg ? (i < 2 ? -540 : -90) : -1e15, is_deg ? (i < 2 ? 540 : 90) : 1e15,
                          &ec->v[i]);
  }
  return IM_STATUS_INPUT; /* not reached: keys are checked first */
}

static im_status read_inset_extent(im_spec_ctx *c, struct fy_node *k, struct fy_node *v, im_extent *e) {
  static const char *const keys[] = {"west", "east", "south", "north", "xmin", "xmax", "ymin", "ymax", NULL};
  extent_ctx ec = {.e = e};
  e->pos = im_yaml_pos(k);
  if (im_yaml_each_pair(&c->r, v, "inset extent", keys, extent_pair, &ec))
    return IM_STATUS_INPUT;
  for (int i = 0; i < 4; i++)
    if (!ec.have[i])
      return im_yaml_fail(&c->r, k,
                          "inset extent needs all four sides (west, east, south, north or xmin, xmax, "
                          "ymin, ymax)");
  e->west = ec.v[0], e->east = ec.v[1], e->south = ec.v[2], e->north = ec.v[3];
  if (e->south >= e->north || (e->kind == IM_EXTENT_CRS && e->west >= e->east) || e->west == e->east)
    return im_yaml_fail(&c->r, k, "inset extent has no width or no height");
  return IM_STATUS_OK;
}

static im_status footprint_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_inset *in = vctx;
  if (!strcmp(key, "color"))
    return im_yaml_color(r, v, "footprint color", &in->footprint_color);
  return im_yaml_length(r, v, "footprint width", IM_UNIT_PT, &in->footprint_width);
}

static im_status inset_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  im_spec_ctx *c = (im_spec_ctx *)r;
  im_inset *in = vctx;
  im_status st = IM_STATUS_OK;
  if (place_pair(r, key, v, &in->at, &st))
    return st;
  if (!strcmp(key, "crs")) {
    in->crs_pos = im_yaml_pos(v);
    return im_yaml_string(r, v, "inset crs", &in->crs);
  }
  if (!strcmp(key, "extent"))
    return read_inset_extent(c, k, v, &in->extent);
  if (!strcmp(key, "size") || !strcmp(key, "width")) {
    if (im_yaml_length(r, v, "inset size", IM_UNIT_MM, &in->width))
      return IM_STATUS_INPUT;
    if (in->width.value <= 0)
      return im_yaml_fail(r, v, "inset size must be more than 0");
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "height"))
    return im_yaml_length(r, v, "inset height", IM_UNIT_MM, &in->height);
  if (!strcmp(key, "source")) {
    char *rel = NULL;
    in->source_pos = im_yaml_pos(v);
    if (im_yaml_string(r, v, "inset source", &rel))
      return IM_STATUS_INPUT;
    char *path = im_yaml_resolve(r, in->source_pos.line, in->source_pos.column, "inset source", rel);
    if (!path) {
      free(rel);
      return r->err ? r->err->status : IM_STATUS_INPUT;
    }
    if (!im_yaml_file_exists(path)) {
      st = im_yaml_fail(r, v, "inset: source '%s' not found (looked beside the spec and in the current folder)", rel);
      if (r->err)
        r->err->code = IM_E_NOT_FOUND;
      free(rel);
      free(path);
      return st;
    }
    free(rel);
    free(in->source);
    in->source = path;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "land"))
    return im_yaml_color(r, v, "inset land", &in->land);
  if (!strcmp(key, "water"))
    return im_yaml_color(r, v, "inset water", &in->water);
  if (!strcmp(key, "land_border"))
    return im_yaml_color(r, v, "inset land_border", &in->land_border);
  /* footprint: COLOUR | {color, width} */
  if (!is_mapping(v))
    return im_yaml_color(r, v, "inset footprint", &in->footprint_color);
  static const char *const keys[] = {"color", "width", NULL};
  return im_yaml_each_pair(r, v, "inset footprint", keys, footprint_pair, in);
}

static im_status key_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_key *ky = vctx;
  im_status st = IM_STATUS_OK;
  if (place_pair(r, key, v, &ky->at, &st))
    return st;
  if (!strcmp(key, "title"))
    return im_yaml_string(r, v, "key title", &ky->title);
  if (!strcmp(key, "font"))
    return im_yaml_string(r, v, "key font", &ky->font);
  if (!strcmp(key, "title_font"))
    return im_yaml_string(r, v, "key title_font", &ky->title_font);
  if (!strcmp(key, "color"))
    return im_yaml_color(r, v, "key color", &ky->color);
  double cols;
  if (im_yaml_number(r, v, "key columns", 0, 12, &cols))
    return IM_STATUS_INPUT;
  if (cols != floor(cols))
    return im_yaml_fail(r, v, "key columns must be a whole number from 0 (as many as fit) to 12");
  ky->columns = (int)cols;
  return IM_STATUS_OK;
}

/* ---- the top level ---- */

/* true/false switch an item on or off with its defaults; a mapping sets
 * keys (and switches it on). */
static im_status read_item(im_spec_ctx *c, struct fy_node *v, const char *what, const char *const *keys,
                           im_yaml_pair_fn fn, void *item, bool *enabled, im_furniture_place *at) {
  bool on;
  if (at)
    at->pos = im_yaml_pos(v);
  if (is_bool_word(v, &on)) {
    *enabled = on;
    return IM_STATUS_OK;
  }
  if (!is_mapping(v))
    return im_yaml_fail(&c->r, v, "%s must be true, false or a mapping of keys to values", what);
  *enabled = true;
  return im_yaml_each_pair(&c->r, v, what, keys, fn, item);
}

static im_status top_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  im_spec_ctx *c = (im_spec_ctx *)r;
  im_furniture *f = vctx;
  if (!strcmp(key, "legend")) {
    static const char *const keys[] = {"title",  "by",     "sections",   "layers",   "columns",
                                       "counts", "width",  "title_font", "font",     "color",
                                       "sort",   "labels", "no_data",    PLACE_KEYS, NULL};
    im_legend *lg = &f->legend;
    if (read_item(c, v, "legend", keys, legend_pair, lg, &lg->enabled, &lg->at))
      return IM_STATUS_INPUT;
    return check_legend(c, lg);
  }
  if (!strcmp(key, "scalebar")) {
    static const char *const keys[] = {"units", "length", "segments",    "force",    "tolerance",
                                       "font",  "color",  "at_latitude", PLACE_KEYS, NULL};
    return read_item(c, v, "scalebar", keys, scalebar_pair, &f->scalebar, &f->scalebar.enabled, &f->scalebar.at);
  }
  if (!strcmp(key, "north_arrow")) {
    static const char *const keys[] = {"size", "font", "color", "tolerance", "at_centre", PLACE_KEYS, NULL};
    return read_item(c, v, "north_arrow", keys, north_pair, &f->north_arrow, &f->north_arrow.enabled,
                     &f->north_arrow.at);
  }
  if (!strcmp(key, "key")) {
    /* Always in a margin: inside the frame it would hide marks whose
     * numbers are decided only once the labels are placed. */
    static const char *const keys[] = {"title", "font", "title_font", "color", "columns", "position", NULL};
    return read_item(c, v, "key", keys, key_pair, &f->key, &f->key.enabled, &f->key.at);
  }
  if (!strcmp(key, "graticule")) {
    im_graticule *g = &f->graticule;
    g->pos = im_yaml_pos(v);
    const char *s;
    char *end;
    /* graticule: 10 is the step */
    if (im_yaml_is_scalar(v) && (s = fy_node_get_scalar0(im_yaml_deref(v))) && im_strtod(s, &end) && !*end) {
      g->enabled = true;
      if (im_yaml_number(r, v, "graticule step", 1.0 / 60, 90, &g->lon_step))
        return IM_STATUS_INPUT;
      g->lat_step = g->lon_step;
      return IM_STATUS_OK;
    }
    static const char *const keys[] = {"step",  "lon_step", "lat_step", "labels",      "minutes",         "over",
                                       "color", "width",    "font",     "label_color", "label_placement", NULL};
    return read_item(c, v, "graticule", keys, graticule_pair, g, &g->enabled, NULL);
  }
  static const char *const keys[] = {"crs",  "extent", "size",        "width",     "height",   "source",
                                     "land", "water",  "land_border", "footprint", PLACE_KEYS, NULL};
  im_inset *in = &f->inset;
  if (read_item(c, v, "inset", keys, inset_pair, in, &in->enabled, &in->at))
    return IM_STATUS_INPUT;
  if (in->enabled && !in->source) {
    /* Without a source: the map's first layer, which is usually the land
     * (the inset reads a file: not one the host binds). */
    if (c->map->nlayers && c->map->layers[0].memory)
      return im_yaml_fail(r, v,
                          "inset needs a source: the first layer, whose source it would take, is bound by the "
                          "host (source: memory)");
    if (!c->map->nlayers || !(in->source = im_strdup(c->map->layers[0].source)))
      return c->map->nlayers ? oom(c) : im_yaml_fail(r, v, "inset needs a source (a polygon layer such as countries)");
  }
  return IM_STATUS_OK;
}

im_status im_spec_read_furniture(im_spec_ctx *c, struct fy_node *root) {
  static const char *const keys[] = {IM_SPEC_FURNITURE_TOP_KEYS, NULL};
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(root, &it))) {
    struct fy_node *k = fy_node_pair_key(p);
    const char *key = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
    size_t i;
    for (i = 0; key && keys[i] && strcmp(keys[i], key); i++)
      ;
    if (!key || !keys[i])
      continue; /* the spec's other keys, checked by its reader */
    im_furniture *f = furniture_of(c);
    if (!f)
      return oom(c);
    im_status st = top_pair(&c->r, key, k, fy_node_pair_value(p), f);
    if (st)
      return st;
  }
  return IM_STATUS_OK;
}

im_status im_spec_layer_legend(im_spec_ctx *c, struct fy_node *v, im_layer_style *l) {
  bool on;
  if (is_bool_word(v, &on)) {
    l->legend_hide = !on;
    return IM_STATUS_OK;
  }
  l->legend_hide = false;
  return im_yaml_string(&c->r, v, "layer legend", &l->legend_label);
}
