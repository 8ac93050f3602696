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

/* FNV-1a's low bits are those of the characters' low bits alone (the last
 * bit is their parity): outputs that differ in a suffix (png, svg, pdf) or a
 * name fell into few residues, and of 4 shards of the quick start's 12 maps
 * two were empty. splitmix64's finalizer spreads every bit over all. */
static uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool im_batch_job_in_shard(const im_batch_job *job, unsigned k, unsigned n) {
  return n <= 1 || mix(job->hash) % n == (uint64_t)(k - 1);
}

static bool read_uint(const char *s, unsigned long *out) {
  char *end;
  errno = 0;
  if (!s || !isdigit((unsigned char)*s))
    return false;
  *out = strtoul(s, &end, 10);
  return !*end && !errno && *out < 1000000000UL;
}

const char *im_batch_shard_variable(void) {
  const char *id = getenv("SLURM_ARRAY_TASK_ID"), *jci = getenv("JOB_COMPLETION_INDEX");
  return id && *id ? "SLURM_ARRAY_TASK_ID" : jci && *jci ? "JOB_COMPLETION_INDEX" : NULL;
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
  /* The scheduler's own index, 0-based, is the shard (K = index + 1), and
   * N is given: an array's size as the scheduler reports it
   * (SLURM_ARRAY_TASK_COUNT, MIN, MAX) is that of this submission, which a
   * resubmission of a few tasks (--array=5,9) or a step (--array=0-15:4)
   * makes smaller than the whole, and shards taken from it would leave
   * maps out without a word. */
  const char *var = im_batch_shard_variable();
  if (!var)
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0,
                        "--shard auto needs SLURM_ARRAY_TASK_ID (a Slurm job array) or JOB_COMPLETION_INDEX "
                        "(a Kubernetes Indexed Job) in the environment");
  const char *value = getenv(var);
  unsigned long index;
  bool slurm = !strcmp(var, "SLURM_ARRAY_TASK_ID");
  if (!read_uint(value, &index))
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "%s is not a number: '%s'", var, value);
  if (!count) {
    if (slurm)
      return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0,
                          "--shard auto needs --count N, the number of shards: the whole array's size, such as "
                          "--count 16 for #SBATCH --array=0-15 (shard K runs as task K-1, so a resubmission "
                          "--array=5,9 with --count 16 runs shards 6 and 10 of 16)");
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0,
                        "--shard auto with JOB_COMPLETION_INDEX needs --count N: the Job's completions");
  }
  nn = count;
  if (index >= nn && slurm)
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0,
                        "SLURM_ARRAY_TASK_ID=%lu is beyond --count %lu: shard K runs as task K-1, so the array's "
                        "ids run from 0 to %lu (#SBATCH --array=0-%lu)",
                        index, nn, nn - 1, nn - 1);
  if (index >= nn)
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0,
                        "JOB_COMPLETION_INDEX=%lu is beyond --count %lu (the Job's completions): indexes run from 0 "
                        "to %lu",
                        index, nn, nn - 1);
  *k = (unsigned)index + 1, *n = (unsigned)nn;
  return IM_STATUS_OK;
}
