/* The command's report of a fatal signal: see crash.c. */
#ifndef IM_CLI_CRASH_H
#define IM_CLI_CRASH_H

/* From here on, a SIGSEGV, SIGBUS, SIGFPE, SIGILL or SIGABRT first writes
 * which signal it was and the stack of the thread it stopped to stderr,
 * then ends the process by that signal as before. Nothing is installed
 * when SIGSEGV is handled already (a sanitizer reports crashes itself),
 * and a signal whose handling is not the default is left alone. */
void im_cli_crash_report_install(void);

#endif
