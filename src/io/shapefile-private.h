/* The shapefile reader with its file access through shapelib's I/O hooks,
 * so a test or a fuzz target can serve the files from memory. */
#ifndef IM_SHAPEFILE_PRIVATE_H
#define IM_SHAPEFILE_PRIVATE_H

#include <shapefil.h>

#include "io/layer-private.h"

/* im_layer_load_shapefile, but every file of the set (.shp, .shx, .dbf,
 * .prj, .cpg, found by name beside path) is opened with hooks->FOpen and
 * read with its FRead/FSeek/FTell/FClose; hooks->Error is not used (the
 * reader keeps shapelib's messages itself). NULL hooks: the disk. Returns a
 * new layer in *out; free it with im_layer_free. */
im_status im_shapefile_load_hooks(const char *path, const SAHooks *hooks, const im_layer_query *query, im_layer **out,
                                  im_error *err);

#endif
