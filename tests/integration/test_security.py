"""Issue 2 item 7: a realm under the example configuration of
data/mosquitto/ (password file, TLS listener, per-runtime ACL) still works
for the real daemons over mqtts://, while one runtime can neither command
another on its control topic nor impersonate its telemetry.

The broker is built from data/mosquitto/mosquitto.conf and acl themselves;
only file locations and the port are rewritten. Passwords come from
mosquitto_passwd, the CA and server certificate from openssl, here."""

import os
import re
import subprocess
import time
import uuid as uuidlib

from realm import SOURCE, Realm, check, free_port, log, run_cases

PASSWORDS = {}


def sh(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)
    check(r.returncode == 0, f"{argv[0]} failed: {r.stderr}")
    return r


def make_ca(d):
    """A CA and a server certificate for 127.0.0.1 signed by it."""
    ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    key, csr = os.path.join(d, "server.key"), os.path.join(d, "server.csr")
    cert, ext = os.path.join(d, "server.pem"), os.path.join(d, "san.cnf")
    sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
        "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=ARTS test CA"])
    sh(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
        "-out", csr, "-subj", "/CN=127.0.0.1"])
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    sh(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
        "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext])
    return ca


def make_passwd(d, users):
    path = os.path.join(d, "passwd")
    first = True
    for user in users:
        pw = uuidlib.uuid4().hex
        PASSWORDS[user] = pw
        sh(["mosquitto_passwd", "-b"] + (["-c"] if first else []) +
           [path, user, pw])
        first = False
        with open(os.path.join(d, f"{user}.pw"), "w") as f:
            f.write(pw + "\n")
        os.chmod(os.path.join(d, f"{user}.pw"), 0o600)


def broker_config(r, etc):
    """data/mosquitto/mosquitto.conf with its paths and port moved here."""
    with open(os.path.join(SOURCE, "data", "mosquitto", "mosquitto.conf")) as f:
        conf = f.read()
    check("/etc/mosquitto/arts/" in conf and re.search(r"^listener 8883$", conf, re.M),
          "data/mosquitto/mosquitto.conf changed shape; update this test")
    conf = conf.replace("/etc/mosquitto/arts/", etc + "/")
    conf = re.sub(r"^listener 8883$", f"listener {r.port} 127.0.0.1", conf,
                  flags=re.M)
    return conf + "\n" + "\n".join(r.broker_log_lines()) + "\n"


def creds(etc, user, ca):
    return ["--username", user, "--password-file", os.path.join(etc, f"{user}.pw"),
            "--cafile", ca]


def mqtt_args(r, ca, user):
    return ["-h", "127.0.0.1", "-p", str(r.port), "--cafile", ca,
            "-u", user, "-P", PASSWORDS[user]]


def publish(r, ca, user, topic, payload):
    """mosquitto_pub as USER, MQTT 5 at QoS 1, so a refused publish is
    reported (PUBACK reason 0x87). Returns (authorized, output)."""
    p = subprocess.run(["mosquitto_pub"] + mqtt_args(r, ca, user) +
                       ["-V", "mqttv5", "-q", "1", "-t", topic, "-m", payload],
                       capture_output=True, text=True, timeout=30)
    out = p.stdout + p.stderr
    check(p.returncode == 0 or "Not authorized" in out,
          f"mosquitto_pub as {user} on {topic}: rc {p.returncode} {out}")
    return "Not authorized" not in out and p.returncode == 0, out


def case_acl():
    with Realm(name="lab") as r:   # the realm the example ACL is written for
        etc = r.path("etc")
        os.makedirs(etc)
        ca = make_ca(etc)
        uuid_a, uuid_b = str(uuidlib.uuid4()), str(uuidlib.uuid4())
        make_passwd(etc, ["orchestrator", "operator", uuid_a, uuid_b])
        with open(os.path.join(SOURCE, "data", "mosquitto", "acl")) as f:
            acl = f.read()
        with open(os.path.join(etc, "acl"), "w") as f:
            f.write(acl)
        r.port = free_port()
        r.tls = {"cafile": ca}
        r.start_broker(broker_config(r, etc))
        check(r.url.startswith("mqtts://"), r.url)

        # Runtimes are provisioned: their uuid (= MQTT username) is written
        # into their state dir before the first start.
        for name, u in (("a", uuid_a), ("b", uuid_b)):
            os.makedirs(r.agent_state_dir(name))
            with open(os.path.join(r.agent_state_dir(name), "runtime-uuid"), "w") as f:
                f.write(u + "\n")
        r.start_orchestrator(credentials=creds(etc, "orchestrator", ca))
        r.start_agent("a", credentials=creds(etc, uuid_a, ca))
        r.start_agent("b", credentials=creds(etc, uuid_b, ca))
        r.ctl_credentials = creds(etc, "operator", ca)

        # The realm works: both runtimes registered and report telemetry.
        def both():
            rts = r.runtimes()
            ok = all(r.runtime(n, "A", rts) and r.runtime(n, "A", rts)["telemetry"]
                     for n in ("a", "b"))
            return rts if ok else None
        rts, took = r.wait_for(both, 10.0, "a and b alive with telemetry over TLS")
        log(f"realm up over mqtts with auth after {took:.2f} s")
        check(r.runtime("a", rts=rts)["uuid"] == uuid_a, "a kept its provisioned uuid")

        # A spy with the orchestrator's rights records what really arrives.
        spy_out = open(r.path("spy.txt"), "w")
        spy = subprocess.Popen(["mosquitto_sub"] + mqtt_args(r, ca, "orchestrator") +
                               ["-V", "mqttv5", "-v", "-t", "lab/proc/control/#",
                                "-t", "lab/proc/stats/#", "-t", "lab/proc/log/#"],
                               stdout=spy_out, stderr=subprocess.STDOUT)
        try:
            r.wait_for(lambda: os.path.getsize(spy_out.name) > 0, 5.0,
                       "spy subscribed (sees live stats)")
            forged = []
            # A commands B: refused.
            tag = "forged-" + uuidlib.uuid4().hex
            forged.append(tag)
            ok, out = publish(r, ca, uuid_a, f"lab/proc/control/{uuid_b}",
                              '{"object_id":"%s","action":"delete","type":"arts_req",'
                              '"data":{"type":"module","uuid":"%s"}}' % (tag, uuid_a))
            check(not ok, f"A could publish on B's control topic: {out}")
            log(f"A -> control/B refused: {out.strip()}")
            # A poses as B in telemetry: refused.
            tag = "forged-" + uuidlib.uuid4().hex
            forged.append(tag)
            ok, out = publish(r, ca, uuid_a, f"lab/proc/stats/{uuid_b}",
                              '{"object_id":"%s","action":"update","type":"runtime_resp",'
                              '"data":{"type":"telemetry","uuid":"%s","ts":%d,'
                              '"interval_ms":1000,"replayed":false,"metrics":'
                              '{"system.cpu.utilization":0.99},"modules":[]}}'
                              % (tag, uuid_b, int(time.time() * 1000)))
            check(not ok, f"A could publish B's telemetry: {out}")
            # An operator cannot pose as a runtime either.
            tag = "forged-" + uuidlib.uuid4().hex
            forged.append(tag)
            ok, out = publish(r, ca, "operator", f"lab/proc/stats/{uuid_b}", tag)
            check(not ok, f"operator could publish telemetry: {out}")
            # ... while A may publish on its own topics (the rules are not
            # simply closed): its own log topic.
            allowed = "allowed-" + uuidlib.uuid4().hex
            ok, out = publish(r, ca, uuid_a, f"lab/proc/log/{uuid_a}",
                              '{"object_id":"%s","action":"update","type":"arts_resp",'
                              '"data":{"type":"log","level":"info","ts":%d,'
                              '"message":"acl test"}}' % (allowed, int(time.time() * 1000)))
            check(ok, f"A could not publish on its own log topic: {out}")
            # Wrong password and no credentials at all: refused at connect.
            p = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(r.port),
                                "--cafile", ca, "-u", uuid_a, "-P", "wrong",
                                "-t", f"lab/proc/log/{uuid_a}", "-m", "x"],
                               capture_output=True, text=True, timeout=30)
            check(p.returncode != 0, "a wrong password was accepted")
            p = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(r.port),
                                "--cafile", ca, "-t", "lab/proc/reg", "-m", "x"],
                               capture_output=True, text=True, timeout=30)
            check(p.returncode != 0, "an anonymous client was accepted")

            r.wait_for(lambda: allowed in open(spy_out.name).read(), 5.0,
                       "the allowed message reached the spy")
            time.sleep(0.5)
        finally:
            spy.terminate()
            spy.wait()
            spy_out.close()
        seen = open(spy_out.name).read()
        for tag in forged:
            check(tag not in seen, f"forged message {tag} reached a subscriber")
        # B's telemetry is still B's own: never the forged 0.99.
        s = r.ctl_json("stats", "b")
        check(s["uuid"] == uuid_b, f"stats of b: {s}")
        # arts-ctl without the realm's CA, or with a wrong password: exit 3
        # with a hint, not a hang.
        bad_pw = r.path("etc", "bad.pw")
        with open(bad_pw, "w") as f:
            f.write("wrong\n")
        for label, extra in (("no CA", ["--username", "operator", "--password-file",
                                        os.path.join(etc, "operator.pw")]),
                             ("bad password", ["--username", "operator",
                                               "--password-file", bad_pw,
                                               "--cafile", ca])):
            rc, _, err = r.ctl("runtimes", timeout_ms=1500, check_rc=False,
                               extra=extra)
            check(rc == 3 and "TLS" in err and "credentials" in err,
                  f"arts-ctl with {label}: rc {rc} {err!r}")
        # The realm kept working throughout, operators' queries included.
        check(r.runtime("a", "A") and r.runtime("b", "A"), "runtimes died")
        h = r.ctl_json("history", "a", "system.memory.usage", "--since", "1m")
        check(h["runtime"] == uuid_a and len(h["points"]) >= 1,
              f"operator's history query under the ACL: {h}")
        r.assert_clean()


if __name__ == "__main__":
    run_cases({"acl": case_acl})
