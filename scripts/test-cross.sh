# Sourced by scripts/test.sh (step 4, docs/cross.md): the cross stages.
# Uses test.sh's setup, check, $jobs and $status; adds its build folders
# (and test logs) to $logs. Every foreign program runs under qemu-user
# through the cross file's wrapper: no binfmt_misc is assumed.

skipped() { echo "test.sh: SKIPPED $1: $2" >&2; }

# has TOOL...: every TOOL is on PATH (else says which is missing in $gap)
has() {
    for t; do
        command -v "$t" >/dev/null 2>&1 || { gap=$t; return 1; }
    done
}

# agent_libs TRIPLET: "false" when the target's GLib, json-glib, SQLite and
# libmosquitto are installed (multiarch -dev packages), else "true"
# (-Dengine_only=... : engine only).
agent_libs() {
    if PKG_CONFIG_LIBDIR=/usr/lib/$1/pkgconfig pkg-config --exists \
            glib-2.0 json-glib-1.0 sqlite3 libmosquitto; then
        echo false
    else
        echo true
    fi
}

# xsetup DIR [meson setup options...]: test.sh's setup, but a build that
# fails marks the run failed and lets the other stages go on.
xsetup() {
    (setup "$@") || { echo "test.sh: $1 did not build" >&2; status=1; return 1; }
}

# timed NAME COMMAND...: runs it, prints how long it took
timed() {
    name=$1; shift
    t0=$(date +%s)
    "$@"
    echo "test.sh: stage $name took $(( $(date +%s) - t0 )) s" >&2
}

if [ "$(id -u)" = 0 ]; then
    # The cross gccs, qemu-user, the i386 libraries; the agent's multiarch
    # -dev packages for armhf and aarch64 (s390x too when its mirror has
    # them: cross.sh says so and goes on without when not).
    # A failed install is reported; the stages it leaves without tools
    # are then skipped, the others run.
    t0=$(date +%s)
    sh scripts/install-deps.sh cross ||
        echo "test.sh: the cross packages did not install (above)" >&2
    sh scripts/cross.sh --install-only armhf aarch64 ||
        echo "test.sh: the armhf/arm64 packages did not install (above)" >&2
    echo "test.sh: cross packages took $(( $(date +%s) - t0 )) s" >&2
fi

# a. 32-bit: armhf under qemu-arm.
stage_armhf() {
    eo=$(agent_libs arm-linux-gnueabihf)
    [ "$eo" = true ] && echo "test.sh: armhf: no armhf GLib/json-glib/SQLite/libmosquitto (scripts/cross.sh armhf installs them): the engine alone" >&2
    xsetup build-armhf --cross-file cross/arm-linux-gnueabihf.ini -Dgui=disabled \
        -Dengine_only="$eo" || return 0
    # proc-self: reads its own CPU time from /proc/self/stat, which
    # qemu-user fakes (zeros).
    check build-armhf --suite unit --suite snapshot --suite conformance \
        --no-suite proc-self
}

# b. big-endian: s390x under qemu-s390x, the engine alone.
stage_s390x() {
    xsetup build-s390x --cross-file cross/s390x-linux-gnu.ini -Dgui=disabled \
        -Dengine_only=true || return 0
    check build-s390x --suite unit --suite snapshot --suite conformance
}

# a and b run side by side: most of their time goes to the snapshot
# identity tests, one qemu process at a time each (not parallel), which
# leaves a core free. b's output follows a's.
s390x_pid=""
if has s390x-linux-gnu-gcc qemu-s390x-static; then
    s390x_out=$(mktemp "${TMPDIR:-/tmp}/arts-s390x.XXXXXX")
    (status=0; timed s390x stage_s390x; exit $status) >"$s390x_out" 2>&1 &
    s390x_pid=$!
    logs="$logs build-s390x"
else
    skipped "big-endian stage (s390x)" "$gap not installed (as root: scripts/install-deps.sh cross)"
fi
if has arm-linux-gnueabihf-gcc qemu-arm-static; then
    timed armhf stage_armhf
    logs="$logs build-armhf"
else
    skipped "32-bit stage (armhf)" "$gap not installed (as root: scripts/install-deps.sh cross)"
fi
if [ -n "$s390x_pid" ]; then
    wait "$s390x_pid" || status=1
    cat "$s390x_out"
    rm -f "$s390x_out"
fi

# c. 32-bit fuzzing: clang -m32, fuzzer + UBSan (ASan hangs under qemu).
# Only the fuzz targets are built (the rest of an instrumented build is
# minutes of compiling for nothing).
# libFuzzer built for i386 reads no file of a corpus folder on ext4 or
# overlayfs under qemu-i386 ("0 files found": the 32-bit readdir cannot hold
# the 64-bit host's directory offsets); on a tmpfs the offsets are small.
# So where /dev/shm is writable the fuzzers build from a copy of the
# sources there (their corpora with them), and build-i386fuzz points at it.
i386fuzz_tree() {
    shm=${ARTS_TMPFS:-/dev/shm}
    if ! [ -d "$shm" ] || ! [ -w "$shm" ]; then
        echo "test.sh: i386 fuzz: no writable $shm: the fuzzers start without their seed corpora" >&2
        echo .
        return
    fi
    src=$shm/arts-i386fuzz-src
    rm -rf "$src" && mkdir -p "$src" &&
        tar --exclude=./.git --exclude='./build*' -cf - . | tar -C "$src" -xf - &&
        echo "$src"
}
stage_i386fuzz() {
    src=$(i386fuzz_tree)
    d=build-i386fuzz
    if [ "$src" != . ]; then
        rm -rf $d
        d=$src/build-i386fuzz
        ln -s "$d" build-i386fuzz
    fi
    [ -f $d/build.ninja ] ||
        meson setup $d "$src" --cross-file cross/i386-linux-gnu-clang-fuzz.ini \
            -Dgui=disabled -Dengine_only=true -Dfuzz=true >/dev/null ||
        { status=1; return 0; }
    fuzzers=$(python3 -c 'import json, os, sys
d = os.path.abspath(sys.argv[1])
for t in json.load(open(d + "/meson-info/intro-tests.json")):
    if "arts:fuzz" in t["suite"]:
        print(os.path.relpath(t["cmd"][0], d))' $d)
    # shellcheck disable=SC2086
    ninja -C $d $fuzzers >/dev/null || { ninja -C $d $fuzzers; status=1; return 0; }
    check $d --suite fuzz --no-rebuild
}
if has clang qemu-i386-static &&
   echo 'int main(void) { return 0; }' |
       clang -m32 -x c - -o build-i386-probe 2>/dev/null; then
    rm -f build-i386-probe
    timed i386fuzz stage_i386fuzz
    logs="$logs build-i386fuzz"
else
    rm -f build-i386-probe
    skipped "32-bit fuzz stage (i386)" "clang -m32 cannot link or qemu-i386-static missing (as root: scripts/install-deps.sh cross)"
fi

# d. scripts/cross.sh must not rot: aarch64 (agent + arts-wasm) and mips
# (arts-wasm alone), each run once under qemu (arts-wasm's command line).
# mips also runs the whole spec suite: 32-bit, big-endian, and legacy NaNs
# (docs/engine.md), about 35 s under qemu-mips.
stage_one_command() {
    arch=$1; shift
    sh scripts/cross.sh "$@" "$arch" >/dev/null || { status=1; return; }
    check "build-$arch" --no-rebuild wasm-cli
    if [ "$arch" = mips ]; then
        check "build-$arch" --no-rebuild --suite conformance \
            --logbase testlog-conformance
    fi
}
if has aarch64-linux-gnu-gcc qemu-aarch64-static; then
    eo=""
    [ "$(agent_libs aarch64-linux-gnu)" = true ] && eo=--engine-only &&
        echo "test.sh: aarch64: no arm64 GLib/json-glib/SQLite/libmosquitto: the engine alone" >&2
    timed aarch64 stage_one_command aarch64 $eo
    logs="$logs build-aarch64"
else
    skipped "aarch64 build" "$gap not installed (as root: scripts/install-deps.sh cross)"
fi
if has mips-linux-gnu-gcc qemu-mips-static; then
    timed mips stage_one_command mips
    logs="$logs build-mips build-mips/meson-logs/testlog-conformance.json"
else
    skipped "mips build" "$gap not installed (as root: scripts/install-deps.sh cross)"
fi

# e. a big-endian agent for the mixed realm: s390x built against a private
# sysroot (scripts/sysroot.sh), since the mirror's :s390x multiarch
# packages cannot match the host's security-updated versions. The agent
# alone is built; it runs under qemu with the sysroot's loader and libc.
stage_s390x_agent() {
    sh scripts/sysroot.sh s390x build-s390x-sysroot || { status=1; return 0; }
    d=build-s390x-agent
    [ -f $d/build.ninja ] ||
        meson setup $d --cross-file cross/s390x-linux-gnu.ini \
            --cross-file build-s390x-sysroot/sysroot.ini -Dgui=disabled >/dev/null ||
        { status=1; return 0; }
    ninja -C $d agent/arts-agent >/dev/null ||
        { ninja -C $d agent/arts-agent; status=1; }
}
if has s390x-linux-gnu-gcc qemu-s390x-static apt-get dpkg-deb; then
    timed s390x-agent stage_s390x_agent
else
    skipped "s390x agent" "$gap not installed (as root: scripts/install-deps.sh cross)"
fi

# qemu_for QEMU TRIPLET: the command the cross files run a program with
qemu_for() { echo "$1 -L /usr/$2 -E LD_LIBRARY_PATH=/usr/$2/lib"; }
# json_argv WORD...: the words as a JSON array (none holds a quote)
json_argv() {
    printf '['; sep=''
    for w; do printf '%s"%s"' "$sep" "$w"; sep=', '; done
    printf ']'
}

# The mixed realm (tests/hetero) with the foreign agents built above:
# ARTS_FOREIGN_AGENTS = {"ARCH": [qemu ..., agent], ...}.
foreign=""
s390x_agent=$PWD/build-s390x-agent/agent/arts-agent
if [ -x "$s390x_agent" ]; then
    foreign="\"s390x\": $(json_argv qemu-s390x-static -L \
        "$PWD/build-s390x-sysroot/root" "$s390x_agent")"
fi
for pair in aarch64:aarch64-linux-gnu:qemu-aarch64-static \
            armhf:arm-linux-gnueabihf:qemu-arm-static; do
    arch=${pair%%:*} rest=${pair#*:}
    triplet=${rest%%:*} qemu=${rest#*:}
    agent=$PWD/build-$arch/agent/arts-agent
    [ -x "$agent" ] || continue
    # shellcheck disable=SC2046
    foreign="$foreign${foreign:+, }\"$arch\": $(json_argv $(qemu_for "$qemu" "$triplet") "$agent")"
done
if [ -n "$foreign" ]; then
    export ARTS_FOREIGN_AGENTS="{$foreign}"
fi
# The engines of the other byte order for the cross-endian snapshot tests
# (tests/snapshot/cross-endian.sh): ARTS_S390X, ARTS_MIPS.
engine_under_qemu() {  # ARCH TRIPLET QEMU: the command that runs its arts-wasm
    w=$PWD/build-$1/agent/wasm/arts-wasm
    [ -x "$w" ] && echo "$(qemu_for "$3" "$2") $w"
}
ARTS_S390X=$(engine_under_qemu s390x s390x-linux-gnu qemu-s390x-static) &&
    export ARTS_S390X
ARTS_MIPS=$(engine_under_qemu mips mips-linux-gnu qemu-mips-static) &&
    export ARTS_MIPS
native=${ARTS_NATIVE_BUILD:-build}  # test.sh's step 1
stage_hetero() {
    check "$native" --suite hetero --logbase testlog-hetero
}
timed hetero stage_hetero
logs="$logs $native/meson-logs/testlog-hetero.json"
