/* The shapefile reader on one buffer holding a whole set of files, served
 * through shapelib's I/O hooks so nothing touches the disk.
 *
 * Framing: one flags byte, then for each of .shp, .shx, .dbf, .prj, .cpg in
 * turn a 4-byte little-endian length and that many bytes. A length of
 * 0xFFFFFFFF, or the buffer running out before it, means the file is
 * absent; a length past the end takes what is left. Flags: bit 0 reads
 * through a box query (the record-header path), bit 1 skips attributes.
 * tests/fuzz/pack_shapefile.py packs a real set into this form. */
#include <shapefil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-support.h"
#include "io/layer-private.h"
#include "io/shapefile-private.h"

enum { NFILES = 5 };
static const char *const names[NFILES] = {"/mem/fuzz.shp", "/mem/fuzz.shx", "/mem/fuzz.dbf", "/mem/fuzz.prj",
                                          "/mem/fuzz.cpg"};

typedef struct {
  const uint8_t *data;
  size_t size;
  bool present;
} mem_file;

/* shapelib's hooks carry no user pointer: the files of the input being
 * run live here (libFuzzer runs one input at a time). */
static mem_file files[NFILES];

typedef struct {
  const mem_file *file;
  size_t pos;
} mem_handle;

static SAFile mem_open(const char *name, const char *access) {
  if (strchr(access, 'w') || strchr(access, 'a') || strchr(access, '+'))
    return NULL; /* the reader never writes */
  for (int i = 0; i < NFILES; i++)
    if (files[i].present && !strcmp(name, names[i])) {
      mem_handle *h = calloc(1, sizeof *h);
      if (!h)
        abort();
      h->file = &files[i];
      return (SAFile)h;
    }
  return NULL;
}

static SAOffset mem_read(void *p, SAOffset size, SAOffset nmemb, SAFile f) {
  mem_handle *h = (mem_handle *)f;
  if (!size || !nmemb)
    return 0;
  size_t left = h->pos < h->file->size ? h->file->size - h->pos : 0;
  size_t n = left / size < nmemb ? left / size : nmemb;
  memcpy(p, h->file->data + h->pos, n * size);
  h->pos += n * size;
  return n;
}

static SAOffset mem_write(void *p, SAOffset size, SAOffset nmemb, SAFile f) {
  (void)p, (void)size, (void)nmemb, (void)f;
  return 0;
}

static SAOffset mem_seek(SAFile f, SAOffset offset, int whence) {
  mem_handle *h = (mem_handle *)f;
  SAOffset base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? h->pos : h->file->size;
  h->pos = base + offset; /* past the end is allowed, as with fseek; reads there get nothing */
  return 0;
}

static SAOffset mem_tell(SAFile f) { return ((mem_handle *)f)->pos; }
static int mem_flush(SAFile f) { return (void)f, 0; }

static int mem_close(SAFile f) {
  free(f);
  return 0;
}

static int mem_remove(const char *name) { return (void)name, -1; }
static void mem_error(const char *message) { (void)message; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_quiet();
  if (size < 1)
    return 0;
  unsigned flags = data[0];
  size_t pos = 1;
  for (int i = 0; i < NFILES; i++) {
    files[i] = (mem_file){0};
    if (size - pos < 4)
      continue;
    uint32_t len = (uint32_t)data[pos] | (uint32_t)data[pos + 1] << 8 | (uint32_t)data[pos + 2] << 16 |
                   (uint32_t)data[pos + 3] << 24;
    pos += 4;
    if (len == 0xFFFFFFFFu)
      continue;
    if (len > size - pos)
      len = (uint32_t)(size - pos);
    files[i] = (mem_file){data + pos, len, true};
    pos += len;
  }
  SAHooks hooks;
  SASetupDefaultHooks(&hooks);
  hooks.FOpen = mem_open;
  hooks.FRead = mem_read;
  hooks.FWrite = mem_write;
  hooks.FSeek = mem_seek;
  hooks.FTell = mem_tell;
  hooks.FFlush = mem_flush;
  hooks.FClose = mem_close;
  hooks.Remove = mem_remove;
  hooks.Error = mem_error;
  im_layer_query q = {.skip_attributes = flags & 2};
  if (flags & 1) {
    q.nboxes = 1;
    q.boxes[0] = (im_bbox){-80, -40, -30, 10};
  }
  im_layer *layer = NULL;
  im_error err;
  im_error_clear(&err);
  im_status st = im_shapefile_load_hooks(names[0], &hooks, &q, &layer, &err);
  if (st == IM_STATUS_OK) {
    /* Touch what a render reads. */
    volatile double sum = 0;
    for (size_t i = 0; i < layer->nfeatures; i++) {
      const im_feature *f = &layer->features[i];
      im_bbox b = im_geom_bbox(&f->geom);
      sum += b.minx + b.maxy;
      for (size_t k = 0; f->values && k < layer->nfields; k++)
        sum += f->values[k] ? (double)strlen(f->values[k]) : 0;
    }
    (void)sum;
  } else if (!err.message[0]) {
    abort(); /* a failure must say why */
  }
  im_layer_free(layer);
  return 0;
}
