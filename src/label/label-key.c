/* The numbered key: when a map holds more stories than fit as labels, a
 * small number beside each mark stands for its label, and the texts are
 * listed by number in a block beside the map (furniture/key.c), as printed
 * report maps do. A number is placed by the same rules as a label (its
 * slots round the mark, a leader when it must go farther, never nearer
 * another mark), so it belongs to its mark as visibly as a label would. */
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

/* Turns l into its number: the same font, bold, the text kept aside for
 * the key. False when out of memory. */
static bool to_number(im_label *l, size_t no) {
  char digits[24];
  snprintf(digits, sizeof digits, "%zu", no);
  char *num = im_strdup(digits);
  PangoLayout *layout = pango_layout_new(pango_layout_get_context(l->layout));
  PangoFontDescription *fd = pango_font_description_copy(pango_layout_get_font_description(l->layout));
  if (!num || !layout || !fd) {
    free(num);
    if (layout)
      g_object_unref(layout);
    if (fd)
      pango_font_description_free(fd);
    return false;
  }
  pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description(layout, fd);
  pango_font_description_free(fd);
  pango_layout_set_text(layout, num, -1);
  g_object_unref(l->layout);
  l->layout = layout;
  l->ink = im_label_layout_ink(layout);
  l->key_text = l->text;
  l->text = num;
  l->key_no = no;
  return true;
}

/* A label the key may take: of a keyed layer, without a place yet, a point
 * or a line with its middle known. */
static bool keyable(const im_label *l) {
  return l->key_mode != IM_LABEL_KEY_NONE && !l->placed && l->layout &&
         (l->kind == IM_LABEL_POINT || (l->kind == IM_LABEL_LINE && l->anchored));
}

bool im_label_key_place(im_labeler *lb) {
  /* The candidates: point labels of a keyed layer still without a place
   * (all of key mode all: the text pass skipped them). */
  size_t n = 0;
  for (size_t i = 0; i < lb->nlabels; i++)
    n += keyable(&lb->labels[i]);
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
    if (keyable(l))
      rk[n++] = (reading_key){l->y, l->x, l->order, i};
  }
  qsort(rk, n, sizeof *rk, by_reading_order);
  for (size_t k = 0; k < n; k++)
    idx[k] = rk[k].index;
  free(rk);
  /* Numbered in reading order before any is placed, so the numbers on the
   * map read in order; a number that finds no room gives its label back
   * (dropped, listed by its text) and the numbers after it close up. */
  size_t next = 1;
  for (size_t k = 0; k < n; k++) {
    im_label *l = &lb->labels[idx[k]];
    PangoLayout *text_layout = l->layout;
    g_object_ref(text_layout);
    im_bbox text_ink = l->ink;
    if (!to_number(l, next)) {
      g_object_unref(text_layout);
      free(idx);
      return false;
    }
    l->first_box = lb->nboxes;
    l->nboxes = 0;
    l->placed = l->leader = false;
    /* A line's number is a point label at the line's middle: placed and
     * drawn as one. */
    im_label_kind kind = l->kind;
    l->kind = IM_LABEL_POINT;
    /* A number is small: where it must go farther, a leader says whose it
     * is, whatever the layer's leader setting. */
    l->leader_allowed = true;
    if (!im_label_place_point(lb, l)) {
      g_object_unref(text_layout);
      free(idx);
      return false;
    }
    if (l->placed) {
      g_object_unref(text_layout);
      idx[next - 1] = idx[k];
      next++;
      continue;
    }
    g_object_unref(l->layout);
    l->kind = kind;
    l->layout = text_layout;
    l->ink = text_ink;
    free(l->text);
    l->text = l->key_text;
    l->key_text = NULL;
    l->key_no = 0;
  }
  lb->keyed = idx;
  lb->nkeyed = next - 1;
  return true;
}
