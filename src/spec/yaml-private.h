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
} im_yaml_reader;

/* Parses a YAML file (or text, when text != NULL) into a document; a syntax
 * error is reported at its line:column. Free with fy_document_destroy. */
im_status im_yaml_load(const char *path, const char *text, size_t len, struct fy_document **out, im_error *err);

im_spec_pos im_yaml_pos(struct fy_node *n);
im_status im_yaml_fail(im_yaml_reader *r, struct fy_node *at, const char *fmt, ...)
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

/* A path written in the file at from_file: relative to that file's folder,
 * else to the current folder. Returns a new string. */
/* Whether root is recognisably the file it should be (a spec, a style
 * sheet, a manifest): a mapping with at least one of the top-level keys in
 * known (NULL-terminated). Until it is, no message quotes the file: a
 * path given by mistake or by malice (include: /etc/shadow) must not have
 * its first line printed as an "unknown key". Fails with a message that
 * names what was expected and quotes nothing. */
im_status im_yaml_recognise(im_yaml_reader *r, struct fy_node *root, const char *what, const char *const *known);

char *im_yaml_resolve_path(const char *from_file, const char *rel);
bool im_yaml_file_exists(const char *path);

#endif
