/* The numbered key: the texts of the labels placed as numbers beside their
 * marks (label: key:, label/label-key.c), listed by number in the page's
 * margin on one side of the frame, in balanced columns, as printed report
 * maps list what would not fit on the map. Drawn once the labels are
 * placed (which labels became numbers is known only then), so it lives in
 * a margin, where no mark or label is. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/mem-private.h"
#include "furniture/furniture-private.h"

#define KEY_FONT "Noto Sans 6"
#define KEY_TITLE_FONT "Noto Sans Bold 6.5"
/* Between columns, between entries, and between a number and its text. */
#define KEY_COLUMN_GAP_PT 9.0
#define KEY_ROW_GAP_PT 1.2
#define KEY_NUMBER_GAP_PT 2.5

typedef struct {
  PangoLayout *num, *text;
  double h;
} key_row;

static bool is_top(im_position p) { return p <= IM_POS_TOP_RIGHT; }
static bool is_bottom(im_position p) { return p >= IM_POS_BOTTOM_LEFT; }

/* The part of the margin on the key's side that no other item takes: the
 * frame's width above or below it, its height beside it. */
static im_bbox key_area(const im_page *pg, im_position p) {
  const im_furniture_state *s = pg->furniture;
  double dpp = pg->dev_per_pt, gap = IM_FURNITURE_GAP_PT * dpp, page = IM_FURNITURE_PAGE_PT * dpp;
  double fx1 = pg->fx0 + pg->fw, fy1 = pg->fy0 + pg->fh;
  int edge = is_top(p) ? 0 : p == IM_POS_RIGHT ? 1 : is_bottom(p) ? 2 : 3;
  double out = IM_FURNITURE_OUTSIDE_PT * dpp + s->grat_band[edge];
  im_bbox a;
  if (is_bottom(p))
    a = (im_bbox){pg->fx0, fy1 + out, fx1, pg->dev_h - page};
  else if (is_top(p))
    a = (im_bbox){pg->fx0, page, fx1, pg->fy0 - out};
  else if (p == IM_POS_RIGHT)
    a = (im_bbox){fx1 + out, pg->fy0, pg->dev_w - page, fy1};
  else
    a = (im_bbox){page, pg->fy0, pg->fx0 - out, fy1};
  /* Past the items already in that margin (credits below, a title
   * above): the key comes after them, away from the frame. */
  for (int k = 0; k < IM_NITEMS; k++) {
    const im_item *it = &s->items[k];
    if (!it->present || it->placement != IM_PLACE_OUTSIDE)
      continue;
    im_position q = it->at->position;
    if (is_bottom(p) && is_bottom(q))
      a.miny = fmax(a.miny, it->box.maxy + gap);
    else if (is_top(p) && is_top(q))
      a.maxy = fmin(a.maxy, it->box.miny - gap);
    else if (p == q)
      a.miny = fmax(a.miny, it->box.maxy + gap);
  }
  return a;
}

/* Whether rows fit in ncols columns of at most cap each. */
static bool fits(const key_row *rows, size_t n, size_t ncols, double cap, double row_gap) {
  size_t col = 1;
  double used = 0;
  for (size_t i = 0; i < n; i++) {
    double need = used > 0 ? used + row_gap + rows[i].h : rows[i].h;
    if (need <= cap + 1e-9 || used == 0) {
      used = need;
      continue;
    }
    if (++col > ncols)
      return false;
    used = rows[i].h;
  }
  return true;
}

/* The least column height that holds the rows in ncols columns, in order. */
static double balanced_height(const key_row *rows, size_t n, size_t ncols, double row_gap) {
  double lo = 0, hi = 0;
  for (size_t i = 0; i < n; i++) {
    lo = fmax(lo, rows[i].h);
    hi += rows[i].h + (i ? row_gap : 0);
  }
  for (int it = 0; it < 40 && hi - lo > 0.01; it++) {
    double mid = (lo + hi) / 2;
    if (fits(rows, n, ncols, mid, row_gap))
      hi = mid;
    else
      lo = mid;
  }
  return hi;
}

static void free_rows(key_row *rows, size_t n) {
  for (size_t i = 0; rows && i < n; i++) {
    if (rows[i].num)
      g_object_unref(rows[i].num);
    if (rows[i].text)
      g_object_unref(rows[i].text);
  }
  free(rows);
}

static const char *side_name(im_position p) {
  return is_top(p) ? "top" : is_bottom(p) ? "bottom" : p == IM_POS_LEFT ? "left" : "right";
}

im_status im_key_draw(im_page *pg, im_error *err) {
  im_furniture_state *s = pg->furniture;
  if (!s || !s->fu->key.enabled)
    return IM_STATUS_OK;
  const im_key *ky = &s->fu->key;
  size_t n = im_labeler_key_count(pg->labeler);
  s->key_entries = n;
  if (!n)
    return IM_STATUS_OK; /* every label found room: no block */
  double dpp = pg->dev_per_pt, mm = dpp * 72 / 25.4;
  double col_gap = KEY_COLUMN_GAP_PT * dpp, row_gap = KEY_ROW_GAP_PT * dpp, num_gap = KEY_NUMBER_GAP_PT * dpp;
  im_position p = ky->at.position;
  im_bbox a = key_area(pg, p);
  double aw = a.maxx - a.minx, ah = a.maxy - a.miny;
  size_t ncols = ky->columns > 0 ? (size_t)ky->columns
                                 : (size_t)fmax(1, floor((aw + col_gap) / (IM_KEY_MIN_COLUMN_MM * mm + col_gap)));
  if (ncols > n)
    ncols = n; /* no empty columns: a short key keeps its lines whole */
  double col_w = (aw - (double)(ncols - 1) * col_gap) / (double)ncols;
  key_row *rows = calloc(n, sizeof *rows);
  if (!rows)
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  /* The numbers right-aligned in a gutter as wide as the widest. */
  double gutter = 0;
  for (size_t i = 0; i < n; i++) {
    char digits[24];
    snprintf(digits, sizeof digits, "%zu", i + 1);
    rows[i].num = im_ftext_layout(pg, digits, ky->font, KEY_FONT, 0, PANGO_ALIGN_LEFT, false);
    PangoFontDescription *fd = pango_font_description_copy(pango_layout_get_font_description(rows[i].num));
    pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(rows[i].num, fd);
    pango_font_description_free(fd);
    double w, h;
    im_ftext_size(rows[i].num, &w, &h);
    gutter = fmax(gutter, w);
  }
  double text_w = col_w - gutter - num_gap;
  PangoLayout *title = NULL;
  double title_h = 0;
  if (text_w > 0) {
    for (size_t i = 0; i < n; i++) {
      rows[i].text =
          im_ftext_layout(pg, im_labeler_key_text(pg->labeler, i), ky->font, KEY_FONT, text_w, PANGO_ALIGN_LEFT, false);
      double w, h, nw, nh;
      im_ftext_size(rows[i].text, &w, &h);
      im_ftext_size(rows[i].num, &nw, &nh);
      rows[i].h = fmax(h, nh);
    }
    if (ky->title && *ky->title) {
      double w;
      title = im_ftext_layout(pg, ky->title, ky->title_font, KEY_TITLE_FONT, aw, PANGO_ALIGN_LEFT, true);
      im_ftext_size(title, &w, &title_h);
      title_h += 2 * row_gap;
    }
  }
  double col_h = text_w > 0 ? balanced_height(rows, n, ncols, row_gap) : INFINITY;
  double need = title_h + col_h;
  if (!(need <= ah + 0.01)) {
    double have = fmax(ah, 0) / mm;
    /* Above or below the frame, a taller margin holds it (beside it, the
     * page's height is all there is). */
    if (isfinite(need) && (is_top(p) || is_bottom(p))) {
      s->key_short_pt = (need - fmax(ah, 0)) / dpp;
      s->key_side = is_top(p) ? 0 : p == IM_POS_RIGHT ? 1 : is_bottom(p) ? 2 : 3;
    }
    free_rows(rows, n);
    if (title)
      g_object_unref(title);
    return im_error_set(err, IM_STATUS_INPUT, pg->map->path, 0, 0,
                        "the numbered key's %zu %s %.1f mm in the %s margin, which leaves %.1f mm beside "
                        "the other items there: make that margin larger (map: margins:), give the key more columns "
                        "or a smaller font",
                        n, n == 1 ? "entry needs" : "entries need", isfinite(need) ? need / mm : 0.0, side_name(p),
                        have);
  }
  /* Above the frame the key sits against it, below it under the items
   * there, beside it from the top. */
  double y0 = is_top(p) ? a.maxy - need : a.miny;
  if (title) {
    im_ftext_draw(pg, title, a.minx, y0, ky->color, 0, (im_color){0}, "key");
    g_object_unref(title);
  }
  double x = a.minx, y = y0 + title_h, used = 0;
  for (size_t i = 0; i < n; i++) {
    if (used > 0 && used + row_gap + rows[i].h > col_h + 1e-6) {
      x += col_w + col_gap;
      y = y0 + title_h;
      used = 0;
    }
    if (used > 0) {
      y += row_gap;
      used += row_gap;
    }
    double nw, nh;
    im_ftext_size(rows[i].num, &nw, &nh);
    im_ftext_draw(pg, rows[i].num, x + gutter - nw, y, ky->color, 0, (im_color){0}, "key");
    im_ftext_draw(pg, rows[i].text, x + gutter + num_gap, y, ky->color, 0, (im_color){0}, "key");
    y += rows[i].h;
    used += rows[i].h;
  }
  s->key_box = (im_bbox){a.minx, y0, a.maxx, y0 + need};
  free_rows(rows, n);
  return IM_STATUS_OK;
}
