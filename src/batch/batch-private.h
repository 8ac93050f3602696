/* The batch module's parts: the manifest model (manifest.c reads it,
 * expand.c fills the matrix and the jobs), overrides applied to a job's map
 * (job.c), input hashes and the lock file (lock.c), the hold of a running
 * run (hold.c), the atlas (atlas.c), shards (shard.c), the workers (run.c) and the layer cache they share
 * (cache.c, layer-cache-private.h). */
#ifndef IM_BATCH_PRIVATE_H
#define IM_BATCH_PRIVATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "influmap/batch.h"
#include "spec/map-private.h"
#include "io/layer-private.h"

/* A string with {variables}, and where it is written (for messages). */
typedef struct {
  char *text; /* NULL: not given */
  const char *file;
  im_spec_pos pos; /* of the text's first character */
  bool expr;       /* a filter expression: each value goes in as one literal (im_tmpl_expand) */
} im_tmpl;

typedef struct {
  char *name;
  im_spec_pos pos;
  char **values;
  size_t nvalues;
  char **with; /* attribute names ({name.attr}), from: data only */
  size_t nwith;
  char **attrs; /* nvalues x nwith, NULL where the data has none */
} im_batch_var;

typedef struct {
  char *layer;
  im_spec_pos layer_pos;
  im_tmpl expr;
} im_batch_where;

typedef enum { IM_BATCH_EXTENT_KEEP, IM_BATCH_EXTENT_FIXED, IM_BATCH_EXTENT_FEATURE } im_batch_extent_kind;

/* One feature value's bounding box in longitude/latitude. */
typedef struct {
  char *value;
  double west, south, east, north;
} im_batch_bbox;

struct im_manifest {
  char *path;
  char *out_root;
  bool allow_outside;
  im_tmpl base, output, title, period_from, period_to;
  im_batch_var *vars;
  size_t nvars;
  im_batch_where *wheres;
  size_t nwheres;
  /* extent */
  im_batch_extent_kind extent_kind;
  im_spec_pos extent_pos;
  im_extent extent; /* FIXED */
  char *ext_source; /* FEATURE: resolved path */
  char *ext_field;
  im_spec_pos ext_field_pos;
  im_tmpl ext_value;
  double padding; /* fraction of the size (pct) or degrees */
  bool padding_pct;
  im_batch_bbox *bboxes; /* per value of ext_field, sorted by value */
  size_t nbboxes;
  /* page */
  double dpi; /* 0: the spec's */
  bool has_size;
  im_length width, height;
  /* jobs */
  im_batch_job *jobs;
  size_t njobs;
  char *lock_dir;  /* the output folder */
  char *lock_path; /* the last im_manifest_lock_path */
};

/* ---- manifest.c ---- */

/* Frees what one variable owns. */
void im_batch_var_clear(im_batch_var *v);

/* ---- expand.c ---- */

/* Checks that a template names only known variables (and attributes) and
 * known filters; an error is placed at the variable. */
im_status im_tmpl_check(const im_manifest *m, const im_tmpl *t, const char *what, im_error *err);
/* Fills the template in with the values of job; NULL when out of memory. */
char *im_tmpl_expand(const im_manifest *m, const im_tmpl *t, const im_batch_job *job);

/* The distinct values of field in the source at path (sorted), optionally
 * only of features matching where, with the attributes with[] of the first
 * feature that has each. */
im_status im_batch_var_from_data(im_batch_var *v, const char *manifest, const char *path, const char *field,
                                 im_spec_pos field_pos, const char *where, im_spec_pos where_pos, im_error *err);
/* The values from first to last: YYYY-MM (months), YYYY-MM-DD (days) or
 * whole numbers. */
im_status im_batch_var_from_range(im_batch_var *v, const char *manifest, const char *first, im_spec_pos first_pos,
                                  const char *last, im_spec_pos last_pos, im_error *err);
/* Every combination of the matrix, in order (the first variable changes
 * slowest), with outputs checked. */
im_status im_batch_expand(im_manifest *m, im_error *err);
/* Unless --allow-outside: the job's output folder, once every symbolic
 * link on the way is followed, is the output folder (the template's fixed
 * folders, which no value can change) or below it. The check of the
 * output's text when the manifest is read cannot see a link out/sym ->
 * /elsewhere that a value "sym" leads through. Called before the folders
 * are made and again after. */
im_status im_batch_check_real_output(const im_manifest *m, const im_batch_job *job, im_error *err);
/* Reads every feature's bounding box by the value of ext_field. */
im_status im_batch_index_extent(im_manifest *m, im_error *err);

/* ---- job.c ---- */

/* The job's overrides as they apply to it (matrix values, base, title,
 * extent, filters, page), for the lock file. A new JSON object, or NULL
 * when out of memory. */
json_t *im_batch_job_params(const im_manifest *m, const im_batch_job *job);

/* ---- lock.c ---- */

typedef struct im_batch_lock im_batch_lock;

/* Reads the lock files and journals of the manifest in its output folder
 * (a missing one is empty; an unreadable one is warned about and ignored),
 * writes this run's lock file with what they hold and starts its journal. */
im_status im_batch_lock_open(im_manifest *m, unsigned k, unsigned n, im_batch_lock **out, im_error *err);
void im_batch_lock_free(im_batch_lock *lock);

/* The inputs and parameters a job's map depends on, hashed. */
typedef struct im_batch_inputs im_batch_inputs;
im_status im_batch_inputs_of(im_batch_lock *lock, const im_manifest *m, const im_batch_job *job, const im_map *map,
                             im_batch_inputs **out, im_error *err);
void im_batch_inputs_free(im_batch_inputs *in);

/* True when job's output exists, matches what the lock recorded, and was
 * made from the same inputs. Thread-safe. */
bool im_batch_lock_fresh(im_batch_lock *lock, const im_batch_job *job, const im_batch_inputs *in);
/* Records that job's output was just written from in (hashing the
 * output): a line appended to the journal and synced. Thread-safe. Takes
 * in. */
im_status im_batch_lock_record(im_batch_lock *lock, const im_batch_job *job, im_batch_inputs *in, im_error *err);
/* At the end of a run: writes the lock file whole (temporary file +
 * rename) and removes the journal. */
im_status im_batch_lock_save(im_batch_lock *lock, im_error *err);
/* After a run over the whole manifest: removes the shards' lock files,
 * whose records the whole lock file now holds. */
void im_batch_lock_drop_shards(im_batch_lock *lock);

/* mkdir -p. */
im_status im_batch_make_dirs(const char *dir, im_error *err);
/* Removes the temporary files killed processes left beside the n paths
 * (see src/render/output.c): those of processes no longer running here. */
void im_batch_remove_stale_temps(const char *const *paths, size_t n);

/* The sha256 of a file, as 64 hex digits and a NUL; false when it cannot
 * be read. */
bool im_batch_sha256_file(const char *path, char hex[65]);

/* ---- hold.c ---- */

/* A run's hold on its maps (see hold.c): another run whose maps overlap
 * (any but another shard of the same N) refuses while it lasts. */
typedef struct im_batch_hold im_batch_hold;
/* The holder touches its file this often; one on another host is taken to
 * be gone once its file has not been touched for IM_BATCH_HOLD_STALE_S
 * (clocks of a cluster's machines may differ by a little). */
#define IM_BATCH_HOLD_BEAT_S 10
#define IM_BATCH_HOLD_STALE_S 90
#define IM_BATCH_HOLD_STALE_TEXT "90 seconds"
/* Takes the hold of shard k of n (n <= 1: the whole manifest), recovering
 * one its holder left; IM_STATUS_IO, naming the holder, when a run that
 * overlaps holds one (with ignore: a warning instead). */
im_status im_batch_hold_take(im_manifest *m, unsigned k, unsigned n, bool ignore, im_batch_hold **out, im_error *err);
/* Gives the hold back (removes the file if it is still this process's). */
void im_batch_hold_release(im_batch_hold *h);

/* ---- run.c ---- */

/* The job this thread works on: its warnings are tagged with it. */
void im_batch_set_current_job(const im_batch_job *job);

/* ---- atlas.c ---- */

/* Renders the jobs flagged in include[] (in order) as the pages of one PDF
 * with an outline entry per page; failed[i] is set for a page that could
 * not be drawn. */
im_status im_batch_atlas(const im_manifest *m, const char *path, const bool *include, bool *failed, im_error *err);

#endif
