/* Shards: a deterministic slice of a manifest's jobs, by a hash of each
 * output's name, so that machines of a cluster (Slurm job arrays,
 * Kubernetes Indexed Jobs, GNU parallel) split one manifest without talking
 * to each other. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/batch-private.h"

uint64_t im_batch_hash(const char *s) {
  uint64_t h = 14695981039346656037ULL;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

bool im_batch_job_in_shard(const im_batch_job *job, unsigned k, unsigned n) {
  return n <= 1 || job->hash % n == (uint64_t)(k - 1);
}

static bool read_uint(const char *s, unsigned long *out) {
  char *end;
  errno = 0;
  if (!s || !isdigit((unsigned char)*s))
    return false;
  *out = strtoul(s, &end, 10);
  return !*end && !errno && *out < 1000000000UL;
}

im_status im_batch_shard_parse(const char *text, unsigned count, unsigned *k, unsigned *n, im_error *err) {
  unsigned long kk, nn;
  if (strcmp(text, "auto")) {
    const char *slash = strchr(text, '/');
    char head[32];
    if (!slash || (size_t)(slash - text) >= sizeof head)
      return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "--shard needs K/N (such as 3/16) or auto, not '%s'", text);
    snprintf(head, sizeof head, "%.*s", (int)(slash - text), text);
    if (!read_uint(head, &kk) || !read_uint(slash + 1, &nn) || nn < 1 || kk < 1 || kk > nn)
      return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0,
                          "--shard K/N needs whole numbers with 1 <= K <= N, not '%s'", text);
    *k = (unsigned)kk, *n = (unsigned)nn;
    return IM_STATUS_OK;
  }
  const char *id = getenv("SLURM_ARRAY_TASK_ID"), *jci = getenv("JOB_COMPLETION_INDEX");
  unsigned long min = 0, max = 0, index;
  if (id) {
    if (!read_uint(id, &index))
      return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "SLURM_ARRAY_TASK_ID is not a number: '%s'", id);
    const char *smin = getenv("SLURM_ARRAY_TASK_MIN"), *smax = getenv("SLURM_ARRAY_TASK_MAX"),
               *scount = getenv("SLURM_ARRAY_TASK_COUNT");
    if (smin && !read_uint(smin, &min))
      return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "SLURM_ARRAY_TASK_MIN is not a number: '%s'", smin);
    nn = count;
    if (!nn && scount && !read_uint(scount, &nn))
      return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "SLURM_ARRAY_TASK_COUNT is not a number: '%s'", scount);
    if (!nn && smin && smax && read_uint(smax, &max) && max >= min)
      nn = max - min + 1;
    if (!nn)
      return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0,
                          "--shard auto: SLURM_ARRAY_TASK_ID is set but not how many tasks there are "
                          "(SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MIN/MAX); give --count N");
    if (index < min)
      return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "SLURM_ARRAY_TASK_ID %lu is below SLURM_ARRAY_TASK_MIN %lu",
                          index, min);
    kk = index - min + 1;
  } else if (jci) {
    if (!read_uint(jci, &index))
      return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "JOB_COMPLETION_INDEX is not a number: '%s'", jci);
    if (!count)
      return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0,
                          "--shard auto with JOB_COMPLETION_INDEX needs --count N (the Job's completions)");
    nn = count;
    kk = index + 1;
  } else {
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0,
                        "--shard auto needs SLURM_ARRAY_TASK_ID (a Slurm job array) or JOB_COMPLETION_INDEX "
                        "(a Kubernetes Indexed Job) in the environment");
  }
  if (kk > nn)
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "--shard auto: task %lu is beyond the %lu shards", kk, nn);
  *k = (unsigned)kk, *n = (unsigned)nn;
  return IM_STATUS_OK;
}
