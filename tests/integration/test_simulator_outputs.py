"""The simulator's streams, read by independent readers: FFmpeg's ffprobe, PyAV, klvdata,
OpenCV's HTTP MJPEG client, and a plain UDP socket."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import cv2
import klvdata
import pytest

from drone_ai.adapters.klv.files import KlvFileTelemetrySource
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.adapters.klv.reader import KlvTelemetryDecoder
from drone_ai.adapters.klv.st0601 import ST0601
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.live import LiveFlight
from drone_ai.adapters.simulator.mpegts_writer import PTS_HZ, write_mpegts
from drone_ai.adapters.simulator.scenario import scenario_from_mapping

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SMALL = {
    "duration_s": 3,
    "fps": 10,
    "telemetry_hz": 7,
    "camera": {"width_px": 640, "height_px": 360},
}


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulatedFlight, Path]:
    flight = SimulatedFlight(scenario_from_mapping(SMALL))
    path = tmp_path_factory.mktemp("sim") / "flight.ts"
    write_mpegts(flight, path)
    return flight, path


def test_ffprobe_sees_h264_video_and_a_klv_data_stream(
    stream: tuple[SimulatedFlight, Path],
) -> None:
    _, path = stream
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    streams = json.loads(probe.stdout)["streams"]
    assert [(s["codec_type"], s["codec_name"]) for s in streams] == [
        ("video", "h264"),
        ("data", "klv"),
    ]
    assert streams[0]["width"] == 640 and streams[0]["height"] == 360


def test_pyav_reads_every_frame_and_every_klv_packet_with_its_pts(
    stream: tuple[SimulatedFlight, Path],
) -> None:
    flight, path = stream
    with av.open(str(path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == flight.frame_count
    packets = list(KlvFileTelemetrySource(path, DecodePolicy.STRICT).packets())
    assert len(packets) == flight.packet_count
    for index, packet in enumerate(packets):
        t_us = flight.packet_time_us(index)
        assert packet.decoded.packet.items[2] == t_us
        # The PTS is the video time of the instant the packet describes.
        assert packet.pts_90khz == round((t_us - flight.scenario.start_utc_us) * PTS_HZ / 1e6)


def test_every_klv_packet_of_the_stream_reads_the_same_with_klvdata(
    stream: tuple[SimulatedFlight, Path],
) -> None:
    _, path = stream
    compared = 0
    for packet in KlvFileTelemetrySource(path, DecodePolicy.STRICT).packets():
        ours = packet.decoded.packet.items
        raw = _packet_bytes(path, packet.decoded.packet.offset, packet.decoded.packet.size)
        [theirs] = list(klvdata.StreamParser(raw))
        values = {int.from_bytes(k, "big"): item.value.value for k, item in theirs.items.items()}
        assert set(values) - {1} == set(ours)  # every item we sent, no more, no less
        for tag, value in values.items():
            if tag == 1:
                continue  # the checksum: ours is verified, not returned as an item
            mine = ours[tag]
            if isinstance(value, datetime):
                assert abs((value - EPOCH) // timedelta(microseconds=1) - mine) <= 1  # type: ignore[operator]
            elif isinstance(mine, str):
                assert value == mine, f"item {tag}"
            else:
                step = ST0601.specs[tag].fmt.resolution or 1e-9
                assert abs(float(value) - float(mine)) <= 2 * step, f"item {tag}"  # type: ignore[arg-type]
            compared += 1
    assert compared > 20 * 20


def _packet_bytes(path: Path, offset: int, size: int) -> bytes:
    from drone_ai.adapters.klv.mpegts import read_klv_units

    stream = b"".join(unit.data for unit in read_klv_units(path))
    return stream[offset : offset + size]


def test_the_live_flight_is_read_by_opencv_at_its_frame_rate_with_klv_over_udp() -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(0.5)
    flight = SimulatedFlight(scenario_from_mapping(SMALL))
    live = LiveFlight(flight, klv_udp_port=receiver.getsockname()[1])
    live.start(wait_for_client_s=30.0)
    try:
        capture = cv2.VideoCapture(live.video_url)
        arrivals = []
        while True:
            ok, image = capture.read()
            if not ok:
                break
            arrivals.append(time.monotonic())
            assert image.shape == (360, 640, 3)
        capture.release()
        assert live.wait(10.0)
    finally:
        live.stop()
    assert len(arrivals) >= flight.frame_count - 1  # the first may race the connection
    rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    assert rate == pytest.approx(10.0, rel=0.15)
    decoder = KlvTelemetryDecoder(DecodeContext(DecodePolicy.STRICT))
    datagrams = []
    while True:
        try:
            datagrams.append(receiver.recv(65_536))
        except TimeoutError:
            break
    receiver.close()
    assert len(datagrams) == flight.packet_count
    assert all(len(decoder.feed(d)) == 1 for d in datagrams)  # one whole packet per datagram
