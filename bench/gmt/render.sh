#!/bin/sh
# Render one benchmark map with GMT 6 (modern mode): render.sh MAP OUT FORMAT
# MAP is latam-50m, world-robinson or latam-10m; FORMAT png or pdf (GMT has no SVG output:
# `gmt begin` knows no svg format). OUT is the output file.
#
# Differences from the reference maps, all of them GMT's own way of doing things:
# - The projection is GMT's own, not a PROJ string (GMT 6.4 reads "-J+proj=..." but then
#   takes -R in degrees and fails on this frame). laea is -JA-70/-15/180/WIDTH (horizon 180
#   degrees, as the frame reaches 88.6 degrees from the centre) with the frame as -R in km
#   relative to the projection centre (+uk), the same frame as PROJ's (no false origin).
#   Robinson (-JN) cannot take that frame: its corners are off the globe and gmt plot fails
#   (a refused 1.35 GB allocation and a crash in gmt_fix_up_path; with PROJ_ELLIPSOID set to
#   a sphere it allocated 23 GB until the kernel killed it). So the world
#   is drawn with -Rd at the width PROJ gives it (2 x 17005833.33 m / 11600 m per px =
#   2932.0402 px), shifted by the frame's margins (33.97989, 6.45218 px) onto a 3000 x 1500
#   background; the scale then does not depend on GMT's sphere radius.
# - GMT draws through PostScript and Ghostscript (psconvert): E72 makes 1 pt = 1 px, A+r
#   crops to the frame rounding (not ceiling) its bounding box, Qg4,Qt4 antialias.
# - Segments are drawn as great-circle arcs (GMT's default), not straight in lon/lat.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 MAP OUT png|pdf" >&2; exit 2; }
map=$1 out=$2 fmt=$3
here=$(cd "$(dirname "$0")" && pwd)
shapes=$here/../../shapes
case $fmt in
  png) opts=A+r,E72,Qg4,Qt4 ;;
  pdf) opts=A+r ;;
  *) echo "$0: no $fmt output in GMT" >&2; exit 2 ;;
esac
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
prefix=${out%.*}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
case $map in
  latam-50m)
    gmt begin "$prefix" "$fmt" "$opts"
    gmt basemap -R-5500/5500/-5000/7000+uk -JA-70/-15/180/2200p -B+g#dbe9f4+n
    gmt plot "$shapes/ne_50m_admin_0_countries.shp" -G#f2efe9 -W1p,#555555
    gmt end ;;
  world-robinson)
    gmt begin "$prefix" "$fmt" "$opts"
    gmt basemap -R0/3000/0/1500 -Jx1p -B+g#dbe9f4+n
    gmt plot "$shapes/ne_50m_admin_0_countries.shp" -Rd -JN0/2932.0402p -X33.97989p -Y6.45218p \
      -G#f2efe9 -W1p,#555555
    gmt end ;;
  latam-10m)
    gmt begin "$prefix" "$fmt" "$opts"
    gmt basemap -R-5500/5500/-5000/7000+uk -JA-70/-15/180/2200p -B+g#dbe9f4+n
    gmt plot "$shapes/ne_10m_admin_0_countries_americas.shp" -G#f2efe9 -W1p,#555555
    gmt plot "$shapes/ne_10m_admin_1_latam.shp" -W0.5p,#555555
    gmt plot "$shapes/ne_10m_lakes_americas.shp" -G#dbe9f4 -W0.5p,#555555
    gmt plot "$shapes/ne_10m_rivers_americas.shp" -W0.5p,#555555
    gmt end ;;
  *) echo "$0: unknown map $map" >&2; exit 2 ;;
esac
