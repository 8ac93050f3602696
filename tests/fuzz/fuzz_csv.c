/* The CSV reader (and its WKT reader, for a wkt column) on one file held
 * in memory. */
#include <stdlib.h>
#include <unistd.h>

#include "fuzz-support.h"
#include "io/layer-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_quiet();
  char path[64];
  int fd = fuzz_memfile(data, size, path, sizeof path);
  if (fd < 0)
    return 0;
  im_error err;
  im_error_clear(&err);
  im_layer *layer = NULL;
  im_status st = im_layer_load_csv(path, NULL, &layer, &err);
  if (st && !err.message[0])
    abort(); /* a failure must say why */
  if (!st && layer->nfeatures && !layer->features[0].geom.npoints)
    abort(); /* features without geometry are not kept */
  im_layer_free(layer);
  close(fd);
  return 0;
}
