/* Reading YAML specs with libfyaml: typed values with their positions, and
 * mappings checked key by key, so every mistake is reported once at its own
 * file:line:column. Shared by the spec, style sheets and (later) manifests. */
#ifndef IM_YAML_PRIVATE_H
#define IM_YAML_PRIVATE_H

#include <libfyaml.h>
#include <stdbool.h>

#include "influmap/error.h"
#include "spec/map-private.h"
#include "influmap/units.h"

typedef struct {
  const char *file; /* the YAML file being read (for messages and paths) */
  im_error *err;
  /* Not NULL: every IM_STATUS_INPUT error is added here and reading goes
   * on with the next key, layer or section (im_yaml_read_on), so that one
   * load finds them all; err holds the last one. */
  im_error_list *errors;
} im_yaml_reader;

/* After a call that failed with *st: when r collects errors and *st is
 * IM_STATUS_INPUT, adds r->err to the list, sets *failed and *st to OK
 * and returns true (read on). Otherwise returns false: stop and return *st
 * (IM_STATUS_INTERNAL if the list could not grow). */
bool im_yaml_read_on(im_yaml_reader *r, im_status *st, bool *failed);
/* What a collecting read returns when it read on past errors:
 * IM_STATUS_INPUT, with r->err the last error recorded (so a caller that
 * records it again adds nothing). */
im_status im_yaml_failed(im_yaml_reader *r);

/* Parses a YAML file (or text, when text != NULL) into a document; a syntax
 * error is reported at its line:column. Free with fy_document_destroy. */
im_status im_yaml_load(const char *path, const char *text, size_t len, struct fy_document **out, im_error *err);

im_spec_pos im_yaml_pos(struct fy_node *n);
/* An IM_STATUS_INPUT error at the node (code IM_E_BAD_VALUE); the
 * second with code IM_E_FIELD_MISSING: a key that must be in the mapping
 * at is not. */
im_status im_yaml_fail(im_yaml_reader *r, struct fy_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
im_status im_yaml_missing(im_yaml_reader *r, struct fy_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Follows aliases (*name) to the node they stand for. */
struct fy_node *im_yaml_deref(struct fy_node *n);

bool im_yaml_is_scalar(struct fy_node *n);
im_status im_yaml_scalar(im_yaml_reader *r, struct fy_node *n, const char *what, const char **out);
im_status im_yaml_string(im_yaml_reader *r, struct fy_node *n, const char *what, char **out);
im_status im_yaml_number(im_yaml_reader *r, struct fy_node *n, const char *what, double lo, double hi, double *out);
im_status im_yaml_length(im_yaml_reader *r, struct fy_node *n, const char *what, im_unit def, im_length *out);
im_status im_yaml_color(im_yaml_reader *r, struct fy_node *n, const char *what, im_color *out);
im_status im_yaml_bool(im_yaml_reader *r, struct fy_node *n, const char *what, bool *out);
/* One of choices (NULL-terminated); *out gets its index. */
im_status im_yaml_choice(im_yaml_reader *r, struct fy_node *n, const char *what, const char *const *choices, int *out);

typedef im_status (*im_yaml_pair_fn)(im_yaml_reader *r, const char *key, struct fy_node *key_node,
                                     struct fy_node *value, void *ctx);
/* Calls fn for each pair of a mapping after checking its key against
 * allowed (NULL-terminated): an unknown key is an error at the key, with
 * "did you mean" when a known key is close. */
im_status im_yaml_each_pair(im_yaml_reader *r, struct fy_node *map, const char *what, const char *const *allowed,
                            im_yaml_pair_fn fn, void *ctx);

/* Whether root is recognisably the file it should be (a spec, a style
 * sheet, a manifest): a mapping with at least one of the top-level keys in
 * known (NULL-terminated). Until it is, no message quotes the file: a
 * path given by mistake or by malice (include: /etc/shadow) must not have
 * its first line printed as an "unknown key". Fails with a message that
 * names what was expected and quotes nothing. */
im_status im_yaml_recognise(im_yaml_reader *r, struct fy_node *root, const char *what, const char *const *known);

/* A path written in the file at from_file: relative to that file's folder,
 * else to the current folder (or the context's base folder, context.h,
 * which a relative from_file starts from too). Returns a new string. */
char *im_yaml_resolve_path(const char *from_file, const char *rel);
/* The same for a path written in r's file at line:column, through the
 * host's resolver when its context has one (context.h), so a host
 * decides which files a spec reads. Returns a new string, or NULL with
 * r->err set: refused (IM_STATUS_INPUT, IM_E_REFUSED, naming what and
 * rel), or out of memory. */
char *im_yaml_resolve(im_yaml_reader *r, int line, int column, const char *what, const char *rel);
bool im_yaml_file_exists(const char *path);

#endif
