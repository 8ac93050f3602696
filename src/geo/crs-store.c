/* The CRSs already resolved, kept on disk between runs
 * (crs-store-private.h). */
#include "geo/crs-store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <proj.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits-private.h"
#include "core/mem-private.h"
#include "core/tempfile-private.h"

/* A stored file larger than this is not ours: PROJJSON of a CRS is a few KB. */
#define STORE_MAX_FILE (1 << 20)
/* Bump when the file layout or what is stored changes. */
#define STORE_VERSION "influmap-crs-store 1"

static char *folder;   /* NULL: no store */
static char *identity; /* PROJ release and proj.db's size and time */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static bool make_dirs(char *path) {
  /* Each parent in turn; existing ones are fine. */
  for (char *p = path + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    bool ok = mkdir(path, 0700) == 0 || errno == EEXIST;
    *p = '/';
    if (!ok)
      return false;
  }
  return mkdir(path, 0700) == 0 || errno == EEXIST;
}

/* proj.db as PROJ will find it: the first one along its search path. */
static void database_identity(char *out, size_t size) {
  PJ_INFO info = proj_info();
  snprintf(out, size, "PROJ %s, no proj.db found", info.release ? info.release : "?");
  const char *paths = info.searchpath ? info.searchpath : "";
  while (*paths) {
    const char *end = strchr(paths, ':');
    size_t n = end ? (size_t)(end - paths) : strlen(paths);
    char db[4096];
    if (n + sizeof "/proj.db" < sizeof db) {
      memcpy(db, paths, n);
      memcpy(db + n, "/proj.db", sizeof "/proj.db");
      struct stat st;
      if (stat(db, &st) == 0) {
        snprintf(out, size, "PROJ %s, %s %jd bytes, modified %jd.%09ld", info.release ? info.release : "?", db,
                 (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
        return;
      }
    }
    if (!end)
      break;
    paths = end + 1;
  }
}

static void open_store(void) {
  const char *dir = im_env_cache_dir();
  if (!dir)
    return;
  char path[4096];
  snprintf(path, sizeof path, "%s/crs", dir);
  char id[4352];
  database_identity(id, sizeof id);
  if (!make_dirs(path) || access(path, W_OK | X_OK) != 0)
    return;
  folder = im_strdup(path);
  identity = im_strdup(id);
  if (!folder || !identity) {
    free(folder);
    free(identity);
    folder = identity = NULL;
  }
}

/* The key text: everything the stored answer depends on. */
static char *key_of(const char *definition) {
  size_t n = strlen(STORE_VERSION) + strlen(identity) + strlen(definition) + 3;
  char *k = malloc(n);
  if (k)
    snprintf(k, n, "%s\n%s\n%s", STORE_VERSION, identity, definition);
  return k;
}

/* The file of a key: its 64-bit FNV-1a hash in hex. */
static char *file_of(const char *key) {
  uint64_t h = 0xcbf29ce484222325u;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    h = (h ^ *p) * 0x100000001b3u;
  size_t n = strlen(folder) + 24;
  char *f = malloc(n);
  if (f)
    snprintf(f, n, "%s/%016" PRIx64, folder, h);
  return f;
}

char *im_crs_store_get(const char *definition) {
  pthread_once(&once, open_store);
  if (!folder)
    return NULL;
  char *key = key_of(definition), *file = key ? file_of(key) : NULL, *json = NULL;
  FILE *f = file ? fopen(file, "rb") : NULL;
  if (f) {
    /* The key, a NUL, the PROJJSON: another key (a hash collision, a file
     * of an older layout) is a miss. */
    size_t klen = strlen(key) + 1;
    char *buf = malloc(STORE_MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, STORE_MAX_FILE + 1, f) : 0;
    if (buf && n > klen && n <= STORE_MAX_FILE && !memcmp(buf, key, klen)) {
      buf[n] = '\0';
      if (strlen(buf + klen) == n - klen)
        json = im_strdup(buf + klen);
    }
    free(buf);
    fclose(f);
  }
  free(key);
  free(file);
  return json;
}

void im_crs_store_put(const char *definition, const char *projjson) {
  pthread_once(&once, open_store);
  if (!folder)
    return;
  char *key = key_of(definition), *file = key ? file_of(key) : NULL, *tmp = NULL;
  int slot = -1;
  int fd = file ? im_tempfile_create(file, &tmp, &slot) : -1;
  if (fd >= 0) {
    FILE *f = fdopen(fd, "wb");
    bool ok = f && fwrite(key, 1, strlen(key) + 1, f) == strlen(key) + 1 &&
              fwrite(projjson, 1, strlen(projjson), f) == strlen(projjson);
    if (f)
      ok = fclose(f) == 0 && ok;
    else
      close(fd);
    /* Whole or not at all: a reader sees the old file or the new one. */
    if (!ok || rename(tmp, file) != 0)
      unlink(tmp);
    im_tempfile_release(slot, tmp);
  }
  free(key);
  free(file);
}
