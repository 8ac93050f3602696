/* Computed values (filter-value.c) evaluated for one feature: arithmetic,
 * text and date functions, and comparing values of different kinds.
 *
 * Nothing here allocates: text a value makes goes into the caller's
 * scratch space (im_farena), and a value that does not fit is null. Every
 * failure is "no data", a null value: a field that is not a number in
 * arithmetic, a division by zero, a result that is not finite. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "core/cnum-private.h"
#include "spec/filter-private.h"

static const im_fval null_value = {.t = IM_FVAL_NULL};

static im_fval number_value(double v) {
  if (!isfinite(v))
    return null_value;
  return (im_fval){.t = IM_FVAL_NUM, .num = v + 0.0}; /* + 0.0: no -0 */
}

/* Room for n bytes and a NUL in a; NULL when full. */
static char *take(im_farena *a, size_t n) {
  if (a->used > a->cap || n + 1 > a->cap - a->used)
    return NULL;
  char *p = a->buf + a->used;
  a->used += n + 1;
  p[n] = '\0';
  return p;
}

static im_fval text_value(const char *s, size_t n) { return (im_fval){.t = IM_FVAL_TEXT, .s = s, .n = n}; }

static bool to_num(im_fval v, double *out) {
  switch (v.t) {
  case IM_FVAL_NUM:
    *out = v.num;
    return true;
  case IM_FVAL_TEXT:
    return im_filter_number(v.s, v.n, out);
  case IM_FVAL_BOOL:
    *out = v.b;
    return true;
  default:
    return false;
  }
}

static bool to_date(im_fval v, im_fdate *out) {
  size_t bad;
  switch (v.t) {
  case IM_FVAL_DATE:
    *out = v.date;
    return true;
  case IM_FVAL_TEXT:
    return !im_filter_date(v.s, v.n, true, out, &bad);
  case IM_FVAL_NUM:
    if (!v.year)
      return false;
    *out = v.date;
    return true;
  default:
    return false;
  }
}

/* Civil date of a day count from 1970-01-01 (H. Hinnant's civil_from_days). */
static void civil_from_days(long z, int *y, int *m, int *d) {
  z += 719468;
  long era = (z >= 0 ? z : z - 146096) / 146097;
  long doe = z - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

const char *im_fval_text(im_fval v, im_farena *a) {
  char buf[64];
  int n = 0;
  switch (v.t) {
  case IM_FVAL_NULL:
    return NULL;
  case IM_FVAL_TEXT: {
    if (!v.s[v.n]) /* already NUL-terminated: an attribute, or text made here */
      return v.s;
    char *p = take(a, v.n);
    if (p)
      memcpy(p, v.s, v.n);
    return p;
  }
  case IM_FVAL_NUM:
    /* The shortest of 15 or 17 digits that reads back as the same number. */
    n = im_snprintf(buf, sizeof buf, "%.15g", v.num);
    if (im_strtod(buf, NULL) != v.num)
      n = im_snprintf(buf, sizeof buf, "%.17g", v.num);
    break;
  case IM_FVAL_DATE: {
    const im_fdate *d = &v.date;
    if (d->prec == IM_FDATE_YEAR)
      n = im_snprintf(buf, sizeof buf, "%04d", d->year);
    else if (d->prec == IM_FDATE_MONTH)
      n = im_snprintf(buf, sizeof buf, "%04d-%02d", d->year, d->month);
    else if (d->prec == IM_FDATE_DAY)
      n = im_snprintf(buf, sizeof buf, "%04d-%02d-%02d", d->year, d->month, d->day);
    else {
      double days = floor(d->instant / 86400.0), secs = d->instant - days * 86400.0;
      int y, m, dd;
      civil_from_days((long)days, &y, &m, &dd);
      int s = (int)secs;
      n = im_snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, dd, s / 3600, s / 60 % 60, s % 60);
    }
    break;
  }
  case IM_FVAL_BOOL:
    n = im_snprintf(buf, sizeof buf, "%s", v.b ? "true" : "false");
    break;
  }
  char *p = n > 0 ? take(a, (size_t)n) : NULL;
  if (p)
    memcpy(p, buf, (size_t)n);
  return p;
}

static int text_cmp(im_fval a, im_fval b) {
  int c = memcmp(a.s, b.s, a.n < b.n ? a.n : b.n);
  if (!c)
    c = (a.n > b.n) - (a.n < b.n);
  return (c > 0) - (c < 0);
}

static int num_cmp(double a, double b) { return (a > b) - (a < b); }

/* A year literal (2021) meets a date, or an attribute that is a date and
 * not a number (or comes from a date field): compared as dates. */
static bool year_meets_date(im_fval year, im_fval other) {
  if (!year.year)
    return false;
  if (other.t == IM_FVAL_DATE)
    return true;
  double ignored;
  im_fdate d;
  return other.t == IM_FVAL_TEXT && other.raw && (other.datefield || !im_filter_number(other.s, other.n, &ignored)) &&
         to_date(other, &d);
}

bool im_fval_compare(im_fval a, im_fop op, im_fval b) {
  if (a.t == IM_FVAL_NULL || b.t == IM_FVAL_NULL)
    return false;
  double x, y;
  im_fdate da, db;
  bool p, q;
  if (a.t == IM_FVAL_TEXT && b.t == IM_FVAL_TEXT) {
    /* Two attributes: as numbers when both are, else as text. */
    if (a.raw && b.raw && to_num(a, &x) && to_num(b, &y))
      return im_filter_holds(op, num_cmp(x, y));
    return im_filter_holds(op, text_cmp(a, b));
  }
  if (a.t == IM_FVAL_NUM || b.t == IM_FVAL_NUM) {
    if (year_meets_date(a, b) || year_meets_date(b, a))
      return to_date(a, &da) && to_date(b, &db) && im_filter_holds(op, im_filter_date_cmp(&da, &db));
    return to_num(a, &x) && to_num(b, &y) && im_filter_holds(op, num_cmp(x, y));
  }
  if (a.t == IM_FVAL_DATE || b.t == IM_FVAL_DATE)
    return to_date(a, &da) && to_date(b, &db) && im_filter_holds(op, im_filter_date_cmp(&da, &db));
  /* Booleans: the other side must read as one (false < true). */
  bool ok_a = a.t == IM_FVAL_BOOL ? (p = a.b, true) : im_filter_bool(a.s, a.n, &p);
  bool ok_b = b.t == IM_FVAL_BOOL ? (q = b.b, true) : im_filter_bool(b.s, b.n, &q);
  return ok_a && ok_b && im_filter_holds(op, (int)p - (int)q);
}

im_fval im_foperand_eval(const im_foperand *o, char *const *values, im_farena *a) {
  if (o->expr)
    return im_fvalue_eval(o->expr, values, a);
  if (o->is_field) {
    const char *s = o->index >= 0 && values ? values[o->index] : NULL;
    if (!s)
      return null_value;
    im_fval v = text_value(s, strlen(s));
    v.raw = true;
    v.datefield = o->type == IM_FIELD_DATE;
    return v;
  }
  switch (o->kind) {
  case IM_FLIT_TEXT:
    return text_value(o->text, strlen(o->text));
  case IM_FLIT_NUMBER:
    return number_value(o->number);
  case IM_FLIT_YEAR: {
    im_fval v = number_value(o->number);
    v.year = true;
    v.date = o->date;
    return v;
  }
  case IM_FLIT_DATE:
    return (im_fval){.t = IM_FVAL_DATE, .date = o->date};
  case IM_FLIT_BOOL:
    return (im_fval){.t = IM_FVAL_BOOL, .b = o->boolean};
  }
  return null_value;
}

static im_fval arithmetic(const im_fvalue *v, char *const *values, im_farena *a) {
  double acc, x;
  if (!to_num(im_fvalue_eval(v->args[0], values, a), &acc))
    return null_value;
  for (size_t i = 1; i < v->nargs; i++) {
    if (!to_num(im_fvalue_eval(v->args[i], values, a), &x))
      return null_value;
    switch (v->ops[i]) {
    case '+':
      acc += x;
      break;
    case '-':
      acc -= x;
      break;
    case '*':
      acc *= x;
      break;
    case '/':
      if (x == 0)
        return null_value;
      acc /= x;
      break;
    default: /* '%' */
      if (x == 0)
        return null_value;
      acc = fmod(acc, x);
      break;
    }
  }
  return number_value(acc);
}

/* The texts of v's args joined; skip_null: nulls add nothing (concat()),
 * else a null makes the whole null (||). */
static im_fval join(const im_fvalue *v, bool skip_null, char *const *values, im_farena *a) {
  size_t start = a->used, n = 0;
  /* Each part is written where the last ended, then moved down over the
   * NUL before it, so the whole is one run. */
  char *out = a->buf + a->used;
  for (size_t i = 0; i < v->nargs; i++) {
    size_t mark = a->used;
    const char *t = im_fval_text(im_fvalue_eval(v->args[i], values, a), a);
    if (!t) {
      a->used = mark;
      if (skip_null)
        continue;
      a->used = start;
      return null_value;
    }
    size_t len = strlen(t);
    if (start + n + len + 1 > a->cap) {
      a->used = start;
      return null_value;
    }
    memmove(out + n, t, len);
    n += len;
    out[n] = '\0';
    a->used = start + n + 1;
  }
  if (start + n + 1 > a->cap) /* nothing was written: make room for the "" */
    return null_value;
  out[n] = '\0';
  a->used = start + n + 1;
  return text_value(out, n);
}

static im_fval change_case(im_fval t, bool upper, im_farena *a) {
  size_t start = a->used, o = 0;
  char *out = a->buf + a->used;
  for (const char *p = t.s; p < t.s + t.n;) {
    gunichar c = g_utf8_get_char_validated(p, (gssize)(t.s + t.n - p));
    size_t len = 1;
    if (c == (gunichar)-1 || c == (gunichar)-2)
      c = 0xfffd; /* not UTF-8: the replacement character */
    else
      len = (size_t)(g_utf8_next_char(p) - p);
    c = upper ? g_unichar_toupper(c) : g_unichar_tolower(c);
    if (start + o + 7 > a->cap) {
      a->used = start;
      return null_value;
    }
    o += (size_t)g_unichar_to_utf8(c, out + o);
    p += len;
  }
  out[o] = '\0';
  a->used = start + o + 1;
  return text_value(out, o);
}

/* The byte offset of character k (from 0) of t, or t.n past its end. */
static size_t char_offset(im_fval t, double k) {
  size_t i = 0;
  for (double c = 0; c < k && i < t.n; c++) {
    i++;
    while (i < t.n && ((unsigned char)t.s[i] & 0xc0) == 0x80)
      i++;
  }
  return i;
}

static double day_number(const im_fdate *d) {
  if (d->prec == IM_FDATE_TIME)
    return d->instant / 86400.0;
  return (double)im_filter_days_from_civil(d->year, d->month, d->day);
}

static im_fval call(const im_fvalue *v, char *const *values, im_farena *a) {
  if (v->fn == IM_FN_CONCAT)
    return join(v, true, values, a);
  im_fval x = v->nargs ? im_fvalue_eval(v->args[0], values, a) : null_value;
  double n, m;
  im_fdate d, e;
  switch (v->fn) {
  case IM_FN_COALESCE:
    for (size_t i = 1; x.t == IM_FVAL_NULL && i < v->nargs; i++)
      x = im_fvalue_eval(v->args[i], values, a);
    return x;
  case IM_FN_CONCAT: /* above */
    break;
  case IM_FN_UPPER:
  case IM_FN_LOWER:
  case IM_FN_LENGTH:
  case IM_FN_SUBSTR:
  case IM_FN_TRIM: {
    const char *t = im_fval_text(x, a);
    if (!t)
      return null_value;
    im_fval s = text_value(t, strlen(t));
    if (v->fn == IM_FN_UPPER || v->fn == IM_FN_LOWER)
      return change_case(s, v->fn == IM_FN_UPPER, a);
    if (v->fn == IM_FN_LENGTH)
      return number_value((double)g_utf8_strlen(s.s, (gssize)s.n));
    if (v->fn == IM_FN_TRIM) {
      while (s.n && strchr(" \t\r\n", s.s[0])) {
        s.s++;
        s.n--;
      }
      while (s.n && strchr(" \t\r\n", s.s[s.n - 1]))
        s.n--;
      return s;
    }
    /* substr(text, start[, count]): characters from start (1 the first);
     * as in SQL, a start before 1 eats into the count. */
    if (!to_num(im_fvalue_eval(v->args[1], values, a), &n))
      return null_value;
    n = floor(n);
    m = INFINITY;
    if (v->nargs > 2 && !to_num(im_fvalue_eval(v->args[2], values, a), &m))
      return null_value;
    double end = floor(n + m); /* one past the last character, 1-based */
    if (n < 1)
      n = 1;
    if (end <= n)
      return text_value(s.s, 0);
    size_t from = char_offset(s, n - 1), to = isfinite(end) ? char_offset(s, end - 1) : s.n;
    return text_value(s.s + from, to - from);
  }
  case IM_FN_ROUND:
  case IM_FN_ABS:
  case IM_FN_FLOOR:
  case IM_FN_CEIL:
  case IM_FN_NUMBER:
  case IM_FN_FORMAT:
    if (!to_num(x, &n))
      return null_value;
    if (v->fn == IM_FN_ABS)
      return number_value(fabs(n));
    if (v->fn == IM_FN_FLOOR)
      return number_value(floor(n));
    if (v->fn == IM_FN_CEIL)
      return number_value(ceil(n));
    if (v->fn == IM_FN_NUMBER)
      return number_value(n);
    if (v->fn == IM_FN_ROUND) {
      m = 0;
      if (v->nargs > 1 && !to_num(im_fvalue_eval(v->args[1], values, a), &m))
        return null_value;
      if (m < -15 || m > 15)
        return null_value;
      double scale = pow(10, floor(m));
      if (!isfinite(n * scale)) /* too large to have such decimals: as it is */
        return number_value(n);
      return number_value(round(n * scale) / scale);
    }
    {
      char num[640]; /* 1.8e308 with 15 decimals and its commas */
      im_format_number(n, v->fmt.decimals, v->fmt.group, num, sizeof num);
      size_t lp = strlen(v->fmt.prefix), ln = strlen(num), ls = strlen(v->fmt.suffix);
      char *p = take(a, lp + ln + ls);
      if (!p)
        return null_value;
      memcpy(p, v->fmt.prefix, lp);
      memcpy(p + lp, num, ln);
      memcpy(p + lp + ln, v->fmt.suffix, ls);
      return text_value(p, lp + ln + ls);
    }
  case IM_FN_YEAR:
  case IM_FN_MONTH:
  case IM_FN_DAY:
    if (!to_date(x, &d))
      return null_value;
    if (v->fn == IM_FN_YEAR)
      return number_value(d.year);
    if (v->fn == IM_FN_MONTH)
      return d.prec >= IM_FDATE_MONTH ? number_value(d.month) : null_value;
    return d.prec >= IM_FDATE_DAY ? number_value(d.day) : null_value;
  case IM_FN_DAYS_BETWEEN:
    if (!to_date(x, &d) || !to_date(im_fvalue_eval(v->args[1], values, a), &e))
      return null_value;
    return number_value(day_number(&e) - day_number(&d));
  }
  return null_value;
}

im_fval im_fvalue_eval(const im_fvalue *v, char *const *values, im_farena *a) {
  switch (v->kind) {
  case IM_FV_LEAF:
    return im_foperand_eval(&v->leaf, values, a);
  case IM_FV_NEG: {
    double x;
    return to_num(im_fvalue_eval(v->args[0], values, a), &x) ? number_value(-x) : null_value;
  }
  case IM_FV_SUM:
  case IM_FV_PRODUCT:
    return arithmetic(v, values, a);
  case IM_FV_CONCAT:
    return join(v, false, values, a);
  case IM_FV_CALL:
    return call(v, values, a);
  }
  return null_value;
}

int im_filter_value(const im_filter *f, char *const *values, char *buf, size_t size) {
  if (!f || !f->bound || !f->value)
    return -1;
  char scratch[IM_FARENA_STACK];
  im_farena a = {scratch, sizeof scratch, 0};
  const char *t = im_fval_text(im_fvalue_eval(f->value, values, &a), &a);
  if (!t)
    return -1;
  size_t n = strlen(t);
  if (size) {
    size_t k = n < size - 1 ? n : size - 1;
    memcpy(buf, t, k);
    buf[k] = '\0';
  }
  return (int)n;
}
