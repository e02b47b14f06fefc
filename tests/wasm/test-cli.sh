#!/bin/sh
# arts-wasm's command line: validate, run (exit status and output of a
# WASI program), spec (closing line and exit status).
set -eu
exe=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
# Cross builds: run it through $ARTS_EXE_WRAPPER (qemu-user; words).
arts_wasm() { ${ARTS_EXE_WRAPPER-} "$exe" "$@"; }
src=${ARTS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/wasm/progs
tmp=$(mktemp -d "${TMPDIR:-/tmp}/arts-wasm-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

wat2wasm "$src/hello.wat" -o "$tmp/hello.wasm"
arts_wasm validate "$tmp/hello.wasm" >/dev/null || fail "validate of a valid module"
printf '\0asm\1\0\0\0\1\5' > "$tmp/bad.wasm"
if arts_wasm validate "$tmp/bad.wasm" 2>"$tmp/err"; then fail "validate of a bad module"; fi
grep -q "offset 0x" "$tmp/err" || fail "no offset in: $(cat "$tmp/err")"

set +e
arts_wasm run "$tmp/hello.wasm" >"$tmp/out"
status=$?
set -e
[ "$status" = 7 ] || fail "run exit status $status, want 7"
[ "$(cat "$tmp/out")" = hello ] || fail "run output: $(cat "$tmp/out")"
if arts_wasm run --fuel x "$tmp/hello.wasm" 2>/dev/null; then fail "bad --fuel taken"; fi

cd "$tmp"
wast2json --enable-all -o cli.json "$src/cli.wast"
arts_wasm spec cli.json >out || fail "spec: $(cat out)"
[ "$(tail -n 1 out)" = "3 passed, 0 failed, 1 skipped" ] || fail "spec line: $(tail -n 1 out)"
sed 's/"value": "3"/"value": "4"/' cli.json > wrong.json
if arts_wasm spec wrong.json >out 2>/dev/null; then fail "a failing spec file exited 0"; fi
[ "$(tail -n 1 out)" = "2 passed, 1 failed, 1 skipped" ] || fail "spec line: $(tail -n 1 out)"
echo ok
