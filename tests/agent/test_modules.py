#!/usr/bin/python3
"""Integration tests of arts-agent's module hosting against a real
mosquitto: the test plays the orchestrator with mosquitto_pub/sub.

Usage: test_modules.py AGENT_BINARY TOOL_WASM SCENARIO
(TOOL_WASM is tests/agent/programs/tool.c built for wasm32-wasi.)
"""

import hashlib
import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
sys.path.insert(0, HERE)
from artsrealm import check, new_uuid as new_id, wait_until  # noqa: E402
from test_agent import P, agent_realm  # noqa: E402


class Orch:
    """What the orchestrator would do, by hand: programs, requests on
    control/{runtime}, and a raw observer of everything under the realm."""

    def __init__(self, realm, binary, tool, persistent=False):
        self.realm = realm
        self.binary = binary
        self.tool = tool
        with open(tool, "rb") as f:
            self.program = f.read()
        self.sha = hashlib.sha256(self.program).hexdigest()
        # A persistent observer keeps its QoS 1 queue across a broker
        # restart.
        self.obs = realm.subscribe(
            [P + "#"], client_id="observer" if persistent else None)
        self.n = 0
        self.sent = 0

    def pub(self, topic, data, props=None, retain=False):
        self.sent = time.monotonic()
        self.realm.pub(topic, data, props=props, retain=retain)

    def upload(self, data=None):
        data = self.program if data is None else data
        sha = hashlib.sha256(data).hexdigest()
        self.pub(P + "program/" + sha, data, retain=True)
        return sha

    def agent(self, name, extra=()):
        self.n += 1
        a = self.realm.start_agent(name, extra, exe=self.binary,
                                   state="state-" + name)
        path = os.path.join(a.state_dir, "runtime-uuid")
        wait_until(lambda: os.path.exists(path), 10, "agent %s started" % name)
        time.sleep(0.2)
        with open(path) as f:
            a.uuid = f.read().strip()
        # Subscribed to its control topic once it registered.
        self.obs.wait_for(lambda m: m["topic"] == P + "reg" and
                          m["payload"] and
                          m["payload"]["data"].get("uuid") == a.uuid,
                          timeout=10)
        time.sleep(0.1)
        return a

    def send(self, rt, action, data, raw=None):
        oid = new_id()
        body = raw if raw is not None else json.dumps(
            {"object_id": oid, "action": action, "type": "arts_req",
             "data": data})
        if raw is not None:
            oid = json.loads(raw)["object_id"]
        self.pub(P + "control/" + rt.uuid, body.encode())
        return oid

    def answer(self, rt, oid, timeout=5.0):
        def pred(m):
            p = m["payload"]
            return (m["topic"] == P + "control/" + rt.uuid and
                    isinstance(p, dict) and p.get("object_id") == oid and
                    p.get("type") == "runtime_resp")
        return self.obs.wait_for(pred, timeout=timeout)[0]["payload"]

    def request(self, rt, action, data, ok=True, timeout=5.0, raw=None):
        oid = self.send(rt, action, data, raw=raw)
        ans = self.answer(rt, oid, timeout)
        res = ans["data"]["result"]
        check(res == ("ok" if ok else "error"),
              "%s %s: expected %s, got %r" % (action, data,
                                              "ok" if ok else "error", ans))
        return ans["data"]["details"]

    def create(self, rt, args, name=None, uuid=None, sha=None, ok=True,
               **extra):
        data = {"type": "module", "uuid": uuid or new_id(),
                "name": name or "m-" + new_id()[:8],
                "filename": "tool.wasm", "filetype": "WA",
                "sha256": sha or self.sha, "args": args, "env": [],
                "apis": ["wasm", "wasi"], "channels": [], "peripherals": [],
                "resources": None, "fault_crash": "ignore"}
        data.update(extra)
        d = self.request(rt, "create", data, ok=ok, timeout=15)
        return data["uuid"] if ok else d

    def states(self, rt, uuid, state=None):
        def pred(m):
            p = m["payload"]
            if m["topic"] != P + "control/" + rt.uuid or not p:
                return False
            d = p.get("data", {})
            return (p.get("action") == "update" and
                    d.get("type") == "module_state" and
                    d.get("uuid") == uuid and
                    (state is None or d.get("state") == state))
        return pred

    def wait_state(self, rt, uuid, state, timeout=5.0, since=None):
        """The latest module_state STATE, arrived after SINCE (a
        time.monotonic(); default: the last request sent)."""
        since = self.sent if since is None else since
        pred = self.states(rt, uuid, state)
        return self.obs.wait_for(lambda m: m["t"] > since and pred(m),
                                 timeout=timeout)[-1]["payload"]["data"]

    def output(self, uuid):
        return self.obs.snapshot(lambda m: m["topic"] == P + "stdout/" + uuid)

    def printed(self, uuid, count, timeout=5.0):
        """Waits until COUNT output messages of UUID came."""
        return self.obs.wait_for(
            lambda m: m["topic"] == P + "stdout/" + uuid, count=count,
            timeout=timeout)

    def counter(self, rt, lines):
        """A module counting on RT, once it printed LINES messages."""
        m = self.create(rt, ["count", "0", "5"], name="counter")
        self.printed(m, lines)
        return m


def orch_with(realm, binary, tool, *names, persistent=False):
    """An Orch on REALM with the program uploaded, and agents NAMES."""
    o = Orch(realm, binary, tool, persistent)
    o.upload()
    return [o] + [o.agent(n) for n in names]


def stream(msgs):
    """Joins output messages by their offsets; each byte must come once,
    each message right after the one before."""
    out = b""
    for m in msgs:
        off = int(m["props"]["offset"])
        check(m["props"]["fd"] in ("1", "2"), "fd property %r" % m["props"])
        check(off == len(out), "offset %d after %d bytes: a gap or a repeat"
              % (off, len(out)))
        out += m["data"]
    return out


def viewer_stream(msgs):
    """Joins output as a viewer does: bytes below the offset it already
    has are dropped (QoS 1 may deliver a message twice after a
    reconnect); a gap fails."""
    out = b""
    for m in msgs:
        off, data = int(m["props"]["offset"]), m["data"]
        check(off <= len(out), "gap: offset %d after %d bytes" %
              (off, len(out)))
        out += data[len(out) - off:]
    return out


def counted(out):
    """The output of `count` so far: 0..k-1, each on its line, whole."""
    lines = out.decode().split("\n")
    check(lines[-1] == "", "output ends with a whole line")
    nums = [int(x) for x in lines[:-1]]
    check(nums == list(range(len(nums))),
          "counted lines in order, none lost or repeated: %r" % nums[:50])
    return len(nums)


def stats_modules(orch, rt, since):
    msgs = orch.obs.snapshot(lambda m: m["topic"] == P + "stats/" + rt.uuid
                             and m["t"] > since and m["payload"])
    return [m["payload"]["data"]["modules"] for m in msgs]


# --------------------------------------------------------------------------

def test_run(binary, tool):
    """A program fetched by hash runs; output with offsets; exit codes,
    stderr, traps; metrics; the program is cached."""
    with agent_realm() as realm:
        o, a = orch_with(realm, binary, tool, "a")
        m = o.create(a, ["count", "5", "10"], name="five")
        d = o.wait_state(a, m, "exited")
        check(d["exit_code"] == 0, "exit code 0: %r" % d)
        out = stream(o.output(m))
        check(out == b"0\n1\n2\n3\n4\n", "output %r" % out)
        check(all(x["props"]["fd"] == "1" for x in o.output(m)), "fd 1")
        cached = os.path.join(a.state_dir, "programs", o.sha + ".wasm")
        check(open(cached, "rb").read() == o.program, "program cached")
        # The cached copy is used: a second create needs no broker copy.
        o.pub(P + "program/" + o.sha, b"", retain=True)
        m = o.create(a, ["exit", "7"])
        d = o.wait_state(a, m, "exited")
        check(d["exit_code"] == 7, "exit code 7: %r" % d)
        msgs = o.obs.wait_for(lambda x: x["topic"] == P + "stdout/" + m)
        check(msgs[0]["data"] == b"bye\n" and msgs[0]["props"]["fd"] == "2",
              "stderr with fd 2: %r" % msgs)
        m = o.create(a, ["trap"])
        d = o.wait_state(a, m, "failed")
        check("trap" in d["error"] and "unreachable" in d["error"],
              "trap reported: %r" % d)
        check(stream(o.output(m)) == b"about to trap\n", "output before trap")
        # Limits from resources: memory (the program's malloc fails) and
        # fuel (an instruction budget, then a trap).
        m = o.create(a, ["grow", "8"],
                     resources={"max_memory": 4 << 20, "fuel": 0})
        d = o.wait_state(a, m, "exited")
        check(d["exit_code"] == 1, "malloc beyond max_memory fails: %r" % d)
        m = o.create(a, ["grow", "2"], resources={"max_memory": 16 << 20})
        o.obs.wait_for(lambda x: x["topic"] == P + "stdout/" + m and
                       x["data"].startswith(b"grown"))
        o.request(a, "delete", {"type": "module", "uuid": m})
        m = o.create(a, ["count", "0", "0"], resources={"fuel": 200000})
        d = o.wait_state(a, m, "failed")
        check("out of fuel" in d["error"], "fuel: %r" % d)
        # Telemetry carries a running module's metrics. (An ended module
        # named "busy" is kept for a late delete; the live one wins.)
        o.create(a, ["exit", "0"], name="busy")
        time.sleep(0.3)
        m = o.create(a, ["count", "0", "5"], name="busy")
        t0 = time.monotonic()
        time.sleep(2.5)
        mods = [x for x in stats_modules(o, a, t0) if x]
        check(mods, "stats carry modules")
        entry = [e for e in mods[-1] if e["uuid"] == m]
        check(entry, "stats name the module")
        check(entry[0].get("name") == "busy" and
              entry[0].get("state") == "running", "name, state %r" % entry)
        mt = entry[0]["metrics"]
        for k in ["process.cpu.time", "process.cpu.utilization",
                  "arts.module.instructions", "arts.module.instructions.rate",
                  "arts.module.memory.linear", "arts.module.io.read",
                  "arts.module.io.write", "arts.module.uptime",
                  "arts.module.migrations"]:
            check(k in mt, "metric %s in %r" % (k, mt))
        check(mt["arts.module.instructions"] > 1000, "instructions %r" % mt)
        check(mt["arts.module.instructions.rate"] > 0, "rate %r" % mt)
        check(mt["arts.module.memory.linear"] >= 65536, "memory %r" % mt)
        check(mt["arts.module.io.write"] > 0, "io write %r" % mt)
        check(1.0 <= mt["arts.module.uptime"] <= 5, "uptime %r" % mt)
        check(mt["arts.module.migrations"] == 0, "migrations")
        check(0 <= mt["process.cpu.utilization"] <= 1, "cpu util")
        d = o.request(a, "delete", {"type": "module", "name": "busy"})
        check(d["state"] == "exited" and d["exit_code"] is None,
              "stopped: %r" % d)
        check(counted(stream(o.output(m))) > 10, "busy counted")


def test_stdin(binary, tool):
    with agent_realm() as realm:
        o, a = orch_with(realm, binary, tool, "a")
        m = o.create(a, ["echo"])
        o.pub(P + "stdin/" + m, b"hello\nwor")
        o.pub(P + "stdin/" + m, b"ld\n")
        # Both lines may leave in one message (one batch): wait for bytes.
        wait_until(lambda: stream(o.output(m)).endswith(b"world\n"), 5,
                   "both lines echoed")
        o.pub(P + "stdin/" + m, b"")
        d = o.wait_state(a, m, "exited")
        check(d["exit_code"] == 3, "exit 3 at EOF: %r" % d)
        out = stream(o.output(m))
        check(out == b"echo: hello\necho: world\neof\n", "echo %r" % out)
        st = [x for x in stats_modules(o, a, 0) if x]
        # io.read counted while it ran (if a sample was taken meanwhile).
        for mods in st:
            for e in mods:
                check(e["metrics"]["arts.module.io.read"] <= 12, "io.read")


def test_stop(binary, tool):
    """delete ends a module within 1 s: an endless loop, a long sleep, a
    blocked stdin read."""
    with agent_realm() as realm:
        o, a = orch_with(realm, binary, tool, "a")
        for args in (["spin"], ["sleep", "3600"], ["echo"]):
            m = o.create(a, args)
            time.sleep(0.3)
            t0 = time.monotonic()
            d = o.request(a, "delete", {"type": "module", "uuid": m})
            took = time.monotonic() - t0
            check(took < 1.0, "%s stopped in %.3f s" % (args, took))
            check(d == {"exit_code": None, "state": "exited"}, "%r" % d)
            o.wait_state(a, m, "exited")
        # A stopped module is gone: a second delete does not find it.
        o.request(a, "delete", {"type": "module", "uuid": m}, ok=False)


def migrate(o, src, dst, m, mid):
    """The migration sequence the orchestrator runs."""
    d = o.request(dst, "create", {
        "type": "module", "uuid": m, "name": "counter",
        "filename": "tool.wasm", "sha256": o.sha, "args": [],
        "restore": {"migration": mid}}, timeout=15)
    check(d.get("ready") is True, "target ready: %r" % d)
    t0 = time.monotonic()
    d = o.request(src, "migrate", {"type": "module", "uuid": m,
                                   "migration": mid, "target": dst.uuid})
    check(d["snapshot_bytes"] > 0 and d["paused_at"] > 0, "%r" % d)
    st = o.wait_state(dst, m, "running", timeout=10)
    check(st.get("migration") == mid and st.get("resumed_at", 0) >= d[
        "paused_at"], "target resumed: %r" % st)
    o.request(src, "delete", {"type": "module", "uuid": m,
                              "reason": "migrated"})
    return d, time.monotonic() - t0


def test_migrate(binary, tool):
    """A counting module moves A -> B -> A; its output continues on the same
    topic with no byte lost or repeated."""
    with agent_realm() as realm:
        o, a, b = orch_with(realm, binary, tool, "a", "b")
        m = o.counter(a, 20)
        d, took = migrate(o, a, b, m, "mig-1")
        snaps = o.obs.wait_for(lambda x: x["topic"] == P + "snapshot/" + m)
        check(snaps[0]["props"]["kind"] == "migration" and
              snaps[0]["props"]["migration"] == "mig-1" and
              int(snaps[0]["props"]["stdout_offset"]) == d["stdout_offset"],
              "snapshot properties %r" % snaps[0]["props"])
        # The released source says nothing more about the module.
        time.sleep(0.5)
        check(not o.obs.snapshot(o.states(a, m, "exited")),
              "no exit event from the released source")
        n0 = len(o.output(m))
        o.printed(m, n0 + 20)
        t0 = time.monotonic()
        time.sleep(1.2)
        mods = [x for x in stats_modules(o, b, t0) if x]
        check(mods and mods[-1][0]["metrics"]["arts.module.migrations"] == 1,
              "migrations counted on the target: %r" % mods[-1:])
        migrate(o, b, a, m, "mig-2")
        n1 = len(o.output(m))
        o.printed(m, n1 + 20)
        o.request(a, "delete", {"type": "module", "uuid": m})
        n = counted(stream(o.output(m)))
        check(n > 60, "counted %d lines across two migrations" % n)
        print("migrations took %.3f s (request to target running)" % took)


def test_restore_fail(binary, tool):
    """A corrupt snapshot is refused at the target (state failed, with why);
    the source resumes on `resume` and its output goes on unbroken."""
    with agent_realm() as realm:
        o, a, b = orch_with(realm, binary, tool, "a", "b")
        m = o.counter(a, 10)
        for i, junk in enumerate([b"not a snapshot", b"\x00" * 64,
                                  os.urandom(4096)]):
            mid = "bad-%d" % i
            o.request(b, "create", {
                "type": "module", "uuid": m, "filename": "tool.wasm",
                "sha256": o.sha, "restore": {"migration": mid}})
            # Another migration's snapshot is not taken.
            o.pub(P + "snapshot/" + m, junk,
                  {"kind": "migration", "migration": "other"})
            o.pub(P + "snapshot/" + m, junk,
                  {"kind": "migration", "migration": mid,
                   "stdout_offset": "0"})
            st = o.wait_state(b, m, "failed")
            check("bad snapshot" in st["error"], "why: %r" % st)
            o.request(b, "delete", {"type": "module", "uuid": m})
        # A real snapshot, cut short, is refused too.
        o.request(b, "create", {
            "type": "module", "uuid": m, "filename": "tool.wasm",
            "sha256": o.sha, "restore": {"migration": "cut"}})
        d = o.request(a, "migrate", {"type": "module", "uuid": m,
                                     "migration": "cut"})
        snap = o.obs.wait_for(lambda x: x["topic"] == P + "snapshot/" + m
                              and x["props"].get("migration") == "cut")
        check(len(snap[0]["data"]) == d["snapshot_bytes"], "snapshot size")
        # B took that one (same migration): it runs. Stop it, as the
        # orchestrator would when the source is told to resume.
        o.wait_state(b, m, "running", timeout=10)
        o.request(b, "delete", {"type": "module", "uuid": m})
        o.request(b, "create", {
            "type": "module", "uuid": m, "filename": "tool.wasm",
            "sha256": o.sha, "restore": {"migration": "cut2"}})
        o.pub(P + "snapshot/" + m, snap[0]["data"][:len(snap[0]["data"]) // 2],
              {"kind": "migration", "migration": "cut2"})
        st = o.wait_state(b, m, "failed")
        check("bad snapshot" in st["error"], "cut snapshot: %r" % st)
        # The source, paused since the migrate, goes on when told.
        n0 = len(o.output(m))
        time.sleep(0.3)
        check(len(o.output(m)) == n0, "source paused")
        d = o.request(a, "resume", {"type": "module", "uuid": m})
        o.wait_state(a, m, "running")
        o.printed(m, n0 + 10)
        o.request(a, "delete", {"type": "module", "uuid": m})
        # B's output (before its delete) and A's overlap: the stream by
        # offsets must still be whole; drop repeats as a viewer does.
        seen, msgs = 0, []
        for x in sorted(o.output(m), key=lambda x: int(x["props"]["offset"])):
            off = int(x["props"]["offset"])
            if off + len(x["data"]) <= seen:
                continue
            check(off == seen, "no gap at %d (next at %d)" % (seen, off))
            msgs.append(x)
            seen = off + len(x["data"])
        counted(stream(msgs))


def test_checkpoint(binary, tool):
    """checkpoint snapshots and goes on; the checkpoint restores elsewhere
    and continues from its offset with the same bytes."""
    with agent_realm() as realm:
        o, a, b = orch_with(realm, binary, tool, "a", "b")
        m = o.counter(a, 10)
        d = o.request(a, "checkpoint", {"type": "module", "uuid": m})
        snap = o.obs.wait_for(lambda x: x["topic"] == P + "snapshot/" + m)[0]
        check(snap["props"]["kind"] == "checkpoint" and
              int(snap["props"]["stdout_offset"]) == d["stdout_offset"] and
              len(snap["data"]) == d["snapshot_bytes"], "checkpoint %r" % d)
        n0 = len(o.output(m))
        o.printed(m, n0 + 10)
        o.request(a, "delete", {"type": "module", "uuid": m})
        before = stream(o.output(m))
        # Recovery elsewhere from the checkpoint.
        o.request(b, "create", {
            "type": "module", "uuid": m, "filename": "tool.wasm",
            "sha256": o.sha, "restore": {"checkpoint": True}})
        n1 = len(o.output(m))
        o.pub(P + "snapshot/" + m, snap["data"], snap["props"])
        o.wait_state(b, m, "running", timeout=10)
        o.printed(m, n1 + 10)
        # A migrate and a checkpoint at once: each answered with its own
        # snapshot; resumed, the module goes on.
        o1 = o.send(b, "migrate", {"type": "module", "uuid": m,
                                   "migration": "both"})
        o2 = o.send(b, "checkpoint", {"type": "module", "uuid": m})
        for oid in (o1, o2):
            ans = o.answer(b, oid)
            check(ans["data"]["result"] == "ok" and
                  ans["data"]["details"]["snapshot_bytes"] > 0, "%r" % ans)
        o.request(b, "resume", {"type": "module", "uuid": m})
        n2 = len(o.output(m))
        o.printed(m, n2 + 5)
        o.request(b, "delete", {"type": "module", "uuid": m})
        again = o.output(m)[n1:]
        off = int(again[0]["props"]["offset"])
        check(off == d["stdout_offset"], "restored output starts at the "
              "checkpoint's offset (%d, %d)" % (off, d["stdout_offset"]))
        tail = b"".join(x["data"] for x in again)
        n = min(len(before) - off, len(tail))
        check(n > 0 and tail[:n] == before[off:off + n],
              "same bytes after the checkpoint")


def test_bad(binary, tool):
    """Every bad request gets an error answer (or a log message when it
    has no object_id), changes nothing, and the agent lives on."""
    with agent_realm() as realm:
        o = Orch(realm, binary, tool)
        o.upload()
        a = o.agent("a", extra=["--max-nmodules", "2"])
        mod = {"type": "module", "filename": "tool.wasm", "sha256": o.sha,
               "args": ["sleep", "3600"]}

        def bad(action, data, words, raw=None, timeout=5.0):
            d = o.request(a, action, data, ok=False, raw=raw,
                          timeout=timeout)
            msg = d.get("error", "")
            for w in words:
                check(w in msg, "error %r should mention %r" % (msg, w))
            return d

        oid = new_id()
        bad("create", None, ["surplus"],
            raw='{"object_id":"%s","action":"create","type":"arts_req",'
                '"data":{"type":"module"},"surplus":1}' % oid)
        o.pub(P + "control/" + a.uuid, b"\xff\xfe garbage")
        o.obs.wait_for(lambda x: x["topic"] == P + "log/" + a.uuid)
        bad("explode", {"type": "module", "uuid": new_id()}, ["explode"])
        bad("create", {"type": "runtime", "uuid": new_id()}, ["data.type"])
        bad("create", dict(mod, bogus=1), ["bogus"])
        bad("create", dict(mod, sha256="xyz"), ["sha256"])
        bad("create", {"type": "module", "args": []}, ["sha256"])
        bad("create", dict(mod, resources={"max_memory": -1}),
            ["max_memory"])
        bad("create", dict(mod, resources={"cpu": 1}), ["cpu"])
        bad("create", dict(mod, restore={"nothing": 1}), ["nothing"])
        bad("create", {"type": "module", "filename": "../etc/passwd"},
            ["filename"])
        bad("create", {"type": "module", "filename": "absent.wasm"},
            ["absent.wasm"])
        for action in ("delete", "migrate", "resume", "checkpoint"):
            data = {"type": "module", "uuid": new_id()}
            if action == "migrate":
                data["migration"] = "x1"
            d = bad(action, data, ["no module"])
            check(d["code"] in ("not-found", "not_found"), "code %r" % d)
        bad("migrate", {"type": "module", "uuid": new_id()}, ["migration"])
        # Bytes that are not WebAssembly, and a module that fails to load.
        junk = o.upload(b"MZ this is not wasm at all")
        bad("create", dict(mod, sha256=junk), ["WebAssembly"])
        broken = o.upload(b"\x00asm\x01\x00\x00\x00\x01\xff\xff")
        bad("create", dict(mod, sha256=broken), ["WebAssembly"])
        # A program nobody has: bytes on program/{sha} that do not hash to
        # sha are not taken (no answer meanwhile), and the create is
        # refused with a clear error after the bounded wait.
        other = hashlib.sha256(b"nobody has this").hexdigest()
        o.pub(P + "program/" + other, o.program, retain=True)
        t0 = time.monotonic()
        oid = o.send(a, "create", dict(mod, sha256=other, name="late"))
        time.sleep(1)
        check(not o.obs.snapshot(lambda x: x["payload"] and
                                 x["payload"].get("object_id") == oid and
                                 x["payload"]["type"] == "runtime_resp"),
              "no answer while only wrong bytes came")
        ans = o.answer(a, oid, timeout=15)
        err = ans["data"]["details"].get("error", "")
        check(ans["data"]["result"] == "error" and "did not arrive" in err
              and other in err, "wrong bytes never taken: %r" % ans)
        check(time.monotonic() - t0 >= 9, "waited for the program")
        check(not os.path.exists(os.path.join(a.state_dir, "programs",
                                              other + ".wasm")),
              "wrong bytes not cached")
        # Duplicates and capacity.
        m1 = o.create(a, ["sleep", "3600"], name="one")
        bad("create", dict(mod, uuid=m1, name="other"), ["already"])
        bad("create", dict(mod, uuid=new_id(), name="one"), ["one"])
        o.create(a, ["sleep", "3600"], name="two")
        d = bad("create", dict(mod, uuid=new_id(), name="three"), ["full"])
        check(d["code"] == "no_fit", "full: code %r" % d)
        # A migration given up (resume) leaves the module running.
        o.request(a, "migrate", {"type": "module", "name": "one",
                                 "migration": "m-1"})
        o.request(a, "resume", {"type": "module", "name": "one"})
        bad("migrate", {"type": "module", "name": "one",
                        "migration": "bad id!"}, ["migration"])
        # Nothing changed: the two modules run, the agent answers.
        time.sleep(1.5)
        mods = stats_modules(o, a, time.monotonic() - 1.2)
        check(mods and len(mods[-1]) == 2, "two modules run: %r" % mods)
        o.request(a, "delete", {"type": "module", "name": "one"})
        o.request(a, "delete", {"type": "module", "name": "two"})
        check(a.alive(), "agent alive")


def test_drain(binary, tool):
    """SIGTERM with a module: reg update draining, the orchestrator moves
    the module away, then the goodbye; the module runs on elsewhere."""
    with agent_realm() as realm:
        o, a, b = orch_with(realm, binary, tool, "a", "b")
        m = o.counter(a, 10)
        a.signal(signal.SIGTERM)
        upd = o.obs.wait_for(lambda x: x["topic"] == P + "reg" and
                             x["payload"] and
                             x["payload"]["action"] == "update")[0]
        d = upd["payload"]["data"]
        check(d["uuid"] == a.uuid and d["draining"] is True, "drain %r" % d)
        check(a.alive(), "still there while draining")
        d = o.create(a, ["count", "3", "0"], ok=False)
        check(d["code"] == "no_fit" and "draining" in d["error"],
              "no new module while draining: %r" % d)
        migrate(o, a, b, m, "drain-1")
        check(a.wait(5) == 0, "agent exits once drained")
        goodbye = o.obs.snapshot(lambda x: x["topic"] == P + "reg" and
                                 x["payload"] and
                                 x["payload"]["action"] == "delete")
        check(len(goodbye) == 1, "one goodbye")
        n0 = len(o.output(m))
        o.printed(m, n0 + 10)
        o.request(b, "delete", {"type": "module", "uuid": m})
        counted(stream(o.output(m)))
        # Without an orchestrator moving them, modules are stopped after
        # the bounded wait and the agent leaves anyway.
        m = o.create(b, ["sleep", "3600"])
        t0 = time.monotonic()
        b.signal(signal.SIGTERM)
        check(b.wait(20) == 0, "exit after the drain timeout")
        took = time.monotonic() - t0
        check(9 < took < 15, "bounded drain: %.1f s" % took)
        o.wait_state(b, m, "exited")


def test_offline(binary, tool):
    """The broker goes away for 2 s while a module prints: the module runs
    on, its output waits and goes out after the reconnect, in order, with
    nothing lost or repeated; stdin and control work again."""
    with agent_realm() as realm:
        o, a = orch_with(realm, binary, tool, "a", persistent=True)
        m = o.counter(a, 10)
        realm.stop_broker()
        time.sleep(2)
        realm.start_broker()
        n0 = len(o.output(m))
        # Output written while the broker was away arrives in a few big
        # messages, then the stream goes on.
        o.printed(m, n0 + 20, timeout=15)
        o.request(a, "delete", {"type": "module", "uuid": m}, timeout=10)
        out = viewer_stream(o.output(m))
        n = counted(out)
        check(n > 400, "the module ran on while offline: %d lines" % n)


SCENARIOS = {
    "run": test_run,
    "stdin": test_stdin,
    "stop": test_stop,
    "migrate": test_migrate,
    "restore-fail": test_restore_fail,
    "checkpoint": test_checkpoint,
    "bad": test_bad,
    "drain": test_drain,
    "offline": test_offline,
}


def main():
    binary, tool, scenario = sys.argv[1], sys.argv[2], sys.argv[3]
    SCENARIOS[scenario](os.path.abspath(binary), os.path.abspath(tool))
    print("ok: %s" % scenario)


if __name__ == "__main__":
    main()
