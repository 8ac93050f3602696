/* where: filters: parse, bind to a fixed field list, evaluate; and the same
 * text as a value expression, computed. The input is the expression, then
 * (after a NUL byte) the attribute values, one per field, each ended by a
 * NUL; a missing value is null. */
#include <stdlib.h>
#include <string.h>

#include "fuzz-support.h"
#include "influmap/filter.h"

static im_field fields[] = {
    {"name", IM_FIELD_STRING, 40, 0},       {"ISO_A3", IM_FIELD_STRING, 3, 0}, {"POP_EST", IM_FIELD_INTEGER, 12, 0},
    {"area", IM_FIELD_DOUBLE, 12, 4},       {"date", IM_FIELD_DATE, 8, 0},     {"active", IM_FIELD_LOGICAL, 1, 0},
    {"field name", IM_FIELD_STRING, 20, 0}, {"in", IM_FIELD_STRING, 10, 0},    {"Name", IM_FIELD_STRING, 10, 0},
};
enum { NFIELDS = sizeof fields / sizeof fields[0] };

/* text as a value expression: computed on values and on nulls. */
static void value(const char *text, char **values) {
  im_filter *f = NULL;
  im_error err;
  im_error_clear(&err);
  if (im_filter_parse_value(text, "fuzz.yaml", 3, 12, &f, &err)) {
    if (!err.message[0] || err.line < 3)
      abort();
    return;
  }
  if (im_filter_bind(f, fields, NFIELDS, "fuzz.shp", &err) == IM_STATUS_OK) {
    char buf[64], *none[NFIELDS] = {0};
    for (int k = 0; k < 2; k++) {
      int n = im_filter_value(f, k ? none : values, buf, sizeof buf);
      if (n >= 0 && ((size_t)n < sizeof buf) != (strlen(buf) == (size_t)n))
        abort();
    }
  } else if (!err.message[0]) {
    abort();
  }
  im_filter_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_quiet();
  char *text = fuzz_string(data, size);
  size_t used = strlen(text) + 1;
  im_filter *f = NULL;
  im_error err;
  im_error_clear(&err);
  char *values[NFIELDS] = {0};
  /* Values: the remaining bytes split at NULs. */
  size_t pos = used;
  for (size_t k = 0; k < NFIELDS && pos < size; k++) {
    values[k] = fuzz_string(data + pos, size - pos);
    pos += strlen(values[k]) + 1;
  }
  value(text, values);
  im_status st = im_filter_parse(text, "fuzz.yaml", 3, 12, &f, &err);
  if (st) {
    if (!err.message[0] || err.line < 3)
      abort(); /* an error says where, inside the expression */
    for (size_t k = 0; k < NFIELDS; k++)
      free(values[k]);
    free(text);
    return 0;
  }
  if (strcmp(im_filter_text(f), text))
    abort();
  if (im_filter_bind(f, fields, NFIELDS, "fuzz.shp", &err) == IM_STATUS_OK) {
    volatile bool r = im_filter_eval(f, values);
    (void)r;
    char *none[NFIELDS] = {0};
    r = im_filter_eval(f, none);
  } else if (!err.message[0]) {
    abort();
  }
  for (size_t k = 0; k < NFIELDS; k++)
    free(values[k]);
  im_filter_free(f);
  free(text);
  return 0;
}
