#include "influmap/units.h"

#include "core/cnum-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool im_length_parse(const char *s, im_unit default_unit, im_length *out) {
  if (!s || !*s)
    return false;
  char *end;
  double v = im_strtod(s, &end);
  if (end == s || !isfinite(v) || v < 0)
    return false;
  static const struct {
    const char *suffix;
    im_unit unit;
  } suffixes[] = {{"pt", IM_UNIT_PT}, {"mm", IM_UNIT_MM}, {"cm", IM_UNIT_CM}, {"in", IM_UNIT_IN}, {"px", IM_UNIT_PX}};
  im_unit unit = default_unit;
  if (*end) {
    size_t i;
    for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
      if (strcmp(end, suffixes[i].suffix) == 0)
        break;
    if (i == sizeof suffixes / sizeof suffixes[0])
      return false;
    unit = suffixes[i].unit;
  }
  out->value = v;
  out->unit = unit;
  return true;
}

double im_length_to_pt(im_length len, double dpi) {
  switch (len.unit) {
  case IM_UNIT_PT:
    return len.value;
  case IM_UNIT_MM:
    return len.value * 72.0 / 25.4;
  case IM_UNIT_CM:
    return len.value * 720.0 / 25.4;
  case IM_UNIT_IN:
    return len.value * 72.0;
  case IM_UNIT_PX:
    return len.value * 72.0 / (dpi > 0 ? dpi : 72.0);
  }
  return len.value;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static bool parse_hex(const char *h, size_t n, im_color *out) {
  int v[8];
  for (size_t i = 0; i < n; i++)
    if ((v[i] = hexval(h[i])) < 0)
      return false;
  if (n == 3) {
    *out = (im_color){v[0] / 15.0, v[1] / 15.0, v[2] / 15.0, 1.0};
    return true;
  }
  double c[4] = {0, 0, 0, 1};
  for (size_t i = 0; i < n / 2; i++)
    c[i] = (v[2 * i] * 16 + v[2 * i + 1]) / 255.0;
  *out = (im_color){c[0], c[1], c[2], c[3]};
  return true;
}

bool im_color_parse(const char *s, im_color *out) {
  if (!s)
    return false;
  if (s[0] == '#') {
    size_t n = strlen(s + 1);
    if (n != 3 && n != 6 && n != 8)
      return false;
    return parse_hex(s + 1, n, out);
  }
  static const struct {
    const char *name;
    const char *hex;
  } names[] = {{"black", "000000"},  {"white", "ffffff"},  {"gray", "808080"},   {"grey", "808080"},
               {"silver", "c0c0c0"}, {"red", "ff0000"},    {"maroon", "800000"}, {"yellow", "ffff00"},
               {"olive", "808000"},  {"lime", "00ff00"},   {"green", "008000"},  {"aqua", "00ffff"},
               {"teal", "008080"},   {"blue", "0000ff"},   {"navy", "000080"},   {"fuchsia", "ff00ff"},
               {"purple", "800080"}, {"orange", "ffa500"}, {"none", "00000000"}, {"transparent", "00000000"}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcasecmp(s, names[i].name) == 0)
      return parse_hex(names[i].hex, strlen(names[i].hex), out);
  return false;
}
