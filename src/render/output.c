#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/mem-private.h"
#include "output-private.h"

static atomic_uint tmp_counter;

im_status im_output_open(im_output *o, const char *path, im_error *err) {
  memset(o, 0, sizeof *o);
  const char *slash = strrchr(path, '/');
  size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
  size_t n = strlen(path) + 64;
  o->tmp_path = malloc(n);
  o->final_path = im_strdup(path);
  if (!o->tmp_path || !o->final_path) {
    im_output_abort(o);
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  }
  /* open(O_EXCL) with 0666 rather than mkstemp, so the finished file gets
   * the user's umask like any other file they write. */
  for (int attempt = 0; attempt < 100; attempt++) {
    snprintf(o->tmp_path, n, "%.*s.%s.%ld.%u.tmp", (int)dir, path, path + dir, (long)getpid(),
             atomic_fetch_add(&tmp_counter, 1));
    int fd = open(o->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST)
      continue;
    if (fd < 0) {
      int e = errno;
      im_output_abort(o);
      if (e == ENOENT || e == ENOTDIR)
        return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "cannot write: the folder %.*s does not exist",
                            dir ? (int)dir : 1, dir ? path : ".");
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
  im_output_abort(o);
  return im_error_set(err, IM_STATUS_IO, path, 0, 0, "cannot create a temporary file beside it");
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

im_status im_output_commit(im_output *o, im_error *err) {
  int e = o->write_errno;
  if (!e && fflush(o->fp) != 0)
    e = errno;
  if (!e && fsync(fileno(o->fp)) != 0 && errno != EINVAL)
    e = errno;
  if (fclose(o->fp) != 0 && !e)
    e = errno;
  o->fp = NULL;
  if (!e && rename(o->tmp_path, o->final_path) != 0)
    e = errno;
  if (e) {
    im_error_set(err, IM_STATUS_IO, o->final_path, 0, 0, "cannot write: %s", strerror(e));
    im_output_abort(o);
    return IM_STATUS_IO;
  }
  free(o->tmp_path);
  free(o->final_path);
  memset(o, 0, sizeof *o);
  return IM_STATUS_OK;
}

void im_output_abort(im_output *o) {
  if (o->fp)
    fclose(o->fp);
  if (o->created)
    unlink(o->tmp_path);
  free(o->tmp_path);
  free(o->final_path);
  memset(o, 0, sizeof *o);
}
