/* A host in a decimal-comma locale (setlocale(LC_ALL, "de_DE.UTF-8"), as
 * R, GTK programs and Python after locale.setlocale do) gets the same maps
 * as one in the C locale: every number read (spec values, CSV, GeoJSON) and
 * written (SVG and PDF text, labels' numbers, PROJ strings, messages) uses
 * a '.'. The locale is generated into the scratch folder with localedef
 * (the locales package, scripts/deps.sh) and found through LOCPATH, which
 * needs no root. The CLI never calls setlocale, so this is a program of its
 * own: it sets the locale and renders the whole map set of styles/. */
#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define COMMA_LOCALE "de_DE.UTF-8"

/* Cairo 1.16's SVG surface keeps about 470 bytes of each opacity group it
 * finishes (render/symbols.c: push_group, pop_group_to_source, restore;
 * styles/influence-latam.yaml has them), and libcairo has no frame
 * pointers, so no suppression can name the place. Leak checking is off
 * while this test draws SVG; test_stream and test_print draw SVG with it. */
#if defined(__SANITIZE_ADDRESS__)
#define LEAK_CHECKED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LEAK_CHECKED 1
#endif
#endif
#ifdef LEAK_CHECKED
#include <sanitizer/lsan_interface.h>
#define SVG_LEAKS_BEGIN(f)                                                                                             \
  if ((f) == IM_FORMAT_SVG)                                                                                            \
  __lsan_disable()
#define SVG_LEAKS_END(f)                                                                                               \
  if ((f) == IM_FORMAT_SVG)                                                                                            \
  __lsan_enable()
#else
#define SVG_LEAKS_BEGIN(f) (void)(f)
#define SVG_LEAKS_END(f) (void)(f)
#endif

static void use_locale(const char *name) {
  if (!setlocale(LC_ALL, name))
    fail_msg("setlocale(LC_ALL, \"%s\") failed", name);
}

/* Generates the decimal-comma locale once; the tests that follow need it. */
static int make_comma_locale(void **state) {
  (void)state;
  const char *dir = scratch_path("locale");
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s' && localedef -i de_DE -f UTF-8 '%s/" COMMA_LOCALE "' 2>&1", dir, dir);
  char *out = run_capture(cmd);
  setenv("LOCPATH", dir, 1);
  if (!setlocale(LC_ALL, COMMA_LOCALE)) {
    fprintf(stderr, "cannot make the locale " COMMA_LOCALE " (install the locales package):\n%s\n", out ? out : "");
    free(out);
    return -1;
  }
  free(out);
  use_locale("C");
  return 0;
}

/* The locale really is a decimal-comma one, or nothing here could fail. */
static void test_locale_has_decimal_comma(void **state) {
  (void)state;
  use_locale(COMMA_LOCALE);
  char buf[32];
  snprintf(buf, sizeof buf, "%g", 0.5);
  assert_string_equal(buf, "0,5");
  assert_true(strtod("0.4", NULL) == 0.0); /* stops at the '.' */
  use_locale("C");
}

/* Lengths, a spec's numbers and the numbers of a message. */
static void test_numbers_read_and_written(void **state) {
  (void)state;
  use_locale(COMMA_LOCALE);
  im_length len;
  assert_true(im_length_parse("0.4pt", IM_UNIT_PT, &len));
  assert_true(len.value == 0.4 && len.unit == IM_UNIT_PT);
  assert_false(im_length_parse("0,4pt", IM_UNIT_PT, &len));
  im_error err;
  im_error_clear(&err);
  im_map *map = NULL;
  char spec[2048];
  int n = snprintf(spec, sizeof spec,
                   "map:\n  crs: EPSG:4326\n  extent: {west: 0, east: 10, south: 10.5, north: 2.25}\n"
                   "  page: {width: 100mm, height: 80mm}\nlayers:\n  - {id: land, source: %s}\n",
                   src_path("shapes/ne_10m_land_americas.shp"));
  write_file(scratch_path("extent.yaml"), spec, (size_t)n);
  assert_int_not_equal(im_map_load(scratch_path("extent.yaml"), &map, &err), IM_STATUS_OK);
  use_locale("C");
  assert_non_null(strstr(err.message, "10.5"));
  assert_non_null(strstr(err.message, "2.25"));
  im_map_free(map);
}

/* Expressions read and write numbers with a '.' (and format() groups
 * thousands with a ','), whatever the locale. */
static void test_expressions(void **state) {
  (void)state;
  use_locale(COMMA_LOCALE);
  static const im_field fields[] = {{"POP", IM_FIELD_DOUBLE, 12, 2}};
  char *values[] = {"1234567.5"};
  static const struct {
    const char *text, *want;
  } cases[] = {
      {"POP / 2", "617283.75"},
      {"format(POP, 1)", "1,234,567.5"},
      {"format(POP / 1e6, '0.00') || ' M'", "1.23 M"},
      {"number('2.5') + 0.25", "2.75"},
      {"days_between(2021-12-01, '2021-12-01T06:00Z')", "0.25"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    im_error err;
    im_filter *f = NULL;
    assert_ok(im_filter_parse_value(cases[i].text, "t.yaml", 1, 1, &f, &err), &err);
    assert_ok(im_filter_bind(f, fields, 1, "x.shp", &err), &err);
    char buf[64];
    int n = im_filter_value(f, values, buf, sizeof buf);
    im_filter_free(f);
    if (n < 0 || strcmp(buf, cases[i].want))
      fail_msg("%s: '%s', expected '%s'", cases[i].text, n < 0 ? "null" : buf, cases[i].want);
  }
  use_locale("C");
}

/* CSV (lon/lat and WKT) and GeoJSON coordinates (jansson 2.14 parses
 * numbers whatever the locale: checked here). */
static void test_sources_read(void **state) {
  (void)state;
  static const struct {
    const char *name, *text;
  } sources[] = {
      {"points.csv", "id,lon,lat\na,1.5,-2.25\nb,3.75,4.5\n"},
      {"wkt.csv", "id,wkt\na,POINT (1.5 -2.25)\nb,\"LINESTRING (1.5 4.5, 3.75 -2.25)\"\n"},
      {"points.geojson", "{\"type\": \"FeatureCollection\", \"features\": ["
                         "{\"type\": \"Feature\", \"properties\": {}, \"geometry\": "
                         "{\"type\": \"MultiPoint\", \"coordinates\": [[1.5, -2.25], [3.75, 4.5]]}}]}"},
  };
  for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
    write_file(scratch_path(sources[i].name), sources[i].text, strlen(sources[i].text));
    im_error err;
    im_error_clear(&err);
    im_layer *l = NULL;
    use_locale(COMMA_LOCALE);
    im_status st = im_layer_load(scratch_path(sources[i].name), NULL, &l, &err);
    use_locale("C");
    assert_ok(st, &err);
    im_bbox b = im_layer_bbox(l);
    if (b.minx != 1.5 || b.miny != -2.25 || b.maxx != 3.75 || b.maxy != 4.5)
      fail_msg("%s: bbox %g %g %g %g", sources[i].name, b.minx, b.miny, b.maxx, b.maxy);
    im_layer_free(l);
  }
}

typedef struct {
  unsigned char *data;
  size_t len, cap;
} buffer;

static bool buffer_write(void *user, const unsigned char *data, size_t length) {
  buffer *b = user;
  if (b->len + length > b->cap) {
    size_t cap = (b->len + length) * 2;
    unsigned char *p = realloc(b->data, cap);
    if (!p)
      return false;
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, length);
  b->len += length;
  return true;
}

static const struct {
  im_format format;
  const char *suffix;
} formats[] = {{IM_FORMAT_PNG, "png"}, {IM_FORMAT_SVG, "svg"}, {IM_FORMAT_PDF, "pdf"}};

/* One map spec: rendered through a stream in the C locale, then loaded and
 * rendered to files in the comma locale; the bytes are the same. (So this
 * also checks that a stream has the file's bytes.) */
static void render_both(const char *spec, const char *name) {
  /* Small, as tests/ref renders them; SVG labels as <text> (numbers of their own). */
  im_render_options opt = {.dpi = 40, .svg_text = true};
  im_error err;
  im_error_clear(&err);
  buffer c[3] = {{0}};
  im_map *map = NULL;
  use_locale("C");
  assert_ok(im_map_load(spec, &map, &err), &err);
  for (int f = 0; f < 3; f++) {
    SVG_LEAKS_BEGIN(formats[f].format);
    im_status st = im_map_render_to_stream(map, formats[f].format, buffer_write, &c[f], &opt, &err);
    SVG_LEAKS_END(formats[f].format);
    assert_ok(st, &err);
  }
  im_map_free(map);

  use_locale(COMMA_LOCALE);
  im_status st = im_map_load(spec, &map, &err);
  for (int f = 0; !st && f < 3; f++) {
    char out[300];
    snprintf(out, sizeof out, "%s.%s", name, formats[f].suffix);
    SVG_LEAKS_BEGIN(formats[f].format);
    st = im_map_render(map, scratch_path(out), &opt, &err);
    SVG_LEAKS_END(formats[f].format);
  }
  im_map_free(map);
  use_locale("C");
  assert_ok(st, &err);
  for (int f = 0; f < 3; f++) {
    char out[300];
    snprintf(out, sizeof out, "%s.%s", name, formats[f].suffix);
    size_t len = 0;
    char *bytes = read_file(scratch_path(out), &len);
    assert_non_null(bytes);
    if (len != c[f].len || memcmp(bytes, c[f].data, len))
      fail_msg("%s: the %s rendered in " COMMA_LOCALE " (%zu bytes, %s) differs from the C locale's stream "
               "(%zu bytes)",
               name, formats[f].suffix, len, scratch_path(out), c[f].len);
    free(bytes);
    free(c[f].data);
  }
}

static void test_map_set_identical(void **state) {
  (void)state;
  DIR *d = opendir(src_path("styles"));
  assert_non_null(d);
  struct dirent *e;
  int maps = 0;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 6 || strcmp(e->d_name + n - 5, ".yaml"))
      continue;
    char rel[512];
    snprintf(rel, sizeof rel, "styles/%s", e->d_name);
    const char *spec = src_path(rel);
    size_t len;
    char *text = read_file(spec, &len);
    assert_non_null(text);
    /* Map specs only; style sheets (vric.yaml) have no top-level map:. */
    bool is_map = !strncmp(text, "map:", 4) || strstr(text, "\nmap:");
    free(text);
    if (!is_map)
      continue;
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(n - 5), e->d_name);
    render_both(spec, name);
    maps++;
  }
  closedir(d);
  assert_true(maps >= 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_locale_has_decimal_comma),
      cmocka_unit_test(test_numbers_read_and_written),
      cmocka_unit_test(test_expressions),
      cmocka_unit_test(test_sources_read),
      cmocka_unit_test(test_map_set_identical),
  };
  return cmocka_run_group_tests(tests, make_comma_locale, NULL);
}
