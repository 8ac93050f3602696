/* The CRSs already resolved, kept on disk between runs
 * (crs-store-private.h). */
#include "geo/crs-store-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <proj.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/context-private.h"
#include "core/mem-private.h"
#include "core/tempfile-private.h"

/* A stored file larger than this is not ours: PROJJSON of a CRS is a few KB
 * (and nothing larger is written, so the reader can load all it wrote). */
#define STORE_MAX_FILE (1 << 20)
/* At most this many files: past it, the least recently used go (a file
 * read is touched), down to STORE_KEEP. A CRS's file is a few KB. */
#define STORE_MAX_FILES 512
#define STORE_KEEP 384
/* Bump when the file layout or what is stored changes. */
#define STORE_VERSION "influmap-crs-store 2"

/* PROJ release and proj.db's size and time: the same for every context,
 * found once. The folder is the calling thread's context's (a host may
 * give each its own, or none), looked up on each call. */
static char *identity;
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

static void find_identity(void) {
  char id[4352];
  database_identity(id, sizeof id);
  identity = im_strdup(id);
}

/* The store's folder on this thread, made if need be, in buf; NULL for
 * none (no cache folder, or one that cannot be made or written). */
static const char *open_store(char *buf, size_t size) {
  pthread_once(&once, find_identity);
  const char *dir = im_cache_dir_current();
  if (!identity || !dir)
    return NULL;
  int n = snprintf(buf, size, "%s/crs", dir);
  if (n < 0 || (size_t)n >= size || !make_dirs(buf) || access(buf, W_OK | X_OK) != 0)
    return NULL;
  return buf;
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
static char *file_of(const char *folder, const char *key) {
  uint64_t h = 0xcbf29ce484222325u;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    h = (h ^ *p) * 0x100000001b3u;
  size_t n = strlen(folder) + 24;
  char *f = malloc(n);
  if (f)
    snprintf(f, n, "%s/%016" PRIx64, folder, h);
  return f;
}

/* The SHA-256 of the PROJJSON, in hex (65 bytes with the NUL); false when
 * out of memory. */
static bool digest(const char *json, size_t len, char out[65]) {
  gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)json, len);
  if (!hex)
    return false;
  snprintf(out, 65, "%s", hex);
  g_free(hex);
  return true;
}

char *im_crs_store_get(const char *definition) {
  char where[4096];
  const char *folder = open_store(where, sizeof where);
  if (!folder)
    return NULL;
  char *key = key_of(definition), *file = key ? file_of(folder, key) : NULL, *json = NULL;
  FILE *f = file ? fopen(file, "rb") : NULL;
  if (f) {
    /* The key, a NUL, the SHA-256 of the PROJJSON in hex, a NUL, the
     * PROJJSON. Another key (a hash collision, a file of an older layout)
     * is a miss; so is a PROJJSON that is not the one written (a file cut
     * short, or edited: a stored CRS must not quietly change a map). */
    size_t klen = strlen(key) + 1;
    char *buf = malloc(STORE_MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, STORE_MAX_FILE + 1, f) : 0;
    if (buf && n > klen + 65 && n <= STORE_MAX_FILE && !memcmp(buf, key, klen) && buf[klen + 64] == '\0') {
      buf[n] = '\0';
      const char *body = buf + klen + 65;
      size_t blen = n - klen - 65;
      char want[65];
      if (strlen(body) == blen && digest(body, blen, want) && !memcmp(want, buf + klen, 65))
        json = im_strdup(body);
    }
    free(buf);
    fclose(f);
    /* Recently used: kept when the store is pruned. */
    if (json)
      utimensat(AT_FDCWD, file, NULL, 0);
  }
  free(key);
  free(file);
  return json;
}

typedef struct {
  char *name;
  struct timespec used;
} entry;

static int by_use(const void *a, const void *b) {
  const entry *p = a, *q = b;
  if (p->used.tv_sec != q->used.tv_sec)
    return p->used.tv_sec < q->used.tv_sec ? -1 : 1;
  if (p->used.tv_nsec != q->used.tv_nsec)
    return p->used.tv_nsec < q->used.tv_nsec ? -1 : 1;
  return strcmp(p->name, q->name);
}

/* Past STORE_MAX_FILES files, the least recently used go, down to
 * STORE_KEEP: the store never grows without bound. Only the store's own
 * files (16 hex digits) are counted or removed. */
static void prune(const char *folder) {
  DIR *d = opendir(folder);
  if (!d)
    return;
  entry *list = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  bool ok = true;
  while (ok && (e = readdir(d))) {
    if (strlen(e->d_name) != 16 || strspn(e->d_name, "0123456789abcdef") != 16)
      continue;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    if (!(ok = im_grow((void **)&list, &cap, n + 1, sizeof *list)))
      break;
    if (!(list[n].name = im_strdup(path))) {
      ok = false;
      break;
    }
    list[n++].used = st.st_mtim;
  }
  closedir(d);
  if (ok && n > STORE_MAX_FILES) {
    qsort(list, n, sizeof *list, by_use);
    for (size_t i = 0; i < n - STORE_KEEP; i++)
      unlink(list[i].name);
  }
  for (size_t i = 0; i < n; i++)
    free(list[i].name);
  free(list);
}

void im_crs_store_put(const char *definition, const char *projjson) {
  char where[4096];
  const char *folder = open_store(where, sizeof where);
  if (!folder)
    return;
  char *key = key_of(definition), *file = key ? file_of(folder, key) : NULL, *tmp = NULL;
  char sum[65];
  size_t jlen = strlen(projjson);
  /* What the reader would refuse is not written. */
  bool fits = key && strlen(key) + 1 + 65 + jlen <= STORE_MAX_FILE && digest(projjson, jlen, sum);
  int slot = -1;
  int fd = file && fits ? im_tempfile_create(file, &tmp, &slot) : -1;
  if (fd >= 0) {
    FILE *f = fdopen(fd, "wb");
    bool ok = f && fwrite(key, 1, strlen(key) + 1, f) == strlen(key) + 1 && fwrite(sum, 1, 65, f) == 65 &&
              fwrite(projjson, 1, jlen, f) == jlen;
    if (f)
      ok = fclose(f) == 0 && ok;
    else
      close(fd);
    /* Whole or not at all: a reader sees the old file or the new one. */
    if (!ok || rename(tmp, file) != 0)
      unlink(tmp);
    im_tempfile_release(slot, tmp);
    prune(folder);
  }
  free(key);
  free(file);
}
