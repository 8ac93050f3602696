/* A GeoJSON file read one feature at a time, so memory follows the largest
 * feature and the layer, not the file: jansson holds a parsed file at 20-50
 * times its size (a 129 MB file of points took 6.6 GB).
 *
 * yajl (a SAX parser) walks the file once and records where each element of
 * the top-level "features" array lies; jansson then parses the top level
 * with every element (and every other large member) blanked to 0, then each
 * feature's own bytes in turn. jansson stays the judge of what is valid JSON
 * and the author of every message about it, at the line:column in the file. */
#ifndef IM_GEOJSON_STREAM_PRIVATE_H
#define IM_GEOJSON_STREAM_PRIVATE_H

#include <jansson.h>
#include <stddef.h>

#include "influmap/error.h"

/* jansson needs several times a text's size in memory: up to 35 times for
 * coordinates, measured. */
#define IM_GEOJSON_MEMORY_FACTOR 40

typedef struct im_geojson_stream im_geojson_stream;

/* Opens path (a regular file of at most max_bytes), finds its features and
 * parses its top level. *top gets the top-level value with each element of
 * "features" a null or 0 (owned by the stream); a JSON syntax error anywhere in the
 * file that yajl finds is reported here, at its line:column. Free with
 * im_geojson_stream_close. */
im_status im_geojson_stream_open(const char *path, size_t max_bytes, im_geojson_stream **out, const json_t **top,
                                 im_error *err);
/* The number of elements of "features" (0 when it is not an array). */
/* The same over a host's buffer of length bytes (which must outlive the
 * stream), named name in messages. */
im_status im_geojson_stream_open_buffer(const char *name, const char *data, size_t length, size_t max_bytes,
                                        im_geojson_stream **out, const json_t **top, im_error *err);
size_t im_geojson_stream_count(const im_geojson_stream *s);
/* Parses the next element of "features" into *feature (free with
 * json_decref). One element may take at most max_feature_bytes of text;
 * jansson's errors inside it (a number out of range, a repeated key) are
 * reported at their line:column in the file. */
im_status im_geojson_stream_next(im_geojson_stream *s, size_t max_feature_bytes, json_t **feature, im_error *err);
void im_geojson_stream_close(im_geojson_stream *s);

#endif
