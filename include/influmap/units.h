/* influmap — lengths on the page and colours. */
#ifndef INFLUMAP_UNITS_H
#define INFLUMAP_UNITS_H

#include "influmap/export.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A length on the page, kept in its unit so "px" can be resolved once the
 * output resolution is known. */
typedef enum { IM_UNIT_PT, IM_UNIT_MM, IM_UNIT_CM, IM_UNIT_IN, IM_UNIT_PX } im_unit;

typedef struct {
  double value;
  im_unit unit;
} im_length;

/* Parses "180mm", "0.3pt", "2in", "12cm", "2200px" or a bare number (taken as
 * default_unit). Returns false on anything else, or a negative / non-finite
 * value. */
IM_API bool im_length_parse(const char *s, im_unit default_unit, im_length *out);

/* The length in PostScript points (1/72 in); px are converted at dpi. */
IM_API double im_length_to_pt(im_length len, double dpi);

/* Red, green, blue, alpha in 0..1. */
typedef struct {
  double r, g, b, a;
} im_color;

/* Parses "#rgb", "#rrggbb", "#rrggbbaa", "none"/"transparent" and the CSS
 * basic colour names (black, white, gray/grey, silver, red, maroon, yellow,
 * olive, lime, green, aqua, teal, blue, navy, fuchsia, purple, orange).
 * Returns false on anything else. */
IM_API bool im_color_parse(const char *s, im_color *out);

#ifdef __cplusplus
}
#endif
#endif
