#!/usr/bin/env bash
# Runs the whole test suite twice: a warnings-as-errors build, then the same
# tests under AddressSanitizer + UndefinedBehaviorSanitizer, and last the
# threaded render test under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== structure: includes run one way (scripts/check-includes.py), code formatted (scripts/format.sh)"
python3 scripts/check-includes.py
scripts/format.sh --check

echo "== build (-Wall -Wextra -Wpedantic -Werror)"
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINFLUMAP_WERROR=ON >/dev/null
cmake --build build-test -j"$jobs"
echo "== the shared library exports exactly the public API (scripts/check-exports.sh)"
scripts/check-exports.sh build-test
(cd build-test && ctest --output-on-failure -j"$jobs")

echo "== build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DINFLUMAP_WERROR=ON -DINFLUMAP_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
(cd build-asan && ctest --output-on-failure -j"$jobs")

echo "== ThreadSanitizer: one map rendered from several threads at once (tests/test_threads.c)"
# gcc's libtsan comes with build-essential (libgcc-12-dev, libtsan2).
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINFLUMAP_WERROR=ON -DINFLUMAP_TSAN=ON >/dev/null
cmake --build build-tsan -j"$jobs" --target test_threads test_context test_embed
TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" build-tsan/tests/test_threads
# Two contexts' warnings from two threads (context.h).
TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" build-tsan/tests/test_context
# A box on an image host, replayed in bands on two threads (page/embed.c).
TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" build-tsan/tests/test_embed
