"""scripts/demo.sh, the README's first command: it brings up a realm with
three runtimes that arts-ctl sees, a demo program running on each of them
(when clang built them), follows it with arts-ctl watch, and leaves nothing
behind when it ends."""

import json
import os
import re
import subprocess
import threading
import time

from realm import BUILD, SOURCE, Realm, binary, check, log, port_open, run_cases


def ctl(broker, realm, *args):
    return subprocess.run([binary("cli/arts-ctl"), "--broker", broker,
                           "--realm", realm] + list(args),
                          capture_output=True, text=True, timeout=30)


def check_programs(broker, realm):
    """One demo program runs on each agent, and the counter counts."""
    r = ctl(broker, realm, "--json", "modules")
    check(r.returncode == 0, f"arts-ctl modules: {r.stderr}")
    mods = {m.get("name"): m for m in json.loads(r.stdout)}
    for name, rt in (("counter", "alpha"), ("cpu-burner", "beta"),
                     ("sleeper", "gamma")):
        m = mods.get(name)
        check(m and m.get("runtime_name") == rt and m.get("status") == "A",
              f"demo program {name} is not running on {rt}: {m!r}")

    def counted():
        out = ctl(broker, realm, "logs", "counter").stdout
        return out if out.startswith("count 1\n") else None
    Realm.wait_for(counted, 5.0, "the counter's output")


def case_demo():
    realm = "demo" + str(os.getpid())
    script = os.path.join(SOURCE, "scripts", "demo.sh")
    p = subprocess.Popen(["sh", script, "--realm", realm, "--duration", "8"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(iter(p.stdout.readline, "")),
                              daemon=True)
    reader.start()
    try:
        def url():
            for line in list(lines):
                m = re.search(r"broker\s+(mqtt://127\.0\.0\.1:(\d+))", line)
                if m:
                    return m.group(1), int(m.group(2))
            check(p.poll() is None, "demo.sh ended early:\n" + "".join(lines))
            return None
        (broker, port), _ = Realm.wait_for(url, 20.0, "demo.sh printed its broker")
        rundir = next(re.search(r"runs in\s+(\S+)", l).group(1)
                      for l in lines if "runs in" in l)
        log(f"demo broker {broker}, run dir {rundir}")

        def three():
            r = subprocess.run([binary("cli/arts-ctl"), "--broker", broker,
                                "--realm", realm, "runtimes"],
                               capture_output=True, text=True, timeout=30)
            ok = r.returncode == 0 and all(
                re.search(rf"^{n}\s.*\balive\b", r.stdout, re.M)
                for n in ("alpha", "beta", "gamma"))
            return r.stdout if ok else None
        table, took = Realm.wait_for(three, 5.0, "alpha, beta, gamma alive")
        log(f"three runtimes alive {took:.2f} s after the banner:\n{table}")
        if os.path.exists(os.path.join(BUILD, "data", "demo", "counter.wasm")):
            check_programs(broker, realm)
        rc = p.wait(30)
    finally:
        if p.poll() is None:
            p.terminate()
            p.wait(10)
    reader.join(5)
    out = "".join(lines)
    check(rc == 0, f"demo.sh exited {rc}:\n{out}")
    for n in ("alpha", "beta", "gamma"):
        check(re.search(rf"runtime_(present|joined)\s+{n}\b", out),
              f"arts-ctl watch did not show {n}:\n{out}")
    check(not port_open(port), "the demo broker still listens after the end")
    check(not os.path.exists(rundir), f"{rundir} left behind")


if __name__ == "__main__":
    run_cases({"demo": case_demo})
