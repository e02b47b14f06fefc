#!/bin/sh
# scripts/cross.sh [--engine-only] [--install-only] [--all] ARCH...
#
# Cross-builds arts-agent and arts-wasm for ARCH (aarch64, armhf, s390x,
# mips) into build-ARCH/ with Debian 12's cross gcc and the meson cross file
# cross/TRIPLET.ini, and prints where the binaries are and how to run them
# under qemu-user (docs/cross.md). As root it installs what it needs first:
# the cross gcc and qemu-user-static (scripts/install-deps.sh cross) and,
# for the agent, the target's multiarch -dev packages (dpkg
# --add-architecture, then libglib2.0-dev:ARCH libjson-glib-dev:ARCH
# libsqlite3-dev:ARCH libmosquitto-dev:ARCH); otherwise it prints the apt
# lines to run and stops.
#
#   --engine-only   arts-wasm and the engine alone (-Dengine_only=true): no
#                   GLib, json-glib, SQLite or libmosquitto for the target.
#                   Always so for mips: Debian 12 has no multiarch packages
#                   for big-endian mips (not a release architecture).
#   --install-only  install (or print) what ARCH needs, build nothing
#   --all           build every target (the tests too), not just the two
set -eu
cd "$(dirname "$0")/.."

engine_only=0 install_only=0 all=0 arches=""
for a in "$@"; do
    case $a in
        --engine-only) engine_only=1 ;;
        --install-only) install_only=1 ;;
        --all) all=1 ;;
        aarch64|armhf|s390x|mips) arches="$arches $a" ;;
        *) echo "usage: scripts/cross.sh [--engine-only] [--install-only] [--all] aarch64|armhf|s390x|mips..." >&2
           exit 2 ;;
    esac
done
[ -n "$arches" ] || { echo "usage: scripts/cross.sh [--engine-only] [--install-only] [--all] aarch64|armhf|s390x|mips..." >&2; exit 2; }

# arch -> triplet, Debian architecture (empty: no multiarch), qemu
facts() {
    case $1 in
        aarch64) triplet=aarch64-linux-gnu darch=arm64 qemu=qemu-aarch64-static ;;
        armhf) triplet=arm-linux-gnueabihf darch=armhf qemu=qemu-arm-static ;;
        s390x) triplet=s390x-linux-gnu darch=s390x qemu=qemu-s390x-static ;;
        mips) triplet=mips-linux-gnu darch="" qemu=qemu-mips-static ;;
    esac
}

installed() {
    dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q "install ok installed"
}

AGENT_DEV="libglib2.0-dev libjson-glib-dev libsqlite3-dev libmosquitto-dev"

# The cross toolchains and qemu (one list for every architecture).
sh scripts/install-deps.sh cross || exit 1

# The agent's libraries for each ARCH that needs them; ARCHES_ENGINE gets
# those that build the engine alone.
engine_arches="" sysroot_arches=""
for arch in $arches; do
    facts "$arch"
    if [ "$engine_only" = 1 ] || [ -z "$darch" ]; then
        [ -z "$darch" ] && [ "$engine_only" = 0 ] &&
            echo "cross: $arch: Debian 12 has no multiarch packages for it: building arts-wasm (the engine) alone, no arts-agent" >&2
        engine_arches="$engine_arches $arch"
        continue
    fi
    missing=""
    for p in $AGENT_DEV; do
        installed "$p:$darch" || missing="$missing $p:$darch"
    done
    [ -z "$missing" ] && continue
    if [ "$(id -u)" != 0 ]; then
        echo "cross: $arch: the agent needs the target's libraries; run as root:" >&2
        echo "  dpkg --add-architecture $darch && apt-get update && apt-get install -y --no-install-recommends$missing" >&2
        echo "  (or scripts/cross.sh --engine-only $arch for arts-wasm alone)" >&2
        exit 1
    fi
    echo "cross: $arch: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! dpkg --print-foreign-architectures | grep -qx "$darch"; then
        dpkg --add-architecture "$darch"
        apt-get update -qq
    fi
    # shellcheck disable=SC2086
    if ! apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
        # Seen for s390x: the mirror's security updates of amd64 libraries
        # (which :ARCH must match exactly) not there for s390x.
        # Then the agent builds against a private sysroot of the target's
        # packages, which leaves the host's alone (scripts/sysroot.sh).
        if sh scripts/sysroot.sh "$arch" "build-$arch-sysroot"; then
            echo "cross: $arch: the multiarch packages did not install (above): the agent builds against the private sysroot build-$arch-sysroot/ instead" >&2
            sysroot_arches="$sysroot_arches $arch"
        else
            echo "cross: $arch: neither the multiarch packages nor a private sysroot (above): building arts-wasm (the engine) alone, no arts-agent" >&2
            engine_arches="$engine_arches $arch"
        fi
    fi
done
[ "$install_only" = 1 ] && exit 0

for arch in $arches; do
    facts "$arch"
    dir=build-$arch
    eo=false
    case " $engine_arches " in *" $arch "*) eo=true ;; esac
    run="$qemu -L /usr/$triplet -E LD_LIBRARY_PATH=/usr/$triplet/lib"
    sysroot=""
    case " $sysroot_arches " in *" $arch "*)
        sysroot="--cross-file build-$arch-sysroot/sysroot.ini"
        run="$qemu -L $PWD/build-$arch-sysroot/root"
        # a build dir set up without the sysroot cannot take it later
        grep -qs sysroot.ini "$dir/meson-private/cmd_line.txt" || rm -rf "$dir" ;;
    esac
    if [ -f "$dir/build.ninja" ]; then
        meson configure "$dir" -Dengine_only=$eo >/dev/null
    else
        # shellcheck disable=SC2086
        meson setup "$dir" --cross-file "cross/$triplet.ini" $sysroot \
            -Dgui=disabled -Dengine_only=$eo >/dev/null
    fi
    targets="arts-wasm"
    [ "$eo" = false ] && targets="arts-wasm arts-agent"
    [ "$all" = 1 ] && targets=""
    # shellcheck disable=SC2086
    meson compile -C "$dir" $targets >/dev/null || { meson compile -C "$dir" $targets; exit 1; }
    echo "cross: $arch ($triplet) built in $dir/:"
    echo "  $dir/agent/wasm/arts-wasm"
    if [ "$eo" = false ]; then
        echo "  $dir/agent/arts-agent"
    else
        echo "  (no arts-agent: engine only)"
    fi
    echo "  run: $run $dir/agent/wasm/arts-wasm run prog.wasm"
    echo "  tests: meson test -C $dir   (through qemu, see cross/$triplet.ini)"
done
