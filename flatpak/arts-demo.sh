#!/bin/sh
# arts-demo: a whole realm inside the flatpak sandbox — a private mosquitto
# on a free 127.0.0.1 port, the orchestrator and three agents — with the
# dashboard open on it. Everything stops when the dashboard closes.
set -eu

realm=demo
dir=${XDG_RUNTIME_DIR:-/tmp}/arts-demo.$$
mkdir -p "$dir"

# A free port: ask for port 0 once and take what the kernel gives.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18830)
url="mqtt://127.0.0.1:$port"

cat > "$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
log_dest file $dir/mosquitto.log
CONF

pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

mosquitto -c "$dir/mosquitto.conf" & pids="$pids $!"
# The broker listens within a fraction of a second; give it up to 5 s.
for _ in 1 2 3 4 5 6 7 8 9 10; do
    grep -q "Opening ipv4 listen socket" "$dir/mosquitto.log" 2>/dev/null && break
    sleep 0.5
done

mkdir -p "$dir/orchestrator"
arts-orchestrator --broker "$url" --realm "$realm" --state-dir "$dir/orchestrator" \
    > "$dir/orchestrator.log" 2>&1 & pids="$pids $!"
# Agents register once per connection: let the orchestrator subscribe first.
sleep 1
for name in laptop router edge-server; do
    mkdir -p "$dir/agent-$name"
    arts-agent --broker "$url" --realm "$realm" --name "$name" \
        --state-dir "$dir/agent-$name" > "$dir/agent-$name.log" 2>&1 &
    pids="$pids $!"
done

# The demo programs, when the build installed them (data/demo): one on
# each agent, so there is something to watch and to drag around.
demo=/app/share/arts/demo
if [ -d "$demo" ]; then
    sleep 2
    set -- laptop:counter router:cpu-burner edge-server:sleeper
    for pair; do
        agent=${pair%%:*} prog=${pair#*:}
        [ -f "$demo/$prog.wasm" ] &&
            arts-ctl --broker "$url" --realm "$realm" start \
                "$demo/$prog.wasm" --name "$prog" --on "$agent" \
                > "$dir/start-$prog.log" 2>&1 || true
    done
fi

arts-dashboard --broker "$url" --realm "$realm"
