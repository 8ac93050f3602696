/* Small multiples: the grid's layout (panels in their own cells, cells
 * apart, frames with their extent's shape, the page's items outside the
 * grid), each panel showing only its own filter's features (pixels at the
 * projected points, sampled in every panel), one legend for the page with
 * the counts of all panels summed (the renderer's report and the PDF's
 * text), the demo spec, and spec errors placed at their line and column.
 * Point positions are projected here with PROJ, independently of the
 * renderer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "furniture/multiples-private.h"
#include "support.h"

#define LAEA "+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs"

/* The vric palette (src/spec/palettes.c): China, Russia, Iran, Venezuela. */
static const char *const actors[4] = {"China", "Russia", "Iran", "Venezuela"};
static const uint32_t actor_rgb[4] = {0xbf4d00, 0x417ed9, 0x365952, 0xf2a600};
/* One point each, far apart, all inside the extent below. */
static const double actor_ll[4][2] = {{-75, -10}, {-58, -22}, {-45, -8}, {-66, -38}};

/* Events following the influence schema: the points above, plus extra
 * points (lon, lat, actor index) when given. */
static const char *write_events(const char *name, const double (*extra)[3], size_t nextra) {
  static char json[16384];
  size_t n = (size_t)snprintf(json, sizeof json, "{\"type\": \"FeatureCollection\", \"features\": [");
  for (size_t i = 0; i < 4 + nextra; i++) {
    double lon = i < 4 ? actor_ll[i][0] : extra[i - 4][0], lat = i < 4 ? actor_ll[i][1] : extra[i - 4][1];
    const char *actor = actors[i < 4 ? i : (size_t)extra[i - 4][2]];
    n += (size_t)snprintf(json + n, sizeof json - n,
                          "%s{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [%g, %g]},"
                          " \"properties\": {\"id\": \"e%zu\", \"name\": \"Event %zu\", \"actor\": \"%s\","
                          " \"category\": \"diplomacy\", \"status\": \"occurred\", \"date\": \"2021-12\"}}",
                          i ? ", " : "", lon, lat, i, i, actor);
  }
  snprintf(json + n, sizeof json - n, "]}\n");
  const char *path = scratch_path(name);
  assert_true(write_file(path, json, strlen(json)));
  return path;
}

/* A spec of land and the events, then multiples: (and extra top-level keys). */
static im_map *spec(const char *name, const char *events, const char *map_extra, const char *multiples,
                    const char *extra) {
  char yaml[8192];
  snprintf(yaml, sizeof yaml,
           "map:\n  title: \"Four actors\"\n  crs: \"%s\"\n  page: {width: 200mm, height: 150mm, dpi: 100}\n"
           "  extent: {west: -85, east: -35, south: -45, north: 5}\n  background: \"#dbe9f4\"\n%s"
           "layers:\n"
           "  - {id: land, source: %s, fill: \"#f2efe9\", stroke: none, legend: false}\n"
           "  - {id: events, source: %s, schema: events, marker: {symbol: circle, size: 12pt},\n"
           "     classes: [{field: actor, palette: vric}]}\n"
           "multiples:\n%s%s",
           LAEA, map_extra, src_path("shapes/ne_50m_admin_0_countries.shp"), events, multiples, extra);
  return load_spec_text(name, yaml);
}

static const char *four_panels = "  columns: 2\n  panels:\n"
                                 "    - {title: China, where: \"actor = 'China'\"}\n"
                                 "    - {title: Russia, where: \"actor = 'Russia'\"}\n"
                                 "    - {title: Iran, where: {layer: events, expr: \"actor = 'Iran'\"}}\n"
                                 "    - {title: Venezuela, where: \"actor = 'Venezuela'\"}\n";

static void probe(const im_map *map, im_multiples_report *r) {
  im_error err;
  im_error_clear(&err);
  assert_ok(im_multiples_probe(map, NULL, r, &err), &err);
}

static bool inside(const im_bbox *in, const im_bbox *out, double tol) {
  return in->minx >= out->minx - tol && in->miny >= out->miny - tol && in->maxx <= out->maxx + tol &&
         in->maxy <= out->maxy + tol;
}

static bool overlap(const im_bbox *a, const im_bbox *b) {
  return a->minx < b->maxx && b->minx < a->maxx && a->miny < b->maxy && b->miny < a->maxy;
}

static im_bbox frame_box(const im_multiples_report *r, size_t i) {
  return (im_bbox){r->panels[i].fx0, r->panels[i].fy0, r->panels[i].fx0 + r->panels[i].fw,
                   r->panels[i].fy0 + r->panels[i].fh};
}

/* ---- layout ---- */

static void check_grid(const im_multiples_report *r) {
  im_bbox page = {0, 0, r->dev_w, r->dev_h};
  assert_true(inside(&r->inner, &page, 0));
  assert_true(inside(&r->grid, &r->inner, 0.5));
  for (size_t i = 0; i < r->npanels; i++) {
    im_bbox f = frame_box(r, i);
    assert_true(r->panels[i].fw > 50 && r->panels[i].fh > 50);
    assert_true(inside(&r->panels[i].cell, &r->grid, 0.5));
    /* The frame in its cell (a PNG's frame edges are rounded to pixels). */
    assert_true(inside(&f, &r->panels[i].cell, 1));
    if (r->panels[i].title) {
      assert_true(inside(&r->panels[i].title_box, &r->panels[i].cell, 1));
      assert_true(r->panels[i].title_box.maxy <= f.miny);
    }
    for (size_t j = 0; j < i; j++) {
      assert_false(overlap(&r->panels[i].cell, &r->panels[j].cell));
      im_bbox g = frame_box(r, j);
      assert_false(overlap(&f, &g));
    }
  }
}

static void layout_two_by_two(void **state) {
  (void)state;
  const char *events = write_events("events-layout.geojson", NULL, 0);
  im_map *map = spec("layout.yaml", events, "  margins: 10mm\n  credits: \"Data: test.\"\n", four_panels,
                     "legend: {title: Actor, by: actor, counts: true, position: right}\n");
  im_multiples_report r;
  probe(map, &r);
  assert_int_equal(r.npanels, 4);
  assert_int_equal(r.rows, 2);
  assert_int_equal(r.columns, 2);
  check_grid(&r);
  /* Panels in reading order: the second to the right of the first, the
   * third under the first. */
  assert_true(r.panels[1].cell.minx >= r.panels[0].cell.maxx);
  assert_true(fabs(r.panels[1].cell.miny - r.panels[0].cell.miny) < 0.5);
  assert_true(r.panels[2].cell.miny >= r.panels[0].cell.maxy);
  assert_true(fabs(r.panels[2].cell.minx - r.panels[0].cell.minx) < 0.5);
  /* Every frame has its extent's shape: the same extent, the same frame. */
  for (size_t i = 0; i < 4; i++) {
    assert_true(r.panels[i].title);
    const im_frame *f = &r.panels[i].frame;
    double aspect = (f->xmax - f->xmin) / (f->ymax - f->ymin);
    assert_true(fabs(r.panels[i].fw / r.panels[i].fh - aspect) < 0.02 * aspect);
    assert_true(fabs(r.panels[i].fw - r.panels[0].fw) < 1.5 && fabs(r.panels[i].fh - r.panels[0].fh) < 1.5);
    assert_true(fabs(f->xmin - r.panels[0].frame.xmin) < 1 && fabs(f->ymax - r.panels[0].frame.ymax) < 1);
  }
  /* The gap between cells: 4mm by default, at 100 dpi. */
  double gap = r.panels[1].cell.minx - r.panels[0].cell.maxx;
  assert_true(fabs(gap - 4 / 25.4 * 100) < 0.5);
  /* The page's items outside the grid, inside the page: title above,
   * legend right, credits below. */
  im_bbox page = {0, 0, r.dev_w, r.dev_h};
  assert_true(r.item_present[IM_ITEM_TITLE] && r.item_present[IM_ITEM_LEGEND] && r.item_present[IM_ITEM_CREDITS]);
  for (int k = IM_ITEM_TITLE; k < IM_NITEMS; k++)
    if (r.item_present[k]) {
      assert_true(inside(&r.item_box[k], &page, 0.5));
      assert_false(overlap(&r.item_box[k], &r.grid));
    }
  assert_true(r.item_box[IM_ITEM_TITLE].maxy <= r.grid.miny);
  assert_true(r.item_box[IM_ITEM_LEGEND].minx >= r.grid.maxx);
  assert_true(r.item_box[IM_ITEM_CREDITS].miny >= r.grid.maxy);
  im_map_free(map);
}

static void layout_legend_in_cell(void **state) {
  (void)state;
  const char *events = write_events("events-cell.geojson", NULL, 0);
  /* Five panels in three columns: two rows, the sixth cell the legend's. */
  im_map *map = spec("cell.yaml", events, "",
                     "  columns: 3\n  gap: 2mm\n  legend: cell\n  panels:\n"
                     "    - {title: A, where: \"actor = 'China'\"}\n    - {title: B}\n    - {title: C}\n"
                     "    - {title: D, extent: {west: -80, east: -50, south: -30, north: -5}}\n"
                     "    - {where: \"actor = 'Iran'\"}\n",
                     "legend: {title: Actor, by: actor, counts: true}\n");
  im_multiples_report r;
  probe(map, &r);
  assert_int_equal(r.npanels, 5);
  assert_int_equal(r.rows, 2);
  assert_int_equal(r.columns, 3);
  check_grid(&r);
  assert_false(r.panels[4].title);
  /* D's own extent: a different frame. */
  assert_true(fabs(r.panels[3].frame.xmin - r.panels[0].frame.xmin) > 1000);
  assert_true(r.legend_in_cell);
  assert_int_equal(r.legend_cell, 5);
  assert_true(r.item_present[IM_ITEM_LEGEND]);
  /* In the cell right of the fifth panel and under the third. */
  im_bbox cell = {r.panels[4].cell.maxx, r.panels[2].cell.maxy, r.grid.maxx, r.grid.maxy};
  assert_true(inside(&r.item_box[IM_ITEM_LEGEND], &cell, 0.5));
  for (size_t i = 0; i < 5; i++)
    assert_false(overlap(&r.item_box[IM_ITEM_LEGEND], &r.panels[i].cell));
  im_map_free(map);
}

/* ---- pixels ---- */

typedef struct {
  im_geo_ctx *ctx;
  im_crs *map, *geog;
  im_transform *t;
} projector;

static void projector_init(projector *p) {
  im_error err;
  p->ctx = im_geo_ctx_create();
  assert_ok(im_crs_create(p->ctx, LAEA, NULL, 0, 0, &p->map, &err), &err);
  assert_ok(im_crs_geographic(p->ctx, p->map, &p->geog, &err), &err);
  assert_ok(im_transform_create(p->ctx, p->geog, p->map, &p->t, &err), &err);
}

static void projector_fini(projector *p) {
  im_transform_free(p->t);
  im_crs_free(p->geog);
  im_crs_free(p->map);
  im_geo_ctx_free(p->ctx);
}

/* The pixel lon/lat falls on in panel i. */
static uint32_t sample(projector *p, const im_multiples_report *r, size_t i, const test_image *img, double lon,
                       double lat) {
  double xy[2] = {lon, lat};
  assert_int_equal(im_transform_array(p->t, xy, 1, false), 0);
  const im_frame *f = &r->panels[i].frame;
  double x = r->panels[i].fx0 + (xy[0] - f->xmin) / (f->xmax - f->xmin) * r->panels[i].fw;
  double y = r->panels[i].fy0 + (f->ymax - xy[1]) / (f->ymax - f->ymin) * r->panels[i].fh;
  im_bbox fb = frame_box(r, i);
  assert_true(x > fb.minx && x < fb.maxx && y > fb.miny && y < fb.maxy);
  return image_pixel(img, (int)floor(x), (int)floor(y));
}

static void panels_show_their_own_actor(void **state) {
  (void)state;
  const char *events = write_events("events-pixels.geojson", NULL, 0);
  im_map *map = spec("pixels.yaml", events, "  margins: 8mm\n", four_panels,
                     "legend: {title: Actor, by: actor, position: bottom}\n");
  im_multiples_report r;
  probe(map, &r);
  const char *png = scratch_path("pixels.png");
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, png, NULL, &err), &err);
  test_image img;
  assert_true(image_load(png, &img));
  assert_int_equal(img.width, (int)lround(r.dev_w));
  projector p;
  projector_init(&p);
  /* Panel i filters actor i: its point is drawn there, in its colour, and
   * in no other panel. */
  for (size_t panel = 0; panel < 4; panel++)
    for (size_t a = 0; a < 4; a++) {
      uint32_t px = sample(&p, &r, panel, &img, actor_ll[a][0], actor_ll[a][1]);
      if (a == panel) {
        assert_true(pixel_near(px, actor_rgb[a], 8));
      } else {
        for (size_t k = 0; k < 4; k++)
          assert_false(pixel_near(px, actor_rgb[k], 40));
      }
    }
  projector_fini(&p);
  image_free(&img);
  im_map_free(map);
}

/* ---- the shared legend ---- */

/* What a command prints on stdout (free with free()). */
static char *output_of(const char *cmd, const char *name) {
  char full[4096];
  const char *out = scratch_path(name);
  snprintf(full, sizeof full, "%s > '%s'", cmd, out);
  int st = system(full);
  assert_true(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  char *text = read_file(out, NULL);
  assert_non_null(text);
  return text;
}

static size_t legend_count(const im_multiples_report *r, const char *label) {
  size_t n = 0;
  for (size_t i = 0; i < r->nlegend; i++)
    if (!strcmp(r->legend[i].label, label))
      n += r->legend[i].count;
  return n;
}

static void legend_sums_panels(void **state) {
  (void)state;
  /* Three China points and two Russia points in all; Iran's and
   * Venezuela's one each. */
  static const double extra[][3] = {{-70, -20, 0}, {-60, -5, 0}, {-50, -30, 1}};
  const char *events = write_events("events-legend.geojson", extra, 3);
  /* China is in two panels (3 + 3), Russia in one (2), Iran in one (1),
   * Venezuela in none. */
  im_map *map = spec("legend.yaml", events, "  margins: 10mm\n",
                     "  columns: 3\n  panels:\n"
                     "    - {title: \"China and Russia\", where: \"actor in ('China', 'Russia')\"}\n"
                     "    - {title: \"China alone\", where: \"actor = 'China'\"}\n"
                     "    - {title: \"Iran alone\", where: \"actor = 'Iran'\"}\n",
                     "legend: {title: Actor, by: actor, counts: true, position: bottom}\n");
  im_multiples_report r;
  probe(map, &r);
  assert_int_equal(legend_count(&r, "China"), 6);
  assert_int_equal(legend_count(&r, "Russia"), 2);
  assert_int_equal(legend_count(&r, "Iran"), 1);
  assert_int_equal(legend_count(&r, "Venezuela"), 0);
  assert_int_equal(r.nlegend, 3);
  /* The PDF's text: one legend, those rows and no other. */
  const char *pdf = scratch_path("legend.pdf");
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, pdf, NULL, &err), &err);
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "pdftotext '%s' -", pdf);
  char *text = output_of(cmd, "legend.txt");
  assert_non_null(strstr(text, "China (6)"));
  assert_non_null(strstr(text, "Russia (2)"));
  assert_non_null(strstr(text, "Iran (1)"));
  assert_null(strstr(text, "Venezuela"));
  assert_null(strstr(strstr(text, "China (6)") + 1, "China ("));
  char *actor = strstr(text, "Actor");
  assert_non_null(actor);
  assert_null(strstr(actor + 1, "Actor"));
  assert_non_null(strstr(text, "China and Russia"));
  assert_non_null(strstr(text, "Iran alone"));
  free(text);
  im_map_free(map);
}

/* The demo: four actors of the VRIC data, one legend with the four of them
 * and their counts, nothing else; each actor's marker only in its panel. */
static void demo_spec(void **state) {
  (void)state;
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_load(src_path("styles/actors-multiples.yaml"), &map, &err), &err);
  assert_ok(im_map_check(map, &err), &err);
  assert_non_null(map->multiples);
  assert_int_equal(map->multiples->npanels, 4);
  const char *pdf = scratch_path("actors.pdf");
  assert_ok(im_map_render(map, pdf, NULL, &err), &err);
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "pdftotext '%s' -", pdf);
  char *text = output_of(cmd, "actors.txt");
  assert_non_null(strstr(
      text, "Venezuela, Russia, Iran and China in Latin America, as reported in the December 2021 VRIC Monitor"));
  /* The counts: the events and routes of the December 2021 issue whose
   * actor (the side that acts) each panel shows, inside the frame. */
  assert_non_null(strstr(text, "China (5)"));
  assert_non_null(strstr(text, "Russia (9)"));
  assert_non_null(strstr(text, "Iran (5)"));
  assert_non_null(strstr(text, "Venezuela (6)"));
  /* No actor but the four (the Category section below has its own
   * "other", the category). */
  const char *actor = strstr(text, "Actor"), *category = actor ? strstr(actor, "Category") : NULL;
  assert_non_null(category);
  const char *other = strstr(actor, "other (");
  assert_true(!other || other > category);
  assert_null(strstr(text, "United States ("));
  free(text);
  im_multiples_report r;
  probe(map, &r);
  /* The Actor section: each actor's routes and events, 7 entries (Russia
   * has no route of its own: the visits to Moscow are the visitors'). */
  size_t in_actor = 0;
  for (size_t j = 0; j < r.nlegend; j++)
    in_actor += r.legend[j].section == 0;
  assert_int_equal(in_actor, 7);
  im_map_free(map);
}

/* ---- spec errors ---- */

static void expect_error(const char *multiples, const char *extra, const char *words, int line, int column) {
  char yaml[4096];
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:3857\nlayers:\n  - {id: events, source: %s, schema: events}\n"
           "  - {id: land, source: %s}\nmultiples:\n%s%s",
           src_path("shapes/influence/events.geojson"), src_path("shapes/ne_50m_admin_0_countries.shp"), multiples,
           extra);
  const char *path = scratch_path("bad.yaml");
  assert_true(write_file(path, yaml, strlen(yaml)));
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_int_equal(im_map_load(path, &map, &err), IM_STATUS_INPUT);
  assert_null(map);
  if (!strstr(err.message, words) || err.line != line || (column && err.column != column))
    fail_msg("%s\nwanted '%s' at %d:%d; got %d:%d: %s", multiples, words, line, column, err.line, err.column,
             err.message);
  assert_string_equal(err.file, path);
}

static void spec_errors(void **state) {
  (void)state;
  /* Line 7 is the first line under multiples:. */
  expect_error("  columns: 0\n  panels: [{title: A}]\n", "", "columns must be a whole number from 1 to 12", 7, 12);
  expect_error("  columns: 2\n  panels:\n    - {title: A}\n    - {titel: B}\n", "", "did you mean 'title'", 10, 8);
  expect_error("  columns: two\n  panels: [{title: A}]\n", "", "columns must be", 7, 12);
  expect_error("  columns: 1\n  rows: 1\n  panels: [{title: A}, {title: B}]\n", "", "has 1 cells; 2 panels", 8, 9);
  expect_error("  panels: [{title: A}]\n", "", "needs columns", 7, 0);
  expect_error("  columns: 2\n", "", "needs panels", 7, 0);
  expect_error("  columns: 2\n  panels: []\n", "", "panels is empty", 8, 0);
  expect_error("  columns: 2\n  colums: 3\n  panels: [{title: A}]\n", "", "did you mean 'columns'", 8, 3);
  expect_error("  columns: 1\n  panels:\n    - {where: {layer: event, expr: \"actor = 'China'\"}}\n", "",
               "did you mean 'events'", 9, 23);
  expect_error("  columns: 1\n  panels:\n    - {where: \"actor = = 'China'\"}\n", "", "", 9, 0);
  expect_error("  columns: 1\n  panels:\n    - {period: {from: 2021-13-45}}\n", "", "ISO 8601", 9, 23);
  expect_error("  columns: 1\n  panels:\n    - {extent: {west: -10, east: 10, south: 5}}\n", "", "north is missing", 9,
               0);
  expect_error("  columns: 2\n  legend: cell\n  panels: [{title: A}, {title: B}]\n  rows: 1\n", "",
               "the panels and the legend", 10, 9);
  expect_error("  columns: 1\n  legend: inside\n  panels: [{title: A}]\n", "", "legend", 8, 11);
  /* A where: "EXPRESSION" needs layers with schema: events. */
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:3857\nlayers:\n  - {id: land, source: %s}\nmultiples:\n  columns: 1\n"
           "  panels:\n    - {where: \"NAME = 'Peru'\"}\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"));
  const char *path = scratch_path("no-events.yaml");
  assert_true(write_file(path, yaml, strlen(yaml)));
  im_map *map = NULL;
  im_error err;
  assert_int_equal(im_map_load(path, &map, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "schema: events"));
  assert_int_equal(err.line, 8);
  /* A field the data does not have: found by validate (im_map_check). */
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:3857\nlayers:\n  - {id: events, source: %s, schema: events}\nmultiples:\n"
           "  columns: 1\n  panels:\n    - {where: \"actr = 'China'\"}\n",
           src_path("shapes/influence/events.geojson"));
  assert_true(write_file(path, yaml, strlen(yaml)));
  assert_ok(im_map_load(path, &map, &err), &err);
  assert_int_equal(im_map_check(map, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "actr"));
  assert_int_equal(err.line, 8);
  im_map_free(map);
  /* A page too small for its grid. */
  snprintf(yaml, sizeof yaml,
           "map:\n  crs: EPSG:3857\n  page: {width: 60mm, height: 40mm}\nlayers:\n"
           "  - {id: events, source: %s, schema: events}\nmultiples:\n  columns: 4\n"
           "  panels: [{title: A}, {title: B}, {title: C}, {title: D}, {title: E}]\n",
           src_path("shapes/influence/events.geojson"));
  assert_true(write_file(path, yaml, strlen(yaml)));
  assert_ok(im_map_load(path, &map, &err), &err);
  assert_int_equal(im_map_render(map, scratch_path("small.png"), NULL, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "leave cells of"));
  assert_int_equal(err.line, 7);
  im_map_free(map);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(layout_two_by_two),
      cmocka_unit_test(layout_legend_in_cell),
      cmocka_unit_test(panels_show_their_own_actor),
      cmocka_unit_test(legend_sums_panels),
      cmocka_unit_test(demo_spec),
      cmocka_unit_test(spec_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
