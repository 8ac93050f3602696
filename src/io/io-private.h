/* What the readers in src/io share: the per-format entry points layer.c
 * dispatches to, field typing from the values seen, ISO dates, box tests. */
#ifndef IM_IO_PRIVATE_H
#define IM_IO_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "io/layer-private.h"
#include "io/layer-private.h"
#include "influmap/limits.h"

/* A shapefile's .prj (text and path), or "EPSG:4326" and NULL. */
im_status im_shapefile_source_crs(const char *path, char **definition, char **crs_file, im_error *err);

/* The CRS a GeoJSON file's legacy top-level "crs" member names, found by a
 * scan that parses nothing else, or "EPSG:4326". Syntax errors are left to
 * the loader. */
im_status im_geojson_source_crs(const char *path, char **definition, im_error *err);

/* A new empty layer for path, or NULL when out of memory. */
im_layer *im_layer_new(const char *path, const char *format);

/* Evidence about one field's values, from which its type is guessed. */
enum {
  IM_SEEN_INTEGER = 1,
  IM_SEEN_REAL = 2,
  IM_SEEN_BOOL = 4,
  IM_SEEN_DATE = 8,
  IM_SEEN_TEXT = 16,
};
typedef struct {
  unsigned seen; /* IM_SEEN_* bits */
  int width;     /* longest value, in bytes */
  int decimals;  /* most digits after a decimal point */
} im_field_guess;

/* The length of the decimal number at the start of s (optional sign,
 * digits, optional fraction and exponent; no hex, inf or nan), 0 when there
 * is none; *real says whether it had a fraction or exponent. */
size_t im_number_span(const char *s, bool *real);
/* Reads s, which must be one such number and nothing else, into a finite *v. */
bool im_parse_number(const char *s, double *v);

/* What text written in a CSV cell looks like: an IM_SEEN_* bit. Whole
 * numbers with leading zeros ("007", codes) are text. */
unsigned im_text_kind(const char *text);
/* Adds a value of the given IM_SEEN_* kind to the evidence. */
void im_field_guess_add(im_field_guess *g, unsigned kind, const char *text);
/* The type the evidence points to: one kind throughout (integers and reals
 * together make reals), else String. */
void im_field_guess_apply(const im_field_guess *g, im_field *f);

/* The number of parts (1 YYYY, 2 YYYY-MM, 3 YYYY-MM-DD) of an ISO 8601
 * calendar date with valid month and day, or 0. */
int im_iso_date_parts(const char *s);

/* What a reader keeps, counted against the ceilings of limits.h. */
typedef struct {
  im_limits limits;
  size_t vertices, features, bytes;
} im_budget;

void im_budget_init(im_budget *b);
/* Counts what one feature adds: vertices, parts and bytes of attributes
 * (a feature is counted when vertices or parts are not 0). Returns NULL
 * while every ceiling holds, else a message naming the ceiling passed and
 * its environment variable, written into buf. */
const char *im_budget_add(im_budget *b, size_t vertices, size_t parts, size_t bytes, char *buf, size_t size);

/* True when b meets one of the query's boxes (or the query has none). */
bool im_query_wants(const im_layer_query *q, const im_bbox *b);
/* Grows *acc to cover b; *have says whether acc holds anything yet. */
void im_bbox_extend(im_bbox *acc, bool *have, const im_bbox *b);

#endif
