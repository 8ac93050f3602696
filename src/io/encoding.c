#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "core/utf8-private.h"
#include "io/encoding-private.h"

const char *im_encoding_from_cpg(const char *cpg, char *buf, size_t size) {
  /* Normalise: trim, upper-case, drop spaces, '-' and '_' for matching. */
  char key[64];
  size_t k = 0;
  for (const char *c = cpg; *c && k + 1 < sizeof key; c++)
    if (!isspace((unsigned char)*c) && *c != '-' && *c != '_')
      key[k++] = (char)toupper((unsigned char)*c);
  key[k] = '\0';
  if (!k)
    return NULL;
  if (!strcmp(key, "UTF8"))
    return "UTF-8";
  if (!strcmp(key, "LATIN1") || !strcmp(key, "88591") || !strcmp(key, "ISO88591"))
    return "ISO-8859-1";
  const char *digits = NULL;
  if (!strncmp(key, "ISO8859", 7))
    digits = key + 7;
  else if (!strncmp(key, "8859", 4))
    digits = key + 4;
  if (digits && *digits && strspn(digits, "0123456789") == strlen(digits)) {
    snprintf(buf, size, "ISO-8859-%s", digits);
    return buf;
  }
  /* ESRI writes bare code pages ("1252"), sometimes "ANSI 1252". */
  const char *num = key;
  if (!strncmp(key, "ANSI", 4))
    num = key + 4;
  else if (!strncmp(key, "WINDOWS", 7))
    num = key + 7;
  else if (!strncmp(key, "CP", 2))
    num = key + 2;
  if (*num && strspn(num, "0123456789") == strlen(num)) {
    snprintf(buf, size, "CP%s", num);
    return buf;
  }
  /* Anything else is passed to iconv as written (trimmed). */
  size_t n = 0;
  while (cpg[n] && !isspace((unsigned char)cpg[n]) && n + 1 < size) {
    buf[n] = cpg[n];
    n++;
  }
  buf[n] = '\0';
  return buf;
}

const char *im_encoding_from_ldid(int ldid) {
  /* The language driver ids ESRI and dBase use, after GDAL's table. */
  /* clang-format off */ /* four ids a line, as the table is read */
  static const struct {
    int id;
    const char *enc;
  } table[] = {{0x01, "CP437"},  {0x02, "CP850"},  {0x03, "CP1252"}, {0x04, "MACINTOSH"},
               {0x08, "CP865"},  {0x09, "CP437"},  {0x0A, "CP850"},  {0x0B, "CP437"},
               {0x0D, "CP437"},  {0x0E, "CP850"},  {0x0F, "CP437"},  {0x10, "CP850"},
               {0x11, "CP437"},  {0x12, "CP850"},  {0x13, "CP932"},  {0x14, "CP850"},
               {0x15, "CP437"},  {0x16, "CP850"},  {0x17, "CP865"},  {0x18, "CP437"},
               {0x19, "CP437"},  {0x1A, "CP850"},  {0x1B, "CP437"},  {0x1C, "CP863"},
               {0x1D, "CP850"},  {0x1F, "CP852"},  {0x22, "CP852"},  {0x23, "CP852"},
               {0x24, "CP860"},  {0x25, "CP850"},  {0x26, "CP866"},  {0x37, "CP850"},
               {0x40, "CP852"},  {0x4D, "CP936"},  {0x4E, "CP949"},  {0x4F, "CP950"},
               {0x50, "CP874"},  {0x57, "CP1252"}, {0x58, "CP1252"}, {0x59, "CP1252"},
               {0x64, "CP852"},  {0x65, "CP866"},  {0x66, "CP865"},  {0x67, "CP861"},
               {0x6A, "CP737"},  {0x6B, "CP857"},  {0x6C, "CP863"},  {0x78, "CP950"},
               {0x79, "CP949"},  {0x7A, "CP936"},  {0x7B, "CP932"},  {0x7C, "CP874"},
               {0x7D, "CP1255"}, {0x7E, "CP1256"}, {0x86, "CP737"},  {0x87, "CP852"},
               {0x88, "CP857"},  {0x96, "MACCYRILLIC"}, {0x97, "MACCENTRALEUROPE"},
               {0x98, "MACGREEK"}, {0xC8, "CP1250"}, {0xC9, "CP1251"}, {0xCA, "CP1254"},
               {0xCB, "CP1253"}, {0xCC, "CP1257"}};
  /* clang-format on */
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (table[i].id == ldid)
      return table[i].enc;
  return NULL;
}

struct im_transcoder {
  iconv_t cd; /* (iconv_t)-1 for UTF-8 input */
};

im_transcoder *im_transcoder_create(const char *encoding) {
  im_transcoder *t = calloc(1, sizeof *t);
  if (!t)
    return NULL;
  t->cd = (iconv_t)-1;
  if (encoding && strcasecmp(encoding, "UTF-8") != 0) {
    t->cd = iconv_open("UTF-8", encoding);
    if (t->cd == (iconv_t)-1) {
      free(t);
      return NULL;
    }
  }
  return t;
}

void im_transcoder_free(im_transcoder *t) {
  if (!t)
    return;
  if (t->cd != (iconv_t)-1)
    iconv_close(t->cd);
  free(t);
}

static char *latin1_to_utf8(const char *s, size_t n) {
  char *out = im_malloc_array(2, n + 1);
  if (!out)
    return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      out[k++] = (char)c;
    } else {
      out[k++] = (char)(0xC0 | (c >> 6));
      out[k++] = (char)(0x80 | (c & 0x3F));
    }
  }
  out[k] = '\0';
  return out;
}

char *im_transcode(im_transcoder *t, const char *s, size_t n) {
  if (t->cd == (iconv_t)-1)
    return im_utf8_valid(s, n) ? im_strndup(s, n) : latin1_to_utf8(s, n);
  /* No code page needs more than 4 UTF-8 bytes per input byte. */
  size_t cap = 4 * n + 1;
  char *out = malloc(cap);
  if (!out)
    return NULL;
  char *in = (char *)s, *o = out;
  size_t inleft = n, outleft = cap - 1;
  iconv(t->cd, NULL, NULL, NULL, NULL);
  if (iconv(t->cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
    free(out);
    return latin1_to_utf8(s, n);
  }
  *o = '\0';
  return out;
}
