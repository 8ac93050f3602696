/* The index (.shx) of a shapefile against the records of its .shp
 * (shapefile-private.h): shapelib trusts the index. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "io/shapefile-private.h"

static uint32_t read_be32(const unsigned char *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Reads the 8-byte header of the .shp record at off: its content length in
 * bytes into *len. False past the end or when unreadable. */
static bool record_header(SHPHandle h, uint32_t off, uint32_t file, uint32_t *len) {
  unsigned char b[8];
  if ((uint64_t)off + 8 > file || h->sHooks.FSeek(h->fpSHP, off, SEEK_SET) != 0 ||
      h->sHooks.FRead(b, 8, 1, h->fpSHP) != 1)
    return false;
  *len = read_be32(b + 4) * 2u;
  return read_be32(b + 4) <= 0x3FFFFFFFu;
}

/* The records of the .shp, walked from byte 100 (each its header and
 * content, back to back) to the end of the file or the first header that
 * does not fit: how many there are, and where record want starts (0 when
 * there are not that many). */
int im_shp_count_records(SHPHandle h, uint32_t file, int want, uint32_t *want_at) {
  uint32_t off = 100, len;
  int n = 0;
  *want_at = 0;
  while (record_header(h, off, file, &len) && (uint64_t)off + 8 + len <= file) {
    if (n == want)
      *want_at = off;
    n++;
    off += 8 + len;
  }
  return n;
}

/* shapelib reads record i where the index (.shx) says, for as long as it
 * says: an index that points into the middle of records, or lost entries,
 * read garbage as shapes and dropped the rest without a word (8 features,
 * 6 not null, from a .shp and .dbf of 22). The records of a .shp are back
 * to back from byte 100, so the index holds when its first entry is at
 * 100, each next one where the one before ends, the last ends where the
 * file does, and each record's own header gives the length the index
 * gives (checked as the records are read, im_shp_record_matches). The message
 * for entry i (nrecords: the trouble is after the last entry). */
const char *im_shx_mismatch(SHPHandle h, const char *path, int i, uint32_t file, char *buf, size_t size) {
  uint32_t at, len;
  int records = im_shp_count_records(h, file, i, &at);
  const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  const char *fix = "rebuild the index (GDAL does with --config SHAPE_RESTORE_SHX YES)";
  int lost = records - h->nRecords;
  char counts[200], lost_text[40] = "";
  if (lost > 0)
    snprintf(lost_text, sizeof lost_text, " and at least %d lost", lost);
  snprintf(counts, sizeof counts, "%s holds %d record%s and the index lists %d, so records would be misread%s", name,
           records, records == 1 ? "" : "s", h->nRecords, lost_text);
  if (i >= h->nRecords)
    snprintf(buf, size, "lists %d record%s but %s holds %d: %d would not be read; %s", h->nRecords,
             h->nRecords == 1 ? "" : "s", name, records, lost, fix);
  else if (at && at == h->panRecOffset[i] && record_header(h, at, file, &len))
    snprintf(buf, size,
             "does not match %s: its entry for shape %d says %u bytes, but the record at byte %u has %u; %s; %s", name,
             i, h->panRecSize[i], at, len, counts, fix);
  else if (at)
    snprintf(buf, size,
             "does not match %s: its entry for shape %d points at byte %u (%u bytes long), but shape %d starts at "
             "byte %u; %s; %s",
             name, i, h->panRecOffset[i], h->panRecSize[i], i, at, counts, fix);
  else
    snprintf(buf, size, "does not match %s: its entry for shape %d points at byte %u, but %s has no shape %d; %s; %s",
             name, i, h->panRecOffset[i], name, i, counts, fix);
  return buf;
}

/* The first entry that does not follow the one before (or nRecords when
 * the last does not end where the file does, -1 when all hold). */
int im_shx_chain_breaks(SHPHandle h, uint32_t file) {
  uint64_t next = 100;
  for (int i = 0; i < h->nRecords; i++) {
    if (h->panRecOffset[i] != next)
      return i;
    next += 8 + (uint64_t)h->panRecSize[i];
  }
  return next == file ? -1 : next < file ? h->nRecords : -1; /* past the end: the record says it is cut short */
}

/* Record i's own header gives the length its index entry gives. */
bool im_shp_record_matches(SHPHandle h, int i, uint32_t file) {
  uint32_t len;
  if (!record_header(h, h->panRecOffset[i], file, &len))
    return true; /* past the end: SHPReadObject reports it */
  return len == h->panRecSize[i];
}
