/* The CRSs already resolved, kept on disk between runs (crs-store.c).
 *
 * Resolving "ESRI:54030" or the ESRI WKT of a shapefile's .prj means
 * opening proj.db and querying it: 10 to 20 ms, a sixth of a whole map. A
 * CRS read back from its PROJJSON needs no database. So the first run
 * stores each CRS's PROJJSON under its definition, and later runs read it.
 *
 * The store is a folder: the calling thread's context's cache folder
 * (context.h; none: no store), else $INFLUMAP_CACHE_DIR (empty or "off": no store),
 * else $XDG_CACHE_HOME/influmap, else $HOME/.cache/influmap; one file per
 * definition, named by a hash of it, holding the key (the definition, the
 * PROJ release and the size and time of proj.db, so a PROJ upgrade starts
 * afresh), the SHA-256 of the PROJJSON and the PROJJSON: a file whose
 * PROJJSON is not what was written (cut short, edited) is a miss, and is
 * written again. Only CRSs that needed proj.db are stored (codes, WKT; a
 * PROJ string is made as quickly without it); nothing the reader would
 * refuse (over 1 MiB) is written; past 512 files the least recently used
 * go (a file read is touched). Files are written whole and renamed into
 * place, so concurrent runs never read half a file; any failure just means
 * no store (the CRS is resolved as usual). */
#ifndef IM_CRS_STORE_PRIVATE_H
#define IM_CRS_STORE_PRIVATE_H

/* The PROJJSON stored for definition, or NULL (none, no store, or a file
 * of another key). The caller frees it. */
char *im_crs_store_get(const char *definition);

/* Stores projjson for definition; failures are ignored. */
void im_crs_store_put(const char *definition, const char *projjson);

#endif
