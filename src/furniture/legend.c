/* The legend, built from what is drawn: draw.c notes each feature drawn
 * with its class and resolved style; only classes with something inside the
 * frame are listed, with their symbols drawn by the same functions and
 * styles as on the map.
 *
 * A layer is listed when the legend names it (layers:), else when it has
 * classes or a legend label (legend: "Label"); legend: false leaves it out.
 * Its entries come from one classification: the one on legend: by: FIELD,
 * else its first coloured one (a palette or ramp). With by:, entries of
 * every listed layer that share a label make one row (a point and a line
 * symbol for "China", say); a listed layer that has the field but no
 * classification on it (routes coloured by actor, in a legend by category)
 * is keyed by the field's values all the same.
 *
 * An entry's symbol is the style its features were drawn with when they
 * all looked alike. When they differ, it is the style of a feature having
 * just the attribute values all of them share: what they share is kept
 * (stars, all China's orange, in a legend by category), what differs takes
 * the layer's own, neutral value (the grey of a feature without an actor
 * when the entry mixes actors; the plain circle when, by actor, it mixes
 * categories; the filled symbol when it mixes statuses). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "furniture/furniture-private.h"
#include "geo/geom-private.h"

/* ---- noting what is drawn ---- */

/* Even-odd: is (x, y) inside the rings of g? */
static bool point_in_rings(const im_geom *g, double x, double y) {
  bool in = false;
  for (size_t p = 0; p < g->nparts; p++) {
    size_t a = g->parts[p], n = im_geom_part_size(g, p);
    for (size_t i = 0, j = n - 1; i < n; j = i++) {
      double xi = g->xy[2 * (a + i)], yi = g->xy[2 * (a + i) + 1], xj = g->xy[2 * (a + j)], yj = g->xy[2 * (a + j) + 1];
      if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
        in = !in;
    }
  }
  return in;
}

/* Does the drawn geometry show in the frame (not just in the margin kept
 * round it for clipping)? */
static bool meets_frame(const im_page *pg, const im_geom *g) {
  im_bbox r = {pg->fx0, pg->fy0, pg->fx0 + pg->fw, pg->fy0 + pg->fh};
  for (size_t i = 0; i < g->npoints; i++) {
    double x = g->xy[2 * i], y = g->xy[2 * i + 1];
    if (x >= r.minx && x <= r.maxx && y >= r.miny && y <= r.maxy)
      return true;
  }
  if (g->kind == IM_GEOM_POINT)
    return false;
  for (size_t p = 0; p < g->nparts; p++) {
    size_t a = g->parts[p], n = im_geom_part_size(g, p);
    for (size_t i = 0; i + 1 < n; i++)
      if (im_segment_hits_box(g->xy[2 * (a + i)], g->xy[2 * (a + i) + 1], g->xy[2 * (a + i + 1)],
                              g->xy[2 * (a + i + 1) + 1], r))
        return true;
  }
  return g->kind == IM_GEOM_POLYGON && point_in_rings(g, (r.minx + r.maxx) / 2, (r.miny + r.maxy) / 2);
}

/* The field a section's rows are the values of (the legend's by: without
 * sections), or NULL. */
const char *im_legend_section_by(const im_legend *lg, size_t sec) {
  if (!lg->nsections)
    return lg->by;
  return sec < lg->nsections ? lg->sections[sec].by : NULL; /* the block of other layers */
}

/* Whether the layer has the field of one of the legend's sections. */
static bool has_section_field(const im_legend *lg, const im_resolver *res) {
  size_t nf;
  const im_field *fields = im_resolver_label_fields(res, &nf);
  for (size_t sec = 0; sec < lg->nsections; sec++)
    for (size_t i = 0; i + 1 < nf; i++)
      if (!strcasecmp(fields[i].name, lg->sections[sec].by))
        return true;
  return false;
}

/* Which layers a section of the legend lists, and by which classification;
 * j is the section's and layer's slot in the per-layer arrays. */
static void decide_layer(im_furniture_state *s, size_t sec, size_t j, const im_layer_style *ls,
                         const im_resolver *res) {
  const im_legend *lg = &s->fu->legend;
  const char *by = im_legend_section_by(lg, sec);
  bool named = false;
  for (size_t i = 0; i < lg->nlayers; i++)
    named = named || !strcmp(lg->layers[i], ls->id);
  size_t n = im_resolver_nclasses(res);
  long k = -1;
  if (by) {
    for (size_t i = 0; i < n && k < 0; i++)
      if (!strcasecmp(im_resolver_classes(res, i)->field, by))
        k = (long)i;
  } else {
    for (size_t i = 0; i < n && k < 0; i++) {
      const im_classes *cl = im_resolver_classes(res, i);
      if ((cl->kind == IM_CLASSES_CATEGORICAL && cl->palette) || (cl->kind == IM_CLASSES_GRADUATED && cl->ramp))
        k = (long)i;
    }
    if (k < 0 && n)
      k = 0;
  }
  /* By a field the layer has without classifying by it: its values. */
  long field = -1;
  if (by && k < 0) {
    size_t nf;
    const im_field *fields = im_resolver_label_fields(res, &nf);
    for (size_t i = 0; i + 1 < nf && field < 0; i++) /* the last is length_km */
      if (!strcasecmp(fields[i].name, by))
        field = (long)i;
  }
  /* Proportional symbols are keyed by their own block (legend-size.c): the
   * layer gets rows only for its classes, never one per value of its size
   * field nor one for the layer itself. */
  const char *size_field = im_resolver_size_field(res);
  if (size_field && field >= 0 && !strcasecmp(size_field, by))
    field = -1;
  bool listed;
  if (ls->legend_hide)
    listed = false;
  else if (lg->nlayers)
    listed = named && (k >= 0 || field >= 0 || !size_field);
  else
    listed = k >= 0 || field >= 0 || (ls->legend_label && !size_field);
  /* With by:, a layer without that field shows only when asked for. */
  if (by && k < 0 && field < 0 && !named && !ls->legend_label)
    listed = false;
  /* With sections, a layer none of them is by (towns, ports, a boundary
   * with a legend label) is listed once, in the untitled block after them,
   * not in every section. */
  if (lg->nsections && by && k < 0 && field < 0)
    listed = false;
  if (lg->nsections && !by)
    listed = listed && !has_section_field(lg, res);
  /* Where the by: field is in the layer, for the entries' neutral symbols. */
  long byfield = -1;
  if (by) {
    size_t nf;
    const im_field *fields = im_resolver_label_fields(res, &nf);
    for (size_t i = 0; i + 1 < nf && byfield < 0; i++)
      if (!strcasecmp(fields[i].name, by))
        byfield = (long)i;
  }
  s->layer_listed[j] = listed;
  s->layer_class[j] = k;
  s->layer_field[j] = field;
  s->layer_byfield[j] = byfield;
}

static size_t hash_of(size_t section, size_t layer, const char *label, im_geom_kind kind) {
  size_t h = 1469598103934665603u ^ (layer * 1099511628211u) ^ ((size_t)kind << 7) ^ (section << 12);
  for (const unsigned char *p = (const unsigned char *)label; *p; p++)
    h = (h ^ *p) * 1099511628211u;
  return h;
}

static bool rehash(im_furniture_state *s, size_t nslots) {
  size_t *slots = calloc(nslots, sizeof *slots);
  if (!slots)
    return false;
  for (size_t i = 0; i < s->nentries; i++) {
    const im_legend_entry *e = &s->entries[i];
    size_t h = hash_of(e->section, e->layer, e->label, e->kind) & (nslots - 1);
    while (slots[h])
      h = (h + 1) & (nslots - 1);
    slots[h] = i + 1;
  }
  free(s->slots);
  s->slots = slots;
  s->nslots = nslots;
  return true;
}

static bool copy_style(im_style *dst, const im_style *src) { return im_style_copy(dst, src); }

static bool same_color(im_color a, im_color b) { return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a; }
static bool same_len(im_length a, im_length b) { return a.value == b.value && a.unit == b.unit; }

/* Do two styles draw alike (what a legend symbol shows)? */
bool im_legend_same_look(const im_style *a, const im_style *b) {
  if (!same_color(a->fill, b->fill) || !same_color(a->stroke_color, b->stroke_color) ||
      !same_len(a->stroke_width, b->stroke_width) || a->opacity != b->opacity || a->marker_symbol != b->marker_symbol ||
      !same_len(a->marker_size, b->marker_size) || a->ndash != b->ndash ||
      (a->set & (IM_STYLE_HATCH | IM_STYLE_CASING | IM_STYLE_STROKE)) !=
          (b->set & (IM_STYLE_HATCH | IM_STYLE_CASING | IM_STYLE_STROKE)) ||
      a->arrow != b->arrow)
    return false;
  for (size_t i = 0; i < a->ndash; i++)
    if (!same_len(a->dash[i], b->dash[i]))
      return false;
  if ((a->marker_icon || b->marker_icon) &&
      (!a->marker_icon || !b->marker_icon || strcmp(a->marker_icon, b->marker_icon)))
    return false;
  if ((a->set & IM_STYLE_HATCH) && (!same_color(a->hatch.color, b->hatch.color) || a->hatch.angle != b->hatch.angle ||
                                    !same_len(a->hatch.spacing, b->hatch.spacing)))
    return false;
  if ((a->set & IM_STYLE_CASING) &&
      (!same_color(a->casing.color, b->casing.color) || !same_len(a->casing.width, b->casing.width)))
    return false;
  return true;
}

void im_legend_entry_clear(im_legend_entry *e) {
  free(e->label);
  e->label = NULL;
  im_style_clear(&e->first);
  im_style_clear(&e->sample);
  im_style_clear(&e->shared);
  for (size_t i = 0; i < e->ncommon; i++)
    free(e->common[i]);
  free(e->common);
  e->common = NULL;
  e->ncommon = 0;
  e->has_shared = false;
}

/* Starts e's shared values from f's. */
static bool init_common(im_legend_entry *e, const im_resolver *res, const im_feature *f) {
  size_t nf;
  im_resolver_label_fields(res, &nf);
  e->ncommon = nf > 0 ? nf - 1 : 0; /* the layer's fields; not length_km */
  /* Never NULL: filters read the array. */
  if (!(e->common = calloc(e->ncommon + 1, sizeof *e->common)))
    return false;
  for (size_t i = 0; i < e->ncommon && f->values; i++)
    if (f->values[i] && !(e->common[i] = im_strdup(f->values[i])))
      return false;
  return true;
}

/* Forgets the shared values f does not have; true when any was. */
static bool narrow_common(im_legend_entry *e, const im_feature *f) {
  bool changed = false;
  for (size_t i = 0; i < e->ncommon; i++) {
    const char *v = f->values ? f->values[i] : NULL;
    if (e->common[i] && (!v || strcmp(e->common[i], v))) {
      free(e->common[i]);
      e->common[i] = NULL;
      changed = true;
    }
  }
  return changed;
}

/* The entry's symbol in a legend by a field: the style of a feature with
 * that field's value and nothing else, so that only what the field
 * changes shows (a hollow marker for "proposed", the actor's colour for
 * "China"). */
static bool neutral_sample(const im_resolver *res, long byfield, const im_feature *f, im_style *out) {
  size_t nf;
  const im_field *fields = im_resolver_label_fields(res, &nf);
  char **values = calloc(nf + 1, sizeof *values);
  if (!values)
    return false;
  /* The colour classifications of other fields take their palette's
   * "other" (an empty value is no named value): a hollow "proposed" then
   * has a grey rim, not the white of a marker that has no colour at all. */
  static char none[] = "";
  for (size_t k = 0; k < im_resolver_nclasses(res); k++) {
    const im_classes *cl = im_resolver_classes(res, k);
    if (!cl->palette)
      continue;
    for (size_t i = 0; i + 1 < nf; i++)
      if (!strcasecmp(fields[i].name, cl->field) && (long)i != byfield)
        values[i] = none;
  }
  if (byfield >= 0 && f->values)
    values[byfield] = f->values[byfield];
  im_feature one = {.fid = -1, .values = values};
  one.geom.kind = f->geom.kind;
  bool ok = im_resolver_style(res, &one, out);
  free(values);
  return ok;
}

static bool note_section(im_page *pg, size_t sec, size_t li, const im_layer_style *ls, const im_resolver *res,
                         const im_feature *f, const im_style *st) {
  im_furniture_state *s = pg->furniture;
  size_t j = sec * pg->map->nlayers + li;
  if (s->layer_listed[j] < 0)
    decide_layer(s, sec, j, ls, res);
  if (!s->layer_listed[j])
    return true;
  long k = s->layer_class[j], field = s->layer_field[j], idx = -1;
  char buf[256];
  const char *label = ls->legend_label ? ls->legend_label : ls->id;
  const char *no_data = s->fu->legend.no_data;
  /* Classes with a no_data style draw it: the legend then says what it
   * means, in the legend's no_data: text or in plain words. */
  if (!no_data && k >= 0 && im_resolver_classes(res, (size_t)k)->has_no_data)
    no_data = "No data";
  bool in_no_class = false;
  if (k >= 0) {
    idx = im_resolver_class_of(res, (size_t)k, f, buf, sizeof buf);
    in_no_class = idx < 0;
    if (idx >= 0)
      label = buf;
  } else if (field >= 0) {
    const char *v = f->values ? f->values[field] : NULL;
    in_no_class = !v || !*v;
    if (!in_no_class) {
      snprintf(buf, sizeof buf, "%s", v);
      label = buf;
    }
  }
  /* In no class (a null value): the legend's "no data" entry when it has
   * one, else only under the layer's own label, else not listed. */
  if (in_no_class) {
    if (no_data)
      label = no_data;
    else if (!ls->legend_label)
      return true;
  }
  if (s->nentries * 2 + 2 > s->nslots && !rehash(s, s->nslots ? 2 * s->nslots : 64))
    return false;
  size_t h = hash_of(sec, li, label, f->geom.kind) & (s->nslots - 1);
  for (; s->slots[h]; h = (h + 1) & (s->nslots - 1)) {
    im_legend_entry *e = &s->entries[s->slots[h] - 1];
    if (e->section == sec && e->layer == li && e->kind == f->geom.kind && !strcmp(e->label, label)) {
      e->count++;
      bool was = e->uniform;
      if (e->uniform && !im_legend_same_look(&e->first, st))
        e->uniform = false;
      /* Resolved again only when what is shared shrinks: at most once
       * per field. */
      if ((narrow_common(e, f) || was) && !e->uniform) {
        im_feature shared = {.fid = -1, .values = e->common};
        shared.geom.kind = e->kind;
        e->has_shared = im_resolver_style(res, &shared, &e->shared);
      }
      return true;
    }
  }
  if (!im_grow((void **)&s->entries, &s->cap_entries, s->nentries + 1, sizeof *s->entries))
    return false;
  im_legend_entry *e = &s->entries[s->nentries];
  memset(e, 0, sizeof *e);
  e->section = sec;
  e->layer = li;
  e->no_data = in_no_class && no_data;
  e->cls = k < 0 && field >= 0 && idx < 0 ? s->layer_nentries[j] : idx;
  e->kind = f->geom.kind;
  e->count = 1;
  e->uniform = true;
  e->neutral = im_legend_section_by(&s->fu->legend, sec) != NULL;
  bool sampled =
      e->neutral && s->layer_byfield[j] >= 0
          ? neutral_sample(res, s->layer_byfield[j], f, &e->sample)
          : im_resolver_class_style(res, k >= 0 ? (size_t)k : 0, k >= 0 ? idx : -1, f->geom.kind, &e->sample);
  if (!(e->label = im_strdup(label)) || !copy_style(&e->first, st) || !sampled || !init_common(e, res, f)) {
    im_legend_entry_clear(e);
    return false;
  }
  s->layer_nentries[j]++;
  s->slots[h] = ++s->nentries;
  return true;
}

bool im_legend_note(im_page *pg, size_t li, const im_layer_style *ls, const struct im_resolver *res,
                    const im_feature *f, const im_style *st, const im_geom *drawn) {
  im_furniture_state *s = pg->furniture;
  if (!s->fu->legend.enabled || !s->layer_listed || !meets_frame(pg, drawn))
    return true;
  if (!im_legend_size_note(pg, li, ls, res, f))
    return false;
  for (size_t sec = 0; sec < s->nsections; sec++)
    if (!note_section(pg, sec, li, ls, res, f, st))
      return false;
  return true;
}

static const im_style *entry_style(const im_legend_entry *e) {
  /* By a field: the entry's own class on the layer's neutral symbol. A
   * China of diamonds and a Russia of triangles would be read as saying
   * something about China and Russia; the shapes have their own meaning. */
  if (e->neutral)
    return &e->sample;
  return e->uniform ? &e->first : e->has_shared ? &e->shared : &e->sample;
}

const im_style *im_legend_entry_style(const im_legend_entry *e) { return entry_style(e); }

/* Adds e (of another render of the same map) to into, and frees what e
 * owns. The resolvers are gone: when the two symbols differ, into shows
 * its class's own style. */
static void merge_entry(im_legend_entry *into, im_legend_entry *e) {
  into->count += e->count;
  if (!(into->uniform && e->uniform && im_legend_same_look(&into->first, &e->first))) {
    const im_style *a = entry_style(into), *b = entry_style(e);
    bool keep = im_legend_same_look(a, b);
    if (keep && a != &into->shared) {
      im_style copy;
      keep = copy_style(&copy, a);
      if (!keep)
        im_style_clear(&copy);
      else {
        im_style_clear(&into->shared);
        into->shared = copy;
      }
    }
    into->has_shared = keep;
    into->uniform = false;
  }
  /* What both share, should into be noted again. */
  for (size_t i = 0; i < into->ncommon; i++)
    if (into->common[i] && (i >= e->ncommon || !e->common[i] || strcmp(into->common[i], e->common[i]))) {
      free(into->common[i]);
      into->common[i] = NULL;
    }
  im_legend_entry_clear(e);
}

/* Small multiples: every panel notes what it draws in its own state; the
 * page's legend lists the union. */
bool im_legend_take(im_furniture_state *into, im_furniture_state *from) {
  size_t n = from->nentries, i = 0;
  bool ok = true;
  for (; i < n && ok; i++) {
    im_legend_entry *e = &from->entries[i];
    if (into->nentries * 2 + 2 > into->nslots && !rehash(into, into->nslots ? 2 * into->nslots : 64)) {
      ok = false;
      break;
    }
    size_t h = hash_of(e->section, e->layer, e->label, e->kind) & (into->nslots - 1);
    im_legend_entry *same = NULL;
    for (; into->slots[h] && !same; h = (h + 1) & (into->nslots - 1)) {
      im_legend_entry *o = &into->entries[into->slots[h] - 1];
      if (o->section == e->section && o->layer == e->layer && o->kind == e->kind && !strcmp(o->label, e->label))
        same = o;
    }
    if (same) {
      merge_entry(same, e);
      continue;
    }
    if (!im_grow((void **)&into->entries, &into->cap_entries, into->nentries + 1, sizeof *into->entries)) {
      ok = false;
      break;
    }
    into->entries[into->nentries] = *e; /* its strings and styles go with it */
    into->slots[h] = ++into->nentries;
  }
  /* from keeps only what was not taken (all of it is freed with from). */
  if (i > 0 && i < n)
    memmove(from->entries, from->entries + i, (n - i) * sizeof *from->entries);
  from->nentries = n - i;
  if (from->slots && !rehash(from, from->nslots))
    ok = false;
  return ok;
}
