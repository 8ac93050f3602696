/* A strict well-known text reader: what a spreadsheet column of geometry
 * needs, no more. Positions in messages count characters from 1 so a user
 * can find the spot in a long cell. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cnum-private.h"
#include "core/suggest-private.h"
#include "io/io-private.h"
#include "io/wkt-private.h"

typedef struct {
  const char *s, *p;
  char *msg;
  size_t size;
  int dims; /* ordinates per position: 2, 3 (Z or M) or 4 (ZM) */
  im_geom *g;
} reader;

static void skip_ws(reader *r) {
  while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
    r->p++;
}

/* The character position of p, counting UTF-8 characters from 1. */
static size_t position(const reader *r) {
  size_t n = 1;
  for (const char *q = r->s; q < r->p; q++)
    n += ((unsigned char)*q & 0xC0) != 0x80;
  return n;
}

static im_status fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static im_status fail(reader *r, const char *fmt, ...) {
  int n = snprintf(r->msg, r->size, "at character %zu: ", position(r));
  va_list ap;
  va_start(ap, fmt);
  if (n > 0 && (size_t)n < r->size)
    im_vsnprintf(r->msg + n, r->size - (size_t)n, fmt, ap);
  va_end(ap);
  return IM_STATUS_INPUT;
}

static im_status oom(reader *r) {
  snprintf(r->msg, r->size, "out of memory");
  return IM_STATUS_INTERNAL;
}

/* What stands at p, for "expected X, found Y". */
static const char *found(reader *r, char *buf, size_t size) {
  if (!*r->p)
    return "the end of the text";
  size_t n = 0;
  while (r->p[n] && n < 12 && !strchr(" \t\r\n,()", r->p[n]))
    n++;
  snprintf(buf, size, "'%.*s'", n ? (int)n : 1, r->p);
  return buf;
}

static im_status expect(reader *r, char c) {
  skip_ws(r);
  if (*r->p == c) {
    r->p++;
    return IM_STATUS_OK;
  }
  char buf[32];
  return fail(r, "expected '%c', found %s", c, found(r, buf, sizeof buf));
}

/* Reads letters into buf, upper-cased; returns how many. */
static size_t word(reader *r, char *buf, size_t size) {
  skip_ws(r);
  size_t n = 0;
  while (isalpha((unsigned char)r->p[n])) {
    if (n + 1 < size)
      buf[n] = (char)toupper((unsigned char)r->p[n]);
    n++;
  }
  buf[n + 1 < size ? n : size - 1] = '\0';
  return n;
}

static im_status position_xy(reader *r) {
  double v[4];
  char buf[32];
  for (int i = 0; i < r->dims; i++) {
    skip_ws(r);
    bool real;
    size_t n = im_number_span(r->p, &real);
    if (!n)
      return fail(r, "expected a number (%s), found %s",
                  i == 0   ? "x, the longitude"
                  : i == 1 ? "y, the latitude"
                           : "an ordinate",
                  found(r, buf, sizeof buf));
    if (i > 0 && !strchr(" \t\n\r", r->p[-1]))
      return fail(r, "expected a space between the numbers of a position, found %s", found(r, buf, sizeof buf));
    char num[64];
    snprintf(num, sizeof num, "%.*s", (int)(n < sizeof num ? n : sizeof num - 1), r->p);
    v[i] = im_strtod(num, NULL);
    if (!isfinite(v[i]))
      return fail(r, "the number %s is out of range", num);
    r->p += n;
  }
  skip_ws(r);
  bool real;
  if (im_number_span(r->p, &real))
    return fail(r, "expected ',' or ')' after %d numbers (a position with more needs a Z or M tag: POINT Z (x y z))",
                r->dims);
  return im_geom_add_point(r->g, v[0], v[1]) ? IM_STATUS_OK : oom(r);
}

/* '(' position {',' position} ')' as one part. A ring needs 4 positions
 * and must close; points in a MULTIPOINT may be wrapped in parentheses. */
static im_status sequence(reader *r, size_t min, bool ring, bool multipoint) {
  im_status st = expect(r, '(');
  if (st)
    return st;
  const char *start = r->p - 1;
  if (!im_geom_begin_part(r->g))
    return oom(r);
  size_t n = 0;
  do {
    skip_ws(r);
    bool wrapped = multipoint && *r->p == '(';
    if (wrapped)
      r->p++;
    if ((st = position_xy(r)) || (wrapped && (st = expect(r, ')'))))
      return st;
    n++;
    skip_ws(r);
  } while (*r->p == ',' && r->p++);
  if ((st = expect(r, ')')))
    return st;
  if (n < min) {
    const char *end = r->p;
    r->p = start;
    st = fail(r, "a %s needs at least %zu positions, this one has %zu", ring ? "ring" : "line", min, n);
    r->p = end;
    return st;
  }
  if (ring) {
    const double *first = r->g->xy + 2 * r->g->parts[r->g->nparts - 1], *last = r->g->xy + 2 * (r->g->npoints - 1);
    if (first[0] != last[0] || first[1] != last[1]) {
      r->p = start;
      return fail(r, "the ring is not closed: it ends at (%.17g %.17g), not at its start (%.17g %.17g)", last[0],
                  last[1], first[0], first[1]);
    }
  }
  return IM_STATUS_OK;
}

/* '(' item {',' item} ')' where item is a sequence (depth 1) or a polygon
 * (depth 2). */
static im_status nested(reader *r, int depth, size_t min, bool rings) {
  im_status st = expect(r, '(');
  if (st)
    return st;
  do {
    st = depth == 1 ? sequence(r, min, rings, false) : nested(r, depth - 1, min, rings);
    if (st)
      return st;
    skip_ws(r);
  } while (*r->p == ',' && r->p++);
  return expect(r, ')');
}

static const char *const types[] = {"POINT",           "LINESTRING",   "POLYGON", "MULTIPOINT",
                                    "MULTILINESTRING", "MULTIPOLYGON", NULL};

im_status im_wkt_read(const char *text, im_geom *g, char *msg, size_t size) {
  reader r = {.s = text, .p = text, .msg = msg, .size = size, .dims = 2, .g = g};
  im_geom_reset(g, IM_GEOM_POINT);
  msg[0] = '\0';
  char buf[32], w[24];
  skip_ws(&r);
  if (!strncasecmp(r.p, "SRID=", 5)) {
    /* EWKT, as PostGIS writes it: only longitude/latitude will do. */
    char *end;
    long srid = strtol(r.p + 5, &end, 10);
    if (end == r.p + 5 || *end != ';')
      return fail(&r, "expected SRID=<number>; before the geometry");
    if (srid != 4326)
      return fail(&r, "SRID=%ld, but CSV coordinates are read as WGS 84 longitude/latitude (SRID=4326)", srid);
    r.p = end + 1;
  }
  const char *type_at = r.p;
  size_t n = word(&r, w, sizeof w);
  if (!n)
    return fail(&r, "expected a geometry type (POINT, LINESTRING, POLYGON, MULTI...), found %s",
                found(&r, buf, sizeof buf));
  r.p += n;
  int which = -1;
  /* "POINT Z" and the run-together "POINTZ" alike. */
  for (int pass = 0; pass < 3 && which < 0; pass++) {
    size_t cut = pass == 0 ? 0 : pass == 1 ? 1 : 2;
    if (cut >= strlen(w))
      break;
    const char *suffix = w + strlen(w) - cut;
    if (pass && strcmp(suffix, "Z") && strcmp(suffix, "M") && strcmp(suffix, "ZM"))
      continue;
    for (int i = 0; types[i]; i++)
      if (strlen(types[i]) == strlen(w) - cut && !strncmp(w, types[i], strlen(types[i])))
        which = i, r.dims = 2 + (int)cut;
  }
  if (which < 0) {
    r.p = type_at;
    const char *s = im_suggest(w, types, (size_t)-1);
    if (s)
      return fail(&r, "unknown geometry type '%.*s' (did you mean %s?)", (int)n, type_at, s);
    return fail(&r, "unknown geometry type '%.*s' (expected POINT, LINESTRING, POLYGON or their MULTI forms)", (int)n,
                type_at);
  }
  const char *after_type = r.p;
  size_t m = word(&r, w, sizeof w);
  if (r.dims == 2 && (!strcmp(w, "Z") || !strcmp(w, "M") || !strcmp(w, "ZM"))) {
    r.dims = 2 + (int)m;
    r.p += m;
    m = word(&r, w, sizeof w);
  }
  im_status st;
  if (m && !strcmp(w, "EMPTY")) {
    r.p += m;
    st = IM_STATUS_OK;
  } else if (m) {
    return fail(&r, "expected '(' or EMPTY, found %s", found(&r, buf, sizeof buf));
  } else {
    switch (which) {
    case 0:
      st = sequence(&r, 1, false, false);
      if (!st && g->npoints != 1) {
        r.p = after_type;
        st = fail(&r, "a POINT has one position, this one has %zu (a MULTIPOINT has several)", g->npoints);
      }
      break;
    case 1:
      g->kind = IM_GEOM_LINE;
      st = sequence(&r, 2, false, false);
      break;
    case 2:
      g->kind = IM_GEOM_POLYGON;
      st = nested(&r, 1, 4, true);
      break;
    case 3:
      st = sequence(&r, 1, false, true);
      break;
    case 4:
      g->kind = IM_GEOM_LINE;
      st = nested(&r, 1, 2, false);
      break;
    default:
      g->kind = IM_GEOM_POLYGON;
      st = nested(&r, 2, 4, true);
    }
    if (st)
      return st;
  }
  skip_ws(&r);
  if (*r.p)
    return fail(&r, "unexpected %s after the geometry", found(&r, buf, sizeof buf));
  return st;
}
