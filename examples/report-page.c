/* A report page a host draws itself: one A4 PDF with a heading, two maps
 * one above the other and a caption, the maps placed into boxes of the
 * host's own Cairo page (im_map_render_to_box), each laid out for its box.
 * The host's drawing state is as it left it after each map. (A map whose
 * required labels need its own page size fails in a box too small for
 * them, with a message naming the label.)
 *   cc report-page.c $(pkg-config --cflags --libs influmap cairo) -o report-page
 *   ./report-page styles/world-robinson.yaml styles/pacific.yaml page.pdf */
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>

#include <influmap/influmap.h>

#define A4_W 595.276 /* points */
#define A4_H 841.890

static void print_warning(void *user, const char *message) {
  (void)user;
  fprintf(stderr, "warning: %s\n", message);
}

static int fail(const im_error *err) {
  char buf[2048];
  fprintf(stderr, "%s\n", im_error_format(err, buf, sizeof buf));
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s SPEC1 SPEC2 OUT.pdf\n", argv[0]);
    return 2;
  }
  im_warning_set_handler(print_warning, NULL);
  im_error err;
  im_error_clear(&err);
  im_map *maps[2] = {NULL, NULL};
  for (int i = 0; i < 2; i++)
    if (im_map_load(argv[1 + i], &maps[i], &err))
      return fail(&err);

  cairo_surface_t *page = cairo_pdf_surface_create(argv[3], A4_W, A4_H);
  cairo_t *cr = cairo_create(page);
  /* The host's own heading, rule and caption. */
  cairo_select_font_face(cr, "Noto Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, 16);
  cairo_move_to(cr, 42, 60);
  cairo_show_text(cr, "Figure 3. The world, and the Pacific");
  cairo_set_line_width(cr, 0.75);
  cairo_move_to(cr, 42, 72);
  cairo_line_to(cr, A4_W - 42, 72);
  cairo_stroke(cr);
  /* Two maps, each laid out for its box: the text width, 300 pt tall. */
  double w = A4_W - 84, h = 300;
  int st = 0;
  for (int i = 0; i < 2 && !st; i++)
    if (im_map_render_to_box(maps[i], cr, 42, 90 + i * (h + 14), w, h, NULL, &err))
      st = fail(&err);
  cairo_select_font_face(cr, "Noto Sans", CAIRO_FONT_SLANT_ITALIC, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 9);
  cairo_move_to(cr, 42, 90 + 2 * h + 14 + 18);
  cairo_show_text(cr, "Sources: VRIC Monitor, December 2021; Natural Earth. Drawn with influmap.");
  cairo_show_page(cr);
  cairo_destroy(cr);
  cairo_surface_finish(page);
  if (!st && cairo_surface_status(page) != CAIRO_STATUS_SUCCESS) {
    fprintf(stderr, "cannot write %s: %s\n", argv[3], cairo_status_to_string(cairo_surface_status(page)));
    st = 1;
  }
  cairo_surface_destroy(page);
  for (int i = 0; i < 2; i++)
    im_map_free(maps[i]);
  return st;
}
