/* The colour tables behind classify.h, kept apart from the code that reads
 * them (palettes.c is data only). Colours are written "#rrggbb #rrggbb ...",
 * as ColorBrewer publishes them, so a table can be checked against the source
 * by eye. */
#ifndef IM_PALETTES_PRIVATE_H
#define IM_PALETTES_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

/* A categorical palette: size colours in one string. */
typedef struct {
  const char *name;
  size_t size;
  const char *colors;
} im_palette_table;

/* A ramp. ColorBrewer's: colors[n - min_n] holds the n-class scheme as
 * published. A perceptual colour map (lut, 256 colours; colors NULL): class i
 * of n takes entry min(255, floor(256 i / (n - 1))), as matplotlib and d3
 * sample them. */
typedef struct {
  const char *name;
  bool diverging;
  size_t min_n, max_n;
  const char *const *colors;
  const char *lut;
} im_ramp_table;

/* The most classes a perceptual ramp is cut into (a graduated
 * classification has at most 16). */
#define IM_RAMP_MAX_CLASSES 16

/* palettes-perceptual.c: matplotlib's viridis, magma, inferno, plasma. */
extern const char im_lut_viridis[], im_lut_magma[], im_lut_inferno[], im_lut_plasma[];

/* The actor palette "vric": key i of im_vric_keys has colour i of
 * im_vric_colors; the last key is "other". */
#define IM_VRIC_COUNT 5
extern const char *const im_vric_keys[IM_VRIC_COUNT];
extern const char *const im_vric_colors;
/* Whether value takes the "other" colour of the built-in palette name
 * (only "vric" has one: any actor it does not name). */
bool im_palette_is_other(const char *name, const char *value);

/* The qualitative palettes other than "vric". */
extern const im_palette_table im_palette_tables[];
extern const size_t im_palette_table_count;

extern const im_ramp_table im_ramp_tables[];
extern const size_t im_ramp_table_count;

/* "vric", the qualitative palettes, then the ramps; NULL-terminated. */
extern const char *const im_palette_all_names[];

#endif
