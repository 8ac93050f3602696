/* The store of resolved CRSs on disk (src/geo/crs-store.c): a render with
 * an empty store, one reading it, one with the store off and one whose
 * files were damaged all give the same bytes; the store holds the map's
 * and the shapefile's CRS under their definitions. Renders run as fresh
 * processes (the store's folder is fixed once per process). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"

static void render_with_store(const char *store, const char *spec, const char *out) {
  char cmd[8192];
  int n = snprintf(cmd, sizeof cmd, "INFLUMAP_CACHE_DIR='%s' '%s' render '%s' -o '%s' 2>/dev/null", store, IM_CLI, spec,
                   out);
  assert_true(n > 0 && (size_t)n < sizeof cmd);
  if (system(cmd) != 0)
    fail_msg("failed: %s", cmd);
}

/* The files in dir (not the temporaries), their paths into paths. */
static size_t list_files(const char *dir, char paths[][4096], size_t max) {
  DIR *d = opendir(dir);
  if (!d)
    return 0;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < max)
    if (e->d_name[0] != '.' && strlen(dir) + strlen(e->d_name) + 2 <= sizeof paths[0])
      snprintf(paths[n++], sizeof paths[0], "%s/%s", dir, e->d_name);
  closedir(d);
  return n;
}

static bool file_contains(const char *path, const char *text) {
  size_t len;
  char *data = read_file(path, &len);
  if (!data)
    return false;
  /* The key, then a NUL, then the PROJJSON: look in both. */
  bool found = false;
  for (size_t i = 0; i < len && !found; i += strlen(data + i) + 1)
    found = strstr(data + i, text) != NULL;
  free(data);
  return found;
}

static void test_store_same_bytes(void **state) {
  (void)state;
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n"
           "  page: {width: 400px, height: 200px, dpi: 72}\n"
           "  crs: \"ESRI:54030\"\n"
           "  extent: {xmin: -17400000, xmax: 17400000, ymin: -8700000, ymax: 8700000}\n"
           "  background: \"#dbe9f4\"\n"
           "layers:\n"
           "  - {id: countries, source: %s, fill: \"#f2efe9\", stroke: {color: \"#555555\", width: 1px}}\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"));
  char spec[1024]; /* scratch_path's buffer is reused by the next call */
  snprintf(spec, sizeof spec, "%s", scratch_path("store.yaml"));
  assert_true(write_file(spec, yaml, strlen(yaml)));
  char store[1024], crs_dir[1100];
  snprintf(store, sizeof store, "%s", scratch_path("store"));
  snprintf(crs_dir, sizeof crs_dir, "%s/crs", store);
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", store);
  assert_int_equal(system(cmd), 0);

  for (int k = 0; k < 2; k++) { /* PNG, then SVG */
    char first[256], second[256], off[256], damaged[256];
    snprintf(first, sizeof first, "%s", scratch_path(k ? "first.svg" : "first.png"));
    snprintf(second, sizeof second, "%s", scratch_path(k ? "second.svg" : "second.png"));
    snprintf(off, sizeof off, "%s", scratch_path(k ? "off.svg" : "off.png"));
    snprintf(damaged, sizeof damaged, "%s", scratch_path(k ? "damaged.svg" : "damaged.png"));
    render_with_store(store, spec, first);
    /* The map's CRS and the .prj's, each under its definition. */
    static char files[16][4096];
    size_t n = list_files(crs_dir, files, 16);
    assert_int_equal(n, 2);
    bool robinson = false, prj = false;
    for (size_t i = 0; i < n; i++) {
      robinson |= file_contains(files[i], "ESRI:54030") && file_contains(files[i], "\"Robinson\"");
      prj |= file_contains(files[i], "GCS_WGS_1984") && file_contains(files[i], "GeographicCRS");
    }
    assert_true(robinson && prj);
    render_with_store(store, spec, second);
    assert_true(files_equal(first, second));
    render_with_store("off", spec, off);
    assert_true(files_equal(first, off));
    /* Damaged files (the key kept, the PROJJSON cut short) are not used,
     * and are written again whole. */
    for (size_t i = 0; i < n; i++) {
      size_t len;
      char *data = read_file(files[i], &len);
      assert_non_null(data);
      size_t keep = strlen(data) + 1 + 10;
      assert_true(keep < len);
      assert_true(write_file(files[i], data, keep));
      free(data);
    }
    render_with_store(store, spec, damaged);
    assert_true(files_equal(first, damaged));
    for (size_t i = 0; i < n; i++) {
      struct stat st;
      assert_int_equal(stat(files[i], &st), 0);
      assert_true(st.st_size > 200);
    }
  }
  /* The store off writes nothing anywhere it could be told to. */
  struct stat st;
  assert_int_not_equal(stat("off", &st), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_store_same_bytes)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
