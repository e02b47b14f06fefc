#!/usr/bin/python3
"""The systemd units in data/systemd parse and verify (systemd-analyze
verify): with the programs' path swapped for /bin/true, since they are
not installed where the unit says."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

UNITS = ["arts-agent.service", "arts-orchestrator.service"]


def main():
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("SKIP: no systemd-analyze")
        return 77
    build = os.environ["ARTS_BUILD_DIR"]
    failed = 0
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
