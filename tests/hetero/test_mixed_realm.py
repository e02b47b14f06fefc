"""A realm of mixed machines (docs/cross.md): a real mosquitto, the real
orchestrator, one native agent and agents built for other architectures
running under qemu-user, all on this machine. A module moves between byte
orders and word sizes as it would between a server, an ARM board and a
big-endian router:

  chain    a counter started on the native runtime is migrated
           native -> aarch64 -> s390x (big-endian) -> armhf (32-bit) ->
           native while it counts; its output is exactly an unmigrated
           run's (every line once, in order);
  precopy  a counter holding 3 MiB of filled heap (so every move is a
           pre-copy image plus a delta) goes native -> s390x -> armhf ->
           native; each line carries a checksum of the heap, so a restore
           that misread one byte of it prints something else;
  channel  a consumer of numbered channel messages migrates across byte
           orders while a native producer writes; it sees every number
           once, in order;
  facts    each runtime's registration tells the truth about its device:
           architecture, byte order, word size.

The foreign agents come from ARTS_FOREIGN_AGENTS, a JSON object
{"aarch64": [argv that runs that agent], ...}, which scripts/test.sh sets
after `scripts/cross.sh ARCH` built them. Without it (or without an
architecture a case needs) the case skips. Everything waits for events:
under qemu the foreign agents are 5-20 times slower than native ones.
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
from realm import (SKIP, Realm, binary, check, log,  # noqa: E402
                   run_cases)
from test_modules import (demo, logs, module, start,  # noqa: E402
                          wait_state, ended)

NATIVE = "native"
# What each foreign runtime must say of itself (its registration's
# platform): the canonical architecture, byte order and word size.
FACTS = {
    NATIVE: None,  # whatever this machine is; checked against os.uname()
    "aarch64": ("aarch64", "little", 64),
    "armhf": ("arm", "little", 32),
    "s390x": ("s390x", "big", 64),
}
MIGRATE_MS = 180000  # one migration to or from an emulated runtime


def foreign_agents():
    spec = os.environ.get("ARTS_FOREIGN_AGENTS", "")
    try:
        agents = json.loads(spec) if spec else {}
    except ValueError:
        check(False, f"ARTS_FOREIGN_AGENTS is not JSON: {spec!r}")
    check(isinstance(agents, dict), "ARTS_FOREIGN_AGENTS: an object")
    return agents


def need(agents, *arches):
    missing = [a for a in arches if a not in agents]
    if missing:
        log(f"SKIP: no agent built for {', '.join(missing)} "
            "(ARTS_FOREIGN_AGENTS; scripts/cross.sh ARCH builds one)")
        sys.exit(SKIP)


def mixed_realm(r, agents, arches):
    """The broker, the orchestrator, a native agent and one agent per
    foreign architecture in ARCHES, each named after its architecture."""
    r.start_broker()
    r.start_orchestrator()
    r.start_agent(NATIVE)
    for a in arches:
        r.start_agent(a, exe=agents[a])
    names = (NATIVE,) + tuple(arches)
    # qemu starts a foreign agent (and its GLib) in well under a second
    # here; on a loaded CI machine it can take many.
    r.wait_for(lambda: all(r.runtime(n, "A") for n in names), 120,
               f"runtimes {names} alive")


def counter_lines(text):
    return text.splitlines()


def migrate(r, name, target):
    rc, out, err = r.ctl("--json", "migrate", name, target,
                         timeout_ms=MIGRATE_MS, check_rc=False)
    check(rc == 0, f"migrate {name} to {target}: rc {rc} {out!r} {err!r}")
    ans = json.loads(out)
    check(ans.get("target") == r.agent_uuid(target),
          f"migration of {name} to {target} answered {ans!r}")
    log(f"{name} -> {target}: downtime {ans.get('downtime_ms')} ms, "
        f"total {ans.get('total_ms')} ms")
    return ans


def wait_more_lines(r, name, than, timeout=120):
    """Until NAME's output has more than THAN lines: it runs where it is."""
    def grown():
        out, _ = logs(r, name)
        n = len(out.splitlines())
        return n if n > than else None
    return r.wait_for(grown, timeout, f"{name}: more than {than} lines",
                      interval=0.2)[0]


def reference(prog, *args, lines):
    """The first LINES lines an unmigrated native run of PROG prints."""
    p = subprocess.Popen([binary("agent/wasm/arts-wasm"), "run", demo(prog)] +
                         [str(a) for a in args], stdout=subprocess.PIPE)
    try:
        got = []
        for raw in p.stdout:
            got.append(raw.decode())
            if len(got) == lines:
                break
    finally:
        p.kill()
        p.wait()
    check(len(got) == lines, f"arts-wasm run {prog} printed {len(got)} "
          f"lines, not {lines}")
    return "".join(got)


def move_along(r, name, route):
    """Migrates NAME along ROUTE, letting it print on every runtime."""
    seen = wait_more_lines(r, name, 3)
    for target in route:
        migrate(r, name, target)
        seen = wait_more_lines(r, name, seen + 2)
    return seen


def stop_and_compare(r, name, prog, *args):
    """Stops NAME, then checks that its whole output is what an unmigrated
    run prints up to the same line."""
    r.ctl("stop", name, timeout_ms=60000)
    wait_state(r, name, ended, 60, f"{name} stopped")
    out, _ = logs(r, name)
    check(out.endswith("\n"), f"{name}'s output ends mid-line: {out[-80:]!r}")
    n = len(out.splitlines())
    want = reference(prog, *args, lines=n)
    check(out == want, f"{name} after migrations differs from an unmigrated "
          f"run at line {first_difference(out, want)}: "
          f"{out.splitlines()[-3:]!r} vs {want.splitlines()[-3:]!r}")
    return n


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
        if x != y:
            return i + 1
    return min(len(a.splitlines()), len(b.splitlines())) + 1


def case_chain():
    agents = foreign_agents()
    need(agents, "aarch64", "s390x", "armhf")
    with Realm(agent_interval_ms=500) as r:
        mixed_realm(r, agents, ("aarch64", "s390x", "armhf"))
        start(r, "counter", 0, 20, name="count", on=NATIVE)
        move_along(r, "count", ("aarch64", "s390x", "armhf", NATIVE))
        m = module(r, "count")
        check(m and m.get("migrations") == 4,
              f"count recorded {m and m.get('migrations')} migrations, not 4")
        n = stop_and_compare(r, "count", "counter", 0, 20)
        log(f"count: {n} lines through native, aarch64, s390x, armhf, "
            "native: identical to an unmigrated run")


def deltas_restored(r, names):
    n = 0
    for name in names:
        with open(r.path(f"agent-{name}.log"), errors="replace") as f:
            n += f.read().count("delta snapshot arrived")
    return n


def case_precopy():
    agents = foreign_agents()
    need(agents, "s390x", "armhf")
    route = ("s390x", "armhf", NATIVE)
    with Realm(agent_interval_ms=500) as r:
        mixed_realm(r, agents, ("s390x", "armhf"))
        start(r, "counter", 0, 20, 3, name="heap", on=NATIVE)
        move_along(r, "heap", route)
        n = stop_and_compare(r, "heap", "counter", 0, 20, 3)
        d = deltas_restored(r, (NATIVE,) + route[:-1])
        check(d == len(route), f"{d} of {len(route)} migrations restored a "
              "delta over a pre-copy image")
        log(f"heap: 3 MiB moved by pre-copy across byte orders {len(route)} "
            f"times; {n} lines identical to an unmigrated run")


def numbers(text):
    return [int(x) for x in text.splitlines() if x.isdigit()]


def case_channel():
    agents = foreign_agents()
    need(agents, "s390x", "armhf")
    n = 3000
    with Realm(agent_interval_ms=500) as r:
        mixed_realm(r, agents, ("s390x", "armhf"))
        c = start(r, "consumer", "test/numbers", n, name="consumer",
                  on=NATIVE, extra=["--channel", "test/numbers:r"])
        wait_state(r, c["uuid"], lambda m: m.get("state") == "running", 60,
                   "consumer running")
        # The producer writes one number every 5 ms: the consumer is still
        # reading when its third migration is done.
        start(r, "producer", "test/numbers", n, 5, name="producer",
              on=NATIVE, extra=["--channel", "test/numbers:w"])
        for target in ("s390x", "armhf", NATIVE):
            check(module(r, "consumer") is not None,
                  f"the consumer ended before it moved to {target}")
            migrate(r, "consumer", target)
        done = wait_state(r, c["uuid"], ended, 300, "consumer got everything")
        out, _ = logs(r, "consumer")
        got = numbers(out)
        check(got == list(range(1, n + 1)),
              f"consumer lost, repeated or reordered messages: {len(got)} "
              f"numbers, first {got[:5]}, last {got[-5:]}")
        check(f"received {n}, 0 out of order" in out,
              f"consumer said {out[-200:]!r}")
        check(done.get("exit_code") == 0, f"consumer ended as {done!r}")
        log(f"consumer: {n} messages, each once and in order, across "
            "native -> s390x -> armhf -> native")


def platform_of(r, name):
    rt = r.runtime(name, "A")
    check(rt, f"{name} is not alive")
    return rt.get("platform") or {}


def case_facts():
    agents = foreign_agents()
    arches = tuple(a for a in ("aarch64", "s390x", "armhf") if a in agents)
    if not arches:
        need(agents, "aarch64")
    with Realm(agent_interval_ms=500) as r:
        mixed_realm(r, agents, arches)
        for name in (NATIVE,) + arches:
            p = platform_of(r, name)
            want = FACTS[name]
            if want is None:
                want = (None, sys.byteorder, 64 if sys.maxsize > 2**32 else 32)
            arch, order, bits = want
            if arch:
                check(p.get("arch") == arch,
                      f"{name} says arch {p.get('arch')!r}, not {arch!r}")
            check(p.get("byte_order") == order,
                  f"{name} says byte order {p.get('byte_order')!r}, not {order}")
            check(p.get("word_size") == bits,
                  f"{name} says word size {p.get('word_size')!r}, not {bits}")
            check(isinstance(p.get("cpu_cores"), int) and p["cpu_cores"] >= 1,
                  f"{name} says cpu_cores {p.get('cpu_cores')!r}")
            check(isinstance(p.get("memory_total"), int) and
                  p["memory_total"] > 0,
                  f"{name} says memory_total {p.get('memory_total')!r}")
            log(f"{name}: {p.get('arch')}, {order}-endian, {bits}-bit, "
                f"{p['cpu_cores']} cores")


if __name__ == "__main__":
    run_cases({"chain": case_chain, "precopy": case_precopy,
               "channel": case_channel, "facts": case_facts})
