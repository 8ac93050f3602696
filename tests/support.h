/* Helpers shared by the tests: paths, files, PNG pixels. */
#ifndef IM_TEST_SUPPORT_H
#define IM_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "influmap/influmap.h"
/* Tests read what a host cannot: the insides of a map and of a layer. */
#include "io/layer-private.h"
#include "spec/map-furniture-private.h"
#include "spec/map-private.h"
#include "spec/style-private.h"

/* IM_SOURCE_DIR "/" rel, in a static buffer (one of 8 in rotation). */
const char *src_path(const char *rel);
/* IM_SCRATCH_DIR "/" rel, likewise. */
const char *scratch_path(const char *rel);

/* Reads a whole file; *len gets its size. Returns NULL when it cannot. */
char *read_file(const char *path, size_t *len);
bool write_file(const char *path, const char *data, size_t len);
bool files_equal(const char *a, const char *b);

/* Loads a spec from text (written to scratch/name) or fails the test. */
im_map *load_spec_text(const char *name, const char *yaml);

/* Asserts st is OK, printing the error otherwise. */
void assert_ok(im_status st, const im_error *err);

/* A PNG read back into memory: 0xAARRGGBB pixels. */
typedef struct {
  int width, height, stride;
  uint32_t *pixels;
  void *surface;
} test_image;
bool image_load(const char *path, test_image *img);
void image_free(test_image *img);
uint32_t image_pixel(const test_image *img, int x, int y);
/* True when the pixel's RGB is within tol (0..255 per channel) of rgb. */
bool pixel_near(uint32_t px, uint32_t rgb, int tol);

/* Where a longitude/latitude falls on a rendered map's PNG: the map's CRS
 * and the frame a render of it uses. */
typedef struct {
  im_geo_ctx *ctx;
  im_crs *map, *geog;
  im_transform *t;
  im_frame frame;
} map_projector;
void map_projector_init(map_projector *p, const im_map *map);
void map_projector_fini(map_projector *p);
/* The pixel lon/lat falls on; false when off the page or unprojectable. */
bool map_projector_pixel(map_projector *p, double lon, double lat, int *px, int *py);
/* The pixel of img at lon/lat; fails the test when it is off the page. */
uint32_t map_projector_sample(map_projector *p, const test_image *img, double lon, double lat);

/* Runs cmd through the shell and returns what it printed (free with free()). */
char *run_capture(const char *cmd);

#endif
