#!/usr/bin/env bash
# Visual regression test (tests/ref/README.md): renders every map spec of
# styles/ and every furniture layout of tests/ref/specs/ small, compares each
# with its reference tests/ref/NAME.png (ref_compare, tests/ref/compare.c),
# then checks that the comparison itself still works: isolated pixels pass,
# a blob, a moved title, a moved point label and a changed letter fail.
#
# Usage: run.sh CLI SOURCE_DIR SCRATCH COMPARE
#   CLI      the influmap command      COMPARE  the ref_compare program
# On a failure ref_compare leaves tests/ref/NAME.new.png (the render) and
# NAME.diff.png (where it differs) beside the reference; tests/ref/update.sh
# BUILD_DIR makes the renders the new references.
set -uo pipefail

if [ $# -ne 4 ]; then
  echo "usage: run.sh CLI SOURCE_DIR SCRATCH COMPARE" >&2
  exit 2
fi
CLI=$1
SRC=$2
SCRATCH=$3
COMPARE=$4
REFDIR=$SRC/tests/ref
# shellcheck source=tests/ref/common.sh
. "$REFDIR/common.sh"

rm -rf "$SCRATCH"
mkdir -p "$SCRATCH/render" "$SCRATCH/self" || exit 2

failed=0
fail() {
  echo "FAIL: $*"
  failed=$((failed + 1))
}

# ---- every map against its reference ----
start=$(date +%s%N)
declare -A listed=()
n=0
while read -r name spec args; do
  n=$((n + 1))
  if [ -n "${listed[$name]:-}" ]; then
    fail "two specs are named $name: $spec and ${listed[$name]}"
    continue
  fi
  listed[$name]=$spec
  ref=$REFDIR/$name.png
  out=$SCRATCH/render/$name.png
  # shellcheck disable=SC2086 # ARGS are words
  if ! "$CLI" render "$spec" -o "$out" $args 2>"$SCRATCH/render/$name.log"; then
    fail "$name: influmap render $spec failed:"
    sed 's/^/  /' "$SCRATCH/render/$name.log"
    continue
  fi
  if [ ! -f "$ref" ]; then
    fail "$name: no reference $ref (a new map? run tests/ref/update.sh BUILD_DIR and commit it)"
    continue
  fi
  "$COMPARE" "$ref" "$out"
  code=$?
  if [ $code -ne 0 ]; then
    fail "$name: differs from its reference (ref_compare exit $code)"
  fi
done < <(ref_list "$SRC")
for name in $(ref_references "$REFDIR"); do
  if [ -z "${listed[$name]:-}" ]; then
    fail "$REFDIR/$name.png is the reference of no spec (remove it, or run tests/ref/update.sh BUILD_DIR)"
  fi
done
if [ "$n" -lt 14 ]; then
  fail "only $n specs found under $SRC: expected every map of styles/ and tests/ref/specs/"
fi
ms=$((($(date +%s%N) - start) / 1000000))
echo "ref: $n maps rendered and compared in $((ms / 1000)).$((ms % 1000 / 100)) s"

# ---- self-checks: the tolerance lets antialiasing through and catches moves ----
# expect CODE SLUG WHAT REF NEW: ref_compare must exit CODE (0 match, 1
# differ); its .new.png and .diff.png go to the scratch folder SLUG/, not
# beside the reference.
expect() {
  local want=$1 what=$3 got
  mkdir -p "$SCRATCH/self/$2"
  "$COMPARE" --out "$SCRATCH/self/$2" "$4" "$5" | sed 's/^/    | /'
  got=${PIPESTATUS[0]}
  if [ "$got" -eq "$want" ]; then
    echo "  self-check ok: $what (exit $got)"
  else
    fail "self-check: $what: ref_compare exited $got, expected $want"
  fi
}

# The comparer's own limits for this image size: "THRESHOLD MAX_PIXELS MAX_CLUSTER".
base=$REFDIR/influence-latam.png
read -r _threshold max_pixels max_cluster < <("$COMPARE" --limits "$base")
if [ -z "${max_cluster:-}" ]; then
  fail "self-check: ref_compare --limits $base printed nothing"
  max_pixels=1 max_cluster=1
fi
self=$SCRATCH/self
# perturbed CODE SLUG WHAT MODE ARG: a copy of the base made by ref_compare
# MODE ARG must compare with exit CODE.
perturbed() {
  if "$COMPARE" "$4" "$5" "$base" "$self/$2.png"; then
    expect "$1" "$2" "$3" "$base" "$self/$2.png"
  else
    fail "self-check: $3: ref_compare $4 $5 failed"
  fi
}
# Isolated pixels (each set to the opposite extreme: the worst antialiasing
# change of one pixel), as many as the limit allows: pass; one more: fail.
perturbed 0 isolated "$max_pixels isolated pixels changed" --perturb-isolated "$max_pixels"
perturbed 1 isolated-over "$((max_pixels + 1)) isolated pixels changed (over the count limit)" \
  --perturb-isolated "$((max_pixels + 1))"
# Every edge's antialiasing changed a little: the image resampled 0.1 px
# to the right (each edge pixel changes by up to a tenth of its contrast).
perturbed 0 shift "the whole image resampled 0.1 px to the right" --shift 0.1
# A cluster as large as allowed passes, one pixel more fails.
perturbed 0 blob "one cluster of $max_cluster pixels" --perturb-blob "$max_cluster"
perturbed 1 blob-over "one cluster of $((max_cluster + 1)) pixels (over the cluster limit)" \
  --perturb-blob "$((max_cluster + 1))"

# Renders of edited copies of a furniture layout must fail against its
# reference. The copy lives in the scratch folder with its paths made absolute.
# variant NAME SLUG WHAT OLD NEW: tests/ref/specs/NAME.yaml with the text OLD
# (found exactly once) replaced by NEW, rendered and compared.
variant() {
  local name=$1 slug=$2 what=$3 old=$4 new=$5 spec copy
  spec=$REFDIR/specs/$name.yaml
  copy=$self/$name-$slug.yaml
  sed "s#\.\./\.\./\.\./#$SRC/#g" "$spec" >"$copy.base"
  OLD=$old NEW=$new python3 -c '
import os, sys
text = open(sys.argv[1], encoding="utf-8").read()
old, new = os.environ["OLD"], os.environ["NEW"]
if text.count(old) != 1:
    sys.exit("%s: %r found %d times, not once" % (sys.argv[1], old, text.count(old)))
open(sys.argv[2], "w", encoding="utf-8").write(text.replace(old, new))' "$copy.base" "$copy" || {
    fail "self-check: $what: cannot edit $spec"
    return
  }
  if ! "$CLI" render "$copy" -o "$self/$name-$slug.png" 2>"$copy.log"; then
    fail "self-check: $what: render failed: $(cat "$copy.log")"
    return
  fi
  expect 1 "$name-$slug" "$what" "$REFDIR/$name.png" "$self/$name-$slug.png"
}
# A label moved far: the title from the top-left corner to the top centre.
variant furniture-corners title-moved "title moved from top-left to top" \
  'title: {text: "Central America and the Caribbean", position: top-left}' \
  'title: {text: "Central America and the Caribbean", position: top}'
# A label moved by one pixel: a point label sits its halo's width away from
# its marker, so a 2pt halo on Belmopan alone (1pt by default) pushes that
# label 1pt (1 px at 72 dpi) to the right, and nothing else moves.
variant furniture-corners label-moved "one point label moved 1 px (Belmopan)" \
  'where: "ADM0CAP = 1", legend: "Capital"}' \
  "where: \"ADM0CAP = 1\", legend: \"Capital\", rules: [{where: \"NAME = 'Belmopan'\", label: {halo: {color: white, width: 2pt}}}]}"
# One glyph changed in place: the left-aligned title's last letter.
variant furniture-corners letter-changed "one letter of the title changed (Caribbean -> Caribbeam)" \
  'Central America and the Caribbean", position: top-left' \
  'Central America and the Caribbeam", position: top-left'

if [ "$failed" -ne 0 ]; then
  echo "ref: $failed failure(s). A change meant to alter a map: tests/ref/update.sh BUILD_DIR, then review and commit"
  echo "the new references with the change (tests/ref/README.md)."
  exit 1
fi
echo "ref: all $n maps match their references; self-checks passed"
