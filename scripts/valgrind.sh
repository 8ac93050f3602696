#!/usr/bin/env bash
# Renders every map spec in styles/ (files with a top-level map: key) to a
# small PNG under valgrind's memcheck, in a plain build (build-valgrind/),
# and reports per map. Memory errors and definite leaks count; what
# fontconfig, Pango, GLib and PROJ keep for the life of the process
# ("still reachable", "possibly lost") does not. tests/valgrind.supp holds
# suppressions for the libraries' own reports, if any are needed.
# Without SPECs, the embedding examples (examples/*.c) run under it too.
# Exits 1 when any map or example has an error or a definite leak.
#
# Usage: scripts/valgrind.sh [SPEC...]   (default: every map spec in styles/,
#                                          and the examples)
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
nrun=0
# Runs one program under memcheck (NAME, then the command; its standard
# output goes to $build/out/NAME.stdout) and reports it.
run() {
  local name=$1 log=$build/out/$1.valgrind.log code secs errors lost start
  shift
  nrun=$((nrun + 1))
  start=$(date +%s)
  set +e
  valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --suppressions=tests/valgrind.supp --num-callers=30 --log-file="$log" \
    "$@" >"$build/out/$name.stdout" 2>"$log.stderr"
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
}

for spec in "${specs[@]}"; do
  name=$(basename "$spec" .yaml)
  # Each map at its own page size (its required labels and numbered key are
  # laid out for it: on a thumbnail they may fit nowhere, which fails the
  # render by design), at 72 dpi to keep memcheck quick.
  run "$name" "$build/influmap" render "$spec" -o "$build/out/$name.png" --dpi 72
done

# With no SPEC given, the embedding examples too (examples/*.c: a host's
# report page, a PNG streamed to standard output, a host's in-memory events
# in the house style), built against this build installed in
# $build/prefix, as a host builds them.
if [ $# -eq 0 ]; then
  cmake --build "$build" -j"$(nproc)" >/dev/null
  prefix=$(cd "$build" && pwd)/prefix
  cmake --install "$build" --prefix "$prefix" >/dev/null
  pc=$(dirname "$(find "$prefix" -name influmap.pc | head -1)")
  flags=$(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs influmap cairo)
  libdir=$(PKG_CONFIG_PATH=$pc pkg-config --variable=libdir influmap)
  for ex in report-page stream-png host-events; do
    # shellcheck disable=SC2086 # flags are words
    cc -std=c17 -g -O1 "examples/$ex.c" $flags -Wl,-rpath,"$libdir" -o "$build/out/$ex"
  done
  run example-report-page "$build/out/report-page" styles/world-robinson.yaml styles/pacific.yaml \
    "$build/out/report-page.pdf"
  run example-stream-png "$build/out/stream-png" styles/pacific.yaml
  run example-host-events "$build/out/host-events" styles "$build/out/host-events.png" "$build/out/host-events.pdf"
fi
echo "valgrind: $((nrun - nfailed)) passed, $nfailed failed"
exit "$failed"
