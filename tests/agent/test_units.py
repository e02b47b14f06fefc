#!/usr/bin/python3
"""The service files parse and ask for what the agent has: the systemd
units in data/systemd verify (systemd-analyze verify, with the programs'
path swapped for /bin/true, since they are not installed where the unit
says); the OpenWrt init script in data/openwrt parses as shell and every
option it gives arts-agent is one `arts-agent --help` lists."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

UNITS = ["arts-agent.service", "arts-orchestrator.service"]


def check_openwrt(build):
    """0 when data/openwrt/arts-agent.init is sound, else 1."""
    path = os.path.join(os.environ["ARTS_SOURCE_DIR"], "data", "openwrt",
                        "arts-agent.init")
    r = subprocess.run(["sh", "-n", path], capture_output=True, text=True)
    if r.returncode != 0:
        print("FAIL arts-agent.init does not parse: %s" % r.stderr)
        return 1
    with open(path) as f:
        text = f.read()
    m = re.search(r'procd_set_param command "\$PROG" (.*)', text)
    if not m:
        print("FAIL arts-agent.init: no procd command line")
        return 1
    given = re.findall(r"(--[a-z-]+)", m.group(1))
    helptext = subprocess.run([os.path.join(build, "agent", "arts-agent"),
                               "--help"], capture_output=True,
                              text=True).stdout
    known = set(re.findall(r"(--[a-z-]+)", helptext))
    unknown = [o for o in given if o not in known]
    if not given or unknown:
        print("FAIL arts-agent.init gives %s; unknown to arts-agent: %s"
              % (given, unknown))
        return 1
    print("ok - arts-agent.init (%s)" % " ".join(given))
    return 0


def main():
    build = os.environ["ARTS_BUILD_DIR"]
    failed = check_openwrt(build)
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("SKIP: no systemd-analyze")
        return 1 if failed else 77
    with tempfile.TemporaryDirectory() as tmp:
        for unit in UNITS:
            with open(os.path.join(build, "data", "systemd", unit)) as f:
                text = f.read()
            m = re.search(r"^ExecStart=(\S+)", text, re.M)
            if not m or not m.group(1).endswith("/" + unit.split(".")[0]):
                print("FAIL %s: ExecStart does not run %s" % (unit, unit))
                failed += 1
                continue
            path = os.path.join(tmp, unit)
            with open(path, "w") as f:
                f.write(text.replace(m.group(1), "/bin/true", 1))
            r = subprocess.run([analyze, "verify", path],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            complaints = [line for line in r.stdout.splitlines()
                          if unit in line]
            if r.returncode != 0 or complaints:
                print("FAIL %s (rc %d):\n%s" % (unit, r.returncode, r.stdout))
                failed += 1
            else:
                print("ok - %s" % unit)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
