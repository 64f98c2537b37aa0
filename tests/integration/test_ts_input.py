"""MPEG-TS bytes the tower reads itself: PyAV demuxes them as it would its own input, and every
byte is handed to the tap once, in order (what a recorder keeps: issue 8's lossless input)."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from pathlib import Path

from domain.frames import Frame
from drone_ai import bootstrap
from drone_ai.adapters.video.pyav_source import PyAvFrameSource
from drone_ai.adapters.video.ts_input import TappedFile, UdpTsReader

DATAGRAM_BYTES = 7 * 188  # as UDP senders of MPEG-TS pack them


class Tapped:
    def __init__(self) -> None:
        self.chunks: list[tuple[int, bytes]] = []

    def __call__(self, received_us: int, chunk: bytes) -> None:
        self.chunks.append((received_us, chunk))

    def digest(self) -> str:
        return hashlib.sha256(b"".join(c for _, c in self.chunks)).hexdigest()


def flight(tmp_path: Path) -> Path:
    path = tmp_path / "flight.ts"
    bootstrap.simulate_to_path(None, path, duration_s=2.0)
    return path


def test_a_file_is_demuxed_and_tapped_byte_for_byte(tmp_path: Path) -> None:
    path = flight(tmp_path)
    tap = Tapped()
    source = PyAvFrameSource(str(path), reader=lambda: TappedFile(path, tap))
    events = list(source.events())
    assert sum(isinstance(e, Frame) for e in events) == 60
    assert len(events) > 60  # and the KLV's samples
    assert tap.digest() == hashlib.sha256(path.read_bytes()).hexdigest()
    times = [t for t, _ in tap.chunks]
    assert times == sorted(times)


def test_udp_datagrams_are_demuxed_and_each_tapped_whole(tmp_path: Path) -> None:
    path = flight(tmp_path)
    data = path.read_bytes()
    tap = Tapped()
    reader = UdpTsReader(0, "127.0.0.1", tap, idle_timeout_s=1.0)
    source = PyAvFrameSource(f"udp://127.0.0.1:{reader.port}", reader=lambda: reader)
    events: list[object] = []
    demuxing = threading.Thread(target=lambda: events.extend(source.events()))
    demuxing.start()
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for offset in range(0, len(data), DATAGRAM_BYTES):
            sender.sendto(data[offset : offset + DATAGRAM_BYTES], ("127.0.0.1", reader.port))
            sent += 1
            time.sleep(0.002)  # about real time: the kernel's buffer need not hold a burst
    demuxing.join(30.0)
    reader.close()
    assert not demuxing.is_alive()
    assert reader.datagrams == sent == len(tap.chunks)
    assert all(len(c) == DATAGRAM_BYTES for _, c in tap.chunks[:-1])
    assert tap.digest() == hashlib.sha256(data).hexdigest()
    assert sum(isinstance(e, Frame) for e in events) == 60


def test_a_stopped_udp_source_ends_at_once_though_its_peer_is_quiet(tmp_path: Path) -> None:
    data = flight(tmp_path).read_bytes()
    reader = UdpTsReader(0, "127.0.0.1", Tapped(), idle_timeout_s=60.0)
    source = PyAvFrameSource(f"udp://127.0.0.1:{reader.port}", reader=lambda: reader)
    frames: list[object] = []
    demuxing = threading.Thread(target=lambda: frames.extend(source.events()))
    demuxing.start()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for offset in range(0, len(data) // 2, DATAGRAM_BYTES):
            sender.sendto(data[offset : offset + DATAGRAM_BYTES], ("127.0.0.1", reader.port))
            time.sleep(0.002)
    time.sleep(0.5)  # the peer has gone quiet: the demuxer waits in a read
    began_s = time.monotonic()
    source.stop()
    demuxing.join(10.0)
    stopped_s = time.monotonic() - began_s
    assert not demuxing.is_alive()
    assert stopped_s < 10.0, stopped_s  # not the 60 s idle timeout, however often PyAV reads
    assert reader.read() == b""  # and it stays ended
    assert any(isinstance(e, Frame) for e in frames)
