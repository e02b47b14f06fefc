"""Harness for the orchestrator's integration tests: a real mosquitto on a
free 127.0.0.1 port with a config written here, the real arts-orchestrator
binary, and mosquitto_pub / mosquitto_sub standing in for runtimes and
operators. Python 3 standard library only.

    with World() as w:
        w.start_broker(); w.start_orchestrator()
        ans = w.request("reg", "create", runtime_data(...))
"""

import json
import os
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid as uuidlib

BUILD = os.environ.get("ARTS_BUILD_DIR", "build")
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
REALM = "orchtest"


class TestFailure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise TestFailure(message)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def now_ms():
    return int(time.time() * 1000)


def new_uuid():
    return str(uuidlib.uuid4())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until(pred, timeout, what):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise TestFailure(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


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


def envelope(action, data, type_="arts_req", object_id=None):
    return {"object_id": object_id or new_uuid(), "action": action,
            "type": type_, "data": data}


class Subscriber:
    """mosquitto_sub on the whole realm; every message kept in order."""

    def __init__(self, port, pattern=f"{REALM}/proc/#"):
        self.msgs = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(
            ["mosquitto_sub", "-p", str(port), "-q", "1", "-t", pattern,
             "-t", "orchtest-probe/#", "-F", "%j"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            errors="replace")
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        probe = new_uuid()
        deadline = time.monotonic() + 5
        while not self.find(lambda m: m["topic"] == "orchtest-probe/" + probe):
            check(time.monotonic() < deadline, "subscriber never got ready")
            subprocess.run(["mosquitto_pub", "-p", str(port), "-t",
                            "orchtest-probe/" + probe, "-m", "x"],
                           check=True)
            time.sleep(0.05)

    def _read(self):
        for line in self.proc.stdout:
            try:
                m = json.loads(line)
            except ValueError:
                continue
            try:
                m["json"] = json.loads(m.get("payload", ""))
            except (ValueError, TypeError):
                m["json"] = None
            if not isinstance(m["json"], dict):
                m["json"] = None
            with self.cond:
                self.msgs.append(m)
                self.cond.notify_all()

    def find(self, pred, start=0):
        with self.cond:
            for m in self.msgs[start:]:
                if pred(m):
                    return m
        return None

    def mark(self):
        with self.cond:
            return len(self.msgs)

    def wait(self, pred, timeout=5.0, what="a message", start=0):
        return wait_until(lambda: self.find(pred, start), timeout, what)

    def all(self, pred, start=0):
        with self.cond:
            return [m for m in self.msgs[start:] if pred(m)]

    def close(self):
        self.proc.terminate()
        self.proc.wait(5)


class RawPublisher:
    """A minimal MQTT 3.1.1 client that publishes at QoS 0 on one
    connection: thousands of messages without a process each."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        var = self._str(b"MQTT") + bytes([4, 2]) + struct.pack("!H", 60)
        pkt = var + self._str(b"orchtest-" + new_uuid()[:8].encode())
        self.sock.sendall(bytes([0x10]) + self._len(len(pkt)) + pkt)
        connack = self.sock.recv(4)
        check(len(connack) == 4 and connack[3] == 0, f"CONNACK {connack!r}")

    @staticmethod
    def _str(b):
        return struct.pack("!H", len(b)) + b

    @staticmethod
    def _len(n):
        out = b""
        while True:
            d, n = n % 128, n // 128
            out += bytes([d | (0x80 if n else 0)])
            if not n:
                return out

    def publish(self, topic, payload):
        if not isinstance(payload, (bytes, str)):
            payload = json.dumps(payload)
        if isinstance(payload, str):
            payload = payload.encode()
        body = self._str(topic.encode()) + payload
        self.sock.sendall(bytes([0x30]) + self._len(len(body)) + body)

    def close(self):
        self.sock.sendall(bytes([0xE0, 0]))
        self.sock.close()


class World:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="orchtest-")
        self.state_dir = os.path.join(self.dir, "state")
        self.port = free_port()
        self.broker = None
        self.orch = None
        self.orch_log = None
        self.subs = []
        self.sub = None

    # ---- processes ----

    def start_broker(self):
        conf = os.path.join(self.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(f"listener {self.port} 127.0.0.1\n"
                    "allow_anonymous true\n"
                    "persistence false\n"
                    # A realm broker must not drop the bursts of a large
                    # realm (the default queue is 1000 messages a client).
                    "max_queued_messages 100000\n"
                    f"log_dest file {self.dir}/mosquitto.log\n")
            if os.getuid() == 0:
                f.write("user root\n")
        self.broker = subprocess.Popen([MOSQUITTO, "-c", conf],
                                       stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        wait_until(lambda: port_open(self.port), 5, "the broker's port")

    def stop_broker(self):
        self.broker.terminate()
        self.broker.wait(5)
        self.broker = None

    def start_orchestrator(self, *extra, wait=True):
        exe = os.path.join(BUILD, "orchestrator", "arts-orchestrator")
        check(os.access(exe, os.X_OK), f"{exe} is not built")
        self.orch_log = os.path.join(self.dir, "orchestrator.log")
        out = open(self.orch_log, "ab")
        self.orch = subprocess.Popen(
            [exe, "--broker", f"mqtt://127.0.0.1:{self.port}",
             "--realm", REALM, "--state-dir", self.state_dir, *extra],
            stdout=out, stderr=subprocess.STDOUT,
            env=dict(os.environ, G_MESSAGES_DEBUG=""))
        out.close()
        if wait:
            wait_until(lambda: "connected to the broker" in self.orch_output(),
                       5, "the orchestrator to connect")
            # Connected is not yet subscribed: ask until it answers.
            def answered():
                env = envelope("query", {"type": "runtimes"})
                self.publish("query", env)
                try:
                    self.answer_to("query", env["object_id"], timeout=0.3)
                    return True
                except TestFailure:
                    return False
            wait_until(answered, 5, "the orchestrator's first answer")

    def orch_output(self):
        try:
            with open(self.orch_log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop_orchestrator(self):
        """SIGTERM; a clean exit (status 0, no sanitizer report) is part of
        every test."""
        self.orch.send_signal(signal.SIGTERM)
        rc = self.orch.wait(10)
        self.orch = None
        check(rc == 0, f"orchestrator exited with {rc}:\n"
              + self.orch_output()[-3000:])

    def check_orchestrator_alive(self):
        check(self.orch.poll() is None,
              "orchestrator died:\n" + self.orch_output()[-3000:])

    def subscribe(self, pattern=f"{REALM}/proc/#"):
        s = Subscriber(self.port, pattern)
        self.subs.append(s)
        return s

    # ---- wire ----

    def topic(self, leaf):
        return f"{REALM}/proc/{leaf}"

    def publish(self, leaf, payload, qos=1, retain=False):
        if not isinstance(payload, (bytes, str)):
            payload = json.dumps(payload)
        if isinstance(payload, str):
            payload = payload.encode()
        argv = ["mosquitto_pub", "-p", str(self.port), "-t", self.topic(leaf),
                "-q", str(qos), "-s"]
        if retain:
            argv.append("-r")
        subprocess.run(argv, input=payload, check=True)

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
                subprocess.run(["mosquitto_pub", "-p", str(self.port), "-t",
                                self.topic(f"stats/{uuid}"), "-q", "0",
                                "-m", json.dumps(env)],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
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

    def events(self, uuid, event=None, start=0):
        return [m["json"]["data"] for m in self.sub.all(
            lambda m: m["topic"] == self.topic("notif") and m["json"]
            and m["json"]["data"].get("uuid") == uuid
            and (event is None or m["json"]["data"]["event"] == event),
            start)]

    def wait_event(self, uuid, event, start=0, timeout=3.0):
        """The EVENT notif about UUID (an event follows its state change)."""
        m = self.sub.wait(
            lambda m: m["topic"] == self.topic("notif") and m["json"]
            and m["json"]["data"].get("uuid") == uuid
            and m["json"]["data"]["event"] == event,
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

    # ---- life cycle ----

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for s in self.subs:
            s.close()
        # Agents a case started (test_modules.py registers them here): a
        # leftover agent would reconnect to whatever broker gets the port next.
        for a in getattr(self, "agents", []):
            if a.proc.poll() is None:
                a.proc.kill()
                a.proc.wait()
        if self.orch and self.orch.poll() is None:
            self.orch.kill()
            self.orch.wait()
        if self.broker:
            self.broker.kill()
            self.broker.wait()
        if exc[0] is not None:
            print("---- orchestrator log ----\n" + self.orch_output()[-4000:])
        shutil.rmtree(self.dir, ignore_errors=True)
        return False


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
