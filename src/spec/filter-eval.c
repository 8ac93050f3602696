/* `where:` filters: reading attribute values as numbers, dates and booleans,
 * glob matching, and evaluating the tree for one feature. Nothing here
 * allocates: a filter runs once per feature of every layer it is on. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cnum-private.h"
#include "spec/filter-private.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void trim(const char **s, size_t *n) {
  while (*n && is_blank(**s)) {
    (*s)++;
    (*n)--;
  }
  while (*n && is_blank((*s)[*n - 1]))
    (*n)--;
}

bool im_filter_number(const char *s, size_t n, double *out) {
  trim(&s, &n);
  /* Checked by hand first: strtod would also take hex, inf, nan and a
   * prefix of the text. */
  size_t i = 0, digits = 0;
  if (i < n && (s[i] == '+' || s[i] == '-'))
    i++;
  for (; i < n && is_digit(s[i]); i++)
    digits++;
  if (i < n && s[i] == '.')
    for (i++; i < n && is_digit(s[i]); i++)
      digits++;
  if (!digits)
    return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-'))
      i++;
    if (i == n || !is_digit(s[i]))
      return false;
    while (i < n && is_digit(s[i]))
      i++;
  }
  if (i != n)
    return false;
  /* s[0..n) is followed by a blank, a NUL or (in an expression) a character
   * that cannot continue a number, so strtod stops exactly at n. */
  char *end;
  double v = im_strtod(s, &end);
  if (end != s + n || !isfinite(v))
    return false;
  *out = v;
  return true;
}

/* Reads exactly count digits at s[*i]. */
static bool read_digits(const char *s, size_t n, size_t *i, int count, int *out) {
  int v = 0;
  for (int k = 0; k < count; k++) {
    if (*i >= n || !is_digit(s[*i]))
      return false;
    v = v * 10 + (s[(*i)++] - '0');
  }
  *out = v;
  return true;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
long im_filter_days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

#define DATE_FAIL(off, why)                                                                                            \
  do {                                                                                                                 \
    *bad = (off);                                                                                                      \
    return (why);                                                                                                      \
  } while (0)

static const char *read_time(const char *s, size_t n, size_t *i, double *seconds, size_t *bad) {
  int hh, mm, ss = 0;
  double frac = 0;
  size_t at = *i;
  if (!read_digits(s, n, i, 2, &hh))
    DATE_FAIL(at, "expected a two-digit hour after the T");
  if (hh > 23)
    DATE_FAIL(at, "the hour must be 00 to 23");
  if (*i >= n || s[*i] != ':')
    DATE_FAIL(*i, "expected ':' and minutes after the hour");
  at = ++*i;
  if (!read_digits(s, n, i, 2, &mm))
    DATE_FAIL(at, "expected two-digit minutes");
  if (mm > 59)
    DATE_FAIL(at, "the minutes must be 00 to 59");
  if (*i < n && s[*i] == ':') {
    at = ++*i;
    if (!read_digits(s, n, i, 2, &ss))
      DATE_FAIL(at, "expected two-digit seconds");
    if (ss > 59)
      DATE_FAIL(at, "the seconds must be 00 to 59");
    if (*i < n && (s[*i] == '.' || s[*i] == ',')) {
      at = ++*i;
      double scale = 0.1;
      if (*i >= n || !is_digit(s[*i]))
        DATE_FAIL(at, "expected digits after the decimal point");
      for (; *i < n && is_digit(s[*i]); (*i)++, scale /= 10)
        frac += (s[*i] - '0') * scale;
    }
  }
  double offset = 0;
  if (*i < n && s[*i] == 'Z') {
    (*i)++;
  } else if (*i < n && (s[*i] == '+' || s[*i] == '-')) {
    int sign = s[*i] == '-' ? -1 : 1, oh, om = 0;
    at = ++*i;
    if (!read_digits(s, n, i, 2, &oh) || oh > 23)
      DATE_FAIL(at, "expected a zone offset as +HH:MM");
    if (*i < n && s[*i] == ':')
      (*i)++;
    if (*i < n && is_digit(s[*i])) {
      at = *i;
      if (!read_digits(s, n, i, 2, &om) || om > 59)
        DATE_FAIL(at, "expected a zone offset as +HH:MM");
    }
    offset = sign * (oh * 3600.0 + om * 60.0);
  }
  *seconds = hh * 3600.0 + mm * 60.0 + ss + frac - offset;
  return NULL;
}

const char *im_filter_date(const char *s, size_t n, bool attribute, im_fdate *out, size_t *bad) {
  size_t lead = 0;
  if (attribute) {
    const char *t = s;
    trim(&t, &n);
    lead = (size_t)(t - s);
    s = t;
  }
  im_fdate d = {IM_FDATE_YEAR, 0, 1, 1, 0};
  size_t i = 0, at;
  const char *why = NULL;
  if (!read_digits(s, n, &i, 4, &d.year))
    DATE_FAIL(lead, "expected a four-digit year");
  if (attribute && n == 8 && is_digit(s[4])) {
    /* YYYYMMDD, as DBF stores dates. */
    read_digits(s, n, &i, 2, &d.month);
    read_digits(s, n, &i, 2, &d.day);
    if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > days_in_month(d.year, d.month))
      DATE_FAIL(lead + 4, "no such day");
    d.prec = IM_FDATE_DAY;
  } else if (i < n && s[i] == '-') {
    at = ++i;
    if (!read_digits(s, n, &i, 2, &d.month))
      DATE_FAIL(lead + at, "expected a two-digit month");
    if (d.month < 1 || d.month > 12)
      DATE_FAIL(lead + at, "the month must be 01 to 12");
    d.prec = IM_FDATE_MONTH;
    if (i < n && s[i] == '-') {
      at = ++i;
      if (!read_digits(s, n, &i, 2, &d.day))
        DATE_FAIL(lead + at, "expected a two-digit day");
      if (d.day < 1 || d.day > days_in_month(d.year, d.month))
        DATE_FAIL(lead + at, "the month has no such day");
      d.prec = IM_FDATE_DAY;
      if (i < n && (s[i] == 'T' || s[i] == 't' || (attribute && s[i] == ' '))) {
        i++;
        double seconds;
        if ((why = read_time(s, n, &i, &seconds, bad))) {
          *bad += lead;
          return why;
        }
        d.instant = (double)im_filter_days_from_civil(d.year, d.month, d.day) * 86400.0 + seconds;
        d.prec = IM_FDATE_TIME;
      }
    }
  }
  if (i != n)
    DATE_FAIL(lead + i, "expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]");
  *out = d;
  return NULL;
}

/* At the coarser of the two precisions (see filter.h). */
int im_filter_date_cmp(const im_fdate *a, const im_fdate *b) {
  im_fdate_prec p = a->prec < b->prec ? a->prec : b->prec;
  if (p == IM_FDATE_TIME)
    return (a->instant > b->instant) - (a->instant < b->instant);
  long ka = a->year * 10000L, kb = b->year * 10000L;
  if (p >= IM_FDATE_MONTH) {
    ka += a->month * 100L;
    kb += b->month * 100L;
  }
  if (p >= IM_FDATE_DAY) {
    ka += a->day;
    kb += b->day;
  }
  return (ka > kb) - (ka < kb);
}

bool im_filter_bool(const char *s, size_t n, bool *out) {
  trim(&s, &n);
  static const char *const yes[] = {"true", "t", "yes", "y", "1"}, *const no[] = {"false", "f", "no", "n", "0"};
  for (size_t k = 0; k < sizeof yes / sizeof *yes; k++) {
    if (strlen(yes[k]) == n && !strncasecmp(s, yes[k], n)) {
      *out = true;
      return true;
    }
    if (strlen(no[k]) == n && !strncasecmp(s, no[k], n)) {
      *out = false;
      return true;
    }
  }
  return false;
}

/* The length of the UTF-8 character at s (not at its end) and its code
 * point; a byte that does not start a valid sequence is a character alone. */
static size_t utf8_char(const char *s, uint32_t *cp) {
  const unsigned char *u = (const unsigned char *)s;
  size_t len = u[0] < 0x80 ? 1 : (u[0] & 0xe0) == 0xc0 ? 2 : (u[0] & 0xf0) == 0xe0 ? 3 : (u[0] & 0xf8) == 0xf0 ? 4 : 0;
  uint32_t c = len == 1 ? u[0] : len == 2 ? u[0] & 0x1fu : len == 3 ? u[0] & 0x0fu : u[0] & 0x07u;
  for (size_t k = 1; k < len; k++) {
    if ((u[k] & 0xc0) != 0x80) { /* also stops at the NUL */
      len = 0;
      break;
    }
    c = (c << 6) | (u[k] & 0x3fu);
  }
  if (!len) {
    *cp = u[0];
    return 1;
  }
  *cp = c;
  return len;
}

/* One element of a class at *p ('\'-escaped or not), moved past. */
static uint32_t class_char(const char **p) {
  uint32_t c;
  if (**p == '\\' && (*p)[1])
    (*p)++;
  *p += utf8_char(*p, &c);
  return c;
}

/* Checks the class opening at p[0] == '['; NULL when it does not close. */
static const char *class_end(const char *p) {
  p++;
  if (*p == '!' || *p == '^')
    p++;
  if (*p == ']') /* first, it is a member */
    p++;
  while (*p && *p != ']')
    class_char(&p);
  return *p == ']' ? p + 1 : NULL;
}

/* Whether c is in the (well-formed) class at p; *p moves past it. */
static bool class_match(const char **pp, uint32_t c) {
  const char *p = *pp + 1;
  bool neg = false, hit = false;
  if (*p == '!' || *p == '^') {
    neg = true;
    p++;
  }
  bool first = true;
  while (*p != ']' || first) {
    first = false;
    uint32_t lo = class_char(&p), hi = lo;
    if (*p == '-' && p[1] != ']' && p[1]) {
      p++;
      hi = class_char(&p);
    }
    if (c >= lo && c <= hi)
      hit = true;
  }
  *pp = p + 1;
  return hit != neg;
}

const char *im_filter_glob_check(const char *pattern, size_t *bad) {
  for (const char *p = pattern; *p;) {
    if (*p == '\\') {
      if (!p[1]) {
        *bad = (size_t)(p - pattern);
        return "the pattern ends with a lone '\\'";
      }
      p += 2;
    } else if (*p == '[') {
      const char *end = class_end(p);
      if (!end) {
        *bad = (size_t)(p - pattern);
        return "'[' opens a class that no ']' closes";
      }
      p = end;
    } else {
      p++;
    }
  }
  return NULL;
}

/* Matches one pattern element (not '*') at *p against the character at s;
 * on success moves *p past it and returns the bytes of s used, else 0. */
static size_t glob_one(const char **p, const char *s) {
  uint32_t c;
  size_t len = utf8_char(s, &c);
  const char *q = *p;
  if (*q == '?') {
    *p = q + 1;
    return len;
  }
  if (*q == '[') {
    if (!class_match(&q, c))
      return 0;
    *p = q;
    return len;
  }
  /* A literal byte: multi-byte characters match byte by byte. */
  if (*q == '\\')
    q++;
  if (*q != *s)
    return 0;
  *p = q + 1;
  return 1;
}

/* Glob match over the whole of s. One backtracking point (the last '*')
 * suffices, so this is O(len(p) * len(s)) at worst, never exponential. */
static bool glob_match(const char *p, const char *s) {
  const char *star_p = NULL, *star_s = NULL;
  for (;;) {
    if (*p == '*') {
      while (*p == '*')
        p++;
      star_p = p;
      star_s = s;
      continue;
    }
    size_t used;
    if (*p && *s && (used = glob_one(&p, s))) {
      s += used;
      continue;
    }
    if (!*p && !*s)
      return true;
    if (!star_p || !*star_s)
      return false;
    uint32_t c;
    star_s += utf8_char(star_s, &c);
    p = star_p;
    s = star_s;
  }
}

bool im_filter_holds(im_fop op, int c) {
  switch (op) {
  case IM_FOP_EQ:
    return c == 0;
  case IM_FOP_NE:
    return c != 0;
  case IM_FOP_LT:
    return c < 0;
  case IM_FOP_LE:
    return c <= 0;
  case IM_FOP_GT:
    return c > 0;
  case IM_FOP_GE:
    return c >= 0;
  }
  return false;
}

static int num_cmp(double a, double b) { return (a > b) - (a < b); }

static const char *value_of(const im_foperand *o, char *const *values) {
  return o->is_field ? values[o->index] : o->text;
}

/* x (an attribute, or a literal's text) op the literal l; date_field says
 * x comes from a date field. */
bool im_filter_compare_literal(const char *x, bool date_field, im_fop op, const im_foperand *l) {
  double v;
  im_fdate d;
  size_t bad;
  bool b;
  switch (l->kind) {
  case IM_FLIT_TEXT: {
    int c = strcmp(x, l->text);
    return im_filter_holds(op, (c > 0) - (c < 0));
  }
  case IM_FLIT_NUMBER:
    return im_filter_number(x, strlen(x), &v) && im_filter_holds(op, num_cmp(v, l->number));
  case IM_FLIT_DATE:
    return !im_filter_date(x, strlen(x), true, &d, &bad) && im_filter_holds(op, im_filter_date_cmp(&d, &l->date));
  case IM_FLIT_YEAR:
    if (!date_field && im_filter_number(x, strlen(x), &v))
      return im_filter_holds(op, num_cmp(v, l->number));
    return !im_filter_date(x, strlen(x), true, &d, &bad) && im_filter_holds(op, im_filter_date_cmp(&d, &l->date));
  case IM_FLIT_BOOL:
    return im_filter_bool(x, strlen(x), &b) && im_filter_holds(op, (int)b - (int)l->boolean);
  }
  return false;
}

/* Not inlined, so that the scratch space is on the stack only here, not
 * in every level of im_filter_eval_node's recursion. */
__attribute__((noinline)) static bool compare_computed(const im_foperand *a, im_fop op, const im_foperand *b,
                                                       char *const *values) {
  /* Computed: each side a value of its own kind (filter-calc.c). */
  char buf[IM_FARENA_STACK];
  im_farena arena = {buf, sizeof buf, 0};
  im_fval x = im_foperand_eval(a, values, &arena);
  return x.t != IM_FVAL_NULL && im_fval_compare(x, op, im_foperand_eval(b, values, &arena));
}

static bool compare(const im_foperand *a, im_fop op, const im_foperand *b, char *const *values) {
  if (a->expr || b->expr)
    return compare_computed(a, op, b, values);
  const char *x = value_of(a, values);
  if (!x)
    return false;
  if (!b->is_field)
    return im_filter_compare_literal(x, a->is_field && a->type == IM_FIELD_DATE, op, b);
  const char *y = values[b->index];
  if (!y)
    return false;
  double dx, dy;
  if (im_filter_number(x, strlen(x), &dx) && im_filter_number(y, strlen(y), &dy))
    return im_filter_holds(op, num_cmp(dx, dy));
  int c = strcmp(x, y);
  return im_filter_holds(op, (c > 0) - (c < 0));
}

/* An operand's text: the attribute or literal, or a computed value written
 * into buf; NULL when null. */
static const char *text_of(const im_foperand *o, char *const *values, char *buf, size_t size) {
  if (!o->expr)
    return value_of(o, values);
  im_farena arena = {buf, size, 0};
  return im_fval_text(im_fvalue_eval(o->expr, values, &arena), &arena);
}

/* in, like, is null (kept out of im_filter_eval_node's frame, as above). */
__attribute__((noinline)) static bool test_value(const im_fnode *n, char *const *values) {
  char buf[IM_FARENA_STACK];
  const char *x = text_of(&n->a, values, buf, sizeof buf);
  if (n->kind == IM_FNODE_NULL)
    return (x == NULL) != n->negate;
  if (!x)
    return false;
  if (n->kind == IM_FNODE_LIKE)
    return glob_match(n->pattern, x) != n->negate;
  bool found = false, date_field = n->a.is_field && n->a.type == IM_FIELD_DATE;
  for (size_t i = 0; i < n->nitems && !found; i++) /* items are literals */
    found = im_filter_compare_literal(x, date_field, IM_FOP_EQ, &n->items[i]);
  return found != n->negate;
}

bool im_filter_eval_node(const im_fnode *n, char *const *values) {
  switch (n->kind) {
  case IM_FNODE_OR:
    for (size_t i = 0; i < n->nkids; i++)
      if (im_filter_eval_node(n->kids[i], values))
        return true;
    return false;
  case IM_FNODE_AND:
    for (size_t i = 0; i < n->nkids; i++)
      if (!im_filter_eval_node(n->kids[i], values))
        return false;
    return true;
  case IM_FNODE_NOT:
    return !im_filter_eval_node(n->kids[0], values);
  case IM_FNODE_CMP:
    return compare(&n->a, n->op, &n->b, values);
  case IM_FNODE_IN:
  case IM_FNODE_LIKE:
  case IM_FNODE_NULL:
    return test_value(n, values);
  case IM_FNODE_CONST:
    return n->negate;
  }
  return false;
}

bool im_filter_eval(const im_filter *f, char *const *values) {
  return f && f->bound && f->root && im_filter_eval_node(f->root, values);
}
