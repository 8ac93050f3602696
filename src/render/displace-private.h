/* Point displacement (displace.c): marks of one layer that fall nearer
 * each other on the page than a set distance are laid on a ring round
 * their common place, joined to it by thin leaders, as QGIS's point
 * displacement renderer does, so that no mark hides another and each
 * label can sit by its own mark. */
#ifndef IM_DISPLACE_PRIVATE_H
#define IM_DISPLACE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "influmap/geom.h"

/* Where one point goes. */
typedef struct {
  bool moved;    /* in a group of two or more */
  bool first;    /* the group's first point in drawing order: its leaders and centre are drawn with it */
  double x, y;   /* the mark's place on the page (the point's own when not moved) */
  double cx, cy; /* the group's common place: the mean of its points */
  size_t group;  /* the group's first point (index into the input) */
} im_displaced;

/* Groups points xy[0..n) (device units; a NaN x is no point) by single
 * linkage: two points nearer than distance are in one group. Each group
 * of two or more goes on a ring round its mean, in input order clockwise
 * from the top, spacing apart along it (the ring never smaller than three
 * quarters of spacing in radius). With a frame, a ring turns (or, when
 * no turn will do, its centre moves inwards) so that each mark, grown by
 * pad[i] (NULL: 0), stays inside it. out[i] for each input point. Returns
 * false when out of memory. */
bool im_displace_points(const double *xy, size_t n, double distance, double spacing, const double *pad,
                        const im_bbox *frame, im_displaced *out);

#endif
