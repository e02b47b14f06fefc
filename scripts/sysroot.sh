#!/bin/sh
# scripts/sysroot.sh ARCH DIR
#
# The agent's libraries for a foreign ARCH (GLib, json-glib, SQLite,
# libmosquitto and what they need) unpacked into a private sysroot DIR/root,
# and DIR/sysroot.ini, a meson cross file to give after cross/TRIPLET.ini
# that builds against it and runs the results under qemu-user with it.
#
# Where the multiarch route of scripts/cross.sh cannot install (Debian's
# :ARCH packages must carry exactly the host's versions; a mirror whose
# security updates for amd64 have no build for ARCH yet refuses them), this
# leaves the host's packages alone: apt resolves and downloads the target's
# packages with its own state (package lists in DIR/apt, an empty dpkg
# status), and dpkg -x unpacks them. The package lists are the host's apt
# sources, fetched for ARCH alone. docs/cross.md, "A private sysroot".
set -eu

usage() { echo "usage: scripts/sysroot.sh aarch64|armhf|s390x DIR" >&2; exit 2; }
[ $# = 2 ] || usage
case $1 in
    aarch64) triplet=aarch64-linux-gnu darch=arm64 qemu=qemu-aarch64-static ;;
    armhf) triplet=arm-linux-gnueabihf darch=armhf qemu=qemu-arm-static ;;
    s390x) triplet=s390x-linux-gnu darch=s390x qemu=qemu-s390x-static ;;
    *) usage ;;
esac
mkdir -p "$2"
dir=$(cd "$2" && pwd)
root=$dir/root
[ -f "$dir/sysroot.ini" ] && [ -d "$root/usr/lib/$triplet" ] && exit 0

# apt of our own: its lists, cache and (empty) dpkg status under DIR/apt,
# the architecture ARCH only; the host's sources and keys.
state=$dir/apt
mkdir -p "$state/lists/partial" "$state/archives/partial"
: > "$state/status"
aptopts="-o APT::Architecture=$darch -o APT::Architectures::=$darch
-o Dir::State=$state -o Dir::State::Lists=$state/lists
-o Dir::State::status=$state/status -o Dir::Cache=$state
-o Dir::Cache::archives=$state/archives -o Debug::NoLocking=1
-o APT::Sandbox::User=root"
# shellcheck disable=SC2086
apt-get $aptopts -qq update
# shellcheck disable=SC2086
apt-get $aptopts -qq -y --download-only --no-install-recommends install \
    libglib2.0-dev libjson-glib-dev libsqlite3-dev libmosquitto-dev >/dev/null

# Unpack all but the C library's development files: the cross gcc links
# against its own (the target's libc.so is a linker script with absolute
# paths that would point at the host's /lib).
rm -rf "$root.tmp"
mkdir -p "$root.tmp"
for deb in "$state"/archives/*.deb; do
    case ${deb##*/} in
        libc6-dev_*|linux-libc-dev_*|libcrypt-dev_*|libnsl-dev_*|libtirpc-dev_*)
            continue ;;
    esac
    dpkg-deb -x "$deb" "$root.tmp"
done
rm -rf "$root"
mv "$root.tmp" "$root"

# libmosquitto.pc says -L/usr/lib: the libraries' folder is given here too.
cat > "$dir/sysroot.ini" <<EOF
# Written by scripts/sysroot.sh $1: builds against the private sysroot
# $root and runs under qemu-user with its loader and libraries.
[binaries]
exe_wrapper = ['$qemu', '-L', '$root']

[properties]
sys_root = '$root'
pkg_config_libdir = '$root/usr/lib/$triplet/pkgconfig:$root/usr/share/pkgconfig'
arts_exe_wrapper = ['$qemu', '-L', '$root']

[built-in options]
c_link_args = ['-L$root/usr/lib/$triplet', '-Wl,-rpath-link=$root/usr/lib/$triplet:$root/lib/$triplet']
EOF
echo "sysroot: $1 libraries in $root ($(ls "$state"/archives/*.deb | wc -l) packages)" >&2
