/* CSV reader on libcsv: a header row, geometry from lon/lat or wkt
 * columns, the other columns as text fields typed from their values.
 *
 * libcsv reports fields and rows through callbacks but no positions, so
 * the file is fed one physical line at a time and the line each record
 * starts on is tracked here; a quoted field may run over several lines.
 * Text must be UTF-8: each line is checked before libcsv sees it, so the
 * message can give the line and column of the first bad byte. */
#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/mem-private.h"
#include "core/utf8-private.h"
#include "io/layer-private.h"
#include "io/io-private.h"
#include "io/wkt-private.h"

typedef struct {
  im_layer *layer;
  const im_layer_query *query;
  im_error *err;
  im_status st;
  long line;     /* the physical line being fed, from 1 */
  long row_line; /* the line the current record starts on, 0 between records */
  long nrows;    /* records so far, the header included */
  char **cells;  /* the current record's cells (NULL: empty and unquoted) */
  size_t ncells, cap_cells;
  size_t ncols;       /* columns in the header */
  char **col_names;   /* the header's cells */
  long lon, lat, wkt; /* geometry columns, -1 when absent */
  long *field_of;     /* column -> field index, -1 for geometry columns */
  im_field_guess *guesses;
  size_t cap_features;
  bool have_bbox;
  im_geom g;
  im_budget budget;
} csv_state;

static void set_error(csv_state *s, long line, int column, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void set_error(csv_state *s, long line, int column, const char *fmt, ...) {
  if (s->st)
    return;
  va_list ap;
  va_start(ap, fmt);
  s->st = im_error_setv(s->err, IM_STATUS_INPUT, s->layer->path, (int)line, column, fmt, ap);
  va_end(ap);
}

static void set_oom(csv_state *s) {
  if (!s->st)
    s->st = im_error_set(s->err, IM_STATUS_INTERNAL, s->layer->path, (int)s->row_line, 0, "out of memory");
}

static void clear_cells(csv_state *s) {
  for (size_t i = 0; i < s->ncells; i++)
    free(s->cells[i]);
  s->ncells = 0;
}

static void on_field(void *data, size_t len, void *user) {
  csv_state *s = user;
  if (s->st)
    return;
  if (!im_grow((void **)&s->cells, &s->cap_cells, s->ncells + 1, sizeof *s->cells)) {
    set_oom(s);
    return;
  }
  char *cell = NULL;
  if (data && !(cell = im_strndup(data, len))) {
    set_oom(s);
    return;
  }
  s->cells[s->ncells++] = cell;
}

/* ---- the header ---- */

static long column_named(const csv_state *s, const char *name) {
  for (size_t i = 0; i < s->ncols; i++)
    if (!strcasecmp(s->col_names[i], name))
      return (long)i;
  return -1;
}

/* For compare_columns: qsort has no user pointer, and batch workers read
 * files on several threads. */
static _Thread_local const char *const *sort_names;

static int compare_columns(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  int c = strcasecmp(sort_names[x], sort_names[y]);
  return c ? c : (x > y) - (x < y);
}

/* The repeated name (any case) whose second column comes first: *first
 * and *second are its two columns, *second == n when none repeats. Sorted
 * rather than compared pairwise, as a 1 MB header has 150,000 columns.
 * False when out of memory. */
static bool first_duplicate(char *const *names, size_t n, size_t *first, size_t *second) {
  *first = *second = n;
  size_t *order = im_malloc_array(n ? n : 1, sizeof *order);
  if (!order)
    return false;
  for (size_t i = 0; i < n; i++)
    order[i] = i;
  sort_names = (const char *const *)names;
  qsort(order, n, sizeof *order, compare_columns);
  /* In a run of equal names the indexes ascend: its first two are the
   * pair that would be met first reading left to right. */
  for (size_t i = 1; i < n; i++)
    if (!strcasecmp(names[order[i]], names[order[i - 1]]) &&
        (i < 2 || strcasecmp(names[order[i - 1]], names[order[i - 2]])) && order[i] < *second) {
      *first = order[i - 1];
      *second = order[i];
    }
  free(order);
  return true;
}

static void read_header(csv_state *s) {
  s->ncols = s->ncells;
  s->col_names = s->cells;
  s->cells = NULL;
  s->ncells = s->cap_cells = 0;
  for (size_t i = 0; i < s->ncols; i++) {
    if (!s->col_names[i] || !s->col_names[i][0]) {
      set_error(s, s->row_line, 0, "the header's column %zu has no name", i + 1);
      return;
    }
  }
  size_t first, second;
  if (!first_duplicate(s->col_names, s->ncols, &first, &second)) {
    set_oom(s);
    return;
  }
  static const char *const pairs[][2] = {{"lon", "lat"}, {"longitude", "latitude"}, {"x", "y"}};
  if (second < s->ncols) {
    /* The names are quoted only from a header that names a geometry
     * column: any other file is not quoted (docs/design-notes.md,
     * "Messages"). */
    bool known = column_named(s, "wkt") >= 0;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0] && !known; i++)
      known = column_named(s, pairs[i][0]) >= 0 || column_named(s, pairs[i][1]) >= 0;
    char a[IM_SHOWN_SIZE], b[IM_SHOWN_SIZE];
    if (known)
      set_error(s, s->row_line, 0, "the header names column %zu '%s' and column %zu '%s'; names must differ", first + 1,
                im_utf8_shown(s->col_names[first], a), second + 1, im_utf8_shown(s->col_names[second], b));
    else
      set_error(s, s->row_line, 0, "the header's columns %zu and %zu have the same name; names must differ", first + 1,
                second + 1);
    return;
  }
  s->lon = s->lat = -1;
  const char *half = NULL;
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0] && s->lon < 0; i++) {
    long x = column_named(s, pairs[i][0]), y = column_named(s, pairs[i][1]);
    if (x >= 0 && y >= 0)
      s->lon = x, s->lat = y;
    else if ((x >= 0 || y >= 0) && !half)
      half = x >= 0 ? pairs[i][0] : pairs[i][1];
  }
  s->wkt = column_named(s, "wkt");
  if (s->lon >= 0 && s->wkt >= 0) {
    set_error(s, s->row_line, 0, "has both %s/%s and wkt columns; keep one source of geometry", s->col_names[s->lon],
              s->col_names[s->lat]);
    return;
  }
  if (s->lon < 0 && s->wkt < 0 && !half && s->query && s->query->table) {
    /* A table: every row is a feature of attributes alone. */
  } else if (s->lon < 0 && s->wkt < 0) {
    if (half)
      set_error(s, s->row_line, 0, "has a '%s' column but not its partner; points need lon and lat columns", half);
    else
      set_error(s, s->row_line, 0,
                "has no geometry: the header needs lon and lat columns (or longitude/latitude, x/y) or a wkt column");
    return;
  }
  im_layer *l = s->layer;
  if (!(s->field_of = im_malloc_array(s->ncols ? s->ncols : 1, sizeof *s->field_of)) ||
      !(l->fields = calloc(s->ncols ? s->ncols : 1, sizeof *l->fields)) ||
      !(s->guesses = calloc(s->ncols ? s->ncols : 1, sizeof *s->guesses))) {
    set_oom(s);
    return;
  }
  for (size_t i = 0; i < s->ncols; i++) {
    if ((long)i == s->lon || (long)i == s->lat || (long)i == s->wkt) {
      s->field_of[i] = -1;
      continue;
    }
    s->field_of[i] = (long)l->nfields;
    if (!(l->fields[l->nfields++].name = im_strdup(s->col_names[i]))) {
      set_oom(s);
      return;
    }
  }
}

/* ---- records ---- */

/* The record's geometry into s->g; false (error set) when it is bad. */
static bool read_geometry(csv_state *s) {
  if (s->wkt >= 0) {
    const char *text = s->cells[s->wkt];
    if (!text || !*text) {
      set_error(s, s->row_line, 0, "the wkt cell is empty (write e.g. POINT EMPTY for no geometry)");
      return false;
    }
    char msg[512];
    im_status st = im_wkt_read(text, &s->g, msg, sizeof msg);
    if (st == IM_STATUS_INTERNAL)
      set_oom(s);
    else if (st)
      set_error(s, s->row_line, 0, "wkt %s", msg);
    return !st;
  }
  double v[2];
  long cols[2] = {s->lon, s->lat};
  for (int k = 0; k < 2; k++) {
    const char *text = s->cells[cols[k]], *name = s->col_names[cols[k]];
    if (!text || !*text) {
      set_error(s, s->row_line, 0, "the %s cell is empty; every record needs its coordinates", name);
      return false;
    }
    if (!im_parse_number(text, &v[k])) {
      set_error(s, s->row_line, 0, "%s '%.40s' is not a number", name, text);
      return false;
    }
  }
  im_geom_reset(&s->g, IM_GEOM_POINT);
  if (!im_geom_begin_part(&s->g) || !im_geom_add_point(&s->g, v[0], v[1])) {
    set_oom(s);
    return false;
  }
  return true;
}

static void read_record(csv_state *s) {
  im_layer *l = s->layer;
  long fid = s->nrows - 2; /* the header is record 1 */
  if (s->ncells != s->ncols) {
    set_error(s, s->row_line, 0, "has %zu field%s, but the header has %zu columns", s->ncells,
              s->ncells == 1 ? "" : "s", s->ncols);
    return;
  }
  l->total_records++;
  bool table = s->lon < 0 && s->wkt < 0;
  if (!table && !read_geometry(s))
    return;
  for (size_t i = 0; i < s->ncols; i++)
    if (s->field_of[i] >= 0 && s->cells[i])
      im_field_guess_add(&s->guesses[s->field_of[i]], im_text_kind(s->cells[i]), s->cells[i]);
  if (!table) {
    if (!s->g.npoints)
      return; /* EMPTY: no geometry, like a GeoJSON null */
    im_bbox b = im_geom_bbox(&s->g);
    im_bbox_extend(&l->file_bbox, &s->have_bbox, &b);
    if (!im_query_wants(s->query, &b))
      return;
  }
  size_t bytes = 0;
  for (size_t i = 0; i < s->ncols && !(s->query && s->query->skip_attributes); i++)
    if (s->field_of[i] >= 0)
      bytes += sizeof(char *) + (s->cells[i] ? strlen(s->cells[i]) + 1 : 0);
  char msg[256];
  const char *over = im_budget_add(&s->budget, s->g.npoints, s->g.nparts, bytes, msg, sizeof msg);
  if (over) {
    set_error(s, s->row_line, 0, "%s", over);
    if (s->err)
      s->err->code = IM_E_LIMIT;
    return;
  }
  if (!im_grow((void **)&l->features, &s->cap_features, l->nfeatures + 1, sizeof *l->features)) {
    set_oom(s);
    return;
  }
  im_feature *f = &l->features[l->nfeatures++];
  memset(f, 0, sizeof *f);
  f->fid = fid;
  f->line = s->row_line;
  f->geom = s->g; /* moved */
  im_geom_init(&s->g, IM_GEOM_POINT);
  if (s->query && s->query->skip_attributes)
    return;
  if (!(f->values = calloc(l->nfields ? l->nfields : 1, sizeof *f->values))) {
    set_oom(s);
    return;
  }
  for (size_t i = 0; i < s->ncols; i++)
    if (s->field_of[i] >= 0) {
      f->values[s->field_of[i]] = s->cells[i];
      s->cells[i] = NULL; /* moved */
    }
}

static void on_row(int c, void *user) {
  (void)c;
  csv_state *s = user;
  if (!s->st) {
    s->nrows++;
    if (s->nrows == 1)
      read_header(s);
    else
      read_record(s);
  }
  clear_cells(s);
  s->row_line = 0;
}

/* ---- feeding libcsv ---- */

/* Characters (not bytes) before offset: an editor's column minus one. */
static int chars_before(const char *s, size_t off) {
  int n = 0;
  for (size_t i = 0; i < off; i++)
    n += ((unsigned char)s[i] & 0xC0) != 0x80;
  return n;
}

/* Feeds one physical line (with its terminator, if any). */
static void feed_line(csv_state *s, struct csv_parser *p, const char *text, size_t n) {
  size_t bad = im_utf8_bad_at(text, n, true);
  if (bad < n) {
    unsigned char b = (unsigned char)text[bad];
    if (!b)
      set_error(s, s->line, chars_before(text, bad) + 1, "a NUL byte; this does not look like a text file");
    else
      set_error(s, s->line, chars_before(text, bad) + 1, "invalid UTF-8 (byte 0x%02X)%s; save the file as UTF-8", b,
                b >= 0xA0 ? ", perhaps Latin-1 or Windows-1252" : "");
    return;
  }
  if (!s->row_line && strspn(text, " \t\r\n") < n)
    s->row_line = s->line; /* libcsv skips blank lines, so this starts a record */
  /* libcsv grows a field's buffer by a fixed block, copying it each time:
   * a 10 MB field took minutes where realloc cannot grow in place (ASan,
   * valgrind). A block as large as what it holds makes the growth
   * geometric. */
  size_t blk = p->entry_size > n ? p->entry_size : n;
  csv_set_blk_size(p, blk < 4096 ? 4096 : blk);
  size_t done = csv_parse(p, text, n, on_field, on_row, s);
  if (done < n && !s->st) {
    if (csv_error(p) == CSV_EPARSE)
      set_error(s, s->line, chars_before(text, done) + 1,
                "misplaced quote: a field with quotes in it must be quoted whole, with each inner quote doubled "
                "(\"a \"\"b\"\" c\")");
    else
      set_oom(s);
  }
}

static im_status parse(csv_state *s, FILE *f) {
  struct csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
    return im_error_set(s->err, IM_STATUS_INTERNAL, s->layer->path, 0, 0, "out of memory");
  char *buf = NULL;
  size_t cap = 0;
  ssize_t got;
  s->line = 1;
  while (!s->st && (got = getline(&buf, &cap, f)) > 0) {
    char *text = buf;
    size_t n = (size_t)got;
    if (s->line == 1 && n >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
      text += 3, n -= 3; /* the byte order mark spreadsheets write */
    /* A lone CR ends a line too (old Mac files); libcsv agrees. */
    while (n && !s->st) {
      size_t len = 0;
      while (len < n && text[len] != '\n' && !(text[len] == '\r' && (len + 1 == n || text[len + 1] != '\n')))
        len++;
      if (len < n)
        len += text[len] == '\r' ? 1 : 0, len += len < n && text[len] == '\n' ? 1 : 0;
      bool ended = text[len - 1] == '\n' || text[len - 1] == '\r';
      feed_line(s, &p, text, len);
      text += len, n -= len;
      if (ended)
        s->line++;
    }
  }
  if (!s->st && ferror(f))
    s->st = im_error_set(s->err, IM_STATUS_IO, s->layer->path, 0, 0, "cannot read: %s", strerror(errno));
  free(buf);
  if (!s->st && csv_fini(&p, on_field, on_row, s) != 0 && !s->st)
    set_error(s, s->row_line, 0, "a quoted field in the record starting here is never closed");
  csv_free(&p);
  if (!s->st && s->nrows == 0)
    set_error(s, 0, 0, "is empty (a CSV file starts with a header row naming its columns)");
  return s->st;
}

static im_status load_stream(const char *path, FILE *f, const im_layer_query *query, im_layer **out, im_error *err);

im_status im_layer_load_csv(const char *path, const im_layer_query *query, im_layer **out, im_error *err) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "cannot open: %s", strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
    fclose(f);
    return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "not a regular file");
  }
  return load_stream(path, f, query, out, err);
}

im_status im_layer_load_csv_buffer(const char *data, size_t length, const char *name, const im_layer_query *query,
                                   im_layer **out, im_error *err) {
  *out = NULL;
  if (!name || !*name)
    name = "CSV buffer";
  if (!data || !length)
    return im_error_set(err, IM_STATUS_INPUT, name, 0, 0,
                        "is empty (a CSV file starts with a header row naming its columns)");
  /* Read as a file is, line by line: the same positions in messages. */
  FILE *f = fmemopen((void *)data, length, "rb");
  if (!f)
    return im_error_set(err, IM_STATUS_INTERNAL, name, 0, 0, "cannot read the buffer: %s", strerror(errno));
  return load_stream(name, f, query, out, err);
}

/* Reads f to its end and closes it; path names it in messages. */
static im_status load_stream(const char *path, FILE *f, const im_layer_query *query, im_layer **out, im_error *err) {
  im_layer *layer = im_layer_new(path, "CSV");
  csv_state s = {.layer = layer, .query = query, .err = err, .lon = -1, .lat = -1, .wkt = -1};
  im_geom_init(&s.g, IM_GEOM_POINT);
  im_budget_init(&s.budget);
  if (!layer || !(layer->crs_definition = im_strdup("EPSG:4326")) || !(layer->encoding = im_strdup("UTF-8"))) {
    s.st = im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  } else {
    layer->encoding_source = "required for CSV";
    parse(&s, f);
  }
  fclose(f);
  if (!s.st)
    for (size_t k = 0; k < layer->nfields; k++)
      im_field_guess_apply(&s.guesses[k], &layer->fields[k]);
  clear_cells(&s);
  free(s.cells);
  for (size_t i = 0; i < s.ncols; i++)
    free(s.col_names[i]);
  free(s.col_names);
  free(s.field_of);
  free(s.guesses);
  im_geom_free(&s.g);
  if (s.st) {
    im_layer_free(layer);
    return s.st;
  }
  *out = layer;
  return IM_STATUS_OK;
}
