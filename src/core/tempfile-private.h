/* Temporary files beside outputs, and their removal when a signal ends the
 * process.
 *
 * Every output NAME is written to ".NAME.PID.N.tmp" in NAME's folder (PID
 * the writing process, N a counter of the process) and renamed over NAME
 * once complete, so NAME is always either the old file or the whole new
 * one. The leading dot keeps them out of `ls` and of globs (`*.png`);
 * the PID tells a later run whether their writer is gone.
 *
 * Each live temporary file is kept in a fixed-size registry that a signal
 * handler can read without locks or allocation (im_tempfile_remove_all), so
 * SIGINT, SIGTERM and SIGHUP remove them (im_tempfile_handle_signals).
 * SIGKILL cannot be caught: what it leaves is removed by the next render or
 * batch of the same output (im_tempfile_remove_stale and
 * im_batch_remove_stale_temps), once the process that wrote it is gone. */
#ifndef IM_TEMPFILE_PRIVATE_H
#define IM_TEMPFILE_PRIVATE_H

#include "influmap/tempfile.h"

#include <spawn.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Live temporary files that can be registered at once: -j is at most 1024
 * and a map has at most two (the --cmyk conversion), plus the lock file and
 * the atlas. Past this, files are still created but not removed on a
 * signal. */
enum { IM_TEMPFILE_SLOTS = 4096 };

/* Creates a new empty file ".NAME.PID.N.tmp" beside path (O_EXCL, mode 0666
 * less the umask, like any file the user writes) and registers it.
 * Returns its descriptor (the caller closes it), sets *tmp_path (malloc'd:
 * hand it back with im_tempfile_release, do not free it) and *slot (-1 when
 * the registry is full). Returns -1 with errno set when nothing was created
 * (EEXIST: no free name; EINTR: a signal handler is removing the files). */
int im_tempfile_create(const char *path, char **tmp_path, int *slot);

/* Forgets a temporary file that has been renamed into place or removed,
 * and frees tmp_path. Call it after the rename or unlink, never before: a
 * signal in between would leave the file behind. (If a signal handler is
 * already removing it, tmp_path is left to the handler, which ends the
 * process.) */
void im_tempfile_release(int slot, char *tmp_path);

/* Child processes that write an output's temporary file and can be
 * registered at once (a --cmyk Ghostscript per batch worker). */
enum { IM_TEMPFILE_CHILDREN = 1024 };

/* posix_spawnp(pid, file, fa, argv, envp) of a program that writes a
 * temporary file (Ghostscript for --cmyk), registered so that a handled
 * signal ends it before the files are removed: none is left running, nor
 * creates its output after the removal. The child starts with no signal
 * blocked. Returns 0 or an errno value (EINTR: a handler is ending the
 * process); *child is for im_tempfile_child_done, after waitpid. */
int im_tempfile_spawn(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa, char *const argv[],
                      char *const envp[], int *child);
void im_tempfile_child_done(int child);

/* Ends the registered children (SIGTERM, waiting up to 2 s for each),
 * removes every registered temporary file and stops new ones from being
 * created. Async-signal-safe: only atomics, kill(), waitpid(), unlink()
 * and nanosleep(). */
void im_tempfile_remove_all(void);

/* im_tempfile_handle_signals and im_tempfile_remove_stale: influmap/tempfile.h. */

/* f, a file name, is ".NAME.PID.N.tmp": true with the length of NAME and
 * the PID; false for any other name. */
bool im_tempfile_parse(const char *f, size_t *name_len, long *pid);

#endif
