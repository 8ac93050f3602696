/* Labels: templates, case changes, placement round points, inside polygons
 * and along lines, collisions, leaders, a crowded Caribbean, and text that
 * reaches the PDF as text. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "label/label-impl-private.h"
#include "support.h"

#define PT_300 (300.0 / 72.0) /* device units per point at 300 dpi */

static im_style label_style(void) {
  im_style st;
  im_style_init_defaults(&st);
  st.label.halo_width = (im_length){1, IM_UNIT_PT};
  return st;
}

static double box_cx(im_bbox b) { return (b.minx + b.maxx) / 2; }
static double box_cy(im_bbox b) { return (b.miny + b.maxy) / 2; }

/* --- Text ---------------------------------------------------------------- */

static void templates(void **state) {
  (void)state;
  im_field fields[] = {{.name = "NAME"}, {.name = "date"}, {.name = "pop"}};
  char *values[] = {"Bogotá", "2021-12-01", NULL};
  struct {
    const char *tmpl, *want;
  } cases[] = {
      {"{NAME}", "Bogotá"},
      {"{name} ({DATE})", "Bogotá (2021-12-01)"},
      {"{{NAME}} is {NAME}", "{NAME} is Bogotá"},
      {"pop {pop}!", "pop !"},          /* null value */
      {"{nothing}x", "x"},              /* unknown field */
      {"open { brace", "open { brace"}, /* kept as written */
      {"a}b", "a}b"},
      {"", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *got = im_label_expand(cases[i].tmpl, fields, 3, values);
    assert_non_null(got);
    assert_string_equal(got, cases[i].want);
    free(got);
  }
}

static void template_errors(void **state) {
  (void)state;
  im_field fields[] = {{.name = "NAME"}, {.name = "ADM0NAME"}, {.name = "POP_MAX"}};
  im_error err;
  im_error_clear(&err);
  assert_ok(im_label_template_check("{NAME} ({pop_max}) {{x}}", fields, 3, "places.shp", "s.yaml", 4, 11, &err), &err);

  assert_int_equal(im_label_template_check("Capital: {NAEM}", fields, 3, "places.shp", "s.yaml", 4, 11, &err),
                   IM_STATUS_INPUT);
  assert_string_equal(err.file, "s.yaml");
  assert_int_equal(err.line, 4);
  assert_int_equal(err.column, 11 + 10); /* at NAEM, inside the braces */
  assert_non_null(strstr(err.message, "did you mean 'NAME'?"));
  assert_non_null(strstr(err.message, "places.shp"));

  /* Nothing close: the message lists the fields instead. */
  assert_int_equal(im_label_template_check("{population}", fields, 3, "places.shp", "s.yaml", 1, 1, &err),
                   IM_STATUS_INPUT);
  assert_null(strstr(err.message, "did you mean"));
  assert_non_null(strstr(err.message, "ADM0NAME"));

  /* Columns count characters: 'á' is one. */
  assert_int_equal(im_label_template_check("á {X}", fields, 3, "p.shp", "s.yaml", 2, 5, &err), IM_STATUS_INPUT);
  assert_int_equal(err.column, 5 + 3);

  assert_int_equal(im_label_template_check("{NAME", fields, 3, "p.shp", "s.yaml", 1, 1, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "without its '}'"));
  assert_int_equal(im_label_template_check("{}", fields, 3, "p.shp", "s.yaml", 1, 1, &err), IM_STATUS_INPUT);
  assert_non_null(strstr(err.message, "empty field name"));
}

static void case_changes(void **state) {
  (void)state;
  struct {
    const char *in;
    im_text_case c;
    const char *want;
  } cases[] = {
      {"Bogotá", IM_CASE_UPPER, "BOGOTÁ"},        {"Cúcuta", IM_CASE_NONE, "Cúcuta"},
      {"são paulo", IM_CASE_TITLE, "São Paulo"},  {"SÃO PAULO", IM_CASE_TITLE, "São Paulo"},
      {"o'higgins", IM_CASE_TITLE, "O'Higgins"},  {"ÁNCASH", IM_CASE_LOWER, "áncash"},
      {"Cu\u0301cuta", IM_CASE_UPPER, "CÚCUTA"},  /* decomposed in, composed out */
      {"Stra\u00dfe", IM_CASE_UPPER, "STRASSE"},  /* a full mapping, not per letter */
      {"ok\xff", IM_CASE_NONE, "ok\xef\xbf\xbd"}, /* invalid UTF-8 replaced */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *got = im_label_apply_case(cases[i].in, cases[i].c);
    assert_non_null(got);
    assert_string_equal(got, cases[i].want);
    free(got);
  }
}

/* --- Points -------------------------------------------------------------- */

/* A labeler on a 180x120 mm page at 300 dpi. */
static im_labeler *page_labeler(double *w, double *h) {
  *w = 180 / 25.4 * 300;
  *h = 120 / 25.4 * 300;
  im_labeler *lb = im_labeler_create(NULL, *w, *h, PT_300, 300);
  assert_non_null(lb);
  return lb;
}

static bool overlap(im_bbox a, im_bbox b) {
  return a.minx < b.maxx && b.minx < a.maxx && a.miny < b.maxy && b.miny < a.maxy;
}

static im_bbox only_box(const im_labeler *lb, size_t label) {
  im_bbox boxes[16];
  size_t owner[16];
  size_t n = im_labeler_boxes(lb, boxes, owner, 16);
  for (size_t i = 0; i < n && i < 16; i++)
    if (owner[i] == label)
      return boxes[i];
  fail_msg("label %zu has no box", label);
  return (im_bbox){0};
}

static void point_positions(void **state) {
  (void)state;
  im_style st = label_style();
  double w, h, r = 1.5 * PT_300;
  /* Free all round: to the right, centred on the point. */
  im_labeler *lb = page_labeler(&w, &h);
  double x0 = 1000, y0 = 700;
  assert_true(im_labeler_add_point(lb, "Lima", &st, x0, y0, r, 1));
  assert_true(im_labeler_place(lb));
  im_bbox b = only_box(lb, 0);
  assert_true(b.minx >= x0 + r);
  assert_true(fabs(box_cy(b) - y0) < 0.1 * (b.maxy - b.miny));
  im_labeler_free(lb);

  /* Each blocked slot passes the label on to the next, in order. The free
   * label's box gives the clearance D from the point and the box's size;
   * a 2x2 obstacle in the middle of a slot blocks that slot alone. */
  double d = b.minx - x0, bw = b.maxx - b.minx, bh = b.maxy - b.miny;
  const double centre[8][2] = {
      {d + bw / 2, 0},
      {-d - bw / 2, 0},
      {d + bw / 2, -d - bh / 2},
      {d + bw / 2, d + bh / 2},
      {-d - bw / 2, -d - bh / 2},
      {-d - bw / 2, d + bh / 2},
      {0, -d - bh / 2},
      {0, d + bh / 2},
  };
  const char *expect[] = {"left", "top-right", "bottom-right", "top-left", "bottom-left", "above", "below", "dropped"};
  for (size_t blocked = 1; blocked <= 8; blocked++) {
    lb = page_labeler(&w, &h);
    for (size_t k = 0; k < blocked; k++)
      im_labeler_add_obstacle(lb, x0 + centre[k][0] - 1, y0 + centre[k][1] - 1, x0 + centre[k][0] + 1,
                              y0 + centre[k][1] + 1);
    im_labeler_add_obstacle(lb, x0 - r, y0 - r, x0 + r, y0 + r);
    assert_true(im_labeler_add_point(lb, "Lima", &st, x0, y0, r, 1));
    assert_true(im_labeler_place(lb));
    im_label_stats s = im_labeler_stats(lb);
    if (blocked == 8) {
      assert_int_equal(s.placed, 0);
      assert_int_equal(s.dropped, 1);
      im_labeler_free(lb);
      continue;
    }
    assert_int_equal(s.placed, 1);
    im_bbox p = only_box(lb, 0);
    assert_true(fabs(p.maxx - p.minx - bw) < 1e-9 && fabs(p.maxy - p.miny - bh) < 1e-9);
    const char *where = p.minx > x0   ? (p.maxy < y0   ? "top-right"
                                         : p.miny > y0 ? "bottom-right"
                                                       : "right")
                        : p.maxx < x0 ? (p.maxy < y0   ? "top-left"
                                         : p.miny > y0 ? "bottom-left"
                                                       : "left")
                        : p.maxy < y0 ? "above"
                        : p.miny > y0 ? "below"
                                      : "?";
    assert_string_equal(where, expect[blocked - 1]);
    assert_false(overlap(p, (im_bbox){x0 - r, y0 - r, x0 + r, y0 + r}));
    im_labeler_free(lb);
  }
}

static void collisions(void **state) {
  (void)state;
  im_style st = label_style();
  double w, h, r = 1.5 * PT_300;
  /* Two towns 4 pt apart on one parallel: both want the right, the first
   * (by priority, though added second) gets it, the other moves. */
  im_labeler *lb = page_labeler(&w, &h);
  double x1 = 1000, x2 = 1000 + 4 * PT_300, y = 700;
  im_labeler_add_obstacle(lb, x1 - r, y - r, x1 + r, y + r);
  im_labeler_add_obstacle(lb, x2 - r, y - r, x2 + r, y + r);
  assert_true(im_labeler_add_point(lb, "Santo Domingo", &st, x1, y, r, 10));
  assert_true(im_labeler_add_point(lb, "Boca Chica", &st, x2, y, r, 20));
  assert_true(im_labeler_place(lb));
  im_label_stats s = im_labeler_stats(lb);
  assert_int_equal(s.candidates, 2);
  assert_int_equal(s.placed + s.dropped, 2);
  im_bbox boxes[4];
  size_t owner[4];
  size_t n = im_labeler_boxes(lb, boxes, owner, 4);
  im_bbox boca = only_box(lb, 1);
  assert_true(boca.minx > x2 && fabs(box_cy(boca) - y) < 5); /* the right of its point */
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      assert_false(overlap(boxes[i], boxes[j]));
  if (s.placed == 2) {
    im_bbox sd = only_box(lb, 0);
    assert_false(sd.minx > x1 && fabs(box_cy(sd) - y) < 5); /* not to the right any more */
    assert_false(overlap(sd, (im_bbox){x2 - r, y - r, x2 + r, y + r}));
  }
  const char *dropped[2];
  assert_int_equal(im_labeler_dropped(lb, dropped, 2), s.dropped);
  im_labeler_free(lb);

  /* Equal priority: the order of the calls decides. */
  lb = page_labeler(&w, &h);
  assert_true(im_labeler_add_point(lb, "Boca Chica", &st, x2, y, r, 5));
  assert_true(im_labeler_add_point(lb, "Santo Domingo", &st, x1, y, r, 5));
  assert_true(im_labeler_place(lb));
  boca = only_box(lb, 0);
  assert_true(boca.minx > x2 && fabs(box_cy(boca) - y) < 5);
  im_labeler_free(lb);
}

static void leaders(void **state) {
  (void)state;
  im_style st = label_style();
  double w, h, r = 1.5 * PT_300, x = 1000, y = 700;
  for (int with = 0; with < 2; with++) {
    st.label.leader = with;
    im_labeler *lb = page_labeler(&w, &h);
    /* A dense cluster: two rings of neighbours, 6 and 12 pt away, in the
     * eight directions the usual positions take. */
    im_bbox sym[17] = {{x - r, y - r, x + r, y + r}};
    for (int k = 0; k < 16; k++) {
      double a = (k % 8) * M_PI / 4, dist = (k < 8 ? 6 : 12) * PT_300;
      double sx = x + dist * cos(a), sy = y + dist * sin(a);
      sym[k + 1] = (im_bbox){sx - r, sy - r, sx + r, sy + r};
    }
    for (int k = 0; k < 17; k++)
      im_labeler_add_obstacle(lb, sym[k].minx, sym[k].miny, sym[k].maxx, sym[k].maxy);
    assert_true(im_labeler_add_point(lb, "Miraflores", &st, x, y, r, 1));
    assert_true(im_labeler_place(lb));
    im_label_stats s = im_labeler_stats(lb);
    if (!with) {
      assert_int_equal(s.dropped, 1);
      assert_int_equal(s.with_leader, 0);
      im_labeler_free(lb);
      continue;
    }
    assert_int_equal(s.placed, 1);
    assert_int_equal(s.with_leader, 1);
    const im_label *l = &lb->labels[0];
    assert_true(l->leader);
    /* The leader starts on the symbol's edge and ends on the label. */
    assert_true(fabs(hypot(l->lx0 - x, l->ly0 - y) - r) < 0.01);
    im_bbox b = only_box(lb, 0);
    assert_true(l->lx1 >= b.minx && l->lx1 <= b.maxx && l->ly1 >= b.miny && l->ly1 <= b.maxy);
    /* Away from the cluster, the leader passing between the neighbours. */
    assert_true(hypot(box_cx(b) - x, box_cy(b) - y) > 10 * PT_300);
    for (int k = 0; k < 17; k++) {
      assert_false(overlap(b, sym[k]));
      if (k)
        assert_false(im_segment_hits_box(l->lx0, l->ly0, l->lx1, l->ly1, sym[k]));
    }
    im_labeler_free(lb);
  }
}

/* --- Polygons ------------------------------------------------------------ */

static void add_ring(im_geom *g, const double *xy, size_t n) {
  assert_true(im_geom_begin_part(g));
  for (size_t i = 0; i < n; i++)
    assert_true(im_geom_add_point(g, xy[2 * i], xy[2 * i + 1]));
  assert_true(im_geom_add_point(g, xy[0], xy[1]));
  im_geom_end_part(g, 3);
}

static bool ring_has(const double *v, size_t n, double x, double y) {
  bool in = false;
  for (size_t i = 0, j = n - 1; i < n; j = i++)
    if ((v[2 * j + 1] > y) != (v[2 * i + 1] > y) &&
        x < (v[2 * i] - v[2 * j]) * (y - v[2 * j + 1]) / (v[2 * i + 1] - v[2 * j + 1]) + v[2 * j])
      in = !in;
  return in;
}

static void polygons(void **state) {
  (void)state;
  im_style st = label_style();
  st.label.text_case = IM_CASE_UPPER;
  double w, h;
  /* A C open to the right: its bounding box's centre is in the mouth. */
  const double c[] = {400, 200, 1400, 200, 1400, 400, 700, 400, 700, 1000, 1400, 1000, 1400, 1200, 400, 1200};
  im_geom g;
  im_geom_init(&g, IM_GEOM_POLYGON);
  add_ring(&g, c, 8);
  /* and a small island that is no match for it */
  const double island[] = {1600, 600, 1650, 600, 1650, 650, 1600, 650};
  add_ring(&g, island, 4);
  im_labeler *lb = page_labeler(&w, &h);
  assert_true(im_labeler_add_polygon(lb, "Colombia", &st, &g, 1));
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_stats(lb).placed, 1);
  im_bbox b = only_box(lb, 0);
  const double corners[4][2] = {{b.minx, b.miny}, {b.maxx, b.miny}, {b.minx, b.maxy}, {b.maxx, b.maxy}};
  for (int k = 0; k < 4; k++)
    assert_true(ring_has(c, 8, corners[k][0], corners[k][1]));
  assert_false(ring_has(c, 8, 900, 700));                    /* the mouth is outside ... */
  assert_false(overlap(b, (im_bbox){700, 400, 1400, 1000})); /* ... and the label is not in it */
  assert_true(b.maxx <= 700);                                /* it sits in the spine */
  im_labeler_free(lb);

  /* A ring with a hole where the pole of the outer ring alone would be. */
  im_geom_reset(&g, IM_GEOM_POLYGON);
  const double outer[] = {200, 200, 1200, 200, 1200, 1200, 200, 1200};
  const double hole[] = {450, 450, 950, 450, 950, 950, 450, 950};
  add_ring(&g, outer, 4);
  add_ring(&g, hole, 4);
  lb = page_labeler(&w, &h);
  assert_true(im_labeler_add_polygon(lb, "Lago", &st, &g, 1));
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_stats(lb).placed, 1);
  b = only_box(lb, 0);
  assert_false(overlap(b, (im_bbox){450, 450, 950, 950}));
  assert_true(b.minx >= 200 && b.maxx <= 1200 && b.miny >= 200 && b.maxy <= 1200);
  im_labeler_free(lb);

  /* Too small for its name: dropped, not spilled over the border. */
  im_geom_reset(&g, IM_GEOM_POLYGON);
  const double tiny[] = {500, 500, 560, 500, 560, 540, 500, 540};
  add_ring(&g, tiny, 4);
  lb = page_labeler(&w, &h);
  assert_true(im_labeler_add_polygon(lb, "Saint Vincent and the Grenadines", &st, &g, 1));
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_stats(lb).dropped, 1);
  const char *dropped;
  assert_int_equal(im_labeler_dropped(lb, &dropped, 1), 1);
  assert_string_equal(dropped, "SAINT VINCENT AND THE GRENADINES");
  im_labeler_free(lb);
  im_geom_free(&g);
}

/* --- Lines --------------------------------------------------------------- */

/* An arc of a circle from angle a0 to a1 (degrees, y down). */
static void arc_line(im_geom *g, double cx, double cy, double rad, double a0, double a1) {
  im_geom_reset(g, IM_GEOM_LINE);
  assert_true(im_geom_begin_part(g));
  for (int i = 0; i <= 60; i++) {
    double a = (a0 + (a1 - a0) * i / 60.0) * M_PI / 180;
    assert_true(im_geom_add_point(g, cx + rad * cos(a), cy + rad * sin(a)));
  }
  im_geom_end_part(g, 2);
}

static void lines(void **state) {
  (void)state;
  im_style st = label_style();
  double w, h;
  im_geom g;
  im_geom_init(&g, IM_GEOM_LINE);
  const char *text = "Río Magdalena";
  for (int dir = 0; dir < 2; dir++) {
    /* The upper half of a circle, drawn left to right, then right to left. */
    if (dir == 0)
      arc_line(&g, 1000, 900, 500, 180, 360);
    else
      arc_line(&g, 1000, 900, 500, 360, 180);
    im_labeler *lb = page_labeler(&w, &h);
    assert_true(im_labeler_add_line(lb, text, &st, &g, 1));
    assert_true(im_labeler_place(lb));
    assert_int_equal(im_labeler_stats(lb).placed, 1);
    const im_label *l = &lb->labels[0];
    const im_label_glyph *gl = lb->glyphs + l->glyphs;
    assert_int_equal(l->nclusters, 13); /* one per character */
    double prev_angle = gl[0].angle;
    for (size_t i = 0; i < l->nclusters; i++) {
      /* On the curve, ... */
      assert_true(fabs(hypot(gl[i].x - 1000, gl[i].y - 900) - 500) < 1);
      /* upright, reading left to right, ... */
      assert_true(fabs(gl[i].angle) < M_PI / 2);
      if (i) {
        assert_true(gl[i].x > gl[i - 1].x);
        /* and turning with the line (clockwise on the page, over the top). */
        assert_true(gl[i].angle >= prev_angle - 1e-9);
        prev_angle = gl[i].angle;
      }
    }
    assert_true(gl[l->nclusters - 1].angle - gl[0].angle > 0.3);
    /* Centred on the top of the arc. */
    assert_true(fabs((gl[0].x + gl[l->nclusters - 1].x) / 2 - 1000) < 20);
    im_bbox boxes[32];
    assert_int_equal(im_labeler_boxes(lb, boxes, NULL, 32), 13);
    im_labeler_free(lb);
  }

  /* Too tight a curve (a circle of 3 pt) or too short a line: dropped. */
  im_labeler *lb = page_labeler(&w, &h);
  arc_line(&g, 1000, 900, 3 * PT_300, 0, 340);
  assert_true(im_labeler_add_line(lb, text, &st, &g, 1));
  im_geom_reset(&g, IM_GEOM_LINE);
  assert_true(im_geom_begin_part(&g));
  assert_true(im_geom_add_point(&g, 100, 100));
  assert_true(im_geom_add_point(&g, 160, 100));
  im_geom_end_part(&g, 2);
  assert_true(im_labeler_add_line(lb, text, &st, &g, 1));
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_stats(lb).dropped, 2);
  im_labeler_free(lb);
  im_geom_free(&g);
}

/* --- Drawing ------------------------------------------------------------- */

/* What is drawn stays inside the boxes placement reserved. */
static void drawn_inside_boxes(void **state) {
  (void)state;
  im_style st = label_style();
  st.label.color = (im_color){0, 0, 0, 1};
  st.label.halo_color = (im_color){1, 0, 0, 1};
  int w = 800, h = 500;
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create(s);
  im_labeler *lb = im_labeler_create(cr, w, h, PT_300, 300);
  assert_true(im_labeler_add_point(lb, "Cúcuta", &st, 100, 100, 6, 1));
  im_geom g;
  im_geom_init(&g, IM_GEOM_LINE);
  arc_line(&g, 400, 500, 300, 200, 340);
  assert_true(im_labeler_add_line(lb, "Panamericana", &st, &g, 1));
  im_geom_free(&g);
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_stats(lb).placed, 2);
  im_labeler_draw(lb, cr);
  cairo_surface_flush(s);
  im_bbox boxes[64];
  size_t n = im_labeler_boxes(lb, boxes, NULL, 64);
  assert_true(n > 2 && n < 64);
  const uint32_t *px = (const uint32_t *)cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s) / 4;
  size_t inked = 0, stray = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      if ((px[y * stride + x] >> 24) < 32)
        continue;
      inked++;
      bool in = false;
      for (size_t i = 0; i < n && !in; i++)
        in = x + 1 >= boxes[i].minx && x <= boxes[i].maxx + 1 && y + 1 >= boxes[i].miny && y <= boxes[i].maxy + 1;
      stray += !in;
    }
  print_message("inked %zu px, %zu outside the boxes\n", inked, stray);
  assert_int_equal(cairo_surface_write_to_png(s, scratch_path("drawn.png")), CAIRO_STATUS_SUCCESS);
  assert_true(inked > 500);
  assert_int_equal(stray, 0);
  im_labeler_free(lb);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

static void pdf_text(void **state) {
  (void)state;
  const char *path = scratch_path("labels.pdf");
  cairo_surface_t *s = cairo_pdf_surface_create(path, 300, 200);
  cairo_t *cr = cairo_create(s);
  im_labeler *lb = im_labeler_create(cr, 300, 200, 1, 72);
  im_style st = label_style();
  assert_true(im_labeler_add_point(lb, "Cúcuta", &st, 60, 60, 2, 1));
  im_field fields[] = {{.name = "NAME"}};
  char *values[] = {"Bogotá"};
  char *text = im_label_expand("{NAME}", fields, 1, values);
  st.label.text_case = IM_CASE_UPPER;
  assert_true(im_labeler_add_point(lb, text, &st, 60, 140, 2, 1));
  free(text);
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_stats(lb).placed, 2);
  im_labeler_draw(lb, cr);
  im_labeler_free(lb);
  cairo_destroy(cr);
  cairo_surface_finish(s);
  assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy(s);

  char cmd[4200];
  snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", path);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  char out[4096] = "";
  size_t len = fread(out, 1, sizeof out - 1, p);
  out[len] = '\0';
  assert_int_equal(pclose(p), 0);
  print_message("pdftotext: %s", out);
  assert_non_null(strstr(out, "Cúcuta"));
  assert_non_null(strstr(out, "BOGOTÁ"));
}

/* --- A crowded map ------------------------------------------------------- */

typedef struct {
  size_t n;
  im_bbox *boxes;
  size_t *owner;
  im_label_stats stats;
  double seconds;
} caribbean_result;

/* The populated places of the Caribbean and Central America on a 180x120 mm
 * page at 300 dpi (equirectangular), a 1.5 pt marker each, labelled by
 * population. */
static caribbean_result caribbean(im_bbox **symbols, size_t *nsymbols, const char *png) {
  im_layer *layer = NULL;
  im_error err;
  im_error_clear(&err);
  const double west = -92, east = -59, south = 7, north = 24;
  im_layer_query q = {.nboxes = 1, .boxes = {{west, south, east, north}}};
  assert_ok(im_layer_load_shapefile(src_path("shapes/ne_10m_populated_places_latam.shp"), &q, &layer, &err), &err);
  long name = im_layer_field_index(layer, "NAME"), pop = im_layer_field_index(layer, "POP_MAX");
  assert_true(name >= 0 && pop >= 0);

  double w, h, r = 1.5 * PT_300;
  im_labeler *lb = page_labeler(&w, &h);
  im_style st = label_style();
  st.label.leader = true;
  *symbols = calloc(layer->nfeatures, sizeof **symbols);
  assert_non_null(*symbols);
  *nsymbols = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (size_t i = 0; i < layer->nfeatures; i++) {
    const im_feature *f = &layer->features[i];
    double lon = f->geom.xy[0], lat = f->geom.xy[1];
    if (lon < west || lon > east || lat < south || lat > north)
      continue;
    double x = (lon - west) / (east - west) * w, y = (north - lat) / (north - south) * h;
    im_bbox sym = {x - r, y - r, x + r, y + r};
    (*symbols)[(*nsymbols)++] = sym;
    im_labeler_add_obstacle(lb, sym.minx, sym.miny, sym.maxx, sym.maxy);
  }
  for (size_t i = 0, k = 0; i < layer->nfeatures; i++) {
    const im_feature *f = &layer->features[i];
    double lon = f->geom.xy[0], lat = f->geom.xy[1];
    if (lon < west || lon > east || lat < south || lat > north)
      continue;
    im_bbox sym = (*symbols)[k++];
    char *text = im_label_expand("{NAME}", layer->fields, layer->nfields, f->values);
    assert_non_null(text);
    double priority = f->values[pop] ? atof(f->values[pop]) : 0;
    assert_true(im_labeler_add_point(lb, text, &st, box_cx(sym), box_cy(sym), r, priority));
    free(text);
  }
  assert_true(im_labeler_place(lb));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  caribbean_result res = {.stats = im_labeler_stats(lb)};
  res.seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  res.n = im_labeler_boxes(lb, NULL, NULL, 0);
  if (png) {
    /* For the eye: scratch/caribbean.png. */
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(w), (int)ceil(h));
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0.86, 0.91, 0.96);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.6, 0.1, 0.1);
    for (size_t k = 0; k < *nsymbols; k++) {
      cairo_new_sub_path(cr);
      cairo_arc(cr, box_cx((*symbols)[k]), box_cy((*symbols)[k]), r, 0, 2 * M_PI);
    }
    cairo_fill(cr);
    im_labeler_draw(lb, cr);
    cairo_destroy(cr);
    assert_int_equal(cairo_surface_write_to_png(s, png), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
  }
  res.boxes = calloc(res.n + 1, sizeof *res.boxes);
  res.owner = calloc(res.n + 1, sizeof *res.owner);
  assert_true(res.boxes && res.owner);
  assert_int_equal(im_labeler_boxes(lb, res.boxes, res.owner, res.n), res.n);
  im_labeler_free(lb);
  im_layer_free(layer);
  return res;
}

/* Measured: 151 of the 308 places labelled (49%), 65 of them with a leader;
 * the rest sit too close together (central Guatemala and El Salvador, the
 * Dominican Republic) for a 7 pt name to fit without covering a symbol. */
#define CARIBBEAN_MIN_SHARE 0.45

static void crowded_caribbean(void **state) {
  (void)state;
  im_bbox *symbols;
  size_t nsymbols;
  caribbean_result a = caribbean(&symbols, &nsymbols, scratch_path("caribbean.png"));
  double w = 180 / 25.4 * 300, h = 120 / 25.4 * 300;
  print_message("Caribbean: %zu candidates, %zu placed (%zu with a leader), %zu dropped in %.3f s\n",
                a.stats.candidates, a.stats.placed, a.stats.with_leader, a.stats.dropped, a.seconds);
  assert_true(nsymbols > 300);
  assert_int_equal(a.stats.candidates, nsymbols);
  assert_int_equal(a.stats.placed + a.stats.dropped, a.stats.candidates);
  assert_int_equal(a.n, a.stats.placed); /* one box per point label */
  for (size_t i = 0; i < a.n; i++) {
    const im_bbox b = a.boxes[i];
    assert_true(b.minx >= 0 && b.miny >= 0 && b.maxx <= w && b.maxy <= h);
    for (size_t j = i + 1; j < a.n; j++)
      if (overlap(b, a.boxes[j]))
        fail_msg("label boxes %zu and %zu overlap", a.owner[i], a.owner[j]);
    for (size_t k = 0; k < nsymbols; k++)
      if (overlap(b, symbols[k]))
        fail_msg("label %zu covers symbol %zu", a.owner[i], k);
  }
  assert_true((double)a.stats.placed / (double)a.stats.candidates >= CARIBBEAN_MIN_SHARE);

  /* Same input, same placement. */
  im_bbox *symbols2;
  size_t nsymbols2;
  caribbean_result b = caribbean(&symbols2, &nsymbols2, NULL);
  assert_int_equal(b.n, a.n);
  assert_memory_equal(a.boxes, b.boxes, a.n * sizeof *a.boxes);
  free(a.boxes);
  free(a.owner);
  free(b.boxes);
  free(b.owner);
  free(symbols);
  free(symbols2);
}

/* Required labels: placed before the rest, farther away with a leader
 * (even with leader: none), then with their short text; when nothing fits,
 * im_labeler_missing names the label and its layer. */
static void required_labels(void **state) {
  (void)state;
  double w, h;
  im_labeler *lb = page_labeler(&w, &h);
  im_style st = label_style();
  st.label.leader = false;
  /* Everything round (600, 600) is taken but a narrow gap to its right,
   * 60 px wide: "Lima" fits there, "The long name of the event" does not. */
  im_labeler_add_obstacle(lb, 0, 0, w, 560);
  im_labeler_add_obstacle(lb, 0, 640, w, h);
  im_labeler_add_obstacle(lb, 0, 0, 590, h);
  im_labeler_add_obstacle(lb, 720, 0, w, h);
  assert_true(im_labeler_add_mark(lb, 600, 600, 8));
  /* A label of higher priority that wants the same gap, added first. */
  assert_true(im_labeler_add_point(lb, "Lima", &st, 600, 600, 8, 100));
  st.label.required = true;
  assert_true(im_labeler_set_source(lb, "events", "Lima"));
  assert_true(im_labeler_add_point(lb, "The long name of the event", &st, 600, 600, 8, 1));
  assert_true(im_labeler_place(lb));
  const char *text = NULL, *layer = NULL;
  assert_false(im_labeler_missing(lb, &text, &layer));
  /* The required one took the gap (with its short text); the other,
   * though of higher priority, was dropped. */
  im_label_stats ls = im_labeler_stats(lb);
  assert_int_equal(ls.placed, 1);
  assert_int_equal(ls.dropped, 1);
  const char *dropped = NULL;
  assert_int_equal(im_labeler_dropped(lb, &dropped, 1), 1);
  assert_string_equal(dropped, "Lima");
  assert_true(lb->labels[1].placed);
  assert_string_equal(lb->labels[1].text, "Lima");
  im_labeler_free(lb);

  /* No room at all, and no short text: missing, with its layer. */
  lb = page_labeler(&w, &h);
  im_labeler_add_obstacle(lb, 0, 0, w, h);
  assert_true(im_labeler_set_source(lb, "events", NULL));
  assert_true(im_labeler_add_point(lb, "Caracas summit", &st, 600, 600, 8, 1));
  assert_true(im_labeler_place(lb));
  assert_true(im_labeler_missing(lb, &text, &layer));
  assert_string_equal(text, "Caracas summit");
  assert_string_equal(layer, "events");
  im_labeler_free(lb);

  /* Room far away only: a leader is drawn although the style says none. */
  lb = page_labeler(&w, &h);
  im_labeler_add_obstacle(lb, 520, 520, 680, 680);
  assert_true(im_labeler_set_source(lb, "events", NULL));
  assert_true(im_labeler_add_point(lb, "Far", &st, 600, 600, 8, 1));
  assert_true(im_labeler_place(lb));
  assert_false(im_labeler_missing(lb, &text, &layer));
  assert_true(lb->labels[0].placed && lb->labels[0].leader);
  im_labeler_free(lb);
  im_style_clear(&st);
}

/* A point label is placed only where its own mark is the nearest: with
 * another mark just east of its own (and nothing else in the way), the
 * first position tried, to the right, would sit on that one; it goes west. */
static void labels_stay_by_their_mark(void **state) {
  (void)state;
  double w, h;
  im_labeler *lb = page_labeler(&w, &h);
  im_style st = label_style();
  assert_true(im_labeler_add_mark(lb, 600, 600, 10));
  assert_true(im_labeler_add_mark(lb, 660, 600, 10));
  im_labeler_add_obstacle(lb, 590, 590, 610, 610);
  assert_true(im_labeler_add_point(lb, "West", &st, 600, 600, 10, 1));
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_stats(lb).placed, 1);
  assert_int_equal(im_labeler_stats(lb).misattached, 0);
  im_bbox b;
  assert_int_equal(im_labeler_boxes(lb, &b, NULL, 1), 1);
  assert_true(b.maxx <= 600);
  im_labeler_free(lb);

  /* Without the second mark the same label goes to the right, as always. */
  lb = page_labeler(&w, &h);
  assert_true(im_labeler_add_mark(lb, 600, 600, 10));
  im_labeler_add_obstacle(lb, 590, 590, 610, 610);
  assert_true(im_labeler_add_point(lb, "West", &st, 600, 600, 10, 1));
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_boxes(lb, &b, NULL, 1), 1);
  assert_true(b.minx >= 600);
  im_labeler_free(lb);
  im_style_clear(&st);
}

/* The numbered key: a label of key mode auto that finds no room as text
 * becomes a bold number beside its mark, its text listed by number; mode
 * all numbers every label; numbers run in reading order (top to bottom);
 * a number counts as placing the label (a required one does not fail);
 * without im_labeler_use_key the mode is ignored. */
static void numbered_key(void **state) {
  (void)state;
  double w, h;
  for (int on = 0; on < 2; on++) {
    im_labeler *lb = page_labeler(&w, &h);
    im_labeler_use_key(lb, on);
    im_style st = label_style();
    st.label.leader = false;
    st.label.key = IM_LABEL_KEY_AUTO;
    st.label.required = true;
    /* Two marks in narrow gaps, 40 px wide: no name fits, a number does.
     * The lower one is added first. */
    im_labeler_add_obstacle(lb, 0, 0, w, 560);
    im_labeler_add_obstacle(lb, 0, 640, w, 760);
    im_labeler_add_obstacle(lb, 0, 840, w, h);
    im_labeler_add_obstacle(lb, 0, 0, 590, h);
    im_labeler_add_obstacle(lb, 650, 0, w, h);
    assert_true(im_labeler_add_mark(lb, 600, 800, 8));
    assert_true(im_labeler_add_mark(lb, 600, 600, 8));
    assert_true(im_labeler_set_source(lb, "events", NULL));
    assert_true(im_labeler_add_point(lb, "Summit in the lower gap", &st, 600, 800, 8, 1));
    assert_true(im_labeler_add_point(lb, "Summit in the upper gap", &st, 600, 600, 8, 1));
    assert_true(im_labeler_place(lb));
    im_label_stats ls = im_labeler_stats(lb);
    const char *text = NULL, *layer = NULL;
    if (!on) {
      /* No key: both fit nowhere; required, so the render would fail. */
      assert_int_equal(ls.placed, 0);
      assert_int_equal(ls.keyed, 0);
      assert_int_equal(im_labeler_key_count(lb), 0);
      assert_true(im_labeler_missing(lb, &text, &layer));
    } else {
      assert_int_equal(ls.placed, 2);
      assert_int_equal(ls.keyed, 2);
      assert_int_equal(ls.dropped, 0);
      assert_int_equal(ls.misattached, 0);
      assert_false(im_labeler_missing(lb, &text, &layer));
      assert_int_equal(im_labeler_key_count(lb), 2);
      /* Reading order: the upper mark is 1. */
      assert_string_equal(im_labeler_key_text(lb, 0), "Summit in the upper gap");
      assert_string_equal(im_labeler_key_text(lb, 1), "Summit in the lower gap");
      assert_null(im_labeler_key_text(lb, 2));
      assert_string_equal(lb->labels[1].text, "1");
      assert_string_equal(lb->labels[0].text, "2");
      /* Each number sits in its own gap, beside its own mark. */
      im_bbox b[2];
      size_t owner[2];
      assert_int_equal(im_labeler_boxes(lb, b, owner, 2), 2);
      for (int i = 0; i < 2; i++) {
        double my = owner[i] == 0 ? 800 : 600;
        assert_true(b[i].miny >= my - 40 && b[i].maxy <= my + 40);
        assert_true(b[i].minx >= 590 && b[i].maxx <= 650);
      }
    }
    im_labeler_free(lb);
    im_style_clear(&st);
  }

  /* Mode all: numbered although the text would fit; mode auto beside it
   * keeps its text. */
  im_labeler *lb = page_labeler(&w, &h);
  im_labeler_use_key(lb, true);
  im_style all = label_style(), aut = label_style();
  all.label.key = IM_LABEL_KEY_ALL;
  aut.label.key = IM_LABEL_KEY_AUTO;
  assert_true(im_labeler_add_mark(lb, 300, 300, 8));
  assert_true(im_labeler_add_mark(lb, 900, 900, 8));
  assert_true(im_labeler_add_point(lb, "Numbered anyway", &all, 300, 300, 8, 1));
  assert_true(im_labeler_add_point(lb, "Room to spare", &aut, 900, 900, 8, 1));
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_key_count(lb), 1);
  assert_string_equal(im_labeler_key_text(lb, 0), "Numbered anyway");
  assert_string_equal(lb->labels[0].text, "1");
  assert_string_equal(lb->labels[1].text, "Room to spare");
  assert_int_equal(im_labeler_stats(lb).placed, 2);
  assert_int_equal(im_labeler_stats(lb).keyed, 1);
  im_labeler_free(lb);

  /* A line whose name is longer than the line: its number goes beside
   * the line's middle. */
  lb = page_labeler(&w, &h);
  im_labeler_use_key(lb, true);
  im_geom line;
  im_geom_init(&line, IM_GEOM_LINE);
  assert_true(im_geom_begin_part(&line));
  assert_true(im_geom_add_point(&line, 400, 400));
  assert_true(im_geom_add_point(&line, 460, 400));
  im_geom_end_part(&line, 2);
  assert_true(im_labeler_add_line(lb, "A delegation travels a long way", &aut, &line, 1));
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_key_count(lb), 1);
  assert_string_equal(im_labeler_key_text(lb, 0), "A delegation travels a long way");
  im_bbox b;
  assert_int_equal(im_labeler_boxes(lb, &b, NULL, 1), 1);
  assert_true(b.minx < 460 && b.maxx > 400 - 40 && fabs((b.miny + b.maxy) / 2 - 400) < 40);
  im_geom_free(&line);
  im_labeler_free(lb);
  im_style_clear(&all);
  im_style_clear(&aut);
}

/* A required polygon label too long for its polygon (a small country at
 * a small scale) is not dropped: it goes beside the polygon's pole like a
 * point label, the pole inside the small square; an ordinary one is
 * dropped as before. */
static void required_polygon_outside(void **state) {
  (void)state;
  for (int required = 0; required < 2; required++) {
    double w, h;
    im_labeler *lb = page_labeler(&w, &h);
    im_style st = label_style();
    st.label.required = required;
    im_geom g;
    im_geom_init(&g, IM_GEOM_POLYGON);
    const double sq[] = {600, 600, 630, 600, 630, 630, 600, 630};
    add_ring(&g, sq, 4);
    assert_true(im_labeler_set_source(lb, "countries", NULL));
    assert_true(im_labeler_add_polygon(lb, "NICARAGUA", &st, &g, 1));
    assert_true(im_labeler_place(lb));
    im_label_stats ls = im_labeler_stats(lb);
    assert_int_equal(ls.placed, (size_t)required);
    if (required) {
      const im_label *l = &lb->labels[0];
      assert_true(l->anchored);
      assert_true(ring_has(sq, 4, l->x, l->y));
      im_bbox b;
      assert_int_equal(im_labeler_boxes(lb, &b, NULL, 1), 1);
      /* Beside the pole: within a few label heights of it. */
      double d = hypot(fmax(fmax(b.minx - l->x, 0), l->x - b.maxx), fmax(fmax(b.miny - l->y, 0), l->y - b.maxy));
      assert_true(d < 3 * (b.maxy - b.miny));
    }
    im_geom_free(&g);
    im_labeler_free(lb);
    im_style_clear(&st);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(required_labels),
      cmocka_unit_test(labels_stay_by_their_mark),
      cmocka_unit_test(templates),
      cmocka_unit_test(template_errors),
      cmocka_unit_test(case_changes),
      cmocka_unit_test(point_positions),
      cmocka_unit_test(collisions),
      cmocka_unit_test(leaders),
      cmocka_unit_test(polygons),
      cmocka_unit_test(lines),
      cmocka_unit_test(drawn_inside_boxes),
      cmocka_unit_test(pdf_text),
      cmocka_unit_test(crowded_caribbean),
      cmocka_unit_test(numbered_key),
      cmocka_unit_test(required_polygon_outside),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
