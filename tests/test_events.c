/* The influence-event schema: a good file passes, and each kind of problem
 * gives its own message naming the feature (and, for CSV, its line). */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "influmap/events.h"

static int nwarnings;
static char first_warning[2048];

static void count_warning(void *user, const char *message) {
  (void)user;
  if (!nwarnings++)
    snprintf(first_warning, sizeof first_warning, "%s", message);
}

static int setup(void **state) {
  (void)state;
  nwarnings = 0;
  first_warning[0] = '\0';
  im_warning_set_handler(count_warning, NULL);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  im_warning_set_handler(NULL, NULL);
  return 0;
}

static void assert_has(const char *haystack, const char *needle) {
  if (!strstr(haystack, needle)) {
    print_error("'%s' not found in '%s'\n", needle, haystack);
    fail();
  }
}

#define HEADER "id,name,actor,category,status,date,date_end,country,description,source,lon,lat,budget\n"
#define GOOD_ROW                                                                                                       \
  "cn-1,Chancay port,China,port,under construction,2021-12-01,2024,PER,Deep-water port,VRIC,-77.27,-11.58,3.6e9\n"

static im_layer *load(const char *name, const char *text) {
  const char *path = scratch_path(name);
  assert_true(write_file(path, text, strlen(text)));
  im_layer *l = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_layer_load(path, NULL, &l, &err), &err);
  return l;
}

/* Validates text (CSV unless name says otherwise); returns the problem
 * count and the error. */
static size_t validate(const char *name, const char *text, const char *const *extra, im_error *err) {
  im_layer *l = load(name, text);
  im_error_clear(err);
  size_t n = 12345;
  im_status st = im_events_validate(l, extra, &n, err);
  im_layer_free(l);
  assert_int_equal(st, n ? IM_STATUS_INPUT : IM_STATUS_OK);
  if (n)
    assert_string_equal(err->file, scratch_path(name));
  return n;
}

static void test_good_file(void **state) {
  (void)state;
  im_error err;
  assert_int_equal(validate("good.csv",
                            HEADER GOOD_ROW
                            "ru-1,Embassy visit,Russia,diplomacy,occurred,2022-03,,NIC,,,-86.25,12.13,\n"
                            "x-3,Cable landing,other,cable,proposed,2023,2023,,,,-180,90,\n",
                            NULL, &err),
                   0);
  assert_int_equal(nwarnings, 0);
  /* nproblems may be NULL. */
  im_layer *l = load("good2.csv", HEADER GOOD_ROW);
  assert_ok(im_events_validate(l, NULL, NULL, &err), &err);
  im_layer_free(l);
}

static void test_each_problem(void **state) {
  (void)state;
  static const struct {
    const char *row, *message;
  } cases[] = {
      {"cn-2,Port,Rusia,port,operational,2021,,,,,-70,-20,\n",
       "feature 1 (id 'cn-2'): actor 'Rusia' is not known (did you mean 'Russia'?)"},
      {"cn-2,Port,Martians,port,operational,2021,,,,,-70,-20,\n",
       "actor 'Martians' is not known (one of: China, Russia, Iran, Venezuela, Cuba, Nicaragua, United States, other)"},
      {"cn-2,Port,china,port,operational,2021,,,,,-70,-20,\n", "actor 'china' is not known (did you mean 'China'?)"},
      {"cn-2,Port,China,prot,operational,2021,,,,,-70,-20,\n", "category 'prot' is not known (did you mean 'port'?)"},
      {"cn-2,Port,China,telecoms,operational,2021,,,,,-70,-20,\n",
       "category 'telecoms' is not known (did you mean 'telecom'?)"},
      {"cn-2,Port,China,port,operationl,2021,,,,,-70,-20,\n",
       "status 'operationl' is not known (did you mean 'operational'?)"},
      {"cn-2,Port,China,port,planned,2021,,,,,-70,-20,\n", "status 'planned' is not known (one of: proposed,"},
      {"cn-2,Port,China,port,operational,2021/03/04,,,,,-70,-20,\n",
       "date '2021/03/04' is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)"},
      {"cn-2,Port,China,port,operational,2021-02-29,,,,,-70,-20,\n", "date '2021-02-29' is not an ISO 8601 date"},
      {"cn-2,Port,China,port,operational,2021-03-15,2021-02,,,,-70,-20,\n",
       "date_end '2021-02' is before date '2021-03-15'"},
      {"cn-2,Port,China,port,operational,2021-03-15,March,,,,-70,-20,\n", "date_end 'March' is not an ISO 8601 date"},
      {"cn-2,Port,China,port,operational,2021,,Peru,,,-70,-20,\n",
       "country 'Peru' is not an ISO 3166 alpha-3 code (three upper-case letters"},
      {"cn-2,Port,China,port,operational,2021,,per,,,-70,-20,\n", "country 'per' is not an ISO 3166 alpha-3 code"},
      {"cn-2,Port,China,port,operational,2021,,,,,190,-20,\n",
       "coordinates (190, -20) are out of range (longitude -180..180, latitude -90..90)"},
      {"cn-2,Port,China,port,operational,2021,,,,,-70,-91,\n", "coordinates (-70, -91) are out of range"},
      {"cn-2,,China,port,operational,2021,,,,,-70,-20,\n",
       "feature 1 (id 'cn-2'): the required property 'name' is missing or empty"},
      {",Port,China,port,operational,2021,,,,,-70,-20,\n", "feature 1: the required property 'id' is missing or empty"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[1024], name[32];
    snprintf(text, sizeof text, HEADER GOOD_ROW "%s", cases[i].row);
    snprintf(name, sizeof name, "problem%zu.csv", i);
    im_error err;
    nwarnings = 0;
    size_t n = validate(name, text, NULL, &err);
    if (n != 1)
      print_error("case %zu: %zu problems: %s\n", i, n, err.message);
    assert_int_equal(n, 1);
    assert_int_equal(nwarnings, 0);
    assert_int_equal(err.line, 3);
    assert_has(err.message, cases[i].message);
  }
}

static void test_date_end_of_same_period(void **state) {
  (void)state;
  im_error err;
  /* 2021-03 contains 2021-03-15: not before it. */
  assert_int_equal(validate("dates.csv",
                            HEADER "a,A,China,port,occurred,2021-03-15,2021-03,,,,0,0,\n"
                                   "b,B,China,port,occurred,2021,2021-12-31,,,,0,0,\n"
                                   "c,C,China,port,occurred,2020-02-29,2020-02-29,,,,0,0,\n",
                            NULL, &err),
                   0);
}

static void test_extra_actors(void **state) {
  (void)state;
  static const char *const extra[] = {"European Union", "India", NULL};
  im_error err;
  const char *text = HEADER "eu-1,Fund,European Union,finance,announced,2022,,,,,-58,-34,\n"
                            "in-1,Deal,Indai,finance,announced,2022,,,,,-58,-34,\n";
  assert_int_equal(validate("extra.csv", text, extra, &err), 1);
  assert_has(err.message, "feature 1 (id 'in-1'): actor 'Indai' is not known (did you mean 'India'?)");
  /* Without the extras, the EU is unknown too. */
  assert_int_equal(validate("extra.csv", text, NULL, &err), 2);
  assert_has(err.message, "feature 0 (id 'eu-1'): actor 'European Union' is not known");
}

static void test_missing_columns(void **state) {
  (void)state;
  im_error err;
  size_t n = validate("columns.csv", "id,name,actor,category,statu,lon,lat\na,A,China,port,occurred,1,2\n", NULL, &err);
  assert_int_equal(n, 2); /* status and date */
  assert_int_equal(err.line, 1);
  assert_has(err.message, "no 'status' property (did you mean 'statu'?); the event schema requires");
  assert_int_equal(nwarnings, 1);
  assert_has(first_warning, "no 'date' property");
  assert_has(first_warning, "columns.csv:1:");
}

static void test_all_problems_counted(void **state) {
  (void)state;
  im_error err;
  size_t n = validate("many.csv",
                      HEADER GOOD_ROW "b,B,Rusia,prot,operational,2021,2020,Peru,,,200,0,\n"
                                      "\n"
                                      "c,\"C\nsecond line\",China,port,occurred,2021-13,,,,,0,0,\n",
                      NULL, &err);
  assert_int_equal(n, 6);
  assert_int_equal(err.line, 3);
  assert_has(err.message, "actor 'Rusia'");
  assert_int_equal(nwarnings, 5);
  assert_has(first_warning, "many.csv:3: feature 1 (id 'b'): category 'prot'");
}

static void test_geojson_features(void **state) {
  (void)state;
  im_error err;
  size_t n = validate("events.geojson",
                      "{\"type\": \"FeatureCollection\", \"features\": ["
                      "{\"type\": \"Feature\", \"id\": \"ve-7\", \"geometry\": {\"type\": \"Point\", \"coordinates\":"
                      " [-66.9, 10.5]}, \"properties\": {\"name\": \"Refinery\", \"actor\": \"Iran\", \"category\":"
                      " \"energy\", \"status\": \"operational\", \"date\": \"2020-09\", \"operator\": \"x\"}},"
                      "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\", \"coordinates\": [[-70, -23],"
                      " [121, 31], [181, 31]]}, \"properties\": {\"id\": 12, \"name\": \"Cable\", \"actor\":"
                      " \"China\", \"category\": \"cable\", \"status\": \"proposed\", \"date\": \"2024\"}}]}",
                      NULL, &err);
  assert_int_equal(n, 1);
  assert_int_equal(err.line, 0);
  assert_has(err.message, "feature 1 (id '12'): coordinates (181, 31) are out of range");
}

static void test_empty_layer(void **state) {
  (void)state;
  im_error err;
  assert_int_equal(validate("empty.geojson", "{\"type\": \"FeatureCollection\", \"features\": []}", NULL, &err), 0);
}

/* The bundled December 2021 data: the GeoJSON and the CSV hold the same
 * point events (same ids, places and properties), and both pass the schema. */
static void test_bundled_geojson_equals_csv(void **state) {
  (void)state;
  im_layer *g = NULL, *c = NULL;
  im_error err;
  assert_ok(im_layer_load(src_path("shapes/influence/events.geojson"), NULL, &g, &err), &err);
  assert_ok(im_layer_load(src_path("shapes/influence/events.csv"), NULL, &c, &err), &err);
  size_t problems = 1;
  assert_ok(im_events_validate(g, NULL, &problems, &err), &err);
  assert_int_equal(problems, 0);
  assert_ok(im_events_validate(c, NULL, &problems, &err), &err);
  assert_int_equal(problems, 0);
  assert_true(g->nfeatures >= 40);
  assert_int_equal(g->nfeatures, c->nfeatures);
  long gid = im_layer_field_index(g, "id");
  for (size_t i = 0; i < g->nfeatures; i++) {
    const im_feature *fg = &g->features[i], *fc = &c->features[i];
    assert_string_equal(fg->values[gid], fc->values[im_layer_field_index(c, "id")]);
    assert_int_equal(fg->geom.npoints, 1);
    assert_int_equal(fc->geom.npoints, 1);
    assert_float_equal(fg->geom.xy[0], fc->geom.xy[0], 1e-9);
    assert_float_equal(fg->geom.xy[1], fc->geom.xy[1], 1e-9);
    /* Every property of the GeoJSON feature has the same text in the CSV
     * (an empty CSV cell stands for a property the feature lacks). */
    for (size_t k = 0; k < g->nfields; k++) {
      long ck = im_layer_field_index(c, g->fields[k].name);
      assert_true(ck >= 0);
      const char *vg = fg->values[k], *vc = fc->values[ck];
      if (!vg) {
        assert_true(!vc || !*vc);
        continue;
      }
      assert_non_null(vc);
      if (strcmp(vg, vc) != 0)
        fail_msg("feature %s, %s: GeoJSON '%s', CSV '%s'", fg->values[gid], g->fields[k].name, vg, vc);
    }
  }
  im_layer_free(g);
  im_layer_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_good_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_each_problem, setup, teardown),
      cmocka_unit_test_setup_teardown(test_date_end_of_same_period, setup, teardown),
      cmocka_unit_test_setup_teardown(test_extra_actors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_missing_columns, setup, teardown),
      cmocka_unit_test_setup_teardown(test_all_problems_counted, setup, teardown),
      cmocka_unit_test_setup_teardown(test_geojson_features, setup, teardown),
      cmocka_unit_test_setup_teardown(test_empty_layer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bundled_geojson_equals_csv, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
