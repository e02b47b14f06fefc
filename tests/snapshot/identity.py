#!/usr/bin/python3
"""Snapshot identity: a program snapshotted at many points of its run and
resumed in a fresh arts-wasm process (also in chains of snapshot -> resume
-> snapshot -> resume) must produce byte-for-byte the stdout, the files and
the exit status of an uninterrupted run.

usage: identity.py [--files] [--stdin TEXT-FILE] [--points N] [--no-node]
                   ARTS_WASM PROG.wasm [ARGS...]
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

# Cross builds: the command (qemu-user) that runs the built program, from
# meson's test environment (empty natively).
WRAP = shlex.split(os.environ.get('ARTS_EXE_WRAPPER', ''))

TIMEOUT = 300


def tree(root):
    """Every file under ROOT: relative path -> bytes (dirs -> None)."""
    out = {}
    for d, dirs, files in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(d, name), root)] = None
        for name in files:
            p = os.path.join(d, name)
            with open(p, 'rb') as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


class Runner:
    def __init__(self, opts, work):
        self.o = opts
        self.work = work
        self.n = 0

    def fresh(self):
        self.n += 1
        d = os.path.join(self.work, 'run%d' % self.n)
        os.makedirs(os.path.join(d, 'data'))
        return d

    def dir_args(self, d):
        return ['--dir', os.path.join(d, 'data') + '::/data'] if self.o.files else []

    def run(self, cmd, stdin=b''):
        p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr

    def start(self, d, snap_ms=None, snap=None, stdin=b''):
        cmd = WRAP + [self.o.arts_wasm, 'run'] + self.dir_args(d)
        if snap_ms is not None:
            cmd += ['--snapshot-after-ms', str(snap_ms), '--snapshot-file', snap]
        return self.run(cmd + [self.o.prog] + self.o.args, stdin)

    def resume(self, d, snap, snap_ms=None, out=None, stdin=b''):
        cmd = WRAP + [self.o.arts_wasm, 'resume'] + self.dir_args(d)
        if snap_ms is not None:
            cmd += ['--snapshot-after-ms', str(snap_ms), '--snapshot-file', out]
        return self.run(cmd + [snap], stdin)


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def check(name, ref, got):
    rc, out, files = got
    if out != ref[1]:
        sys.stderr.write('--- expected stdout\n%s\n--- got\n%s\n' % (
            ref[1].decode(errors='replace')[-2000:],
            out.decode(errors='replace')[-2000:]))
        fail('%s: stdout differs' % name)
    if rc != ref[0]:
        fail('%s: exit status %d, expected %d' % (name, rc, ref[0]))
    if files != ref[2]:
        fail('%s: files differ: %s vs %s' % (name, sorted(files), sorted(ref[2])))


def chain(r, ref, stdin, points, label):
    """Snapshot after POINTS[0] ms, resume and snapshot after POINTS[1] ms,
    ..., then resume to the end. Returns how many snapshots were taken."""
    d = r.fresh()
    snap = os.path.join(d, 's0.snap')
    rc, out, err = r.start(d, points[0], snap, stdin)
    taken = 0
    k = 0
    while os.path.exists(snap):
        if rc != 0:
            fail('%s: the snapshotting run exited %d: %s' % (label, rc, err.decode()))
        taken += 1
        k += 1
        nxt = os.path.join(d, 's%d.snap' % k)
        if k < len(points):
            rc, o2, err = r.resume(d, snap, points[k], nxt)
        else:
            rc, o2, err = r.resume(d, snap)
        out += o2
        os.unlink(snap)
        snap = nxt
    check('%s (%d snapshots)' % (label, taken), ref,
          (rc, out, tree(os.path.join(d, 'data'))))
    return taken


def moved(r, ref, point):
    """A migration: snapshot, copy the preopened directory elsewhere (as
    if to another machine), delete the original, resume with --dir
    mapping /data to the copy. Returns 1 if a snapshot was taken."""
    d = r.fresh()
    snap = os.path.join(d, 'm.snap')
    rc, out, err = r.start(d, point, snap)
    if not os.path.exists(snap):
        return 0
    d2 = r.fresh()
    shutil.rmtree(os.path.join(d2, 'data'))
    shutil.copytree(os.path.join(d, 'data'), os.path.join(d2, 'data'),
                    symlinks=True)
    shutil.rmtree(os.path.join(d, 'data'))
    rc, o2, err = r.resume(d2, snap)
    check('moved directory (snapshot at %d ms)' % point, ref,
          (rc, out + o2, tree(os.path.join(d2, 'data'))))
    return 1


def stdin_cases(r, ref, text):
    """Snapshots while the program waits for input: before any input, and
    after part of it (all of it read, the rest fed to the resume)."""
    lines = text.splitlines(keepends=True)
    half = len(lines) // 2
    part1, part2 = b''.join(lines[:half]), b''.join(lines[half:])
    taken = 0
    # 1. Nothing written yet: the run waits in fd_read and is snapshotted.
    d = r.fresh()
    snap = os.path.join(d, 'a.snap')
    cmd = WRAP + [r.o.arts_wasm, 'run', '--snapshot-after-ms', '300', '--snapshot-file',
           snap, r.o.prog] + r.o.args
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out1 = p.stdout.read()  # stdin stays open until it exits
    p.wait(timeout=TIMEOUT)
    p.stdin.close()
    if p.returncode != 0 or not os.path.exists(snap):
        fail('stdin: no snapshot while waiting for the first input')
    rc, out2, _ = r.resume(d, snap, stdin=text)
    check('stdin: snapshot before any input', ref, (rc, out1 + out2, {}))
    taken += 1
    # 2. Half the input read and echoed, then snapshot while waiting.
    for wait_ms in (1000, 3000, 10000):
        d = r.fresh()
        snap = os.path.join(d, 'b.snap')
        cmd = WRAP + [r.o.arts_wasm, 'run', '--snapshot-after-ms', str(wait_ms),
               '--snapshot-file', snap, r.o.prog] + r.o.args
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        p.stdin.write(part1)
        p.stdin.flush()
        out1 = p.stdout.read()  # until it exits after the snapshot
        p.wait(timeout=TIMEOUT)
        p.stdin.close()
        if out1.count(b'\n') < half:
            continue  # paused before it read everything: try a later point
        if p.returncode != 0 or not os.path.exists(snap):
            fail('stdin: no snapshot after the first half of the input')
        rc, out2, _ = r.resume(d, snap, stdin=part2)
        check('stdin: snapshot after half the input', ref, (rc, out1 + out2, {}))
        taken += 1
        break
    else:
        fail('stdin: the program never finished reading the first half')
    return taken


def node_same(o, r, ref, text):
    """Node's WASI (the project's reference for output) must agree with
    the uninterrupted arts-wasm run. Skipped without node."""
    node = shutil.which('node')
    src = os.environ.get('ARTS_SOURCE_DIR', os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..'))
    runner = os.path.join(src, 'bench', 'engine', 'node-wasi.mjs')
    if not node or not os.path.exists(runner):
        print('node: not found, output not compared')
        return
    d = r.fresh()
    env = dict(os.environ)
    if o.files:
        env['ARTS_NODE_DIR'] = os.path.join(d, 'data') + '::/data'
    p = subprocess.run([node, '--no-warnings', runner, o.prog] + o.args,
                       input=text, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=TIMEOUT)
    check('node reference run', ref,
          (p.returncode, p.stdout, tree(os.path.join(d, 'data'))))
    print('node: same output, files and status')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('arts_wasm')
    ap.add_argument('prog')
    ap.add_argument('--files', action='store_true')
    ap.add_argument('--stdin')
    ap.add_argument('--points', type=int, default=8)
    ap.add_argument('--no-node', action='store_true',
                    help='skip the comparison with node (its sleeps may end '
                         'up to a millisecond early)')
    ap.add_argument('args', nargs='*')
    o = ap.parse_args()
    work = tempfile.mkdtemp(prefix='arts-identity-')
    try:
        r = Runner(o, work)
        text = b''
        if o.stdin:
            with open(o.stdin, 'rb') as f:
                text = f.read()
        d = r.fresh()
        t0 = time.monotonic()
        rc, out, err = r.start(d, stdin=text)
        ms = (time.monotonic() - t0) * 1000
        ref = (rc, out, tree(os.path.join(d, 'data')))
        if rc not in (0, 3) or not out:
            fail('reference run: status %d, stderr %s' % (rc, err.decode()))
        # The same again: a program that is not deterministic by itself
        # cannot be checked this way.
        d = r.fresh()
        check('second reference run', ref, (lambda x: (x[0], x[1], tree(
            os.path.join(d, 'data'))))(r.start(d, stdin=text)))
        print('reference: %.0f ms, %d bytes of stdout, status %d' %
              (ms, len(out), rc))
        if not o.no_node:
            node_same(o, r, ref, text)
        taken = 0
        if o.stdin:
            taken += stdin_cases(r, ref, text)
        else:
            # Over the first 80% of the reference time: the timer starts
            # after the module is loaded, so the last points could
            # otherwise fall after the end.
            pts = [max(1, int(0.8 * ms * (i + 1) / (o.points + 1)))
                   for i in range(o.points)]
            for p in pts:
                taken += chain(r, ref, text, [p], 'snapshot at %d ms' % p)
            # Chains: three snapshots within one run.
            step = max(1, int(ms / 5))
            taken += chain(r, ref, text, [step, step, step],
                           'chain every %d ms' % step)
            # The earliest point possible.
            taken += chain(r, ref, text, [0], 'snapshot at 0 ms')
            if o.files:
                taken += moved(r, ref, max(1, int(ms / 2)))
            if taken < o.points // 2:
                fail('only %d snapshots were taken: the runs ended first' % taken)
        print('ok: %d snapshots resumed with identical results' % taken)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
