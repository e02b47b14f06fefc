#!/usr/bin/python3
"""Channel round-trip latency and throughput between two modules on two
runtimes over a local mosquitto (real orchestrator and agents). The
reference, measured in the same run against the same broker, is a bare
MQTT client's own round trip through the broker (mqtt_ref.py); a channel
round trip crosses the broker twice, so the ratio printed is the channel
median over twice the broker median: what agents and engines add.
Usage: channels.py --build-dir BUILD [--n N] [--size BYTES] [--window W]."""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.path.join(SRC, "build"))
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--broker-nodelay", action="store_true",
                    help="mosquitto's set_tcp_nodelay (off by default)")
    a = ap.parse_args()
    os.environ["ARTS_BUILD_DIR"] = os.path.abspath(a.build_dir)
    os.environ.setdefault("ARTS_SOURCE_DIR", SRC)
    sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
    sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
    import artsrealm as realm
    from test_modules import ended, logs, wait_state
    wasm = os.path.join(a.build_dir, "bench", "channels", "pingpong.wasm")
    if not os.path.exists(wasm):
        print(f"{wasm} is not built (no clang for wasm32-wasi?)")
        return 77
    with realm.Realm(agent_interval_ms=1000) as r:
        conf = r.broker_config() if r.port else None
        if a.broker_nodelay:
            r.port = realm.free_port()
            conf = r.broker_config() + "set_tcp_nodelay true\n"
        r.start_broker(config=conf)
        r.start_orchestrator()
        for n in ("alpha", "beta"):
            r.start_agent(n)
        r.wait_for(lambda: all(r.runtime(n, "A") for n in ("alpha", "beta")),
                   15, "two runtimes alive")

        def start(name, on, chans, *args):
            argv = ["start", wasm, "--name", name, "--on", on]
            for c in chans:
                argv += ["--channel", c]
            m = r.ctl_json(*(argv + ["--"] + [str(x) for x in args]),
                           timeout_ms=30000)
            return m["uuid"]
        pong = start("pong", "beta", ["bench/ping:r", "bench/pong:w"],
                     "pong", 2 * a.n)
        wait_state(r, pong, lambda m: m.get("state") == "running", 20,
                   "pong running")
        ping = start("ping", "alpha", ["bench/ping:w", "bench/pong:r"],
                     "ping", a.n, a.size, a.window)
        done = wait_state(r, ping, ended, 600, "ping done")
        out, _ = logs(r, "ping")
        if done.get("exit_code") != 0:
            print(f"ping failed: {done} {out}")
            return 1
        print(out, end="")
        sys.path.insert(0, HERE)
        import mqtt_ref
        ref = mqtt_ref.round_trips(r.port, a.n, a.size)
        ref_med = ref[len(ref) // 2]
        print(f"reference broker round trip median_us {ref_med:.0f} "
              f"p99 {ref[len(ref) * 99 // 100]:.0f}")
        for line in out.splitlines():
            if line.startswith("latency_us median"):
                med = float(line.split()[2])
                print(f"ratio channel_rtt / (2 x broker_rtt) "
                      f"{med / (2 * ref_med):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
