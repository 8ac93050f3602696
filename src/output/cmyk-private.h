/* CMYK PDFs for print, converted from Cairo's RGB PDF by Ghostscript. */
#ifndef IM_CMYK_PRIVATE_H
#define IM_CMYK_PRIVATE_H

#include <stdbool.h>

#include "influmap/error.h"

/* The message when Ghostscript is missing. */
#define IM_CMYK_NEEDS_GS "--cmyk needs Ghostscript (Debian package ghostscript)"

/* True when an executable gs is on PATH (as posix_spawnp would find it),
 * so a render can refuse before drawing rather than after. */
bool im_cmyk_available(void);

/* Converts the PDF in_path to CMYK, written to out_path (created or
 * truncated; make it a temporary name beside the final file). On failure
 * err names display_name and says why: Ghostscript missing (IM_STATUS_IO,
 * IM_CMYK_NEEDS_GS), or its exit status and first line of output; out_path
 * may then hold a partial file, which the caller removes. */
im_status im_cmyk_convert(const char *in_path, const char *out_path, const char *display_name, im_error *err);

#endif
