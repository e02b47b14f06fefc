#!/usr/bin/python3
"""WASI through arts-wasm: a wasi-libc program checks args, environment,
clocks, randomness, stdio, poll, file and directory calls, and tries to
escape its preopen (.., absolute paths, symlinks out, links and renames from
outside). Every check line must say ok, the exit status must be 7, stderr
must carry its line, and nothing outside the preopen may change.

usage: test_wasi_run.py ARTS_WASM WASI_CHECK.wasm [strict]
  strict: run with ARTS_WASI_NO_OPENAT2=1 (the walk that stands in for openat2)
"""
import os
import shlex
import subprocess
import sys
import tempfile

# Cross builds: the command (qemu-user) that runs the built program, from
# meson's test environment (empty natively).
WRAP = shlex.split(os.environ.get('ARTS_EXE_WRAPPER', ''))


def snapshot_tree(root):
    out = {}
    for d, dirs, files in os.walk(root, followlinks=False):
        for n in dirs + files:
            p = os.path.join(d, n)
            st = os.lstat(p)
            out[os.path.relpath(p, root)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def main():
    arts, prog = sys.argv[1], sys.argv[2]
    strict = len(sys.argv) > 3 and sys.argv[3] == 'strict'
    with tempfile.TemporaryDirectory(prefix='arts-wasi-') as tmp:
        box = os.path.join(tmp, 'box')
        os.mkdir(box)
        os.symlink('/etc', os.path.join(box, 'out'))
        os.symlink('..', os.path.join(box, 'up'))
        with open(os.path.join(tmp, 'secret.txt'), 'w') as f:
            f.write('secret\n')
        outside = {k: v for k, v in snapshot_tree(tmp).items()
                   if not k.startswith('box')}
        env = dict(os.environ)
        if strict:
            env['ARTS_WASI_NO_OPENAT2'] = '1'
        cmd = WRAP + [arts, 'run', '--dir', box + '::/data', '--env',
               'ARTS_CHECK=yes=really', prog, 'one', 'two words']
        if strict:
            cmd.append('strict')
        p = subprocess.run(cmd, input=b'hello\n', stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=120)
        out = p.stdout.decode()
        lines = out.splitlines()
        bad = [l for l in lines[:-1] if not l.endswith(' ok')]
        ok = True
        if bad or len(lines) < 40 or lines[-1] != '0 failed':
            print('checks failed:\n' + '\n'.join(bad or lines[-3:]))
            ok = False
        if p.returncode != 7:
            print('exit status %d, expected 7' % p.returncode)
            ok = False
        if p.stderr != b'to stderr\n':
            print('stderr: %r' % p.stderr)
            ok = False
        after = {k: v for k, v in snapshot_tree(tmp).items()
                 if not k.startswith('box')}
        if after != outside:
            print('outside the preopen changed: %r -> %r' % (outside, after))
            ok = False
        for name in ('evil', 'evil.txt', 'stolen', 'hard', 'abs'):
            for d in (tmp, box):
                if os.path.lexists(os.path.join(d, name)):
                    print('%s exists in %s' % (name, d))
                    ok = False
        print('%d checks passed%s' % (len(lines) - 1 - len(bad),
                                       ' (strict)' if strict else ''))
        sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
