/* The tree a `where:` filter is parsed into (filter-parse.c) and evaluated
 * from (filter-eval.c), with the value parsers both sides share. */
#ifndef IM_FILTER_PRIVATE_H
#define IM_FILTER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

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

/* A field reference or a literal. */
typedef struct {
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

struct im_filter {
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
