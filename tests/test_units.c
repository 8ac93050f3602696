/* Lengths and colours as the spec writes them. */
#include "support.h"

static void lengths(void **state) {
  (void)state;
  im_length l;
  assert_true(im_length_parse("180mm", IM_UNIT_PT, &l));
  assert_int_equal(l.unit, IM_UNIT_MM);
  assert_float_equal(im_length_to_pt(l, 300), 180 * 72 / 25.4, 1e-9);
  assert_true(im_length_parse("2in", IM_UNIT_PT, &l));
  assert_float_equal(im_length_to_pt(l, 300), 144, 1e-9);
  assert_true(im_length_parse("2200px", IM_UNIT_PT, &l));
  assert_float_equal(im_length_to_pt(l, 300), 528, 1e-9);
  assert_true(im_length_parse("0.3", IM_UNIT_PT, &l));
  assert_int_equal(l.unit, IM_UNIT_PT);
  assert_true(im_length_parse("1.5cm", IM_UNIT_PT, &l));
  assert_float_equal(im_length_to_pt(l, 72), 15 * 72 / 25.4, 1e-9);
  assert_false(im_length_parse("12 mm", IM_UNIT_PT, &l));
  assert_false(im_length_parse("mm", IM_UNIT_PT, &l));
  assert_false(im_length_parse("-3pt", IM_UNIT_PT, &l));
  assert_false(im_length_parse("3furlongs", IM_UNIT_PT, &l));
  assert_false(im_length_parse("nan", IM_UNIT_PT, &l));
  assert_false(im_length_parse("", IM_UNIT_PT, &l));
}

static void colours(void **state) {
  (void)state;
  im_color c;
  assert_true(im_color_parse("#dbe9f4", &c));
  assert_float_equal(c.r, 0xdb / 255.0, 1e-9);
  assert_float_equal(c.g, 0xe9 / 255.0, 1e-9);
  assert_float_equal(c.b, 0xf4 / 255.0, 1e-9);
  assert_float_equal(c.a, 1, 1e-9);
  assert_true(im_color_parse("#f00", &c));
  assert_float_equal(c.r, 1, 1e-9);
  assert_float_equal(c.g, 0, 1e-9);
  assert_true(im_color_parse("#00000080", &c));
  assert_float_equal(c.a, 128 / 255.0, 1e-9);
  assert_true(im_color_parse("White", &c));
  assert_float_equal(c.b, 1, 1e-9);
  assert_true(im_color_parse("none", &c));
  assert_float_equal(c.a, 0, 1e-9);
  assert_false(im_color_parse("#12345", &c));
  assert_false(im_color_parse("#ggg", &c));
  assert_false(im_color_parse("whitish", &c));
}

static void error_format(void **state) {
  (void)state;
  im_error err;
  char buf[256];
  im_error_set(&err, IM_STATUS_INPUT, "a.yaml", 3, 7, "unknown key '%s'", "fil");
  assert_string_equal(im_error_format(&err, buf, sizeof buf), "a.yaml:3:7: unknown key 'fil'");
  im_error_set(&err, IM_STATUS_INPUT, "x.shp", 0, 0, "truncated");
  assert_string_equal(im_error_format(&err, buf, sizeof buf), "x.shp: truncated");
  im_error_set(&err, IM_STATUS_IO, NULL, 0, 0, "disk full");
  assert_string_equal(im_error_format(&err, buf, sizeof buf), "disk full");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(lengths), cmocka_unit_test(colours),
                                     cmocka_unit_test(error_format)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
