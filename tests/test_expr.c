/* Expressions (docs/style-language.md, "Expressions"): computed values
 * with im_filter_parse_value / im_filter_value, the same values compared
 * in `where:` conditions, null for missing values and division by zero,
 * and faults at their own line:column. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "furniture/furniture-private.h"
#include "influmap/classify.h"
#include "influmap/filter.h"
#include "influmap/layer.h"
#include "support.h"

/* clang-format off */ /* rows and expressions laid out as tables */

enum { F_NAME, F_GDP, F_POP, F_ZERO, F_EMPTY, F_TEXT, F_DATE, F_END, F_DBF, NFIELDS };
static const im_field fields[NFIELDS] = {
    {"NAME", IM_FIELD_STRING, 40, 0}, {"GDP_MD_EST", IM_FIELD_DOUBLE, 12, 0}, {"POP_EST", IM_FIELD_DOUBLE, 12, 0},
    {"zero", IM_FIELD_INTEGER, 9, 0}, {"empty", IM_FIELD_STRING, 9, 0},      {"text", IM_FIELD_STRING, 9, 0},
    {"date", IM_FIELD_STRING, 30, 0}, {"date_end", IM_FIELD_STRING, 30, 0}, {"dbf", IM_FIELD_DATE, 8, 0}};

/* Peru in Natural Earth 10m (GDP in millions of dollars). */
static char *peru[NFIELDS] = {"Perú", "410400", "31036656", "0", NULL, "abc", "2021-12-03", "2022-01-15", "20211203"};

/* The value of text on values as text, or "NULL". */
static const char *value(const char *text, char **values) {
  static char buf[256];
  im_error err;
  im_filter *f = NULL;
  assert_ok(im_filter_parse_value(text, "t.yaml", 1, 1, &f, &err), &err);
  assert_ok(im_filter_bind(f, fields, NFIELDS, "x.shp", &err), &err);
  int n = im_filter_value(f, values, buf, sizeof buf);
  assert_false(im_filter_eval(f, values)); /* a value is not a condition */
  im_filter_free(f);
  if (n < 0)
    return "NULL";
  assert_int_equal(n, strlen(buf));
  return buf;
}

static bool holds(const char *text, char **values) {
  im_error err;
  im_filter *f = NULL;
  assert_ok(im_filter_parse(text, "t.yaml", 1, 1, &f, &err), &err);
  assert_ok(im_filter_bind(f, fields, NFIELDS, "x.shp", &err), &err);
  bool v = im_filter_eval(f, values);
  im_filter_free(f);
  return v;
}

#define VALUE(text, want) assert_string_equal(value((text), peru), (want))
#define YES(text) assert_true(holds((text), peru))
#define NO(text) assert_false(holds((text), peru))

static void arithmetic(void **state) {
  (void)state;
  VALUE("1 + 2 * 3", "7");
  VALUE("(1 + 2) * 3", "9");
  VALUE("10 - 2 - 3", "5");              /* left to right */
  VALUE("10-2", "8");                    /* a minus, not the number -2 */
  VALUE("2 * -3", "-6");
  VALUE("-(2 + 3)", "-5");
  VALUE("- POP_EST", "-31036656");
  VALUE("7 % 3", "1");
  VALUE("0.1 + 0.2", "0.30000000000000004"); /* shortest text that reads back */
  VALUE("1 / 4", "0.25");
  VALUE("1e6 * 3", "3000000");
  /* GDP per person: 410,400 million dollars over 31,036,656 people. */
  VALUE("round(GDP_MD_EST * 1e6 / POP_EST, 2)", "13223.07");
  VALUE("abs(-2.5) + floor(2.7) + ceil(2.1)", "7.5");
  VALUE("round(2.5) + round(-2.5)", "0"); /* half away from zero */
  VALUE("round(1234.5678, -2)", "1200");
  VALUE("round(1e300, 15)", "1e+300"); /* too large for the decimals: as it is */
  VALUE("number('  12.5 ')", "12.5");
}

static void no_data(void **state) {
  (void)state;
  /* A division by zero, a null or not-a-number field, anything built on
   * one: null, never inf or nan. */
  VALUE("GDP_MD_EST / zero", "NULL");
  VALUE("GDP_MD_EST / (POP_EST - POP_EST)", "NULL");
  VALUE("7 % 0", "NULL");
  VALUE("empty + 1", "NULL");
  VALUE("text * 2", "NULL");
  VALUE("round(empty, 1)", "NULL");
  VALUE("format(GDP_MD_EST / zero, 1)", "NULL");
  VALUE("1e308 * 10", "NULL");
  VALUE("upper(empty)", "NULL");
  VALUE("NAME || empty", "NULL");                    /* || is null when a part is */
  VALUE("concat(NAME, empty, '!')", "Perú!");        /* concat() skips nulls */
  VALUE("coalesce(empty, GDP_MD_EST / zero, 'n/a')", "n/a");
  VALUE("year(text)", "NULL");
  /* In a condition a null value makes every comparison false, and is null. */
  NO("GDP_MD_EST / zero > 0");
  NO("GDP_MD_EST / zero <= 0");
  NO("GDP_MD_EST / zero = 0");
  NO("GDP_MD_EST / zero in (0, 1)");
  YES("GDP_MD_EST / zero is null");
  YES("not GDP_MD_EST / zero > 0");
  NO("empty + 1 is not null");
  /* A row whose fields are all null. */
  char *nothing[NFIELDS] = {0};
  assert_string_equal(value("GDP_MD_EST * 1e6 / POP_EST", nothing), "NULL");
  assert_string_equal(value("length(NAME)", nothing), "NULL");
  assert_false(holds("GDP_MD_EST * 1e6 / POP_EST > 0", nothing));
}

static void text(void **state) {
  (void)state;
  VALUE("upper(NAME)", "PERÚ");
  VALUE("lower('BOGOTÁ')", "bogotá");
  VALUE("length(NAME)", "4"); /* characters, not bytes */
  VALUE("substr(NAME, 2)", "erú");
  VALUE("substr(NAME, 2, 2)", "er");
  VALUE("substr(NAME, 0, 2)", "P"); /* as SQL: a start before 1 eats into the count */
  VALUE("substr(NAME, 9)", "");
  VALUE("trim('  a b  ')", "a b");
  VALUE("NAME || ' (' || upper(substr(NAME, 1, 3)) || ')'", "Perú (PER)");
  VALUE("'pop ' || POP_EST", "pop 31036656");
  VALUE("concat('a', 1, 'b')", "a1b");
  YES("upper(NAME) = 'PERÚ'");
  YES("upper(NAME) like 'PE*'");
  YES("length(NAME) in (3, 4)");
  NO("lower(NAME) = 'Perú'");
}

static void numbers_formatted(void **state) {
  (void)state;
  VALUE("format(POP_EST, 0)", "31,036,656");
  VALUE("format(POP_EST / 1e6, 1)", "31.0");
  VALUE("format(POP_EST / 1e6, '0.0') || ' M'", "31.0 M");
  VALUE("format(GDP_MD_EST * 1e6 / POP_EST, '$#,##0')", "$13,223");
  VALUE("format(GDP_MD_EST * 1e6, '#,##0 $')", "410,400,000,000 $");
  VALUE("format(1234567.891, '0.00')", "1234567.89"); /* no ',' in the pattern: no separators */
  VALUE("format(-0.04, 1)", "0.0");                   /* not -0.0 */
  VALUE("format(-1234.5, '#,##0.00%')", "-1,234.50%");
}

static void dates(void **state) {
  (void)state;
  VALUE("year(date)", "2021");
  VALUE("month(date)", "12");
  VALUE("day(date)", "3");
  VALUE("year(dbf) * 100 + month(dbf)", "202112"); /* DBF dates, YYYYMMDD */
  VALUE("month(2021)", "NULL");                   /* a year has no month */
  VALUE("days_between(date, date_end)", "43");
  VALUE("days_between(date_end, date)", "-43");
  VALUE("days_between(2020-02-28, 2020-03-01)", "2"); /* a leap year */
  VALUE("days_between('2021-12-03T12:00Z', '2021-12-04T00:00Z')", "0.5");
  VALUE("days_between(date, text)", "NULL");
  YES("year(date) = 2021");
  YES("days_between(date, date_end) > 30");
  YES("coalesce(date_end, date) >= 2022-01");
  YES("coalesce(empty, date) = 2021");   /* a year meets a date as a date */
  NO("coalesce(empty, date) = 2022");
}

static void conditions(void **state) {
  (void)state;
  /* A value on either side, and '(' opening a value or a condition. */
  YES("GDP_MD_EST * 1e6 / POP_EST > 13000");
  YES("13000 < GDP_MD_EST * 1e6 / POP_EST");
  YES("(GDP_MD_EST + 1) / 2 > 100");
  YES("((GDP_MD_EST + 1) / 2 > 100)");
  YES("(POP_EST > 1 or NAME = 'x') and (POP_EST / 2) > 1");
  /* What worked before still does: signed numbers, in lists. */
  YES("POP_EST > -12.5");
  YES("zero in (-1, 0, 1)");
  YES("zero = -0");
  YES("zero > - 1");
  NO("zero in (-1, 1)");
}

/* text placed at 3:7 fails at eline:ecolumn with a message containing what. */
static void fails(const char *text, bool value, int eline, int ecolumn, const char *what) {
  im_error err;
  im_filter *f = (im_filter *)1;
  im_status st = value ? im_filter_parse_value(text, "x.yaml", 3, 7, &f, &err)
                       : im_filter_parse(text, "x.yaml", 3, 7, &f, &err);
  if (!st) {
    st = im_filter_bind(f, fields, NFIELDS, "x.shp", &err);
    im_filter_free(f);
    f = NULL;
  }
  if (st != IM_STATUS_INPUT || err.line != eline || err.column != ecolumn || !strstr(err.message, what)) {
    print_error("'%s': got status %d at %d:%d '%s'; expected %d:%d '%s'\n", text, (int)st, err.line, err.column,
                err.message, eline, ecolumn, what);
    fail();
  }
  assert_null(f);
  assert_string_equal(err.file, "x.yaml");
}

static void errors(void **state) {
  (void)state;
  fails("GDP_MD_EST / POP_ES", true, 3, 20, "field 'POP_ES' is not in x.shp (did you mean 'POP_EST'?)");
  fails("GDP_MD_EST * (1e6 / POP_EST", true, 3, 34, "expected an operator (+ - * / % ||) or ')'");
  fails("GDP_MD_EST 1e6", true, 3, 18, "expected an operator (+ - * / % ||) or the end of the expression");
  fails("GDP_MD_EST * / 2", true, 3, 20, "expected a field or a value, found '/'");
  fails("formt(POP_EST, 1)", true, 3, 7, "unknown function 'formt' (did you mean 'format'?)");
  fails("frobnicate(1)", true, 3, 7, "unknown function 'frobnicate' (functions: upper,");
  fails("round()", true, 3, 7, "round() takes 1 to 2 arguments, not 0");
  fails("upper(NAME, 2)", true, 3, 7, "upper() takes 1 argument, not 2");
  fails("format(POP_EST, POP_EST)", true, 3, 23, "the second argument is the number of decimals");
  fails("format(POP_EST, 'abc')", true, 3, 24, "a number format needs a 0 or #");
  fails("format(POP_EST, '0.0.0')", true, 3, 27, "one decimal point");
  fails("format(POP_EST, 20)", true, 3, 23, "from 0 to 12");
  fails("NAME | 'x'", true, 3, 12, "write || to join texts");
  fails("1 +\n  (2 *", true, 4, 7, "expected a field or a value, found the end of the expression");
  fails("POP_EST / 0 >", false, 3, 20, "expected a field or a value");
  fails("POP_EST + 1", false, 3, 18, "expected a comparison (=, !=, <, <=, >, >=, in, like or is null) after the value");
  fails("upper(NAM) = 'X'", false, 3, 13, "field 'NAM' is not in x.shp (did you mean 'NAME'?)");
}

static void nesting(void **state) {
  (void)state;
  /* Deep signs and parentheses are refused, not a stack overflow; a long
   * chain is one node. */
  char deep[2000];
  memset(deep, '-', 1000);
  strcpy(deep + 1000, "1");
  fails(deep, true, 3, 7 + 256, "nested too deeply");
  static char chain[60000];
  size_t n = 0;
  for (int i = 0; i < 10000; i++)
    n += (size_t)snprintf(chain + n, sizeof chain - n, "%s1", i ? "+" : "");
  VALUE(chain, "10000");
}

/* ---- on maps ---- */

#define COUNTRIES "shapes/ne_10m_admin_0_countries_americas.shp"
#define LAC "REGION_WB = 'Latin America & Caribbean'"

static const char *frame = "map:\n  page: {width: 1400px, height: 1600px, dpi: 150}\n"
                           "  crs: \"+proj=laea +lat_0=-15 +lon_0=-75 +datum=WGS84 +units=m +no_defs\"\n"
                           "  extent: {west: -118, east: -34, south: -56, north: 33}\n  background: \"#dbe9f4\"\n";

/* GDP_MD_EST / POP_EST of every Latin American and Caribbean country of
 * the bundled file, read from its DBF here (not by the expression), into
 * vals; returns how many. */
static size_t read_ratios(double *vals, size_t max) {
  im_layer *layer = NULL;
  im_error err;
  assert_ok(im_layer_load(src_path(COUNTRIES), NULL, &layer, &err), &err);
  long gdp = im_layer_field_index(layer, "GDP_MD_EST"), pop = im_layer_field_index(layer, "POP_EST"),
       region = im_layer_field_index(layer, "REGION_WB");
  assert_true(gdp >= 0 && pop >= 0 && region >= 0);
  size_t n = 0;
  for (size_t i = 0; i < im_layer_feature_count(layer) && n < max; i++) {
    const char *r = im_layer_feature_value(layer, i, (size_t)region);
    const char *g = im_layer_feature_value(layer, i, (size_t)gdp), *p = im_layer_feature_value(layer, i, (size_t)pop);
    if (r && !strcmp(r, "Latin America & Caribbean") && g && p && atof(p) != 0)
      vals[n++] = atof(g) / atof(p);
  }
  im_layer_free(layer);
  return n;
}

/* classes: {field: "GDP_MD_EST / POP_EST"}: quantile breaks computed on
 * the expression's values (against breaks computed here from the DBF), and
 * three countries in the class a hand computation puts them in. */
static void class_on_an_expression(void **state) {
  (void)state;
  double vals[300];
  size_t n = read_ratios(vals, 300);
  assert_true(n > 30);
  double breaks[5];
  assert_int_equal(im_breaks_compute(IM_BREAKS_QUANTILE, vals, n, 4, breaks), 4);
  char yaml[4096];
  snprintf(yaml, sizeof yaml,
           "%slayers:\n  - id: countries\n    source: %s\n    where: \"" LAC "\"\n"
           "    classes: {field: \"GDP_MD_EST / POP_EST\", method: quantile, count: 4, ramp: Greens,\n"
           "              format: {decimals: 4}, no_data: \"#ff00ff\"}\n"
           "legend: {layers: [countries]}\n",
           frame, src_path(COUNTRIES));
  im_map *map = load_spec_text("expr-class.yaml", yaml);
  im_furniture_report r;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_furniture_probe(map, NULL, &r, &err), &err);
  assert_int_equal(r.nlegend, 4);
  for (size_t k = 0; k < 4; k++) { /* each class once, in whatever order the legend lists them */
    char want[64];
    snprintf(want, sizeof want, "%.4f \xe2\x80\x93 %.4f", breaks[k], breaks[k + 1]);
    size_t found = 0;
    for (size_t e = 0; e < r.nlegend; e++)
      found += !strcmp(r.legend[e].label, want);
    if (found != 1)
      fail_msg("no legend entry '%s' (the first: '%s')", want, r.legend[0].label);
  }
  const char *out = scratch_path("expr-class.png");
  assert_ok(im_map_render(map, out, NULL, &err), &err);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, map);
  im_color ramp[4];
  assert_true(im_ramp_colors("Greens", 4, false, ramp));
  /* By hand, from the DBF (ogrinfo): GDP_MD_EST (millions of dollars) and
   * POP_EST. */
  static const struct {
    const char *iso;
    double lon, lat, gdp, pop;
  } hand[] = {
      {"PER", -75.0, -9.5, 410400, 31036656},  /* 0.01322 */
      {"BOL", -64.5, -17.0, 78350, 11138234},  /* 0.00703 */
      {"CHL", -70.5, -30.0, 436100, 17789267}, /* 0.02451 */
  };
  for (size_t i = 0; i < sizeof hand / sizeof hand[0]; i++) {
    int k = im_class_index(breaks, 5, hand[i].gdp / hand[i].pop);
    assert_true(k >= 0);
    uint32_t want = (uint32_t)lround(ramp[k].r * 255) << 16 | (uint32_t)lround(ramp[k].g * 255) << 8 |
                    (uint32_t)lround(ramp[k].b * 255);
    uint32_t px = map_projector_sample(&p, &img, hand[i].lon, hand[i].lat);
    if (!pixel_near(px, want, 3))
      fail_msg("%s (%.5f, class %d): pixel #%06x, expected #%06x", hand[i].iso, hand[i].gdp / hand[i].pop, k,
               px & 0xffffff, want);
  }
  /* Bolivia and Chile are at the ends: the lowest class and the highest. */
  assert_int_equal(im_class_index(breaks, 5, 78350 / 11138234.0), 0);
  assert_int_equal(im_class_index(breaks, 5, 436100 / 17789267.0), 3);
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* A label with a number format, in the PDF's text; a label whose value is
 * null (a division by zero) is left out, and the render goes on. */
static void formatted_label_in_pdf(void **state) {
  (void)state;
  char yaml[4096];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 200mm, height: 200mm, dpi: 150}\n  crs: \"+proj=laea +lat_0=-12 +lon_0=-70\"\n"
           "  extent: {west: -82, east: -57, south: -24, north: 0}\n"
           "layers:\n  - id: countries\n    source: %s\n    where: \"ADM0_A3 in ('PER', 'BOL')\"\n"
           "    fill: \"#eeeeee\"\n"
           "    label:\n      text: \"{NAME_EN}: {format(POP_EST / 1e6, '0.0')} M, "
           "{format(GDP_MD_EST * 1e6 / POP_EST, '$#,##0')}\"\n"
           "      font: Noto Sans 9\n      priority: \"POP_EST / 1e6\"\n"
           "  - id: nothing\n    source: %s\n    where: \"ADM0_A3 = 'PER'\"\n    fill: none\n"
           "    label: \"{format(POP_EST / (POP_EST - POP_EST), 1)}\"\n",
           src_path(COUNTRIES), src_path(COUNTRIES));
  im_map *map = load_spec_text("expr-label.yaml", yaml);
  const char *out = scratch_path("expr-label.pdf");
  im_error err;
  im_error_clear(&err);
  im_render_stats stats;
  assert_ok(im_map_render(map, out, &(im_render_options){.stats = &stats}, &err), &err);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", out);
  char *text = run_capture(cmd);
  assert_non_null(text);
  /* 31,036,656 people and 410,400 million dollars; 11,138,234 and 78,350. */
  if (!strstr(text, "Peru: 31.0 M, $13,223") || !strstr(text, "Bolivia: 11.1 M, $7,034"))
    fail_msg("pdftotext: %s", text);
  assert_null(strstr(text, "nan"));
  assert_null(strstr(text, "inf"));
  free(text);
  assert_int_equal(stats.labels_placed, 2); /* the null one is no candidate */
  im_map_free(map);
}

/* A label priority written as an expression decides which of two labels
 * of one mark gets the only place there is (above it: the page is too
 * narrow beside it and too low below it). */
static void priority_expression(void **state) {
  (void)state;
  const char *csv = "name,rank,lon,lat\nALPHA ALPHA ALPHA ALPHA,2,0,-0.07\nBRAVO BRAVO BRAVO BRAVO,1,0,-0.07\n";
  assert_true(write_file(scratch_path("ranked.csv"), csv, strlen(csv)));
  static const struct {
    const char *priority, *placed, *dropped;
  } cases[] = {{"rank * 10", "ALPHA", "BRAVO"}, {"10 - rank", "BRAVO", "ALPHA"}, {"-rank", "BRAVO", "ALPHA"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "map:\n  page: {width: 60mm, height: 9mm, dpi: 150}\n  crs: EPSG:4326\n"
             "  extent: {west: -1, east: 1, south: -0.15, north: 0.15}\n"
             "layers:\n  - id: pts\n    source: %s\n    marker: {symbol: circle, size: 3pt}\n"
             "    label: {text: \"{name}\", font: Noto Sans 10, priority: \"%s\"}\n",
             scratch_path("ranked.csv"), cases[i].priority);
    im_map *map = load_spec_text("ranked.yaml", yaml);
    const char *out = scratch_path("ranked.pdf");
    im_error err;
    im_error_clear(&err);
    im_render_stats stats;
    assert_ok(im_map_render(map, out, &(im_render_options){.stats = &stats}, &err), &err);
    assert_int_equal(stats.labels_placed, 1);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", out);
    char *text = run_capture(cmd);
    assert_non_null(text);
    if (!strstr(text, cases[i].placed) || strstr(text, cases[i].dropped))
      fail_msg("priority %s: expected %s placed, %s dropped; pdftotext: %s", cases[i].priority, cases[i].placed,
               cases[i].dropped, text);
    free(text);
    im_map_free(map);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(arithmetic), cmocka_unit_test(no_data),    cmocka_unit_test(text),
      cmocka_unit_test(numbers_formatted), cmocka_unit_test(dates), cmocka_unit_test(conditions),
      cmocka_unit_test(errors),     cmocka_unit_test(nesting),    cmocka_unit_test(class_on_an_expression),
      cmocka_unit_test(formatted_label_in_pdf), cmocka_unit_test(priority_expression)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
