#include "core/suggest-private.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

size_t im_edit_distance(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  /* Long strings are never typos of each other; bound the work. */
  if (n > 256 || m > 256)
    return (size_t)-1;
  size_t *prev2 = calloc(m + 1, sizeof *prev2), *prev = calloc(m + 1, sizeof *prev), *cur = calloc(m + 1, sizeof *cur);
  size_t d = (size_t)-1;
  if (!prev2 || !prev || !cur)
    goto done;
  for (size_t j = 0; j <= m; j++)
    prev[j] = j;
  for (size_t i = 1; i <= n; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= m; j++) {
      int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
      size_t cost = ca != cb;
      size_t v = prev[j] + 1;
      if (cur[j - 1] + 1 < v)
        v = cur[j - 1] + 1;
      if (prev[j - 1] + cost < v)
        v = prev[j - 1] + cost;
      if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) && tolower((unsigned char)a[i - 2]) == cb &&
          prev2[j - 2] + 1 < v)
        v = prev2[j - 2] + 1;
      cur[j] = v;
    }
    size_t *t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  d = prev[m];
done:
  free(prev2);
  free(prev);
  free(cur);
  return d;
}

const char *im_suggest(const char *word, const char *const *candidates, size_t n) {
  size_t len = strlen(word);
  size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
  const char *best = NULL;
  size_t best_d = (size_t)-1;
  for (size_t i = 0; n == (size_t)-1 ? candidates[i] != NULL : i < n; i++) {
    size_t d = im_edit_distance(word, candidates[i]);
    if (d < best_d) {
      best_d = d;
      best = candidates[i];
    }
  }
  return best_d <= limit && best_d > 0 ? best : (best_d == 0 ? best : NULL);
}
