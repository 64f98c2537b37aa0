"""Peers we did not write: FFmpeg (Debian's, installed by `make test`) sending the sample files
as MPEG-TS over UDP, and serving MJPEG over HTTP with its mpjpeg muxer, to 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.frames import Frame
from domain.telemetry import TelemetrySample
from drone_ai.adapters.video.mjpeg import MjpegHttpSource
from drone_ai.adapters.video.pyav_source import PyAvFrameSource
from drone_ai.errors import SourceError
from tests.conftest import DATA_DIR, SAMPLE_FLIGHT


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ffmpeg(*args: str) -> subprocess.Popen[bytes]:
    """FFmpeg with its defaults: the MJPEG server then sends application/octet-stream."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def stop_at_exit() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


@pytest.mark.parametrize(
    ("path", "frames", "packets"),
    [
        pytest.param(DATA_DIR / "h264_klv.ts", 30, 30, id="h264-klv-without-pts"),
        pytest.param(SAMPLE_FLIGHT, 10, 300, id="aphill-eg0104-with-pts"),
    ],
)
def test_every_frame_and_klv_packet_sent_over_udp_by_ffmpeg_arrives(
    path: Path, frames: int, packets: int, stop_at_exit: list[subprocess.Popen[bytes]]
) -> None:
    port = free_port(socket.SOCK_DGRAM)
    source = PyAvFrameSource(
        f"udp://127.0.0.1:{port}?fifo_size=100000&overrun_nonfatal=1", timeout_s=3.0
    )
    events: list[Frame | TelemetrySample] = []
    reader = threading.Thread(target=lambda: events.extend(source.events()))
    reader.start()
    time.sleep(0.5)  # the reader binds the port before anything is sent
    stop_at_exit.append(
        ffmpeg(
            "-readrate",
            "4",
            "-i",
            str(path),
            "-map",
            "0",
            "-c",
            "copy",
            "-f",
            "mpegts",
            f"udp://127.0.0.1:{port}?pkt_size=1316",
        )
    )
    reader.join(60.0)
    assert not reader.is_alive()
    assert sum(isinstance(e, Frame) for e in events) == frames
    assert sum(isinstance(e, TelemetrySample) for e in events) == packets
    assert source.telemetry_refused == {}


def test_mjpeg_served_by_ffmpeg_is_read_frame_for_frame(
    stop_at_exit: list[subprocess.Popen[bytes]],
) -> None:
    port = free_port(socket.SOCK_STREAM)
    stop_at_exit.append(
        ffmpeg(
            "-i",
            str(DATA_DIR / "h264_klv.ts"),
            "-map",
            "0:v",
            "-c:v",
            "mjpeg",
            "-q:v",
            "4",
            "-f",
            "mpjpeg",
            "-listen",
            "1",
            f"http://127.0.0.1:{port}/live",
        )
    )
    deadline = time.monotonic() + 20.0
    while True:
        try:
            frames = list(MjpegHttpSource(f"http://127.0.0.1:{port}/live").frames())
            break
        except SourceError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)  # FFmpeg is not listening yet
    assert len(frames) == 30
    assert all(f.image.shape == (120, 160, 3) for f in frames)


def test_an_rtsp_camera_is_read_through_the_same_pyav_path(
    stop_at_exit: list[subprocess.Popen[bytes]],
) -> None:
    port = free_port(socket.SOCK_STREAM)
    server = subprocess.Popen(
        [
            "/usr/bin/python3",
            str(Path(__file__).parent.parent / "rtsp_server.py"),
            str(port),
            str(DATA_DIR / "h264_klv.ts"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    stop_at_exit.append(server)
    assert server.stdout is not None and server.stdout.readline().strip() == b"ready"
    server.stdout.close()
    source = PyAvFrameSource(f"rtsp://127.0.0.1:{port}/camera", timeout_s=3.0)
    frames = [e for e in source.events() if isinstance(e, Frame)]
    assert len(frames) == 30
    assert frames[-1].image.shape == (120, 160, 3)
