/* Label text: templates over attributes, case changes, and Pango layouts
 * measured in device units. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem-private.h"
#include "core/suggest-private.h"
#include "label/label-impl-private.h"

typedef struct {
  char *s;
  size_t n, cap;
  bool failed;
} strbuf;

static void sb_add(strbuf *b, const char *s, size_t n) {
  if (b->failed || !im_grow((void **)&b->s, &b->cap, b->n + n + 1, 1)) {
    b->failed = true;
    return;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
}

static long find_field(const im_field *fields, size_t nfields, const char *name, size_t len) {
  /* The exact-case match first (a computed field is named by its
   * expression, whose texts keep their case). */
  for (size_t i = 0; i < nfields; i++)
    if (fields[i].name && strlen(fields[i].name) == len && !strncmp(fields[i].name, name, len))
      return (long)i;
  for (size_t i = 0; i < nfields; i++)
    if (fields[i].name && strlen(fields[i].name) == len && !strncasecmp(fields[i].name, name, len))
      return (long)i;
  return -1;
}

char *im_label_expand(const char *tmpl, const im_field *fields, size_t nfields, char *const *values) {
  strbuf b = {0};
  sb_add(&b, "", 0);
  for (const char *p = tmpl ? tmpl : ""; *p;) {
    if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
      sb_add(&b, p, 1);
      p += 2;
      continue;
    }
    size_t len = p[0] == '{' ? strcspn(p + 1, "{}") : 0;
    const char *close = p[0] == '{' && p[1 + len] == '}' ? p + 1 + len : NULL;
    if (!close) {
      size_t run = 1 + strcspn(p + 1, "{}");
      sb_add(&b, p, run);
      p += run;
      continue;
    }
    long i = find_field(fields, nfields, p + 1, (size_t)(close - p - 1));
    if (i >= 0 && values && values[i])
      sb_add(&b, values[i], strlen(values[i]));
    p = close + 1;
  }
  if (b.failed) {
    free(b.s);
    return NULL;
  }
  return b.s;
}

/* Columns count characters, not bytes: "Bogotá {NAEM}" has the field at 9. */
static int utf8_chars(const char *s, size_t nbytes) {
  int n = 0;
  for (size_t i = 0; i < nbytes; i++)
    n += ((unsigned char)s[i] & 0xc0) != 0x80;
  return n;
}

const char *im_label_template_next(const char *p, const char **name, size_t *len, bool *closed) {
  for (; p && *p; p++) {
    if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
      p++;
      continue;
    }
    if (*p != '{')
      continue;
    *name = p + 1;
    *len = strcspn(*name, "{}");
    *closed = (*name)[*len] == '}';
    return *closed ? *name + *len + 1 : *name + *len;
  }
  return NULL;
}

int im_label_template_column(const char *tmpl, const char *at, int column) {
  return column ? column + utf8_chars(tmpl, (size_t)(at - tmpl)) : 0;
}

im_status im_label_template_check(const char *tmpl, const im_field *fields, size_t nfields, const char *layer_path,
                                  const char *spec_file, int line, int column, im_error *err) {
  const char *name;
  size_t len;
  bool closed;
  for (const char *p = tmpl; (p = im_label_template_next(p, &name, &len, &closed));) {
    int col = im_label_template_column(tmpl, name, column);
    if (!closed)
      return im_error_set(err, IM_STATUS_INPUT, spec_file, line, col ? col - 1 : 0,
                          "label text \"%s\": '{' without its '}' (write '{{' for a brace)", tmpl);
    if (len == 0)
      return im_error_set(err, IM_STATUS_INPUT, spec_file, line, col,
                          "label text \"%s\": empty field name in '{}' (write '{{}}' for braces)", tmpl);
    if (find_field(fields, nfields, name, len) < 0) {
      char *word = im_strndup(name, len);
      const char **names = im_malloc_array(nfields ? nfields : 1, sizeof *names);
      if (!word || !names) {
        free(word);
        free(names);
        return im_error_set(err, IM_STATUS_INTERNAL, spec_file, line, col, "out of memory");
      }
      for (size_t i = 0; i < nfields; i++)
        names[i] = fields[i].name ? fields[i].name : "";
      const char *best = im_suggest(word, names, nfields);
      char list[512] = "";
      size_t used = 0;
      for (size_t i = 0; i < nfields && !best && used + 1 < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= sizeof list - used) {
          snprintf(list + (used < sizeof list - 6 ? used : sizeof list - 6), 6, ", ...");
          break;
        }
        used += (size_t)w;
      }
      if (best)
        im_error_set(err, IM_STATUS_INPUT, spec_file, line, col,
                     "label text \"%s\": %s has no field '%s'; did you mean '%s'?", tmpl, layer_path, word, best);
      else
        im_error_set(err, IM_STATUS_INPUT, spec_file, line, col, "label text \"%s\": %s has no field '%s' (fields: %s)",
                     tmpl, layer_path, word, nfields ? list : "none");
      if (err)
        err->code = IM_E_NO_SUCH_FIELD;
      free(word);
      free(names);
      return IM_STATUS_INPUT;
    }
  }
  return IM_STATUS_OK;
}

/* Each word's first letter in title case, the rest lower: a word starts
 * after anything that is neither a letter, a digit nor a combining mark,
 * so "o'higgins" and "port-au-prince" get "O'Higgins", "Port-Au-Prince". */
static gchar *title_case(const char *s) {
  gchar *low = g_utf8_strdown(s, -1);
  GString *o = g_string_sized_new(strlen(low) + 8);
  bool start = true;
  for (const char *p = low; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    if (start && g_unichar_isalpha(c)) {
      g_string_append_unichar(o, g_unichar_totitle(c));
      start = false;
      continue;
    }
    g_string_append_unichar(o, c);
    if (g_unichar_isalnum(c))
      start = false;
    else if (!g_unichar_ismark(c))
      start = true;
  }
  g_free(low);
  return g_string_free(o, FALSE);
}

char *im_label_apply_case(const char *text, im_text_case text_case) {
  /* NFC first, so 'u' + U+0301 and 'ú' look alike to the case mappings and
   * the PDF gets the precomposed letter; again after, since a full mapping
   * may decompose ('ǰ' -> 'J' + caron). */
  gchar *valid = g_utf8_make_valid(text, -1);
  gchar *nfc = g_utf8_normalize(valid, -1, G_NORMALIZE_NFC);
  g_free(valid);
  if (!nfc)
    return NULL;
  gchar *changed;
  switch (text_case) {
  case IM_CASE_UPPER:
    changed = g_utf8_strup(nfc, -1);
    break;
  case IM_CASE_LOWER:
    changed = g_utf8_strdown(nfc, -1);
    break;
  case IM_CASE_TITLE:
    changed = title_case(nfc);
    break;
  default:
    changed = g_strdup(nfc);
    break;
  }
  g_free(nfc);
  gchar *out = g_utf8_normalize(changed, -1, G_NORMALIZE_NFC);
  g_free(changed);
  char *res = im_strdup(out ? out : "");
  g_free(out);
  return res;
}

PangoLayout *im_label_layout(PangoContext *ctx, const char *text, const char *font, double dev_per_pt, double dpi,
                             double *font_px) {
  PangoFontDescription *fd = pango_font_description_from_string(font && *font ? font : IM_LABEL_DEFAULT_FONT);
  if (!pango_font_description_get_family(fd))
    pango_font_description_set_family(fd, "Noto Sans");
  double size = pango_font_description_get_size(fd) / (double)PANGO_SCALE;
  /* "Noto Sans 9px": pixels at the map's resolution, whatever the output. */
  if (pango_font_description_get_size_is_absolute(fd) && dpi > 0)
    size = size * 72.0 / dpi;
  if (!(size > 0))
    size = 7;
  *font_px = size * dev_per_pt;
  /* The context works at 72 dpi, so an absolute size is in device units. */
  pango_font_description_set_absolute_size(fd, *font_px * PANGO_SCALE);
  PangoLayout *layout = pango_layout_new(ctx);
  pango_layout_set_font_description(layout, fd);
  pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
  pango_layout_set_text(layout, text, -1);
  pango_font_description_free(fd);
  return layout;
}

im_bbox im_label_layout_ink(PangoLayout *layout) {
  PangoRectangle ink;
  pango_layout_get_extents(layout, &ink, NULL);
  double s = PANGO_SCALE;
  return (im_bbox){ink.x / s, ink.y / s, (ink.x + ink.width) / s, (ink.y + ink.height) / s};
}

static int compare_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

bool im_label_clusters(im_labeler *lb, im_label *l) {
  size_t len = strlen(l->text);
  l->first_cluster = lb->nclusters;
  l->nclusters = 0;
  PangoLayoutIter *it = pango_layout_get_iter(l->layout);
  bool ok = true;
  do {
    /* The position after the last cluster of a line has no run. */
    if (!pango_layout_iter_get_run_readonly(it))
      continue;
    PangoRectangle logical;
    pango_layout_iter_get_cluster_extents(it, NULL, &logical);
    if (!im_grow((void **)&lb->clusters, &lb->cap_clusters, lb->nclusters + 1, sizeof *lb->clusters)) {
      ok = false;
      break;
    }
    lb->clusters[lb->nclusters++] = (im_label_cluster){
        .start = (size_t)pango_layout_iter_get_index(it),
        .x = logical.x / (double)PANGO_SCALE,
        .w = logical.width / (double)PANGO_SCALE,
    };
    l->nclusters++;
  } while (pango_layout_iter_next_cluster(it));
  pango_layout_iter_free(it);
  if (!ok)
    return false;
  /* A cluster ends where the next one in the text begins; clusters come in
   * visual order, which for right-to-left runs is not the text's. The
   * starts are sorted so a long label costs n log n, not n^2. */
  im_label_cluster *c = lb->clusters + l->first_cluster;
  size_t *starts = im_malloc_array(l->nclusters ? l->nclusters : 1, sizeof *starts);
  if (!starts)
    return false;
  for (size_t i = 0; i < l->nclusters; i++)
    starts[i] = c[i].start;
  qsort(starts, l->nclusters, sizeof *starts, compare_size);
  for (size_t i = 0; i < l->nclusters; i++) {
    /* The first start after this one: upper bound by bisection. */
    size_t lo = 0, hi = l->nclusters;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (starts[mid] <= c[i].start)
        lo = mid + 1;
      else
        hi = mid;
    }
    c[i].len = (lo < l->nclusters ? starts[lo] : len) - c[i].start;
  }
  free(starts);
  return true;
}

void im_label_show(cairo_t *cr, PangoLayout *layout, const im_label *l, bool halo, bool text) {
  if (halo && l->halo_width > 0 && l->halo_color.a > 0) {
    cairo_new_path(cr);
    cairo_move_to(cr, 0, 0);
    pango_cairo_layout_path(cr, layout);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_width(cr, 2 * l->halo_width);
    cairo_set_source_rgba(cr, l->halo_color.r, l->halo_color.g, l->halo_color.b, l->halo_color.a);
    cairo_stroke(cr);
  }
  if (!text)
    return;
  cairo_move_to(cr, 0, 0);
  cairo_set_source_rgba(cr, l->color.r, l->color.g, l->color.b, l->color.a);
  pango_cairo_show_layout(cr, layout);
  cairo_new_path(cr);
}
