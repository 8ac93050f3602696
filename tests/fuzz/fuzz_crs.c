/* CRS definitions (EPSG codes, PROJ strings, WKT) through PROJ, and for
 * those it takes, a transformation to and from longitude/latitude of a few
 * points and a box.
 *
 * Without proj.db: PROJ is pointed at an empty folder, so a code is an
 * error at once instead of a database query (tens of milliseconds under
 * ASan, and seconds for a name PROJ searches every table for), and the
 * fuzzer spends its time in what influmap and PROJ do with the text: the
 * forms influmap takes, PROJ strings and WKT, the transformations. The
 * codes themselves are PROJ's database, tested by PROJ. */
#include <math.h>
#include <stdlib.h>

#include "fuzz-support.h"
#include "influmap/crs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_quiet();
  /* One context for the process: making one opens PROJ's database. */
  static im_geo_ctx *ctx;
  static im_crs *wgs84;
  im_error err;
  if (!ctx) {
    setenv("PROJ_DATA", "/nonexistent/influmap-fuzz", 1);
    setenv("PROJ_LIB", "/nonexistent/influmap-fuzz", 1);
    ctx = im_geo_ctx_create();
    if (!ctx || im_crs_create(ctx, "+proj=longlat +datum=WGS84 +no_defs", NULL, 0, 0, &wgs84, &err))
      abort();
  }
  char *text = fuzz_string(data, size);
  im_crs *crs = NULL;
  im_error_clear(&err);
  im_status st = im_crs_create(ctx, text, "fuzz.prj", 1, 1, &crs, &err);
  free(text);
  if (st) {
    if (!err.message[0])
      abort();
    return 0;
  }
  volatile double v = im_crs_central_meridian(crs);
  v += im_crs_is_geographic(crs);
  (void)v;
  (void)im_crs_name(crs);
  (void)im_crs_equivalent(crs, wgs84);
  im_crs *geog = NULL;
  if (im_crs_geographic(ctx, crs, &geog, &err) == IM_STATUS_OK) {
    im_transform *t = NULL;
    if (im_transform_create(ctx, geog, crs, &t, &err) == IM_STATUS_OK) {
      double xy[] = {-70, -15, 0, 0, 179.9, 89.9, -180, -90, NAN, 10, 1e300, -1e300};
      size_t n = sizeof xy / sizeof xy[0] / 2;
      im_transform_array(t, xy, n, false);
      im_transform_array(t, xy, n, true);
      double box[4] = {-92, -56, -30, 15}, out[4];
      (void)im_transform_bounds(t, box, out);
      im_transform_free(t);
    }
    im_crs_free(geog);
  }
  im_crs_free(crs);
  return 0;
}
