"""Channels end to end (issue 6), with a real mosquitto, the real
orchestrator and three real agents, driven with arts-ctl:

- exchange: a producer on alpha and a consumer on beta exchange numbered
  messages while the consumer is migrated among the runtimes; the
  consumer sees every number once, in order (it says so and exits 0);
- refused: a module opening a channel it does not list, one outside the
  channel space, or a listed one in the other direction, is refused;
  arts-ctl refuses bad channel names before anything is sent.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
from realm import Realm, check, log, run_cases  # noqa: E402
from test_modules import (demo, ended, logs, module, realm3,  # noqa: E402
                          start, uuid_of, wait_output, wait_state, NAMES)

N_MESSAGES = int(os.environ.get("ARTS_CHANNEL_MESSAGES", "3000"))
MIGRATIONS = int(os.environ.get("ARTS_CHANNEL_MIGRATIONS", "5"))


def numbers(text):
    return [int(x) for x in text.splitlines() if x.isdigit()]


def case_exchange():
    n = N_MESSAGES
    with Realm(agent_interval_ms=500) as r:
        realm3(r)
        c = start(r, "consumer", "test/numbers", n, name="consumer",
                  on="beta", extra=["--channel", "test/numbers:r"])
        wait_state(r, c["uuid"], lambda m: m.get("state") == "running", 20,
                   "consumer running")
        start(r, "producer", "test/numbers", n, 2, name="producer",
              on="alpha", extra=["--channel", "test/numbers:w"])
        wait_output(r, "consumer", 20)
        uuids = {x: uuid_of(r, x) for x in NAMES}
        targets = ["gamma", "alpha", "beta"] * MIGRATIONS
        downtimes = []
        for i, target in enumerate(targets[:MIGRATIONS]):
            if module(r, "consumer") is None:
                log(f"consumer already ended after {i} migrations")
                break
            rc, out, err = r.ctl("--json", "migrate", "consumer", target,
                                 timeout_ms=60000)
            check(rc == 0, f"migration {i + 1}: {out!r} {err!r}")
            import json
            ans = json.loads(out)
            check(ans.get("target") == uuids[target],
                  f"migration {i + 1} went to {ans.get('target')}")
            downtimes.append(ans.get("downtime_ms"))
        log(f"{len(downtimes)} migrations, downtimes ms: {downtimes}")
        check(len(downtimes) == MIGRATIONS,
              "the consumer ended before all migrations: send more messages")
        done = wait_state(r, c["uuid"], ended, 120, "consumer got everything")
        out, err = logs(r, "consumer")
        got = numbers(out)
        check(got == list(range(1, n + 1)),
              f"consumer lost, repeated or reordered messages: {len(got)} "
              f"numbers, first {got[:5]}, last {got[-5:]}; "
              f"{[x for x in out.splitlines() if not x.isdigit()][:10]}")
        check(f"received {n}, 0 out of order" in out, f"consumer said {out[-200:]!r}")
        check(done.get("exit_code") == 0, f"consumer ended as {done!r}")
        check(done.get("migrations") == MIGRATIONS,
              f"{done.get('migrations')} migrations recorded")


def case_refused():
    with Realm() as r:
        realm3(r)
        cases = [
            ("other", ["--channel", "mine:r"], "No such file"),
            ("../proc/control", ["--channel", "mine:r"], "No such file"),
            ("mine", ["--channel", "mine:w"], "Permission denied"),
        ]
        for i, (path, extra, want) in enumerate(cases):
            m = start(r, "consumer", path, 1, name=f"intruder{i}",
                      on="alpha", extra=extra)
            done = wait_state(r, m["uuid"], ended, 30, f"intruder{i} ended")
            out, err = logs(r, f"intruder{i}")
            check(done.get("exit_code") == 1 and want in out,
                  f"opening /ch/{path} with {extra}: exit "
                  f"{done.get('exit_code')}, output {out!r}")
        for bad in ["../proc/control:w", "a/#:r", "+:r", "x:rx", "x"]:
            rc, out, err = r.ctl("start", demo("consumer"), "--channel", bad,
                                 check_rc=False)
            check(rc != 0 and "--channel" in err,
                  f"arts-ctl accepted --channel {bad}: {rc} {err!r}")


if __name__ == "__main__":
    run_cases({"exchange": case_exchange, "refused": case_refused})
