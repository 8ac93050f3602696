/* Incremental batches: what each output was made from (the sha256 of every
 * input file, the job's parameters, the influmap version), kept in a lock
 * file (JSON) in the output folder. The lock file is rewritten atomically
 * when a run starts and ends; in between, each finished map's record is
 * appended to a journal beside it (one JSON line, synced), so the cost per
 * map does not grow with the manifest, and a batch stopped at any point
 * leaves the two together true (a torn last line is ignored). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fontconfig/fontconfig.h>
#include <glib.h>
#include <hb.h>
#include <limits.h>
#include <cairo.h>
#include <pango/pango.h>
#include <png.h>
#include <proj.h>
#include <zlib.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mem-private.h"
#include "core/tempfile-private.h"
#include "output/output-private.h"
#include "spec/yaml-private.h"
#include "batch/batch-private.h"
#include "spec/map-furniture-private.h"
#include "influmap/version.h"

/* The fonts labels and the map's furniture fall back on when none is
 * named (the family in its weights and styles used). */
static const char *const default_fonts[] = {"Noto Sans 7", "Noto Sans Bold 7", "Noto Sans Italic 7"};

typedef struct {
  char *key;   /* a path, or a font description */
  char *value; /* its sha256, or the font's file */
} cache_entry;

struct im_batch_lock {
  pthread_mutex_t mu;
  char *path;     /* the lock file this run writes */
  char *journal;  /* and its journal: path + ".journal" */
  int journal_fd; /* -1: not open */
  char **others;  /* other lock files of the manifest found at open */
  size_t nothers;
  json_t *outputs; /* output -> record */
  cache_entry *hashes, *fonts, *keys;
  size_t nhashes, cap_hashes, nfonts, cap_fonts, nkeys, cap_keys;
  char *base;        /* the real path of the lock file's folder */
  json_t *libraries; /* the versions of the libraries that make the bytes */
  const char *manifest;
  unsigned shard, nshards;
};

struct im_batch_inputs {
  json_t *files;  /* path -> sha256 */
  json_t *params; /* im_batch_job_params */
};

/* ---- hashing ---- */

/* The libraries whose version can change an output's bytes: drawing
 * (Cairo), text (Pango, HarfBuzz' shaping, fontconfig's choices),
 * coordinates (PROJ) and compression (libpng, zlib). A map made by other
 * versions is made again. */
static json_t *library_versions(void) {
  PJ_INFO pj = proj_info();
  return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "cairo", cairo_version_string(), "pango",
                   pango_version_string(), "harfbuzz", hb_version_string(), "proj", pj.release ? pj.release : "?",
                   "fontconfig", FcGetVersion(), "libpng", png_get_libpng_ver(NULL), "zlib", zlibVersion());
}

/* Two inputs objects (path -> sha256) with the same contents, whatever
 * the paths: the same Noto files installed elsewhere (a container image
 * against the machine that makes the atlas) or a tree mounted at another
 * place keep the maps up to date. The spec names its files, so which file
 * plays which part is in the spec's own hash. */
static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static bool same_contents(json_t *a, json_t *b) {
  if (!json_is_object(a) || !json_is_object(b) || json_object_size(a) != json_object_size(b))
    return false;
  size_t n = json_object_size(a);
  const char **va = im_malloc_array(n + 1, sizeof *va), **vb = im_malloc_array(n + 1, sizeof *vb);
  bool same = va && vb;
  size_t i = 0, j = 0;
  const char *key;
  json_t *v;
  json_object_foreach(a, key, v) {
    if (same && i < n)
      va[i++] = json_string_value(v) ? json_string_value(v) : "";
  }
  json_object_foreach(b, key, v) {
    if (same && j < n)
      vb[j++] = json_string_value(v) ? json_string_value(v) : "";
  }
  if (same) {
    qsort(va, n, sizeof *va, cmp_str);
    qsort(vb, n, sizeof *vb, cmp_str);
    for (size_t k = 0; k < n && same; k++)
      same = !strcmp(va[k], vb[k]);
  }
  free(va);
  free(vb);
  return same;
}

bool im_batch_sha256_file(const char *path, char hex[65]) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
  unsigned char buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    g_checksum_update(sum, buf, (gssize)n);
  bool ok = !ferror(f);
  fclose(f);
  if (ok)
    snprintf(hex, 65, "%s", g_checksum_get_string(sum));
  g_checksum_free(sum);
  return ok;
}

static const char *cache_get(const cache_entry *c, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(c[i].key, key))
      return c[i].value;
  return NULL;
}

/* Adds key -> value (copied) unless present; returns the cached value, or
 * NULL when out of memory. Called with the mutex held. */
static const char *cache_put(cache_entry **c, size_t *n, size_t *cap, const char *key, const char *value) {
  for (size_t i = 0; i < *n; i++)
    if (!strcmp((*c)[i].key, key))
      return (*c)[i].value;
  if (!im_grow((void **)c, cap, *n + 1, sizeof **c))
    return NULL;
  cache_entry e = {im_strdup(key), im_strdup(value)};
  if (!e.key || !e.value) {
    free(e.key);
    free(e.value);
    return NULL;
  }
  (*c)[(*n)++] = e;
  return e.value;
}

/* A file's sha256, each file hashed once per run; "missing" when it cannot
 * be read (so that its appearance later is a change). */
static bool file_hash(im_batch_lock *l, const char *path, char hex[65]) {
  pthread_mutex_lock(&l->mu);
  const char *v = cache_get(l->hashes, l->nhashes, path);
  if (v)
    snprintf(hex, 65, "%s", v);
  pthread_mutex_unlock(&l->mu);
  if (v)
    return true;
  if (!im_batch_sha256_file(path, hex))
    snprintf(hex, 65, "missing");
  pthread_mutex_lock(&l->mu);
  bool ok = cache_put(&l->hashes, &l->nhashes, &l->cap_hashes, path, hex) != NULL;
  pthread_mutex_unlock(&l->mu);
  return ok;
}

/* A path as the lock file names it: relative to the lock file's folder
 * when the two share more than the root, so that the lock file holds
 * wherever the tree is mounted and whatever the current folder; else
 * absolute (system fonts). */
static char *relative_key(const char *base, const char *path) {
  char real[PATH_MAX];
  if (!base || !realpath(path, real))
    return im_strdup(path);
  size_t i = 0, last = 0;
  for (; base[i] && base[i] == real[i]; i++)
    if (base[i] == '/')
      last = i;
  if (!base[i] && (real[i] == '/' || !real[i]))
    last = i;
  if (last == 0)
    return im_strdup(real);
  size_t ups = 0;
  for (const char *p = base + last; *p; p++)
    ups += *p == '/';
  const char *rest = real + last + (real[last] == '/');
  size_t n = 3 * ups + strlen(rest) + 2;
  char *out = malloc(n);
  if (!out)
    return NULL;
  out[0] = '\0';
  for (size_t k = 0; k < ups; k++)
    strcat(out, "../");
  strcat(out, rest);
  if (!*out)
    strcpy(out, ".");
  else if (out[strlen(out) - 1] == '/')
    out[strlen(out) - 1] = '\0';
  return out;
}

static const char *lock_key(im_batch_lock *l, const char *path) {
  pthread_mutex_lock(&l->mu);
  const char *v = cache_get(l->keys, l->nkeys, path);
  if (!v) {
    char *key = relative_key(l->base, path);
    v = key ? cache_put(&l->keys, &l->nkeys, &l->cap_keys, path, key) : NULL;
    free(key);
  }
  pthread_mutex_unlock(&l->mu);
  return v;
}

/* The file fontconfig picks for a Pango font description, as the labels
 * would get it; NULL when none. */
static char *match_font(const char *desc) {
  PangoFontDescription *fd = pango_font_description_from_string(desc);
  const char *family = pango_font_description_get_family(fd);
  FcPattern *p = FcPatternCreate();
  char **families = g_strsplit(family && *family ? family : "Noto Sans", ",", -1);
  for (char **f = families; *f; f++)
    FcPatternAddString(p, FC_FAMILY, (const FcChar8 *)g_strstrip(*f));
  g_strfreev(families);
  FcPatternAddInteger(p, FC_WEIGHT, FcWeightFromOpenType((int)pango_font_description_get_weight(fd)));
  PangoStyle style = pango_font_description_get_style(fd);
  FcPatternAddInteger(p, FC_SLANT,
                      style == PANGO_STYLE_ITALIC    ? FC_SLANT_ITALIC
                      : style == PANGO_STYLE_OBLIQUE ? FC_SLANT_OBLIQUE
                                                     : FC_SLANT_ROMAN);
  pango_font_description_free(fd);
  FcConfigSubstitute(NULL, p, FcMatchPattern);
  FcDefaultSubstitute(p);
  FcResult res;
  FcPattern *match = FcFontMatch(NULL, p, &res);
  FcChar8 *file = NULL;
  char *out = NULL;
  if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch)
    out = im_strdup((const char *)file);
  if (match)
    FcPatternDestroy(match);
  FcPatternDestroy(p);
  return out;
}

/* Matched under the mutex: a handful of fonts per run, and fontconfig's
 * own lazy set-up is best not raced. */
static const char *font_file(im_batch_lock *l, const char *desc) {
  pthread_mutex_lock(&l->mu);
  const char *v = cache_get(l->fonts, l->nfonts, desc);
  if (!v) {
    char *file = match_font(desc);
    v = cache_put(&l->fonts, &l->nfonts, &l->cap_fonts, desc, file ? file : "");
    free(file);
  }
  pthread_mutex_unlock(&l->mu);
  return v;
}

/* ---- a job's inputs ---- */

typedef struct {
  im_batch_lock *lock;
  json_t *files;
  bool failed;
} collector;

static void add_file(collector *c, const char *path) {
  if (!path || !*path)
    return;
  const char *key = lock_key(c->lock, path);
  char hex[65];
  if (!key)
    c->failed = true;
  else if (!json_object_get(c->files, key) &&
           (!file_hash(c->lock, path, hex) || json_object_set_new(c->files, key, json_string(hex))))
    c->failed = true;
}

/* A source and, for a shapefile, the files beside it that it is read with. */
static void add_source(collector *c, const char *path) {
  add_file(c, path);
  size_t n = strlen(path);
  if (n < 4 || strcasecmp(path + n - 4, ".shp"))
    return;
  static const char *const exts[] = {"shx", "dbf", "prj", "cpg", "SHX", "DBF", "PRJ", "CPG"};
  char *p = im_strdup(path);
  if (!p) {
    c->failed = true;
    return;
  }
  for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
    memcpy(p + n - 3, exts[i], 3);
    if (im_yaml_file_exists(p))
      add_file(c, p);
  }
  free(p);
}

static void add_style(collector *c, const im_style *st) {
  if (st->marker_symbol == IM_MARKER_ICON && st->marker_icon)
    add_file(c, st->marker_icon);
  if (st->label.font && *st->label.font)
    add_file(c, font_file(c->lock, st->label.font));
}

static void add_font(collector *c, const char *desc) {
  if (desc && *desc)
    add_file(c, font_file(c->lock, desc));
}

/* The legend, scale bar, texts... name fonts, and the inset reads a source. */
static void add_furniture(collector *c, const im_furniture *f) {
  if (!f)
    return;
  const im_text_block *texts[] = {&f->title, &f->subtitle, &f->credits, &f->disclaimer};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
    add_font(c, texts[i]->font);
  add_font(c, f->legend.font);
  add_font(c, f->legend.title_font);
  add_font(c, f->scalebar.font);
  add_font(c, f->north_arrow.font);
  add_font(c, f->graticule.font);
  if (f->inset.enabled && f->inset.source)
    add_source(c, f->inset.source);
}

im_status im_batch_inputs_of(im_batch_lock *lock, const im_manifest *m, const im_batch_job *job, const im_map *map,
                             im_batch_inputs **out, im_error *err) {
  *out = NULL;
  collector c = {.lock = lock, .files = json_object()};
  im_batch_inputs *in = calloc(1, sizeof *in);
  if (!in || !c.files)
    goto oom;
  for (size_t i = 0; i < map->nfiles; i++)
    add_file(&c, map->files[i]);
  for (size_t i = 0; i < map->nlayers; i++) {
    const im_layer_style *l = &map->layers[i];
    if (!l->memory) /* no file: a batch's render of it fails, nothing bound */
      add_source(&c, l->source);
    for (size_t k = 0; k < l->naggregates; k++)
      if (l->aggregates[k].source)
        add_source(&c, l->aggregates[k].source); /* a count changes with the file counted */
    for (size_t k = 0; k < l->njoins; k++)
      if (l->joins[k].source)
        add_source(&c, l->joins[k].source);
    add_style(&c, &l->style);
    for (size_t k = 0; k < l->nrules; k++)
      add_style(&c, &l->rules[k].style);
    for (size_t k = 0; k < l->nclasses; k++)
      for (size_t v = 0; v < l->classes[k].nvalues; v++)
        add_style(&c, &l->classes[k].values[v].style);
  }
  add_furniture(&c, map->furniture);
  for (size_t i = 0; i < sizeof default_fonts / sizeof default_fonts[0]; i++)
    add_font(&c, default_fonts[i]);
  if (m->extent_kind == IM_BATCH_EXTENT_FEATURE)
    add_source(&c, m->ext_source);
  if (c.failed || !(in->params = im_batch_job_params(m, job)))
    goto oom;
  /* Paths in the parameters, as in the inputs. */
  const char *base = lock_key(lock, job->base);
  json_t *extent = json_object_get(in->params, "extent");
  const char *source = m->ext_source ? lock_key(lock, m->ext_source) : NULL;
  if (!base || json_object_set_new(in->params, "base", json_string(base)) ||
      (json_is_object(extent) && (!source || json_object_set_new(extent, "source", json_string(source)))))
    goto oom;
  in->files = c.files;
  *out = in;
  return IM_STATUS_OK;
oom:
  json_decref(c.files);
  free(in);
  return im_error_set(err, IM_STATUS_INTERNAL, job->path, 0, 0, "out of memory");
}

void im_batch_inputs_free(im_batch_inputs *in) {
  if (!in)
    return;
  json_decref(in->files);
  json_decref(in->params);
  free(in);
}

/* ---- temporary files and folders ---- */

im_status im_batch_make_dirs(const char *dir, im_error *err) {
  if (!*dir)
    return IM_STATUS_OK;
  char *p = im_strdup(dir);
  if (!p)
    return im_error_set(err, IM_STATUS_INTERNAL, dir, 0, 0, "out of memory");
  for (char *s = p + 1;; s++) {
    if (*s && *s != '/')
      continue;
    char c = *s;
    *s = '\0';
    struct stat st;
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
      int e = errno;
      free(p);
      return im_error_set(err, IM_STATUS_IO, dir, 0, 0, "cannot create the folder: %s", strerror(e));
    }
    if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
      im_error_set(err, IM_STATUS_IO, dir, 0, 0, "cannot create the folder: %s is not a folder", p);
      free(p);
      return IM_STATUS_IO;
    }
    if (!c)
      break;
    *s = c;
  }
  free(p);
  return IM_STATUS_OK;
}

void im_batch_remove_stale_temps(const char *const *paths, size_t n) {
  /* Each folder is read once, however many outputs it holds. */
  json_t *dirs = json_object();
  for (size_t i = 0; dirs && i < n; i++) {
    const char *slash = strrchr(paths[i], '/');
    char *dir = slash ? im_strndup(paths[i], (size_t)(slash - paths[i]) + (slash == paths[i])) : im_strdup(".");
    json_t *names = dir ? json_object_get(dirs, dir) : NULL;
    if (dir && !names && !json_object_set_new(dirs, dir, json_object()))
      names = json_object_get(dirs, dir);
    if (names)
      json_object_set_new(names, slash ? slash + 1 : paths[i], json_true());
    free(dir);
  }
  const char *dir;
  json_t *names;
  json_object_foreach(dirs, dir, names) {
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      size_t len;
      long pid;
      char name[NAME_MAX + 1];
      /* Only our outputs' files, of processes gone from this machine: a
       * shard on another machine writes other outputs. */
      if (!im_tempfile_parse(e->d_name, &len, &pid) || len > NAME_MAX || pid == (long)getpid() ||
          !(kill((pid_t)pid, 0) != 0 && errno == ESRCH))
        continue;
      memcpy(name, e->d_name + 1, len);
      name[len] = '\0';
      if (!json_object_get(names, name))
        continue;
      size_t plen = strlen(dir) + strlen(e->d_name) + 2;
      char *p = malloc(plen);
      if (p) {
        snprintf(p, plen, "%s/%s", dir, e->d_name);
        unlink(p);
        free(p);
      }
    }
    if (d)
      closedir(d);
  }
  json_decref(dirs);
}

/* ---- the lock file ---- */

/* The manifest's name without its folder and .yaml. */
static char *stem(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  size_t n = strlen(name);
  if (n > 5 && !strcasecmp(name + n - 5, ".yaml"))
    n -= 5;
  else if (n > 4 && !strcasecmp(name + n - 4, ".yml"))
    n -= 4;
  return im_strndup(name, n);
}

const char *im_manifest_lock_path(im_manifest *m, unsigned k, unsigned n) {
  char *s = stem(m->path);
  if (!s)
    return NULL;
  size_t len = strlen(m->lock_dir) + strlen(s) + 64;
  char *p = malloc(len);
  if (p && n > 1)
    snprintf(p, len, "%s/%s.influmap.shard-%u-of-%u.lock", m->lock_dir, s, k, n);
  else if (p)
    snprintf(p, len, "%s/%s.influmap.lock", m->lock_dir, s);
  free(s);
  free(m->lock_path);
  m->lock_path = p;
  return p;
}

/* Writes the lock file whole. Called with the mutex held (or before the
 * workers start). */
static im_status save_locked(im_batch_lock *l, im_error *err) {
  char shard[64] = "";
  if (l->nshards > 1)
    snprintf(shard, sizeof shard, "%u/%u", l->shard, l->nshards);
  json_t *doc = json_pack("{s:s, s:s, s:s?, s:O}", "influmap", IM_VERSION_STRING, "manifest", l->manifest, "shard",
                          *shard ? shard : NULL, "outputs", l->outputs);
  char *text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
  json_decref(doc);
  if (!text)
    return im_error_set(err, IM_STATUS_INTERNAL, l->path, 0, 0, "out of memory");
  im_output o;
  im_status st = im_output_open(&o, l->path, err);
  if (!st) {
    size_t len = strlen(text);
    im_output_write(&o, (const unsigned char *)text, (unsigned)len);
    im_output_write(&o, (const unsigned char *)"\n", 1);
    st = im_output_commit(&o, err);
  }
  free(text);
  return st;
}

/* 1: a lock file of the manifest called s (whole or a shard's), 2: its
 * journal, 0: neither. */
static int lock_name_kind(const char *f, const char *s) {
  size_t sl = strlen(s), fl = strlen(f);
  if (fl <= sl || strncmp(f, s, sl))
    return 0;
  f += sl;
  unsigned a, b;
  int used = 0;
  if (!strncmp(f, ".influmap.lock", 14))
    used = 14;
  else if (sscanf(f, ".influmap.shard-%u-of-%u.lock%n", &a, &b, &used) != 2)
    return 0;
  return !f[used] ? 1 : !strcmp(f + used, ".journal") ? 2 : 0;
}

/* For each output of this run, the newest record wins. */
static void merge_record(im_batch_lock *l, const char *key, json_t *rec, json_t *wanted) {
  if (!key || !json_object_get(wanted, key) || !json_is_object(rec))
    return;
  json_t *old = json_object_get(l->outputs, key);
  if (!old || json_number_value(json_object_get(rec, "written")) > json_number_value(json_object_get(old, "written")))
    json_object_set(l->outputs, key, rec);
}

static void merge(im_batch_lock *l, const char *path, json_t *wanted) {
  json_error_t je;
  json_t *doc = json_load_file(path, 0, &je);
  json_t *outputs = doc ? json_object_get(doc, "outputs") : NULL;
  if (!json_is_object(outputs)) {
    im_warn("%s: %s; ignored: the maps it covers are checked again", path, doc ? "not an influmap lock file" : je.text);
    json_decref(doc);
    return;
  }
  const char *key;
  json_t *rec;
  json_object_foreach(outputs, key, rec) merge_record(l, key, rec, wanted);
  json_decref(doc);
}

/* One {"output", "record"} per line; a line a killed batch did not finish
 * does not parse and is skipped. */
static void merge_journal(im_batch_lock *l, const char *path, json_t *wanted) {
  FILE *f = fopen(path, "rb");
  char *line = NULL;
  size_t cap = 0;
  while (f && getline(&line, &cap, f) > 0) {
    json_t *entry = json_loads(line, 0, NULL);
    merge_record(l, json_string_value(json_object_get(entry, "output")), json_object_get(entry, "record"), wanted);
    json_decref(entry);
  }
  free(line);
  if (f)
    fclose(f);
}

im_status im_batch_lock_open(im_manifest *m, unsigned k, unsigned n, im_batch_lock **out, im_error *err) {
  *out = NULL;
  im_batch_lock *l = calloc(1, sizeof *l);
  const char *path = im_manifest_lock_path(m, k, n);
  char *s = stem(m->path);
  json_t *wanted = json_object();
  size_t jlen = path ? strlen(path) + 9 : 0;
  if (l)
    l->journal_fd = -1;
  if (!l || !path || !s || !wanted || !(l->path = im_strdup(path)) || !(l->outputs = json_object()) ||
      !(l->journal = malloc(jlen))) {
    free(s);
    json_decref(wanted);
    im_batch_lock_free(l);
    return im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
  }
  snprintf(l->journal, jlen, "%s.journal", path);
  pthread_mutex_init(&l->mu, NULL);
  /* Before the workers start: fontconfig reads its configuration once. */
  FcInit();
  l->manifest = m->path;
  l->shard = k, l->nshards = n;
  for (size_t i = 0; i < m->njobs; i++)
    if (im_batch_job_in_shard(&m->jobs[i], k, n))
      json_object_set_new(wanted, m->jobs[i].output, json_true());
  im_status st = im_batch_make_dirs(m->lock_dir, err);
  DIR *d = st ? NULL : opendir(m->lock_dir);
  struct dirent *e;
  size_t cap = 0;
  while (d && (e = readdir(d))) {
    int kind = lock_name_kind(e->d_name, s);
    if (!kind)
      continue;
    size_t len = strlen(m->lock_dir) + strlen(e->d_name) + 2;
    char *p = malloc(len);
    if (!p)
      continue;
    snprintf(p, len, "%s/%s", m->lock_dir, e->d_name);
    if (kind == 1)
      merge(l, p, wanted);
    else
      merge_journal(l, p, wanted);
    if (strcmp(p, l->path) && strcmp(p, l->journal) &&
        im_grow((void **)&l->others, &cap, l->nothers + 1, sizeof *l->others))
      l->others[l->nothers++] = p;
    else
      free(p);
  }
  if (d)
    closedir(d);
  free(s);
  json_decref(wanted);
  if (st) {
    im_batch_lock_free(l);
    return st;
  }
  l->base = realpath(m->lock_dir, NULL);
  if (!(l->libraries = library_versions())) {
    im_batch_lock_free(l);
    return im_error_set(err, IM_STATUS_INTERNAL, m->path, 0, 0, "out of memory");
  }
  im_batch_remove_stale_temps((const char *const *)&l->path, 1);
  /* Everything read so far goes into the lock file; then the journal starts
   * empty. Killed in between, the journal's lines are read twice: no harm. */
  if ((st = save_locked(l, err))) {
    im_batch_lock_free(l);
    return st;
  }
  l->journal_fd = open(l->journal, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
  if (l->journal_fd < 0) {
    st = im_error_set(err, IM_STATUS_IO, l->journal, 0, 0, "cannot write: %s", strerror(errno));
    im_batch_lock_free(l);
    return st;
  }
  *out = l;
  return IM_STATUS_OK;
}

void im_batch_lock_free(im_batch_lock *l) {
  if (!l)
    return;
  for (size_t i = 0; i < l->nhashes; i++) {
    free(l->hashes[i].key);
    free(l->hashes[i].value);
  }
  for (size_t i = 0; i < l->nfonts; i++) {
    free(l->fonts[i].key);
    free(l->fonts[i].value);
  }
  for (size_t i = 0; i < l->nkeys; i++) {
    free(l->keys[i].key);
    free(l->keys[i].value);
  }
  free(l->keys);
  free(l->base);
  for (size_t i = 0; i < l->nothers; i++)
    free(l->others[i]);
  free(l->others);
  free(l->hashes);
  free(l->fonts);
  json_decref(l->outputs);
  json_decref(l->libraries);
  if (l->journal_fd >= 0)
    close(l->journal_fd);
  if (l->path && l->journal)
    pthread_mutex_destroy(&l->mu);
  free(l->journal);
  free(l->path);
  free(l);
}

static long long mtime_ns(const struct stat *st) {
  return (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

bool im_batch_lock_fresh(im_batch_lock *l, const im_batch_job *job, const im_batch_inputs *in) {
  pthread_mutex_lock(&l->mu);
  json_t *rec = json_object_get(l->outputs, job->output);
  const char *version = json_string_value(json_object_get(rec, "influmap"));
  bool same = rec && version && !strcmp(version, IM_VERSION_STRING) &&
              json_equal(json_object_get(rec, "libraries"), l->libraries) &&
              same_contents(json_object_get(rec, "inputs"), in->files) &&
              json_equal(json_object_get(rec, "params"), in->params);
  char want[65] = "";
  long long size = 0, mtime = 0;
  if (same) {
    const char *sha = json_string_value(json_object_get(rec, "sha256"));
    snprintf(want, sizeof want, "%s", sha ? sha : "");
    size = json_integer_value(json_object_get(rec, "size"));
    mtime = json_integer_value(json_object_get(rec, "mtime_ns"));
  }
  pthread_mutex_unlock(&l->mu);
  struct stat st;
  if (!same || stat(job->path, &st) != 0 || !S_ISREG(st.st_mode))
    return false;
  /* The output as recorded: unchanged size and time are taken at their
   * word; otherwise its content decides. */
  if ((long long)st.st_size == size && mtime_ns(&st) == mtime)
    return true;
  char have[65];
  return im_batch_sha256_file(job->path, have) && !strcmp(have, want);
}

im_status im_batch_lock_record(im_batch_lock *l, const im_batch_job *job, im_batch_inputs *in, im_error *err) {
  char hex[65];
  struct stat st;
  if (!im_batch_sha256_file(job->path, hex) || stat(job->path, &st) != 0) {
    im_batch_inputs_free(in);
    return im_error_set(err, IM_STATUS_IO, job->path, 0, 0, "cannot read back: %s", strerror(errno));
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  json_t *rec =
      json_pack("{s:o, s:o, s:s, s:O, s:s, s:I, s:I, s:f}", "inputs", in->files, "params", in->params, "influmap",
                IM_VERSION_STRING, "libraries", l->libraries, "sha256", hex, "size", (json_int_t)st.st_size, "mtime_ns",
                (json_int_t)mtime_ns(&st), "written", now.tv_sec + now.tv_nsec / 1e9);
  /* json_pack's "o" took both references, even on failure. */
  in->files = in->params = NULL;
  im_batch_inputs_free(in);
  if (!rec)
    return im_error_set(err, IM_STATUS_INTERNAL, job->path, 0, 0, "out of memory");
  json_t *entry = json_pack("{s:s, s:O}", "output", job->output, "record", rec);
  char *line = entry ? json_dumps(entry, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(entry);
  if (!line) {
    json_decref(rec);
    return im_error_set(err, IM_STATUS_INTERNAL, job->path, 0, 0, "out of memory");
  }
  size_t len = strlen(line);
  line[len] = '\n'; /* over the NUL: the line is written by its length */
  pthread_mutex_lock(&l->mu);
  json_object_set_new(l->outputs, job->output, rec);
  /* One write of the whole line (O_APPEND), then synced: the record is on
   * disk before the map is reported done. */
  ssize_t w = write(l->journal_fd, line, len + 1);
  int e = 0;
  if (w < 0)
    e = errno;
  else if (w != (ssize_t)(len + 1))
    e = ENOSPC;
  else if (fsync(l->journal_fd) != 0 && errno != EINVAL)
    e = errno;
  pthread_mutex_unlock(&l->mu);
  free(line);
  if (e)
    return im_error_set(err, IM_STATUS_IO, l->journal, 0, 0, "cannot write: %s", strerror(e));
  return IM_STATUS_OK;
}

im_status im_batch_lock_save(im_batch_lock *l, im_error *err) {
  pthread_mutex_lock(&l->mu);
  im_status st = save_locked(l, err);
  /* The lock file now holds every record: the journal is done with. */
  if (!st && l->journal_fd >= 0) {
    close(l->journal_fd);
    l->journal_fd = -1;
    unlink(l->journal);
  }
  pthread_mutex_unlock(&l->mu);
  return st;
}

void im_batch_lock_drop_shards(im_batch_lock *l) {
  for (size_t i = 0; i < l->nothers; i++)
    unlink(l->others[i]);
}
