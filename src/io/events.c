/* The influence-event schema (design.md, "Influence data"): what a layer of
 * projects and events must carry so that maps can class, filter by date and
 * label it. The vocabularies are closed so that a typo shows up here rather
 * than as a grey "other" marker on a printed map. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cnum-private.h"
#include "core/mem-private.h"
#include "core/suggest-private.h"
#include "influmap/events.h"
#include "io/io-private.h"

#define MAX_WARNINGS 50

static const char *const required[] = {"id", "name", "actor", "category", "status", "date"};
static const char *const actors[] = {"China", "Russia",    "Iran",          "Venezuela",
                                     "Cuba",  "Nicaragua", "United States", "other"};
static const char *const categories[] = {"port",      "cable",  "embassy",        "military", "incident", "diplomacy",
                                         "finance",   "energy", "mining",         "media",    "telecom",  "space",
                                         "education", "health", "infrastructure", "other"};
static const char *const statuses[] = {"proposed", "announced", "under construction", "operational",
                                       "occurred", "suspended", "cancelled"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
  const im_layer *layer;
  im_error *err;
  size_t n;
  long col[COUNT(required)];
  long date_end, country;
} checker;

static void problem(checker *c, const im_feature *f, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(checker *c, const im_feature *f, const char *fmt, ...) {
  char msg[768], label[160] = "";
  va_list ap;
  va_start(ap, fmt);
  im_vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (f) {
    int n = snprintf(label, sizeof label, "feature %ld", f->fid);
    const char *id = c->col[0] >= 0 ? f->values[c->col[0]] : NULL;
    if (id && *id)
      snprintf(label + n, sizeof label - (size_t)n, " (id '%.60s')", id);
  }
  im_error e;
  im_error_clear(&e);
  im_error *target = c->n == 0 ? c->err : &e;
  /* A column missing from a CSV file is missing from its header, line 1. */
  int line = f ? (int)f->line : c->layer->format && !strcmp(c->layer->format, "CSV") ? 1 : 0;
  im_error_set(target, IM_STATUS_INPUT, c->layer->path, line, 0, "%s%s%s", label, *label ? ": " : "", msg);
  if (c->n > 0 && c->n <= MAX_WARNINGS) {
    char buf[2200];
    im_warn("%s", im_error_format(&e, buf, sizeof buf));
  }
  c->n++;
}

/* " (did you mean 'X'?)" or " (one of: a, b, c)" into buf. */
static const char *hint(const char *word, const char *const *known, size_t n, char *buf, size_t size) {
  const char *s = im_suggest(word, known, n);
  if (s) {
    snprintf(buf, size, " (did you mean '%s'?)", s);
    return buf;
  }
  int len = snprintf(buf, size, " (one of: ");
  for (size_t i = 0; i < n && len > 0 && (size_t)len < size; i++)
    len += snprintf(buf + len, size - (size_t)len, "%s%s", i ? ", " : "", known[i]);
  if (len > 0 && (size_t)len < size)
    snprintf(buf + len, size - (size_t)len, ")");
  return buf;
}

static bool listed(const char *word, const char *const *known, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(word, known[i]))
      return true;
  return false;
}

static bool blank(const char *s) { return !s || !s[strspn(s, " \t\r\n")]; }

/* Compares two valid ISO dates of any precision: -1 when a ends before b
 * begins (2021-02 is before 2021-03-15; 2021-03 is not). */
static bool date_before(const char *a, const char *b) {
  size_t n = strlen(a) < strlen(b) ? strlen(a) : strlen(b);
  return strncmp(a, b, n) < 0;
}

static void check_feature(checker *c, const im_feature *f, const char *const *actor_list, size_t nactors) {
  char h[512];
  const char *v[COUNT(required)];
  for (size_t k = 0; k < COUNT(required); k++) {
    v[k] = c->col[k] >= 0 ? f->values[c->col[k]] : NULL;
    if (c->col[k] >= 0 && blank(v[k])) {
      problem(c, f, "the required property '%s' is missing or empty", required[k]);
      v[k] = NULL;
    }
  }
  const char *actor = v[2], *category = v[3], *status = v[4], *date = v[5];
  if (actor && !listed(actor, actor_list, nactors))
    problem(c, f, "actor '%s' is not known%s", actor, hint(actor, actor_list, nactors, h, sizeof h));
  if (category && !listed(category, categories, COUNT(categories)))
    problem(c, f, "category '%s' is not known%s", category, hint(category, categories, COUNT(categories), h, sizeof h));
  if (status && !listed(status, statuses, COUNT(statuses)))
    problem(c, f, "status '%s' is not known%s", status, hint(status, statuses, COUNT(statuses), h, sizeof h));
  bool date_ok = date && im_iso_date_parts(date);
  if (date && !date_ok)
    problem(c, f, "date '%s' is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)", date);
  const char *end = c->date_end >= 0 ? f->values[c->date_end] : NULL;
  if (!blank(end)) {
    if (!im_iso_date_parts(end))
      problem(c, f, "date_end '%s' is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)", end);
    else if (date_ok && date_before(end, date))
      problem(c, f, "date_end '%s' is before date '%s'", end, date);
  }
  const char *country = c->country >= 0 ? f->values[c->country] : NULL;
  if (!blank(country) && !(strlen(country) == 3 && strspn(country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3))
    problem(c, f, "country '%s' is not an ISO 3166 alpha-3 code (three upper-case letters, e.g. PER)", country);
  for (size_t i = 0; i < f->geom.npoints; i++) {
    double x = f->geom.xy[2 * i], y = f->geom.xy[2 * i + 1];
    if (!(x >= -180 && x <= 180 && y >= -90 && y <= 90)) {
      problem(c, f, "coordinates (%.10g, %.10g) are out of range (longitude -180..180, latitude -90..90)", x, y);
      break;
    }
  }
}

im_status im_events_validate(const im_layer *layer, const char *const *extra_actors, size_t *nproblems, im_error *err) {
  if (nproblems)
    *nproblems = 0;
  for (size_t i = 0; i < layer->nfeatures; i++)
    if (!layer->features[i].values)
      return im_error_set(err, IM_STATUS_INTERNAL, layer->path, 0, 0,
                          "the layer was read without its attributes; events cannot be checked");
  if (!layer->nfeatures && !layer->nfields)
    return IM_STATUS_OK;
  size_t nextra = 0;
  while (extra_actors && extra_actors[nextra])
    nextra++;
  const char **actor_list = im_malloc_array(COUNT(actors) + nextra, sizeof *actor_list);
  if (!actor_list)
    return im_error_set(err, IM_STATUS_INTERNAL, layer->path, 0, 0, "out of memory");
  memcpy(actor_list, actors, sizeof actors);
  for (size_t i = 0; i < nextra; i++)
    actor_list[COUNT(actors) + i] = extra_actors[i];

  checker c = {.layer = layer, .err = err};
  c.date_end = im_layer_field_index(layer, "date_end");
  c.country = im_layer_field_index(layer, "country");
  /* Field names as candidates for "did you mean", for a misspelt column. */
  const char **names = im_malloc_array(layer->nfields + 1, sizeof *names);
  for (size_t k = 0; names && k < layer->nfields; k++)
    names[k] = layer->fields[k].name;
  for (size_t k = 0; k < COUNT(required); k++) {
    c.col[k] = im_layer_field_index(layer, required[k]);
    if (c.col[k] >= 0)
      continue;
    const char *s = names ? im_suggest(required[k], names, layer->nfields) : NULL;
    problem(&c, NULL, "no '%s' property%s%s%s; the event schema requires id, name, actor, category, status and date",
            required[k], s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
  }
  free(names);
  for (size_t i = 0; i < layer->nfeatures; i++)
    check_feature(&c, &layer->features[i], actor_list, COUNT(actors) + nextra);
  free(actor_list);
  if (c.n > MAX_WARNINGS + 1)
    im_warn("%s: %zu more problems not shown", layer->path, c.n - MAX_WARNINGS - 1);
  if (nproblems)
    *nproblems = c.n;
  return c.n ? IM_STATUS_INPUT : IM_STATUS_OK;
}
