#!/bin/sh
# Runs the whole ARTS test suite from a fresh clone:
#   1. a normal build (gcc, warnings are errors) and every test;
#   2. the same suite again under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. a clang build of the libFuzzer targets, each run for a short fixed time.
# Logs land in build*/meson-logs/; scripts/test-summary.sh counts them.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh

jobs=${ARTS_TEST_JOBS:-$(nproc)}
status=0

# setup DIR [meson setup options...]
setup() {
    dir=$1; shift
    [ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
    meson compile -C "$dir" >/dev/null || { meson compile -C "$dir"; exit 1; }
}

# check DIR [meson test options...]
check() {
    dir=$1; shift
    meson test -C "$dir" --num-processes "$jobs" --print-errorlogs "$@" || status=1
}

setup build
check build

setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dgui=disabled
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    check build-asan --no-suite fuzz

CC=clang setup build-fuzz -Dfuzz=true -Dgui=disabled
check build-fuzz --suite fuzz

sh scripts/test-summary.sh build build-asan build-fuzz
exit $status
