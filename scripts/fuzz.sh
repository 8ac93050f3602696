#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) in
# build-fuzz/ and runs each, one after another, for SECONDS (default 60) on
# top of a copy of its corpus (tests/fuzz/corpus/<target>/, plus the
# regression inputs in tests/bad-input/fuzz/<target>/), so runs do not grow
# the repository. Prints one line per target; exits 1 when any target found
# a crash, a hang (10 s), a leak or more than 2 GB of memory, leaving the
# input that did it in build-fuzz/runs/<target>/.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# Targets: shapefile geojson csv spec filter crs (default: all).
# FUZZ_BUILD=DIR builds elsewhere than build-fuzz/.
# FUZZ_RUNS=N: each target stops after N executions instead, SECONDS being
# then a limit it must not reach (a target that has not made N executions
# in SECONDS fails). CI runs the fast targets (csv, filter) to 10^6 so.
# FUZZ_SEED=N (default 1): libFuzzer's seed. One seed makes a run repeat
# the same inputs on the same build, so CI replays what was run before a
# change landed rather than drawing new ones at random.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
shift || true
if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -eq 0 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(shapefile geojson csv spec filter crs)

if ! command -v clang >/dev/null; then
  echo "fuzz: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi

build=${FUZZ_BUILD:-build-fuzz}
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINFLUMAP_FUZZ=ON \
  -DINFLUMAP_TESTS=OFF -DBUILD_SHARED_LIBS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The libraries' own leaks (tests/lsan.supp says which and why) are not findings.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

failed=0
nfailed=0
for t in "${targets[@]}"; do
  run=$build/runs/$t
  rm -rf "$run"
  mkdir -p "$run/corpus"
  cp -r "tests/fuzz/corpus/$t/." "$run/corpus/"
  seeds=("$run/corpus")
  if [ -d "tests/bad-input/fuzz/$t" ]; then
    seeds+=("tests/bad-input/fuzz/$t")
  fi
  start=$(ls "$run/corpus" | wc -l)
  set +e
  limits=(-max_total_time="$secs")
  [ -z "${FUZZ_RUNS:-}" ] || limits+=(-runs="$FUZZ_RUNS")
  "$build/tests/fuzz/fuzz_$t" "${limits[@]}" -seed="${FUZZ_SEED:-1}" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$run/" "${seeds[@]}" >"$run/log" 2>&1
  code=$?
  set -e
  final_stat() { awk -v k="$1" '$1 == "stat::" k ":" { print $2 }' "$run/log" | tail -1; }
  runs=$(final_stat number_of_executed_units)
  speed=$(final_stat average_exec_per_sec)
  rss=$(final_stat peak_rss_mb)
  end=$(ls "$run/corpus" | wc -l)
  finding=$(ls "$run" | grep -E '^(crash|timeout|leak|oom|slow-unit)-' | head -1 || true)
  short=
  if [ -n "${FUZZ_RUNS:-}" ] && [ "${runs:-0}" -lt "$FUZZ_RUNS" ]; then
    short="made ${runs:-0} of $FUZZ_RUNS executions in ${secs}s"
  fi
  if [ "$code" -eq 0 ] && [ -z "$finding" ] && [ -z "$short" ]; then
    printf 'fuzz_%-9s ok     %4ss  %10s runs  %6s/s  corpus %4s -> %-5s peak %s MB\n' "$t" "$secs" "${runs:-?}" \
      "${speed:-?}" "$start" "$end" "${rss:-?}"
  else
    failed=1
    nfailed=$((nfailed + 1))
    what=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY' "$run/log" || true)
    what=${what:-$short}
    printf 'fuzz_%-9s FAILED after %s runs: %s (input: %s; log: %s)\n' "$t" "${runs:-?}" "${what:-exit $code}" \
      "${finding:+$run/$finding}" "$run/log"
  fi
done
echo "fuzz: $((${#targets[@]} - nfailed)) passed, $nfailed failed"
exit "$failed"
