/* Contexts (influmap/context.h) and the list of every error a load finds
 * (im_map_load_ctx with an im_error_list): what a host that embeds the
 * library decides for itself, and what it is told. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"

static const char *countries(void) { return src_path("shapes/ne_10m_admin_0_countries_americas.shp"); }

/* A small spec over the countries in crs, with extra text appended. */
static char *spec_text(const char *crs, const char *source, const char *extra) {
  static char buf[4][2048];
  static int next;
  char *b = buf[next++ % 4];
  snprintf(b, sizeof buf[0],
           "map:\n"
           "  page: {width: 60mm, height: 40mm, dpi: 30}\n"
           "  crs: \"%s\"\n"
           "layers:\n"
           "  - id: countries\n"
           "    source: %s\n"
           "    fill: \"#f2efe9\"\n"
           "%s",
           crs, source, extra ? extra : "");
  return b;
}

/* ---- warnings: each context's to its own handler ---- */

typedef struct {
  const char *name; /* what every one of its warnings must name */
  int mine, others;
} inbox;

static void collect(void *user, const char *message) {
  inbox *in = user;
  if (strstr(message, in->name))
    in->mine++;
  else
    in->others++;
}

enum { ROUNDS = 20 };

typedef struct {
  const im_map *map;
  im_status st;
} frame_job;

/* Each round warns once: EPSG:3857 without an extent cannot show the
 * poles (render/frame.c). */
static void *frames(void *arg) {
  frame_job *j = arg;
  for (int i = 0; i < ROUNDS && !j->st; i++) {
    im_frame f;
    im_error err;
    j->st = im_map_frame(j->map, NULL, &f, &err);
  }
  return NULL;
}

static void warnings_go_to_their_own_context(void **state) {
  (void)state;
  inbox a = {"alpha.yaml", 0, 0}, b = {"beta.yaml", 0, 0}, process = {"no such name", 0, 0};
  im_warning_set_handler(collect, &process);
  im_context *ca = im_context_new(), *cb = im_context_new();
  assert_non_null(ca);
  assert_non_null(cb);
  im_context_set_warning_handler(ca, collect, &a);
  im_context_set_warning_handler(cb, collect, &b);
  im_map *ma = NULL, *mb = NULL;
  im_error err;
  const char *text = spec_text("EPSG:3857", countries(), NULL);
  assert_ok(im_map_load_string_ctx(ca, text, strlen(text), "alpha.yaml", &ma, NULL, &err), &err);
  assert_ok(im_map_load_string_ctx(cb, text, strlen(text), "beta.yaml", &mb, NULL, &err), &err);
  /* The maps hold their contexts: the host may drop its references. */
  im_context_free(ca);
  im_context_free(cb);
  frame_job ja = {ma, IM_STATUS_OK}, jb = {mb, IM_STATUS_OK};
  pthread_t ta, tb;
  assert_int_equal(pthread_create(&ta, NULL, frames, &ja), 0);
  assert_int_equal(pthread_create(&tb, NULL, frames, &jb), 0);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  assert_int_equal(ja.st, IM_STATUS_OK);
  assert_int_equal(jb.st, IM_STATUS_OK);
  assert_int_equal(a.mine, ROUNDS);
  assert_int_equal(a.others, 0);
  assert_int_equal(b.mine, ROUNDS);
  assert_int_equal(b.others, 0);
  assert_int_equal(process.mine + process.others, 0);

  /* A map loaded without a context, or in one without a handler, still
   * warns to the process's handler. */
  im_map *mc = NULL;
  im_context *plain = im_context_new();
  assert_ok(im_map_load_string_ctx(plain, text, strlen(text), "gamma.yaml", &mc, NULL, &err), &err);
  im_frame f;
  assert_ok(im_map_frame(mc, NULL, &f, &err), &err);
  assert_int_equal(process.others, 1);
  assert_int_equal(a.mine + b.mine, 2 * ROUNDS);
  im_map_free(mc);
  im_context_free(plain);
  im_warning_set_handler(NULL, NULL);
  im_map_free(ma);
  im_map_free(mb);
}

/* ---- the cache folder ---- */

static size_t entries(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return 0;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  closedir(d);
  return n;
}

/* The CRS store is written only where the context says. HOME is the
 * scratch folder's home/ (main() sets it before the library reads it).
 * Each step uses a CRS of its own, since a thread keeps the CRSs it made. */
static void frame_in(im_context *ctx, const char *crs) {
  const char *text = spec_text(crs, countries(), NULL);
  im_map *m = NULL;
  im_error err;
  assert_ok(im_map_load_string_ctx(ctx, text, strlen(text), "cache.yaml", &m, NULL, &err), &err);
  im_frame f;
  assert_ok(im_map_frame(m, NULL, &f, &err), &err);
  im_map_free(m);
}

static void cache_dir_none_writes_nothing(void **state) {
  (void)state;
  char home[4096], mine[4096], crs[4200];
  snprintf(home, sizeof home, "%s", scratch_path("home"));
  snprintf(mine, sizeof mine, "%s", scratch_path("cache"));
  snprintf(crs, sizeof crs, "%s/crs", mine);
  im_error err;

  im_context *none = im_context_new();
  assert_ok(im_context_set_cache_dir(none, NULL, &err), &err);
  frame_in(none, "EPSG:32718");
  assert_int_equal(entries(home), 0);
  im_context_free(none);

  im_context *own = im_context_new();
  assert_ok(im_context_set_cache_dir(own, mine, &err), &err);
  frame_in(own, "EPSG:32719");
  assert_int_equal(entries(home), 0);
  assert_int_equal(entries(crs), 1);
  im_context_free(own);

  /* What the first step would have done without its setting: the
   * process's folder, under HOME. */
  im_context *process = im_context_new();
  frame_in(process, "EPSG:32720");
  im_context_free(process);
  assert_int_not_equal(entries(home), 0);
}

/* ---- the base folder and the resolver ---- */

static void base_dir_resolves_relative_paths(void **state) {
  (void)state;
  const char *text = spec_text("EPSG:4326", "ne_10m_admin_0_countries_americas.shp", NULL);
  im_map *m = NULL;
  im_error err;
  /* From the current folder (the build's test folder) it is not there. */
  assert_int_equal(im_map_load_string_ctx(NULL, text, strlen(text), NULL, &m, NULL, &err), IM_STATUS_INPUT);
  assert_null(m);
  assert_int_equal(err.code, IM_E_NOT_FOUND);
  assert_string_equal(err.file, "<string>");
  assert_int_equal(err.line, 6);
  assert_int_equal(err.column, 13);

  im_context *ctx = im_context_new();
  assert_ok(im_context_set_base_dir(ctx, src_path("shapes/"), &err), &err);
  assert_ok(im_map_load_string_ctx(ctx, text, strlen(text), NULL, &m, NULL, &err), &err);
  assert_string_equal(im_map_path(m), "<string>");
  assert_string_equal(m->layers[0].source, countries());
  im_map_free(m);

  /* A relative spec path too, and the paths it names from its folder. */
  assert_ok(im_context_set_base_dir(ctx, IM_SOURCE_DIR, &err), &err);
  assert_ok(im_map_load_ctx(ctx, "styles/pacific.yaml", &m, NULL, &err), &err);
  assert_string_equal(im_map_path(m), src_path("styles/pacific.yaml"));
  im_frame f;
  assert_ok(im_map_frame(m, NULL, &f, &err), &err);
  im_map_free(m);
  im_context_free(ctx);
}

/* Lets the host's own names through (a name "countries" is its shapefile),
 * refuses anything else, and counts what it was asked. */
typedef struct {
  int asked;
  char last_from[256];
} resolver_log;

static bool host_resolver(void *user, const char *name, const char *from_file, char *path, size_t size) {
  resolver_log *log = user;
  log->asked++;
  snprintf(log->last_from, sizeof log->last_from, "%s", from_file);
  if (strcmp(name, "countries"))
    return false;
  snprintf(path, size, "%s", countries());
  return true;
}

static void resolver_decides(void **state) {
  (void)state;
  resolver_log log = {0};
  im_context *ctx = im_context_new();
  im_context_set_resolver(ctx, host_resolver, &log);
  im_map *m = NULL;
  im_error err;
  const char *ok = spec_text("EPSG:4326", "countries", NULL);
  assert_ok(im_map_load_string_ctx(ctx, ok, strlen(ok), "house.yaml", &m, NULL, &err), &err);
  assert_string_equal(m->layers[0].source, countries());
  assert_int_equal(log.asked, 1);
  assert_string_equal(log.last_from, "house.yaml");
  im_map_free(m);

  /* Even a path that is there is the host's to allow. */
  const char *refused = spec_text("EPSG:4326", countries(), NULL);
  assert_int_equal(im_map_load_string_ctx(ctx, refused, strlen(refused), "house.yaml", &m, NULL, &err),
                   IM_STATUS_INPUT);
  assert_null(m);
  assert_int_equal(err.code, IM_E_REFUSED);
  assert_int_equal(err.line, 6);
  assert_int_equal(err.column, 13);
  char want[4300], got[4400];
  /* A path past 60 characters is shown by its last 60 (the checkout's own
   * folder decides which case this is): the file's name stays in view. */
  const char *path = countries();
  size_t plen = strlen(path);
  snprintf(want, sizeof want, "house.yaml:6:13: source '%s%s' refused by the host's file resolver",
           plen > 60 ? "..." : "", plen > 60 ? path + plen - 60 : path);
  assert_string_equal(im_error_format(&err, got, sizeof got), want);

  /* include: goes through it too. */
  const char *inc = "include: [../../etc/house.yaml]\n";
  char text[4096];
  snprintf(text, sizeof text, "%s%s", inc, spec_text("EPSG:4326", "countries", NULL));
  assert_int_equal(im_map_load_string_ctx(ctx, text, strlen(text), "house.yaml", &m, NULL, &err), IM_STATUS_INPUT);
  assert_string_equal(err.message, "include '../../etc/house.yaml' refused by the host's file resolver");
  assert_int_equal(err.line, 1);
  assert_int_equal(err.column, 11);
  im_context_free(ctx);
}

/* ---- ceilings per context ---- */

static bool discard(void *user, const unsigned char *data, size_t n) {
  (void)data;
  *(size_t *)user += n;
  return true;
}

static void limits_per_context(void **state) {
  (void)state;
  im_context *small = im_context_new(), *roomy = im_context_new();
  im_limits l = {.max_features = 10};
  im_context_set_limits(small, &l);
  assert_int_equal(im_context_limits(small).max_features, 10);
  assert_int_equal(im_context_limits(small).max_vertices, im_limits_get().max_vertices);
  assert_int_equal(im_context_limits(roomy).max_features, im_limits_get().max_features);
  const char *text = spec_text("EPSG:4326", countries(), NULL);
  im_map *ms = NULL, *mr = NULL;
  im_error err;
  assert_ok(im_map_load_string_ctx(small, text, strlen(text), "small.yaml", &ms, NULL, &err), &err);
  assert_ok(im_map_load_string_ctx(roomy, text, strlen(text), "roomy.yaml", &mr, NULL, &err), &err);
  im_context_free(small);
  im_context_free(roomy);
  size_t bytes = 0;
  assert_int_equal(im_map_render_to_stream(ms, IM_FORMAT_PNG, discard, &bytes, NULL, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "more than 10 features, influmap's limit for one layer (a ceiling the host "
                                      "program set)"));
  assert_int_equal(err.code, IM_E_LIMIT);
  assert_int_equal(bytes, 0);
  assert_ok(im_map_render_to_stream(mr, IM_FORMAT_PNG, discard, &bytes, NULL, &err), &err);
  assert_true(bytes > 0);
  /* The process's ceilings were not touched. */
  assert_int_equal(im_limits_get().max_features, IM_DEFAULT_MAX_FEATURES);
  im_map_free(ms);
  im_map_free(mr);
}

/* ---- every error of a spec ---- */

static void every_error_listed(void **state) {
  (void)state;
  /* Three independent mistakes: an unknown key (line 4), a bad colour
   * (line 8) and a layer with no source (line 9). */
  char text[4096];
  snprintf(text, sizeof text,
           "map:\n"
           "  title: Three mistakes\n"
           "  crs: EPSG:4326\n"
           "  backgrund: white\n"
           "layers:\n"
           "  - id: countries\n"
           "    source: %s\n"
           "    fill: \"#zzzzzz\"\n"
           "  - id: ports\n"
           "    fill: \"#2f4b7c\"\n",
           countries());
  im_error_list *list = im_error_list_new();
  im_map *m = NULL;
  im_error err;
  assert_int_equal(im_map_load_string_ctx(NULL, text, strlen(text), "three.yaml", &m, list, &err), IM_STATUS_INPUT);
  assert_null(m);
  assert_int_equal(im_error_list_count(list), 3);
  static const struct {
    int line, column;
    im_error_code code;
    const char *message;
  } want[3] = {
      {4, 3, IM_E_UNKNOWN_KEY, "unknown key 'backgrund' in map (did you mean 'background'?)"},
      {8, 12, IM_E_BAD_VALUE, "fill must be a colour such as \"#f2efe9\", white or none, not '#zzzzzz'"},
      {9, 5, IM_E_FIELD_MISSING, "layer ports has no source"},
  };
  for (size_t i = 0; i < 3; i++) {
    const im_error *e = im_error_list_get(list, i);
    assert_string_equal(e->file, "three.yaml");
    assert_int_equal(e->line, want[i].line);
    assert_int_equal(e->column, want[i].column);
    assert_int_equal(e->code, want[i].code);
    assert_int_equal(e->status, IM_STATUS_INPUT);
    assert_string_equal(e->message, want[i].message);
  }
  assert_null(im_error_list_get(list, 3));
  /* err is the first, as a load without a list gives it. */
  im_error first;
  assert_int_equal(im_map_load_string(text, strlen(text), "three.yaml", &m, &first), IM_STATUS_INPUT);
  assert_string_equal(err.message, first.message);
  assert_int_equal(err.line, first.line);
  assert_int_equal(first.code, IM_E_UNKNOWN_KEY);

  /* A list is emptied by the next load: a good spec leaves none. */
  const char *good = spec_text("EPSG:4326", countries(), NULL);
  assert_ok(im_map_load_string_ctx(NULL, good, strlen(good), "good.yaml", &m, list, &err), &err);
  assert_int_equal(im_error_list_count(list), 0);
  im_map_free(m);

  /* A YAML syntax error stops the read: one entry, no guesses after it. */
  const char *broken = "map: {crs: EPSG:4326\nlayers: [\n";
  assert_int_equal(im_map_load_string_ctx(NULL, broken, strlen(broken), "broken.yaml", &m, list, &err),
                   IM_STATUS_INPUT);
  assert_int_equal(im_error_list_count(list), 1);
  assert_int_equal(im_error_list_get(list, 0)->code, IM_E_SYNTAX);
  /* So is a where: expression that does not parse. */
  const char *where = spec_text("EPSG:4326", countries(), "    where: \"ISO_A3 = \"\n");
  assert_int_equal(im_map_load_string_ctx(NULL, where, strlen(where), "where.yaml", &m, list, &err), IM_STATUS_INPUT);
  assert_int_equal(im_error_list_count(list), 1);
  assert_int_equal(err.code, IM_E_SYNTAX);
  assert_int_equal(err.line, 8);
  im_error_list_free(list);
}

/* The checks that need the data go on past a layer too. */
static void every_layer_checked(void **state) {
  (void)state;
  char text[4096];
  snprintf(text, sizeof text,
           "map:\n"
           "  crs: EPSG:4326\n"
           "layers:\n"
           "  - id: a\n"
           "    source: %s\n"
           "    where: \"NOPE = 1\"\n"
           "  - id: b\n"
           "    source: %s\n"
           "    label: {text: \"{NADA}\"}\n",
           countries(), countries());
  im_map *m = NULL;
  im_error err;
  im_error_list *list = im_error_list_new();
  assert_ok(im_map_load_string_ctx(NULL, text, strlen(text), "two.yaml", &m, list, &err), &err);
  assert_int_equal(im_map_check_all(m, list, &err), IM_STATUS_INPUT);
  assert_int_equal(im_error_list_count(list), 2);
  const im_error *a = im_error_list_get(list, 0), *b = im_error_list_get(list, 1);
  assert_int_equal(a->line, 6);
  assert_int_equal(a->code, IM_E_NO_SUCH_FIELD);
  assert_non_null(strstr(a->message, "field 'NOPE' is not in"));
  assert_int_equal(b->code, IM_E_NO_SUCH_FIELD);
  assert_non_null(strstr(b->message, "has no field 'NADA'"));
  assert_string_equal(err.message, a->message);
  /* im_map_check stops at the first, as before. */
  im_error one;
  assert_int_equal(im_map_check(m, &one), IM_STATUS_INPUT);
  assert_string_equal(one.message, a->message);
  im_map_free(m);
  im_error_list_free(list);
}

/* The name of a spec from memory may be left out. */
static void string_without_a_name(void **state) {
  (void)state;
  const char *text = spec_text("EPSG:4326", countries(), NULL);
  im_map *m = NULL;
  im_error err;
  assert_ok(im_map_load_string(text, strlen(text), NULL, &m, &err), &err);
  assert_string_equal(im_map_path(m), "<string>");
  im_map_free(m);
  const char *bad = "map: {crs: EPSG:4326, dpi: lots}\n";
  assert_int_equal(im_map_load_string(bad, strlen(bad), NULL, &m, &err), IM_STATUS_INPUT);
  char buf[1200];
  assert_string_equal(im_error_format(&err, buf, sizeof buf), "<string>:1:28: dpi must be a number, not 'lots'");
}

int main(void) {
  /* Before the library reads them (once per process). */
  char home[4096];
  snprintf(home, sizeof home, "%s", scratch_path("home"));
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", home, scratch_path("cache"));
  if (system(cmd) != 0)
    return 1;
  mkdir(home, 0700);
  setenv("HOME", home, 1);
  unsetenv("XDG_CACHE_HOME");
  unsetenv("INFLUMAP_CACHE_DIR");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cache_dir_none_writes_nothing),
      cmocka_unit_test(warnings_go_to_their_own_context),
      cmocka_unit_test(base_dir_resolves_relative_paths),
      cmocka_unit_test(resolver_decides),
      cmocka_unit_test(limits_per_context),
      cmocka_unit_test(every_error_listed),
      cmocka_unit_test(every_layer_checked),
      cmocka_unit_test(string_without_a_name),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
