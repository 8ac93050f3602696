/* Label placement: a uniform grid of what is already on the page, and the
 * greedy pass that gives each label, by priority, its first free position. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "label/label-impl-private.h"

/* Grids larger than this along an axis get larger cells instead. */
#define IM_GRID_MAX_CELLS 256

bool im_grid_init(im_label_grid *g, double w, double h, double cell) {
  if (!(cell > 0))
    cell = 1;
  if (!(w > 0) || !(h > 0))
    w = h = cell;
  double big = fmax(w, h);
  if (big / cell > IM_GRID_MAX_CELLS)
    cell = big / IM_GRID_MAX_CELLS;
  g->cell = cell;
  g->nx = (size_t)ceil(w / cell);
  g->ny = (size_t)ceil(h / cell);
  g->nx += !g->nx;
  g->ny += !g->ny;
  g->cells = calloc(g->nx * g->ny, sizeof *g->cells);
  return g->cells != NULL;
}

void im_grid_free(im_label_grid *g) {
  if (g->cells)
    for (size_t i = 0; i < g->nx * g->ny; i++)
      free(g->cells[i].idx);
  free(g->cells);
  free(g->items);
  *g = (im_label_grid){0};
}

static size_t cell_index(double v, double cell, size_t n) {
  double i = floor(v / cell);
  if (!(i > 0))
    return 0;
  return i >= (double)n ? n - 1 : (size_t)i;
}

typedef struct {
  size_t i0, i1, j0, j1;
} cell_range;

static cell_range range_of(const im_label_grid *g, im_bbox b) {
  return (cell_range){cell_index(b.minx, g->cell, g->nx), cell_index(b.maxx, g->cell, g->nx),
                      cell_index(b.miny, g->cell, g->ny), cell_index(b.maxy, g->cell, g->ny)};
}

bool im_grid_add(im_label_grid *g, im_label_item item) {
  if (!im_grow((void **)&g->items, &g->cap, g->nitems + 1, sizeof *g->items))
    return false;
  size_t id = g->nitems++;
  g->items[id] = item;
  cell_range r = range_of(g, item.box);
  for (size_t j = r.j0; j <= r.j1; j++)
    for (size_t i = r.i0; i <= r.i1; i++) {
      im_grid_cell *c = &g->cells[j * g->nx + i];
      if (!im_grow((void **)&c->idx, &c->cap, c->n + 1, sizeof *c->idx))
        return false;
      c->idx[c->n++] = id;
    }
  return true;
}

bool im_grid_box_hits(const im_label_grid *g, im_bbox box) {
  cell_range r = range_of(g, box);
  for (size_t j = r.j0; j <= r.j1; j++)
    for (size_t i = r.i0; i <= r.i1; i++) {
      const im_grid_cell *c = &g->cells[j * g->nx + i];
      for (size_t k = 0; k < c->n; k++) {
        const im_label_item *it = &g->items[c->idx[k]];
        if (!im_bbox_overlap(box, it->box))
          continue;
        if (it->kind != IM_ITEM_LEADER || im_segment_hits_box(it->x0, it->y0, it->x1, it->y1, box))
          return true;
      }
    }
  return false;
}

/* The distance from (x, y) to the nearest point of b (0 inside). */
static double box_distance(im_bbox b, double x, double y) {
  double dx = fmax(fmax(b.minx - x, 0), x - b.maxx), dy = fmax(fmax(b.miny - y, 0), y - b.maxy);
  return hypot(dx, dy);
}

bool im_grid_mark_nearer(const im_label_grid *g, im_bbox box, double ownx, double owny, double own) {
  /* A mark nearer than own meets the box grown by own. */
  double m = fmax(own, 0);
  cell_range r = range_of(g, (im_bbox){box.minx - m, box.miny - m, box.maxx + m, box.maxy + m});
  for (size_t j = r.j0; j <= r.j1; j++)
    for (size_t i = r.i0; i <= r.i1; i++) {
      const im_grid_cell *c = &g->cells[j * g->nx + i];
      for (size_t k = 0; k < c->n; k++) {
        const im_bbox *b = &g->items[c->idx[k]].box;
        double x = (b->minx + b->maxx) / 2, y = (b->miny + b->maxy) / 2, rad = (b->maxx - b->minx) / 2;
        if (x == ownx && y == owny)
          continue;
        if (box_distance(box, x, y) - rad <= own)
          return true;
      }
    }
  return false;
}

bool im_grid_segment_hits(const im_label_grid *g, double x0, double y0, double x1, double y1, double ownx,
                          double owny) {
  im_bbox sb = {fmin(x0, x1), fmin(y0, y1), fmax(x0, x1), fmax(y0, y1)};
  cell_range r = range_of(g, sb);
  for (size_t j = r.j0; j <= r.j1; j++)
    for (size_t i = r.i0; i <= r.i1; i++) {
      const im_grid_cell *c = &g->cells[j * g->nx + i];
      for (size_t k = 0; k < c->n; k++) {
        const im_label_item *it = &g->items[c->idx[k]];
        const im_bbox *b = &it->box;
        if (it->kind == IM_ITEM_OBSTACLE && ownx >= b->minx && ownx <= b->maxx && owny >= b->miny && owny <= b->maxy)
          continue;
        if (it->kind == IM_ITEM_LEADER ? im_segments_cross(x0, y0, x1, y1, it->x0, it->y0, it->x1, it->y1)
                                       : im_segment_hits_box(x0, y0, x1, y1, *b))
          return true;
      }
    }
  return false;
}

/* --- Committing a position ---------------------------------------------- */

static bool add_box(im_labeler *lb, im_label *l, im_bbox b) {
  if (!im_grow((void **)&lb->boxes, &lb->cap_boxes, lb->nboxes + 1, sizeof *lb->boxes))
    return false;
  lb->boxes[lb->nboxes++] = b;
  l->nboxes++;
  return im_grid_add(&lb->grid, (im_label_item){.box = b, .kind = IM_ITEM_LABEL});
}

static im_bbox ink_box(const im_label *l, double ox, double oy) {
  return (im_bbox){ox + l->ink.minx - l->pad, oy + l->ink.miny - l->pad, ox + l->ink.maxx + l->pad,
                   oy + l->ink.maxy + l->pad};
}

static bool box_free(const im_labeler *lb, im_bbox b) {
  return im_bbox_within(b, lb->inside) && !im_grid_box_hits(&lb->grid, b);
}

/* A box whose padded edges clear the point's symbol, placed relative to an
 * anchor: fx, fy in 0..1 say which point of the ink box sits on the anchor
 * (0, 0.5: the middle of its left edge). */
static void anchor_ink(const im_label *l, double ax, double ay, double fx, double fy, double *ox, double *oy) {
  double iw = l->ink.maxx - l->ink.minx, ih = l->ink.maxy - l->ink.miny;
  *ox = ax - fx * iw - l->ink.minx;
  *oy = ay - fy * ih - l->ink.miny;
}

/* The cartographic order of positions round a point: right, left,
 * top-right, bottom-right, top-left, bottom-left, above, below. Each is an
 * offset of the anchor (in units of the clearance) and the ink box's point
 * that sits on it. */
static const double point_slots[8][4] = {
    {1, 0, 0, 0.5}, {-1, 0, 1, 0.5}, {1, -1, 0, 1},   {1, 1, 0, 0},
    {-1, -1, 1, 1}, {-1, 1, 1, 0},   {0, -1, 0.5, 1}, {0, 1, 0.5, 0},
};

/* Directions searched for a label with a leader, nearest-looking first. */
static const double leader_dirs[16] = {0,     180,  -45,    45,    -135,  135,  -90,    90,
                                       -22.5, 22.5, -157.5, 157.5, -67.5, 67.5, -112.5, 112.5};

/* Whether a label at b would be read as its own mark's: no other mark's
 * edge is as near the label's ink as its own mark's. */
static bool belongs(const im_labeler *lb, const im_label *l, im_bbox b) {
  im_bbox ink = {b.minx + l->pad, b.miny + l->pad, b.maxx - l->pad, b.maxy - l->pad};
  return !im_grid_mark_nearer(&lb->marks, ink, l->x, l->y, box_distance(ink, l->x, l->y) - l->r);
}

/* Whether the point lies inside the polygon of a polygon label other
 * than l. */
static bool in_other_area(const im_labeler *lb, const im_label *l, double x, double y) {
  for (size_t k = 0; k < lb->narea_labels; k++) {
    const im_label *o = &lb->labels[lb->area_labels[k]];
    if (o == l || x < o->area_box.minx || x > o->area_box.maxx || y < o->area_box.miny || y > o->area_box.maxy)
      continue;
    bool inside = false;
    for (size_t p = o->area_part; p < o->area_part + o->area_nparts; p++)
      inside ^= im_ring_contains(lb->areas.xy + 2 * lb->areas.parts[p], im_geom_part_size(&lb->areas, p), x, y);
    if (inside)
      return true;
  }
  return false;
}

/* Whether a polygon label at box b would stand on another polygon label's
 * polygon: two or more points of a 5 x 3 grid over its ink inside one. A
 * country's name set beside it must not read as its neighbour's
 * (latam-overview's "Chile" on Argentina, actor-china's NICARAGUA on
 * Honduras), while lb->area_rule is set (place_polygon_beside). Point
 * labels do not ask. */
static bool on_other_area(const im_labeler *lb, const im_label *l, im_bbox b) {
  if (l->kind != IM_LABEL_POLYGON || !lb->narea_labels || !lb->area_rule)
    return false;
  double x0 = b.minx + l->pad, y0 = b.miny + l->pad, x1 = b.maxx - l->pad, y1 = b.maxy - l->pad;
  int in = 0;
  for (int j = 0; j < 3; j++)
    for (int i = 0; i < 5; i++)
      in += in_other_area(lb, l, x0 + (x1 - x0) * i / 4, y0 + (y1 - y0) * j / 2);
  return in >= 2;
}

/* Whether a polygon label's leader runs over another polygon label's
 * polygon (a quarter, half or three quarters along), while lb->area_rule
 * is set: actor-russia's VENEZUELA west of Colombia with its leader across
 * it. */
static bool leader_crosses_other_area(const im_labeler *lb, const im_label *l, double x0, double y0, double x1,
                                      double y1) {
  if (l->kind != IM_LABEL_POLYGON || !lb->narea_labels || !lb->area_rule)
    return false;
  for (int k = 1; k <= 3; k++)
    if (in_other_area(lb, l, x0 + (x1 - x0) * k / 4, y0 + (y1 - y0) * k / 4))
      return true;
  return false;
}

bool im_label_place_point(im_labeler *lb, im_label *l) {
  double air = 0.5 * lb->dev_per_pt, d = l->r + l->pad + air, ox, oy;
  for (size_t s = 0; s < 8; s++) {
    const double *p = point_slots[s];
    anchor_ink(l, l->x + p[0] * d, l->y + p[1] * d, p[2], p[3], &ox, &oy);
    im_bbox b = ink_box(l, ox, oy);
    if (box_free(lb, b) && belongs(lb, l, b) && !on_other_area(lb, l, b)) {
      l->ox = ox, l->oy = oy, l->placed = true;
      return add_box(lb, l, b);
    }
  }
  if (!l->leader_allowed && !l->required)
    return true;
  /* Farther out, ring by ring, with a leader back to the symbol: the way
   * out of a dense cluster (the Lesser Antilles, the Lima coast). A
   * required label goes four times as far, unless the key can take it:
   * a number by its mark reads better than a text at the end of a long
   * leader (its number, required too, may go far). */
  bool far = l->required && !(l->key_no == 0 && im_label_keyable(lb, l));
  double step = 0.75 * l->font_px, reach = (far ? 24 : 6) * l->font_px;
  if (lb->reach_cap > 0)
    reach = fmin(reach, lb->reach_cap * l->font_px);
  for (double dist = d + step; dist <= d + reach; dist += step)
    for (size_t k = 0; k < 16; k++) {
      double a = leader_dirs[k] * M_PI / 180, ca = cos(a), sa = sin(a);
      anchor_ink(l, l->x + dist * ca, l->y + dist * sa, (1 - ca) / 2, (1 - sa) / 2, &ox, &oy);
      im_bbox b = ink_box(l, ox, oy);
      if (!box_free(lb, b) || on_other_area(lb, l, b))
        continue;
      /* Not beside another mark, where the leader would be the only
       * thing saying whose label it is. */
      im_bbox ink = {b.minx + l->pad, b.miny + l->pad, b.maxx - l->pad, b.maxy - l->pad};
      if (im_grid_mark_nearer(&lb->marks, ink, l->x, l->y, d - l->r))
        continue;
      /* From the symbol's edge to the nearest point of the ink. */
      double qx = fmin(fmax(l->x, ox + l->ink.minx), ox + l->ink.maxx);
      double qy = fmin(fmax(l->y, oy + l->ink.miny), oy + l->ink.maxy);
      double len = hypot(qx - l->x, qy - l->y);
      if (len <= l->r)
        continue;
      double px = l->x + (qx - l->x) * l->r / len, py = l->y + (qy - l->y) * l->r / len;
      if (im_grid_segment_hits(&lb->grid, px, py, qx, qy, l->x, l->y) ||
          leader_crosses_other_area(lb, l, px, py, qx, qy))
        continue;
      l->ox = ox, l->oy = oy, l->placed = l->leader = true;
      l->lx0 = px, l->ly0 = py, l->lx1 = qx, l->ly1 = qy;
      im_bbox sb = {fmin(px, qx), fmin(py, qy), fmax(px, qx), fmax(py, qy)};
      return add_box(lb, l, b) &&
             im_grid_add(&lb->grid,
                         (im_label_item){.box = sb, .kind = IM_ITEM_LEADER, .x0 = px, .y0 = py, .x1 = qx, .y1 = qy});
    }
  return true;
}

/* A required point label that fits nowhere tries its short text, laid
 * out in the same font, by the same rules. */
static bool place_point_required(im_labeler *lb, im_label *l) {
  if (!im_label_place_point(lb, l))
    return false;
  if (l->placed || !l->short_text || !l->layout)
    return true;
  PangoLayout *full = pango_layout_copy(l->layout);
  if (!full)
    return false;
  pango_layout_set_text(l->layout, l->short_text, -1);
  im_bbox ink = l->ink;
  l->ink = im_label_layout_ink(l->layout);
  if (!im_label_place_point(lb, l))
    return false;
  if (l->placed) {
    /* The short text is the label now: drawn, listed, handed to a sink. */
    free(l->text);
    l->text = l->short_text;
    l->short_text = NULL;
    g_object_unref(full);
  } else {
    g_object_unref(l->layout);
    l->layout = full;
    l->ink = ink;
  }
  return true;
}

static bool place_polygon(im_labeler *lb, im_label *l) {
  /* First where no mark is within two lines of text, so a country's name
   * leaves the room round the marks to their labels (or numbers); then
   * anywhere free. */
  double clear = 2 * l->font_px;
  for (int pass = 0; pass < 2; pass++)
    for (size_t k = 0; k < l->npos; k++) {
      const im_label_pos *p = &lb->pos[l->first_pos + k];
      im_bbox b = ink_box(l, p->ox, p->oy);
      if (!box_free(lb, b) || (pass == 0 && im_grid_mark_nearer(&lb->marks, b, NAN, NAN, clear)))
        continue;
      l->ox = p->ox, l->oy = p->oy, l->placed = true;
      return add_box(lb, l, b);
    }
  return true;
}

static bool place_line(im_labeler *lb, im_label *l) {
  const im_label_cluster *c = lb->clusters + l->first_cluster;
  for (size_t k = 0; k < l->npos; k++) {
    const im_label_glyph *g = lb->glyphs + lb->pos[l->first_pos + k].glyphs;
    bool free_ = true;
    for (size_t i = 0; i < l->nclusters && free_; i++)
      free_ = box_free(lb, im_label_glyph_box(l, &c[i], &g[i]));
    if (!free_)
      continue;
    l->glyphs = lb->pos[l->first_pos + k].glyphs;
    l->placed = true;
    for (size_t i = 0; i < l->nclusters; i++)
      if (!add_box(lb, l, im_label_glyph_box(l, &c[i], &g[i])))
        return false;
    return true;
  }
  return true;
}

/* A required polygon label (or one that may take a leader) that fits
 * inside nowhere: beside a point of the polygon, with a leader when it
 * must go farther. The points tried: the pole, then the places inside
 * where the label would have fitted had they been free, then other points
 * inside (a label already there may hide the pole, and a leader cannot
 * start under it). Every point is tried with short leaders before any
 * with a long one: a long leader from the pole when a point at the far
 * end of the country had room beside it read as another country's name
 * (VENEZUELA a quarter of the way across the Atlantic on actor-russia). */
static bool place_polygon_beside(im_labeler *lb, im_label *l) {
  /* Short leaders off other countries first; then, rather than a long
   * leader, a place nearby on a neighbour; a long leader last (influence-
   * latam's VENEZUELA, hemmed in by event labels, stands on the border
   * with Brazil rather than 30 mm away on Guyana). */
  static const struct {
    double cap;
    bool area_rule;
  } steps[] = {{1.5, true}, {3, true}, {6, true}, {1.5, false}, {3, false}, {6, false}, {12, false}, {0, false}};
  double pole_x = l->x, pole_y = l->y;
  bool ok = true;
  for (size_t c = 0; ok && !l->placed && c < sizeof steps / sizeof steps[0]; c++) {
    lb->reach_cap = steps[c].cap;
    lb->area_rule = steps[c].area_rule;
    for (size_t k = 0; ok && !l->placed && k <= l->npos + l->nanchors; k++) {
      if (k == 0) {
        l->x = pole_x, l->y = pole_y;
      } else if (k <= l->npos) {
        const im_label_pos *p = &lb->pos[l->first_pos + k - 1];
        l->x = p->ox + (l->ink.minx + l->ink.maxx) / 2;
        l->y = p->oy + (l->ink.miny + l->ink.maxy) / 2;
      } else {
        const im_label_glyph *a = &lb->anchors[l->first_anchor + k - 1 - l->npos];
        l->x = a->x;
        l->y = a->y;
      }
      l->first_box = lb->nboxes;
      l->nboxes = 0;
      ok = place_point_required(lb, l);
    }
  }
  lb->reach_cap = 0;
  lb->area_rule = false;
  if (!l->placed)
    l->x = pole_x, l->y = pole_y;
  return ok;
}

static int by_priority(const void *a, const void *b) {
  const im_label *p = *(im_label *const *)a, *q = *(im_label *const *)b;
  if (p->required != q->required)
    return p->required ? -1 : 1;
  if (p->priority != q->priority)
    return p->priority > q->priority ? -1 : 1;
  return p->order < q->order ? -1 : p->order > q->order;
}

/* Point labels of one text whose marks are within this many font sizes of
 * each other name one place. */
#define IM_TWIN_FONTS 6
/* Equal texts compared pairwise at most this many to a text (a map of a
 * thousand "Port" labels is not worth a million comparisons). */
#define IM_TWIN_RUN 256

static int by_text(const void *a, const void *b) {
  const im_label *p = *(im_label *const *)a, *q = *(im_label *const *)b;
  int c = strcasecmp(p->text, q->text);
  if (c)
    return c;
  return p->order < q->order ? -1 : p->order > q->order;
}

/* Each point label's twin: a label of the same text (case aside) whose
 * mark is near its own and which comes first in priority order (rank). A
 * twin placed, the label is not: "Callao" named once on chancay, by the
 * town that outranks the port. */
static bool find_twins(im_labeler *lb, im_label **order) {
  size_t n = lb->nlabels, m = 0;
  im_label **byt = im_malloc_array(n ? n : 1, sizeof *byt);
  size_t *rank = im_malloc_array(n ? n : 1, sizeof *rank);
  if (!byt || !rank) {
    free(byt);
    free(rank);
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    rank[order[i] - lb->labels] = i;
    order[i]->twin = 0;
    if (order[i]->kind == IM_LABEL_POINT && order[i]->text && !order[i]->required)
      byt[m++] = order[i];
  }
  qsort(byt, m, sizeof *byt, by_text);
  for (size_t a = 0, b; a < m; a = b) {
    for (b = a + 1; b < m && !strcasecmp(byt[a]->text, byt[b]->text); b++)
      ;
    if (b - a < 2 || b - a > IM_TWIN_RUN)
      continue;
    for (size_t i = a; i < b; i++)
      for (size_t j = a; j < b; j++) {
        im_label *l = byt[i], *t = byt[j];
        size_t li = (size_t)(l - lb->labels), ti = (size_t)(t - lb->labels);
        if (rank[ti] >= rank[li] || hypot(l->x - t->x, l->y - t->y) > IM_TWIN_FONTS * fmax(l->font_px, t->font_px))
          continue;
        if (!l->twin || rank[ti] < rank[l->twin - 1])
          l->twin = ti + 1;
      }
  }
  free(byt);
  free(rank);
  return true;
}

bool im_labeler_place(im_labeler *lb) {
  if (!lb || lb->failed)
    return false;
  if (lb->done)
    return true;
  lb->done = true;
  im_label **order = im_malloc_array(lb->nlabels ? lb->nlabels : 1, sizeof *order);
  if (!order) {
    lb->failed = true;
    return false;
  }
  for (size_t i = 0; i < lb->nlabels; i++)
    order[i] = &lb->labels[i];
  qsort(order, lb->nlabels, sizeof *order, by_priority);
  bool ok = find_twins(lb, order);
  for (size_t i = 0; i < lb->nlabels && ok; i++) {
    im_label *l = order[i];
    l->first_box = lb->nboxes;
    l->nboxes = 0;
    l->repeat = l->twin && lb->labels[l->twin - 1].placed;
    if (l->repeat)
      continue;
    /* key: all: a number whatever the room. */
    if (l->key_mode == IM_LABEL_KEY_ALL && im_label_keyable(lb, l)) {
      ok = im_label_key_try(lb, l);
      continue;
    }
    ok = l->kind == IM_LABEL_POINT     ? (l->required ? place_point_required(lb, l) : im_label_place_point(lb, l))
         : l->kind == IM_LABEL_POLYGON ? place_polygon(lb, l)
                                       : place_line(lb, l);
    /* key: auto: a number where the text found no room, in the label's own
     * turn, before lesser labels take the space round its mark. */
    if (ok && im_label_keyable(lb, l))
      ok = im_label_key_try(lb, l);
    /* A required polygon label (or one with leader: auto) with no room
     * inside goes beside a point of it, with a leader into the polygon,
     * as a point label would. */
    if (ok && !l->placed && l->kind == IM_LABEL_POLYGON && (l->required || l->leader_allowed) && l->anchored)
      ok = place_polygon_beside(lb, l);
  }
  free(order);
  if (ok && lb->key_on)
    ok = im_label_key_number(lb);
  for (size_t i = 0; i < lb->nlabels; i++) {
    const im_label *l = &lb->labels[i];
    if (l->placed) {
      lb->stats.placed++;
      lb->stats.with_leader += l->leader;
      lb->stats.keyed += l->key_no > 0;
    } else if (l->repeat) {
      lb->stats.repeats++;
    } else {
      lb->stats.dropped++;
    }
  }
  /* The audit --verbose and the tests read: placed point labels without a
   * leader that another mark is as near as their own. place_point keeps
   * this at 0; a change that breaks that shows here. */
  for (size_t i = 0; i < lb->nlabels && ok; i++) {
    const im_label *l = &lb->labels[i];
    if (l->kind != IM_LABEL_POINT || !l->placed || l->leader || !l->nboxes)
      continue;
    lb->stats.misattached += !belongs(lb, l, lb->boxes[l->first_box]);
  }
  if (!ok)
    lb->failed = true;
  return ok;
}
