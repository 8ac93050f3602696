/* ESRI Shapefile reader on shapelib.
 *
 * shapelib reports problems through a hook without a user pointer, so its
 * last message is kept per thread and folded into our one error. Shapes are
 * filtered by the bounding box in each record's header before the record is
 * decoded, so a map of Peru does not decode the whole world. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <shapefil.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem-private.h"
#include "io/encoding-private.h"
#include "io/layer-private.h"
#include "io/io-private.h"
#include "io/shapefile-private.h"

static _Thread_local char shp_last_error[512];

static void shp_error_hook(const char *message) { snprintf(shp_last_error, sizeof shp_last_error, "%s", message); }

/* How the files of one shapefile are reached: shapelib's hooks (ours for
 * errors), and whether they are the disk's, where a sibling is looked for
 * with stat() so a folder called x.dbf is not taken for a table. */
typedef struct {
  SAHooks hooks;
  bool disk;
} shp_io;

static im_status source_crs(const shp_io *io, const char *path, char **definition, char **crs_file, im_error *err);

/* Reading opens regular files only. shapelib opens a shapefile's .cpg
 * itself, and opening a named pipe (or a terminal) for reading blocks
 * until a writer comes: a FIFO x.cpg hung `influmap info x.shp` forever.
 * The open does not block (O_NONBLOCK), and what it opened is kept only
 * if it is a regular file. */
static SAFile regular_fopen(const char *filename, const char *access) {
  if (strchr(access, 'w') || strchr(access, 'a') || strchr(access, '+'))
    return (SAFile)fopen(filename, access);
  int fd = open(filename, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  struct stat st;
  int flags = fcntl(fd, F_GETFL);
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    close(fd);
    return NULL;
  }
  FILE *f = fdopen(fd, "rb");
  if (!f)
    close(fd);
  return (SAFile)f;
}

static void io_init(shp_io *io, const SAHooks *hooks) {
  if (hooks)
    io->hooks = *hooks;
  else {
    SASetupDefaultHooks(&io->hooks);
    io->hooks.FOpen = regular_fopen;
  }
  io->hooks.Error = shp_error_hook;
  io->disk = !hooks;
}

const char *im_shape_type_name(int t) {
  switch (t) {
  case SHPT_NULL:
    return "Null";
  case SHPT_POINT:
    return "Point";
  case SHPT_ARC:
    return "PolyLine";
  case SHPT_POLYGON:
    return "Polygon";
  case SHPT_MULTIPOINT:
    return "MultiPoint";
  case SHPT_POINTZ:
    return "PointZ";
  case SHPT_ARCZ:
    return "PolyLineZ";
  case SHPT_POLYGONZ:
    return "PolygonZ";
  case SHPT_MULTIPOINTZ:
    return "MultiPointZ";
  case SHPT_POINTM:
    return "PointM";
  case SHPT_ARCM:
    return "PolyLineM";
  case SHPT_POLYGONM:
    return "PolygonM";
  case SHPT_MULTIPOINTM:
    return "MultiPointM";
  case SHPT_MULTIPATCH:
    return "MultiPatch";
  default:
    return "unknown";
  }
}

static bool io_exists(const shp_io *io, const char *path) {
  if (io->disk) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
  }
  SAFile f = io->hooks.FOpen(path, "rb");
  if (f)
    io->hooks.FClose(f);
  return f != NULL;
}

/* The path of shp_path's sibling with suffix ext, in lower (pass 0) or
 * upper case (pass 1). NULL when out of memory. */
static char *sibling_path(const char *shp_path, const char *ext, int pass) {
  size_t n = strlen(shp_path);
  const char *dot = strrchr(shp_path, '.');
  const char *slash = strrchr(shp_path, '/');
  size_t base = (dot && (!slash || dot > slash)) ? (size_t)(dot - shp_path) : n;
  char *p = malloc(base + strlen(ext) + 2);
  if (!p)
    return NULL;
  memcpy(p, shp_path, base);
  p[base] = '.';
  for (size_t i = 0; ext[i]; i++)
    p[base + 1 + i] = pass ? (char)(ext[i] - 'a' + 'A') : ext[i];
  p[base + 1 + strlen(ext)] = '\0';
  return p;
}

/* The sibling file with another suffix, trying lower then upper case.
 * Returns a new string when the file exists, else NULL. */
static char *sibling(const shp_io *io, const char *shp_path, const char *ext) {
  for (int pass = 0; pass < 2; pass++) {
    char *p = sibling_path(shp_path, ext, pass);
    if (p && io_exists(io, p))
      return p;
    free(p);
  }
  return NULL;
}

/* A sibling that is there but is no regular file (a FIFO, a directory, a
 * device): named in the message, rather than said to be missing. On disk
 * only; NULL when there is none. */
static char *odd_sibling(const shp_io *io, const char *shp_path, const char *ext) {
  for (int pass = 0; io->disk && pass < 2; pass++) {
    char *p = sibling_path(shp_path, ext, pass);
    struct stat st;
    if (p && stat(p, &st) == 0 && !S_ISREG(st.st_mode))
      return p;
    free(p);
  }
  return NULL;
}

/* Reads a small text file whole; NULL when it cannot. The size cap keeps a
 * hostile .prj from being read into memory without bound. */
static char *read_small_file(const shp_io *io, const char *path, size_t cap) {
  SAFile f = io->hooks.FOpen(path, "rb");
  if (!f)
    return NULL;
  char *buf = malloc(cap + 1);
  size_t n = buf ? (size_t)io->hooks.FRead(buf, 1, cap, f) : 0;
  io->hooks.FClose(f);
  if (!buf)
    return NULL;
  buf[n] = '\0';
  return buf;
}

static double read_le_double(const unsigned char *b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | b[i];
  double d;
  memcpy(&d, &v, sizeof d);
  return d;
}

static uint32_t read_be32(const unsigned char *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint32_t read_le32(const unsigned char *b) {
  return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

/* shapelib takes the shape type, record count and extent from the .shx and
 * reads only the file length from the .shp's header, so a .shp that is not a
 * shapefile at all (or belongs to another .shx) would be read record by
 * record as if it were. Checks the .shp's own header; returns a message
 * when it is wrong. */
static const char *check_shp_header(SHPHandle h, char *buf, size_t size) {
  unsigned char hdr[100];
  if (h->sHooks.FSeek(h->fpSHP, 0, SEEK_SET) != 0 || h->sHooks.FRead(hdr, sizeof hdr, 1, h->fpSHP) != 1)
    return "the header is truncated (a shapefile starts with 100 header bytes)";
  uint32_t code = read_be32(hdr), version = read_le32(hdr + 28);
  int type = (int)read_le32(hdr + 32);
  if (code != 9994 || version != 1000) {
    snprintf(buf, size, "not a shapefile: the header has file code %lu and version %lu (expected 9994 and 1000)",
             (unsigned long)code, (unsigned long)version);
    return buf;
  }
  if (!strcmp(im_shape_type_name(type), "unknown")) {
    snprintf(buf, size, "unknown shape type %d in the header", type);
    return buf;
  }
  if (type != h->nShapeType) {
    snprintf(buf, size, "the header says %s but the index (.shx) says %s; they are not the same shapefile",
             im_shape_type_name(type), im_shape_type_name(h->nShapeType));
    return buf;
  }
  return NULL;
}

/* The bounding box stored in record i's header, without decoding the
 * record. Returns false for null shapes and unreadable headers. *mismatch
 * is set when the record's own header gives another length than the index
 * (read in the same call: no extra seek per record). */
static bool record_bbox(SHPHandle h, int i, im_bbox *b, bool *mismatch) {
  unsigned off = h->panRecOffset[i], size = h->panRecSize[i];
  unsigned char buf[44];
  if (size < 4 || (unsigned long)off + 8 + 4 > h->nFileSize)
    return false;
  size_t want = size >= 36 ? 36 : 20;
  if ((unsigned long)off + 8 + want > h->nFileSize || size < want)
    want = 4;
  if (h->sHooks.FSeek(h->fpSHP, off, SEEK_SET) != 0 || h->sHooks.FRead(buf, 8 + want, 1, h->fpSHP) != 1)
    return false;
  *mismatch = read_be32(buf + 4) * 2u != size;
  int type = (int)read_le32(buf + 8);
  if (type == SHPT_NULL || want == 4)
    return false;
  if (type == SHPT_POINT || type == SHPT_POINTZ || type == SHPT_POINTM) {
    b->minx = b->maxx = read_le_double(buf + 12);
    b->miny = b->maxy = read_le_double(buf + 20);
  } else if (want == 36) {
    b->minx = read_le_double(buf + 12);
    b->miny = read_le_double(buf + 20);
    b->maxx = read_le_double(buf + 28);
    b->maxy = read_le_double(buf + 36);
  } else {
    return false;
  }
  return true;
}

static bool wanted(SHPHandle h, int i, const im_layer_query *q, bool *mismatch) {
  if (!q || !q->nboxes)
    return true;
  im_bbox b;
  /* Without a readable box, let SHPReadObject decide (and report). */
  return !record_bbox(h, i, &b, mismatch) || im_query_wants(q, &b);
}

static double signed_area(const double *xy, size_t n) {
  double a = 0;
  for (size_t i = 0; i < n; i++) {
    const double *p = xy + 2 * i, *r = xy + 2 * ((i + 1) % n);
    a += p[0] * r[1] - r[0] * p[1];
  }
  return a / 2;
}

/* Adds triangle (or ring) a, b, c ... oriented counter-clockwise when ccw,
 * clockwise otherwise, closed. */
static bool add_oriented_ring(im_geom *g, const double *x, const double *y, const int *idx, size_t n, bool ccw) {
  double *tmp = im_malloc_array(2 * n, sizeof *tmp);
  if (!tmp)
    return false;
  for (size_t i = 0; i < n; i++) {
    tmp[2 * i] = x[idx[i]];
    tmp[2 * i + 1] = y[idx[i]];
  }
  bool reverse = (signed_area(tmp, n) > 0) != ccw;
  bool ok = im_geom_begin_part(g);
  for (size_t i = 0; i <= n && ok; i++) {
    size_t k = reverse ? (n - i % n) % n : i % n;
    ok = im_geom_add_point(g, tmp[2 * k], tmp[2 * k + 1]);
  }
  free(tmp);
  return ok;
}

/* Multipatch: triangle strips and fans become one triangle each, rings stay
 * rings; everything is oriented so the non-zero fill rule paints the union
 * and inner rings cut holes. */
static bool multipatch_to_geom(const SHPObject *o, im_geom *g) {
  g->nonzero = true;
  for (int p = 0; p < o->nParts; p++) {
    int start = o->panPartStart[p];
    int end = p + 1 < o->nParts ? o->panPartStart[p + 1] : o->nVertices;
    int type = o->panPartType ? o->panPartType[p] : SHPP_RING;
    int n = end - start;
    if (type == SHPP_TRISTRIP || type == SHPP_TRIFAN) {
      for (int k = 0; k + 2 < n; k++) {
        int tri[3];
        if (type == SHPP_TRISTRIP)
          tri[0] = start + k, tri[1] = start + k + 1, tri[2] = start + k + 2;
        else
          tri[0] = start, tri[1] = start + k + 1, tri[2] = start + k + 2;
        if (fabs((o->padfX[tri[1]] - o->padfX[tri[0]]) * (o->padfY[tri[2]] - o->padfY[tri[0]]) -
                 (o->padfX[tri[2]] - o->padfX[tri[0]]) * (o->padfY[tri[1]] - o->padfY[tri[0]])) == 0)
          continue; /* a vertical wall seen from above has no area */
        if (!add_oriented_ring(g, o->padfX, o->padfY, tri, 3, true))
          return false;
      }
    } else {
      /* Shapefile rings repeat their first vertex at the end; drop it, as
       * add_oriented_ring closes the ring itself and would repeat it twice. */
      if (n >= 2 && o->padfX[start] == o->padfX[end - 1] && o->padfY[start] == o->padfY[end - 1])
        n--;
      if (n < 3)
        continue;
      int *idx = im_malloc_array((size_t)n, sizeof *idx);
      if (!idx)
        return false;
      for (int k = 0; k < n; k++)
        idx[k] = start + k;
      bool ok = add_oriented_ring(g, o->padfX, o->padfY, idx, (size_t)n, type != SHPP_INNERRING);
      free(idx);
      if (!ok)
        return false;
    }
  }
  return true;
}

static im_geom_kind kind_of(int shape_type) {
  switch (shape_type) {
  case SHPT_ARC:
  case SHPT_ARCZ:
  case SHPT_ARCM:
    return IM_GEOM_LINE;
  case SHPT_POLYGON:
  case SHPT_POLYGONZ:
  case SHPT_POLYGONM:
  case SHPT_MULTIPATCH:
    return IM_GEOM_POLYGON;
  default:
    return IM_GEOM_POINT;
  }
}

/* Converts a decoded shape; returns a message for a corrupt one. */
static const char *object_to_geom(const SHPObject *o, im_geom *g) {
  im_geom_init(g, kind_of(o->nSHPType));
  if (o->nParts < 0 || o->nVertices < 0)
    return "negative part or vertex count";
  for (int p = 0; p < o->nParts; p++) {
    int s = o->panPartStart[p];
    if (s < 0 || s > o->nVertices || (p > 0 && s < o->panPartStart[p - 1]))
      return "part index out of order or out of range";
  }
  if (o->nSHPType == SHPT_MULTIPATCH)
    return multipatch_to_geom(o, g) ? NULL : "out of memory";
  int nparts = g->kind == IM_GEOM_POINT || o->nParts == 0 ? 1 : o->nParts;
  if (!im_geom_reserve(g, (size_t)o->nVertices, (size_t)nparts))
    return "out of memory";
  for (int p = 0; p < nparts; p++) {
    int start = g->kind == IM_GEOM_POINT || o->nParts == 0 ? 0 : o->panPartStart[p];
    int end = p + 1 < nparts ? o->panPartStart[p + 1] : o->nVertices;
    if (!im_geom_begin_part(g))
      return "out of memory";
    for (int k = start; k < end; k++)
      if (!im_geom_add_point(g, o->padfX[k], o->padfY[k]))
        return "out of memory";
    /* Lines of one vertex and rings of fewer than three draw nothing. */
    im_geom_end_part(g, g->kind == IM_GEOM_POLYGON ? 3 : g->kind == IM_GEOM_LINE ? 2 : 1);
  }
  return NULL;
}

static im_field_type field_type(DBFFieldType t) {
  switch (t) {
  case FTString:
    return IM_FIELD_STRING;
  case FTInteger:
    return IM_FIELD_INTEGER;
  case FTDouble:
    return IM_FIELD_DOUBLE;
  case FTLogical:
    return IM_FIELD_LOGICAL;
  case FTDate:
    return IM_FIELD_DATE;
  default:
    return IM_FIELD_OTHER;
  }
}

/* Opens the .dbf, picks its encoding and reads the field list. */
static im_status open_dbf(const shp_io *io, im_layer *layer, const char *dbf_path, DBFHandle *out, im_transcoder **tc,
                          im_error *err) {
  shp_last_error[0] = '\0';
  DBFHandle dbf = DBFOpenLL(dbf_path, "rb", (SAHooks *)&io->hooks);
  if (!dbf)
    return im_error_set(err, IM_STATUS_INPUT, dbf_path, 0, 0, "cannot read the DBF table%s%s",
                        shp_last_error[0] ? ": " : "", shp_last_error);
  *out = dbf;
  /* The encoding: the .cpg wins, then the language driver byte; with
   * neither, text that is valid UTF-8 is taken as such and the rest as
   * Latin-1 (Windows-1252), as most files without either are. */
  char buf[64];
  const char *enc = NULL;
  char *cpg_path = sibling(io, layer->path, "cpg");
  if (cpg_path) {
    char *cpg = read_small_file(io, cpg_path, 256);
    if (cpg) {
      enc = im_encoding_from_cpg(cpg, buf, sizeof buf);
      if (enc && !(*tc = im_transcoder_create(enc))) {
        /* Named only when it looks like an encoding's name: a .cpg may be
         * any file (a link to one), and messages do not echo those. */
        size_t n = strlen(enc);
        if (n && n <= 32 && strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == n)
          im_warn("%s: unknown encoding '%s'; reading text as UTF-8, or Latin-1 where it is not", cpg_path, enc);
        else
          im_warn("%s: does not name an encoding; reading text as UTF-8, or Latin-1 where it is not", cpg_path);
        enc = NULL;
      } else if (enc) {
        layer->encoding_source = ".cpg";
      }
    }
    free(cpg);
    free(cpg_path);
  }
  if (!enc && dbf->iLanguageDriver) {
    enc = im_encoding_from_ldid(dbf->iLanguageDriver);
    if (enc && (*tc = im_transcoder_create(enc)))
      layer->encoding_source = "language driver";
    else
      enc = NULL;
  }
  if (!enc) {
    *tc = im_transcoder_create(NULL);
    layer->encoding_source = "detected";
    enc = "UTF-8 or Latin-1";
  }
  layer->encoding = im_strdup(enc);
  if (!*tc || !layer->encoding)
    return im_error_set(err, IM_STATUS_INTERNAL, dbf_path, 0, 0, "out of memory");

  int nfields = DBFGetFieldCount(dbf);
  layer->fields = calloc(nfields > 0 ? (size_t)nfields : 1, sizeof *layer->fields);
  if (!layer->fields)
    return im_error_set(err, IM_STATUS_INTERNAL, dbf_path, 0, 0, "out of memory");
  for (int i = 0; i < nfields; i++) {
    char name[XBASE_FLDNAME_LEN_READ + 1];
    int width = 0, decimals = 0;
    DBFFieldType t = DBFGetFieldInfo(dbf, i, name, &width, &decimals);
    im_field *f = &layer->fields[layer->nfields++];
    f->name = im_transcode(*tc, name, strlen(name));
    f->type = field_type(t);
    /* shapelib calls every N field of width 10 or more a double, as it may
     * not fit an int; with no decimals it is a whole number all the same. */
    if (f->type == IM_FIELD_DOUBLE && decimals == 0)
      f->type = IM_FIELD_INTEGER;
    f->width = width;
    f->decimals = decimals;
    if (!f->name)
      return im_error_set(err, IM_STATUS_INTERNAL, dbf_path, 0, 0, "out of memory");
  }
  return IM_STATUS_OK;
}

/* Reads feature f's attributes; *bytes grows by the memory they take. */
static im_status read_attributes(im_layer *layer, DBFHandle dbf, im_transcoder *tc, im_feature *f, const char *dbf_path,
                                 size_t *bytes, im_error *err) {
  f->values = calloc(layer->nfields ? layer->nfields : 1, sizeof *f->values);
  if (!f->values)
    return im_error_set(err, IM_STATUS_INTERNAL, dbf_path, 0, 0, "out of memory");
  for (size_t k = 0; k < layer->nfields; k++) {
    if (DBFIsAttributeNULL(dbf, (int)f->fid, (int)k))
      continue;
    shp_last_error[0] = '\0';
    /* shapelib reuses this buffer on the next read: copy at once. */
    const char *raw = DBFReadStringAttribute(dbf, (int)f->fid, (int)k);
    if (!raw)
      return im_error_set(err, IM_STATUS_INPUT, dbf_path, 0, 0, "record %ld cannot be read%s%s", f->fid,
                          shp_last_error[0] ? ": " : "", shp_last_error);
    size_t n = strlen(raw);
    while (n && raw[n - 1] == ' ')
      n--;
    while (n && *raw == ' ')
      raw++, n--;
    if (!(f->values[k] = im_transcode(tc, raw, n)))
      return im_error_set(err, IM_STATUS_INTERNAL, dbf_path, 0, 0, "out of memory");
    *bytes += strlen(f->values[k]) + 1;
  }
  *bytes += layer->nfields * sizeof *f->values;
  return IM_STATUS_OK;
}

static uint32_t file_size(const shp_io *io, SAFile f) {
  if (io->hooks.FSeek(f, 0, SEEK_END) != 0)
    return 0;
  SAOffset n = io->hooks.FTell(f);
  return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* shapelib sizes its index arrays from the length the .shx header gives
 * (up to 256 million records, 2 GB of arrays) before it reads a byte of
 * them; a 100-byte .shx must not cost that. Checks the claim against the
 * file's real size first; returns a message when it does not hold. */
static const char *check_shx(const shp_io *io, const char *shx_path, char *buf, size_t size) {
  SAFile f = io->hooks.FOpen(shx_path, "rb");
  if (!f)
    return "cannot be opened";
  unsigned char hdr[100];
  bool whole = io->hooks.FSeek(f, 0, SEEK_SET) == 0 && io->hooks.FRead(hdr, sizeof hdr, 1, f) == 1;
  uint32_t actual = file_size(io, f);
  io->hooks.FClose(f);
  if (!whole)
    return "the header is truncated (an index starts with 100 header bytes)";
  if (read_be32(hdr) != 9994 || read_le32(hdr + 28) != 1000)
    return "not a shapefile index: its header does not start with file code 9994 and version 1000";
  uint64_t claimed = (uint64_t)read_be32(hdr + 24) * 2;
  if (claimed > actual) {
    snprintf(buf, size,
             "the header says the index is %llu bytes long (%llu records) but the file has %lu; it is "
             "truncated or corrupt",
             (unsigned long long)claimed, claimed > 100 ? (unsigned long long)(claimed - 100) / 8 : 0ULL,
             (unsigned long)actual);
    return buf;
  }
  return NULL;
}

/* A DBF header may claim any number of records; shapelib trusts it and
 * reads each on demand. The records the shapes need must be in the file:
 * otherwise each would read as null, silently. */
static const char *check_dbf_size(const shp_io *io, DBFHandle dbf, int nshapes, char *buf, size_t size) {
  uint64_t need = (uint64_t)dbf->nHeaderLength + (uint64_t)dbf->nRecordLength * (uint64_t)(nshapes > 0 ? nshapes : 0);
  uint32_t actual = file_size(io, dbf->fp);
  if (need <= actual)
    return NULL;
  snprintf(buf, size,
           "the table's header claims %d records of %d bytes, but the file (%lu bytes) cannot hold the %d "
           "the shapes need; it is truncated or corrupt",
           dbf->nRecords, dbf->nRecordLength, (unsigned long)actual, nshapes);
  return buf;
}

im_status im_shapefile_load_hooks(const char *path, const SAHooks *hooks, const im_layer_query *query, im_layer **out,
                                  im_error *err) {
  *out = NULL;
  shp_io io;
  io_init(&io, hooks);
  struct stat path_st;
  if (io.disk && stat(path, &path_st) != 0)
    return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "cannot open: %s", strerror(errno));
  if (!io_exists(&io, path))
    return im_error_set(err, IM_STATUS_INPUT, path, 0, 0, io.disk ? "not a regular file" : "cannot open: not found");
  char *shx_path = sibling(&io, path, "shx");
  if (!shx_path) {
    char *odd = odd_sibling(&io, path, "shx");
    if (odd) {
      im_status st = im_error_set(err, IM_STATUS_INPUT, odd, 0, 0, "not a regular file");
      free(odd);
      return st;
    }
    return im_error_set(err, IM_STATUS_INPUT, path, 0, 0,
                        "the index file (.shx) is missing; a shapefile needs its .shp, .shx and .dbf");
  }
  char msg[640];
  const char *bad_shx = check_shx(&io, shx_path, msg, sizeof msg);
  if (bad_shx) {
    im_status st = im_error_set(err, IM_STATUS_INPUT, shx_path, 0, 0, "%s", bad_shx);
    free(shx_path);
    return st;
  }
  free(shx_path);

  im_layer *layer = im_layer_new(path, "ESRI Shapefile");
  if (!layer)
    return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
  im_status st_ret = IM_STATUS_OK;
  SHPHandle shp = NULL;
  DBFHandle dbf = NULL;
  im_transcoder *tc = NULL;
  char *dbf_path = NULL;

  shp_last_error[0] = '\0';
  shp = SHPOpenLL(path, "rb", &io.hooks);
  if (!shp) {
    st_ret = im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "not a readable shapefile%s%s",
                          shp_last_error[0] ? ": " : "", shp_last_error);
    goto fail;
  }
  layer->shape_type = shp->nShapeType;
  layer->total_records = shp->nRecords;
  layer->file_bbox = (im_bbox){shp->adBoundsMin[0], shp->adBoundsMin[1], shp->adBoundsMax[0], shp->adBoundsMax[1]};
  if (!strcmp(im_shape_type_name(shp->nShapeType), "unknown")) {
    char *shx = sibling(&io, path, "shx");
    st_ret = im_error_set(err, IM_STATUS_INPUT, shx ? shx : path, 0, 0, "unknown shape type %d in the header",
                          shp->nShapeType);
    free(shx);
    goto fail;
  }
  const char *bad_header = check_shp_header(shp, msg, sizeof msg);
  if (bad_header) {
    st_ret = im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "%s", bad_header);
    goto fail;
  }
  uint32_t shp_size = file_size(&io, shp->fpSHP);
  int broken = im_shx_chain_breaks(shp, shp_size);
  if (broken == shp->nRecords) {
    /* Bytes after the last record the index lists: records it lost, or
     * only padding (said, and read). */
    uint32_t at;
    uint64_t last_end =
        shp->nRecords ? (uint64_t)shp->panRecOffset[shp->nRecords - 1] + 8 + shp->panRecSize[shp->nRecords - 1] : 100;
    if (im_shp_count_records(shp, shp_size, 0, &at) <= shp->nRecords) {
      im_warn("%s: %llu bytes after its last record are not a record; they are ignored", path,
              (unsigned long long)(shp_size - last_end));
      broken = -1;
    }
  }
  if (broken >= 0)
    goto bad_index;

  if ((st_ret = source_crs(&io, path, &layer->crs_definition, &layer->crs_file, err)))
    goto fail;
  if (!layer->crs_file)
    im_warn("%s: no .prj beside it; assuming WGS 84 longitude/latitude (EPSG:4326)", path);

  dbf_path = sibling(&io, path, "dbf");
  if (!dbf_path && (dbf_path = odd_sibling(&io, path, "dbf"))) {
    st_ret = im_error_set(err, IM_STATUS_INPUT, dbf_path, 0, 0, "not a regular file");
    goto fail;
  }
  if (dbf_path) {
    if ((st_ret = open_dbf(&io, layer, dbf_path, &dbf, &tc, err)))
      goto fail;
    const char *bad_dbf = NULL;
    if (DBFGetRecordCount(dbf) < shp->nRecords) {
      snprintf(msg, sizeof msg, "the table has %d records but %s has %d shapes", DBFGetRecordCount(dbf), path,
               shp->nRecords);
      bad_dbf = msg;
    } else {
      bad_dbf = check_dbf_size(&io, dbf, shp->nRecords, msg, sizeof msg);
      /* More rows than shapes: the sign of an index (.shx) that lost
       * records; the rows past it would be dropped without a word. */
      if (!bad_dbf && DBFGetRecordCount(dbf) > shp->nRecords)
        im_warn("%s: the table has %d records but the index (.shx) lists %d shapes; the index may be broken, and "
                "the records past it are not read",
                dbf_path, DBFGetRecordCount(dbf), shp->nRecords);
    }
    if (bad_dbf) {
      st_ret = im_error_set(err, IM_STATUS_INPUT, dbf_path, 0, 0, "%s", bad_dbf);
      goto fail;
    }
  } else {
    im_warn("%s: no .dbf beside it; the features have no attributes", path);
  }

  im_budget budget;
  im_budget_init(&budget);
  size_t cap = 0;
  for (int i = 0; i < shp->nRecords; i++) {
    /* Each record's own header must give the index's length: read with
     * its box when a query filters, else from what SHPReadObject read
     * (shapelib keeps the whole record, header first, in pabyRec). */
    bool mismatch = false;
    bool want = wanted(shp, i, query, &mismatch);
    if (mismatch) {
      broken = i;
      goto bad_index;
    }
    if (!want)
      continue;
    shp_last_error[0] = '\0';
    SHPObject *o = SHPReadObject(shp, i);
    if ((o && read_be32(shp->pabyRec + 4) * 2u != shp->panRecSize[i]) ||
        (!o && !im_shp_record_matches(shp, i, shp_size))) {
      SHPDestroyObject(o);
      broken = i;
      goto bad_index;
    }
    if (!o) {
      st_ret = im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "shape %d is truncated or corrupt%s%s", i,
                            shp_last_error[0] ? ": " : "", shp_last_error);
      goto fail;
    }
    if (o->nSHPType == SHPT_NULL || o->nVertices == 0) {
      SHPDestroyObject(o);
      continue;
    }
    /* Counted before it is copied: a .shx whose entries all point at one
     * big shape must stop here, not when memory runs out. */
    const char *over = im_budget_add(&budget, o->nVertices > 0 ? (size_t)o->nVertices : 0,
                                     o->nParts > 0 ? (size_t)o->nParts : 1, 0, msg, sizeof msg);
    if (over) {
      SHPDestroyObject(o);
      st_ret = im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "shape %d: %s", i, over);
      if (err)
        err->code = IM_E_LIMIT;
      goto fail;
    }
    if (!im_grow((void **)&layer->features, &cap, layer->nfeatures + 1, sizeof *layer->features)) {
      SHPDestroyObject(o);
      st_ret = im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
      goto fail;
    }
    im_feature *f = &layer->features[layer->nfeatures++];
    memset(f, 0, sizeof *f);
    f->fid = i;
    const char *bad = object_to_geom(o, &f->geom);
    SHPDestroyObject(o);
    if (bad) {
      st_ret = im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "shape %d: %s", i, bad);
      goto fail;
    }
    size_t bytes = 0;
    if (dbf && (!query || !query->skip_attributes) &&
        (st_ret = read_attributes(layer, dbf, tc, f, dbf_path, &bytes, err)))
      goto fail;
    if ((over = im_budget_add(&budget, 0, 0, bytes, msg, sizeof msg))) {
      st_ret = im_error_set(err, IM_STATUS_INPUT, path, 0, 0, "shape %d: %s", i, over);
      if (err)
        err->code = IM_E_LIMIT;
      goto fail;
    }
  }
  SHPClose(shp);
  if (dbf)
    DBFClose(dbf);
  im_transcoder_free(tc);
  free(dbf_path);
  *out = layer;
  return IM_STATUS_OK;

bad_index : {
  char *shx = sibling(&io, path, "shx");
  st_ret = im_error_set(err, IM_STATUS_INPUT, shx ? shx : path, 0, 0, "%s",
                        im_shx_mismatch(shp, path, broken, shp_size, msg, sizeof msg));
  free(shx);
}
fail:
  if (shp)
    SHPClose(shp);
  if (dbf)
    DBFClose(dbf);
  im_transcoder_free(tc);
  free(dbf_path);
  im_layer_free(layer);
  return st_ret;
}

im_status im_layer_load_shapefile(const char *path, const im_layer_query *query, im_layer **out, im_error *err) {
  return im_shapefile_load_hooks(path, NULL, query, out, err);
}

static im_status source_crs(const shp_io *io, const char *path, char **definition, char **crs_file, im_error *err) {
  *definition = NULL;
  *crs_file = NULL;
  char *prj_path = sibling(io, path, "prj");
  if (!prj_path) {
    if (!(*definition = im_strdup("EPSG:4326")))
      return im_error_set(err, IM_STATUS_INTERNAL, path, 0, 0, "out of memory");
    return IM_STATUS_OK;
  }
  char *text = read_small_file(io, prj_path, 1 << 20);
  if (!text) {
    im_status st = im_error_set(err, IM_STATUS_INPUT, prj_path, 0, 0, "cannot read: %s", strerror(errno));
    free(prj_path);
    return st;
  }
  *definition = text;
  *crs_file = prj_path;
  return IM_STATUS_OK;
}

im_status im_shapefile_source_crs(const char *path, char **definition, char **crs_file, im_error *err) {
  shp_io io;
  io_init(&io, NULL);
  return source_crs(&io, path, definition, crs_file, err);
}
