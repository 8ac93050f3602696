/* A host's own events drawn with the house style: the program holds a few
 * events in memory (as a report pipeline holds rows of its database), makes
 * a layer of them in code (im_layer_create, im_layer_add_point) and binds
 * it to the spec's `source: memory` layer (im_map_bind_layer); the spec is
 * a string that includes the house style sheet, styles/vric.yaml, whose
 * vric-events style colours by actor, draws a symbol per category and
 * labels each event. The map goes to a PNG and a PDF; each event's id and
 * the pixel of its mark in the PNG are printed (for an image map, say).
 *   cc host-events.c $(pkg-config --cflags --libs influmap) -o host-events
 *   ./host-events styles events.png events.pdf */
#include <stdio.h>
#include <string.h>

#include <influmap/influmap.h>

/* Five events of the December 2021 VRIC Monitor (shapes/influence/). */
typedef struct {
  const char *id, *name, *actor, *category, *status, *date, *country;
  double lon, lat;
} event;

static const event events[] = {
    {"chancay-port", "Chancay mega-port", "China", "port", "under construction", "2021-12", "PER", -77.27, -11.58},
    {"aiib-loan-ecuador", "AIIB loan of USD 50 million to Ecuador", "China", "finance", "occurred", "2021-12", "ECU",
     -78.47, -0.18},
    {"russia-apc-venezuela", "Russian armoured-vehicle talks with Venezuela", "Russia", "military", "proposed",
     "2021-12", "VEN", -66.88, 10.49},
    {"iran-cultural-centre-boric", "Iranian cultural centre in Santiago backs Boric", "Iran", "media", "occurred",
     "2021", "CHL", -70.67, -33.45},
    {"nicaragua-breaks-taiwan", "Nicaragua breaks with Taiwan", "other", "diplomacy", "occurred", "2021-12", "NIC",
     -86.27, 12.15},
};
enum { NEVENTS = sizeof events / sizeof events[0] };

/* The spec: the house style sheet and base map, the events from memory.
 * It is read as if it were a file in the styles folder (its name resolves
 * include: and ../shapes/). */
static const char spec[] =
    "include: vric.yaml\n"
    "map:\n"
    "  title: {text: \"Five events of the December 2021 VRIC Monitor\", placement: inside}\n"
    "  subtitle: {text: \"Drawn by a host from its own data, in the house style\", placement: inside}\n"
    "  page: {width: 150mm, height: 170mm, dpi: 150}\n"
    "  crs: \"+proj=laea +lat_0=-10 +lon_0=-75 +datum=WGS84 +units=m +no_defs\"\n"
    "  extent: {west: -96, east: -54, south: -40, north: 29}\n"
    "  background: \"#dbe9f4\"\n"
    "  credits: \"Base map: Natural Earth. Data: VRIC Monitor, December 2021.\"\n"
    "layers:\n"
    "  - {id: countries, source: ../shapes/ne_10m_admin_0_countries_americas.shp, style: vric-countries}\n"
    "  - {id: events, source: memory, schema: events, style: vric-events}\n"
    "legend:\n"
    "  position: bottom-left\n"
    "  sections: [{title: Actor, by: actor}, {title: Category, by: category}, {title: Status, by: status}]\n";

static void print_warning(void *user, const char *message) {
  (void)user;
  fprintf(stderr, "warning: %s\n", message);
}

/* The layer: the fields the events schema asks for, then one point per
 * event, its values as text. */
static im_status make_events(im_layer **out, im_error *err) {
  static const im_field fields[] = {
      {.name = "id", .type = IM_FIELD_STRING},      {.name = "name", .type = IM_FIELD_STRING},
      {.name = "actor", .type = IM_FIELD_STRING},   {.name = "category", .type = IM_FIELD_STRING},
      {.name = "status", .type = IM_FIELD_STRING},  {.name = "date", .type = IM_FIELD_DATE},
      {.name = "country", .type = IM_FIELD_STRING},
  };
  im_status st = im_layer_create("host events", "EPSG:4326", fields, sizeof fields / sizeof fields[0], out, err);
  for (size_t i = 0; i < NEVENTS && !st; i++) {
    const event *e = &events[i];
    const char *values[] = {e->id, e->name, e->actor, e->category, e->status, e->date, e->country};
    st = im_layer_add_point(*out, e->lon, e->lat, values, err);
  }
  if (st) {
    im_layer_free(*out);
    *out = NULL;
  }
  return st;
}

/* Where each event's mark is in the PNG: its place in the map's CRS, on
 * the frame (this spec has no margins: the frame is the page). */
static im_status print_marks(const im_map *map, im_error *err) {
  im_frame f;
  im_status st = im_map_frame(map, NULL, &f, err);
  if (st)
    return st;
  im_geo_ctx *ctx = im_geo_ctx_create();
  im_crs *crs = NULL, *geog = NULL;
  im_transform *t = NULL;
  if (!ctx)
    return im_error_set(err, IM_STATUS_INTERNAL, NULL, 0, 0, "out of memory");
  st = im_crs_create(ctx, im_map_crs(map), NULL, 0, 0, &crs, err);
  if (!st)
    st = im_crs_create(ctx, "EPSG:4326", NULL, 0, 0, &geog, err);
  if (!st)
    st = im_transform_create(ctx, geog, crs, &t, err);
  for (size_t i = 0; i < NEVENTS && !st; i++) {
    double xy[2] = {events[i].lon, events[i].lat};
    im_transform_array(t, xy, 1, false);
    printf("%s %d %d\n", events[i].id, (int)((xy[0] - f.xmin) / (f.xmax - f.xmin) * f.width_px),
           (int)((f.ymax - xy[1]) / (f.ymax - f.ymin) * f.height_px));
  }
  im_transform_free(t);
  im_crs_free(geog);
  im_crs_free(crs);
  im_geo_ctx_free(ctx);
  return st;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s STYLES_DIR OUT.png OUT.pdf\n", argv[0]);
    return 2;
  }
  im_warning_set_handler(print_warning, NULL);
  im_error err;
  im_error_clear(&err);
  char name[4096];
  snprintf(name, sizeof name, "%s/host-events.yaml", argv[1]);
  im_map *map = NULL;
  im_layer *layer = NULL;
  im_status st = im_map_load_string(spec, strlen(spec), name, &map, &err);
  if (!st)
    st = make_events(&layer, &err);
  /* The map owns the layer once bound; until then it is ours to free. */
  if (!st && (st = im_map_bind_layer(map, "events", layer, &err)))
    im_layer_free(layer);
  for (int i = 2; i < 4 && !st; i++)
    st = im_map_render(map, argv[i], NULL, &err);
  if (!st)
    st = print_marks(map, &err);
  im_map_free(map);
  if (st) {
    char buf[2048];
    fprintf(stderr, "%s\n", im_error_format(&err, buf, sizeof buf));
    return 1;
  }
  return 0;
}
