"""Bad input of every kind, through the real sources: no crash, each refusal counted by reason,
memory bounded (peak RSS measured)."""

from __future__ import annotations

import contextlib
import random
import resource
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np

from domain.frames import Frame
from domain.telemetry import TelemetrySample
from drone_ai.adapters.klv.st0601 import encode_packet
from drone_ai.adapters.klv.udp import KlvUdpTelemetrySource
from drone_ai.adapters.video.mjpeg import MjpegHttpSource, PartRefusal
from drone_ai.adapters.video.pyav_source import PyAvFrameSource
from drone_ai.errors import SourceError
from tests.conftest import DATA_DIR

MB = 1024 * 1024


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def jpeg(shade: int) -> bytes:
    return cv2.imencode(".jpg", np.full((90, 160, 3), shade, dtype=np.uint8))[1].tobytes()


def serve_once(body_parts: list[bytes]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=b")
            self.end_headers()
            try:
                for chunk in body_parts:
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def test_corrupt_jpegs_and_a_100_mb_part_over_http_are_counted_and_skipped() -> None:
    def part(body: bytes, length: int | None = None) -> bytes:
        size = len(body) if length is None else length
        return (
            f"--b\r\nContent-Type: image/jpeg\r\nContent-Length: {size}\r\n\r\n".encode()
            + body
            + b"\r\n"
        )

    huge_head = part(b"", length=100 * MB)[:-2]  # headers announcing 100 MB, body streamed below
    chunk = b"\xff" * MB
    body = [
        part(jpeg(10)),
        part(b"\xff\xd8garbage"),
        huge_head,
        *([chunk] * 100),
        b"\r\n",
        part(jpeg(200)),
        b"--b--\r\n",
    ]
    server, url = serve_once(body)
    before = peak_rss_mb()
    try:
        source = MjpegHttpSource(url, max_part_bytes=8 * MB)
        frames = list(source.frames())
    finally:
        server.shutdown()
        server.server_close()
    assert len(frames) == 2
    assert source.counts.refused == {PartRefusal.CORRUPT_JPEG: 1, PartRefusal.TOO_LARGE: 1}
    assert peak_rss_mb() - before < 40  # the 100 MB part was never held


def test_a_truncated_transport_stream_gives_what_it_has(tmp_path: Path) -> None:
    whole = (DATA_DIR / "h264_klv.ts").read_bytes()
    for fraction in (0.3, 0.77):
        path = tmp_path / f"truncated_{fraction}.ts"
        path.write_bytes(whole[: int(len(whole) * fraction)])
        events = list(PyAvFrameSource(str(path)).events())
        frames = sum(isinstance(e, Frame) for e in events)
        assert 0 < frames < 30


def test_garbage_inside_a_transport_stream_costs_only_what_it_hit(tmp_path: Path) -> None:
    data = bytearray((DATA_DIR / "h264_klv.ts").read_bytes())
    rng = random.Random(5)
    for _ in range(20):
        at = rng.randrange(len(data) - 400)
        data[at : at + 300] = rng.randbytes(300)
    path = tmp_path / "damaged.ts"
    path.write_bytes(bytes(data))
    source = PyAvFrameSource(str(path))
    events = list(source.events())
    assert sum(isinstance(e, Frame) for e in events) >= 15
    assert sum(isinstance(e, TelemetrySample) for e in events) >= 15


def test_a_file_of_pure_garbage_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "noise.ts"
    path.write_bytes(random.Random(1).randbytes(200_000))
    # Either FFmpeg finds nothing to read (our SourceError), or no frame at all comes out.
    with contextlib.suppress(SourceError):
        assert not any(isinstance(e, Frame) for e in PyAvFrameSource(str(path)).events())


def test_a_klv_flood_of_junk_over_udp_is_counted_and_the_good_packets_survive() -> None:
    source = KlvUdpTelemetrySource()
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rng = random.Random(9)
    good = [encode_packet({2: 1_700_000_000_000_000 + i, 13: 10.0, 14: 20.0}) for i in range(20)]
    before = peak_rss_mb()
    received: list[TelemetrySample] = []
    reader = threading.Thread(target=lambda: received.extend(source.samples(idle_timeout_s=1.0)))
    reader.start()
    for i in range(4_000):
        junk = rng.randbytes(rng.randint(1, 1_400))
        if i % 7 == 0:
            junk = b"\x06\x0e\x2b\x34" + junk  # junk that starts like a key
        sender.sendto(junk, ("127.0.0.1", source.port))
        if i % 200 == 0:
            sender.sendto(good[i // 200], ("127.0.0.1", source.port))
        if i % 50 == 0:
            time.sleep(0.002)  # a flood, but not one the kernel itself drops on loopback
    reader.join(15.0)
    sender.close()
    source.close()
    assert len(received) == 20
    junk_received = source.datagrams - 20  # the socket may drop some of a flood: fine
    assert junk_received > 1_000
    assert source.counts.total >= junk_received  # every junk datagram refused, by reason
    assert peak_rss_mb() - before < 20
