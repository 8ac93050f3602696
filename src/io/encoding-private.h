/* DBF text encodings: which one a file uses, and conversion to UTF-8.
 * shapelib never transcodes; this does, with iconv. */
#ifndef IM_ENCODING_PRIVATE_H
#define IM_ENCODING_PRIVATE_H

#include <stddef.h>

/* The iconv name for a .cpg's contents ("UTF-8", "1252", "ISO-8859-1",
 * "8859_1", "LATIN1", ...), or NULL when it names nothing known. */
const char *im_encoding_from_cpg(const char *cpg, char *buf, size_t size);

/* The iconv name for a DBF language driver id (header byte 29), or NULL
 * for 0 or an unknown id. */
const char *im_encoding_from_ldid(int ldid);

typedef struct im_transcoder im_transcoder;

/* A converter from encoding (an iconv name, NULL or "UTF-8" for none) to
 * UTF-8. NULL when iconv does not know the encoding. */
im_transcoder *im_transcoder_create(const char *encoding);
void im_transcoder_free(im_transcoder *t);

/* Returns a new UTF-8 string (free it) for s[0..n), or NULL when out of
 * memory. Bytes invalid in the encoding are read as Latin-1, so no text is
 * lost. */
char *im_transcode(im_transcoder *t, const char *s, size_t n);

#endif
