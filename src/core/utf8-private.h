/* UTF-8 well-formedness, one definition for every reader of text: DBF
 * fields (io/encoding.c), CSV lines (io/csv.c) and specs (spec/yaml.c)
 * must agree on what they accept, or a value could pass one reader and
 * reach Pango or libfyaml malformed through another. */
#ifndef IM_UTF8_PRIVATE_H
#define IM_UTF8_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

/* The offset of the first byte of s[0..n) that does not start a well-formed
 * sequence, or n. Well-formed as RFC 3629 has it: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing past U+10FFFF, no sequence cut short
 * by n. With nul_bad a NUL byte counts as bad too: text files have none,
 * and a C string would end at it. */
size_t im_utf8_bad_at(const char *s, size_t n, bool nul_bad);

/* True when s[0..n) is well-formed UTF-8; NUL is a character here. */
bool im_utf8_valid(const char *s, size_t n);

/* IM_SHOWN_MAX characters at most of s, for quoting in a message: control
 * characters (a line break, an escape) become '?', a longer text is cut at
 * a character boundary and ends in "...". Messages quote only files that
 * are recognisably what they should be (docs/design-notes.md, "Messages");
 * this bounds what even those show. Returns buf. */
enum { IM_SHOWN_MAX = 60, IM_SHOWN_SIZE = 4 * IM_SHOWN_MAX + 4 };
const char *im_utf8_shown(const char *s, char buf[IM_SHOWN_SIZE]);

/* The same for a path: a longer one keeps its end and starts with "...",
 * since the file's name tells a reader more than the folders above it. */
const char *im_utf8_shown_path(const char *s, char buf[IM_SHOWN_SIZE]);

#endif
