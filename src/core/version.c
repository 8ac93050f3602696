#include "influmap/version.h"

const char *im_version(void) { return IM_VERSION_STRING; }
