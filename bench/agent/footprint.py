#!/usr/bin/python3
"""The arts-agent's footprint at 1 Hz telemetry (issue 2's benchmark).

Starts a private mosquitto on a free 127.0.0.1 port, the orchestrator, one
agent, and two references measured in the same run: footprint-ref (links
GLib, json-glib, SQLite and libmosquitto, touches each, then idles) and an
idle mosquitto_sub. For DURATION seconds it samples once a second, per
process, /proc/PID/smaps_rollup (Rss, Private_Clean + Private_Dirty) and
/proc/PID/stat (utime + stime), then prints the figures, the agent's ratios
to the reference, and the targets (<= 4 MiB private, <= 0.5% of one core).
It is a benchmark, not a test: it prints and always exits 0 once measured.

    bench/agent/footprint.py --build-dir build [--duration 60]
"""

import argparse
import os
import sys
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TARGET_PRIVATE = 4 * 1024 * 1024
TARGET_CPU = 0.005
CLK_TCK = os.sysconf("SC_CLK_TCK")


def memory(pid):
    """(rss, private) in bytes from smaps_rollup."""
    rss = priv = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key == "Rss":
                rss = int(rest.split()[0]) * 1024
            elif key in ("Private_Clean", "Private_Dirty"):
                priv += int(rest.split()[0]) * 1024
    return rss, priv


def cpu_seconds(pid):
    """CPU time of PID, all its threads: schedstat counts nanoseconds (an
    idle daemon uses less than one 10 ms tick of /proc/PID/stat a second);
    stat's ticks otherwise. (Threads that ended are not counted by
    schedstat; none of the measured processes ends threads.)"""
    try:
        total = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        pass
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is state (field 3): utime is field 14, stime 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Measured:
    def __init__(self, name, proc, note):
        self.name, self.proc, self.note = name, proc, note
        self.rss, self.priv = [], []
        self.cpu0 = self.cpu1 = None

    def sample(self):
        rss, priv = memory(self.proc.pid)
        self.rss.append(rss)
        self.priv.append(priv)
        c = cpu_seconds(self.proc.pid)
        if self.cpu0 is None:
            self.cpu0 = c
        self.cpu1 = c

    def cpu_share(self, seconds):
        return (self.cpu1 - self.cpu0) / seconds

    def mean_priv(self):
        return sum(self.priv) / len(self.priv)


def mib(b):
    return b / (1024 * 1024)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get("ARTS_BUILD_DIR", "build"))
    ap.add_argument("--duration", type=int, default=60, help="seconds measured")
    ap.add_argument("--interval-ms", type=int, default=1000,
                    help="the agent's telemetry interval")
    ap.add_argument("--warmup", type=float, default=3.0,
                    help="seconds before measuring starts")
    args = ap.parse_args()
    build = os.path.abspath(args.build_dir)
    agent = os.path.join(build, "agent", "arts-agent")
    orch = os.path.join(build, "orchestrator", "arts-orchestrator")
    ref = os.path.join(build, "bench", "agent", "footprint-ref")
    for b in (agent, orch, ref):
        if not os.access(b, os.X_OK):
            sys.exit(f"footprint: {b} is not built (ninja -C {build})")

    os.environ["ARTS_BUILD_DIR"] = build
    sys.path.insert(0, os.path.join(SOURCE, "tests", "lib"))
    from artsrealm import Realm

    # The realm stops all of it, also when this fails; the references and
    # observers end by SIGTERM, which is no failure of theirs.
    with Realm(name="bench", prefix="arts-bench-") as r:
        def spawn(name, argv):
            p = r.spawn(name, argv)
            p.expect_death = True
            return p

        r.start_broker()
        r.start_orchestrator()
        counter = spawn("stats-counter", [
            "mosquitto_sub", "-h", "127.0.0.1", "-p", str(r.port),
            "-t", f"{r.name}/proc/stats/+"])
        measured = [
            Measured("arts-agent", r.start_agent("bench", extra=[
                "--interval-ms", str(args.interval_ms)]),
                f"telemetry every {args.interval_ms} ms"),
            Measured("footprint-ref", spawn("ref", [ref]),
                     "links GLib, json-glib, SQLite, libmosquitto; idles"),
            Measured("mosquitto_sub", spawn("idle-sub", [
                "mosquitto_sub", "-h", "127.0.0.1", "-p", str(r.port),
                "-t", f"{r.name}/bench/idle"]), "an idle MQTT client"),
        ]
        time.sleep(args.warmup)
        print(f"measuring {args.duration} s, one sample a second ...", flush=True)
        start = time.monotonic()
        for m in measured:
            m.sample()
        for i in range(args.duration):
            time.sleep(max(0.0, start + i + 1 - time.monotonic()))
            for m in measured:
                if not m.proc.alive():
                    sys.exit(f"footprint: {m.name} exited")
                m.sample()
        elapsed = time.monotonic() - start
        counter.stop()
        samples = len(counter.output().splitlines())

        print()
        print(f"ARTS agent footprint: {elapsed:.1f} s measured, {samples} telemetry "
              f"messages seen ({samples / (elapsed + args.warmup):.2f}/s)")
        print(f"{'process':<15} {'private MiB':>12} {'(max)':>7} {'RSS MiB':>8} "
              f"{'CPU % 1 core':>13}  what")
        for m in measured:
            print(f"{m.name:<15} {mib(m.mean_priv()):>12.2f} {mib(max(m.priv)):>7.2f} "
                  f"{mib(max(m.rss)):>8.2f} {100 * m.cpu_share(elapsed):>13.3f}  {m.note}")
        a, rf = measured[0], measured[1]
        print()
        print(f"agent / footprint-ref: private x{a.mean_priv() / max(1, rf.mean_priv()):.2f}, "
              f"RSS x{max(a.rss) / max(1, max(rf.rss)):.2f}, "
              f"private beyond the reference {mib(a.mean_priv() - rf.mean_priv()):+.2f} MiB")
        sub = measured[2]
        if sub.cpu_share(elapsed) > 0:
            print(f"agent / idle mosquitto_sub: CPU x{a.cpu_share(elapsed) / sub.cpu_share(elapsed):.1f}, "
                  f"RSS x{max(a.rss) / max(1, max(sub.rss)):.2f}")
        ok_mem = max(a.priv) <= TARGET_PRIVATE
        ok_cpu = a.cpu_share(elapsed) <= TARGET_CPU
        print(f"target private <= 4 MiB:       {mib(max(a.priv)):.2f} MiB "
              f"{'met' if ok_mem else 'MISSED'}")
        print(f"target CPU <= 0.5% of a core:  {100 * a.cpu_share(elapsed):.3f}% "
              f"{'met' if ok_cpu else 'MISSED'}")


if __name__ == "__main__":
    main()
