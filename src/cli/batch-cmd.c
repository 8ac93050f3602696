/* influmap batch MANIFEST: many maps from one manifest (include/influmap/
 * batch.h, docs/batch.md). On a terminal a progress line is redrawn in
 * place; otherwise each finished map is one line of the log. Warnings and
 * failures go to stderr, whole lines, never inside another line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/batch-cmd.h"
#include "influmap/batch.h"

static const char batch_usage[] =
    "usage: influmap batch MANIFEST [-j N] [--shard K/N | --shard auto --count N] [--force] [--list]\n"
    "                      [--atlas FILE.pdf] [--out-root DIR] [--allow-outside] [--no-cache] [--ignore-locks]\n";

static const char batch_help[] =
    "Renders every map of a manifest, in parallel, skipping those whose inputs have not changed since the\n"
    "lock file in the output folder recorded them (docs/batch.md).\n"
    "\n"
    "  -j N, --jobs N     worker threads (default 1)\n"
    "  --shard K/N        only the maps whose output name hashes to K-1 modulo N; N shards make the whole\n"
    "  --shard auto       K from the scheduler's 0-based index plus one: SLURM_ARRAY_TASK_ID (a Slurm job\n"
    "                     array, #SBATCH --array=0-15) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)\n"
    "  --count N          with --shard auto: the number of shards, the whole array's size (a resubmission\n"
    "                     --array=5,9 keeps --count 16 and runs shards 6 and 10 of 16)\n"
    "  --force            render every map, up to date or not\n"
    "  --list             print the maps (of the shard) with their values, one per line, rendering nothing\n"
    "  --atlas FILE.pdf   also collect the PDF maps, in manifest order, into one PDF with bookmarks\n"
    "  --out-root DIR     outputs are relative to DIR (default: the current folder)\n"
    "  --allow-outside    outputs may leave the output root (absolute paths, ..)\n"
    "  --no-cache         read the sources for every map (to measure the layer cache)\n"
    "  --ignore-locks     run even while another run of the manifest whose maps overlap this one's is\n"
    "                     running (the same shard twice; a whole run while shards run): refused otherwise\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit codes: 0 every map rendered or up to date, 1 bad input (a map or the manifest), 2 usage,\n"
    "3 I/O or internal error (a map that cannot be written, another run holding the lock).\n";

typedef struct {
  bool tty;      /* progress on stderr, redrawn */
  bool progress; /* a progress line is showing */
  size_t done, total;
  double elapsed;
  char **failures; /* "output: message", for the summary */
  size_t nfailures;
} cli_state;

static int usage(const char *fmt, const char *arg) {
  fprintf(stderr, "influmap: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n%s", batch_usage);
  return 2;
}

static int exit_code(im_status st) {
  return st == IM_STATUS_OK ? 0 : st == IM_STATUS_INPUT ? 1 : st == IM_STATUS_USAGE ? 2 : 3;
}

static void clear_progress(cli_state *cs) {
  if (cs->progress) {
    fputs("\r\033[K", stderr);
    cs->progress = false;
  }
}

static void format_time(double s, char *buf, size_t size) {
  long t = (long)(s + 0.5);
  if (t >= 3600)
    snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

/* done/total, the rate so far and the time left at that rate. */
static void redraw(cli_state *cs) {
  if (!cs->total)
    return;
  double rate = cs->elapsed > 0 ? cs->done / cs->elapsed : 0;
  char eta[32] = "-";
  if (rate > 0)
    format_time((cs->total - cs->done) / rate, eta, sizeof eta);
  enum { WIDTH = 24 };
  char bar[WIDTH + 1];
  size_t filled = cs->done * WIDTH / cs->total;
  for (size_t i = 0; i < WIDTH; i++)
    bar[i] = i < filled ? '=' : i == filled ? '>' : ' ';
  bar[WIDTH] = '\0';
  fprintf(stderr, "\r\033[K[%s] %zu/%zu  %.1f maps/s  ETA %s", bar, cs->done, cs->total, rate, eta);
  cs->progress = true;
}

static void on_event(void *user, const im_batch_event *ev) {
  cli_state *cs = user;
  const char *out = ev->job ? ev->job->path : NULL;
  switch (ev->kind) {
  case IM_BATCH_WARNING:
    clear_progress(cs);
    fprintf(stderr, "influmap: warning: %s%s%s\n", out ? out : "", out ? ": " : "", ev->message);
    break;
  case IM_BATCH_FAILED: {
    clear_progress(cs);
    fprintf(stderr, "influmap: [%zu/%zu] failed %s: %s\n", ev->done, ev->total, out, ev->message);
    size_t n = strlen(out) + strlen(ev->message) + 3;
    char **grown = realloc(cs->failures, (cs->nfailures + 1) * sizeof *grown);
    char *line = malloc(n);
    if (grown)
      cs->failures = grown;
    if (grown && line) {
      snprintf(line, n, "%s: %s", out, ev->message);
      cs->failures[cs->nfailures++] = line;
    } else {
      free(line);
    }
    break;
  }
  case IM_BATCH_RENDERED:
  case IM_BATCH_SKIPPED:
    if (!cs->tty) {
      if (ev->kind == IM_BATCH_RENDERED)
        printf("[%zu/%zu] rendered %s (%.2f s)\n", ev->done, ev->total, out, ev->seconds);
      else
        printf("[%zu/%zu] up to date %s\n", ev->done, ev->total, out);
      fflush(stdout);
    }
    break;
  case IM_BATCH_ATLAS:
    clear_progress(cs);
    printf("atlas %s\n", ev->message);
    fflush(stdout);
    return;
  }
  if (cs->tty) {
    if (ev->kind != IM_BATCH_WARNING) {
      cs->done = ev->done, cs->total = ev->total, cs->elapsed = ev->elapsed;
    }
    redraw(cs);
  }
  fflush(stderr);
}

static void list_jobs(const im_manifest *m, unsigned k, unsigned n) {
  for (size_t i = 0; i < im_manifest_job_count(m); i++) {
    const im_batch_job *job = im_manifest_job(m, i);
    if (!im_batch_job_in_shard(job, k, n))
      continue;
    fputs(job->path, stdout);
    for (size_t p = 0; p < job->nparams; p++)
      printf("\t%s=%s", job->params[p].name, job->params[p].value);
    putchar('\n');
  }
}

int im_cli_batch(int argc, char **argv) {
  const char *manifest = NULL, *shard = NULL, *atlas = NULL;
  im_manifest_options mopt = {0};
  im_batch_options opt = {.workers = 1};
  unsigned count = 0;
  bool list = false;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    bool has_next = i + 1 < argc;
    if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
      char *end;
      long j = has_next ? strtol(argv[++i], &end, 10) : 0;
      if (!has_next || *end || j < 1 || j > 1024)
        return usage("%s needs a number of workers from 1 to 1024", a);
      opt.workers = (int)j;
    } else if (!strncmp(a, "-j", 2) && a[2]) {
      char *end;
      long j = strtol(a + 2, &end, 10);
      if (*end || j < 1 || j > 1024)
        return usage("-j needs a number of workers from 1 to 1024, not '%s'", a + 2);
      opt.workers = (int)j;
    } else if (!strcmp(a, "--shard")) {
      if (!has_next)
        return usage("%s needs K/N (such as 3/16) or auto", a);
      shard = argv[++i];
    } else if (!strcmp(a, "--count")) {
      char *end;
      long c = has_next ? strtol(argv[++i], &end, 10) : 0;
      if (!has_next || *end || c < 1 || c > 1000000)
        return usage("%s needs the number of shards", a);
      count = (unsigned)c;
    } else if (!strcmp(a, "--force")) {
      opt.force = true;
    } else if (!strcmp(a, "--list")) {
      list = true;
    } else if (!strcmp(a, "--atlas")) {
      if (!has_next)
        return usage("%s needs a PDF file name", a);
      atlas = argv[++i];
    } else if (!strcmp(a, "--out-root")) {
      if (!has_next)
        return usage("%s needs a folder", a);
      mopt.out_root = argv[++i];
    } else if (!strcmp(a, "--no-cache")) {
      opt.no_cache = true;
    } else if (!strcmp(a, "--allow-outside")) {
      mopt.allow_outside = true;
    } else if (!strcmp(a, "--ignore-locks")) {
      opt.ignore_locks = true;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(batch_usage, stdout);
      fputs("\n", stdout);
      fputs(batch_help, stdout);
      return 0;
    } else if (a[0] == '-' && a[1]) {
      return usage("unknown option '%s'", a);
    } else if (!manifest) {
      manifest = a;
    } else {
      return usage("unexpected argument '%s'", a);
    }
  }
  if (!manifest)
    return usage("%s", "batch needs a manifest");
  if (count && (!shard || strcmp(shard, "auto")))
    return usage("%s", "--count goes with --shard auto");
  if (atlas && im_format_from_path(atlas) != IM_FORMAT_PDF)
    return usage("--atlas writes a PDF: give a .pdf name, not '%s'", atlas);
  im_error err;
  im_error_clear(&err);
  unsigned k = 1, n = 1;
  if (shard && im_batch_shard_parse(shard, count, &k, &n, &err))
    return usage("%s", err.message);
  opt.shard = k, opt.nshards = n, opt.atlas = atlas;

  char buf[4096];
  im_manifest *m = NULL;
  if (im_manifest_load(manifest, &mopt, &m, &err)) {
    fprintf(stderr, "influmap: %s\n", im_error_format(&err, buf, sizeof buf));
    return exit_code(err.status);
  }
  if (list) {
    list_jobs(m, k, n);
    im_manifest_free(m);
    return 0;
  }
  if (n > 1) {
    /* Which shard auto picked, and from what: a log read after the fact
     * says which maps this task was for. */
    size_t mine = 0, all = im_manifest_job_count(m);
    for (size_t i = 0; i < all; i++)
      mine += im_batch_job_in_shard(im_manifest_job(m, i), k, n);
    const char *var = strcmp(shard, "auto") ? NULL : im_batch_shard_variable();
    printf("shard %u/%u", k, n);
    if (var)
      printf(" (%s=%s)", var, getenv(var));
    printf(": %zu of %zu maps\n", mine, all);
    fflush(stdout);
  }
  cli_state cs = {.tty = isatty(STDERR_FILENO)};
  opt.on_event = on_event;
  opt.user = &cs;
  im_batch_summary sum;
  im_status st = im_batch_run(m, &opt, &sum, &err);
  clear_progress(&cs);
  /* A run refused before its first map (another holds the lock) has no
   * counts worth a line. */
  if (!st || sum.rendered || sum.skipped || sum.failed)
    printf("%zu map%s%s: %zu rendered, %zu up to date, %zu failed in %.1f s (%.1f maps/s)\n", sum.total,
           sum.total == 1 ? "" : "s", n > 1 ? " in this shard" : "", sum.rendered, sum.skipped, sum.failed, sum.seconds,
           sum.seconds > 0 ? (sum.rendered + sum.skipped) / sum.seconds : 0.0);
  fflush(stdout);
  if (cs.nfailures) {
    fprintf(stderr, "influmap: %zu map%s failed:\n", cs.nfailures, cs.nfailures == 1 ? "" : "s");
    for (size_t i = 0; i < cs.nfailures; i++)
      fprintf(stderr, "  %s\n", cs.failures[i]);
  }
  for (size_t i = 0; i < cs.nfailures; i++)
    free(cs.failures[i]);
  free(cs.failures);
  int code = exit_code(sum.worst);
  if (st) {
    fprintf(stderr, "influmap: %s\n", im_error_format(&err, buf, sizeof buf));
    int c = exit_code(st);
    code = c > code ? c : code;
  }
  im_manifest_free(m);
  return code;
}
