/* Numbers in the C locale whatever the host's: see cnum-private.h. */
#include "core/cnum-private.h"

#include <locale.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static locale_t c_locale;
static pthread_once_t c_once = PTHREAD_ONCE_INIT;

static void c_init(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* Switches this thread to the C locale; returns what to restore, or 0 when
 * the C locale could not be made (glibc's never fails: it is static). */
static locale_t enter(void) {
  pthread_once(&c_once, c_init);
  return c_locale ? uselocale(c_locale) : (locale_t)0;
}

static void leave(locale_t old) {
  if (old)
    uselocale(old);
}

double im_strtod(const char *s, char **end) {
  locale_t old = enter();
  double v = strtod(s, end);
  leave(old);
  return v;
}

int im_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
  locale_t old = enter();
  int n = vsnprintf(buf, size, fmt, ap);
  leave(old);
  return n;
}

int im_snprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = im_vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

int im_fprintf(FILE *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  locale_t old = enter();
  int n = vfprintf(f, fmt, ap);
  leave(old);
  va_end(ap);
  return n;
}

int im_format_number(double v, int decimals, bool group, char *buf, size_t size) {
  char digits[400]; /* %.15f of 1.8e308 has 309 digits before the point */
  if (decimals < 0)
    decimals = 0;
  if (decimals > 15)
    decimals = 15;
  im_snprintf(digits, sizeof digits, "%.*f", decimals, fabs(v) + 0.0);
  size_t nint = strspn(digits, "0123456789");
  bool negative = v < 0 && strspn(digits, "0.") != strlen(digits);
  char out[600];
  size_t o = 0;
  if (negative)
    out[o++] = '-';
  for (size_t i = 0; i < nint; i++) {
    if (group && i && (nint - i) % 3 == 0)
      out[o++] = ',';
    out[o++] = digits[i];
  }
  for (size_t i = nint; digits[i]; i++)
    out[o++] = digits[i];
  out[o] = '\0';
  if (size) {
    size_t n = o < size - 1 ? o : size - 1;
    memcpy(buf, out, n);
    buf[n] = '\0';
  }
  return (int)o;
}
