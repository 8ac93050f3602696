/* A feature to map CRS units, and the prefetcher that does it on a second
 * core (project-private.h). */
#include "geo/project-private.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem-private.h"
#include "geo/geom-private.h"
#include "influmap/geodesic.h"

/* As im_geom_densify (geom.c) caps the vertices one segment gets. */
#define IM_DENSIFY_MAX_PER_SEGMENT 100000

void im_proj_scratch_init(im_proj_scratch *s) {
  im_geom_init(&s->work, IM_GEOM_POINT);
  im_geom_init(&s->cut, IM_GEOM_POINT);
  im_geom_init(&s->dense, IM_GEOM_POINT);
  im_geom_init(&s->thin, IM_GEOM_POINT);
  im_geom_init(&s->kept, IM_GEOM_POINT);
  im_geom_init(&s->capd, IM_GEOM_POINT);
  im_geom_init(&s->capfill, IM_GEOM_POINT);
  im_geom_init(&s->capline, IM_GEOM_POINT);
  im_geom_init(&s->seam, IM_GEOM_POINT);
}

void im_proj_scratch_free(im_proj_scratch *s) {
  im_geom_free(&s->work);
  im_geom_free(&s->cut);
  im_geom_free(&s->dense);
  im_geom_free(&s->thin);
  im_geom_free(&s->kept);
  im_geom_free(&s->capd);
  im_geom_free(&s->capfill);
  im_geom_free(&s->capline);
  im_geom_free(&s->seam);
}

bool im_project_lonlat(const im_proj_env *env, im_proj_scratch *s, const im_proj_feature *f, size_t *lost) {
  if (!im_geom_copy(&s->work, f->geom))
    return false;
  if (env->src2geo)
    *lost += im_transform_array(env->src2geo, s->work.xy, s->work.npoints, false);
  /* Coordinates no longitude/latitude can have (a latitude of 131° in one
   * Natural Earth release) are dropped, not wrapped or clamped. */
  static const im_bbox lonlat = {-540, -90, 540, 90};
  *lost += im_geom_remove_invalid(&s->work, &lonlat);
  if (f->geodesic &&
      (!im_geom_geodesic(&s->work, IM_GEODESIC_STEP_KM, &s->dense) || !im_geom_copy(&s->work, &s->dense)))
    return false;
  return true;
}

bool im_cap_prepare(const im_cap *k, const im_geom *ll, bool want_lines, im_proj_scratch *s, const im_geom **fill,
                    const im_geom **lines) {
  if (ll->kind == IM_GEOM_POINT) {
    if (!im_cap_clip(k, ll, false, &s->capfill))
      return false;
    *fill = *lines = &s->capfill;
    return true;
  }
  /* Most shapes of a regional map are nowhere near the rim (an
   * equal-area map's cap stops just short of its antipode). */
  if (im_cap_well_inside(k, ll)) {
    *fill = *lines = ll;
    return true;
  }
  /* A degree apart at most, so each segment is short on the sphere. */
  if (!im_geom_densify(ll, 1.0, &s->capd) || !im_cap_clip(k, &s->capd, false, &s->capfill))
    return false;
  *fill = *lines = &s->capfill;
  if (ll->kind == IM_GEOM_POLYGON && want_lines) {
    if (!im_cap_clip(k, &s->capd, true, &s->capline))
      return false;
    *lines = &s->capline;
  }
  return true;
}

/* The vertices im_geom_densify would make of g, or more than limit when
 * they would pass it (a first bound without square roots: a segment of
 * length l gets fewer than l / step new vertices, and l <= |dx| + |dy|). */
static size_t densified_size(const im_geom *g, double step, size_t limit) {
  if (g->kind == IM_GEOM_POINT)
    return g->npoints;
  double bound = (double)g->npoints, exact = bound;
  for (size_t p = 0; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    for (size_t i = 1, n = im_geom_part_size(g, p); i < n; i++)
      bound += (fabs(v[2 * i] - v[2 * i - 2]) + fabs(v[2 * i + 1] - v[2 * i - 1])) / step;
  }
  if (bound <= (double)limit)
    return g->npoints; /* within the limit: that is all the caller asks */
  for (size_t p = 0; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    for (size_t i = 1, n = im_geom_part_size(g, p); i < n; i++) {
      double dx = v[2 * i] - v[2 * i - 2], dy = v[2 * i + 1] - v[2 * i - 1];
      double len = sqrt(dx * dx + dy * dy);
      if (len > step)
        exact += fmin(ceil(len / step), IM_DENSIFY_MAX_PER_SEGMENT) - 1;
    }
  }
  return exact > (double)limit ? limit + 1 : (size_t)exact;
}

/* Densifies the cut geometry src into dst and projects it; refuses,
 * before making them, more than room vertices. */
static im_proj_result densify_project(const im_proj_env *env, const im_geom *src, size_t room, im_geom *dst,
                                      size_t *lost) {
  if (densified_size(src, IM_DENSIFY_DEGREES, room) > room)
    return IM_PROJ_CEILING;
  bool ok = src->kind == IM_GEOM_POINT ? im_geom_copy(dst, src) : im_geom_densify(src, IM_DENSIFY_DEGREES, dst);
  if (!ok)
    return IM_PROJ_OOM;
  *lost += im_transform_array(env->geo2map, dst->xy, dst->npoints, false);
  im_xwrap_apply(env->xwrap, dst->xy, dst->npoints);
  return IM_PROJ_OK;
}

/* g (lon/lat, lines or polygons) into out without the vertices nearer
 * than tol degrees of arc to the vertex kept before them; each part keeps
 * its ends. Distances are those of the tangent plane at the kept vertex
 * (a degree of longitude is cos(latitude) degrees of arc), near enough at
 * a fraction of a pixel. A ring that would fall under four points, or a
 * line under two, is kept whole: it is a speck, and drawn as before. */
static bool thin_lonlat(const im_geom *g, double tol, im_geom *out) {
  im_geom_reset(out, g->kind);
  out->nonzero = g->nonzero;
  /* Room for everything at once: the output is at most the input. */
  size_t cap2 = out->cap_points * 2;
  if (!im_grow((void **)&out->xy, &cap2, g->npoints * 2, sizeof *out->xy) ||
      !im_grow((void **)&out->parts, &out->cap_parts, g->nparts, sizeof *out->parts))
    return false;
  out->cap_points = cap2 / 2;
  size_t min = g->kind == IM_GEOM_POLYGON ? 4 : 2, k = 0;
  double tol2 = tol * tol, *o = out->xy;
  for (size_t p = 0; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    size_t n = im_geom_part_size(g, p), start = k;
    out->parts[p] = start;
    if (n > min) {
      o[2 * k] = v[0], o[2 * k + 1] = v[1], k++;
      double kx = v[0], ky = v[1], c = cos(ky * (M_PI / 180));
      for (size_t i = 1; i + 1 < n; i++) {
        double dx = (v[2 * i] - kx) * c, dy = v[2 * i + 1] - ky;
        if (dx * dx + dy * dy < tol2)
          continue;
        kx = o[2 * k] = v[2 * i], ky = o[2 * k + 1] = v[2 * i + 1], k++;
        c = cos(ky * (M_PI / 180));
      }
      o[2 * k] = v[2 * (n - 1)], o[2 * k + 1] = v[2 * (n - 1) + 1], k++;
    }
    if (k - start < min) {
      /* Too few left (or too few to begin with): the part as it was. */
      memcpy(o + 2 * start, v, 2 * n * sizeof *v);
      k = start + n;
    }
  }
  out->nparts = g->nparts;
  out->npoints = k;
  return true;
}

/* The parts of g (lon/lat) that meet the query's boxes, into out; true
 * when out holds them, false to take g whole: every part meets a box,
 * none does (the feature stays as the reader gave it), a part strays past
 * ±180° (its longitudes are not those of the boxes), or out of memory. The
 * boxes are the frame's footprint with wide margins (frame.c), so a part
 * outside them is far outside the frame; and parts are simplified and
 * clipped each on its own, so the map is the same, byte for byte, less
 * the cost of projecting the Arctic islands of a map of South America. */
static bool parts_in_query(const im_geom *g, const im_bbox *boxes, size_t nboxes, im_geom *out) {
  size_t keep = 0, points = 0;
  bool *in = im_malloc_array(g->nparts + 1, sizeof *in);
  if (!in)
    return false;
  for (size_t p = 0; p < g->nparts; p++) {
    const double *v = g->xy + 2 * g->parts[p];
    size_t n = im_geom_part_size(g, p);
    im_bbox b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++) {
      b.minx = fmin(b.minx, v[2 * i]), b.maxx = fmax(b.maxx, v[2 * i]);
      b.miny = fmin(b.miny, v[2 * i + 1]), b.maxy = fmax(b.maxy, v[2 * i + 1]);
    }
    in[p] = !n || b.minx < -180 || b.maxx > 180 || im_bbox_meets_any(boxes, nboxes, &b);
    keep += in[p];
    points += in[p] ? n : 0;
  }
  bool some = keep > 0 && keep < g->nparts;
  if (some && im_geom_reserve(out, points, keep)) {
    im_geom_reset(out, g->kind);
    out->nonzero = g->nonzero;
    for (size_t p = 0; p < g->nparts; p++) {
      if (!in[p])
        continue;
      size_t n = im_geom_part_size(g, p);
      out->parts[out->nparts++] = out->npoints;
      memcpy(out->xy + 2 * out->npoints, g->xy + 2 * g->parts[p], 2 * n * sizeof *g->xy);
      out->npoints += n;
    }
  } else {
    some = false;
  }
  free(in);
  return some;
}

static bool same_coordinates(const im_geom *a, const im_geom *b) {
  return a->npoints == b->npoints && a->nparts == b->nparts && a->nonzero == b->nonzero &&
         (!a->nparts || !memcmp(a->parts, b->parts, a->nparts * sizeof *a->parts)) &&
         (!a->npoints || !memcmp(a->xy, b->xy, 2 * a->npoints * sizeof *a->xy));
}

im_proj_result im_project_feature(const im_proj_env *env, im_proj_scratch *s, const im_proj_feature *f, bool want_fill,
                                  bool want_outline, size_t room, im_projected *p, bool *have_work) {
  im_proj_key key = {env->source_id, env->crs_id, f->fid, env->lon0, IM_DENSIFY_DEGREES, env->thin, f->geodesic};
  *have_work = false;
  bool polygon = f->geom->kind == IM_GEOM_POLYGON;
  if (env->cache && im_proj_cache_get(&key, p) && (p->has_fill || !want_fill) && (p->has_outline || !want_outline))
    return IM_PROJ_OK;
  p->has_fill = p->has_outline = p->outline_same = false;
  p->lost_pre = p->lost_fill = p->lost_outline = 0;
  if (!im_project_lonlat(env, s, f, &p->lost_pre))
    return IM_PROJ_OOM;
  *have_work = true;
  /* s->work stays as read (a label's length is measured on it). A cached
   * projection serves other frames too: every part of it is projected. */
  const im_geom *ll = &s->work;
  if (env->query && !env->cache && f->geom->kind != IM_GEOM_POINT && s->work.nparts > 1 &&
      parts_in_query(&s->work, env->query, env->query_boxes, &s->kept))
    ll = &s->kept;
  if (env->thin > 0 && f->geom->kind != IM_GEOM_POINT) {
    if (!thin_lonlat(ll, env->thin, &s->thin))
      return IM_PROJ_OOM;
    ll = &s->thin;
  }
  /* On a globe, the visible hemisphere only, clipped on the sphere: the
   * fill closed along the rim, the outline broken there. */
  const im_geom *fill_src = ll, *line_src = ll;
  if (env->cap && !im_cap_prepare(env->cap, ll, polygon && (want_outline || env->cache), s, &fill_src, &line_src))
    return IM_PROJ_OOM;
  im_proj_result r;
  /* An azimuthal map (the one kind with a cap) does not tear at its
   * antimeridian, which runs through its antipode: cut there, a polygon
   * round the antipode would be closed along a line that spans the page. */
  if (!polygon || want_fill || env->cache) {
    if (!(env->cap ? im_geom_copy(&s->cut, fill_src) : im_geom_cut_antimeridian(fill_src, env->lon0, false, &s->cut)))
      return IM_PROJ_OOM;
    if ((r = densify_project(env, &s->cut, room, &p->fill, &p->lost_fill)))
      return r;
    p->has_fill = true;
  }
  if (polygon && (want_outline || env->cache)) {
    /* Stroked, a ring's cut along the dateline would draw a line across
     * the land wherever the map is not cut there itself. */
    if (im_geom_has_dateline_edges(line_src)) {
      if (!im_geom_break_at_dateline(line_src, &s->seam))
        return IM_PROJ_OOM;
      line_src = &s->seam;
    }
    if (!(env->cap ? im_geom_copy(&s->dense, line_src)
                   : im_geom_cut_antimeridian(line_src, env->lon0, true, &s->dense)))
      return IM_PROJ_OOM;
    if (p->has_fill && same_coordinates(&s->cut, &s->dense)) {
      p->outline_same = true;
      p->lost_outline = p->lost_fill;
    } else if ((r = densify_project(env, &s->dense, room, &p->outline, &p->lost_outline))) {
      return r;
    }
    p->has_outline = true;
  }
  if (env->cache)
    im_proj_cache_put(&key, p);
  return IM_PROJ_OK;
}

size_t im_projected_used(const im_projected *p, bool polygon, bool want_fill, bool want_outline) {
  size_t n = 0;
  if (want_fill || !polygon)
    n += p->fill.npoints;
  if (want_outline && polygon)
    n += p->outline_same ? (want_fill ? 0 : p->fill.npoints) : p->outline.npoints;
  return n;
}

/* ---- the prefetcher ---- */

/* Features the thread may be ahead of the drawing: enough to keep it
 * busy, few enough that the buffers they hold stay small. */
#define WINDOW 8
/* Points of projected geometry a slot keeps the buffers of. */
#define BIG_BUFFER 16384
/* A layer with fewer vertices than this is not worth a thread. */
#define MIN_VERTICES 20000

enum { SLOT_FREE, SLOT_BUSY, SLOT_DONE, SLOT_FAILED };

typedef struct {
  int state;
  size_t used; /* vertices held (DONE) */
  im_projected p;
} slot;

struct im_prefetch {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  im_proj_env env; /* with transforms of its own */
  im_proj_scratch scratch;
  const im_proj_feature *features;
  size_t n, max_vertices;
  size_t next;    /* the next feature the thread may begin */
  size_t taken;   /* features the drawing has taken */
  size_t drawn;   /* vertices the drawing has counted */
  size_t pending; /* vertices in DONE slots */
  bool stop;
  slot slots[WINDOW];
};

static atomic_int mode = -1;
/* Threads drawing a layer or prefetching one, process-wide: a batch with
 * as many workers as cores leaves no core to prefetch on. */
static atomic_int busy;

void im_prefetch_set_mode(int m) { atomic_store(&mode, m); }

/* Projects feature j (claimed, its slot BUSY) with env and scratch: called
 * with the mutex held, which it lets go meanwhile. */
static void project_slot(im_prefetch *pf, const im_proj_env *env, im_proj_scratch *scratch, size_t j) {
  slot *s = &pf->slots[j % WINDOW];
  size_t held = pf->drawn + pf->pending;
  size_t room = pf->max_vertices > held ? pf->max_vertices - held : 0;
  pthread_mutex_unlock(&pf->mu);
  const im_proj_feature *f = &pf->features[j];
  bool polygon = f->geom->kind == IM_GEOM_POLYGON, have_work;
  im_proj_result r = im_project_feature(env, scratch, f, true, polygon, room, &s->p, &have_work);
  size_t used = r == IM_PROJ_OK ? im_projected_used(&s->p, polygon, true, polygon) : 0;
  pthread_mutex_lock(&pf->mu);
  /* Past the ceiling with what is held, the feature is left to the
   * drawing, which gives the error where it belongs, or has room by then. */
  s->state = r == IM_PROJ_OK && used <= room ? SLOT_DONE : SLOT_FAILED;
  s->used = s->state == SLOT_DONE ? used : 0;
  pf->pending += s->used;
  pthread_cond_broadcast(&pf->cv);
}

/* The next feature nobody has begun, within the window; claimed (its slot
 * BUSY). False when there is none. Mutex held. */
static bool claim(im_prefetch *pf, size_t *j) {
  if (pf->stop || pf->next >= pf->n || pf->next >= pf->taken + WINDOW)
    return false;
  *j = pf->next++;
  pf->slots[*j % WINDOW].state = SLOT_BUSY;
  return true;
}

static void *prefetch_main(void *arg) {
  im_prefetch *pf = arg;
  pthread_mutex_lock(&pf->mu);
  while (!pf->stop && pf->next < pf->n) {
    size_t j;
    if (claim(pf, &j))
      project_slot(pf, &pf->env, &pf->scratch, j);
    else
      pthread_cond_wait(&pf->cv, &pf->mu);
  }
  pthread_mutex_unlock(&pf->mu);
  return NULL;
}

static void prefetch_free(im_prefetch *pf) {
  for (int i = 0; i < WINDOW; i++)
    im_projected_free(&pf->slots[i].p);
  im_proj_scratch_free(&pf->scratch);
  im_transform_free(pf->env.src2geo);
  im_transform_free(pf->env.geo2map);
  free(pf);
}

static long cores(void) {
  static atomic_long n;
  long c = atomic_load(&n);
  if (!c) {
    c = sysconf(_SC_NPROCESSORS_ONLN);
    c = c > 0 ? c : 1;
    atomic_store(&n, c);
  }
  return c;
}

im_prefetch *im_prefetch_start(const im_proj_env *env, const im_proj_feature *features, size_t n, size_t max_vertices) {
  int m = atomic_load(&mode);
  if (m == 0 || n < 2)
    return NULL;
  if (m < 0) {
    size_t vertices = 0;
    for (size_t i = 0; i < n && vertices < MIN_VERTICES; i++)
      vertices += features[i].geom->npoints;
    /* busy counts this thread already: the helper needs one core more. */
    if (vertices < MIN_VERTICES || atomic_load(&busy) + 1 > cores())
      return NULL;
  }
  im_prefetch *pf = calloc(1, sizeof *pf);
  if (!pf)
    return NULL;
  pf->env = *env;
  pf->env.src2geo = NULL;
  pf->env.geo2map = im_transform_clone(env->geo2map);
  if (env->src2geo)
    pf->env.src2geo = im_transform_clone(env->src2geo);
  im_proj_scratch_init(&pf->scratch);
  for (int i = 0; i < WINDOW; i++)
    im_projected_init(&pf->slots[i].p);
  if (!pf->env.geo2map || (env->src2geo && !pf->env.src2geo)) {
    prefetch_free(pf);
    return NULL;
  }
  pf->features = features;
  pf->n = n;
  pf->max_vertices = max_vertices;
  pthread_mutex_init(&pf->mu, NULL);
  pthread_cond_init(&pf->cv, NULL);
  if (pthread_create(&pf->thread, NULL, prefetch_main, pf)) {
    pthread_mutex_destroy(&pf->mu);
    pthread_cond_destroy(&pf->cv);
    prefetch_free(pf);
    return NULL;
  }
  atomic_fetch_add(&busy, 1);
  return pf;
}

bool im_prefetch_take(im_prefetch *pf, size_t i, size_t vertices_drawn, const im_proj_env *env,
                      im_proj_scratch *scratch, im_projected *p) {
  if (!pf)
    return false;
  pthread_mutex_lock(&pf->mu);
  bool got = false;
  pf->drawn = vertices_drawn;
  if (i >= pf->next) {
    /* Not begun: the drawing does it, and the thread skips it. */
    pf->next = i + 1;
  } else {
    slot *s = &pf->slots[i % WINDOW];
    /* While the thread is on it, the drawing projects the features after
     * it rather than wait: the two cores share the projecting. */
    size_t j;
    while (s->state == SLOT_BUSY) {
      if (claim(pf, &j))
        project_slot(pf, env, scratch, j);
      else
        pthread_cond_wait(&pf->cv, &pf->mu);
    }
    if (s->state == SLOT_DONE) {
      im_projected t = *p;
      *p = s->p;
      s->p = t;
      got = true;
      /* Buffers go round between the threads; a big one (a country's
       * coastline) is not kept for the small features after it. */
      if (s->p.fill.cap_points + s->p.outline.cap_points > BIG_BUFFER) {
        im_projected_free(&s->p);
        im_projected_init(&s->p);
      }
    }
    pf->pending -= s->used;
    s->used = 0;
    s->state = SLOT_FREE;
  }
  pf->taken = i + 1;
  pthread_cond_broadcast(&pf->cv);
  pthread_mutex_unlock(&pf->mu);
  return got;
}

void im_prefetch_stop(im_prefetch *pf) {
  if (!pf)
    return;
  pthread_mutex_lock(&pf->mu);
  pf->stop = true;
  pthread_cond_broadcast(&pf->cv);
  pthread_mutex_unlock(&pf->mu);
  pthread_join(pf->thread, NULL);
  atomic_fetch_sub(&busy, 1);
  pthread_mutex_destroy(&pf->mu);
  pthread_cond_destroy(&pf->cv);
  prefetch_free(pf);
}

void im_prefetch_layer_begin(void) { atomic_fetch_add(&busy, 1); }
void im_prefetch_layer_end(void) { atomic_fetch_sub(&busy, 1); }
