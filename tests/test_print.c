/* Print-ready output: PNG physical size, transparency and bytes; PDF fonts,
 * text and metadata; SVG size, XML, <title>/<desc> and --svg-text; CMYK
 * PDFs through Ghostscript and the error without it. */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <librsvg/rsvg.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "output/cmyk-private.h"
#include "furniture/furniture-private.h"
#include "output/png-private.h"
#include "support.h"

#define LAND 0xf2efe9
#define SEA 0xdbe9f4

/* --- Helpers ------------------------------------------------------------- */

/* Runs a shell command; returns its exit status (-1 when it did not exit). */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int st = system(cmd);
  return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* What a command prints on stdout (free with free()). */
static char *output_of(const char *cmd, const char *name) {
  const char *out = scratch_path(name);
  assert_int_equal(run("%s > '%s'", cmd, out), 0);
  char *text = read_file(out, NULL);
  assert_non_null(text);
  return text;
}

static void render(const im_map *map, const char *out, const im_render_options *opt) {
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, out, opt, &err), &err);
}

/* One filled layer; background and page as given. */
static im_map *land_spec(const char *name, const char *background, const char *page) {
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "map:\n  page: %s\n  crs: \"+proj=laea +lat_0=-15 +lon_0=-70 +datum=WGS84 +units=m +no_defs\"\n"
           "  extent: {west: -92, east: -30, south: -56, north: 15}\n  background: %s\n"
           "layers:\n  - id: land\n    source: %s\n    fill: \"#f2efe9\"\n",
           page, background, src_path("shapes/ne_50m_admin_0_countries.shp"));
  return load_spec_text(name, yaml);
}

/* Countries (polygon labels), rivers (labels along lines) and capitals
 * (point labels), with halos (or without labels); title given when not
 * NULL. */
static im_map *spec_with(const char *name, const char *title, bool labels) {
  char yaml[4096], t[256] = "";
  if (title)
    snprintf(t, sizeof t, "  title: \"%s\"\n", title);
  snprintf(yaml, sizeof yaml,
           "map:\n%s  page: {width: 120mm, height: 140mm, dpi: 150}\n"
           "  crs: \"+proj=laea +lat_0=-15 +lon_0=-60 +datum=WGS84 +units=m +no_defs\"\n"
           "  extent: {west: -82, east: -34, south: -56, north: 13}\n  background: \"#dbe9f4\"\n"
           "layers:\n"
           "  - id: countries\n    source: %s\n    fill: \"#f2efe9\"\n    stroke: {color: \"#8a8a8a\", width: 0.3pt}\n"
           "    %slabel: {text: \"{NAME}\", font: \"Noto Sans Bold 7\", halo: {color: white, width: 1pt}}\n"
           "  - id: rivers\n    source: %s\n    where: scalerank <= 3\n"
           "    stroke: {color: \"#6f9bc6\", width: 0.6pt}\n"
           "    %slabel: {text: \"{name}\", font: \"Noto Sans Italic 6\", color: \"#2b5d8f\","
           " halo: {color: \"#ffffff\", width: 0.8pt}}\n"
           "  - id: capitals\n    source: %s\n    where: ADM0CAP = 1\n"
           "    marker: {symbol: circle, size: 3pt}\n    fill: \"#333333\"\n"
           "    %slabel: {text: \"{NAME}\", font: \"Noto Sans 6\", halo: {color: white, width: 1pt}}\n",
           t, src_path("shapes/ne_50m_admin_0_countries.shp"), labels ? "" : "# ",
           src_path("shapes/ne_10m_rivers_americas.shp"), labels ? "" : "# ",
           src_path("shapes/ne_10m_populated_places_latam.shp"), labels ? "" : "# ");
  return load_spec_text(name, yaml);
}

static im_map *label_spec(const char *name, const char *title) { return spec_with(name, title, true); }

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The data of the first chunk of type in a PNG file's bytes, or NULL. */
static const unsigned char *png_chunk(const unsigned char *png, size_t len, const char *type, uint32_t *clen) {
  assert_true(len > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
  for (size_t off = 8; off + 12 <= len;) {
    uint32_t n = be32(png + off);
    if (off + 12 + n > len)
      break;
    if (!memcmp(png + off + 4, type, 4)) {
      *clen = n;
      return png + off + 8;
    }
    off += 12 + n;
  }
  return NULL;
}

/* A PNG decoded by libpng as straight (not premultiplied) RGBA. */
static unsigned char *png_rgba(const char *path, int *w, int *h) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  assert_true(png_image_begin_read_from_file(&img, path));
  img.format = PNG_FORMAT_RGBA;
  unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
  assert_non_null(px);
  assert_true(png_image_finish_read(&img, NULL, px, 0, NULL));
  *w = (int)img.width;
  *h = (int)img.height;
  png_image_free(&img);
  return px;
}

/* --- PNG ----------------------------------------------------------------- */

/* pHYs holds the dpi asked, in pixels per metre, for 72, 300 and 600 dpi;
 * no tIME chunk; the picture has the frame's size and decodes. */
static void png_phys_is_the_dpi(void **state) {
  (void)state;
  im_map *map = land_spec("phys.yaml", "\"#dbe9f4\"", "{width: 40mm, height: 30mm, dpi: 300}");
  const double dpis[] = {72, 300, 600};
  for (size_t i = 0; i < 3; i++) {
    im_render_options opt = {.dpi = dpis[i]};
    const char *out = scratch_path("phys.png");
    render(map, out, &opt);
    size_t len;
    unsigned char *png = (unsigned char *)read_file(out, &len);
    assert_non_null(png);
    uint32_t n;
    const unsigned char *phys = png_chunk(png, len, "pHYs", &n);
    assert_non_null(phys);
    assert_int_equal(n, 9);
    uint32_t want = (uint32_t)lround(dpis[i] / 0.0254);
    assert_int_equal(be32(phys), want);
    assert_int_equal(be32(phys + 4), want);
    assert_int_equal(phys[8], 1); /* the unit is the metre */
    assert_null(png_chunk(png, len, "tIME", &n));
    const unsigned char *ihdr = png_chunk(png, len, "IHDR", &n);
    assert_non_null(ihdr);
    assert_int_equal(ihdr[9], 2); /* RGB: an opaque background needs no alpha */
    im_frame f;
    im_error err;
    assert_ok(im_map_frame(map, &opt, &f, &err), &err);
    assert_int_equal(be32(ihdr), (uint32_t)f.width_px);
    assert_int_equal(be32(ihdr + 4), (uint32_t)f.height_px);
    assert_int_equal(f.width_px, (int)lround(40 / 25.4 * dpis[i]));
    test_image img;
    assert_true(image_load(out, &img));
    assert_true(pixel_near(image_pixel(&img, 1, 1), SEA, 1));
    image_free(&img);
    free(png);
  }
  im_map_free(map);
}

/* background: none gives an RGBA PNG: alpha 0 at sea, 255 on land, and
 * the half-covered pixels along the coast keep the land's colour (the
 * alpha is un-premultiplied). */
static void png_transparent_background(void **state) {
  (void)state;
  im_map *map = land_spec("transparent.yaml", "none", "{width: 60mm, height: 70mm, dpi: 150}");
  const char *out = scratch_path("transparent.png");
  render(map, out, NULL);
  size_t len;
  unsigned char *png = (unsigned char *)read_file(out, &len);
  uint32_t n;
  const unsigned char *ihdr = png_chunk(png, len, "IHDR", &n);
  assert_non_null(ihdr);
  assert_int_equal(ihdr[9], 6); /* RGBA */
  free(png);
  int w, h;
  unsigned char *px = png_rgba(out, &w, &h);
  map_projector p;
  map_projector_init(&p, map);
  int x, y;
  /* The Pacific west of Lima, and Brasília. */
  assert_true(map_projector_pixel(&p, -85, -12, &x, &y));
  assert_int_equal(px[((size_t)y * w + x) * 4 + 3], 0);
  assert_true(map_projector_pixel(&p, -47.9, -15.8, &x, &y));
  const unsigned char *land = px + ((size_t)y * w + x) * 4;
  assert_int_equal(land[3], 255);
  assert_int_equal(land[0], 0xf2);
  assert_int_equal(land[1], 0xef);
  assert_int_equal(land[2], 0xe9);
  size_t edge = 0;
  for (size_t i = 0; i < (size_t)w * h; i++) {
    const unsigned char *q = px + i * 4;
    if (q[3] == 0 || q[3] == 255)
      continue;
    edge++;
    /* Rounding grows as alpha shrinks: 8 bits of premultiplied colour. */
    int tol = q[3] >= 32 ? 8 : 255 / q[3] + 2;
    assert_true(abs(q[0] - 0xf2) <= tol && abs(q[1] - 0xef) <= tol && abs(q[2] - 0xe9) <= tol);
  }
  assert_true(edge > 100);
  map_projector_fini(&p);
  free(px);
  im_map_free(map);
}

/* Two renders give the same bytes; the picture is taller than one band, so
 * the parallel deflate and the joined checksum are exercised, and libpng
 * (which checks the CRCs and the Adler-32) reads it back. */
static void png_same_bytes_twice(void **state) {
  (void)state;
  im_map *map = land_spec("twice.yaml", "\"#dbe9f4\"", "{width: 90mm, height: 100mm, dpi: 200}");
  const char *a = scratch_path("twice-a.png"), *b = scratch_path("twice-b.png");
  render(map, a, NULL);
  render(map, b, NULL);
  assert_true(files_equal(a, b));
  int w, h;
  unsigned char *px = png_rgba(a, &w, &h);
  assert_true(h >= 512);
  free(px);
  im_map_free(map);
}

/* The encoder against a decoder on pixels no map would make: every
 * premultiplied ARGB value kind, both formats, one band and two. */
static cairo_status_t to_file(void *closure, const unsigned char *data, unsigned int length) {
  return fwrite(data, 1, length, closure) == length ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static void png_encoder_round_trip(void **state) {
  (void)state;
  const int heights[] = {7, 700};
  for (int fmt = 0; fmt < 2; fmt++)
    for (int k = 0; k < 2; k++) {
      int w = 301, h = heights[k];
      cairo_format_t cf = fmt ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24;
      cairo_surface_t *s = cairo_image_surface_create(cf, w, h);
      unsigned char *data = cairo_image_surface_get_data(s);
      int stride = cairo_image_surface_get_stride(s);
      uint32_t seed = 12345;
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
          seed = seed * 1103515245u + 12345u;
          uint32_t a = fmt ? (seed >> 24) & 0xff : 0xff;
          if (fmt && (x % 7) == 0)
            a = (x % 14) ? 0 : 255;
          uint32_t r = a ? (seed >> 16) % (a + 1) : 0, g = a ? (seed >> 8) % (a + 1) : 0, b = a ? seed % (a + 1) : 0;
          ((uint32_t *)(void *)(data + (size_t)y * stride))[x] = a << 24 | r << 16 | g << 8 | b;
        }
      cairo_surface_mark_dirty(s);
      const char *path = scratch_path("round-trip.png");
      FILE *f = fopen(path, "wb");
      assert_non_null(f);
      assert_int_equal(im_png_write(s, 96, to_file, f), CAIRO_STATUS_SUCCESS);
      assert_int_equal(fclose(f), 0);
      int dw, dh;
      unsigned char *px = png_rgba(path, &dw, &dh);
      assert_int_equal(dw, w);
      assert_int_equal(dh, h);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
          uint32_t v = ((uint32_t *)(void *)(data + (size_t)y * stride))[x];
          const unsigned char *q = px + ((size_t)y * w + x) * 4;
          uint32_t a = fmt ? v >> 24 : 255;
          assert_int_equal(q[3], a);
          for (int c = 0; c < 3; c++) {
            uint32_t pre = (v >> (16 - 8 * c)) & 0xff;
            uint32_t want = a == 0 ? 0 : (pre * 255 + a / 2) / a;
            assert_int_equal(q[c], want > 255 ? 255 : want);
          }
        }
      free(px);
      cairo_surface_destroy(s);
    }
}

/* --- PDF ----------------------------------------------------------------- */

/* The value of a pdfinfo field (in a static buffer). */
static const char *info_field(const char *info, const char *key) {
  static char value[1024];
  char k[64];
  snprintf(k, sizeof k, "%s:", key);
  for (const char *line = info; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
    if (!strncmp(line, k, strlen(k))) {
      const char *v = line + strlen(k);
      v += strspn(v, " ");
      size_t n = strcspn(v, "\n");
      snprintf(value, sizeof value, "%.*s", (int)n, v);
      return value;
    }
  fail_msg("pdfinfo has no %s", key);
  return "";
}

/* Every font embedded, no image, the labels findable as text, and the
 * title, subject and keywords from the spec. */
static void check_pdf(const char *pdf, bool metadata) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "pdffonts '%s'", pdf);
  char *fonts = output_of(cmd, "pdffonts.txt");
  /* The emb column starts under the fourth run of dashes. */
  char *dashes = strstr(fonts, "\n---");
  assert_non_null(dashes);
  dashes++;
  int col = 0, runs = 0;
  for (int i = 0; dashes[i] && dashes[i] != '\n' && runs < 4; i++)
    if (dashes[i] == '-' && (i == 0 || dashes[i - 1] == ' ') && ++runs == 4)
      col = i;
  assert_true(col > 0);
  int nfonts = 0;
  for (char *line = strchr(dashes, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
    nfonts++;
    assert_true(strncmp(line + 1 + col, "yes", 3) == 0);
  }
  assert_true(nfonts >= 2); /* bold, italic, regular */
  free(fonts);
  snprintf(cmd, sizeof cmd, "pdfimages -list '%s'", pdf);
  char *images = output_of(cmd, "pdfimages.txt");
  int lines = 0;
  for (char *p = images; *p; p++)
    lines += *p == '\n';
  assert_int_equal(lines, 2); /* the header only */
  free(images);
  snprintf(cmd, sizeof cmd, "pdftotext '%s' -", pdf);
  char *text = output_of(cmd, "pdftotext.txt");
  assert_non_null(strstr(text, "Brazil"));
  assert_non_null(strstr(text, "Argentina"));
  assert_non_null(strstr(text, "Lima"));
  free(text);
  if (!metadata)
    return;
  snprintf(cmd, sizeof cmd, "pdfinfo '%s'", pdf);
  char *info = output_of(cmd, "pdfinfo.txt");
  assert_string_equal(info_field(info, "Title"), "Rivers & <Places> of South America");
  const char *subject = info_field(info, "Subject");
  const char *want = "Rivers & <Places> of South America: map of 56°S to 13°N, 82°W to 34°W, in ";
  assert_true(strncmp(subject, want, strlen(want)) == 0);
  assert_non_null(strstr(subject, "with the layers countries, rivers and capitals."));
  assert_string_equal(info_field(info, "Keywords"), "map, countries, rivers, capitals");
  free(info);
}

static void pdf_fonts_text_and_metadata(void **state) {
  (void)state;
  im_map *map = label_spec("labels-pdf.yaml", "Rivers & <Places> of South America");
  const char *a = scratch_path("labels-a.pdf"), *b = scratch_path("labels-b.pdf");
  render(map, a, NULL);
  check_pdf(a, true);
  render(map, b, NULL);
  assert_true(files_equal(a, b));
  im_map_free(map);
}

/* --- SVG ----------------------------------------------------------------- */

static bool xml_ok(const char *path) {
  if (run("command -v xmllint >/dev/null 2>&1") == 0)
    return run("xmllint --noout '%s'", path) == 0;
  return run("python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' '%s'", path) == 0;
}

/* An SVG rasterised by librsvg at dpi, on white. */
static cairo_surface_t *rasterise(const char *path, double dpi, int w, int h) {
  GError *gerr = NULL;
  RsvgHandle *hd = rsvg_handle_new_from_file(path, &gerr);
  assert_non_null(hd);
  rsvg_handle_set_dpi(hd, dpi);
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cairo_t *cr = cairo_create(s);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  RsvgRectangle vp = {0, 0, w, h};
  assert_true(rsvg_handle_render_document(hd, cr, &vp, &gerr));
  cairo_destroy(cr);
  g_object_unref(hd);
  cairo_surface_flush(s);
  return s;
}

static void svg_size_xml_title_desc(void **state) {
  (void)state;
  im_map *map = label_spec("labels-svg.yaml", "Rivers & <Places> of South America");
  const char *out = scratch_path("labels.svg");
  render(map, out, NULL);
  assert_true(xml_ok(out));
  char *svg = read_file(out, NULL);
  assert_non_null(strstr(svg, "width=\"120mm\""));
  assert_non_null(strstr(svg, "height=\"140mm\""));
  assert_null(strstr(svg, "<image"));
  /* Right after the opening tag, escaped. */
  char *open = strstr(svg, "<svg");
  assert_non_null(open);
  char *end = strchr(open, '>');
  const char *head = "\n<title>Rivers &amp; &lt;Places&gt; of South America</title>\n<desc>";
  assert_true(strncmp(end + 1, head, strlen(head)) == 0);
  assert_non_null(strstr(svg, "<desc>Rivers &amp; &lt;Places&gt; of South America: map of 56°S to 13°N, 82°W to 34°W"));
  /* Without --svg-text, text is outlines only. */
  assert_null(strstr(svg, "<text"));
  free(svg);
  im_map_free(map);
}

static void svg_text_matches_outlines(void **state) {
  (void)state;
  im_map *map = label_spec("svg-text.yaml", NULL);
  const char *plain = scratch_path("outlines.svg"), *text = scratch_path("text.svg");
  im_render_stats stats = {0};
  im_render_options opt = {.stats = &stats};
  render(map, plain, &opt);
  assert_true(stats.labels_placed >= 10);
  opt.svg_text = true;
  render(map, text, &opt);
  assert_true(xml_ok(text));
  char *svg = read_file(text, NULL);
  assert_non_null(strstr(svg, "<title>Map</title>"));
  assert_non_null(strstr(svg, "<g class=\"labels\""));
  assert_non_null(strstr(svg, ">Brazil</tspan>"));
  assert_non_null(strstr(svg, ">Lima</tspan>"));
  assert_non_null(strstr(svg, "font-family=\"Noto Sans\""));
  assert_non_null(strstr(svg, "font-weight=\"700\""));
  assert_non_null(strstr(svg, "font-style=\"italic\""));
  assert_non_null(strstr(svg, "stroke=\"#ffffff\""));
  /* River names go glyph by glyph, turned along the line. */
  assert_non_null(strstr(svg, " transform=\"rotate("));
  /* One label group per placed label. */
  size_t groups = 0;
  for (const char *p = svg; (p = strstr(p, "<g class=\"label\"")); p++)
    groups++;
  assert_int_equal(groups, stats.labels_placed);
  /* The labels' glyph outlines are gone, and there is no <image>. */
  assert_null(strstr(svg, "<image"));
  free(svg);
  char *outlines = read_file(plain, NULL);
  assert_non_null(strstr(outlines, "id=\"glyph"));
  free(outlines);
  char *t = read_file(text, NULL);
  assert_null(strstr(t, "id=\"glyph"));
  free(t);
  /* Rasterised, the two agree but for antialiasing and hinting: over the
   * whole page as the issue asks, and where the labels are (the pixels a
   * render without labels differs in), which would catch text gone
   * missing or misplaced. */
  im_map *bare = spec_with("no-labels.yaml", NULL, false);
  const char *none = scratch_path("no-labels.svg");
  render(bare, none, NULL);
  im_map_free(bare);
  int w = (int)lround(120 / 25.4 * 150), h = (int)lround(140 / 25.4 * 150);
  cairo_surface_t *a = rasterise(plain, 150, w, h), *b = rasterise(text, 150, w, h), *z = rasterise(none, 150, w, h);
  const unsigned char *pa = cairo_image_surface_get_data(a), *pb = cairo_image_surface_get_data(b),
                      *pz = cairo_image_surface_get_data(z);
  int stride = cairo_image_surface_get_stride(a);
  double sum = 0;
  size_t far = 0, ink = 0, ink_far = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t o = (size_t)y * stride + 4 * (size_t)x;
      int worst = 0, label = 0;
      for (int c = 0; c < 3; c++) {
        int d = abs(pa[o + c] - pb[o + c]);
        sum += d;
        worst = d > worst ? d : worst;
        label = abs(pa[o + c] - pz[o + c]) > label ? abs(pa[o + c] - pz[o + c]) : label;
      }
      far += worst > 64;
      if (label > 64) {
        ink++;
        ink_far += worst > 64;
      }
    }
  double mean = sum / (3.0 * w * h), share = (double)far / ((double)w * h);
  print_message("svg-text vs outlines: mean |diff| %.3f per channel, %.3f%% of pixels differ by > 64; "
                "of %zu label pixels %.2f%%\n",
                mean, 100 * share, ink, 100.0 * ink_far / (double)ink);
  assert_true(mean < 3);
  assert_true(share < 0.02);
  assert_true(ink > 2000);
  assert_true(ink_far < ink / 10);
  cairo_surface_destroy(a);
  cairo_surface_destroy(b);
  cairo_surface_destroy(z);
  im_map_free(map);
}

/* Every piece of text of a map with all the furniture (title, subtitle,
 * legend, scale bar, graticule, north arrow, inset, credits) is a <text>
 * element under --svg-text, with no glyph outline left anywhere; and
 * rasterised, the furniture's text looks as in the outlined SVG. */
static void svg_text_furniture(void **state) {
  (void)state;
  im_map *map = NULL;
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_load(src_path("styles/influence-latam.yaml"), &map, &err), &err);
  const char *plain = scratch_path("latam-outlines.svg"), *text = scratch_path("latam-text.svg");
  /* Through the command, whose leaks LeakSanitizer is told to ignore:
   * Cairo 1.16's SVG surface loses 472 bytes for every group painted
   * with alpha (this map's events at 0.45 opacity), in a program of ten
   * lines as well, which is no fault of ours. */
  const char *spec = src_path("styles/influence-latam.yaml");
  assert_int_equal(run("ASAN_OPTIONS=detect_leaks=0 '%s' render '%s' -o '%s'", IM_CLI, spec, plain), 0);
  assert_int_equal(run("ASAN_OPTIONS=detect_leaks=0 '%s' render '%s' -o '%s' --svg-text", IM_CLI, spec, text), 0);
  im_render_options opt = {.svg_text = true};
  assert_true(xml_ok(text));
  char *svg = read_file(text, NULL);
  assert_non_null(svg);
  /* The title, a legend entry, the scale statement (the scale varies
   * across this map: no bar, and no north arrow, north turns across it)
   * and a graticule label, each inside a <text> of its item's class. */
  static const char *const want[][2] = {
      {"title", ">Events in Latin America, as reported in the December 2021 VRIC Monitor</tspan>"},
      {"subtitle", ">Every event and project of the issue in the region, dated 2021 to January 2022, by the side that "
                   "acts</tspan>"},
      {"legend", ">Actor</tspan>"},
      {"legend", ">China ("},
      {"scalebar", ">Scale varies; 1:60,000,000 at the centre</tspan>"},
      {"graticule", "\xc2\xb0W</tspan>"},
      {"graticule", "\xc2\xb0S</tspan>"},
      {"credits", ">Base map: Natural Earth. Data: VRIC Monitor, December 2021.</tspan>"},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    char open[64];
    snprintf(open, sizeof open, "<g class=\"%s\"", want[i][0]);
    bool found = false;
    for (const char *p = svg; !found && (p = strstr(p, open)); p++) {
      const char *end = strstr(p, "</g>\n");
      const char *hit = strstr(p, want[i][1]);
      found = end && hit && hit < end && strstr(p, "<text") < hit;
    }
    if (!found)
      fail_msg("no <text> in <g class=\"%s\"> holds \"%s\"", want[i][0], want[i][1]);
  }
  /* No glyph outline at all: Cairo made no <symbol> for a glyph, and
   * nothing uses one. */
  assert_null(strstr(svg, "id=\"glyph"));
  assert_null(strstr(svg, "href=\"#glyph"));
  assert_null(strstr(svg, "<image"));
  free(svg);
  char *outlines = read_file(plain, NULL);
  size_t glyph_uses = 0;
  for (const char *p = outlines; (p = strstr(p, "href=\"#glyph")); p++)
    glyph_uses++;
  assert_true(glyph_uses > 500); /* the default SVG does draw its text as outlines */
  free(outlines);
  /* Rasterised alike: over the page, and over the furniture's text (the
   * dark pixels of the outlined SVG inside the title, subtitle, credits,
   * legend, scale statement and graticule label boxes). */
  im_furniture_report *r = malloc(sizeof *r);
  assert_non_null(r);
  im_render_options popt = {.dpi = 100};
  assert_ok(im_furniture_probe(map, &popt, r, &err), &err);
  int w = (int)r->dev_w, h = (int)r->dev_h;
  cairo_surface_t *a = rasterise(plain, 100, w, h), *b = rasterise(text, 100, w, h);
  const unsigned char *pa = cairo_image_surface_get_data(a), *pb = cairo_image_surface_get_data(b);
  int stride = cairo_image_surface_get_stride(a);
  im_bbox boxes[IM_NITEMS + 512];
  size_t nboxes = 0;
  static const im_item_kind kinds[] = {IM_ITEM_TITLE, IM_ITEM_SUBTITLE, IM_ITEM_CREDITS, IM_ITEM_SCALEBAR,
                                       IM_ITEM_LEGEND};
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    assert_true(r->item_present[kinds[k]]);
    boxes[nboxes++] = r->item_box[kinds[k]];
  }
  assert_true(r->ngrat >= 20);
  for (size_t i = 0; i < r->ngrat; i++)
    boxes[nboxes++] = r->grat_boxes[i];
  double sum = 0;
  size_t far = 0, ink = 0, ink_far = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t o = (size_t)y * stride + 4 * (size_t)x;
      int worst = 0, darkest = 255;
      for (int c = 0; c < 3; c++) {
        int d = abs(pa[o + c] - pb[o + c]);
        sum += d;
        worst = d > worst ? d : worst;
        darkest = pa[o + c] < darkest ? pa[o + c] : darkest;
      }
      far += worst > 64;
      bool in = false;
      for (size_t k = 0; k < nboxes && !in; k++)
        in = x >= boxes[k].minx && x < boxes[k].maxx && y >= boxes[k].miny && y < boxes[k].maxy;
      if (in && darkest < 140) {
        ink++;
        ink_far += worst > 64;
      }
    }
  double mean = sum / (3.0 * w * h), share = (double)far / ((double)w * h);
  print_message("influence-latam --svg-text vs outlines: mean |diff| %.3f, %.3f%% of pixels differ by > 64; "
                "of %zu furniture text pixels %.2f%%\n",
                mean, 100 * share, ink, 100.0 * ink_far / (double)ink);
  assert_true(mean < 2);
  assert_true(share < 0.01);
  assert_true(ink > 3000);
  assert_true(ink_far < ink / 10);
  cairo_surface_destroy(a);
  cairo_surface_destroy(b);
  free(r);
  im_map_free(map);
  /* Markup in a text block keeps its look: a run of its own. */
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "map:\n  title: \"Ports of <i>South America</i> &amp; <span foreground='#cc0000'>more</span>\"\n"
           "  page: {width: 100mm, height: 80mm}\n  margins: {top: 15mm, right: 5mm, bottom: 5mm, left: 5mm}\n"
           "  crs: \"+proj=laea +lat_0=-15 +lon_0=-60 +datum=WGS84 +units=m +no_defs\"\n"
           "  extent: {west: -82, east: -34, south: -56, north: 13}\nlayers:\n  - {source: %s, fill: \"#f2efe9\"}\n",
           src_path("shapes/ne_50m_admin_0_countries.shp"));
  map = load_spec_text("svg-text-markup.yaml", yaml);
  const char *marked = scratch_path("markup.svg");
  render(map, marked, &opt);
  svg = read_file(marked, NULL);
  assert_non_null(strstr(svg, ">Ports of </tspan>"));
  assert_non_null(strstr(svg, " font-style=\"italic\">South America</tspan>"));
  assert_non_null(strstr(svg, " fill=\"#cc0000\">more</tspan>"));
  free(svg);
  im_map_free(map);
}

/* --- CMYK ---------------------------------------------------------------- */

/* Every stream of a PDF inflated (where it inflates) and appended to the
 * file's own bytes. */
static char *pdf_inflated(const char *path, size_t *out_len) {
  size_t len;
  char *pdf = read_file(path, &len);
  assert_non_null(pdf);
  size_t cap = len * 8 + 1024, n = len;
  char *all = malloc(cap);
  assert_non_null(all);
  memcpy(all, pdf, len);
  for (const char *p = pdf; (p = memmem(p, len - (size_t)(p - pdf), "stream", 6)); p += 6) {
    const char *s = p + 6;
    if (p > pdf && p[-1] == 'd') /* endstream */
      continue;
    if (*s == '\r')
      s++;
    if (*s != '\n')
      continue;
    s++;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK)
      continue;
    z.next_in = (unsigned char *)s;
    z.avail_in = (uInt)(len - (size_t)(s - pdf));
    int r;
    do {
      if (cap - n < 65536) {
        cap *= 2;
        all = realloc(all, cap);
        assert_non_null(all);
      }
      z.next_out = (unsigned char *)all + n;
      z.avail_out = (uInt)(cap - n);
      r = inflate(&z, Z_NO_FLUSH);
      n = cap - z.avail_out;
    } while (r == Z_OK);
    inflateEnd(&z);
  }
  free(pdf);
  all[n] = '\0';
  *out_len = n;
  return all;
}

/* A PDF operator or name as a whole token. */
static bool has_token(const char *text, size_t len, const char *tok) {
  size_t k = strlen(tok);
  for (const char *p = text; (p = memmem(p, len - (size_t)(p - text), tok, k)); p++) {
    bool before = p == text || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '\r';
    char after = p + k < text + len ? p[k] : ' ';
    if (before && (after == ' ' || after == '\n' || after == '\r' || after == '/' || after == ']' || after == '>'))
      return true;
  }
  return false;
}

static void cmyk_pdf(void **state) {
  (void)state;
  if (!im_cmyk_available()) {
    print_message("Ghostscript is not installed: skipped\n");
    skip();
  }
  im_map *map = label_spec("cmyk.yaml", "Rivers & <Places> of South America");
  const char *rgb = scratch_path("rgb.pdf"), *a = scratch_path("cmyk-a.pdf"), *b = scratch_path("cmyk-b.pdf");
  render(map, rgb, NULL);
  im_render_options opt = {.cmyk = true};
  render(map, a, &opt);
  render(map, b, &opt);
  /* The same bytes twice: fixed dates, no /ID. */
  assert_true(files_equal(a, b));
  size_t n;
  char *before = pdf_inflated(rgb, &n);
  assert_true(has_token(before, n, "rg") || has_token(before, n, "/DeviceRGB"));
  free(before);
  char *after = pdf_inflated(a, &n);
  assert_false(has_token(after, n, "rg"));
  assert_false(has_token(after, n, "RG"));
  assert_false(has_token(after, n, "/DeviceRGB"));
  assert_false(has_token(after, n, "/ICCBased"));
  assert_true(has_token(after, n, "k") || has_token(after, n, "/DeviceCMYK"));
  assert_true(has_token(after, n, "K") || has_token(after, n, "/DeviceCMYK"));
  free(after);
  /* Still fonts embedded, text as text, no image; metadata carried over. */
  check_pdf(a, true);
  /* No temporary file left beside it. */
  DIR *d = opendir(scratch_path(""));
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d));)
    assert_null(strstr(e->d_name, ".tmp"));
  closedir(d);
  /* --cmyk is for PDFs. */
  im_error err;
  im_error_clear(&err);
  assert_int_equal(im_map_render(map, scratch_path("cmyk.png"), &opt, &err), IM_STATUS_USAGE);
  assert_int_equal(access(scratch_path("cmyk.png"), F_OK), -1);
  im_map_free(map);
}

/* Without gs on PATH: exit 3, the message, and nothing written. */
static void cmyk_without_ghostscript(void **state) {
  (void)state;
  char empty[4096];
  snprintf(empty, sizeof empty, "%s", scratch_path("no-gs-bin"));
  mkdir(empty, 0777);
  im_map *map = land_spec("nogs.yaml", "\"#dbe9f4\"", "{width: 40mm, height: 30mm, dpi: 72}");
  im_map_free(map);
  char spec[4096], out[4096], errf[4096];
  snprintf(spec, sizeof spec, "%s", scratch_path("nogs.yaml"));
  snprintf(out, sizeof out, "%s", scratch_path("nogs-out/map.pdf"));
  snprintf(errf, sizeof errf, "%s", scratch_path("nogs.err"));
  mkdir(scratch_path("nogs-out"), 0777);
  unlink(out);
  int code = run("PATH='%s' '%s' render '%s' -o '%s' --cmyk 2>'%s'", empty, IM_CLI, spec, out, errf);
  assert_int_equal(code, 3);
  char *msg = read_file(errf, NULL);
  assert_non_null(msg);
  assert_non_null(strstr(msg, "--cmyk needs Ghostscript (Debian package ghostscript)"));
  free(msg);
  DIR *d = opendir(scratch_path("nogs-out"));
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d));)
    assert_true(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."));
  closedir(d);
  /* The conversion itself, should gs vanish between the check and the run. */
  const char *old = getenv("PATH");
  char *saved = old ? strdup(old) : NULL;
  setenv("PATH", empty, 1);
  assert_false(im_cmyk_available());
  im_error err;
  im_error_clear(&err);
  const char *in = scratch_path("nogs-in.pdf"), *o2 = scratch_path("nogs-out.pdf");
  assert_true(write_file(in, "%PDF-1.5\n", 9));
  assert_int_equal(im_cmyk_convert(in, o2, "x.pdf", &err), IM_STATUS_IO);
  assert_string_equal(err.message, IM_CMYK_NEEDS_GS);
  if (saved)
    setenv("PATH", saved, 1);
  else
    unsetenv("PATH");
  free(saved);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(png_phys_is_the_dpi),
      cmocka_unit_test(png_transparent_background),
      cmocka_unit_test(png_same_bytes_twice),
      cmocka_unit_test(png_encoder_round_trip),
      cmocka_unit_test(pdf_fonts_text_and_metadata),
      cmocka_unit_test(svg_size_xml_title_desc),
      cmocka_unit_test(svg_text_matches_outlines),
      cmocka_unit_test(svg_text_furniture),
      cmocka_unit_test(cmyk_pdf),
      cmocka_unit_test(cmyk_without_ghostscript),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
