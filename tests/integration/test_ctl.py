"""arts-ctl against a real realm: stats, history, watch, and its errors
(unknown runtime, unreachable broker, no orchestrator to answer)."""

import json
import signal
import subprocess
import time

from realm import Realm, binary, check, free_port, log, run_cases

UNITS = {
    "system.cpu.utilization": "1",
    "system.memory.usage": "By",
    "system.linux.memory.available": "By",
    "process.memory.usage": "By",
}


def realm_with(r, names):
    r.start_broker()
    r.start_orchestrator()
    for n in names:
        r.start_agent(n)
    r.wait_for(lambda: all(r.runtime(n, "A") for n in names), 5.0,
               f"{names} alive")


def case_stats():
    with Realm() as r:
        realm_with(r, ["alpha", "beta"])
        uuid = r.agent_uuid("alpha")

        def full_sample():   # the first sample comes one interval after joining
            rc, out, err = r.ctl("--json", "stats", "alpha", check_rc=False)
            if rc != 0:
                check(rc == 1 and "no telemetry yet" in err, f"stats: {rc} {err}")
                return None
            s = json.loads(out)
            return s if "system.cpu.utilization" in s.get("metrics", {}) else None
        s, _ = r.wait_for(full_sample, 5.0, "a sample with CPU utilization")
        check(s["uuid"] == uuid and s["name"] == "alpha", f"wrong runtime: {s}")
        for metric, unit in UNITS.items():
            check(metric in s["metrics"], f"{metric} missing: {s['metrics']}")
            check(s["units"].get(metric) == unit,
                  f"{metric}: unit {s['units'].get(metric)!r}, want {unit!r}")
        check(0.0 <= s["metrics"]["system.cpu.utilization"] <= 1.0,
              "cpu utilization out of 0..1")
        check(s["metrics"]["process.memory.usage"] > 0, "agent RSS is 0")
        check(abs(s["ts"] - time.time() * 1000) < 60000, f"odd ts {s['ts']}")
        # By uuid, the same runtime; the human form lists every metric.
        check(r.ctl_json("stats", uuid)["uuid"] == uuid, "stats by uuid")
        _, out, _ = r.ctl("stats", "alpha")
        for metric in s["metrics"]:
            check(metric in out, f"human stats lacks {metric}:\n{out}")
        check("%" in out and ("MiB" in out or "GiB" in out),
              f"human stats shows no units:\n{out}")
        # Broker and realm from a --config file alone.
        conf = r.path("ctl.conf")
        with open(conf, "w") as f:
            f.write(f"[realm]\nbroker = {r.url}\nname = {r.name}\n")
        p = subprocess.run([binary("cli/arts-ctl"), "--config", conf, "--json",
                            "stats", "alpha"], capture_output=True, text=True,
                           timeout=30)
        check(p.returncode == 0 and json.loads(p.stdout)["uuid"] == uuid,
              f"--config: {p.returncode} {p.stdout} {p.stderr}")
        r.assert_clean()


def case_history():
    with Realm() as r:
        realm_with(r, ["alpha"])
        time.sleep(3.5)
        h = r.ctl_json("history", "alpha", "system.memory.usage",
                       "--since", "2m")
        check(h.get("runtime") == r.agent_uuid("alpha"), f"runtime: {h}")
        check(h.get("metric") == "system.memory.usage", f"metric: {h}")
        check(h.get("resolution") == "raw", f"resolution: {h}")
        pts = h["points"]
        check(len(pts) >= 3, f"expected >= 3 points after 3.5 s: {pts}")
        ts = [p[0] for p in pts]
        check(ts == sorted(ts), f"points not in time order: {ts}")
        now = time.time() * 1000
        check(all(now - 120000 - 5000 <= t <= now + 5000 for t in ts),
              f"points outside --since 2m: {ts}")
        check(all(isinstance(p[1], (int, float)) and p[1] > 0 for p in pts),
              f"bad values: {pts}")
        # --since bounds the answer: the last second holds at most 2.
        short = r.ctl_json("history", "alpha", "system.memory.usage",
                           "--since", "1s")["points"]
        check(len(short) <= 2, f"--since 1s returned {len(short)} points")
        _, out, _ = r.ctl("history", "alpha", "system.memory.usage")
        check("MiB" in out or "GiB" in out, f"human history:\n{out}")
        # Unknown metric: an answer, not a hang.
        rc, out, err = r.ctl("history", "alpha", "no.such.metric",
                             "--json", check_rc=False)
        check(rc in (0, 1), f"unknown metric -> rc {rc}: {err}")
        if rc == 0:
            check(json.loads(out)["points"] == [], f"points for no metric: {out}")
        r.assert_clean()


def case_watch():
    with Realm() as r:
        realm_with(r, ["alpha"])
        argv = [binary("cli/arts-ctl"), "--broker", r.url, "--realm", r.name,
                "--json", "watch"]
        outpath = r.path("watch.jsonl")
        with open(outpath, "w") as out:
            w = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE,
                                 text=True)
        try:
            def events():
                evs = []
                with open(outpath) as f:
                    for line in f:
                        if line.strip():
                            evs.append(json.loads(line))   # one object a line
                return evs
            evs, _ = r.wait_for(lambda: [e for e in events()
                                         if e.get("name") == "alpha"], 5.0,
                                "alpha listed as present at start")
            check(evs[0]["event"] == "runtime_present", f"first: {evs[0]}")
            r.start_agent("beta")
            r.wait_for(lambda: [e for e in events()
                                if e.get("name") == "beta" and
                                e.get("event") == "runtime_joined"], 5.0,
                       "runtime_joined of beta")
            r.kill_agent("beta", signal.SIGKILL)
            # The last will is the agent's own reg delete (WIRE.md 2) with
            # the user property cause = last_will: it died, it did not leave.
            died, took = r.wait_for(lambda: [e for e in events()
                                             if e.get("name") == "beta" and
                                             e.get("event") in ("runtime_died",
                                                                "runtime_left")],
                                    5.0, "runtime_died/left of beta")
            check(died[0]["event"] == "runtime_died",
                  f"kill -9 of beta reported as {died[0]['event']}")
            log(f"watch saw beta go ({died[0]['event']}) after {took:.2f} s")
            check(died[0]["uuid"] == r.agent_uuid("beta"), f"uuid: {died}")
        finally:
            w.send_signal(signal.SIGINT)
            try:
                rc = w.wait(5)
            except subprocess.TimeoutExpired:
                w.kill()
                raise
            err = w.stderr.read()
        check(rc == 0, f"watch exited {rc} on SIGINT: {err}")
        r._check_sanitizer(err, "arts-ctl watch")
        r.assert_clean()


def case_errors():
    with Realm() as r:
        realm_with(r, ["alpha"])
        for args in (["stats", "nosuch"], ["history", "nosuch", "system.memory.usage"]):
            rc, out, err = r.ctl(*args, check_rc=False)
            check(rc == 1, f"{args}: rc {rc}, want 1")
            check("nosuch" in err and "no runtime" in err, f"{args}: {err!r}")
        rc, _, err = r.ctl("history", "alpha", "system.memory.usage",
                           "--since", "yesterday", check_rc=False)
        check(rc == 2 and "--since" in err, f"bad --since: {rc} {err!r}")
        rc, _, err = r.ctl("frobnicate", check_rc=False)
        check(rc == 2 and "unknown command" in err, f"unknown command: {err!r}")

        # No orchestrator to answer: history times out with exit 3.
        r.stop_orchestrator()
        t0 = time.monotonic()
        rc, _, err = r.ctl("history", "alpha", "system.memory.usage",
                           timeout_ms=1500, check_rc=False)
        check(rc == 3 and "orchestrator" in err, f"no orchestrator: {rc} {err!r}")
        check(time.monotonic() - t0 < 10, "--timeout not honoured")

        # A broker nobody listens on: exit 3, quickly and clearly.
        dead = f"mqtt://127.0.0.1:{free_port()}"
        t0 = time.monotonic()
        p = subprocess.run([binary("cli/arts-ctl"), "--broker", dead,
                            "--realm", r.name, "--timeout", "3000", "runtimes"],
                           capture_output=True, text=True, timeout=30)
        took = time.monotonic() - t0
        check(p.returncode == 3, f"dead broker: rc {p.returncode} {p.stderr!r}")
        check("broker" in p.stderr and dead in p.stderr,
              f"dead broker message: {p.stderr!r}")
        log(f"dead broker reported after {took:.2f} s")
        r.assert_clean()


def case_no_orchestrator():
    """Without an orchestrator arts-ctl still shows what the agents'
    retained telemetry tells: runtimes by uuid, status unknown."""
    with Realm() as r:
        r.start_broker()
        r.start_agent("alpha")
        uuid = r.agent_uuid("alpha")
        rts, _ = r.wait_for(lambda: [rt for rt in r.runtimes()
                                     if rt["uuid"] == uuid], 5.0,
                            "alpha's telemetry seen")
        check(rts[0]["status"] == "?", f"status without orchestrator: {rts}")
        check(r.ctl_json("stats", uuid)["uuid"] == uuid, "stats by uuid")
        rc, _, err = r.ctl("history", uuid, "system.memory.usage",
                           timeout_ms=1500, check_rc=False)
        check(rc == 3 and "orchestrator" in err, f"history: {rc} {err!r}")
        r.assert_clean()


if __name__ == "__main__":
    run_cases({
        "stats": case_stats,
        "history": case_history,
        "watch": case_watch,
        "errors": case_errors,
        "no-orchestrator": case_no_orchestrator,
    })
