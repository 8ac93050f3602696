/* Output files written atomically, and what they say about themselves. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem-private.h"
#include "core/tempfile-private.h"
#include "output/output-private.h"

im_status im_output_open(im_output *o, const char *path, im_error *err) {
  memset(o, 0, sizeof *o);
  o->final_path = im_strdup(path);
  if (!o->final_path)
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  int fd = im_tempfile_create(path, &o->tmp_path, &o->slot);
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

cairo_status_t im_output_write(void *closure, const unsigned char *data, unsigned int length) {
  im_output *o = closure;
  if (o->write_errno)
    return CAIRO_STATUS_WRITE_ERROR;
  if (length && fwrite(data, 1, length, o->fp) != length) {
    o->write_errno = errno ? errno : EIO;
    return CAIRO_STATUS_WRITE_ERROR;
  }
  return CAIRO_STATUS_SUCCESS;
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

im_status im_output_commit(im_output *o, im_error *err) {
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
  memset(o, 0, sizeof *o);
}

/* --- Metadata ------------------------------------------------------------ */

/* A latitude or longitude as "15°N", "56.5°S": one decimal at most. */
static void put_degrees(FILE *f, double v, const char *pos, const char *neg) {
  double a = fabs(round(v * 10) / 10);
  const char *h = v > 0 && a > 0 ? pos : v < 0 && a > 0 ? neg : "";
  if (a == floor(a))
    fprintf(f, "%.0f°%s", a, h);
  else
    fprintf(f, "%.1f°%s", a, h);
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
    fprintf(f, "x %.0f to %.0f, y %.0f to %.0f", e->west, e->east, e->south, e->north);
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
