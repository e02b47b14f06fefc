#!/usr/bin/python3
"""Integration tests of arts-agent against a real mosquitto.

Usage: test_agent.py AGENT_BINARY SCENARIO
"""

import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "lib"))
from artsrealm import Realm, check, now_ms, wait_until  # noqa: E402

REALM = "test"
P = REALM + "/proc/"
UUID_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

HOST_METRICS = [
    "system.cpu.utilization", "system.cpu.load_average.1m",
    "system.memory.usage", "system.linux.memory.available",
    "system.network.io.receive", "system.network.io.transmit",
    "process.cpu.utilization", "process.cpu.time", "process.memory.usage",
    "arts.agent.telemetry.dropped", "arts.agent.telemetry.buffered",
]


def agent_realm():
    """A broker that keeps persistent sessions over its restarts and logs
    everything; agents log verbosely; a sanitizer report fails the test."""
    r = Realm(name=REALM, persistence=True, verbose_broker=True, strict=True,
              start=True, prefix="arts-agent-test-")
    r.agent_args = ["--verbose"]
    return r


def is_reg(action):
    def pred(m):
        p = m["payload"]
        return (m["topic"] == P + "reg" and isinstance(p, dict)
                and p.get("action") == action and p.get("type") == "arts_req")
    return pred


def is_stats(uuid=None, replayed=None):
    def pred(m):
        p = m["payload"]
        if not m["topic"].startswith(P + "stats/") or not isinstance(p, dict):
            return False
        d = p.get("data", {})
        if uuid and d.get("uuid") != uuid:
            return False
        return replayed is None or d.get("replayed") is replayed
    return pred


def registered(realm, binary, sub, **kw):
    """Starts an agent and returns (agent, uuid) once its reg create came."""
    agent = realm.start_agent(exe=binary, **kw)
    msg = sub.wait_for(is_reg("create"), timeout=10)[-1]
    return agent, msg["payload"]["data"]["uuid"]


def answer_create(realm, msg):
    """Answers a reg create as the orchestrator does: the agent replays its
    offline buffer only once its registration is answered."""
    realm.pub(P + "reg",
        '{"object_id":"%s","action":"create","type":"arts_resp",'
        '"data":{"result":"ok","details":{}}}' % msg["payload"]["object_id"])


def check_sample(d, uuid, interval_ms):
    check(d["type"] == "telemetry", "data.type telemetry")
    check(d["uuid"] == uuid, "stats uuid")
    check(d["interval_ms"] == interval_ms, "interval_ms %r" % d["interval_ms"])
    check(d["modules"] == [], "modules empty")
    m = d["metrics"]
    for name in HOST_METRICS:
        check(name in m, "metric %s missing in %s" % (name, sorted(m)))
    check(0.0 <= m["system.cpu.utilization"] <= 1.0, "cpu utilization")
    check(0.0 <= m["process.cpu.utilization"] <= 1.0, "process cpu")
    check(m["system.cpu.load_average.1m"] >= 0, "load")
    check(m["system.memory.usage"] > 0, "memory used")
    check(m["system.linux.memory.available"] > 0, "memory available")
    check(m["system.network.io.receive"] >= 0, "rx")
    check(m["system.network.io.transmit"] >= 0, "tx")
    check(m["process.cpu.time"] >= 0, "cpu time")
    # The agent's own RSS: real, and far from runaway.
    check(1 << 20 < m["process.memory.usage"] < 256 << 20,
          "rss %r" % m["process.memory.usage"])


# --------------------------------------------------------------------------

def test_registration(binary):
    with agent_realm() as realm:
        sub = realm.subscribe([P + "#"])
        agent, uuid = registered(realm, binary, sub, name="alpha",
                                 extra=["--max-nmodules", "3"])
        msg = sub.snapshot(is_reg("create"))[0]
        env = msg["payload"]
        check(msg["qos"] == 1 and not msg["retain"], "reg create qos 1")
        check(UUID_RE.match(env["object_id"]), "object_id is a uuid")
        d = env["data"]
        check(d["type"] == "runtime", "data.type")
        check(UUID_RE.match(uuid), "uuid %r" % uuid)
        check(d["name"] == "alpha", "name")
        check(d["runtime_type"] == "arts-agent", "runtime_type")
        check(d["apis"] == ["wasm", "wasi"], "apis")
        check(d["max_nmodules"] == 3, "max_nmodules")
        check(d["page_size"] == 65536, "page_size")
        check("aot_target" in d and d["aot_target"] is None, "aot_target")
        pf = d["platform"]
        check(pf["arch"] == os.uname().machine, "arch")
        check(pf["os"] == "Linux", "os")
        check(pf["os_release"] == os.uname().release, "os_release")
        check(pf["hostname"] == os.uname().nodename, "hostname")
        check(pf["cpu_cores"] >= 1, "cpu_cores")
        check(pf["memory_total"] > 1 << 20, "memory_total")
        check(isinstance(d.get("metadata"), dict), "metadata")
        # The uuid on the wire is the one kept in the state dir.
        with open(os.path.join(agent.state_dir, "runtime-uuid")) as f:
            check(f.read().strip() == uuid, "runtime-uuid file")
        # Defaults: max_nmodules 8, name = host name.
        other = realm.start_agent(exe=binary, state="state2")
        msgs = sub.wait_for(is_reg("create"), count=2, timeout=10)
        d2 = msgs[1]["payload"]["data"]
        check(d2["max_nmodules"] == 8, "default max_nmodules")
        check(d2["name"] == os.uname().nodename, "default name")
        check(d2["uuid"] != uuid, "second state dir, second uuid")
        other.stop()


def test_answers(binary):
    """The agent reads the orchestrator's answers on reg: an error is
    logged, an ok too; answers to others are ignored."""
    with agent_realm() as realm:
        sub = realm.subscribe([P + "reg"])
        agent, uuid = registered(realm, binary, sub, name="beta")
        oid = sub.snapshot(is_reg("create"))[0]["payload"]["object_id"]
        realm.pub(P + "reg",
            '{"object_id":"00000000-0000-4000-8000-000000000000",'
            '"action":"create","type":"arts_resp","data":{"result":"error",'
            '"details":{"error":"not for you","code":"conflict"}}}')
        realm.pub(P + "reg", "this is not json")
        realm.pub(P + "reg",
            '{"object_id":"%s","action":"create","type":"arts_resp",'
            '"data":{"result":"error","details":{"error":"name beta is '
            'taken","code":"conflict"}}}' % oid)
        wait_until(lambda: "name beta is taken" in agent.output(), 5,
                   "refusal logged")
        # Each create gets one answer; the next run's create an ok.
        agent.signal(signal.SIGTERM)
        check(agent.wait(10) == 0, "clean exit")
        check("not for you" not in agent.output(), "foreign answer ignored")
        agent = realm.start_agent(exe=binary, name="beta")
        msgs = sub.wait_for(is_reg("create"), count=2, timeout=10)
        oid = msgs[1]["payload"]["object_id"]
        realm.pub(P + "reg",
            '{"object_id":"%s","action":"create","type":"arts_resp",'
            '"data":{"result":"ok","details":{"uuid":"%s","name":"beta"}}}'
            % (oid, uuid))
        wait_until(lambda: "registered in realm" in agent.output(), 5,
                   "acceptance logged")
        check(agent.alive(), "agent still running")
        # Answered, the agent stops listening to reg (other runtimes'
        # registrations are not its business).
        def unsubscribed():
            with open(realm.path("mosquitto.log"), errors="replace") as f:
                return "Received UNSUBSCRIBE from " + uuid in f.read()
        wait_until(unsubscribed, 5, "reg unsubscribed")


def test_reg_retry(binary):
    """An unanswered create is sent again (an orchestrator that starts
    after the agents still learns about them); an answered one is not."""
    with agent_realm() as realm:
        sub = realm.subscribe([P + "reg"])
        agent, uuid = registered(realm, binary, sub)
        creates = sub.wait_for(is_reg("create"), count=3, timeout=30)
        ids = [m["payload"]["object_id"] for m in creates]
        check(len(set(ids)) == 3, "each create has its own object_id")
        check(all(m["payload"]["data"]["uuid"] == uuid for m in creates),
              "same runtime")
        # The orchestrator answers the latest: the retries stop.
        realm.pub(P + "reg",
            '{"object_id":"%s","action":"create","type":"arts_resp",'
            '"data":{"result":"ok","details":{}}}' % ids[-1])
        wait_until(lambda: "registered in realm" in agent.output(), 5,
                   "acceptance logged")
        n = len(sub.snapshot(is_reg("create")))
        time.sleep(12)
        check(len(sub.snapshot(is_reg("create"))) == n,
              "no create after the answer")


def test_identity(binary):
    with agent_realm() as realm:
        sub = realm.subscribe([P + "reg"])
        agent, uuid = registered(realm, binary, sub)
        # A second agent on the same state dir is refused.
        twin = realm.start_agent(exe=binary, state=agent.state_dir)
        check(twin.wait(10) == 1, "twin exits 1")
        check("another arts-agent" in twin.output(), "twin says why")
        agent.signal(signal.SIGTERM)
        check(agent.wait(10) == 0, "clean exit")
        # The same uuid after a restart.
        again = realm.start_agent(exe=binary)
        msgs = sub.wait_for(is_reg("create"), count=2, timeout=10)
        check(msgs[1]["payload"]["data"]["uuid"] == uuid, "uuid is stable")
        again.signal(signal.SIGTERM)
        check(again.wait(10) == 0, "clean exit")
        # A damaged identity is an error, never silently replaced.
        path = os.path.join(agent.state_dir, "runtime-uuid")
        with open(path, "w") as f:
            f.write("not-a-uuid\n")
        broken = realm.start_agent(exe=binary)
        check(broken.wait(10) == 1, "corrupt uuid: exit 1")
        check("runtime-uuid" in broken.output(), "names the file")
        with open(path) as f:
            check(f.read() == "not-a-uuid\n", "file left alone")


def test_stats(binary):
    interval = 300
    with agent_realm() as realm:
        sub = realm.subscribe([P + "#"])
        agent, uuid = registered(realm, binary, sub,
                                 extra=["--interval-ms", str(interval)])
        t0 = now_ms()
        stats = sub.wait_for(is_stats(uuid), count=6, timeout=10)
        t1 = now_ms()
        topics = {m["topic"] for m in stats}
        check(topics == {P + "stats/" + uuid}, "stats topic %r" % topics)
        prev = None
        for m in stats:
            d = m["payload"]["data"]
            check(m["payload"]["type"] == "runtime_resp", "envelope type")
            check(m["payload"]["action"] == "update", "envelope action")
            check(m["qos"] == 0, "live stats at qos 0")
            check(d["replayed"] is False, "live, not replayed")
            check_sample(d, uuid, interval)
            check(t0 - 5000 <= d["ts"] <= t1 + 1000, "ts is sampling time")
            if prev is not None:
                # One sample per interval: never two in one interval.
                check(d["ts"] - prev >= interval // 2,
                      "spacing %d ms" % (d["ts"] - prev))
            prev = d["ts"]
        # The agent sleeps between samples: a busy loop anywhere (its own
        # or the MQTT client's) shows here. Its target is 0.5 % of a core at
        # 1 Hz; 25 % is a bound no idle daemon comes near, even under ASan.
        cpu = [m["payload"]["data"]["metrics"]["process.cpu.utilization"]
               for m in stats[1:]]
        check(sum(cpu) / len(cpu) < 0.25,
              "the agent idles between samples: cpu %r" % cpu)
        # Retained: a late joiner gets the latest sample at once.
        late = realm.subscribe([P + "stats/+"])
        first = late.wait_for(lambda m: True, timeout=5)[0]
        check(first["retain"], "stats retained")
        check(first["payload"]["data"]["uuid"] == uuid, "retained uuid")
        # Keepalive every 10 s, ARTS shape.
        ka = sub.wait_for(lambda m: m["topic"] == P + "keepalive",
                          timeout=15)[0]["payload"]
        check(ka["action"] == "update" and ka["type"] == "runtime_resp",
              "keepalive envelope")
        check(ka["data"]["type"] == "runtime" and ka["data"]["uuid"] == uuid,
              "keepalive data")
        check(abs(ka["data"]["ts"] - now_ms()) < 15000, "keepalive ts")


def test_last_will(binary):
    with agent_realm() as realm:
        sub = realm.subscribe([P + "reg"])
        agent, uuid = registered(realm, binary, sub, name="gamma")
        check(not sub.snapshot(is_reg("delete")), "no delete yet")
        agent.signal(signal.SIGKILL)
        agent.wait(10)
        will = sub.wait_for(is_reg("delete"), timeout=5)[0]
        d = will["payload"]["data"]
        check(d == {"type": "runtime", "uuid": uuid, "name": "gamma"},
              "will data %r" % d)
        check(not will["retain"], "will not retained")


def test_goodbye(binary):
    with agent_realm() as realm:
        sub = realm.subscribe([P + "reg"])
        agent, uuid = registered(realm, binary, sub, name="delta")
        time.sleep(0.5)
        agent.signal(signal.SIGTERM)
        rc = agent.wait(10)
        check(rc == 0, "exit code %r" % rc)
        bye = sub.wait_for(is_reg("delete"), timeout=5)
        check(bye[0]["payload"]["data"]["uuid"] == uuid, "goodbye uuid")
        # A clean disconnect: the last will must not follow.
        time.sleep(1.5)
        check(len(sub.snapshot(is_reg("delete"))) == 1,
              "exactly one delete (no last will after a goodbye)")
        # With an orchestrator answering, the agent leaves as soon as the
        # answer comes (the answer is what it waits for).
        again = realm.start_agent(exe=binary, name="delta")
        msgs = sub.wait_for(is_reg("create"), count=2, timeout=10)
        check(msgs[1]["payload"]["data"]["uuid"] == uuid, "same uuid")
        again.signal(signal.SIGINT)
        bye = sub.wait_for(is_reg("delete"), count=2, timeout=5)[1]
        realm.pub(P + "reg",
            '{"object_id":"%s","action":"delete","type":"arts_resp",'
            '"data":{"result":"ok","details":{}}}'
            % bye["payload"]["object_id"])
        check(again.wait(10) == 0, "SIGINT: exit 0")


def outage(realm, seconds):
    """Stops the broker for SECONDS; returns (down_ms, up_ms)."""
    realm.stop_broker()
    down = now_ms()
    time.sleep(seconds)
    up = now_ms()
    realm.start_broker()
    return down, up


def replay_check(replayed, down, back):
    """Replayed samples: in order, once each, QoS 1, not retained, with the
    timestamps they were taken at: after the broker went DOWN (less one
    interval) and before the agent was BACK (its reg create arrived)."""
    ts = [m["payload"]["data"]["ts"] for m in replayed]
    check(ts == sorted(ts) and len(set(ts)) == len(ts),
          "replayed in order, once each: %r" % ts)
    for m in replayed:
        check(m["qos"] == 1 and not m["retain"], "replayed qos 1, not retained")
    check(all(down - 2000 <= t < back for t in ts),
          "original timestamps, taken while offline: %r (down %d back %d)"
          % (ts, down, back))
    return ts


def observer(realm):
    """A persistent session: what the broker queues for this client
    survives the broker restart (persistence is on)."""
    return realm.subscribe([P + "#"], client_id="arts-test-observer")


def through_outage(realm, binary, live, **kw):
    """An agent (KW) registered and sending, LIVE samples seen, then a 3 s
    broker outage: returns (agent, uuid, observer, down, up, back) once
    the agent re-registered (BACK: when, wall clock ms) and was answered."""
    sub = observer(realm)
    agent, uuid = registered(realm, binary, sub, **kw)
    sub.wait_for(is_stats(uuid, replayed=False), count=live, timeout=10)
    sub.stop()
    down, up = outage(realm, 3)
    sub = observer(realm)
    # The agent re-registers on reconnect...
    create = sub.wait_for(is_reg("create"), timeout=15)[0]
    # ...and, once answered, replays what it sampled meanwhile.
    answer_create(realm, create)
    return agent, uuid, sub, down, up, create["w"]


def test_offline_buffer(binary):
    interval = 250
    with agent_realm() as realm:
        agent, uuid, sub, down, up, back = through_outage(
            realm, binary, 2, extra=["--interval-ms", str(interval)])
        replayed = sub.wait_for(is_stats(uuid, replayed=True), count=6,
                                timeout=15)
        time.sleep(1.5)
        replayed = sub.snapshot(is_stats(uuid, replayed=True))
        ts = replay_check(replayed, down, back)
        during = [t for t in ts if down <= t < up]
        check(len(during) >= 6, "samples taken while the broker was down, "
              "earlier than its restart: %d" % len(during))
        for m in replayed:
            check_sample(m["payload"]["data"], uuid, interval)
            check(m["payload"]["data"]["metrics"]
                  ["arts.agent.telemetry.dropped"] == 0, "nothing dropped")
        last = replayed[-1]["payload"]["data"]["metrics"]
        check(last["arts.agent.telemetry.buffered"] >= 1,
              "buffered count grows while offline")
        # Live samples go on, newer than everything replayed.
        live = sub.wait_for(is_stats(uuid, replayed=False), count=2,
                            timeout=10)
        check(live[-1]["payload"]["data"]["ts"] > ts[-1], "live after replay")
        # Delivered rows are gone from the buffer.
        wait_until(
            lambda: live_metric(sub, uuid, "arts.agent.telemetry.buffered")
            == 0, 10, "buffer empty after replay")
        check(agent.alive(), "agent alive")


def live_metric(sub, uuid, name):
    live = sub.snapshot(is_stats(uuid, replayed=False))
    return live[-1]["payload"]["data"]["metrics"][name] if live else None


def test_buffer_bound(binary):
    interval, bound = 200, 4
    with agent_realm() as realm:
        agent, uuid, sub, down, up, back = through_outage(
            realm, binary, 1, extra=["--interval-ms", str(interval),
                                     "--buffer-max", str(bound)])
        sub.wait_for(is_stats(uuid, replayed=False), count=2, timeout=15)
        time.sleep(1.0)
        replayed = sub.snapshot(is_stats(uuid, replayed=True))
        ts = replay_check(replayed, down, back)
        check(len(ts) == bound, "only the newest %d kept, got %d"
              % (bound, len(ts)))
        # The newest were kept: the last one was taken just before the
        # agent got back.
        check(back - ts[-1] < 3 * interval + 1000, "newest kept")
        dropped = live_metric(sub, uuid, "arts.agent.telemetry.dropped")
        check(dropped is not None and dropped >= 5,
              "dropped count reported: %r" % dropped)


def test_buffer_restart(binary):
    """Samples buffered by one agent run are sent by the next."""
    interval = 250
    with agent_realm() as realm:
        sub = observer(realm)
        agent, uuid = registered(realm, binary, sub,
                                 extra=["--interval-ms", str(interval)])
        sub.wait_for(is_stats(uuid, replayed=False), count=1, timeout=10)
        sub.stop()
        realm.stop_broker()
        down = now_ms()
        time.sleep(2)
        # Stopped while offline: exits at once, the buffer stays on disk.
        agent.signal(signal.SIGTERM)
        check(agent.wait(10) == 0, "exit 0 while offline")
        stopped = now_ms()
        realm.start_broker()
        sub = observer(realm)
        again = realm.start_agent(exe=binary, extra=["--interval-ms", str(interval)])
        answer_create(realm, sub.wait_for(is_reg("create"), timeout=15)[0])
        replayed = sub.wait_for(is_stats(uuid, replayed=True), count=4,
                                timeout=15)
        time.sleep(1.0)
        replayed = sub.snapshot(is_stats(uuid, replayed=True))
        ts = replay_check(replayed, down, stopped)
        check(len(ts) >= 4, "buffered samples of the first run: %d" % len(ts))
        check(again.alive(), "agent alive")


def test_config(binary):
    """Everything from the config file; the command line wins over it; bad
    values are refused with a message naming them."""
    with agent_realm() as realm:
        sub = realm.subscribe([P + "#"])
        state = os.path.join(realm.tmp, "cfg-state")
        conf = os.path.join(realm.tmp, "agent.conf")

        def write_conf(extra=""):
            with open(conf, "w") as f:
                f.write("[realm]\nbroker = %s\nname = %s\n"
                        "[agent]\nstate-dir = %s\nname = from-config\n"
                        "interval-ms = 400\nmax-nmodules = 5\n%s"
                        % (realm.url, REALM, state, extra))

        write_conf()
        agent = realm.start_agent(exe=binary, extra=["--config", conf],
                            only_extra=True)
        reg = sub.wait_for(is_reg("create"), timeout=10)[0]["payload"]["data"]
        check(reg["name"] == "from-config", "name from [agent]")
        check(reg["max_nmodules"] == 5, "max-nmodules from [agent]")
        check(os.path.exists(os.path.join(state, "runtime-uuid")),
              "state-dir from [agent]")
        st = sub.wait_for(is_stats(reg["uuid"]), timeout=10)[0]
        check(st["payload"]["data"]["interval_ms"] == 400, "interval-ms")
        agent.signal(signal.SIGTERM)
        check(agent.wait(10) == 0, "clean exit")

        agent = realm.start_agent(exe=binary, name="from-cli",
                            extra=["--config", conf], only_extra=True)
        reg = sub.wait_for(is_reg("create"), count=2,
                           timeout=10)[1]["payload"]["data"]
        check(reg["name"] == "from-cli", "the command line wins")
        agent.signal(signal.SIGTERM)
        check(agent.wait(10) == 0, "clean exit")

        bad = [
            ("buffer-max = lots\n", ["--config", conf], "buffer-max"),
            ("", ["--config", conf, "--interval-ms", "5"], "interval-ms"),
            ("", ["--config", conf, "--name", ""], "name"),
            ("", ["--config", conf, "stray"], "stray"),
        ]
        for extra_conf, args, word in bad:
            write_conf(extra_conf)
            a = realm.start_agent(exe=binary, extra=args, only_extra=True)
            check(a.wait(10) == 1, "refused: %r" % args)
            check(word in a.output(), "message names %s" % word)


def write_backlog(path, uuid, n, first_ts, step_ms):
    """A buffer file as an earlier agent run would have left it."""
    import sqlite3
    import uuid as uuidlib
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE samples (id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " ts INTEGER NOT NULL, payload BLOB NOT NULL);"
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
        "INSERT INTO meta VALUES ('dropped', 5);"
        "PRAGMA user_version = 1;")
    for i in range(n):
        ts = first_ts + i * step_ms
        payload = json.dumps({
            "object_id": str(uuidlib.uuid4()), "action": "update",
            "type": "runtime_resp",
            "data": {"type": "telemetry", "uuid": uuid, "ts": ts,
                     "interval_ms": step_ms, "replayed": True,
                     "metrics": {"system.memory.usage": 1.0 + i},
                     "modules": []}})
        db.execute("INSERT INTO samples (ts, payload) VALUES (?, ?)",
                   (ts, payload.encode()))
    db.commit()
    db.close()


def test_buffer_backlog(binary):
    """An hour of backlog is replayed completely and in order, while live
    samples keep flowing; the dropped count left in the file is reported."""
    n, interval = 3000, 250
    with agent_realm() as realm:
        sub = realm.subscribe([P + "#"])
        agent, uuid = registered(realm, binary, sub)
        agent.signal(signal.SIGTERM)
        check(agent.wait(10) == 0, "clean exit")
        first = now_ms() - 3600 * 1000
        write_backlog(os.path.join(agent.state_dir, "telemetry-buffer.sqlite"),
                      uuid, n, first, 1000)
        agent = realm.start_agent(exe=binary, extra=["--interval-ms", str(interval)])
        answer_create(realm,
                      sub.wait_for(is_reg("create"), count=2, timeout=15)[1])
        replayed = sub.wait_for(is_stats(uuid, replayed=True), count=n,
                                timeout=60)
        ts = [m["payload"]["data"]["ts"] for m in replayed]
        check(ts == [first + i * 1000 for i in range(n)],
              "all %d replayed once, in order" % n)
        # Replay did not starve the live loop: live samples arrived while
        # the backlog was going out.
        t0, t1 = replayed[0]["t"], replayed[-1]["t"]
        live = [m for m in sub.snapshot(is_stats(uuid, replayed=False))
                if t0 < m["t"] < t1]
        span = t1 - t0
        print("replayed %d samples in %.1f s, %d live samples meanwhile"
              % (n, span, len(live)))
        check(span < 1.0 or len(live) >= 1,
              "live samples during a %.1f s replay: %d" % (span, len(live)))
        wait_until(
            lambda: live_metric(sub, uuid, "arts.agent.telemetry.buffered")
            == 0, 10, "buffer drained")
        check(live_metric(sub, uuid, "arts.agent.telemetry.dropped") == 5,
              "dropped count from the file")


def test_buffer_corrupt(binary):
    """A damaged buffer file does not stop the agent: it is moved aside."""
    with agent_realm() as realm:
        sub = realm.subscribe([P + "#"])
        state = os.path.join(realm.tmp, "state")
        os.makedirs(state)
        path = os.path.join(state, "telemetry-buffer.sqlite")
        junk = b"definitely not SQLite " * 100
        with open(path, "wb") as f:
            f.write(junk)
        agent, uuid = registered(realm, binary, sub,
                                 extra=["--interval-ms", "300"])
        sub.wait_for(is_stats(uuid, replayed=False), count=2, timeout=10)
        with open(path + ".corrupt", "rb") as f:
            check(f.read() == junk, "damaged file kept aside as it was")
        check("corrupt" in agent.output(), "logged")
        # The fresh buffer works: an outage is buffered and replayed.
        realm.stop_broker()
        time.sleep(1.5)
        realm.start_broker()
        sub2 = realm.subscribe([P + "#"])
        answer_create(realm, sub2.wait_for(is_reg("create"), timeout=15)[0])
        sub2.wait_for(is_stats(uuid, replayed=True), count=1, timeout=15)


SCENARIOS = {
    "reg-retry": test_reg_retry,
    "buffer-backlog": test_buffer_backlog,
    "buffer-corrupt": test_buffer_corrupt,
    "config": test_config,
    "registration": test_registration,
    "answers": test_answers,
    "uuid": test_identity,
    "stats": test_stats,
    "last-will": test_last_will,
    "goodbye": test_goodbye,
    "offline-buffer": test_offline_buffer,
    "buffer-bound": test_buffer_bound,
    "buffer-restart": test_buffer_restart,
}


def main():
    binary, scenario = sys.argv[1], sys.argv[2]
    SCENARIOS[scenario](os.path.abspath(binary))
    print("ok - agent %s" % scenario)


if __name__ == "__main__":
    main()
