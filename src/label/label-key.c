/* The numbered key: when a map holds more stories than fit as labels, a
 * small number beside each mark stands for its label, and the texts are
 * listed by number in a block beside the map (furniture/key.c), as printed
 * report maps do. A number is placed by the same rules as a label (its
 * slots round the mark, a leader when it must go farther, never nearer
 * another mark), so it belongs to its mark as visibly as a label would.
 *
 * A label turns into its number in its own turn of the greedy pass, as
 * soon as its text finds no room (or at once, for key: all), so that it
 * keeps the precedence of its priority: numbers placed at the very end
 * would find the space round a dense group taken by lesser labels. Its
 * room is held by a placeholder as wide as the widest number the map can
 * need; once every label is placed, the numbers are given in reading
 * order (im_label_key_number) and each is centred in its room. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "label/label-impl-private.h"

void im_labeler_use_key(im_labeler *lb, bool on) {
  if (lb && !lb->done)
    lb->key_on = on;
}

size_t im_labeler_key_count(const im_labeler *lb) { return lb && lb->done ? lb->nkeyed : 0; }

const char *im_labeler_key_text(const im_labeler *lb, size_t i) {
  if (!lb || !lb->done || i >= lb->nkeyed)
    return NULL;
  return lb->labels[lb->keyed[i]].key_text;
}

bool im_label_keyable(const im_labeler *lb, const im_label *l) {
  return lb->key_on && l->key_mode != IM_LABEL_KEY_NONE && !l->placed && l->layout &&
         (l->kind == IM_LABEL_POINT || (l->kind == IM_LABEL_LINE && l->anchored));
}

/* A bold layout of text in l's font. NULL when out of memory. */
static PangoLayout *number_layout(const im_label *l, const char *text) {
  PangoLayout *layout = pango_layout_new(pango_layout_get_context(l->layout));
  PangoFontDescription *fd = pango_font_description_copy(pango_layout_get_font_description(l->layout));
  if (!layout || !fd) {
    if (layout)
      g_object_unref(layout);
    if (fd)
      pango_font_description_free(fd);
    return NULL;
  }
  pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description(layout, fd);
  pango_font_description_free(fd);
  pango_layout_set_text(layout, text, -1);
  return layout;
}

bool im_label_key_try(im_labeler *lb, im_label *l) {
  /* The placeholder: as many 8s as the count of labels has digits. */
  char holder[24];
  size_t digits = (size_t)snprintf(holder, sizeof holder, "%zu", lb->nlabels);
  memset(holder, '8', digits);
  char *text = im_strdup(holder);
  PangoLayout *layout = text ? number_layout(l, holder) : NULL;
  if (!layout) {
    free(text);
    return false;
  }
  PangoLayout *text_layout = l->layout;
  im_bbox text_ink = l->ink;
  im_label_kind kind = l->kind;
  bool leader_allowed = l->leader_allowed;
  l->layout = layout;
  l->ink = im_label_layout_ink(layout);
  l->key_text = l->text;
  l->text = text;
  /* A line's number is a point label at the line's middle. A number is
   * small: where it must go farther, a leader says whose it is, whatever
   * the layer's leader setting. */
  l->kind = IM_LABEL_POINT;
  l->leader_allowed = true;
  l->first_box = lb->nboxes;
  l->nboxes = 0;
  l->placed = l->leader = false;
  l->key_no = SIZE_MAX; /* a number (numbered by im_label_key_number): may go as far as a required label */
  if (!im_label_place_point(lb, l)) {
    g_object_unref(text_layout);
    return false;
  }
  /* A line's middle may lie under another route's name (two routes on
   * one course, side by side): points farther along it are tried too. */
  double mid_x = l->x, mid_y = l->y;
  for (size_t k = 0; kind == IM_LABEL_LINE && !l->placed && k < l->nanchors; k++) {
    l->x = lb->anchors[l->first_anchor + k].x;
    l->y = lb->anchors[l->first_anchor + k].y;
    l->first_box = lb->nboxes;
    l->nboxes = 0;
    if (!im_label_place_point(lb, l)) {
      g_object_unref(text_layout);
      return false;
    }
  }
  if (!l->placed)
    l->x = mid_x, l->y = mid_y;
  if (l->placed) {
    g_object_unref(text_layout);
    return true;
  }
  l->key_no = 0;
  /* No room for the number either: the label is dropped, as its text. */
  g_object_unref(l->layout);
  free(l->text);
  l->layout = text_layout;
  l->ink = text_ink;
  l->text = l->key_text;
  l->key_text = NULL;
  l->kind = kind;
  l->leader_allowed = leader_allowed;
  return true;
}

/* Reading order: top to bottom, then left to right, so a reader scanning
 * the map meets the numbers in order (north first on most maps); marks at
 * one height go by their place across, then by the order they were added. */
typedef struct {
  double y, x;
  size_t order, index;
} reading_key;

static int by_reading_order(const void *a, const void *b) {
  const reading_key *p = a, *q = b;
  if (p->y != q->y)
    return p->y < q->y ? -1 : 1;
  if (p->x != q->x)
    return p->x < q->x ? -1 : 1;
  return p->order < q->order ? -1 : p->order > q->order;
}

/* Gives l its number: the digits centred where the placeholder was, the
 * leader (if any) ending at the nearest point of their ink. */
static bool set_number(im_labeler *lb, im_label *l, size_t no) {
  char digits[24];
  snprintf(digits, sizeof digits, "%zu", no);
  char *text = im_strdup(digits);
  PangoLayout *layout = text ? number_layout(l, digits) : NULL;
  if (!layout) {
    free(text);
    return false;
  }
  im_bbox was = l->ink, ink = im_label_layout_ink(layout);
  l->ox += (was.minx + was.maxx) / 2 - (ink.minx + ink.maxx) / 2;
  l->oy += (was.miny + was.maxy) / 2 - (ink.miny + ink.maxy) / 2;
  g_object_unref(l->layout);
  free(l->text);
  l->layout = layout;
  l->ink = ink;
  l->text = text;
  l->key_no = no;
  if (l->leader) {
    l->lx1 = fmin(fmax(l->x, l->ox + ink.minx), l->ox + ink.maxx);
    l->ly1 = fmin(fmax(l->y, l->oy + ink.miny), l->oy + ink.maxy);
  }
  if (l->nboxes)
    lb->boxes[l->first_box] = (im_bbox){l->ox + ink.minx - l->pad, l->oy + ink.miny - l->pad, l->ox + ink.maxx + l->pad,
                                        l->oy + ink.maxy + l->pad};
  return true;
}

bool im_label_key_number(im_labeler *lb) {
  size_t n = 0;
  for (size_t i = 0; i < lb->nlabels; i++)
    n += lb->labels[i].placed && lb->labels[i].key_no;
  if (!n)
    return true;
  size_t *idx = im_malloc_array(n, sizeof *idx);
  reading_key *rk = im_malloc_array(n, sizeof *rk);
  if (!idx || !rk) {
    free(idx);
    free(rk);
    return false;
  }
  n = 0;
  for (size_t i = 0; i < lb->nlabels; i++) {
    const im_label *l = &lb->labels[i];
    if (l->placed && l->key_no)
      rk[n++] = (reading_key){l->y, l->x, l->order, i};
  }
  qsort(rk, n, sizeof *rk, by_reading_order);
  bool ok = true;
  for (size_t k = 0; k < n && ok; k++) {
    idx[k] = rk[k].index;
    ok = set_number(lb, &lb->labels[idx[k]], k + 1);
  }
  free(rk);
  lb->keyed = idx;
  lb->nkeyed = n;
  return ok;
}
