/* A map as a PNG on standard output, for a web handler or a pipe: the
 * bytes go to a write function (im_map_render_to_stream), the same bytes
 * a file would get, and nothing touches the disk.
 *   cc stream-png.c $(pkg-config --cflags --libs influmap) -o stream-png
 *   ./stream-png styles/pacific.yaml > pacific.png */
#include <stdio.h>

#include <influmap/influmap.h>

static bool to_stdout(void *user, const unsigned char *data, size_t length) {
  return fwrite(data, 1, length, (FILE *)user) == length;
}

static void print_warning(void *user, const char *message) {
  (void)user;
  fprintf(stderr, "warning: %s\n", message);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SPEC > OUT.png\n", argv[0]);
    return 2;
  }
  im_warning_set_handler(print_warning, NULL);
  im_error err;
  im_error_clear(&err);
  im_map *map = NULL;
  im_status st = im_map_load(argv[1], &map, &err);
  if (!st)
    st = im_map_render_to_stream(map, IM_FORMAT_PNG, to_stdout, stdout, NULL, &err);
  im_map_free(map);
  if (!st && fflush(stdout) != 0)
    st = IM_STATUS_IO;
  if (st) {
    char buf[2048];
    fprintf(stderr, "%s\n", im_error_format(&err, buf, sizeof buf));
    return 1;
  }
  return 0;
}
