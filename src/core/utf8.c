#include "core/utf8-private.h"

#include <string.h>

size_t im_utf8_bad_at(const char *s, size_t n, bool nul_bad) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    unsigned c = p[i];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if ((!c && nul_bad) || !len || len > n - i)
      return i;
    unsigned cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] & 0xC0) != 0x80)
        return i;
      cp = cp << 6 | (p[i + k] & 0x3F);
    }
    /* Each code point has one encoding, the shortest: a longer one ("\xC0\xAF" for '/') would slip past checks
     * made on the bytes. Surrogates are UTF-16's, not characters. */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += len;
  }
  return n;
}

bool im_utf8_valid(const char *s, size_t n) { return im_utf8_bad_at(s, n, false) == n; }

const char *im_utf8_shown(const char *s, char buf[IM_SHOWN_SIZE]) {
  size_t n = 0, chars = 0;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    bool starts = (c & 0xC0) != 0x80;
    /* Bytes are bounded too: text that is not UTF-8 may have no starts. */
    if ((starts && chars == IM_SHOWN_MAX) || n == 4 * IM_SHOWN_MAX) {
      memcpy(buf + n, "...", 3);
      n += 3;
      break;
    }
    chars += starts;
    buf[n++] = c < 0x20 || c == 0x7F ? '?' : (char)c;
  }
  buf[n] = '\0';
  return buf;
}

const char *im_utf8_shown_path(const char *s, char buf[IM_SHOWN_SIZE]) {
  size_t len = strlen(s), chars = 0, from = len;
  /* Walk back over the last IM_SHOWN_MAX characters (bytes bounded too). */
  while (from > 0 && len - from < 4 * IM_SHOWN_MAX) {
    unsigned char c = (unsigned char)s[from - 1];
    if ((c & 0xC0) != 0x80 && chars == IM_SHOWN_MAX)
      break;
    from--;
    chars += (c & 0xC0) != 0x80;
  }
  /* Never start inside a sequence. */
  while (from < len && ((unsigned char)s[from] & 0xC0) == 0x80)
    from++;
  size_t n = 0;
  if (from > 0) {
    memcpy(buf, "...", 3);
    n = 3;
  }
  for (size_t i = from; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    buf[n++] = c < 0x20 || c == 0x7F ? '?' : (char)c;
  }
  buf[n] = '\0';
  return buf;
}
