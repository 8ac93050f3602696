/* annotations: at the top of a spec (docs/style-language.md,
 * "Annotations"): free text on the map, at a place or a page position,
 * with an arrow or a plain leader to a place, a halo and a box. Drawn and
 * made label obstacles by furniture/annotations.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "influmap/filter.h"
#include "spec/spec-furniture-private.h"

typedef struct {
  im_spec_ctx *c;
  im_annotation *a;
  bool has_lon, has_lat, has_x, has_y;
} ann_ctx;

/* A length that may be negative (an offset left or up). */
static im_status xy_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  ann_ctx *x = vctx;
  bool is_x = !strcmp(key, "x");
  *(is_x ? &x->has_x : &x->has_y) = true;
  im_length *out = is_x ? &x->a->dx : &x->a->dy;
  const char *s;
  if (im_yaml_scalar(r, v, key, &s))
    return IM_STATUS_INPUT;
  bool minus = *s == '-';
  if (!im_length_parse(s + minus, IM_UNIT_MM, out))
    return im_yaml_fail(r, v, "%s must be a length such as 20mm, -12mm or 30pt", key);
  if (minus)
    out->value = -out->value;
  return IM_STATUS_OK;
}

static im_status place_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  ann_ctx *x = vctx;
  bool lon = !strcmp(key, "lon");
  *(lon ? &x->has_lon : &x->has_lat) = true;
  return lon ? im_yaml_number(r, v, "lon", -540, 540, &x->a->lon) : im_yaml_number(r, v, "lat", -90, 90, &x->a->lat);
}

static im_status halo_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  im_annotation *a = vctx;
  if (!strcmp(key, "color"))
    return im_yaml_color(r, v, "halo color", &a->halo_color);
  return im_yaml_length(r, v, "halo width", IM_UNIT_PT, &a->halo_width);
}

static im_status mark_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  (void)k;
  ann_ctx *x = vctx;
  im_annotation *a = x->a;
  if (!strcmp(key, "layer"))
    return im_yaml_string(r, v, "mark layer", &a->mark_layer);
  if (im_yaml_string(r, v, "mark where", &a->mark_text))
    return IM_STATUS_INPUT;
  im_spec_pos pos = im_yaml_pos(v);
  return im_filter_parse(a->mark_text, r->file, pos.line, pos.column, &a->mark_where, r->err);
}

static im_status ann_pair(im_yaml_reader *r, const char *key, struct fy_node *k, struct fy_node *v, void *vctx) {
  ann_ctx *x = vctx;
  im_annotation *a = x->a;
  static const char *const xy[] = {"x", "y", NULL};
  if (!strcmp(key, "text"))
    return im_yaml_string(r, v, "annotation text", &a->text);
  if (!strcmp(key, "at")) {
    static const char *const ll[] = {"lon", "lat", NULL};
    a->has_place = true;
    if (im_yaml_each_pair(r, v, "at", ll, place_pair, x))
      return IM_STATUS_INPUT;
    if (!x->has_lon || !x->has_lat)
      return im_yaml_fail(r, v, "at: needs lon and lat (degrees)");
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "mark")) {
    static const char *const keys[] = {"layer", "where", NULL};
    a->mark_pos = im_yaml_pos(v);
    if (im_yaml_each_pair(r, v, "mark", keys, mark_pair, x))
      return IM_STATUS_INPUT;
    if (!a->mark_layer || !a->mark_where)
      return im_yaml_fail(r, v, "mark: needs layer: (a layer's id) and where: (a filter that one of its points meets)");
    if (!im_map_layer(x->c->map, a->mark_layer))
      return im_yaml_fail(r, v, "mark: no layer has the id '%s'", a->mark_layer);
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "offset") || !strcmp(key, "page")) {
    if (a->where != IM_ANNOTATION_AT)
      return im_yaml_fail(r, k, "an annotation takes one of offset: (from its place) or page: (from the frame)");
    a->where = !strcmp(key, "offset") ? IM_ANNOTATION_OFFSET : IM_ANNOTATION_PAGE;
    if (im_yaml_each_pair(r, v, key, xy, xy_pair, x))
      return IM_STATUS_INPUT;
    if (!x->has_x || !x->has_y)
      return im_yaml_fail(r, v, "%s: needs x and y (lengths)", key);
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "leader")) {
    static const char *const kinds[] = {"arrow", "line", "none", NULL};
    int choice;
    if (im_yaml_choice(r, v, "leader", kinds, &choice))
      return IM_STATUS_INPUT;
    a->leader = (im_leader_kind)choice;
    return IM_STATUS_OK;
  }
  if (!strcmp(key, "font"))
    return im_yaml_string(r, v, "font", &a->font);
  if (!strcmp(key, "color"))
    return im_yaml_color(r, v, "text color", &a->color);
  if (!strcmp(key, "width"))
    return im_yaml_length(r, v, "text width", IM_UNIT_MM, &a->width);
  if (!strcmp(key, "halo")) {
    static const char *const keys[] = {"color", "width", NULL};
    return im_yaml_each_pair(r, v, "halo", keys, halo_pair, a);
  }
  if (!strcmp(key, "box"))
    return im_yaml_bool(r, v, "box", &a->box);
  if (!strcmp(key, "background"))
    return im_yaml_color(r, v, "box background", &a->background);
  return im_yaml_color(r, v, "box border", &a->border);
}

im_status im_spec_read_annotations(im_spec_ctx *c, struct fy_node *root) {
  struct fy_node *v = NULL;
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(root, &it))) {
    struct fy_node *k = fy_node_pair_key(p);
    if (k && fy_node_is_scalar(k) && !strcmp(fy_node_get_scalar0(k), "annotations"))
      v = fy_node_pair_value(p);
  }
  if (!v)
    return IM_STATUS_OK;
  struct fy_node *d = im_yaml_deref(v);
  if (!d || !fy_node_is_sequence(d))
    return im_yaml_fail(&c->r, v, "annotations must be a list (each starting with '- text: ...')");
  if (!c->map->furniture) {
    if (!(c->map->furniture = malloc(sizeof *c->map->furniture)))
      return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
    im_furniture_init(c->map->furniture);
  }
  im_furniture *f = c->map->furniture;
  int n = fy_node_sequence_item_count(d);
  if (!(f->annotations = calloc(n > 0 ? (size_t)n : 1, sizeof *f->annotations)))
    return im_error_set(c->r.err, IM_STATUS_INTERNAL, c->r.file, 0, 0, "out of memory");
  static const char *const keys[] = {"text",  "at",    "mark", "offset", "page",       "leader", "font",
                                     "color", "width", "halo", "box",    "background", "border", NULL};
  void *iter = NULL;
  struct fy_node *item;
  while ((item = fy_node_sequence_iterate(d, &iter))) {
    im_annotation *a = &f->annotations[f->nannotations++];
    *a = (im_annotation){.pos = im_yaml_pos(item),
                         .file = c->r.file,
                         .color = {0.12, 0.12, 0.12, 1},
                         .halo_color = {1, 1, 1, 1},
                         .halo_width = {1.2, IM_UNIT_PT},
                         .width = {45, IM_UNIT_MM},
                         .background = {1, 1, 1, 0.9},
                         .border = {0.45, 0.45, 0.45, 1}};
    ann_ctx x = {.c = c, .a = a};
    if (im_yaml_each_pair(&c->r, item, "an annotation", keys, ann_pair, &x))
      return IM_STATUS_INPUT;
    if (!a->text || !*a->text)
      return im_yaml_fail(&c->r, item, "an annotation needs a text");
    if (a->has_place && a->mark_layer)
      return im_yaml_fail(&c->r, item, "an annotation takes one of at: (a place) or mark: (a mark of a layer)");
    if (!a->has_place && !a->mark_layer && a->where != IM_ANNOTATION_PAGE)
      return im_yaml_fail(&c->r, item,
                          "an annotation needs at: {lon, lat} (the place), mark: {layer, where}, or page: {x, y}");
    if (!a->has_place && !a->mark_layer)
      a->leader = IM_LEADER_NONE;
  }
  return IM_STATUS_OK;
}
