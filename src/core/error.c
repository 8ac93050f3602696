#include "influmap/error.h"

#include "core/cnum-private.h"
#include "core/context-private.h"
#include "core/error-private.h"
#include "core/mem-private.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void im_error_clear(im_error *err) {
  if (!err)
    return;
  memset(err, 0, sizeof *err);
}

im_status im_error_setv(im_error *err, im_status status, const char *file, int line, int column, const char *fmt,
                        va_list ap) {
  if (!err)
    return status;
  err->status = status;
  snprintf(err->file, sizeof err->file, "%s", file ? file : "");
  err->line = line;
  err->column = column;
  err->code = IM_E_NONE;
  im_vsnprintf(err->message, sizeof err->message, fmt, ap);
  return status;
}

im_status im_error_set(im_error *err, im_status status, const char *file, int line, int column, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  im_error_setv(err, status, file, line, column, fmt, ap);
  va_end(ap);
  return status;
}

const char *im_error_format(const im_error *err, char *buf, unsigned long size) {
  if (!size)
    return buf;
  if (!err->file[0])
    snprintf(buf, size, "%s", err->message);
  else if (err->line > 0 && err->column > 0)
    snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line, err->column, err->message);
  else if (err->line > 0)
    snprintf(buf, size, "%s:%d: %s", err->file, err->line, err->message);
  else
    snprintf(buf, size, "%s: %s", err->file, err->message);
  return buf;
}

/* None by default: a library prints nothing; the influmap command installs
 * one that prints. Read and set under a lock: a host may set it while
 * another thread renders. */
static pthread_mutex_t warning_mu = PTHREAD_MUTEX_INITIALIZER;
static im_warning_fn warning_fn;
static void *warning_user;

void im_warning_set_handler(im_warning_fn fn, void *user) {
  pthread_mutex_lock(&warning_mu);
  warning_fn = fn;
  warning_user = user;
  pthread_mutex_unlock(&warning_mu);
}

void im_warning_get_handler(im_warning_fn *fn, void **user) {
  pthread_mutex_lock(&warning_mu);
  *fn = warning_fn;
  *user = warning_user;
  pthread_mutex_unlock(&warning_mu);
}

void im_warn(const char *fmt, ...) {
  im_warning_fn fn;
  void *user;
  if (!im_context_warning_handler(&fn, &user))
    im_warning_get_handler(&fn, &user);
  if (!fn)
    return;
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  im_vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fn(user, msg);
}

struct im_error_list {
  im_error *items;
  size_t n, cap;
};

im_error_list *im_error_list_new(void) { return calloc(1, sizeof(im_error_list)); }

void im_error_list_free(im_error_list *list) {
  if (!list)
    return;
  free(list->items);
  free(list);
}

size_t im_error_list_count(const im_error_list *list) { return list ? list->n : 0; }

const im_error *im_error_list_get(const im_error_list *list, size_t i) {
  return list && i < list->n ? &list->items[i] : NULL;
}

void im_error_list_clear(im_error_list *list) {
  if (list)
    list->n = 0;
}

bool im_error_list_add(im_error_list *list, const im_error *e) {
  const im_error *last = list->n ? &list->items[list->n - 1] : NULL;
  if (last && last->line == e->line && last->column == e->column && !strcmp(last->file, e->file) &&
      !strcmp(last->message, e->message))
    return true;
  if (!im_grow((void **)&list->items, &list->cap, list->n + 1, sizeof *list->items))
    return false;
  list->items[list->n++] = *e;
  return true;
}
