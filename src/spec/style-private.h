/* influmap — the style model: markers, lines, fills, labels.
 *
 * A style is a set of properties, each present or not, so that rules and
 * named styles can override some and inherit the rest. The spec reader
 * (src/spec) fills these; the drawing code (src/render) reads them. All
 * strings are owned by the style; free with im_style_clear. */
#ifndef IM_STYLE_PRIVATE_H
#define IM_STYLE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "influmap/map.h"
#include "influmap/units.h"

typedef enum {
  IM_MARKER_CIRCLE,
  IM_MARKER_SQUARE,
  IM_MARKER_TRIANGLE,
  IM_MARKER_DIAMOND,
  IM_MARKER_STAR,
  IM_MARKER_CROSS,
  IM_MARKER_PIN,  /* a map pin whose tip is on the point */
  IM_MARKER_ICON, /* a user SVG file (icon), drawn with librsvg */
} im_marker_symbol;

typedef enum { IM_CAP_BUTT, IM_CAP_ROUND, IM_CAP_SQUARE } im_line_cap;
typedef enum { IM_JOIN_MITER, IM_JOIN_ROUND, IM_JOIN_BEVEL } im_line_join;

typedef enum {
  IM_ARROW_NONE = 0,
  IM_ARROW_END = 1,   /* at the last vertex */
  IM_ARROW_START = 2, /* at the first vertex */
  IM_ARROW_BOTH = 3,
} im_arrow;

typedef enum { IM_CASE_NONE, IM_CASE_UPPER, IM_CASE_LOWER, IM_CASE_TITLE } im_text_case;

/* A point label's numbered key (label: key:): none; auto, a number at the
 * mark and the text in the map's key block when the text fits nowhere;
 * all, every label of the layer so. Only on a map with a key: block. */
typedef enum { IM_LABEL_KEY_NONE, IM_LABEL_KEY_AUTO, IM_LABEL_KEY_ALL } im_label_key;

#define IM_MAX_DASH 8

/* Which members of im_style are set (a bit each). */
enum {
  IM_STYLE_FILL = 1u << 0,
  IM_STYLE_STROKE_COLOR = 1u << 1,
  IM_STYLE_STROKE_WIDTH = 1u << 2,
  IM_STYLE_DASH = 1u << 3,
  IM_STYLE_CAP = 1u << 4,
  IM_STYLE_JOIN = 1u << 5,
  IM_STYLE_CASING = 1u << 6,
  IM_STYLE_ARROW = 1u << 7,
  IM_STYLE_HATCH = 1u << 8,
  IM_STYLE_OPACITY = 1u << 9,
  IM_STYLE_VISIBLE = 1u << 10,
  IM_STYLE_MARKER_SYMBOL = 1u << 11,
  IM_STYLE_MARKER_SIZE = 1u << 12,
  IM_STYLE_LABEL = 1u << 13, /* label.text (and with it the label block) */
  IM_STYLE_FONT = 1u << 14,
  IM_STYLE_LABEL_COLOR = 1u << 15,
  IM_STYLE_HALO = 1u << 16,
  IM_STYLE_TEXT_CASE = 1u << 17,
  IM_STYLE_LEADER = 1u << 18,
  IM_STYLE_STROKE = 1u << 19, /* stroke: none given explicitly clears it */
  IM_STYLE_DISPLACE = 1u << 20,
  IM_STYLE_LABEL_REQUIRED = 1u << 21,
  IM_STYLE_LABEL_SHORT = 1u << 22,
  IM_STYLE_LABEL_KEY = 1u << 23,
  IM_STYLE_MARKER_SCALE = 1u << 24, /* marker_scale (and with it the marker size) */
};

typedef struct {
  unsigned set; /* IM_STYLE_* bits */

  /* Polygons: fill; also the fill of markers. alpha 0 = no fill. */
  im_color fill;
  /* Hatching over the fill: parallel lines. */
  struct {
    im_color color;
    im_length spacing, width;
    double angle; /* degrees, 0 = horizontal, counter-clockwise */
  } hatch;

  /* Lines and outlines. */
  im_color stroke_color;
  im_length stroke_width;
  size_t ndash;
  im_length dash[IM_MAX_DASH]; /* on, off, on, off ... */
  im_line_cap cap;
  im_line_join join;
  struct {
    im_color color;
    im_length width; /* total width of the casing drawn under the line */
  } casing;
  im_arrow arrow;
  im_length arrow_size;

  double opacity; /* 0..1 for the whole feature */
  bool visible;

  /* Markers for points (and label anchors). */
  im_marker_symbol marker_symbol;
  char *marker_icon;     /* SVG path, resolved, when marker_symbol == IM_MARKER_ICON */
  im_length marker_size; /* overall size: diameter, side, icon height */
  /* Proportional symbols (marker: size: {field, max, max_value}): the
   * marker's AREA is proportional to the field's value, max_value (0: the
   * largest value of the features drawn) drawn max wide. field NULL: a
   * fixed size. Read from the layer's own style (named styles included),
   * like displace: the scale is one per layer, so its legend holds. file
   * and pos say where field is written (file owned by the map). */
  struct {
    char *field;
    im_length max;
    double max_value;
    const char *file;
    im_spec_pos pos;
  } marker_scale;
  /* Points of a layer nearer each other than distance on the page are
   * drawn round their common place on a ring (spacing between marks along
   * it) with a thin leader to it, as QGIS's point displacement does, so no
   * mark hides another. Read from the layer's own style (named styles
   * included); distance 0: off. */
  struct {
    im_length distance, spacing;
  } displace;
#define IM_DISPLACE_SPACING_PT 9.0 /* the default spacing: the largest house marker and a little air */

  /* Labels. */
  struct {
    char *text; /* template: "{NAME}", "{name} ({date})"; NULL = no label */
    char *font; /* Pango font description: "Noto Sans Bold 7" */
    im_color color;
    im_color halo_color;
    im_length halo_width; /* 0 = no halo */
    im_text_case text_case;
    bool leader;      /* draw a leader line when the label moves away */
    char *priority;   /* a number, or the field whose number orders labels (higher first) */
    bool required;    /* placed whatever it takes (farther, with a leader, shortened), or the render fails */
    char *short_text; /* template tried when the label does not fit (required labels); NULL: none */
    im_label_key key; /* a number at the mark, the text in the key block */
    /* Where text, short_text and priority are written (line 0: not
     * known), for messages about the fields and expressions in them. */
    struct im_label_at {
      const char *file; /* owned by the map */
      int line, column;
    } text_at, short_at, priority_at;
  } label;
} im_style;

/* The defaults every layer starts from. */
void im_style_init_defaults(im_style *s);

/* Copies into dst every member set in src (deep copies of strings);
 * returns false when out of memory. */
bool im_style_merge(im_style *dst, const im_style *src);

/* A deep copy of all of src (set or not) into dst, whose strings are not
 * freed first; false when out of memory (dst then holds what was copied:
 * free it with im_style_clear). Every string member is copied here, so a
 * string added to im_style is added here and in im_style_clear. */
bool im_style_copy(im_style *dst, const im_style *src);

/* Frees the strings of s and zeroes it. */
void im_style_clear(im_style *s);
#endif
