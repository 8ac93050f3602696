/* Visual regression comparer (tests/ref/README.md).
 *
 *   ref_compare [OPTIONS] REF.png NEW.png
 *       Compares a fresh render NEW with its reference REF. Exit 0 when they
 *       match within the tolerance (stale NAME.new.png / NAME.diff.png of an
 *       earlier failure are then removed), 1 when they do not (NEW is copied
 *       byte for byte to NAME.new.png and a diff image NAME.diff.png is
 *       written, both beside REF, and their paths and the numbers printed),
 *       2 on bad usage or an unreadable image.
 *       --out DIR        write and clean NAME.new.png / NAME.diff.png in DIR
 *                        instead of beside REF (the self-checks of run.sh)
 *       --threshold N, --max-pixels N, --max-cluster N   override the tolerance
 *
 *   ref_compare --perturb-isolated N REF.png OUT.png
 *       Writes a copy of REF with N isolated pixels (no two within 2 pixels
 *       of each other) set to the opposite extreme: the worst a change of
 *       antialiasing here and there can do. Pseudo-random, same every run.
 *   ref_compare --perturb-blob N REF.png OUT.png
 *       Writes a copy of REF with one connected blob of N pixels changed the
 *       same way, in the middle of the image.
 *   ref_compare --shift DX REF.png OUT.png
 *       Writes a copy of REF resampled DX pixels to the right (0 < DX < 1,
 *       linear interpolation): every edge's antialiasing changes a little.
 *
 *   ref_compare --limits REF.png
 *       Prints the tolerance for an image of REF's size: "THRESHOLD
 *       MAX_PIXELS MAX_CLUSTER".
 *
 * The tolerance. Renders are byte-identical from run to run and between the
 * plain and the ASan build, so any difference comes from a change of code or
 * of a library (Cairo, pixman, FreeType, HarfBuzz, PROJ). The comparer lets
 * through what a change of antialiasing does to a pixel here and there, and
 * catches a label or an item that moved, appeared, vanished or changed text.
 * The numbers were chosen by experiment on these references (README.md has
 * the tables):
 *
 * - A pixel differs when one of its four channels (premultiplied ARGB,
 *   0..255) differs by more than THRESHOLD = 32. The strongest edges of the
 *   maps have a contrast of about 220, so the image resampled 0.1 px to one
 *   side (--shift 0.1: every edge's antialiasing changed) moves no pixel by
 *   more than 25 and passes on all 16 references (0.12 px too; 0.15 px fails
 *   three of them). 32 rather than the 48 first tried: of 285 point labels
 *   moved by 1..3 px (57 labels on the 16 maps, each moved 1 px and 2 px
 *   across and down and 3 px across, by a scratch build that nudges one
 *   label), 25 passed with 48, pale text (country and river names, contrast
 *   60..100 at 40 dpi); with 32, 6 passed (river and admin-1 names on
 *   chancay, contrast under 75).
 * - The test fails when more than MAX_PIXELS pixels differ: the larger of 16
 *   and 0.02% of the image (19 on a 283x346 map at 40 dpi, 30 on the 468x331
 *   page of small multiples): antialiasing changes are scattered pixels, and
 *   a few of them pass.
 * - or when one 8-connected cluster of differing pixels is larger than
 *   MAX_CLUSTER = 2 pixels: an antialiasing change touches single pixels, or
 *   two along an edge; a glyph that moved or changed leaves a blob along its
 *   strokes. Measured: the smallest text changes tried (a letter added to the
 *   legend's title at 40 dpi, one letter of a title) make clusters of 5 and
 *   more; the 279 moved labels caught all make a cluster over 2.
 *
 * What this cannot tell from a real change: a whole map or a label shifted by
 * a tenth of a pixel. Cairo 1.16 draws each glyph at its position rounded
 * to a whole pixel, so such a shift makes some glyphs jump by a pixel, which
 * is what a moved glyph looks like: it fails (36 of 57 labels shifted 0.1 px
 * across, 8 of 57 shifted 0.1 px down; a threshold of 64 would pass 36 and
 * 55 of them but miss 82 of the 285 moves of 1..3 px). tests/ref/update.sh
 * takes the new renders as references once the diff images have been seen.
 */
#include <cairo.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DEFAULT_THRESHOLD = 32, DEFAULT_MIN_PIXELS = 16, DEFAULT_MAX_CLUSTER = 2 };
/* 0.02% of the image: 2 per 10000 pixels. */
#define DEFAULT_FRACTION_PER_10000 2

typedef struct {
  int w, h;
  uint32_t *px; /* premultiplied ARGB, one word per pixel, rows packed */
} image;

typedef struct {
  long differing;     /* pixels over the threshold */
  long clusters;      /* 8-connected clusters of them */
  long largest;       /* pixels in the largest cluster */
  int lx, ly, lw, lh; /* its bounding box */
  int max_delta;      /* the largest channel difference anywhere */
  long big;           /* clusters over the cluster limit */
} result;

/* The larger of DEFAULT_MIN_PIXELS and 0.02% of IMG's pixels. */
static long default_max_pixels(const image *img) {
  long n = (long)img->w * img->h * DEFAULT_FRACTION_PER_10000 / 10000;
  return n > DEFAULT_MIN_PIXELS ? n : DEFAULT_MIN_PIXELS;
}

static int usage(void) {
  fprintf(stderr, "usage: ref_compare [--out DIR] [--threshold N] [--max-pixels N] [--max-cluster N] REF.png NEW.png\n"
                  "       ref_compare --perturb-isolated N|--perturb-blob N|--shift DX REF.png OUT.png\n"
                  "       ref_compare --limits REF.png\n");
  return 2;
}

static bool load(const char *path, image *img) {
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    fprintf(stderr, "ref_compare: %s: %s\n", path, cairo_status_to_string(cairo_surface_status(s)));
    cairo_surface_destroy(s);
    return false;
  }
  cairo_surface_flush(s);
  cairo_format_t fmt = cairo_image_surface_get_format(s);
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  if (fmt != CAIRO_FORMAT_ARGB32 && fmt != CAIRO_FORMAT_RGB24) {
    fprintf(stderr, "ref_compare: %s: not an RGB or RGBA PNG\n", path);
    cairo_surface_destroy(s);
    return false;
  }
  img->w = w;
  img->h = h;
  img->px = malloc((size_t)w * (size_t)h * sizeof *img->px + 1);
  if (!img->px) {
    fprintf(stderr, "ref_compare: %s: out of memory\n", path);
    cairo_surface_destroy(s);
    return false;
  }
  const unsigned char *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < h; y++) {
    const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
    for (int x = 0; x < w; x++) /* RGB24 leaves the top byte undefined: opaque */
      img->px[(size_t)y * (size_t)w + (size_t)x] = fmt == CAIRO_FORMAT_RGB24 ? row[x] | 0xff000000u : row[x];
  }
  cairo_surface_destroy(s);
  return true;
}

/* A cairo surface over a copy of IMG's pixels, or NULL. */
static cairo_surface_t *to_surface(const image *img) {
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, img->w, img->h);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return NULL;
  }
  cairo_surface_flush(s);
  unsigned char *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < img->h; y++)
    memcpy(data + (size_t)y * (size_t)stride, img->px + (size_t)y * (size_t)img->w, (size_t)img->w * 4);
  cairo_surface_mark_dirty(s);
  return s;
}

static bool save(const image *img, const char *path) {
  cairo_surface_t *s = to_surface(img);
  cairo_status_t st = s ? cairo_surface_write_to_png(s, path) : CAIRO_STATUS_NO_MEMORY;
  cairo_surface_destroy(s);
  if (st != CAIRO_STATUS_SUCCESS) {
    fprintf(stderr, "ref_compare: cannot write %s: %s\n", path, cairo_status_to_string(st));
    return false;
  }
  return true;
}

static int channel(uint32_t p, int c) { return (int)((p >> (8 * c)) & 0xff); }

static int delta(uint32_t a, uint32_t b) {
  int d = 0;
  for (int c = 0; c < 4; c++) {
    int e = abs(channel(a, c) - channel(b, c));
    if (e > d)
      d = e;
  }
  return d;
}

/* Which pixels differ by more than THRESHOLD; pixels outside the smaller of
 * two images of different sizes all differ. The mask is the reference's size. */
static unsigned char *diff_mask(const image *ref, const image *cur, int threshold, result *r) {
  unsigned char *mask = calloc((size_t)ref->w * (size_t)ref->h + 1, 1);
  if (!mask)
    return NULL;
  for (int y = 0; y < ref->h; y++)
    for (int x = 0; x < ref->w; x++) {
      int d = 255;
      if (x < cur->w && y < cur->h)
        d = delta(ref->px[(size_t)y * (size_t)ref->w + (size_t)x], cur->px[(size_t)y * (size_t)cur->w + (size_t)x]);
      if (d > r->max_delta)
        r->max_delta = d;
      if (d > threshold) {
        mask[(size_t)y * (size_t)ref->w + (size_t)x] = 1;
        r->differing++;
      }
    }
  return mask;
}

/* Labels the 8-connected clusters of MASK (1 = differing) in place: each
 * pixel of a cluster over MAX_CLUSTER pixels becomes 2, the others 4. Fills
 * the cluster numbers of R. */
static bool clusters(unsigned char *mask, int w, int h, long max_cluster, result *r) {
  size_t n = (size_t)w * (size_t)h;
  size_t *stack = malloc(n * sizeof *stack + 1);
  size_t *members = malloc(n * sizeof *members + 1);
  if (!stack || !members) {
    free(stack);
    free(members);
    return false;
  }
  for (size_t start = 0; start < n; start++) {
    if (mask[start] != 1)
      continue;
    /* Flood fill from START; visited pixels become 3, then 2 or 4. */
    size_t top = 0, count = 0;
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    mask[start] = 3;
    stack[top++] = start;
    while (top) {
      size_t i = stack[--top];
      members[count++] = i;
      int x = (int)(i % (size_t)w), y = (int)(i / (size_t)w);
      x0 = x < x0 ? x : x0;
      x1 = x > x1 ? x : x1;
      y0 = y < y0 ? y : y0;
      y1 = y > y1 ? y : y1;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
          int nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h)
            continue;
          size_t j = (size_t)ny * (size_t)w + (size_t)nx;
          if (mask[j] == 1) {
            mask[j] = 3;
            stack[top++] = j;
          }
        }
    }
    r->clusters++;
    bool too_big = (long)count > max_cluster;
    if (too_big)
      r->big++;
    for (size_t k = 0; k < count; k++)
      mask[members[k]] = too_big ? 2 : 4;
    if ((long)count > r->largest) {
      r->largest = (long)count;
      r->lx = x0;
      r->ly = y0;
      r->lw = x1 - x0 + 1;
      r->lh = y1 - y0 + 1;
    }
  }
  free(stack);
  free(members);
  return true;
}

/* The diff image: the reference faded to a quarter of its contrast over
 * white, differing pixels red, pixels of clusters over the limit magenta,
 * with a magenta box round each such cluster's surroundings. */
static image diff_image(const image *ref, const unsigned char *mask) {
  image d = {ref->w, ref->h, malloc((size_t)ref->w * (size_t)ref->h * sizeof(uint32_t) + 1)};
  if (!d.px)
    return d;
  for (size_t i = 0; i < (size_t)ref->w * (size_t)ref->h; i++) {
    uint32_t p = ref->px[i];
    int a = channel(p, 3);
    uint32_t out = 0xff000000u;
    for (int c = 0; c < 3; c++) {
      int v = channel(p, c) + (255 - a); /* premultiplied over white */
      v = 255 - (255 - v) / 4;
      out |= (uint32_t)v << (8 * c);
    }
    if (mask[i] == 4)
      out = 0xffff0000u;
    else if (mask[i] == 2)
      out = 0xffff00ffu;
    d.px[i] = out;
  }
  /* Mark a 3-pixel ring round each pixel of an oversize cluster so that a
   * blob of a few pixels is easy to find on a large page. */
  for (int y = 0; y < ref->h; y++)
    for (int x = 0; x < ref->w; x++) {
      if (mask[(size_t)y * (size_t)ref->w + (size_t)x] != 2)
        continue;
      for (int dy = -4; dy <= 4; dy++)
        for (int dx = -4; dx <= 4; dx++) {
          int nx = x + dx, ny = y + dy;
          if ((abs(dx) == 4 || abs(dy) == 4) && nx >= 0 && ny >= 0 && nx < ref->w && ny < ref->h &&
              !mask[(size_t)ny * (size_t)ref->w + (size_t)nx])
            d.px[(size_t)ny * (size_t)ref->w + (size_t)nx] = 0xffff80ffu;
        }
    }
  return d;
}

static bool copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb");
  if (!in) {
    fprintf(stderr, "ref_compare: %s: %s\n", from, strerror(errno));
    return false;
  }
  FILE *out = fopen(to, "wb");
  if (!out) {
    fprintf(stderr, "ref_compare: %s: %s\n", to, strerror(errno));
    fclose(in);
    return false;
  }
  char buf[65536];
  size_t n;
  bool ok = true;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, n, out) != n)
      ok = false;
  if (ferror(in))
    ok = false;
  fclose(in);
  if (fclose(out) != 0)
    ok = false;
  if (!ok)
    fprintf(stderr, "ref_compare: cannot copy %s to %s\n", from, to);
  return ok;
}

/* DIR/NAME.SUFFIX where NAME is REF's file name less ".png"; DIR is OUT_DIR,
 * else REF's folder. */
static bool beside(char *buf, size_t size, const char *ref, const char *out_dir, const char *suffix) {
  const char *slash = strrchr(ref, '/');
  const char *base = slash ? slash + 1 : ref;
  size_t len = strlen(base);
  if (len > 4 && !strcmp(base + len - 4, ".png"))
    len -= 4;
  int n;
  if (out_dir)
    n = snprintf(buf, size, "%s/%.*s%s", out_dir, (int)len, base, suffix);
  else
    n = snprintf(buf, size, "%.*s%.*s%s", (int)(base - ref), ref, (int)len, base, suffix);
  return n > 0 && (size_t)n < size;
}

static bool parse_long(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) {
    fprintf(stderr, "ref_compare: bad number '%s' (%ld..%ld)\n", s, lo, hi);
    return false;
  }
  *out = v;
  return true;
}

/* The pixel at the other extreme: opaque white for a dark opaque pixel,
 * else opaque black. Differs from P by at least 128 in some channel. */
static uint32_t opposite(uint32_t p) {
  int lum = (channel(p, 0) + channel(p, 1) + channel(p, 2)) / 3;
  return channel(p, 3) == 255 && lum < 128 ? 0xffffffffu : 0xff000000u;
}

static int perturb(const char *mode, const char *arg, const char *in, const char *out) {
  image img;
  if (!load(in, &img))
    return 2;
  size_t n = (size_t)img.w * (size_t)img.h;
  int code = 0;
  if (!strcmp(mode, "--shift")) {
    char *end;
    double dx = strtod(arg, &end);
    if (*end || !(dx > 0 && dx < 1)) {
      free(img.px);
      return usage();
    }
    image sh = {img.w, img.h, malloc(n * sizeof(uint32_t) + 1)};
    if (!sh.px) {
      free(img.px);
      return 2;
    }
    for (int y = 0; y < img.h; y++)
      for (int x = 0; x < img.w; x++) {
        uint32_t p = img.px[(size_t)y * (size_t)img.w + (size_t)x];
        uint32_t l = x > 0 ? img.px[(size_t)y * (size_t)img.w + (size_t)x - 1] : p;
        uint32_t o = 0;
        for (int c = 0; c < 4; c++)
          o |= (uint32_t)(int)((1 - dx) * channel(p, c) + dx * channel(l, c) + 0.5) << (8 * c);
        sh.px[(size_t)y * (size_t)img.w + (size_t)x] = o;
      }
    code = save(&sh, out) ? 0 : 2;
    free(sh.px);
    free(img.px);
    return code;
  }
  long count;
  if (!parse_long(arg, 1, (long)n, &count)) {
    free(img.px);
    return 2;
  }
  if (!strcmp(mode, "--perturb-blob")) {
    /* A square as near as can be, filled row by row: 8-connected. */
    int side = 1;
    while ((long)side * side < count)
      side++;
    int x0 = (img.w - side) / 2, y0 = (img.h - side) / 2;
    for (long k = 0; k < count; k++) {
      size_t i = (size_t)(y0 + k / side) * (size_t)img.w + (size_t)(x0 + k % side);
      img.px[i] = opposite(img.px[i]);
    }
  } else if (!strcmp(mode, "--perturb-isolated")) {
    unsigned char *taken = calloc(n + 1, 1);
    if (!taken) {
      free(img.px);
      return 2;
    }
    uint64_t state = 0x9e3779b97f4a7c15u;
    long done = 0;
    for (long tries = 0; done < count && tries < 1000 * count; tries++) {
      state ^= state << 13; /* xorshift64 */
      state ^= state >> 7;
      state ^= state << 17;
      size_t i = (size_t)(state % n);
      int x = (int)(i % (size_t)img.w), y = (int)(i / (size_t)img.w);
      bool near = false;
      for (int dy = -2; dy <= 2 && !near; dy++)
        for (int dx = -2; dx <= 2 && !near; dx++) {
          int nx = x + dx, ny = y + dy;
          near = nx >= 0 && ny >= 0 && nx < img.w && ny < img.h && taken[(size_t)ny * (size_t)img.w + (size_t)nx];
        }
      if (near)
        continue;
      taken[i] = 1;
      img.px[i] = opposite(img.px[i]);
      done++;
    }
    free(taken);
    if (done < count) {
      fprintf(stderr, "ref_compare: only %ld isolated pixels fit in %s\n", done, in);
      free(img.px);
      return 2;
    }
  } else {
    free(img.px);
    return usage();
  }
  code = save(&img, out) ? 0 : 2;
  free(img.px);
  return code;
}

int main(int argc, char **argv) {
  const char *out_dir = NULL;
  long threshold = DEFAULT_THRESHOLD, max_pixels = -1, max_cluster = DEFAULT_MAX_CLUSTER;
  int i = 1;
  if (argc == 5 &&
      (!strcmp(argv[1], "--perturb-isolated") || !strcmp(argv[1], "--perturb-blob") || !strcmp(argv[1], "--shift"))) {
    int code = perturb(argv[1], argv[2], argv[3], argv[4]);
    cairo_debug_reset_static_data();
    return code;
  }
  if (argc == 3 && !strcmp(argv[1], "--limits")) {
    image img;
    if (!load(argv[2], &img))
      return 2;
    printf("%d %ld %d\n", DEFAULT_THRESHOLD, default_max_pixels(&img), DEFAULT_MAX_CLUSTER);
    free(img.px);
    cairo_debug_reset_static_data();
    return 0;
  }
  for (; i < argc && !strncmp(argv[i], "--", 2); i += 2) {
    if (i + 1 >= argc)
      return usage();
    if (!strcmp(argv[i], "--out"))
      out_dir = argv[i + 1];
    else if (!strcmp(argv[i], "--threshold")) {
      if (!parse_long(argv[i + 1], 0, 255, &threshold))
        return 2;
    } else if (!strcmp(argv[i], "--max-pixels")) {
      if (!parse_long(argv[i + 1], 0, LONG_MAX, &max_pixels))
        return 2;
    } else if (!strcmp(argv[i], "--max-cluster")) {
      if (!parse_long(argv[i + 1], 0, LONG_MAX, &max_cluster))
        return 2;
    } else
      return usage();
  }
  if (argc - i != 2)
    return usage();
  const char *ref_path = argv[i], *new_path = argv[i + 1];

  char new_out[4096], diff_out[4096];
  if (!beside(new_out, sizeof new_out, ref_path, out_dir, ".new.png") ||
      !beside(diff_out, sizeof diff_out, ref_path, out_dir, ".diff.png")) {
    fprintf(stderr, "ref_compare: path too long: %s\n", ref_path);
    return 2;
  }

  image ref, cur;
  if (!load(ref_path, &ref))
    return 2;
  if (!load(new_path, &cur)) {
    free(ref.px);
    return 2;
  }
  if (max_pixels < 0)
    max_pixels = default_max_pixels(&ref);

  result r = {0};
  unsigned char *mask = diff_mask(&ref, &cur, (int)threshold, &r);
  if (!mask || !clusters(mask, ref.w, ref.h, max_cluster, &r)) {
    fprintf(stderr, "ref_compare: out of memory\n");
    free(mask);
    free(ref.px);
    free(cur.px);
    return 2;
  }
  bool same_size = ref.w == cur.w && ref.h == cur.h;
  bool pass = same_size && r.differing <= max_pixels && r.largest <= max_cluster;

  char numbers[512];
  snprintf(numbers, sizeof numbers,
           "%ld differing pixels (limit %ld), %ld clusters, largest %ld pixels (limit %ld), max channel delta %d "
           "(threshold %ld)",
           r.differing, max_pixels, r.clusters, r.largest, max_cluster, r.max_delta, threshold);
  int code;
  if (pass) {
    printf("ok: %s: %s\n", new_path, numbers);
    /* An earlier failure's files are stale now. */
    const char *stale[] = {new_out, diff_out};
    for (int k = 0; k < 2; k++)
      if (remove(stale[k]) && errno != ENOENT)
        fprintf(stderr, "ref_compare: warning: cannot remove %s: %s\n", stale[k], strerror(errno));
    code = 0;
  } else {
    printf("FAILED: %s differs from %s\n", new_path, ref_path);
    if (!same_size)
      printf("  size %dx%d, reference %dx%d\n", cur.w, cur.h, ref.w, ref.h);
    printf("  %s\n", numbers);
    if (r.largest > 0)
      printf("  largest cluster at x %d..%d, y %d..%d; %ld clusters over the limit\n", r.lx, r.lx + r.lw - 1, r.ly,
             r.ly + r.lh - 1, r.big);
    image d = diff_image(&ref, mask);
    bool wrote = d.px && copy_file(new_path, new_out) && save(&d, diff_out);
    free(d.px);
    if (wrote) {
      printf("  new:  %s\n", new_out);
      printf("  diff: %s (red: differing pixels; magenta, boxed: clusters over the limit)\n", diff_out);
    }
    code = wrote ? 1 : 2;
  }
  free(mask);
  free(ref.px);
  free(cur.px);
  cairo_debug_reset_static_data();
  return code;
}
