#!/bin/sh
# Runs the whole ARTS test suite from a fresh clone:
#   1. a normal build (gcc, warnings are errors) and every test;
#   2. the same suite again under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. a clang build of the libFuzzer targets, each run for a short fixed time;
#   4. the cross stages (docs/cross.md), every foreign program under
#      qemu-user (no binfmt_misc is assumed):
#      a. 32-bit: armhf (agent and engine) — unit, snapshot, conformance;
#      b. big-endian: s390x (engine) — unit, snapshot, conformance;
#      c. 32-bit fuzzing: the engine's, snapshot and WASI channel fuzzers
#         built with clang -m32 -fsanitize=fuzzer,undefined, under
#         qemu-i386;
#      d. the one command still builds: scripts/cross.sh aarch64 (agent and
#         arts-wasm) and mips (arts-wasm; no multiarch packages there),
#         each smoke-tested (wasm-cli) under qemu;
#      then the mixed realm (suite hetero) with the foreign agents built.
#      As root the cross packages are installed; otherwise a stage whose
#      cross compiler or qemu is missing is skipped with a message.
#      ARTS_TEST_CROSS=0 leaves out all of step 4.
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
check build --no-suite hetero

setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dgui=disabled
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    check build-asan --no-suite fuzz --no-suite hetero

CC=clang setup build-fuzz -Dfuzz=true -Dgui=disabled
check build-fuzz --suite fuzz

logs="build build-asan build-fuzz"
if [ "${ARTS_TEST_CROSS:-1}" != 0 ]; then
    . scripts/test-cross.sh
fi
sh scripts/test-summary.sh $logs
exit $status
