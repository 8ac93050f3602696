/* What a layer is made of (struct im_layer, im_feature): read by every
 * folder from io up, never by a host, which holds an opaque im_layer
 * (influmap/layer.h). */
#ifndef IM_LAYER_PRIVATE_H
#define IM_LAYER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "influmap/geom.h"
#include "influmap/layer.h"

typedef struct {
  long fid;      /* record number in the source, from 0 */
  im_geom geom;  /* in the source CRS */
  char **values; /* one per field, UTF-8, NULL for a null value; NULL
                    itself when read with skip_attributes */
  long line;     /* the line the record starts on (CSV), else 0 */
} im_feature;

/* Everything is owned by the layer; free with im_layer_free. */
struct im_layer {
  char *path;
  int shape_type;              /* shapelib's SHPT_* code; SHPT_NULL (0) for
                                  GeoJSON and CSV, whose features may mix kinds */
  long total_records;          /* records in the file, before any filter */
  im_bbox file_bbox;           /* from the file header (shapefile), else of
                                  every geometry in the file */
  char *crs_definition;        /* WKT from the .prj, or "EPSG:4326" */
  char *crs_file;              /* the .prj path, or NULL when assumed */
  char *encoding;              /* the encoding the attributes were read in */
  const char *encoding_source; /* ".cpg", "language driver", "detected", or
                                  "required by GeoJSON", "required for CSV" */
  size_t nfields;
  im_field *fields;
  size_t nfeatures;
  im_feature *features;
  const char *format; /* "ESRI Shapefile", "GeoJSON", "CSV" (static) */
  /* A view the layer cache (io/layer-cache.c) handed out: it shares the
   * cached layer's features, so im_layer_free gives it back to the cache
   * instead of freeing them. */
  bool cache_view;
  /* A layer made by im_layer_extend: it shares base's geometry and values
   * and owns only its fields, its features array, their values arrays and
   * the added values; base goes back to where it came from with it. */
  im_layer *base;
  /* A view of a layer the host bound to a map (im_layer_view): its
   * features array is its own, everything else is the bound layer's. */
  bool borrowed;
  /* A layer made in memory (io/memory.c): file_bbox covers a geometry. */
  bool has_bbox;
};

/* base with nextra fields added after its own (named and typed as in
 * extra, copied): its features are base's, sharing their geometry and
 * values, each with the added values values[i * nextra + k] for feature i
 * (NULL: a null value). Takes base and values (and their strings) even on
 * failure; returns NULL when out of memory. Free with im_layer_free (or
 * im_layer_cache_release), which releases base. Used by aggregates and
 * joins, which add fields to a layer the layer cache may share. */
im_layer *im_layer_extend(im_layer *base, const im_field *extra, size_t nextra, char **values);

/* A view of all (a layer the host made or loaded and bound to a map): the
 * features a reader would keep for query (those that meet its boxes; rows
 * without geometry only for a table, or with no query), sharing all's
 * geometry and values, which must outlive it. NULL when out of memory.
 * im_layer_free (or im_layer_cache_release) frees only the view. */
im_layer *im_layer_view(const im_layer *all, const im_layer_query *query);

#endif
