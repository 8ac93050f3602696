#!/usr/bin/env bash
# Renders every map spec in styles/ (files with a top-level map: key) to a
# small PNG under valgrind's memcheck, in a plain build (build-valgrind/),
# and reports per map. Memory errors and definite leaks count; what
# fontconfig, Pango, GLib and PROJ keep for the life of the process
# ("still reachable", "possibly lost") does not. tests/valgrind.supp holds
# suppressions for the libraries' own reports, if any are needed.
# Exits 1 when any map has an error or a definite leak.
#
# Usage: scripts/valgrind.sh [SPEC...]   (default: every map spec in styles/)
# VALGRIND_BUILD=DIR builds elsewhere than build-valgrind/.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
  echo "valgrind: not installed (apt-get install valgrind)" >&2
  exit 2
fi
build=${VALGRIND_BUILD:-build-valgrind}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINFLUMAP_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target influmap-cli >/dev/null
mkdir -p "$build/out"

specs=("$@")
if [ ${#specs[@]} -eq 0 ]; then
  for spec in styles/*.yaml; do
    if grep -q '^map:' "$spec"; then
      specs+=("$spec")
    fi
  done
fi

failed=0
nfailed=0
for spec in "${specs[@]}"; do
  name=$(basename "$spec" .yaml)
  log=$build/out/$name.valgrind.log
  # Each map at its own page size (its required labels and numbered key are
  # laid out for it: on a thumbnail they may fit nowhere, which fails the
  # render by design), at 72 dpi to keep memcheck quick.
  size=()
  start=$(date +%s)
  set +e
  valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --suppressions=tests/valgrind.supp --num-callers=30 --log-file="$log" \
    "$build/influmap" render "$spec" -o "$build/out/$name.png" "${size[@]}" --dpi 72 >/dev/null 2>"$log.stderr"
  code=$?
  set -e
  secs=$(($(date +%s) - start))
  errors=$(awk '/ERROR SUMMARY:/ { print $4 }' "$log" | tail -1)
  lost=$(awk '/definitely lost:/ { print $4 }' "$log" | tail -1)
  if [ "$code" -eq 0 ]; then
    printf 'valgrind %-22s ok      %3ss  errors %s, definitely lost %s bytes\n' "$name" "$secs" "${errors:-0}" \
      "${lost:-0}"
  else
    failed=1
    nfailed=$((nfailed + 1))
    printf 'valgrind %-22s FAILED  %3ss  exit %s, errors %s, definitely lost %s bytes (log: %s)\n' "$name" "$secs" \
      "$code" "${errors:-?}" "${lost:-?}" "$log"
  fi
done
echo "valgrind: $((${#specs[@]} - nfailed)) passed, $nfailed failed"
exit "$failed"
