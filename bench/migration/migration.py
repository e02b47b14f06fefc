#!/usr/bin/python3
"""Not a test: live migration and placement as an operator sees them, over
a local mosquitto with the real orchestrator and three real agents.

    bench/migration/migration.py --build-dir build [--rounds N] [--modules M]

1. Migration: the demo counter (data/demo/counter.c) holding 1, 16 and
   64 MiB of filled heap (its linear memory) is moved N times (default 6)
   between alpha, beta and gamma with `arts-ctl migrate`; prints the median
   and worst downtime (pause at the source to resume at the target) and
   total time (request to release) as the orchestrator measured them, plus
   the wall time of the arts-ctl command, against the issue's targets:
   downtime under 50 ms at 1 MiB and under 300 ms at 64 MiB.
2. Placement: M create requests (default 120 sleepers, the orchestrator
   placing them) sent in one burst on control by one MQTT client; prints
   placements per second from the first request to the last ok answer
   (each answer comes once the chosen runtime started the module).

Python standard library, mosquitto_pub/mosquitto_sub for raw MQTT.
"""

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE, "tests", "lib"))

TARGETS = {1: 50, 64: 300}   # MiB -> downtime target, ms
NAMES = ("alpha", "beta", "gamma")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get("ARTS_BUILD_DIR",
                                                          "build"))
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--modules", type=int, default=120)
    ap.add_argument("--sizes", default="1,16,64")
    a = ap.parse_args()
    os.environ["ARTS_BUILD_DIR"] = os.path.abspath(a.build_dir)
    import artsrealm as rl   # reads ARTS_BUILD_DIR
    counter = os.path.join(rl.BUILD, "data", "demo", "counter.wasm")
    sleeper = os.path.join(rl.BUILD, "data", "demo", "sleeper.wasm")
    for p in (counter, sleeper):
        if not os.path.exists(p):
            sys.exit(f"{p} is not built (needs clang for wasm32-wasi)")
    sizes = [int(x) for x in a.sizes.split(",")]
    per_agent = a.modules // len(NAMES) + 2
    with rl.Realm() as r:
        r.start_broker()
        r.start_orchestrator()
        for n in NAMES:
            r.start_agent(n, extra=["--max-nmodules", str(per_agent)])
        r.wait_for(lambda: all(r.runtime(n, "A") for n in NAMES), 15,
                   "three runtimes alive")
        results = [migrations(r, counter, mib, a.rounds) for mib in sizes]
        rate = placements(r, sleeper, a.modules)
    print()
    print(f"{'memory':>8}  {'downtime median/worst':>22}  "
          f"{'total median/worst':>19}  {'arts-ctl wall':>13}  target")
    for mib, down, total, wall in results:
        tgt = TARGETS.get(mib)
        verdict = ""
        if tgt:
            verdict = (f"< {tgt} ms: " +
                       ("met" if statistics.median(down) < tgt else "MISSED"))
        print(f"{mib:>5} MiB  {statistics.median(down):>9.0f} / "
              f"{max(down):>6.0f} ms  {statistics.median(total):>7.0f} / "
              f"{max(total):>6.0f} ms  {statistics.median(wall):>10.0f} ms  "
              f"{verdict}")
    print(f"placements: {a.modules} modules in one burst, "
          f"{rate:.1f} placements/s (request to the runtime's start)")


def migrations(r, counter, mib, rounds):
    name = f"held-{mib}"
    rc, out, err = r.ctl("--json", "start", counter, "--name", name, "--on",
                         "alpha", "--", "0", "20", str(mib),
                         timeout_ms=60000)
    uuid = json.loads(out)["uuid"]

    def counting():
        o = r.ctl("logs", name, check_rc=False)[1]
        return o.count("\n") >= 3
    r.wait_for(counting, 120, f"{name} counting", interval=0.3)
    down, total, wall = [], [], []
    for i in range(rounds):
        target = NAMES[(i + 1) % len(NAMES)]
        t = time.monotonic()
        rc, out, err = r.ctl("--json", "migrate", name, target,
                             timeout_ms=120000)
        wall.append((time.monotonic() - t) * 1000)
        ans = json.loads(out)
        down.append(ans["downtime_ms"])
        total.append(ans["total_ms"])
        print(f"{mib} MiB -> {target}: downtime {ans['downtime_ms']} ms, "
              f"total {ans['total_ms']} ms", flush=True)
    r.ctl("stop", uuid, timeout_ms=30000)
    return mib, down, total, wall


def placements(r, sleeper, n):
    from artsrealm import TestFailure, envelope, wait_until
    with open(sleeper, "rb") as f:
        prog = f.read()
    sha = hashlib.sha256(prog).hexdigest()
    r.pub(f"{r.name}/proc/program/{sha}", prog, retain=True)
    reqs = [envelope("create", {
        "type": "module", "name": f"place-{i}", "filename": "sleeper.wasm",
        "filetype": "WA", "sha256": sha, "args": ["1000"], "env": [],
        "apis": ["wasm", "wasi"], "fault_crash": "ignore", "channels": [],
        "peripherals": [], "resources": None}) for i in range(n)]
    ids = {q["object_id"] for q in reqs}
    sub = r.subscribe(f"{r.name}/proc/control")

    def answered():
        """object_id -> (arrival, result) of the first answer to each."""
        done = {}
        for m in sub.snapshot(lambda m: m["json"] and
                              m["json"].get("type") == "arts_resp" and
                              m["json"].get("object_id") in ids):
            done.setdefault(m["json"]["object_id"], (
                m["t"], (m["json"].get("data") or {}).get("result")))
        return done
    t0 = time.monotonic()
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(r.port),
                    "-V", "5", "-q", "1", "-t", f"{r.name}/proc/control",
                    "-l"], input="\n".join(json.dumps(q) for q in reqs) +
                   "\n", text=True, check=True, timeout=60)
    try:
        wait_until(lambda: len(answered()) == n, 120, "every answer",
                   step=0.05)
    except TestFailure:
        pass
    done = answered()
    r.unsubscribe(sub)
    ok = [ts for ts, res in done.values() if res == "ok"]
    if len(ok) != n:
        bad = [res for ts, res in done.values() if res != "ok"]
        print(f"placements: {len(ok)} of {n} ok ({len(done)} answered, "
              f"refused: {bad[:3]})")
    if not ok:
        return 0.0
    return len(ok) / (max(ok) - t0)


if __name__ == "__main__":
    main()
