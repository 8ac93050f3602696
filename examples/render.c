/* The smallest program that links libinflumap: render a spec to a file.
 *   cc render.c $(pkg-config --cflags --libs influmap) -o render              (shared)
 *   cc render.c $(pkg-config --cflags influmap) -o render \
 *      -Wl,-Bstatic -linflumap -Wl,-Bdynamic -Wl,--as-needed $(pkg-config --static --libs influmap)
 *      (static; pkg-config names -linflumap again, --as-needed leaves the shared one out)
 *   cmake -S examples -B build-example && cmake --build build-example      (CMake, both)
 *   ./render styles/pacific.yaml pacific.pdf */
#include <stdio.h>

#include <influmap/influmap.h>

/* The library prints nothing: warnings (a label that does not fit, points
 * outside the projection) come here. */
static void print_warning(void *user, const char *message) {
  (void)user;
  fprintf(stderr, "warning: %s\n", message);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s SPEC OUT\n", argv[0]);
    return 2;
  }
  im_warning_set_handler(print_warning, NULL);
  im_error err;
  im_error_clear(&err);
  im_map *map = NULL;
  im_status st = im_map_load(argv[1], &map, &err);
  if (!st)
    st = im_map_render(map, argv[2], NULL, &err);
  im_map_free(map);
  if (st) {
    char buf[2048];
    fprintf(stderr, "%s\n", im_error_format(&err, buf, sizeof buf));
    return 1;
  }
  return 0;
}
