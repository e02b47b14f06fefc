"""The one harness of ARTS's integration tests and benchmarks: a real
mosquitto on a free 127.0.0.1 port with a config written here, the real
daemons (binaries from $ARTS_BUILD_DIR), each with its own state dir and
log under one temporary folder, mosquitto_sub / mosquitto_pub for raw
MQTT, and arts-ctl to look at the realm.

Everything started is stopped again when the Realm is closed (also when a
test fails). Python 3 standard library only: run with /usr/bin/python3.

    with Realm() as r:
        r.start_broker(); r.start_orchestrator()
        a = r.start_agent("alpha")
        r.wait_for(lambda: r.runtime("alpha", "A"), 2.0, "alpha alive")

tests/integration (through realm.py), tests/agent, tests/orchestrator
(orchtest.py builds its World on it), tests/channels and bench/ use it:
scripts put this folder on sys.path from their own location.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid as uuidlib

BUILD = os.environ.get("ARTS_BUILD_DIR", "build")
SOURCE = os.environ.get("ARTS_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(
                            os.path.abspath(__file__)))))
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
SKIP = 77  # meson: the test was skipped
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:")


# An AssertionError, so scripts that let it escape fail like an assert.
class TestFailure(AssertionError):
    pass


def check(cond, message):
    """An assertion that survives python -O and says what was expected."""
    if not cond:
        raise TestFailure(message)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def now_ms():
    return int(time.time() * 1000)


def new_uuid():
    return str(uuidlib.uuid4())


def binary(rel):
    path = os.path.join(BUILD, rel)
    check(os.access(path, os.X_OK), f"{path} is not built")
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until(pred, timeout, what, step=0.02):
    """Polls PRED until it returns something true and returns that; fails
    after TIMEOUT seconds."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise TestFailure(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


def wait_for(fn, timeout, what, interval=0.05):
    """Calls FN until it returns something true; returns that value and
    the seconds it took, fails after TIMEOUT. FN's own duration counts:
    the value must have been *asked for* before the deadline. The seconds
    returned run until FN returned it."""
    start = time.monotonic()
    while True:
        asked = time.monotonic()
        if asked - start > timeout:
            raise TestFailure(f"not within {timeout} s: {what}")
        v = fn()
        if v:
            return v, time.monotonic() - start
        time.sleep(interval)


def sanitizer_markers(text):
    """The sanitizer reports (ASan, LSan, UBSan) TEXT holds."""
    return [m for m in SANITIZER_MARKERS if m in text]


def envelope(action, data, type_="arts_req", object_id=None):
    """An ARTS message: a request unless TYPE_ says otherwise."""
    return {"object_id": object_id or new_uuid(), "action": action,
            "type": type_, "data": data}


def _payload_bytes(payload):
    if not isinstance(payload, (bytes, str)):
        payload = json.dumps(payload)
    return payload.encode() if isinstance(payload, str) else payload


def publish(port, topic, payload, qos=1, retain=False, props=None,
            ignore_errors=False):
    """mosquitto_pub (MQTT 5) of PAYLOAD (bytes, text, or anything else as
    JSON) on TOPIC; PROPS: user properties. IGNORE_ERRORS: a broker that is
    away loses the message instead of failing the caller."""
    data = _payload_bytes(payload)
    argv = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-V",
            "mqttv5", "-q", str(qos), "-t", topic, "-s" if data else "-n"]
    if retain:
        argv.append("-r")
    for k, v in (props or {}).items():
        argv += ["-D", "publish", "user-property", k, v]
    out = subprocess.DEVNULL if ignore_errors else None
    subprocess.run(argv, input=data, check=not ignore_errors, timeout=60,
                   stdout=out, stderr=out)


class Subscriber:
    """mosquitto_sub (MQTT 5) on TOPICS; every message kept in order as a
    dict: topic, retain, qos, props (user properties), data (bytes), raw
    (text), payload (parsed JSON or None), json (payload when an object,
    else None), payloadlen, t (monotonic arrival), w (wall clock, ms).
    Ready once subscribed (a probe message came back). A persistent one
    (CLIENT_ID given) keeps its QoS 1 queue across its own and the broker's
    restarts."""

    PROBE = "arts-probe/"

    def __init__(self, port, topics, qos=1, client_id=None):
        if isinstance(topics, str):
            topics = [topics]
        self.msgs = []
        self.cond = threading.Condition()
        self.probe = self.PROBE + new_uuid()
        self.ready = threading.Event()
        argv = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port),
                "-V", "mqttv5", "-q", str(qos), "-F", "%r\t%q\t%t\t%P\t%x"]
        if client_id:
            argv += ["-i", client_id, "-c"]
        for t in list(topics) + [self.probe]:
            argv += ["-t", t]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 5
        while not self.ready.is_set():
            check(self.proc.poll() is None and time.monotonic() < deadline,
                  f"mosquitto_sub on {topics} never got ready")
            publish(port, self.probe, "x", qos=0, ignore_errors=True)
            self.ready.wait(0.05)

    def _read(self):
        for line in self.proc.stdout:
            parts = line.rstrip(b"\n").split(b"\t")
            if len(parts) != 5:
                continue
            topic = parts[2].decode("utf-8", "replace")
            if topic == self.probe:
                self.ready.set()
                continue
            props = {}
            for pair in parts[3].decode("utf-8", "replace").split(" "):
                if ":" in pair:
                    k, v = pair.split(":", 1)
                    props[k] = v
            data = bytes.fromhex(parts[4].decode("ascii"))
            try:
                payload = json.loads(data.decode("utf-8"))
            except ValueError:
                payload = None
            msg = {"topic": topic, "retain": parts[0] == b"1",
                   "qos": int(parts[1]), "props": props, "data": data,
                   "raw": data.decode("utf-8", "replace"), "payload": payload,
                   "json": payload if isinstance(payload, dict) else None,
                   "payloadlen": len(data), "t": time.monotonic(),
                   "w": now_ms()}
            with self.cond:
                self.msgs.append(msg)
                self.cond.notify_all()

    def snapshot(self, pred=None, start=0):
        """The messages from START on that match PRED."""
        with self.cond:
            return [m for m in self.msgs[start:] if pred is None or pred(m)]

    all = snapshot

    def find(self, pred, start=0):
        with self.cond:
            for m in self.msgs[start:]:
                if pred(m):
                    return m
        return None

    def mark(self):
        """Where the messages to come will start (for START)."""
        with self.cond:
            return len(self.msgs)

    def wait(self, pred, timeout=5.0, what="a message", start=0):
        """The first message from START on that matches PRED."""
        return wait_until(lambda: self.find(pred, start), timeout, what)

    def wait_for(self, pred, count=1, timeout=5.0):
        """Waits until COUNT messages match PRED; returns them all."""
        end = time.monotonic() + timeout
        while True:
            found = self.snapshot(pred)
            if len(found) >= count:
                return found
            if time.monotonic() > end:
                last = [(m["topic"], m["raw"][:200])
                        for m in self.snapshot()[-6:]]
                raise TestFailure(
                    f"expected {count} matching messages within {timeout} s,"
                    f" got {len(found)}; last messages: {last}")
            time.sleep(0.02)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        self.thread.join(5)

    stop = close


class RawPublisher:
    """A minimal MQTT 3.1.1 client at QoS 0 on one connection: thousands
    of messages without a process each, or a bare client's round trip
    (NODELAY: TCP_NODELAY, for latency)."""

    def __init__(self, port, nodelay=False, keepalive=60):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if nodelay:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        var = self._str(b"MQTT") + bytes([4, 2]) + \
            keepalive.to_bytes(2, "big")
        self.send(0x10, var + self._str(b"arts-raw-" +
                                        new_uuid()[:8].encode()))
        kind, body = self.read()
        check(kind == 0x20 and body[1:2] == b"\0", f"CONNACK {body!r}")

    @staticmethod
    def _str(b):
        return len(b).to_bytes(2, "big") + b

    @staticmethod
    def _len(n):
        out = b""
        while True:
            d, n = n % 128, n // 128
            out += bytes([d | (0x80 if n else 0)])
            if not n:
                return out

    def packet(self, kind, body):
        return bytes([kind]) + self._len(len(body)) + body

    def send(self, kind, body):
        self.sock.sendall(self.packet(kind, body))

    def _recv(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("the broker closed the connection")
            out += chunk
        return out

    def read(self):
        """The next packet from the broker: (its first byte, its body)."""
        kind = self._recv(1)[0]
        n, shift = 0, 0
        while True:
            b = self._recv(1)[0]
            n += (b & 0x7f) << shift
            shift += 7
            if not b & 0x80:
                return kind, self._recv(n)

    def publish_packet(self, topic, payload):
        return self.packet(0x30, self._str(topic.encode()) +
                           _payload_bytes(payload))

    def publish(self, topic, payload):
        self.sock.sendall(self.publish_packet(topic, payload))

    def subscribe(self, topic):
        """Subscribes at QoS 0; returns once the broker acknowledged."""
        self.send(0x82, (1).to_bytes(2, "big") + self._str(topic.encode()) +
                  b"\0")
        kind, _ = self.read()
        check(kind == 0x90, f"SUBACK {kind:#x}")

    def close(self):
        self.sock.sendall(bytes([0xE0, 0]))
        self.sock.close()


class Proc:
    """A daemon we started, its output in a file."""

    def __init__(self, name, argv, logpath, env=None):
        self.name = name
        self.argv = argv
        self.logpath = logpath
        self.expect_death = False
        self.reaped = False
        self.logfile = open(logpath, "ab")
        self.popen = subprocess.Popen(argv, stdout=self.logfile,
                                      stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env=env)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            if sig in (signal.SIGKILL,):
                self.expect_death = True
            self.popen.send_signal(sig)

    def wait(self, timeout=10):
        """Its exit status, once it exited within TIMEOUT."""
        return self.popen.wait(timeout)

    def kill(self, sig=None, timeout=15):
        """Signals it (SIGKILL by default) and returns its exit status."""
        self.signal(sig or signal.SIGKILL)
        return self.popen.wait(timeout)

    # An agent with modules drains on SIGTERM: the wire bounds the drain to
    # 10 s, then it stops what is left (start_agent raises this).
    stop_timeout = 10.0

    def stop(self, timeout=None):
        """SIGTERM and wait; returns the exit status (SIGKILL after TIMEOUT)."""
        timeout = timeout or self.stop_timeout
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.expect_death = True
                self.popen.kill()
                self.popen.wait()
                self.logfile.close()
                raise TestFailure(f"{self.name} ignored SIGTERM for {timeout} s")
        self.logfile.close()
        return self.popen.returncode

    def output(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


class Realm:
    """A temporary folder with a broker, daemons and observers in it.

    PERSISTENCE: the broker keeps QoS 1 messages queued for persistent
    sessions across its restarts. VERBOSE_BROKER: log_type all (also with
    $ARTS_DEBUG_BROKER). STRICT: a sanitizer report in any daemon's log
    fails the test when the realm closes. KILL_AT_CLOSE: closing kill -9s
    what is left instead of a SIGTERM each (agents would drain). START:
    the broker starts on __enter__."""

    def __init__(self, name=None, agent_interval_ms=None, persistence=False,
                 verbose_broker=False, strict=False, kill_at_close=False,
                 start=False, prefix="arts-it-"):
        self.name = name or "it" + uuidlib.uuid4().hex[:8]
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.port = None
        self.broker = None
        # The queue a client may have, as data/mosquitto/mosquitto.conf
        # ships it: mosquitto's default (1000) silently drops the rest, e.g.
        # of a channel flood towards a runtime busy for a moment.
        self.broker_conf_extra = "max_queued_messages 100000\n"
        self.tls = None          # dict(cafile=...) for mqtts
        self.persistence = persistence
        self.verbose_broker = verbose_broker or bool(
            os.environ.get("ARTS_DEBUG_BROKER"))
        self.strict = strict
        self.kill_at_close = kill_at_close
        self.start_on_enter = start
        self.orchestrator = None
        self.agents = {}         # name -> Proc
        self.agent_args = []     # for every agent not given only_extra
        self.procs = []          # everything, for cleanup
        self.subs = []
        self.unclean = []        # (name, status, output tail)
        self.agent_interval_ms = agent_interval_ms
        self.ctl_credentials = []  # extra arts-ctl arguments (auth, TLS)
        self.keep = os.environ.get("ARTS_KEEP_TMP")

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self):
        if self.start_on_enter:
            self.start_broker()
        return self

    def __exit__(self, exc_type, exc, tb):
        reports = self.close(dump=exc_type is not None)
        if reports and exc_type is None:
            raise TestFailure(f"sanitizer reports: {reports}")
        return False

    def close(self, dump=False):
        """Stops everything; returns the sanitizer reports of a STRICT
        realm."""
        for s in self.subs:
            s.close()
        self.subs = []
        for p in reversed(self.procs):
            try:
                self._reap(p)
            except TestFailure as e:
                self.unclean.append((p.name, "hung", str(e)))
        reports = self.sanitizer_reports() if self.strict else []
        if dump or self.unclean or reports:
            self.dump_logs()
        if reports:
            print(f"sanitizer reports: {reports}", flush=True)
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            log(f"kept {self.tmp}")
        return reports

    def _reap(self, p):
        if p.reaped:
            return
        p.reaped = True
        if self.kill_at_close:
            p.signal(signal.SIGKILL)
        status = p.stop()
        # 0 is a clean exit; a daemon we SIGKILLed is excused.
        if status != 0 and not p.expect_death and p is not self.broker:
            self.unclean.append((p.name, status, p.output()[-3000:]))

    def assert_clean(self):
        """Stops everything and fails if a daemon exited uncleanly
        (sanitizer report, crash, non-zero status on SIGTERM)."""
        for p in reversed(self.procs):
            self._reap(p)
        if self.unclean:
            lines = [f"{n}: exit status {s}\n{out}" for n, s, out in self.unclean]
            raise TestFailure("daemons exited uncleanly:\n" + "\n".join(lines))

    def sanitizer_reports(self):
        """Sanitizer reports in the daemons' logs (the broker's aside)."""
        return [f"{p.name}: {m}" for p in self.procs
                if not p.name.startswith("mosquitto")
                for m in sanitizer_markers(p.output())]

    def dump_logs(self):
        for p in self.procs:
            out = p.output()
            print(f"----- {p.name} ({p.logpath}), last lines -----")
            print("\n".join(out.splitlines()[-40:]))
        blog = os.path.join(self.tmp, "mosquitto.log")
        if os.path.exists(blog):
            print("----- mosquitto.log, last lines -----")
            with open(blog, errors="replace") as f:
                print("".join(f.readlines()[-30:]))
        sys.stdout.flush()

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    # -- broker ------------------------------------------------------------
    @property
    def url(self):
        scheme = "mqtts" if self.tls else "mqtt"
        return f"{scheme}://127.0.0.1:{self.port}"

    def broker_config(self):
        lines = [f"listener {self.port} 127.0.0.1", "allow_anonymous true"]
        if self.persistence:
            db = self.path("mosquitto-db") + "/"
            os.makedirs(db, exist_ok=True)
            lines += ["persistence true", f"persistence_location {db}",
                      "autosave_interval 1"]
        else:
            lines.append("persistence false")
        lines += self.broker_log_lines()
        return "\n".join(lines) + "\n" + self.broker_conf_extra

    def broker_log_lines(self):
        """The broker config's log lines (and root's user line), for a
        config of the realm's own or one built from another."""
        # subscribe: wait_subscribed() reads subscriptions from the log
        types = ["all"] if self.verbose_broker else \
            ["error", "warning", "notice", "information", "subscribe"]
        lines = [f"log_dest file {self.path('mosquitto.log')}"]
        lines += [f"log_type {t}" for t in types]
        lines.append("log_timestamp_format %H:%M:%S")
        if os.getuid() == 0:
            lines.append("user root")
        return lines

    def start_broker(self, config=None, wait=5.0):
        """Starts mosquitto on the realm's port (a free one the first time,
        the same one after a restart) with CONFIG or the plain config."""
        if self.port is None:
            self.port = free_port()
        conf = self.path("mosquitto.conf")
        with open(conf, "w") as f:
            f.write(config if config is not None else self.broker_config())
        self.broker = self.spawn("mosquitto", [MOSQUITTO, "-c", conf])
        deadline = time.monotonic() + wait
        while not port_open(self.port):
            check(self.broker.alive(),
                  f"mosquitto exited: {self.broker.output()}"
                  + self._broker_log_tail())
            check(time.monotonic() < deadline,
                  f"mosquitto did not listen on {self.port}")
            time.sleep(0.02)
        return self.broker

    def _log_lines(self):
        try:
            with open(self.path("mosquitto.log"), errors="replace") as f:
                return len(f.readlines())
        except OSError:
            return 0

    def _broker_log_tail(self):
        try:
            with open(self.path("mosquitto.log"), errors="replace") as f:
                return "\n" + "".join(f.readlines()[-10:])
        except OSError:
            return ""

    def broker_log(self):
        try:
            with open(self.path("mosquitto.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop_broker(self):
        self.broker.reaped = True
        self.broker.stop()
        self.procs.remove(self.broker)
        self.broker = None
        deadline = time.monotonic() + 5
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)

    # -- raw MQTT ----------------------------------------------------------
    def subscribe(self, topics=None, qos=1, client_id=None):
        """A Subscriber on TOPICS (default: all of the realm's proc/),
        closed with the realm."""
        s = Subscriber(self.port, topics or f"{self.name}/proc/#", qos=qos,
                       client_id=client_id)
        self.subs.append(s)
        return s

    def unsubscribe(self, s):
        s.close()
        self.subs.remove(s)

    def pub(self, topic, payload, **kw):
        """publish() through the realm's broker."""
        publish(self.port, topic, payload, **kw)

    def ask(self, leaf, req, timeout=20, what=None):
        """Publishes the request REQ (an envelope) on the realm's proc/LEAF
        with raw MQTT, as any client may, and returns the answer to it
        (the whole message, parsed)."""
        topic = f"{self.name}/proc/{leaf}"
        sub = self.subscribe(topic)
        try:
            self.pub(topic, req)
            m = sub.wait(lambda m: m["json"] and
                         m["json"].get("object_id") == req["object_id"] and
                         m["json"].get("type") == "arts_resp", timeout,
                         what or f"the answer to {req['action']} on {leaf}")
        finally:
            self.unsubscribe(sub)
        return m["json"]

    # -- daemons -----------------------------------------------------------
    def spawn(self, name, argv, env=None):
        """Starts ARGV; its output goes to NAME.log (NAME-2.log for a
        second run of the same name, and so on)."""
        logpath, n = self.path(f"{name}.log"), 1
        while os.path.exists(logpath) and not name.startswith("mosquitto"):
            n += 1
            logpath = self.path(f"{name}-{n}.log")
        p = Proc(name, argv, logpath, env=env)
        self.procs.append(p)
        return p

    def common_args(self, credentials=None):
        args = ["--broker", self.url, "--realm", self.name]
        return args + list(credentials or [])

    @property
    def state_dir(self):
        """The orchestrator's state dir."""
        return self.path("orchestrator")

    def start_orchestrator(self, extra=(), credentials=None, wait=True,
                           env=None):
        os.makedirs(self.state_dir, exist_ok=True)
        argv = [binary("orchestrator/arts-orchestrator")] + \
            self.common_args(credentials) + ["--state-dir", self.state_dir] \
            + list(extra)
        since = self._log_lines()
        self.orchestrator = self.spawn("orchestrator", argv, env=env)
        if wait:
            self.wait_subscribed(self.orchestrator, since)
        return self.orchestrator

    def wait_subscribed(self, proc, since, timeout=10.0):
        """Waits until PROC subscribed to the realm's telemetry (the broker
        logs subscriptions; agents subscribe to no stats topic): agents
        register once per connection, so they must not start before the
        orchestrator listens. SINCE: broker log lines to skip."""
        pat = re.compile(r": \S+ [012] " + re.escape(self.name) +
                         r"/(#|proc/#|proc/stats/#|proc/stats/\+)\s*$")
        deadline = time.monotonic() + timeout
        while True:
            try:
                with open(self.path("mosquitto.log"), errors="replace") as f:
                    if any(pat.search(l) for l in f.readlines()[since:]):
                        return
            except OSError:
                pass
            check(proc.alive(), f"{proc.name} exited: {proc.output()[-2000:]}")
            check(time.monotonic() < deadline,
                  f"{proc.name} did not subscribe within {timeout} s")
            time.sleep(0.02)

    def stop_orchestrator(self):
        p = self.orchestrator
        self._reap(p)
        self.procs.remove(p)
        self.orchestrator = None
        check(not self.unclean, f"orchestrator exited uncleanly: {self.unclean}")

    def agent_state_dir(self, name):
        return self.path("agent-" + name)

    def start_agent(self, name=None, extra=(), credentials=None, exe=None,
                    state=None, only_extra=False):
        """An arts-agent called NAME (the host's name when None) in the
        state dir STATE (a path in the realm; default agent-NAME, or
        "state" for an unnamed one). ONLY_EXTRA: no broker, realm nor state
        dir arguments, only EXTRA (a config file says them). EXE: the
        agent's path, or an argv that runs it (an agent of another
        architecture under qemu-user)."""
        state = self.path(state or ("agent-" + name if name else "state"))
        argv = list(exe) if isinstance(exe, (list, tuple)) else \
            [exe or binary("agent/arts-agent")]
        if not only_extra:
            os.makedirs(state, exist_ok=True)
            argv += self.common_args(credentials) + \
                ["--state-dir", state] + self.agent_args
        if name:
            argv += ["--name", name]
        argv += list(extra)
        if self.agent_interval_ms:
            argv += ["--interval-ms", str(self.agent_interval_ms)]
        p = self.spawn("agent-" + (name or os.path.basename(state)), argv)
        p.stop_timeout = 20.0
        p.state_dir = state
        self.agents[name or os.path.basename(state)] = p
        return p

    def agent_uuid(self, name, wait=5.0):
        """The uuid the agent keeps in its state dir (WIRE.md item 10)."""
        f = os.path.join(self.agent_state_dir(name), "runtime-uuid")
        deadline = time.monotonic() + wait
        while True:
            try:
                with open(f) as fh:
                    u = fh.read().strip()
                if u:
                    return u
            except OSError:
                pass
            check(time.monotonic() < deadline, f"{f} never appeared")
            time.sleep(0.05)

    def kill_agent(self, name, sig=signal.SIGKILL, timeout=15):
        """Signals the agent NAME and returns its exit status."""
        return self.agents[name].kill(sig, timeout)

    # -- arts-ctl ----------------------------------------------------------
    def ctl_argv(self, *args, timeout_ms=5000, extra=None):
        """arts-ctl ARGS against the realm (EXTRA: its credentials)."""
        return [binary("cli/arts-ctl")] + self.common_args(
            self.ctl_credentials if extra is None else extra) + \
            ["--timeout", str(timeout_ms)] + list(args)

    def ctl(self, *args, timeout_ms=5000, check_rc=True, extra=None):
        """Runs arts-ctl against the realm; returns (rc, stdout, stderr)."""
        argv = self.ctl_argv(*args, timeout_ms=timeout_ms, extra=extra)
        r = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout_ms / 1000 + 30)
        if check_rc:
            check(r.returncode == 0,
                  f"{' '.join(argv)} -> {r.returncode}\n{r.stdout}\n{r.stderr}")
        self._check_sanitizer(r.stderr, "arts-ctl")
        return r.returncode, r.stdout, r.stderr

    def ctl_json(self, *args, **kw):
        rc, out, err = self.ctl("--json", *args, **kw)
        try:
            return json.loads(out)
        except ValueError:
            raise TestFailure(f"arts-ctl --json {args} printed no JSON: {out!r} {err!r}")

    @staticmethod
    def _check_sanitizer(text, who):
        check(not sanitizer_markers(text), f"{who} sanitizer report:\n{text}")

    def runtimes(self):
        rts = self.ctl_json("runtimes")
        check(isinstance(rts, list), f"runtimes --json is not an array: {rts!r}")
        return rts

    def runtime(self, name, status=None, rts=None):
        """The runtime called NAME in `arts-ctl runtimes --json` (with
        STATUS when given), or None."""
        for rt in (rts if rts is not None else self.runtimes()):
            if rt.get("name") == name and (status is None or
                                           rt.get("status") == status):
                return rt
        return None

    # -- waiting -----------------------------------------------------------
    wait_for = staticmethod(wait_for)


def run_cases(cases):
    """Command line of the test scripts: `script.py CASE`. Prints what
    happened; exits 0 on success, 1 on failure, 77 when skipped."""
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        print(f"usage: {sys.argv[0]} {{{'|'.join(cases)}}}", file=sys.stderr)
        sys.exit(2)
    name = sys.argv[1]
    log(f"case {name}: build {BUILD}")
    try:
        cases[name]()
    except TestFailure as e:
        log(f"FAIL {name}: {e}")
        sys.exit(1)
    except Exception:
        traceback.print_exc()
        log(f"ERROR {name}")
        sys.exit(1)
    log(f"PASS {name}")
    sys.exit(0)
