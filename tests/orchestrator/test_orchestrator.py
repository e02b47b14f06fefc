"""Integration tests of arts-orchestrator: the real binary, a real
mosquitto, runtimes played by mosquitto_pub/mosquitto_sub.

    python3 test_orchestrator.py reg|dead|will|restart|bad-input|history|config
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from orchtest import (REALM, BUILD, RawPublisher, check, envelope,  # noqa
                      log, main, new_uuid, now_ms, runtime_data,
                      telemetry_data, wait_until)


def case_reg(w):
    """reg create is answered with the runtime as stored; the state is
    retained for late joiners; joined once, not again on re-register. A
    retained state of a runtime the realm does not know is cleared."""
    ghost = new_uuid()
    w.publish(f"state/runtime/{ghost}", envelope(
        "update", dict(runtime_data(ghost, "ghost"), status="A"),
        type_="arts_resp"), retain=True)
    w.start_orchestrator()
    w.sub.wait(lambda m: m["topic"] == w.topic(f"state/runtime/{ghost}")
               and m["payloadlen"] == 0, 3, "the ghost's state cleared")
    a = new_uuid()
    details = w.register(a, "alpha")
    check(details["uuid"] == a and details["name"] == "alpha"
          and details["status"] == "A", f"details: {details}")
    check(details["apis"] == ["wasm", "wasi"]
          and details["platform"]["hostname"] == "host-a"
          and details["metadata"] == {"room": "lab"}, f"details: {details}")
    check(details["last_seen"] > 0, "last_seen missing")
    w.state(a, "A")
    w.sub.wait(lambda m: m["json"] and m["json"]["data"].get("event")
               == "runtime_joined" and m["json"]["data"]["uuid"] == a,
               what="runtime_joined")

    # A late joiner gets the state at once, retained (and no ghost).
    late = w.subscribe(f"{REALM}/proc/state/#")
    m = late.wait(lambda m: m["topic"].endswith(a), 3, "retained state")
    check(m["retain"] in (1, True) and m["json"]["data"]["status"] == "A",
          f"late joiner got {m}")
    check(late.find(lambda m: ghost in m["topic"]) is None,
          "the ghost's state is still retained")

    # Re-registering (an agent's reconnect) is answered, with no new event.
    mark = w.sub.mark()
    w.register(a, "alpha")
    time.sleep(0.3)
    check(not w.events(a, start=mark), "re-register made an event")

    # ARTS aliases: type "req" is a request too.
    b = new_uuid()
    ans = w.request("reg", "create", runtime_data(b, "beta", host="host-b"),
                    expect="ok", type_="req")
    check(ans["data"]["details"]["uuid"] == b, "alias answer")

    ans = w.request("query", "query", {"type": "runtimes"}, expect="ok")
    names = [r["name"] for r in ans["data"]["details"]["runtimes"]]
    check(names == ["alpha", "beta"], f"runtimes: {names}")
    check(w.db("SELECT name, status FROM runtimes ORDER BY name")
          == [("alpha", "A"), ("beta", "A")], "database rows")

    # A goodbye: dead (left), answered; a new registration: returned.
    mark = w.sub.mark()
    ans = w.request("reg", "delete", {"type": "runtime", "uuid": a,
                                      "name": "alpha"}, expect="ok")
    check(ans["data"]["details"]["status"] == "D", f"delete answer {ans}")
    w.state(a, "D", start=mark)
    w.wait_event(a, "runtime_left", start=mark)
    check([e["event"] for e in w.events(a, start=mark)] == ["runtime_left"],
          "left event")
    mark = w.sub.mark()
    w.register(a, "alpha")
    w.state(a, "A", start=mark)
    w.sub.wait(lambda m: m["json"] and m["json"]["data"].get("event")
               == "runtime_returned", start=mark, what="runtime_returned")
    events = w.stored_events(a)
    check(events == ["runtime_joined", "runtime_left", "runtime_returned"],
          f"stored events {events}")
    w.stop_orchestrator()


def case_dead(w):
    """Missed telemetry: dead within 2 s of the last sample (3 intervals of
    300 ms); telemetry that resumes brings it back."""
    w.start_orchestrator()
    a = new_uuid()
    w.register(a, "alpha")
    mark = w.sub.mark()
    for _ in range(5):
        w.telemetry(a, interval_ms=300)
        last = time.monotonic()
        time.sleep(0.1)
    w.state(a, "D", start=mark, timeout=5)
    took = time.monotonic() - last
    log(f"dead {took:.2f} s after the last sample")
    check(took < 2.0, f"dead only after {took:.2f} s")
    # Not before its 3 intervals (0.9 s), give or take the publisher's exit.
    check(took >= 0.8, f"dead too early ({took:.2f} s < 3 x 300 ms)")
    w.wait_event(a, "runtime_died", start=mark)
    died = w.events(a, "runtime_died", start=mark)
    check(len(died) == 1 and "3 intervals" in died[0]["reason"],
          f"died event {died}")

    # Telemetry from the runtime again (a healed partition): back alive.
    mark = w.sub.mark()
    w.telemetry(a, interval_ms=300)
    w.state(a, "A", start=mark, timeout=2)
    w.wait_event(a, "runtime_returned", start=mark)
    # Samples that are old (replayed) are history, not a sign of life.
    mark = w.sub.mark()
    w.state(a, "D", start=mark, timeout=3)
    w.telemetry(a, interval_ms=300, ts=now_ms() - 60000, replayed=True)
    time.sleep(0.5)
    check(w.status_seen(a, "A", mark) is None,
          "a replayed sample brought the runtime back")
    n = w.db("SELECT count(*) FROM samples")[0][0]
    check(n >= 12, f"only {n} samples stored")
    w.stop_orchestrator()


def case_will(w):
    """The last will (a reg delete sent by the broker when the runtime's
    connection dies) marks it dead at once, long before its telemetry
    deadline. Ours says so (user property cause = last_will): the runtime
    died; an ARTS runtime's plain will reads as a goodbye: it left."""
    import json
    w.start_orchestrator()
    for name, props, event in (
            ("alpha", ["-D", "will", "user-property", "cause", "last_will"],
             "runtime_died"),
            ("beta", [], "runtime_left")):
        a = new_uuid()
        w.register(a, name)
        w.telemetry(a, interval_ms=10000)
        will = envelope("delete", {"type": "runtime", "uuid": a,
                                   "name": name})
        client = subprocess.Popen(
            ["mosquitto_sub", "-V", "mqttv5", "-p", str(w.port), "-t",
             "nothing", "-k", "30", "--will-topic", w.topic("reg"),
             "--will-qos", "1", "--will-payload", json.dumps(will)] + props,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        mark = w.sub.mark()
        client.kill()   # kill -9: no DISCONNECT, the broker sends the will
        client.wait()
        t0 = time.monotonic()
        w.state(a, "D", start=mark, timeout=5)
        took = time.monotonic() - t0
        check(took < 2.0, f"{name} dead {took:.2f} s after kill -9")
        w.wait_event(a, event, start=mark)
        check([e["event"] for e in w.events(a, start=mark)] == [event],
              f"{name}'s will: {w.events(a, start=mark)!r}")
        w.answer_to("reg", will["object_id"])
    w.stop_orchestrator()


def case_broker_stop(w):
    """A broker that shuts down publishes the last will of every client
    still connected. Those wills say nothing about the runtimes: the
    orchestrator, losing the broker at the same moment, ignores them, and
    the realm stays alive over the broker restart."""
    import json
    w.start_orchestrator()
    a = new_uuid()
    w.register(a, "alpha")
    will = envelope("delete", {"type": "runtime", "uuid": a, "name": "alpha"})
    client = subprocess.Popen(
        ["mosquitto_sub", "-p", str(w.port), "-t", "nothing",
         "--will-topic", w.topic("reg"), "--will-qos", "1",
         "--will-payload", json.dumps(will)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    halt = w.keep_sending(a)
    try:
        time.sleep(0.5)
        w.restart_broker(pause=1.0)
        mark = 0   # a new subscriber: all it got came after the restart
        w.state(a, "A", start=mark, timeout=10)
        time.sleep(1.0)
    finally:
        halt()
        client.kill()
        client.wait()
    check("ignoring 1 reg deletes" in w.orch_output(),
          "the shutdown's will was not recognised")
    check(w.status_seen(a, "D", mark) is None,
          "alpha went dead over the broker restart")
    events = w.stored_events(a)
    check(events == ["runtime_joined"], f"alpha's events {events}")
    w.stop_orchestrator()


def case_restart(w):
    """An orchestrator restart loses nothing: runtimes, statuses, events and
    history come back from SQLite, the retained state is published again
    (also after a broker restart), alive runtimes whose telemetry resumes
    stay alive and the others die after their interval."""
    w.start_orchestrator()
    a, b, c = new_uuid(), new_uuid(), new_uuid()
    w.register(a, "alpha")
    w.register(b, "beta", host="host-b")
    w.register(c, "gamma", host="host-c")
    t_first = now_ms()
    for i in range(3):
        w.telemetry(a, interval_ms=300, metrics={"m": float(i)})
        w.telemetry(b, interval_ms=300, metrics={"m": 10.0 + i})
        time.sleep(0.05)
    # a and b stay alive (3 x 300 ms) up to the stop, however slow the
    # machine is today.
    halts = [w.keep_sending(a), w.keep_sending(b)]
    w.request("reg", "delete", {"type": "runtime", "uuid": c,
                                "name": "gamma"}, expect="ok")
    time.sleep(0.4)   # the samples reach SQLite with the next tick
    for halt in halts:
        halt()
    w.stop_orchestrator()
    check(w.db("SELECT name, status FROM runtimes ORDER BY name")
          == [("alpha", "A"), ("beta", "A"), ("gamma", "D")],
          "statuses before the restart")

    # The broker forgets every retained message too.
    w.restart_broker()
    mark = 0   # a new subscriber: all it got came after the restart
    w.start_orchestrator()
    for u, st in ((a, "A"), (b, "A"), (c, "D")):
        m = w.state(u, st, start=mark, timeout=3)
        check(m["json"]["data"]["platform"]["hostname"].startswith("host-"),
              "state lost the platform")

    # a keeps sending, b does not: b dies after its 3 x 300 ms.
    stop = time.monotonic() + 2.5
    while time.monotonic() < stop:
        w.telemetry(a, interval_ms=300, metrics={"m": 5.0})
        time.sleep(0.1)
    w.state(b, "D", start=mark, timeout=1)
    check(w.status_seen(a, "D", mark) is None,
          "alpha died although its telemetry resumed")
    w.wait_event(b, "runtime_died", start=mark)

    # History from before the restart is there.
    ans = w.request("query", "query",
                    {"type": "history", "runtime": "beta", "metric": "m",
                     "since": t_first - 1000}, expect="ok")
    vals = [p[1] for p in ans["data"]["details"]["points"]]
    check(vals == [10.0, 11.0, 12.0], f"beta's history {vals}")
    check(ans["data"]["details"]["resolution"] == "raw", "resolution")

    # A broker restart under a running orchestrator, 2 s away (longer than
    # alpha's 3 x 300 ms): it reconnects and publishes every state again,
    # and alpha, sending all along, is not taken for dead: the silence was
    # the orchestrator's.
    halt = w.keep_sending(a)
    w.restart_broker(pause=2.0)
    mark = 0   # a new subscriber: all it got came after the restart
    for u, st in ((a, "A"), (b, "D"), (c, "D")):
        w.state(u, st, start=mark, timeout=10)
    time.sleep(1.5)
    halt()
    w.check_orchestrator_alive()
    check(w.status_seen(a, "D", mark) is None,
          "alpha taken for dead over the broker restart")
    stored = w.stored_events(a)
    check(stored == ["runtime_joined"], f"alpha's events {stored}")
    stored = w.stored_events(b)
    check(stored == ["runtime_joined", "runtime_died"], f"events {stored}")
    w.stop_orchestrator()


def expect_error(w, leaf, env, code, *words):
    w.publish(leaf, env)
    ans = w.answer_to(leaf, env["object_id"])
    d = ans["data"]
    check(d["result"] == "error", f"expected an error, got {ans}")
    check(ans["action"] == env.get("action", "error") or
          not isinstance(env.get("action"), str), f"action echoed: {ans}")
    det = d["details"]
    check(det.get("code") == code, f"code {det.get('code')} != {code}: {det}")
    for word in words:
        check(word in det["error"], f"'{word}' not in \"{det['error']}\"")
    log(f"{leaf}: {det['error']}")


def expect_log(w, leaf, payload, *words, qos=1):
    mark = w.sub.mark()
    w.publish(leaf, payload, qos=qos)
    m = w.sub.wait(lambda m: m["topic"] == w.topic("log/orchestrator")
                   and all(x in m["json"]["data"]["message"] for x in words),
                   3, f"a log message with {words}", mark)
    data = m["json"]["data"]
    check(data["topic"] == w.topic(leaf) and data["level"] == "error",
          f"log message {data}")
    log(f"log: {data['message']}")


def case_bad_input(w):
    """Every class of bad input gets an error answer (requests with an
    object_id) or a log message, and changes nothing."""
    w.start_orchestrator()
    a, b = new_uuid(), new_uuid()
    w.register(a, "alpha")
    w.telemetry(a, interval_ms=60000, metrics={"m": 1.0})
    time.sleep(0.4)
    before_rt = w.db("SELECT * FROM runtimes")
    before_ev = w.db("SELECT count(*) FROM events")
    before_samples = w.db("SELECT count(*) FROM samples")
    mark = w.sub.mark()

    good = runtime_data(b, "beta", host="host-b")

    def reg(data=None, action="create", **kw):
        return envelope(action, good if data is None else data, **kw)

    # Malformed JSON, no object_id: a log message.
    expect_log(w, "reg", "{\"object_id\": ", "not JSON")
    expect_log(w, "reg", "[1, 2]", "object")
    expect_log(w, "query", b"\xff\xfe", "UTF-8")
    # Oversized: refused before parsing.
    big = "{\"object_id\":\"%s\",\"pad\":\"%s\"}" % (new_uuid(), "x" * 300000)
    expect_log(w, "reg", big, "large")
    # Envelope problems with an object_id: answered.
    e = reg()
    e["colour"] = "red"
    expect_error(w, "reg", e, "unknown", "colour")
    e = reg()
    e["type"] = "arts_command"
    expect_error(w, "reg", e, "unknown", "type")
    e = reg()
    del e["data"]
    expect_error(w, "reg", e, "field", "data")
    # Unknown actions.
    expect_error(w, "reg", reg(action="explode"), "unknown", "explode")
    expect_error(w, "query", envelope("create", {"type": "runtimes"}),
                 "unknown", "create")
    # Missing, mistyped, unknown fields.
    d = dict(good)
    del d["uuid"]
    expect_error(w, "reg", reg(d), "field", "data.uuid")
    d = dict(good, max_nmodules="eight")
    expect_error(w, "reg", reg(d), "field", "data.max_nmodules")
    d = dict(good, colour="red")
    expect_error(w, "reg", reg(d), "unknown", "data.colour")
    d = dict(good, uuid="not-a-uuid")
    expect_error(w, "reg", reg(d), "field", "data.uuid")
    d = dict(good, platform=dict(good["platform"], cpu_cores=-1))
    expect_error(w, "reg", reg(d), "field", "data.platform.cpu_cores")
    d = dict(good, type="module")
    expect_error(w, "reg", reg(d), "unknown", "data.type")
    # Duplicates: a name alive elsewhere, a uuid alive on another host.
    expect_error(w, "reg", reg(runtime_data(b, "alpha", host="host-b")),
                 "conflict", "alpha", a)
    expect_error(w, "reg", reg(runtime_data(a, "alpha", host="host-x")),
                 "conflict", a, "host-a", "host-x")
    # Deletes of what is not there, or under another name.
    expect_error(w, "reg", reg({"type": "runtime", "uuid": b, "name": "beta"},
                               action="delete"), "not-found", b)
    expect_error(w, "reg", reg({"type": "runtime", "uuid": a, "name": "x"},
                               action="delete"), "conflict", "alpha")
    # Queries.
    expect_error(w, "query", envelope("query", {"type": "everything"}),
                 "unknown", "data.type")
    expect_error(w, "query", envelope("query", {"type": "history",
                                                "runtime": "nobody",
                                                "metric": "m"}),
                 "not-found", "nobody")
    expect_error(w, "query", envelope("query", {"type": "history",
                                                "runtime": "alpha",
                                                "metric": "nope"}),
                 "not-found", "nope", "m")
    expect_error(w, "query", envelope("query", {"type": "history",
                                                "runtime": "alpha",
                                                "metric": "m", "since": 5,
                                                "until": 4}),
                 "field", "since")
    # Telemetry: foreign uuid, unregistered runtime, garbage, bad values.
    t = envelope("update", telemetry_data(b), type_="runtime_resp")
    expect_log(w, f"stats/{a}", t, b, a)
    expect_log(w, f"stats/{b}", t, b, "not registered")
    expect_log(w, f"stats/{a}", "nonsense", "not JSON")
    t = envelope("update", telemetry_data(a, metrics={"m": "high"}),
                 type_="runtime_resp")
    expect_log(w, f"stats/{a}", t, "data.metrics.m")
    t = envelope("update", telemetry_data(a, ts=now_ms() + 3 * 86400000),
                 type_="runtime_resp")
    expect_log(w, f"stats/{a}", t, "data.ts")
    t = envelope("delete", telemetry_data(a), type_="runtime_resp")
    expect_log(w, f"stats/{a}", t, "delete")

    # A complaint repeated at once is not logged again.
    n = len(w.logs(mark))
    w.publish(f"stats/{a}", "nonsense")
    time.sleep(0.5)
    check(len(w.logs(mark)) == n, "the same complaint was logged twice")

    # Nothing changed.
    time.sleep(0.4)
    w.check_orchestrator_alive()
    check(w.db("SELECT * FROM runtimes") == before_rt, "runtimes changed")
    check(w.db("SELECT count(*) FROM events") == before_ev, "events changed")
    check(w.db("SELECT count(*) FROM samples") == before_samples,
          "samples changed")
    check(not w.events(a, start=mark) and not w.events(b, start=mark),
          "bad input made events")
    check(w.sub.find(lambda m: "/state/" in m["topic"], mark) is None,
          "bad input changed a state topic")
    ans = w.request("query", "query", {"type": "runtimes"}, expect="ok")
    check([r["name"] for r in ans["data"]["details"]["runtimes"]]
          == ["alpha"], "runtimes after bad input")
    w.stop_orchestrator()


def case_history(w):
    """History: raw samples within the last hour, 1-minute aggregates
    beyond; runtime by uuid or by name."""
    w.start_orchestrator()
    a = new_uuid()
    w.register(a, "alpha")
    now = now_ms()
    minute = 60000
    # Raw: one sample a second for 20 s, ten minutes ago (replayed, as an
    # agent's offline buffer sends them).
    t0 = now - 10 * minute
    for i in range(20):
        w.telemetry(a, ts=t0 + i * 1000, replayed=True,
                    metrics={"system.cpu.utilization": i / 100})
    # Two hours ago: three minutes of samples, 6 a minute.
    old = (now - 2 * 3600 * 1000) // minute * minute
    for k in range(3):
        for i in range(6):
            w.telemetry(a, ts=old + k * minute + i * 10000, replayed=True,
                        metrics={"system.cpu.utilization": k + i / 10})
    time.sleep(0.5)

    ans = w.request("query", "query",
                    {"type": "history", "runtime": a,
                     "metric": "system.cpu.utilization",
                     "since": t0, "until": t0 + 19000}, expect="ok")
    d = ans["data"]["details"]
    check(d["resolution"] == "raw" and d["runtime"] == a, f"details {d}")
    check([p[0] for p in d["points"]] == [t0 + i * 1000 for i in range(20)],
          "raw timestamps")
    check([p[1] for p in d["points"]] == [i / 100 for i in range(20)],
          "raw values")

    ans = w.request("query", "query",
                    {"type": "history", "runtime": "alpha",
                     "metric": "system.cpu.utilization",
                     "since": old - minute, "until": old + 3 * minute - 1},
                    expect="ok")
    d = ans["data"]["details"]
    check(d["resolution"] == "1m", f"resolution {d['resolution']}")
    pts = d["points"]
    check([p[0] for p in pts] == [old + k * minute for k in range(3)],
          f"1m timestamps {pts}")
    for k, p in enumerate(pts):
        check(abs(p[1] - (k + 0.25)) < 1e-9 and p[2] == k
              and abs(p[3] - (k + 0.5)) < 1e-9, f"minute {k}: {p}")

    # The whole last three hours: the old minutes and the recent ones.
    ans = w.request("query", "query",
                    {"type": "history", "runtime": "alpha",
                     "metric": "system.cpu.utilization",
                     "since": now - 3 * 3600 * 1000}, expect="ok")
    pts = ans["data"]["details"]["points"]
    check(len(pts) in (4, 5) and pts[0][0] == old, f"3 h of minutes {pts}")
    check(sum(1 for p in pts if p[0] >= t0 // minute * minute) in (1, 2),
          "recent minutes missing")
    # Default range: the last hour, raw.
    ans = w.request("query", "query",
                    {"type": "history", "runtime": "alpha",
                     "metric": "system.cpu.utilization"}, expect="ok")
    d = ans["data"]["details"]
    check(d["resolution"] == "raw" and len(d["points"]) == 20,
          f"default range {d['resolution']} {len(d['points'])}")

    # More than one answer holds: the newest 5000, and "truncated".
    pub = RawPublisher(w.port)
    t1 = now - 30 * minute
    for i in range(5100):
        pub.publish(w.topic(f"stats/{a}"), envelope(
            "update", telemetry_data(a, ts=t1 + i * 100, replayed=True,
                                     metrics={"busy": float(i)}),
            type_="runtime_resp"))
    pub.close()
    wait_until(lambda: w.db("SELECT count(*) FROM samples s, series r"
                            " WHERE s.series_id = r.id AND r.metric = 'busy'")
               [0][0] == 5100, 20, "5100 samples stored")
    env = envelope("query", {"type": "history", "runtime": "alpha",
                             "metric": "busy"})
    w.publish("query", env)
    m = w.sub.wait(lambda m: m["topic"] == w.topic("query") and m["json"]
                   and m["json"]["object_id"] == env["object_id"]
                   and m["json"]["type"] == "arts_resp", 10, "history")
    d = m["json"]["data"]["details"]
    check(m["payloadlen"] < 256 * 1024, f"{m['payloadlen']} bytes")
    check(d.get("truncated") is True and len(d["points"]) == 5000
          and d["points"][0] == [t1 + 100 * 100, 100.0]
          and d["points"][-1] == [t1 + 5099 * 100, 5099.0],
          f"truncated history: {len(d['points'])} points, "
          f"{d['points'][0]}..{d['points'][-1]}")
    w.stop_orchestrator()


def case_config(w):
    """[orchestrator] in --config: known keys apply, unknown or bad ones
    stop the start with a message naming them."""
    exe = os.path.join(BUILD, "orchestrator", "arts-orchestrator")
    conf = w.path("orch.conf")
    for body, word in (("[orchestrator]\ncolour = red\n", "colour"),
                       ("[orchestrator]\ndead-after-intervals = 0\n",
                        "dead-after-intervals"),
                       ("[orchestrator]\nraw-retention-s = soon\n",
                        "raw-retention-s")):
        with open(conf, "w") as f:
            f.write(body)
        p = subprocess.run([exe, "--config", conf, "--state-dir",
                            w.state_dir, "--broker",
                            f"mqtt://127.0.0.1:{w.port}"],
                           capture_output=True, text=True, timeout=10)
        check(p.returncode != 0 and word in p.stderr,
              f"config {body!r}: rc {p.returncode}, {p.stderr!r}")
    p = subprocess.run([exe, "--state-dir", w.state_dir,
                        "--dead-after-intervals", "-3"],
                       capture_output=True, text=True, timeout=10)
    check(p.returncode != 0, "negative --dead-after-intervals accepted")
    p = subprocess.run([exe, "--broker", f"mqtt://127.0.0.1:{w.port}"],
                       capture_output=True, text=True, timeout=10)
    check(p.returncode != 0 and "state-dir" in p.stderr,
          f"no --state-dir: {p.stderr!r}")

    # The example in docs/orchestrator.md is a working configuration
    # (the command line wins for broker, realm and state dir).
    src = os.environ.get("ARTS_SOURCE_DIR",
                         os.path.join(os.path.dirname(__file__), "..", ".."))
    with open(os.path.join(src, "docs", "orchestrator.md")) as f:
        doc = f.read()
    example = doc.split("```ini\n", 1)[1].split("```", 1)[0]
    check("[orchestrator]" in example, "no example in the docs")
    with open(conf, "w") as f:
        f.write(example)
    w.start_orchestrator("--config", conf)
    w.stop_orchestrator()

    # dead-after-intervals = 10 from the file: 10 x 200 ms = 2 s. The
    # checks below only tell 10 intervals (2 s) from 3 (the default) or 2
    # (the command line), with 0.5 s of slack for a slow machine.
    with open(conf, "w") as f:
        f.write(f"[realm]\nname = {REALM}\n[orchestrator]\n"
                "dead-after-intervals = 10\ncheck-interval-ms = 50\n")
    w.start_orchestrator("--config", conf)
    # One orchestrator per state dir.
    p = subprocess.run([exe, "--state-dir", w.state_dir, "--broker",
                        f"mqtt://127.0.0.1:{w.port}"],
                       capture_output=True, text=True, timeout=10)
    check(p.returncode != 0 and "in use" in p.stderr
          and str(w.orchestrator.pid) in p.stderr, f"second orchestrator: {p.stderr!r}")
    a = new_uuid()
    w.register(a, "alpha")
    w.telemetry(a, interval_ms=200)
    mark = w.sub.mark()
    t0 = time.monotonic()
    w.state(a, "D", start=mark, timeout=5)
    took = time.monotonic() - t0
    check(took >= 1.5, f"dead after {took:.2f} s, expected 2 s")
    w.stop_orchestrator()
    # The command line wins over the file: 2 x 200 ms. (alpha is dead;
    # its fresh telemetry brings it back first.)
    w.start_orchestrator("--config", conf, "--dead-after-intervals", "2")
    mark = w.sub.mark()
    w.telemetry(a, interval_ms=200)
    t0 = time.monotonic()
    w.state(a, "A", start=mark, timeout=3)
    back = w.sub.mark()
    w.state(a, "D", start=back, timeout=5)
    took = time.monotonic() - t0
    check(took < 1.5, f"dead after {took:.2f} s, expected 0.4 s")
    w.stop_orchestrator()


def case_many(w):
    """A realm of 1000 runtimes: all registered, answered and alive with
    their telemetry stored; the runtimes answer stays readable (truncated
    beyond 256 KiB), the state topics hold them all."""
    w.start_orchestrator()
    n = 1000
    ids = [new_uuid() for _ in range(n)]
    pub = RawPublisher(w.port)
    for i, u in enumerate(ids):
        pub.publish(w.topic("reg"), envelope("create", runtime_data(
            u, f"rt{i:04d}", host=f"h{i}")))
    wait_until(lambda: w.db("SELECT count(*) FROM runtimes")[0][0] == n, 20,
               f"{n} runtimes stored")
    answers = lambda: len(w.sub.all(  # noqa: E731
        lambda m: m["topic"] == w.topic("reg") and m["json"]
        and m["json"]["type"] == "arts_resp"
        and m["json"]["data"]["result"] == "ok"))
    wait_until(lambda: answers() == n, 10, f"{n} answers")
    for rnd in range(2):
        ts = now_ms()
        for u in ids:
            pub.publish(w.topic(f"stats/{u}"), envelope(
                "update", telemetry_data(u, ts=ts + rnd, interval_ms=60000),
                type_="runtime_resp"))
    pub.close()
    wait_until(lambda: w.db("SELECT count(*) FROM samples")[0][0] == 4 * n,
               20, f"{4 * n} samples stored")

    env = envelope("query", {"type": "runtimes"})
    w.publish("query", env)
    m = w.sub.wait(lambda m: m["topic"] == w.topic("query") and m["json"]
                   and m["json"]["object_id"] == env["object_id"]
                   and m["json"]["type"] == "arts_resp", 10, "runtimes")
    check(m["payloadlen"] <= 256 * 1024, f"answer of {m['payloadlen']} bytes")
    d = m["json"]["data"]["details"]
    names = [r["name"] for r in d["runtimes"]]
    log(f"runtimes answer: {len(names)} of {n}, {m['payloadlen']} bytes")
    check(d.get("truncated") is True and 0 < len(names) < n,
          f"{len(names)} runtimes, truncated={d.get('truncated')}")
    check(names == [f"rt{i:04d}" for i in range(len(names))], "order")

    late = w.subscribe(f"{REALM}/proc/state/#")
    wait_until(lambda: len(late.all(lambda m: m["json"] and m["json"]["data"]
                                    ["status"] == "A")) == n, 10,
               f"{n} retained states")
    check(w.db("SELECT count(*) FROM runtimes WHERE status = 'A'")[0][0] == n,
          "not all alive")
    w.stop_orchestrator()


CASES = {
    "many": case_many,
    "reg": case_reg,
    "dead": case_dead,
    "will": case_will,
    "restart": case_restart,
    "broker-stop": case_broker_stop,
    "bad-input": case_bad_input,
    "history": case_history,
    "config": case_config,
}

if __name__ == "__main__":
    sys.exit(main(CASES))
