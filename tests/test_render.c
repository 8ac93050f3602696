#define _GNU_SOURCE /* memmem */
/* Rendered maps: pixels at known places, no streaks across the map, page
 * sizes in each format, byte-identical vector output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page/page-private.h"
#include "support.h"

#define LAND 0xf2efe9
#define SEA 0xdbe9f4

/* A spec with one filled, unstroked layer, so a pixel is land or sea. */
static im_map *spec(const char *name, const char *crs, const char *extent, const char *page, const char *source) {
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: %s\n  crs: \"%s\"\n%s%s%s  background: \"#dbe9f4\"\n"
           "layers:\n  - id: land\n    source: %s\n    fill: \"#f2efe9\"\n",
           page, crs, extent ? "  extent: " : "", extent ? extent : "", extent ? "\n" : "", src_path(source));
  return load_spec_text(name, yaml);
}

/* Share of land pixels along a parallel between two longitudes (lon1 may
 * exceed 180 to go east across the dateline). */
static double land_share(map_projector *p, const test_image *img, double lat, double lon0, double lon1) {
  int land = 0, total = 0, lastx = -1;
  for (double lon = lon0; lon <= lon1; lon += 0.05) {
    int x, y;
    if (!map_projector_pixel(p, lon > 180 ? lon - 360 : lon, lat, &x, &y) || x == lastx)
      continue;
    lastx = x;
    total++;
    if (!pixel_near(image_pixel(img, x, y), SEA, 8))
      land++;
  }
  assert_true(total > 50);
  return (double)land / total;
}

static void render_ok(const im_map *map, const char *out) {
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, out, NULL, &err), &err);
}

/* ---- no seams between neighbouring polygons ---- */

/* A tiling of 0°..8° x 0°..8° into 20 x 20 cells whose inner corners are
 * moved by up to a third of a cell (a fixed pseudo-random sequence), so
 * the shared edges run at every angle through pixels. Each cell is one
 * feature; its union is the square. Edges are shorter than the densifying
 * step and longer than a pixel at 72 dpi, so every feature keeps its
 * corners and neighbours share their edges exactly: what is tested is how
 * the fills are composited, not how they are simplified. */
static const char *write_tiling(void) {
  enum { N = 20 };
  static double cx[N + 1][N + 1], cy[N + 1][N + 1];
  unsigned seed = 12345;
  for (int i = 0; i <= N; i++)
    for (int j = 0; j <= N; j++) {
      double s = 8.0 / N, jx = 0, jy = 0;
      if (i > 0 && i < N && j > 0 && j < N) {
        seed = seed * 1103515245u + 12345u;
        jx = ((seed >> 16) % 1000 / 1000.0 - 0.5) * s * 0.66;
        seed = seed * 1103515245u + 12345u;
        jy = ((seed >> 16) % 1000 / 1000.0 - 0.5) * s * 0.66;
      }
      cx[i][j] = i * s + jx;
      cy[i][j] = j * s + jy;
    }
  size_t cap = 400000, len = 0;
  char *json = malloc(cap);
  assert_non_null(json);
  len += (size_t)snprintf(json + len, cap - len, "{\"type\": \"FeatureCollection\", \"features\": [");
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++)
      len += (size_t)snprintf(
          json + len, cap - len,
          "%s{\"type\": \"Feature\", \"properties\": {}, \"geometry\": {\"type\": \"Polygon\", "
          "\"coordinates\": [[[%.6f, %.6f], [%.6f, %.6f], [%.6f, %.6f], [%.6f, %.6f], [%.6f, %.6f]]]}}",
          i || j ? ", " : "", cx[i][j], cy[i][j], cx[i + 1][j], cy[i + 1][j], cx[i + 1][j + 1], cy[i + 1][j + 1],
          cx[i][j + 1], cy[i][j + 1], cx[i][j], cy[i][j]);
  len += (size_t)snprintf(json + len, cap - len, "]}\n");
  assert_true(len < cap);
  const char *path = scratch_path("tiling.geojson");
  assert_true(write_file(path, json, len));
  free(json);
  return path;
}

/* Pixels inside the tiling (more than 2 px from its outer edge) that are
 * not wholly the fill: on a white background, any trace of it. */
static size_t seam_pixels(const char *tiling, int dpi) {
  char yaml[2048], file[64];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 100mm, height: 100mm, dpi: %d}\n  crs: \"EPSG:4326\"\n"
           "  extent: {west: -1, east: 9, south: -1, north: 9}\n  background: \"#ffffff\"\n"
           "layers:\n  - {id: cells, source: %s, fill: \"#2f4b7c\"}\n",
           dpi, tiling);
  snprintf(file, sizeof file, "tiling-%d.yaml", dpi);
  im_map *map = load_spec_text(file, yaml);
  snprintf(file, sizeof file, "tiling-%d.png", dpi);
  const char *out = scratch_path(file);
  render_ok(map, out);
  map_projector p;
  map_projector_init(&p, map);
  test_image img;
  assert_true(image_load(out, &img));
  /* The square's corners on the page (the map is linear in lon/lat): a
   * box 3 px inside them. */
  int x0, y0, x1, y1;
  assert_true(map_projector_pixel(&p, 0, 8, &x0, &y0));
  assert_true(map_projector_pixel(&p, 8, 0, &x1, &y1));
  size_t inside = 0, seams = 0;
  for (int y = 0; y < img.height; y++)
    for (int x = 0; x < img.width; x++) {
      if (x < x0 + 3 || x > x1 - 3 || y < y0 + 3 || y > y1 - 3)
        continue;
      inside++;
      seams += !pixel_near(image_pixel(&img, x, y), 0x2f4b7c, 0);
    }
  print_message("%d dpi: %zu pixels inside the tiling, %zu show the background\n", dpi, inside, seams);
  assert_true(inside > 10000);
  image_free(&img);
  map_projector_fini(&p);
  im_map_free(map);
  return seams;
}

/* Adjacent polygons without outlines show no background between them at
 * any resolution: not one pixel. Filled one by one they left a hairline
 * on every shared edge (each edge pixel keeps a * (1 - a) of the
 * background: thousands of pixels here). */
static void no_seams_between_polygons(void **state) {
  (void)state;
  const char *tiling = write_tiling();
  static const int dpis[] = {72, 150, 300, 600};
  for (size_t i = 0; i < sizeof dpis / sizeof *dpis; i++)
    assert_int_equal(seam_pixels(tiling, dpis[i]), 0);
}

/* Lima is land, the Pacific 200 km west of it is sea, on the Latin America
 * overview's projection at 2200 x 2400 px. */
static void lima_land_pacific_sea(void **state) {
  (void)state;
  im_map *map = spec("lima.yaml", "+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs",
                     "{xmin: -5500000, xmax: 5500000, ymin: -5000000, ymax: 7000000}",
                     "{width: 2200px, height: 2400px, dpi: 300}", "shapes/ne_10m_admin_0_countries_americas.shp");
  const char *out = scratch_path("lima.png");
  render_ok(map, out);
  test_image img;
  assert_true(image_load(out, &img));
  assert_int_equal(img.width, 2200);
  assert_int_equal(img.height, 2400);
  map_projector p;
  map_projector_init(&p, map);
  /* The extent has the page's shape: the frame is exactly the extent. */
  assert_float_equal(p.frame.xmin, -5500000, 1e-6);
  assert_float_equal(p.frame.xmax, 5500000, 1e-6);
  assert_float_equal(p.frame.ymin, -5000000, 1e-6);
  assert_float_equal(p.frame.ymax, 7000000, 1e-6);
  double lima_lon = -77.0428, lima_lat = -12.0464;
  assert_true(pixel_near(map_projector_sample(&p, &img, lima_lon, lima_lat), LAND, 2));
  double west = lima_lon - 200.0 / (111.32 * cos(lima_lat * M_PI / 180));
  assert_true(pixel_near(map_projector_sample(&p, &img, west, lima_lat), SEA, 2));
  /* Inland and offshore elsewhere, for good measure. */
  assert_true(pixel_near(map_projector_sample(&p, &img, -47.9, -15.8), LAND, 2));      /* Brasília */
  assert_true(pixel_near(map_projector_sample(&p, &img, -30.0, -20.0), SEA, 2));       /* South Atlantic */
  assert_true(pixel_near(map_projector_sample(&p, &img, -66.9036, 10.4806), LAND, 2)); /* Caracas */
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* An extent in degrees: the frame covers all of it, centred, and is
 * widened only along one axis to the page's shape. */
static void frame_covers_extent(void **state) {
  (void)state;
  im_map *map = spec("frame.yaml", "+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs",
                     "{west: -92, east: -30, south: -56, north: 15}", "{width: 180mm, height: 220mm, dpi: 100}",
                     "shapes/ne_10m_admin_0_countries_americas.shp");
  map_projector p;
  map_projector_init(&p, map);
  double minx = INFINITY, maxx = -INFINITY, miny = INFINITY, maxy = -INFINITY;
  for (int i = 0; i <= 100; i++) {
    double t = i / 100.0;
    double pts[8] = {-92 + 62 * t, -56, -92 + 62 * t, 15, -92, -56 + 71 * t, -30, -56 + 71 * t};
    assert_int_equal(im_transform_array(p.t, pts, 4, false), 0);
    for (int k = 0; k < 4; k++) {
      minx = fmin(minx, pts[2 * k]);
      maxx = fmax(maxx, pts[2 * k]);
      miny = fmin(miny, pts[2 * k + 1]);
      maxy = fmax(maxy, pts[2 * k + 1]);
    }
  }
  const im_frame *f = &p.frame;
  assert_true(f->xmin <= minx + 1 && f->xmax >= maxx - 1 && f->ymin <= miny + 1 && f->ymax >= maxy - 1);
  /* Tight on one axis (the asked extent's box touches two opposite sides). */
  bool tight_x = fabs(f->xmin - minx) < 1000 && fabs(f->xmax - maxx) < 1000;
  bool tight_y = fabs(f->ymin - miny) < 1000 && fabs(f->ymax - maxy) < 1000;
  assert_true(tight_x || tight_y);
  /* Same scale both ways. */
  assert_float_equal((f->xmax - f->xmin) / (f->ymax - f->ymin), f->width_pt / f->height_pt, 1e-9);
  assert_int_equal(f->width_px, 709); /* 180 mm at 100 dpi */
  assert_int_equal(f->height_px, 866);
  map_projector_fini(&p);
  im_map_free(map);
}

static void warn_count(void *user, const char *message) {
  int *n = user;
  (*n)++;
  assert_non_null(strstr(message, "layer land"));
  assert_non_null(strstr(message, ": 2 features lost "));
  assert_non_null(strstr(message, "(the first: feature 248)"));
}

/* World in Robinson from the Natural Earth 4.0.0 set with two impossible
 * features: no polygon crossing the antimeridian is drawn across the map,
 * Antarctica is closed over the pole, and the two bad features cost one
 * warning for the layer while everything else is drawn. */
static void world_robinson_no_streaks(void **state) {
  (void)state;
  im_map *map = spec("world.yaml", "ESRI:54030", "{xmin: -17400000, xmax: 17400000, ymin: -8700000, ymax: 8700000}",
                     "{width: 3000px, height: 1500px, dpi: 300}",
                     "tests/data/ne_50m_admin_0_countries_4.0.0/ne_50m_admin_0_countries.shp");
  const char *out = scratch_path("world.png");
  int warnings = 0;
  im_warning_set_handler(warn_count, &warnings);
  render_ok(map, out);
  im_warning_set_handler(NULL, NULL);
  assert_int_equal(warnings, 1);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, map);
  /* Fiji's latitude across the open South Pacific, east of Fiji. */
  assert_true(land_share(&p, &img, -17, -170, -80) < 0.02);
  /* The North Pacific, where Russia's Chukotka would streak. */
  assert_true(land_share(&p, &img, 45, 155, 230) < 0.02);
  assert_true(land_share(&p, &img, 66.5, -160, -100) > 0.5); /* Alaska, Canada: land is drawn */
  /* The Southern Ocean is sea; Antarctica is land all the way across. */
  assert_true(land_share(&p, &img, -55, -170, -80) < 0.02);
  assert_true(land_share(&p, &img, -85, -179.5, 179.5) > 0.95);
  assert_true(pixel_near(map_projector_sample(&p, &img, -47.9, -15.8), LAND, 2)); /* Brazil */
  assert_true(pixel_near(map_projector_sample(&p, &img, 100.0, 60.0), LAND, 2));  /* Siberia */
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* Centred on 180° the cut runs through Greenwich: Africa and Europe must not
 * streak across the Pacific. */
static void pacific_no_streaks(void **state) {
  (void)state;
  im_map *map = spec("pacific.yaml", "+proj=robin +lon_0=180 +datum=WGS84 +units=m +no_defs", NULL,
                     "{width: 3000px, height: 1500px, dpi: 300}", "shapes/ne_50m_admin_0_countries.shp");
  const char *out = scratch_path("pacific.png");
  render_ok(map, out);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, map);
  assert_true(land_share(&p, &img, 10, 175, 255) < 0.02);  /* Ghana's latitude */
  assert_true(land_share(&p, &img, 47, 160, 230) < 0.02);  /* France's latitude */
  assert_true(land_share(&p, &img, -60, 150, 300) < 0.02); /* south of Africa's and Antarctica's cut */
  assert_true(land_share(&p, &img, -85, 1, 359) > 0.95);   /* Antarctica across */
  assert_true(pixel_near(map_projector_sample(&p, &img, 10.0, 20.0), LAND, 2));   /* Sahara, east of the cut */
  assert_true(pixel_near(map_projector_sample(&p, &img, -5.0, 20.0), LAND, 2));   /* Sahara, west of the cut */
  assert_true(pixel_near(map_projector_sample(&p, &img, 106.5, 29.5), LAND, 2));  /* Chongqing */
  assert_true(pixel_near(map_projector_sample(&p, &img, -60.0, -10.0), LAND, 2)); /* Brazil */
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

static double svg_attr_mm(const char *svg, const char *attr) {
  char key[32];
  snprintf(key, sizeof key, " %s=\"", attr);
  const char *s = strstr(svg, key);
  assert_non_null(s);
  char *end;
  double v = strtod(s + strlen(key), &end);
  assert_true(strncmp(end, "mm\"", 3) == 0);
  return v;
}

/* Each format at the asked size: PNG pixels, PDF MediaBox in points, SVG in
 * millimetres; a --size override wins over the spec. */
static void formats_and_sizes(void **state) {
  (void)state;
  im_map *map = spec("sizes.yaml", "+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84",
                     "{west: -92, east: -30, south: -56, north: 15}", "{width: 180mm, height: 220mm, dpi: 150}",
                     "shapes/ne_50m_admin_0_countries.shp");
  render_ok(map, scratch_path("sizes.png"));
  render_ok(map, scratch_path("sizes.pdf"));
  render_ok(map, scratch_path("sizes.svg"));
  test_image img;
  assert_true(image_load(scratch_path("sizes.png"), &img));
  assert_int_equal(img.width, 1063); /* 180 mm at 150 dpi = 1062.99 */
  assert_int_equal(img.height, 1299);
  image_free(&img);

  size_t n;
  char *pdf = read_file(scratch_path("sizes.pdf"), &n);
  assert_non_null(pdf);
  assert_true(n > 1000 && memcmp(pdf, "%PDF-", 5) == 0);
  const char *mb = memmem(pdf, n, "/MediaBox [", 11);
  assert_non_null(mb);
  double x0, y0, w, h;
  assert_int_equal(sscanf(mb, "/MediaBox [ %lf %lf %lf %lf ]", &x0, &y0, &w, &h), 4);
  assert_float_equal(w, 180 * 72 / 25.4, 0.01);
  assert_float_equal(h, 220 * 72 / 25.4, 0.01);
  free(pdf);

  char *svg = read_file(scratch_path("sizes.svg"), &n);
  assert_non_null(svg);
  assert_float_equal(svg_attr_mm(svg, "width"), 180, 0.001);
  assert_float_equal(svg_attr_mm(svg, "height"), 220, 0.001);
  assert_null(strstr(svg, "<image")); /* vectors only */
  free(svg);

  im_render_options opt = {.has_size = true, .dpi = 100};
  assert_true(im_length_parse("100mm", IM_UNIT_MM, &opt.width));
  assert_true(im_length_parse("50mm", IM_UNIT_MM, &opt.height));
  im_error err;
  assert_ok(im_map_render(map, scratch_path("override.png"), &opt, &err), &err);
  assert_true(image_load(scratch_path("override.png"), &img));
  assert_int_equal(img.width, 394);
  assert_int_equal(img.height, 197);
  image_free(&img);
  /* --format wins over the suffix. */
  opt.format = IM_FORMAT_PDF;
  assert_ok(im_map_render(map, scratch_path("override.png"), &opt, &err), &err);
  pdf = read_file(scratch_path("override.png"), &n);
  assert_true(pdf && memcmp(pdf, "%PDF-", 5) == 0);
  free(pdf);
  im_map_free(map);
}

/* The same spec twice: byte-identical SVG, PDF and PNG. */
static void deterministic_outputs(void **state) {
  (void)state;
  im_map *map = NULL;
  im_error err;
  assert_ok(im_map_load(src_path("styles/pacific.yaml"), &map, &err), &err);
  const char *exts[] = {"svg", "pdf", "png"};
  for (int i = 0; i < 3; i++) {
    char a[64], b[64];
    snprintf(a, sizeof a, "det-a.%s", exts[i]);
    snprintf(b, sizeof b, "det-b.%s", exts[i]);
    char pa[4096], pb[4096];
    snprintf(pa, sizeof pa, "%s", scratch_path(a));
    snprintf(pb, sizeof pb, "%s", scratch_path(b));
    render_ok(map, pa);
    render_ok(map, pb);
    if (!files_equal(pa, pb))
      fail_msg("%s differs between two renders", exts[i]);
  }
  im_map_free(map);
}

/* A failed render leaves an existing output as it was, and no temporary
 * file beside it. */
static void failed_render_keeps_output(void **state) {
  (void)state;
  const char *dir = scratch_path("keep");
  char cmd[4200];
  snprintf(cmd, sizeof cmd,
           "rm -rf '%s' && mkdir -p '%s' && cp %s/shapes/ne_50m_admin_0_countries.* '%s'/ && "
           "truncate -s 300000 '%s'/ne_50m_admin_0_countries.shp",
           dir, dir, IM_SOURCE_DIR, dir, dir);
  assert_int_equal(system(cmd), 0);
  char yaml[8192];
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: \"ESRI:54030\"\nlayers:\n  - source: %s/ne_50m_admin_0_countries.shp\n    fill: red\n", dir);
  im_map *map = load_spec_text("keep.yaml", yaml);
  char out[4200];
  snprintf(out, sizeof out, "%s/map.pdf", dir);
  assert_true(write_file(out, "previous", 8));
  im_error err;
  im_error_clear(&err);
  assert_int_equal(im_map_render(map, out, NULL, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.file, "ne_50m_admin_0_countries.shp"));
  size_t n;
  char *kept = read_file(out, &n);
  assert_true(kept && n == 8 && memcmp(kept, "previous", 8) == 0);
  free(kept);
  snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q '\\.tmp$'", dir);
  assert_int_not_equal(system(cmd), 0);
  im_map_free(map);
}

/* Three events on a small page whose labels cannot all fit. */
static im_map *crowded(const char *name, const char *label_extra) {
  const char *csv = scratch_path("crowded.csv");
  const char *data = "lon,lat,name,rank\n"
                     "-66.9,10.5,The first event in Caracas and its very long name,3\n"
                     "-66.8,10.6,The second event in Caracas and its very long name,2\n"
                     "-66.7,10.4,The third event in Caracas and its very long name,1\n";
  assert_true(write_file(csv, data, strlen(data)));
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n"
           "  page: {width: 40mm, height: 30mm, dpi: 100}\n"
           "  crs: \"EPSG:4326\"\n"
           "  extent: {west: -68, east: -65.5, south: 9.5, north: 11.5}\n"
           "layers:\n"
           "  - id: events\n"
           "    source: %s\n"
           "    marker: {symbol: circle, size: 4pt}\n"
           "    label: {text: \"{name}\", font: \"Noto Sans 7\"%s}\n",
           csv, label_extra);
  return load_spec_text(name, yaml);
}

/* Labels that do not fit: counted; with strict, the render fails and
 * writes nothing; a required label that fits nowhere fails naming it;
 * a priority may be a number or a field, and nothing else. */
static void labels_that_do_not_fit(void **state) {
  (void)state;
  im_error err;
  im_error_clear(&err);
  const char *out = scratch_path("crowded.png");
  remove(out);
  im_map *map = crowded("crowded.yaml", ", priority: rank");
  im_render_stats stats = {0};
  im_render_options opt = {.stats = &stats};
  assert_ok(im_map_render(map, out, &opt, &err), &err);
  assert_true(stats.labels_dropped >= 1);
  assert_int_equal(stats.labels_placed + stats.labels_dropped, 3);
  remove(out);
  opt.strict = true;
  assert_int_equal(im_map_render(map, out, &opt, &err), IM_STATUS_INPUT);
  if (!strstr(err.message, "labels not placed") || !strstr(err.message, "strict"))
    fail_msg("%s", err.message);
  FILE *f = fopen(out, "rb");
  assert_null(f);
  im_map_free(map);

  map = crowded("required.yaml", ", required: true");
  im_error_clear(&err);
  assert_int_equal(im_map_render(map, out, NULL, &err), IM_STATUS_INPUT);
  if (!strstr(err.message, "required label \"The ") || !strstr(err.message, "(layer events)"))
    fail_msg("%s", err.message);
  assert_null(fopen(out, "rb"));
  im_map_free(map);

  /* A fixed priority: a number is not a field name. */
  map = crowded("fixed.yaml", ", priority: 10");
  assert_ok(im_map_check(map, &err), &err);
  im_map_free(map);
  map = crowded("nofield.yaml", ", priority: rnak");
  assert_int_equal(im_map_check(map, &err), IM_STATUS_INPUT);
  if (!strstr(err.message, "rnak") || !strstr(err.message, "did you mean 'rank'"))
    fail_msg("%s", err.message);
  im_map_free(map);
}

/* Page sizes past the 32767-pixel limit are refused, however large: a
 * width of 2^32 + 100 px used to wrap to 100 px and render, 1e308 mm to
 * "0 pixels". Nothing is written. */
static void page_size_overflow(void **state) {
  (void)state;
  static const char *const pages[] = {"{width: 4294967396px, height: 300px}", "{width: 1e308mm, height: 100mm}",
                                      "{width: 100mm, height: 40000px}"};
  const char *out = scratch_path("huge.png");
  for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "map:\n  crs: EPSG:4326\n  page: %s\nlayers:\n  - {source: %s}\n", pages[i],
             src_path("shapes/ne_50m_admin_0_countries.shp"));
    im_map *map = load_spec_text("huge.yaml", yaml);
    im_error err;
    im_error_clear(&err);
    remove(out);
    assert_int_equal(im_map_render(map, out, NULL, &err), IM_STATUS_INPUT);
    if (!strstr(err.message, "each side must be 1 to 32767"))
      fail_msg("%s: %s", pages[i], err.message);
    assert_null(fopen(out, "rb"));
    im_map_free(map);
  }
  /* And as an override, --size 4294967396x100px. */
  char yaml[1024];
  snprintf(yaml, sizeof yaml, "map: {crs: EPSG:4326}\nlayers:\n  - {source: %s}\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"));
  im_map *map = load_spec_text("small.yaml", yaml);
  im_render_options opt = {
      .has_size = true, .width = {4294967396.0, IM_UNIT_PX}, .height = {100, IM_UNIT_PX}, .format = IM_FORMAT_SVG};
  im_error err;
  im_error_clear(&err);
  assert_int_equal(im_map_render(map, scratch_path("huge.svg"), &opt, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "each side must be 1 to 32767"));
  im_map_free(map);
}

/* The same on real borders: Natural Earth's 1:10m countries of the
 * Americas, filled without outlines on a magenta page, at 72 and 300 dpi.
 * Where the countries' boundary lines run (a second render of them,
 * stroked 3 px wide, tells where), every pixel away from the sea (none of
 * its 8 neighbours mostly magenta) is wholly the fill. Thinned and
 * simplified feature by feature, neighbours' borders parted by a sliver:
 * 983 of the 5,022 border pixels at 72 dpi showed the page. */
static void no_seams_between_countries(void **state) {
  (void)state;
  static const int dpis[] = {72, 300};
  for (size_t k = 0; k < 2; k++) {
    char yaml[2048], name[64];
    const char *frame = "  page: {width: 120mm, height: 120mm, dpi: %d}\n"
                        "  crs: \"+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs\"\n"
                        "  extent: {west: -85, east: -55, south: -30, north: 5}\n";
    char head[512];
    snprintf(head, sizeof head, frame, dpis[k]);
    snprintf(yaml, sizeof yaml,
             "map:\n%s  background: \"#ff00ff\"\nlayers:\n  - {id: c, source: %s, fill: \"#f2efe9\"}\n", head,
             src_path("shapes/ne_10m_admin_0_countries_americas.shp"));
    snprintf(name, sizeof name, "fill-%d", dpis[k]);
    char spec[80], png[80];
    snprintf(spec, sizeof spec, "%s.yaml", name);
    snprintf(png, sizeof png, "%s.png", name);
    im_map *fill = load_spec_text(spec, yaml);
    char fill_png[1024];
    snprintf(fill_png, sizeof fill_png, "%s", scratch_path(png));
    render_ok(fill, fill_png);
    snprintf(yaml, sizeof yaml,
             "map:\n%s  background: \"#ffffff\"\nlayers:\n  - {id: b, source: %s, stroke: {color: \"#000000\", "
             "width: 3px}}\n",
             head, src_path("shapes/ne_10m_admin_0_boundary_lines_americas.shp"));
    snprintf(name, sizeof name, "borders-%d", dpis[k]);
    snprintf(spec, sizeof spec, "%s.yaml", name);
    snprintf(png, sizeof png, "%s.png", name);
    im_map *borders = load_spec_text(spec, yaml);
    char border_png[1024];
    snprintf(border_png, sizeof border_png, "%s", scratch_path(png));
    render_ok(borders, border_png);
    test_image a, b;
    assert_true(image_load(fill_png, &a) && image_load(border_png, &b));
    assert_int_equal(a.width, b.width);
    assert_int_equal(a.height, b.height);
    size_t on_borders = 0, seams = 0;
    /* Away from the page's edge, where the fill is cut. */
    for (int y = 3; y < a.height - 3; y++)
      for (int x = 3; x < a.width - 3; x++) {
        if (!pixel_near(image_pixel(&b, x, y), 0x000000, 128))
          continue;
        bool sea = false;
        for (int dy = -1; dy <= 1 && !sea; dy++)
          for (int dx = -1; dx <= 1 && !sea; dx++)
            sea = ((image_pixel(&a, x + dx, y + dy) >> 8) & 0xff) < 120; /* green: 239 land, 0 magenta */
        if (sea)
          continue;
        on_borders++;
        if (!pixel_near(image_pixel(&a, x, y), 0xf2efe9, 2)) {
          seams++;
          print_message("  seam at %d,%d: %06x\n", x, y, image_pixel(&a, x, y) & 0xffffff);
        }
      }
    print_message("%d dpi: %zu pixels on inland borders, %zu show the page\n", dpis[k], on_borders, seams);
    assert_true(on_borders > 1000);
    assert_int_equal(seams, 0);
    image_free(&a);
    image_free(&b);
    im_map_free(fill);
    im_map_free(borders);
  }
}

/* Natural Earth cuts Antarctica at 180 degrees and runs its ring down that
 * meridian to the pole and along it: stroked on a south polar map, that cut
 * drew a line from the Ross Sea to the pole. The 180th meridian at 85-88
 * degrees south is inland ice, filled and not stroked. */
static void no_dateline_seam_on_polar_map(void **state) {
  (void)state;
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 400px, height: 400px, dpi: 72}\n"
           "  crs: \"+proj=stere +lat_0=-90 +lat_ts=-71 +lon_0=0 +datum=WGS84\"\n"
           "  extent: {west: -180, east: 180, south: -90, north: -60}\n  background: \"#ffffff\"\n"
           "layers:\n  - {id: c, source: %s, fill: \"#00ff00\", stroke: {color: \"#ff0000\", width: 2px}}\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"));
  im_map *map = load_spec_text("polar-seam.yaml", yaml);
  const char *png = scratch_path("polar-seam.png");
  render_ok(map, png);
  test_image img;
  assert_true(image_load(png, &img));
  map_projector p;
  map_projector_init(&p, map);
  int red = 0, green = 0;
  for (double lat = -88; lat <= -85; lat += 0.5) {
    uint32_t px = map_projector_sample(&p, &img, 180, lat);
    red += pixel_near(px, 0xff0000, 90);
    green += pixel_near(px, 0x00ff00, 40);
  }
  print_message("along 180 degrees, 85-88 S: %d red, %d green of 7\n", red, green);
  assert_int_equal(red, 0);
  assert_int_equal(green, 7);
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* ---- a layer of very many markers ---- */

/* A CSV of a 160 x 128 grid of points, 0.05° apart from 0°E 0°N: 20,480,
 * past the count from which a layer's markers are batched (draw.c), or the
 * first n of them. */
static const char *write_grid_points(const char *name, size_t n) {
  size_t cap = 32 + n * 24, len = 0;
  char *csv = malloc(cap);
  assert_non_null(csv);
  len += (size_t)snprintf(csv, cap, "lon,lat\n");
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(csv + len, cap - len, "%.3f,%.3f\n", 0.025 + 0.05 * (double)(i % 160),
                            0.025 + 0.05 * (double)(i / 160));
  const char *path = scratch_path(name);
  assert_true(write_file(path, csv, len));
  free(csv);
  return path;
}

/* A map of the points of source drawn in marker_style (YAML lines). */
static im_map *markers_map(const char *name, const char *source, const char *marker_style) {
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 200mm, height: 160mm, dpi: 150}\n  crs: \"+proj=longlat +datum=WGS84\"\n"
           "  extent: {west: 0, east: 8, south: 0, north: 6.4}\n  background: \"#dbe9f4\"\n"
           "layers:\n  - id: points\n    source: %s\n%s",
           source, marker_style);
  return load_spec_text(name, yaml);
}

static bool stream_write(void *user, const unsigned char *data, size_t length) {
  return fwrite(data, 1, length, user) == length;
}

/* The paths of a map's SVG. */
static size_t svg_paths(const im_map *map) {
  char *svg = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&svg, &len);
  assert_non_null(f);
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render_to_stream(map, IM_FORMAT_SVG, stream_write, f, NULL, &err), &err);
  fclose(f);
  size_t n = 0;
  for (const char *p = svg; (p = strstr(p, "<path")); p++)
    n++;
  free(svg);
  return n;
}

/* Markers of one opaque colour in a layer of 20,480 points share paths of
 * 1,024: a Cairo recording (every page, PNG, SVG or PDF) holds ~800 bytes
 * a fill, and a million points one by one took 1.6 GB for a PNG (bench/
 * memory.md). Outlined or translucent ones cannot (each covers the ones
 * before): in a PDF they are one shape used at each point
 * (many_markers_stamped). A layer of a few thousand keeps a path a marker:
 * the map set's maps are drawn as before. The batched markers are still
 * where their points are, with the background between. */
#define DOT "    marker: {symbol: circle, size: 2pt}\n"
static void many_markers_share_paths(void **state) {
  (void)state;
  enum { N = 160 * 128 };
  const char *all = write_grid_points("grid-all.csv", N), *few = write_grid_points("grid-few.csv", 2000);
  im_map *filled = markers_map("grid-filled.yaml", all, DOT "    fill: \"#c0392b\"\n");
  size_t n = svg_paths(filled);
  print_message("%d filled markers: %zu paths\n", N, n);
  assert_true(n >= N / 1024 && n <= N / 1024 + 10);
  im_map *small = markers_map("grid-few.yaml", few, DOT "    fill: \"#c0392b\"\n");
  assert_true(svg_paths(small) >= 2000);

  const char *out = scratch_path("grid-filled.png");
  render_ok(filled, out);
  test_image img;
  assert_true(image_load(out, &img));
  map_projector p;
  map_projector_init(&p, filled);
  for (int i = 0; i < N; i += 997) {
    double lon = 0.025 + 0.05 * (i % 160), lat = 0.025 + 0.05 * (i / 160);
    assert_true(pixel_near(map_projector_sample(&p, &img, lon, lat), 0xc0392b, 2));
    assert_true(pixel_near(map_projector_sample(&p, &img, lon + 0.025, lat + 0.025), SEA, 2));
  }
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(filled);
  im_map_free(small);
}

/* Outlined markers of a layer of 20,480 share paths as filled ones do,
 * each batch filled, then outlined (1.5 M outlined took 2.8 GB of an SVG's
 * recording, one path a marker). Translucent ones, in a PDF, are drawn
 * once into a recording and painted at each point (a form XObject), where
 * a fill took ~800 bytes of the page's recording a marker. Each still
 * covers the ones before, and pdftoppm finds each where its point is. An
 * SVG keeps a path a translucent marker (Cairo 1.16 leaks what a stamp
 * would need there). */
static void many_markers_stamped(void **state) {
  (void)state;
  enum { N = 160 * 128 };
  const char *all = write_grid_points("grid-all.csv", N);
  /* Larger than DOT, so the outline shows round a fill at this dpi. */
  im_map *outlined = markers_map("grid-outlined.yaml", all,
                                 "    marker: {symbol: circle, size: 3pt}\n    fill: \"#c0392b\"\n"
                                 "    stroke: {color: \"#ffffff\", width: 0.6pt}\n");
  im_map *translucent = markers_map("grid-translucent.yaml", all, DOT "    fill: \"#c0392b80\"\n");
  size_t outlined_paths = svg_paths(outlined);
  assert_true(outlined_paths >= N / 1024 && outlined_paths <= 2 * (N / 1024) + 10);
  assert_true(svg_paths(translucent) >= N);
  /* The outlines are there: white round each marker of the PNG. */
  const char *png = scratch_path("grid-outlined.png");
  render_ok(outlined, png);
  test_image op;
  assert_true(image_load(png, &op));
  map_projector pp;
  map_projector_init(&pp, outlined);
  size_t white = 0;
  for (int i = 0; i < N; i += 997) {
    double lon = 0.025 + 0.05 * (i % 160), lat = 0.025 + 0.05 * (i / 160);
    if (i % 160 == 0 || i / 160 == 0) /* a mark the frame would cut is not drawn */
      continue;
    uint32_t c = map_projector_sample(&pp, &op, lon, lat);
    if (!pixel_near(c, 0xc0392b, 8))
      fail_msg("marker %d: %06x", i, (unsigned)(c & 0xffffff));
    for (double d = 0.008; d < 0.025; d += 0.001)
      if (pixel_near(map_projector_sample(&pp, &op, lon + d, lat), 0xffffff, 20)) { /* the sea is 36 off */
        white++;
        break;
      }
  }
  assert_true(white >= 15); /* of 20 markers sampled */
  map_projector_fini(&pp);
  image_free(&op);
  const char *pdf = scratch_path("grid-translucent.pdf");
  render_ok(translucent, pdf);
  size_t len = 0;
  char *bytes = read_file(pdf, &len);
  assert_non_null(memmem(bytes, len, "/Subtype /Form", 14));
  free(bytes);
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "pdftoppm -r 150 -singlefile -png '%s' '%s' 2>&1", pdf,
           scratch_path("grid-translucent-pdf"));
  free(run_capture(cmd));
  test_image img;
  assert_true(image_load(scratch_path("grid-translucent-pdf.png"), &img));
  map_projector p;
  map_projector_init(&p, translucent);
  for (int i = 0; i < N; i += 997) {
    double lon = 0.025 + 0.05 * (i % 160), lat = 0.025 + 0.05 * (i / 160);
    /* #c0392b at half over the sea */
    assert_false(pixel_near(map_projector_sample(&p, &img, lon, lat), SEA, 8));
    assert_true(pixel_near(map_projector_sample(&p, &img, lon + 0.025, lat + 0.025), SEA, 8));
  }
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(outlined);
  im_map_free(translucent);
}

/* A GeoJSON of 200 points and, when pad_mib, that many MiB of blanks
 * before its end: a source as big as a million points, drawing 200. */
static const char *write_padded_points(const char *name, int pad_mib) {
  const char *path = scratch_path(name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("{\"type\":\"FeatureCollection\",\"features\":[", f);
  for (int i = 0; i < 200; i++)
    fprintf(f,
            "%s{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.2f,%.2f]}}",
            i ? "," : "", 0.2 + 0.4 * (i % 20), 0.2 + 0.6 * (i / 20));
  static char blanks[1 << 20];
  memset(blanks, ' ', sizeof blanks);
  for (int i = 0; i < pad_mib; i++)
    assert_int_equal(fwrite(blanks, 1, sizeof blanks, f), sizeof blanks);
  fputs("]}\n", f);
  assert_int_equal(fclose(f), 0);
  return path;
}

/* A PNG page whose sources outweigh its image (past 64 MiB) is drawn on one
 * image, not recorded: recordings grow with what is drawn (~800 bytes an
 * outlined marker's fill, as much its outline, in each of two), and a
 * million points took 3.9 GB (bench/memory.md). Drawn either way, a map
 * without text has the same pixels, byte for byte. */
static void big_sources_draw_on_one_image(void **state) {
  (void)state;
  const char *style = "    marker: {symbol: circle, size: 4pt}\n    fill: \"#c0392b\"\n"
                      "    stroke: {color: \"#ffffff\", width: 0.5pt}\n";
  im_map *small = markers_map("padded-small.yaml", write_padded_points("points-small.geojson", 0), style);
  const char *padded = write_padded_points("points-big.geojson", 65);
  im_map *big = markers_map("padded-big.yaml", padded, style);
  im_error err;
  im_error_clear(&err);
  im_frame frame;
  assert_ok(im_map_frame(big, NULL, &frame, &err), &err);
  assert_true(im_page_png_direct(big, &frame));
  assert_false(im_page_png_direct(small, &frame));
  /* A page of more than a quarter of the sources (71 MB at 600 dpi) stays
   * recorded. */
  im_render_options poster = {.dpi = 600};
  assert_ok(im_map_frame(big, &poster, &frame, &err), &err);
  assert_false(im_page_png_direct(big, &frame));

  const char *a = scratch_path("padded-small.png"), *b = scratch_path("padded-big.png");
  render_ok(small, a);
  render_ok(big, b);
  assert_true(files_equal(a, b));
  test_image img;
  assert_true(image_load(b, &img));
  map_projector p;
  map_projector_init(&p, big);
  assert_true(pixel_near(map_projector_sample(&p, &img, 0.2 + 0.4 * 7, 0.2 + 0.6 * 3), 0xc0392b, 2));
  assert_true(pixel_near(map_projector_sample(&p, &img, 0.4 + 0.4 * 7, 0.5 + 0.6 * 3), SEA, 2));
  map_projector_fini(&p);
  image_free(&img);
  im_map_free(small);
  im_map_free(big);
  remove(padded);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(lima_land_pacific_sea),      cmocka_unit_test(frame_covers_extent),
      cmocka_unit_test(world_robinson_no_streaks),  cmocka_unit_test(pacific_no_streaks),
      cmocka_unit_test(formats_and_sizes),          cmocka_unit_test(deterministic_outputs),
      cmocka_unit_test(failed_render_keeps_output), cmocka_unit_test(labels_that_do_not_fit),
      cmocka_unit_test(page_size_overflow),         cmocka_unit_test(no_seams_between_polygons),
      cmocka_unit_test(no_seams_between_countries), cmocka_unit_test(no_dateline_seam_on_polar_map),
      cmocka_unit_test(many_markers_share_paths),   cmocka_unit_test(big_sources_draw_on_one_image),
      cmocka_unit_test(many_markers_stamped)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
