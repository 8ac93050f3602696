/* Computed values in expressions (docs/style-language.md, "Expressions"):
 * arithmetic, || and functions over fields and literals, parsed into
 * im_fvalue trees. Used inside `where:` conditions (POP_EST / AREA > 100)
 * and wherever a field is named (classes, labels, priorities, z).
 *
 *   value   := concat
 *   concat  := sum ('||' sum)*
 *   sum     := product (('+' | '-') product)*
 *   product := unary (('*' | '/' | '%') unary)*
 *   unary   := ('-' | '+') unary | primary
 *   primary := '(' value ')' | name '(' [value (',' value)*] ')' | field | literal
 *
 * A chain of one precedence is one node, and only parentheses, signs and
 * calls nest, within IM_FILTER_MAX_DEPTH. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "core/suggest-private.h"
#include "spec/filter-private.h"

#define FAIL(p, off, ...) im_fparse_fail((p), (off), __VA_ARGS__)

static im_status no_memory(im_fparser *p) {
  im_error_set(p->err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  return IM_STATUS_INTERNAL;
}

static const struct {
  const char *name;
  im_fn fn;
  int min, max; /* arguments; max -1: any number */
} functions[] = {
    {"upper", IM_FN_UPPER, 1, 1},
    {"lower", IM_FN_LOWER, 1, 1},
    {"length", IM_FN_LENGTH, 1, 1},
    {"substr", IM_FN_SUBSTR, 2, 3},
    {"trim", IM_FN_TRIM, 1, 1},
    {"concat", IM_FN_CONCAT, 1, -1},
    {"coalesce", IM_FN_COALESCE, 1, -1},
    {"round", IM_FN_ROUND, 1, 2},
    {"abs", IM_FN_ABS, 1, 1},
    {"floor", IM_FN_FLOOR, 1, 1},
    {"ceil", IM_FN_CEIL, 1, 1},
    {"number", IM_FN_NUMBER, 1, 1},
    {"year", IM_FN_YEAR, 1, 1},
    {"month", IM_FN_MONTH, 1, 1},
    {"day", IM_FN_DAY, 1, 1},
    {"days_between", IM_FN_DAYS_BETWEEN, 2, 2},
    {"format", IM_FN_FORMAT, 2, 2},
};
enum { NFUNCTIONS = sizeof functions / sizeof *functions };

void im_fvalue_free(im_fvalue *v) {
  if (!v)
    return;
  for (size_t i = 0; i < v->nargs; i++)
    im_fvalue_free(v->args[i]);
  free(v->args);
  free(v->ops);
  im_foperand_clear(&v->leaf);
  free(v->fmt.prefix);
  free(v->fmt.suffix);
  free(v);
}

im_status im_fvalue_bind(im_fvalue *v, im_status (*bind_one)(im_foperand *o, void *ctx), void *ctx) {
  if (v->kind == IM_FV_LEAF)
    return bind_one(&v->leaf, ctx);
  for (size_t i = 0; i < v->nargs; i++) {
    im_status st = im_fvalue_bind(v->args[i], bind_one, ctx);
    if (st)
      return st;
  }
  return IM_STATUS_OK;
}

static im_fvalue *node_new(im_fv_kind kind, size_t offset) {
  im_fvalue *v = calloc(1, sizeof *v);
  if (v) {
    v->kind = kind;
    v->offset = offset;
    v->leaf.index = -1;
  }
  return v;
}

/* Appends arg (taken, even on failure) and the operator before it. */
static bool add_arg(im_fvalue *v, size_t *cap, im_fvalue *arg, char op) {
  if (!im_grow((void **)&v->args, cap, v->nargs + 1, sizeof *v->args)) {
    im_fvalue_free(arg);
    return false;
  }
  if (v->kind == IM_FV_SUM || v->kind == IM_FV_PRODUCT) {
    char *ops = realloc(v->ops, v->nargs + 1);
    if (!ops) {
      im_fvalue_free(arg);
      return false;
    }
    v->ops = ops;
    ops[v->nargs] = op;
  }
  v->args[v->nargs++] = arg;
  return true;
}

static im_status concat(im_fparser *p, bool rhs, im_fvalue **out);

/* A pattern for format(): '#,##0.0', '0 km', '0.0%', '$#,##0': a run of
 * # 0 , . with text before and after it; a ',' in the run asks for
 * thousands separators, and the digits after the '.' are the decimals. */
static const char *read_pattern(const char *pat, im_fnumfmt *fmt, size_t *bad) {
  const char *run = strpbrk(pat, "#0");
  if (!run) {
    *bad = 0;
    return "a number format needs a 0 or # where the number goes ('0.0', '#,##0')";
  }
  while (run > pat && (run[-1] == ',' || run[-1] == '.'))
    run--;
  const char *end = run, *point = NULL;
  int decimals = 0;
  bool group = false;
  for (; *end && strchr("#0,.", *end); end++) {
    if (*end == '.') {
      if (point) {
        *bad = (size_t)(end - pat);
        return "a number format has one decimal point";
      }
      point = end;
    } else if (*end == ',') {
      if (point) {
        *bad = (size_t)(end - pat);
        return "thousands separators go before the decimal point";
      }
      group = true;
    } else if (point) {
      decimals++;
    }
  }
  if (decimals > 12) {
    *bad = (size_t)(point - pat);
    return "at most 12 decimals";
  }
  if (strpbrk(end, "#0")) {
    *bad = (size_t)(strpbrk(end, "#0") - pat);
    return "a number format has one run of digits (# 0 , .)";
  }
  fmt->decimals = decimals;
  fmt->group = group;
  fmt->prefix = im_strndup(pat, (size_t)(run - pat));
  fmt->suffix = im_strdup(end);
  if (!fmt->prefix || !fmt->suffix) {
    *bad = 0;
    return "out of memory";
  }
  return NULL;
}

/* format(x, 1) or format(x, '#,##0.0'): the second argument is read once,
 * so it must be written out. */
static im_status format_arg(im_fparser *p, im_fvalue *v) {
  const im_fvalue *a = v->args[1];
  const im_foperand *l = &a->leaf;
  if (a->kind == IM_FV_LEAF && !l->is_field && l->kind == IM_FLIT_NUMBER) {
    if (l->number < 0 || l->number > 12 || l->number != (int)l->number)
      return FAIL(p, a->offset, "format(): the decimals must be a whole number from 0 to 12");
    v->fmt.decimals = (int)l->number;
    v->fmt.group = true;
    if (!(v->fmt.prefix = im_strdup("")) || !(v->fmt.suffix = im_strdup("")))
      return no_memory(p);
    return IM_STATUS_OK;
  }
  if (a->kind == IM_FV_LEAF && !l->is_field && l->kind == IM_FLIT_YEAR)
    return FAIL(p, a->offset, "format(): the decimals must be a whole number from 0 to 12");
  if (a->kind != IM_FV_LEAF || l->is_field || l->kind != IM_FLIT_TEXT)
    return FAIL(p, a->offset,
                "format(): the second argument is the number of decimals (format(x, 1)) or a quoted pattern "
                "(format(x, '#,##0.0'))");
  size_t bad = 0;
  const char *why = read_pattern(l->text, &v->fmt, &bad);
  if (why)
    return FAIL(p, a->offset + 1 + bad, "format(): %s", why);
  return IM_STATUS_OK;
}

/* name(args) with the lookahead at the name. */
static im_status call(im_fparser *p, im_fvalue **out) {
  im_ftoken name = p->tok;
  size_t len = name.end - name.start;
  char buf[64];
  int k = 0;
  while (k < NFUNCTIONS &&
         !(strlen(functions[k].name) == len && !strncasecmp(functions[k].name, p->s + name.start, len)))
    k++;
  if (k == NFUNCTIONS) {
    const char *names[NFUNCTIONS];
    for (int i = 0; i < NFUNCTIONS; i++)
      names[i] = functions[i].name;
    char *word = im_strndup(p->s + name.start, len);
    const char *near = word ? im_suggest(word, names, NFUNCTIONS) : NULL;
    free(word);
    if (near)
      return FAIL(p, name.start, "unknown function '%.*s' (did you mean '%s'?)", (int)(len > 40 ? 40 : len),
                  p->s + name.start, near);
    return FAIL(p, name.start,
                "unknown function '%.*s' (functions: upper, lower, length, substr, trim, concat, coalesce, round, "
                "abs, floor, ceil, number, year, month, day, days_between, format)",
                (int)(len > 40 ? 40 : len), p->s + name.start);
  }
  im_fvalue *v = node_new(IM_FV_CALL, name.start);
  if (!v)
    return no_memory(p);
  *out = v;
  v->fn = functions[k].fn;
  size_t cap = 0;
  im_status st;
  if ((st = im_fparse_next(p)) || (st = im_fparse_next(p))) /* the name, the '(' */
    return st;
  if (p->tok.kind != FT_RPAREN) {
    for (;;) {
      im_fvalue *arg = NULL;
      st = concat(p, false, &arg);
      if (!add_arg(v, &cap, arg, 0))
        return no_memory(p);
      if (st)
        return st;
      if (p->tok.kind == FT_RPAREN)
        break;
      if (p->tok.kind != FT_COMMA)
        return FAIL(p, p->tok.start, "expected ',' or ')' after an argument of %s(), found %s", functions[k].name,
                    im_fparse_describe(p, &p->tok, buf, sizeof buf));
      if ((st = im_fparse_next(p)))
        return st;
    }
  }
  int n = (int)v->nargs;
  if (n < functions[k].min || (functions[k].max >= 0 && n > functions[k].max)) {
    int min = functions[k].min, max = functions[k].max;
    if (max < 0)
      return FAIL(p, name.start, "%s() takes at least %d argument%s", functions[k].name, min, min == 1 ? "" : "s");
    if (min == max)
      return FAIL(p, name.start, "%s() takes %d argument%s, not %d", functions[k].name, min, min == 1 ? "" : "s", n);
    return FAIL(p, name.start, "%s() takes %d to %d arguments, not %d", functions[k].name, min, max, n);
  }
  if (v->fn == IM_FN_FORMAT && (st = format_arg(p, v)))
    return st;
  return im_fparse_next(p); /* the ')' */
}

/* Whether the lookahead (a word) is followed by '(': a function. */
static bool before_paren(const im_fparser *p) {
  size_t i = p->tok.end;
  while (i < p->n && strchr(" \t\r\n", p->s[i]))
    i++;
  return i < p->n && p->s[i] == '(';
}

static im_status deeper(im_fparser *p, size_t at) {
  if (++p->depth > IM_FILTER_MAX_DEPTH)
    return FAIL(p, at, "the expression is nested too deeply (more than %d levels of parentheses, signs and calls)",
                IM_FILTER_MAX_DEPTH);
  return IM_STATUS_OK;
}

static im_status primary(im_fparser *p, bool rhs, im_fvalue **out) {
  im_status st;
  char buf[64];
  im_ftoken t = p->tok;
  if (t.kind == FT_LPAREN) {
    if ((st = deeper(p, t.start)) || (st = im_fparse_next(p)) || (st = concat(p, false, out)))
      return st;
    p->depth--;
    if (p->tok.kind != FT_RPAREN)
      return FAIL(p, p->tok.start, "expected an operator (+ - * / %% ||) or ')', found %s",
                  im_fparse_describe(p, &p->tok, buf, sizeof buf));
    return im_fparse_next(p);
  }
  if (t.kind == FT_ARITH && (t.arith == '-' || t.arith == '+')) {
    /* -12.5 stays one literal; a sign before anything else is computed. */
    size_t after = t.end;
    while (after < p->n && strchr(" \t\r\n", p->s[after]))
      after++;
    bool number = after == t.end && after < p->n && ((p->s[after] >= '0' && p->s[after] <= '9') || p->s[after] == '.');
    if (!number) {
      if ((st = deeper(p, t.start)) || (st = im_fparse_next(p)))
        return st;
      im_fvalue *arg = NULL;
      st = primary(p, false, &arg);
      if (t.arith == '+') {
        *out = arg;
      } else {
        im_fvalue *v = node_new(IM_FV_NEG, t.start);
        size_t cap = 0;
        if (!v || !add_arg(v, &cap, arg, 0)) {
          if (!v)
            im_fvalue_free(arg);
          free(v);
          return no_memory(p);
        }
        *out = v;
      }
      p->depth--;
      return st;
    }
  }
  if (t.kind == FT_WORD && !im_fparse_keyword(p, &t) && before_paren(p))
    return call(p, out);
  im_fvalue *v = node_new(IM_FV_LEAF, t.start);
  if (!v)
    return no_memory(p);
  *out = v;
  return im_fparse_leaf(p, false, rhs, &v->leaf);
}

/* One chain of kind: sub (op sub)*, with ops among those in `ops`. */
static im_status chain(im_fparser *p, bool rhs, im_fv_kind kind, const char *ops,
                       im_status (*sub)(im_fparser *, bool, im_fvalue **), im_fvalue **out) {
  im_status st = sub(p, rhs, out);
  if (st || p->tok.kind != FT_ARITH || !strchr(ops, p->tok.arith))
    return st;
  im_fvalue *v = node_new(kind, (*out)->offset);
  size_t cap = 0;
  if (!v || !add_arg(v, &cap, *out, 0)) {
    if (!v)
      im_fvalue_free(*out);
    free(v);
    *out = NULL;
    return no_memory(p);
  }
  *out = v;
  while (p->tok.kind == FT_ARITH && strchr(ops, p->tok.arith)) {
    char op = p->tok.arith;
    if ((st = im_fparse_next(p)))
      return st;
    im_fvalue *arg = NULL;
    st = sub(p, false, &arg);
    if (!add_arg(v, &cap, arg, op))
      return no_memory(p);
    if (st)
      return st;
  }
  return IM_STATUS_OK;
}

static im_status product(im_fparser *p, bool rhs, im_fvalue **out) {
  return chain(p, rhs, IM_FV_PRODUCT, "*/%", primary, out);
}

static im_status sum(im_fparser *p, bool rhs, im_fvalue **out) { return chain(p, rhs, IM_FV_SUM, "+-", product, out); }

static im_status concat(im_fparser *p, bool rhs, im_fvalue **out) { return chain(p, rhs, IM_FV_CONCAT, "|", sum, out); }

im_status im_fparse_value(im_fparser *p, bool rhs, im_foperand *o) {
  *o = (im_foperand){.offset = p->tok.start, .index = -1};
  im_fvalue *v = NULL;
  im_status st = concat(p, rhs, &v);
  if (!st && v && v->kind == IM_FV_LEAF) {
    /* A lone field or literal stays a plain operand, evaluated as before. */
    *o = v->leaf;
    v->leaf = (im_foperand){.index = -1};
    im_fvalue_free(v);
    return IM_STATUS_OK;
  }
  o->expr = v;
  return st;
}
