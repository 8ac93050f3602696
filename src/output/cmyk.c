/* CMYK conversion through Ghostscript's pdfwrite device.
 *
 * Cairo writes RGB only; a printer's workflow wants DeviceCMYK. Ghostscript
 * (gs) is run without a shell (posix_spawnp: no quoting, no word splitting)
 * as
 *   gs -dSAFER -dBATCH -dNOPAUSE -dQUIET -sDEVICE=pdfwrite
 *      -sColorConversionStrategy=CMYK -sProcessColorModel=DeviceCMYK
 *      -dAutoRotatePages=/None -dOmitID -sOutputFile=OUT -f IN
 * It keeps text as text, fonts embedded (as subsets) and vectors as vectors,
 * and carries the Title, Subject, Keywords and Creator over.
 *
 * Determinism: pdfwrite stamps CreationDate, ModDate and the XMP dates with
 * the clock and derives the trailer /ID from the time and file name, so two
 * runs differ. Ghostscript 10 takes the dates from SOURCE_DATE_EPOCH when it
 * is set (we set it to 2000-01-01, the date Cairo's PDF carries) and leaves
 * the optional /ID out with -dOmitID; with both, two conversions of one PDF
 * give the same bytes (checked with gs 10.00, Debian 12), whatever the
 * temporary names. Older Ghostscripts may ignore either and then differ in
 * those fields only; the output is not patched afterwards. */
#define _GNU_SOURCE /* pipe2 */
#include "output/cmyk-private.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/mem-private.h"
#include "core/tempfile-private.h"

extern char **environ;

/* 2000-01-01T00:00:00Z, as in Cairo's PDF (render.c). */
#define IM_CMYK_EPOCH "SOURCE_DATE_EPOCH=946684800"

bool im_cmyk_available(void) {
  const char *path = getenv("PATH");
  if (!path)
    path = "/bin:/usr/bin";
  for (const char *p = path;;) {
    const char *colon = strchr(p, ':');
    size_t n = colon ? (size_t)(colon - p) : strlen(p);
    char file[4096];
    /* An empty entry is the current folder, as for execvp. */
    if (snprintf(file, sizeof file, "%.*s/gs", n ? (int)n : 1, n ? p : ".") < (int)sizeof file) {
      struct stat sb;
      if (stat(file, &sb) == 0 && S_ISREG(sb.st_mode) && access(file, X_OK) == 0)
        return true;
    }
    if (!colon)
      return false;
    p = colon + 1;
  }
}

/* A path gs reads as a path: relative ones get "./" so that a leading '-',
 * '|' or '%' is not an option, a pipe or a device. */
static char *gs_path(const char *prefix, const char *path, bool output) {
  size_t n = strlen(prefix) + 2 + 2 * strlen(path) + 1;
  char *s = malloc(n), *d = s;
  if (!s)
    return NULL;
  d += sprintf(d, "%s%s", prefix, path[0] == '/' ? "" : "./");
  for (const char *p = path; *p; p++) {
    /* OutputFile is a format: "%d" would be a page number. */
    if (output && *p == '%')
      *d++ = '%';
    *d++ = *p;
  }
  *d = '\0';
  return s;
}

/* The environment with SOURCE_DATE_EPOCH fixed. Only the array is new. */
static char **gs_environ(void) {
  size_t n = 0;
  while (environ && environ[n])
    n++;
  char **env = im_malloc_array(n + 2, sizeof *env);
  if (!env)
    return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(environ[i], "SOURCE_DATE_EPOCH=", 18) != 0)
      env[k++] = environ[i];
  env[k++] = (char *)IM_CMYK_EPOCH;
  env[k] = NULL;
  return env;
}

/* Reads what gs says (its errors) until it closes the pipe; keeps the first
 * line that is not blank. */
static void gs_read_output(int fd, char *first, size_t size) {
  size_t len = 0;
  char buf[4096];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    size_t n = (size_t)r < size - 1 - len ? (size_t)r : size - 1 - len;
    memcpy(first + len, buf, n);
    len += n;
  }
  first[len] = '\0';
  size_t start = strspn(first, "\r\n");
  size_t end = start + strcspn(first + start, "\r\n");
  memmove(first, first + start, end - start);
  first[end - start] = '\0';
}

im_status im_cmyk_convert(const char *in_path, const char *out_path, const char *display_name, im_error *err) {
  char *out_arg = gs_path("-sOutputFile=", out_path, true), *in_arg = gs_path("", in_path, false);
  char **env = gs_environ();
  int pipefd[2] = {-1, -1};
  im_status st = IM_STATUS_OK;
  posix_spawn_file_actions_t fa;
  bool fa_ok = false;
  if (!out_arg || !in_arg || !env) {
    st = im_error_set(err, IM_STATUS_INTERNAL, display_name, 0, 0, "out of memory");
    goto done;
  }
  if (pipe2(pipefd, O_CLOEXEC) != 0 || posix_spawn_file_actions_init(&fa) != 0) {
    st = im_error_set(err, IM_STATUS_IO, display_name, 0, 0, "cannot run Ghostscript: %s", strerror(errno));
    goto done;
  }
  fa_ok = true;
  /* gs gets no input, its chatter goes nowhere, its errors to us. */
  if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
      posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
      posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2)) {
    st = im_error_set(err, IM_STATUS_INTERNAL, display_name, 0, 0, "out of memory");
    goto done;
  }
  char *argv[] = {"gs",
                  "-dSAFER",
                  "-dBATCH",
                  "-dNOPAUSE",
                  "-dQUIET",
                  "-sDEVICE=pdfwrite",
                  "-sColorConversionStrategy=CMYK",
                  "-sProcessColorModel=DeviceCMYK",
                  "-dAutoRotatePages=/None",
                  "-dOmitID",
                  out_arg,
                  "-f",
                  in_arg,
                  NULL};
  pid_t pid;
  int child = -1;
  int e = im_tempfile_spawn(&pid, "gs", &fa, argv, env, &child);
  close(pipefd[1]);
  pipefd[1] = -1;
  if (e == ENOENT) {
    st = im_error_set(err, IM_STATUS_IO, NULL, 0, 0, IM_CMYK_NEEDS_GS);
    goto done;
  }
  if (e) {
    st = im_error_set(err, IM_STATUS_IO, display_name, 0, 0, "cannot run Ghostscript: %s", strerror(e));
    goto done;
  }
  char said[512];
  gs_read_output(pipefd[0], said, sizeof said);
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      status = -1;
      break;
    }
  }
  im_tempfile_child_done(child);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    char how[64];
    if (status != -1 && WIFEXITED(status))
      snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
    else if (status != -1 && WIFSIGNALED(status))
      snprintf(how, sizeof how, "signal %d", WTERMSIG(status));
    else
      snprintf(how, sizeof how, "lost track of it");
    st = im_error_set(err, IM_STATUS_IO, display_name, 0, 0, "Ghostscript could not convert to CMYK (%s)%s%s", how,
                      said[0] ? ": " : "", said);
  }
done:
  if (fa_ok)
    posix_spawn_file_actions_destroy(&fa);
  if (pipefd[0] >= 0)
    close(pipefd[0]);
  if (pipefd[1] >= 0)
    close(pipefd[1]);
  free(env);
  free(out_arg);
  free(in_arg);
  return st;
}
