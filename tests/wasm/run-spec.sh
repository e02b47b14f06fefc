#!/bin/sh
# run-spec.sh ARTS_WASM FILE.wast: converts one file of the official suite
# with wast2json into a fresh temporary folder and runs `arts-wasm spec`
# there; its exit status is arts-wasm's (1 when an assertion failed).
set -eu
exe=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
wast=$2
name=$(basename "$wast" .wast)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/arts-spec-$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
wast2json --enable-all -o "$tmp/$name.json" "$wast"
cd "$tmp"
# Cross builds: $ARTS_EXE_WRAPPER is the qemu command (unquoted: words).
# shellcheck disable=SC2086
${ARTS_EXE_WRAPPER-} "$exe" spec "$name.json"
