/* The tree a `where:` filter is parsed into (filter-parse.c) and evaluated
 * from (filter-eval.c), with the value parsers both sides share. */
#ifndef IM_FILTER_PRIVATE_H
#define IM_FILTER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "influmap/error.h"
#include "influmap/filter.h"

enum { IM_FILTER_MAX_DEPTH = 256, IM_FILTER_MAX_LEN = 64 * 1024 };

/* A date's precision: a date names a whole year, month, day, or an instant. */
typedef enum { IM_FDATE_YEAR = 1, IM_FDATE_MONTH, IM_FDATE_DAY, IM_FDATE_TIME } im_fdate_prec;

typedef struct {
  im_fdate_prec prec;
  int year, month, day; /* as written (month and day 1 when coarser) */
  double instant;       /* IM_FDATE_TIME: UTC seconds since 1970 */
} im_fdate;

typedef enum {
  IM_FLIT_TEXT,
  IM_FLIT_NUMBER,
  IM_FLIT_DATE,
  IM_FLIT_YEAR, /* a bare four-digit number: a year or a number, by the attribute */
  IM_FLIT_BOOL,
} im_flit_kind;

typedef struct im_fvalue im_fvalue;

/* A field reference or a literal; or, with expr set, a computed value
 * (arithmetic, functions: filter-value.c), which is neither. */
typedef struct {
  im_fvalue *expr; /* a computed value, or NULL */
  bool is_field;
  bool bare_rhs; /* a bare word on the right of a comparison (maybe meant as text) */
  size_t offset; /* in the expression, for messages */
  char *text;    /* the field's name; a literal's value as text (quotes undone) */
  /* Fields, once bound. */
  long index;
  im_field_type type;
  /* Literals, parsed once. */
  im_flit_kind kind;
  double number; /* IM_FLIT_NUMBER, IM_FLIT_YEAR */
  im_fdate date; /* IM_FLIT_DATE, IM_FLIT_YEAR */
  bool boolean;  /* IM_FLIT_BOOL */
} im_foperand;

typedef enum {
  IM_FNODE_OR,
  IM_FNODE_AND,
  IM_FNODE_NOT,
  IM_FNODE_CMP,   /* a op b */
  IM_FNODE_IN,    /* a [not] in (items) */
  IM_FNODE_LIKE,  /* a [not] like pattern */
  IM_FNODE_NULL,  /* a is [not] null */
  IM_FNODE_CONST, /* true / false */
} im_fnode_kind;

typedef enum { IM_FOP_EQ, IM_FOP_NE, IM_FOP_LT, IM_FOP_LE, IM_FOP_GT, IM_FOP_GE } im_fop;

typedef struct im_fnode im_fnode;
struct im_fnode {
  im_fnode_kind kind;
  bool negate; /* not in, not like, is not null; IM_FNODE_CONST: its value */
  im_fop op;
  im_foperand a, b;
  im_foperand *items; /* IM_FNODE_IN */
  size_t nitems;
  char *pattern;   /* IM_FNODE_LIKE: a well-formed glob (SQL patterns translated) */
  im_fnode **kids; /* IM_FNODE_OR, IM_FNODE_AND (two or more), IM_FNODE_NOT (one) */
  size_t nkids;
};

/* Computed values (docs/style-language.md, "Expressions"). Sums and
 * products are one node per chain (a + b - c: args a, b, c with ops
 * "+-" between them), so a long chain does not nest. */
typedef enum {
  IM_FV_LEAF,    /* leaf: a field or a literal */
  IM_FV_NEG,     /* - args[0] */
  IM_FV_SUM,     /* args joined by ops ('+', '-') */
  IM_FV_PRODUCT, /* args joined by ops ('*', '/', '%') */
  IM_FV_CONCAT,  /* args joined by || */
  IM_FV_CALL,    /* fn(args) */
} im_fv_kind;

typedef enum {
  IM_FN_UPPER,
  IM_FN_LOWER,
  IM_FN_LENGTH,
  IM_FN_SUBSTR,
  IM_FN_TRIM,
  IM_FN_CONCAT,
  IM_FN_COALESCE,
  IM_FN_ROUND,
  IM_FN_ABS,
  IM_FN_FLOOR,
  IM_FN_CEIL,
  IM_FN_NUMBER,
  IM_FN_YEAR,
  IM_FN_MONTH,
  IM_FN_DAY,
  IM_FN_DAYS_BETWEEN,
  IM_FN_FORMAT,
} im_fn;

/* format(x, ...)'s second argument, read once: decimals, thousands
 * separators, and text before and after the number. */
typedef struct {
  int decimals;
  bool group;
  char *prefix, *suffix;
} im_fnumfmt;

struct im_fvalue {
  im_fv_kind kind;
  size_t offset; /* in the expression, for messages */
  im_foperand leaf;
  im_fvalue **args;
  size_t nargs;
  char *ops; /* IM_FV_SUM, IM_FV_PRODUCT: ops[i] joins args[i] to what comes before (ops[0] unused) */
  im_fn fn;
  im_fnumfmt fmt; /* IM_FN_FORMAT */
};

/* The lexer and parser state, shared by filter-parse.c (conditions) and
 * filter-value.c (computed values). */
typedef enum {
  FT_END,
  FT_WORD,   /* [A-Za-z_][A-Za-z0-9_]*: a field, a keyword or a function */
  FT_NAME,   /* "field name" */
  FT_STRING, /* 'text' */
  FT_NUMBER, /* a number or a date, classified by the parser */
  FT_LPAREN,
  FT_RPAREN,
  FT_COMMA,
  FT_OP,    /* a comparison */
  FT_ARITH, /* + - * / % and || (arith '|') */
} im_ftok_kind;

typedef struct {
  im_ftok_kind kind;
  size_t start, end; /* bytes of the expression, quotes included */
  im_fop op;
  char arith;
} im_ftoken;

typedef struct {
  const struct im_filter *f;
  const char *s;
  size_t n, pos; /* the lexer's position */
  im_ftoken tok; /* the lookahead */
  int depth;
  im_error *err;
} im_fparser;

im_status im_fparse_next(im_fparser *p);
im_status im_fparse_fail(im_fparser *p, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool im_fparse_word(const im_fparser *p, const im_ftoken *t, const char *kw);
bool im_fparse_keyword(const im_fparser *p, const im_ftoken *t);
const char *im_fparse_describe(const im_fparser *p, const im_ftoken *t, char *buf, size_t size);
/* A field or a literal at the lookahead (in_list: bare words are text). */
im_status im_fparse_leaf(im_fparser *p, bool in_list, bool rhs, im_foperand *o);
/* A value at the lookahead: a leaf, or a computed one in o->expr. */
im_status im_fparse_value(im_fparser *p, bool rhs, im_foperand *o);
void im_foperand_clear(im_foperand *o);
void im_fvalue_free(im_fvalue *v);
/* Binds a value's fields (bind_one for each leaf that is a field). */
im_status im_fvalue_bind(im_fvalue *v, im_status (*bind_one)(im_foperand *o, void *ctx), void *ctx);

/* A value as computed: null, a number, text (not NUL-terminated; raw:
 * an attribute as read, typed by what it meets), a date or a boolean. */
typedef enum { IM_FVAL_NULL, IM_FVAL_NUM, IM_FVAL_TEXT, IM_FVAL_DATE, IM_FVAL_BOOL } im_fval_type;

typedef struct {
  im_fval_type t;
  bool raw;       /* IM_FVAL_TEXT: an attribute's text */
  bool datefield; /* raw, from a date field (DBF type D) */
  bool year;      /* IM_FVAL_NUM: a bare four-digit literal, a year to a date */
  double num;
  const char *s;
  size_t n;
  im_fdate date;
  bool b;
} im_fval;

/* Scratch space for the text a value makes (upper, ||, format): on the
 * stack of the caller, so evaluation does not allocate. A value whose
 * text does not fit is null. */
typedef struct {
  char *buf;
  size_t cap, used;
} im_farena;

enum { IM_FARENA_STACK = 4096 };

im_fval im_fvalue_eval(const im_fvalue *v, char *const *values, im_farena *a);
/* o (a leaf or a computed value) as a value. */
im_fval im_foperand_eval(const im_foperand *o, char *const *values, im_farena *a);
/* v as NUL-terminated text in a's space (numbers shortest to read back
 * exactly, dates in ISO 8601); NULL when v is null or a is full. */
const char *im_fval_text(im_fval v, im_farena *a);
/* a op b for values (filter.h's rules); false when either is null. */
bool im_fval_compare(im_fval a, im_fop op, im_fval b);
/* The attribute text x op the literal l (filter.h's rules). */
bool im_filter_compare_literal(const char *x, bool date_field, im_fop op, const im_foperand *l);
/* Whether comparison result c (<0, 0, >0) satisfies op. */
bool im_filter_holds(im_fop op, int c);
/* a against b at the coarser of their precisions (filter.h). */
int im_filter_date_cmp(const im_fdate *a, const im_fdate *b);
/* true, false, t, f, yes, no, y, n, 1, 0 in s[0..n) (any case, trimmed). */
bool im_filter_bool(const char *s, size_t n, bool *out);
/* Days from 1970-01-01 to a proleptic Gregorian date. */
long im_filter_days_from_civil(int y, int m, int d);

struct im_filter {
  im_fvalue *value; /* im_filter_parse_value: the value; root is NULL */
  char *text;
  char *file;
  int line, column;
  im_fnode *root;
  bool bound;
};

/* A decimal number filling s[0..n) but for blanks around it (no hex, inf,
 * nan); false when it is not one or is out of range. */
bool im_filter_number(const char *s, size_t n, double *out);

/* An ISO 8601 date filling s[0..n). attribute also allows blanks around it,
 * a space for the T and YYYYMMDD. Returns NULL, or why not with *bad set to
 * the offset of the fault. */
const char *im_filter_date(const char *s, size_t n, bool attribute, im_fdate *out, size_t *bad);

/* NULL when pattern is a well-formed glob, else why not with *bad set to
 * the offset of the fault. */
const char *im_filter_glob_check(const char *pattern, size_t *bad);

bool im_filter_eval_node(const im_fnode *n, char *const *values);

/* A copy of f bound to fields (im_filter_bind), leaving f as it is: a map
 * is not written while it renders (several threads may render one map),
 * so each render binds copies of its filters of its own. */
im_status im_filter_copy_bound(const im_filter *f, const im_field *fields, size_t nfields, const char *layer_path,
                               im_filter **out, im_error *err);

#endif
