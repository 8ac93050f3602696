/* What the fuzz targets share: a file in memory with a path, and quiet
 * warnings. Each target defines LLVMFuzzerTestOneInput; libFuzzer drives
 * it in a fuzz build (INFLUMAP_FUZZ), replay.c in an ordinary one. */
#ifndef IM_FUZZ_SUPPORT_H
#define IM_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Silences influmap's warnings (once per process). */
void fuzz_quiet(void);

/* An anonymous in-memory file (memfd) holding data, for readers that take
 * a path: its "/proc/self/fd/N" path goes into path. Returns the fd (close
 * it when done), or -1. */
int fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t path_size);

/* data as a NUL-terminated string (cut at its first NUL); free it. */
char *fuzz_string(const uint8_t *data, size_t size);

#endif
