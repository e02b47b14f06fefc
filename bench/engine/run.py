#!/usr/bin/python3
"""The engine benchmark (not a test): each program of bench/engine/programs
compiled natively (gcc -O2) and to wasm32-wasi (clang -O2), timed natively,
with arts-wasm, with Node's V8 (node:wasi) and, for an import-free build,
with wabt's wasm-interp; every time is printed as a ratio to native measured
in the same run (whole-process wall time, best of N). Then the fuel-counting
overhead and the pause/snapshot/restore times of a 64 MiB instance with 10%
of it touched.

usage: run.py ARTS_WASM ENGINE_BENCH [--reps N] [--only NAME]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROGS = os.path.join(HERE, 'programs')
NAMES = ['intmark', 'floatk', 'memk', 'callk']
DESC = {'intmark': 'integer (CoreMark-style)', 'floatk': 'floating point',
        'memk': 'memory-bound', 'callk': 'call-heavy recursion'}
INTERP_SCALE = 1   # wasm-interp is ~250x native: a tenth of the work


def sh(cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def timed(cmd, reps):
    """Best wall time of REPS runs of CMD, and its stdout."""
    best, out = None, None
    for _ in range(reps):
        t0 = time.monotonic()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t = time.monotonic() - t0
        if p.returncode != 0:
            raise RuntimeError('%s: status %d: %s' % (' '.join(cmd), p.returncode,
                                                      p.stderr.decode()[-500:]))
        out = p.stdout
        best = t if best is None or t < best else best
    return best, out


def build(work, name):
    src = os.path.join(PROGS, name + '.c')
    native = os.path.join(work, name)
    wasm = os.path.join(work, name + '.wasm')
    free = os.path.join(work, name + '-noimports.wasm')
    sh(['gcc', '-O2', src, '-o', native, '-lm'])
    sh(['clang', '--target=wasm32-wasi', '-O2', src, '-o', wasm])
    sh(['clang', '--target=wasm32-wasi', '-O2', '-nostartfiles',
        '-Wl,--no-entry', '-DBENCH_NO_LIBC', '-DSCALE=%d' % INTERP_SCALE,
        src, '-o', free])
    return native, wasm, free


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('arts_wasm')
    ap.add_argument('engine_bench')
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--only')
    o = ap.parse_args()
    node = shutil.which('node')
    interp = shutil.which('wasm-interp')
    runner = os.path.join(HERE, 'node-wasi.mjs')
    work = tempfile.mkdtemp(prefix='arts-bench-')
    rows = []
    try:
        for name in NAMES:
            if o.only and name != o.only:
                continue
            native, wasm, free = build(work, name)
            tn, want = timed([native], o.reps)
            ta, got = timed([o.arts_wasm, 'run', wasm], o.reps)
            if got != want:
                raise RuntimeError('%s: arts-wasm printed %r, native %r' % (name, got, want))
            tv = None
            if node:
                tv, got = timed([node, '--no-warnings', runner, wasm], o.reps)
                if got != want:
                    raise RuntimeError('%s: node printed %r' % (name, got))
            ti = None
            if interp:
                tn1, _ = timed([native, str(INTERP_SCALE)], o.reps)
                t1, _ = timed([interp, '--run-all-exports', free], 1)
                ti = t1 / tn1
            rows.append((name, tn, ta / tn, tv / tn if tv else None, ti))
            sys.stdout.flush()
        print()
        print('engine benchmark (wall time; ratio to native gcc -O2 in this run; lower is better)')
        print('%-26s %10s %10s %10s %12s' % ('program', 'native s', 'arts-wasm', 'node', 'wasm-interp'))
        for name, tn, ra, rv, ri in rows:
            print('%-26s %10.3f %9.1fx %10s %12s' % (
                DESC[name], tn, ra, '%.2fx' % rv if rv else '-',
                '%.0fx' % ri if ri else '-'))
        if interp:
            print('(wasm-interp runs an import-free build with 1/10 of the work, '
                  'against native at the same scale)')

        if not o.only or o.only == 'intmark':
            wasm = os.path.join(work, 'intmark.wasm')
            p = subprocess.run([o.engine_bench, 'fuel', wasm], stdout=subprocess.PIPE,
                               check=True)
            v = dict(l.split()[:2] for l in p.stdout.decode().splitlines())
            on, off = float(v['fuel_on_s']), float(v['fuel_off_s'])
            print()
            print('fuel counting: %.3f s with, %.3f s without: overhead %+.1f%%' %
                  (on, off, (on / off - 1) * 100))

        touch = os.path.join(work, 'touch64.wasm')
        sh(['clang', '--target=wasm32-wasi', '-O2',
            os.path.join(PROGS, 'touch64.c'), '-o', touch])
        p = subprocess.run([o.engine_bench, 'snapshot', touch],
                           stdout=subprocess.PIPE, check=True)
        print()
        print('snapshot of a 64 MiB instance, 10% touched (engine-bench):')
        for line in p.stdout.decode().splitlines():
            print('  ' + line)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
