/* A fatal signal's report (crash.h).
 *
 * Why: a batch (`influmap batch styles/quick.yaml -j 2`) died once of
 * SIGSEGV in CI and never again in hundreds of runs here; all that was
 * left was "Segmentation fault" and an empty log. With this, the next one
 * leaves the stack of the thread that crashed in the log the tests print:
 * frames in the library read "libinflumap.so.2(+0x806ae)", which
 * `addr2line -f -i -e libinflumap.so.2 0x806ae` turns into a function and
 * a line (RelWithDebInfo builds keep the line tables).
 *
 * What runs in the handler is async-signal-safe: write(2), and
 * backtrace_symbols_fd, which writes without allocating. backtrace itself
 * loads libgcc's unwinder on its first call (dlopen, malloc), so it is
 * called once at installation, never first in the handler. Then the
 * signal's default action is put back and the signal raised again: the
 * process ends as it would have (status 128 + N in a shell, a core file
 * where they are enabled). The main thread's handler runs on a stack of
 * its own, so a stack overflow there is reported too. */
#include "cli/crash.h"

#include <execinfo.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

static const struct {
  int sig;
  const char *name;
} fatal[] = {{SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"}, {SIGFPE, "SIGFPE"}, {SIGILL, "SIGILL"}, {SIGABRT, "SIGABRT"}};

#define IM_CRASH_FRAMES 64
static char alt_stack[64 * 1024];

static void put(const char *s) {
  size_t n = strlen(s);
  while (n > 0) {
    ssize_t w = write(STDERR_FILENO, s, n);
    if (w <= 0)
      return;
    s += w;
    n -= (size_t)w;
  }
}

static void on_fatal(int sig) {
  const char *name = "a fatal signal";
  for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
    if (fatal[i].sig == sig)
      name = fatal[i].name;
  char num[12];
  size_t k = sizeof num;
  num[--k] = '\0';
  unsigned v = (unsigned)sig;
  do {
    num[--k] = (char)('0' + v % 10);
    v /= 10;
  } while (v && k > 0);
  put("influmap: fatal signal ");
  put(num + k);
  put(" (");
  put(name);
  put("); the stack of the thread it stopped:\n");
  void *frames[IM_CRASH_FRAMES];
  int n = backtrace(frames, IM_CRASH_FRAMES);
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  /* The signal stays blocked until this returns; then, with its default
   * action back, it ends the process (a fault would come again anyway). */
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);
  raise(sig);
}

void im_cli_crash_report_install(void) {
  /* A SIGSEGV handled already is a sanitizer's (or a host's): it reports
   * crashes itself, and its abort would be reported twice. */
  struct sigaction segv;
  if (sigaction(SIGSEGV, NULL, &segv) != 0 || (segv.sa_flags & SA_SIGINFO) || segv.sa_handler != SIG_DFL)
    return;
  void *warm[1];
  backtrace(warm, 1);
  stack_t ss = {.ss_sp = alt_stack, .ss_size = sizeof alt_stack};
  bool on_stack = sigaltstack(&ss, NULL) == 0;
  struct sigaction sa = {.sa_handler = on_fatal, .sa_flags = on_stack ? SA_ONSTACK : 0};
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
    struct sigaction cur;
    if (sigaction(fatal[i].sig, NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_DFL)
      sigaction(fatal[i].sig, &sa, NULL);
  }
}
