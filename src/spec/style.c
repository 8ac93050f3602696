#include "spec/style-private.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"

void im_style_init_defaults(im_style *s) {
  memset(s, 0, sizeof *s);
  s->fill = (im_color){0.5, 0.5, 0.5, 1};
  s->stroke_color = (im_color){0.33, 0.33, 0.33, 1};
  s->stroke_width = (im_length){0.5, IM_UNIT_PT};
  s->cap = IM_CAP_ROUND;
  s->join = IM_JOIN_ROUND;
  s->casing.color = (im_color){1, 1, 1, 1};
  s->casing.width = (im_length){0, IM_UNIT_PT};
  s->arrow_size = (im_length){5, IM_UNIT_PT};
  s->hatch.color = (im_color){0.33, 0.33, 0.33, 1};
  s->hatch.spacing = (im_length){3, IM_UNIT_PT};
  s->hatch.width = (im_length){0.5, IM_UNIT_PT};
  s->hatch.angle = 45;
  s->opacity = 1;
  s->visible = true;
  s->marker_symbol = IM_MARKER_CIRCLE;
  s->marker_size = (im_length){4, IM_UNIT_PT};
  s->label.color = (im_color){0.13, 0.13, 0.13, 1};
  s->label.halo_color = (im_color){1, 1, 1, 1};
  s->label.halo_width = (im_length){0, IM_UNIT_PT};
}

static bool copy_str(char **dst, const char *src) {
  char *c = im_strdup(src);
  if (src && !c)
    return false;
  free(*dst);
  *dst = c;
  return true;
}

bool im_style_merge(im_style *d, const im_style *s) {
  unsigned set = s->set;
  if (set & IM_STYLE_FILL)
    d->fill = s->fill;
  if (set & IM_STYLE_HATCH)
    d->hatch = s->hatch;
  if (set & IM_STYLE_STROKE_COLOR)
    d->stroke_color = s->stroke_color;
  if (set & IM_STYLE_STROKE_WIDTH)
    d->stroke_width = s->stroke_width;
  if (set & IM_STYLE_DASH) {
    d->ndash = s->ndash;
    memcpy(d->dash, s->dash, sizeof d->dash);
  }
  if (set & IM_STYLE_CAP)
    d->cap = s->cap;
  if (set & IM_STYLE_JOIN)
    d->join = s->join;
  if (set & IM_STYLE_CASING)
    d->casing = s->casing;
  if (set & IM_STYLE_ARROW) {
    d->arrow = s->arrow;
    d->arrow_size = s->arrow_size;
  }
  if (set & IM_STYLE_OPACITY)
    d->opacity = s->opacity;
  if (set & IM_STYLE_VISIBLE)
    d->visible = s->visible;
  if (set & IM_STYLE_MARKER_SYMBOL) {
    d->marker_symbol = s->marker_symbol;
    if (!copy_str(&d->marker_icon, s->marker_icon))
      return false;
  }
  if (set & IM_STYLE_MARKER_SIZE)
    d->marker_size = s->marker_size;
  if (set & IM_STYLE_MARKER_SCALE) {
    if (!copy_str(&d->marker_scale.field, s->marker_scale.field))
      return false;
    d->marker_scale.max = s->marker_scale.max;
    d->marker_scale.max_value = s->marker_scale.max_value;
    d->marker_scale.file = s->marker_scale.file;
    d->marker_scale.pos = s->marker_scale.pos;
  }
  if (set & IM_STYLE_DISPLACE)
    d->displace = s->displace;
  if (set & IM_STYLE_LABEL && !copy_str(&d->label.text, s->label.text))
    return false;
  if (set & IM_STYLE_LABEL)
    d->label.text_at = s->label.text_at;
  if (s->label.priority && !copy_str(&d->label.priority, s->label.priority))
    return false;
  if (s->label.priority)
    d->label.priority_at = s->label.priority_at;
  if (set & IM_STYLE_FONT && !copy_str(&d->label.font, s->label.font))
    return false;
  if (set & IM_STYLE_LABEL_COLOR)
    d->label.color = s->label.color;
  if (set & IM_STYLE_HALO) {
    d->label.halo_color = s->label.halo_color;
    d->label.halo_width = s->label.halo_width;
  }
  if (set & IM_STYLE_TEXT_CASE)
    d->label.text_case = s->label.text_case;
  if (set & IM_STYLE_LEADER)
    d->label.leader = s->label.leader;
  if (set & IM_STYLE_LABEL_REQUIRED)
    d->label.required = s->label.required;
  if (set & IM_STYLE_LABEL_KEY)
    d->label.key = s->label.key;
  if (set & IM_STYLE_LABEL_SHORT && !copy_str(&d->label.short_text, s->label.short_text))
    return false;
  if (set & IM_STYLE_LABEL_SHORT)
    d->label.short_at = s->label.short_at;
  d->set |= set;
  return true;
}

bool im_style_copy(im_style *d, const im_style *s) {
  *d = *s;
  d->marker_icon = im_strdup(s->marker_icon);
  d->marker_scale.field = im_strdup(s->marker_scale.field);
  d->label.text = im_strdup(s->label.text);
  d->label.font = im_strdup(s->label.font);
  d->label.priority = im_strdup(s->label.priority);
  d->label.short_text = im_strdup(s->label.short_text);
  return (!s->marker_icon || d->marker_icon) && (!s->marker_scale.field || d->marker_scale.field) &&
         (!s->label.text || d->label.text) && (!s->label.font || d->label.font) &&
         (!s->label.priority || d->label.priority) && (!s->label.short_text || d->label.short_text);
}

void im_style_clear(im_style *s) {
  free(s->marker_icon);
  free(s->marker_scale.field);
  free(s->label.text);
  free(s->label.font);
  free(s->label.priority);
  free(s->label.short_text);
  memset(s, 0, sizeof *s);
}
