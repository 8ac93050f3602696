/* influmap — layers: features (geometry + attributes) read from a source.
 *
 * Text is UTF-8 from the moment it is read. Geometry stays in the source's
 * CRS; crs_definition says which (the .prj's WKT, or EPSG:4326). */
#ifndef INFLUMAP_LAYER_H
#define INFLUMAP_LAYER_H

#include <stdbool.h>
#include <stddef.h>

#include "influmap/error.h"
#include "influmap/geom.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  IM_FIELD_STRING,
  IM_FIELD_INTEGER,
  IM_FIELD_DOUBLE,
  IM_FIELD_LOGICAL,
  IM_FIELD_DATE,
  IM_FIELD_OTHER,
} im_field_type;

typedef struct {
  char *name; /* UTF-8 */
  im_field_type type;
  int width, decimals;
} im_field;

typedef struct {
  long fid;      /* record number in the source, from 0 */
  im_geom geom;  /* in the source CRS */
  char **values; /* one per field, UTF-8, NULL for a null value */
} im_feature;

/* Everything is owned by the layer; free with im_layer_free. */
typedef struct {
  char *path;
  int shape_type;              /* shapelib's SHPT_* code */
  long total_records;          /* shapes in the file, before any filter */
  im_bbox file_bbox;           /* from the file header */
  char *crs_definition;        /* WKT from the .prj, or "EPSG:4326" */
  char *crs_file;              /* the .prj path, or NULL when assumed */
  char *encoding;              /* the encoding the attributes were read in */
  const char *encoding_source; /* ".cpg", "language driver", "detected" */
  size_t nfields;
  im_field *fields;
  size_t nfeatures;
  im_feature *features;
} im_layer;

/* Which features to read. Boxes are in the source CRS; a shape is read
 * when its bounding box meets any of them. nboxes == 0 reads everything. */
typedef struct {
  size_t nboxes;
  im_bbox boxes[2];
  bool skip_attributes; /* geometry only */
} im_layer_query;

/* Reads an ESRI Shapefile (path to the .shp; the .shx must sit beside it,
 * the .dbf, .prj and .cpg may). Null shapes are skipped. query may be NULL.
 * Returns a new layer in *out; free it with im_layer_free. */
im_status im_layer_load_shapefile(const char *path, const im_layer_query *query, im_layer **out,
                                  im_error *err);

/* Reads any supported source, chosen by its suffix. */
im_status im_layer_load(const char *path, const im_layer_query *query, im_layer **out, im_error *err);

void im_layer_free(im_layer *layer);

/* The CRS a source declares, without reading the source: a shapefile's .prj
 * text in *definition and its path in *crs_file, or "EPSG:4326" and NULL
 * when it has none. The caller frees both. */
im_status im_layer_source_crs(const char *path, char **definition, char **crs_file, im_error *err);

/* "Point", "PolygonZ", "MultiPatch", ... for a SHPT_* code. */
const char *im_shape_type_name(int shape_type);
const char *im_field_type_name(im_field_type type);
/* The index of the field called name (case-insensitive), or -1. */
long im_layer_field_index(const im_layer *layer, const char *name);

#ifdef __cplusplus
}
#endif
#endif
