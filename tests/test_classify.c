/* Palettes, ColorBrewer ramps and class breaks. */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "influmap/classify.h"

static im_color hex(const char *s) {
  im_color c = {0, 0, 0, 0};
  if (!im_color_parse(s, &c))
    fail_msg("bad colour in test: %s", s);
  return c;
}

static bool same_color(im_color a, im_color b) {
  return fabs(a.r - b.r) < 1e-9 && fabs(a.g - b.g) < 1e-9 && fabs(a.b - b.b) < 1e-9 && fabs(a.a - b.a) < 1e-9;
}

static void assert_color(im_color c, const char *want) {
  if (!same_color(c, hex(want)))
    fail_msg("colour %02x%02x%02x, want %s", (int)lround(c.r * 255), (int)lround(c.g * 255), (int)lround(c.b * 255),
             want);
}

/* Asserts out[0..n-1] equals the space-separated "#rrggbb" list want. */
static void assert_colors(const im_color *out, size_t n, const char *want) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", want);
  size_t i = 0;
  for (char *save, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save), i++) {
    assert_true(i < n);
    assert_color(out[i], tok);
  }
  assert_int_equal(i, n);
}

/* ---- colour-blind simulation, to check the claim about "vric" ---- */

static double to_linear(double c) { return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4); }

static double lab_f(double t) { return t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116; }

/* CIELAB (D65) of c seen through the linear-RGB matrix m. */
static void simulate_lab(im_color c, const double m[3][3], double lab[3]) {
  double in[3] = {to_linear(c.r), to_linear(c.g), to_linear(c.b)}, rgb[3];
  for (int r = 0; r < 3; r++) {
    rgb[r] = m[r][0] * in[0] + m[r][1] * in[1] + m[r][2] * in[2];
    rgb[r] = rgb[r] < 0 ? 0 : rgb[r] > 1 ? 1 : rgb[r];
  }
  double x = 0.4124 * rgb[0] + 0.3576 * rgb[1] + 0.1805 * rgb[2];
  double y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  double z = 0.0193 * rgb[0] + 0.1192 * rgb[1] + 0.9505 * rgb[2];
  double fx = lab_f(x / 0.95047), fy = lab_f(y), fz = lab_f(z / 1.08883);
  lab[0] = 116 * fy - 16;
  lab[1] = 500 * (fx - fy);
  lab[2] = 200 * (fy - fz);
}

/* CIEDE2000 (Sharma, Wu & Dalal 2005), kL = kC = kH = 1. */
static double de2000(const double *x, const double *y) {
  const double deg = M_PI / 180;
  double c1 = hypot(x[1], x[2]), c2 = hypot(y[1], y[2]), cb = (c1 + c2) / 2;
  double g = 0.5 * (1 - sqrt(pow(cb, 7) / (pow(cb, 7) + pow(25, 7))));
  double a1 = (1 + g) * x[1], a2 = (1 + g) * y[1];
  double c1p = hypot(a1, x[2]), c2p = hypot(a2, y[2]);
  double h1 = fmod(atan2(x[2], a1) / deg + 360, 360), h2 = fmod(atan2(y[2], a2) / deg + 360, 360);
  double dl = y[0] - x[0], dc = c2p - c1p, dh = 0;
  if (c1p * c2p != 0) {
    dh = h2 - h1;
    dh = dh > 180 ? dh - 360 : dh < -180 ? dh + 360 : dh;
  }
  double dH = 2 * sqrt(c1p * c2p) * sin(dh / 2 * deg);
  double lb = (x[0] + y[0]) / 2, cbp = (c1p + c2p) / 2, hb = h1 + h2;
  if (c1p * c2p != 0)
    hb = fabs(h1 - h2) <= 180 ? (h1 + h2) / 2 : h1 + h2 < 360 ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2;
  double t = 1 - 0.17 * cos((hb - 30) * deg) + 0.24 * cos(2 * hb * deg) + 0.32 * cos((3 * hb + 6) * deg) -
             0.20 * cos((4 * hb - 63) * deg);
  double dth = 30 * exp(-pow((hb - 275) / 25, 2));
  double rc = 2 * sqrt(pow(cbp, 7) / (pow(cbp, 7) + pow(25, 7)));
  double sl = 1 + 0.015 * pow(lb - 50, 2) / sqrt(20 + pow(lb - 50, 2)), sc = 1 + 0.045 * cbp, sh = 1 + 0.015 * cbp * t;
  double rt = -sin(2 * dth * deg) * rc;
  return sqrt(pow(dl / sl, 2) + pow(dc / sc, 2) + pow(dH / sh, 2) + rt * (dc / sc) * (dH / sh));
}

/* The published example pairs of Sharma et al.'s table 1: the formula
 * above is CIEDE2000, not something near it. */
static void ciede2000_reference(void **state) {
  (void)state;
  static const double pairs[][7] = {
      {50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425},
      {50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000},
      {50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065},
      {50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492},
      {60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644},
      {22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373},
      {90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381},
  };
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    double d = de2000(pairs[i], pairs[i] + 3);
    if (fabs(d - pairs[i][6]) > 5e-4)
      fail_msg("pair %zu: %.4f, Sharma et al. give %.4f", i, d, pairs[i][6]);
  }
}

static const char *const actors[] = {"China", "Russia", "Iran", "Venezuela", "other"};
static const char *const actor_hex[] = {"#bf4d00", "#417ed9", "#365952", "#f2a600", "#9b9b9b"};

static void vric(void **state) {
  (void)state;
  assert_true(im_palette_exists("vric"));
  assert_true(im_palette_exists("VRIC"));
  im_color c[5];
  for (size_t i = 0; i < 5; i++) {
    assert_true(im_palette_color("vric", actors[i], 99, &c[i]));
    assert_color(c[i], actor_hex[i]);
    for (size_t j = 0; j < i; j++)
      assert_false(same_color(c[i], c[j]));
  }
  im_color x;
  assert_true(im_palette_color("vric", "CHINA", 0, &x));
  assert_color(x, "#bf4d00");
  assert_true(im_palette_color("vric", " venezuela\t", 0, &x));
  assert_color(x, "#f2a600");
  const char *others[] = {"Rusia", "Cuba", "", "Chin", "China2", "OTHER", NULL};
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
    assert_true(im_palette_color("vric", others[i], 1, &x));
    assert_color(x, "#9b9b9b");
  }

  /* Normal vision, then Machado, Oliveira & Fernandes (2009) at severity
   * 1.0 (protanopia, deuteranopia, tritanopia), in linear RGB. */
  static const double cvd[4][3][3] = {
      {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
      {{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}},
      {{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}},
      {{1.255528, -0.076749, -0.178779}, {-0.078411, 0.930809, 0.147602}, {0.004733, 0.691367, 0.303900}}};
  /* Every pair at least 20 apart in CIEDE2000 in each of the four: a
   * reader with any of the three common deficiencies tells the actors
   * apart by colour alone (shape is the second cue). */
  static const char *const vision[] = {"normal vision", "protanopia", "deuteranopia", "tritanopia"};
  for (size_t t = 0; t < 4; t++)
    for (size_t i = 0; i < 5; i++)
      for (size_t j = 0; j < i; j++) {
        double a[3], b[3];
        simulate_lab(c[i], cvd[t], a);
        simulate_lab(c[j], cvd[t], b);
        double de = de2000(a, b);
        if (de < 20)
          fail_msg("%s and %s only %.1f apart (CIEDE2000) under %s", actors[i], actors[j], de, vision[t]);
      }
}

static void qualitative(void **state) {
  (void)state;
  static const struct {
    const char *name;
    size_t size;
    const char *first, *last;
  } pals[] = {{"okabe-ito", 8, "#000000", "#cc79a7"},  {"set2", 8, "#66c2a5", "#b3b3b3"},
              {"dark2", 8, "#1b9e77", "#666666"},      {"paired", 12, "#a6cee3", "#b15928"},
              {"tableau10", 10, "#4e79a7", "#bab0ab"}, {"set1", 9, "#e41a1c", "#999999"},
              {"set3", 12, "#8dd3c7", "#ffed6f"},      {"accent", 8, "#7fc97f", "#666666"},
              {"pastel1", 9, "#fbb4ae", "#f2f2f2"},    {"pastel2", 8, "#b3e2cd", "#cccccc"}};
  for (size_t p = 0; p < sizeof pals / sizeof pals[0]; p++) {
    assert_true(im_palette_exists(pals[p].name));
    im_color c, d;
    assert_true(im_palette_color(pals[p].name, "ignored", 0, &c));
    assert_color(c, pals[p].first);
    assert_true(im_palette_color(pals[p].name, NULL, pals[p].size - 1, &c));
    assert_color(c, pals[p].last);
    /* Distinct within one cycle, repeating after it. */
    for (size_t i = 0; i < pals[p].size; i++) {
      assert_true(im_palette_color(pals[p].name, NULL, i, &c));
      assert_true(im_palette_color(pals[p].name, NULL, i + pals[p].size, &d));
      assert_true(same_color(c, d));
      assert_true(im_palette_color(pals[p].name, NULL, i + 3 * pals[p].size, &d));
      assert_true(same_color(c, d));
      for (size_t j = 0; j < i; j++) {
        assert_true(im_palette_color(pals[p].name, NULL, j, &d));
        assert_false(same_color(c, d));
      }
    }
  }
  im_color c;
  assert_true(im_palette_color("Set2", NULL, 1, &c));
  assert_color(c, "#fc8d62");
  assert_true(im_palette_color("okabe-ito", "China", 6, &c)); /* value is not used outside vric */
  assert_color(c, "#d55e00");

  im_color untouched = {0.25, 0.5, 0.75, 1};
  c = untouched;
  assert_false(im_palette_color("set9", NULL, 0, &c));
  assert_false(im_palette_color(NULL, "China", 0, &c));
  assert_false(im_palette_color("Blues", NULL, 0, &c)); /* a ramp, not a palette */
  assert_true(same_color(c, untouched));
  assert_false(im_palette_exists("Blues"));
  assert_false(im_palette_exists(""));
  assert_false(im_palette_exists(NULL));
}

static const char *const sequential[] = {"Blues", "Greens", "Greys", "Oranges", "Purples", "Reds",
                                         "BuGn",  "BuPu",   "GnBu",  "OrRd",    "PuBu",    "PuBuGn",
                                         "PuRd",  "RdPu",   "YlGn",  "YlGnBu",  "YlOrBr",  "YlOrRd"};
static const char *const diverging[] = {"BrBG", "PiYG", "PRGn", "PuOr", "RdBu", "RdGy", "RdYlBu", "RdYlGn", "Spectral"};

static double luminance(im_color c) {
  return 0.2126 * to_linear(c.r) + 0.7152 * to_linear(c.g) + 0.0722 * to_linear(c.b);
}

static void names(void **state) {
  (void)state;
  const char *const *all = im_palette_names();
  size_t n = 0;
  for (; all[n]; n++)
    assert_true(im_palette_exists(all[n]) != im_ramp_exists(all[n]));
  assert_int_equal(n, 11 + 18 + 9 + 4);
  const char *want[] = {"vric",   "okabe-ito", "set2",    "dark2",   "paired",  "tableau10",
                        "set1",   "set3",      "accent",  "pastel1", "pastel2", "Blues",
                        "YlOrRd", "Spectral",  "viridis", "magma",   "inferno", "plasma"};
  for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
    size_t i = 0;
    while (i < n && strcmp(all[i], want[w]) != 0)
      i++;
    if (i == n)
      fail_msg("%s missing from im_palette_names", want[w]);
  }
}

/* One ramp at every class count: the right count, in range, distinct, and
 * shaped as its kind says (sequential: darker at each step; diverging:
 * lighter towards the middle, darker after). */
static void check_ramp(const char *name, size_t lo, size_t hi, bool is_diverging) {
  assert_true(im_ramp_exists(name));
  im_color out[13];
  for (size_t n = 0; n <= 12; n++) {
    for (size_t i = 0; i < 13; i++)
      out[i] = (im_color){-1, -1, -1, -1};
    bool ok = im_ramp_colors(name, n, false, out);
    if (ok != (n >= lo && n <= hi))
      fail_msg("%s with %zu classes: %s", name, n, ok ? "accepted" : "refused");
    if (!ok) {
      assert_true(out[0].r == -1);
      continue;
    }
    assert_true(out[n].r == -1); /* nothing written past n */
    for (size_t i = 0; i < n; i++) {
      assert_true(out[i].r >= 0 && out[i].r <= 1 && out[i].g >= 0 && out[i].g <= 1);
      assert_true(out[i].b >= 0 && out[i].b <= 1 && out[i].a == 1);
      for (size_t j = 0; j < i; j++)
        assert_false(same_color(out[i], out[j]));
    }
    for (size_t i = 0; i + 1 < n; i++) {
      bool darker = luminance(out[i + 1]) < luminance(out[i]);
      if (!is_diverging && !darker)
        fail_msg("%s %zu: class %zu is not darker than %zu", name, n, i + 1, i);
      if (is_diverging && i + 1 <= (n - 1) / 2 && darker)
        fail_msg("%s %zu: class %zu darker than %zu before the middle", name, n, i + 1, i);
      if (is_diverging && i >= n / 2 && !darker)
        fail_msg("%s %zu: class %zu lighter than %zu after the middle", name, n, i + 1, i);
    }
    im_color rev[13];
    assert_true(im_ramp_colors(name, n, true, rev));
    for (size_t i = 0; i < n; i++)
      assert_true(same_color(rev[i], out[n - 1 - i]));
  }
}

static void ramps(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof sequential / sizeof sequential[0]; i++)
    check_ramp(sequential[i], 3, 9, false);
  for (size_t i = 0; i < sizeof diverging / sizeof diverging[0]; i++)
    check_ramp(diverging[i], 3, 11, true);

  /* Spot checks against colorbrewer2.org. */
  im_color c[11];
  assert_true(im_ramp_colors("Blues", 3, false, c));
  assert_colors(c, 3, "#deebf7 #9ecae1 #3182bd");
  assert_true(im_ramp_colors("RdBu", 5, false, c));
  assert_colors(c, 5, "#ca0020 #f4a582 #f7f7f7 #92c5de #0571b0");
  assert_true(im_ramp_colors("Greys", 9, false, c));
  assert_colors(c, 9, "#ffffff #f0f0f0 #d9d9d9 #bdbdbd #969696 #737373 #525252 #252525 #000000");
  assert_true(im_ramp_colors("YlOrRd", 9, false, c));
  assert_colors(c, 9, "#ffffcc #ffeda0 #fed976 #feb24c #fd8d3c #fc4e2a #e31a1c #bd0026 #800026");
  assert_true(im_ramp_colors("BuGn", 3, false, c));
  assert_colors(c, 3, "#e5f5f9 #99d8c9 #2ca25f");
  assert_true(im_ramp_colors("RdYlGn", 11, false, c));
  assert_colors(c, 11, "#a50026 #d73027 #f46d43 #fdae61 #fee08b #ffffbf #d9ef8b #a6d96a #66bd63 #1a9850 #006837");
  assert_true(im_ramp_colors("Spectral", 4, false, c));
  assert_colors(c, 4, "#d7191c #fdae61 #abdda4 #2b83ba");
  /* colorbrewer2.org lists PuOr orange first; like d3, influmap orders every
   * diverging ramp as its name reads (purple first), so the site's list is the
   * reverse. */
  assert_true(im_ramp_colors("PuOr", 11, true, c));
  assert_colors(c, 11, "#7f3b08 #b35806 #e08214 #fdb863 #fee0b6 #f7f7f7 #d8daeb #b2abd2 #8073ac #542788 #2d004b");
  assert_true(im_ramp_colors("Blues", 3, true, c));
  assert_colors(c, 3, "#3182bd #9ecae1 #deebf7");
  assert_true(im_ramp_colors("rdbu", 3, false, c)); /* any case */
  assert_colors(c, 3, "#ef8a62 #f7f7f7 #67a9cf");

  assert_false(im_ramp_exists("Blue"));
  assert_false(im_ramp_exists("vric"));
  assert_false(im_ramp_exists(NULL));
  assert_false(im_ramp_colors(NULL, 5, false, c));
}

/* matplotlib's perceptual colour maps, cut into n classes as matplotlib
 * (cmap(numpy.linspace(0, 1, n))) and d3 (quantize(interpolateViridis, n))
 * do: class i of n is entry floor(256 i / (n - 1)) of the 256, the last 255. */
static void perceptual_ramps(void **state) {
  (void)state;
  static const char *const names[] = {"viridis", "magma", "inferno", "plasma"};
  for (size_t r = 0; r < 4; r++) {
    im_color out[17], rev[17];
    for (size_t n = 0; n <= 17; n++) {
      bool ok = im_ramp_colors(names[r], n, false, out);
      if (ok != (n >= 2 && n <= 16))
        fail_msg("%s with %zu classes: %s", names[r], n, ok ? "accepted" : "refused");
      if (!ok)
        continue;
      /* Dark to light, each class lighter than the one before. */
      for (size_t i = 0; i + 1 < n; i++)
        if (!(luminance(out[i + 1]) > luminance(out[i])))
          fail_msg("%s %zu: class %zu is not lighter than %zu", names[r], n, i + 1, i);
      assert_true(im_ramp_colors(names[r], n, true, rev));
      for (size_t i = 0; i < n; i++)
        assert_true(same_color(rev[i], out[n - 1 - i]));
    }
  }
  im_color c[16];
  /* The 5-class viridis matplotlib and d3 give (and that the viridis
   * documentation shows): entries 0, 64, 128, 192, 255. */
  assert_true(im_ramp_colors("viridis", 5, false, c));
  assert_colors(c, 5, "#440154 #3b528b #21918c #5ec962 #fde725");
  assert_true(im_ramp_colors("Viridis", 3, true, c)); /* any case, reversed */
  assert_colors(c, 3, "#fde725 #21918c #440154");
  assert_true(im_ramp_colors("plasma", 5, false, c));
  assert_colors(c, 5, "#0d0887 #7e03a8 #cc4778 #f89540 #f0f921");
  /* magma's entries 0, 64 and 255 in matplotlib's own table
   * (matplotlib/_cm_listed.py, _magma_data) are (0.001462, 0.000466,
   * 0.013866), (0.316654, 0.071690, 0.485380) and (0.987053, 0.991438,
   * 0.749504): times 255, rounded, #000004, #51127c and #fcfdbf. */
  assert_true(im_ramp_colors("magma", 5, false, c));
  assert_color(c[0], "#000004");
  assert_color(c[1], "#51127c");
  assert_color(c[4], "#fcfdbf");
  /* 16 classes: entries 0, 17, 34, ..., 238, 255 (256 * 15 / 15 = 256 -> 255). */
  assert_true(im_ramp_colors("viridis", 16, false, c));
  assert_color(c[0], "#440154");
  assert_color(c[15], "#fde725");
  assert_false(im_ramp_exists("cividis"));
  assert_false(im_palette_exists("viridis")); /* a ramp, not a palette */
}

/* ---- breaks ---- */

static void assert_breaks(const double *got, size_t m, const double *want, size_t nwant) {
  if (m + 1 != nwant)
    fail_msg("%zu classes, want %zu", m, nwant - 1);
  for (size_t i = 0; i < nwant; i++)
    if (fabs(got[i] - want[i]) > 1e-9 * (1 + fabs(want[i])))
      fail_msg("break %zu is %.17g, want %.17g", i, got[i], want[i]);
}

#define BREAKS(method, vals, k, ...)                                                                                   \
  do {                                                                                                                 \
    double b_[(k) + 1];                                                                                                \
    const double w_[] = {__VA_ARGS__};                                                                                 \
    size_t m_ = im_breaks_compute(method, vals, sizeof vals / sizeof vals[0], k, b_);                                  \
    assert_breaks(b_, m_, w_, sizeof w_ / sizeof w_[0]);                                                               \
  } while (0)

static void equal_interval(void **state) {
  (void)state;
  double v[101];
  for (int i = 0; i <= 100; i++)
    v[i] = 100 - i; /* unsorted input */
  BREAKS(IM_BREAKS_EQUAL_INTERVAL, v, 4, 0, 25, 50, 75, 100);
  BREAKS(IM_BREAKS_EQUAL_INTERVAL, v, 1, 0, 100);
  const double skewed[] = {-10, 0, 0, 1, 2, 90};
  BREAKS(IM_BREAKS_EQUAL_INTERVAL, skewed, 2, -10, 40, 90);
  /* Extremes whose difference overflows. */
  const double huge[] = {-1.5e308, 1.5e308, 0, 1};
  BREAKS(IM_BREAKS_EQUAL_INTERVAL, huge, 2, -1.5e308, 0, 1.5e308);
}

static void quantile(void **state) {
  (void)state;
  double v[100];
  for (int i = 0; i < 100; i++)
    v[i] = (i * 37) % 100 + 1; /* 1..100, shuffled */
  /* Type 7: h = 99 i / 4 -> 24.75, 49.5, 74.25 between x[24] = 25 and x[25] = 26, ... */
  BREAKS(IM_BREAKS_QUANTILE, v, 4, 1, 25.75, 50.5, 75.25, 100);
  double b[5];
  assert_int_equal(im_breaks_compute(IM_BREAKS_QUANTILE, v, 100, 4, b), 4);
  int count[4] = {0};
  for (int i = 0; i < 100; i++) {
    int c = im_class_index(b, 5, v[i]);
    assert_true(c >= 0 && c < 4);
    count[c]++;
  }
  for (int c = 0; c < 4; c++)
    assert_int_equal(count[c], 25);

  const double five[] = {5, 1, 4, 2, 3};
  BREAKS(IM_BREAKS_QUANTILE, five, 4, 1, 2, 3, 4, 5);
  BREAKS(IM_BREAKS_QUANTILE, five, 2, 1, 3, 5);
  /* Ties stay together: the median 0 moves up to 5 rather than leaving one class. */
  const double zeros[] = {0, 0, 0, 0, 0, 0, 0, 0, 5, 10};
  BREAKS(IM_BREAKS_QUANTILE, zeros, 2, 0, 5, 10);
  /* Two distinct values: two classes, split at the interpolated median. */
  const double halves[] = {0, 0, 0, 10, 10, 10};
  BREAKS(IM_BREAKS_QUANTILE, halves, 3, 0, 5, 10);
  /* The break at 0 moves to 10; the one at 0 after it has nowhere to go, so
   * two classes: the max alone, and the rest. */
  const double tail[] = {20, 20, 20, 20, 20, 10, 0};
  BREAKS(IM_BREAKS_QUANTILE, tail, 3, 0, 20, 20);
  const double top[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 10};
  BREAKS(IM_BREAKS_QUANTILE, top, 2, 0, 10, 10);
  assert_int_equal(im_class_index((double[]){0, 10, 10}, 3, 0), 0);
  assert_int_equal(im_class_index((double[]){0, 10, 10}, 3, 10), 1);
}

/* Known partitions (from the test suite of simple-statistics' ckmeans and the
 * ckmeans crate's documentation; optimal 1-D k-means is the Fisher–Jenks
 * objective), written as lower bounds of each class plus the maximum. */
static void jenks_known(void **state) {
  (void)state;
  const double clusters[] = {21, 1, 12, 2, 20, 3, 11, 22, 10};
  BREAKS(IM_BREAKS_JENKS, clusters, 3, 1, 10, 20, 22); /* classes 1..3, 10..12, 20..22 */
  double b[4];
  assert_int_equal(im_breaks_compute(IM_BREAKS_JENKS, clusters, 9, 3, b), 3);
  assert_int_equal(im_class_index(b, 4, 3), 0); /* each value in its own cluster */
  assert_int_equal(im_class_index(b, 4, 10), 1);
  assert_int_equal(im_class_index(b, 4, 12), 1);
  assert_int_equal(im_class_index(b, 4, 20), 2);
  assert_int_equal(im_class_index(b, 4, 22), 2);

  const double ss[] = {-1, 2, -1, 2, 4, 5, 6, -1, 2, -1};
  BREAKS(IM_BREAKS_JENKS, ss, 3, -1, 2, 4, 6);
  const double a[] = {0, 3, 4};
  BREAKS(IM_BREAKS_JENKS, a, 2, 0, 3, 4);
  const double c[] = {-3, 0, 4};
  BREAKS(IM_BREAKS_JENKS, c, 2, -3, 4, 4);
  const double d[] = {3, 2, 3, 5, 2, 1};
  BREAKS(IM_BREAKS_JENKS, d, 3, 1, 3, 5, 5);
  const double e[] = {0, 1, 2, 50, 100, 101, 103};
  BREAKS(IM_BREAKS_JENKS, e, 3, 0, 50, 100, 103);
  const double f[] = {1, 12, 13, 14, 15, 16, 2, 2, 3, 5, 7, 1, 2, 5, 7, 1, 5, 82, 1, 1.3, 1.1, 78};
  BREAKS(IM_BREAKS_JENKS, f, 3, 1, 12, 78, 82);
}

/* Published examples, and equal interval and quantile breaks of the same data
 * worked by hand.
 *
 * jenkspy's README (github.com/mthh/jenkspy; its example before 0.3):
 *   jenks_breaks([1.3, 7.1, 7.3, 2.3, 3.9, 4.1, 7.8, 1.2, 4.3, 7.3, 5.0, 4.3],
 *                n_classes=3) -> [1.2, 2.3, 5.0, 7.8]
 * (upper bounds: classes 1.2..2.3, 3.9..5.0, 7.1..7.8), and its current one:
 *   JenksNaturalBreaks(4).fit(range(12)) -> breaks [0, 2, 5, 8, 11].
 * Checked as the optimum by brute force over every partition, in Python:
 *   best = min((sse(x[:a]) + sse(x[a:b]) + sse(x[b:]), a, b)
 *              for a in range(1, 12) for b in range(a + 1, 12))
 * gives 1.6955 at a = 3, b = 8 (and 8.0 for 0..11 in four runs of three).
 * influmap writes each class's lower bound: 1.2, 3.9, 7.1, 7.8. */
static void jenks_published(void **state) {
  (void)state;
  const double x[] = {1.3, 7.1, 7.3, 2.3, 3.9, 4.1, 7.8, 1.2, 4.3, 7.3, 5.0, 4.3};
  BREAKS(IM_BREAKS_JENKS, x, 3, 1.2, 3.9, 7.1, 7.8);
  double b[4];
  assert_int_equal(im_breaks_compute(IM_BREAKS_JENKS, x, 12, 3, b), 3);
  assert_int_equal(im_class_index(b, 4, 2.3), 0); /* the upper bounds jenkspy gives */
  assert_int_equal(im_class_index(b, 4, 5.0), 1);
  assert_int_equal(im_class_index(b, 4, 7.8), 2);
  double twelve[12];
  for (int i = 0; i < 12; i++)
    twelve[i] = i;
  BREAKS(IM_BREAKS_JENKS, twelve, 4, 0, 3, 6, 9, 11);

  /* Equal interval, by hand: (7.8 - 1.2) / 3 = 2.2, so 1.2, 3.4, 5.6, 7.8. */
  BREAKS(IM_BREAKS_EQUAL_INTERVAL, x, 3, 1.2, 3.4, 5.6, 7.8);
  /* Quartiles, type 7, by hand on the sorted 1.2 1.3 2.3 3.9 4.1 4.3 4.3 5.0
   * 7.1 7.3 7.3 7.8: h = 11 i / 4 = 2.75, 5.5, 8.25, so 2.3 + 0.75 (3.9 - 2.3)
   * = 3.5, 4.3 + 0.5 (4.3 - 4.3) = 4.3 and 7.1 + 0.25 (7.3 - 7.1) = 7.15;
   * Python's statistics.quantiles(x, n=4, method='inclusive') agrees. */
  BREAKS(IM_BREAKS_QUANTILE, x, 4, 1.2, 3.5, 4.3, 7.15, 7.8);
}

/* Within-class sum of squared deviations of x[0..n-1] under breaks. */
static double partition_sse(const double *x, size_t n, const double *breaks, size_t m) {
  double sum[64] = {0}, sq[64] = {0}, cnt[64] = {0};
  for (size_t i = 0; i < n; i++) {
    int c = im_class_index(breaks, m + 1, x[i]);
    assert_true(c >= 0 && (size_t)c < m);
    sum[c] += x[i];
    cnt[c] += 1;
  }
  double total = 0;
  for (size_t c = 0; c < m; c++) {
    assert_true(cnt[c] > 0); /* Jenks makes no empty class */
    double mean = sum[c] / cnt[c];
    for (size_t i = 0; i < n; i++)
      if (im_class_index(breaks, m + 1, x[i]) == (int)c)
        sq[c] += (x[i] - mean) * (x[i] - mean);
    total += sq[c];
  }
  return total;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The least SSE over every way of cutting sorted x into k runs, cutting
 * only between unequal neighbours: a brute force independent of the DP. */
static double brute_force_sse(const double *x, size_t n, size_t k) {
  double best = INFINITY;
  for (unsigned mask = 0; mask < 1u << (n - 1); mask++) {
    if ((size_t)__builtin_popcount(mask) != k - 1)
      continue;
    bool ok = true;
    for (size_t g = 0; g + 1 < n && ok; g++)
      if ((mask >> g & 1) && x[g] == x[g + 1])
        ok = false;
    if (!ok)
      continue;
    double total = 0;
    size_t start = 0;
    for (size_t g = 0; g < n; g++) {
      if (g + 1 < n && !(mask >> g & 1))
        continue;
      double mean = 0;
      for (size_t i = start; i <= g; i++)
        mean += x[i];
      mean /= (double)(g + 1 - start);
      for (size_t i = start; i <= g; i++)
        total += (x[i] - mean) * (x[i] - mean);
      start = g + 1;
    }
    if (total < best)
      best = total;
  }
  return best;
}

static void jenks_brute_force(void **state) {
  (void)state;
  unsigned long long seed = 12345;
  for (int trial = 0; trial < 300; trial++) {
    size_t n = 2 + trial % 12;
    double x[16];
    for (size_t i = 0; i < n; i++) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      /* Few levels on some trials, so that ties are common. */
      unsigned levels = trial % 3 == 0 ? 5 : 1000;
      x[i] = (double)((seed >> 33) % levels) * (trial % 2 ? 0.37 : 11.0) - 40;
    }
    size_t k = 1 + trial % 5;
    double b[8];
    size_t m = im_breaks_compute(IM_BREAKS_JENKS, x, n, k, b);
    qsort(x, n, sizeof x[0], cmp);
    size_t distinct = 1;
    for (size_t i = 1; i < n; i++)
      distinct += x[i] != x[i - 1];
    assert_int_equal(m, k < distinct ? k : distinct);
    assert_true(b[0] == x[0] && b[m] == x[n - 1]);
    for (size_t i = 0; i < m; i++)
      assert_true(b[i] <= b[i + 1]);
    double got = partition_sse(x, n, b, m), want = brute_force_sse(x, n, m);
    if (fabs(got - want) > 1e-9 * (1 + want))
      fail_msg("trial %d (n %zu, k %zu): SSE %.17g, brute force %.17g", trial, n, k, got, want);
  }
}

/* Enough distinct values to go through the sample: three well separated
 * clusters must still come out whole. */
static void jenks_large(void **state) {
  (void)state;
  size_t n = 9000;
  double *x = malloc(n * sizeof *x);
  assert_non_null(x);
  for (size_t i = 0; i < n; i++)
    x[i] = (double)(i % 3) * 1000 + (double)(i / 3) * 0.1; /* clusters 0..300, 1000..1300, 2000..2300 */
  double b[4];
  assert_int_equal(im_breaks_compute(IM_BREAKS_JENKS, x, n, 3, b), 3);
  assert_float_equal(b[0], 0, 0);
  assert_true(b[1] >= 1000 && b[1] <= 1001);
  assert_true(b[2] >= 2000 && b[2] <= 2001);
  assert_float_equal(b[3], 2299.9, 1e-9);
  for (size_t i = 0; i < n; i++)
    if (im_class_index(b, 4, x[i]) != (int)(i % 3))
      fail_msg("%g in class %d", x[i], im_class_index(b, 4, x[i]));
  /* Many classes asked of many values: bounded work, sane breaks. */
  double many[201];
  size_t m = im_breaks_compute(IM_BREAKS_JENKS, x, n, 200, many);
  assert_true(m >= 2 && m <= 200);
  assert_float_equal(many[0], 0, 0);
  assert_float_equal(many[m], 2299.9, 1e-9);
  for (size_t i = 0; i < m; i++)
    assert_true(many[i] < many[i + 1]);
  free(x);
}

static void breaks_edges(void **state) {
  (void)state;
  double b[6] = {-7, -7, -7, -7, -7, -7};
  const im_breaks_method methods[] = {IM_BREAKS_EQUAL_INTERVAL, IM_BREAKS_QUANTILE, IM_BREAKS_JENKS};
  for (size_t mi = 0; mi < 3; mi++) {
    im_breaks_method m = methods[mi];
    const double none[] = {NAN, INFINITY, -INFINITY};
    assert_int_equal(im_breaks_compute(m, none, 3, 3, b), 0);
    assert_int_equal(im_breaks_compute(m, none, 0, 3, b), 0);
    assert_int_equal(im_breaks_compute(m, (double[]){1, 2}, 2, 0, b), 0);
    assert_true(b[0] == -7); /* untouched */
    const double same[] = {7, NAN, 7, 7};
    BREAKS(m, same, 3, 7, 7);
    assert_int_equal(im_class_index((double[]){7, 7}, 2, 7), 0);
    const double few[] = {3, NAN, 1, 2};
    BREAKS(m, few, 1, 1, 3);
    double got[6];
    size_t made = im_breaks_compute(m, few, 4, 5, got);
    assert_int_equal(made, 3); /* three distinct values, three classes */
    assert_true(got[0] == 1 && got[3] == 3);
    for (int v = 1; v <= 3; v++)
      assert_int_equal(im_class_index(got, made + 1, v), v - 1);
    const double two[] = {0, 100, 100, 0};
    BREAKS(m, two, 4, 0, m == IM_BREAKS_JENKS ? 100 : 50, 100);
  }
}

static void class_index(void **state) {
  (void)state;
  const double b[] = {0, 10, 20};
  assert_int_equal(im_class_index(b, 3, -0.001), -1);
  assert_int_equal(im_class_index(b, 3, 0), 0);
  assert_int_equal(im_class_index(b, 3, 9.999), 0);
  assert_int_equal(im_class_index(b, 3, 10), 1);
  assert_int_equal(im_class_index(b, 3, 20), 1);
  assert_int_equal(im_class_index(b, 3, 20.001), -1);
  assert_int_equal(im_class_index(b, 3, NAN), -1);
  assert_int_equal(im_class_index(b, 3, INFINITY), -1);
  assert_int_equal(im_class_index(b, 2, 15), -1); /* only the first class is known */
  assert_int_equal(im_class_index(b, 2, 10), 0);
  assert_int_equal(im_class_index(b, 1, 0), -1);
  assert_int_equal(im_class_index(b, 0, 0), -1);
  assert_int_equal(im_class_index(NULL, 3, 0), -1);
  const double open[] = {-INFINITY, 0, INFINITY};
  assert_int_equal(im_class_index(open, 3, -1e300), 0);
  assert_int_equal(im_class_index(open, 3, 0), 1);
  assert_int_equal(im_class_index(open, 3, INFINITY), 1);
  const double repeat[] = {0, 5, 5, 10};
  assert_int_equal(im_class_index(repeat, 4, 5), 2);
  assert_int_equal(im_class_index(repeat, 4, 4.9), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ciede2000_reference),
      cmocka_unit_test(vric),
      cmocka_unit_test(qualitative),
      cmocka_unit_test(names),
      cmocka_unit_test(ramps),
      cmocka_unit_test(equal_interval),
      cmocka_unit_test(quantile),
      cmocka_unit_test(jenks_known),
      cmocka_unit_test(jenks_published),
      cmocka_unit_test(perceptual_ramps),
      cmocka_unit_test(jenks_brute_force),
      cmocka_unit_test(jenks_large),
      cmocka_unit_test(breaks_edges),
      cmocka_unit_test(class_index),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
