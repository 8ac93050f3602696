/* What a loaded map spec is made of (struct im_map and the spec model of
 * its layers, classes, rules and small multiples): read by every folder
 * from spec up, never by a host, which holds an opaque im_map
 * (influmap/map.h). Everything is owned by the map. */
#ifndef IM_MAP_PRIVATE_H
#define IM_MAP_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "influmap/context.h"
#include "influmap/map.h"
#include "influmap/units.h"
#include "spec/style-private.h"

struct im_filter;

/* A layer's source: written so, it is no file but a layer the host binds
 * to the layer's id (im_map_bind_layer). */
#define IM_SOURCE_MEMORY "memory"

/* A where: expression, as written and as parsed. */
typedef struct {
  char *text;       /* NULL: no filter */
  const char *file; /* the YAML file it is written in (owned by the map) */
  im_spec_pos pos;
  struct im_filter *filter; /* parsed; bound to a layer's fields when drawn */
} im_where;

typedef struct {
  im_where where;
  im_style style;              /* only what the rule sets */
  double min_scale, max_scale; /* scale denominators; 0 = no limit */
  im_spec_pos pos;
} im_rule;

typedef enum { IM_CLASSES_NONE, IM_CLASSES_CATEGORICAL, IM_CLASSES_GRADUATED } im_classes_kind;

typedef enum {
  IM_BREAKS_GIVEN = -1, /* breaks written in the spec */
  /* otherwise an im_breaks_method (classify.h) */
} im_breaks_given;

typedef struct {
  char *value;    /* categorical: the field value; graduated: unused */
  im_style style; /* what this class sets (e.g. marker symbol) */
  im_spec_pos pos;
} im_class_style;

/* A class's own text in the legend (classes: labels:): by value
 * (categorical, value set) or by position (graduated, value NULL). */
typedef struct {
  char *value;
  char *text;
} im_class_label;

typedef struct {
  im_classes_kind kind;
  char *field;
  const char *file;
  im_spec_pos field_pos;
  char *palette; /* categorical: a built-in or spec palette */
  im_spec_pos palette_pos;
  char *ramp; /* graduated: a ColorBrewer ramp */
  bool reverse;
  int method;     /* IM_BREAKS_GIVEN or an im_breaks_method */
  size_t count;   /* classes to compute */
  double *breaks; /* given breaks (nbreaks) */
  size_t nbreaks;
  bool apply_fill, apply_stroke; /* which colour the class sets */
  im_class_style *values;        /* per-value styles (symbols, ...) */
  size_t nvalues;
  im_class_label *labels; /* labels: the legend's text for classes */
  size_t nlabels;
  bool has_no_data;
  im_style no_data; /* no_data: the style of features with no value (null, empty, not a number) */
  int decimals;     /* format: decimals of graduated bounds in the legend; -1: automatic */
  char *unit;       /* format: unit: after each number ("%", " km"); NULL: none */
} im_classes;

/* aggregate: a field computed for each polygon of a layer from the features
 * of another source (or layer) that fall in it: how many, or the sum, mean,
 * least or greatest of one of their fields (docs/style-language.md,
 * "Aggregates"). */
typedef enum { IM_AGG_COUNT, IM_AGG_SUM, IM_AGG_MEAN, IM_AGG_MIN, IM_AGG_MAX } im_agg_op;

typedef struct {
  char *name;   /* the new field */
  char *source; /* resolved path; NULL when layer is given */
  char *layer;  /* another layer's id: its source, and its where: too */
  im_agg_op op;
  char *field; /* summed, averaged, ...; NULL for count */
  im_where where;
  const char *file; /* the YAML file it is written in (owned by the map) */
  im_spec_pos pos, source_pos, layer_pos, field_pos;
} im_aggregate;

/* join: the rows of a table (CSV, GeoJSON, a shapefile's attributes) or of
 * another layer attached to a layer's features by a key
 * (docs/style-language.md, "Joins"). */
typedef struct {
  char *source;  /* resolved path; NULL when layer is given */
  char *layer;   /* another layer's id: its source's attributes */
  char *on;      /* the layer's key field */
  char *key;     /* the table's key field; NULL: the same name as on */
  char **fields; /* the table's fields attached; NULL: all but the key */
  size_t nfields;
  const char *file;
  im_spec_pos pos, source_pos, layer_pos, on_pos, key_pos, fields_pos;
} im_join;

typedef struct {
  char *id;
  char *source; /* resolved path; "memory" (not a path) when memory */
  im_spec_pos source_pos, pos;
  bool memory;     /* source: memory: drawn only from a layer the host binds */
  im_layer *bound; /* the host's layer drawn in place of the source
                               (im_map_bind_layer), owned by the map; NULL: none */
  im_where where;
  im_style style; /* defaults <- named styles <- the layer's own properties */
  im_rule *rules; /* in order; all that match apply, later ones win */
  size_t nrules;
  im_classes *classes; /* applied in order (e.g. colour by actor, then symbol by category) */
  size_t nclasses;
  char *z_field; /* draw order within the layer, ascending */
  im_spec_pos z_pos;
  double min_scale, max_scale; /* scale denominators; 0 = no limit */
  bool geodesic;               /* lines are drawn as geodesics (also per feature: route) */
  bool schema_events;          /* schema: events — checked against the influence-event schema */
  bool legend_hide;            /* legend: false — never listed in the legend */
  char *legend_label;          /* legend: "Label" — its entry's text when it has no classes */
  im_join *joins;              /* fields attached from tables, in order, before the aggregates */
  size_t njoins;
  im_aggregate *aggregates; /* fields added to each feature before anything else reads them */
  size_t naggregates;
} im_layer_style;

typedef struct {
  char *value;
  im_color color;
} im_palette_entry;

typedef struct {
  char *name;
  im_palette_entry *entries;
  size_t nentries;
} im_spec_palette;

/* Owned whole by the map; free with im_map_free. */
struct im_map {
  char *path;      /* the spec file */
  im_context *ctx; /* the context it was loaded in (a reference), or NULL */
  char *title;
  im_length width, height;
  double dpi;
  char *crs;
  im_spec_pos crs_pos;
  im_extent extent;
  im_color background;    /* alpha 0: transparent */
  im_color outline_color; /* the projection's outline (render/globe.c); alpha 0: not drawn */
  im_length outline_width;
  char *period_from, *period_to; /* ISO dates; NULL = open (map: period: {from, to}) */
  im_spec_pos period_pos;
  size_t nlayers;
  im_layer_style *layers;
  im_spec_palette *palettes;
  size_t npalettes;
  char **files; /* every YAML file read (the spec, then included sheets) */
  size_t nfiles;
  struct im_furniture *furniture; /* legend, scale bar, ..., margins (furniture.h); NULL: none */
  struct im_multiples *multiples; /* small multiples (below); NULL: one map on the page */
};

/* ---- Small multiples (multiples: in a spec; docs/style-language.md,
 * "Small multiples"): the page is a grid of panels, each the map with a few
 * things changed (title, filters, time window, extent), sharing one legend.
 * Owned by the map. ---- */

/* A filter a panel adds to a layer's where: (as a batch manifest's where:
 * does); layer NULL: to every layer with schema: events. */
typedef struct {
  char *layer;
  im_spec_pos layer_pos;
  char *expr;
  im_spec_pos pos; /* of expr's first character */
} im_panel_where;

typedef struct {
  char *title; /* drawn above the panel's frame; NULL: none */
  im_spec_pos pos;
  im_panel_where *wheres;
  size_t nwheres;
  bool has_period;               /* period: written; an end not written stays the map's */
  char *period_from, *period_to; /* ISO dates; NULL: the map's */
  bool has_extent;
  im_extent extent; /* replaces the map's when has_extent */
} im_panel;

typedef enum {
  IM_MULTIPLES_LEGEND_OUTSIDE, /* beside the grid, at the legend's position */
  IM_MULTIPLES_LEGEND_CELL,    /* in the grid's last cell, which no panel takes */
} im_multiples_legend;

typedef struct im_multiples {
  int columns, rows; /* rows as written, else as many as the panels need */
  im_length gap;     /* between cells */
  char *title_font;  /* of the panels' titles; NULL: Noto Sans Bold 8.5 */
  im_color title_color;
  im_multiples_legend legend;
  im_panel *panels;
  size_t npanels;
  const char *file; /* the YAML file it is written in (owned by the map) */
  im_spec_pos pos;
} im_multiples;

/* A palette the spec defines, or NULL. */
const im_spec_palette *im_map_palette(const im_map *map, const char *name);
/* The layer with that id, or NULL. Owned by the map. */
im_layer_style *im_map_layer(im_map *map, const char *id);

/* True when path is a file the map is made from (the spec and its
 * includes, a source and the files read beside a shapefile, an icon, the
 * inset's source): the same file, by device and inode, whatever the path
 * says. A render must not write over one (`-o spec.yaml --format png`). */
bool im_map_reads_file(const im_map *map, const char *path);
/* The bytes of the files the visible layers draw (a shapefile's .shp, each
 * file once per layer that draws it): what a render's drawing grows with,
 * known before any is read. A host's bound layer counts nothing. */
uint64_t im_map_source_bytes(const im_map *map);

#endif
