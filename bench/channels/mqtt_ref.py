"""The reference for bench/channels: a bare MQTT 3.1.1 client (standard
library sockets, QoS 0) that publishes to a topic it subscribes, through
the same broker: one broker round trip, timed the same way as a channel
message. A channel round trip between two modules crosses the broker
twice (ping, pong) plus both agents and both engines."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), "tests", "lib"))
from artsrealm import RawPublisher  # noqa: E402


def round_trips(port, n, size, topic="ref/bench"):
    """Sorted round-trip times in microseconds."""
    c = RawPublisher(port, nodelay=True, keepalive=30)
    c.subscribe(topic)
    pub = c.publish_packet(topic, b"x" * size)
    lat = []
    for _ in range(n):
        t0 = time.monotonic()
        c.sock.sendall(pub)
        kind, _ = c.read()
        while kind >> 4 != 3:
            kind, _ = c.read()
        lat.append((time.monotonic() - t0) * 1e6)
    c.close()
    return sorted(lat)
