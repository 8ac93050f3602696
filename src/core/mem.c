#include "core/mem-private.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *im_malloc_array(size_t n, size_t size) {
  size_t bytes;
  if (im_mul_overflows(n, size, &bytes))
    return NULL;
  return malloc(bytes ? bytes : 1);
}

void *im_realloc_array(void *p, size_t n, size_t size) {
  size_t bytes;
  if (im_mul_overflows(n, size, &bytes))
    return NULL;
  return realloc(p, bytes ? bytes : 1);
}

char *im_strdup(const char *s) { return s ? im_strndup(s, strlen(s)) : NULL; }

char *im_strndup(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (!d)
    return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

bool im_grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap)
    return true;
  size_t ncap = *cap ? *cap : 16;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2)
      return false;
    ncap *= 2;
  }
  void *np = im_realloc_array(*p, ncap, size);
  if (!np)
    return false;
  *p = np;
  *cap = ncap;
  return true;
}
