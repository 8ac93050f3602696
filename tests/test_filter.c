/* `where:` filters: parsing, binding to a layer's fields, evaluation, and
 * errors at their own line:column. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "influmap/filter.h"
#include "support.h"

/* clang-format off */ /* rows and expressions laid out as tables */

/* The fields every expression below is bound to, and a row of values. */
enum { F_NAME, F_ISO, F_POP, F_POP2, F_DATE, F_DBFDATE, F_FLAG, F_A, F_B, F_C, NFIELDS };
static const im_field fields[NFIELDS] = {
    {"NAME", IM_FIELD_STRING, 40, 0},   {"ISO_A3", IM_FIELD_STRING, 3, 0}, {"POP", IM_FIELD_DOUBLE, 12, 2},
    {"POP2", IM_FIELD_DOUBLE, 12, 2},   {"date", IM_FIELD_STRING, 30, 0},  {"dbfdate", IM_FIELD_DATE, 8, 0},
    {"flag", IM_FIELD_LOGICAL, 1, 0},   {"a", IM_FIELD_INTEGER, 9, 0},     {"b", IM_FIELD_INTEGER, 9, 0},
    {"c", IM_FIELD_INTEGER, 9, 0}};

typedef struct {
  char *v[NFIELDS];
} row;

static im_filter *parse_ok(const char *text) {
  im_error err;
  im_filter *f = NULL;
  assert_ok(im_filter_parse(text, "t.yaml", 1, 1, &f, &err), &err);
  assert_ok(im_filter_bind(f, fields, NFIELDS, "x.shp", &err), &err);
  return f;
}

/* Parses, binds and evaluates text on r. */
static bool eval(const char *text, const row *r) {
  im_filter *f = parse_ok(text);
  bool v = im_filter_eval(f, r->v);
  im_filter_free(f);
  return v;
}

#define YES(text, r) assert_true(eval((text), (r)))
#define NO(text, r) assert_false(eval((text), (r)))

/* Parses text placed at line:column and expects an error at eline:ecolumn
 * whose message contains what. */
static void parse_fails(const char *text, int line, int column, int eline, int ecolumn, const char *what) {
  im_error err;
  im_filter *f = (im_filter *)1;
  im_status st = im_filter_parse(text, "x.yaml", line, column, &f, &err);
  if (st != IM_STATUS_INPUT || err.line != eline || err.column != ecolumn || !strstr(err.message, what)) {
    print_error("'%s': got status %d at %d:%d '%s'; expected %d:%d '%s'\n", text, (int)st, err.line, err.column,
                err.message, eline, ecolumn, what);
    fail();
  }
  assert_null(f);
  assert_string_equal(err.file, "x.yaml");
}

static void operators(void **state) {
  (void)state;
  row r = {{[F_POP] = "10", [F_NAME] = "Lima"}};
  YES("POP = 10", &r);
  NO("POP = 9", &r);
  YES("POP != 9", &r);
  NO("POP != 10", &r);
  YES("POP <> 9", &r);
  YES("POP < 11", &r);
  NO("POP < 10", &r);
  YES("POP <= 10", &r);
  NO("POP <= 9.99", &r);
  YES("POP > 9", &r);
  NO("POP > 10", &r);
  YES("POP >= 10", &r);
  NO("POP >= 10.01", &r);
  YES("POP=10", &r);
  YES("POP>=10 and(POP<=10)", &r);
  YES("NAME = 'Lima'", &r);
  NO("NAME = 'lima'", &r);
  YES("NAME != 'Quito'", &r);
  YES("NAME < 'M'", &r);
  YES("NAME > 'Caracas'", &r);
  YES("NAME >= 'Lima'", &r);
  NO("NAME > 'Lima'", &r);
}

static void numbers_and_text(void **state) {
  (void)state;
  row r = {{[F_POP] = "10", [F_POP2] = "9"}};
  /* '10' and '9': numerically against a number, byte-wise against text. */
  YES("POP > 9", &r);
  NO("POP > '9'", &r);
  YES("POP < '9'", &r);
  YES("POP > POP2", &r);
  YES("POP = 1e1", &r);
  YES("POP = 10.0", &r);
  YES("POP = +10", &r);
  r.v[F_POP] = "  -12.5 ";
  YES("POP = -12.5", &r);
  YES("POP < -12", &r);
  YES("POP > -.5e2", &r);
  /* Text against a number: every comparison is false; 'not' negates it. */
  r.v[F_POP] = "abc";
  NO("POP = 1", &r);
  NO("POP != 1", &r);
  NO("POP < 1", &r);
  YES("not POP = 1", &r);
  YES("POP = 'abc'", &r);
  r.v[F_POP] = "0x10";
  NO("POP = 16", &r);
  r.v[F_POP] = "nan";
  NO("POP != 1", &r);
  r.v[F_POP] = "";
  NO("POP = 0", &r);
  /* Field against field: as text when either is not a number. */
  r.v[F_POP] = "abc";
  r.v[F_POP2] = "abd";
  YES("POP < POP2", &r);
  r.v[F_POP] = "b";
  r.v[F_POP2] = "9";
  YES("POP > POP2", &r);
}

static void literals_on_the_left(void **state) {
  (void)state;
  row r = {{[F_POP] = "12", [F_NAME] = "Lima", [F_DATE] = "2021-12-15"}};
  YES("10 < POP", &r);
  NO("10 > POP", &r);
  YES("12 >= POP", &r);
  YES("'Lima' = NAME", &r);
  YES("'M' > NAME", &r);
  YES("2021-12 <= date", &r);
  NO("2021-12 < date", &r);
  YES("1 = 1", &r);
  NO("1 = 2", &r);
  YES("'a' < 'b'", &r);
  YES("true", &r);
  NO("false", &r);
  YES("TRUE and POP = 12", &r);
  YES("false or (true)", &r);
}

static void precedence(void **state) {
  (void)state;
  row r = {{[F_A] = "1", [F_B] = "0", [F_C] = "0"}};
  /* and binds tighter than or: a = 1 or (b = 2 and c = 3). */
  YES("a = 1 or b = 2 and c = 3", &r);
  NO("(a = 1 or b = 2) and c = 3", &r);
  YES("b = 2 and c = 3 or a = 1", &r);
  /* not binds tighter than and: (not a = 1) and b = 2. */
  r.v[F_A] = "0";
  r.v[F_B] = "2";
  YES("not a = 1 and b = 2", &r);
  r.v[F_A] = "1";
  NO("not a = 1 and b = 2", &r);
  r.v[F_A] = "0";
  r.v[F_B] = "0";
  NO("not a = 1 and b = 2", &r);
  YES("not (a = 1 and b = 2)", &r);
  YES("not not a = 0", &r);
  YES("NOT a = 1 AND b = 0 Or c = 9", &r);
  YES("((a = 0)) and (((b = 0)))", &r);
  NO("a = 0 and (b = 1 or c = 1)", &r);
  YES("a = 0 and (b = 1 or c = 0)", &r);
  YES("a = 1 or b = 1 or c = 1 or a = 0", &r);
}

static void nulls(void **state) {
  (void)state;
  row r = {{[F_POP] = "5"}};
  YES("NAME is null", &r);
  YES("NAME IS NULL", &r);
  NO("NAME is not null", &r);
  YES("POP is not null", &r);
  NO("POP is null", &r);
  /* Two-valued logic: comparisons with null are false, 'not' negates. */
  NO("NAME = 'x'", &r);
  NO("NAME != 'x'", &r);
  YES("not NAME = 'x'", &r);
  NO("NAME in (x, y)", &r);
  NO("NAME not in (x, y)", &r);
  NO("NAME like '*'", &r);
  NO("NAME not like 'x'", &r);
  NO("NAME < POP", &r);
  NO("POP != NAME", &r);
  YES("NAME is null and POP = 5", &r);
  r.v[F_NAME] = "";
  NO("NAME is null", &r); /* empty text is not null */
  YES("NAME = ''", &r);
}

static void in_lists(void **state) {
  (void)state;
  row r = {{[F_ISO] = "VEN", [F_POP] = "10"}};
  YES("ISO_A3 in (VEN, NIC, CUB)", &r);
  YES("ISO_A3 IN (NIC,CUB,VEN)", &r);
  YES("ISO_A3 in ('VEN')", &r);
  YES("ISO_A3 in (\"VEN\")", &r); /* a double-quoted item is text, too */
  NO("ISO_A3 in (ven, NIC)", &r);
  NO("ISO_A3 not in (VEN, NIC)", &r);
  YES("ISO_A3 not in (ARG, NIC)", &r);
  YES("not ISO_A3 in (ARG)", &r);
  YES("POP in (1, 10, 100)", &r);
  NO("POP in (1, 100)", &r);
  YES("POP not in (1, 100)", &r);
  r.v[F_POP] = "10.0";
  YES("POP in (1, 10, 100)", &r);
  NO("POP in ('10')", &r);
  /* Mixed kinds: each item compares in its own way. */
  r.v[F_ISO] = "862";
  YES("ISO_A3 in (VEN, 'CUB', 862)", &r);
  r.v[F_ISO] = "CUB";
  YES("ISO_A3 in (VEN, 'CUB', 862)", &r);
  r.v[F_ISO] = "O'Higgins";
  YES("ISO_A3 in ('O''Higgins', x)", &r);
  r.v[F_FLAG] = "T";
  YES("flag in (true)", &r);
  NO("flag in (false)", &r);
}

static void like(void **state) {
  (void)state;
  row r = {{[F_NAME] = "Bogotá"}};
  YES("NAME like 'Bogot?'", &r); /* ? is one UTF-8 character, not one byte */
  NO("NAME like 'Bogot?" "?'", &r); /* split: ??' is a trigraph */
  NO("NAME like 'Bogot'", &r);
  YES("NAME like 'B*'", &r);
  YES("NAME like '*á'", &r);
  YES("NAME like '*'", &r);
  YES("NAME like 'B*o*á'", &r);
  NO("NAME like 'b*'", &r); /* case-sensitive */
  YES("NAME LIKE '[ABC]*'", &r);
  NO("NAME like '[a-c]ogot?'", &r);
  NO("NAME like '[a-c]*'", &r);
  YES("NAME like '[A-C]*'", &r);
  YES("NAME like '[!C]*'", &r);
  NO("NAME like '[^B]*'", &r);
  YES("NAME like 'Bogot[á-é]'", &r);
  NO("NAME like 'Bogot[a-z]'", &r);
  YES("NAME not like 'Lima'", &r);
  NO("NAME not like 'Bog*'", &r);
  /* SQL patterns, when there is no * ? or [. */
  YES("NAME like 'Bogot_'", &r);
  YES("NAME like '%tá'", &r);
  YES("NAME like 'B%'", &r);
  NO("NAME like 'B%_x'", &r);
  r.v[F_NAME] = "50%";
  YES("NAME like '*%'", &r); /* a glob: % is literal */
  NO("NAME like '*_'", &r);
  YES("NAME like '50\\%'", &r);
  r.v[F_NAME] = "5%";
  NO("NAME like '50\\%'", &r);
  r.v[F_NAME] = "a*b";
  YES("NAME like 'a\\*b'", &r);
  r.v[F_NAME] = "axb";
  NO("NAME like 'a\\*b'", &r);
  r.v[F_NAME] = "x]y";
  YES("NAME like 'x[]]y'", &r);
  r.v[F_NAME] = "-";
  YES("NAME like '[a-]'", &r);
  /* Many stars against a long non-matching value stay fast. */
  char value[4001];
  memset(value, 'a', 4000);
  value[4000] = '\0';
  r.v[F_NAME] = value;
  clock_t t0 = clock();
  NO("NAME like '*a*a*a*a*a*a*a*a*a*a*b'", &r);
  YES("NAME like '*a*a*a*a*a*a*a*a*a*a'", &r);
  assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
}

static void dates(void **state) {
  (void)state;
  row r = {{[F_DATE] = "2021-12-15"}};
  YES("date = 2021-12", &r);
  YES("date >= 2021-12", &r);
  NO("date > 2021-12", &r);
  YES("date <= 2021-12", &r);
  NO("date < 2021-12", &r);
  YES("date < 2022", &r);
  YES("date = 2021", &r);
  NO("date > 2021", &r);
  YES("date >= 2021-12-15", &r);
  NO("date > 2021-12-15", &r);
  YES("date < 2021-12-16", &r);
  YES("date != 2021-11", &r);
  YES("date = 2021-12-15T10:00Z", &r); /* a day against a time: as days */
  YES("date >= 2021-01-01 and date < 2022-01-01", &r);
  r.v[F_DATE] = "2021-11-30";
  NO("date >= 2021-12", &r);
  YES("date < 2021-12", &r);
  /* Times: as instants, a time without zone being UTC. */
  r.v[F_DATE] = "2021-12-15T23:30:00-05:00";
  YES("date > 2021-12-16T04:00Z", &r);
  YES("date = 2021-12-16T04:30:00Z", &r);
  YES("date = 2021-12-16T06:30+02:00", &r);
  YES("date = 2021-12-16T06:30+0200", &r);
  YES("date = 2021-12-15", &r); /* the calendar date as written */
  r.v[F_DATE] = "2021-12-01 10:00";
  YES("date = 2021-12-01T10:00:00Z", &r);
  NO("date = 2021-12-01T10:00:01Z", &r);
  YES("date < 2021-12-01T10:00:00.5", &r);
  r.v[F_DATE] = "20211215"; /* as DBF writes dates */
  YES("date = 2021-12-15", &r);
  r.v[F_DATE] = "not a date";
  NO("date = 2021-12", &r);
  NO("date != 2021-12", &r);
  r.v[F_DATE] = "2021-13-01";
  NO("date < 2030", &r);
  /* A bare year: a year against a date, a number against a number. */
  r.v[F_DATE] = "2021-05-03";
  YES("date >= 2021", &r);
  NO("date < 2021", &r);
  r.v[F_POP] = "2021";
  YES("POP = 2021", &r);
  r.v[F_POP] = "2021.5";
  YES("POP > 2021", &r);
  YES("POP < 2022", &r);
  /* In a date field (DBF type D), YYYYMMDD is a date, not a number. */
  r.v[F_DBFDATE] = "20211201";
  YES("dbfdate = 2021", &r);
  YES("dbfdate = 2021-12", &r);
  NO("dbfdate > 2021", &r);
  YES("dbfdate in (2020, 2021)", &r);
  /* Leap years. */
  r.v[F_DATE] = "2020-02-29";
  YES("date = 2020-02-29", &r);
  r.v[F_DATE] = "2021-02-29";
  NO("date = 2021-02", &r);
}

static void booleans(void **state) {
  (void)state;
  row r = {{[F_FLAG] = "T"}};
  YES("flag = true", &r);
  NO("flag = false", &r);
  YES("flag > false", &r);
  r.v[F_FLAG] = "N";
  YES("flag = FALSE", &r);
  r.v[F_FLAG] = "yes";
  YES("flag = true", &r);
  r.v[F_FLAG] = "?";
  NO("flag = true", &r);
  NO("flag = false", &r);
}

static void field_names(void **state) {
  (void)state;
  im_field odd[] = {{"field name", IM_FIELD_STRING, 10, 0}, {"in", IM_FIELD_STRING, 10, 0},
                    {"Name", IM_FIELD_STRING, 10, 0},       {"NAME", IM_FIELD_STRING, 10, 0},
                    {"pop", IM_FIELD_STRING, 10, 0},        {"say \"hi\"", IM_FIELD_STRING, 10, 0}};
  char *values[] = {"a b", "x", "lower", "UPPER", "7", "q"};
  const char *cases[] = {"\"field name\" = 'a b'", "\"in\" = 'x'", "\"IN\" = 'x'", "Name = 'lower'",
                         "NAME = 'UPPER'", /* exact case wins */
                         "name = 'lower'", /* else the first equal but for case */
                         "POP = 7",        "\"say \"\"hi\"\"\" = 'q'"};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    im_error err;
    im_filter *f;
    assert_ok(im_filter_parse(cases[i], "t.yaml", 1, 1, &f, &err), &err);
    assert_ok(im_filter_bind(f, odd, 6, "odd.shp", &err), &err);
    if (!im_filter_eval(f, values)) {
      print_error("false: %s\n", cases[i]);
      fail();
    }
    assert_string_equal(im_filter_text(f), cases[i]);
    im_filter_free(f);
  }
}

static void parse_errors(void **state) {
  (void)state;
  parse_fails("name = 'Lima", 7, 12, 7, 19, "unterminated string");
  parse_fails("name = \"Lima", 7, 12, 7, 19, "unterminated field name");
  parse_fails("name = 'x''", 1, 1, 1, 8, "unterminated string");
  parse_fails("name = @x", 1, 1, 1, 8, "unexpected character '@'");
  parse_fails("name = 'Bogotá' @", 1, 1, 1, 17, "unexpected character '@'"); /* columns count characters */
  parse_fails("naïve = 1", 2, 3, 2, 5, "unexpected character 'ï'");
  parse_fails("a = \x01", 1, 1, 1, 5, "control character");
  parse_fails("(a = 1 or b = 2", 1, 1, 1, 16, "missing ')' to close the '(' at 1:1");
  parse_fails("(a = 1 b = 2)", 3, 4, 3, 11, "expected 'and', 'or' or ')' to close the '(' at 3:4, found 'b'");
  parse_fails("a = 1)", 1, 1, 1, 6, "')' with no '(' before it");
  parse_fails("a == 1", 1, 1, 1, 3, "unknown operator '=='; use '='");
  parse_fails("a =< 1", 1, 1, 1, 3, "use '<='");
  parse_fails("a ! 1", 1, 1, 1, 3, "unknown operator '!'");
  parse_fails("a <<>> 1", 1, 1, 1, 3, "unknown operator '<<>>'");
  parse_fails("a in VEN", 1, 1, 1, 6, "expected '(' and a list of values after 'in', found 'VEN'");
  parse_fails("a in", 1, 1, 1, 5, "expected '(' and a list of values after 'in', found the end of the expression");
  parse_fails("a in ()", 1, 1, 1, 7, "the list after 'in' is empty");
  parse_fails("a in (1, 2", 1, 1, 1, 11, "missing ')' to close the list opened at 1:6");
  parse_fails("a in (1 2)", 1, 1, 1, 9, "expected ',' or ')'");
  parse_fails("a in (1, )", 1, 1, 1, 10, "expected a value, found ')'");
  parse_fails("a = 1 b = 2", 1, 1, 1, 7, "expected 'and', 'or' or the end of the expression, found 'b'");
  parse_fails("", 4, 9, 4, 9, "empty expression");
  parse_fails("   ", 4, 9, 4, 9, "empty expression");
  parse_fails("d >= 2021-13-01", 1, 1, 1, 11, "invalid date '2021-13-01': the month must be 01 to 12");
  parse_fails("d >= 2021-02-29", 1, 1, 1, 14, "invalid date");
  parse_fails("d >= 2021-1-01", 1, 1, 1, 11, "expected a two-digit month");
  parse_fails("d >= 2021-12-01T25:00", 1, 1, 1, 17, "the hour must be 00 to 23");
  parse_fails("d >= 2021-12-01Z", 1, 1, 1, 16, "invalid date");
  parse_fails("a = 12abc", 1, 1, 1, 5, "invalid number '12abc'");
  parse_fails("a = 1.2.3", 1, 1, 1, 5, "invalid number");
  parse_fails("a = 1e999", 1, 1, 1, 5, "invalid number");
  parse_fails("a = null", 1, 1, 1, 5, "'is null'");
  parse_fails("a is 1", 1, 1, 1, 6, "expected 'null' or 'not null' after 'is'");
  parse_fails("a not 1", 1, 1, 1, 7, "expected 'in' or 'like' after 'not'");
  parse_fails("a like b", 1, 1, 1, 8, "expected a quoted pattern after 'like'");
  parse_fails("a like '[abc'", 1, 1, 1, 9, "'[' opens a class that no ']' closes");
  parse_fails("a like 'it''s [x'", 1, 1, 1, 15, "'[' opens a class");
  parse_fails("a like 'x\\'", 1, 1, 1, 10, "lone '\\'");
  parse_fails("and = 1", 1, 1, 1, 1, "expected a field or a value, found 'and'");
  parse_fails("a = 1 and", 1, 1, 1, 10, "expected a field or a value, found the end of the expression");
  parse_fails("a = 1 and or b = 2", 1, 1, 1, 11, "found 'or'");
  parse_fails("a", 1, 1, 1, 2, "expected a comparison (=, !=, <, <=, >, >=, in, like or is null) after 'a'");
  parse_fails("a 'x'", 1, 1, 1, 3, "found 'x'");
  parse_fails("()", 1, 1, 1, 2, "expected a field or a value, found ')'");
  /* Across lines: the line counts up and the column restarts at 1. */
  parse_fails("a = 1 and\n  b = 'x", 3, 5, 4, 7, "unterminated string");
  parse_fails("a = 1\nand\n\tb ~ 2", 3, 5, 5, 4, "unexpected character '~'");
}

static void limits(void **state) {
  (void)state;
  row r = {{[F_A] = "1"}};
  /* 200 levels of parentheses are fine; 300 are an error, not a crash. */
  char text[70000];
  size_t n = 0;
  for (int i = 0; i < 200; i++)
    text[n++] = '(';
  n += (size_t)sprintf(text + n, "a = 1");
  for (int i = 0; i < 200; i++)
    text[n++] = ')';
  text[n] = '\0';
  YES(text, &r);
  n = 0;
  for (int i = 0; i < 300; i++)
    text[n++] = '(';
  strcpy(text + n, "a = 1");
  parse_fails(text, 2, 1, 2, 257, "nested too deeply");
  n = 0;
  for (int i = 0; i < 300; i++)
    n += (size_t)sprintf(text + n, "not ");
  strcpy(text + n, "a = 1");
  parse_fails(text, 1, 1, 1, 1 + 256 * 4, "nested too deeply");
  /* 64 KiB of '(' stops at the depth limit too. */
  memset(text, '(', 65536);
  text[65536] = '\0';
  parse_fails(text, 1, 1, 1, 257, "nested too deeply");
  /* A long chain of 'or' is one node, not 5000 levels. */
  n = 0;
  for (int i = 0; i < 5000; i++)
    n += (size_t)sprintf(text + n, "a = %d or ", i + 2);
  strcpy(text + n, "a = 1");
  YES(text, &r);
  memset(text, ' ', 65537);
  text[65537] = '\0';
  parse_fails(text, 1, 1, 1, 1, "too long");
}

/* Binds text placed at 5:10 and expects an error at 5:(10 + the offset of
 * at in text) with the message msg. */
static void bind_fails(const char *text, const char *at, const im_field *fl, size_t nf, const char *msg) {
  im_error err;
  im_filter *f;
  assert_ok(im_filter_parse(text, "styles/s.yaml", 5, 10, &f, &err), &err);
  assert_int_equal(im_filter_bind(f, fl, nf, "shapes/x.shp", &err), IM_STATUS_INPUT);
  assert_string_equal(err.file, "styles/s.yaml");
  assert_int_equal(err.line, 5);
  assert_int_equal(err.column, 10 + (int)(strstr(text, at) - text));
  assert_string_equal(err.message, msg);
  row r = {{[F_NAME] = "x"}};
  assert_false(im_filter_eval(f, r.v)); /* unbound */
  im_filter_free(f);
}

static void binding(void **state) {
  (void)state;
  bind_fails("ISO_A3 in (VEN) and NAM = 'x'", "NAM =", fields, NFIELDS,
             "field 'NAM' is not in shapes/x.shp (did you mean 'NAME'?)");
  bind_fails("POP > 1 and \"ISO A3\" = 'VEN'", "\"ISO", fields, NFIELDS,
             "field 'ISO A3' is not in shapes/x.shp (did you mean 'ISO_A3'?)");
  bind_fails("population > 5", "population", fields, 4,
             "field 'population' is not in shapes/x.shp (its fields are: NAME, ISO_A3, POP, POP2)");
  bind_fails("zzzzzz > 5", "zzzzzz", fields, NFIELDS,
             "field 'zzzzzz' is not in shapes/x.shp (its fields are: NAME, ISO_A3, POP, POP2, date, dbfdate, flag, "
             "a, b, c)");
  bind_fails("ISO_A3 = VENEZUELA", "VENEZUELA", fields, NFIELDS,
             "field 'VENEZUELA' is not in shapes/x.shp (for the text VENEZUELA, quote it: 'VENEZUELA'; its fields "
             "are: NAME, ISO_A3, POP, POP2, date, dbfdate, flag, a, b, c)");
  bind_fails("x = 1", "x", fields, 0, "field 'x' is not in shapes/x.shp (it has no attribute fields)");
  /* Eleven fields: ten are listed. */
  im_field many[11];
  char names[11][8];
  for (int i = 0; i < 11; i++) {
    snprintf(names[i], sizeof names[i], "F%d", i);
    many[i] = (im_field){names[i], IM_FIELD_STRING, 1, 0};
  }
  bind_fails("qqqqqqq is null", "qqq", many, 11,
             "field 'qqqqqqq' is not in shapes/x.shp (its fields are: F0, F1, F2, F3, F4, F5, F6, F7, F8, F9 and 1 "
             "more)");
  /* A field on a later line of the expression. */
  im_error err;
  im_filter *f;
  assert_ok(im_filter_parse("POP > 1 and\n    NAEM = 'x'", "s.yaml", 8, 12, &f, &err), &err);
  assert_int_equal(im_filter_bind(f, fields, NFIELDS, "x.shp", &err), IM_STATUS_INPUT);
  assert_int_equal(err.line, 9);
  assert_int_equal(err.column, 5);
  assert_non_null(strstr(err.message, "did you mean 'NAME'?"));
  im_filter_free(f);
}

static void rebinding(void **state) {
  (void)state;
  im_error err;
  im_filter *f;
  assert_ok(im_filter_parse("POP > 5 and NAME = 'Lima'", "s.yaml", 1, 1, &f, &err), &err);
  im_field one[] = {{"NAME", IM_FIELD_STRING, 10, 0}, {"POP", IM_FIELD_DOUBLE, 10, 0}};
  im_field two[] = {{"pop", IM_FIELD_DOUBLE, 10, 0}, {"X", IM_FIELD_STRING, 10, 0}, {"name", IM_FIELD_STRING, 10, 0}};
  char *v1[] = {"Lima", "6"}, *v2[] = {"6", "Lima", "Quito"}, *v3[] = {"6", "Quito", "Lima"};
  assert_ok(im_filter_bind(f, one, 2, "one.shp", &err), &err);
  assert_true(im_filter_eval(f, v1));
  assert_ok(im_filter_bind(f, two, 3, "two.shp", &err), &err);
  assert_false(im_filter_eval(f, v2));
  assert_true(im_filter_eval(f, v3));
  /* A failed rebind leaves the filter unbound. */
  assert_int_equal(im_filter_bind(f, two + 1, 1, "x.shp", &err), IM_STATUS_INPUT);
  assert_false(im_filter_eval(f, v3));
  assert_ok(im_filter_bind(f, one, 2, "one.shp", &err), &err);
  assert_true(im_filter_eval(f, v1));
  im_filter_free(f);
  im_filter_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(operators),   cmocka_unit_test(numbers_and_text), cmocka_unit_test(literals_on_the_left),
      cmocka_unit_test(precedence),  cmocka_unit_test(nulls),            cmocka_unit_test(in_lists),
      cmocka_unit_test(like),        cmocka_unit_test(dates),            cmocka_unit_test(booleans),
      cmocka_unit_test(field_names), cmocka_unit_test(parse_errors),     cmocka_unit_test(limits),
      cmocka_unit_test(binding),     cmocka_unit_test(rebinding)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
/* clang-format on */
