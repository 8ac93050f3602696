/* Lines of a layer that run one course (the same vertices, one way or the
 * other: Maduro to Tehran, an Iranian delegation to Caracas) are one line
 * on the page unless moved apart: each is moved sideways by its place in
 * its group, so both are seen, each with its colour, dash and arrow. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "render/courses-private.h"

/* Lines at most this many to a layer are compared pairwise (route layers
 * hold tens). */
#define IM_COURSE_MAX_LINES 4096

/* Whether two lines run the same course: the same vertices, in order or
 * reversed (*reversed). */
static bool same_course(const im_geom *g, const im_geom *h, bool *reversed) {
  if (g->npoints != h->npoints || g->npoints < 2 || g->nparts != 1 || h->nparts != 1)
    return false;
  size_t n = g->npoints;
  for (int rev = 0; rev < 2; rev++) {
    bool same = true;
    for (size_t i = 0; same && i < n; i++) {
      size_t j = rev ? n - 1 - i : i;
      for (int c = 0; c < 2; c++) {
        double u = g->xy[2 * i + c], w = h->xy[2 * j + c];
        same = same && fabs(u - w) <= 1e-9 * (1 + fabs(u));
      }
    }
    if (same) {
      *reversed = rev;
      return true;
    }
  }
  return false;
}

bool im_route_courses(const im_layer *layer, const im_drawn *order, const im_proj_feature *feats, size_t n,
                      const im_resolver *res, const im_symbol_ctx *sc, double **out) {
  *out = NULL;
  size_t lines = 0;
  for (size_t i = 0; i < n; i++)
    lines += feats[i].geom->kind == IM_GEOM_LINE;
  if (lines < 2 || lines > IM_COURSE_MAX_LINES)
    return true;
  size_t *group = im_malloc_array(n, sizeof *group), *line = im_malloc_array(lines, sizeof *line), nl = 0;
  bool *rev = calloc(n, sizeof *rev);
  double *width = calloc(n, sizeof *width), *course = calloc(n, sizeof *course);
  size_t *count = calloc(n, sizeof *count), *slot = calloc(n, sizeof *slot);
  im_style fst;
  memset(&fst, 0, sizeof fst);
  bool ok = group && line && rev && width && course && count && slot, any = false;
  /* Each line joins the group of the first line before it (in drawing
   * order) of its course, drawn alike (geodesic or not). */
  for (size_t i = 0; ok && i < n; i++) {
    group[i] = i;
    if (feats[i].geom->kind != IM_GEOM_LINE)
      continue;
    for (size_t a = 0; a < nl && group[i] == i; a++) {
      size_t j = line[a];
      if (group[j] == j && feats[i].geodesic == feats[j].geodesic && same_course(feats[j].geom, feats[i].geom, &rev[i]))
        group[i] = j, any = true;
    }
    line[nl++] = i;
  }
  /* A group's lines stand the widest of their casings apart (or twice the
   * widest line). */
  for (size_t i = 0; ok && any && i < n; i++) {
    const im_feature *f = &layer->features[order[i].index];
    if (f->geom.kind != IM_GEOM_LINE || !(ok = im_resolver_style(res, f, &fst)))
      continue;
    double w = fmax(im_symbol_len(sc, fst.casing.width), 2 * im_symbol_len(sc, fst.stroke_width));
    width[group[i]] = fmax(width[group[i]], w);
  }
  for (size_t i = 0; ok && any && i < n; i++)
    count[group[i]]++;
  for (size_t i = 0; ok && any && i < n; i++) {
    size_t g = group[i], k = count[g];
    if (k < 2)
      continue;
    double d = ((double)slot[g]++ - (double)(k - 1) / 2) * width[g];
    course[i] = rev[i] ? -d : d;
  }
  im_style_clear(&fst);
  free(group);
  free(line);
  free(rev);
  free(width);
  free(count);
  free(slot);
  if (ok && any)
    *out = course;
  else
    free(course);
  return ok;
}
