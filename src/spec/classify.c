/* Categorical palettes, ColorBrewer ramps and class breaks. The colours live
 * in palettes.c; this file looks them up and computes breaks. */
#include "influmap/classify.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "spec/palettes-private.h"

/* ---- colours ---- */

/* Colour i of a table string "#rrggbb #rrggbb ..." (8 characters a colour).
 * The tables are ours and checked by the tests. */
static im_color table_color(const char *colors, size_t i) {
  char hex[8];
  memcpy(hex, colors + 8 * i, 7);
  hex[7] = '\0';
  im_color c = {0, 0, 0, 1};
  im_color_parse(hex, &c);
  return c;
}

static bool is_vric(const char *name) { return name && strcasecmp(name, "vric") == 0; }

static const im_palette_table *find_palette(const char *name) {
  if (!name)
    return NULL;
  for (size_t i = 0; i < im_palette_table_count; i++)
    if (strcasecmp(name, im_palette_tables[i].name) == 0)
      return &im_palette_tables[i];
  return NULL;
}

static const im_ramp_table *find_ramp(const char *name) {
  if (!name)
    return NULL;
  for (size_t i = 0; i < im_ramp_table_count; i++)
    if (strcasecmp(name, im_ramp_tables[i].name) == 0)
      return &im_ramp_tables[i];
  return NULL;
}

bool im_palette_exists(const char *name) { return is_vric(name) || find_palette(name) != NULL; }

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* The vric key that value names, or the last ("other"). Blanks around the
 * value are ignored because CSV and DBF cells often carry them. */
static size_t vric_key(const char *value) {
  if (!value)
    return IM_VRIC_COUNT - 1;
  while (is_blank(*value))
    value++;
  size_t len = strlen(value);
  while (len > 0 && is_blank(value[len - 1]))
    len--;
  for (size_t i = 0; i < IM_VRIC_COUNT - 1; i++)
    if (strlen(im_vric_keys[i]) == len && strncasecmp(value, im_vric_keys[i], len) == 0)
      return i;
  return IM_VRIC_COUNT - 1;
}

bool im_palette_is_other(const char *name, const char *value) {
  return is_vric(name) && vric_key(value) == IM_VRIC_COUNT - 1;
}

bool im_palette_color(const char *name, const char *value, size_t index, im_color *out) {
  if (is_vric(name)) {
    *out = table_color(im_vric_colors, vric_key(value));
    return true;
  }
  const im_palette_table *p = find_palette(name);
  if (!p)
    return false;
  *out = table_color(p->colors, index % p->size);
  return true;
}

const char *const *im_palette_names(void) { return im_palette_all_names; }

bool im_ramp_exists(const char *name) { return find_ramp(name) != NULL; }

bool im_ramp_colors(const char *name, size_t n, bool reverse, im_color *out) {
  const im_ramp_table *r = find_ramp(name);
  if (!r || n < r->min_n || n > r->max_n)
    return false;
  for (size_t i = 0; i < n; i++) {
    size_t lut_i = i * 256 / (n - 1); /* n >= 2 */
    out[reverse ? n - 1 - i : i] =
        r->lut ? table_color(r->lut, lut_i < 255 ? lut_i : 255) : table_color(r->colors[n - r->min_n], i);
  }
  return true;
}

/* ---- breaks ---- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The finite values, sorted, in a new array (*count of them); NULL when
 * there are none or memory runs out. */
static double *sorted_finite(const double *values, size_t n, size_t *count) {
  *count = 0;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(values[i]))
      m++;
  if (m == 0)
    return NULL;
  double *x = im_malloc_array(m, sizeof *x);
  if (!x)
    return NULL;
  for (size_t i = 0, j = 0; i < n; i++)
    if (isfinite(values[i]))
      x[j++] = values[i];
  qsort(x, m, sizeof *x, cmp_double);
  *count = m;
  return x;
}

static size_t count_distinct(const double *x, size_t n) {
  size_t d = n > 0;
  for (size_t i = 1; i < n; i++)
    d += x[i] != x[i - 1];
  return d;
}

/* a + (b - a) t without forming b - a, which may overflow for values near
 * ±DBL_MAX; exact at t = 0 and t = 1. */
static double lerp(double a, double b, double t) { return t <= 0 ? a : t >= 1 ? b : a * (1 - t) + b * t; }

static size_t equal_interval(const double *x, size_t n, size_t k, double *breaks) {
  double lo = x[0], hi = x[n - 1];
  breaks[0] = lo;
  for (size_t i = 1; i < k; i++) {
    double b = lerp(lo, hi, (double)i / (double)k);
    breaks[i] = b < breaks[i - 1] ? breaks[i - 1] : b; /* rounding must not reorder */
  }
  breaks[k] = hi;
  return k;
}

/* The smallest value in sorted x[0..n-1] above v (at least v when
 * or_equal), or false when there is none. */
static bool next_value(const double *x, size_t n, double v, bool or_equal, double *out) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x[mid] < v || (!or_equal && x[mid] == v))
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == n)
    return false;
  *out = x[lo];
  return true;
}

static bool next_above(const double *x, size_t n, double v, double *out) { return next_value(x, n, v, false, out); }

static bool next_at_least(const double *x, size_t n, double v, double *out) { return next_value(x, n, v, true, out); }

static size_t quantile(const double *x, size_t n, size_t k, double *breaks) {
  size_t m = 1;
  breaks[0] = x[0];
  for (size_t i = 1; i < k; i++) {
    double h = (double)(n - 1) * (double)i / (double)k;
    size_t f = (size_t)floor(h);
    if (f > n - 2)
      f = n - 2;
    double q = lerp(x[f], x[f + 1], h - (double)f);
    /* A run of equal values must stay in one class, so a break that does not
     * rise above the previous one moves to the next greater value. */
    if (q <= breaks[m - 1] && !next_above(x, n, breaks[m - 1], &q))
      break;
    breaks[m++] = q;
  }
  breaks[m] = x[n - 1];
  return m;
}

/* Above this many distinct values, or this much work, Jenks runs on a sample. */
enum { JENKS_MAX_DISTINCT = 5000 };
static const double jenks_budget = 3e8;

/* Fisher's exact optimal partition of the d distinct values v (with counts w)
 * into k runs, minimising the summed within-class squared deviations. Writes
 * the index of the first value of each class into start[0..k-1]. Returns false
 * when memory runs out. */
static bool fisher_jenks(const double *v, const double *w, size_t d, size_t k, size_t *start) {
  size_t cells;
  if (im_mul_overflows(d, k, &cells))
    return false;
  /* cost[j * d + i]: least cost of j + 1 classes over v[0..i];
   * from[j * d + i]: where the last of those classes starts. */
  double *cost = im_malloc_array(cells, sizeof *cost);
  size_t *from = im_malloc_array(cells, sizeof *from);
  if (!cost || !from) {
    free(cost);
    free(from);
    return false;
  }
  for (size_t i = 0; i < cells; i++)
    cost[i] = INFINITY;
  for (size_t i = 0; i < d; i++) {
    /* Grow the last class downwards from v[i]; its sums are kept relative to
     * v[i] so that the squared deviations do not cancel against a large mean. */
    double s1 = 0, s2 = 0, sw = 0;
    for (size_t t = i + 1; t-- > 0;) {
      double dv = v[t] - v[i];
      s1 += w[t] * dv;
      s2 += w[t] * dv * dv;
      sw += w[t];
      double sse = s2 - s1 * s1 / sw;
      if (sse < 0)
        sse = 0;
      if (t == 0) {
        cost[i] = sse;
        from[i] = 0;
        break;
      }
      size_t jmax = k - 1 < t ? k - 1 : t; /* j + 1 classes need at least j values below t */
      for (size_t j = 1; j <= jmax; j++) {
        double c = cost[(j - 1) * d + t - 1] + sse;
        if (c < cost[j * d + i]) {
          cost[j * d + i] = c;
          from[j * d + i] = t;
        }
      }
    }
  }
  size_t end = d - 1;
  for (size_t j = k; j-- > 0;) {
    start[j] = from[j * d + end];
    if (j > 0)
      end = start[j] - 1;
  }
  free(cost);
  free(from);
  return true;
}

static size_t jenks(const double *x, size_t n, size_t k, double *breaks) {
  size_t cap = JENKS_MAX_DISTINCT;
  double affordable = floor(sqrt(jenks_budget / (double)k));
  if (affordable < (double)cap)
    cap = affordable < 2 ? 2 : (size_t)affordable;
  /* Sample evenly spaced order statistics (min and max among them) when
   * there are too many distinct values; deterministic, and it keeps the
   * distribution's shape because ranks, not values, are spaced evenly. */
  size_t d = count_distinct(x, n);
  size_t ns = d > cap ? cap : n;
  size_t nv = d > cap ? cap : d; /* at least the sample's distinct count */
  double *v = im_malloc_array(nv, sizeof *v);
  double *w = im_malloc_array(nv, sizeof *w);
  size_t *start = im_malloc_array(k, sizeof *start);
  size_t m = 0;
  if (!v || !w || !start)
    goto done;
  size_t dv = 0;
  for (size_t s = 0; s < ns; s++) {
    size_t i = ns == n ? s : (size_t)((double)s * (double)(n - 1) / (double)(ns - 1) + 0.5);
    if (dv > 0 && x[i] == v[dv - 1]) {
      w[dv - 1] += 1;
    } else {
      v[dv] = x[i];
      w[dv++] = 1;
    }
  }
  size_t kk = k < dv ? k : dv;
  if (!fisher_jenks(v, w, dv, kk, start))
    goto done;
  breaks[0] = x[0];
  for (size_t j = 1; j < kk; j++) {
    if (ns == n) {
      breaks[j] = v[start[j]];
      continue;
    }
    /* The values the sample skipped between two classes go to the nearer
     * one: the break is the first value past the midpoint of the gap. */
    double mid = v[start[j] - 1] / 2 + v[start[j]] / 2;
    breaks[j] = v[start[j]];
    next_at_least(x, n, mid, &breaks[j]);
  }
  breaks[kk] = x[n - 1];
  m = kk;
done:
  free(v);
  free(w);
  free(start);
  return m;
}

size_t im_breaks_compute(im_breaks_method method, const double *values, size_t n, size_t k, double *breaks) {
  if (k == 0 || !values)
    return 0;
  size_t count;
  double *x = sorted_finite(values, n, &count);
  if (!x)
    return 0;
  size_t d = count_distinct(x, count);
  if (k > d)
    k = d;
  size_t m = 0;
  if (d == 1) {
    breaks[0] = breaks[1] = x[0];
    m = 1;
  } else if (method == IM_BREAKS_EQUAL_INTERVAL) {
    m = equal_interval(x, count, k, breaks);
  } else if (method == IM_BREAKS_QUANTILE) {
    m = quantile(x, count, k, breaks);
  } else if (method == IM_BREAKS_JENKS) {
    m = jenks(x, count, k, breaks);
  }
  free(x);
  return m;
}

int im_class_index(const double *breaks, size_t nbreaks, double v) {
  if (!breaks || nbreaks < 2 || isnan(v))
    return -1;
  /* A linear scan reads the definition literally, so breaks given by hand
   * that repeat a value still classify as documented; there are few. */
  for (size_t i = 0; i + 1 < nbreaks; i++)
    if (breaks[i] <= v && v < breaks[i + 1])
      return i > (size_t)INT_MAX ? -1 : (int)i;
  if (v == breaks[nbreaks - 1] && breaks[0] <= v)
    return nbreaks - 2 > (size_t)INT_MAX ? -1 : (int)(nbreaks - 2);
  return -1;
}
