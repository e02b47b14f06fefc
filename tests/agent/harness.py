"""Test harness for arts-agent: a real mosquitto on a free loopback port,
real arts-agent processes, mosquitto_sub as the observer.

Python 3 standard library only; used by tests/agent/test_agent.py.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError("port %d did not open" % port)


def wait_until(pred, timeout, step=0.05):
    """Polls PRED until it returns a true value; returns it (or None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


class Broker:
    """A mosquitto with its own config, log and persistence in WORKDIR.

    Persistence is on, so QoS 1 messages queued for a persistent session
    survive a restart of the broker (stop() + start() on the same port)."""

    def __init__(self, workdir, port=None):
        self.workdir = workdir
        self.port = port or free_port()
        self.proc = None
        self.conf = os.path.join(workdir, "mosquitto.conf")
        self.log = os.path.join(workdir, "mosquitto.log")
        self.db = os.path.join(workdir, "mosquitto-db") + "/"
        os.makedirs(self.db, exist_ok=True)

    def url(self):
        return "mqtt://127.0.0.1:%d" % self.port

    def start(self):
        lines = [
            "listener %d 127.0.0.1" % self.port,
            "allow_anonymous true",
            "log_dest file %s" % self.log,
            "log_type all",
            "persistence true",
            "persistence_location %s" % self.db,
            "autosave_interval 1",
        ]
        if os.getuid() == 0:
            lines.append("user root")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = subprocess.Popen(
            [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c",
             self.conf],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Subscriber:
    """mosquitto_sub on TOPICS, collecting every message as a dict
    {"topic", "retain", "qos", "payload" (parsed JSON or None), "raw",
    "t" (monotonic arrival), "w" (wall-clock arrival, ms)}. Persistent (ID given) subscribers keep their
    QoS 1 queue across their own and the broker's restarts."""

    def __init__(self, broker, topics, qos=1, client_id=None):
        self.broker = broker
        self.topics = topics
        self.qos = qos
        self.client_id = client_id
        self.messages = []
        self.lock = threading.Lock()
        self.proc = None
        self.thread = None

    def start(self):
        cmd = ["mosquitto_sub", "-h", "127.0.0.1", "-p",
               str(self.broker.port), "-V", "mqttv5", "-q", str(self.qos),
               "-F", "%r %q %t %p"]
        if self.client_id:
            cmd += ["-i", self.client_id, "-c"]
        for t in self.topics:
            cmd += ["-t", t]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        # mosquitto_sub prints nothing once subscribed; give it a moment
        # to connect and subscribe before the caller acts.
        time.sleep(0.3)

    def _read(self):
        for line in self.proc.stdout:
            line = line.decode("utf-8", "replace").rstrip("\n")
            parts = line.split(" ", 3)
            if len(parts) < 3:
                continue
            raw = parts[3] if len(parts) == 4 else ""
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = None
            msg = {"retain": parts[0] == "1", "qos": int(parts[1]),
                   "topic": parts[2], "raw": raw, "payload": payload,
                   "t": time.monotonic(), "w": int(time.time() * 1000)}
            with self.lock:
                self.messages.append(msg)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        if self.thread:
            self.thread.join(5)

    def snapshot(self, pred=None):
        with self.lock:
            return [m for m in self.messages if pred is None or pred(m)]

    def wait_for(self, pred, count=1, timeout=5.0):
        """Waits until COUNT messages match PRED; returns them all."""
        got = wait_until(lambda: len(self.snapshot(pred)) >= count, timeout)
        found = self.snapshot(pred)
        if not got:
            raise AssertionError(
                "expected %d matching messages within %.1f s, got %d; "
                "last messages: %s" % (count, timeout, len(found),
                                       [m["raw"][:200] for m in
                                        self.snapshot()[-5:]]))
        return found


class Agent:
    """A real arts-agent process; its stderr goes to WORKDIR/agent-N.log."""

    counter = 0

    def __init__(self, binary, broker, state_dir, realm="test", name=None,
                 extra=(), only_extra=False):
        self.binary = binary
        self.broker = broker
        self.state_dir = state_dir
        self.realm = realm
        self.name = name
        self.extra = list(extra)
        self.only_extra = only_extra
        self.proc = None
        Agent.counter += 1
        self.log = os.path.join(os.path.dirname(state_dir.rstrip("/")),
                                "agent-%d.log" % Agent.counter)

    def start(self):
        cmd = [self.binary]
        if not self.only_extra:
            cmd += ["--broker", self.broker.url(), "--realm", self.realm,
                    "--state-dir", self.state_dir, "--verbose"]
        if self.name:
            cmd += ["--name", self.name]
        cmd += self.extra
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        return self

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=10):
        rc = self.proc.wait(timeout)
        self.logf.close()
        return rc

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and not self.logf.closed:
            self.logf.close()

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Realm:
    """A work dir with a broker; cleans everything up on exit."""

    def __init__(self, keep=False):
        self.workdir = tempfile.mkdtemp(prefix="arts-agent-test-")
        self.broker = Broker(self.workdir)
        self.procs = []
        self.keep = keep

    def __enter__(self):
        self.broker.start()
        return self

    def subscriber(self, topics, **kw):
        s = Subscriber(self.broker, topics, **kw)
        s.start()
        self.procs.append(s)
        return s

    def raw_subscriber(self, topics, client_id=None):
        s = RawSubscriber(self.broker, topics, client_id)
        s.start()
        self.procs.append(s)
        return s

    def agent(self, binary, state="state", **kw):
        a = Agent(binary, self.broker, os.path.join(self.workdir, state),
                  **kw)
        self.procs.append(a)
        return a.start()

    def sanitizer_reports(self):
        """Sanitizer reports (ASan, LSan, UBSan) in the agents' logs."""
        found = []
        for name in sorted(os.listdir(self.workdir)):
            if not name.startswith("agent-") or not name.endswith(".log"):
                continue
            with open(os.path.join(self.workdir, name), "rb") as f:
                text = f.read().decode("utf-8", "replace")
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                           "runtime error:"):
                if marker in text:
                    found.append("%s: %s" % (name, marker))
        return found

    def __exit__(self, *exc):
        for p in reversed(self.procs):
            p.stop()
        self.broker.stop()
        reports = self.sanitizer_reports()
        if reports and exc[0] is None:
            exc = (AssertionError, None, None)
            print("sanitizer reports: %s" % reports)
        if exc[0] is not None:
            for name in sorted(os.listdir(self.workdir)):
                if name.endswith(".log"):
                    path = os.path.join(self.workdir, name)
                    with open(path, "rb") as f:
                        tail = f.read()[-3000:].decode("utf-8", "replace")
                    print("---- %s ----\n%s" % (name, tail))
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if reports:
            raise AssertionError("sanitizer reports: %s" % reports)
        return False


class RawSubscriber:
    """mosquitto_sub (MQTT 5) on TOPICS keeping binary payloads and user
    properties: each message is a dict {"topic", "props" (dict), "data"
    (bytes), "payload" (parsed JSON or None), "t"}."""

    def __init__(self, broker, topics, client_id=None):
        self.broker = broker
        self.topics = topics
        self.client_id = client_id
        self.messages = []
        self.lock = threading.Lock()
        self.proc = None
        self.thread = None

    def start(self):
        cmd = ["mosquitto_sub", "-h", "127.0.0.1", "-p",
               str(self.broker.port), "-V", "mqttv5", "-q", "1",
               "-F", "%t\t%P\t%x"]
        if self.client_id:
            cmd += ["-i", self.client_id, "-c"]
        for t in self.topics:
            cmd += ["-t", t]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        time.sleep(0.3)

    def _read(self):
        for line in self.proc.stdout:
            parts = line.decode("ascii", "replace").rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            props = {}
            for pair in parts[1].split(" "):
                if ":" in pair:
                    k, v = pair.split(":", 1)
                    props[k] = v
            data = bytes.fromhex(parts[2])
            try:
                payload = json.loads(data.decode("utf-8"))
            except ValueError:
                payload = None
            msg = {"topic": parts[0], "props": props, "data": data,
                   "payload": payload, "t": time.monotonic()}
            with self.lock:
                self.messages.append(msg)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        if self.thread:
            self.thread.join(5)

    def snapshot(self, pred=None):
        with self.lock:
            return [m for m in self.messages if pred is None or pred(m)]

    def wait_for(self, pred, count=1, timeout=5.0):
        got = wait_until(lambda: len(self.snapshot(pred)) >= count, timeout)
        found = self.snapshot(pred)
        if not got:
            raise AssertionError(
                "expected %d matching messages within %.1f s, got %d; "
                "last messages: %s" % (count, timeout, len(found),
                                       [(m["topic"], m["data"][:200])
                                        for m in self.snapshot()[-6:]]))
        return found
