/* The one UTF-8 check (core/utf8.c) that DBF fields, CSV lines and specs go
 * through: what it accepts, and where it says the first bad byte is. */
#include "support.h"

#include <stdio.h>
#include <string.h>

#include "core/utf8-private.h"

typedef struct {
  const char *s;
  size_t n;
  size_t bad; /* im_utf8_bad_at with NUL allowed; n when valid */
} utf8_case;

static const utf8_case cases[] = {
    {"", 0, 0},
    {"Lima", 4, 4},
    {"a\0b", 3, 3},                     /* NUL is a character */
    {"Bogot\xc3\xa1", 7, 7},            /* 2 bytes */
    {"\xe2\x82\xac", 3, 3},             /* 3 bytes: euro sign */
    {"\xf0\x9f\x97\xba", 4, 4},         /* 4 bytes: U+1F5FA */
    {"\xc2\x80", 2, 2},                 /* U+0080, the first of 2 bytes */
    {"\xe0\xa0\x80", 3, 3},             /* U+0800, the first of 3 */
    {"\xf0\x90\x80\x80", 4, 4},         /* U+10000, the first of 4 */
    {"\xed\x9f\xbf\xee\x80\x80", 6, 6}, /* U+D7FF and U+E000, either side of the surrogates */
    {"\xef\xbf\xbf", 3, 3},             /* U+FFFF, a noncharacter but well-formed */
    {"\xf4\x8f\xbf\xbf", 4, 4},         /* U+10FFFF, the last */
    {"Bogot\xe1", 6, 5},                /* Latin-1 */
    {"\x80", 1, 0},                     /* a lone continuation byte */
    {"ab\xbf", 3, 2},                   /* one after ASCII */
    {"\xc0\xaf", 2, 0},                 /* overlong '/' */
    {"\xc0\x80", 2, 0},                 /* overlong NUL (Java's "modified UTF-8") */
    {"\xc1\xbf", 2, 0},                 /* overlong */
    {"\xe0\x80\xaf", 3, 0},             /* overlong in 3 */
    {"\xe0\x9f\xbf", 3, 0},             /* overlong U+07FF */
    {"\xf0\x80\x80\xaf", 4, 0},         /* overlong in 4 */
    {"\xf0\x8f\xbf\xbf", 4, 0},         /* overlong U+FFFF */
    {"x\xed\xa0\x80", 4, 1},            /* surrogate U+D800 */
    {"\xed\xbf\xbf", 3, 0},             /* surrogate U+DFFF */
    {"\xed\xa0\xbd\xed\xb8\x80", 6, 0}, /* a surrogate pair (CESU-8) */
    {"\xf4\x90\x80\x80", 4, 0},         /* U+110000, past U+10FFFF */
    {"\xf5\x80\x80\x80", 4, 0},         /* lead byte F5: past it too */
    {"\xf7\xbf\xbf\xbf", 4, 0},         /* U+1FFFFF */
    {"\xe2\x82", 2, 0},                 /* truncated */
    {"ok\xc3", 3, 2},                   /* truncated at the end */
    {"\xf0\x9f\x97", 3, 0},             /* truncated 4-byte */
    {"\xc3"
     "a",
     2, 0},                             /* cut short by ASCII */
    {"\xe2\x28\xa1", 3, 0},             /* bad continuation */
    {"\xf0\x9f\x97\xc3\xa1", 5, 0},     /* cut short by another sequence */
    {"\xf8\x88\x80\x80\x80", 5, 0},     /* 5-byte form */
    {"\xfc\x84\x80\x80\x80\x80", 6, 0}, /* 6-byte form */
    {"\xff", 1, 0},
    {"\xfe", 1, 0},
    {"caf\xc3\xa9 \xe2\x82\xac \xe1", 11, 10}, /* the first bad byte after good ones */
};

static void valid(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bool want = cases[i].bad == cases[i].n;
    if (im_utf8_valid(cases[i].s, cases[i].n) != want)
      print_error("case %zu: expected %s\n", i, want ? "valid" : "invalid");
    assert_int_equal(im_utf8_valid(cases[i].s, cases[i].n), want);
  }
  /* The length bounds the check: the truncated tail is outside it. */
  assert_true(im_utf8_valid("ok\xc3", 2));
}

static void bad_at(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t got = im_utf8_bad_at(cases[i].s, cases[i].n, false);
    if (got != cases[i].bad)
      print_error("case %zu: bad at %zu, expected %zu\n", i, got, cases[i].bad);
    assert_int_equal(got, cases[i].bad);
  }
}

/* CSV lines and specs refuse NUL: the first one, or the first bad byte
 * when that comes earlier. */
static void nul_bad(void **state) {
  (void)state;
  assert_int_equal(im_utf8_bad_at("a\0b", 3, true), 1);
  assert_int_equal(im_utf8_bad_at("\0", 1, true), 0);
  assert_int_equal(im_utf8_bad_at("\xe2\x82\xac\0", 4, true), 3);
  assert_int_equal(im_utf8_bad_at("\xe1\0", 2, true), 0);
  assert_int_equal(im_utf8_bad_at("Lima", 4, true), 4);
  /* A NUL past n is not looked at. */
  assert_int_equal(im_utf8_bad_at("ab\0", 2, true), 2);
}

/* What a message may quote of a value: control characters hidden, 60
 * characters at most (not bytes), bytes bounded for text that is not
 * UTF-8. */
static void shown(void **state) {
  (void)state;
  char buf[IM_SHOWN_SIZE];
  assert_string_equal(im_utf8_shown("bluish\nred\x1b[2J", buf), "bluish?red?[2J");
  char long_text[200];
  memset(long_text, 'x', sizeof long_text - 1);
  long_text[sizeof long_text - 1] = '\0';
  assert_int_equal(strlen(im_utf8_shown(long_text, buf)), 63);
  assert_string_equal(buf + 60, "...");
  char accents[200] = "";
  for (int i = 0; i < 61; i++)
    strcat(accents, "\xc3\xa1"); /* 61 characters, 122 bytes */
  assert_int_equal(strlen(im_utf8_shown(accents, buf)), 123);
  char continuation[400];
  memset(continuation, 0x80, sizeof continuation - 1);
  continuation[sizeof continuation - 1] = '\0';
  assert_int_equal(strlen(im_utf8_shown(continuation, buf)), 4 * IM_SHOWN_MAX + 3);
}

/* A path keeps its end, where the file's name is. */
static void shown_path(void **state) {
  (void)state;
  char buf[IM_SHOWN_SIZE];
  assert_string_equal(im_utf8_shown_path("shapes/a\nb.shp", buf), "shapes/a?b.shp");
  char path[200];
  memset(path, 'd', sizeof path);
  strcpy(path + 150, "/ne_10m_admin_0_countries_americas.shp");
  assert_string_equal(im_utf8_shown_path(path, buf), "...dddddddddddddddddddddd/ne_10m_admin_0_countries_americas.shp");
  char accents[200] = "/";
  for (int i = 0; i < 61; i++)
    strcat(accents, "\xc3\xa1"); /* 62 characters: the slash is cut, no byte of an accent */
  assert_int_equal(strlen(im_utf8_shown_path(accents, buf)), 3 + 120);
  assert_memory_equal(buf, "...\xc3\xa1", 5);
  char continuation[400];
  memset(continuation, 0x80, sizeof continuation - 1);
  continuation[sizeof continuation - 1] = '\0';
  assert_string_equal(im_utf8_shown_path(continuation, buf), "...");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(valid), cmocka_unit_test(bad_at), cmocka_unit_test(nul_bad),
                                     cmocka_unit_test(shown), cmocka_unit_test(shown_path)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
