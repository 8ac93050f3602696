/* Geometry helpers shared inside the library, not part of its API. */
#ifndef IM_GEOM_PRIVATE_H
#define IM_GEOM_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "influmap/geom.h"

/* True when b meets one of boxes[0..n), or when n is 0 (no boxes: no
 * restriction). */
bool im_bbox_meets_any(const im_bbox *boxes, size_t n, const im_bbox *b);

/* Liang-Barsky: the part of the segment (x0, y0)-(x1, y1) inside b (edges
 * included) runs from parameter *t0 to *t1 (0 at the start, 1 at the end);
 * false when no part is inside. Clipping lines to the frame and the tests
 * of labels and the legend against boxes use this one, so they agree on
 * what touches a box. */
bool im_segment_clip(double x0, double y0, double x1, double y1, im_bbox b, double *t0, double *t1);

/* True when some part of the segment (x0, y0)-(x1, y1) is inside b. */
bool im_segment_hits_box(double x0, double y0, double x1, double y1, im_bbox b);

/* True when (x, y) is inside the ring of n points at xy (n >= 1): an odd
 * number of its edges cross the ray from the point towards +x. A polygon
 * (even-odd, as drawn) contains the point when an odd number of its rings
 * do; a ring whose bounding box does not hold the point cannot. */
bool im_ring_contains(const double *xy, size_t n, double x, double y);
/* The same over every part of g (even-odd, as drawn). */
bool im_geom_contains(const im_geom *g, double x, double y);

/* Natural Earth and others cut shapes that reach round the world at ±180°
 * and run their rings along that meridian, or along a pole: filled, those
 * edges do not show; stroked, they draw a line across the land wherever the
 * map is not itself cut there (cut.c). im_geom_has_dateline_edges says
 * whether g (lines or rings) has such an edge; im_geom_break_at_dateline
 * gives g's rings and lines as lines without them (dst: reset). */
bool im_geom_has_dateline_edges(const im_geom *g);

/* Moves each line of g sideways by d, in place: to the right of its way
 * on a page whose y grows downwards for d > 0, so a line and its reverse
 * moved by the same d part to the two sides. Each vertex moves along the
 * mean of its segments' normals, lengthened to keep the line d away at a
 * bend (at most twice d, a miter limit). Two routes that share a course
 * are drawn this way side by side (render/draw.c). */
void im_geom_offset_lines(im_geom *g, double d);
bool im_geom_break_at_dateline(const im_geom *src, im_geom *dst);

#endif
