/* Map specs from a buffer: YAML (libfyaml), every key and value, named
 * styles, palettes, rules, classes, where: filters. Named as if it sat in
 * styles/, so includes (vric.yaml) and sources (../shapes/...) resolve as
 * for the bundled specs. */
#include <stdlib.h>
#include <string.h>

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
  /* Again, collecting every error: the readers go on past what they
   * refused, over what they half built. The first error is the same. */
  im_error_list *list = im_error_list_new();
  im_error all;
  im_error_clear(&all);
  map = NULL;
  im_status st2 =
      im_map_load_string_ctx(NULL, (const char *)data, size, IM_SOURCE_DIR "/styles/fuzz.yaml", &map, list, &all);
  if (st2 != st || (st == IM_STATUS_INPUT && (!im_error_list_count(list) || strcmp(all.message, err.message))))
    abort();
  for (size_t i = 0; i < im_error_list_count(list); i++)
    if (!im_error_list_get(list, i)->message[0])
      abort();
  im_map_free(map);
  im_error_list_free(list);
  return 0;
}
