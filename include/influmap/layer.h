/* influmap — layers: features (geometry + attributes) read from a source:
 * an ESRI Shapefile, a GeoJSON FeatureCollection or a CSV file, a GeoJSON
 * or CSV text held in memory, or made by the host in code (a layer a map
 * draws in place of a source: im_map_bind_layer, map.h).
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

/* The same from a buffer of length bytes held by the host (copied as
 * needed; the host keeps it): the format is given by the function, not by
 * a suffix, and name ("events.geojson"; NULL: "GeoJSON buffer" or "CSV
 * buffer") stands for the file in messages ("events.geojson:3:17: invalid
 * JSON: ...") and is the layer's im_layer_path. Returns a new layer in
 * *out; free it with im_layer_free (or bind it to a map). */
IM_API im_status im_layer_load_geojson_buffer(const char *data, size_t length, const char *name,
                                              const im_layer_query *query, im_layer **out, im_error *err);
IM_API im_status im_layer_load_csv_buffer(const char *data, size_t length, const char *name,
                                          const im_layer_query *query, im_layer **out, im_error *err);

/* A new layer with no features, for the host to fill in code: name stands
 * for its source in messages (NULL: "memory layer"); crs is its
 * coordinates' CRS as a spec writes one ("EPSG:4326", a PROJ string, WKT,
 * PROJJSON; NULL: EPSG:4326, longitude then latitude), checked when a map
 * draws it; fields are its attribute fields, copied (name, unique without
 * regard to case, and type; width and decimals grow with the values
 * added). Its format is "memory". Returns it in *out; free it with
 * im_layer_free, or hand it to im_map_bind_layer (map.h). */
IM_API im_status im_layer_create(const char *name, const char *crs, const im_field *fields, size_t nfields,
                                 im_layer **out, im_error *err);

/* Adds a feature to a layer made by im_layer_create (any other layer is
 * IM_STATUS_USAGE): geom is copied (in the layer's CRS; points, lines or
 * polygons, mixed in one layer if need be; NULL: no geometry, a table's
 * row); values[k] is field k's value as text, as a CSV file writes it
 * ("12.5", "2021-12-03", "true"), NULL for a null value (values NULL: all
 * null), copied. Each value is checked against its field's type: Integer
 * takes whole numbers, Real numbers (with a '.' whatever the locale),
 * Date ISO dates (2021, 2021-12, 2021-12-03), Logical true or false,
 * String and Other any UTF-8 text. A bad value or geometry (a coordinate
 * that is not finite, parts out of order) is IM_STATUS_INPUT, the message
 * naming the layer, the feature (from 0) and the field; nothing is added.
 * The feature's number (im_layer_feature_fid) is its index. */
IM_API im_status im_layer_add_feature(im_layer *layer, const im_geom *geom, const char *const *values, im_error *err);
/* A point at x, y (longitude, latitude in EPSG:4326). */
IM_API im_status im_layer_add_point(im_layer *layer, double x, double y, const char *const *values, im_error *err);

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
/* The path it was read from (a buffer's or a made layer's name), and
 * "ESRI Shapefile", "GeoJSON", "CSV" or "memory" (im_layer_create). */
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
