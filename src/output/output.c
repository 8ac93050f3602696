/* Output files written atomically, and what they say about themselves. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cnum-private.h"
#include "core/mem-private.h"
#include "core/tempfile-private.h"
#include "output/output-private.h"

/* /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N name one of the
 * process's descriptors: N, else -1. Opening them again would start a
 * regular file at offset 0 (or, through the symbolic links, replace it). */
static int descriptor_path(const char *path) {
  if (!strcmp(path, "/dev/stdout"))
    return 1;
  if (!strcmp(path, "/dev/stderr"))
    return 2;
  const char *p = !strncmp(path, "/dev/fd/", 8) ? path + 8 : !strncmp(path, "/proc/self/fd/", 14) ? path + 14 : NULL;
  if (!p || *p < '0' || *p > '9')
    return -1;
  char *end;
  long n = strtol(p, &end, 10);
  return *end || n > INT_MAX ? -1 : (int)n;
}

/* The file that path names once its symbolic links are followed (it need
 * not exist: a dangling link names the file to create), as a new string;
 * NULL with errno on failure. realpath() would refuse a dangling link. */
static char *follow_links(const char *path) {
  char *p = im_strdup(path);
  for (int hops = 0; p && hops < 40; hops++) {
    struct stat st;
    if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
      return p;
    size_t cap = (size_t)(st.st_size > PATH_MAX ? st.st_size : PATH_MAX) + 1;
    char *target = malloc(cap);
    ssize_t n = target ? readlink(p, target, cap) : -1;
    if (n < 0 || (size_t)n == cap) {
      int e = n < 0 ? errno : ENAMETOOLONG;
      free(target);
      free(p);
      errno = target ? e : ENOMEM;
      return NULL;
    }
    target[n] = 0;
    const char *slash = strrchr(p, '/');
    char *next = target;
    if (target[0] != '/' && slash) {
      /* Relative to the link's folder. */
      size_t dir = (size_t)(slash - p) + 1;
      next = malloc(dir + (size_t)n + 1);
      if (next) {
        memcpy(next, p, dir);
        memcpy(next + dir, target, (size_t)n + 1);
      }
      free(target);
    }
    free(p);
    p = next;
    if (!p)
      errno = ENOMEM;
  }
  if (p) {
    free(p);
    errno = ELOOP;
  }
  return NULL;
}

im_status im_output_open(im_output *o, const char *path, im_error *err) {
  memset(o, 0, sizeof *o);
  o->direct_fd = descriptor_path(path);
  /* A device, a FIFO, a socket: written to, never replaced (opened at the
   * first write). A folder is left to fail as a file would. */
  struct stat st;
  if (o->direct_fd >= 0 || (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) {
    o->direct = 1;
    o->final_path = im_strdup(path);
    if (!o->final_path)
      return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
    return IM_STATUS_OK;
  }
  /* A symbolic link: the file it points to is replaced, the link stays. */
  o->final_path = follow_links(path);
  if (!o->final_path) {
    int e = errno;
    if (e == ENOMEM)
      return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
    return im_error_set(err, IM_STATUS_IO, path, 0, 0, "cannot follow the link: %s", strerror(e));
  }
  int fd = im_tempfile_create(o->final_path, &o->tmp_path, &o->slot);
  if (fd < 0) {
    int e = errno;
    im_output_abort(o);
    const char *slash = strrchr(path, '/');
    int dir = slash ? (int)(slash - path) + 1 : 0;
    if (e == ENOMEM)
      return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
    if (e == EEXIST)
      return im_error_set(err, IM_STATUS_IO, path, 0, 0, "cannot create a temporary file beside it");
    if (e == ENOENT || e == ENOTDIR)
      return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "cannot write: the folder %.*s does not exist",
                          dir ? dir : 1, dir ? path : ".");
    return im_error_set(err, IM_STATUS_IO, path, 0, 0, "cannot write: %s", strerror(e));
  }
  o->created = 1;
  o->fp = fdopen(fd, "wb");
  if (!o->fp) {
    close(fd);
    im_output_abort(o);
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  }
  return IM_STATUS_OK;
}

void im_output_open_sink(im_output *o, bool (*sink)(void *user, const unsigned char *data, size_t length), void *user) {
  memset(o, 0, sizeof *o);
  o->direct_fd = -1;
  o->sink = sink;
  o->sink_user = user;
}

bool im_output_is_file(const im_output *o) { return !o->direct && !o->sink; }

void im_output_hold(im_output *o) {
  if (!im_output_is_file(o))
    o->hold = 1;
}

/* A direct output's descriptor, at its first write. */
static bool open_direct(im_output *o) {
  int fd = o->direct_fd >= 0 ? fcntl(o->direct_fd, F_DUPFD_CLOEXEC, 3)
                             : open(o->final_path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    o->write_errno = errno;
    return false;
  }
  o->fp = fdopen(fd, "wb");
  if (!o->fp) {
    o->write_errno = errno ? errno : ENOMEM;
    close(fd);
    return false;
  }
  return true;
}

/* Writes through to the file, the device or the write function. */
static cairo_status_t put(im_output *o, const unsigned char *data, size_t length) {
  if (o->sink) {
    if (!o->sink(o->sink_user, data, length)) {
      o->sink_failed = 1;
      return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
  }
  if (!o->fp && (!o->direct || !open_direct(o)))
    return CAIRO_STATUS_WRITE_ERROR;
  if (fwrite(data, 1, length, o->fp) != length) {
    o->write_errno = errno ? errno : EIO;
    return CAIRO_STATUS_WRITE_ERROR;
  }
  return CAIRO_STATUS_SUCCESS;
}

cairo_status_t im_output_write(void *closure, const unsigned char *data, unsigned int length) {
  im_output *o = closure;
  if (o->write_errno || o->sink_failed)
    return CAIRO_STATUS_WRITE_ERROR;
  if (!length)
    return CAIRO_STATUS_SUCCESS;
  if (o->hold) {
    void *held = o->held;
    if (!im_grow(&held, &o->held_cap, o->nheld + length, 1)) {
      o->write_errno = ENOMEM;
      return CAIRO_STATUS_WRITE_ERROR;
    }
    o->held = held;
    memcpy(o->held + o->nheld, data, length);
    o->nheld += length;
    return CAIRO_STATUS_SUCCESS;
  }
  return put(o, data, length);
}

/* Flushes and closes the temporary file; 0 or the first error. */
static int close_tmp(im_output *o, bool sync) {
  int e = o->write_errno;
  if (!o->fp)
    return e;
  if (!e && fflush(o->fp) != 0)
    e = errno;
  if (!e && sync && fsync(fileno(o->fp)) != 0 && errno != EINVAL)
    e = errno;
  if (fclose(o->fp) != 0 && !e)
    e = errno;
  o->fp = NULL;
  return e;
}

im_status im_output_convert(im_output *o, im_output_convert_fn convert, void *user, im_error *err) {
  if (!im_output_is_file(o)) {
    im_output_abort(o);
    return im_error_set(err, IM_STATUS_USAGE, NULL, 0, 0, "a conversion needs a file to write to");
  }
  int e = close_tmp(o, false);
  if (e) {
    im_error_set(err, IM_STATUS_IO, o->final_path, 0, 0, "cannot write: %s", strerror(e));
    im_output_abort(o);
    return IM_STATUS_IO;
  }
  char *next;
  int next_slot;
  int fd = im_tempfile_create(o->final_path, &next, &next_slot);
  if (fd < 0) {
    e = errno;
    im_error_set(err, IM_STATUS_IO, o->final_path, 0, 0, "cannot write: %s", strerror(e));
    im_output_abort(o);
    return IM_STATUS_IO;
  }
  close(fd);
  im_status st = convert(o->tmp_path, next, user, err);
  /* Whatever happened, the input is done with. */
  unlink(o->tmp_path);
  im_tempfile_release(o->slot, o->tmp_path);
  o->tmp_path = next;
  o->slot = next_slot;
  if (st)
    im_output_abort(o);
  else
    o->converted = 1;
  return st;
}

/* A direct output or a write function: what was held goes out now. */
static im_status commit_stream(im_output *o, im_error *err) {
  if (o->hold && o->nheld && !o->write_errno && !o->sink_failed) {
    o->hold = 0;
    put(o, o->held, o->nheld);
  }
  int e = o->sink ? 0 : close_tmp(o, false);
  im_status st = IM_STATUS_OK;
  if (o->sink_failed)
    st = im_error_set(err, IM_STATUS_IO, NULL, 0, 0, "cannot write: the write function failed");
  else if (e || o->write_errno)
    st = im_error_set(err, IM_STATUS_IO, o->final_path, 0, 0, "cannot write: %s", strerror(e ? e : o->write_errno));
  im_output_abort(o);
  return st;
}

im_status im_output_commit(im_output *o, im_error *err) {
  if (!im_output_is_file(o))
    return commit_stream(o, err);
  int e = close_tmp(o, true);
  if (!e && o->converted) {
    /* A converted file was written by someone else: sync it here. */
    int fd = open(o->tmp_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))
      e = errno;
    if (fd >= 0)
      close(fd);
  }
  if (!e && rename(o->tmp_path, o->final_path) != 0)
    e = errno;
  if (e) {
    im_error_set(err, IM_STATUS_IO, o->final_path, 0, 0, "cannot write: %s", strerror(e));
    im_output_abort(o);
    return IM_STATUS_IO;
  }
  im_tempfile_release(o->slot, o->tmp_path);
  free(o->final_path);
  memset(o, 0, sizeof *o);
  return IM_STATUS_OK;
}

void im_output_abort(im_output *o) {
  if (o->fp)
    fclose(o->fp);
  if (o->created) {
    unlink(o->tmp_path);
    im_tempfile_release(o->slot, o->tmp_path);
  } else {
    free(o->tmp_path);
  }
  free(o->final_path);
  free(o->held);
  memset(o, 0, sizeof *o);
}

/* --- Metadata ------------------------------------------------------------ */

/* A latitude or longitude as "15°N", "56.5°S": one decimal at most. */
static void put_degrees(FILE *f, double v, const char *pos, const char *neg) {
  double a = fabs(round(v * 10) / 10);
  const char *h = v > 0 && a > 0 ? pos : v < 0 && a > 0 ? neg : "";
  if (a == floor(a))
    im_fprintf(f, "%.0f°%s", a, h);
  else
    im_fprintf(f, "%.1f°%s", a, h);
}

static void put_extent(FILE *f, const im_extent *e) {
  switch (e->kind) {
  case IM_EXTENT_DEGREES:
    put_degrees(f, e->south, "N", "S");
    fputs(" to ", f);
    put_degrees(f, e->north, "N", "S");
    fputs(", ", f);
    put_degrees(f, e->west, "E", "W");
    fputs(" to ", f);
    put_degrees(f, e->east, "E", "W");
    break;
  case IM_EXTENT_CRS:
    im_fprintf(f, "x %.0f to %.0f, y %.0f to %.0f", e->west, e->east, e->south, e->north);
    break;
  default:
    fputs("the whole world", f);
    break;
  }
}

bool im_output_meta_init(im_output_meta *m, const im_map *map, const char *crs_name, const char *from, const char *to) {
  memset(m, 0, sizeof *m);
  bool titled = map->title && map->title[0];
  m->title = im_strdup(titled ? map->title : "Map");
  size_t dlen = 0, klen = 0;
  FILE *d = open_memstream(&m->description, &dlen);
  FILE *k = open_memstream(&m->keywords, &klen);
  if (!m->title || !d || !k) {
    if (d)
      fclose(d);
    if (k)
      fclose(k);
    im_output_meta_free(m);
    return false;
  }
  if (titled)
    fprintf(d, "%s: map of ", map->title);
  else
    fputs("Map of ", d);
  put_extent(d, &map->extent);
  /* PROJ strings have no name: the definition says more than "unknown". */
  if (!crs_name || !crs_name[0] || !strcmp(crs_name, "unknown"))
    crs_name = map->crs;
  if (crs_name && crs_name[0])
    fprintf(d, ", in %s", crs_name);
  fputs("map", k);
  for (size_t i = 0; i < map->nlayers; i++) {
    const char *id = map->layers[i].id ? map->layers[i].id : "";
    fprintf(d, "%s%s",
            i == 0                  ? map->nlayers > 1 ? ", with the layers " : ", with the layer "
            : i + 1 == map->nlayers ? " and "
                                    : ", ",
            id);
    fprintf(k, ", %s", id);
  }
  if (from && to)
    fprintf(d, ", from %s to %s", from, to);
  else if (from)
    fprintf(d, ", from %s on", from);
  else if (to)
    fprintf(d, ", up to %s", to);
  fputc('.', d);
  bool ok = !ferror(d) && !ferror(k);
  ok = fclose(d) == 0 && ok;
  ok = fclose(k) == 0 && ok;
  if (!ok)
    im_output_meta_free(m);
  return ok;
}

void im_output_meta_free(im_output_meta *m) {
  free(m->title);
  free(m->description);
  free(m->keywords);
  memset(m, 0, sizeof *m);
}
