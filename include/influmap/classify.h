/* influmap — classes: categorical palettes, ColorBrewer ramps and class breaks.
 *
 * A categorical class maps a field's value to a colour from a named palette;
 * a graduated class maps a number to one of k classes bounded by breaks and
 * colours the classes from a ramp. Everything here is pure computation over
 * caller-owned arrays: nothing is allocated that the caller must free.
 *
 * The ColorBrewer colours (ramps, "set1", "set2", "set3", "dark2", "paired",
 * "accent", "pastel1", "pastel2") are
 * Copyright 2002 Cynthia Brewer, Mark Harrower and The Pennsylvania State
 * University, under the Apache License 2.0; see docs/classes.md. */
#ifndef INFLUMAP_CLASSIFY_H
#define INFLUMAP_CLASSIFY_H

#include "influmap/export.h"

#include <stdbool.h>
#include <stddef.h>

#include "influmap/units.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Categorical palettes:
 *   "vric"       the actor palette: China, Russia, Iran, Venezuela, other
 *                (Okabe–Ito colours, so it stays distinct for colour-blind readers);
 *   "okabe-ito"  8 colours (Okabe & Ito 2008, in their order, black first);
 *   "set1", "pastel1" (9 each), "set2", "dark2", "accent", "pastel2" (8 each),
 *   "paired", "set3" (12 each): ColorBrewer qualitative sets;
 *   "tableau10"  10 colours (Tableau's 2016 palette).
 * Names match case-insensitively. Ramps are not palettes: im_palette_exists("Blues")
 * is false. */
IM_API bool im_palette_exists(const char *name);

/* The colour of a category in a named palette, into *out (alpha 1).
 * "vric": by actor name in value (case-insensitive, surrounding blanks ignored);
 * anything else, and NULL, is "other"; index is not used.
 * Other palettes: by index, the category's 0-based position in order of first
 * appearance (assigned by the caller); colours repeat modulo the palette size;
 * value is not used. Returns false (out untouched) for an unknown palette. */
IM_API bool im_palette_color(const char *name, const char *value, size_t index, im_color *out);

/* The names of all categorical palettes, then all ramps, NULL-terminated; for
 * "did you mean" messages. Static storage: do not free. */
IM_API const char *const *im_palette_names(void);

/* ColorBrewer ramps, light to dark (sequential) or from one end hue to the
 * other through a light middle (diverging), in the exact ColorBrewer colours
 * for each class count:
 *   sequential, 3..9 classes: Blues Greens Greys Oranges Purples Reds BuGn BuPu
 *     GnBu OrRd PuBu PuBuGn PuRd RdPu YlGn YlGnBu YlOrBr YlOrRd;
 *   diverging, 3..11 classes: BrBG PiYG PRGn PuOr RdBu RdGy RdYlBu RdYlGn Spectral;
 * and matplotlib's perceptual colour maps, dark to light, 2..16 classes:
 *   viridis magma inferno plasma, class i of n being entry
 *   floor(256 i / (n - 1)) (at most 255) of their 256 colours, as matplotlib
 *   and d3 cut them (viridis in 5: #440154 #3b528b #21918c #5ec962 #fde725).
 * Names match case-insensitively ("rdbu" is RdBu). */
IM_API bool im_ramp_exists(const char *name);

/* Writes the n colours of ramp name into out[0..n-1] (alpha 1), in reverse
 * order when reverse. Returns false (out untouched) for an unknown ramp or an
 * n the ramp does not have. */
IM_API bool im_ramp_colors(const char *name, size_t n, bool reverse, im_color *out);

typedef enum { IM_BREAKS_EQUAL_INTERVAL, IM_BREAKS_QUANTILE, IM_BREAKS_JENKS } im_breaks_method;

/* Computes up to k classes over values[0..n-1] and writes m + 1 breaks
 * (breaks[0] = min, ..., breaks[m] = max) into breaks, which must hold k + 1
 * doubles; returns m, the number of classes made (0, breaks untouched, when
 * there is no finite value, k is 0 or memory runs out). NaN and infinities are
 * ignored.
 *
 * Convention, the one im_class_index reads: breaks[i] is the LOWER bound of
 * class i (inclusive) and breaks[i + 1] its upper bound (exclusive, except that
 * the last class includes max). For a method that partitions the values
 * (Jenks), each inner break is the smallest value of the class above it: Jenks
 * on {1,2,3, 10,11,12, 20,21,22} with k = 3 gives 1, 10, 20, 22 (classes
 * 1..3, 10..12, 20..22).
 *
 * m is at most the number of distinct finite values, and ties are never
 * split between two classes, so m may be below k (a single distinct value v
 * gives one class with breaks v, v).
 *   Equal interval: breaks at min + (max - min) i / m.
 *   Quantile: inner break i is the i/m quantile by linear interpolation between
 *     order statistics (Hyndman & Fan type 7, the default of R and NumPy): with
 *     the N values sorted x[0..N-1], h = (N - 1) i / m and the break is
 *     x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]). On 1..100 with
 *     k = 4: 1, 25.75, 50.5, 75.25, 100. A break that would not lie above the one
 *     before (ties) moves up to the next greater value; when there is none the
 *     classes stop there.
 *   Jenks: Fisher–Jenks optimal natural breaks, the partition of the sorted
 *     values into m runs minimising the total within-class sum of squared
 *     deviations, by dynamic programming over the distinct values (weighted by
 *     their counts), O(m d^2) for d distinct values. Above 5000 distinct values
 *     (fewer when k > 12, so that m d^2 stays below about 3e8) it runs on a
 *     deterministic sample: evenly spaced order statistics of all the values,
 *     min and max included, so the result is near-optimal, not optimal; the
 *     values the sample skipped between two classes go to the class whose
 *     nearest sampled value is closer. */
IM_API size_t im_breaks_compute(im_breaks_method method, const double *values, size_t n, size_t k, double *breaks);

/* The class (0..nbreaks - 2) of v for breaks b[0..nbreaks-1]: class i holds
 * b[i] <= v < b[i + 1], and the last class also holds its upper break. Returns
 * -1 for v below b[0], above b[nbreaks - 1], NaN, or fewer than 2 breaks. */
IM_API int im_class_index(const double *breaks, size_t nbreaks, double v);

#ifdef __cplusplus
}
#endif
#endif
