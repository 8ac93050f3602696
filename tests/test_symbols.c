/* Symbols drawn into image surfaces and measured: marker extents at 72 and
 * 300 dpi, outlines, opacity, SVG icons at the asked size, dashes, casings,
 * caps, arrowheads, hatching and fill rules. */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render/symbols-private.h"
#include "support.h"

#define WHITE 0xffffff
#define RED 0xff0000
#define BLUE 0x0000ff
#define GREEN 0x00ff00
#define BLACK 0x000000

static const im_color red = {1, 0, 0, 1}, blue = {0, 0, 1, 1}, green = {0, 1, 0, 1}, black = {0, 0, 0, 1};

typedef struct {
  test_image img;
  cairo_t *cr;
} canvas;

static canvas canvas_new(int w, int h) {
  canvas c = {{0}, NULL};
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  c.cr = cairo_create(s);
  cairo_set_source_rgb(c.cr, 1, 1, 1);
  cairo_paint(c.cr);
  c.img = (test_image){w, h, cairo_image_surface_get_stride(s), (uint32_t *)cairo_image_surface_get_data(s), s};
  return c;
}

/* Pixels are read only after drawing is flushed; the cairo_t must be fine. */
static uint32_t px(canvas *c, int x, int y) {
  assert_int_equal(cairo_status(c->cr), CAIRO_STATUS_SUCCESS);
  cairo_surface_flush(c->img.surface);
  return image_pixel(&c->img, x, y);
}

static void canvas_free(canvas *c) {
  cairo_destroy(c->cr);
  image_free(&c->img);
}

/* Ink: a pixel at least ~10% away from the white background. */
static bool inked(canvas *c, int x, int y) { return !pixel_near(px(c, x, y), WHITE, 24); }

/* The box of inked pixels, as edges: [x0, x1) x [y0, y1). */
typedef struct {
  int x0, y0, x1, y1;
} ink_box;

static ink_box ink(canvas *c) {
  ink_box b = {c->img.width, c->img.height, 0, 0};
  for (int y = 0; y < c->img.height; y++)
    for (int x = 0; x < c->img.width; x++)
      if (inked(c, x, y)) {
        b.x0 = x < b.x0 ? x : b.x0, b.y0 = y < b.y0 ? y : b.y0;
        b.x1 = x + 1 > b.x1 ? x + 1 : b.x1, b.y1 = y + 1 > b.y1 ? y + 1 : b.y1;
      }
  return b;
}

/* How much of a pixel a saturated colour covers, 0..1, read from its
 * lightest channel (white where uncovered). */
static double coverage(canvas *c, int x, int y) {
  uint32_t p = px(c, x, y);
  int lo = 255;
  for (int shift = 0; shift < 24; shift += 8)
    lo = (int)((p >> shift) & 0xff) < lo ? (int)((p >> shift) & 0xff) : lo;
  return (255 - lo) / 255.0;
}

/* Summed coverage along a row or a column: the painted length there, with
 * partly covered edge pixels counted for what they cover. */
static double painted(canvas *c, int x, int y, bool down) {
  double sum = 0;
  for (int i = 0; i < (down ? c->img.height : c->img.width); i++)
    sum += coverage(c, down ? x : i, down ? i : y);
  return sum;
}

static void assert_near(double got, double want, double tol, const char *what) {
  if (fabs(got - want) > tol)
    fail_msg("%s: got %.2f, want %.2f (+-%.1f)", what, got, want, tol);
}

static void assert_ink(canvas *c, double x0, double y0, double x1, double y1, const char *what) {
  ink_box b = ink(c);
  char buf[128];
  snprintf(buf, sizeof buf, "%s left", what);
  assert_near(b.x0, x0, 1, buf);
  snprintf(buf, sizeof buf, "%s top", what);
  assert_near(b.y0, y0, 1, buf);
  snprintf(buf, sizeof buf, "%s right", what);
  assert_near(b.x1, x1, 1, buf);
  snprintf(buf, sizeof buf, "%s bottom", what);
  assert_near(b.y1, y1, 1, buf);
}

static im_style base_style(void) {
  im_style st;
  im_style_init_defaults(&st);
  st.fill = red;
  return st;
}

static im_length pt(double v) { return (im_length){v, IM_UNIT_PT}; }

static im_geom line(double x0, double y0, double x1, double y1) {
  im_geom g;
  im_geom_init(&g, IM_GEOM_LINE);
  assert_true(im_geom_begin_part(&g));
  assert_true(im_geom_add_point(&g, x0, y0));
  assert_true(im_geom_add_point(&g, x1, y1));
  im_geom_end_part(&g, 2);
  return g;
}

static void add_square(im_geom *g, double x0, double y0, double x1, double y1) {
  assert_true(im_geom_begin_part(g));
  assert_true(im_geom_add_point(g, x0, y0));
  assert_true(im_geom_add_point(g, x1, y0));
  assert_true(im_geom_add_point(g, x1, y1));
  assert_true(im_geom_add_point(g, x0, y1));
  im_geom_end_part(g, 3);
}

/* ---- markers ---- */

typedef struct {
  im_marker_symbol sym;
  const char *name;
  double l, t, r, b; /* extent around the point for size 1 */
  double cy;         /* where the fill is sure to be, below the point, for size 1 */
} marker_case;

static void markers_at(double dpi) {
  double R = 1 / (1 + cos(M_PI / 5)); /* star's outer radius for height 1 */
  const marker_case cases[] = {
      {IM_MARKER_CIRCLE, "circle", -0.5, -0.5, 0.5, 0.5, 0},
      {IM_MARKER_SQUARE, "square", -0.5, -0.5, 0.5, 0.5, 0},
      {IM_MARKER_TRIANGLE, "triangle", -1 / sqrt(3), -2.0 / 3, 1 / sqrt(3), 1.0 / 3, 0},
      {IM_MARKER_DIAMOND, "diamond", -0.5, -0.5, 0.5, 0.5, 0},
      {IM_MARKER_STAR, "star", -R * cos(M_PI / 10), -R, R * cos(M_PI / 10), R * cos(M_PI / 5), 0},
      {IM_MARKER_CROSS, "cross", -0.5, -0.5, 0.5, 0.5, 0},
      {IM_MARKER_PIN, "pin", -0.32, -1, 0.32, 0, -0.68},
  };
  im_symbol_ctx sc = {dpi / 72, dpi, NULL};
  double s = 20 * dpi / 72; /* 20pt in pixels */
  int side = (int)ceil(3 * s);
  double x = side / 2, y = side / 2;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const marker_case *mc = &cases[i];
    canvas c = canvas_new(side, side);
    im_style st = base_style();
    st.marker_symbol = mc->sym;
    st.marker_size = pt(20);
    im_draw_marker(c.cr, &sc, &st, x, y);
    assert_ink(&c, x + mc->l * s, y + mc->t * s, x + mc->r * s, y + mc->b * s, mc->name);
    /* The box for labels is the same extent. */
    im_bbox box = im_marker_box(&sc, &st, x, y);
    assert_near(box.minx, x + mc->l * s, 0.01, mc->name);
    assert_near(box.maxy, y + mc->b * s, 0.01, mc->name);
    uint32_t centre = px(&c, (int)x, (int)(y + mc->cy * s));
    if (!pixel_near(centre, RED, 2))
      fail_msg("%s at %.0f dpi: the centre is %06x, not the fill", mc->name, dpi, centre);
    /* The cross is a plus sign with bars size / 5 thick: its corners stay empty. */
    if (mc->sym == IM_MARKER_CROSS) {
      assert_false(inked(&c, (int)(x + 0.3 * s), (int)(y - 0.3 * s)));
      assert_near(painted(&c, 0, (int)(y - 0.35 * s), false), s / 5, 0.5, "cross bar");
    }
    if (mc->sym == IM_MARKER_CIRCLE)
      assert_false(inked(&c, (int)(x + 0.45 * s), (int)(y - 0.45 * s)));
    if (mc->sym == IM_MARKER_DIAMOND)
      assert_false(inked(&c, (int)(x + 0.3 * s), (int)(y - 0.3 * s)));
    canvas_free(&c);
  }
}

static void markers_72dpi(void **state) { markers_at(72); }
static void markers_300dpi(void **state) { markers_at(300); }

static void pin_tip_on_point(void **state) {
  im_symbol_ctx sc = {1, 72, NULL};
  canvas c = canvas_new(100, 100);
  im_style st = base_style();
  st.marker_symbol = IM_MARKER_PIN;
  st.marker_size = pt(30);
  im_draw_marker(c.cr, &sc, &st, 50, 70);
  ink_box b = ink(&c);
  assert_near(b.y1, 70, 1, "pin tip row");
  assert_near(b.y0, 40, 1, "pin top");
  /* The lowest inked row is a point under x = 50. */
  for (int x = 0; x < 100; x++)
    if (inked(&c, x, b.y1 - 1))
      assert_near(x, 50, 1, "pin tip column");
  canvas_free(&c);
}

static void marker_stroke_and_opacity(void **state) {
  im_symbol_ctx sc = {1, 72, NULL};
  im_style st = base_style();
  st.marker_size = pt(20);
  st.stroke_color = blue;
  st.stroke_width = pt(2);

  /* Without IM_STYLE_STROKE_COLOR or IM_STYLE_STROKE: no outline. */
  canvas c = canvas_new(100, 100);
  im_draw_marker(c.cr, &sc, &st, 50, 50);
  assert_true(pixel_near(px(&c, 50, 41), RED, 2));
  assert_ink(&c, 40, 40, 60, 60, "unstroked circle");
  canvas_free(&c);

  /* A ring from radius 9 to 11 in blue round the red. */
  st.set |= IM_STYLE_STROKE_COLOR;
  c = canvas_new(100, 100);
  im_draw_marker(c.cr, &sc, &st, 50, 50);
  assert_true(pixel_near(px(&c, 50, 39), BLUE, 16)); /* the outer edge: curves are flattened */
  assert_true(pixel_near(px(&c, 50, 40), BLUE, 2));
  assert_true(pixel_near(px(&c, 59, 50), BLUE, 2));
  assert_true(pixel_near(px(&c, 50, 50), RED, 2));
  assert_true(pixel_near(px(&c, 50, 37), WHITE, 2));
  assert_ink(&c, 39, 39, 61, 61, "stroked circle");
  im_bbox box = im_marker_box(&sc, &st, 50, 50);
  assert_near(box.minx, 39, 0.01, "stroked box");
  canvas_free(&c);

  /* Opacity 0.5 over white: the fill is pink, and where the outline lies
   * over the fill only the outline shows (one group, not two layers). */
  st.opacity = 0.5;
  st.marker_symbol = IM_MARKER_SQUARE;
  c = canvas_new(100, 100);
  im_draw_marker(c.cr, &sc, &st, 50, 50);
  assert_true(pixel_near(px(&c, 50, 50), 0xff8080, 3));
  assert_true(pixel_near(px(&c, 40, 50), 0x8080ff, 3)); /* the inner half of the outline */
  assert_true(pixel_near(px(&c, 39, 50), 0x8080ff, 3));
  assert_true(pixel_near(px(&c, 20, 20), WHITE, 0));
  canvas_free(&c);

  /* Opacity 0 draws nothing. */
  st.opacity = 0;
  c = canvas_new(100, 100);
  im_draw_marker(c.cr, &sc, &st, 50, 50);
  ink_box b = ink(&c);
  assert_true(b.x1 == 0 && b.y1 == 0);
  canvas_free(&c);
}

/* ---- icons ---- */

static const char *write_svg(const char *name, const char *text) {
  const char *path = scratch_path(name);
  assert_true(write_file(path, text, strlen(text)));
  return path;
}

static void icon_at(im_icon_cache *icons, const char *path, double dpi, double size_pt, double want_w, double want_h) {
  im_symbol_ctx sc = {dpi / 72, dpi, icons};
  int side = (int)ceil(3 * want_h);
  canvas c = canvas_new(side, side);
  im_style st = base_style();
  st.marker_symbol = IM_MARKER_ICON;
  st.marker_icon = (char *)path;
  st.marker_size = pt(size_pt);
  double x = side / 2, y = side / 2;
  im_draw_marker(c.cr, &sc, &st, x, y);
  ink_box b = ink(&c);
  assert_near(painted(&c, (int)x, 0, true), want_h, 1, "icon height");
  assert_near(painted(&c, 0, (int)y, false), want_w, 1, "icon width");
  assert_near((b.x0 + b.x1) / 2.0, x, 1, "icon centre x");
  assert_near((b.y0 + b.y1) / 2.0, y, 1, "icon centre y");
  assert_true(pixel_near(px(&c, (int)x, (int)y), RED, 2));
  im_bbox box = im_marker_box(&sc, &st, x, y);
  assert_near(box.maxx - box.minx, want_w, 0.5, "icon box width");
  assert_near(box.maxy - box.miny, want_h, 0.5, "icon box height");
  canvas_free(&c);
}

static void icons_at_asked_size(void **state) {
  im_error err;
  im_icon_cache *icons = im_icon_cache_create();
  assert_non_null(icons);
  /* Sized by its viewBox only: 1 wide for 2 high. */
  const char *tall = write_svg("tall.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 20\">"
                                           "<rect width=\"10\" height=\"20\" fill=\"#ff0000\"/></svg>\n");
  assert_ok(im_icon_cache_load(icons, tall, NULL, 0, 0, &err), &err);
  assert_ok(im_icon_cache_load(icons, tall, NULL, 0, 0, &err), &err); /* found, not reloaded */
  double aspect = 0;
  assert_true(im_icon_cache_aspect(icons, tall, &aspect));
  assert_near(aspect, 0.5, 1e-9, "aspect");
  icon_at(icons, tall, 72, 40, 20, 40);
  icon_at(icons, tall, 300, 40, 40 * 300 / 72.0 / 2, 40 * 300 / 72.0);

  /* Sized by width and height in absolute units: 2 wide for 1 high. */
  const char *wide = write_svg("wide.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"6mm\" height=\"3mm\" "
                                           "viewBox=\"0 0 30 15\">"
                                           "<rect width=\"30\" height=\"15\" fill=\"red\"/></svg>");
  assert_ok(im_icon_cache_load(icons, wide, NULL, 0, 0, &err), &err);
  icon_at(icons, wide, 72, 20, 40, 20);

  /* Not loaded: nothing drawn, the box falls back to a square. */
  im_symbol_ctx sc = {1, 72, icons};
  canvas c = canvas_new(60, 60);
  im_style st = base_style();
  st.marker_symbol = IM_MARKER_ICON;
  st.marker_icon = (char *)"never-loaded.svg";
  st.marker_size = pt(20);
  im_draw_marker(c.cr, &sc, &st, 30, 30);
  assert_int_equal(ink(&c).x1, 0);
  canvas_free(&c);
  im_icon_cache_free(icons);
}

/* Through a recording surface (what PDF and SVG output are made of: no
 * pixels, and not an image group target), replayed onto pixels: icons
 * and the groups for opacity come out as on a raster. */
static void vector_surface(void **state) {
  im_error err;
  im_icon_cache *icons = im_icon_cache_create();
  const char *tall = write_svg("tall-vector.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 20\">"
                                                  "<rect width=\"10\" height=\"20\" fill=\"red\"/></svg>\n");
  assert_ok(im_icon_cache_load(icons, tall, NULL, 0, 0, &err), &err);
  im_symbol_ctx sc = {1, 72, icons};
  for (int i = 0; i < 2; i++) {
    cairo_rectangle_t page = {0, 0, 200, 200};
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &page);
    cairo_t *cr = cairo_create(rec);
    im_style st = base_style();
    st.opacity = 0.5;
    st.marker_size = pt(40);
    st.marker_symbol = i ? IM_MARKER_STAR : IM_MARKER_ICON;
    st.marker_icon = (char *)tall;
    im_draw_marker(cr, &sc, &st, 100, 100);
    assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    canvas c = canvas_new(200, 200);
    cairo_set_source_surface(c.cr, rec, 0, 0);
    cairo_paint(c.cr);
    im_bbox box = im_marker_box(&sc, &st, 100, 100);
    assert_ink(&c, box.minx, box.miny, box.maxx, box.maxy, i ? "vector star" : "vector icon");
    assert_true(pixel_near(px(&c, 100, 100), 0xff8080, 3));
    canvas_free(&c);
    cairo_destroy(cr);
    cairo_surface_destroy(rec);
  }
  im_icon_cache_free(icons);
}

static void icon_errors(void **state) {
  im_error err;
  im_icon_cache *icons = im_icon_cache_create();
  const char *missing = scratch_path("missing.svg");
  remove(missing);
  assert_int_equal(im_icon_cache_load(icons, missing, NULL, 0, 0, &err), IM_STATUS_INPUT);
  assert_string_equal(err.file, missing);
  assert_non_null(strstr(err.message, "cannot open"));

  /* Asked for by a spec: the place is the spec key, the message names the icon. */
  assert_int_equal(im_icon_cache_load(icons, missing, "map.yaml", 12, 15, &err), IM_STATUS_INPUT);
  assert_string_equal(err.file, "map.yaml");
  assert_int_equal(err.line, 12);
  assert_int_equal(err.column, 15);
  assert_non_null(strstr(err.message, missing));

  const char *broken = write_svg("broken.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=");
  assert_int_equal(im_icon_cache_load(icons, broken, NULL, 0, 0, &err), IM_STATUS_INPUT);
  assert_string_equal(err.file, broken);
  assert_non_null(strstr(err.message, "not a valid SVG"));

  const char *not_svg = write_svg("not-svg.svg", "hello\n");
  assert_int_equal(im_icon_cache_load(icons, not_svg, NULL, 0, 0, &err), IM_STATUS_INPUT);
  assert_string_equal(err.file, not_svg);

  const char *sizeless = write_svg("sizeless.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"5\" "
                                                   "height=\"5\"/></svg>");
  assert_int_equal(im_icon_cache_load(icons, sizeless, NULL, 0, 0, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "no size"));

  /* Failed loads leave nothing behind. */
  double aspect;
  assert_false(im_icon_cache_aspect(icons, broken, &aspect));
  im_icon_cache_free(icons);
}

/* ---- lines ---- */

static void dashes(void **state) {
  im_symbol_ctx sc = {1, 72, NULL};
  canvas c = canvas_new(200, 100);
  im_style st = base_style();
  st.stroke_color = black;
  st.stroke_width = pt(2);
  st.cap = IM_CAP_BUTT;
  st.set |= IM_STYLE_DASH;
  st.ndash = 2;
  st.dash[0] = pt(6);
  st.dash[1] = pt(4);
  im_geom g = line(10, 50, 190, 50);
  im_stroke_lines(c.cr, &sc, &st, &g);
  /* Runs along row 50 from x = 10: 18 dashes of 6 px, 4 px apart. */
  int on_runs = 0, run = 0;
  bool was_on = false;
  for (int x = 10; x <= 190; x++) {
    bool on = x < 190 && pixel_near(px(&c, x, 50), BLACK, 8);
    if (x < 190)
      assert_true(on || pixel_near(px(&c, x, 50), WHITE, 8));
    if (on != was_on || x == 190) {
      if (x > 10)
        assert_near(run, was_on ? 6 : 4, 0, was_on ? "dash" : "gap");
      on_runs += on;
      run = 0;
    }
    was_on = on;
    run++;
  }
  assert_int_equal(on_runs, 18);
  assert_true(pixel_near(px(&c, 100, 47), WHITE, 0));

  /* An all-zero pattern draws a solid line and leaves cairo usable. */
  st.dash[0] = st.dash[1] = pt(0);
  canvas d = canvas_new(200, 100);
  im_stroke_lines(d.cr, &sc, &st, &g);
  for (int x = 10; x < 190; x++)
    assert_true(pixel_near(px(&d, x, 50), BLACK, 8));
  canvas_free(&d);
  im_geom_free(&g);
  canvas_free(&c);
}

static void casing(void **state) {
  im_symbol_ctx sc = {1, 72, NULL};
  canvas c = canvas_new(100, 100);
  im_style st = base_style();
  st.stroke_color = black;
  st.stroke_width = pt(2);
  st.cap = IM_CAP_BUTT;
  st.set |= IM_STYLE_CASING | IM_STYLE_DASH;
  st.casing.color = green;
  st.casing.width = pt(6);
  st.ndash = 2;
  st.dash[0] = pt(5);
  st.dash[1] = pt(5);
  im_geom g = line(10, 50, 90, 50);
  im_stroke_lines(c.cr, &sc, &st, &g);
  assert_true(pixel_near(px(&c, 12, 50), BLACK, 8)); /* a dash */
  assert_true(pixel_near(px(&c, 17, 50), GREEN, 8)); /* a gap: the casing is not dashed */
  assert_true(pixel_near(px(&c, 12, 52), GREEN, 8)); /* just outside the line */
  assert_true(pixel_near(px(&c, 12, 47), GREEN, 8));
  assert_true(pixel_near(px(&c, 12, 53), WHITE, 8)); /* outside the casing */
  assert_true(pixel_near(px(&c, 12, 46), WHITE, 8));
  assert_ink(&c, 10, 47, 90, 53, "cased line");
  im_geom_free(&g);
  canvas_free(&c);
}

static void caps(void **state) {
  im_symbol_ctx sc = {1, 72, NULL};
  const im_line_cap kinds[] = {IM_CAP_BUTT, IM_CAP_SQUARE, IM_CAP_ROUND};
  const int right[] = {150, 155, 155};
  im_geom g = line(50, 50, 150, 50);
  for (int i = 0; i < 3; i++) {
    canvas c = canvas_new(200, 100);
    im_style st = base_style();
    st.stroke_color = black;
    st.stroke_width = pt(10);
    st.cap = kinds[i];
    im_stroke_lines(c.cr, &sc, &st, &g);
    assert_ink(&c, 200 - right[i], 45, right[i], 55, "cap");
    /* The corner of a square cap; outside a round one. */
    assert_int_equal(inked(&c, 154, 45), kinds[i] == IM_CAP_SQUARE);
    canvas_free(&c);
  }
  im_geom_free(&g);
}

/* Inked pixels right of x = 120 on a line along y = 50.5 must lie in the
 * arrowhead (tip at 150, 20 long, 15 wide) or the line (lhw each side of
 * its axis, which may reach into the arrowhead but not past it), and the
 * arrowhead is filled. Pixels whose centre is 0.75 px off a slanted edge
 * get no coverage from it. */
static void assert_arrow_shape(canvas *c, double lhw) {
  for (int y = 30; y < 70; y++)
    for (int x = 120; x < 170; x++) {
      double cx = x + 0.5, cy = y + 0.5, hw = cx <= 150 && cx >= 130 ? (150 - cx) * 7.5 / 20 : -1;
      double outer = fmax(hw, cx < 130 ? lhw : -1), inner = fmax(hw, cx < 129 ? lhw : -1);
      if (fabs(cy - 50.5) > outer + 0.75 && inked(c, x, y))
        fail_msg("pixel %d,%d is inked outside the arrow", x, y);
      if (fabs(cy - 50.5) < inner - 1 && !pixel_near(px(c, x, y), BLUE, 8))
        fail_msg("pixel %d,%d is %06x inside the arrow", x, y, px(c, x, y));
    }
}

static void arrowheads(void **state) {
  im_symbol_ctx sc = {1, 72, NULL};
  im_style st = base_style();
  st.stroke_color = blue;
  st.stroke_width = pt(4);
  st.cap = IM_CAP_ROUND; /* a round cap would poke 2 px past the tip if not cut back */
  st.arrow = IM_ARROW_END;
  st.arrow_size = pt(20);
  im_geom g = line(20, 50.5, 150, 50.5);
  canvas c = canvas_new(200, 100);
  im_stroke_lines(c.cr, &sc, &st, &g);
  assert_arrow_shape(&c, 2);
  ink_box b = ink(&c);
  assert_near(b.x1, 150, 1, "tip");
  assert_near(b.x0, 18, 1, "round start"); /* no arrow there: the cap shows */
  assert_near(b.y0, 43, 1, "arrow top");
  assert_near(b.y1, 58, 1, "arrow bottom");
  canvas_free(&c);

  /* Both ends, on a line drawn the other way: the same arrow at x = 150. */
  im_geom_free(&g);
  g = line(150, 50.5, 20, 50.5);
  st.arrow = IM_ARROW_BOTH;
  c = canvas_new(200, 100);
  im_stroke_lines(c.cr, &sc, &st, &g);
  assert_arrow_shape(&c, 2);
  b = ink(&c);
  assert_near(b.x0, 20, 1, "second tip");
  assert_near(b.x1, 150, 1, "first tip");
  canvas_free(&c);

  /* A thick line with square caps: its corners stay inside the arrowhead. */
  st.stroke_width = pt(6);
  st.cap = IM_CAP_SQUARE;
  c = canvas_new(200, 100);
  im_stroke_lines(c.cr, &sc, &st, &g);
  assert_arrow_shape(&c, 3);
  canvas_free(&c);
  st.stroke_width = pt(4);
  st.cap = IM_CAP_ROUND;

  /* A line shorter than its arrowhead still gets the arrowhead only. */
  im_geom_free(&g);
  g = line(140, 50.5, 150, 50.5);
  st.arrow = IM_ARROW_END;
  c = canvas_new(200, 100);
  im_stroke_lines(c.cr, &sc, &st, &g);
  b = ink(&c);
  assert_near(b.x1, 150, 1, "short tip");
  assert_near(b.x0, 130, 1, "short base");
  canvas_free(&c);
  im_geom_free(&g);

  /* The margin covers the arrowhead. */
  assert_true(im_symbol_margin(&sc, &st) >= 20);
}

static void line_opacity(void **state) {
  im_symbol_ctx sc = {1, 72, NULL};
  im_style st = base_style();
  st.stroke_color = blue;
  st.stroke_width = pt(2);
  st.set |= IM_STYLE_CASING;
  st.casing.color = red;
  st.casing.width = pt(6);
  st.opacity = 0.5;
  im_geom g = line(10, 50, 90, 50);
  canvas c = canvas_new(100, 100);
  im_stroke_lines(c.cr, &sc, &st, &g);
  /* The line hides the casing under it, then the whole is half seen. */
  assert_true(pixel_near(px(&c, 50, 50), 0x8080ff, 3));
  assert_true(pixel_near(px(&c, 50, 52), 0xff8080, 3));
  im_geom_free(&g);
  canvas_free(&c);
}

/* ---- polygons ---- */

static void hatching(void **state) {
  im_symbol_ctx sc = {1, 72, NULL};
  im_style st = base_style();
  st.fill.a = 0;
  st.set |= IM_STYLE_HATCH;
  st.hatch.color = blue;
  st.hatch.spacing = pt(10);
  st.hatch.width = pt(2);
  st.hatch.angle = 0;
  im_geom g;
  im_geom_init(&g, IM_GEOM_POLYGON);
  add_square(&g, 20, 20, 80, 80);
  canvas c = canvas_new(100, 100);
  im_fill_polygon(c.cr, &sc, &st, &g, NULL);
  /* Stripes at y = 30, 40, ... 70, 2 px thick, only inside the square. */
  for (int k = 3; k <= 7; k++)
    for (int x = 20; x < 80; x++) {
      assert_true(pixel_near(px(&c, x, 10 * k - 1), BLUE, 8));
      assert_true(pixel_near(px(&c, x, 10 * k), BLUE, 8));
      assert_true(pixel_near(px(&c, x, 10 * k + 1), WHITE, 8));
      assert_true(pixel_near(px(&c, x, 10 * k + 5), WHITE, 8));
    }
  assert_false(inked(&c, 10, 30));
  assert_false(inked(&c, 85, 30));
  ink_box b = ink(&c);
  assert_true(b.x0 >= 20 && b.y0 >= 20 && b.x1 <= 80 && b.y1 <= 80);
  canvas_free(&c);

  /* At 90 degrees over a fill: vertical stripes on red. */
  st.fill = red;
  st.hatch.angle = 90;
  c = canvas_new(100, 100);
  im_fill_polygon(c.cr, &sc, &st, &g, NULL);
  assert_true(pixel_near(px(&c, 40, 50), BLUE, 8));
  assert_true(pixel_near(px(&c, 39, 50), BLUE, 8));
  assert_true(pixel_near(px(&c, 45, 50), RED, 8));
  assert_true(pixel_near(px(&c, 40, 10), WHITE, 0));
  canvas_free(&c);
  im_geom_free(&g);
}

static void fill_rules(void **state) {
  im_symbol_ctx sc = {1, 72, NULL};
  im_style st = base_style();
  im_geom g;
  im_geom_init(&g, IM_GEOM_POLYGON);
  add_square(&g, 10, 10, 90, 90);
  add_square(&g, 30, 30, 70, 70); /* same winding as the outer ring */
  for (int nonzero = 0; nonzero <= 1; nonzero++) {
    g.nonzero = nonzero;
    canvas c = canvas_new(100, 100);
    im_fill_polygon(c.cr, &sc, &st, &g, NULL);
    assert_true(pixel_near(px(&c, 20, 50), RED, 2));
    assert_true(pixel_near(px(&c, 50, 50), nonzero ? RED : WHITE, 2));
    assert_true(pixel_near(px(&c, 5, 50), WHITE, 0));
    canvas_free(&c);
  }
  im_geom_free(&g);
}

static void polygon_outline_opacity(void **state) {
  im_symbol_ctx sc = {1, 72, NULL};
  im_style st = base_style();
  st.stroke_color = blue;
  st.stroke_width = pt(4);
  st.opacity = 0.5;
  im_geom g;
  im_geom_init(&g, IM_GEOM_POLYGON);
  add_square(&g, 20, 20, 80, 80);
  canvas c = canvas_new(100, 100);
  im_fill_polygon(c.cr, &sc, &st, &g, &g);
  assert_true(pixel_near(px(&c, 50, 50), 0xff8080, 3));
  assert_true(pixel_near(px(&c, 21, 50), 0x8080ff, 3)); /* outline over fill: no red through it */
  assert_true(pixel_near(px(&c, 18, 50), 0x8080ff, 3)); /* outline outside the fill */
  assert_true(pixel_near(px(&c, 16, 50), WHITE, 3));
  /* Closed rings: the corner is joined, not left with a notch. */
  assert_true(pixel_near(px(&c, 19, 19), 0x8080ff, 3));
  canvas_free(&c);
  im_geom_free(&g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(markers_72dpi),
      cmocka_unit_test(markers_300dpi),
      cmocka_unit_test(pin_tip_on_point),
      cmocka_unit_test(marker_stroke_and_opacity),
      cmocka_unit_test(icons_at_asked_size),
      cmocka_unit_test(icon_errors),
      cmocka_unit_test(vector_surface),
      cmocka_unit_test(dashes),
      cmocka_unit_test(casing),
      cmocka_unit_test(caps),
      cmocka_unit_test(arrowheads),
      cmocka_unit_test(line_opacity),
      cmocka_unit_test(hatching),
      cmocka_unit_test(fill_rules),
      cmocka_unit_test(polygon_outline_opacity),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
