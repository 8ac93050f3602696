/* influmap — batch exports: many maps from one manifest, rendered in
 * parallel, skipped when nothing they depend on has changed, and split
 * deterministically into shards for job arrays. docs/batch.md has the
 * whole manifest language; in short:
 *
 *   base: influence-latam.yaml                   the map spec (a template too)
 *   matrix:                                      every combination is one map
 *     format: [png, pdf]                         a list
 *     country: {from: events.geojson, field: country}   the values in data
 *     month: {range: [2021-01, 2021-12]}         months (or days, years, numbers)
 *   output: "out/{country}/{month}.{format}"     the file, by its suffix
 *   title: "Influence in {country}, {month}"     per-map overrides:
 *   extent: {from_feature: {source: countries.shp, field: ISO_A3, value: "{country}", padding: 10%}}
 *   where: {layer: events, expr: "country = '{country}'"}
 *   period: {from: "{month}", to: "{month}"}
 *
 * Paths in the manifest are relative to its folder; outputs are relative
 * to the output root (the current folder unless set). */
#ifndef INFLUMAP_BATCH_H
#define INFLUMAP_BATCH_H

#include "influmap/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "influmap/error.h"
#include "influmap/map.h"
#include "influmap/render.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct im_manifest im_manifest;

/* One matrix variable's value in a job. Both strings are owned by the
 * manifest. */
typedef struct {
  const char *name;
  const char *value;
} im_batch_param;

/* One map of the manifest, expanded. Owned by the manifest, read-only. */
typedef struct {
  size_t index;           /* in manifest order, from 0 */
  char *output;           /* the output template expanded */
  char *path;             /* the file written: the output root joined with output */
  char *base;             /* the map spec, resolved */
  im_format format;       /* from output's suffix */
  im_batch_param *params; /* one per matrix variable, in the manifest's order */
  size_t nparams;
  uint64_t hash; /* im_batch_hash(output): decides the shard */
} im_batch_job;

typedef struct {
  const char *out_root; /* outputs are written below it; NULL: the current folder */
  bool allow_outside;   /* outputs may be absolute or climb out with ".." */
} im_manifest_options;

/* Reads a manifest, draws the matrix values from data, and expands every
 * job: templates filled in, outputs checked (known suffix, inside the
 * output root, no two jobs writing the same file), base specs found. A
 * mistake is an IM_STATUS_INPUT error at its file:line:column. opt may be
 * NULL. Returns a new manifest in *out; free it with im_manifest_free. */
IM_API im_status im_manifest_load(const char *path, const im_manifest_options *opt, im_manifest **out, im_error *err);
IM_API void im_manifest_free(im_manifest *m);

IM_API size_t im_manifest_job_count(const im_manifest *m);
/* Job i (i < im_manifest_job_count), owned by the manifest. */
IM_API const im_batch_job *im_manifest_job(const im_manifest *m, size_t i);
/* The lock file for shard k of n (n <= 1: the whole manifest): in the
 * output folder (the output template's fixed leading folders below the
 * output root), named after the manifest. Owned by the manifest; valid
 * until the next call. */
IM_API const char *im_manifest_lock_path(im_manifest *m, unsigned k, unsigned n);

/* Loads job's base spec and applies the job's overrides (title, extent,
 * time window, layer filters, dpi, page size). Safe to call from several
 * threads at once. Returns a new map in *out; free with im_map_free. */
IM_API im_status im_batch_job_map(const im_manifest *m, const im_batch_job *job, im_map **out, im_error *err);

/* 64-bit FNV-1a of a string. */
IM_API uint64_t im_batch_hash(const char *s);
/* True when the job belongs to shard k (1..n) of n: the hash, mixed
 * (splitmix64's finalizer), mod n == k - 1.
 * n <= 1 keeps every job. */
IM_API bool im_batch_job_in_shard(const im_batch_job *job, unsigned k, unsigned n);

/* Reads "K/N" (1 <= K <= N), or "auto": the shard is the scheduler's own
 * 0-based index plus one, out of count, which auto needs (the whole array's
 * size; count 0: not given): SLURM_ARRAY_TASK_ID (a Slurm job array) or
 * else JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). The array's size as
 * Slurm reports it is not used: a resubmission of some tasks or a stepped
 * array would shrink it. A bad value is IM_STATUS_USAGE. */
IM_API im_status im_batch_shard_parse(const char *text, unsigned count, unsigned *k, unsigned *n, im_error *err);
/* The environment variable --shard auto reads ("SLURM_ARRAY_TASK_ID" or
 * "JOB_COMPLETION_INDEX"), NULL when neither is set: for the log. */
IM_API const char *im_batch_shard_variable(void);

typedef enum {
  IM_BATCH_RENDERED, /* the map was written */
  IM_BATCH_SKIPPED,  /* the map was up to date */
  IM_BATCH_FAILED,   /* message says why; any earlier file is untouched */
  IM_BATCH_WARNING,  /* a warning while rendering job (NULL: outside any job) */
  IM_BATCH_ATLAS,    /* the atlas was written (message: its path) */
} im_batch_event_kind;

typedef struct {
  im_batch_event_kind kind;
  const im_batch_job *job;
  const char *message; /* failures and warnings: the formatted message */
  im_status status;    /* failures: the error's status */
  size_t done, total;  /* jobs finished (rendered, skipped or failed) of those to do */
  double elapsed;      /* seconds since the batch started */
  double seconds;      /* rendered: how long this map took */
} im_batch_event;

/* Called for each event, one call at a time (never two threads at once),
 * from whichever thread the event happened on. */
typedef void (*im_batch_event_fn)(void *user, const im_batch_event *event);

typedef struct {
  int workers;             /* threads; 0 or less: 1 */
  bool force;              /* render even what is up to date */
  unsigned shard, nshards; /* only shard (1..nshards); nshards <= 1: every job */
  const char *atlas;       /* also collect the PDF outputs, in manifest order, into this PDF */
  bool no_cache;           /* read sources for every map, not once per process (to measure the cache) */
  im_batch_event_fn on_event;
  void *user;
  /* Run even while another run of the manifest whose maps overlap this
   * one's (the same shard, or a whole run and any shard) holds its lock;
   * without it, im_batch_run fails with IM_STATUS_IO naming the holder's
   * host and pid. */
  bool ignore_locks;
} im_batch_options;

typedef struct {
  size_t total; /* jobs in this run (this shard) */
  size_t rendered, skipped, failed;
  im_status worst; /* the worst failure: OK, INPUT, then IO/INTERNAL */
  double seconds;
} im_batch_summary;

/* Renders the manifest's jobs (those of the shard) with opt->workers
 * threads. A job that fails does not stop the others; each outcome is an
 * event, the counts are in *summary. Every finished map is recorded in the
 * lock file's journal before its event, so a batch killed at any point
 * leaves the lock file consistent with the files on disk. The batch's
 * warnings go to on_event, through a context of its own (context.h) that
 * its threads work in: the process's handler is neither used nor changed,
 * so other threads of the host keep theirs. Returns an
 * error only for what stops the batch as a whole (the lock file or the
 * atlas cannot be written, out of memory). */
IM_API im_status im_batch_run(im_manifest *m, const im_batch_options *opt, im_batch_summary *summary, im_error *err);

#ifdef __cplusplus
}
#endif
#endif
