/* The shapefile reader with its file access through shapelib's I/O hooks,
 * so a test or a fuzz target can serve the files from memory. */
#ifndef IM_SHAPEFILE_PRIVATE_H
#define IM_SHAPEFILE_PRIVATE_H

#include <shapefil.h>
#include <stdbool.h>
#include <stdint.h>

#include "io/layer-private.h"

/* im_layer_load_shapefile, but every file of the set (.shp, .shx, .dbf,
 * .prj, .cpg, found by name beside path) is opened with hooks->FOpen and
 * read with its FRead/FSeek/FTell/FClose; hooks->Error is not used (the
 * reader keeps shapelib's messages itself). NULL hooks: the disk. Returns a
 * new layer in *out; free it with im_layer_free. */
im_status im_shapefile_load_hooks(const char *path, const SAHooks *hooks, const im_layer_query *query, im_layer **out,
                                  im_error *err);

/* ---- the index against the records (shapefile-index.c) ---- */

/* file: the .shp's real size in bytes. The first index entry that does not
 * start where the one before ends (the first at byte 100), h->nRecords
 * when the last ends before the file does, or -1. */
int im_shx_chain_breaks(SHPHandle h, uint32_t file);
/* The records of the .shp walked from byte 100 to the end of the file or
 * the first header that does not fit; *want_at gets where record want
 * starts (0 when there are not that many). */
int im_shp_count_records(SHPHandle h, uint32_t file, int want, uint32_t *want_at);
/* Whether record i's own header gives the length the index gives (true
 * when it cannot be read: SHPReadObject reports that). */
bool im_shp_record_matches(SHPHandle h, int i, uint32_t file);
/* The message for an index that goes wrong at entry i (h->nRecords: after
 * its last entry), naming path's .shp and how many records it holds
 * against the index; written into buf. */
const char *im_shx_mismatch(SHPHandle h, const char *path, int i, uint32_t file, char *buf, size_t size);

#endif
