#!/usr/bin/python3
"""arts-wasm inspect describes a good snapshot; arts-wasm resume refuses bad snapshots with a clear message, exit
status 1 and no output from the program: missing, empty, not a snapshot,
truncated, bit-flipped, a preopened directory that vanished, a file the
program held open that vanished. Bad option combinations exit 2.

usage: test_resume_errors.py ARTS_WASM FILES.wasm
"""
import os
import shlex
import subprocess
import sys
import tempfile

# Cross builds: the command (qemu-user) that runs the built program, from
# meson's test environment (empty natively).
WRAP = shlex.split(os.environ.get('ARTS_EXE_WRAPPER', ''))

failures = 0

CRC_TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    CRC_TABLE.append(c)


def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = CRC_TABLE[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def var(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def with_memory(snap, payload):
    """SNAP with section 3 (memory) replaced by PAYLOAD, resealed."""
    out, at = bytearray(snap[:9]), 9
    while snap[at]:
        n = sum((snap[at + 1 + i] & 0x7F) << (7 * i) for i in range(5))
        if snap[at] == 3:
            ln = len(payload)
            out += bytes([3] + [((ln >> (7 * i)) & 0x7F) | (0x80 if i < 4 else 0)
                                for i in range(5)]) + payload
        else:
            out += snap[at:at + 6 + n]
        at += 6 + n
    out += snap[at:-4]
    return bytes(out) + crc32c(out).to_bytes(4, 'little')


def expect(name, cmd, status, needle):
    global failures
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    err = p.stderr.decode(errors='replace')
    if p.returncode != status or needle not in err or p.stdout:
        print('FAIL %s: status %d, stdout %r, stderr %r' % (
            name, p.returncode, p.stdout[:200], err))
        failures += 1
    else:
        print('ok %s: %s' % (name, err.strip().splitlines()[-1]))


def main():
    global failures
    arts, prog = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='arts-resume-') as tmp:
        data = os.path.join(tmp, 'data')
        os.mkdir(data)
        snap = os.path.join(tmp, 'good.snap')
        # files.wasm with many rounds: still running after 150 ms.
        p = subprocess.run(WRAP + [arts, 'run', '--dir', data + '::/data',
                            '--snapshot-after-ms', '150', '--snapshot-file',
                            snap, prog, '100000'], stdout=subprocess.PIPE,
                           timeout=60)
        if p.returncode != 0 or not os.path.exists(snap):
            print('FAIL: no snapshot to work with')
            sys.exit(1)
        good = open(snap, 'rb').read()

        def variant(name, blob):
            path = os.path.join(tmp, name + '.snap')
            with open(path, 'wb') as f:
                f.write(blob)
            return path

        p = subprocess.run(WRAP + [arts, 'inspect', snap], stdout=subprocess.PIPE,
                           timeout=60)
        text = p.stdout.decode()
        if p.returncode != 0 or 'frames' not in text or '#0' not in text:
            print('FAIL inspect: %d %r' % (p.returncode, text))
            failures += 1
        else:
            print('ok inspect: ' + text.splitlines()[-1])
        expect('inspect-bad', WRAP + [arts, 'inspect', variant('cut0', good[:100])], 1,
               'checksum')
        expect('missing', WRAP + [arts, 'resume', os.path.join(tmp, 'nope')], 1,
               'No such file')
        expect('empty', WRAP + [arts, 'resume', variant('empty', b'')], 1,
               'too short')
        expect('not-a-snapshot', WRAP + [arts, 'resume', variant('text', b'hello world\n' * 10)],
               1, 'not an ARTS snapshot')
        expect('truncated', WRAP + [arts, 'resume', variant('cut', good[:len(good) // 2])],
               1, 'checksum')
        flipped = bytearray(good)
        flipped[len(good) // 3] ^= 0x10
        expect('bit-flip', WRAP + [arts, 'resume', variant('flip', bytes(flipped))],
               1, 'checksum')
        expect('oversized', WRAP + [arts, 'resume', variant('big', good + b'\0' * 64)],
               1, 'bad snapshot')
        # Memory64-sized page and run counts, checksum and all in order:
        # refused before anything is allocated, on 32- and 64-bit hosts.
        expect('pages-2^40', WRAP + [arts, 'resume', variant(
            'pages40', with_memory(good, var(1) + var(1 << 40) + var(0)))],
            1, 'bad snapshot: memory: memory larger than 4 GiB')
        expect('runs-2^64', WRAP + [arts, 'resume', variant(
            'runs64', with_memory(good, var(1) + var(16) + var(2**64 - 1)))],
            1, 'bad snapshot: memory: count out of bounds')
        expect('directory', WRAP + [arts, 'resume', tmp], 1, 'not a regular file')
        expect('options', WRAP + [arts, 'resume', '--snapshot-after-ms', '5', snap], 2,
               'go together')
        # The program's open log file vanished before the resume.
        os.rename(os.path.join(data, 'log.txt'), os.path.join(tmp, 'log.txt'))
        expect('file-vanished', WRAP + [arts, 'resume', snap], 1, 'cannot reopen')
        os.rename(os.path.join(tmp, 'log.txt'), os.path.join(data, 'log.txt'))
        # The preopened directory vanished.
        os.rename(data, data + '.gone')
        expect('preopen-vanished', WRAP + [arts, 'resume', snap], 1, 'preopen')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
