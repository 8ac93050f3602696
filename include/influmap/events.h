/* influmap — the influence-event schema: checking a layer of projects and
 * events (GeoJSON or CSV) against it before it is mapped. */
#ifndef INFLUMAP_EVENTS_H
#define INFLUMAP_EVENTS_H

#include "influmap/export.h"

#include <stddef.h>

#include "influmap/error.h"
#include "influmap/layer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Checks a layer against the influence-event schema of design.md: required
 * id, name, actor, category, status, date; optional date_end, country,
 * description, source; other properties are kept and not checked.
 *
 * Problems: a required property missing (from the layer, or empty in a
 * feature); an actor not among China, Russia, Iran, Venezuela, Cuba,
 * Nicaragua, United States, other, nor in extra_actors (NULL-terminated,
 * may be NULL); a category or status not in design.md's lists; a date or
 * date_end that is not ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD); date_end
 * before date; a country that is not three upper-case letters (ISO 3166
 * alpha-3); coordinates outside longitude -180..180, latitude -90..90.
 * Unknown words come with a suggestion when one is close ("actor 'Rusia'
 * is not known (did you mean 'Russia'?)").
 *
 * Messages name the layer's file and the feature (its index and "id"; for
 * CSV the error's line is the feature's line). Returns the first problem as
 * the error (IM_STATUS_INPUT); the others go to im_warn (up to 50), so a
 * command can show them all, and every problem is counted into *nproblems
 * when it is not NULL. The layer must have been read with its attributes. */
IM_API im_status im_events_validate(const im_layer *layer, const char *const *extra_actors, size_t *nproblems,
                                    im_error *err);

#ifdef __cplusplus
}
#endif
#endif
