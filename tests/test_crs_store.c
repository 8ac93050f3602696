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
#include <unistd.h>

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
    if (e->d_name[0] != '.' && strlen(dir) + strlen(e->d_name) + 2 <= sizeof paths[0]) {
      int w = snprintf(paths[n++], sizeof paths[0], "%s/%s", dir, e->d_name);
      assert_true(w > 0);
    }
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

/* What the store keeps and trusts: a map in a plain PROJ string stores
 * only the shapefile's .prj (the PROJ string needs no proj.db); a stored
 * PROJJSON edited in place (same length, another projection's name) is
 * not used, the map comes out as before and the file is written again as
 * it was; past 512 files the least recently used are removed. */
static void test_store_trusts_nothing(void **state) {
  (void)state;
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 300px, height: 150px, dpi: 72}\n  crs: \"+proj=robin +datum=WGS84\"\n"
           "  background: \"#dbe9f4\"\nlayers:\n  - {id: countries, source: %s, fill: \"#f2efe9\"}\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"));
  char spec[1024], store[1024], crs_dir[1100], cmd[2400];
  snprintf(spec, sizeof spec, "%s", scratch_path("plain.yaml"));
  assert_true(write_file(spec, yaml, strlen(yaml)));
  snprintf(store, sizeof store, "%s", scratch_path("store2"));
  snprintf(crs_dir, sizeof crs_dir, "%s/crs", store);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", store);
  assert_int_equal(system(cmd), 0);
  char first[256], edited[256];
  snprintf(first, sizeof first, "%s", scratch_path("plain-first.png"));
  snprintf(edited, sizeof edited, "%s", scratch_path("plain-edited.png"));
  render_with_store(store, spec, first);
  static char files[8][4096];
  assert_int_equal(list_files(crs_dir, files, 8), 1); /* the .prj's only */
  assert_true(file_contains(files[0], "GCS_WGS_1984"));
  assert_false(file_contains(files[0], "+proj=robin"));

  /* Edit the stored PROJJSON: WGS 84's ellipsoid becomes another's name
   * (same length), which PROJ would happily read. */
  size_t len;
  char *data = read_file(files[0], &len);
  assert_non_null(data);
  char *was = malloc(len);
  memcpy(was, data, len);
  char *at = NULL;
  for (size_t i = 0; i + 6 < len && !at; i++)
    if (!memcmp(data + i, "WGS 84", 6))
      at = data + i;
  assert_non_null(at);
  memcpy(at, "WGS 72", 6);
  assert_true(write_file(files[0], data, len));
  render_with_store(store, spec, edited);
  assert_true(files_equal(first, edited));
  free(data);
  data = read_file(files[0], &len);
  assert_non_null(data);
  assert_memory_equal(data, was, len);
  free(data);
  free(was);

  /* 600 files of earlier runs, older than any: the next write prunes. */
  for (int i = 0; i < 600; i++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%016x", crs_dir, 0xa0000000u + (unsigned)i);
    assert_true(write_file(path, "old", 3));
  }
  snprintf(cmd, sizeof cmd, "touch -d '2001-01-01' '%s'/a*", crs_dir);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(unlink(files[0]), 0); /* a miss, so a write */
  render_with_store(store, spec, edited);
  static char all[1024][4096];
  size_t n = list_files(crs_dir, all, 1024);
  print_message("after pruning: %zu files\n", n);
  assert_true(n <= 512 && n >= 300);
  bool kept = false;
  for (size_t i = 0; i < n; i++)
    kept |= file_contains(all[i], "GCS_WGS_1984");
  assert_true(kept); /* the newest stays */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_store_same_bytes),
                                     cmocka_unit_test(test_store_trusts_nothing)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
