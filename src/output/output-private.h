/* Output files written atomically: a temporary file in the same folder
 * (".NAME.PID.N.tmp", registered for removal on a signal: see
 * core/tempfile-private.h), renamed over the target only once complete;
 * and the title, description
 * and keywords a map's file carries (SVG <title>/<desc>, PDF metadata).
 *
 * Not every output is a file to replace. A path that is a symbolic link
 * replaces the file the link points to (the temporary file beside it), so
 * the link stays. A path that exists and is not a regular file (a
 * character device, a FIFO, a socket) is written to as it is, never
 * replaced: it is opened at the first write, so a render that fails first
 * touches nothing; /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N
 * write to the process's own descriptor (at its offset). And an output can
 * be a write function (im_map_render_to_stream). */
#ifndef IM_OUTPUT_PRIVATE_H
#define IM_OUTPUT_PRIVATE_H

#include <cairo.h>
#include <stdbool.h>
#include <stdio.h>

#include "influmap/error.h"
#include "spec/map-private.h"

typedef struct {
  FILE *fp;
  char *tmp_path;
  char *final_path;
  int write_errno; /* first write error, 0 if none */
  int created;     /* the temporary file exists */
  int converted;   /* the temporary file was written by a converter */
  int slot;        /* tmp_path's place in the temporary file registry */
  /* Not a file replaced by a rename: */
  int direct;    /* final_path is a device, FIFO or descriptor, opened at the first write */
  int direct_fd; /* /dev/stdout and the like: the descriptor to duplicate; -1 to open final_path */
  bool (*sink)(void *user, const unsigned char *data, size_t length); /* a write function */
  void *sink_user;
  int sink_failed; /* the write function returned false */
  /* Held in memory until im_output_commit (im_output_hold). */
  int hold;
  unsigned char *held;
  size_t nheld, held_cap;
} im_output;

/* Creates the temporary file. On failure nothing exists on disk. */
im_status im_output_open(im_output *o, const char *path, im_error *err);

/* An output to a write function: each write calls sink(user, data,
 * length), which returns false on failure. Nothing can fail here. */
void im_output_open_sink(im_output *o, bool (*sink)(void *user, const unsigned char *data, size_t length), void *user);

/* True when the output is a file written under a temporary name and
 * renamed (what im_output_convert needs). */
bool im_output_is_file(const im_output *o);

/* Keeps what is written in memory until im_output_commit, which writes it
 * at once; im_output_abort forgets it. For outputs that cannot be taken
 * back (a stream, a device: not a file, for which it does nothing) when
 * the writer may give up half-way and start again (page/page.c: a PDF's
 * bytes start before its page is final). */
void im_output_hold(im_output *o);

/* A cairo_write_func_t; closure is the im_output. */
cairo_status_t im_output_write(void *closure, const unsigned char *data, unsigned int length);

/* Converts the file written so far: closes it and calls
 * convert(in = its name, out = a new empty temporary file beside it, user,
 * err), which fills out; out then takes its place and in is removed. On
 * failure both are removed and o is finished, as by im_output_abort; the
 * error is convert's (or the write error that came first). */
typedef im_status (*im_output_convert_fn)(const char *in_path, const char *out_path, void *user, im_error *err);
im_status im_output_convert(im_output *o, im_output_convert_fn convert, void *user, im_error *err);

/* Flushes, syncs, closes and renames into place; on failure removes the
 * temporary file. Either way o is finished. A direct output or a write
 * function gets what was held, and a direct output is closed. */
im_status im_output_commit(im_output *o, im_error *err);

/* Closes and removes the temporary file. Safe on a finished output. */
void im_output_abort(im_output *o);

/* What a map's file says about itself, built from its spec: all three are
 * plain UTF-8 (escape them for XML). */
typedef struct {
  char *title;       /* map.title, else "Map" */
  char *description; /* "Latin America: map of 56°S to 15°N, 92°W to 30°W, in
                        <CRS>, with the layers a, b and c, from <date> to <date>." */
  char *keywords;    /* "map, " and the layer ids, comma-separated */
} im_output_meta;

/* Fills m for map; crs_name is the map CRS's name (the spec's definition is
 * used when it is NULL or "unknown"), from/to the time window or NULL.
 * Returns false when out of memory (m is then empty). Free with
 * im_output_meta_free. */
bool im_output_meta_init(im_output_meta *m, const im_map *map, const char *crs_name, const char *from, const char *to);
void im_output_meta_free(im_output_meta *m);

#endif
