/* Outputs are written to a temporary file beside them and renamed into
 * place (".NAME.PID.N.tmp"), so a failed or killed render never leaves a
 * partial file. Two calls for the program that hosts the library, which
 * the library itself never makes: it installs no signal handler of its own. */
#ifndef INFLUMAP_TEMPFILE_H
#define INFLUMAP_TEMPFILE_H

#include <stdbool.h>

#include "influmap/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* For programs (the influmap command), never called by the library itself:
 * on SIGINT, SIGTERM and SIGHUP (those not ignored, as under nohup),
 * removes the temporary files, then raises the signal again with its
 * default action, so the process ends by that signal (a shell reports 130,
 * 143 or 129). Returns false when a handler could not be installed. */
IM_API bool im_tempfile_handle_signals(void);

/* Removes the temporary files of path (".NAME.PID.N.tmp" beside it) whose
 * process is gone from this machine: what a SIGKILL, a crash or a power cut
 * left. Files of live processes, and of this one, are kept. Errors are
 * ignored: a file that stays is harmless. */
IM_API void im_tempfile_remove_stale(const char *path);

#ifdef __cplusplus
}
#endif

#endif
