"""The reference for bench/channels: a bare MQTT 3.1.1 client (standard
library sockets, QoS 0) that publishes to a topic it subscribes, through
the same broker: one broker round trip, timed the same way as a channel
message. A channel round trip between two modules crosses the broker
twice (ping, pong) plus both agents and both engines."""

import socket
import struct
import time


def _remaining(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _str(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def _packet(kind, body):
    return bytes([kind]) + _remaining(len(body)) + body


def _read(sock):
    hdr = sock.recv(1)
    if not hdr:
        raise ConnectionError("broker closed")
    mult, n = 1, 0
    while True:
        b = sock.recv(1)[0]
        n += (b & 0x7f) * mult
        mult *= 128
        if not b & 0x80:
            break
    body = b""
    while len(body) < n:
        chunk = sock.recv(n - len(body))
        if not chunk:
            raise ConnectionError("broker closed")
        body += chunk
    return hdr[0], body


def round_trips(port, n, size, topic="ref/bench"):
    """Sorted round-trip times in microseconds."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(_packet(0x10, _str("MQTT") + bytes([4, 2]) +
                      struct.pack("!H", 30) + _str("arts-bench-ref")))
    _read(s)  # CONNACK
    s.sendall(_packet(0x82, struct.pack("!H", 1) + _str(topic) + b"\x00"))
    _read(s)  # SUBACK
    payload = b"x" * size
    pub = _packet(0x30, _str(topic) + payload)
    lat = []
    for _ in range(n):
        t0 = time.monotonic()
        s.sendall(pub)
        kind, _ = _read(s)
        while kind >> 4 != 3:
            kind, _ = _read(s)
        lat.append((time.monotonic() - t0) * 1e6)
    s.close()
    return sorted(lat)
