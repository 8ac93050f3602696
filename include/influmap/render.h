/* influmap — rendering a map spec to PNG, SVG or PDF with Cairo. */
#ifndef INFLUMAP_RENDER_H
#define INFLUMAP_RENDER_H

#include "influmap/export.h"

#include <stdbool.h>
#include <stddef.h>

#include "influmap/error.h"
#include "influmap/map.h"
#include "influmap/units.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Threads. A render (im_map_render, im_map_render_to_box, ..._to_cairo),
 * im_map_frame and im_map_check never write the map: one const im_map *
 * may be rendered from several threads at once, and different maps in
 * different threads, with the same bytes as a render made alone
 * (tests/test_threads.c, run under ThreadSanitizer). Each render has its
 * own PROJ context, CRSs, labeler and scratch; what renders share inside
 * the process (the PROJ contexts kept per thread, the CRS store, the
 * projected-geometry and layer caches, the SVG loader) is synchronised in
 * the library. What a call is given belongs to it until it returns: its
 * im_error, its options' stats and timings (one im_render_options may be
 * shared only when those are NULL), and the cairo_t of a box render, which
 * like any Cairo context is drawn on by one thread at a time. The warning
 * handler (error.h) is process-wide and may be called from any thread that
 * renders. */

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

/* The same, going on past a layer that fails: each failing layer's first
 * error (and the small multiples', if they fail) is appended to errors,
 * which is not emptied first, so the list a load filled may be passed on;
 * err gets the first of them. A failure that is not bad input (out of
 * memory) stops at once. */
IM_API im_status im_map_check_all(const im_map *map, im_error_list *errors, im_error *err);

/* Renders map to out_path. The file is written beside it under a temporary
 * name and renamed into place only when complete, so a failed render leaves
 * any existing file untouched. When out_path is a symbolic link, the file
 * it points to is replaced that way (the link stays). A path that exists
 * and is not a regular file (a character device, a FIFO) is written to,
 * never replaced, and only once the page is drawn; /dev/stdout,
 * /dev/stderr and /dev/fd/N write to the process's descriptor. opt->cmyk
 * needs a file. opt may be NULL. */
IM_API im_status im_map_render(const im_map *map, const char *out_path, const im_render_options *opt, im_error *err);

/* Receives a render's bytes in order: writes length bytes of data and
 * returns true, or false to stop the render (which then fails with
 * IM_STATUS_IO). */
typedef bool (*im_write_fn)(void *user, const unsigned char *data, size_t length);

/* Renders map as format (PNG, SVG or PDF; AUTO is an error, and
 * opt->format is not used) through write: the same bytes im_map_render
 * writes to a file. Nothing is written unless the page is drawn: a PNG or
 * an SVG is written as it is encoded, once drawn; a PDF is held in memory
 * and written at the end (its bytes start while it is drawn, and the page
 * may be drawn again when the numbered key outgrows its margin). On
 * failure write may have had part of the file (a write error). opt->cmyk
 * is refused (Ghostscript converts a file). opt may be NULL. */
IM_API im_status im_map_render_to_stream(const im_map *map, im_format format, im_write_fn write, void *user,
                                         const im_render_options *opt, im_error *err);

/* Draws map into the box x, y, w, h of cr, a host's Cairo context on any
 * surface (PDF, SVG, image, recording), in cr's user space: the map is laid
 * out as on a page of w x h points (the spec's page size replaced; its dpi
 * still sizes lengths in px and the simplification), so its fonts and
 * strokes are as many user units as they are points (points on a PDF
 * page). It is clipped to the box and composited over what the host has
 * drawn (OVER): a transparent background or margin leaves the host's page
 * showing, and nothing outside the box is touched. The map is recorded
 * first and reaches cr only once complete, so a numbered key that outgrows
 * its margin is laid out again (as by im_map_render) and a failed render
 * leaves cr's page as it was. cr's state (matrix, source, clip, operator,
 * line and font settings, current path) is restored. opt's size, format,
 * svg_text and cmyk are ignored; opt may be NULL. */
struct _cairo;
IM_API im_status im_map_render_to_box(const im_map *map, struct _cairo *cr, double x, double y, double w, double h,
                                      const im_render_options *opt, im_error *err);

/* im_map_render_to_box into the box at 0, 0 the size of the page
 * im_map_frame gives in points (the spec's, or opt's size): what
 * im_map_render writes, for collecting maps into one document (a batch's
 * atlas). */
IM_API im_status im_map_render_to_cairo(const im_map *map, struct _cairo *cr, const im_render_options *opt,
                                        im_error *err);

#ifdef __cplusplus
}
#endif
#endif
