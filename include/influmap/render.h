/* influmap — rendering a map spec to PNG, SVG or PDF with Cairo. */
#ifndef INFLUMAP_RENDER_H
#define INFLUMAP_RENDER_H

#include "influmap/export.h"

#include <stdbool.h>

#include "influmap/error.h"
#include "influmap/map.h"
#include "influmap/units.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { IM_FORMAT_AUTO, IM_FORMAT_PNG, IM_FORMAT_SVG, IM_FORMAT_PDF } im_format;

/* What a render did, for --verbose and tests. */
typedef struct {
  size_t label_candidates, labels_placed, labels_dropped, labels_with_leader;
  double scale_denominator; /* at the frame's centre; 0 when unknown */
  /* Set by the caller: called once per dropped label with its text. */
  void (*on_dropped_label)(void *user, const char *text);
  void *user;
  /* Placed point labels a reader would give to another mark (another mark
   * is as near the label as its own, and no leader joins them): 0 on a
   * figure ready to print. */
  size_t labels_misattached;
  /* Of labels_placed: those placed as a number beside their mark, their
   * text listed in the map's numbered key (label: key:). */
  size_t labels_keyed;
  /* Joins (join: on a layer): features of the frame whose key no row of
   * the table has, and keys the table holds more than once (the first row
   * is used). With strict, either fails the render. */
  size_t join_unmatched, join_duplicates;
} im_render_stats;

/* Where the time of a render went, in milliseconds (`influmap render
 * --timings`): setting up the CRSs, frame and surface; reading sources;
 * taking geometry to the map CRS (antimeridian cut, densify, project, or
 * the projected-geometry cache); drawing (styles, device coordinates,
 * simplification, clipping, Cairo, furniture); placing and drawing labels;
 * encoding and writing the file. A render adds to these, so one struct can
 * sum several; spec is the caller's (reading the spec comes first). */
typedef struct {
  double spec, setup, load, project, draw, labels, encode;
} im_render_timings;

/* Overrides of the spec for one render; zero-initialise for none. */
typedef struct {
  im_format format; /* AUTO: from the output's suffix */
  double dpi;       /* 0: the spec's */
  bool has_size;    /* width/height replace the spec's page size */
  im_length width, height;
  im_render_stats *stats;     /* filled when not NULL */
  const char *from, *to;      /* time window (ISO dates), replacing the spec's period */
  bool svg_text;              /* SVG: labels also as editable <text> elements, in place of glyph outlines */
  bool cmyk;                  /* PDF: converted to DeviceCMYK by Ghostscript (gs), which must be on PATH */
  im_render_timings *timings; /* added to when not NULL */
  bool strict;                /* a label that is not placed, or a join that leaves a feature without its row (or
                                 finds its key twice), fails the render (IM_STATUS_INPUT), nothing written */
} im_render_options;

/* The map frame: the extent actually drawn (the asked extent widened to the
 * frame's shape, centred) and the page it is drawn on. With page margins
 * (map: margins:, furniture.h) the frame is the page less the margins
 * (rounded to whole pixels in a PNG) and xmin..ymax spans it, not the
 * page. */
typedef struct {
  double xmin, ymin, xmax, ymax; /* map CRS units */
  double width_pt, height_pt;    /* page size */
  double dpi;
  int width_px, height_px; /* the PNG's size at dpi */
} im_frame;

/* The format for a file name's suffix (.png, .svg, .pdf), or AUTO. */
IM_API im_format im_format_from_path(const char *path);

/* Computes the frame a render would use, without drawing. */
IM_API im_status im_map_frame(const im_map *map, const im_render_options *opt, im_frame *out, im_error *err);

/* Every check a render makes (CRS, extent, sources, fields named by filters,
 * classes and labels, icons) without drawing: what `influmap validate`
 * runs. */
IM_API im_status im_map_check(const im_map *map, im_error *err);

/* Renders map to out_path. The file is written beside it under a temporary
 * name and renamed into place only when complete, so a failed render leaves
 * any existing file untouched. opt may be NULL. */
IM_API im_status im_map_render(const im_map *map, const char *out_path, const im_render_options *opt, im_error *err);

/* Draws map onto cr, a vector surface (PDF, SVG, recording) whose page
 * im_map_frame gives in points, with the origin at the page's top left: what
 * im_map_render writes, for collecting maps into one document (a batch's
 * atlas). cr's state is restored afterwards. */
struct _cairo;
IM_API im_status im_map_render_to_cairo(const im_map *map, struct _cairo *cr, const im_render_options *opt,
                                        im_error *err);

#ifdef __cplusplus
}
#endif
#endif
