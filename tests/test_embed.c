/* A map drawn into a box of a host's Cairo context (im_map_render_to_box):
 * the host's pixels outside the box untouched, the map inside as a render
 * of that size, composited over the host's page, the host's Cairo state as
 * it was, a PDF host's text and the map's together. */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define LAEA "+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs"

/* Latin America on a page of 200 x 150 pt at 144 dpi (400 x 300 px): the
 * box's size, so a render of the spec is what the box should hold. */
static im_map *spec(const char *name, const char *background, const char *extra) {
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 200pt, height: 150pt, dpi: 144}\n  crs: \"%s\"\n"
           "  extent: {west: -92, east: -30, south: -56, north: 15}\n  background: \"%s\"\n%s"
           "layers:\n  - id: land\n    source: %s\n    fill: \"#f2efe9\"\n"
           "    stroke: {color: \"#8a8a8a\", width: 0.4pt}\n",
           LAEA, background, extra, src_path("shapes/ne_10m_admin_0_countries_americas.shp"));
  return load_spec_text(name, yaml);
}

enum { HOST_W = 560, HOST_H = 440 };
/* The box in the host's user space (points; the host is scaled 2x: 144 dpi)
 * and so in its pixels. */
#define BOX_X 40.0
#define BOX_Y 30.0
#define BOX_W 200.0
#define BOX_H 150.0
enum { PX0 = 80, PY0 = 60, PX1 = 480, PY1 = 360 };

/* The host's own page: green paper with a blue line right across it. */
static cairo_surface_t *host_page(cairo_t **cr) {
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, HOST_W, HOST_H);
  *cr = cairo_create(s);
  cairo_scale(*cr, 2, 2);
  cairo_set_source_rgb(*cr, 0.2, 0.6, 0.3);
  cairo_paint(*cr);
  cairo_set_source_rgb(*cr, 0.1, 0.2, 0.9);
  cairo_set_line_width(*cr, 6);
  cairo_move_to(*cr, 0, 0);
  cairo_line_to(*cr, HOST_W / 2.0, HOST_H / 2.0);
  cairo_stroke(*cr);
  return s;
}

static uint32_t px(cairo_surface_t *s, int x, int y) {
  const unsigned char *d = cairo_image_surface_get_data(s);
  return ((const uint32_t *)(d + (size_t)y * cairo_image_surface_get_stride(s)))[x];
}

static bool in_box(int x, int y) { return x >= PX0 && x < PX1 && y >= PY0 && y < PY1; }

/* Pixels outside the box that differ from before. */
static size_t changed_outside(cairo_surface_t *before, cairo_surface_t *after) {
  size_t n = 0;
  for (int y = 0; y < HOST_H; y++)
    for (int x = 0; x < HOST_W; x++)
      if (!in_box(x, y) && px(before, x, y) != px(after, x, y))
        n++;
  return n;
}

static cairo_surface_t *copy_of(cairo_surface_t *s) {
  cairo_surface_flush(s);
  cairo_surface_t *c = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, HOST_W, HOST_H);
  cairo_t *cr = cairo_create(c);
  cairo_set_source_surface(cr, s, 0, 0);
  cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_flush(c);
  return c;
}

static int channel_diff(uint32_t a, uint32_t b) {
  int worst = 0;
  for (int sh = 0; sh < 32; sh += 8) {
    int d = abs((int)((a >> sh) & 0xff) - (int)((b >> sh) & 0xff));
    worst = d > worst ? d : worst;
  }
  return worst;
}

/* The box holds what im_map_render writes at that size (margins, title,
 * layers), nothing outside the box changes, and the host's Cairo state is
 * as it was: matrix, source, line width, operator, clip, current path. */
static void box_is_the_map_and_nothing_else(void **state) {
  (void)state;
  im_map *map = spec("box.yaml", "#dbe9f4",
                     "  margins: {top: 30pt, right: 6pt, bottom: 6pt, left: 6pt}\n"
                     "  title: Embedded\n");
  im_error err;
  const char *png = scratch_path("box.png");
  assert_ok(im_map_render(map, png, NULL, &err), &err);
  test_image ref;
  assert_true(image_load(png, &ref));
  assert_int_equal(ref.width, PX1 - PX0);
  assert_int_equal(ref.height, PY1 - PY0);

  cairo_t *cr;
  cairo_surface_t *host = host_page(&cr);
  cairo_surface_t *before = copy_of(host);
  /* The host's state, set to things a render would change. */
  cairo_set_source_rgba(cr, 0.9, 0.1, 0.1, 0.5);
  cairo_set_line_width(cr, 7);
  cairo_set_operator(cr, CAIRO_OPERATOR_XOR);
  cairo_rectangle(cr, 1, 1, HOST_W / 2.0 - 2, HOST_H / 2.0 - 2);
  cairo_clip(cr);
  cairo_move_to(cr, 5, 5);
  cairo_line_to(cr, 50, 5);
  cairo_matrix_t m0;
  cairo_get_matrix(cr, &m0);
  double c0[4];
  cairo_clip_extents(cr, &c0[0], &c0[1], &c0[2], &c0[3]);

  assert_ok(im_map_render_to_box(map, cr, BOX_X, BOX_Y, BOX_W, BOX_H, NULL, &err), &err);

  cairo_matrix_t m1;
  cairo_get_matrix(cr, &m1);
  assert_memory_equal(&m0, &m1, sizeof m0);
  double r, g, b, a;
  assert_int_equal(cairo_pattern_get_rgba(cairo_get_source(cr), &r, &g, &b, &a), CAIRO_STATUS_SUCCESS);
  assert_true(r == 0.9 && g == 0.1 && b == 0.1 && a == 0.5);
  assert_true(cairo_get_line_width(cr) == 7);
  assert_int_equal(cairo_get_operator(cr), CAIRO_OPERATOR_XOR);
  double c1[4];
  cairo_clip_extents(cr, &c1[0], &c1[1], &c1[2], &c1[3]);
  assert_memory_equal(c0, c1, sizeof c0);
  assert_true(cairo_has_current_point(cr));
  double cx, cy;
  cairo_get_current_point(cr, &cx, &cy);
  assert_true(cx == 50 && cy == 5);
  assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
  cairo_destroy(cr);
  cairo_surface_flush(host);

  assert_int_equal(changed_outside(before, host), 0);
  /* Inside: the render of that size (Cairo's vector replay against the
   * PNG's pixel grid: edges and glyphs may differ by a shade). */
  size_t off = 0, total = 0;
  double sum = 0;
  for (int y = PY0; y < PY1; y++)
    for (int x = PX0; x < PX1; x++) {
      int d = channel_diff(px(host, x, y), image_pixel(&ref, x - PX0, y - PY0) | 0xff000000u);
      sum += d;
      off += d > 64;
      total++;
    }
  printf("box against im_map_render: mean channel difference %.3f, %zu of %zu pixels off by more than 64\n",
         sum / total, off, total);
  assert_true(sum / total < 2.0);
  assert_true(off < total / 100);
  /* The map's page is opaque: no host green in the margin, nor in the sea. */
  assert_true(pixel_near(px(host, PX0 + 3, PY1 - 3), 0xffffff, 0));
  assert_true(pixel_near(px(host, PX1 - 40, PY0 + 90), 0xdbe9f4, 2));
  cairo_surface_write_to_png(host, scratch_path("host.png")); /* to look at */
  cairo_surface_destroy(before);
  cairo_surface_destroy(host);
  image_free(&ref);
  im_map_free(map);
}

/* On an image the box is replayed in bands of rows on two threads
 * (page/embed.c); a host whose surface has a device offset is painted in
 * one go on the calling thread. The two give the same pixels, with the
 * host's clip (whole pixels: two rectangles) and without. */
static cairo_surface_t *host_shifted(cairo_t **cr, int shift) {
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, HOST_W, HOST_H + shift);
  cairo_surface_set_device_offset(s, 0, shift);
  *cr = cairo_create(s);
  cairo_scale(*cr, 2, 2);
  cairo_set_source_rgb(*cr, 0.2, 0.6, 0.3);
  cairo_paint(*cr);
  return s;
}

static void bands_are_one_paint(void **state) {
  (void)state;
  im_map *map = spec("bands.yaml", "#dbe9f4", "  margins: 6pt\n  title: Bands\n");
  im_error err;
  for (int clipped = 0; clipped < 2; clipped++) {
    cairo_t *cr[2];
    cairo_surface_t *host[2] = {host_shifted(&cr[0], 0), host_shifted(&cr[1], 37)};
    for (int i = 0; i < 2; i++) {
      if (clipped) {
        cairo_rectangle(cr[i], 0, 0, 120, 100);
        cairo_rectangle(cr[i], 150, 120, 100, 100);
        cairo_clip(cr[i]);
      }
      assert_ok(im_map_render_to_box(map, cr[i], BOX_X, BOX_Y, BOX_W, BOX_H, NULL, &err), &err);
      assert_int_equal(cairo_status(cr[i]), CAIRO_STATUS_SUCCESS);
      cairo_destroy(cr[i]);
      cairo_surface_flush(host[i]);
    }
    size_t differ = 0, map_px = 0;
    uint32_t green = px(host[0], 2, HOST_H - 2); /* outside the box */
    for (int y = 0; y < HOST_H; y++)
      for (int x = 0; x < HOST_W; x++) {
        differ += px(host[0], x, y) != px(host[1], x, y + 37);
        map_px += px(host[0], x, y) != green;
      }
    printf("bands against one paint (clip %d): %zu pixels differ, %zu pixels of map\n", clipped, differ, map_px);
    assert_int_equal(differ, 0);
    assert_true(map_px > (clipped ? 20000u : 100000u));
    /* The clip holds: the box's lower left is outside both rectangles. */
    if (clipped)
      assert_int_equal(px(host[0], PX0 + 20, PY1 - 20), green);
    for (int i = 0; i < 2; i++)
      cairo_surface_destroy(host[i]);
  }
  im_map_free(map);
}

/* A transparent background leaves the host's page showing in the sea and
 * in the margins; land is drawn over it. */
static void transparent_map_over_the_host(void **state) {
  (void)state;
  im_map *map = spec("clear.yaml", "none", "  margins: 8pt\n");
  cairo_t *cr;
  cairo_surface_t *host = host_page(&cr);
  cairo_surface_t *before = copy_of(host);
  im_error err;
  assert_ok(im_map_render_to_box(map, cr, BOX_X, BOX_Y, BOX_W, BOX_H, NULL, &err), &err);
  cairo_destroy(cr);
  cairo_surface_flush(host);
  assert_int_equal(changed_outside(before, host), 0);
  /* The margin (8 pt = 16 px) and the Pacific west of Lima: the host's. */
  assert_int_equal(px(host, PX0 + 5, PY0 + 150), px(before, PX0 + 5, PY0 + 150));
  assert_int_equal(px(host, PX1 - 5, PY1 - 5), px(before, PX1 - 5, PY1 - 5));
  map_projector p;
  map_projector_init(&p, map);
  int x, y;
  assert_true(map_projector_pixel(&p, -82.0, -12.0, &x, &y)); /* the Pacific */
  assert_int_equal(px(host, PX0 + x, PY0 + y), px(before, PX0 + x, PY0 + y));
  assert_true(map_projector_pixel(&p, -60.0, -10.0, &x, &y)); /* Brazil */
  assert_true(pixel_near(px(host, PX0 + x, PY0 + y), 0xf2efe9, 2));
  map_projector_fini(&p);
  cairo_surface_destroy(before);
  cairo_surface_destroy(host);
  im_map_free(map);
}

/* A render that fails draws nothing on the host's page. */
static void failed_render_leaves_the_host(void **state) {
  (void)state;
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: {width: 200pt, height: 150pt, dpi: 144}\n  crs: \"%s\"\n  background: \"#dbe9f4\"\n"
           "layers:\n  - id: land\n    source: %s\n    fill: \"#f2efe9\"\n    where: \"NO_SUCH_FIELD = 1\"\n",
           LAEA, src_path("shapes/ne_10m_admin_0_countries_americas.shp"));
  im_map *map = load_spec_text("fail.yaml", yaml);
  cairo_t *cr;
  cairo_surface_t *host = host_page(&cr);
  cairo_surface_t *before = copy_of(host);
  im_error err;
  im_error_clear(&err);
  assert_int_equal(im_map_render_to_box(map, cr, BOX_X, BOX_Y, BOX_W, BOX_H, NULL, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "NO_SUCH_FIELD"));
  assert_int_equal(im_map_render_to_box(map, cr, BOX_X, BOX_Y, 0, BOX_H, NULL, &err), IM_STATUS_USAGE);
  cairo_destroy(cr);
  cairo_surface_flush(host);
  for (int yy = 0; yy < HOST_H; yy++)
    for (int xx = 0; xx < HOST_W; xx++)
      if (px(before, xx, yy) != px(host, xx, yy))
        fail_msg("pixel %d,%d changed", xx, yy);
  cairo_surface_destroy(before);
  cairo_surface_destroy(host);
  im_map_free(map);
}

/* On a host's PDF page: the host's text and the map's are both there, the
 * map's as text (vector), not an image. */
static void pdf_host_keeps_its_page(void **state) {
  (void)state;
  im_map *map = spec("pdf.yaml", "#dbe9f4", "  margins: {top: 30pt}\n  title: Ports of the Pacific\n");
  const char *pdf = scratch_path("host.pdf");
  cairo_surface_t *s = cairo_pdf_surface_create(pdf, 595, 842);
  cairo_t *cr = cairo_create(s);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 12);
  cairo_move_to(cr, 72, 72);
  cairo_show_text(cr, "Report chapter one");
  cairo_move_to(cr, 72, 500);
  cairo_show_text(cr, "Figure 1 below the map");
  im_error err;
  assert_ok(im_map_render_to_box(map, cr, 72, 120, 400, 300, NULL, &err), &err);
  cairo_destroy(cr);
  cairo_surface_finish(s);
  assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy(s);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", pdf);
  char *text = run_capture(cmd);
  assert_non_null(text);
  assert_non_null(strstr(text, "Report chapter one"));
  assert_non_null(strstr(text, "Figure 1 below the map"));
  assert_non_null(strstr(text, "Ports of the Pacific"));
  free(text);
  /* No fallback image: the map stays vector. */
  snprintf(cmd, sizeof cmd, "pdfimages -list '%s' | tail -n +3 | wc -l", pdf);
  char *images = run_capture(cmd);
  assert_int_equal(atoi(images), 0);
  free(images);
  im_map_free(map);
}

/* On a host's SVG: the map stays vector there too (no fallback image),
 * and the host's own drawing stays. */
static void svg_host_keeps_its_page(void **state) {
  (void)state;
  im_map *map = spec("svg.yaml", "#dbe9f4", "");
  const char *svg = scratch_path("host.svg");
  cairo_surface_t *s = cairo_svg_surface_create(svg, 595, 842);
  cairo_t *cr = cairo_create(s);
  cairo_set_source_rgb(cr, 0.2, 0.6, 0.3);
  cairo_rectangle(cr, 10, 10, 100, 50);
  cairo_fill(cr);
  im_error err;
  assert_ok(im_map_render_to_box(map, cr, 72, 120, 400, 300, NULL, &err), &err);
  cairo_destroy(cr);
  cairo_surface_finish(s);
  assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy(s);
  size_t len;
  char *text = read_file(svg, &len);
  assert_non_null(text);
  assert_null(strstr(text, "<image"));
  assert_non_null(strstr(text, "fill:rgb(20%,60%,30%)"));                 /* the host's rectangle */
  assert_non_null(strstr(text, "rgb(85.882353%,91.372549%,95.686275%)")); /* the map's sea, #dbe9f4 */
  free(text);
  im_map_free(map);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(box_is_the_map_and_nothing_else),
      cmocka_unit_test(transparent_map_over_the_host),
      cmocka_unit_test(failed_render_leaves_the_host),
      cmocka_unit_test(pdf_host_keeps_its_page),
      /* The SVG host last: Cairo 1.16 keeps a snapshot of what an SVG
       * surface painted (page/embed.c, release), which LeakSanitizer sees
       * as lost once a later test's paints reuse the memory that still
       * pointed at it. */
      cmocka_unit_test(bands_are_one_paint),
      cmocka_unit_test(svg_host_keeps_its_page),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
