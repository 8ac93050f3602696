/* Temporary files of outputs: their names, every error path of im_output
 * removing them, removal by a signal (in a child process: it ends) and the
 * end of the programs spawned to write them, and the removal of stale ones
 * left by processes that are gone. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/tempfile-private.h"
#include "output/output-private.h"
#include "support.h"

/* A fresh, empty folder under the scratch folder. */
static const char *fresh_dir(const char *name) {
  const char *dir = scratch_path(name);
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  assert_int_equal(system(cmd), 0);
  return dir;
}

/* How many entries dir holds; the first one's name in first (if given). */
static int entries(const char *dir, char *first, size_t size) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    if (n++ == 0 && first)
      snprintf(first, size, "%s", e->d_name);
  }
  closedir(d);
  return n;
}

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static void names(void **state) {
  (void)state;
  const char *dir = fresh_dir("names");
  char path[4200], tmp_name[256], want[256];
  snprintf(path, sizeof path, "%s/map.v1.png", dir);
  char *tmp;
  int slot;
  int fd = im_tempfile_create(path, &tmp, &slot);
  assert_true(fd >= 0);
  assert_true(slot >= 0);
  close(fd);
  assert_int_equal(entries(dir, tmp_name, sizeof tmp_name), 1);
  /* ".NAME.PID.N.tmp" beside NAME. */
  snprintf(want, sizeof want, ".map.v1.png.%ld.", (long)getpid());
  assert_memory_equal(tmp_name, want, strlen(want));
  assert_string_equal(tmp_name + strlen(tmp_name) - 4, ".tmp");
  assert_true(strncmp(tmp, dir, strlen(dir)) == 0);
  assert_int_equal(unlink(tmp), 0);
  im_tempfile_release(slot, tmp);
  assert_int_equal(entries(dir, NULL, 0), 0);

  /* A folder that does not exist: nothing is created, errno says why. */
  snprintf(path, sizeof path, "%s/nothere/map.png", dir);
  errno = 0;
  assert_int_equal(im_tempfile_create(path, &tmp, &slot), -1);
  assert_int_equal(errno, ENOENT);
  assert_null(tmp);
  assert_int_equal(slot, -1);
}

static im_status convert_fails(const char *in, const char *out, void *user, im_error *err) {
  /* Both files exist while the converter runs. */
  assert_true(exists(in));
  assert_true(exists(out));
  *(int *)user = 1;
  return im_error_set(err, IM_STATUS_IO, NULL, 0, 0, "converter failed");
}

static im_status convert_copies(const char *in, const char *out, void *user, im_error *err) {
  size_t n;
  char *data = read_file(in, &n);
  assert_non_null(data);
  assert_true(write_file(out, data, n));
  free(data);
  *(int *)user = 1;
  return IM_STATUS_OK;
}

/* Every way an output can end leaves either the finished file or nothing. */
static void output_paths(void **state) {
  (void)state;
  const char *dir = fresh_dir("output");
  char path[4200];
  snprintf(path, sizeof path, "%s/out.pdf", dir);
  im_output o;
  im_error err;

  /* Aborted: the temporary file goes, an existing output stays. */
  assert_true(write_file(path, "old", 3));
  assert_ok(im_output_open(&o, path, &err), &err);
  im_output_write(&o, (const unsigned char *)"new", 3);
  assert_int_equal(entries(dir, NULL, 0), 2);
  im_output_abort(&o);
  assert_int_equal(entries(dir, NULL, 0), 1);
  im_output_abort(&o); /* finished: a no-op */

  /* A write error: commit fails, removes the temporary file. */
  assert_ok(im_output_open(&o, path, &err), &err);
  o.write_errno = ENOSPC;
  assert_int_equal(im_output_commit(&o, &err), IM_STATUS_IO);
  assert_non_null(strstr(err.message, strerror(ENOSPC)));
  assert_int_equal(entries(dir, NULL, 0), 1);

  /* The rename fails (the target is a folder): the temporary file goes. */
  char sub[4300];
  snprintf(sub, sizeof sub, "%s/folder.png", dir);
  assert_int_equal(mkdir(sub, 0777), 0);
  assert_ok(im_output_open(&o, sub, &err), &err);
  im_output_write(&o, (const unsigned char *)"x", 1);
  assert_int_equal(im_output_commit(&o, &err), IM_STATUS_IO);
  assert_int_equal(entries(dir, NULL, 0), 2);
  assert_int_equal(rmdir(sub), 0);

  /* A converter that fails: both temporary files go. */
  int called = 0;
  assert_ok(im_output_open(&o, path, &err), &err);
  im_output_write(&o, (const unsigned char *)"new", 3);
  assert_int_equal(im_output_convert(&o, convert_fails, &called, &err), IM_STATUS_IO);
  assert_int_equal(called, 1);
  assert_string_equal(err.message, "converter failed");
  assert_int_equal(entries(dir, NULL, 0), 1);

  /* One that works: its file is renamed into place, the input is gone. */
  called = 0;
  assert_ok(im_output_open(&o, path, &err), &err);
  im_output_write(&o, (const unsigned char *)"new", 3);
  assert_ok(im_output_convert(&o, convert_copies, &called, &err), &err);
  assert_int_equal(entries(dir, NULL, 0), 2);
  assert_ok(im_output_commit(&o, &err), &err);
  assert_int_equal(entries(dir, NULL, 0), 1);
  size_t n;
  char *data = read_file(path, &n);
  assert_non_null(data);
  assert_int_equal(n, 3);
  assert_memory_equal(data, "new", 3);
  free(data);

  /* Many at once (as batch workers have) come and go cleanly. */
  im_output many[64];
  for (int i = 0; i < 64; i++)
    assert_ok(im_output_open(&many[i], path, &err), &err);
  assert_int_equal(entries(dir, NULL, 0), 65);
  for (int i = 0; i < 64; i++)
    if (i % 2)
      im_output_abort(&many[i]);
    else
      assert_ok(im_output_commit(&many[i], &err), &err);
  assert_int_equal(entries(dir, NULL, 0), 1);
}

/* Forks a child that handles sig as the influmap command does. Returns
 * the child's pid in the parent, *fd the read end of a pipe from the child;
 * 0 in the child, *fd the write end. */
static pid_t fork_handling(int sig, int *fd) {
  int ready[2];
  assert_int_equal(pipe(ready), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    /* As under a shell's job control: the signals are not ignored. */
    signal(sig, SIG_DFL);
    if (!im_tempfile_handle_signals())
      _exit(10);
    *fd = ready[1];
    return 0;
  }
  close(ready[1]);
  *fd = ready[0];
  return pid;
}

/* In a child: opens outputs, then SIG arrives. The child must end by that
 * signal with its temporary files gone and the existing output untouched. */
static void killed_by(int sig) {
  const char *dir = fresh_dir(sig == SIGTERM ? "sigterm" : sig == SIGINT ? "sigint" : "sighup");
  char path[4200];
  snprintf(path, sizeof path, "%s/map.png", dir);
  assert_true(write_file(path, "old", 3));
  int fd;
  pid_t pid = fork_handling(sig, &fd);
  if (pid == 0) {
    im_output o[3];
    im_error err;
    for (int i = 0; i < 3; i++)
      if (im_output_open(&o[i], path, &err))
        _exit(11);
    im_output_write(&o[0], (const unsigned char *)"partial", 7);
    fflush(o[0].fp);
    if (write(fd, "r", 1) != 1)
      _exit(12);
    for (;;)
      pause();
  }
  char c;
  assert_int_equal(read(fd, &c, 1), 1);
  close(fd);
  assert_int_equal(entries(dir, NULL, 0), 4);
  assert_int_equal(kill(pid, sig), 0);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), sig);
  assert_int_equal(entries(dir, NULL, 0), 1);
  size_t n;
  char *data = read_file(path, &n);
  assert_non_null(data);
  assert_int_equal(n, 3);
  assert_memory_equal(data, "old", 3);
  free(data);
}

static void signals(void **state) {
  (void)state;
  killed_by(SIGTERM);
  killed_by(SIGINT);
  killed_by(SIGHUP);
}

/* A child program started with im_tempfile_spawn (Ghostscript for --cmyk)
 * is ended by the handler, not left running when the process ends: here a
 * `sleep 60` spawned by a process that then gets SIGTERM. */
static void spawned_child_ended(void **state) {
  (void)state;
  int fd;
  pid_t pid = fork_handling(SIGTERM, &fd);
  if (pid == 0) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    char *argv[] = {"sleep", "60", NULL};
    extern char **environ;
    pid_t child;
    int slot;
    if (im_tempfile_spawn(&child, "sleep", &fa, argv, environ, &slot) || slot < 0)
      _exit(11);
    if (write(fd, &child, sizeof child) != sizeof child)
      _exit(12);
    for (;;)
      pause();
  }
  pid_t sleeper;
  assert_int_equal(read(fd, &sleeper, sizeof sleeper), (ssize_t)sizeof sleeper);
  close(fd);
  assert_int_equal(kill(sleeper, 0), 0); /* running */
  assert_int_equal(kill(pid, SIGTERM), 0);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGTERM);
  /* Reaped by the handler: no such process any more (an orphan would be
   * adopted and go on sleeping). */
  if (kill(sleeper, 0) == 0) {
    kill(sleeper, SIGKILL);
    fail_msg("the spawned child %ld outlived the process that spawned it", (long)sleeper);
  }
  assert_int_equal(errno, ESRCH);
}

/* A PID with no process: past the largest in use, checked with kill(). */
static long dead_pid(void) {
  for (long p = 4000000; p > 1000; p--)
    if (kill((pid_t)p, 0) != 0 && errno == ESRCH)
      return p;
  fail_msg("no free pid");
  return 0;
}

static void stale(void **state) {
  (void)state;
  const char *dir = fresh_dir("stale");
  long dead = dead_pid(), me = (long)getpid(), parent = (long)getppid();
  char path[4200], f[4400];
  snprintf(path, sizeof path, "%s/map.png", dir);
  const char *keep[] = {"map.png",
                        ".map.png.%ld.3.tmp" /* alive: our parent */,
                        ".map.png.%ld.4.tmp" /* us */,
                        ".other.png.%ld.1.tmp" /* another output's */,
                        ".map.png.%ld.tmp",
                        ".map.png.%ld.x.tmp",
                        "map.png.%ld.1.tmp",
                        ".map.png.%ld.1.tmp.bak"};
  long keep_pid[] = {0, parent, me, dead, dead, dead, dead, dead};
  const char *gone[] = {".map.png.%ld.1.tmp", ".map.png.%ld.27.tmp"};
  for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
    char name[256];
    snprintf(name, sizeof name, keep[i], keep_pid[i]);
    snprintf(f, sizeof f, "%s/%s", dir, name);
    assert_true(write_file(f, "x", 1));
  }
  for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
    char name[256];
    snprintf(name, sizeof name, gone[i], dead);
    snprintf(f, sizeof f, "%s/%s", dir, name);
    assert_true(write_file(f, "x", 1));
  }
  im_tempfile_remove_stale(path);
  assert_int_equal(entries(dir, NULL, 0), (int)(sizeof keep / sizeof keep[0]));
  for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
    char name[256];
    snprintf(name, sizeof name, gone[i], dead);
    snprintf(f, sizeof f, "%s/%s", dir, name);
    assert_false(exists(f));
  }
  /* A bare name: the current folder. */
  char cwd[4096];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(dir), 0);
  snprintf(f, sizeof f, ".map.png.%ld.5.tmp", dead);
  assert_true(write_file(f, "x", 1));
  im_tempfile_remove_stale("map.png");
  assert_false(exists(f));
  assert_int_equal(chdir(cwd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(names),   cmocka_unit_test(output_paths),
      cmocka_unit_test(signals), cmocka_unit_test(spawned_child_ended),
      cmocka_unit_test(stale),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
