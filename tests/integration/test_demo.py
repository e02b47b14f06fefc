"""scripts/demo.sh, the README's first command: it brings up a realm with
three runtimes that arts-ctl sees, follows it with arts-ctl watch, and
leaves nothing behind when it ends."""

import os
import re
import subprocess
import threading
import time

from realm import SOURCE, Realm, binary, check, log, port_open, run_cases


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
