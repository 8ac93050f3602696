/* SVG post-processing: stable ids, <title>/<desc>, and text as <text>. */
#define _GNU_SOURCE /* memmem */
#include "output/svgtext-private.h"

#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cnum-private.h"
#include "core/mem-private.h"

cairo_status_t im_svg_doc_collect(void *closure, const unsigned char *data, unsigned int length) {
  im_svg_doc *d = closure;
  if (d->failed || !im_grow((void **)&d->data, &d->cap, d->len + length + 1, 1)) {
    d->failed = true;
    return CAIRO_STATUS_NO_MEMORY;
  }
  memcpy(d->data + d->len, data, length);
  d->len += length;
  return CAIRO_STATUS_SUCCESS;
}

void im_svg_doc_fini(im_svg_doc *doc) {
  free(doc->data);
  free(doc->text);
  *doc = (im_svg_doc){0};
}

/* --- Building the <text> elements ---------------------------------------- */

static void put(im_svg_doc *d, const char *s, size_t n) {
  if (d->failed || !im_grow((void **)&d->text, &d->text_cap, d->text_len + n + 1, 1)) {
    d->failed = true;
    return;
  }
  memcpy(d->text + d->text_len, s, n);
  d->text_len += n;
  d->text[d->text_len] = '\0';
}

static void puts_(im_svg_doc *d, const char *s) { put(d, s, strlen(s)); }

static void putf(im_svg_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(im_svg_doc *d, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = im_vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof buf) {
    d->failed = true;
    return;
  }
  put(d, buf, (size_t)n);
}

/* XML text for s: markup characters as entities, control characters (which
 * XML 1.0 forbids) as spaces, invalid UTF-8 replaced. Returns a new string
 * (free with free()), or NULL when out of memory. */
static char *xml_escape(const char *s, size_t n) {
  gchar *valid = g_utf8_make_valid(s, (gssize)n);
  size_t len = strlen(valid), size;
  char *out = NULL;
  if (!im_mul_overflows(len, 6, &size) && (out = malloc(size + 1))) {
    char *o = out;
    for (const char *p = valid; *p; p++) {
      unsigned char c = (unsigned char)*p;
      const char *ent = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '"' ? "&quot;" : NULL;
      if (ent) {
        o += sprintf(o, "%s", ent);
      } else {
        *o++ = c < 0x20 ? ' ' : (char)c;
      }
    }
    *o = '\0';
  }
  g_free(valid);
  return out;
}

static void put_escaped(im_svg_doc *d, const char *s, size_t n) {
  char *e = xml_escape(s, n);
  if (!e) {
    d->failed = true;
    return;
  }
  puts_(d, e);
  free(e);
}

/* A number with at most 3 decimals and no trailing zeros (device units are
 * points or pixels: a thousandth is far below what shows). */
static const char *num(char *buf, double v) {
  if (!isfinite(v) || fabs(v) < 0.0005)
    v = 0;
  im_snprintf(buf, 32, "%.3f", v);
  char *dot = strchr(buf, '.');
  if (dot) {
    char *e = buf + strlen(buf) - 1;
    while (e > dot && *e == '0')
      *e-- = '\0';
    if (e == dot)
      *e = '\0';
  }
  return buf;
}

static void put_color(im_svg_doc *d, const char *what, im_color c) {
  int r = (int)lround(c.r * 255), g = (int)lround(c.g * 255), b = (int)lround(c.b * 255);
  putf(d, " %s=\"#%02x%02x%02x\"", what, r, g, b);
  if (c.a < 1) {
    char n[32];
    putf(d, " %s-opacity=\"%s\"", what, num(n, c.a));
  }
}

static const char *const stretches[] = {"ultra-condensed", "extra-condensed", "condensed",
                                        "semi-condensed",  "normal",          "semi-expanded",
                                        "expanded",        "extra-expanded",  "ultra-expanded"};

/* Font attributes; family NULL, size 0, weight 0 (else CSS, 400 left
 * out unless asked by a run), stretch 0: not written. */
static void put_font(im_svg_doc *d, const char *family, double size, int weight, int stretch, bool italic) {
  char n[32];
  if (family) {
    puts_(d, " font-family=\"");
    put_escaped(d, family, strlen(family));
    puts_(d, "\"");
  }
  if (size > 0)
    putf(d, " font-size=\"%s\"", num(n, size));
  if (weight) {
    int w = (weight + 50) / 100 * 100;
    putf(d, " font-weight=\"%d\"", w < 100 ? 100 : w > 900 ? 900 : w);
  }
  if (stretch && stretch >= -4 && stretch <= 4)
    putf(d, " font-stretch=\"%s\"", stretches[stretch + 4]);
  if (italic)
    puts_(d, " font-style=\"italic\"");
}

/* A run's font and fill where they differ from its item's; the halo
 * copy takes the font only. */
static void put_run_style(im_svg_doc *d, const im_text_item *it, size_t i, bool halo) {
  if (!it->run_styles)
    return;
  const im_text_style *st = &it->run_styles[i];
  const char *family = st->family && it->family && strcmp(st->family, it->family) ? st->family : NULL;
  double size = fabs(st->size - it->size) > 1e-3 * it->size ? st->size : 0;
  put_font(d, family, size, st->weight != it->weight ? st->weight : 0, st->stretch != it->stretch ? st->stretch : 0,
           st->italic && !it->italic);
  if (!st->italic && it->italic)
    puts_(d, " font-style=\"normal\"");
  if (st->stretch == 0 && it->stretch != 0)
    puts_(d, " font-stretch=\"normal\"");
  im_color c = st->color, ic = it->color;
  if (!halo && st->has_color && (c.r != ic.r || c.g != ic.g || c.b != ic.b || c.a != ic.a))
    put_color(d, "fill", c);
}

/* The runs of one item, filled (halo false) or as the halo under it. */
static void put_runs(im_svg_doc *d, const im_text_item *it, bool halo) {
  char a[32], b[32], c[32];
  bool turned = false;
  for (size_t i = 0; i < it->nruns; i++)
    turned = turned || fabs(it->runs[i].angle) > 1e-9;
  if (halo) {
    puts_(d, "<g fill=\"none\"");
    put_color(d, "stroke", it->halo_color);
    putf(d, " stroke-width=\"%s\" stroke-linejoin=\"round\" stroke-linecap=\"round\">", num(a, 2 * it->halo_width));
  } else {
    puts_(d, "<g");
    put_color(d, "fill", it->color);
    puts_(d, ">");
  }
  if (!turned) {
    /* One element, one tspan per line: what a designer edits as one. */
    puts_(d, "<text>");
    for (size_t i = 0; i < it->nruns; i++) {
      const im_text_run *r = &it->runs[i];
      putf(d, "<tspan x=\"%s\" y=\"%s\"", num(a, r->x), num(b, r->y));
      put_run_style(d, it, i, halo);
      puts_(d, ">");
      put_escaped(d, r->text, r->len);
      puts_(d, "</tspan>");
    }
    puts_(d, "</text>");
  } else {
    for (size_t i = 0; i < it->nruns; i++) {
      const im_text_run *r = &it->runs[i];
      putf(d, "<text x=\"%s\" y=\"%s\"", num(a, r->x), num(b, r->y));
      if (fabs(r->angle) > 1e-9)
        putf(d, " transform=\"rotate(%s %s %s)\"", num(c, r->angle * 180 / M_PI), a, b);
      puts_(d, ">");
      put_escaped(d, r->text, r->len);
      puts_(d, "</text>");
    }
  }
  puts_(d, "</g>");
}

void im_svg_doc_add_text(void *user, const im_text_item *it) {
  im_svg_doc *d = user;
  if (!it->nruns)
    return;
  puts_(d, "<g");
  if (it->cls)
    putf(d, " class=\"%s\"", it->cls);
  int w = (it->weight + 50) / 100 * 100;
  put_font(d, it->family ? it->family : "sans-serif", it->size, w == 400 ? 0 : it->weight, it->stretch, it->italic);
  /* Spaces as Pango set them: no collapsing, no trimming. */
  puts_(d, " xml:space=\"preserve\">");
  if (it->halo_width > 0 && it->halo_color.a > 0)
    put_runs(d, it, true);
  put_runs(d, it, false);
  puts_(d, "</g>\n");
}

/* --- Writing the document ------------------------------------------------ */

typedef struct {
  cairo_write_func_t write;
  void *closure;
  cairo_status_t status;
  unsigned long *seen; /* surface ids in order of first appearance */
  size_t nseen, cap;
} emitter;

static void emit(emitter *e, const char *s, size_t n) {
  while (e->status == CAIRO_STATUS_SUCCESS && n > 0) {
    unsigned k = n > 1u << 30 ? 1u << 30 : (unsigned)n;
    e->status = e->write(e->closure, (const unsigned char *)s, k);
    s += k;
    n -= k;
  }
}

/* Writes [p, end) with "surfaceN" renumbered. */
static void emit_renumbered(emitter *e, const char *p, const char *end) {
  static const char key[] = "surface";
  const size_t klen = sizeof key - 1;
  const char *flushed = p;
  while (e->status == CAIRO_STATUS_SUCCESS && (p = memmem(p, (size_t)(end - p), key, klen))) {
    const char *digits = p + klen, *q = digits;
    while (q < end && *q >= '0' && *q <= '9')
      q++;
    if (q == digits || q - digits > 9) {
      p = q;
      continue;
    }
    unsigned long id = strtoul(digits, NULL, 10);
    size_t k;
    for (k = 0; k < e->nseen && e->seen[k] != id; k++)
      ;
    if (k == e->nseen) {
      if (!im_grow((void **)&e->seen, &e->cap, e->nseen + 1, sizeof *e->seen)) {
        e->status = CAIRO_STATUS_NO_MEMORY;
        return;
      }
      e->seen[e->nseen++] = id;
    }
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%zu", k + 1);
    emit(e, flushed, (size_t)(digits - flushed));
    emit(e, buf, (size_t)n);
    flushed = p = q;
  }
  emit(e, flushed, (size_t)(end - flushed));
}

static void emit_element(emitter *e, const char *name, const char *text) {
  char *esc = xml_escape(text, strlen(text));
  if (!esc) {
    e->status = CAIRO_STATUS_NO_MEMORY;
    return;
  }
  char open[32], close[32];
  int no = snprintf(open, sizeof open, "\n<%s>", name), nc = snprintf(close, sizeof close, "</%s>", name);
  emit(e, open, (size_t)no);
  emit(e, esc, strlen(esc));
  emit(e, close, (size_t)nc);
  free(esc);
}

/* Copies the opening <svg ...> tag [from, to) with its width and height,
 * which Cairo writes in points ("2200pt"), turned into millimetres. The
 * viewBox stays in points: a user unit is a point, so the drawing needs no
 * transformation and Cairo writes every path in page coordinates. */
static void emit_svg_tag(emitter *e, const char *from, const char *to, double mm_per_pt) {
  static const char *const keys[] = {" width=\"", " height=\""};
  const char *p = from;
  for (size_t k = 0; k < 2; k++) {
    const char *at = memmem(p, (size_t)(to - p), keys[k], strlen(keys[k]));
    if (!at)
      break;
    const char *num = at + strlen(keys[k]);
    char *unit = NULL;
    double v = im_strtod(num, &unit);
    if (unit == num || unit + 3 > to || memcmp(unit, "pt\"", 3))
      break;
    emit(e, p, (size_t)(num - p));
    char mm[48];
    int n = im_snprintf(mm, sizeof mm, "%.6gmm\"", v * mm_per_pt);
    emit(e, mm, (size_t)n);
    p = unit + 3;
  }
  emit(e, p, (size_t)(to - p));
}

cairo_status_t im_svg_doc_emit(const im_svg_doc *doc, const char *title, const char *desc, double mm_per_pt,
                               cairo_write_func_t write, void *closure) {
  if (doc->failed)
    return CAIRO_STATUS_NO_MEMORY;
  emitter e = {write, closure, CAIRO_STATUS_SUCCESS, NULL, 0, 0};
  const char *start = doc->data ? doc->data : "", *end = start + doc->len;
  /* The end of the opening <svg ...> tag, and the closing tag. */
  const char *svg = memmem(start, doc->len, "<svg", 4);
  const char *head = svg ? memchr(svg, '>', (size_t)(end - svg)) : NULL;
  const char *tail = NULL;
  for (const char *p = start; head && (p = memmem(p, (size_t)(end - p), "</svg>", 6)); p += 6)
    tail = p;
  if (!head || !tail) {
    emit_renumbered(&e, start, end);
  } else {
    head++;
    emit_renumbered(&e, start, svg);
    emit_svg_tag(&e, svg, head, mm_per_pt);
    if (title)
      emit_element(&e, "title", title);
    if (desc)
      emit_element(&e, "desc", desc);
    emit_renumbered(&e, head, tail);
    if (doc->text_len) {
      static const char open[] = "<g class=\"labels\">\n";
      emit(&e, open, sizeof open - 1);
      emit(&e, doc->text, doc->text_len);
      emit(&e, "</g>\n", 5);
    }
    emit_renumbered(&e, tail, end);
  }
  free(e.seen);
  return e.status;
}
