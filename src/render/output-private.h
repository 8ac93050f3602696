/* Output files written atomically: a temporary file in the same folder,
 * renamed over the target only once complete. */
#ifndef IM_OUTPUT_PRIVATE_H
#define IM_OUTPUT_PRIVATE_H

#include <cairo.h>
#include <stdbool.h>
#include <stdio.h>

#include "influmap/error.h"

typedef struct {
  FILE *fp;
  char *tmp_path;
  char *final_path;
  int write_errno; /* first write error, 0 if none */
  int created;     /* the temporary file exists */
} im_output;

/* Creates the temporary file. On failure nothing exists on disk. */
im_status im_output_open(im_output *o, const char *path, im_error *err);

/* A cairo_write_func_t; closure is the im_output. */
cairo_status_t im_output_write(void *closure, const unsigned char *data, unsigned int length);

/* Flushes, syncs, closes and renames into place; on failure removes the
 * temporary file. Either way o is finished. */
im_status im_output_commit(im_output *o, im_error *err);

/* Closes and removes the temporary file. Safe on a finished output. */
void im_output_abort(im_output *o);

#endif
