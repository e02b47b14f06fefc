"""The orchestrator's integration tests on the shared harness
(tests/lib/artsrealm.py): a World is a Realm whose runtimes and operators
are played by mosquitto_pub / mosquitto_sub, plus what the tests say to
and ask of the real arts-orchestrator over the wire.

    with World() as w:
        w.start_broker(); w.start_orchestrator()
        ans = w.request("reg", "create", runtime_data(...))
"""

import os
import sqlite3
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "lib"))
from artsrealm import (BUILD, RawPublisher, Realm, Subscriber,  # noqa: E402,F401
                       TestFailure, check, envelope, log, new_uuid, now_ms,
                       wait_until)

REALM = "orchtest"


def runtime_data(uuid, name, host="host-a", **extra):
    d = {"type": "runtime", "uuid": uuid, "name": name,
         "runtime_type": "arts-agent", "apis": ["wasm", "wasi"],
         "max_nmodules": 8, "page_size": 65536, "aot_target": None,
         "platform": {"arch": "x86_64", "os": "Linux", "os_release": "6.1",
                      "hostname": host, "cpu_cores": 2,
                      "memory_total": 4 << 30},
         "metadata": {"room": "lab"}}
    d.update(extra)
    return d


def telemetry_data(uuid, ts=None, interval_ms=300, replayed=False,
                   metrics=None):
    return {"type": "telemetry", "uuid": uuid,
            "ts": now_ms() if ts is None else ts,
            "interval_ms": interval_ms, "replayed": replayed,
            "metrics": metrics if metrics is not None
            else {"system.cpu.utilization": 0.25,
                  "system.memory.usage": 1000000},
            "modules": []}


class World(Realm):
    """A Realm called orchtest; w.sub observes all of its proc/ tree.
    Closing it kill -9s what is left: a case ends with stop_orchestrator()
    (whose clean exit is part of every test), its agents need no drain."""

    def __init__(self):
        super().__init__(name=REALM, kill_at_close=True, prefix="orchtest-")
        self.sub = None
        self.orch_log = None

    # ---- processes ----

    def start_orchestrator(self, *extra, wait=True):
        p = super().start_orchestrator(
            extra, wait=wait, env=dict(os.environ, G_MESSAGES_DEBUG=""))
        self.orch_log = p.logpath
        if wait:
            # Subscribed is not yet answering: ask until it answers.
            def answered():
                env = envelope("query", {"type": "runtimes"})
                self.publish("query", env)
                try:
                    self.answer_to("query", env["object_id"], timeout=0.3)
                    return True
                except TestFailure:
                    return False
            wait_until(answered, 5, "the orchestrator's first answer")
        return p

    def orch_output(self):
        try:
            with open(self.orch_log, errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def check_orchestrator_alive(self):
        check(self.orchestrator.alive(),
              "orchestrator died:\n" + self.orch_output()[-3000:])

    def restart_broker(self, pause=0.0):
        """Stops the broker, starts it again on the same port after PAUSE
        s (without persistence it forgets every retained message); w.sub
        is a new observer: all it gets came after the restart."""
        self.unsubscribe(self.sub)
        self.stop_broker()
        time.sleep(pause)
        self.start_broker()
        self.sub = self.subscribe()

    # ---- wire ----

    def topic(self, leaf):
        return f"{REALM}/proc/{leaf}"

    def publish(self, leaf, payload, qos=1, retain=False):
        self.pub(self.topic(leaf), payload, qos=qos, retain=retain)

    def answer_to(self, leaf, object_id, timeout=5.0):
        m = self.sub.wait(
            lambda m: m["topic"] == self.topic(leaf) and m["json"]
            and m["json"].get("object_id") == object_id
            and m["json"].get("type") == "arts_resp",
            timeout, f"the answer to {object_id} on {leaf}")
        return m["json"]

    def request(self, leaf, action, data, expect=None, **kw):
        env = envelope(action, data, **kw)
        self.publish(leaf, env)
        ans = self.answer_to(leaf, env["object_id"])
        if expect is not None:
            check(ans["data"]["result"] == expect,
                  f"{leaf} {action}: expected {expect}, got {ans}")
        return ans

    def register(self, uuid, name, **kw):
        ans = self.request("reg", "create", runtime_data(uuid, name, **kw),
                           expect="ok")
        return ans["data"]["details"]

    def telemetry(self, uuid, **kw):
        self.publish(f"stats/{uuid}",
                     envelope("update", telemetry_data(uuid, **kw),
                              type_="runtime_resp"), qos=0)

    def keep_sending(self, uuid, interval_ms=300, period=0.1):
        """Telemetry for UUID every PERIOD s from a thread, like an agent,
        also while the broker is away (those samples are lost); returns a
        function that stops it."""
        stop = threading.Event()

        def run():
            while not stop.is_set():
                env = envelope("update", telemetry_data(
                    uuid, interval_ms=interval_ms), type_="runtime_resp")
                self.pub(self.topic(f"stats/{uuid}"), env, qos=0,
                         ignore_errors=True)
                stop.wait(period)
        t = threading.Thread(target=run, daemon=True)
        t.start()

        def halt():
            stop.set()
            t.join()
        return halt

    def state(self, uuid, status=None, start=0, timeout=5.0):
        """The newest retained-state message for UUID (with STATUS)."""
        def pred(m):
            return (m["topic"] == self.topic(f"state/runtime/{uuid}")
                    and m["json"] and (status is None
                                       or m["json"]["data"]["status"] == status))
        return self.sub.wait(pred, timeout, f"state {status} of {uuid}",
                             start)

    def status_seen(self, uuid, status, start=0):
        """A state message from START on saying UUID had STATUS, or None."""
        return self.sub.find(
            lambda m: m["topic"].endswith("state/runtime/" + uuid)
            and m["json"]["data"]["status"] == status, start)

    def stored_events(self, uuid):
        """The events stored about UUID, oldest first."""
        return [r[0] for r in self.db("SELECT event FROM events WHERE uuid"
                                      " = ? ORDER BY id", (uuid,))]

    def notifs(self, pred, start=0):
        """The data of the notif messages from START on matching PRED."""
        return [m["json"]["data"] for m in self.sub.all(
            lambda m: m["topic"] == self.topic("notif") and m["json"]
            and pred(m["json"]["data"]), start)]

    def events(self, uuid, event=None, start=0):
        return self.notifs(lambda d: d.get("uuid") == uuid and
                           (event is None or d["event"] == event), start)

    def wait_event(self, uuid, event, start=0, timeout=3.0):
        """The EVENT notif about UUID (an event follows its state change)."""
        m = self.sub.wait(
            lambda m: m["topic"] == self.topic("notif") and m["json"]
            and m["json"]["data"].get("uuid") == uuid
            and m["json"]["data"].get("event") == event,
            timeout, f"{event} of {uuid}", start)
        return m["json"]["data"]

    def logs(self, start=0):
        return [m["json"]["data"] for m in self.sub.all(
            lambda m: m["topic"] == self.topic("log/orchestrator")
            and m["json"], start)]

    def db(self, sql, args=()):
        con = sqlite3.connect(os.path.join(self.state_dir, "realm.sqlite"))
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()


def main(cases):
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        print(f"usage: {sys.argv[0]} {'|'.join(cases)}", file=sys.stderr)
        return 2
    try:
        with World() as w:
            w.start_broker()
            w.sub = w.subscribe()
            cases[sys.argv[1]](w)
    except TestFailure as e:
        traceback.print_exc()
        print(f"FAIL: {e}", flush=True)
        return 1
    print("PASS", flush=True)
    return 0
