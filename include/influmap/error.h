/* influmap — errors as values.
 *
 * Every function that can fail returns an im_status and fills an im_error
 * supplied by the caller. The message is set once, where the fault is found,
 * and names the file (and line:column for text formats); callers that only
 * propagate a failure do not add another message. */
#ifndef INFLUMAP_ERROR_H
#define INFLUMAP_ERROR_H

#include "influmap/export.h"

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Grouped by domain; the CLI maps them onto exit codes (design.md):
 * IM_STATUS_INPUT -> 1, IM_STATUS_USAGE -> 2, IM_STATUS_IO/INTERNAL -> 3. */
typedef enum {
  IM_STATUS_OK = 0,
  IM_STATUS_INPUT,    /* bad input: a broken file, an unknown CRS, a spec typo */
  IM_STATUS_USAGE,    /* bad command line */
  IM_STATUS_IO,       /* the system refused: cannot write, disk full */
  IM_STATUS_INTERNAL, /* out of memory, a library in an unexpected state */
} im_status;

typedef struct {
  im_status status;
  char file[1024]; /* the file the fault is in, "" when none */
  int line;        /* 1-based, 0 when not a text position */
  int column;      /* 1-based, 0 when unknown */
  char message[1024];
} im_error;

/* Clears an error to IM_STATUS_OK. */
IM_API void im_error_clear(im_error *err);

/* Sets err (if not NULL) and returns status. file may be NULL; line/column 0
 * mean "no position". The message is printf-formatted. */
IM_API im_status im_error_set(im_error *err, im_status status, const char *file, int line, int column, const char *fmt,
                              ...) __attribute__((format(printf, 6, 7)));
IM_API im_status im_error_setv(im_error *err, im_status status, const char *file, int line, int column, const char *fmt,
                               va_list ap);

/* Formats the error as "file:line:column: message" (parts left out when
 * unknown) into buf; returns buf. */
IM_API const char *im_error_format(const im_error *err, char *buf, unsigned long size);

/* Warnings do not stop a render. They go to a handler, which the host
 * sets; there is none by default, and then the library prints nothing (the
 * influmap command installs one that prints "influmap: warning: MESSAGE"
 * to stderr). The handler is process-wide and is called from whichever
 * thread warns, so it must be thread-safe when several threads render; it
 * may be set and read at any time (the pair fn, user changes at once).
 * im_batch_run routes warnings to its events while it runs and puts the
 * host's handler back when it returns. NULL: none. */
typedef void (*im_warning_fn)(void *user, const char *message);
IM_API void im_warning_set_handler(im_warning_fn fn, void *user);
/* The handler and its user pointer now set (NULL, NULL: none), to put back
 * after setting another. */
IM_API void im_warning_get_handler(im_warning_fn *fn, void **user);
IM_API void im_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#ifdef __cplusplus
}
#endif
#endif
