"""Not a test: migration downtime and total time through the real
orchestrator, two real agents and a local mosquitto, for modules holding
1, 16 and 64 MiB of linear memory (the agent's test program in "grow"
mode), as the orchestrator reports them (module_migrated).

    ARTS_BUILD_DIR=build /usr/bin/python3 \\
        tests/orchestrator/migration_load.py build/tests/agent/tool.wasm [N]

N migrations per size (default 6), back and forth. Prints the median and
the worst of each. The issue's targets: downtime under 50 ms at 1 MiB and
under 300 ms at 64 MiB.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_modules as tm  # noqa: E402
from orchtest import World  # noqa: E402


def run(tool, n):
    tm.TOOL = tool
    with World() as w:
        w.start_broker()
        w.sub = w.subscribe()
        # The agents' default telemetry interval: a large snapshot may
        # hold an agent's telemetry back longer than 3 x 200 ms.
        tm.realm(w, "alpha", "beta", interval_ms=1000)
        sha = tm.upload(w)
        for mib in (1, 16, 64):
            name = f"grow{mib}"
            tm.start(w, sha, ["grow", str(mib)], name=name, on="alpha")
            tm.wait_output(w, name, lambda d: b"grown" in d, timeout=60,
                           what=f"{name} to grow")
            down, total = [], []
            for i in range(n):
                d = tm.migrate(w, name, "beta" if i % 2 == 0 else "alpha")
                down.append(d["downtime_ms"])
                total.append(d["total_ms"])
            tm.control(w, "delete", {"type": "module", "name": name})
            down.sort()
            total.sort()
            print(f"{mib:3d} MiB: downtime median {down[n // 2]} ms, "
                  f"max {down[-1]} ms; total median {total[n // 2]} ms, "
                  f"max {total[-1]} ms ({n} migrations)", flush=True)
        w.stop_orchestrator()


if __name__ == "__main__":
    run(open(sys.argv[1], "rb").read(),
        int(sys.argv[2]) if len(sys.argv) > 2 else 6)
