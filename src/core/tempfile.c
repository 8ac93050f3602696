/* Temporary files beside outputs, registered so that a signal handler can
 * remove them.
 *
 * Why a fixed array of atomics: a signal handler may only call
 * async-signal-safe functions (no malloc, no locks, no stdio), and in a
 * batch it runs in one thread while the workers go on creating, renaming
 * and freeing in the others. Each slot holds a path and a state; the owner
 * and the handler hand a slot over with compare-and-swap, so the handler
 * reads a path only after taking the slot, and the owner frees it only
 * after taking it back:
 *
 *   FREE --owner--> FILLING --owner--> LIVE --owner (after rename/unlink)--> FREE
 *                                        \--handler--> REMOVING --> GONE
 *
 * FILLING covers the open() itself, with the handled signals blocked in the
 * owner's thread: so a file never exists unregistered where the handler
 * could run, and a handler in another thread can wait for the slot (it
 * cannot be waiting on its own thread). A handler first sets `dying`;
 * creation checks it after taking its slot, so a file is either seen by the
 * handler's scan or never created (both are sequentially consistent). */
#include "core/tempfile-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/mem-private.h"

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "a signal handler may only use lock-free atomics");

enum { FREE, FILLING, LIVE, REMOVING, GONE };

typedef struct {
  atomic_int state;
  char *path; /* written in FILLING, read by a handler in REMOVING */
} slot;

static slot slots[IM_TEMPFILE_SLOTS];
/* Child processes writing temporary files (im_tempfile_spawn); 0: free. */
static atomic_int children[IM_TEMPFILE_CHILDREN];
static atomic_int dying;
static atomic_uint counter;

static const int handled[] = {SIGINT, SIGTERM, SIGHUP};

static void handled_set(sigset_t *set) {
  sigemptyset(set);
  for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++)
    sigaddset(set, handled[i]);
}

/* Takes a free slot (FREE -> FILLING); -1 when every slot is in use. */
static int take_slot(void) {
  for (int i = 0; i < IM_TEMPFILE_SLOTS; i++) {
    int expect = FREE;
    if (atomic_compare_exchange_strong(&slots[i].state, &expect, FILLING))
      return i;
  }
  return -1;
}

int im_tempfile_create(const char *path, char **tmp_path, int *slot_out) {
  const char *slash = strrchr(path, '/');
  size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
  size_t n = strlen(path) + 64;
  char *tmp = malloc(n);
  *tmp_path = NULL;
  *slot_out = -1;
  if (!tmp) {
    errno = ENOMEM;
    return -1;
  }
  sigset_t block, old;
  handled_set(&block);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  int fd = -1, e = EEXIST, s = take_slot();
  if (s >= 0 && atomic_load(&dying)) {
    atomic_store(&slots[s].state, FREE);
    e = EINTR;
  } else {
    /* open(O_EXCL) with 0666 rather than mkstemp, so the finished file gets
     * the user's umask like any other file they write. */
    for (int attempt = 0; attempt < 100; attempt++) {
      snprintf(tmp, n, "%.*s.%s.%ld.%u.tmp", (int)dir, path, path + dir, (long)getpid(), atomic_fetch_add(&counter, 1));
      fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd >= 0 || errno != EEXIST)
        break;
    }
    e = fd < 0 ? errno : 0;
    if (s >= 0) {
      slots[s].path = fd >= 0 ? tmp : NULL;
      atomic_store(&slots[s].state, fd >= 0 ? LIVE : FREE);
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (fd < 0) {
    free(tmp);
    errno = e;
    return -1;
  }
  *tmp_path = tmp;
  *slot_out = fd >= 0 ? s : -1;
  return fd;
}

void im_tempfile_release(int s, char *tmp_path) {
  if (s < 0 || s >= IM_TEMPFILE_SLOTS) {
    free(tmp_path);
    return;
  }
  int expect = LIVE;
  if (atomic_compare_exchange_strong(&slots[s].state, &expect, FREE))
    free(tmp_path);
  /* Otherwise a handler holds the slot and reads tmp_path: leave it. */
}

/* Waits, boundedly, while a slot is in state from: a thread creating a file
 * (signals blocked) or another handler removing one will be done in a
 * moment; one stuck (a hung network folder) must not keep the process
 * alive. */
static void wait_while(slot *sl, int from) {
  struct timespec ms = {0, 1000000};
  for (int i = 0; i < 2000 && atomic_load(&sl->state) == from; i++)
    nanosleep(&ms, NULL);
}

/* Ends the registered children (SIGTERM) and waits, boundedly, until each
 * has exited: one still running could create its output after the scan
 * below, or be left running after the process ends. */
static void end_children(void) {
  for (int i = 0; i < IM_TEMPFILE_CHILDREN; i++) {
    pid_t pid = atomic_load(&children[i]);
    if (pid > 0)
      kill(pid, SIGTERM);
  }
  struct timespec ms = {0, 1000000};
  for (int i = 0; i < IM_TEMPFILE_CHILDREN; i++) {
    pid_t pid = atomic_load(&children[i]);
    /* Reaped here (the thread that waits for it is interrupted or dying),
     * or already gone: waitpid says -1. */
    for (int k = 0; pid > 0 && k < 2000 && waitpid(pid, NULL, WNOHANG) == 0; k++)
      nanosleep(&ms, NULL);
  }
}

void im_tempfile_remove_all(void) {
  atomic_store(&dying, 1);
  end_children();
  for (int i = 0; i < IM_TEMPFILE_SLOTS; i++) {
    slot *sl = &slots[i];
    wait_while(sl, FILLING);
    int expect = LIVE;
    if (atomic_compare_exchange_strong(&sl->state, &expect, REMOVING)) {
      unlink(sl->path);
      atomic_store(&sl->state, GONE);
    } else if (expect == REMOVING) {
      /* A second signal, in another thread: the process must not end before
       * the first handler's unlink. */
      wait_while(sl, REMOVING);
    }
  }
}

int im_tempfile_spawn(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa, char *const argv[],
                      char *const envp[], int *child) {
  *child = -1;
  posix_spawnattr_t attr;
  if (posix_spawnattr_init(&attr))
    return ENOMEM;
  /* The child starts with nothing blocked, whatever this thread has. */
  sigset_t none, block, old;
  sigemptyset(&none);
  int e = posix_spawnattr_setsigmask(&attr, &none);
  if (!e)
    e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  handled_set(&block);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  /* Blocked from here until the child is registered, so that a handler in
   * this thread cannot run in between; one in another thread has set
   * `dying` first, and then the child is ended here. */
  if (!e && atomic_load(&dying))
    e = EINTR;
  if (!e)
    e = posix_spawnp(pid, file, fa, &attr, argv, envp);
  if (!e) {
    for (int i = 0; i < IM_TEMPFILE_CHILDREN && *child < 0; i++) {
      int expect = 0;
      if (atomic_compare_exchange_strong(&children[i], &expect, (int)*pid))
        *child = i;
    }
    if (atomic_load(&dying))
      kill(*pid, SIGTERM);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  posix_spawnattr_destroy(&attr);
  return e;
}

void im_tempfile_child_done(int child) {
  if (child >= 0 && child < IM_TEMPFILE_CHILDREN)
    atomic_store(&children[child], 0);
}

static void on_signal(int sig) {
  im_tempfile_remove_all();
  /* The signal stays blocked until this handler returns; then, with its
   * default action back, it ends the process, whose status tells which. */
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);
  raise(sig);
}

bool im_tempfile_handle_signals(void) {
  struct sigaction sa = {.sa_handler = on_signal};
  /* All three blocked while one is handled: a nested handler in the same
   * thread would wait for the outer one's slots forever. */
  handled_set(&sa.sa_mask);
  bool ok = true;
  for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++) {
    struct sigaction cur;
    if (sigaction(handled[i], NULL, &cur) != 0) {
      ok = false;
      continue;
    }
    if (cur.sa_handler == SIG_IGN)
      continue;
    if (sigaction(handled[i], &sa, NULL) != 0)
      ok = false;
  }
  return ok;
}

bool im_tempfile_parse(const char *f, size_t *name_len, long *pid) {
  /* From the end: NAME may hold dots and digits of its own. */
  size_t n = strlen(f);
  if (n < 9 || f[0] != '.' || strcmp(f + n - 4, ".tmp"))
    return false;
  const char *q = f + n - 4; /* ".tmp" */
  const char *count_at = q;
  while (count_at > f + 1 && count_at[-1] >= '0' && count_at[-1] <= '9')
    count_at--;
  if (count_at == q || count_at[-1] != '.')
    return false;
  const char *digits = count_at - 1;
  while (digits > f + 1 && digits[-1] >= '0' && digits[-1] <= '9')
    digits--;
  if (digits == count_at - 1 || digits[-1] != '.' || digits - 1 <= f + 1)
    return false;
  *pid = strtol(digits, NULL, 10);
  *name_len = (size_t)(digits - 1 - (f + 1));
  return *pid > 0;
}

/* f is ".NAME.PID.N.tmp" for this name: its PID, else 0. */
static long stale_pid(const char *f, const char *name, size_t name_len) {
  size_t len;
  long pid;
  return im_tempfile_parse(f, &len, &pid) && len == name_len && !strncmp(f + 1, name, len) ? pid : 0;
}

void im_tempfile_remove_stale(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  size_t name_len = strlen(name), dir_len = slash ? (size_t)(slash - path) + 1 : 0;
  char *dir = slash ? im_strndup(path, slash == path ? 1 : dir_len - 1) : im_strdup(".");
  DIR *d = dir ? opendir(dir) : NULL;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    long pid = stale_pid(e->d_name, name, name_len);
    /* kill(pid, 0) fails with ESRCH only when no such process exists here
     * (EPERM: alive, another user's). */
    if (pid <= 0 || pid == (long)getpid() || pid > INT_MAX || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
      continue;
    size_t n = dir_len + strlen(e->d_name) + 1;
    char *p = malloc(n);
    if (p) {
      snprintf(p, n, "%.*s%s", (int)dir_len, path, e->d_name);
      unlink(p);
      free(p);
    }
  }
  if (d)
    closedir(d);
  free(dir);
}
