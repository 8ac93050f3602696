/* The colour tables of classify.h. Data only; classify.c reads them.
 *
 * ColorBrewer: the sequential and diverging ramps and the qualitative sets
 * "set1", "set2", "set3", "dark2", "paired", "accent", "pastel1" and
 * "pastel2" are ColorBrewer schemes (colorbrewer2.org),
 *   Copyright 2002 Cynthia Brewer, Mark Harrower, and The Pennsylvania State
 *   University. Licensed under the Apache License, Version 2.0
 *   (http://www.apache.org/licenses/LICENSE-2.0); distributed on an "AS IS"
 *   BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND.
 * The hex values were taken, per class count, from the npm package
 * d3-scale-chromatic 3.1.1 (dist/d3-scale-chromatic.js), which carries the same
 * ColorBrewer notice ("set1", "set3", "accent", "pastel1" and "pastel2" from
 * its 3.1.0, src/categorical/); "tableau10" is that package's schemeTableau10.
 * The perceptual ramps (viridis, magma, inferno, plasma) are tables of 256
 * in palettes-perceptual.c.
 * Okabe–Ito: M. Okabe and K. Ito, "Color Universal Design (CUD): how to make
 * figures and presentations that are friendly to colorblind people" (2008);
 * the grey #999999 is the ninth colour R's palette.colors("Okabe-Ito") adds. */
#include "spec/palettes-private.h"

#include <stddef.h>

/* The actor palette. Okabe–Ito colours, chosen so that each actor keeps a hue
 * readers already associate with it where the set allows: China vermilion,
 * Russia blue, Iran bluish green, Venezuela orange, and other actors grey, which
 * recedes. Every pair stays at least 11 CIELAB units apart under simulated
 * protanopia, deuteranopia and tritanopia (Machado et al. 2009, full severity);
 * tests/test_classify.c checks it. */
const char *const im_vric_keys[IM_VRIC_COUNT] = {"China", "Russia", "Iran", "Venezuela", "other"};
/* Chosen by search so that every pair stays at least 21 apart in CIEDE2000
 * under normal vision and simulated protanopia, deuteranopia and tritanopia
 * (Machado et al. 2009, full severity), and each at least 20 from the land
 * and sea of the house base map, as near the Okabe-Ito hues readers know
 * as that allows: test_classify checks the first. */
const char *const im_vric_colors = "#bf4d00 #417ed9 #365952 #f2a600 #9b9b9b";

const im_palette_table im_palette_tables[] = {
    /* black, orange, sky blue, bluish green, yellow, blue, vermilion, reddish purple */
    {"okabe-ito", 8, "#000000 #e69f00 #56b4e9 #009e73 #f0e442 #0072b2 #d55e00 #cc79a7"},
    {"set2", 8, "#66c2a5 #fc8d62 #8da0cb #e78ac3 #a6d854 #ffd92f #e5c494 #b3b3b3"},
    {"dark2", 8, "#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666"},
    {"paired", 12, "#a6cee3 #1f78b4 #b2df8a #33a02c #fb9a99 #e31a1c #fdbf6f #ff7f00 #cab2d6 #6a3d9a #ffff99 #b15928"},
    {"tableau10", 10, "#4e79a7 #f28e2c #e15759 #76b7b2 #59a14f #edc949 #af7aa1 #ff9da7 #9c755f #bab0ab"},
    {"set1", 9, "#e41a1c #377eb8 #4daf4a #984ea3 #ff7f00 #ffff33 #a65628 #f781bf #999999"},
    {"set3", 12, "#8dd3c7 #ffffb3 #bebada #fb8072 #80b1d3 #fdb462 #b3de69 #fccde5 #d9d9d9 #bc80bd #ccebc5 #ffed6f"},
    {"accent", 8, "#7fc97f #beaed4 #fdc086 #ffff99 #386cb0 #f0027f #bf5b17 #666666"},
    {"pastel1", 9, "#fbb4ae #b3cde3 #ccebc5 #decbe4 #fed9a6 #ffffcc #e5d8bd #fddaec #f2f2f2"},
    {"pastel2", 8, "#b3e2cd #fdcdac #cbd5e8 #f4cae4 #e6f5c9 #fff2ae #f1e2cc #cccccc"},
};
const size_t im_palette_table_count = sizeof im_palette_tables / sizeof im_palette_tables[0];

/* ColorBrewer ramps: one string per class count, from min_n up. */
static const char *const ramp_Blues[] = {
    "#deebf7 #9ecae1 #3182bd",
    "#eff3ff #bdd7e7 #6baed6 #2171b5",
    "#eff3ff #bdd7e7 #6baed6 #3182bd #08519c",
    "#eff3ff #c6dbef #9ecae1 #6baed6 #3182bd #08519c",
    "#eff3ff #c6dbef #9ecae1 #6baed6 #4292c6 #2171b5 #084594",
    "#f7fbff #deebf7 #c6dbef #9ecae1 #6baed6 #4292c6 #2171b5 #084594",
    "#f7fbff #deebf7 #c6dbef #9ecae1 #6baed6 #4292c6 #2171b5 #08519c #08306b",
};

static const char *const ramp_Greens[] = {
    "#e5f5e0 #a1d99b #31a354",
    "#edf8e9 #bae4b3 #74c476 #238b45",
    "#edf8e9 #bae4b3 #74c476 #31a354 #006d2c",
    "#edf8e9 #c7e9c0 #a1d99b #74c476 #31a354 #006d2c",
    "#edf8e9 #c7e9c0 #a1d99b #74c476 #41ab5d #238b45 #005a32",
    "#f7fcf5 #e5f5e0 #c7e9c0 #a1d99b #74c476 #41ab5d #238b45 #005a32",
    "#f7fcf5 #e5f5e0 #c7e9c0 #a1d99b #74c476 #41ab5d #238b45 #006d2c #00441b",
};

static const char *const ramp_Greys[] = {
    "#f0f0f0 #bdbdbd #636363",
    "#f7f7f7 #cccccc #969696 #525252",
    "#f7f7f7 #cccccc #969696 #636363 #252525",
    "#f7f7f7 #d9d9d9 #bdbdbd #969696 #636363 #252525",
    "#f7f7f7 #d9d9d9 #bdbdbd #969696 #737373 #525252 #252525",
    "#ffffff #f0f0f0 #d9d9d9 #bdbdbd #969696 #737373 #525252 #252525",
    "#ffffff #f0f0f0 #d9d9d9 #bdbdbd #969696 #737373 #525252 #252525 #000000",
};

static const char *const ramp_Oranges[] = {
    "#fee6ce #fdae6b #e6550d",
    "#feedde #fdbe85 #fd8d3c #d94701",
    "#feedde #fdbe85 #fd8d3c #e6550d #a63603",
    "#feedde #fdd0a2 #fdae6b #fd8d3c #e6550d #a63603",
    "#feedde #fdd0a2 #fdae6b #fd8d3c #f16913 #d94801 #8c2d04",
    "#fff5eb #fee6ce #fdd0a2 #fdae6b #fd8d3c #f16913 #d94801 #8c2d04",
    "#fff5eb #fee6ce #fdd0a2 #fdae6b #fd8d3c #f16913 #d94801 #a63603 #7f2704",
};

static const char *const ramp_Purples[] = {
    "#efedf5 #bcbddc #756bb1",
    "#f2f0f7 #cbc9e2 #9e9ac8 #6a51a3",
    "#f2f0f7 #cbc9e2 #9e9ac8 #756bb1 #54278f",
    "#f2f0f7 #dadaeb #bcbddc #9e9ac8 #756bb1 #54278f",
    "#f2f0f7 #dadaeb #bcbddc #9e9ac8 #807dba #6a51a3 #4a1486",
    "#fcfbfd #efedf5 #dadaeb #bcbddc #9e9ac8 #807dba #6a51a3 #4a1486",
    "#fcfbfd #efedf5 #dadaeb #bcbddc #9e9ac8 #807dba #6a51a3 #54278f #3f007d",
};

static const char *const ramp_Reds[] = {
    "#fee0d2 #fc9272 #de2d26",
    "#fee5d9 #fcae91 #fb6a4a #cb181d",
    "#fee5d9 #fcae91 #fb6a4a #de2d26 #a50f15",
    "#fee5d9 #fcbba1 #fc9272 #fb6a4a #de2d26 #a50f15",
    "#fee5d9 #fcbba1 #fc9272 #fb6a4a #ef3b2c #cb181d #99000d",
    "#fff5f0 #fee0d2 #fcbba1 #fc9272 #fb6a4a #ef3b2c #cb181d #99000d",
    "#fff5f0 #fee0d2 #fcbba1 #fc9272 #fb6a4a #ef3b2c #cb181d #a50f15 #67000d",
};

static const char *const ramp_BuGn[] = {
    "#e5f5f9 #99d8c9 #2ca25f",
    "#edf8fb #b2e2e2 #66c2a4 #238b45",
    "#edf8fb #b2e2e2 #66c2a4 #2ca25f #006d2c",
    "#edf8fb #ccece6 #99d8c9 #66c2a4 #2ca25f #006d2c",
    "#edf8fb #ccece6 #99d8c9 #66c2a4 #41ae76 #238b45 #005824",
    "#f7fcfd #e5f5f9 #ccece6 #99d8c9 #66c2a4 #41ae76 #238b45 #005824",
    "#f7fcfd #e5f5f9 #ccece6 #99d8c9 #66c2a4 #41ae76 #238b45 #006d2c #00441b",
};

static const char *const ramp_BuPu[] = {
    "#e0ecf4 #9ebcda #8856a7",
    "#edf8fb #b3cde3 #8c96c6 #88419d",
    "#edf8fb #b3cde3 #8c96c6 #8856a7 #810f7c",
    "#edf8fb #bfd3e6 #9ebcda #8c96c6 #8856a7 #810f7c",
    "#edf8fb #bfd3e6 #9ebcda #8c96c6 #8c6bb1 #88419d #6e016b",
    "#f7fcfd #e0ecf4 #bfd3e6 #9ebcda #8c96c6 #8c6bb1 #88419d #6e016b",
    "#f7fcfd #e0ecf4 #bfd3e6 #9ebcda #8c96c6 #8c6bb1 #88419d #810f7c #4d004b",
};

static const char *const ramp_GnBu[] = {
    "#e0f3db #a8ddb5 #43a2ca",
    "#f0f9e8 #bae4bc #7bccc4 #2b8cbe",
    "#f0f9e8 #bae4bc #7bccc4 #43a2ca #0868ac",
    "#f0f9e8 #ccebc5 #a8ddb5 #7bccc4 #43a2ca #0868ac",
    "#f0f9e8 #ccebc5 #a8ddb5 #7bccc4 #4eb3d3 #2b8cbe #08589e",
    "#f7fcf0 #e0f3db #ccebc5 #a8ddb5 #7bccc4 #4eb3d3 #2b8cbe #08589e",
    "#f7fcf0 #e0f3db #ccebc5 #a8ddb5 #7bccc4 #4eb3d3 #2b8cbe #0868ac #084081",
};

static const char *const ramp_OrRd[] = {
    "#fee8c8 #fdbb84 #e34a33",
    "#fef0d9 #fdcc8a #fc8d59 #d7301f",
    "#fef0d9 #fdcc8a #fc8d59 #e34a33 #b30000",
    "#fef0d9 #fdd49e #fdbb84 #fc8d59 #e34a33 #b30000",
    "#fef0d9 #fdd49e #fdbb84 #fc8d59 #ef6548 #d7301f #990000",
    "#fff7ec #fee8c8 #fdd49e #fdbb84 #fc8d59 #ef6548 #d7301f #990000",
    "#fff7ec #fee8c8 #fdd49e #fdbb84 #fc8d59 #ef6548 #d7301f #b30000 #7f0000",
};

static const char *const ramp_PuBu[] = {
    "#ece7f2 #a6bddb #2b8cbe",
    "#f1eef6 #bdc9e1 #74a9cf #0570b0",
    "#f1eef6 #bdc9e1 #74a9cf #2b8cbe #045a8d",
    "#f1eef6 #d0d1e6 #a6bddb #74a9cf #2b8cbe #045a8d",
    "#f1eef6 #d0d1e6 #a6bddb #74a9cf #3690c0 #0570b0 #034e7b",
    "#fff7fb #ece7f2 #d0d1e6 #a6bddb #74a9cf #3690c0 #0570b0 #034e7b",
    "#fff7fb #ece7f2 #d0d1e6 #a6bddb #74a9cf #3690c0 #0570b0 #045a8d #023858",
};

static const char *const ramp_PuBuGn[] = {
    "#ece2f0 #a6bddb #1c9099",
    "#f6eff7 #bdc9e1 #67a9cf #02818a",
    "#f6eff7 #bdc9e1 #67a9cf #1c9099 #016c59",
    "#f6eff7 #d0d1e6 #a6bddb #67a9cf #1c9099 #016c59",
    "#f6eff7 #d0d1e6 #a6bddb #67a9cf #3690c0 #02818a #016450",
    "#fff7fb #ece2f0 #d0d1e6 #a6bddb #67a9cf #3690c0 #02818a #016450",
    "#fff7fb #ece2f0 #d0d1e6 #a6bddb #67a9cf #3690c0 #02818a #016c59 #014636",
};

static const char *const ramp_PuRd[] = {
    "#e7e1ef #c994c7 #dd1c77",
    "#f1eef6 #d7b5d8 #df65b0 #ce1256",
    "#f1eef6 #d7b5d8 #df65b0 #dd1c77 #980043",
    "#f1eef6 #d4b9da #c994c7 #df65b0 #dd1c77 #980043",
    "#f1eef6 #d4b9da #c994c7 #df65b0 #e7298a #ce1256 #91003f",
    "#f7f4f9 #e7e1ef #d4b9da #c994c7 #df65b0 #e7298a #ce1256 #91003f",
    "#f7f4f9 #e7e1ef #d4b9da #c994c7 #df65b0 #e7298a #ce1256 #980043 #67001f",
};

static const char *const ramp_RdPu[] = {
    "#fde0dd #fa9fb5 #c51b8a",
    "#feebe2 #fbb4b9 #f768a1 #ae017e",
    "#feebe2 #fbb4b9 #f768a1 #c51b8a #7a0177",
    "#feebe2 #fcc5c0 #fa9fb5 #f768a1 #c51b8a #7a0177",
    "#feebe2 #fcc5c0 #fa9fb5 #f768a1 #dd3497 #ae017e #7a0177",
    "#fff7f3 #fde0dd #fcc5c0 #fa9fb5 #f768a1 #dd3497 #ae017e #7a0177",
    "#fff7f3 #fde0dd #fcc5c0 #fa9fb5 #f768a1 #dd3497 #ae017e #7a0177 #49006a",
};

static const char *const ramp_YlGn[] = {
    "#f7fcb9 #addd8e #31a354",
    "#ffffcc #c2e699 #78c679 #238443",
    "#ffffcc #c2e699 #78c679 #31a354 #006837",
    "#ffffcc #d9f0a3 #addd8e #78c679 #31a354 #006837",
    "#ffffcc #d9f0a3 #addd8e #78c679 #41ab5d #238443 #005a32",
    "#ffffe5 #f7fcb9 #d9f0a3 #addd8e #78c679 #41ab5d #238443 #005a32",
    "#ffffe5 #f7fcb9 #d9f0a3 #addd8e #78c679 #41ab5d #238443 #006837 #004529",
};

static const char *const ramp_YlGnBu[] = {
    "#edf8b1 #7fcdbb #2c7fb8",
    "#ffffcc #a1dab4 #41b6c4 #225ea8",
    "#ffffcc #a1dab4 #41b6c4 #2c7fb8 #253494",
    "#ffffcc #c7e9b4 #7fcdbb #41b6c4 #2c7fb8 #253494",
    "#ffffcc #c7e9b4 #7fcdbb #41b6c4 #1d91c0 #225ea8 #0c2c84",
    "#ffffd9 #edf8b1 #c7e9b4 #7fcdbb #41b6c4 #1d91c0 #225ea8 #0c2c84",
    "#ffffd9 #edf8b1 #c7e9b4 #7fcdbb #41b6c4 #1d91c0 #225ea8 #253494 #081d58",
};

static const char *const ramp_YlOrBr[] = {
    "#fff7bc #fec44f #d95f0e",
    "#ffffd4 #fed98e #fe9929 #cc4c02",
    "#ffffd4 #fed98e #fe9929 #d95f0e #993404",
    "#ffffd4 #fee391 #fec44f #fe9929 #d95f0e #993404",
    "#ffffd4 #fee391 #fec44f #fe9929 #ec7014 #cc4c02 #8c2d04",
    "#ffffe5 #fff7bc #fee391 #fec44f #fe9929 #ec7014 #cc4c02 #8c2d04",
    "#ffffe5 #fff7bc #fee391 #fec44f #fe9929 #ec7014 #cc4c02 #993404 #662506",
};

static const char *const ramp_YlOrRd[] = {
    "#ffeda0 #feb24c #f03b20",
    "#ffffb2 #fecc5c #fd8d3c #e31a1c",
    "#ffffb2 #fecc5c #fd8d3c #f03b20 #bd0026",
    "#ffffb2 #fed976 #feb24c #fd8d3c #f03b20 #bd0026",
    "#ffffb2 #fed976 #feb24c #fd8d3c #fc4e2a #e31a1c #b10026",
    "#ffffcc #ffeda0 #fed976 #feb24c #fd8d3c #fc4e2a #e31a1c #b10026",
    "#ffffcc #ffeda0 #fed976 #feb24c #fd8d3c #fc4e2a #e31a1c #bd0026 #800026",
};

static const char *const ramp_BrBG[] = {
    "#d8b365 #f5f5f5 #5ab4ac",
    "#a6611a #dfc27d #80cdc1 #018571",
    "#a6611a #dfc27d #f5f5f5 #80cdc1 #018571",
    "#8c510a #d8b365 #f6e8c3 #c7eae5 #5ab4ac #01665e",
    "#8c510a #d8b365 #f6e8c3 #f5f5f5 #c7eae5 #5ab4ac #01665e",
    "#8c510a #bf812d #dfc27d #f6e8c3 #c7eae5 #80cdc1 #35978f #01665e",
    "#8c510a #bf812d #dfc27d #f6e8c3 #f5f5f5 #c7eae5 #80cdc1 #35978f #01665e",
    "#543005 #8c510a #bf812d #dfc27d #f6e8c3 #c7eae5 #80cdc1 #35978f #01665e #003c30",
    "#543005 #8c510a #bf812d #dfc27d #f6e8c3 #f5f5f5 #c7eae5 #80cdc1 #35978f #01665e #003c30",
};

static const char *const ramp_PiYG[] = {
    "#e9a3c9 #f7f7f7 #a1d76a",
    "#d01c8b #f1b6da #b8e186 #4dac26",
    "#d01c8b #f1b6da #f7f7f7 #b8e186 #4dac26",
    "#c51b7d #e9a3c9 #fde0ef #e6f5d0 #a1d76a #4d9221",
    "#c51b7d #e9a3c9 #fde0ef #f7f7f7 #e6f5d0 #a1d76a #4d9221",
    "#c51b7d #de77ae #f1b6da #fde0ef #e6f5d0 #b8e186 #7fbc41 #4d9221",
    "#c51b7d #de77ae #f1b6da #fde0ef #f7f7f7 #e6f5d0 #b8e186 #7fbc41 #4d9221",
    "#8e0152 #c51b7d #de77ae #f1b6da #fde0ef #e6f5d0 #b8e186 #7fbc41 #4d9221 #276419",
    "#8e0152 #c51b7d #de77ae #f1b6da #fde0ef #f7f7f7 #e6f5d0 #b8e186 #7fbc41 #4d9221 #276419",
};

static const char *const ramp_PRGn[] = {
    "#af8dc3 #f7f7f7 #7fbf7b",
    "#7b3294 #c2a5cf #a6dba0 #008837",
    "#7b3294 #c2a5cf #f7f7f7 #a6dba0 #008837",
    "#762a83 #af8dc3 #e7d4e8 #d9f0d3 #7fbf7b #1b7837",
    "#762a83 #af8dc3 #e7d4e8 #f7f7f7 #d9f0d3 #7fbf7b #1b7837",
    "#762a83 #9970ab #c2a5cf #e7d4e8 #d9f0d3 #a6dba0 #5aae61 #1b7837",
    "#762a83 #9970ab #c2a5cf #e7d4e8 #f7f7f7 #d9f0d3 #a6dba0 #5aae61 #1b7837",
    "#40004b #762a83 #9970ab #c2a5cf #e7d4e8 #d9f0d3 #a6dba0 #5aae61 #1b7837 #00441b",
    "#40004b #762a83 #9970ab #c2a5cf #e7d4e8 #f7f7f7 #d9f0d3 #a6dba0 #5aae61 #1b7837 #00441b",
};

static const char *const ramp_PuOr[] = {
    "#998ec3 #f7f7f7 #f1a340",
    "#5e3c99 #b2abd2 #fdb863 #e66101",
    "#5e3c99 #b2abd2 #f7f7f7 #fdb863 #e66101",
    "#542788 #998ec3 #d8daeb #fee0b6 #f1a340 #b35806",
    "#542788 #998ec3 #d8daeb #f7f7f7 #fee0b6 #f1a340 #b35806",
    "#542788 #8073ac #b2abd2 #d8daeb #fee0b6 #fdb863 #e08214 #b35806",
    "#542788 #8073ac #b2abd2 #d8daeb #f7f7f7 #fee0b6 #fdb863 #e08214 #b35806",
    "#2d004b #542788 #8073ac #b2abd2 #d8daeb #fee0b6 #fdb863 #e08214 #b35806 #7f3b08",
    "#2d004b #542788 #8073ac #b2abd2 #d8daeb #f7f7f7 #fee0b6 #fdb863 #e08214 #b35806 #7f3b08",
};

static const char *const ramp_RdBu[] = {
    "#ef8a62 #f7f7f7 #67a9cf",
    "#ca0020 #f4a582 #92c5de #0571b0",
    "#ca0020 #f4a582 #f7f7f7 #92c5de #0571b0",
    "#b2182b #ef8a62 #fddbc7 #d1e5f0 #67a9cf #2166ac",
    "#b2182b #ef8a62 #fddbc7 #f7f7f7 #d1e5f0 #67a9cf #2166ac",
    "#b2182b #d6604d #f4a582 #fddbc7 #d1e5f0 #92c5de #4393c3 #2166ac",
    "#b2182b #d6604d #f4a582 #fddbc7 #f7f7f7 #d1e5f0 #92c5de #4393c3 #2166ac",
    "#67001f #b2182b #d6604d #f4a582 #fddbc7 #d1e5f0 #92c5de #4393c3 #2166ac #053061",
    "#67001f #b2182b #d6604d #f4a582 #fddbc7 #f7f7f7 #d1e5f0 #92c5de #4393c3 #2166ac #053061",
};

static const char *const ramp_RdGy[] = {
    "#ef8a62 #ffffff #999999",
    "#ca0020 #f4a582 #bababa #404040",
    "#ca0020 #f4a582 #ffffff #bababa #404040",
    "#b2182b #ef8a62 #fddbc7 #e0e0e0 #999999 #4d4d4d",
    "#b2182b #ef8a62 #fddbc7 #ffffff #e0e0e0 #999999 #4d4d4d",
    "#b2182b #d6604d #f4a582 #fddbc7 #e0e0e0 #bababa #878787 #4d4d4d",
    "#b2182b #d6604d #f4a582 #fddbc7 #ffffff #e0e0e0 #bababa #878787 #4d4d4d",
    "#67001f #b2182b #d6604d #f4a582 #fddbc7 #e0e0e0 #bababa #878787 #4d4d4d #1a1a1a",
    "#67001f #b2182b #d6604d #f4a582 #fddbc7 #ffffff #e0e0e0 #bababa #878787 #4d4d4d #1a1a1a",
};

static const char *const ramp_RdYlBu[] = {
    "#fc8d59 #ffffbf #91bfdb",
    "#d7191c #fdae61 #abd9e9 #2c7bb6",
    "#d7191c #fdae61 #ffffbf #abd9e9 #2c7bb6",
    "#d73027 #fc8d59 #fee090 #e0f3f8 #91bfdb #4575b4",
    "#d73027 #fc8d59 #fee090 #ffffbf #e0f3f8 #91bfdb #4575b4",
    "#d73027 #f46d43 #fdae61 #fee090 #e0f3f8 #abd9e9 #74add1 #4575b4",
    "#d73027 #f46d43 #fdae61 #fee090 #ffffbf #e0f3f8 #abd9e9 #74add1 #4575b4",
    "#a50026 #d73027 #f46d43 #fdae61 #fee090 #e0f3f8 #abd9e9 #74add1 #4575b4 #313695",
    "#a50026 #d73027 #f46d43 #fdae61 #fee090 #ffffbf #e0f3f8 #abd9e9 #74add1 #4575b4 #313695",
};

static const char *const ramp_RdYlGn[] = {
    "#fc8d59 #ffffbf #91cf60",
    "#d7191c #fdae61 #a6d96a #1a9641",
    "#d7191c #fdae61 #ffffbf #a6d96a #1a9641",
    "#d73027 #fc8d59 #fee08b #d9ef8b #91cf60 #1a9850",
    "#d73027 #fc8d59 #fee08b #ffffbf #d9ef8b #91cf60 #1a9850",
    "#d73027 #f46d43 #fdae61 #fee08b #d9ef8b #a6d96a #66bd63 #1a9850",
    "#d73027 #f46d43 #fdae61 #fee08b #ffffbf #d9ef8b #a6d96a #66bd63 #1a9850",
    "#a50026 #d73027 #f46d43 #fdae61 #fee08b #d9ef8b #a6d96a #66bd63 #1a9850 #006837",
    "#a50026 #d73027 #f46d43 #fdae61 #fee08b #ffffbf #d9ef8b #a6d96a #66bd63 #1a9850 #006837",
};

static const char *const ramp_Spectral[] = {
    "#fc8d59 #ffffbf #99d594",
    "#d7191c #fdae61 #abdda4 #2b83ba",
    "#d7191c #fdae61 #ffffbf #abdda4 #2b83ba",
    "#d53e4f #fc8d59 #fee08b #e6f598 #99d594 #3288bd",
    "#d53e4f #fc8d59 #fee08b #ffffbf #e6f598 #99d594 #3288bd",
    "#d53e4f #f46d43 #fdae61 #fee08b #e6f598 #abdda4 #66c2a5 #3288bd",
    "#d53e4f #f46d43 #fdae61 #fee08b #ffffbf #e6f598 #abdda4 #66c2a5 #3288bd",
    "#9e0142 #d53e4f #f46d43 #fdae61 #fee08b #e6f598 #abdda4 #66c2a5 #3288bd #5e4fa2",
    "#9e0142 #d53e4f #f46d43 #fdae61 #fee08b #ffffbf #e6f598 #abdda4 #66c2a5 #3288bd #5e4fa2",
};

/* One ramp a line: clang-format would pack them. */
/* clang-format off */
const im_ramp_table im_ramp_tables[] = {
    {"Blues", false, 3, 9, ramp_Blues, NULL},
    {"Greens", false, 3, 9, ramp_Greens, NULL},
    {"Greys", false, 3, 9, ramp_Greys, NULL},
    {"Oranges", false, 3, 9, ramp_Oranges, NULL},
    {"Purples", false, 3, 9, ramp_Purples, NULL},
    {"Reds", false, 3, 9, ramp_Reds, NULL},
    {"BuGn", false, 3, 9, ramp_BuGn, NULL},
    {"BuPu", false, 3, 9, ramp_BuPu, NULL},
    {"GnBu", false, 3, 9, ramp_GnBu, NULL},
    {"OrRd", false, 3, 9, ramp_OrRd, NULL},
    {"PuBu", false, 3, 9, ramp_PuBu, NULL},
    {"PuBuGn", false, 3, 9, ramp_PuBuGn, NULL},
    {"PuRd", false, 3, 9, ramp_PuRd, NULL},
    {"RdPu", false, 3, 9, ramp_RdPu, NULL},
    {"YlGn", false, 3, 9, ramp_YlGn, NULL},
    {"YlGnBu", false, 3, 9, ramp_YlGnBu, NULL},
    {"YlOrBr", false, 3, 9, ramp_YlOrBr, NULL},
    {"YlOrRd", false, 3, 9, ramp_YlOrRd, NULL},
    {"BrBG", true, 3, 11, ramp_BrBG, NULL},
    {"PiYG", true, 3, 11, ramp_PiYG, NULL},
    {"PRGn", true, 3, 11, ramp_PRGn, NULL},
    {"PuOr", true, 3, 11, ramp_PuOr, NULL},
    {"RdBu", true, 3, 11, ramp_RdBu, NULL},
    {"RdGy", true, 3, 11, ramp_RdGy, NULL},
    {"RdYlBu", true, 3, 11, ramp_RdYlBu, NULL},
    {"RdYlGn", true, 3, 11, ramp_RdYlGn, NULL},
    {"Spectral", true, 3, 11, ramp_Spectral, NULL},
    {"viridis", false, 2, IM_RAMP_MAX_CLASSES, NULL, im_lut_viridis},
    {"magma", false, 2, IM_RAMP_MAX_CLASSES, NULL, im_lut_magma},
    {"inferno", false, 2, IM_RAMP_MAX_CLASSES, NULL, im_lut_inferno},
    {"plasma", false, 2, IM_RAMP_MAX_CLASSES, NULL, im_lut_plasma},
};
/* clang-format on */
const size_t im_ramp_table_count = sizeof im_ramp_tables / sizeof im_ramp_tables[0];

const char *const im_palette_all_names[] = {
    "vric",    "okabe-ito", "set2",    "dark2",  "paired",  "tableau10", "set1",    "set3", "accent",
    "pastel1", "pastel2",   "Blues",   "Greens", "Greys",   "Oranges",   "Purples", "Reds", "BuGn",
    "BuPu",    "GnBu",      "OrRd",    "PuBu",   "PuBuGn",  "PuRd",      "RdPu",    "YlGn", "YlGnBu",
    "YlOrBr",  "YlOrRd",    "BrBG",    "PiYG",   "PRGn",    "PuOr",      "RdBu",    "RdGy", "RdYlBu",
    "RdYlGn",  "Spectral",  "viridis", "magma",  "inferno", "plasma",    NULL};
