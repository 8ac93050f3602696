/* influmap — maps of foreign influence in Latin America from shapefiles and
 * a YAML spec, to PNG, SVG and PDF. The umbrella header. */
#ifndef INFLUMAP_H
#define INFLUMAP_H

#include "influmap/batch.h"
#include "influmap/classify.h"
#include "influmap/context.h"
#include "influmap/crs.h"
#include "influmap/error.h"
#include "influmap/events.h"
#include "influmap/filter.h"
#include "influmap/geodesic.h"
#include "influmap/geom.h"
#include "influmap/layer.h"
#include "influmap/limits.h"
#include "influmap/map.h"
#include "influmap/render.h"
#include "influmap/tempfile.h"
#include "influmap/units.h"
#include "influmap/version.h"

#endif
