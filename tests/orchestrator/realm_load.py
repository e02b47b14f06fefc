"""Load figures for arts-orchestrator (a measurement, not a test; meant for
bench/ once it has an orchestrator folder):

    ARTS_BUILD_DIR=build /usr/bin/python3 tests/orchestrator/realm_load.py [N [SECONDS]]

N runtimes (default 1000) register and send 9 metrics each at 1 Hz over a
local mosquitto for SECONDS (default 10). Prints the orchestrator's CPU
share and RSS, and, as the reference measured in the same run, the
broker's CPU share for the same messages, with the ratio of the two; and
checks that every sample was stored and every runtime is alive.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from orchtest import (RawPublisher, World, envelope, new_uuid,  # noqa: E402
                      now_ms, runtime_data, telemetry_data, wait_until)

METRICS = ["system.cpu.utilization", "system.cpu.load_average.1m",
           "system.memory.usage", "system.linux.memory.available",
           "system.network.io.receive", "system.network.io.transmit",
           "process.cpu.utilization", "process.cpu.time",
           "process.memory.usage"]


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    secs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with World() as w:
        w.start_broker()
        w.sub = w.subscribe(f"{w.topic('query')}")
        w.start_orchestrator()
        ids = [new_uuid() for _ in range(n)]
        pub = RawPublisher(w.port)
        for i, u in enumerate(ids):
            pub.publish(w.topic("reg"), envelope("create", runtime_data(
                u, f"rt{i:05d}", host=f"h{i}")))
        wait_until(lambda: w.db("SELECT count(*) FROM runtimes")[0][0] == n,
                   60, "registrations")
        orch, broker = w.orchestrator.pid, w.broker.pid
        o0, b0, t0 = cpu_s(orch), cpu_s(broker), time.monotonic()
        for _ in range(secs):
            start = time.monotonic()
            ts = now_ms()
            for u in ids:
                pub.publish(w.topic(f"stats/{u}"), envelope(
                    "update", telemetry_data(
                        u, ts=ts, interval_ms=1000,
                        metrics={m: 0.5 for m in METRICS}),
                    type_="runtime_resp"))
            time.sleep(max(0.0, 1.0 - (time.monotonic() - start)))
        want = n * secs * len(METRICS)
        wait_until(lambda: w.db("SELECT count(*) FROM samples")[0][0] == want,
                   30, f"{want} samples stored")
        o1, b1, t1 = cpu_s(orch), cpu_s(broker), time.monotonic()
        alive = w.db("SELECT count(*) FROM runtimes WHERE status = 'A'")[0][0]
        o = 100 * (o1 - o0) / (t1 - t0)
        b = 100 * (b1 - b0) / (t1 - t0)
        print(f"{n} runtimes x {len(METRICS)} metrics at 1 Hz for {secs} s: "
              f"orchestrator {o:.1f}% of a core, RSS {rss_kib(orch) / 1024:.1f}"
              f" MiB; mosquitto {b:.1f}% (orchestrator/broker = "
              f"{o / b if b else float('nan'):.2f}); {want} samples stored, "
              f"{alive}/{n} alive")
        pub.close()
        w.stop_orchestrator()
        return 0 if alive == n else 1


if __name__ == "__main__":
    sys.exit(main())
