#!/usr/bin/env bash
# gallery.sh BUILD_DIR: renders every map spec of styles/ small (PNG, 45 dpi)
# into docs/gallery/ and writes docs/gallery.md, the page README links to,
# so that a reader sees what influmap makes. Run it after a change that
# alters a map, and commit the pictures with the change.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: scripts/gallery.sh BUILD_DIR}/influmap
mkdir -p docs/gallery
{
  echo "# Gallery"
  echo
  echo "The map set of \`styles/\` as \`scripts/quickstart.sh\` renders it (here at 45 dpi;"
  echo "\`out/\` holds them at full size in PNG, SVG and PDF). Made by \`scripts/gallery.sh\`."
  echo
} >docs/gallery.md
for spec in styles/*.yaml; do
  grep -q '^map:' "$spec" || continue
  name=$(basename "$spec" .yaml)
  "$bin" render "$spec" -o "docs/gallery/$name.png" --dpi 45 2>/dev/null
  title=$(sed -n 's/^  title: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$spec" | head -1)
  printf '## %s\n\n`styles/%s.yaml`%s\n\n![%s](gallery/%s.png)\n\n' "$name" "$name" \
    "${title:+: $title}" "${title:-$name}" "$name" >>docs/gallery.md
done
echo "gallery: $(ls docs/gallery/*.png | wc -l) maps, $(du -ch docs/gallery/*.png | tail -1 | cut -f1) in docs/gallery/"
