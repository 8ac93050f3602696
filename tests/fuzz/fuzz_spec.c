/* Map specs from a buffer: YAML (libfyaml), every key and value, named
 * styles, palettes, rules, classes, where: filters. Named as if it sat in
 * styles/, so includes (vric.yaml) and sources (../shapes/...) resolve as
 * for the bundled specs. */
#include <stdlib.h>

#include "fuzz-support.h"
#include "spec/map-private.h"

#ifndef IM_SOURCE_DIR
#error IM_SOURCE_DIR must name the repository
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_quiet();
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  im_status st = im_map_load_string((const char *)data, size, IM_SOURCE_DIR "/styles/fuzz.yaml", &map, &err);
  if (st && !err.message[0])
    abort(); /* a failure must say why */
  if (!st && (!map || !map->nlayers))
    abort(); /* a loaded spec has layers */
  im_map_free(map);
  return 0;
}
