#!/bin/sh
# Installs the Debian 12 packages ARTS builds, runs and tests with.
# As root it runs apt-get itself; otherwise it prints the line to run.
#   scripts/install-deps.sh          what the build and `meson test` need
#   scripts/install-deps.sh cross    what scripts/test.sh's cross stages
#                                    need besides (docs/cross.md): the cross
#                                    gccs, qemu-user, the i386 libraries for
#                                    the 32-bit fuzzers (they coexist; not
#                                    gcc-multilib, which conflicts with them)
# The agent's multiarch -dev packages for the cross builds come from
# scripts/cross.sh (they need dpkg --add-architecture).
set -eu

PACKAGES="build-essential meson ninja-build pkg-config \
libglib2.0-dev libgtk-4-dev libadwaita-1-dev libjson-glib-dev libsqlite3-dev sqlite3 \
libmosquitto-dev mosquitto mosquitto-clients gettext appstream desktop-file-utils \
xvfb xauth xdotool imagemagick clang lld wasi-libc libclang-rt-dev-wasm32 \
libclang-rt-14-dev wabt nodejs openssl flatpak-builder"

CROSS_PACKAGES="qemu-user-static \
gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
gcc-arm-linux-gnueabihf libc6-dev-armhf-cross \
gcc-s390x-linux-gnu libc6-dev-s390x-cross \
gcc-mips-linux-gnu libc6-dev-mips-cross \
libc6-dev-i386 lib32gcc-12-dev lib32stdc++-12-dev"

if [ "${1:-}" = cross ]; then
    PACKAGES=$CROSS_PACKAGES
fi

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    echo "install-deps: installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "install-deps: missing packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
