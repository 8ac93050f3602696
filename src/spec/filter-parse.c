/* `where:` filters: the lexer, a recursive-descent parser (one function per
 * grammar rule in filter.h) and binding field names to a layer's fields.
 *
 * Every fault is reported at its own line:column in the spec, computed from
 * the byte offset inside the expression. Recursion is bounded by
 * IM_FILTER_MAX_DEPTH: 'and' and 'or' chains are one node each, so only
 * parentheses and 'not' nest. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "core/suggest-private.h"
#include "spec/filter-private.h"

typedef im_ftoken token;
typedef im_fparser parser;

/* The spec position of byte off of the expression. */
static void position(const im_filter *f, size_t off, int *line, int *column) {
  *line = f->line;
  *column = f->column;
  for (size_t i = 0; i < off && f->text[i]; i++) {
    if (f->text[i] == '\n') {
      ++*line;
      *column = 1;
    } else if (((unsigned char)f->text[i] & 0xc0) != 0x80) {
      ++*column;
    }
  }
}

static im_status fail_atv(const im_filter *f, im_error *err, im_status st, size_t off, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
static im_status fail_atv(const im_filter *f, im_error *err, im_status st, size_t off, const char *fmt, va_list ap) {
  int line, column;
  position(f, off, &line, &column);
  im_error_setv(err, st, f->file, line, column, fmt, ap);
  return st;
}

static im_status fail_at(const im_filter *f, im_error *err, im_status st, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static im_status fail_at(const im_filter *f, im_error *err, im_status st, size_t off, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fail_atv(f, err, st, off, fmt, ap);
  va_end(ap);
  return st;
}

/* What the parser finds is the expression's syntax (im_error_code). */
static im_status syntax_error(im_error *err, im_status st) {
  if (err)
    err->code = IM_E_SYNTAX;
  return st;
}

im_status im_fparse_fail(im_fparser *p, size_t off, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fail_atv(p->f, p->err, IM_STATUS_INPUT, off, fmt, ap);
  va_end(ap);
  return syntax_error(p->err, IM_STATUS_INPUT);
}

#define FAIL(p, off, ...) syntax_error((p)->err, fail_at((p)->f, (p)->err, IM_STATUS_INPUT, (off), __VA_ARGS__))
#define NO_MEMORY(p) fail_at((p)->f, (p)->err, IM_STATUS_INTERNAL, 0, "out of memory")

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
/* Characters of a date word: 2021-12-01T10:00:00+02:00. */
static bool is_date_char(char c) { return is_alpha(c) || is_digit(c) || c == '.' || c == ':' || c == '+' || c == '-'; }

/* The end of the number or date word starting at s[at]: a date when it
 * starts YYYY-D, else a number, whose only sign is an exponent's (1e-6),
 * so that 10-2 is a subtraction. Letters run on into the word, so that
 * 12abc is one bad number, not 12 and a field. */
static size_t number_end(const char *s, size_t n, size_t at) {
  size_t i = at;
  bool date = at + 5 < n;
  for (size_t k = 0; date && k < 4; k++)
    date = is_digit(s[at + k]);
  if (date && s[at + 4] == '-' && is_digit(s[at + 5])) {
    while (i < n && is_date_char(s[i]))
      i++;
    return i;
  }
  for (i = at + 1; i < n; i++) {
    char c = s[i];
    if ((c == '+' || c == '-') && (s[i - 1] == 'e' || s[i - 1] == 'E') && i + 1 < n && is_digit(s[i + 1]))
      continue;
    if (!is_alpha(c) && !is_digit(c) && c != '.' && c != ':')
      break;
  }
  return i;
}

/* "the end of the expression" or the token quoted (shortened), for messages. */
static const char *describe(const parser *p, const token *t, char *buf, size_t size) {
  if (t->kind == FT_END)
    return "the end of the expression";
  size_t len = t->end - t->start;
  const char *q = t->kind == FT_STRING ? "" : "'";
  if (len > 40)
    snprintf(buf, size, "%s%.37s...%s", q, p->s + t->start, q);
  else
    snprintf(buf, size, "%s%.*s%s", q, (int)len, p->s + t->start, q);
  return buf;
}

/* Scans a quoted token (q is ' or ") starting at p->pos. */
static im_status lex_quoted(parser *p, char q, im_ftok_kind kind) {
  size_t i = p->pos + 1;
  for (;;) {
    if (i >= p->n)
      return FAIL(p, p->pos,
                  q == '\'' ? "unterminated string (no closing ')" : "unterminated field name (no closing \")");
    if (p->s[i] == q) {
      if (i + 1 < p->n && p->s[i + 1] == q) {
        i += 2;
        continue;
      }
      break;
    }
    i++;
  }
  p->tok = (token){kind, p->pos, i + 1, IM_FOP_EQ, 0};
  p->pos = i + 1;
  return IM_STATUS_OK;
}

static im_status lex_operator(parser *p) {
  size_t i = p->pos;
  while (i < p->n && strchr("=!<>", p->s[i]))
    i++;
  size_t len = i - p->pos;
  const char *o = p->s + p->pos;
  static const struct {
    const char *text;
    im_fop op;
  } ops[] = {{"=", IM_FOP_EQ},  {"!=", IM_FOP_NE}, {"<>", IM_FOP_NE}, {"<", IM_FOP_LT},
             {"<=", IM_FOP_LE}, {">", IM_FOP_GT},  {">=", IM_FOP_GE}};
  for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
    if (strlen(ops[k].text) == len && !strncmp(o, ops[k].text, len)) {
      p->tok = (token){FT_OP, p->pos, i, ops[k].op, 0};
      p->pos = i;
      return IM_STATUS_OK;
    }
  }
  const char *hint = len == 2 && !strncmp(o, "==", 2)   ? "; use '='"
                     : len == 2 && !strncmp(o, "=<", 2) ? "; use '<='"
                     : len == 2 && !strncmp(o, "=>", 2) ? "; use '>='"
                     : len == 1 && *o == '!'            ? "; use '!=', or 'not' before a condition"
                                                        : " (expected =, !=, <>, <, <=, > or >=)";
  return FAIL(p, p->pos, "unknown operator '%.*s'%s", (int)(len > 8 ? 8 : len), o, hint);
}

/* Moves the lookahead to the next token. */
static im_status next(parser *p) {
  while (p->pos < p->n && strchr(" \t\r\n", p->s[p->pos]))
    p->pos++;
  size_t at = p->pos;
  if (at >= p->n) {
    p->tok = (token){FT_END, at, at, IM_FOP_EQ, 0};
    return IM_STATUS_OK;
  }
  char c = p->s[at];
  if (c == '\'')
    return lex_quoted(p, c, FT_STRING);
  if (c == '"')
    return lex_quoted(p, c, FT_NAME);
  if (strchr("=!<>", c))
    return lex_operator(p);
  if (c == '(' || c == ')' || c == ',') {
    p->tok = (token){c == '(' ? FT_LPAREN : c == ')' ? FT_RPAREN : FT_COMMA, at, at + 1, IM_FOP_EQ, 0};
    p->pos++;
    return IM_STATUS_OK;
  }
  if (c == '|' && at + 1 < p->n && p->s[at + 1] == '|') {
    p->tok = (token){FT_ARITH, at, at + 2, IM_FOP_EQ, '|'};
    p->pos += 2;
    return IM_STATUS_OK;
  }
  if (strchr("+-*/%", c)) {
    p->tok = (token){FT_ARITH, at, at + 1, IM_FOP_EQ, c};
    p->pos++;
    return IM_STATUS_OK;
  }
  if (is_digit(c) || (c == '.' && at + 1 < p->n && is_digit(p->s[at + 1]))) {
    size_t i = number_end(p->s, p->n, at);
    p->tok = (token){FT_NUMBER, at, i, IM_FOP_EQ, 0};
    p->pos = i;
    return IM_STATUS_OK;
  }
  if (is_alpha(c)) {
    size_t i = at + 1;
    while (i < p->n && (is_alpha(p->s[i]) || is_digit(p->s[i])))
      i++;
    p->tok = (token){FT_WORD, at, i, IM_FOP_EQ, 0};
    p->pos = i;
    return IM_STATUS_OK;
  }
  /* Show the whole UTF-8 character, not its first byte. */
  size_t len = 1;
  while (len < 4 && at + len < p->n && ((unsigned char)p->s[at + len] & 0xc0) == 0x80)
    len++;
  if ((unsigned char)c >= 0x80)
    return FAIL(p, at,
                "unexpected character '%.*s' (a field name that is not a plain ASCII word goes in double quotes)",
                (int)len, p->s + at);
  if ((unsigned char)c < 0x20 || c == 0x7f)
    return FAIL(p, at, "unexpected control character (byte 0x%02x)", (unsigned)(unsigned char)c);
  if (c == '|')
    return FAIL(p, at, "unexpected character '|' (write || to join texts)");
  return FAIL(p, at, "unexpected character '%c'", c);
}

static bool is_word(const parser *p, const token *t, const char *kw) {
  size_t len = t->end - t->start;
  return t->kind == FT_WORD && strlen(kw) == len && !strncasecmp(p->s + t->start, kw, len);
}

static bool is_keyword(const parser *p, const token *t) {
  static const char *const kws[] = {"and", "or", "not", "in", "like", "is", "null", "true", "false"};
  for (size_t k = 0; k < sizeof kws / sizeof *kws; k++)
    if (is_word(p, t, kws[k]))
      return true;
  return false;
}

/* The inside of a quoted token, '' (or "") undone. */
static char *unquote(const parser *p, const token *t) {
  char q = p->s[t->start];
  char *out = im_strndup(p->s + t->start + 1, t->end - t->start - 2);
  if (!out)
    return NULL;
  char *w = out;
  for (const char *r = out; *r; r++) {
    *w++ = *r;
    if (*r == q)
      r++; /* the doubled quote */
  }
  *w = '\0';
  return out;
}

/* The offset in the expression of byte k of a quoted token's value. */
static size_t source_offset(const parser *p, const token *t, size_t k) {
  char q = p->s[t->start];
  size_t i = t->start + 1;
  for (; k > 0 && i + 1 < t->end; k--)
    i += p->s[i] == q ? 2 : 1;
  return i;
}

static void operand_clear(im_foperand *o) {
  free(o->text);
  o->text = NULL;
  im_fvalue_free(o->expr);
  o->expr = NULL;
}

void im_foperand_clear(im_foperand *o) { operand_clear(o); }

static void node_free(im_fnode *n) {
  if (!n)
    return;
  for (size_t i = 0; i < n->nkids; i++)
    node_free(n->kids[i]);
  free(n->kids);
  for (size_t i = 0; i < n->nitems; i++)
    operand_clear(&n->items[i]);
  free(n->items);
  operand_clear(&n->a);
  operand_clear(&n->b);
  free(n->pattern);
  free(n);
}

static im_fnode *node_new(im_fnode_kind kind) {
  im_fnode *n = calloc(1, sizeof *n);
  if (n)
    n->kind = kind;
  return n;
}

/* A FT_NUMBER token: a date when shaped like one (2021-...), a year-or-number
 * when four digits, else a decimal number. */
static im_status number_literal(parser *p, const token *t, im_foperand *o) {
  const char *w = p->s + t->start;
  size_t len = t->end - t->start;
  bool year = len >= 4 && is_digit(w[0]) && is_digit(w[1]) && is_digit(w[2]) && is_digit(w[3]);
  if (year && len > 4 && w[4] == '-') {
    size_t bad;
    const char *why = im_filter_date(w, len, false, &o->date, &bad);
    if (why)
      return FAIL(p, t->start + bad, "invalid date '%.*s': %s", (int)(len > 40 ? 40 : len), w, why);
    o->kind = IM_FLIT_DATE;
  } else if (!im_filter_number(w, len, &o->number)) {
    return FAIL(p, t->start, "invalid number '%.*s'", (int)(len > 40 ? 40 : len), w);
  } else if (year && len == 4) {
    o->kind = IM_FLIT_YEAR;
    o->date = (im_fdate){IM_FDATE_YEAR, (int)o->number, 1, 1, 0};
  } else {
    o->kind = IM_FLIT_NUMBER;
  }
  return (o->text = im_strndup(w, len)) ? IM_STATUS_OK : NO_MEMORY(p);
}

/* An operand at the lookahead. in_list: bare words and "names" are text. */
static im_status operand(parser *p, bool in_list, bool rhs, im_foperand *o) {
  token t = p->tok;
  char buf[64];
  *o = (im_foperand){.offset = t.start, .index = -1};
  im_status st;
  if (t.kind == FT_ARITH && (t.arith == '-' || t.arith == '+')) {
    /* A signed number, -12.5, is one literal (as it was one token before
     * arithmetic); a sign before anything else is the caller's. */
    if ((st = next(p)))
      return st;
    if (p->tok.kind != FT_NUMBER || p->tok.start != t.end)
      return FAIL(p, t.start, "expected %s, found '%c'", in_list ? "a value" : "a field or a value", t.arith);
    t.kind = FT_NUMBER;
    t.end = p->tok.end;
  }
  switch (t.kind) {
  case FT_NUMBER:
    if ((st = number_literal(p, &t, o)))
      return st;
    break;
  case FT_STRING:
  case FT_NAME:
    o->is_field = t.kind == FT_NAME && !in_list;
    o->kind = IM_FLIT_TEXT;
    if (!(o->text = unquote(p, &t)))
      return NO_MEMORY(p);
    break;
  case FT_WORD:
    if (is_word(p, &t, "null"))
      return FAIL(p, t.start, "null is not a value: test for it with 'is null' or 'is not null'");
    if (is_word(p, &t, "true") || is_word(p, &t, "false")) {
      o->kind = IM_FLIT_BOOL;
      o->boolean = is_word(p, &t, "true");
    } else if (is_keyword(p, &t)) {
      return FAIL(p, t.start, "expected a field or a value, found %s", describe(p, &t, buf, sizeof buf));
    } else {
      o->is_field = !in_list;
      o->bare_rhs = rhs;
      o->kind = IM_FLIT_TEXT;
    }
    if (!(o->text = im_strndup(p->s + t.start, t.end - t.start)))
      return NO_MEMORY(p);
    break;
  default:
    return FAIL(p, t.start, "expected %s, found %s", in_list ? "a value" : "a field or a value",
                describe(p, &t, buf, sizeof buf));
  }
  return next(p);
}

/* ( item, item, ... ) after 'in'; the lookahead is the '('. */
static im_status in_list(parser *p, im_fnode *n) {
  char buf[64];
  if (p->tok.kind != FT_LPAREN)
    return FAIL(p, p->tok.start, "expected '(' and a list of values after 'in', found %s",
                describe(p, &p->tok, buf, sizeof buf));
  size_t open = p->tok.start, cap = 0;
  im_status st = next(p);
  if (st)
    return st;
  if (p->tok.kind == FT_RPAREN)
    return FAIL(p, p->tok.start, "the list after 'in' is empty");
  for (;;) {
    if (!im_grow((void **)&n->items, &cap, n->nitems + 1, sizeof *n->items))
      return NO_MEMORY(p);
    st = operand(p, true, false, &n->items[n->nitems]);
    n->nitems++; /* counted even when it failed, so that node_free frees its text */
    if (st)
      return st;
    if (p->tok.kind == FT_RPAREN)
      return next(p);
    if (p->tok.kind == FT_END) {
      int line, column;
      position(p->f, open, &line, &column);
      return FAIL(p, p->tok.start, "missing ')' to close the list opened at %d:%d", line, column);
    }
    if (p->tok.kind != FT_COMMA)
      return FAIL(p, p->tok.start, "expected ',' or ')' in the list after 'in', found %s",
                  describe(p, &p->tok, buf, sizeof buf));
    if ((st = next(p)))
      return st;
  }
}

/* 'pattern' after 'like'. */
static im_status like_pattern(parser *p, im_fnode *n) {
  char buf[64];
  token t = p->tok;
  if (t.kind != FT_STRING)
    return FAIL(p, t.start, "expected a quoted pattern after 'like', found %s", describe(p, &t, buf, sizeof buf));
  if (!(n->pattern = unquote(p, &t)))
    return NO_MEMORY(p);
  /* Without glob wildcards, read SQL's % and _ (see filter.h). */
  if (!strpbrk(n->pattern, "*?[")) {
    for (char *c = n->pattern; *c; c++) {
      if (*c == '\\' && c[1])
        c++;
      else if (*c == '%')
        *c = '*';
      else if (*c == '_')
        *c = '?';
    }
  }
  size_t bad;
  const char *why = im_filter_glob_check(n->pattern, &bad);
  if (why)
    return FAIL(p, source_offset(p, &t, bad), "invalid pattern: %s", why);
  return next(p);
}

static im_status or_expr(parser *p, im_fnode **out);

/* At a '(': whether it opens a value with a comparison after it, (a + b) /
 * 2 > 1, rather than a condition, (a = 1 or b = 2). Read ahead as a value
 * and put back either way; a fault there is not reported (the condition
 * reading that follows reports its own). */
static bool value_first(parser *p) {
  parser q = *p;
  im_error scratch;
  q.err = &scratch;
  im_foperand o;
  bool value = !im_fparse_value(&q, false, &o) &&
               (q.tok.kind == FT_OP || is_word(&q, &q.tok, "in") || is_word(&q, &q.tok, "like") ||
                is_word(&q, &q.tok, "is") || is_word(&q, &q.tok, "not"));
  operand_clear(&o);
  return value;
}

/* predicate := '(' expr ')' | operand tail | true | false */
static im_status predicate(parser *p, im_fnode **out) {
  char buf[64], buf2[64];
  im_status st;
  if (p->tok.kind == FT_LPAREN && value_first(p)) {
    /* '(' opens a value compared with something ((a + b) / 2 > 1). */
  } else if (p->tok.kind == FT_LPAREN) {
    size_t open = p->tok.start;
    if (++p->depth > IM_FILTER_MAX_DEPTH)
      return FAIL(p, open, "the expression is nested too deeply (more than %d levels of parentheses and 'not')",
                  IM_FILTER_MAX_DEPTH);
    if ((st = next(p)) || (st = or_expr(p, out)))
      return st;
    p->depth--;
    if (p->tok.kind != FT_RPAREN) {
      int line, column;
      position(p->f, open, &line, &column);
      if (p->tok.kind == FT_END)
        return FAIL(p, p->tok.start, "missing ')' to close the '(' at %d:%d", line, column);
      return FAIL(p, p->tok.start, "expected 'and', 'or' or ')' to close the '(' at %d:%d, found %s", line, column,
                  describe(p, &p->tok, buf, sizeof buf));
    }
    return next(p);
  }
  im_fnode *n = node_new(IM_FNODE_CMP);
  if (!n)
    return NO_MEMORY(p);
  *out = n;
  token first = p->tok;
  if ((st = im_fparse_value(p, false, &n->a)))
    return st;
  token t = p->tok;
  if (t.kind == FT_OP) {
    n->op = t.op;
    if ((st = next(p)) || (st = im_fparse_value(p, n->a.is_field, &n->b)))
      return st;
    if (!n->a.is_field && !n->a.expr && n->b.is_field) {
      /* Field on the right: turn it round so evaluation sees field op literal. */
      static const im_fop mirror[] = {IM_FOP_EQ, IM_FOP_NE, IM_FOP_GT, IM_FOP_GE, IM_FOP_LT, IM_FOP_LE};
      im_foperand tmp = n->a;
      n->a = n->b;
      n->b = tmp;
      n->a.bare_rhs = false;
      n->op = mirror[n->op];
    }
    return IM_STATUS_OK;
  }
  bool negate = false;
  if (is_word(p, &t, "not")) {
    negate = true;
    if ((st = next(p)))
      return st;
    t = p->tok;
    if (!is_word(p, &t, "in") && !is_word(p, &t, "like"))
      return FAIL(p, t.start, "expected 'in' or 'like' after 'not', found %s", describe(p, &t, buf, sizeof buf));
  }
  n->negate = negate;
  if (is_word(p, &t, "in")) {
    n->kind = IM_FNODE_IN;
    if ((st = next(p)))
      return st;
    return in_list(p, n);
  }
  if (is_word(p, &t, "like")) {
    n->kind = IM_FNODE_LIKE;
    if ((st = next(p)))
      return st;
    return like_pattern(p, n);
  }
  if (is_word(p, &t, "is")) {
    n->kind = IM_FNODE_NULL;
    if ((st = next(p)))
      return st;
    if (is_word(p, &p->tok, "not")) {
      n->negate = true;
      if ((st = next(p)))
        return st;
    }
    if (!is_word(p, &p->tok, "null"))
      return FAIL(p, p->tok.start, "expected 'null' or 'not null' after 'is', found %s",
                  describe(p, &p->tok, buf, sizeof buf));
    return next(p);
  }
  if (n->a.kind == IM_FLIT_BOOL && !n->a.is_field &&
      (t.kind == FT_END || t.kind == FT_RPAREN || is_word(p, &t, "and") || is_word(p, &t, "or"))) {
    n->kind = IM_FNODE_CONST;
    n->negate = n->a.boolean;
    return IM_STATUS_OK;
  }
  if (n->a.expr)
    return FAIL(p, t.start,
                "expected a comparison (=, !=, <, <=, >, >=, in, like or is null) after the value, found %s",
                describe(p, &t, buf2, sizeof buf2));
  return FAIL(p, t.start, "expected a comparison (=, !=, <, <=, >, >=, in, like or is null) after %s, found %s",
              describe(p, &first, buf, sizeof buf), describe(p, &t, buf2, sizeof buf2));
}

/* not := 'not' not | predicate */
static im_status not_expr(parser *p, im_fnode **out) {
  if (!is_word(p, &p->tok, "not"))
    return predicate(p, out);
  if (++p->depth > IM_FILTER_MAX_DEPTH)
    return FAIL(p, p->tok.start, "the expression is nested too deeply (more than %d levels of parentheses and 'not')",
                IM_FILTER_MAX_DEPTH);
  im_fnode *n = node_new(IM_FNODE_NOT);
  if (!n || !(n->kids = calloc(1, sizeof *n->kids))) {
    free(n);
    return NO_MEMORY(p);
  }
  n->nkids = 1;
  *out = n;
  im_status st = next(p);
  if (st || (st = not_expr(p, &n->kids[0])))
    return st;
  p->depth--;
  return IM_STATUS_OK;
}

/* A chain of one operator (and / or) as one node, so a long chain does not
 * nest. sub parses the operands. */
static im_status chain(parser *p, const char *kw, im_fnode_kind kind, im_status (*sub)(parser *, im_fnode **),
                       im_fnode **out) {
  im_status st = sub(p, out);
  if (st || !is_word(p, &p->tok, kw))
    return st;
  im_fnode *n = node_new(kind);
  size_t cap = 0;
  if (!n || !im_grow((void **)&n->kids, &cap, 2, sizeof *n->kids)) {
    free(n);
    return NO_MEMORY(p);
  }
  n->kids[n->nkids++] = *out;
  *out = n;
  while (is_word(p, &p->tok, kw)) {
    if ((st = next(p)))
      return st;
    if (!im_grow((void **)&n->kids, &cap, n->nkids + 1, sizeof *n->kids))
      return NO_MEMORY(p);
    n->kids[n->nkids] = NULL;
    st = sub(p, &n->kids[n->nkids]);
    n->nkids++; /* kept even when partial, so node_free frees it */
    if (st)
      return st;
  }
  return IM_STATUS_OK;
}

static im_status and_expr(parser *p, im_fnode **out) { return chain(p, "and", IM_FNODE_AND, not_expr, out); }

static im_status or_expr(parser *p, im_fnode **out) { return chain(p, "or", IM_FNODE_OR, and_expr, out); }

im_status im_fparse_next(im_fparser *p) { return next(p); }
bool im_fparse_word(const im_fparser *p, const im_ftoken *t, const char *kw) { return is_word(p, t, kw); }
bool im_fparse_keyword(const im_fparser *p, const im_ftoken *t) { return is_keyword(p, t); }
const char *im_fparse_describe(const im_fparser *p, const im_ftoken *t, char *buf, size_t size) {
  return describe(p, t, buf, size);
}
im_status im_fparse_leaf(im_fparser *p, bool in_list, bool rhs, im_foperand *o) { return operand(p, in_list, rhs, o); }

static im_status parse(const char *text, const char *file, int line, int column, bool value, im_filter **out,
                       im_error *err) {
  *out = NULL;
  if (!text)
    text = "";
  size_t n = strlen(text);
  if (n > IM_FILTER_MAX_LEN)
    return im_error_set(err, IM_STATUS_INPUT, file, line, column, "the expression is too long (%zu bytes; at most %d)",
                        n, IM_FILTER_MAX_LEN);
  im_filter *f = calloc(1, sizeof *f);
  if (!f || !(f->text = im_strndup(text, n)) || (file && !(f->file = im_strdup(file)))) {
    im_filter_free(f);
    return im_error_set(err, IM_STATUS_INTERNAL, file, line, column, "out of memory");
  }
  f->line = line;
  f->column = column;
  parser p = {.f = f, .s = f->text, .n = n, .err = err};
  char buf[64];
  im_status st = next(&p);
  if (!st && p.tok.kind == FT_END)
    st = FAIL(&p, 0, "empty expression");
  im_foperand o = {0};
  if (!st && value) {
    st = im_fparse_value(&p, false, &o);
    /* A lone field or literal is a value of one leaf. */
    if (!st && !o.expr) {
      im_fvalue *v = calloc(1, sizeof *v);
      if (!v) {
        st = NO_MEMORY(&p);
      } else {
        v->kind = IM_FV_LEAF;
        v->offset = o.offset;
        v->leaf = o;
        o = (im_foperand){.expr = v};
      }
    }
    f->value = o.expr;
    o.expr = NULL;
    operand_clear(&o);
  } else if (!st) {
    st = or_expr(&p, &f->root);
  }
  if (!st && p.tok.kind != FT_END)
    st = FAIL(&p, p.tok.start, "expected %s, found %s",
              value ? "an operator (+ - * / % ||) or the end of the expression"
                    : "'and', 'or' or the end of the expression",
              p.tok.kind == FT_RPAREN ? "')' with no '(' before it" : describe(&p, &p.tok, buf, sizeof buf));
  if (st) {
    im_filter_free(f);
    return st;
  }
  *out = f;
  return IM_STATUS_OK;
}

im_status im_filter_parse(const char *text, const char *file, int line, int column, im_filter **out, im_error *err) {
  return parse(text, file, line, column, false, out, err);
}

im_status im_filter_parse_value(const char *text, const char *file, int line, int column, im_filter **out,
                                im_error *err) {
  return parse(text, file, line, column, true, out, err);
}

void im_filter_free(im_filter *f) {
  if (!f)
    return;
  im_fvalue_free(f->value);
  node_free(f->root);
  free(f->text);
  free(f->file);
  free(f);
}

const char *im_filter_text(const im_filter *f) { return f ? f->text : NULL; }

/* The field called name: the exact-case match, else the first one equal
 * but for case; -1 when none. */
static long find_field(const im_field *fields, size_t nfields, const char *name) {
  for (size_t i = 0; i < nfields; i++)
    if (fields[i].name && !strcmp(fields[i].name, name))
      return (long)i;
  for (size_t i = 0; i < nfields; i++)
    if (fields[i].name && !strcasecmp(fields[i].name, name))
      return (long)i;
  return -1;
}

static im_status unknown_field(im_filter *f, const im_foperand *o, const im_field *fields, size_t nfields,
                               const char *layer_path, im_error *err) {
  const char *where = layer_path ? layer_path : "the layer";
  const char **names = im_malloc_array(nfields, sizeof *names);
  if (!names)
    return fail_at(f, err, IM_STATUS_INTERNAL, o->offset, "out of memory");
  for (size_t i = 0; i < nfields; i++)
    names[i] = fields[i].name ? fields[i].name : "";
  const char *close = im_suggest(o->text, names, nfields);
  char list[512] = "";
  if (!close && nfields) {
    size_t used = 0;
    for (size_t i = 0; i < nfields && i < 10 && used < sizeof list; i++)
      used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
    if (nfields > 10 && used < sizeof list)
      snprintf(list + used, sizeof list - used, " and %zu more", nfields - 10);
  }
  im_status st;
  if (close)
    st = fail_at(f, err, IM_STATUS_INPUT, o->offset, "field '%s' is not in %s (did you mean '%s'?)", o->text, where,
                 close);
  else if (!nfields)
    st = fail_at(f, err, IM_STATUS_INPUT, o->offset, "field '%s' is not in %s (it has no attribute fields)", o->text,
                 where);
  else if (o->bare_rhs)
    st = fail_at(f, err, IM_STATUS_INPUT, o->offset,
                 "field '%s' is not in %s (for the text %s, quote it: '%s'; its fields are: %s)", o->text, where,
                 o->text, o->text, list);
  else
    st = fail_at(f, err, IM_STATUS_INPUT, o->offset, "field '%s' is not in %s (its fields are: %s)", o->text, where,
                 list);
  if (err)
    err->code = IM_E_NO_SUCH_FIELD;
  free(names);
  return st;
}

typedef struct {
  im_filter *f;
  const im_field *fields;
  size_t nfields;
  const char *layer_path;
  im_error *err;
} bind_ctx;

static im_status bind_operand(im_filter *f, im_foperand *o, const im_field *fields, size_t nfields,
                              const char *layer_path, im_error *err);

static im_status bind_leaf(im_foperand *o, void *vctx) {
  bind_ctx *b = vctx;
  return bind_operand(b->f, o, b->fields, b->nfields, b->layer_path, b->err);
}

static im_status bind_operand(im_filter *f, im_foperand *o, const im_field *fields, size_t nfields,
                              const char *layer_path, im_error *err) {
  if (o->expr)
    return im_fvalue_bind(o->expr, bind_leaf, &(bind_ctx){f, fields, nfields, layer_path, err});
  if (!o->is_field)
    return IM_STATUS_OK;
  o->index = find_field(fields, nfields, o->text);
  if (o->index < 0)
    return unknown_field(f, o, fields, nfields, layer_path, err);
  o->type = fields[o->index].type;
  return IM_STATUS_OK;
}

static im_status bind_node(im_filter *f, im_fnode *n, const im_field *fields, size_t nfields, const char *layer_path,
                           im_error *err) {
  im_status st;
  for (size_t i = 0; i < n->nkids; i++)
    if ((st = bind_node(f, n->kids[i], fields, nfields, layer_path, err)))
      return st;
  if (n->kind == IM_FNODE_CONST || n->nkids)
    return IM_STATUS_OK;
  if ((st = bind_operand(f, &n->a, fields, nfields, layer_path, err)))
    return st;
  return n->kind == IM_FNODE_CMP ? bind_operand(f, &n->b, fields, nfields, layer_path, err) : IM_STATUS_OK;
}

im_status im_filter_bind(im_filter *f, const im_field *fields, size_t nfields, const char *layer_path, im_error *err) {
  f->bound = false;
  im_status st = f->value ? im_fvalue_bind(f->value, bind_leaf, &(bind_ctx){f, fields, nfields, layer_path, err})
                          : bind_node(f, f->root, fields, nfields, layer_path, err);
  f->bound = st == IM_STATUS_OK;
  return st;
}

im_status im_filter_copy_bound(const im_filter *f, const im_field *fields, size_t nfields, const char *layer_path,
                               im_filter **out, im_error *err) {
  *out = NULL;
  /* Parsed again from its text: the same tree, with the same positions
   * in the spec for the messages of binding. */
  im_status st = parse(f->text, f->file, f->line, f->column, f->value != NULL, out, err);
  if (!st)
    st = im_filter_bind(*out, fields, nfields, layer_path, err);
  if (st) {
    im_filter_free(*out);
    *out = NULL;
  }
  return st;
}
