#define _GNU_SOURCE /* memfd_create */
#include "fuzz-support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "influmap/error.h"

static void drop_warning(void *user, const char *message) {
  (void)user;
  (void)message;
}

void fuzz_quiet(void) {
  im_warning_set_handler(drop_warning, NULL);
  /* Every CRS a fuzzer makes up would be stored on disk (crs-store.c). */
  setenv("INFLUMAP_CACHE_DIR", "off", 1);
}

int fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t path_size) {
  int fd = memfd_create("influmap-fuzz", 0);
  if (fd < 0)
    return -1;
  size_t done = 0;
  while (done < size) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) {
      close(fd);
      return -1;
    }
    done += (size_t)n;
  }
  snprintf(path, path_size, "/proc/self/fd/%d", fd);
  return fd;
}

char *fuzz_string(const uint8_t *data, size_t size) {
  size_t n = 0;
  while (n < size && data[n])
    n++;
  char *s = malloc(n + 1);
  if (!s)
    abort();
  memcpy(s, data, n);
  s[n] = '\0';
  return s;
}
