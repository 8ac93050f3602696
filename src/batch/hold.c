/* Who is rendering a manifest's maps right now: a small file per run
 * beside the lock files (out/monthly.influmap.shard-3-of-16.running), made
 * with O_EXCL and naming its holder's host and pid. A requeued Slurm task
 * or a duplicate pod that starts while the first still runs would render
 * the same maps into the same files; the second sees the first's file and
 * stops with a message instead. Runs that overlap are refused: any two but
 * shards of the same N with different K, whose maps are disjoint, so the
 * final whole run refuses while shards are still running.
 *
 * A holder that is gone leaves its file behind (SIGKILL, a node that
 * died). On the same host, a pid no longer running says so; on another,
 * the file's age does: the holder touches it every IM_BATCH_HOLD_BEAT_S
 * seconds (a thread, whatever a map takes), so one untouched for
 * IM_BATCH_HOLD_STALE_S seconds is taken to be left over, and the retry of
 * a pod or a requeued task on another node starts within a minute or two. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mem-private.h"
#include "batch/batch-private.h"

struct im_batch_hold {
  char *path;
  int fd;
  char host[256];
  pthread_t beat;
  bool beating, stop;
  pthread_mutex_t mu;
  pthread_cond_t cv;
};

static void *heartbeat(void *arg) {
  im_batch_hold *h = arg;
  pthread_mutex_lock(&h->mu);
  while (!h->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += IM_BATCH_HOLD_BEAT_S;
    pthread_cond_timedwait(&h->cv, &h->mu, &until);
    if (!h->stop)
      futimens(h->fd, NULL);
  }
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

typedef struct {
  char host[256];
  long pid;
  char started[32];
  bool parsed;
  double age; /* seconds since the holder last touched the file */
} holder;

static void this_host(char host[256]) {
  if (gethostname(host, 256) != 0)
    snprintf(host, 256, "unknown");
  host[255] = '\0';
}

/* The lock file's path with ".lock" replaced by ".running". */
static char *hold_path(im_manifest *m, unsigned k, unsigned n) {
  const char *lock = im_manifest_lock_path(m, k, n);
  size_t len = lock ? strlen(lock) : 0;
  if (!lock || len < 5)
    return NULL;
  char *p = malloc(len + 4);
  if (p)
    snprintf(p, len + 4, "%.*s.running", (int)(len - 5), lock);
  return p;
}

static bool read_holder(const char *path, holder *h) {
  memset(h, 0, sizeof *h);
  struct stat st;
  if (stat(path, &st) != 0)
    return false;
  h->age = difftime(time(NULL), st.st_mtim.tv_sec);
  json_t *doc = json_load_file(path, 0, NULL);
  const char *host = json_string_value(json_object_get(doc, "host"));
  const char *started = json_string_value(json_object_get(doc, "started"));
  json_t *pid = json_object_get(doc, "pid");
  if (host && json_is_integer(pid)) {
    snprintf(h->host, sizeof h->host, "%s", host);
    snprintf(h->started, sizeof h->started, "%s", started ? started : "?");
    h->pid = (long)json_integer_value(pid);
    h->parsed = true;
  }
  json_decref(doc);
  return true;
}

/* Whether the holder is gone; *why says how that is known. */
static bool stale(const holder *h, const char *host, const char **why) {
  if (!h->parsed) {
    /* Being written this very moment, or left torn by a kill. */
    *why = "unreadable and over a minute old";
    return h->age > 60;
  }
  if (!strcmp(h->host, host)) {
    *why = "its process is no longer running";
    return h->pid == (long)getpid() || (kill((pid_t)h->pid, 0) != 0 && errno == ESRCH);
  }
  *why = "untouched for " IM_BATCH_HOLD_STALE_TEXT;
  return h->age > IM_BATCH_HOLD_STALE_S;
}

static im_status busy(const char *path, const holder *h, unsigned k, unsigned n, const char *other, im_error *err) {
  char what[64];
  if (n > 1)
    snprintf(what, sizeof what, "shard %u/%u", k, n);
  else
    snprintf(what, sizeof what, "the whole manifest");
  if (!h->parsed)
    return im_error_set(err, IM_STATUS_IO, path, 0, 0,
                        "another run of this manifest has just started (%s); not running %s over it", other, what);
  return im_error_set(err, IM_STATUS_IO, path, 0, 0,
                      "%s is running on host %s, pid %ld, since %s: not running %s at the same time (its maps "
                      "would be rendered twice); wait for it to finish, or if it is gone, remove this file "
                      "(--ignore-locks runs anyway)",
                      other, h->host, h->pid, h->started, what);
}

/* "shard-3-of-16" or the whole manifest from a .running file's name. */
static bool hold_name(const char *f, const char *s, unsigned *k, unsigned *n) {
  size_t sl = strlen(s);
  if (strncmp(f, s, sl))
    return false;
  f += sl;
  int used = 0;
  if (!strcmp(f, ".influmap.running")) {
    *k = *n = 1;
    return true;
  }
  return sscanf(f, ".influmap.shard-%u-of-%u.running%n", k, n, &used) == 2 && !f[used];
}

/* The manifest's name as the lock files have it: the part of our own
 * file's name before ".influmap.". */
static char *hold_stem(const char *mine) {
  const char *slash = strrchr(mine, '/');
  const char *name = slash ? slash + 1 : mine;
  const char *dot = strstr(name, ".influmap.");
  return dot ? im_strndup(name, (size_t)(dot - name)) : NULL;
}

/* Other runs of the manifest whose maps overlap this one's. */
static im_status check_others(im_manifest *m, const char *mine, unsigned k, unsigned n, bool ignore, const char *host,
                              im_error *err) {
  char *s = hold_stem(mine);
  DIR *d = s ? opendir(m->lock_dir) : NULL;
  struct dirent *e;
  im_status st = IM_STATUS_OK;
  while (d && !st && (e = readdir(d))) {
    unsigned ok, on;
    if (!hold_name(e->d_name, s, &ok, &on) || (on == n && ok == k) || (n > 1 && on == n))
      continue;
    size_t len = strlen(m->lock_dir) + strlen(e->d_name) + 2;
    char *p = malloc(len);
    if (!p)
      break;
    snprintf(p, len, "%s/%s", m->lock_dir, e->d_name);
    holder h;
    const char *why;
    char other[64];
    if (on > 1)
      snprintf(other, sizeof other, "shard %u/%u", ok, on);
    else
      snprintf(other, sizeof other, "a run over the whole manifest");
    if (read_holder(p, &h) && !stale(&h, host, &why)) {
      if (ignore)
        im_warn("%s: %s is still running (host %s, pid %ld); --ignore-locks: running anyway", p, other, h.host, h.pid);
      else
        st = busy(p, &h, k, n, other, err);
    }
    free(p);
  }
  if (d)
    closedir(d);
  free(s);
  return st;
}

im_status im_batch_hold_take(im_manifest *m, unsigned k, unsigned n, bool ignore, im_batch_hold **out, im_error *err) {
  *out = NULL;
  im_batch_hold *h = calloc(1, sizeof *h);
  if (!h || !(h->path = hold_path(m, k, n))) {
    free(h);
    return im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
  }
  h->fd = -1;
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->cv, NULL);
  this_host(h->host);
  im_status st = im_batch_make_dirs(m->lock_dir, err);
  for (int attempt = 0; !st && attempt < 3; attempt++) {
    h->fd = open(h->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (h->fd >= 0)
      break;
    if (errno != EEXIST) {
      st = im_error_set(err, IM_STATUS_IO, h->path, 0, 0, "cannot create: %s", strerror(errno));
      break;
    }
    holder old;
    const char *why;
    if (!read_holder(h->path, &old))
      continue; /* gone meanwhile */
    if (!stale(&old, h->host, &why)) {
      if (!ignore) {
        st = busy(h->path, &old, k, n, n > 1 ? "this shard" : "a run over the whole manifest", err);
        break;
      }
      im_warn("%s: another run holds this lock (host %s, pid %ld); --ignore-locks: taking it over", h->path, old.host,
              old.pid);
    } else if (old.parsed) {
      im_warn("%s: recovered the lock of host %s, pid %ld (%s)", h->path, old.host, old.pid, why);
    } else {
      im_warn("%s: recovered a lock file %s", h->path, why);
    }
    unlink(h->path);
  }
  if (!st && h->fd < 0)
    st = im_error_set(err, IM_STATUS_IO, h->path, 0, 0, "cannot take the lock: others keep taking it");
  if (!st) {
    char started[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    char shard[32] = "";
    if (n > 1)
      snprintf(shard, sizeof shard, "%u/%u", k, n);
    json_t *doc = json_pack("{s:s, s:I, s:s, s:s?}", "host", h->host, "pid", (json_int_t)getpid(), "started", started,
                            "shard", *shard ? shard : NULL);
    char *text = doc ? json_dumps(doc, JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    size_t len = text ? strlen(text) : 0;
    if (!text || write(h->fd, text, len) != (ssize_t)len || write(h->fd, "\n", 1) != 1)
      st = im_error_set(err, IM_STATUS_IO, h->path, 0, 0, "cannot write: %s", text ? strerror(errno) : "no memory");
    free(text);
    /* Ours first, then the others: of two overlapping runs starting at
     * once, at least one sees the other. */
    if (!st)
      st = check_others(m, h->path, k, n, ignore, h->host, err);
    if (st) {
      close(h->fd);
      h->fd = -1;
      unlink(h->path);
    }
  }
  if (st) {
    im_batch_hold_release(h);
    return st;
  }
  h->beating = !pthread_create(&h->beat, NULL, heartbeat, h);
  *out = h;
  return IM_STATUS_OK;
}

void im_batch_hold_release(im_batch_hold *h) {
  if (!h)
    return;
  if (h->beating) {
    pthread_mutex_lock(&h->mu);
    h->stop = true;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->beat, NULL);
  }
  if (h->fd >= 0) {
    /* Only our own: a run that took the file over as stale owns it now. */
    holder now;
    if (read_holder(h->path, &now) && now.parsed && now.pid == (long)getpid() && !strcmp(now.host, h->host))
      unlink(h->path);
    close(h->fd);
  }
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->mu);
  free(h->path);
  free(h);
}
