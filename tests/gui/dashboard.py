"""Runs the dashboard's in-process GUI test (test-dashboard) under Xvfb
against a real realm: mosquitto on a free port, the real arts-orchestrator
and three real arts-agents (tests/integration/realm.py starts and stops
them). The test kills one agent itself, through the command given in
ARTS_TEST_KILL_CMD, and checks its card turns Offline.

Also runs the shipped arts-dashboard binary against the same realm with
G_DEBUG=fatal-warnings and checks it stays up and prints no warning.

Screenshots land in <build>/tests/gui/artifacts/. Python 3 standard library
only; run with /usr/bin/python3.

    dashboard.py TEST_BINARY
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

SOURCE = os.environ.get("ARTS_SOURCE_DIR", ".")
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from realm import (Realm, binary, check, log, free_port,  # noqa: E402
                   BUILD, MOSQUITTO)

SKIP = 77
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24"]


def arch_caption():
    """What a card says of this machine's agents: the device class worked
    out from Python's view of the host, word size, byte order."""
    import struct
    from test_modules import this_arch_class
    return (f"{this_arch_class()} · {struct.calcsize('P') * 8}-bit · "
            f"{sys.byteorder}-endian")


def gui_env(artifacts):
    env = dict(os.environ)
    env.update({
        "GDK_BACKEND": "x11",
        "GTK_A11Y": "none",
        "GSETTINGS_SCHEMA_DIR": os.path.join(BUILD, "data", "dashboard"),
        "GSETTINGS_BACKEND": "memory",
        "G_DEBUG": "fatal-warnings",
        "LC_ALL": "C.UTF-8",
        "LANGUAGE": "",
        "NO_AT_BRIDGE": "1",
        # Passwords the dashboard may save go here, not to the user's home.
        "XDG_CONFIG_HOME": os.path.join(artifacts, "config"),
        "XDG_DATA_HOME": os.path.join(artifacts, "data"),
    })
    # No session bus: GApplication then runs as a plain process.
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    return env


def warnings_in(text):
    return [l for l in text.splitlines()
            if "-WARNING" in l or "-CRITICAL" in l or "CRITICAL **" in l
            or "WARNING **" in l]


def run_binary(r, artifacts):
    """The shipped program, as a user starts it, for a few seconds."""
    script = os.path.join(artifacts, "run-binary.sh")
    with open(script, "w") as f:
        f.write(f"""#!/bin/sh
"{binary('gui/arts-dashboard')}" --broker "{r.url}" --realm "{r.name}" &
pid=$!
sleep 4
import -window root "{artifacts}/binary.png"
kill -0 $pid || exit 3
kill $pid
wait $pid
exit 0
""")
    os.chmod(script, 0o755)
    p = subprocess.run(XVFB + [script], env=gui_env(artifacts),
                       capture_output=True, text=True, timeout=60)
    log(f"arts-dashboard: rc {p.returncode}\n{p.stdout}{p.stderr}")
    check(p.returncode == 0,
          "arts-dashboard did not stay up for 4 s (rc 3) or failed")
    check(not warnings_in(p.stderr),
          f"arts-dashboard printed warnings: {warnings_in(p.stderr)}")


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def stop_pid(pid):
    """Stops the broker the GUI test restarted (a daemon: not ours to
    wait for)."""
    if not pid:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def check_ticker_moved(r, runtime, stopped):
    """The module the GUI test dragged runs on RUNTIME, by the
    orchestrator's retained record (state/module), not the dashboard's."""
    if not os.path.exists(os.path.join(BUILD, "tests", "agent", "tool.wasm")):
        log("no tool.wasm: drag-to-migrate was not checked")
        return
    out = subprocess.run(
        ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(r.port), "-v",
         "-t", f"{r.name}/proc/state/module/+", "-W", "3"],
        capture_output=True, text=True).stdout
    want = r.agent_uuid(runtime)
    for line in out.splitlines():
        topic, _, payload = line.partition(" ")
        try:
            data = json.loads(payload)["data"]
        except (ValueError, KeyError):
            continue
        if data.get("name") == "ticker":
            # Moved there, then stopped from the dashboard (D).
            check(data.get("parent") == want and
                  data.get("migrations", 0) >= 1 and
                  data.get("status") == ("D" if stopped else "A"),
                  f"ticker did not move to {runtime} (and stop): {data}")
            log(f"ticker runs on {runtime} ({data.get('state')}, "
                f"{data.get('migrations')} migration(s))")
            return
    check(False, f"no retained state of the module ticker:\n{out}")


def main():
    if len(sys.argv) != 2:
        print("usage: dashboard.py TEST_BINARY", file=sys.stderr)
        return 2
    for tool in ("xvfb-run", "import"):
        if not shutil.which(tool):
            log(f"SKIP: {tool} is not installed")
            return SKIP
    artifacts = os.path.join(BUILD, "tests", "gui", "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    names = ["alpha", "bravo", "charlie"]
    with Realm(name="dash" + str(os.getpid())) as r:
        pidfile = r.path("mosquitto.pid")
        r.port = free_port()
        conf = r.broker_config() + f"pid_file {pidfile}\n"
        r.start_broker(config=conf)
        r.start_orchestrator()
        for n in names:
            r.start_agent(n)
        for n in names:
            r.wait_for(lambda n=n: r.runtime(n, "A"), 20, f"{n} alive")
        victim = "bravo"
        r.agents[victim].expect_death = True
        pid = r.agents[victim].popen.pid
        env = gui_env(artifacts)
        env.update({
            "ARTS_TEST_BROKER": r.url,
            "ARTS_TEST_REALM": r.name,
            "ARTS_TEST_RUNTIMES": ",".join(names),
            "ARTS_TEST_VICTIM": victim,
            "ARTS_TEST_KILL_CMD": f"kill -KILL {pid}",
            "ARTS_TEST_ARTIFACTS": artifacts,
            "ARTS_TEST_HISTORY": "1",
            "ARTS_TEST_ARCH": arch_caption(),
            # The second broker daemonizes; its pid file says whom to stop.
            "ARTS_TEST_BROKER_STOP_CMD": f"kill {r.broker.popen.pid}",
            "ARTS_TEST_BROKER_START_CMD":
                f"{MOSQUITTO} -d -c {r.path('mosquitto.conf')}",
        })
        t0 = time.monotonic()
        p = subprocess.run(XVFB + [sys.argv[1]], env=env,
                           capture_output=True, text=True, timeout=420)
        restarted = read_pid(pidfile)
        log(f"test-dashboard: rc {p.returncode} after "
            f"{time.monotonic() - t0:.1f} s\n{p.stdout}{p.stderr}")
        check(p.returncode == 0, "test-dashboard failed")
        check(not warnings_in(p.stdout + p.stderr),
              "GTK or GLib printed warnings")
        # The realm agrees with what the dashboard showed.
        check(r.runtime(victim, "D") is not None,
              f"{victim} is not dead in arts-ctl runtimes")
        if "DRAG-TO-MIGRATE:" in p.stdout:
            check_ticker_moved(r, names[2], "STOPPED: ticker" in p.stdout)
        else:
            log("the orchestrator runs no programs: drag-to-migrate skipped")
        try:
            run_binary(r, artifacts)
            r.agents[victim].popen.wait(5)
        finally:
            stop_pid(restarted)
        r.assert_clean()
    log(f"screenshots in {artifacts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
