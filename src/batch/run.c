/* Running a batch: worker threads take jobs in manifest order; each builds
 * its own map (and with it its own PROJ context and Cairo surfaces), skips
 * it when the lock file says it is up to date, else renders it. Outcomes
 * and warnings are reported one at a time, under one mutex. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/context-private.h"
#include "core/mem-private.h"
#include "batch/batch-private.h"
#include "geo/projcache-private.h"
#include "io/layer-cache-private.h"

typedef struct {
  im_manifest *m;
  const im_batch_options *opt;
  im_batch_lock *lock;
  im_batch_hold *hold;
  size_t *todo; /* job indexes of this run, in manifest order */
  size_t ntodo;
  atomic_size_t next;
  pthread_mutex_t mu; /* events and the counts below */
  im_context *ctx;    /* the batch's threads work in it: its warnings are events */
  size_t done, rendered, skipped, failed;
  im_status worst;
  bool *failed_job; /* by job index */
  struct timespec t0;
} run_state;

/* The job a worker thread is on, for its warnings. */
static _Thread_local const im_batch_job *current_job;

void im_batch_set_current_job(const im_batch_job *job) { current_job = job; }

static double since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Called with the mutex held. */
static void emit(run_state *rs, im_batch_event_kind kind, const im_batch_job *job, const char *message,
                 im_status status, double seconds) {
  if (!rs->opt->on_event)
    return;
  im_batch_event ev = {.kind = kind,
                       .job = job,
                       .message = message,
                       .status = status,
                       .done = rs->done,
                       .total = rs->ntodo,
                       .elapsed = since(&rs->t0),
                       .seconds = seconds};
  rs->opt->on_event(rs->opt->user, &ev);
}

static void on_warning(void *user, const char *message) {
  run_state *rs = user;
  pthread_mutex_lock(&rs->mu);
  emit(rs, IM_BATCH_WARNING, current_job, message, IM_STATUS_OK, 0);
  pthread_mutex_unlock(&rs->mu);
}

static im_status parent_dirs(const char *path, im_error *err) {
  const char *slash = strrchr(path, '/');
  if (!slash || slash == path)
    return IM_STATUS_OK;
  char *dir = im_strndup(path, (size_t)(slash - path));
  if (!dir)
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  im_status st = im_batch_make_dirs(dir, err);
  free(dir);
  return st;
}

static im_batch_event_kind run_job(run_state *rs, const im_batch_job *job, im_error *err) {
  im_map *map = NULL;
  im_batch_inputs *in = NULL;
  im_status st = im_batch_job_map(rs->m, job, &map, err);
  if (!st)
    st = im_batch_inputs_of(rs->lock, rs->m, job, map, &in, err);
  im_batch_event_kind kind = IM_BATCH_FAILED;
  if (!st && !rs->opt->force && im_batch_lock_fresh(rs->lock, job, in)) {
    kind = IM_BATCH_SKIPPED;
  } else if (!st && !(st = im_batch_check_real_output(rs->m, job, err)) && !(st = parent_dirs(job->path, err)) &&
             !(st = im_batch_check_real_output(rs->m, job, err))) {
    if (!(st = im_map_render(map, job->path, NULL, err))) {
      st = im_batch_lock_record(rs->lock, job, in, err);
      in = NULL;
    }
    if (!st)
      kind = IM_BATCH_RENDERED;
  }
  im_batch_inputs_free(in);
  im_map_free(map);
  return kind;
}

static void *worker(void *arg) {
  run_state *rs = arg;
  /* This thread's renders are the batch's: every feature they project is
   * kept for the maps after them (geo/projcache-private.h). */
  im_proj_cache_batch_thread(true);
  const im_context *was = im_context_enter(rs->ctx);
  size_t i;
  while ((i = atomic_fetch_add(&rs->next, 1)) < rs->ntodo) {
    const im_batch_job *job = &rs->m->jobs[rs->todo[i]];
    current_job = job;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    im_error err;
    im_error_clear(&err);
    im_batch_event_kind kind = run_job(rs, job, &err);
    double seconds = since(&t);
    current_job = NULL;
    char msg[2048] = "";
    if (kind == IM_BATCH_FAILED)
      im_error_format(&err, msg, sizeof msg);
    pthread_mutex_lock(&rs->mu);
    rs->done++;
    if (kind == IM_BATCH_RENDERED)
      rs->rendered++;
    else if (kind == IM_BATCH_SKIPPED)
      rs->skipped++;
    else {
      rs->failed++;
      rs->failed_job[job->index] = true;
      /* Input errors rank below failures of the system (exit 1 < 3). */
      bool system = err.status != IM_STATUS_INPUT && err.status != IM_STATUS_USAGE;
      if (system && rs->worst != IM_STATUS_IO && rs->worst != IM_STATUS_INTERNAL)
        rs->worst = err.status == IM_STATUS_OK ? IM_STATUS_INTERNAL : err.status;
      else if (!rs->worst)
        rs->worst = IM_STATUS_INPUT;
    }
    emit(rs, kind, job, kind == IM_BATCH_FAILED ? msg : NULL, err.status, seconds);
    pthread_mutex_unlock(&rs->mu);
  }
  im_context_leave(was);
  return NULL;
}

static im_status run_atlas(run_state *rs, im_error *err) {
  im_manifest *m = rs->m;
  bool *include = calloc(m->njobs + 1, sizeof *include), *failed = calloc(m->njobs + 1, sizeof *failed);
  if (!include || !failed) {
    free(include);
    free(failed);
    return im_error_set(err, IM_STATUS_INTERNAL, rs->opt->atlas, 0, 0, "out of memory");
  }
  size_t pages = 0;
  for (size_t i = 0; i < rs->ntodo; i++) {
    const im_batch_job *job = &m->jobs[rs->todo[i]];
    if (job->format == IM_FORMAT_PDF && !rs->failed_job[job->index]) {
      include[job->index] = true;
      pages++;
    }
  }
  im_status st = pages ? im_batch_atlas(m, rs->opt->atlas, include, failed, err)
                       : im_error_set(err, IM_STATUS_INPUT, rs->opt->atlas, 0, 0,
                                      "no PDF maps to collect into the atlas (the atlas takes the .pdf outputs)");
  if (!st) {
    pthread_mutex_lock(&rs->mu);
    emit(rs, IM_BATCH_ATLAS, NULL, rs->opt->atlas, IM_STATUS_OK, 0);
    pthread_mutex_unlock(&rs->mu);
  }
  free(include);
  free(failed);
  return st;
}

im_status im_batch_run(im_manifest *m, const im_batch_options *opt, im_batch_summary *summary, im_error *err) {
  memset(summary, 0, sizeof *summary);
  run_state rs = {.m = m, .opt = opt};
  clock_gettime(CLOCK_MONOTONIC, &rs.t0);
  unsigned k = opt->nshards > 1 ? opt->shard : 1, n = opt->nshards > 1 ? opt->nshards : 1;
  rs.todo = im_malloc_array(m->njobs + 1, sizeof *rs.todo);
  rs.failed_job = calloc(m->njobs + 1, sizeof *rs.failed_job);
  if (!rs.todo || !rs.failed_job) {
    free(rs.todo);
    free(rs.failed_job);
    return im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
  }
  for (size_t i = 0; i < m->njobs; i++)
    if (im_batch_job_in_shard(&m->jobs[i], k, n))
      rs.todo[rs.ntodo++] = i;
  atomic_init(&rs.next, 0);
  pthread_mutex_init(&rs.mu, NULL);
  /* Warnings from every thread go through the one mutex, whole lines at a
   * time, tagged with the job they came from: the batch's context's
   * handler, which every thread of the batch works in. */
  if (!(rs.ctx = im_context_new())) {
    pthread_mutex_destroy(&rs.mu);
    free(rs.todo);
    free(rs.failed_job);
    return im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
  }
  im_context_set_warning_handler(rs.ctx, on_warning, &rs);
  const im_context *was = im_context_enter(rs.ctx);
  if (!opt->no_cache)
    im_layer_cache_begin();
  /* Before the lock files are read: a run that overlaps this one, still
   * running, would have them change underfoot. */
  im_status st = im_batch_hold_take(m, k, n, opt->ignore_locks, &rs.hold, err);
  if (!st)
    st = im_batch_lock_open(m, k, n, &rs.lock, err);
  if (!st) {
    /* What a killed run left half-written goes before anything is drawn. */
    const char **paths = im_malloc_array(rs.ntodo + 1, sizeof *paths);
    for (size_t i = 0; paths && i < rs.ntodo; i++)
      paths[i] = m->jobs[rs.todo[i]].path;
    if (paths)
      im_batch_remove_stale_temps(paths, rs.ntodo);
    free(paths);
    size_t nthreads = opt->workers > 1 ? (size_t)opt->workers : 1;
    if (nthreads > rs.ntodo)
      nthreads = rs.ntodo ? rs.ntodo : 1;
    pthread_t *threads = im_malloc_array(nthreads, sizeof *threads);
    size_t started = 0;
    for (size_t i = 1; threads && i < nthreads; i++)
      if (!pthread_create(&threads[started], NULL, worker, &rs))
        started++;
    worker(&rs); /* the calling thread works too */
    for (size_t i = 0; i < started; i++)
      pthread_join(threads[i], NULL);
    free(threads);
    /* Records of outputs no longer in the manifest are dropped; the
     * shards' lock files are folded into the whole one. */
    st = im_batch_lock_save(rs.lock, err);
    if (!st && n == 1)
      im_batch_lock_drop_shards(rs.lock);
  }
  if (!st && opt->atlas) {
    im_proj_cache_batch_thread(true);
    st = run_atlas(&rs, err);
  }
  im_proj_cache_batch_thread(false);
  if (!opt->no_cache)
    im_layer_cache_end();
  im_context_leave(was);
  im_context_free(rs.ctx);
  im_batch_lock_free(rs.lock);
  im_batch_hold_release(rs.hold);
  *summary = (im_batch_summary){rs.ntodo, rs.rendered, rs.skipped, rs.failed, rs.worst, since(&rs.t0)};
  pthread_mutex_destroy(&rs.mu);
  free(rs.todo);
  free(rs.failed_job);
  return st;
}
