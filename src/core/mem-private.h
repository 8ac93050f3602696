/* Allocation helpers: every size that is a product goes through
 * im_mul_overflows, so a hostile count cannot wrap into a small buffer. */
#ifndef IM_MEM_PRIVATE_H
#define IM_MEM_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

/* True when a * b does not fit in size_t; otherwise *out = a * b. */
static inline bool im_mul_overflows(size_t a, size_t b, size_t *out) { return __builtin_mul_overflow(a, b, out); }

/* malloc(n * size) with overflow check; NULL on overflow or exhaustion. */
void *im_malloc_array(size_t n, size_t size);
/* realloc(p, n * size) with overflow check; p is untouched on failure. */
void *im_realloc_array(void *p, size_t n, size_t size);
/* strdup that returns NULL for NULL. */
char *im_strdup(const char *s);
char *im_strndup(const char *s, size_t n);

/* Grows *p (holding *cap elements of size) so that it holds at least need.
 * Returns false (and leaves *p valid) when memory runs out. */
bool im_grow(void **p, size_t *cap, size_t need, size_t size);

#endif
