#!/usr/bin/env bash
# Build the bundled Natural Earth base layers in this folder (shapes/).
#
# Developer-time tool: needs GDAL's ogr2ogr/ogrinfo (written against GDAL 3.6.2,
# built with SpatiaLite). The renderer itself only reads the resulting shapefiles.
#
# Usage: shapes/build.sh [SOURCE_DIR]
#   SOURCE_DIR defaults to ../shared/data/natural-earth relative to the repo root
#   (the folder documented by its PROVENANCE.md). Outputs are written next to
#   this script. See shapes/PROVENANCE.md for what each output is.
#
# Reproducible: running it twice gives byte-identical files. GDAL stamps
# today's date into bytes 1..3 of every .dbf header; this script overwrites
# them with the fixed date $DBF_DATE (default below).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
SRC="${1:-$REPO/../shared/data/natural-earth}"
[ -d "$SRC" ] || { echo "build.sh: source folder not found: $SRC" >&2; exit 1; }
SRC="$(cd "$SRC" && pwd)"
OUT="$HERE"
DBF_DATE="${DBF_DATE:-2026-11-27}"   # fixed DBF "last update" date (YYYY-MM-DD)

command -v ogr2ogr >/dev/null || { echo "build.sh: ogr2ogr (gdal-bin) is required" >&2; exit 1; }
command -v ogrinfo >/dev/null || { echo "build.sh: ogrinfo (gdal-bin) is required" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Same results regardless of the caller's environment.
export LC_ALL=C
unset SHAPE_ENCODING OGR_SQLITE_CACHE 2>/dev/null || true

# The Americas region R: lon -180..-20, lat -60..84, widened to lon -10 north
# of lat 59 so that Greenland (east coast to -11.4) and Iceland are not cut.
# No Natural Earth land polygon or coastline crosses the boundary of R (checked
# below), so "clipping" to R is the same as selecting whole parts.
R_WKT='POLYGON((-180 -60,-20 -60,-20 59,-10 59,-10 84,-180 84,-180 -60))'
# Latin America / Caribbean core box, used only to pick countries whose
# Natural Earth continent is not North/South America but that have land there
# (France: French Guiana, Martinique, Guadeloupe; Netherlands: Caribbean
# Netherlands; South Georgia; US Minor Outlying Is.: Navassa; and 10m-only
# features such as Clipperton I.).
CORE_WKT='POLYGON((-120 -60,-26 -60,-26 33,-120 33,-120 -60))'

SHP_LCO=(-lco ENCODING=UTF-8 -lco RESIZE=YES -lco SPATIAL_INDEX=NO)

clean() {  # remove a previous output set
  rm -f "$OUT/$1".shp "$OUT/$1".shx "$OUT/$1".dbf "$OUT/$1".prj "$OUT/$1".cpg "$OUT/$1".qix "$OUT/$1".sbn "$OUT/$1".sbx
}

fix_dbf_date() {  # overwrite the DBF header date (bytes 1..3: YY-1900, MM, DD)
  local f="$1" y m d
  IFS=- read -r y m d <<<"$DBF_DATE"
  printf "$(printf '\\%03o\\%03o\\%03o' $((10#$y - 1900)) $((10#$m)) $((10#$d)))" \
    | dd of="$f" bs=1 seek=1 count=3 conv=notrunc status=none
}

finish() {  # checks common to every output
  local n="$1" ext
  for ext in shp shx dbf prj cpg; do
    [ -s "$OUT/$n.$ext" ] || { echo "build.sh: missing $n.$ext" >&2; exit 1; }
  done
  [ "$(cat "$OUT/$n.cpg")" = "UTF-8" ] || { echo "build.sh: $n.cpg is not UTF-8" >&2; exit 1; }
  check_no_wrap "$n"
  fix_dbf_date "$OUT/$n.dbf"
  printf '%-45s %s\n' "$n" "$(ogrinfo -ro -so -al "$OUT/$n.shp" | grep -E '^Feature Count' )"
}

check_no_wrap() {  # fail if a part of any feature spans 180 degrees of longitude or more
  local n="$1" bad
  bad="$(count_sql "$OUT/$n.shp" "WITH RECURSIVE
      wide(g) AS (SELECT CastToMulti(geometry) FROM \"$n\" WHERE MbrMaxX(geometry) - MbrMinX(geometry) >= 180),
      k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < (SELECT max(ST_NumGeometries(g)) FROM wide))
    SELECT count(*) AS n FROM wide JOIN k ON k.i <= ST_NumGeometries(wide.g)
    WHERE MbrMaxX(GeometryN(wide.g, k.i)) - MbrMinX(GeometryN(wide.g, k.i)) >= 180")"
  [ "$bad" = "0" ] || { echo "build.sh: $n has $bad parts spanning >= 180 degrees of longitude" >&2; exit 1; }
}

count_sql() {  # count_sql DATASOURCE SQL -> prints the single integer n
  ogrinfo -ro -q -dialect SQLite -sql "$2" "$1" | sed -n 's/^ *n (Integer[0-9]*) = //p'
}

# Whole features of a source layer that meet R (not clipped).
whole_in_r() {  # whole_in_r OUTNAME SRCLAYER [select-list]
  local n="$1" layer="$2" cols="${3:-*}"
  clean "$n"
  ogr2ogr -f "ESRI Shapefile" "${SHP_LCO[@]}" -nln "$n" "$OUT/$n.shp" "$SRC/$layer.shp" \
    -dialect SQLite \
    -sql "SELECT $cols FROM \"$layer\" WHERE geometry IS NOT NULL AND ST_Intersects(geometry, GeomFromText('$R_WKT', 4326))"
  finish "$n"
}

# Land polygons or coastlines: explode to single parts, keep the parts within R.
# Fails if any part crosses the boundary of R (that would need real clipping).
parts_in_r() {  # parts_in_r OUTNAME SRCLAYER
  local n="$1" layer="$2" bad
  mkdir -p "$TMP/$layer"
  ogr2ogr -f "ESRI Shapefile" -lco ENCODING=UTF-8 -explodecollections -nln parts \
    "$TMP/$layer/parts.shp" "$SRC/$layer.shp"
  bad="$(count_sql "$TMP/$layer/parts.shp" \
    "SELECT count(*) AS n FROM parts WHERE ST_Intersects(geometry, GeomFromText('$R_WKT', 4326)) AND NOT ST_Within(geometry, GeomFromText('$R_WKT', 4326))")"
  [ "$bad" = "0" ] || { echo "build.sh: $bad parts of $layer cross the region boundary" >&2; exit 1; }
  clean "$n"
  ogr2ogr -f "ESRI Shapefile" "${SHP_LCO[@]}" -nln "$n" "$OUT/$n.shp" "$TMP/$layer/parts.shp" \
    -dialect SQLite \
    -sql "SELECT * FROM parts WHERE ST_Within(geometry, GeomFromText('$R_WKT', 4326))"
  finish "$n"
}

echo "source: $SRC"
echo "output: $OUT"

# ---------------------------------------------------------------- countries
# 10m world-atlas geometry (attributes: id = ISO 3166-1 numeric as text, name)
# + attributes of the clean NE 4.1.0 50m countries, joined in a temporary
# SpatiaLite database (the SQLite dialect over shapefiles cannot do this join).
N=ne_10m_admin_0_countries_americas
DB="$TMP/join.sqlite"
ogr2ogr -f SQLite -dsco SPATIALITE=YES -lco SPATIAL_INDEX=NO -lco LAUNDER=NO -lco FID=fid -preserve_fid \
  -nlt PROMOTE_TO_MULTI -nln wa "$DB" "$SRC/ne_10m_admin_0_countries_worldatlas.shp"
ogr2ogr -append -lco SPATIAL_INDEX=NO -lco LAUNDER=NO -lco FID=fid -preserve_fid \
  -nlt PROMOTE_TO_MULTI -nln c50 "$DB" "$SRC/ne_50m_admin_0_countries_4.1.0.shp"

# Match rank: 1 = same ISO numeric (compared as integers, so '032' = '32';
# NE's '-99' never matches) and same NAME; 2 = same ISO numeric only;
# 3 = world-atlas name = NE NAME; 4 = world-atlas name = NE ADMIN.
# The best-ranked candidate wins (ties: lowest 50m FID).
ISO_EQ="w.id IS NOT NULL AND c.ISO_N3 NOT LIKE '-%' AND CAST(c.ISO_N3 AS INTEGER) = CAST(w.id AS INTEGER)"
COUNTRY_COLS="c.ISO_A3, c.ISO_A2, c.ISO_N3, c.ISO_A3_EH, c.ADM0_A3, c.SOV_A3, c.GU_A3, c.UN_A3, c.WB_A3,
  c.NAME, c.NAME_LONG, c.NAME_SORT, c.NAME_EN, c.NAME_ES, c.NAME_PT, c.NAME_FR, c.FORMAL_EN, c.ABBREV, c.POSTAL,
  c.ADMIN, c.GEOUNIT, c.SUBUNIT, c.SOVEREIGNT, c.TYPE, c.CONTINENT, c.REGION_UN, c.SUBREGION, c.REGION_WB,
  c.POP_EST, c.POP_RANK, c.POP_YEAR, c.GDP_MD_EST, c.GDP_YEAR, c.ECONOMY, c.INCOME_GRP,
  c.LABELRANK, c.MIN_LABEL, c.MAX_LABEL, c.MAPCOLOR7, c.MAPCOLOR8, c.MAPCOLOR9, c.MAPCOLOR13,
  c.NE_ID, c.WIKIDATAID"
# A part "meets the core box" only if it does not wrap: world-atlas has rings
# that cross the antimeridian as one ring spanning -180..180 (Russia, Fiji,
# Antarctica); taken at face value they "touch" every longitude.
JOIN_SQL="
WITH RECURSIVE n(i) AS (
  SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < (SELECT max(NumGeometries(GEOMETRY)) FROM wa)
),
core AS (
  SELECT DISTINCT w.fid AS wfid FROM wa w JOIN n ON n.i <= NumGeometries(w.GEOMETRY)
  WHERE MbrMaxX(GeometryN(w.GEOMETRY, n.i)) - MbrMinX(GeometryN(w.GEOMETRY, n.i)) < 180
    AND ST_Intersects(GeometryN(w.GEOMETRY, n.i), GeomFromText('$CORE_WKT', 4326))
),
m AS (
  SELECT w.fid AS wfid, c.fid AS cfid,
    CASE WHEN $ISO_EQ AND c.NAME = w.name THEN 1
         WHEN $ISO_EQ THEN 2
         WHEN c.NAME = w.name THEN 3
         ELSE 4 END AS rnk
  FROM wa w JOIN c50 c ON ($ISO_EQ) OR c.NAME = w.name OR c.ADMIN = w.name
),
b AS (
  SELECT wfid, cfid, rnk FROM (
    SELECT wfid, cfid, rnk, ROW_NUMBER() OVER (PARTITION BY wfid ORDER BY rnk, cfid) AS rn FROM m)
  WHERE rn = 1
)
SELECT w.id AS WA_ID, w.name AS WA_NAME,
  CASE b.rnk WHEN 1 THEN 'iso_n3+name' WHEN 2 THEN 'iso_n3' WHEN 3 THEN 'name' WHEN 4 THEN 'admin' END AS JOIN_BY,
  $COUNTRY_COLS, w.GEOMETRY
FROM wa w
LEFT JOIN b ON b.wfid = w.fid
LEFT JOIN c50 c ON c.fid = b.cfid
WHERE w.GEOMETRY IS NOT NULL
  AND (c.CONTINENT IN ('North America', 'South America')
       OR w.fid IN (SELECT wfid FROM core))
ORDER BY w.fid"
clean "$N"
ogr2ogr -f "ESRI Shapefile" "${SHP_LCO[@]}" -nlt MULTIPOLYGON -a_srs EPSG:4326 -nln "$N" "$OUT/$N.shp" "$DB" -sql "$JOIN_SQL"
finish "$N"
echo "  join: features without 50m attributes:"
ogrinfo -ro -q -sql "SELECT WA_ID, WA_NAME FROM \"$N\" WHERE JOIN_BY IS NULL" "$OUT/$N.shp" \
  | sed -n 's/^ *WA_NAME (String) = /    /p'
echo "  join: features matched by name/ADMIN fallback:"
ogrinfo -ro -q -sql "SELECT WA_NAME, JOIN_BY FROM \"$N\" WHERE JOIN_BY IN ('name', 'admin', 'iso_n3')" "$OUT/$N.shp" \
  | sed -n 's/^ *WA_NAME (String) = /    /p' | grep . || echo "    (none)"

# ---------------------------------------------------------------- land, coast
parts_in_r ne_10m_land_americas ne_10m_land
parts_in_r ne_10m_coastline_americas ne_10m_coastline

# ---------------------------------------------------------------- whole features meeting R
whole_in_r ne_10m_lakes_americas ne_10m_lakes
whole_in_r ne_10m_rivers_americas ne_10m_rivers_lake_centerlines
whole_in_r ne_10m_admin_0_boundary_lines_americas ne_10m_admin_0_boundary_lines_land
whole_in_r ne_10m_ports_americas ne_10m_ports

# ---------------------------------------------------------------- admin-1 (Latin America)
# All 624 features; drops most of the localized name_* fields and the 33
# FCLASS_* point-of-view fields, keeps the core ones.
N=ne_10m_admin_1_latam
clean "$N"
ogr2ogr -f "ESRI Shapefile" "${SHP_LCO[@]}" -nln "$N" "$OUT/$N.shp" \
  "$SRC/ne_10m_admin_1_states_provinces_latam.shp" \
  -select "featurecla,scalerank,adm1_code,diss_me,iso_3166_2,wikipedia,iso_a2,adm0_sr,name,name_alt,name_local,type,type_en,code_local,code_hasc,note,hasc_maybe,region,region_cod,region_sub,sub_code,provnum_ne,gadm_level,check_me,datarank,abbrev,postal,area_sqkm,labelrank,name_len,mapcolor9,mapcolor13,fips,fips_alt,woe_id,latitude,longitude,sov_a3,adm0_a3,adm0_label,admin,geonunit,gu_a3,gn_id,gn_name,gn_a1_code,min_label,max_label,min_zoom,wikidataid,name_en,name_es,name_pt,name_fr,ne_id"
finish "$N"

# ---------------------------------------------------------------- populated places (Latin America)
N=ne_10m_populated_places_latam
clean "$N"
ogr2ogr -f "ESRI Shapefile" "${SHP_LCO[@]}" -nln "$N" "$OUT/$N.shp" \
  "$SRC/ne_10m_populated_places_latam.shp" \
  -select "SCALERANK,NATSCALE,LABELRANK,FEATURECLA,NAME,NAMEALT,NAMEASCII,NAME_EN,NAME_ES,NAME_PT,ADM0CAP,CAPALT,CAPIN,WORLDCITY,MEGACITY,SOV0NAME,SOV_A3,ADM0NAME,ADM0_A3,ADM1NAME,ISO_A2,LATITUDE,LONGITUDE,POP_MAX,POP_MIN,POP_OTHER,RANK_MAX,RANK_MIN,GEONAMEID,TIMEZONE,min_zoom,wikidataid"
# NAME with its accents where Natural Earth left them off ("Merida" beside
# the state of "Mérida"): shapes/accents.py.
/usr/bin/python3 "$HERE/accents.py" "$OUT/$N.shp"
finish "$N"

# ---------------------------------------------------------------- 50m world countries (clean NE 4.1.0)
# Byte-exact copy, renamed without the version suffix (its DBF keeps its own
# 2018-05-21 header date).
N=ne_50m_admin_0_countries
clean "$N"
for ext in shp shx dbf prj cpg; do
  cp "$SRC/ne_50m_admin_0_countries_4.1.0.$ext" "$OUT/$N.$ext"
done
chmod 644 "$OUT/$N".*
printf '%-45s %s\n' "$N" "$(ogrinfo -ro -so -al "$OUT/$N.shp" | grep -E '^Feature Count')"

echo "done; total size: $(du -sh "$OUT" | cut -f1)"
