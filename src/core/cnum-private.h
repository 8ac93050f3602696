/* Numbers read and written the same whatever the host's locale.
 *
 * A host may have called setlocale(LC_ALL, "de_DE.UTF-8") (every R session,
 * a GTK program, Python after locale.setlocale): strtod then stops at the
 * '.' of "0.4pt" and printf writes "0,4". Spec values, CSV and GeoJSON
 * numbers, PROJ strings, SVG attributes and label numbers are all written
 * with a '.', so everything here reads and writes them in the C locale, on
 * the calling thread only (uselocale), whatever the process's locale. */
#ifndef IM_CNUM_PRIVATE_H
#define IM_CNUM_PRIVATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* strtod in the C locale. */
double im_strtod(const char *s, char **end);

/* snprintf, vsnprintf and fprintf in the C locale. */
int im_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int im_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
int im_fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* v with `decimals` decimals (0 to 15), a '.' before them, and with group
 * a ',' between thousands ("1,234,567.9"), whatever the locale; "-0.0"
 * is written "0.0". Writes at most size bytes, always NUL-terminated;
 * returns the length it needed, as snprintf does. */
int im_format_number(double v, int decimals, bool group, char *buf, size_t size);

#endif
