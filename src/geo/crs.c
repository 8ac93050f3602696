#include "influmap/crs.h"

#include <ctype.h>
#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem-private.h"

struct im_geo_ctx {
  PJ_CONTEXT *pj;
};

struct im_crs {
  PJ_CONTEXT *pj_ctx;
  PJ *pj;
  double lon0;
};

struct im_transform {
  PJ_CONTEXT *ctx; /* the context it was made in (owned by im_geo_ctx) */
  PJ *pj;
};

/* PROJ logs to stderr by default; influmap reports errors itself. */
static void quiet_log(void *user, int level, const char *msg) {
  (void)user;
  (void)level;
  (void)msg;
}

im_geo_ctx *im_geo_ctx_create(void) {
  im_geo_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx)
    return NULL;
  ctx->pj = proj_context_create();
  if (!ctx->pj) {
    free(ctx);
    return NULL;
  }
  proj_log_func(ctx->pj, NULL, quiet_log);
  return ctx;
}

void im_geo_ctx_free(im_geo_ctx *ctx) {
  if (!ctx)
    return;
  proj_context_destroy(ctx->pj);
  free(ctx);
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

static double find_lon0(PJ_CONTEXT *ctx, PJ *crs) {
  PJ *base = crs;
  PJ *horiz = NULL;
  if (proj_get_type(crs) == PJ_TYPE_BOUND_CRS) {
    horiz = proj_get_source_crs(ctx, crs);
    base = horiz ? horiz : crs;
  }
  double lon0 = 0;
  PJ *op = proj_crs_get_coordoperation(ctx, base);
  if (op) {
    static const char *const names[] = {"Longitude of natural origin", "Longitude of origin",
                                        "Longitude of false origin", "Longitude of projection centre",
                                        "Longitude of center", "Central meridian"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
      int idx = proj_coordoperation_get_param_index(ctx, op, names[i]);
      if (idx < 0)
        continue;
      double value = 0, factor = 0;
      if (proj_coordoperation_get_param(ctx, op, idx, NULL, NULL, NULL, &value, NULL, &factor, NULL,
                                        NULL, NULL, NULL) &&
          isfinite(value) && factor > 0) {
        lon0 = value * factor * 180.0 / M_PI;
        break;
      }
    }
    proj_destroy(op);
  }
  proj_destroy(horiz);
  proj_errno_reset(crs);
  return lon0;
}

im_status im_crs_create(im_geo_ctx *ctx, const char *definition, const char *file, int line,
                        int column, im_crs **out, im_error *err) {
  *out = NULL;
  while (definition && isspace((unsigned char)*definition))
    definition++;
  if (!definition || !*definition)
    return im_error_set(err, IM_STATUS_INPUT, file, line, column, "empty CRS");
  /* A bare number is an EPSG code; a PROJ string needs +type=crs to denote
   * a CRS rather than a bare conversion. */
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
  if (!text)
    return im_error_set(err, IM_STATUS_INTERNAL, file, line, column, "out of memory");
  proj_errno_reset(NULL);
  PJ *pj = proj_create(ctx->pj, text);
  free(text);
  if (!pj || !is_crs_type(proj_get_type(pj))) {
    int e = proj_context_errno(ctx->pj);
    const char *why = e ? proj_context_errno_string(ctx->pj, e) : "not a coordinate reference system";
    /* PROJ 9 has no text for its generic error (PROJ_ERR_OTHER), which is
     * what text that is no CRS at all (a .prj of prose) gives. */
    if (!why || !strncmp(why, "Unknown error", 13))
      why = "not an EPSG code, PROJ string or WKT that PROJ knows";
    char shown[120];
    snprintf(shown, sizeof shown, "%.100s%s", definition, strlen(definition) > 100 ? "..." : "");
    for (char *c = shown; *c; c++)
      if (*c == '\n' || *c == '\r' || *c == '\t')
        *c = ' ';
    for (size_t n = strlen(shown); n && shown[n - 1] == ' ';)
      shown[--n] = '\0';
    proj_destroy(pj);
    return im_error_set(err, IM_STATUS_INPUT, file, line, column, "unknown CRS '%s' (%s)", shown, why);
  }
  im_crs *crs = calloc(1, sizeof *crs);
  if (!crs) {
    proj_destroy(pj);
    return im_error_set(err, IM_STATUS_INTERNAL, file, line, column, "out of memory");
  }
  crs->pj_ctx = ctx->pj;
  crs->pj = pj;
  crs->lon0 = find_lon0(ctx->pj, pj);
  *out = crs;
  return IM_STATUS_OK;
}

void im_crs_free(im_crs *crs) {
  if (!crs)
    return;
  proj_destroy(crs->pj);
  free(crs);
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

im_status im_crs_geographic(im_geo_ctx *ctx, const im_crs *crs, im_crs **out, im_error *err) {
  *out = NULL;
  PJ *g = proj_crs_get_geodetic_crs(ctx->pj, crs->pj);
  if (!g)
    return im_error_set(err, IM_STATUS_INPUT, NULL, 0, 0, "CRS '%s' has no geographic base",
                        im_crs_name(crs));
  im_crs *c = calloc(1, sizeof *c);
  if (!c) {
    proj_destroy(g);
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  }
  c->pj_ctx = ctx->pj;
  c->pj = g;
  c->lon0 = 0;
  *out = c;
  return IM_STATUS_OK;
}

bool im_crs_equivalent(const im_crs *a, const im_crs *b) {
  return proj_is_equivalent_to(a->pj, b->pj, PJ_COMP_EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS) &&
         (!im_crs_is_geographic(a) || proj_is_equivalent_to(a->pj, b->pj, PJ_COMP_EQUIVALENT));
}

im_status im_transform_create(im_geo_ctx *ctx, const im_crs *src, const im_crs *dst,
                              im_transform **out, im_error *err) {
  *out = NULL;
  PJ *op = proj_create_crs_to_crs_from_pj(ctx->pj, src->pj, dst->pj, NULL, NULL);
  if (!op) {
    int e = proj_context_errno(ctx->pj);
    return im_error_set(err, IM_STATUS_INPUT, NULL, 0, 0, "no transformation from '%s' to '%s' (%s)",
                        im_crs_name(src), im_crs_name(dst),
                        e ? proj_context_errno_string(ctx->pj, e) : "unknown reason");
  }
  PJ *norm = proj_normalize_for_visualization(ctx->pj, op);
  proj_destroy(op);
  if (!norm)
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "cannot normalise axis order from '%s' to '%s'",
                        im_crs_name(src), im_crs_name(dst));
  im_transform *t = calloc(1, sizeof *t);
  if (!t) {
    proj_destroy(norm);
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  }
  t->ctx = ctx->pj;
  t->pj = norm;
  *out = t;
  return IM_STATUS_OK;
}

void im_transform_free(im_transform *t) {
  if (!t)
    return;
  proj_destroy(t->pj);
  free(t);
}

size_t im_transform_array(im_transform *t, double *xy, size_t n, bool inverse) {
  if (!n)
    return 0;
  proj_trans_generic(t->pj, inverse ? PJ_INV : PJ_FWD, xy, 2 * sizeof(double), n, xy + 1,
                     2 * sizeof(double), n, NULL, 0, 0, NULL, 0, 0);
  proj_errno_reset(t->pj);
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
  int ok = proj_trans_bounds(t->ctx, t->pj, PJ_FWD, box[0], box[1], box[2], box[3], &out[0], &out[1], &out[2],
                             &out[3], 21);
  proj_errno_reset(t->pj);
  return ok && isfinite(out[0]) && isfinite(out[1]) && isfinite(out[2]) && isfinite(out[3]);
}
