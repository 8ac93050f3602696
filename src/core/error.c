#include "influmap/error.h"

#include "core/cnum-private.h"

#include <pthread.h>
#include <stdio.h>
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
