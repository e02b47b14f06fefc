#!/bin/sh
# A local ARTS demo realm: builds ARTS, starts a mosquitto broker on a free
# 127.0.0.1 port with a config written here, the orchestrator and three
# agents (alpha, beta, gamma), starts a demo program on each (a counter on
# alpha, a CPU burner on beta, a sleeper on gamma, and a producer and a
# consumer talking over a channel), then follows the realm
# with `arts-ctl watch` (and opens the dashboard when there is a display).
# Ctrl-C stops it all.
#
#   scripts/demo.sh [--realm NAME] [--no-watch] [--duration S] [--keep]
#
#   --realm NAME   realm name (default: demo)
#   --no-watch     do not run arts-ctl watch in the foreground
#   --duration S   stop everything after S seconds (default: at Ctrl-C)
#   --keep         keep the run folder (logs, SQLite files) afterwards
#
# With ARTS_BUILD_DIR set (as the test suite does) it uses that build and
# neither installs packages nor builds.
set -eu
cd "$(dirname "$0")/.."

realm=demo
watch=1
duration=0
keep=0
while [ $# -gt 0 ]; do
    case $1 in
        --realm) realm=$2; shift 2 ;;
        --no-watch) watch=0; shift ;;
        --duration) duration=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case $duration in
    ''|*[!0-9]*) echo "demo.sh: --duration wants whole seconds" >&2; exit 2 ;;
esac

if [ -n "${ARTS_BUILD_DIR:-}" ]; then
    build=$ARTS_BUILD_DIR
else
    build=build
    sh scripts/install-deps.sh
    # Quiet when all goes well, the whole story when not (meson and
    # ninja report errors on stdout).
    buildlog=$(mktemp)
    if ! { [ -f "$build/build.ninja" ] || meson setup "$build"; } >"$buildlog" 2>&1 ||
       ! ninja -C "$build" -j"${ARTS_JOBS:-$(nproc)}" >>"$buildlog" 2>&1; then
        cat "$buildlog" >&2
        rm -f "$buildlog"
        echo "demo.sh: the build failed" >&2
        exit 1
    fi
    rm -f "$buildlog"
fi
agent=$build/agent/arts-agent
orchestrator=$build/orchestrator/arts-orchestrator
ctl=$build/cli/arts-ctl
dashboard=$build/gui/arts-dashboard
for b in "$agent" "$orchestrator" "$ctl"; do
    [ -x "$b" ] || { echo "demo.sh: $b is not built" >&2; exit 1; }
done

run=$(mktemp -d "${TMPDIR:-/tmp}/arts-demo.XXXXXX")
pids=""

cleanup() {
    trap - EXIT INT TERM
    # Stop the realm in the reverse order: agents say goodbye (reg delete)
    # while the orchestrator and the broker still listen.
    for pid in $pids; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$keep" = 1 ]; then
        echo "demo.sh: logs and state kept in $run" >&2
    else
        rm -rf "$run"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The broker: a port that is free now. mosquitto exits when the port is
# taken after all, so try a few.
start_broker() {
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
        cat >"$run/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
set_tcp_nodelay true
log_dest file $run/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
log_type subscribe
EOF
        [ "$(id -u)" = 0 ] && echo "user root" >>"$run/mosquitto.conf"
        setsid mosquitto -c "$run/mosquitto.conf" >/dev/null 2>&1 &
        broker_pid=$!
        i=0
        while [ $i -lt 50 ] && kill -0 "$broker_pid" 2>/dev/null; do
            if mosquitto_pub -h 127.0.0.1 -p "$port" -t "$realm/demo-probe" \
                   -n 2>/dev/null; then
                return 0
            fi
            sleep 0.1
            i=$((i + 1))
        done
        kill "$broker_pid" 2>/dev/null || true
        wait "$broker_pid" 2>/dev/null || true
    done
    echo "demo.sh: could not start mosquitto (see $run/mosquitto.log)" >&2
    return 1
}
start_broker
url=mqtt://127.0.0.1:$port
# The daemons run in their own sessions (setsid), so that Ctrl-C reaches
# only this script and arts-ctl watch; cleanup then stops them in list
# order: agents first (they say goodbye), the orchestrator, the broker last.
daemon_pids=""

mkdir -p "$run/orchestrator"
setsid "$orchestrator" --broker "$url" --realm "$realm" \
    --state-dir "$run/orchestrator" >"$run/orchestrator.log" 2>&1 &
daemon_pids="$! $daemon_pids"
# Agents register once per connection: start them when the orchestrator
# listens (its subscriptions show in the broker's log).
i=0
until grep -q " $realm/proc/" "$run/mosquitto.log" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then
        echo "demo.sh: the orchestrator did not subscribe; see $run/orchestrator.log" >&2
        exit 1
    fi
    sleep 0.05
done
for name in alpha beta gamma; do
    mkdir -p "$run/agent-$name"
    setsid "$agent" --broker "$url" --realm "$realm" --name "$name" \
        --state-dir "$run/agent-$name" >"$run/agent-$name.log" 2>&1 &
    daemon_pids="$! $daemon_pids"
done
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$dashboard" ]; then
    # Not installed: its GSettings schema is compiled in the build tree.
    GSETTINGS_SCHEMA_DIR=$build/data/dashboard${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR} \
        setsid "$dashboard" --broker "$url" --realm "$realm" >"$run/dashboard.log" 2>&1 &
    daemon_pids="$! $daemon_pids"
fi
pids="$daemon_pids $broker_pid"

# One demo program per agent, placed with --on. An agent is known to the
# orchestrator a moment after it starts: retry while the runtime is
# unknown.
start_demo() {
    rt=$1 prog=$2
    shift 2
    wasm=$build/data/demo/$prog.wasm
    if [ ! -f "$wasm" ]; then
        echo "demo.sh: $wasm is not built (needs clang for wasm32-wasi); no demo programs" >&2
        return 0
    fi
    i=0
    # shellcheck disable=SC2086
    while ! "$ctl" --broker "$url" --realm "$realm" start "$wasm" --on "$rt" \
              $demo_opts -- "$@" >"$run/start-$prog.log" 2>&1; do
        i=$((i + 1))
        if [ $i -gt 50 ]; then
            echo "demo.sh: could not start $prog on $rt:" >&2
            cat "$run/start-$prog.log" >&2
            return 0
        fi
        sleep 0.2
    done
    cat "$run/start-$prog.log"
}
demo_opts=""
start_demo alpha counter
start_demo beta cpu-burner
start_demo gamma sleeper 5
# Two programs that talk over a channel (docs/channels.md): the producer's
# numbers reach the consumer on another runtime, also while either moves.
demo_opts="--channel demo/numbers:w"
start_demo alpha producer
demo_opts="--channel demo/numbers:r"
start_demo gamma consumer
demo_opts=""

cat <<EOF
ARTS demo realm '$realm' is up.
  broker   $url
  runs in  $run (logs: *.log)
Look at it from another shell:
  $ctl --broker $url --realm $realm runtimes
  $ctl --broker $url --realm $realm stats alpha
  $ctl --broker $url --realm $realm history alpha system.cpu.utilization
Programs (started above; try your own with "start PROG.wasm --on beta"):
  $ctl --broker $url --realm $realm modules
  $ctl --broker $url --realm $realm logs --follow counter
  $ctl --broker $url --realm $realm logs --follow consumer
  $ctl --broker $url --realm $realm migrate counter gamma
  $ctl --broker $url --realm $realm stop sleeper
EOF

if [ "$watch" = 1 ]; then
    echo "Following the realm (Ctrl-C stops the demo):"
    set -- --broker "$url" --realm "$realm" watch
    [ "$duration" -gt 0 ] && set -- "$@" --duration "$duration"
    "$ctl" "$@" || true
elif [ "$duration" -gt 0 ]; then
    sleep "$duration"
else
    echo "Ctrl-C stops the demo."
    while :; do sleep 1; done
fi
