/* The atlas: the batch's PDF maps again, as the pages of one PDF in
 * manifest order, each page its own size, with an outline (bookmarks): one
 * entry per map, grouped under the value of the first matrix variable when
 * there are several. Drawn, not copied: each map is rendered onto the
 * atlas's own surface, so fonts are embedded once for the whole book. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output-private.h"
#include "batch/batch-private.h"
#include "influmap/version.h"

static im_status draw_page(const im_manifest *m, const im_batch_job *job, cairo_surface_t *s, cairo_t *cr, char **title,
                           im_error *err) {
  im_map *map = NULL;
  im_frame frame;
  im_status st = im_batch_job_map(m, job, &map, err);
  if (!st)
    st = im_map_frame(map, NULL, &frame, err);
  if (!st) {
    cairo_pdf_surface_set_size(s, frame.width_pt, frame.height_pt);
    cairo_save(cr);
    st = im_map_render_to_cairo(map, cr, NULL, err);
    cairo_restore(cr);
  }
  if (!st) {
    *title = strdup(map->title && *map->title ? map->title : job->output);
    if (!*title)
      st = im_error_set(err, IM_STATUS_INTERNAL, job->output, 0, 0, "out of memory");
  }
  im_map_free(map);
  return st;
}

im_status im_batch_atlas(const im_manifest *m, const char *path, const bool *include, bool *failed, im_error *err) {
  im_output out;
  im_status st = im_output_open(&out, path, err);
  if (st)
    return st;
  /* The first page's size is replaced before anything is drawn on it. */
  cairo_surface_t *s = cairo_pdf_surface_create_for_stream(im_output_write, &out, 595, 842);
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "influmap " IM_VERSION_STRING);
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, m->path);
  cairo_t *cr = cairo_create(s);
  int page = 0, group = CAIRO_PDF_OUTLINE_ROOT;
  const char *group_value = NULL;
  for (size_t i = 0; i < m->njobs && !st; i++) {
    if (!include[i])
      continue;
    const im_batch_job *job = &m->jobs[i];
    char *title = NULL;
    im_batch_set_current_job(job);
    st = draw_page(m, job, s, cr, &title, err);
    im_batch_set_current_job(NULL);
    if (st) {
      failed[i] = true;
      break;
    }
    page++;
    /* Bookmarks: under the first variable's value when the matrix has
     * more than one variable (China > each of China's maps). */
    if (job->nparams > 1 && (!group_value || strcmp(group_value, job->params[0].value))) {
      char link[64];
      snprintf(link, sizeof link, "page=%d", page);
      group_value = job->params[0].value;
      group = cairo_pdf_surface_add_outline(s, CAIRO_PDF_OUTLINE_ROOT, group_value, link, 0);
    }
    char link[64];
    snprintf(link, sizeof link, "page=%d", page);
    cairo_pdf_surface_add_outline(s, job->nparams > 1 ? group : CAIRO_PDF_OUTLINE_ROOT, title, link, 0);
    free(title);
    cairo_show_page(cr);
  }
  cairo_destroy(cr);
  cairo_surface_finish(s);
  cairo_status_t cs = cairo_surface_status(s);
  cairo_surface_destroy(s);
  if (!st && cs != CAIRO_STATUS_SUCCESS)
    st = im_error_set(err, IM_STATUS_IO, path, 0, 0, "cannot write: %s",
                      out.write_errno ? strerror(out.write_errno) : cairo_status_to_string(cs));
  if (st) {
    im_output_abort(&out);
    return st;
  }
  return im_output_commit(&out, err);
}
