/* join: the rows of a table attached to a layer's features by a key
 * (join-private.h). The table's keys are sorted once and looked up per
 * feature; keys are compared as text, or as numbers when both fields are
 * numeric ("32" matches "32.0"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem-private.h"
#include "influmap/filter.h"
#include "io/io-private.h"
#include "io/layer-cache-private.h"
#include "render/join-private.h"
#include "render/style-resolve-private.h"
#include "spec/filter-private.h"

typedef struct {
  char *key; /* normalised */
  size_t row;
} keyed_row;

static im_status oom(const char *path, im_error *err) {
  return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory joining a table");
}

static bool numeric(im_field_type t) { return t == IM_FIELD_INTEGER || t == IM_FIELD_DOUBLE; }

/* The key as compared: a number's shortest exact text when both sides are
 * numeric, else the text without surrounding blanks. NULL: no key. */
static char *normalise(const char *text, bool as_number, bool *oom_out) {
  *oom_out = false;
  if (!text)
    return NULL;
  while (*text == ' ' || *text == '\t')
    text++;
  size_t n = strlen(text);
  while (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
    n--;
  if (!n)
    return NULL;
  char *s = im_strndup(text, n);
  double v;
  if (s && as_number && im_parse_number(s, &v)) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v + 0.0);
    free(s);
    s = im_strdup(buf);
  }
  *oom_out = !s;
  return s;
}

static int cmp_keyed(const void *a, const void *b) {
  const keyed_row *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : (x->row > y->row) - (x->row < y->row);
}

static const char *table_of(const im_render_ctx *rc, const im_join *j, const im_layer_style **other) {
  *other = NULL;
  if (!j->layer)
    return j->source;
  for (size_t i = 0; i < rc->map->nlayers; i++)
    if (!strcmp(rc->map->layers[i].id, j->layer)) {
      *other = &rc->map->layers[i];
      return rc->map->layers[i].source;
    }
  return NULL;
}

/* One join onto *layer (replaced by the extended layer on success). */
static im_status join_one(im_render_ctx *rc, const im_layer_style *ls, const im_join *j, im_layer **layer,
                          im_error *err) {
  im_layer *base = *layer;
  im_filter *keep = NULL; /* the layer's where:, bound in a copy: a render never writes the map */
  const im_layer_style *other;
  const char *path = table_of(rc, j, &other);
  if (!path)
    return im_error_set(err, IM_STATUS_INPUT, j->file, j->layer_pos.line, j->layer_pos.column,
                        "join: no layer has the id '%s'", j->layer);
  const im_layer *bound = NULL;
  if (other && im_render_bound(rc, other, &bound, err))
    return IM_STATUS_INPUT;
  long on = im_layer_field_index(base, j->on);
  if (on < 0)
    return im_field_error(base, j->on, j->file, j->on_pos, "join on", err);
  im_layer *t = NULL;
  im_layer_query table = {.table = true};
  im_status st = bound ? im_layer_source_open(path, bound, &table, &t, err) : im_layer_load(path, &table, &t, err);
  if (st)
    return st;
  const char *keyname = j->key ? j->key : j->on;
  long key = im_layer_field_index(t, keyname);
  size_t nsel = j->fields ? j->nfields : (t->nfields ? t->nfields - (key >= 0) : 0);
  size_t *sel = im_malloc_array(nsel + 1, sizeof *sel);
  im_field *fields = calloc(nsel + 1, sizeof *fields);
  keyed_row *rows = im_malloc_array(t->nfeatures + 1, sizeof *rows);
  char **values = NULL;
  size_t nrows = 0;
  if (!sel || !fields || !rows) {
    st = oom(path, err);
    goto done;
  }
  if (key < 0) {
    st = im_field_error(t, keyname, j->file, j->key ? j->key_pos : j->on_pos, "join key", err);
    goto done;
  }
  for (size_t i = 0, n = 0; i < nsel; i++) {
    long f;
    if (j->fields) {
      if ((f = im_layer_field_index(t, j->fields[i])) < 0) {
        st = im_field_error(t, j->fields[i], j->file, j->fields_pos, "join", err);
        goto done;
      }
    } else {
      f = (long)n++;
      if (f == key)
        f = (long)n++;
    }
    sel[i] = (size_t)f;
    fields[i] = t->fields[f];
    if (im_layer_field_index(base, fields[i].name) >= 0) {
      st = im_error_set(err, IM_STATUS_INPUT, j->file, j->pos.line, j->pos.column,
                        "join: field '%s' of %s: %s already has a field of that name (list the fields to attach "
                        "in fields:)",
                        fields[i].name, t->path, base->path);
      goto done;
    }
  }
  /* The table's keys, sorted, the first row of a key first. */
  bool as_number = numeric(base->fields[on].type) && numeric(t->fields[key].type), no_mem;
  for (size_t i = 0; i < t->nfeatures; i++) {
    char *k = normalise(t->features[i].values ? t->features[i].values[key] : NULL, as_number, &no_mem);
    if (no_mem) {
      st = oom(path, err);
      goto done;
    }
    if (k)
      rows[nrows++] = (keyed_row){k, i};
  }
  qsort(rows, nrows, sizeof *rows, cmp_keyed);
  size_t duplicates = 0;
  const char *dup_first = NULL;
  for (size_t i = 1; i < nrows; i++)
    if (!strcmp(rows[i].key, rows[i - 1].key) && (i < 2 || strcmp(rows[i - 1].key, rows[i - 2].key))) {
      duplicates++;
      dup_first = dup_first ? dup_first : rows[i].key;
    }
  size_t nf = base->nfeatures, unmatched = 0;
  /* Unmatched counts the features the layer draws: those its where:
   * keeps, when it can be told before the join (it may test a joined
   * field, and then every feature read counts). */
  im_error scratch;
  if (ls->where.filter &&
      im_filter_copy_bound(ls->where.filter, base->fields, base->nfields, base->path, &keep, &scratch))
    keep = NULL;
  char shown[200] = "";
  if (!(values = calloc(nf * nsel + 1, sizeof *values))) {
    st = oom(path, err);
    goto done;
  }
  for (size_t i = 0; i < nf; i++) {
    const char *text = base->features[i].values ? base->features[i].values[on] : NULL;
    char *k = normalise(text, as_number, &no_mem);
    if (no_mem) {
      st = oom(path, err);
      goto done;
    }
    /* The first row of the key: the lowest index among equal keys. */
    size_t lo = 0, hi = nrows;
    while (k && lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (strcmp(rows[mid].key, k) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
    bool hit = k && lo < nrows && !strcmp(rows[lo].key, k);
    if (!hit && keep && !im_filter_eval(keep, base->features[i].values)) {
      free(k);
      continue;
    }
    if (!hit) {
      if (unmatched++ < 5) {
        size_t n = strlen(shown);
        snprintf(shown + n, sizeof shown - n, "%s'%.30s'", n ? ", " : "", text ? text : "(null)");
      }
      free(k);
      continue;
    }
    free(k);
    const im_feature *row = &t->features[rows[lo].row];
    for (size_t s = 0; s < nsel; s++) {
      const char *v = row->values ? row->values[sel[s]] : NULL;
      if (v && !(values[i * nsel + s] = im_strdup(v))) {
        st = oom(path, err);
        goto done;
      }
    }
  }
  rc->join_unmatched += unmatched;
  rc->join_duplicates += duplicates;
  if (rc->strict && (unmatched || duplicates)) {
    if (unmatched)
      st = im_error_set(err, IM_STATUS_INPUT, j->file, j->pos.line, j->pos.column,
                        "layer %s: join on %s: %zu feature%s match%s no row of %s (%s%s); strict rendering joins "
                        "every feature",
                        ls->id, j->on, unmatched, unmatched == 1 ? "" : "s", unmatched == 1 ? "es" : "", t->path, shown,
                        unmatched > 5 ? ", ..." : "");
    else
      st = im_error_set(err, IM_STATUS_INPUT, j->file, j->pos.line, j->pos.column,
                        "layer %s: join on %s: %zu key%s of %s in more than one row (the first: '%s'); strict "
                        "rendering needs one row per key",
                        ls->id, j->on, duplicates, duplicates == 1 ? " is" : "s are", t->path, dup_first);
    goto done;
  }
  {
    im_layer *extended = im_layer_extend(base, fields, nsel, values);
    values = NULL; /* taken */
    if (!extended) {
      *layer = NULL;
      st = oom(path, err);
      goto done;
    }
    *layer = extended;
  }
done:
  im_filter_free(keep);
  if (values) {
    for (size_t i = 0; i < nf * nsel; i++)
      free(values[i]);
    free(values);
  }
  for (size_t i = 0; rows && i < nrows; i++)
    free(rows[i].key);
  free(rows);
  free(sel);
  free(fields); /* names are t's, copied by im_layer_extend */
  im_layer_free(t);
  return st;
}

im_status im_render_join(im_render_ctx *rc, const im_layer_style *ls, im_layer **layer, im_error *err) {
  im_status st = IM_STATUS_OK;
  for (size_t k = 0; k < ls->njoins && !st; k++)
    st = join_one(rc, ls, &ls->joins[k], layer, err);
  return st;
}
