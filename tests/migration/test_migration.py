"""Live migration, end to end: a real mosquitto, the real orchestrator,
three real agents, arts-ctl.

Pre-copy (docs/agent.md, "Migration and checkpoints"):

A module with at least 2 MiB of linear memory sends an image of it while it
runs on; at the pause only the 4 KiB chunks that changed since travel. The
cases check what the user sees, against `arts-wasm run` of the same program:

  churn  a program that keeps rewriting, zeroing and growing 8 MiB of heap
         is migrated six times while it runs; its output (a sample of the
         heap every tick, a hash of all of it at the end) is exactly an
         unmigrated run's, and every move was a delta over an image;
  stdin  input that reached the source but was not read yet follows the
         module: a slow echo fed 60 lines and the end of input at once,
         migrated twice while it works through them, echoes each line once,
         in order, then "eof".

  bad-image  a target takes the pre-copy image as hostile input: a
         damaged one, or one larger than the module's max_memory, is refused
         with the reason on snapshot/{m}/ready; a good one is answered ok.

A migration the orchestrator lost track of (docs/protocol.md, "When a
step fails": it restarted mid-way). The test itself plays the orchestrator
that dies: with the orchestrator stopped it sends the target its create
(restore) and the source its migrate, then starts the orchestrator again:

  adopt   the target restored and runs the module while the source holds
          it paused: the target becomes its runtime, the source lets go,
          the counter's output runs on, no line lost or repeated;
  resume  the target died before the snapshot reached it: after a step
          timeout the source resumes the module, no line lost or repeated.
"""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "lib"))
from artsrealm import (BUILD, SKIP, Realm, binary, check, envelope,  # noqa: E402
                       log, new_uuid, run_cases)

NAMES = ("alpha", "beta", "gamma")


def built_wasm(*rel):
    """A program built for wasm32-wasi; the test skips without it."""
    path = os.path.join(BUILD, *rel)
    if not os.path.exists(path):
        log(f"SKIP: {path} is not built (no clang for wasm32-wasi?)")
        sys.exit(SKIP)
    return path


def churn_wasm():
    return built_wasm("tests", "migration", "churn.wasm")


def reference(*args, stdin=b""):
    p = subprocess.run([binary("agent/wasm/arts-wasm"), "run", churn_wasm()] +
                       [str(a) for a in args], input=stdin,
                       capture_output=True, timeout=300)
    check(p.returncode == 0, f"arts-wasm run churn {args}: {p.returncode} "
          f"{p.stderr[-500:]!r}")
    return p.stdout.decode()


def realm3(r):
    r.start_broker()
    r.start_orchestrator()
    for n in NAMES:
        r.start_agent(n)
    r.wait_for(lambda: all(r.runtime(n, "A") for n in NAMES), 15,
               "three runtimes alive")


def module_state(r, name):
    found = [m for m in r.ctl_json("modules") if m.get("name") == name]
    check(len(found) <= 1, f"{len(found)} modules named {name}: {found!r}")
    return found[0] if found else None


def wait_lines(r, name, n, timeout=60):
    def enough():
        rc, out, _ = r.ctl("logs", name, timeout_ms=10000)
        return out if len(out.splitlines()) >= n else None
    return r.wait_for(enough, timeout, f"{name}: {n} lines of output",
                      interval=0.2)[0]


def wait_ended(r, name, timeout):
    def ended():
        m = module_state(r, name)
        return m if m and m.get("state") in ("exited", "failed") else None
    return r.wait_for(ended, timeout, f"{name} ended", interval=0.2)[0]


def migrate(r, name, target):
    rc, out, err = r.ctl("--json", "migrate", name, target, timeout_ms=60000)
    ans = json.loads(out)
    check(ans.get("target") == r.agent_uuid(target),
          f"migration to {target} answered {ans!r}")
    return ans


def deltas_restored(r):
    """How many delta snapshots (over a pre-copy image) the agents restored,
    from their logs."""
    n = 0
    for name in NAMES:
        with open(r.path(f"agent-{name}.log"), errors="replace") as f:
            n += len(re.findall(r"delta snapshot arrived", f.read()))
    return n


def case_churn():
    # 3000 ticks of 10 ms: the six migrations (about 8 s here) end long
    # before the program does, also on a loaded machine (400 ticks ended
    # during the fifth move with two builds running beside the test). The
    # output does not depend on MS: the reference runs without naps.
    ticks, ms, mib = 3000, 10, 8
    ref = reference(ticks, 0, mib)
    with Realm(agent_interval_ms=500) as r:
        realm3(r)
        r.ctl_json("start", churn_wasm(), "--name", "churn", "--on", "alpha",
                   "--", str(ticks), str(ms), str(mib), timeout_ms=30000)
        wait_lines(r, "churn", 20)
        downtimes = []
        for target in ("beta", "gamma", "alpha", "gamma", "beta", "alpha"):
            downtimes.append(migrate(r, "churn", target).get("downtime_ms"))
        log(f"6 migrations of 8 MiB while rewriting it, downtimes ms: "
            f"{downtimes}")
        done = wait_ended(r, "churn", 120)
        check(done.get("state") == "exited" and done.get("exit_code") == 0,
              f"churn ended as {done!r}")
        check(done.get("migrations") == 6,
              f"churn counted {done.get('migrations')} migrations, not 6")
        rc, out, err = r.ctl("logs", "churn", timeout_ms=10000)
        check(out == ref, f"output after 6 pre-copy migrations differs from "
              f"arts-wasm run: last lines {out.splitlines()[-2:]!r} vs "
              f"{ref.splitlines()[-2:]!r}")
        n = deltas_restored(r)
        check(n == 6, f"{n} of 6 migrations restored a delta over an image")


def case_stdin():
    lines = [f"line {i:02d} {'x' * (i % 7)}" for i in range(60)]
    data = ("\n".join(lines) + "\n").encode()
    want = "".join(f"echo: {x}\n" for x in lines) + "eof\n"
    check(reference("echo", 0, stdin=data) == want,
          "the echo program itself echoes its input")
    with Realm(agent_interval_ms=500) as r:
        realm3(r)
        r.ctl_json("start", churn_wasm(), "--name", "echo", "--on", "alpha",
                   "--", "echo", "40", timeout_ms=30000)
        r.wait_for(lambda: (module_state(r, "echo") or {}).get("state") ==
                   "running", 10, "echo running")
        p = subprocess.run([binary("cli/arts-ctl")] + r.common_args() +
                           ["stdin", "echo"], input=data,
                           capture_output=True, timeout=30)
        check(p.returncode == 0, f"arts-ctl stdin: {p.returncode} "
              f"{p.stderr!r}")
        wait_lines(r, "echo", 5)
        migrate(r, "echo", "beta")
        wait_lines(r, "echo", 20)
        migrate(r, "echo", "gamma")
        done = wait_ended(r, "echo", 60)
        check(done.get("state") == "exited" and done.get("exit_code") == 0,
              f"echo ended as {done!r}")
        rc, out, err = r.ctl("logs", "echo", timeout_ms=10000)
        check(out == want, f"echo after 2 migrations printed "
              f"{len(out.splitlines())} lines, not {len(want.splitlines())}: "
              f"{out[-200:]!r}")


def counter_wasm():
    return built_wasm("data", "demo", "counter.wasm")


def control(r, runtime, action, data, timeout=10):
    """A request on control/{runtime} as the orchestrator sends it; the
    runtime's answer's details (checked ok)."""
    topic = f"{r.name}/proc/control/{r.agent_uuid(runtime)}"
    sub = r.subscribe([topic])
    try:
        env = envelope(action, data)
        r.pub(topic, env)
        ans = sub.wait(lambda m: (m["json"] or {}).get("object_id") ==
                       env["object_id"] and m["json"].get("type") ==
                       "runtime_resp", timeout, f"{runtime}'s answer to "
                       f"{action}")["json"]
    finally:
        r.unsubscribe(sub)
    check(ans["data"].get("result") == "ok", f"{action} on {runtime}: {ans!r}")
    return ans["data"].get("details") or {}


def lost_migration(r, m, source, target, freeze_target=False):
    """What an orchestrator does up to the source's snapshot, then dies
    (it is stopped before and started after)."""
    mig = new_uuid()
    with open(counter_wasm(), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    control(r, target, "create", {
        "type": "module", "uuid": m["uuid"], "name": m["name"],
        "filename": "counter.wasm", "sha256": sha, "args": m["args"],
        "restore": {"migration": mig}})
    if freeze_target:
        r.agents[target].signal(signal.SIGSTOP)
    d = control(r, source, "migrate", {
        "type": "module", "uuid": m["uuid"], "migration": mig,
        "target": r.agent_uuid(target)})
    check(d.get("snapshot_bytes", 0) > 0, f"migrate answered {d!r}")


def stream(sub, uuid):
    """The output stream of module UUID as a subscriber to stdout/+ saw it,
    put in order by the messages' offsets (a QoS 1 re-send is dropped, a
    gap fails)."""
    got, at = b"", 0
    mine = sub.snapshot(lambda x: x["topic"].endswith("/stdout/" + uuid))
    for msg in sorted(mine, key=lambda x: int(x["props"]["offset"])):
        off = int(msg["props"]["offset"])
        check(off <= at, f"output gap: {at}..{off} never came")
        got += msg["data"][at - off:]
        at = max(at, off + len(msg["data"]))
    return got.decode()


def check_counts(out, n, what):
    c = [int(x.split()[1]) for x in out.splitlines()]
    check(c == list(range(1, n + 1)),
          f"{what}: lines lost or repeated: {c[:3]}...{c[-3:]} ({len(c)})")


def lost_case(freeze_target):
    n, ms = 250, 40
    with Realm(agent_interval_ms=500) as r:
        realm3(r)
        # The orchestrator keeps output only while it runs: watch the
        # modules' stdout topics themselves, all along.
        out_sub = r.subscribe([f"{r.name}/proc/stdout/+"])
        m = r.ctl_json("start", counter_wasm(), "--name", "lost", "--on",
                       "alpha", "--", str(n), str(ms), timeout_ms=30000)
        m["args"] = [str(n), str(ms)]
        wait_lines(r, "lost", 10)
        r.stop_orchestrator()
        lost_migration(r, m, "alpha", "beta", freeze_target)
        if freeze_target:
            r.kill_agent("beta")
        r.start_orchestrator()
        want = "alpha" if freeze_target else "beta"
        want_uuid = r.agent_uuid(want)
        r.wait_for(lambda: (module_state(r, "lost") or {}).get("parent") ==
                   want_uuid and (module_state(r, "lost") or {}).get(
                       "state") == "running", 30,
                   f"lost runs on {want} again")
        log(f"settled: {module_state(r, 'lost')!r}")
        done = wait_ended(r, "lost", 60)
        check(done.get("state") == "exited" and done.get("exit_code") == 0,
              f"lost ended as {done!r}")
        check_counts(stream(out_sub, m["uuid"]), n,
                     "after the lost migration")
        said = "".join(open(r.path(f), errors="replace").read()
                       for f in os.listdir(r.tmp)
                       if f.startswith("orchestrator") and f.endswith(".log"))
        check(("it is beta's now" in said) == (not freeze_target) and
              ("nobody runs it: it goes on there" in said) == freeze_target,
              "the orchestrator did not say how it settled the module")
        check(done.get("migrations") == (0 if freeze_target else 1),
              f"lost counted {done.get('migrations')} migrations")


def crc32c(data):
    """CRC-32C (Castagnoli, reflected 0x82F63B78), as snapshots use it."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def leb(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def memimage(pages, chunk=b"\x01" * 4096):
    """A memory image (docs/snapshot-format.md): PAGES pages, their first
    4 KiB chunk filled with CHUNK, the rest zero."""
    body = b"ARTSMIMG\x01" + leb(pages) + leb(1) + leb(0) + leb(1) + chunk
    return body + crc32c(body).to_bytes(4, "little")


def case_bad_image():
    """A target waiting for a migration takes its pre-copy image as hostile
    input: a damaged one, or one larger than the module's max_memory, is
    refused with a reason on snapshot/{m}/ready (which fails the migration
    at the source); a good one is answered ok."""
    with Realm(agent_interval_ms=500) as r:
        realm3(r)
        m, mig = new_uuid(), "bad-image-1"
        with open(counter_wasm(), "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        r.ctl_json("start", counter_wasm(), "--name", "seed", "--on", "alpha",
                   "--", "1", "0", timeout_ms=30000)   # publishes the program
        control(r, "beta", "create", {
            "type": "module", "uuid": m, "name": "target-only",
            "filename": "counter.wasm", "sha256": sha, "args": ["5"],
            "resources": {"max_memory": 1 << 20},
            "restore": {"migration": mig}})
        base = f"{r.name}/proc/snapshot/{m}"
        ready = r.subscribe([base + "/ready"])
        props = {"kind": "precopy", "migration": mig, "stdout_offset": "0"}
        good = memimage(8)
        cases = [(good[:-1] + bytes([good[-1] ^ 1]), "error: bad memory image"),
                 (memimage(64), "the module may have 1048576"),
                 (good, "ok")]
        for i, (image, said) in enumerate(cases):
            r.pub(base + "/precopy", image, props=props)
            got = ready.wait(lambda x: True, 10, f"answer {i + 1} on /ready",
                             start=i)["raw"]
            check(said in got, f"image {i + 1}: the target said {got!r}, "
                  f"not {said!r}")
        r.unsubscribe(ready)


def case_adopt():
    lost_case(False)


def case_resume():
    lost_case(True)


if __name__ == "__main__":
    run_cases({"churn": case_churn, "stdin": case_stdin,
               "bad-image": case_bad_image, "adopt": case_adopt,
               "resume": case_resume})
