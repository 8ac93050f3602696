/* GeoJSON read one feature at a time (geojson-stream-private.h).
 *
 * Three reads of the file, each in bounded memory:
 * 1. yajl walks it and records the byte span of each element of the
 *    top-level "features" array, and of every other top-level member's
 *    value but "type" and a small "crs";
 * 2. jansson parses the top level through a filter that writes each span as
 *    null or 0 and blanks (newlines kept, one space per character), so lines and
 *    columns stay those of the file: this is where jansson reports a syntax
 *    error yajl stopped at, with its own message;
 * 3. each feature's span is read again and parsed by jansson alone.
 * A file yajl cannot walk is thus still described by jansson, unless the
 * unfinished value around the error is too large to hand it (then yajl's
 * words, at the same place). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

#include "core/context-private.h"
#include "core/mem-private.h"
#include "io/geojson-stream-private.h"

enum {
  BLOCK = 64 << 10,
  MAX_KEPT = 64 << 10,        /* "type" and "crs" are parsed as they are up to this size */
  MAX_MEMBERS = 1000,         /* top-level members: jansson keeps each key */
  MAX_ERROR_CONTEXT = 1 << 20 /* an unfinished value jansson may parse to describe an error */
};

typedef struct {
  size_t from, end; /* from: just after the '[', ',' or key before the value */
} span;

struct im_geojson_stream {
  const char *path;
  FILE *f;
  const char *mem; /* a host's buffer (f reads it through fmemopen); NULL: a file */
  size_t origin;   /* after a byte order mark */
  size_t size;
  span *elements;
  size_t nelements, next;
  span *blanks;
  size_t nblanks;
  json_t *top;
  char *buf; /* one feature's text */
  size_t cap_buf;
};

/* ---- 1: the walk ---- */

typedef struct {
  im_geojson_stream *s;
  yajl_handle h;
  size_t base; /* the file offset of the block being parsed */
  int depth;
  enum { KEY_OTHER, KEY_FEATURES, KEY_KEPT } key;
  const char *key_name; /* of a kept key */
  size_t key_end;
  bool in_features;
  size_t last_end;
  size_t cap_elements, cap_blanks, members;
  bool top_array, oom, too_many_members;
  const char *too_big; /* a kept member past MAX_KEPT */
  size_t spans_end;    /* the end of the last span */
} walk;

static size_t now(const walk *w) { return w->base + yajl_get_bytes_consumed(w->h); }

static bool push(walk *w, span **a, size_t *n, size_t *cap, span v) {
  if (!im_grow((void **)a, cap, *n + 1, sizeof **a)) {
    w->oom = true;
    return false;
  }
  (*a)[(*n)++] = v;
  w->spans_end = v.end;
  return true;
}

static int begin_value(walk *w, bool array) {
  if (w->depth == 0 && array) {
    w->top_array = true; /* not a FeatureCollection: said without parsing it */
    return 0;
  }
  if (w->depth == 1 && w->key == KEY_FEATURES && array) {
    w->in_features = true;
    w->last_end = now(w);
  }
  return 1;
}

/* A value has ended at depth w->depth. */
static int end_value(walk *w) {
  im_geojson_stream *s = w->s;
  size_t at = now(w);
  if (w->depth == 2 && w->in_features) {
    if (!push(w, &s->elements, &s->nelements, &w->cap_elements, (span){w->last_end, at}))
      return 0;
    w->last_end = at;
  } else if (w->depth == 1 && w->in_features) {
    w->in_features = false; /* the "features" array itself */
  } else if (w->depth == 1) {
    if (w->key != KEY_OTHER && at - w->key_end <= MAX_KEPT)
      return 1;
    if (w->key != KEY_OTHER && !w->too_big)
      w->too_big = w->key_name;
    return push(w, &s->blanks, &s->nblanks, &w->cap_blanks, (span){w->key_end, at});
  }
  return 1;
}

static int on_scalar(walk *w) { return begin_value(w, false) && end_value(w); }
static int on_null(void *u) { return on_scalar(u); }
static int on_bool(void *u, int b) { return (void)b, on_scalar(u); }
static int on_number(void *u, const char *t, size_t n) { return (void)t, (void)n, on_scalar(u); }
static int on_string(void *u, const unsigned char *t, size_t n) { return (void)t, (void)n, on_scalar(u); }

static int on_start(void *u, bool array) {
  walk *w = u;
  if (!begin_value(w, array))
    return 0;
  w->depth++;
  return 1;
}
static int on_start_map(void *u) { return on_start(u, false); }
static int on_start_array(void *u) { return on_start(u, true); }
static int on_end(void *u) {
  walk *w = u;
  w->depth--;
  return end_value(w);
}

static int on_key(void *u, const unsigned char *t, size_t n) {
  walk *w = u;
  if (w->depth != 1)
    return 1;
  if (++w->members > MAX_MEMBERS) {
    w->too_many_members = true;
    return 0;
  }
  w->key = KEY_OTHER;
  static const char *const kept[] = {"features", "type", "crs"};
  for (size_t i = 0; i < 3; i++)
    if (n == strlen(kept[i]) && !memcmp(t, kept[i], n))
      w->key = i ? KEY_KEPT : KEY_FEATURES, w->key_name = kept[i];
  w->key_end = now(w);
  return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_bool,
    .yajl_number = on_number, /* raw: numbers are judged by jansson */
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = on_end,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end,
};

/* ---- positions and messages ---- */

/* The 1-based line and character column of offset at, counted from the
 * origin (jansson's count: it never saw the byte order mark). Reads the
 * file again: only for messages. */
static void position(im_geojson_stream *s, size_t at, int *line, int *column) {
  *line = 1, *column = 1;
  unsigned char block[BLOCK];
  size_t off = s->origin, n;
  if (fseek(s->f, (long)off, SEEK_SET) != 0)
    return;
  while (off < at && (n = fread(block, 1, sizeof block, s->f)) > 0)
    for (size_t i = 0; i < n && off < at; i++, off++) {
      if (block[i] == '\n')
        ++*line, *column = 1;
      else if ((block[i] & 0xC0) != 0x80)
        ++*column;
    }
}

/* jansson's error at its line:column in a text that starts at line0:column0
 * of the file. */
static im_status json_failure(const im_geojson_stream *s, const json_error_t *jerr, int line0, int column0,
                              im_error *err) {
  /* jansson places the error at the token's last character; move it to
   * the first when the token is plain ASCII, where an editor's column is
   * the same count. */
  int column = jerr->column;
  const char *near = strstr(jerr->text, " near '");
  size_t tlen = near ? strlen(near + 7) : 0;
  if (tlen >= 2 && near[7 + tlen - 1] == '\'') {
    bool ascii = true;
    for (size_t i = 0; i + 1 < tlen; i++)
      ascii = ascii && (unsigned char)near[7 + i] < 0x80;
    if (ascii && column >= (int)tlen - 1)
      column -= (int)tlen - 2;
  }
  int line = jerr->line;
  if (line >= 1 && column >= 1) {
    if (line == 1)
      column += column0 - 1;
    line += line0 - 1;
  } else {
    line = column = 0;
  }
  /* The token jansson quotes is left out: a file that is not JSON may be
   * anything at all, and messages do not echo such files (the place is
   * given; docs/design-notes.md, "Messages"). */
  size_t keep = near ? (size_t)(near - jerr->text) : strlen(jerr->text);
  return im_error_set(err, IM_STATUS_INPUT, s->path, line, column, "invalid JSON: %.*s", (int)keep, jerr->text);
}

/* ---- 2: the top level, spans blanked ---- */

typedef struct {
  im_geojson_stream *s;
  size_t at; /* the file offset of the next byte */
  size_t ie, ib;
  bool started; /* past the delimiters of the current span */
  unsigned char block[BLOCK];
  size_t blen, bpos;
} skeleton;

/* The span at or after offset at (NULL past the last). */
static const span *span_at(skeleton *k, size_t at) {
  im_geojson_stream *s = k->s;
  while (k->ie < s->nelements && s->elements[k->ie].end <= at)
    k->ie++, k->started = false;
  while (k->ib < s->nblanks && s->blanks[k->ib].end <= at)
    k->ib++, k->started = false;
  const span *e = k->ie < s->nelements ? &s->elements[k->ie] : NULL;
  const span *b = k->ib < s->nblanks ? &s->blanks[k->ib] : NULL;
  return !e ? b : !b ? e : e->from < b->from ? e : b;
}

static size_t skeleton_read(void *buffer, size_t size, void *user) {
  skeleton *k = user;
  unsigned char *out = buffer;
  size_t n = 0;
  while (n < size) {
    if (k->bpos == k->blen) {
      k->blen = fread(k->block, 1, sizeof k->block, k->s->f);
      k->bpos = 0;
      if (!k->blen)
        break;
    }
    unsigned char c = k->block[k->bpos++];
    const span *sp = span_at(k, k->at);
    bool inside = sp && k->at >= sp->from;
    k->at++;
    if (!inside || (!k->started && strchr(" \t\r\n,:", c))) {
      out[n++] = c;
    } else if (!k->started) {
      /* A value's first character is ASCII. Written as null when its first
       * four bytes are one line's ASCII characters (compact GeoJSON), so
       * jansson keeps its singleton and no number per feature. */
      k->started = true;
      bool ascii = n + 4 <= size && k->bpos + 3 <= k->blen && sp->end - (k->at - 1) >= 4;
      for (size_t i = 0; ascii && i < 3; i++)
        ascii = k->block[k->bpos + i] < 0x80 && k->block[k->bpos + i] != '\n';
      if (ascii) {
        memcpy(out + n, "null", 4);
        n += 4;
        k->bpos += 3;
        k->at += 3;
      } else {
        out[n++] = '0';
      }
    } else if (c == '\n') {
      out[n++] = '\n';
    } else if ((c & 0xC0) != 0x80) {
      out[n++] = ' ';
    }
  }
  return n;
}

/* ---- open, next, close ---- */

void im_geojson_stream_close(im_geojson_stream *s) {
  if (!s)
    return;
  if (s->f)
    fclose(s->f);
  free(s->elements);
  free(s->blanks);
  json_decref(s->top);
  free(s->buf);
  free(s);
}

size_t im_geojson_stream_count(const im_geojson_stream *s) { return s->nelements; }

/* yajl's description of its error, without its "parse error: " and the
 * newline. */
static im_status yajl_failure(im_geojson_stream *s, yajl_handle h, size_t at, im_error *err) {
  unsigned char *text = yajl_get_error(h, 0, NULL, 0);
  const char *t = text ? (const char *)text : "not JSON";
  const char *colon = strstr(t, ": ");
  if (colon)
    t = colon + 2;
  int len = (int)strcspn(t, "\n");
  while (len > 0 && (t[len - 1] == '.' || t[len - 1] == ' '))
    len--;
  /* yajl has consumed the token it refuses. */
  int line, column;
  position(s, at > s->origin ? at - 1 : at, &line, &column);
  im_status st = im_error_set(err, IM_STATUS_INPUT, s->path, line, column, "invalid JSON: %.*s", len, t);
  yajl_free_error(h, text);
  return st;
}

static im_status walk_file(im_geojson_stream *s, im_error *err) {
  walk w = {.s = s, .base = s->origin};
  w.h = yajl_alloc(&callbacks, NULL, &w);
  unsigned char *block = malloc(BLOCK);
  if (!w.h || !block) {
    if (w.h)
      yajl_free(w.h);
    free(block);
    return im_error_set(err, IM_STATUS_INTERNAL, s->path, 0, 0, "out of memory");
  }
  yajl_status ys = yajl_status_ok;
  size_t n, failed_at = s->size;
  if (fseek(s->f, (long)s->origin, SEEK_SET) != 0)
    n = 0;
  while ((n = fread(block, 1, BLOCK, s->f)) > 0) {
    if ((ys = yajl_parse(w.h, block, n)) != yajl_status_ok) {
      failed_at = w.base + yajl_get_bytes_consumed(w.h);
      break;
    }
    w.base += n;
  }
  free(block);
  if (ys == yajl_status_ok && ferror(s->f)) {
    yajl_free(w.h);
    return im_error_set(err, IM_STATUS_IO, s->path, 0, 0, "cannot read: %s", strerror(errno));
  }
  if (ys == yajl_status_ok)
    ys = yajl_complete_parse(w.h);
  im_status st = IM_STATUS_OK;
  if (w.oom) {
    st = im_error_set(err, IM_STATUS_INTERNAL, s->path, 0, 0, "out of memory");
  } else if (w.top_array) {
    s->top = json_array(); /* the reader says it is not a FeatureCollection */
  } else if (w.too_many_members) {
    st = im_error_set(err, IM_STATUS_INPUT, s->path, 0, 0,
                      "the top-level object has more than %d members; a FeatureCollection has a few", MAX_MEMBERS);
  } else if (w.too_big) {
    st = im_error_set(err, IM_STATUS_INPUT, s->path, 0, 0, "the top-level \"%s\" member is larger than %d KiB%s",
                      w.too_big, MAX_KEPT >> 10, w.key == KEY_FEATURES ? " and not an array" : "");
  } else {
    /* jansson reads the top level; where yajl failed, it meets the same
     * error and describes it, unless the unfinished value is too large. */
    bool failed = ys != yajl_status_ok;
    if (!failed || failed_at - w.spans_end <= MAX_ERROR_CONTEXT) {
      skeleton *k = calloc(1, sizeof *k);
      json_error_t jerr;
      if (!k || fseek(s->f, (long)s->origin, SEEK_SET) != 0) {
        free(k);
        yajl_free(w.h);
        return im_error_set(err, IM_STATUS_INTERNAL, s->path, 0, 0, "out of memory");
      }
      k->s = s;
      k->at = s->origin;
      s->top = json_load_callback(skeleton_read, k, JSON_REJECT_DUPLICATES, &jerr);
      free(k);
      if (!s->top)
        st = json_failure(s, &jerr, 1, 1, err);
    }
    if (!st && failed)
      st = yajl_failure(s, w.h, failed_at, err); /* yajl's own words */
  }
  yajl_free(w.h);
  return st;
}

/* The rest of an open, once s->f, s->size and s->path are set. */
static im_status open_common(im_geojson_stream *s, const json_t **top, im_geojson_stream **out, im_error *err) {
  const char *path = s->path;
  /* RFC 8259 lets a parser skip a byte order mark; neither parser does. */
  unsigned char head[3];
  if (fread(head, 1, 3, s->f) == 3 && !memcmp(head, "\xEF\xBB\xBF", 3))
    s->origin = 3;
  /* Whitespace only: said as such, not as a syntax error. */
  bool blank = true;
  int c;
  if (fseek(s->f, (long)s->origin, SEEK_SET) != 0)
    blank = false;
  while (blank && (c = getc(s->f)) != EOF)
    blank = c == ' ' || c == '\t' || c == '\r' || c == '\n';
  if (blank) {
    im_geojson_stream_close(s);
    return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "is empty (a GeoJSON FeatureCollection was expected)");
  }
  im_status status = walk_file(s, err);
  if (status) {
    im_geojson_stream_close(s);
    return status;
  }
  *top = s->top;
  *out = s;
  return IM_STATUS_OK;
}

static im_status too_large(const char *path, double size, size_t max_bytes, im_error *err) {
  im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "is %.2f MiB; influmap reads GeoJSON files of at most %.2f MiB",
               size / (1 << 20), (double)max_bytes / (1 << 20));
  if (err)
    err->code = IM_E_LIMIT;
  return IM_STATUS_INPUT;
}

im_status im_geojson_stream_open(const char *path, size_t max_bytes, im_geojson_stream **out, const json_t **top,
                                 im_error *err) {
  *out = NULL;
  *top = NULL;
  im_geojson_stream *s = calloc(1, sizeof *s);
  if (!s)
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  s->path = path;
  if (!(s->f = fopen(path, "rb"))) {
    im_status st = im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "cannot open: %s", strerror(errno));
    im_geojson_stream_close(s);
    return st;
  }
  struct stat st;
  if (fstat(fileno(s->f), &st) != 0 || !S_ISREG(st.st_mode)) {
    im_geojson_stream_close(s);
    return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "not a regular file");
  }
  if ((uintmax_t)st.st_size > max_bytes) {
    im_geojson_stream_close(s);
    return too_large(path, (double)st.st_size, max_bytes, err);
  }
  s->size = (size_t)st.st_size;
  return open_common(s, top, out, err);
}

im_status im_geojson_stream_open_buffer(const char *name, const char *data, size_t length, size_t max_bytes,
                                        im_geojson_stream **out, const json_t **top, im_error *err) {
  *out = NULL;
  *top = NULL;
  if (length > max_bytes)
    return too_large(name, (double)length, max_bytes, err);
  if (!data || !length)
    return im_error_set(err, IM_STATUS_INPUT, name, 0, 0, "is empty (a GeoJSON FeatureCollection was expected)");
  im_geojson_stream *s = calloc(1, sizeof *s);
  if (!s)
    return im_error_set(err, IM_STATUS_INTERNAL, name, 0, 0, "out of memory");
  s->path = name;
  s->mem = data;
  s->size = length;
  /* fmemopen's "r" never writes to the buffer. */
  if (!(s->f = fmemopen((void *)(uintptr_t)data, length, "r"))) {
    im_geojson_stream_close(s);
    return im_error_set(err, IM_STATUS_INTERNAL, name, 0, 0, "out of memory");
  }
  return open_common(s, top, out, err);
}

/* Reads len bytes at offset off into s->buf, NUL-terminated. */
static im_status read_at(im_geojson_stream *s, size_t off, size_t len, im_error *err) {
  if (!im_grow((void **)&s->buf, &s->cap_buf, len + 1, 1))
    return im_error_set(err, IM_STATUS_INTERNAL, s->path, 0, 0, "out of memory");
  if (s->mem) {
    if (off > s->size || len > s->size - off)
      return im_error_set(err, IM_STATUS_INTERNAL, s->path, 0, 0, "a feature past the buffer's end");
    memcpy(s->buf, s->mem + off, len);
    s->buf[len] = '\0';
    return IM_STATUS_OK;
  }
  size_t got = 0;
  while (got < len) {
    ssize_t r = pread(fileno(s->f), s->buf + got, len - got, (off_t)(off + got));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return im_error_set(err, IM_STATUS_IO, s->path, 0, 0, "cannot read: %s",
                          r < 0 ? strerror(errno) : "the file was cut short while it was read");
    got += (size_t)r;
  }
  s->buf[len] = '\0';
  return IM_STATUS_OK;
}

im_status im_geojson_stream_next(im_geojson_stream *s, size_t max_feature_bytes, json_t **feature, im_error *err) {
  *feature = NULL;
  if (s->next >= s->nelements)
    return im_error_set(err, IM_STATUS_INTERNAL, s->path, 0, 0, "no feature left");
  span e = s->elements[s->next++];
  size_t len = e.end - e.from;
  im_status st;
  if (len > max_feature_bytes) {
    /* Named where its text starts, past the delimiters before it. */
    if ((st = read_at(s, e.from, len < 4096 ? len : 4096, err)))
      return st;
    int line, column;
    position(s, e.from + strspn(s->buf, " \t\r\n,"), &line, &column);
    return im_error_set(
        err, IM_STATUS_INPUT, s->path, line, column,
        "feature %zu is %.2f MiB of JSON; influmap parses one feature at a time, which takes up to %d "
        "times its size in memory, and so reads features of at most %.2f MiB (split it; the ceiling: %s)",
        s->next - 1, (double)len / (1 << 20), IM_GEOJSON_MEMORY_FACTOR, (double)max_feature_bytes / (1 << 20),
        im_limit_hint(IM_LIMIT_LAYER_MB));
  }
  if ((st = read_at(s, e.from, len, err)))
    return st;
  size_t skip = strspn(s->buf, " \t\r\n,"); /* the delimiters before the value */
  json_error_t jerr;
  *feature = json_loadb(s->buf + skip, len - skip, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
  if (*feature)
    return IM_STATUS_OK;
  int line, column;
  position(s, e.from + skip, &line, &column);
  return json_failure(s, &jerr, line, column, err);
}
