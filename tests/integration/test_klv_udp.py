"""KLV over UDP on 127.0.0.1: one or several packets per datagram."""

from __future__ import annotations

import socket
import threading
import time

from drone_ai.adapters.klv.st0601 import encode_packet
from drone_ai.adapters.klv.udp import KlvUdpTelemetrySource


def packet(t_us: int) -> bytes:
    return encode_packet({2: t_us, 13: 1.0, 14: 2.0})


def test_several_packets_in_one_datagram_and_one_per_datagram_all_arrive() -> None:
    tapped: list[tuple[int, bytes]] = []
    source = KlvUdpTelemetrySource(tap=lambda t_us, datagram: tapped.append((t_us, datagram)))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(packet(1) + packet(2) + packet(3), ("127.0.0.1", source.port))
        sender.sendto(packet(4), ("127.0.0.1", source.port))
        sender.sendto(packet(5)[:30], ("127.0.0.1", source.port))  # cut short
        sender.sendto(packet(6), ("127.0.0.1", source.port))
    try:
        times = [s.t_us for s in source.samples(idle_timeout_s=0.5)]
    finally:
        source.close()
    assert times == [1, 2, 3, 4, 6]
    assert source.datagrams == 4
    # Kept as they came, the cut one too: a recording loses nothing the tower received.
    assert [d for _, d in tapped] == [
        packet(1) + packet(2) + packet(3),
        packet(4),
        packet(5)[:30],
        packet(6),
    ]
    assert source.counts.as_dict() == {"truncated": 1}  # the cut packet is its datagram's own


def test_without_an_idle_timeout_it_listens_through_silence_until_closed() -> None:
    source = KlvUdpTelemetrySource()
    got: list[int] = []

    def read() -> None:
        got.extend(s.t_us for s in source.samples(idle_timeout_s=None))

    reader = threading.Thread(target=read)
    reader.start()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(packet(1), ("127.0.0.1", source.port))
        time.sleep(1.5)  # longer than a read's wait: an outage, not the end
        sender.sendto(packet(2), ("127.0.0.1", source.port))
        time.sleep(0.3)
    source.close()
    reader.join(5.0)
    assert not reader.is_alive() and got == [1, 2]
