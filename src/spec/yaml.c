#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/cnum-private.h"
#include "core/context-private.h"
#include "core/error-private.h"
#include "core/mem-private.h"
#include "core/suggest-private.h"
#include "core/utf8-private.h"
#include "spec/yaml-private.h"

/* Exported by libfyaml 0.7 but missing from its header: without it, parse
 * errors are printed, not kept for fy_diag_errors_iterate. */
void fy_diag_set_collect_errors(struct fy_diag *diag, bool collect_errors);

static void silent_diag(struct fy_diag *diag, void *user, const char *buf, size_t len) {
  (void)diag;
  (void)user;
  (void)buf;
  (void)len;
}

/* Specs are small; a cap keeps a wrong argument (a shapefile, a device) from
 * being read whole. */
enum { MAX_SPEC = 4 << 20 };

/* The 1-based line:column of byte off of buf (columns count characters). */
static void offset_pos(const char *buf, size_t off, int *line, int *column) {
  *line = 1, *column = 1;
  for (size_t i = 0; i < off; i++) {
    if (buf[i] == '\n')
      ++*line, *column = 1;
    else if (((unsigned char)buf[i] & 0xC0) != 0x80)
      ++*column;
  }
}

/* Reports the byte at bad as not UTF-8, at its line:column. */
static im_status not_utf8(const char *path, const char *buf, size_t bad, im_error *err) {
  int line, column;
  offset_pos(buf, bad, &line, &column);
  unsigned char b = (unsigned char)buf[bad];
  if (!b)
    return im_error_set(err, IM_STATUS_INPUT, path, line, column, "a NUL byte; this does not look like a text file");
  return im_error_set(err, IM_STATUS_INPUT, path, line, column, "invalid UTF-8 (byte 0x%02X)%s; save the file as UTF-8",
                      b, b >= 0xA0 ? ", perhaps Latin-1 or Windows-1252" : "");
}

/* Ceilings on a document, each against a way a few bytes could cost
 * minutes or gigabytes (a real spec has a few thousand values, a handful of
 * anchors and nests less than ten deep):
 * - values: the readers follow aliases where they meet them, so each use
 *   of an alias is read again; nine levels of anchors, each a list of ten
 *   aliases to the one before ("billion laughs"), would make them read
 *   10^9 values. The document is walked once as they see it.
 * - anchors: libfyaml compares each new anchor with every earlier one while
 *   it builds a document (100,000 anchors: 18 s), and finds an alias's
 *   anchor by a linear search; they are counted from the parser's events
 *   first, a linear pass.
 * - duplicate keys: libfyaml compares each key of a mapping with every
 *   earlier one (20,000 keys: 16 s); it is told to allow them, and they
 *   are found here by sorting each mapping's keys.
 * - read ahead: a flow collection ([ ] or { }) where a key may stand
 *   could be a key, so libfyaml keeps its tokens queued, at ~350 bytes
 *   for each byte of text, until it sees whether a ':' follows: 4 MiB of
 *   '{' took 1.47 GB before any ceiling was reached. The parser is fed
 *   the text through a callback that gives it no more than MAX_PENDING
 *   bytes more after it last delivered an event (a mark's input_pos
 *   cannot say where that event ended: libfyaml 0.7 counts it from the
 *   start of its current 64 KiB buffer). A flow collection on one line
 *   longer than that (a spec written as compact JSON) is refused with it;
 *   broken into lines, it is read: a key cannot span lines.
 * - depth: the build recurses; libfyaml refuses 64 levels itself, but
 *   only after queueing them. */
enum { MAX_VALUES = 250000, MAX_EXPANDED_DEPTH = 128, MAX_ANCHORS = 256, MAX_DEPTH = 64, MAX_PENDING = 32 << 10 };

static bool walk_expanded(struct fy_node *n, int depth, size_t *count) {
  if (!n)
    return true;
  if (++*count > MAX_VALUES || depth > MAX_EXPANDED_DEPTH)
    return false;
  if (fy_node_is_alias(n))
    return walk_expanded(fy_node_resolve_alias(n), depth + 1, count);
  void *it = NULL;
  if (fy_node_is_sequence(n)) {
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(n, &it)))
      if (!walk_expanded(item, depth + 1, count))
        return false;
  } else if (fy_node_is_mapping(n)) {
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(n, &it)))
      if (!walk_expanded(fy_node_pair_key(p), depth + 1, count) ||
          !walk_expanded(fy_node_pair_value(p), depth + 1, count))
        return false;
  }
  return true;
}

typedef struct {
  const char *text;
  size_t len;
  size_t fed;       /* bytes given to the parser */
  size_t delivered; /* fed when the parser last delivered an event */
  bool cut;         /* the parser asked for more than MAX_PENDING ahead */
} feed;

static ssize_t feed_parser(void *user, void *buf, size_t count) {
  feed *f = user;
  size_t limit = f->delivered + MAX_PENDING;
  size_t n = f->len - f->fed;
  if (n > count)
    n = count;
  if (f->fed + n > limit) {
    n = limit > f->fed ? limit - f->fed : 0;
    if (!n) {
      f->cut = true;
      return 0;
    }
  }
  memcpy(buf, f->text + f->fed, n);
  f->fed += n;
  return (ssize_t)n;
}

/* Counts values, anchors and depth from the parser's events, feeding it at
 * most MAX_PENDING bytes ahead of what it has delivered; returns why the
 * document passes a ceiling (with where, 1-based, into *line and *column),
 * or NULL. A syntax error ends the count: the build reports it, with its
 * position. */
static const char *prescan(const char *text, size_t len, struct fy_diag *diag, char *buf, size_t size, int *line,
                           int *column) {
  struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET, .diag = diag};
  struct fy_parser *p = fy_parser_create(&cfg);
  feed in = {text, len, 0, 0, false};
  *line = *column = 0;
  if (!p || fy_parser_set_input_callback(p, &in, feed_parser) != 0) {
    fy_parser_destroy(p);
    return NULL; /* the build will meet the same trouble and say so */
  }
  size_t anchors = 0, values = 0;
  int depth = 0;
  const struct fy_mark *at = NULL;
  int last_line = 1, last_column = 1; /* where the last event ended */
  struct fy_event *e;
  const char *why = NULL;
  while (!why && (e = fy_parser_parse(p))) {
    const struct fy_token *anchor = e->type == FYET_SCALAR           ? e->scalar.anchor
                                    : e->type == FYET_SEQUENCE_START ? e->sequence_start.anchor
                                    : e->type == FYET_MAPPING_START  ? e->mapping_start.anchor
                                                                     : NULL;
    anchors += anchor != NULL;
    values += e->type == FYET_SCALAR || e->type == FYET_ALIAS || e->type == FYET_SEQUENCE_START ||
              e->type == FYET_MAPPING_START;
    depth += (e->type == FYET_SEQUENCE_START || e->type == FYET_MAPPING_START) -
             (e->type == FYET_SEQUENCE_END || e->type == FYET_MAPPING_END);
    const struct fy_mark *end = fy_event_end_mark(e);
    if (end && !in.cut)
      last_line = end->line + 1, last_column = end->column + 1;
    in.delivered = in.fed;
    if (anchors > MAX_ANCHORS || values > MAX_VALUES || depth > MAX_DEPTH) {
      at = fy_event_start_mark(e);
      if (at)
        *line = at->line + 1, *column = at->column + 1;
      if (anchors > MAX_ANCHORS)
        snprintf(buf, size, "the document has more than %d anchors (&name), more than influmap reads in one file",
                 MAX_ANCHORS);
      else if (values > MAX_VALUES)
        snprintf(buf, size, "the document has more than %d values, more than influmap reads in one file", MAX_VALUES);
      else
        snprintf(buf, size, "YAML: nested more than %d deep", MAX_DEPTH);
      why = buf;
    }
    fy_parser_event_free(p, e);
  }
  fy_parser_destroy(p);
  if (!why && in.cut) {
    offset_pos(text, in.fed, line, column);
    snprintf(buf, size,
             "YAML: more than %d KiB read without a complete value since line %d, column %d: an unclosed [ or {, "
             "or a value longer than influmap reads (a [ ] or { } that long, a spec written as JSON among them, "
             "must be broken into lines)",
             MAX_PENDING >> 10, last_line, last_column);
    why = buf;
  }
  return why;
}

typedef struct {
  const char *text;
  size_t len;
  size_t order; /* in the mapping */
  struct fy_node *node;
} key_text;

static int compare_text(const key_text *x, const key_text *y) {
  int c = memcmp(x->text, y->text, x->len < y->len ? x->len : y->len);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* By text, then by place in the mapping. */
static int compare_keys(const void *a, const void *b) {
  const key_text *x = a, *y = b;
  int c = compare_text(x, y);
  return c ? c : (x->order > y->order) - (x->order < y->order);
}

static bool pos_before(im_spec_pos a, im_spec_pos b) {
  return a.line < b.line || (a.line == b.line && a.column < b.column);
}

/* The first key (in the text) that repeats an earlier key of its mapping,
 * into *dup (with *have set), over every mapping under n; aliases are not
 * followed (their mappings are checked where they are written). Plain
 * scalar keys only: influmap's readers take no other. False when out of
 * memory. */
static bool find_duplicate_key(struct fy_node *n, int depth, struct fy_node **dup, im_spec_pos *at, bool *have) {
  if (!n || fy_node_is_alias(n) || fy_node_is_scalar(n) || depth > MAX_EXPANDED_DEPTH)
    return true;
  void *it = NULL;
  if (fy_node_is_sequence(n)) {
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(n, &it)))
      if (!find_duplicate_key(item, depth + 1, dup, at, have))
        return false;
    return true;
  }
  int count = fy_node_mapping_item_count(n);
  key_text *keys = im_malloc_array(count > 0 ? (size_t)count : 1, sizeof *keys);
  if (!keys)
    return false;
  size_t nkeys = 0;
  struct fy_node_pair *p;
  bool ok = true;
  while ((p = fy_node_mapping_iterate(n, &it)) && ok) {
    struct fy_node *k = fy_node_pair_key(p);
    size_t len;
    const char *t = k && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &len) : NULL;
    if (t && nkeys < (size_t)count) {
      keys[nkeys] = (key_text){t, len, nkeys, k};
      nkeys++;
    }
    ok = find_duplicate_key(fy_node_pair_value(p), depth + 1, dup, at, have);
  }
  /* Equal keys sort together in mapping order: the second of a run is the
   * first repeat. */
  qsort(keys, nkeys, sizeof *keys, compare_keys);
  for (size_t i = 1; ok && i < nkeys; i++) {
    if (compare_text(&keys[i], &keys[i - 1]) || (i >= 2 && !compare_text(&keys[i - 1], &keys[i - 2])))
      continue;
    im_spec_pos pos = im_yaml_pos(keys[i].node);
    if (!*have || pos_before(pos, *at)) {
      *dup = keys[i].node;
      *at = pos;
      *have = true;
    }
  }
  free(keys);
  return ok;
}

/* Why the built document passes a ceiling or repeats a key (err set), or
 * IM_STATUS_OK. */
static im_status check_document(const char *path, struct fy_document *doc, im_error *err) {
  struct fy_node *root = fy_document_root(doc);
  struct fy_node *dup = NULL;
  im_spec_pos at = {0, 0};
  bool have = false;
  if (!find_duplicate_key(root, 0, &dup, &at, &have))
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  if (have)
    return im_error_set(err, IM_STATUS_INPUT, path, at.line, at.column, "YAML: duplicate key");
  size_t count = 0;
  if (!walk_expanded(root, 0, &count))
    return im_error_set(err, IM_STATUS_INPUT, path, 0, 0,
                        "aliases expand the document to more than %d values, or nest more than %d deep (each use "
                        "of an alias is read as its whole anchor): use fewer aliases",
                        MAX_VALUES, MAX_EXPANDED_DEPTH);
  return IM_STATUS_OK;
}

im_status im_yaml_load(const char *path, const char *text, size_t len, struct fy_document **out, im_error *err) {
  *out = NULL;
  /* libfyaml keeps pointers into the text: it is handed a malloc'd copy,
   * which the document frees when it is destroyed. */
  char *buf = NULL;
  if (!text) {
    FILE *f = fopen(path, "rb");
    if (!f)
      return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "cannot open: %s", strerror(errno));
    buf = malloc(MAX_SPEC + 1);
    len = buf ? fread(buf, 1, MAX_SPEC + 1, f) : 0;
    int read_err = ferror(f);
    fclose(f);
    if (!buf)
      return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
    if (read_err || len > MAX_SPEC) {
      free(buf);
      return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, read_err ? "cannot read" : "larger than 4 MiB");
    }
  } else {
    if (!(buf = im_strndup(text, len)))
      return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  }
  /* libfyaml 0.7 loops for ever on some invalid bytes ("%\xA8", found by fuzz_spec), and would pass others on to
   * Pango: specs are UTF-8. */
  size_t bad = im_utf8_bad_at(buf, len, true);
  if (bad < len) {
    im_status st = not_utf8(path, buf, bad, err);
    free(buf);
    return st;
  }
  struct fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = NULL;
  dcfg.output_fn = silent_diag;
  dcfg.colorize = false;
  struct fy_diag *diag = fy_diag_create(&dcfg);
  if (!diag) {
    free(buf);
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  }
  char why[320];
  int line, column;
  const char *over = prescan(buf, len, diag, why, sizeof why, &line, &column);
  if (over) {
    free(buf);
    fy_diag_destroy(diag);
    return im_error_set(err, IM_STATUS_INPUT, path, line, column, "%s", over);
  }
  fy_diag_set_collect_errors(diag, true);
  struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_ALLOW_DUPLICATE_KEYS, .diag = diag};
  struct fy_document *doc = fy_document_build_from_malloc_string(&cfg, buf, len);
  im_status st = IM_STATUS_OK;
  if (!doc) {
    void *it = NULL;
    struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
    /* Collected errors are already 1-based, unlike fy_mark. */
    if (e)
      st = im_error_set(err, IM_STATUS_INPUT, path, e->line, e->column, "YAML: %s", e->msg);
    else
      st = im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "not a YAML document");
    if (err)
      err->code = IM_E_SYNTAX;
  }
  fy_diag_destroy(diag);
  /* buf belongs to libfyaml now, whether or not the parse succeeded. */
  if (!st && (st = check_document(path, doc, err))) {
    fy_document_destroy(doc);
    doc = NULL;
  }
  *out = doc;
  return st;
}

im_spec_pos im_yaml_pos(struct fy_node *n) {
  /* libfyaml 0.7 gives positions for tokens only: a collection is placed at
   * its first scalar. Depth-bounded, as a document can nest deeply. */
  for (int depth = 0; n && depth < 64; depth++) {
    if (fy_node_is_alias(n) || fy_node_is_scalar(n)) {
      struct fy_token *t = fy_node_get_scalar_token(n);
      const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
      if (m)
        return (im_spec_pos){m->line + 1, m->column + 1};
      break;
    }
    void *it = NULL;
    if (fy_node_is_mapping(n)) {
      struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
      n = p ? fy_node_pair_key(p) : NULL;
    } else {
      n = fy_node_sequence_iterate(n, &it);
    }
  }
  return (im_spec_pos){0, 0};
}

/* An input error at node at, with a code a program can test. */
static im_status fail_coded(im_yaml_reader *r, struct fy_node *at, im_error_code code, const char *fmt, va_list ap) {
  im_spec_pos pos = im_yaml_pos(at);
  im_error_setv(r->err, IM_STATUS_INPUT, r->file, pos.line, pos.column, fmt, ap);
  if (r->err)
    r->err->code = code;
  return IM_STATUS_INPUT;
}

im_status im_yaml_fail(im_yaml_reader *r, struct fy_node *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  /* Most of what a reader fails on is a value; the few other kinds set
   * their own code after this. */
  im_status st = fail_coded(r, at, IM_E_BAD_VALUE, fmt, ap);
  va_end(ap);
  return st;
}

struct fy_node *im_yaml_deref(struct fy_node *n) {
  for (int i = 0; n && fy_node_is_alias(n) && i < 16; i++)
    n = fy_node_resolve_alias(n);
  return n;
}

bool im_yaml_is_scalar(struct fy_node *n) {
  n = im_yaml_deref(n);
  return n && fy_node_is_scalar(n);
}

im_status im_yaml_scalar(im_yaml_reader *r, struct fy_node *n, const char *what, const char **out) {
  struct fy_node *d = im_yaml_deref(n);
  if (!d || !fy_node_is_scalar(d) || !(*out = fy_node_get_scalar0(d)))
    return im_yaml_fail(r, n, "%s must be a single value", what);
  return IM_STATUS_OK;
}

im_status im_yaml_string(im_yaml_reader *r, struct fy_node *n, const char *what, char **out) {
  const char *s;
  if (im_yaml_scalar(r, n, what, &s))
    return IM_STATUS_INPUT;
  char *c = im_strdup(s);
  if (!c)
    return im_error_set(r->err, IM_STATUS_INTERNAL, r->file, 0, 0, "out of memory");
  free(*out);
  *out = c;
  return IM_STATUS_OK;
}

im_status im_yaml_number(im_yaml_reader *r, struct fy_node *n, const char *what, double lo, double hi, double *out) {
  const char *s;
  char shown[IM_SHOWN_SIZE];
  if (im_yaml_scalar(r, n, what, &s))
    return IM_STATUS_INPUT;
  char *end;
  double v = im_strtod(s, &end);
  if (end == s || *end || !isfinite(v))
    return im_yaml_fail(r, n, "%s must be a number, not '%s'", what, im_utf8_shown(s, shown));
  if (v < lo || v > hi)
    return im_yaml_fail(r, n, "%s must be between %g and %g, not %g", what, lo, hi, v);
  *out = v;
  return IM_STATUS_OK;
}

im_status im_yaml_length(im_yaml_reader *r, struct fy_node *n, const char *what, im_unit def, im_length *out) {
  const char *s;
  char shown[IM_SHOWN_SIZE];
  if (im_yaml_scalar(r, n, what, &s))
    return IM_STATUS_INPUT;
  if (!im_length_parse(s, def, out))
    return im_yaml_fail(r, n, "%s must be a length such as 180mm, 0.5pt, 7in, 12cm or 2200px, not '%s'", what,
                        im_utf8_shown(s, shown));
  return IM_STATUS_OK;
}

im_status im_yaml_color(im_yaml_reader *r, struct fy_node *n, const char *what, im_color *out) {
  const char *s;
  char shown[IM_SHOWN_SIZE];
  if (im_yaml_scalar(r, n, what, &s))
    return IM_STATUS_INPUT;
  if (!im_color_parse(s, out))
    return im_yaml_fail(r, n, "%s must be a colour such as \"#f2efe9\", white or none, not '%s'", what,
                        im_utf8_shown(s, shown));
  return IM_STATUS_OK;
}

im_status im_yaml_bool(im_yaml_reader *r, struct fy_node *n, const char *what, bool *out) {
  const char *s;
  char shown[IM_SHOWN_SIZE];
  if (im_yaml_scalar(r, n, what, &s))
    return IM_STATUS_INPUT;
  if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
    *out = true;
  else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off"))
    *out = false;
  else
    return im_yaml_fail(r, n, "%s must be true or false, not '%s'", what, im_utf8_shown(s, shown));
  return IM_STATUS_OK;
}

static void join_list(char *buf, size_t size, const char *const *items) {
  buf[0] = '\0';
  for (size_t j = 0; items[j]; j++) {
    strncat(buf, j ? ", " : "", size - strlen(buf) - 1);
    strncat(buf, items[j], size - strlen(buf) - 1);
  }
}

im_status im_yaml_choice(im_yaml_reader *r, struct fy_node *n, const char *what, const char *const *choices, int *out) {
  const char *s;
  char shown[IM_SHOWN_SIZE];
  if (im_yaml_scalar(r, n, what, &s))
    return IM_STATUS_INPUT;
  for (int i = 0; choices[i]; i++)
    if (!strcasecmp(s, choices[i])) {
      *out = i;
      return IM_STATUS_OK;
    }
  char list[512];
  join_list(list, sizeof list, choices);
  const char *near = im_suggest(s, choices, (size_t)-1);
  if (near)
    return im_yaml_fail(r, n, "%s '%s' is not known (did you mean '%s'?)", what, im_utf8_shown(s, shown), near);
  return im_yaml_fail(r, n, "%s must be one of %s, not '%s'", what, list, im_utf8_shown(s, shown));
}

im_status im_yaml_each_pair(im_yaml_reader *r, struct fy_node *map, const char *what, const char *const *allowed,
                            im_yaml_pair_fn fn, void *ctx) {
  struct fy_node *m = im_yaml_deref(map);
  if (!m || !fy_node_is_mapping(m))
    return im_yaml_fail(r, map, "%s must be a mapping of keys to values", what);
  char shown[IM_SHOWN_SIZE];
  void *it = NULL;
  struct fy_node_pair *p;
  bool failed = false;
  while ((p = fy_node_mapping_iterate(m, &it))) {
    struct fy_node *k = fy_node_pair_key(p);
    const char *key = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
    if (!key)
      return im_yaml_fail(r, k, "keys in %s must be plain names", what);
    size_t i;
    for (i = 0; allowed[i]; i++)
      if (!strcmp(allowed[i], key))
        break;
    im_status s;
    if (!allowed[i]) {
      const char *near = im_suggest(key, allowed, (size_t)-1);
      char list[1024];
      join_list(list, sizeof list, allowed);
      s = near
              ? im_yaml_fail(r, k, "unknown key '%s' in %s (did you mean '%s'?)", im_utf8_shown(key, shown), what, near)
              : im_yaml_fail(r, k, "unknown key '%s' in %s (expected one of: %s)", im_utf8_shown(key, shown), what,
                             list);
      if (r->err)
        r->err->code = IM_E_UNKNOWN_KEY;
    } else {
      s = fn(r, key, k, fy_node_pair_value(p), ctx);
    }
    /* Collecting: the other keys of the mapping are read all the same. */
    if (s && !im_yaml_read_on(r, &s, &failed))
      return s;
  }
  return failed ? im_yaml_failed(r) : IM_STATUS_OK;
}

bool im_yaml_read_on(im_yaml_reader *r, im_status *st, bool *failed) {
  if (*st != IM_STATUS_INPUT || !r->errors || !r->err)
    return false;
  if (!im_error_list_add(r->errors, r->err)) {
    *st = im_error_set(r->err, IM_STATUS_INTERNAL, r->file, 0, 0, "out of memory");
    return false;
  }
  *failed = true;
  *st = IM_STATUS_OK;
  return true;
}

im_status im_yaml_failed(im_yaml_reader *r) {
  size_t n = im_error_list_count(r->errors);
  if (n && r->err)
    *r->err = *im_error_list_get(r->errors, n - 1);
  return IM_STATUS_INPUT;
}

im_status im_yaml_missing(im_yaml_reader *r, struct fy_node *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  im_status st = fail_coded(r, at, IM_E_FIELD_MISSING, fmt, ap);
  va_end(ap);
  return st;
}

im_status im_yaml_recognise(im_yaml_reader *r, struct fy_node *root, const char *what, const char *const *known) {
  struct fy_node *m = im_yaml_deref(root);
  char list[1024];
  join_list(list, sizeof list, known);
  if (!m || !fy_node_is_mapping(m))
    return im_yaml_fail(r, root, "not %s: its top level is not a mapping of keys to values (%s)", what, list);
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(m, &it))) {
    struct fy_node *k = fy_node_pair_key(p);
    const char *key = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
    for (size_t i = 0; key && known[i]; i++)
      if (!strcmp(known[i], key))
        return IM_STATUS_OK;
  }
  /* Nothing of it is quoted: it may be any file at all. */
  return im_error_set(r->err, IM_STATUS_INPUT, r->file, 0, 0, "not %s: none of its top-level keys is one of %s", what,
                      list);
}

bool im_yaml_file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* path from the context's base folder when it is relative; a new string. */
static char *from_base(const char *path) { return im_path_from_base(im_base_dir_current(), path); }

char *im_yaml_resolve_path(const char *from_file, const char *rel) {
  if (rel[0] == '/')
    return im_strdup(rel);
  char *fallback = from_base(rel);
  if (!fallback)
    return NULL;
  const char *slash = strrchr(from_file, '/');
  if (slash) {
    size_t dir = (size_t)(slash - from_file) + 1;
    char *beside = malloc(dir + strlen(rel) + 1);
    if (!beside) {
      free(fallback);
      return NULL;
    }
    memcpy(beside, from_file, dir);
    strcpy(beside + dir, rel);
    char *p = from_base(beside);
    free(beside);
    if (!p || im_yaml_file_exists(p) || !im_yaml_file_exists(fallback)) {
      free(fallback);
      return p;
    }
    free(p);
  }
  return fallback;
}

char *im_yaml_resolve(im_yaml_reader *r, int line, int column, const char *what, const char *rel) {
  char *path = NULL;
  bool refused;
  if (!im_resolve_current(rel, r->file, &path, &refused))
    path = im_yaml_resolve_path(r->file, rel);
  if (path)
    return path;
  char shown[IM_SHOWN_SIZE];
  if (!refused)
    im_error_set(r->err, IM_STATUS_INTERNAL, r->file, 0, 0, "out of memory");
  else if (im_error_set(r->err, IM_STATUS_INPUT, r->file, line, column, "%s '%s' refused by the host's file resolver",
                        what, im_utf8_shown_path(rel, shown)) &&
           r->err)
    r->err->code = IM_E_REFUSED;
  return NULL;
}
