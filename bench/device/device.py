#!/usr/bin/python3
"""ARTS on a small device: the size of arts-agent and arts-wasm built for
another architecture, and their memory under qemu-user (issue 11's
benchmark; docs/cross.md, "Small devices").

    bench/device/device.py --arch armhf [--duration 20]
    bench/device/device.py --arch mips          # arts-wasm alone

It needs `scripts/cross.sh ARCH` (build-ARCH/) and a native build (build/).
Printed, all measured in the same run:

  size      the programs' file size and stripped size, next to the native
            build's;
  agent     (where the agent is built) the agent's private memory
            (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup) idle
            at 1 Hz telemetry, then hosting one module (sleeper), under
            qemu; next to footprint-ref (the same libraries, idle) under the
            same qemu, and the native agent measured alike;
  engine    arts-wasm running one module (sleeper) under qemu, next to
            bench/device/idle (libc only, sleeps) under the same qemu.

qemu-user's own memory (its translator and code cache) is part of every
process it runs: the figures that mean something on a real device are the
differences to the reference run under the same qemu, and the sizes. It is
a benchmark, not a test: it prints and exits 0 once measured.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SOURCE, "tests", "lib"))
sys.path.insert(0, os.path.join(SOURCE, "bench", "agent"))
from footprint import memory  # noqa: E402

# ARCH -> (GNU triplet, qemu-user). The programs run as the cross files
# run them: qemu -L /usr/TRIPLET -E LD_LIBRARY_PATH=/usr/TRIPLET/lib;
# --wrapper replaces that (e.g. a private sysroot: qemu-s390x-static -L DIR).
ARCHES = {
    "aarch64": ("aarch64-linux-gnu", "qemu-aarch64-static"),
    "armhf": ("arm-linux-gnueabihf", "qemu-arm-static"),
    "s390x": ("s390x-linux-gnu", "qemu-s390x-static"),
    "mips": ("mips-linux-gnu", "qemu-mips-static"),
}
KIB = 1024
MIB = 1024 * 1024


def sizes(path, strip):
    """(file size, stripped size) of PATH; None when it is not built."""
    if not os.path.exists(path):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "x")
        shutil.copy(path, copy)
        subprocess.run([strip, copy], check=True)
        return os.path.getsize(path), os.path.getsize(copy)


def print_sizes(arch, cross, native, triplet):
    print(f"{'program':<12} {arch + ' file':>14} {'stripped':>10} "
          f"{'native stripped':>16}")
    for rel in ("agent/arts-agent", "agent/wasm/arts-wasm"):
        c = sizes(os.path.join(cross, rel), triplet + "-strip")
        n = sizes(os.path.join(native, rel), "strip")
        if c is None:
            print(f"{os.path.basename(rel):<12} {'(not built)':>14}")
            continue
        print(f"{os.path.basename(rel):<12} {c[0] / KIB:>11.0f} KiB "
              f"{c[1] / KIB:>6.0f} KiB {n[1] / KIB if n else 0:>12.0f} KiB")


class Sampler:
    """Mean private memory of a process over SECONDS, one sample a
    second."""

    def __init__(self, name, proc):
        self.name, self.proc = name, proc

    def mean_private(self, seconds):
        got = []
        for _ in range(seconds):
            if not self.proc.alive():
                sys.exit(f"device: {self.name} exited")
            got.append(memory(self.proc.pid)[1])
            time.sleep(1)
        return sum(got) / len(got)


def wait_running(r, name, timeout=120):
    def running():
        for m in r.ctl_json("modules"):
            if m.get("name") == name and m.get("state") == "running":
                return m
        return None
    r.wait_for(running, timeout, f"{name} running", interval=0.2)


def measure_agent(args, native, cross, wrapper):
    os.environ["ARTS_BUILD_DIR"] = native  # read when artsrealm loads
    from artsrealm import Realm
    sleeper = os.path.join(native, "data", "demo", "sleeper.wasm")
    with Realm(name="device", prefix="arts-bench-") as r:
        r.start_broker()
        r.start_orchestrator()
        dev = r.start_agent("device", exe=wrapper + [
            os.path.join(cross, "agent", "arts-agent")])
        host = r.start_agent("host")
        ref = r.spawn("ref", wrapper + [
            os.path.join(cross, "bench", "agent", "footprint-ref")])
        ref.expect_death = True
        r.wait_for(lambda: r.runtime("device", "A") and
                   r.runtime("host", "A"), 120, "both agents alive")
        time.sleep(args.warmup)
        s = {n: Sampler(n, p) for n, p in
             (("device", dev), ("host", host), ("ref", ref))}
        idle = {n: x.mean_private(args.duration) for n, x in s.items()}
        for name, on in (("m-device", "device"), ("m-host", "host")):
            r.ctl_json("start", sleeper, "--name", name, "--on", on,
                       "--", "3600", timeout_ms=60000)
            wait_running(r, name)
        time.sleep(args.warmup)
        busy = {n: s[n].mean_private(args.duration) for n in ("device", "host")}
    print(f"\n{'private memory, MiB':<34} {'idle':>7} {'1 module':>9} "
          f"{'module costs':>13}")
    print(f"{'arts-agent under qemu (' + args.arch + ')':<34} "
          f"{idle['device'] / MIB:>7.2f} {busy['device'] / MIB:>9.2f} "
          f"{(busy['device'] - idle['device']) / MIB:>+13.2f}")
    print(f"{'footprint-ref under the same qemu':<34} {idle['ref'] / MIB:>7.2f}")
    print(f"{'arts-agent native':<34} {idle['host'] / MIB:>7.2f} "
          f"{busy['host'] / MIB:>9.2f} "
          f"{(busy['host'] - idle['host']) / MIB:>+13.2f}")
    print(f"agent beyond its libraries on {args.arch}: "
          f"{(idle['device'] - idle['ref']) / MIB:+.2f} MiB "
          f"(x{idle['device'] / max(1, idle['ref']):.2f} footprint-ref "
          "under qemu)")


def measure_engine(args, native, cross, wrapper):
    sleeper = os.path.join(native, "data", "demo", "sleeper.wasm")
    idle_prog = os.path.join(cross, "bench", "device", "idle")
    wasm = os.path.join(cross, "agent", "wasm", "arts-wasm")
    procs = {
        "arts-wasm": subprocess.Popen(wrapper + [wasm, "run", sleeper,
                                                 "3600"]),
        "idle": subprocess.Popen(wrapper + [idle_prog]),
        "arts-wasm native": subprocess.Popen(
            [os.path.join(native, "agent", "wasm", "arts-wasm"), "run",
             sleeper, "3600"]),
    }
    try:
        time.sleep(args.warmup)
        mean = {}
        for _ in range(args.duration):
            for n, p in procs.items():
                if p.poll() is not None:
                    sys.exit(f"device: {n} exited")
                mean[n] = mean.get(n, 0) + memory(p.pid)[1] / args.duration
            time.sleep(1)
    finally:
        for p in procs.values():
            p.kill()
            p.wait()
    print(f"\n{'private memory, MiB':<40} {'':>7}")
    print(f"{'arts-wasm running sleeper, qemu ' + args.arch:<40} "
          f"{mean['arts-wasm'] / MIB:>7.2f}")
    print(f"{'bench/device/idle, the same qemu':<40} {mean['idle'] / MIB:>7.2f}")
    print(f"{'arts-wasm running sleeper, native':<40} "
          f"{mean['arts-wasm native'] / MIB:>7.2f}")
    print(f"one module on the engine alone, {args.arch}: "
          f"{(mean['arts-wasm'] - mean['idle']) / MIB:+.2f} MiB beyond a "
          "program that only sleeps")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", required=True, choices=sorted(ARCHES))
    ap.add_argument("--cross-build", help="default: build-ARCH")
    ap.add_argument("--build-dir", default="build", help="the native build")
    ap.add_argument("--duration", type=int, default=20,
                    help="seconds measured per phase")
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--wrapper", help="the qemu command line that runs "
                    "the ARCH programs (default: the cross files')")
    args = ap.parse_args()
    triplet, qemu = ARCHES[args.arch]
    cross = os.path.abspath(args.cross_build or os.path.join(
        SOURCE, "build-" + args.arch))
    native = os.path.abspath(args.build_dir)
    for d in (cross, native):
        if not os.path.isdir(d):
            sys.exit(f"device: {d} is not a build (scripts/cross.sh "
                     f"{args.arch}; meson setup build)")
    wrapper = args.wrapper.split() if args.wrapper else [
        qemu, "-L", "/usr/" + triplet, "-E",
        f"LD_LIBRARY_PATH=/usr/{triplet}/lib"]
    print(f"ARTS on {args.arch} ({triplet}, run under {qemu})\n")
    print_sizes(args.arch, cross, native, triplet)
    if os.path.exists(os.path.join(cross, "agent", "arts-agent")):
        measure_agent(args, native, cross, wrapper)
    measure_engine(args, native, cross, wrapper)


if __name__ == "__main__":
    main()
