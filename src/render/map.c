/* One map onto a Cairo context: the only layer loop. A single map's page
 * (page/page.c), each panel of small multiples and the probes of furniture
 * and multiples (furniture/) all draw through im_render_draw, so a map, a
 * panel and a probe draw the same layers the same way; what differs is
 * said in im_render_draw_opts. */
#include <stdlib.h>

#include "core/error-private.h"
#include "render/render-private.h"

im_status im_render_ctx_attach(im_render_ctx *rc, cairo_t *cr, const im_labeler *sink_from, im_error *err) {
  rc->cr = rc->page.cr = cr;
  rc->labeler = rc->page.labeler = im_labeler_create(cr, rc->dev_w, rc->dev_h, rc->dev_per_pt, rc->frame.dpi);
  if (!rc->labeler)
    return im_error_set(err, IM_STATUS_INTERNAL, rc->map->path, 0, 0, "out of memory");
  if (sink_from) {
    void *user = NULL;
    im_text_sink sink = im_labeler_text_sink(sink_from, &user);
    if (sink)
      im_labeler_set_text_sink(rc->labeler, sink, user);
  }
  return IM_STATUS_OK;
}

void im_render_ctx_attach_shared(im_render_ctx *rc, cairo_t *cr, im_labeler *labeler) {
  rc->cr = rc->page.cr = cr;
  rc->labeler = rc->page.labeler = labeler;
  rc->labeler_shared = true;
}

im_status im_render_ctx_open_image(im_render_ctx *rc, const im_map *map, const im_render_options *opt, im_error *err) {
  im_status st = im_render_ctx_init(rc, map, opt, false, err);
  if (st)
    return st;
  cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, rc->frame.width_px, rc->frame.height_px);
  cairo_t *cr = cairo_create(surface);
  cairo_surface_destroy(surface); /* cr holds it */
  st = im_render_ctx_attach(rc, cr, NULL, err);
  if (st) {
    im_render_ctx_detach(rc);
    cairo_destroy(cr);
  }
  return st;
}

void im_render_ctx_close_image(im_render_ctx *rc) {
  cairo_t *cr = rc->cr;
  im_render_ctx_detach(rc);
  cairo_destroy(cr);
  im_render_ctx_fini(rc);
}

void im_render_ctx_detach(im_render_ctx *rc) {
  if (!rc->labeler_shared)
    im_labeler_free(rc->labeler);
  rc->labeler = rc->page.labeler = NULL;
  rc->labeler_shared = false;
  rc->cr = rc->page.cr = NULL;
}

static void paint_background(im_render_ctx *rc, im_render_background bg) {
  im_color c = rc->map->background;
  if (bg == IM_BACKGROUND_NONE || (bg != IM_BACKGROUND_PAGE_OPAQUE && !(c.a > 0)))
    return;
  cairo_t *cr = rc->cr;
  if (rc->page.globe) {
    /* The sea inside the projection's outline; paper round it. */
    if (bg == IM_BACKGROUND_PAGE_OPAQUE) {
      cairo_set_source_rgb(cr, 1, 1, 1);
      cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
      cairo_paint(cr);
      cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    }
    if (!(c.a > 0))
      return;
    cairo_save(cr);
    cairo_rectangle(cr, rc->fx0, rc->fy0, rc->fw, rc->fh);
    cairo_clip(cr);
    im_render_globe_path(cr, rc->page.globe);
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
    cairo_fill(cr);
    cairo_restore(cr);
    return;
  }
  cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
  if (bg == IM_BACKGROUND_FRAME) {
    /* A panel: its frame only; the cell round it is the page's. */
    cairo_rectangle(cr, rc->fx0, rc->fy0, rc->fw, rc->fh);
    cairo_fill(cr);
    return;
  }
  if (bg == IM_BACKGROUND_PAGE_OVER) {
    /* A host's page: the background is laid over it, like any paint. */
    cairo_paint(cr);
    return;
  }
  cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint(cr);
  cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
}

/* The projection's outline over the layers, when asked (map: outline:). */
static void stroke_globe(im_render_ctx *rc) {
  const im_map *map = rc->map;
  double w = im_length_to_pt(map->outline_width, rc->frame.dpi) * rc->dev_per_pt;
  if (!rc->page.globe || !(map->outline_color.a > 0) || !(w > 0))
    return;
  cairo_t *cr = rc->cr;
  cairo_save(cr);
  cairo_rectangle(cr, rc->fx0, rc->fy0, rc->fw, rc->fh);
  cairo_clip(cr);
  im_render_globe_path(cr, rc->page.globe);
  cairo_set_line_width(cr, w);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_source_rgba(cr, map->outline_color.r, map->outline_color.g, map->outline_color.b, map->outline_color.a);
  cairo_stroke(cr);
  cairo_restore(cr);
}

im_status im_render_draw(im_render_ctx *rc, const im_render_draw_opts *o, im_error *err) {
  const im_map *map = rc->map;
  im_render_lap(rc, &rc->times.setup); /* --timings: the surface and labeler */
  paint_background(rc, o->background);
  /* The overlay (furniture): margins and graticule before the layers;
   * legend, scale bar, ... after them, as label obstacles. */
  im_status st = o->overlay ? o->overlay->begin(&rc->page, err) : IM_STATUS_OK;
  rc->features_kept = rc->features_lost = 0;
  rc->strict = o->strict;
  for (size_t i = 0; i < map->nlayers && !st; i++) {
    if (o->legend_layers_only && map->layers[i].legend_hide)
      continue;
    rc->layer_index = i;
    st = im_render_layer(rc, &map->layers[i], err);
  }
  /* Every feature met was lost to the projection (a source in metres
   * without its .prj, taken for degrees; a projection that cannot show
   * the data): an empty map with exit 0 would hide it. A map that only
   * meets no feature (an empty filter, open sea) is not this. */
  if (!st && rc->features_lost && !rc->features_kept)
    st = im_error_set(err, IM_STATUS_INPUT, map->path, 0, 0,
                      "nothing to draw: every feature of every layer (%zu) lies outside the valid longitude/latitude "
                      "range or the projection's domain; check the sources' CRS (their .prj) and the map's crs",
                      rc->features_lost);
  if (!st)
    stroke_globe(rc);
  if (!st && o->after_layers)
    st = o->after_layers(rc, o->user, err);
  if (st || o->layers_only)
    return st;
  if (o->overlay && (st = o->overlay->finish(&rc->page, err)))
    return st;
  im_render_lap(rc, &rc->times.draw);
  /* Labels of every layer compete for space together, on top. */
  if (!im_labeler_place(rc->labeler))
    return im_error_set(err, IM_STATUS_INTERNAL, map->path, 0, 0, "out of memory placing labels");
  /* A required label that fits nowhere fails the map rather than leave
   * out what the figure is for. */
  const char *text, *layer;
  if (im_labeler_missing(rc->labeler, &text, &layer))
    return im_error_set(
        err, IM_STATUS_INPUT, map->path, 0, 0,
        "required label \"%s\" (layer %s) fits nowhere near its feature, even with a leader or "
        "its short form, nor as a number of the map's numbered key: make room (a smaller font, a larger "
        "page), list it in a numbered key (label key: auto and a top-level key:) or set required: false",
        text, layer);
  im_label_stats ls = im_labeler_stats(rc->labeler);
  if (o->strict && ls.dropped) {
    const char *first = NULL;
    im_labeler_dropped(rc->labeler, &first, 1);
    return im_error_set(err, IM_STATUS_INPUT, map->path, 0, 0,
                        "%zu of %zu labels not placed (the first: \"%s\"); strict rendering places every label",
                        ls.dropped, ls.candidates, first ? first : "");
  }
  im_labeler_draw(rc->labeler, rc->cr);
  /* The key lists the labels placed as numbers: known only now. */
  if (o->overlay && o->overlay->labelled && (st = o->overlay->labelled(&rc->page, err)))
    return st;
  im_render_lap(rc, &rc->times.labels);
  return IM_STATUS_OK;
}

void im_render_add_stats(const im_render_ctx *rc, im_render_stats *into, const im_render_stats *want) {
  im_label_stats ls = im_labeler_stats(rc->labeler);
  into->label_candidates += ls.candidates;
  into->labels_placed += ls.placed;
  into->labels_dropped += ls.dropped;
  into->labels_with_leader += ls.with_leader;
  into->labels_misattached += ls.misattached;
  into->labels_keyed += ls.keyed;
  into->join_unmatched += rc->join_unmatched;
  into->join_duplicates += rc->join_duplicates;
  if (!want || !want->on_dropped_label || !ls.dropped)
    return;
  const char **texts = calloc(ls.dropped, sizeof *texts);
  size_t n = texts ? im_labeler_dropped(rc->labeler, texts, ls.dropped) : 0;
  for (size_t i = 0; i < n; i++)
    want->on_dropped_label(want->user, texts[i]);
  free(texts);
}

im_status im_render_check_map(const im_map *map, im_error_list *errors, im_error *err) {
  im_render_ctx rc;
  im_status st = im_render_ctx_init(&rc, map, NULL, true, err);
  im_error first;
  im_error_clear(&first);
  for (size_t i = 0; i < map->nlayers && !st; i++) {
    im_error e;
    im_error_clear(&e);
    st = im_render_check_layer(&rc, &map->layers[i], &e);
    if (st == IM_STATUS_INPUT && errors) {
      /* The next layer is checked all the same. */
      if (!im_error_list_add(errors, &e)) {
        st = im_error_set(err, IM_STATUS_INTERNAL, map->path, 0, 0, "out of memory");
        break;
      }
      if (!first.status)
        first = e;
      st = IM_STATUS_OK;
    } else if (st && err) {
      *err = e;
    }
  }
  im_render_ctx_fini(&rc);
  if (st && errors && err && st != IM_STATUS_INTERNAL && !im_error_list_add(errors, err))
    st = im_error_set(err, IM_STATUS_INTERNAL, map->path, 0, 0, "out of memory");
  if (!st && first.status) {
    if (err)
      *err = first;
    st = first.status;
  }
  return st;
}
