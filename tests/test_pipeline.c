/* The geometry pipeline's sharing and its ceilings: a feature projected
 * once for its fill and its outline (the outline cut apart only where a
 * ring crosses the map's antimeridian); the projected-geometry cache gives
 * the bytes a fresh process gives, is reused by a second map in the same
 * CRS, stays in its budget and holds under two threads; projecting on two
 * cores gives the same bytes as on one; the per-thread CRS cache; the
 * densify vertex ceiling; `influmap render --timings`. */
#include "support.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/layer-cache-private.h"
#include "geo/crs-private.h"
#include "influmap/limits.h"
#include "geo/project-private.h"

static im_status render_spec(const char *spec, const char *out, im_error *err) {
  im_map *map = NULL;
  im_error_clear(err);
  im_status st = im_map_load(spec, &map, err);
  if (!st)
    st = im_map_render(map, out, NULL, err);
  im_map_free(map);
  return st;
}

static void render_ok(const char *spec, const char *out) {
  im_error err;
  assert_ok(render_spec(spec, out, &err), &err);
}

/* A fresh process's render of spec to out. */
static void render_cli(const char *spec, const char *out) {
  char cmd[16384];
  int n = snprintf(cmd, sizeof cmd, "'%s' render '%s' -o '%s' 2>/dev/null", IM_CLI, spec, out);
  assert_true(n > 0 && (size_t)n < sizeof cmd);
  assert_int_equal(system(cmd), 0);
}

static void assert_same_file(const char *a, const char *b) {
  if (!files_equal(a, b)) {
    print_error("%s and %s differ\n", a, b);
    fail();
  }
}

/* A spec of map and layers (YAML lines, each "  - {...}\n") written to
 * scratch; its path is scratch_path's buffer, which the next call reuses. */
static const char *write_map_spec(const char *name, const char *page, const char *crs, const char *extent,
                                  const char *layers) {
  char yaml[4096];
  int n = snprintf(yaml, sizeof yaml,
                   "map:\n"
                   "  page: %s\n"
                   "  crs: \"%s\"\n"
                   "  extent: %s\n"
                   "  background: \"#dbe9f4\"\n"
                   "layers:\n%s",
                   page, crs, extent, layers);
  assert_true(n > 0 && (size_t)n < sizeof yaml);
  const char *path = scratch_path(name);
  assert_true(write_file(path, yaml, strlen(yaml)));
  return path;
}

/* A map of the Andes: countries filled and stroked, their borders drawn
 * again from the same source, lakes. */
static const char *write_spec_page(const char *name, const char *page, const char *crs, const char *extent) {
  char layers[2048];
  snprintf(layers, sizeof layers,
           "  - {id: countries, source: %s, fill: \"#f2efe9\", stroke: {color: \"#555555\", width: 0.4pt}}\n"
           "  - {id: borders, source: %s, stroke: {color: \"#aa3333\", width: 0.2pt}}\n"
           "  - {id: lakes, source: %s, fill: \"#9fbcd6\"}\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"), src_path("shapes/ne_50m_admin_0_countries.shp"),
           src_path("shapes/ne_10m_lakes_americas.shp"));
  return write_map_spec(name, page, crs, extent, layers);
}

static const char *write_spec(const char *name, const char *crs, const char *extent) {
  return write_spec_page(name, "{width: 90mm, height: 70mm, dpi: 100}", crs, extent);
}

#define LAEA "+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs"
#define PERU "{west: -82, east: -68, south: -19, north: 0}"

/* ---- the projected-geometry cache ---- */

/* Maps rendered one after another with the cache on (as a batch does)
 * give the bytes of maps rendered each by a fresh process; the second map
 * of the same region in the same CRS and at the same scale (another page,
 * so another frame) projects nothing; a map of another region reuses what
 * the two share; another CRS reuses nothing. */
static void test_cache_same_bytes_and_reused(void **state) {
  (void)state;
  char specs[5][4096];
  snprintf(specs[0], sizeof specs[0], "%s", write_spec("peru.yaml", LAEA, PERU));
  snprintf(specs[1], sizeof specs[1], "%s",
           write_spec_page("peru-narrow.yaml", "{width: 80mm, height: 70mm, dpi: 100}", LAEA, PERU));
  snprintf(specs[2], sizeof specs[2], "%s",
           write_spec("chile.yaml", LAEA, "{west: -76, east: -66, south: -56, north: -17}"));
  snprintf(specs[3], sizeof specs[3], "%s",
           write_spec("robinson.yaml", "ESRI:54030", "{west: -100, east: -30, south: -60, north: 20}"));
  snprintf(specs[4], sizeof specs[4], "%s", specs[0]);
  const char *formats[] = {"png", "svg"};
  for (int k = 0; k < 2; k++) {
    char out[5][64], ref[5][64];
    for (int i = 0; i < 5; i++) {
      snprintf(out[i], sizeof out[i], "cached-%d.%s", i, formats[k]);
      snprintf(ref[i], sizeof ref[i], "fresh-%d.%s", i < 4 ? i : 0, formats[k]);
    }
    /* Fresh processes, no cache shared between maps. */
    for (int i = 0; i < 4; i++)
      render_cli(specs[i], scratch_path(ref[i]));
    im_layer_cache_begin();
    im_proj_cache_stats s[6];
    s[0] = im_proj_cache_get_stats();
    for (int i = 0; i < 5; i++) {
      render_ok(specs[i], scratch_path(out[i]));
      s[i + 1] = im_proj_cache_get_stats();
    }
    im_layer_cache_end();
    size_t hits[5], misses[5];
    for (int i = 0; i < 5; i++) {
      hits[i] = s[i + 1].hits - s[i].hits;
      misses[i] = s[i + 1].misses - s[i].misses;
    }
    /* The first map projects its 15 countries and 8 lakes; its borders
     * layer reuses the countries. */
    assert_true(misses[0] >= 20);
    assert_int_equal(s[1].entries, misses[0]);
    assert_true(hits[0] >= 10 && hits[0] < misses[0]);
    /* The same region on another page: all from the cache. */
    assert_int_equal(misses[1], 0);
    assert_true(hits[1] >= misses[0]);
    /* Chile: its neighbours come from the cache, its lakes do not. */
    assert_true(hits[2] > 0 && misses[2] > 0);
    /* Robinson: nothing of LAEA fits; its own borders reuse its countries. */
    assert_true(misses[3] >= 20);
    assert_int_equal(s[4].entries, s[3].entries + misses[3]);
    /* The first map again: nothing new. */
    assert_int_equal(misses[4], 0);
    assert_int_equal(im_proj_cache_get_stats().entries, 0);
    for (int i = 0; i < 5; i++)
      assert_same_file(scratch_path(out[i]), scratch_path(ref[i]));
  }
}

/* A budget far too small for the layers: entries are evicted, the cache
 * stays within it, and the maps are the same. */
static void test_cache_budget(void **state) {
  (void)state;
  const char *a = write_spec("budget-peru.yaml", LAEA, PERU);
  char ref[4096];
  snprintf(ref, sizeof ref, "%s", scratch_path("budget-fresh.png"));
  render_cli(a, ref);
  im_proj_cache_set_budget(64 * 1024);
  im_layer_cache_begin();
  for (int i = 0; i < 2; i++) {
    render_ok(a, scratch_path("budget.png"));
    im_proj_cache_stats s = im_proj_cache_get_stats();
    assert_true(s.bytes <= 64 * 1024);
    assert_true(s.evicted > 0);
    assert_same_file(scratch_path("budget.png"), ref);
  }
  im_layer_cache_end();
  /* Off: nothing cached, the same map. */
  im_proj_cache_set_budget(0);
  im_layer_cache_begin();
  render_ok(a, scratch_path("budget-off.png"));
  assert_int_equal(im_proj_cache_get_stats().entries, 0);
  im_layer_cache_end();
  im_proj_cache_set_budget(SIZE_MAX);
  assert_same_file(scratch_path("budget-off.png"), ref);
}

/* Two threads render maps in one CRS at once through the shared cache;
 * every output equals the single-threaded reference. (Paths are made
 * before: scratch_path's buffers are not for threads.) */
typedef struct {
  const char *spec[2];
  char out[6][4096];
  bool ok;
} thread_job;

static void *render_thread(void *arg) {
  thread_job *j = arg;
  j->ok = true;
  for (int i = 0; i < 6; i++) {
    im_error err;
    if (render_spec(j->spec[i % 2], j->out[i], &err))
      j->ok = false;
  }
  return NULL;
}

static void test_cache_threads(void **state) {
  (void)state;
  char a[4096], b[4096], ra[4096], rb[4096];
  snprintf(a, sizeof a, "%s", write_spec("th-peru.yaml", LAEA, PERU));
  snprintf(b, sizeof b, "%s", write_spec("th-chile.yaml", LAEA, "{west: -76, east: -66, south: -56, north: -17}"));
  snprintf(ra, sizeof ra, "%s", scratch_path("th-ref-a.png"));
  snprintf(rb, sizeof rb, "%s", scratch_path("th-ref-b.png"));
  render_cli(a, ra);
  render_cli(b, rb);
  static thread_job jobs[2];
  for (int th = 0; th < 2; th++) {
    jobs[th].spec[0] = th ? b : a;
    jobs[th].spec[1] = th ? a : b;
    for (int i = 0; i < 6; i++)
      snprintf(jobs[th].out[i], sizeof jobs[th].out[i], "%s/thread-%d-%d.png", IM_SCRATCH_DIR, th, i);
  }
  im_layer_cache_begin();
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, render_thread, &jobs[1]), 0);
  render_thread(&jobs[0]);
  pthread_join(t, NULL);
  im_layer_cache_end();
  assert_true(jobs[0].ok && jobs[1].ok);
  for (int th = 0; th < 2; th++)
    for (int i = 0; i < 6; i++)
      assert_same_file(jobs[th].out[i], (i + th) % 2 ? rb : ra);
}

/* ---- the prefetcher ---- */

/* Maps of the default set drawn with the projecting shared by two cores
 * (forced on for every layer, however small) and by one: the same bytes.
 * The set has antimeridian cuts (pacific), geodesic routes with their
 * lengths as labels (cable-pacific), a source drawn twice (latam-overview)
 * and many small layers (influence-latam). With the cache on too. */
static void test_prefetch_same_bytes(void **state) {
  (void)state;
  const char *specs[] = {"styles/latam-overview.yaml", "styles/pacific.yaml", "styles/cable-pacific.yaml",
                         "styles/influence-latam.yaml"};
  const char *formats[] = {"png", "svg"};
  im_render_options opt = {.dpi = 100};
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
    for (int k = 0; k < 2; k++)
      for (int cached = 0; cached < 2; cached++) {
        /* Translucent markers in an SVG: cairo 1.16 leaks a snapshot
         * (test_print meets it too); the PNG covers that map. */
        if (k == 1 && strstr(specs[i], "influence"))
          continue;
        im_map *map = NULL;
        im_error err;
        assert_ok(im_map_load(src_path(specs[i]), &map, &err), &err);
        char one[64], two[64];
        snprintf(one, sizeof one, "prefetch-off-%zu.%s", i, formats[k]);
        snprintf(two, sizeof two, "prefetch-on-%zu.%s", i, formats[k]);
        if (cached)
          im_layer_cache_begin();
        im_prefetch_set_mode(0);
        assert_ok(im_map_render(map, scratch_path(one), &opt, &err), &err);
        im_prefetch_set_mode(1);
        assert_ok(im_map_render(map, scratch_path(two), &opt, &err), &err);
        im_prefetch_set_mode(-1);
        if (cached)
          im_layer_cache_end();
        im_map_free(map);
        assert_same_file(scratch_path(one), scratch_path(two));
      }
}

/* ---- the outline of a polygon across the antimeridian ---- */

/* A box from 160°E to 160°W on a map centred on 0°: its fill reaches both
 * edges of the map; its outline (cut as a line) must not run along them.
 * A bug that reused the fill's rings for the outline strokes the edges. */
static void test_outline_cut_apart(void **state) {
  (void)state;
  const char *geojson =
      "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {\"name\": \"box\"},"
      " \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[160, -20], [-160, -20], [-160, 20],"
      " [160, 20], [160, -20]]]}}]}";
  const char *src = scratch_path("dateline-box.geojson");
  assert_true(write_file(src, geojson, strlen(geojson)));
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n"
           "  page: {width: 720px, height: 360px, dpi: 72}\n"
           "  crs: EPSG:4326\n"
           "  extent: {west: -180, east: 180, south: -90, north: 90}\n"
           "  background: \"#ffffff\"\n"
           "layers:\n"
           "  - {id: box, source: %s, fill: \"#ff0000\", stroke: {color: \"#0000ff\", width: 6pt}}\n"
           "  - {id: again, source: %s, stroke: {color: \"#0000ff\", width: 6pt}}\n",
           src, src);
  char spec[4096];
  snprintf(spec, sizeof spec, "%s", scratch_path("dateline.yaml"));
  assert_true(write_file(spec, yaml, strlen(yaml)));
  for (int cached = 0; cached < 2; cached++) {
    if (cached)
      im_layer_cache_begin();
    render_ok(spec, scratch_path("dateline.png"));
    if (cached)
      im_layer_cache_end();
    test_image img;
    assert_true(image_load(scratch_path("dateline.png"), &img));
    assert_int_equal(img.width, 720);
    /* 2 px a degree: the box's middle latitude at both edges is fill, not
     * stroke; its top edge (20°N, at row 140) is stroke. */
    assert_true(pixel_near(image_pixel(&img, 1, 180), 0xff0000, 8));
    assert_true(pixel_near(image_pixel(&img, 718, 180), 0xff0000, 8));
    assert_true(pixel_near(image_pixel(&img, 10, 140), 0x0000ff, 8));
    assert_true(pixel_near(image_pixel(&img, 710, 140), 0x0000ff, 8));
    /* The middle of the map is empty. */
    assert_true(pixel_near(image_pixel(&img, 360, 180), 0xffffff, 8));
    image_free(&img);
  }
}

/* ---- the CRS cache ---- */

static void test_crs_cache(void **state) {
  (void)state;
  im_error err;
  size_t h0, m0, h1, m1;
  im_geo_cache_stats(&h0, &m0);
  im_geo_ctx *ctx = im_geo_ctx_create();
  assert_non_null(ctx);
  const char *def = "+proj=laea +lat_0=-15 +lon_0=-71.5 +datum=WGS84 +units=m +no_defs";
  im_crs *map = NULL, *geog = NULL, *map2 = NULL, *geog2 = NULL;
  im_transform *t = NULL, *t2 = NULL;
  assert_ok(im_crs_create(ctx, def, NULL, 0, 0, &map, &err), &err);
  assert_ok(im_crs_geographic(ctx, map, &geog, &err), &err);
  assert_ok(im_transform_create(ctx, geog, map, &t, &err), &err);
  im_geo_cache_stats(&h1, &m1);
  assert_int_equal(m1 - m0, 2);
  /* A second context in the same thread is the same one: the same
   * objects, no parsing, no proj.db. */
  im_geo_ctx *ctx2 = im_geo_ctx_create();
  assert_ptr_equal(ctx2, ctx);
  assert_ok(im_crs_create(ctx2, def, NULL, 0, 0, &map2, &err), &err);
  assert_ok(im_crs_geographic(ctx2, map2, &geog2, &err), &err);
  assert_ok(im_transform_create(ctx2, geog2, map2, &t2, &err), &err);
  im_geo_cache_stats(&h0, &m0);
  assert_int_equal(m0, m1);
  assert_int_equal(h0 - h1, 2);
  assert_ptr_equal(map2, map);
  assert_ptr_equal(t2, t);
  assert_true(fabs(im_crs_central_meridian(map2) + 71.5) < 1e-9);
  /* Shared objects outlive one holder. */
  im_transform_free(t);
  im_crs_free(geog);
  im_crs_free(map);
  double xy[2] = {-71.5, -15};
  assert_int_equal(im_transform_array(t2, xy, 1, false), 0);
  assert_true(fabs(xy[0]) < 1e-6 && fabs(xy[1]) < 1e-6);
  im_transform_free(t2);
  im_crs_free(geog2);
  im_crs_free(map2);
  /* Errors are not cached, and an earlier one does not change the next
   * message. */
  for (int i = 0; i < 2; i++) {
    im_crs *bad = NULL;
    assert_int_equal(im_crs_create(ctx, "EPSG:999999", "x.yaml", 3, 7, &bad, &err), IM_STATUS_INPUT);
    assert_null(bad);
    assert_non_null(strstr(err.message, "unknown CRS 'EPSG:999999'"));
    assert_int_equal(err.line, 3);
  }
  im_geo_ctx_free(ctx2);
  im_geo_ctx_free(ctx);
}

/* ---- the densify ceiling ---- */

/* 200,000 vertices zigzagging across South America and the Pacific: 5 MB
 * of GeoJSON that densified at 0.5° would be about 10^8 vertices (several
 * GB and minutes of projecting). It fails at once, naming the layer and
 * the file. */
static void test_densify_ceiling(void **state) {
  (void)state;
  /* scratch_path's buffers rotate: paths kept are copied. */
  char src[4096], spec[4096], box_path[4096];
  snprintf(src, sizeof src, "%s", scratch_path("zigzag.geojson"));
  FILE *f = fopen(src, "w");
  assert_non_null(f);
  fputs("{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {\"name\": \"z\"},"
        " \"geometry\": {\"type\": \"LineString\", \"coordinates\": [",
        f);
  for (int i = 0; i < 200000; i++)
    fprintf(f, "%s[%d, %d]", i ? "," : "", i % 2 ? 89 : -90, i % 4 < 2 ? -80 : 80);
  fputs("]}}]}", f);
  assert_int_equal(fclose(f), 0);
  char yaml[16384];
  snprintf(yaml, sizeof yaml,
           "map:\n"
           "  page: {width: 60mm, height: 40mm, dpi: 72}\n"
           "  crs: ESRI:54030\n"
           "layers:\n"
           "  - {id: zigzag, source: %s, stroke: {color: black, width: 1pt}}\n",
           src);
  snprintf(spec, sizeof spec, "%s", scratch_path("zigzag.yaml"));
  assert_true(write_file(spec, yaml, strlen(yaml)));
  im_error err;
  for (int mode = 0; mode < 2; mode++) {
    im_prefetch_set_mode(mode);
    assert_int_equal(render_spec(spec, scratch_path("zigzag.png"), &err), IM_STATUS_INPUT);
    assert_string_equal(err.file, src);
    assert_non_null(strstr(err.message, "layer zigzag, feature 0: densified for drawing"));
    assert_non_null(strstr(err.message, "more than 50000000 vertices"));
    assert_non_null(strstr(err.message, "INFLUMAP_MAX_VERTICES"));
    assert_int_equal(access(scratch_path("zigzag.png"), F_OK), -1);
  }
  im_prefetch_set_mode(-1);
  /* A box of 5 vertices 40° across is read (5 vertices) but drawn with
   * about 320: a ceiling of 100 stops it where it is densified, with the
   * cache off and on (counted from the cached entry). */
  const char *box =
      "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {\"name\": \"box\"},"
      " \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[-80, -40], [-40, -40], [-40, 0],"
      " [-80, 0], [-80, -40]]]}}]}";
  snprintf(box_path, sizeof box_path, "%s", scratch_path("coarse-box.geojson"));
  assert_true(write_file(box_path, box, strlen(box)));
  snprintf(yaml, sizeof yaml,
           "map:\n"
           "  page: {width: 60mm, height: 40mm, dpi: 72}\n"
           "  crs: \"" LAEA "\"\n"
           "  extent: {west: -90, east: -30, south: -50, north: 10}\n"
           "layers:\n"
           "  - {id: box, source: %s, fill: red, stroke: {color: black, width: 1pt}}\n",
           box_path);
  snprintf(spec, sizeof spec, "%s", scratch_path("coarse-box.yaml"));
  assert_true(write_file(spec, yaml, strlen(yaml)));
  for (int run = 0; run < 4; run++) {
    bool cached = run & 1;
    im_prefetch_set_mode(run >> 1);
    if (cached)
      im_layer_cache_begin();
    render_ok(spec, scratch_path("coarse-box.png"));
    im_limits_set(&(im_limits){.max_vertices = 100});
    assert_int_equal(render_spec(spec, scratch_path("coarse-box.png"), &err), IM_STATUS_INPUT);
    assert_string_equal(err.file, box_path);
    assert_non_null(strstr(err.message, "layer box, feature 0: densified for drawing (a vertex every 0.5 degrees), "
                                        "the layer has more than 100 vertices"));
    im_limits_set(NULL);
    if (cached)
      im_layer_cache_end();
  }
  im_prefetch_set_mode(-1);
  /* Ten such boxes under a ceiling of 1000: the fourth passes it, whether
   * the features are projected ahead on another core or not. */
  char many[8192] = "{\"type\": \"FeatureCollection\", \"features\": [";
  for (int i = 0; i < 10; i++) {
    size_t len = strlen(many);
    snprintf(many + len, sizeof many - len,
             "%s{\"type\": \"Feature\", \"properties\": {\"name\": \"b%d\"}, \"geometry\": {\"type\": "
             "\"Polygon\", \"coordinates\": [[[-80, -40], [-40, -40], [-40, 0], [-80, 0], [-80, -40]]]}}",
             i ? ", " : "", i);
  }
  strcat(many, "]}");
  assert_true(write_file(box_path, many, strlen(many)));
  for (int run = 0; run < 4; run++) {
    bool cached = run & 1;
    im_prefetch_set_mode(run >> 1);
    if (cached)
      im_layer_cache_begin();
    im_limits_set(&(im_limits){.max_vertices = 1000});
    assert_int_equal(render_spec(spec, scratch_path("coarse-boxes.png"), &err), IM_STATUS_INPUT);
    assert_non_null(strstr(err.message, "layer box, feature 3: densified for drawing"));
    im_limits_set(NULL);
    if (cached)
      im_layer_cache_end();
  }
  im_prefetch_set_mode(-1);
}

/* ---- --timings ---- */

static void test_timings(void **state) {
  (void)state;
  const char *names[] = {"spec", "setup", "load", "project", "draw", "labels", "encode", "total"};
  const char *formats[] = {"png", "pdf"};
  for (int k = 0; k < 2; k++) {
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "'%s' render '%s' -o '%s/timings.%s' --timings 2>&1 >/dev/null", IM_CLI,
             src_path("styles/latam-overview.yaml"), IM_SCRATCH_DIR, formats[k]);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    double ms[8];
    bool seen[8] = {false};
    char line[512];
    while (fgets(line, sizeof line, p)) {
      char name[32];
      double v;
      if (sscanf(line, "influmap: time %31s %lf ms", name, &v) != 2)
        continue;
      for (int i = 0; i < 8; i++)
        if (!strcmp(name, names[i])) {
          assert_false(seen[i]);
          seen[i] = true;
          ms[i] = v;
        }
    }
    assert_int_equal(pclose(p), 0);
    double sum = 0;
    for (int i = 0; i < 8; i++) {
      if (!seen[i]) {
        print_error("no '%s' line\n", names[i]);
        fail();
      }
      assert_true(ms[i] >= 0);
      if (i < 7)
        sum += ms[i];
    }
    /* The stages cover the render: what is left is clock reading and
     * rounding (each figure to 0.1 ms). */
    if (!(fabs(ms[7] - sum) <= 2 + 0.02 * ms[7])) {
      print_error("stages sum to %.1f ms, total %.1f ms\n", sum, ms[7]);
      fail();
    }
    assert_true(ms[2] > 0 && ms[3] > 0 && ms[4] > 0 && ms[6] > 0);
  }
}

/* ---- parts outside the frame ---- */

/* A spec of the 10m Americas in LAEA: countries filled and outlined,
 * rivers; its path into path. */
static void write_americas_spec(const char *name, const char *page, const char *extent, char *path, size_t size) {
  char layers[2048];
  snprintf(layers, sizeof layers,
           "  - {id: countries, source: %s, fill: \"#f2efe9\", stroke: {color: \"#555555\", width: 1px}}\n"
           "  - {id: rivers, source: %s, stroke: {color: \"#3060a0\", width: 0.5px}}\n",
           src_path("shapes/ne_10m_admin_0_countries_americas.shp"), src_path("shapes/ne_10m_rivers_americas.shp"));
  snprintf(path, size, "%s", write_map_spec(name, page, LAEA, extent, layers));
}

/* A map of Chile from the 10m countries: a single render skips projecting
 * the parts of a feature wholly outside the frame's footprint (Canada's
 * Arctic islands, the Falklands' far ones), a batch with the cache on
 * projects every part (the cache serves other frames): the same bytes
 * either way, PNG and SVG. */
static void test_parts_outside_same_bytes(void **state) {
  (void)state;
  char spec[1024];
  write_americas_spec("chile-parts.yaml", "{width: 500px, height: 900px, dpi: 72}",
                      "{west: -78, east: -64, south: -56, north: -17}", spec, sizeof spec);
  const char *formats[] = {"png", "svg"};
  for (int k = 0; k < 2; k++) {
    char fresh[1024], cached[1024];
    snprintf(fresh, sizeof fresh, "%s", scratch_path(k ? "parts-fresh.svg" : "parts-fresh.png"));
    snprintf(cached, sizeof cached, "%s", scratch_path(k ? "parts-cached.svg" : "parts-cached.png"));
    render_cli(spec, fresh);
    im_layer_cache_begin();
    render_ok(spec, cached);
    im_layer_cache_end();
    print_message("parts outside the frame: %s\n", formats[k]);
    assert_same_file(fresh, cached);
  }
}

/* ---- thinning before projection ---- */

/* The 10m Americas at a continental scale (several vertices to a pixel):
 * with the lon/lat thinning (frame.c, project.c) the map differs from one
 * made of every vertex (so the thinning did drop vertices) by no more than
 * antialiasing shades along the coasts: a handful of pixels change by
 * much, next to all of them on a coast or a river. */
static void test_thinning_invisible(void **state) {
  (void)state;
  char spec[1024];
  write_americas_spec("thin.yaml", "{width: 1100px, height: 1200px, dpi: 72}",
                      "{xmin: -5500000, xmax: 5500000, ymin: -5000000, ymax: 7000000}", spec, sizeof spec);
  /* The library reads INFLUMAP_THIN once a process (core/limits.c): each
   * setting takes a process of its own. */
  assert_int_equal(setenv("INFLUMAP_THIN", "0", 1), 0);
  render_cli(spec, scratch_path("thin-off.png"));
  assert_int_equal(unsetenv("INFLUMAP_THIN"), 0);
  render_cli(spec, scratch_path("thin-on.png"));
  test_image a, b;
  assert_true(image_load(scratch_path("thin-off.png"), &a));
  assert_true(image_load(scratch_path("thin-on.png"), &b));
  assert_int_equal(a.width, b.width);
  assert_int_equal(a.height, b.height);
  long changed = 0, big = 0, isolated = 0, total = (long)a.width * a.height;
  for (int y = 0; y < a.height; y++)
    for (int x = 0; x < a.width; x++) {
      uint32_t p = image_pixel(&a, x, y), q = image_pixel(&b, x, y);
      int worst = 0;
      for (int k = 0; k < 24; k += 8) {
        int d = abs((int)((p >> k) & 0xff) - (int)((q >> k) & 0xff));
        worst = d > worst ? d : worst;
      }
      changed += worst > 0;
      big += worst > 96;
      if (worst > 96) {
        /* Where the line or the coast is: a pixel whose four neighbours
         * are all land or all sea changes only for a speck of an islet
         * smaller than a pixel (drawn or not after simplification). */
        uint32_t n[4] = {image_pixel(&a, x > 0 ? x - 1 : x, y), image_pixel(&a, x + 1 < a.width ? x + 1 : x, y),
                         image_pixel(&a, x, y > 0 ? y - 1 : y), image_pixel(&a, x, y + 1 < a.height ? y + 1 : y)};
        bool all_same = true;
        for (int k = 0; k < 4; k++)
          all_same = all_same && (n[k] & 0xffffff) == (p & 0xffffff);
        isolated += all_same;
      }
    }
  image_free(&a);
  image_free(&b);
  print_message("thinning: %ld of %ld pixels changed, %ld by more than 96, %ld of them amid land or sea\n", changed,
                total, big, isolated);
  assert_true(changed > 0);
  assert_true(big * 20000 < total); /* under 0.005%: 1.5 px thinning gives 0.026% */
  assert_true(isolated <= 8);
}

/* The batch switch is the thread's: while a batch has the caches on, a
 * render on a thread that is not the batch's behaves as it would alone. */
static void *batch_switch_elsewhere(void *arg) {
  (void)arg;
  return (void *)(intptr_t)im_proj_cache_batch();
}

static void test_batch_switch_per_thread(void **state) {
  (void)state;
  im_layer_cache_begin();
  assert_true(im_proj_cache_batch()); /* this thread renders for the batch (main) */
  pthread_t t;
  void *elsewhere = (void *)1;
  assert_int_equal(pthread_create(&t, NULL, batch_switch_elsewhere, NULL), 0);
  assert_int_equal(pthread_join(t, &elsewhere), 0);
  assert_false((intptr_t)elsewhere);
  im_proj_cache_batch_thread(false);
  assert_false(im_proj_cache_batch());
  im_proj_cache_batch_thread(true);
  im_layer_cache_end();
  assert_false(im_proj_cache_batch()); /* no batch any more */
}

int main(void) {
  /* The tests below stand for a batch's worker whenever they turn the
   * caches on (im_layer_cache_begin), as batch/run.c's workers do. */
  im_proj_cache_batch_thread(true);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_switch_per_thread),
      cmocka_unit_test(test_cache_same_bytes_and_reused),
      cmocka_unit_test(test_cache_budget),
      cmocka_unit_test(test_cache_threads),
      cmocka_unit_test(test_prefetch_same_bytes),
      cmocka_unit_test(test_outline_cut_apart),
      cmocka_unit_test(test_crs_cache),
      cmocka_unit_test(test_densify_ceiling),
      cmocka_unit_test(test_timings),
      cmocka_unit_test(test_thinning_invisible),
      cmocka_unit_test(test_parts_outside_same_bytes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
