# shellcheck shell=bash
# Sourced by tests/ref/run.sh and tests/ref/update.sh: which maps have a
# reference and how each is rendered, so that the test and the update render
# exactly alike.

# ref_list SOURCE_DIR: one line per reference, "NAME SPEC [RENDER ARGS...]":
# - every map spec of styles/ (a file with a top-level map: key; styles/vric.yaml
#   is a style sheet), at 40 dpi on its own page size: small PNGs;
# - every spec of tests/ref/specs/ (furniture layouts), at its own page size
#   and dpi (small pages at 72 dpi).
ref_list() {
  local src=$1 spec
  for spec in "$src"/styles/*.yaml; do
    if grep -q '^map:' "$spec"; then
      echo "$(basename "$spec" .yaml) $spec --dpi 40"
    fi
  done
  for spec in "$src"/tests/ref/specs/*.yaml; do
    echo "$(basename "$spec" .yaml) $spec"
  done
}

# ref_references DIR: the reference PNGs in DIR (not the .new.png and
# .diff.png a failure leaves), by name.
ref_references() {
  local f name
  for f in "$1"/*.png; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .png)
    case $name in
      *.new | *.diff) ;;
      *) echo "$name" ;;
    esac
  done
}
