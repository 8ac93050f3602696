/* "Did you mean ...?": the closest of a list of known words to a misspelt
 * one, for messages about unknown keys, fields and names. */
#ifndef IM_SUGGEST_PRIVATE_H
#define IM_SUGGEST_PRIVATE_H

#include <stddef.h>

/* Edit distance (insertions, deletions, substitutions, and swaps of two
 * neighbouring characters), case-insensitive for ASCII, on bytes. */
size_t im_edit_distance(const char *a, const char *b);

/* The candidate closest to word when close enough to be a likely typo
 * (distance <= 1 for words up to 4 characters, <= 2 up to 8, else <= 3),
 * or NULL. candidates may be NULL-terminated (n == (size_t)-1) or counted. */
const char *im_suggest(const char *word, const char *const *candidates, size_t n);

#endif
