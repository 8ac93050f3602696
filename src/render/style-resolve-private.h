/* The style of each feature: the layer's own, then its class, then every
 * matching rule in order (later rules win); and the order features are
 * drawn in. One resolver per layer per render. */
#ifndef IM_STYLE_RESOLVE_PRIVATE_H
#define IM_STYLE_RESOLVE_PRIVATE_H

#include "io/layer-private.h"
#include "spec/map-private.h"
#include "spec/style-private.h"
#include "render/symbols-private.h"

typedef struct im_resolver im_resolver;

/* A feature chosen for drawing, with its sort key. */
typedef struct {
  size_t index; /* into layer->features */
  double key;   /* the z field's value, or the last matching rule's index */
} im_drawn;

/* Binds the layer's filters, classes and label templates to the fields of
 * layer (errors name the spec's file:line:column), and computes class breaks
 * over the features read. Returns a new resolver; free with
 * im_resolver_free. layer must outlive it. */
/* from/to: the time window (ISO dates, NULL = open). A layer with a "date"
 * field keeps the features whose date (to date_end, if it has one) meets
 * the window, bounds included; layers without dates are not filtered. */
im_status im_resolver_create(const im_map *map, const im_layer_style *ls, const im_layer *layer,
                             double scale_denominator, const char *from, const char *to, im_resolver **out,
                             im_error *err);
void im_resolver_free(im_resolver *r);

/* Loads every SVG icon the layer's styles name into icons. */
im_status im_resolver_check_icons(const im_resolver *r, im_icon_cache *icons, im_error *err);

/* False when the layer's where: leaves f out; otherwise fills *out. */
bool im_resolver_select(const im_resolver *r, const im_feature *f, size_t index, im_drawn *out);

/* Sorts by key, keeping the order of equal keys (file order). */
void im_drawn_sort(im_drawn *d, size_t n);

/* The full style of f into out (cleared first; free with im_style_clear).
 * The layer's opacity is not included: it applies to the layer as a whole.
 * Returns false when out of memory. */
bool im_resolver_style(const im_resolver *r, const im_feature *f, im_style *out);

/* Proportional symbols (marker: size: {field, max, max_value}). f's value
 * of the field: a finite number, else NaN (also when the layer has no
 * proportional symbols). Only a positive value gets a symbol. */
double im_resolver_size_value(const im_resolver *r, const im_feature *f);
/* Whether any symbol can be drawn: proportional, with a max_value above 0. */
bool im_resolver_size_drawable(const im_resolver *r);
/* Whether the layer has proportional symbols; if so, the value drawn max
 * wide into *max_value (0 when no feature read has a positive value) and
 * that width into *max. A value v is drawn max * sqrt(v / max_value) wide. */
bool im_resolver_size_scale(const im_resolver *r, double *max_value, im_length *max);
/* The proportional symbols' field as the layer spells it; NULL: none. */
const char *im_resolver_size_field(const im_resolver *r);

/* For legends. The layer's classifications (its classes: entries, in
 * order) as bound to the data. */
size_t im_resolver_nclasses(const im_resolver *r);
const im_classes *im_resolver_classes(const im_resolver *r, size_t k);

/* The class f falls in under classification k: its number (categorical: the
 * value's order of first appearance in the layer; graduated: counted from
 * the lowest class) with its text in buf ("China"; "1,000 – 10,000"), or -1
 * when it falls in none (a null value, one outside the breaks). */
long im_resolver_class_of(const im_resolver *r, size_t k, const im_feature *f, char *buf, size_t size);

/* The style of a feature in class `index` of classification k (-1: in
 * none) with no other attribute, for a legend's symbol: the layer's style,
 * the class's colour and style, and the rules that match such a feature.
 * kind decides where the class colour goes. out is cleared first (free with
 * im_style_clear); false when out of memory. */
bool im_resolver_class_style(const im_resolver *r, size_t k, long index, im_geom_kind kind, im_style *out);

/* The fields label templates may use: the layer's, then length_km (the
 * last; its value is computed per feature). Owned by r. */
const im_field *im_resolver_label_fields(const im_resolver *r, size_t *n);

/* The error for a field that layer lacks, named in file at pos, with the
 * closest of its fields when one is near enough to be a typo. what, when
 * not NULL, says what the field is for ("classes", "z"). */
im_status im_field_error(const im_layer *layer, const char *field, const char *file, im_spec_pos pos, const char *what,
                         im_error *err);

/* The time window from..to (ISO dates, NULL = open) as a filter bound to
 * layer's fields, in *out: a feature whose date (to date_end, if the layer
 * has one) meets the window passes. *out stays NULL when the layer has no
 * "date" field or the window is open. Free with im_filter_free. */
im_status im_period_filter(const im_layer *layer, const char *from, const char *to, struct im_filter **out,
                           im_error *err);

/* A label priority written as a number ("10", "-2.5"): true with it in
 * *v; otherwise the priority names a field. */
bool im_label_priority_number(const char *text, double *v);

#endif
