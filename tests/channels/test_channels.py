"""Channels end to end (issue 6), with a real mosquitto, the real
orchestrator and three real agents, driven with arts-ctl:

- exchange: a producer on alpha and a consumer on beta exchange numbered
  messages while the consumer is migrated among the runtimes; the
  consumer sees every number once, in order (it says so and exits 0);
- flood: a module that does not read gets far more messages than its
  queue holds: the queue stays at its limit, the rest is dropped and
  counted in its telemetry;
- limits: per-module limits from resources (a queue of 16, messages of
  at most 2 bytes) drop and count per channel in telemetry; the
  orchestrator keeps the counters of a stopped module;
- refused: a module opening a channel it does not list, one outside the
  channel space, or a listed one in the other direction, is refused;
  arts-ctl refuses bad channel names before anything is sent.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
from realm import Realm, check, envelope, log, run_cases  # noqa: E402
from test_modules import (demo, ended, logs, module, realm3,  # noqa: E402
                          start, uuid_of, wait_output, wait_state, NAMES)

N_MESSAGES = int(os.environ.get("ARTS_CHANNEL_MESSAGES", "10000"))
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
        start(r, "producer", "test/numbers", n, 1, name="producer",
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


def module_entry(r, uuid):
    """The module's entry in its runtime's latest telemetry, or {}."""
    for rt in r.runtimes():
        for m in (rt.get("telemetry") or {}).get("modules") or []:
            if m.get("uuid") == uuid:
                return m
    return {}


def channel_metrics(r, uuid):
    return module_entry(r, uuid).get("metrics") or {}


def per_channel(r, uuid, name):
    """(mode, metrics) of channel NAME in the module's telemetry entry."""
    for c in module_entry(r, uuid).get("channels") or []:
        if c.get("channel") == name:
            return c.get("mode"), c.get("metrics") or {}
    return None, {}


def case_flood():
    sent, limit = 3000, 1024
    with Realm(agent_interval_ms=500) as r:
        realm3(r)
        s = start(r, "sleeper", 600, name="deaf", on="beta",
                  extra=["--channel", "flood:r"])
        wait_state(r, s["uuid"], lambda m: m.get("state") == "running", 20,
                   "deaf running")
        p = start(r, "producer", "flood", sent, 0, name="flooder",
                  on="alpha", extra=["--channel", "flood:w"])
        wait_state(r, p["uuid"], ended, 60, "flooder done")

        def settled():
            m = channel_metrics(r, s["uuid"])
            return m if m.get("arts.channel.messages.dropped", 0) + \
                m.get("arts.channel.messages.in", 0) >= sent else None
        m = r.wait_for(settled, 30, "every flood message queued or dropped",
                       interval=0.2)[0]
        log(f"deaf: {m}")
        check(m.get("arts.channel.messages.in") == limit and
              m.get("arts.channel.messages.queued") == limit and
              m.get("arts.channel.messages.dropped") == sent - limit,
              f"queue limit not held: {m}")
        pm = channel_metrics(r, p["uuid"])
        check(not pm or pm.get("arts.channel.messages.out") in (None, sent),
              f"producer counters: {pm}")
        # The same counters per channel, with the channel's mode.
        mode, cm = per_channel(r, s["uuid"], "flood")
        check(mode == "r" and
              cm.get("arts.channel.messages.in") == limit and
              cm.get("arts.channel.messages.dropped") == sent - limit and
              cm.get("arts.channel.messages.out") == 0,
              f"per-channel counters of deaf: {mode} {cm}")


def stopped_stats(r, uuid):
    """The orchestrator's channel_stats of an ended module, by channel."""
    for m in r.ctl_json("modules"):
        if m.get("uuid") == uuid and m.get("status") in ("D", "E"):
            cs = m.get("channel_stats") or {}
            return {c["channel"]: c.get("metrics") or {}
                    for c in cs.get("channels") or []}
    return None


def queried_stats(r, uuid):
    """The channel_stats of module UUID in the orchestrator's answer to a
    `modules` query (raw MQTT, as any client asks), by channel."""
    ans = r.ask("query", envelope("query", {"type": "modules"}),
                what="the answer to the modules query")
    det = (ans.get("data") or {}).get("details") or {}
    for mod in det.get("modules") or []:
        if mod.get("uuid") == uuid:
            cs = mod.get("channel_stats") or {}
            return {c["channel"]: (c.get("mode"), c.get("metrics") or {})
                    for c in cs.get("channels") or []}
    return {}


def case_limits():
    """Per-module limits from resources (arts-ctl start --channel-queue-max,
    --channel-msg-max): a module with a queue of 16 keeps 16 and drops the
    rest; one with messages of at most 2 bytes drops the 3-byte numbers;
    each counted per channel in its telemetry and kept by the
    orchestrator after it stopped."""
    sent = 150
    with Realm(agent_interval_ms=500) as r:
        realm3(r)
        rc, out, err = r.ctl("start", demo("sleeper"), "--channel", "lim:r",
                             "--channel-queue-max", "100001", check_rc=False)
        check(rc == 2 and "--channel-queue-max" in err,
              f"arts-ctl accepted a queue limit of 100001: {rc} {err!r}")
        small = start(r, "sleeper", 600, name="small", on="beta",
                      extra=["--channel", "lim:r", "--channel", "side:w",
                             "--channel-queue-max", "16"])
        picky = start(r, "sleeper", 600, name="picky", on="gamma",
                      extra=["--channel", "lim:r", "--channel-msg-max", "2"])
        for m in (small, picky):
            wait_state(r, m["uuid"], lambda x: x.get("state") == "running",
                       20, f"{m['name']} running")
        p = start(r, "producer", "lim", sent, 0, name="limiter", on="alpha",
                  extra=["--channel", "lim:w"])
        wait_state(r, p["uuid"], ended, 60, "limiter done")

        def settled(m):
            def f():
                _, c = per_channel(r, m["uuid"], "lim")
                done = c.get("arts.channel.messages.dropped", 0) + \
                    c.get("arts.channel.messages.in", 0)
                return c if done >= sent else None
            return f
        sc = r.wait_for(settled(small), 30, "small: every message counted",
                        interval=0.2)[0]
        pc = r.wait_for(settled(picky), 30, "picky: every message counted",
                        interval=0.2)[0]
        log(f"small: {sc}\npicky: {pc}")
        check(sc.get("arts.channel.messages.in") == 16 and
              sc.get("arts.channel.messages.queued") == 16 and
              sc.get("arts.channel.messages.dropped") == sent - 16,
              f"queue limit 16 not held per channel: {sc}")
        # 1..99 fit in 2 bytes, 100..150 do not.
        check(pc.get("arts.channel.messages.in") == 99 and
              pc.get("arts.channel.messages.dropped") == sent - 99,
              f"message limit 2 not held per channel: {pc}")
        mode, side = per_channel(r, small["uuid"], "side")
        check(mode == "w" and side.get("arts.channel.messages.in") == 0,
              f"the unused channel of small: {mode} {side}")
        sums = channel_metrics(r, small["uuid"])
        check(sums.get("arts.channel.messages.dropped") == sent - 16,
              f"summed counters of small: {sums}")
        # The orchestrator keeps the latest counters with the module: its
        # answers have them now, its retained state after the stop.
        q = r.wait_for(
            lambda: (lambda x: x if x.get("lim", (0, {}))[1].get(
                "arts.channel.messages.dropped") == sent - 16 else None)(
                queried_stats(r, small["uuid"])),
            20, "small's counters in the orchestrator's modules answer",
            interval=0.5)[0]
        check(q["lim"][0] == "r" and q.get("side", (None,))[0] == "w",
              f"modes in the orchestrator's answer: {q}")
        r.ctl("stop", "small")
        kept = r.wait_for(lambda: stopped_stats(r, small["uuid"]), 20,
                          "small's counters kept after it stopped",
                          interval=0.2)[0]
        check(kept.get("lim", {}).get("arts.channel.messages.dropped") ==
              sent - 16, f"orchestrator's channel_stats of small: {kept}")


if __name__ == "__main__":
    run_cases({"exchange": case_exchange, "refused": case_refused,
               "flood": case_flood, "limits": case_limits})
