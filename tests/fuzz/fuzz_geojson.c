/* The GeoJSON reader, and the scan for a legacy "crs" member that runs
 * before it, on one file held in memory. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-support.h"
#include "io/layer-private.h"
#include "io/io-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_quiet();
  char path[64];
  int fd = fuzz_memfile(data, size, path, sizeof path);
  if (fd < 0)
    return 0;
  im_error err;
  im_error_clear(&err);
  char *def = NULL;
  im_status crs_st = im_geojson_source_crs(path, &def, &err);
  if (crs_st && !err.message[0])
    abort();
  free(def);
  im_layer *layer = NULL;
  im_error_clear(&err);
  im_status st = im_layer_load_geojson(path, NULL, &layer, &err);
  if (st && !err.message[0])
    abort();
  im_layer_free(layer);
  /* The same with a box query and without attributes. */
  im_layer_query q = {.nboxes = 1, .boxes = {{-80, -40, -30, 10}}, .skip_attributes = true};
  layer = NULL;
  if (im_layer_load_geojson(path, &q, &layer, &err) == IM_STATUS_OK && st)
    abort(); /* valid or not whatever the query */
  im_layer_free(layer);
  close(fd);
  return 0;
}
