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
#include <stddef.h>

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

/* What is wrong, finer than the status, for a program to test (the
 * message is for people and may change wording). IM_E_NONE: no finer code
 * than the status. */
typedef enum {
  IM_E_NONE = 0,
  IM_E_SYNTAX,        /* YAML, or a where: expression, that does not parse */
  IM_E_UNKNOWN_KEY,   /* a key that has no meaning where it is written */
  IM_E_BAD_VALUE,     /* a value of the wrong kind or out of its range */
  IM_E_FIELD_MISSING, /* a key that must be there is not */
  IM_E_NO_SUCH_FIELD, /* a filter, class or label names a field the data does not have */
  IM_E_NOT_FOUND,     /* a file the spec names is not there */
  IM_E_REFUSED,       /* the host's file resolver refused a name (context.h) */
  IM_E_LIMIT,         /* past a ceiling of limits.h */
} im_error_code;

typedef struct {
  im_status status;
  char file[1024]; /* the file the fault is in, "" when none */
  int line;        /* 1-based, 0 when not a text position */
  int column;      /* 1-based, 0 when unknown */
  char message[1024];
  im_error_code code; /* IM_E_NONE unless the place that found it knows better */
} im_error;

/* Clears an error to IM_STATUS_OK. */
IM_API void im_error_clear(im_error *err);

/* Sets err (if not NULL) and returns status. file may be NULL; line/column 0
 * mean "no position". The message is printf-formatted; the code is
 * IM_E_NONE. */
IM_API im_status im_error_set(im_error *err, im_status status, const char *file, int line, int column, const char *fmt,
                              ...) __attribute__((format(printf, 6, 7)));
IM_API im_status im_error_setv(im_error *err, im_status status, const char *file, int line, int column, const char *fmt,
                               va_list ap);

/* Formats the error as "file:line:column: message" (parts left out when
 * unknown) into buf; returns buf. */
IM_API const char *im_error_format(const im_error *err, char *buf, unsigned long size);

/* Every error a load found (map.h's im_map_load_ctx), in the order of
 * the files: a spec with three typos gives three entries, each with its
 * file, line, column, code and message. Opaque; a list may be reused for
 * several loads (each load empties it first). */
typedef struct im_error_list im_error_list;
/* A new empty list (NULL when out of memory); free with im_error_list_free. */
IM_API im_error_list *im_error_list_new(void);
IM_API void im_error_list_free(im_error_list *list);
IM_API size_t im_error_list_count(const im_error_list *list);
/* Entry i (NULL past the end), owned by the list until it is emptied or
 * freed. */
IM_API const im_error *im_error_list_get(const im_error_list *list, size_t i);

/* Warnings do not stop a render. They go to a handler, which the host
 * sets; there is none by default, and then the library prints nothing (the
 * influmap command installs one that prints "influmap: warning: MESSAGE"
 * to stderr). The handler is process-wide and is called from whichever
 * thread warns, so it must be thread-safe when several threads render; it
 * may be set and read at any time (the pair fn, user changes at once).
 * A map loaded with a context that has a handler of its own
 * (context.h) warns there instead.
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
