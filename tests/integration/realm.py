"""A real ARTS realm for integration tests: a mosquitto broker on a free
127.0.0.1 port with a config written here, the real arts-orchestrator and
real arts-agents (binaries from $ARTS_BUILD_DIR), each with its own state
dir under one temporary folder, and arts-ctl to look at it.

Everything started is stopped again when the Realm is closed (also when a
test fails); a daemon that exits uncleanly (a sanitizer report, a crash)
fails the test. Python 3 standard library only: run with /usr/bin/python3.

    with Realm() as r:
        r.start_broker(); r.start_orchestrator()
        a = r.start_agent("alpha")
        r.wait_for(lambda: r.runtime("alpha", "A"), 2.0, "alpha alive")
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
import time
import traceback
import uuid as uuidlib

BUILD = os.environ.get("ARTS_BUILD_DIR", "build")
SOURCE = os.environ.get("ARTS_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(
                            os.path.abspath(__file__)))))
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
SKIP = 77  # meson: the test was skipped


class TestFailure(Exception):
    pass


def check(cond, message):
    """An assertion that survives python -O and says what was expected."""
    if not cond:
        raise TestFailure(message)


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


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


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
    def __init__(self, name=None, agent_interval_ms=None):
        self.name = name or "it" + uuidlib.uuid4().hex[:8]
        self.tmp = tempfile.mkdtemp(prefix="arts-it-")
        self.port = None
        self.broker = None
        self.broker_conf_extra = ""
        self.tls = None          # dict(cafile=...) for mqtts
        self.orchestrator = None
        self.agents = {}         # name -> Proc
        self.procs = []          # everything, for cleanup
        self.unclean = []        # (name, status, output tail)
        self.agent_interval_ms = agent_interval_ms
        self.ctl_credentials = []  # extra arts-ctl arguments (auth, TLS)
        self.keep = os.environ.get("ARTS_KEEP_TMP")

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        failed = exc_type is not None
        self.close(dump=failed)
        return False

    def close(self, dump=False):
        for p in reversed(self.procs):
            try:
                self._reap(p)
            except TestFailure as e:
                self.unclean.append((p.name, "hung", str(e)))
        if dump or self.unclean:
            self.dump_logs()
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            log(f"kept {self.tmp}")

    def _reap(self, p):
        if p.reaped:
            return
        p.reaped = True
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
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            f"log_dest file {self.path('mosquitto.log')}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "log_type subscribe",
            "log_timestamp_format %H:%M:%S",
        ]
        if os.getuid() == 0:
            lines.append("user root")
        return "\n".join(lines) + "\n"

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

    def stop_broker(self):
        self.broker.reaped = True
        self.broker.stop()
        self.procs.remove(self.broker)
        self.broker = None
        deadline = time.monotonic() + 5
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)

    # -- daemons -----------------------------------------------------------
    def spawn(self, name, argv, env=None):
        logpath = self.path(f"{name}.log")
        p = Proc(name, argv, logpath, env=env)
        self.procs.append(p)
        return p

    def common_args(self, credentials=None):
        args = ["--broker", self.url, "--realm", self.name]
        return args + list(credentials or [])

    def start_orchestrator(self, extra=(), credentials=None, wait=True):
        state = self.path("orchestrator")
        os.makedirs(state, exist_ok=True)
        argv = [binary("orchestrator/arts-orchestrator")] + \
            self.common_args(credentials) + ["--state-dir", state] + list(extra)
        since = self._log_lines()
        self.orchestrator = self.spawn("orchestrator", argv)
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

    def start_agent(self, name, extra=(), credentials=None):
        state = self.agent_state_dir(name)
        os.makedirs(state, exist_ok=True)
        argv = [binary("agent/arts-agent")] + self.common_args(credentials) + \
            ["--state-dir", state, "--name", name] + list(extra)
        if self.agent_interval_ms:
            argv += ["--interval-ms", str(self.agent_interval_ms)]
        p = self.spawn("agent-" + name, argv)
        p.stop_timeout = 20.0
        self.agents[name] = p
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

    def kill_agent(self, name, sig=signal.SIGKILL):
        p = self.agents[name]
        p.signal(sig)
        p.popen.wait(10)

    # -- arts-ctl ----------------------------------------------------------
    def ctl(self, *args, timeout_ms=5000, check_rc=True, extra=None):
        """Runs arts-ctl against the realm; returns (rc, stdout, stderr)."""
        argv = [binary("cli/arts-ctl")] + self.common_args(
            self.ctl_credentials if extra is None else extra) + \
            ["--timeout", str(timeout_ms)] + list(args)
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
        check("ERROR: AddressSanitizer" not in text and
              "runtime error:" not in text and
              "ERROR: LeakSanitizer" not in text,
              f"{who} sanitizer report:\n{text}")

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
    @staticmethod
    def wait_for(fn, timeout, what, interval=0.05):
        """Calls FN until it returns something true; returns that value and
        the seconds it took, fails after TIMEOUT. FN's own duration counts:
        the value must have been *asked for* before the deadline. The
        seconds returned run until FN returned it."""
        start = time.monotonic()
        while True:
            asked = time.monotonic()
            if asked - start > timeout:
                raise TestFailure(f"not within {timeout} s: {what}")
            v = fn()
            if v:
                return v, time.monotonic() - start
            time.sleep(interval)


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
