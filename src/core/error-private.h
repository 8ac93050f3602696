/* Filling an im_error_list (influmap/error.h) inside the library. */
#ifndef IM_ERROR_PRIVATE_H
#define IM_ERROR_PRIVATE_H

#include <stdbool.h>

#include "influmap/error.h"

/* Appends a copy of e, unless it is the last entry again (an error passed
 * up through the readers that found it is one error); false when out of
 * memory. */
bool im_error_list_add(im_error_list *list, const im_error *e);
void im_error_list_clear(im_error_list *list);

#endif
