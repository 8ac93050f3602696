/* Labels that find no room where they belong: a country's name beside it
 * (leader: auto as a required one, short leaders first, never on another
 * country), a place named once when a port and a town share its name,
 * and a keyed route's number farther along when its middle is taken. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static im_labeler *page_labeler(double *w, double *h) {
  *w = 180 / 25.4 * 300;
  *h = 120 / 25.4 * 300;
  im_labeler *lb = im_labeler_create(NULL, *w, *h, PT_300, 300);
  assert_non_null(lb);
  return lb;
}

static void add_ring(im_geom *g, const double *xy, size_t n) {
  assert_true(im_geom_begin_part(g));
  for (size_t i = 0; i < n; i++)
    assert_true(im_geom_add_point(g, xy[2 * i], xy[2 * i + 1]));
  assert_true(im_geom_add_point(g, xy[0], xy[1]));
  im_geom_end_part(g, 3);
}

/* A polygon label with leader: auto (not required) that fits inside
 * nowhere goes beside its polygon too, as a required one does: the names
 * of latam-overview's small countries. Without a leader it is dropped. */
static void polygon_leader_auto_beside(void **state) {
  (void)state;
  for (int leader = 0; leader < 2; leader++) {
    double w, h;
    im_labeler *lb = page_labeler(&w, &h);
    im_style st = label_style();
    st.label.leader = leader;
    im_geom g;
    im_geom_init(&g, IM_GEOM_POLYGON);
    const double sq[] = {600, 600, 630, 600, 630, 630, 600, 630};
    add_ring(&g, sq, 4);
    assert_true(im_labeler_add_polygon(lb, "URUGUAY", &st, &g, 1));
    assert_true(im_labeler_place(lb));
    im_label_stats ls = im_labeler_stats(lb);
    assert_int_equal(ls.placed, (size_t)leader);
    assert_int_equal(ls.dropped, (size_t)!leader);
    im_geom_free(&g);
    im_labeler_free(lb);
    im_style_clear(&st);
  }
}

/* A long thin country whose middle is covered (by other labels, marks):
 * its name goes beside the free end, near it, not at the end of a long
 * leader from the pole (actor-russia's VENEZUELA a quarter of the way
 * across the Atlantic). */
static void polygon_beside_short_leader(void **state) {
  (void)state;
  double w, h;
  im_labeler *lb = page_labeler(&w, &h);
  im_style st = label_style();
  st.label.required = true;
  im_geom g;
  im_geom_init(&g, IM_GEOM_POLYGON);
  const double strip[] = {600, 600, 1400, 600, 1400, 620, 600, 620};
  add_ring(&g, strip, 4);
  im_labeler_add_obstacle(lb, 560, 300, 1300, 920);
  assert_true(im_labeler_set_source(lb, "countries", NULL));
  assert_true(im_labeler_add_polygon(lb, "CHILE", &st, &g, 1));
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_stats(lb).placed, 1);
  const im_label *l = &lb->labels[0];
  im_bbox b;
  assert_int_equal(im_labeler_boxes(lb, &b, NULL, 1), 1);
  double lh = b.maxy - b.miny;
  /* Near the free end: within two label heights of the strip's box. */
  double dx = fmax(fmax(600 - b.maxx, b.minx - 1400), 0), dy = fmax(fmax(600 - b.maxy, b.miny - 620), 0);
  print_message("label box %.0f,%.0f-%.0f,%.0f; leader %d %.0f px\n", b.minx, b.miny, b.maxx, b.maxy, l->leader,
                l->leader ? hypot(l->lx1 - l->lx0, l->ly1 - l->ly0) : 0.0);
  assert_true(hypot(dx, dy) < 2 * lh);
  if (l->leader)
    assert_true(hypot(l->lx1 - l->lx0, l->ly1 - l->ly0) < 3 * l->font_px);
  im_geom_free(&g);
  im_labeler_free(lb);
  im_style_clear(&st);
}

/* A country's name set beside it does not stand on its neighbour: a
 * tiny square whose name fits nowhere inside, with a large labelled
 * country to its east (where the first slot, right of the pole, lies),
 * is named to the west, over nothing. */
static void polygon_beside_not_on_neighbour(void **state) {
  (void)state;
  double w, h;
  im_labeler *lb = page_labeler(&w, &h);
  im_style st = label_style();
  st.label.leader = true;
  im_geom small, big;
  im_geom_init(&small, IM_GEOM_POLYGON);
  im_geom_init(&big, IM_GEOM_POLYGON);
  const double sq[] = {600, 600, 630, 600, 630, 630, 600, 630};
  const double east[] = {630, 300, 1230, 300, 1230, 930, 630, 930};
  add_ring(&small, sq, 4);
  add_ring(&big, east, 4);
  assert_true(im_labeler_add_polygon(lb, "CHILE", &st, &small, 2));
  assert_true(im_labeler_add_polygon(lb, "ARGENTINA", &st, &big, 1));
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_stats(lb).placed, 2);
  const im_label *l = &lb->labels[0];
  assert_true(l->placed);
  im_bbox b = lb->boxes[l->first_box];
  print_message("CHILE at %.0f,%.0f-%.0f,%.0f\n", b.minx, b.miny, b.maxx, b.maxy);
  assert_true(box_cx(b) < 630);
  im_geom_free(&small);
  im_geom_free(&big);
  im_labeler_free(lb);
  im_style_clear(&st);
}

/* Two routes on one course, side by side (render/courses.c): the first's
 * name takes the middle, over the second's middle too; the second's name
 * fits nowhere along it, so it becomes a number, found farther along the
 * line instead of dropped (actor-iran's Maduro route). */
static void keyed_line_number_along(void **state) {
  (void)state;
  double w, h;
  im_labeler *lb = page_labeler(&w, &h);
  im_labeler_use_key(lb, true);
  im_style st = label_style();
  st.label.key = IM_LABEL_KEY_AUTO;
  im_geom a, b;
  im_geom_init(&a, IM_GEOM_LINE);
  im_geom_init(&b, IM_GEOM_LINE);
  assert_true(im_geom_begin_part(&a) && im_geom_add_point(&a, 300, 600) && im_geom_add_point(&a, 1500, 600));
  im_geom_end_part(&a, 2);
  assert_true(im_geom_begin_part(&b) && im_geom_add_point(&b, 1500, 611) && im_geom_add_point(&b, 300, 611));
  im_geom_end_part(&b, 2);
  assert_true(im_labeler_add_line(lb, "Iranian delegation", &st, &a, 2));
  assert_true(im_labeler_add_line(lb,
                                  "Maduro's planned trip to Tehran, with a name far longer than its line could ever "
                                  "carry along it, however it were bent or turned on the page",
                                  &st, &b, 1));
  assert_true(im_labeler_place(lb));
  im_label_stats ls = im_labeler_stats(lb);
  assert_int_equal(ls.placed, 2);
  assert_int_equal(ls.keyed, 1);
  assert_int_equal(im_labeler_key_count(lb), 1);
  assert_string_equal(lb->labels[1].text, "1");
  im_geom_free(&a);
  im_geom_free(&b);
  im_labeler_free(lb);
  im_style_clear(&st);
}

/* Two routes on one course, drawn side by side (render/courses.c): each
 * one's name and number go on its outer side, clear of the other line, so
 * the text above belongs to the upper route and the number below to the
 * lower one (actor-iran: Maduro's trip named and "1" on the wrong line). */
static void course_labels_outside(void **state) {
  (void)state;
  double w, h;
  im_labeler *lb = page_labeler(&w, &h);
  im_labeler_use_key(lb, true);
  im_style st = label_style();
  st.label.key = IM_LABEL_KEY_AUTO;
  im_geom east, west;
  im_geom_init(&east, IM_GEOM_LINE);
  im_geom_init(&west, IM_GEOM_LINE);
  /* Eastward at y 611 (its right: down, the outer side), westward at y
   * 600 (its right: up, the outer side too). */
  assert_true(im_geom_begin_part(&east) && im_geom_add_point(&east, 300, 611) && im_geom_add_point(&east, 1500, 611));
  im_geom_end_part(&east, 2);
  assert_true(im_geom_begin_part(&west) && im_geom_add_point(&west, 1500, 600) && im_geom_add_point(&west, 300, 600));
  im_geom_end_part(&west, 2);
  assert_true(im_labeler_add_line_beside(lb, "Iranian delegation", &st, &east, 2, 1));
  assert_true(im_labeler_add_line_beside(lb, "Maduro's trip", &st, &west, 1, 1));
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_stats(lb).placed, 2);
  im_bbox boxes[64];
  size_t owner[64];
  size_t n = im_labeler_boxes(lb, boxes, owner, 64);
  assert_true(n >= 2 && n <= 64);
  for (size_t i = 0; i < n; i++) {
    if (owner[i] == 0) /* below the eastward line, clear of both */
      assert_true(boxes[i].miny > 611);
    else /* above the westward line */
      assert_true(boxes[i].maxy < 600);
  }
  im_geom_free(&east);
  im_geom_free(&west);
  im_labeler_free(lb);
  im_style_clear(&st);
}

/* Two point labels of one text at nearly one place (a port and a town,
 * both "Callao") name it once, by the one that ranks first; the same text
 * far away is another place and is named too. In the PDF's text. */
static void twin_names_once(void **state) {
  (void)state;
  const char *path = scratch_path("twins.pdf");
  cairo_surface_t *s = cairo_pdf_surface_create(path, 300, 200);
  cairo_t *cr = cairo_create(s);
  im_labeler *lb = im_labeler_create(cr, 300, 200, 1, 72);
  im_style st = label_style();
  assert_true(im_labeler_add_point(lb, "Callao", &st, 60, 60, 2, 1));
  assert_true(im_labeler_add_point(lb, "Callao", &st, 66, 64, 2, 5));
  assert_true(im_labeler_add_point(lb, "Callao", &st, 240, 160, 2, 1));
  assert_true(im_labeler_place(lb));
  assert_int_equal(im_labeler_stats(lb).placed, 2);
  assert_false(lb->labels[0].placed);
  assert_true(lb->labels[1].placed && lb->labels[2].placed);
  /* Shown by its twin: not dropped, so --strict and the dropped list
   * (--verbose) say nothing of it. */
  assert_int_equal(im_labeler_stats(lb).dropped, 0);
  assert_int_equal(im_labeler_stats(lb).repeats, 1);
  const char *dropped[2];
  assert_int_equal(im_labeler_dropped(lb, dropped, 2), 0);
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
  size_t n = 0;
  for (const char *q = out; (q = strstr(q, "Callao")); q++)
    n++;
  assert_int_equal(n, 2);
  im_style_clear(&st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(polygon_leader_auto_beside),      cmocka_unit_test(polygon_beside_short_leader),
      cmocka_unit_test(polygon_beside_not_on_neighbour), cmocka_unit_test(twin_names_once),
      cmocka_unit_test(keyed_line_number_along),         cmocka_unit_test(course_labels_outside),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
