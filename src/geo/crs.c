/* CRSs and transformations through PROJ, with a cache per thread.
 *
 * A PROJ context is not thread-safe, and making one (opening proj.db) and
 * parsing a CRS or finding the operation between two CRSs are the fixed
 * costs of every map. So each thread keeps one context for its lifetime
 * (freed when the thread ends, or at exit for the main thread), and in it
 * the CRSs it parsed, by definition text, and the transformations between
 * them: the next map of a batch worker, or the next layer with the same
 * .prj, gets them for nothing. im_geo_ctx_create hands out that context;
 * the objects handed out from the cache are shared and reference-counted,
 * and im_crs_free / im_transform_free only give them back. The caches are
 * bounded (IM_GEO_CACHE_SLOTS each): past that, objects are made and freed
 * as before.
 *
 * proj.db is opened only when something needs it. Opening it is the first
 * 8 ms of every map, and most maps need nothing from it once their CRSs
 * are in the store (crs-store-private.h) and their lon/lat-to-map
 * transformation is the map CRS's own conversion. So a thread has two
 * contexts: `pj`, which finds no proj.db (its search path leads nowhere)
 * and holds every CRS handed out and the conversions, and `pj_db`, made on
 * first need, which resolves definitions (codes, WKT names) and finds the
 * operations between different datums (and their grids). Every CRS is made
 * in `pj` from PROJJSON, so it is the same object whether its definition
 * was resolved now or stored, and comparisons between CRSs never depend on
 * whether proj.db happened to be open. */
#include "influmap/crs.h"

#include <ctype.h>
#include <math.h>
#include <proj.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "geo/crs-private.h"
#include "geo/crs-store-private.h"
#include "geo/geodesic-private.h"

#define IM_GEO_CACHE_SLOTS 64

struct im_crs {
  PJ_CONTEXT *pj_ctx;
  PJ *pj;
  double lon0, lat0;
  double horizon;  /* a perspective view's visible cap, degrees of arc; 0: not one */
  bool sphere;     /* its ellipsoid is a sphere */
  char method[64]; /* the projection method's name ("Orthographic"); empty: none */
  bool cached;     /* owned by its thread's cache; refs counts the handles out */
  size_t refs;
  im_crs *geog; /* cached: the geographic base, made on first use */
};

struct im_transform {
  PJ_CONTEXT *ctx; /* the context it was made in (owned by im_geo_ctx, or by this clone) */
  PJ *pj;
  bool cached;
  bool own_ctx; /* a clone for another thread: ctx goes with it */
  bool db;      /* made with proj.db (may need its grids): clones get it too */
  size_t refs;
  /* The forward operation's one step after its degrees-to-radians step,
   * and its definition (for clones); NULL: none (radian_step). */
  PJ *fwd_rad;
  char *fwd_rad_def;
};

typedef struct {
  char *definition; /* as given, less leading blanks */
  im_crs *crs;
} crs_slot;

typedef struct {
  const im_crs *src, *dst; /* cached CRSs */
  im_transform *t;
} transform_slot;

struct im_geo_ctx {
  PJ_CONTEXT *pj;    /* without proj.db: the CRSs, the conversions */
  PJ_CONTEXT *pj_db; /* with it, made on first need; NULL until then */
  size_t handles;    /* im_geo_ctx_create calls not yet freed */
  crs_slot crs[IM_GEO_CACHE_SLOTS];
  size_t ncrs;
  transform_slot tr[IM_GEO_CACHE_SLOTS];
  size_t ntr;
  size_t hits, misses; /* CRSs and transformations, for tests */
};

/* PROJ logs to stderr by default; influmap reports errors itself. */
static void quiet_log(void *user, int level, const char *msg) {
  (void)user;
  (void)level;
  (void)msg;
}

/* A context that will not find proj.db: a path under a file can never
 * hold it. */
static void no_db(PJ_CONTEXT *pc) {
  static const char *const nowhere[] = {"/dev/null/influmap-opens-proj.db-only-when-needed"};
  proj_context_set_search_paths(pc, 1, nowhere);
}

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t thread_key;
static _Thread_local im_geo_ctx *thread_ctx;

static void crs_destroy(im_crs *crs) {
  if (!crs)
    return;
  crs_destroy(crs->geog);
  proj_destroy(crs->pj);
  free(crs);
}

static void transform_destroy(im_transform *t) {
  if (!t)
    return;
  proj_destroy(t->fwd_rad);
  free(t->fwd_rad_def);
  proj_destroy(t->pj);
  if (t->own_ctx)
    proj_context_destroy(t->ctx);
  free(t);
}

/* Every object goes with the context: the thread is ending. */
static void ctx_destroy(void *arg) {
  im_geo_ctx *ctx = arg;
  if (!ctx)
    return;
  for (size_t i = 0; i < ctx->ntr; i++)
    transform_destroy(ctx->tr[i].t);
  for (size_t i = 0; i < ctx->ncrs; i++) {
    crs_destroy(ctx->crs[i].crs);
    free(ctx->crs[i].definition);
  }
  proj_context_destroy(ctx->pj);
  if (ctx->pj_db)
    proj_context_destroy(ctx->pj_db);
  free(ctx);
  if (thread_ctx == ctx)
    thread_ctx = NULL;
}

/* A thread's context goes when the thread ends (the key's destructor);
 * the main thread's stays to the process's end, reachable through
 * thread_ctx: no atexit, which a host that unloads the library would run
 * into. */
static void make_key(void) { pthread_key_create(&thread_key, ctx_destroy); }

im_geo_ctx *im_geo_ctx_create(void) {
  pthread_once(&key_once, make_key);
  /* Before PROJ can compute a geodesic on this thread (geodesic.c). */
  im_geod_ready();
  if (thread_ctx) {
    thread_ctx->handles++;
    return thread_ctx;
  }
  im_geo_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx)
    return NULL;
  ctx->pj = proj_context_create();
  if (!ctx->pj) {
    free(ctx);
    return NULL;
  }
  proj_log_func(ctx->pj, NULL, quiet_log);
  no_db(ctx->pj);
  ctx->handles = 1;
  /* Without the key (out of resources) the context is simply not kept. */
  if (!pthread_setspecific(thread_key, ctx))
    thread_ctx = ctx;
  return ctx;
}

/* The context with proj.db, made on first need; NULL when out of memory. */
static PJ_CONTEXT *db_ctx(im_geo_ctx *ctx) {
  if (!ctx->pj_db && (ctx->pj_db = proj_context_create()))
    proj_log_func(ctx->pj_db, NULL, quiet_log);
  return ctx->pj_db;
}

void im_geo_ctx_free(im_geo_ctx *ctx) {
  if (!ctx)
    return;
  if (ctx->handles)
    ctx->handles--;
  if (ctx != thread_ctx && !ctx->handles)
    ctx_destroy(ctx);
}

void im_geo_cache_stats(size_t *hits, size_t *misses) {
  *hits = thread_ctx ? thread_ctx->hits : 0;
  *misses = thread_ctx ? thread_ctx->misses : 0;
}

static bool is_crs_type(PJ_TYPE t) {
  switch (t) {
  case PJ_TYPE_GEODETIC_CRS:
  case PJ_TYPE_GEOCENTRIC_CRS:
  case PJ_TYPE_GEOGRAPHIC_CRS:
  case PJ_TYPE_GEOGRAPHIC_2D_CRS:
  case PJ_TYPE_GEOGRAPHIC_3D_CRS:
  case PJ_TYPE_PROJECTED_CRS:
  case PJ_TYPE_COMPOUND_CRS:
  case PJ_TYPE_BOUND_CRS:
  case PJ_TYPE_OTHER_CRS:
    return true;
  default:
    return false;
  }
}

/* The first of names that op has, in SI units (radians, metres). */
static double find_param_si(PJ_CONTEXT *ctx, PJ *op, const char *const *names, size_t nnames, double fallback) {
  for (size_t i = 0; i < nnames; i++) {
    int idx = proj_coordoperation_get_param_index(ctx, op, names[i]);
    if (idx < 0)
      continue;
    double value = 0, factor = 0;
    if (proj_coordoperation_get_param(ctx, op, idx, NULL, NULL, NULL, &value, NULL, &factor, NULL, NULL, NULL, NULL) &&
        isfinite(value) && factor > 0)
      return value * factor;
  }
  return fallback;
}

/* An angle, in degrees. */
static double find_param(PJ_CONTEXT *ctx, PJ *op, const char *const *names, size_t nnames, double fallback) {
  double v = find_param_si(ctx, op, names, nnames, NAN);
  return isfinite(v) ? v * 180.0 / M_PI : fallback;
}

/* The projection's centre (longitude and latitude of its origin) and its
 * method's name. */
static void find_origin(PJ_CONTEXT *ctx, im_crs *c) {
  PJ *crs = c->pj, *base = crs, *horiz = NULL;
  if (proj_get_type(crs) == PJ_TYPE_BOUND_CRS) {
    horiz = proj_get_source_crs(ctx, crs);
    base = horiz ? horiz : crs;
  }
  c->lon0 = c->lat0 = c->horizon = 0;
  c->sphere = false;
  c->method[0] = 0;
  PJ *op = proj_crs_get_coordoperation(ctx, base);
  if (op) {
    static const char *const lons[] = {
        "Longitude of natural origin",    "Longitude of origin", "Longitude of false origin",
        "Longitude of projection centre", "Longitude of center", "Central meridian",
        "Longitude of topocentric origin"};
    static const char *const lats[] = {"Latitude of natural origin", "Latitude of origin",
                                       "Latitude of false origin",   "Latitude of projection centre",
                                       "Latitude of center",         "Latitude of topocentric origin"};
    static const char *const parallel[] = {"Latitude of standard parallel"};
    static const char *const height[] = {"Viewpoint height"};
    c->lon0 = find_param(ctx, op, lons, sizeof lons / sizeof lons[0], 0);
    c->lat0 = find_param(ctx, op, lats, sizeof lats / sizeof lats[0], 0);
    const char *name = NULL;
    if (proj_coordoperation_get_method_info(ctx, op, &name, NULL, NULL) && name)
      snprintf(c->method, sizeof c->method, "%s", name);
    /* Polar stereographic (variants B and C) names the pole only by the
     * sign of its standard parallel. */
    if (!strncmp(c->method, "Polar Stereographic", 19) && !isfinite(find_param(ctx, op, lats, 1, NAN)))
      c->lat0 = copysign(90, find_param(ctx, op, parallel, 1, 90));
    /* A perspective view from a height sees the cap whose rim its lines of
     * sight touch: acos(a / (a + h)) round the centre. */
    double h = find_param_si(ctx, op, height, 1, 0), a = 0, inv_f = 0;
    PJ *ell = proj_get_ellipsoid(ctx, base);
    if (ell && proj_ellipsoid_get_parameters(ctx, ell, &a, NULL, NULL, &inv_f)) {
      if (h > 0 && a > 0)
        c->horizon = acos(a / (a + h)) * 180.0 / M_PI;
      c->sphere = inv_f == 0;
    }
    proj_destroy(ell);
    proj_destroy(op);
  }
  proj_destroy(horiz);
  proj_errno_reset(crs);
}

/* The PROJ text for a definition: a bare number is an EPSG code; a PROJ
 * string needs +type=crs to denote a CRS rather than a bare conversion.
 * NULL when out of memory. */
static char *proj_text(const char *definition) {
  char *text = NULL;
  size_t len = strlen(definition);
  if (strspn(definition, "0123456789") == len) {
    text = malloc(len + 6);
    if (text)
      snprintf(text, len + 6, "EPSG:%s", definition);
  } else if (definition[0] == '+' && !strstr(definition, "type=crs")) {
    text = malloc(len + 11);
    if (text)
      snprintf(text, len + 11, "%s +type=crs", definition);
  } else {
    text = im_strdup(definition);
  }
  return text;
}

/* Why text is not a CRS, from a fresh context (the thread's may hold the
 * error number of an earlier failure, which PROJ does not clear). */
static im_status crs_error(const char *definition, const char *text, const char *file, int line, int column,
                           im_error *err) {
  PJ_CONTEXT *pc = proj_context_create();
  PJ *pj = NULL;
  int e = 0;
  const char *why = NULL;
  if (pc) {
    proj_log_func(pc, NULL, quiet_log);
    pj = proj_create(pc, text);
    e = proj_context_errno(pc);
    why = e ? proj_context_errno_string(pc, e) : NULL;
  }
  if (!why)
    why = "not a coordinate reference system";
  /* PROJ 9 has no text for its generic error (PROJ_ERR_OTHER), which is
   * what text that is no CRS at all (a .prj of prose) gives. */
  if (!strncmp(why, "Unknown error", 13))
    why = "not an EPSG code, PROJ string or WKT that PROJ knows";
  /* A definition from a place in a spec (line > 0) is quoted; a whole file
   * (a .prj) is not: it is not a CRS, so it may be anything at all, and
   * messages do not echo such files (docs/design-notes.md, "Messages"). */
  if (line <= 0) {
    im_status st = im_error_set(err, IM_STATUS_INPUT, file, line, column, "not a CRS that PROJ knows (%s; %zu bytes)",
                                why, strlen(definition));
    proj_destroy(pj);
    if (pc)
      proj_context_destroy(pc);
    return st;
  }
  char shown[120];
  snprintf(shown, sizeof shown, "%.100s%s", definition, strlen(definition) > 100 ? "..." : "");
  for (char *c = shown; *c; c++)
    if (*c == '\n' || *c == '\r' || *c == '\t')
      *c = ' ';
  for (size_t n = strlen(shown); n && shown[n - 1] == ' ';)
    shown[--n] = '\0';
  im_status st = im_error_set(err, IM_STATUS_INPUT, file, line, column, "unknown CRS '%s' (%s)", shown, why);
  proj_destroy(pj);
  if (pc)
    proj_context_destroy(pc);
  return st;
}

/* Whether definition has the form of a CRS influmap takes: digits (an EPSG
 * code), AUTHORITY:CODE (EPSG:4326, ESRI:54030, OGC:CRS84) or an OGC URN,
 * a PROJ string (+proj=..., proj=...), WKT (a keyword, then [ or (), or
 * PROJJSON ({). */
static bool plausible_definition(const char *d) {
  size_t n = strlen(d);
  if (strspn(d, "0123456789") == n)
    return true;
  if (d[0] == '+' || d[0] == '{' || !strncmp(d, "proj=", 5) || !strncasecmp(d, "urn:ogc:def:", 12))
    return true;
  size_t word = strspn(d, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
  if (word > 0 && d[word] == ':' && d[word + 1] && !strpbrk(d + word + 1, " \t\n\r[]{}"))
    return true; /* AUTHORITY:CODE */
  const char *p = d + word;
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
    p++;
  return word > 0 && (*p == '[' || *p == '(');
}

/* The message for text that is none of those forms: quoted when it comes
 * from a spec (line > 0), never when it is a whole file (a .prj). */
static im_status crs_refused(const char *definition, const char *file, int line, int column, im_error *err) {
  const char *how = "give an EPSG or ESRI code (EPSG:4326), a PROJ string (+proj=...), WKT or PROJJSON";
  if (line <= 0)
    return im_error_set(err, IM_STATUS_INPUT, file, line, column, "not a CRS: %s (%zu bytes)", how, strlen(definition));
  char shown[64];
  snprintf(shown, sizeof shown, "%.40s%s", definition, strlen(definition) > 40 ? "..." : "");
  for (char *c = shown; *c; c++)
    if ((unsigned char)*c < 0x20)
      *c = '?';
  return im_error_set(err, IM_STATUS_INPUT, file, line, column, "unknown CRS '%s': %s", shown, how);
}

/* A CRS is always made from its PROJJSON, whether that comes from the
 * store (crs-store-private.h) or from resolving the definition now: so a
 * map is drawn from the very same CRS object either way, and its bytes do
 * not depend on what the store held. */
static PJ *stored_crs(PJ_CONTEXT *ctx, const char *definition) {
  char *json = im_crs_store_get(definition);
  PJ *pj = json ? proj_create(ctx, json) : NULL;
  free(json);
  if (pj && !is_crs_type(proj_get_type(pj))) {
    proj_destroy(pj);
    pj = NULL;
  }
  return pj;
}

/* raw (made in raw_ctx; consumed) remade in ctx from its PROJJSON, which
 * is stored when store is true; a plain copy of raw when it has none (then nothing is stored,
 * and every run makes it so). */
static PJ *through_projjson(PJ_CONTEXT *ctx, PJ_CONTEXT *raw_ctx, const char *definition, PJ *raw, bool store) {
  const char *json = proj_as_projjson(raw_ctx, raw, NULL);
  PJ *pj = json ? proj_create(ctx, json) : NULL;
  if (pj && is_crs_type(proj_get_type(pj))) {
    if (store)
      im_crs_store_put(definition, json);
  } else {
    proj_destroy(pj);
    pj = proj_clone(ctx, raw);
  }
  proj_destroy(raw);
  return pj;
}

im_status im_crs_create(im_geo_ctx *ctx, const char *definition, const char *file, int line, int column, im_crs **out,
                        im_error *err) {
  *out = NULL;
  while (definition && isspace((unsigned char)*definition))
    definition++;
  if (!definition || !*definition)
    return im_error_set(err, IM_STATUS_INPUT, file, line, column, "empty CRS");
  for (size_t i = 0; i < ctx->ncrs; i++)
    if (!strcmp(ctx->crs[i].definition, definition)) {
      ctx->hits++;
      ctx->crs[i].crs->refs++;
      *out = ctx->crs[i].crs;
      return IM_STATUS_OK;
    }
  ctx->misses++;
  /* A CRS is named by a code, a PROJ string, WKT or PROJJSON. PROJ would
   * also search proj.db for any other text as the name of an object
   * ("WGS 84", "OGC"): seconds per word, for what is nearly always a
   * typo or a file that is no CRS, so influmap refuses it at once. */
  if (!plausible_definition(definition))
    return crs_refused(definition, file, line, column, err);
  PJ *pj = stored_crs(ctx->pj, definition);
  if (!pj) {
    char *text = proj_text(definition);
    /* A PROJ string needs no proj.db; codes and WKT names do. */
    PJ_CONTEXT *rc = text && text[0] == '+' ? ctx->pj : db_ctx(ctx);
    if (!text || !rc) {
      free(text);
      return im_error_set(err, IM_STATUS_INTERNAL, file, line, column, "out of memory");
    }
    PJ *raw = proj_create(rc, text);
    if (!raw && rc == ctx->pj && (rc = db_ctx(ctx))) /* a PROJ string that does need it after all */
      raw = proj_create(rc, text);
    if (!raw || !is_crs_type(proj_get_type(raw))) {
      proj_destroy(raw);
      im_status st = crs_error(definition, text, file, line, column, err);
      free(text);
      return st;
    }
    free(text);
    /* Stored: what needed proj.db (codes, WKT). A PROJ string that made a
     * CRS without it is as quick to make again as to read back. */
    if (!(pj = through_projjson(ctx->pj, rc, definition, raw, rc != ctx->pj)))
      return im_error_set(err, IM_STATUS_INTERNAL, file, line, column, "out of memory");
  }
  im_crs *crs = calloc(1, sizeof *crs);
  if (!crs) {
    proj_destroy(pj);
    return im_error_set(err, IM_STATUS_INTERNAL, file, line, column, "out of memory");
  }
  crs->pj_ctx = ctx->pj;
  crs->pj = pj;
  find_origin(ctx->pj, crs);
  crs->refs = 1;
  /* Only a context kept for the thread outlives the caller's handle. */
  if (ctx == thread_ctx && ctx->ncrs < IM_GEO_CACHE_SLOTS && (ctx->crs[ctx->ncrs].definition = im_strdup(definition))) {
    crs->cached = true;
    ctx->crs[ctx->ncrs++].crs = crs;
  }
  *out = crs;
  return IM_STATUS_OK;
}

void im_crs_free(im_crs *crs) {
  if (!crs)
    return;
  if (crs->cached) {
    if (crs->refs)
      crs->refs--;
    return;
  }
  crs_destroy(crs);
}

const char *im_crs_name(const im_crs *crs) {
  const char *n = proj_get_name(crs->pj);
  return n ? n : "unknown";
}

bool im_crs_is_geographic(const im_crs *crs) {
  PJ_TYPE t = proj_get_type(crs->pj);
  return t == PJ_TYPE_GEOGRAPHIC_2D_CRS || t == PJ_TYPE_GEOGRAPHIC_3D_CRS || t == PJ_TYPE_GEOGRAPHIC_CRS;
}

double im_crs_central_meridian(const im_crs *crs) { return crs->lon0; }

double im_crs_origin_latitude(const im_crs *crs) { return crs->lat0; }

const char *im_crs_method(const im_crs *crs) { return crs->method; }

double im_crs_horizon(const im_crs *crs) { return crs->horizon; }

bool im_crs_is_sphere(const im_crs *crs) { return crs->sphere; }

im_status im_crs_geographic(im_geo_ctx *ctx, const im_crs *crs, im_crs **out, im_error *err) {
  *out = NULL;
  if (crs->cached && crs->geog) {
    crs->geog->refs++;
    *out = crs->geog;
    return IM_STATUS_OK;
  }
  PJ *g = proj_crs_get_geodetic_crs(ctx->pj, crs->pj);
  if (!g)
    return im_error_set(err, IM_STATUS_INPUT, NULL, 0, 0, "CRS '%s' has no geographic base", im_crs_name(crs));
  im_crs *c = calloc(1, sizeof *c);
  if (!c) {
    proj_destroy(g);
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  }
  c->pj_ctx = ctx->pj;
  c->pj = g;
  c->lon0 = 0;
  c->refs = 1;
  if (crs->cached && ctx == thread_ctx) {
    /* Kept with crs (which the cache owns), so a const pointer is all the
     * caller gave up. */
    c->cached = true;
    ((im_crs *)crs)->geog = c;
  }
  *out = c;
  return IM_STATUS_OK;
}

bool im_crs_local_factors(const im_crs *crs, double lon, double lat, im_crs_factors *out) {
  if (proj_get_type(crs->pj) != PJ_TYPE_PROJECTED_CRS)
    return false;
  PJ_FACTORS f = proj_factors(crs->pj, proj_coord(proj_torad(lon), proj_torad(lat), 0, 0));
  int e = proj_errno(crs->pj);
  proj_errno_reset(crs->pj); /* the context's error number: it outlives maps */
  /* The raw derivatives are those of the projection of the unit ellipsoid
   * (per radian); scaled so their lengths are the meridian scale h and the
   * parallel scale k, they are the images of unit ground steps north and
   * east, and the directions stay PROJ's. */
  double ln = hypot(f.dx_dphi, f.dy_dphi), le = hypot(f.dx_dlam, f.dy_dlam);
  if (e || !(ln > 0) || !(le > 0) || !(f.meridional_scale > 0) || !(f.parallel_scale > 0) ||
      !isfinite(f.meridional_scale) || !isfinite(f.parallel_scale))
    return false;
  *out = (im_crs_factors){.ex = f.dx_dlam / le * f.parallel_scale,
                          .ey = f.dy_dlam / le * f.parallel_scale,
                          .nx = f.dx_dphi / ln * f.meridional_scale,
                          .ny = f.dy_dphi / ln * f.meridional_scale};
  return true;
}

bool im_crs_equivalent(const im_crs *a, const im_crs *b) {
  return proj_is_equivalent_to(a->pj, b->pj, PJ_COMP_EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS) &&
         (!im_crs_is_geographic(a) || proj_is_equivalent_to(a->pj, b->pj, PJ_COMP_EQUIVALENT));
}

/* From a projected CRS's own geographic base to it (every map's lon/lat to
 * the map): the CRS's conversion, which PROJ hands out without searching
 * proj.db for operations (5 to 10 ms); it gives the very coordinates of
 * proj_create_crs_to_crs (checked on Robinson, LAEA, UTM, polar
 * stereographic, Web Mercator, a US-feet and a Paris-meridian CRS). NULL
 * for any other pair. */
static PJ *own_conversion(PJ_CONTEXT *ctx, const im_crs *src, const im_crs *dst) {
  if (proj_get_type(dst->pj) != PJ_TYPE_PROJECTED_CRS)
    return NULL;
  PJ *base = proj_crs_get_geodetic_crs(ctx, dst->pj);
  bool own = base && proj_is_equivalent_to(src->pj, base, PJ_COMP_STRICT);
  proj_destroy(base);
  return own ? proj_crs_get_coordoperation(ctx, dst->pj) : NULL;
}

/* The step the lon/lat-to-map operation `op` takes after turning degrees
 * into radians, when that is all it is: a projected CRS's own conversion
 * is "unitconvert deg->rad, then the projection". PROJ runs a pipeline
 * point by point, each step through the whole of proj_trans, so for ~400k
 * vertices (latam-10m) the pipeline's machinery costs half as much again
 * as the projection itself; multiplying by the same factor here and
 * calling the projection step alone gives the same numbers, a third faster
 * (58 -> 41 ms for 400k LAEA points). Taken only when it gives the very
 * same bits as the pipeline on a grid of points over the globe; else (a
 * definition the PROJ string does not carry exactly, any other pipeline)
 * NULL and the pipeline is used. *def gets the step's definition. */
#define DEG_TO_RAD_FACTOR 0.017453292519943295
static PJ *radian_step(PJ_CONTEXT *pc, PJ *op, char **def) {
  static const char head[] = "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step ";
  *def = NULL;
  const char *text = proj_as_proj_string(pc, op, PJ_PROJ_5, NULL);
  if (!text || strncmp(text, head, sizeof head - 1))
    return NULL;
  const char *rest = text + sizeof head - 1;
  if (strstr(rest, "+step") || strstr(rest, "+inv") || strstr(rest, "grids=") || strncmp(rest, "+proj=", 6))
    return NULL;
  PJ *step = proj_create(pc, rest);
  enum { NLON = 49, NLAT = 35, N = NLON * NLAT };
  double *a = step ? im_malloc_array(4 * N, sizeof *a) : NULL;
  bool same = a != NULL;
  if (same) {
    double *b = a + 2 * N;
    for (int i = 0; i < NLON; i++)
      for (int j = 0; j < NLAT; j++) {
        /* Off the round numbers, where a mismatch in the last bits shows. */
        a[2 * (i * NLAT + j)] = -180 + 360.0 * i / (NLON - 1) + (i % 3) * 0.0123456789;
        a[2 * (i * NLAT + j) + 1] = -85 + 170.0 * j / (NLAT - 1) + (j % 5) * 0.0098765432;
      }
    for (int k = 0; k < 2 * N; k++)
      b[k] = a[k] * DEG_TO_RAD_FACTOR;
    proj_trans_generic(op, PJ_FWD, a, 2 * sizeof *a, N, a + 1, 2 * sizeof *a, N, NULL, 0, 0, NULL, 0, 0);
    proj_trans_generic(step, PJ_FWD, b, 2 * sizeof *b, N, b + 1, 2 * sizeof *b, N, NULL, 0, 0, NULL, 0, 0);
    proj_errno_reset(op);
    proj_errno_reset(step);
    for (int k = 0; same && k < 2 * N; k++)
      same = isfinite(a[k]) ? memcmp(&a[k], &b[k], sizeof a[k]) == 0 : !isfinite(b[k]);
  }
  free(a);
  if (same && !(*def = strdup(rest)))
    same = false;
  if (!same) {
    proj_destroy(step);
    return NULL;
  }
  return step;
}

im_status im_transform_create(im_geo_ctx *ctx, const im_crs *src, const im_crs *dst, im_transform **out,
                              im_error *err) {
  *out = NULL;
  bool cacheable = ctx == thread_ctx && src->cached && dst->cached;
  for (size_t i = 0; cacheable && i < ctx->ntr; i++)
    if (ctx->tr[i].src == src && ctx->tr[i].dst == dst) {
      ctx->hits++;
      ctx->tr[i].t->refs++;
      *out = ctx->tr[i].t;
      return IM_STATUS_OK;
    }
  ctx->misses++;
  proj_errno_reset(src->pj); /* the context's error number: it outlives maps */
  PJ_CONTEXT *pc = ctx->pj;
  PJ *op = own_conversion(pc, src, dst);
  /* Anything else is searched for in proj.db (and may need its grids). */
  if (!op && (pc = db_ctx(ctx)))
    op = proj_create_crs_to_crs_from_pj(pc, src->pj, dst->pj, NULL, NULL);
  if (!op) {
    if (!pc)
      return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
    int e = proj_context_errno(pc);
    return im_error_set(err, IM_STATUS_INPUT, NULL, 0, 0, "no transformation from '%s' to '%s' (%s)", im_crs_name(src),
                        im_crs_name(dst), e ? proj_context_errno_string(pc, e) : "unknown reason");
  }
  PJ *norm = proj_normalize_for_visualization(pc, op);
  proj_destroy(op);
  if (!norm)
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "cannot normalise axis order from '%s' to '%s'",
                        im_crs_name(src), im_crs_name(dst));
  im_transform *t = calloc(1, sizeof *t);
  if (!t) {
    proj_destroy(norm);
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  }
  t->ctx = pc;
  t->db = pc != ctx->pj;
  t->pj = norm;
  t->refs = 1;
  t->fwd_rad = radian_step(pc, norm, &t->fwd_rad_def);
  if (cacheable && ctx->ntr < IM_GEO_CACHE_SLOTS) {
    t->cached = true;
    ctx->tr[ctx->ntr++] = (transform_slot){src, dst, t};
  }
  *out = t;
  return IM_STATUS_OK;
}

void im_transform_free(im_transform *t) {
  if (!t)
    return;
  if (t->cached) {
    if (t->refs)
      t->refs--;
    return;
  }
  transform_destroy(t);
}

im_transform *im_transform_clone(const im_transform *t) {
  im_transform *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->own_ctx = true;
  c->refs = 1;
  if (!(c->ctx = proj_context_create())) {
    free(c);
    return NULL;
  }
  proj_log_func(c->ctx, NULL, quiet_log);
  c->db = t->db;
  if (!c->db)
    no_db(c->ctx);
  /* The operation is already resolved: cloning it needs no proj.db. */
  if (!(c->pj = proj_clone(c->ctx, t->pj))) {
    transform_destroy(c);
    return NULL;
  }
  /* The step was checked against the pipeline when t was made; a clone
   * that cannot make it uses the pipeline, which gives the same bits. */
  if (t->fwd_rad_def && (c->fwd_rad_def = strdup(t->fwd_rad_def)) &&
      !(c->fwd_rad = proj_create(c->ctx, c->fwd_rad_def))) {
    free(c->fwd_rad_def);
    c->fwd_rad_def = NULL;
  }
  return c;
}

bool im_transform_radian_step(const im_transform *t) { return t->fwd_rad != NULL; }

size_t im_transform_array(im_transform *t, double *xy, size_t n, bool inverse) {
  if (!n)
    return 0;
  PJ *pj = t->pj;
  if (!inverse && t->fwd_rad) {
    pj = t->fwd_rad;
    for (size_t i = 0; i < 2 * n; i++)
      xy[i] *= DEG_TO_RAD_FACTOR;
  }
  proj_trans_generic(pj, inverse ? PJ_INV : PJ_FWD, xy, 2 * sizeof(double), n, xy + 1, 2 * sizeof(double), n, NULL, 0,
                     0, NULL, 0, 0);
  proj_errno_reset(pj);
  size_t failed = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1])) {
      xy[2 * i] = xy[2 * i + 1] = NAN;
      failed++;
    }
  }
  return failed;
}

bool im_transform_bounds(im_transform *t, const double box[4], double out[4]) {
  int ok =
      proj_trans_bounds(t->ctx, t->pj, PJ_FWD, box[0], box[1], box[2], box[3], &out[0], &out[1], &out[2], &out[3], 21);
  proj_errno_reset(t->pj);
  return ok && isfinite(out[0]) && isfinite(out[1]) && isfinite(out[2]) && isfinite(out[3]);
}
