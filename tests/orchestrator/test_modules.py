"""The orchestrator's side of issue 4 against a real mosquitto, the real
arts-orchestrator and REAL arts-agent processes: start/stop by name and
uuid, output store and logs query, live migration (operator, repeated),
failures (target killed mid-way), bad requests, drain on SIGTERM and
recovery of restart modules from their checkpoint after kill -9.

    test_modules.py TOOL_WASM CASE

TOOL_WASM is tests/agent/programs/tool.c built for wasm32-wasi.
"""

import base64
import hashlib
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from orchtest import (REALM, check, envelope, log, main,  # noqa: E402
                      new_uuid, wait_until)

TOOL = None


def agent(w, name, *extra, interval_ms=200):
    return w.start_agent(name, ["--interval-ms", str(interval_ms), *extra])


def registered(w, name, stats=True):
    """The agent NAME once the orchestrator holds it alive (its uuid set)
    and, with STATS, its first telemetry came (placement sees its load)."""
    def alive():
        m = w.sub.find(
            lambda m: m["topic"].startswith(f"{REALM}/proc/state/runtime/")
            and m["json"] and m["json"]["data"].get("name") == name
            and m["json"]["data"].get("status") == "A")
        return m["json"]["data"]["uuid"] if m else None
    a = w.agents[name]
    a.uuid = wait_until(alive, 10, f"runtime {name} alive")
    if stats:
        wait_until(lambda: w.sub.find(
            lambda m: m["topic"] == f"{REALM}/proc/stats/{a.uuid}"),
            5, f"telemetry of {name}")
    return a


def realm(w, *names, orch_args=(), interval_ms=200):
    w.start_orchestrator(*orch_args)
    for n in names:
        agent(w, n, interval_ms=interval_ms)
    return [registered(w, n) for n in names]


def upload(w, data=None):
    data = TOOL if data is None else data
    sha = hashlib.sha256(data).hexdigest()
    w.publish(f"program/{sha}", data, retain=True)
    return sha


def start(w, sha, args, name=None, on=None, fault="ignore", expect="ok",
          **more):
    data = {"type": "module", "filename": "tool.wasm", "filetype": "WA",
            "sha256": sha, "args": args, "apis": ["wasm", "wasi"],
            "fault_crash": fault}
    if name:
        data["name"] = name
    if on:
        data["parent"] = on
    data.update(more)
    env = envelope("create", data)
    w.publish("control", env)
    ans = w.answer_to("control", env["object_id"], timeout=20)
    check(ans["data"]["result"] == expect,
          f"create {name}: expected {expect}, got {ans}")
    return ans["data"]["details"]


def control(w, action, data, expect="ok", timeout=20):
    env = envelope(action, data)
    w.publish("control", env)
    ans = w.answer_to("control", env["object_id"], timeout=timeout)
    check(ans["data"]["result"] == expect,
          f"{action} {data}: expected {expect}, got {ans}")
    return ans["data"]["details"]


def query(w, data, expect="ok"):
    return w.request("query", "query", data, expect=expect)["data"]["details"]


def logs(w, module, since=0):
    """The module's whole stored output from SINCE (all chunks)."""
    out = b""
    while True:
        d = query(w, {"type": "logs", "module": module, "since_offset": since})
        chunk = base64.b64decode(d["data_b64"])
        check(d["start_offset"] == since or not out,
              f"logs: a gap at {since}: {d}")
        out += chunk
        since = d["end_offset"]
        if not d.get("more"):
            return out, d


def wait_output(w, module, pred, timeout=10, what="output"):
    def ok():
        data, _ = logs(w, module)
        return data if pred(data) else None
    return wait_until(ok, timeout, what)


def counted(data):
    return [int(x) for x in data.decode().split()]


def check_sequence(data, what):
    nums = counted(data)
    check(nums == list(range(len(nums))),
          f"{what}: output is not 0..{len(nums) - 1} in order: "
          f"{nums[:50]}...")
    return len(nums)


def counts_on(w, name, what):
    """Waits until NAME's counter printed 10 more numbers."""
    data, _ = logs(w, name)
    n0 = len(counted(data))
    wait_output(w, name, lambda d: len(counted(d)) > n0 + 10, what=what)


def stop_whole(w, name, what):
    """Stops NAME; its whole stored output must count 0, 1, ... in
    order."""
    control(w, "delete", {"type": "module", "name": name})
    data, _ = logs(w, name)
    return check_sequence(data, what)


def module_state(w, uuid, pred, timeout=10, start=0):
    m = w.sub.wait(
        lambda m: m["topic"] == f"{REALM}/proc/state/module/{uuid}"
        and m["json"] and pred(m["json"]["data"]), timeout,
        f"state of module {uuid}", start)
    return m["json"]["data"]


def notif(w, uuid, event, timeout=10, start=0):
    return w.wait_event(uuid, event, start=start, timeout=timeout)


# ---- cases ----

def case_start_stop(w):
    a, b = realm(w, "alpha", "beta")
    sha = upload(w)
    # by runtime name
    m1 = start(w, sha, ["count", "5", "10"], name="five", on="alpha")
    check(m1["parent"] == a.uuid and m1["state"] == "running",
          f"create answer: {m1}")
    check(m1["runtime_name"] == "alpha", f"runtime_name: {m1}")
    notif(w, m1["uuid"], "module_started")
    ev = notif(w, m1["uuid"], "module_exited")
    check(ev.get("exit_code") == 0, f"exit event: {ev}")
    data, d = logs(w, "five")
    check(data == b"0\n1\n2\n3\n4\n", f"logs of five: {data!r}")
    check(d["module"] == m1["uuid"], f"logs answer names the module: {d}")
    st = module_state(w, m1["uuid"], lambda s: s["state"] == "exited")
    check(st["status"] == "E" and st["exit_code"] == 0, f"state: {st}")
    # by runtime uuid, explicit module uuid; stopped by name
    u = new_uuid()
    m2 = start(w, sha, ["count", "0", "20"], name="forever", on=b.uuid,
               uuid=u)
    check(m2["uuid"] == u and m2["parent"] == b.uuid, f"{m2}")
    wait_output(w, "forever", lambda d: len(d) >= 6, what="forever counts")
    t0 = time.monotonic()
    d = control(w, "delete", {"type": "module", "name": "forever"})
    took = time.monotonic() - t0
    check(d["state"] == "exited" and d["status"] == "D", f"stop answer {d}")
    check(took < 2.0, f"stop took {took:.2f} s")
    notif(w, u, "module_stopped")
    # a spinning module (no calls, no output) stopped by uuid within 1 s
    m3 = start(w, sha, ["spin"], name="spinner")
    t0 = time.monotonic()
    control(w, "delete", {"type": "module", "uuid": m3["uuid"]})
    took = time.monotonic() - t0
    check(took < 1.5, f"stopping a spinning module took {took:.2f} s")
    # placement without --on: the two runtimes share modules
    m4 = start(w, sha, ["sleep", "100"], name="s1")
    m5 = start(w, sha, ["sleep", "100"], name="s2")
    check(m4["parent"] != m5["parent"],
          f"two modules placed on the same runtime: {m4['parent']}")
    lst = query(w, {"type": "modules"})["modules"]
    names = sorted(x["name"] for x in lst)
    check(names == ["five", "forever", "s1", "s2", "spinner"],
          f"modules query: {names}")
    only = query(w, {"type": "modules", "runtime": "alpha"})["modules"]
    check(all(x["parent"] == a.uuid for x in only) and only,
          f"modules of alpha: {only}")
    rows = w.db("SELECT name, state, status FROM modules ORDER BY name")
    check(("five", "exited", "E") in rows and ("forever", "exited", "D")
          in rows, f"modules table: {rows}")
    check(w.db("SELECT count(*) FROM programs")[0][0] == 1, "programs row")
    w.stop_orchestrator()


def case_bad(w):
    a, = realm(w, "alpha", orch_args=())
    sha = upload(w)
    start(w, sha, ["sleep", "100"], name="sleepy", on="alpha")
    before = w.db("SELECT uuid, state, status FROM modules ORDER BY uuid")

    def refused(action, data, code, words):
        env = envelope(action, data)
        w.publish("control", env)
        ans = w.answer_to("control", env["object_id"], timeout=10)
        d = ans["data"]
        check(d["result"] == "error", f"{data}: expected an error, got {ans}")
        msg = d["details"]["error"]
        check(d["details"]["code"] == code,
              f"{data}: code {d['details']['code']}, expected {code}: {msg}")
        for word in words:
            check(word in msg, f"{data}: \"{word}\" not in \"{msg}\"")
        return msg

    mod = {"type": "module", "filename": "tool.wasm", "sha256": sha,
           "args": ["sleep", "100"]}
    refused("create", dict(mod, name="x", parent="nowhere"), "not-found",
            ["nowhere"])
    refused("create", dict(mod, name="sleepy"), "conflict", ["sleepy"])
    refused("delete", {"type": "module", "name": "ghost"}, "not-found",
            ["ghost"])
    refused("migrate", {"type": "module", "name": "ghost", "target": "alpha"},
            "not-found", ["ghost"])
    refused("migrate", {"type": "module", "name": "sleepy",
                        "target": "nowhere"}, "not-found", ["nowhere"])
    refused("migrate", {"type": "module", "name": "sleepy",
                        "target": "alpha"}, "conflict", ["already runs"])
    refused("create", dict(mod, name="y", sha256="ab" * 32), "not-found",
            ["program", "ab" * 32])
    junk = upload(w, b"MZ this is not wasm at all")
    refused("create", dict(mod, name="z", sha256=junk), "field",
            ["WebAssembly"])
    big = b"\0asm\1\0\0\0" + b"\0" * (32 * 1024 * 1024)
    bigsha = upload(w, big)
    refused("create", dict(mod, name="big", sha256=bigsha), "field",
            ["large"])
    refused("create", dict(mod, name="toomuch",
                           resources={"max_memory": 1 << 50, "fuel": 0}),
            "no_fit", ["alpha", "memory"])
    refused("frobnicate", mod, "unknown", ["frobnicate"])
    # a full realm: alpha takes at most 8 modules
    for i in range(7):
        start(w, sha, ["sleep", "100"], name=f"fill{i}")
    refused("create", dict(mod, name="one-too-many"), "no_fit",
            ["alpha", "full"])
    after = w.db("SELECT uuid, state, status FROM modules ORDER BY uuid")
    check(len(after) == len(before) + 7, f"refused requests changed the "
          f"modules table: {len(before)} + 7 != {len(after)}")
    check(w.db("SELECT count(*) FROM programs WHERE sha256 IN (?, ?)",
               (junk, bigsha))[0][0] == 0, "bad programs were stored")
    w.stop_orchestrator()


def migrate(w, module, target, expect="ok"):
    return control(w, "migrate", {"type": "module", "name": module,
                                  "target": target}, expect=expect,
                   timeout=30)


def case_migrate(w):
    agents = realm(w, "alpha", "beta", "gamma")
    sha = upload(w)
    m = start(w, sha, ["count", "0", "5"], name="counter", on="alpha")
    wait_output(w, "counter", lambda d: len(d) > 20, what="first counts")
    order = ["beta", "gamma", "alpha"]
    downtimes = []
    for i in range(20):
        target = order[i % 3]
        if i == 4:
            # ARTS's form: a delete carrying send_to_runtime (by uuid)
            tgt = w.agents[target]
            d = control(w, "delete", {"type": "module", "uuid": m["uuid"],
                                      "send_to_runtime": tgt.uuid},
                        timeout=30)
        else:
            d = migrate(w, "counter", target)
        tgt = w.agents[target]
        check(d["target"] == tgt.uuid and d["module"] == m["uuid"],
              f"migration {i}: {d}")
        check(0 <= d["downtime_ms"] <= d["total_ms"], f"times: {d}")
        downtimes.append(d["downtime_ms"])
    ev = w.sub.all(lambda x: x["topic"] == f"{REALM}/proc/notif"
                   and x["json"] and x["json"]["data"].get("event")
                   == "module_migrated")
    check(len(ev) == 20, f"{len(ev)} module_migrated events")
    check(ev[-1]["json"]["data"]["reason"] == "operator", f"{ev[-1]}")
    st = module_state(w, m["uuid"], lambda s: s.get("migrations") == 20)
    check(st["parent"] == agents[2].uuid, f"ends on alpha: {st}")
    time.sleep(0.5)
    control(w, "delete", {"type": "module", "name": "counter"})
    data, _ = logs(w, "counter")
    n = check_sequence(data, "counter after 20 migrations")
    check(w.db("SELECT count(*) FROM migrations WHERE result = 'ok'")[0][0]
          == 20, "migrations log")
    log(f"20 migrations: {n} lines, downtime ms min {min(downtimes)} "
        f"median {sorted(downtimes)[10]} max {max(downtimes)}")
    w.stop_orchestrator()


def case_target_dies(w):
    """kill -9 of the target while it gets ready: the module goes on at
    the source, exactly once."""
    a, b = realm(w, "alpha", "beta")
    sha = upload(w)
    m = start(w, sha, ["count", "0", "5"], name="counter", on="alpha")
    wait_output(w, "counter", lambda d: len(d) > 20, what="first counts")
    mark = w.sub.mark()
    env = envelope("migrate", {"type": "module", "name": "counter",
                               "target": "beta"})
    # Frozen first, so that it cannot finish getting ready (a whole
    # migration takes ~100 ms) before the kill lands.
    b.signal(signal.SIGSTOP)
    w.publish("control", env)
    w.sub.wait(lambda x: x["topic"] == f"{REALM}/proc/control/{b.uuid}"
               and x["json"] and x["json"]["action"] == "create"
               and "restore" in x["json"]["data"], 10,
               "the target's create-restore", mark)
    b.kill()
    ans = w.answer_to("control", env["object_id"], timeout=30)
    check(ans["data"]["result"] == "error", f"migrating to a target that "
          f"died: {ans}")
    check("goes on" in ans["data"]["details"]["error"], f"{ans}")
    counts_on(w, "counter", "counting on after the failed migration")
    st = query(w, {"type": "modules"})["modules"][0]
    check(st["parent"] == a.uuid and st["state"] == "running",
          f"module after a failed migration: {st}")
    check(w.db("SELECT count(*) FROM migrations WHERE result = 'error'")
          [0][0] == 1, "the failed migration is in the log")
    stop_whole(w, "counter", "counter after a failed migration")
    w.stop_orchestrator()


def case_source_dies(w):
    """kill -9 of the source right after its snapshot left: the module
    runs on at the target from that snapshot. Agents at their default
    telemetry interval: restoring 16 MiB may hold an agent's telemetry
    back longer than 3 x 200 ms on a loaded machine."""
    a, b = realm(w, "alpha", "beta", interval_ms=1000)
    sha = upload(w)
    m = start(w, sha, ["grow", "16"], name="grower", on="alpha")
    wait_output(w, "grower", lambda d: b"grown" in d and len(d) > 40,
                what="first counts")
    mark = w.sub.mark()
    env = envelope("migrate", {"type": "module", "name": "grower",
                               "target": "beta"})
    w.publish("control", env)
    w.sub.wait(lambda x: x["topic"] == f"{REALM}/proc/snapshot/{m['uuid']}",
               20, "the snapshot", mark)
    a.kill()
    ans = w.answer_to("control", env["object_id"], timeout=30)
    check(ans["data"]["result"] == "ok", f"migration whose source died "
          f"after the snapshot: {ans}")
    check(ans["data"]["details"]["target"] == b.uuid, f"{ans}")
    data, _ = logs(w, "grower")
    n0 = len(data)
    wait_output(w, "grower", lambda d: len(d) > n0 + 40,
                what="counting on at beta")
    st = query(w, {"type": "modules"})["modules"][0]
    check(st["parent"] == b.uuid and st["status"] == "A", f"{st}")
    control(w, "delete", {"type": "module", "name": "grower"})
    data, _ = logs(w, "grower")
    lines = data.decode().split("\n")
    check(lines[0].startswith("grown"), f"first line {lines[0]!r}")
    nums = [int(x) for x in lines[1:] if x]
    check(nums == list(range(len(nums))), f"grower output broken: "
          f"{nums[:20]}...")
    w.stop_orchestrator()


def case_drain(w):
    a, b = realm(w, "alpha", "beta")
    sha = upload(w)
    m = start(w, sha, ["count", "0", "5"], name="counter", on="alpha")
    wait_output(w, "counter", lambda d: len(d) > 20, what="first counts")
    mark = w.sub.mark()
    rc = a.kill(signal.SIGTERM)
    check(rc == 0, f"agent alpha exited with {rc}")
    ev = notif(w, m["uuid"], "module_migrated", start=mark)
    check(ev["reason"] == "drain" and ev["target"] == b.uuid, f"{ev}")
    counts_on(w, "counter", "counting on at beta")
    stop_whole(w, "counter", "counter after a drain")
    w.stop_orchestrator()


def keeper_realm(w, *others):
    """alpha and beta, checkpoints every 500 ms, the restart module keeper
    counting on alpha and the sleepers OTHERS (ignore modules) there too,
    once keeper has a checkpoint."""
    a, b = realm(w, "alpha", "beta",
                 orch_args=("--checkpoint-interval-ms", "500"))
    sha = upload(w)
    m = start(w, sha, ["count", "0", "20"], name="keeper", on="alpha",
              fault="restart")
    more = [start(w, sha, ["sleep", "100"], name=o, on="alpha")
            for o in others]
    wait_until(lambda: w.db("SELECT count(*) FROM checkpoints WHERE module "
                            "= ?", (m["uuid"],))[0][0], 10,
               "a checkpoint of keeper")
    return a, b, m, more


def case_recover(w):
    a, b, m, (i,) = keeper_realm(w, "ignorer")
    wait_output(w, "keeper", lambda d: len(counted(d)) > 60,
                what="keeper counts")
    mark = w.sub.mark()
    a.kill()
    ev = notif(w, m["uuid"], "module_restarted", timeout=15, start=mark)
    check(ev["from_checkpoint"] is True and ev["runtime"] == b.uuid, f"{ev}")
    st = module_state(w, i["uuid"], lambda s: s["status"] == "K", start=mark)
    check(st["parent"] == a.uuid, f"ignore module: {st}")
    counts_on(w, "keeper", "keeper counting on at beta")
    # from the checkpoint, not from 0: numbers go on (some may repeat:
    # those printed after the checkpoint), never restart at 0
    nums = counted(wait_output(w, "keeper", lambda d: True))
    check(nums[0] == 0 and 0 not in nums[1:], f"keeper restarted fresh: "
          f"{nums[:10]}...")
    # ignore modules come back when their runtime registers again
    mark = w.sub.mark()
    agent(w, "alpha")
    registered(w, "alpha")
    st = module_state(w, i["uuid"], lambda s: s["status"] == "A"
                      and s["state"] == "running", timeout=15, start=mark)
    w.stop_orchestrator()


def case_overload(w):
    """A runtime above the CPU threshold for the window sheds its
    heaviest module to a runtime that stays below the target after it.
    The agents are real; their CPU is what the test says (it publishes
    their telemetry often; their own comes once a minute)."""
    conf = w.path("orch.conf")
    with open(conf, "w") as f:
        f.write("[orchestrator]\noverload-cpu=0.85\n"
                "overload-window-ms=1000\noverload-target-cpu=0.6\n"
                "overload-quiet-ms=60000\n")
    w.start_orchestrator("--config", conf)
    agent(w, "alpha", interval_ms=60000)
    agent(w, "beta", interval_ms=60000)
    a, b = registered(w, "alpha", False), registered(w, "beta", False)
    sha = upload(w)
    light = start(w, sha, ["sleep", "100"], name="light", on="alpha")
    heavy = start(w, sha, ["count", "0", "20"], name="heavy", on="alpha")
    import threading
    load = {a.uuid: 0.95, b.uuid: 0.5}
    stop = threading.Event()

    def feed():
        while not stop.is_set():
            for rt, cpu in list(load.items()):
                mods = [] if rt != a.uuid else [
                    {"uuid": light["uuid"], "name": "light",
                     "state": "running",
                     "metrics": {"process.cpu.utilization": 0.01}},
                    {"uuid": heavy["uuid"], "name": "heavy",
                     "state": "running",
                     "metrics": {"process.cpu.utilization": 0.4}}]
                d = {"type": "telemetry", "uuid": rt,
                     "ts": int(time.time() * 1000), "interval_ms": 60000,
                     "replayed": False,
                     "metrics": {"system.cpu.utilization": cpu},
                     "modules": mods}
                w.publish(f"stats/{rt}", envelope("update", d,
                                                  type_="runtime_resp"),
                          qos=0)
            stop.wait(0.2)
    t = threading.Thread(target=feed, daemon=True)
    t.start()
    try:
        mark = w.sub.mark()
        # beta at 50%: 50% + 20% (0.4 of one of 2 cores) would pass 60%
        time.sleep(3.5)
        moved = w.sub.all(lambda x: x["topic"] == f"{REALM}/proc/notif"
                          and x["json"] and x["json"]["data"].get("event")
                          == "module_migrated", mark)
        check(not moved, f"moved to a runtime that would pass the target: "
              f"{moved}")
        check("stays on alpha" in w.orch_output(), "no overload decision "
              "was logged")
        load[b.uuid] = 0.1
        ev = notif(w, heavy["uuid"], "module_migrated", timeout=10,
                   start=mark)
        check(ev["reason"] == "overload" and ev["target"] == b.uuid, f"{ev}")
        # alpha stays hot; light is moved next only after another window,
        # heavy never comes back (beta is not overloaded)
        mark2 = w.sub.mark()
        time.sleep(2.5)
        again = [x["json"]["data"] for x in w.sub.all(
            lambda x: x["topic"] == f"{REALM}/proc/notif" and x["json"]
            and x["json"]["data"].get("event") == "module_migrated", mark2)]
        check(all(e["uuid"] != heavy["uuid"] for e in again),
              f"heavy moved twice: {again}")
    finally:
        stop.set()
        t.join()
    w.stop_orchestrator()


def case_partition(w):
    """A runtime cut off long enough to be dead (SIGSTOP) has its restart
    module restarted elsewhere; when it comes back still running it, that
    stray copy is dropped, and the output stays one stream."""
    a, b, m, _ = keeper_realm(w)
    mark = w.sub.mark()
    a.signal(signal.SIGSTOP)
    try:
        ev = notif(w, m["uuid"], "module_restarted", timeout=15, start=mark)
        check(ev["runtime"] == b.uuid, f"{ev}")
        time.sleep(0.5)
    finally:
        a.signal(signal.SIGCONT)
    wait_until(lambda: "still on alpha: dropping that copy"
               in w.orch_output(), 10, "the stray copy to be dropped")
    # alpha's telemetry stops listing it
    def alpha_clean():
        last = [x for x in w.sub.all(
            lambda x: x["topic"] == f"{REALM}/proc/stats/{a.uuid}"
            and x["json"])][-1]
        return all(mm["uuid"] != m["uuid"]
                   for mm in last["json"]["data"]["modules"])
    wait_until(alpha_clean, 10, "alpha to let go of the stray copy")
    st = query(w, {"type": "modules"})["modules"][0]
    check(st["parent"] == b.uuid and st["status"] == "A", f"{st}")
    counts_on(w, "keeper", "keeper counting on at beta")
    stop_whole(w, "keeper", "keeper over a partition")
    w.stop_orchestrator()


def case_republish(w):
    """A broker restarted without persistence forgets every retained
    message: the orchestrator publishes the programs of live modules and
    every module's state again."""
    a, = realm(w, "alpha")
    sha = upload(w)
    m = start(w, sha, ["sleep", "100"], name="sleepy", on="alpha")
    w.restart_broker(pause=0.5)
    wait_until(lambda: "published 1 module states and 1 programs"
               in w.orch_output(), 15, "the orchestrator to republish")
    got = subprocess.run(
        ["mosquitto_sub", "-p", str(w.port), "-t",
         f"{REALM}/proc/program/{sha}", "-C", "1", "-W", "10", "-N"],
        capture_output=True, timeout=20).stdout
    check(got == TOOL, f"retained program after the broker restart: "
          f"{len(got)} bytes, expected {len(TOOL)}")
    st = module_state(w, m["uuid"], lambda s: s["state"] == "running")
    check(st["name"] == "sleepy" and st["parent"] == a.uuid, f"{st}")
    w.stop_orchestrator()


if __name__ == "__main__":
    TOOL = open(sys.argv.pop(1), "rb").read()
    sys.exit(main({
        "start-stop": case_start_stop,
        "bad": case_bad,
        "migrate": case_migrate,
        "target-dies": case_target_dies,
        "source-dies": case_source_dies,
        "drain": case_drain,
        "overload": case_overload,
        "republish": case_republish,
        "partition": case_partition,
        "recover": case_recover,
    }))
