/* influmap — layers: features (geometry + attributes) read from a source:
 * an ESRI Shapefile, a GeoJSON FeatureCollection or a CSV file.
 *
 * Text is UTF-8 from the moment it is read. Geometry stays in the source's
 * CRS; crs_definition says which (the .prj's WKT, the GeoJSON's legacy
 * "crs" member, or EPSG:4326). */
#ifndef INFLUMAP_LAYER_H
#define INFLUMAP_LAYER_H

#include "influmap/export.h"

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

/* A source's features, read into memory: opaque; see the accessors below.
 * Everything is owned by the layer; free with im_layer_free. */
typedef struct im_layer im_layer;

/* Which features to read. Boxes are in the source CRS; a shape is read
 * when its bounding box meets any of them. nboxes == 0 reads everything. */
typedef struct {
  size_t nboxes;
  im_bbox boxes[2];
  bool skip_attributes; /* geometry only */
  bool table;           /* a table of attributes (a join's): a CSV may have no
                           geometry columns; its rows are then features with
                           no points */
} im_layer_query;

/* Reads an ESRI Shapefile (path to the .shp; the .shx must sit beside it,
 * the .dbf, .prj and .cpg may). Null shapes are skipped. query may be NULL.
 * Returns a new layer in *out; free it with im_layer_free. */
IM_API im_status im_layer_load_shapefile(const char *path, const im_layer_query *query, im_layer **out, im_error *err);

/* Reads a GeoJSON FeatureCollection (RFC 7946). Features with a null
 * geometry are skipped; properties become fields (the union of the keys, in
 * order of first appearance, typed from the values seen), values kept as
 * the JSON wrote them ("true", "12.5"; objects and arrays as compact JSON).
 * A feature's "id" is the field "id" when its properties have none. A
 * GeometryCollection is flattened when its members are all of one kind.
 * query may be NULL. Returns a new layer in *out; free it with im_layer_free. */
IM_API im_status im_layer_load_geojson(const char *path, const im_layer_query *query, im_layer **out, im_error *err);

/* Reads a CSV file (UTF-8, comma-separated, a header row): points from
 * lon/lat columns (or longitude/latitude, x/y; any case) or geometry from a
 * "wkt" column; the other columns are fields. Empty unquoted cells are null.
 * Each feature's line is the line its row starts on. query may be NULL.
 * Returns a new layer in *out; free it with im_layer_free. */
IM_API im_status im_layer_load_csv(const char *path, const im_layer_query *query, im_layer **out, im_error *err);

/* Reads any supported source, chosen by its suffix (any case): .shp,
 * .geojson or .json, .csv. */
IM_API im_status im_layer_load(const char *path, const im_layer_query *query, im_layer **out, im_error *err);

IM_API void im_layer_free(im_layer *layer);

/* The CRS a source declares, without loading the source: a shapefile's .prj
 * text in *definition and its path in *crs_file, or "EPSG:4326" and NULL
 * when it has none. GeoJSON is EPSG:4326 (RFC 7946) unless a legacy
 * top-level "crs" member names another ("urn:ogc:def:crs:EPSG::3857" gives
 * "EPSG:3857"); CSV is EPSG:4326. The caller frees both. */
IM_API im_status im_layer_source_crs(const char *path, char **definition, char **crs_file, im_error *err);

/* "Point", "PolygonZ", "MultiPatch", ... for a SHPT_* code. */
IM_API const char *im_shape_type_name(int shape_type);
IM_API const char *im_field_type_name(im_field_type type);
/* The index of the field called name (case-insensitive, an exact-case
 * match winning), or -1. */
IM_API long im_layer_field_index(const im_layer *layer, const char *name);

/* What a loaded layer holds. Strings and geometry are owned by the layer. */
/* The path it was read from, and "ESRI Shapefile", "GeoJSON" or "CSV". */
IM_API const char *im_layer_path(const im_layer *layer);
IM_API const char *im_layer_format(const im_layer *layer);
/* shapelib's SHPT_* code (im_shape_type_name); 0 for GeoJSON and CSV,
 * whose features may mix kinds. */
IM_API int im_layer_shape_type(const im_layer *layer);
/* Records in the file before any query, and the features read. */
IM_API long im_layer_total_records(const im_layer *layer);
IM_API size_t im_layer_feature_count(const im_layer *layer);
/* The extent the file declares (shapefile header), else of every geometry. */
IM_API im_bbox im_layer_bbox(const im_layer *layer);
/* The CRS as the source gives it (a .prj's WKT, or "EPSG:4326"), and the
 * file it came from (NULL when assumed). */
IM_API const char *im_layer_crs_definition(const im_layer *layer);
IM_API const char *im_layer_crs_file(const im_layer *layer);
/* The encoding attributes were read in, and how it was known (".cpg",
 * "language driver", "detected", "required by GeoJSON", ...); NULL when
 * there are no attributes. */
IM_API const char *im_layer_encoding(const im_layer *layer);
IM_API const char *im_layer_encoding_source(const im_layer *layer);
/* The fields, and field i (NULL past the end). */
IM_API size_t im_layer_field_count(const im_layer *layer);
IM_API const im_field *im_layer_field(const im_layer *layer, size_t i);
/* Feature i (0 <= i < im_layer_feature_count): its record number in the
 * source, its geometry (source CRS), and the UTF-8 text of field f, NULL
 * for a null value, for f out of range, or when read without attributes. */
IM_API long im_layer_feature_fid(const im_layer *layer, size_t i);
IM_API const im_geom *im_layer_feature_geom(const im_layer *layer, size_t i);
IM_API const char *im_layer_feature_value(const im_layer *layer, size_t i, size_t f);

#ifdef __cplusplus
}
#endif
#endif
