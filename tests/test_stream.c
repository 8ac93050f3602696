/* Output that is not a file to replace (issue 18, item 4): a render through
 * a write function has the file's bytes, also when the page is drawn again
 * because the numbered key outgrew its margin; a write function that fails
 * fails the render; a symbolic link keeps pointing to the file it names,
 * which is replaced; a FIFO and a device are written to, never replaced;
 * /dev/fd/N writes at the descriptor's offset; `-o -` writes to standard
 * output. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

typedef struct {
  unsigned char *data;
  size_t len, cap;
  int calls;
  int fail_after; /* calls that succeed; <= 0: all */
} buffer;

static bool buffer_write(void *user, const unsigned char *data, size_t length) {
  buffer *b = user;
  if (b->fail_after > 0 && b->calls >= b->fail_after)
    return false;
  b->calls++;
  if (b->len + length > b->cap) {
    size_t cap = (b->len + length) * 2;
    unsigned char *p = realloc(b->data, cap);
    if (!p)
      return false;
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, length);
  b->len += length;
  return true;
}

/* actor-iran with a bottom margin too small for its numbered key: the page
 * is drawn more than once (page/page.c, render_fitted). */
static im_map *crowded_map(void) {
  size_t len;
  char *yaml = read_file(src_path("styles/actor-iran.yaml"), &len);
  assert_non_null(yaml);
  char *margin = strstr(yaml, "bottom: 20mm");
  assert_non_null(margin);
  memcpy(margin, "bottom: 4mm ", 12);
  /* Paths relative to styles/: the spec is written to the scratch folder. */
  char *text = malloc(len + 4096);
  assert_non_null(text);
  char *o = text;
  for (const char *p = yaml; *p;) {
    if (!strncmp(p, "include: vric.yaml", 18)) {
      o += sprintf(o, "include: %s", src_path("styles/vric.yaml"));
      p += 18;
    } else if (!strncmp(p, "../shapes", 9)) {
      o += sprintf(o, "%s", src_path("shapes"));
      p += 9;
    } else {
      *o++ = *p++;
    }
  }
  *o = 0;
  im_map *map = load_spec_text("crowded.yaml", text);
  free(text);
  free(yaml);
  return map;
}

static void assert_file_is(const char *path, const unsigned char *data, size_t len) {
  size_t flen = 0;
  char *f = read_file(path, &flen);
  assert_non_null(f);
  assert_int_equal(flen, len);
  assert_memory_equal(f, data, len);
  free(f);
}

static const im_render_options small = {.dpi = 40};

static void test_stream_has_the_file_bytes(void **state) {
  (void)state;
  im_map *map = crowded_map();
  static const struct {
    im_format f;
    const char *name;
  } fmts[] = {{IM_FORMAT_PNG, "crowded.png"}, {IM_FORMAT_SVG, "crowded.svg"}, {IM_FORMAT_PDF, "crowded.pdf"}};
  for (int i = 0; i < 3; i++) {
    im_error err;
    im_error_clear(&err);
    buffer b = {0};
    assert_ok(im_map_render_to_stream(map, fmts[i].f, buffer_write, &b, &small, &err), &err);
    assert_ok(im_map_render(map, scratch_path(fmts[i].name), &small, &err), &err);
    assert_true(b.len > 1000);
    assert_file_is(scratch_path(fmts[i].name), b.data, b.len);
    free(b.data);
  }
  im_map_free(map);
}

static void test_stream_errors(void **state) {
  (void)state;
  im_map *map = crowded_map();
  im_error err;
  im_error_clear(&err);
  /* The write function gives up: the render fails, saying so. */
  buffer b = {.fail_after = 2};
  assert_int_equal(im_map_render_to_stream(map, IM_FORMAT_PNG, buffer_write, &b, &small, &err), IM_STATUS_IO);
  assert_non_null(strstr(err.message, "write function"));
  assert_int_equal(b.calls, 2);
  free(b.data);
  /* A stream has no name to tell the format from. */
  buffer c = {0};
  assert_int_equal(im_map_render_to_stream(map, IM_FORMAT_AUTO, buffer_write, &c, &small, &err), IM_STATUS_USAGE);
  /* Ghostscript converts a file. */
  im_render_options cmyk = {.dpi = 40, .cmyk = true};
  assert_int_equal(im_map_render_to_stream(map, IM_FORMAT_PDF, buffer_write, &c, &cmyk, &err), IM_STATUS_USAGE);
  assert_int_equal(c.len, 0);
  im_map_free(map);
}

/* A symbolic link stays a link; the file it points to (relative to the
 * link's folder, or not there yet) gets the map. */
static void test_symlink_target_replaced(void **state) {
  (void)state;
  im_map *map = crowded_map();
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, scratch_path("direct.png"), &small, &err), &err);
  size_t len;
  char *want = read_file(scratch_path("direct.png"), &len);
  mkdir(scratch_path("links"), 0777);
  write_file(scratch_path("links/target.png"), "old", 3);
  unlink(scratch_path("links/link.png"));
  assert_int_equal(symlink("target.png", scratch_path("links/link.png")), 0);
  assert_ok(im_map_render(map, scratch_path("links/link.png"), &small, &err), &err);
  struct stat st;
  assert_int_equal(lstat(scratch_path("links/link.png"), &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  assert_file_is(scratch_path("links/target.png"), (unsigned char *)want, len);
  /* A dangling link: the file it names is made. */
  unlink(scratch_path("links/new.png"));
  unlink(scratch_path("links/dangling.png"));
  assert_int_equal(symlink(scratch_path("links/new.png"), scratch_path("links/dangling.png")), 0);
  assert_ok(im_map_render(map, scratch_path("links/dangling.png"), &small, &err), &err);
  assert_int_equal(lstat(scratch_path("links/dangling.png"), &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  assert_file_is(scratch_path("links/new.png"), (unsigned char *)want, len);
  free(want);
  im_map_free(map);
}

typedef struct {
  const char *path;
  buffer got;
} fifo_reader;

static void *read_fifo(void *arg) {
  fifo_reader *r = arg;
  int fd = open(r->path, O_RDONLY);
  if (fd < 0)
    return NULL;
  unsigned char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    buffer_write(&r->got, buf, (size_t)n);
  close(fd);
  return NULL;
}

/* A FIFO gets the bytes once, in one opening (the PDF's page is drawn
 * more than once), and stays a FIFO. */
static void test_fifo_written_to(void **state) {
  (void)state;
  im_map *map = crowded_map();
  im_error err;
  im_error_clear(&err);
  assert_ok(im_map_render(map, scratch_path("direct.pdf"), &small, &err), &err);
  const char *fifo = scratch_path("out.fifo");
  unlink(fifo);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  /* A writer of our own lets the reader open at once and, closed after
   * the render, see the end: so a render that misses the FIFO fails the
   * test instead of leaving the reader waiting. */
  int keep = open(fifo, O_RDWR);
  assert_true(keep >= 0);
  fifo_reader r = {.path = fifo};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, read_fifo, &r), 0);
  im_render_options pdf = {.dpi = 40, .format = IM_FORMAT_PDF};
  im_status st = im_map_render(map, fifo, &pdf, &err);
  close(keep);
  pthread_join(t, NULL);
  assert_ok(st, &err);
  assert_file_is(scratch_path("direct.pdf"), r.got.data, r.got.len);
  struct stat sb;
  assert_int_equal(lstat(fifo, &sb), 0);
  assert_true(S_ISFIFO(sb.st_mode));
  free(r.got.data);
  im_map_free(map);
}

/* /dev/full is written to (and is full), not replaced by a file. */
static void test_device_written_to(void **state) {
  (void)state;
  struct stat before, after;
  if (stat("/dev/full", &before) != 0 || !S_ISCHR(before.st_mode))
    skip();
  im_map *map = crowded_map();
  im_error err;
  im_error_clear(&err);
  im_render_options png = {.dpi = 40, .format = IM_FORMAT_PNG};
  im_status st = im_map_render(map, "/dev/full", &png, &err);
  assert_int_equal(lstat("/dev/full", &after), 0);
  if (!S_ISCHR(after.st_mode) && !unlink("/dev/full")) /* root, and replaced: put it back first */
    mknod("/dev/full", S_IFCHR | 0666, before.st_rdev);
  assert_true(S_ISCHR(after.st_mode) && after.st_rdev == before.st_rdev);
  assert_int_equal(st, IM_STATUS_IO);
  assert_non_null(strstr(err.message, strerror(ENOSPC)));
  im_map_free(map);
}

/* /dev/fd/N writes through the descriptor, at its offset: a file opened
 * by the host keeps what it had before the map. */
static void test_descriptor_path(void **state) {
  (void)state;
  im_map *map = crowded_map();
  im_error err;
  im_error_clear(&err);
  buffer b = {0};
  assert_ok(im_map_render_to_stream(map, IM_FORMAT_SVG, buffer_write, &b, &small, &err), &err);
  const char *path = scratch_path("fd.out");
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "HEAD", 4), 4);
  char name[64];
  snprintf(name, sizeof name, "/dev/fd/%d", fd);
  im_render_options svg = {.dpi = 40, .format = IM_FORMAT_SVG};
  assert_ok(im_map_render(map, name, &svg, &err), &err);
  close(fd);
  size_t len;
  char *got = read_file(path, &len);
  assert_non_null(got);
  assert_int_equal(len, b.len + 4);
  assert_memory_equal(got, "HEAD", 4);
  assert_memory_equal(got + 4, b.data, b.len);
  free(got);
  free(b.data);
  im_map_free(map);
}

/* `influmap render -o -` writes to standard output, with --format only. */
static void test_cli_stdout(void **state) {
  (void)state;
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s render %s -o - --format svg --dpi 40 2>/dev/null", IM_CLI,
           src_path("styles/chancay.yaml"));
  char *out = run_capture(cmd);
  snprintf(cmd, sizeof cmd, "%s render %s -o %s --dpi 40 2>/dev/null", IM_CLI, src_path("styles/chancay.yaml"),
           scratch_path("chancay.svg"));
  free(run_capture(cmd));
  assert_true(strlen(out) > 1000);
  assert_file_is(scratch_path("chancay.svg"), (unsigned char *)out, strlen(out));
  free(out);
  snprintf(cmd, sizeof cmd, "%s render %s -o - 2>&1 >/dev/null; echo \"exit $?\"", IM_CLI,
           src_path("styles/chancay.yaml"));
  out = run_capture(cmd);
  assert_non_null(strstr(out, "needs --format"));
  assert_non_null(strstr(out, "exit 2"));
  free(out);
  /* No file named "-" appears. */
  assert_int_equal(access("-", F_OK), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stream_has_the_file_bytes),
      cmocka_unit_test(test_stream_errors),
      cmocka_unit_test(test_symlink_target_replaced),
      cmocka_unit_test(test_fifo_written_to),
      cmocka_unit_test(test_device_written_to),
      cmocka_unit_test(test_descriptor_path),
      cmocka_unit_test(test_cli_stdout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
