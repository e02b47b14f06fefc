"""Live migration with pre-copy (docs/agent.md, "Live migration"), end to
end: a real mosquitto, the real orchestrator, three real agents, arts-ctl.

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
"""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "lib"))
from artsrealm import (BUILD, SKIP, Realm, binary, check, log,  # noqa: E402
                       run_cases)

NAMES = ("alpha", "beta", "gamma")


def churn_wasm():
    path = os.path.join(BUILD, "tests", "migration", "churn.wasm")
    if not os.path.exists(path):
        log(f"SKIP: {path} is not built (no clang for wasm32-wasi?)")
        sys.exit(SKIP)
    return path


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
    ticks, ms, mib = 400, 10, 8
    ref = reference(ticks, ms, mib)
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


if __name__ == "__main__":
    run_cases({"churn": case_churn, "stdin": case_stdin})
