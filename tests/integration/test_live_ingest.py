"""Ingest against the simulator: its MJPEG over HTTP and its KLV over UDP, read by our sources,
synchronised, and compared with the pose the simulator flew."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from pathlib import Path

from domain.footprint import horizontal_distance_m
from domain.frames import FrameClock
from domain.synchronisation import SyncKind, angular_difference_deg
from drone_ai.adapters.klv.udp import KlvUdpTelemetrySource
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.live import LiveFlight
from drone_ai.adapters.simulator.mpegts_writer import write_mpegts
from drone_ai.adapters.simulator.scenario import scenario_from_mapping
from drone_ai.adapters.video.live_feed import LiveFlightFeed
from drone_ai.adapters.video.mjpeg import MjpegHttpSource
from drone_ai.adapters.video.pyav_source import PyAvFrameSource
from drone_ai.services.ingest import SyncedFrame, synchronise

SCENARIO = {
    "duration_s": 60,
    "fps": 30,
    "telemetry_hz": 25,
    "telemetry_offset_ms": 7,
    "camera": {"width_px": 640, "height_px": 360, "hfov_deg": 30},
    "wobble": {"roll_deg": 1.5, "pitch_deg": 0.8},
}
SPEED = 4.0  # four times real time: 15 s of test for the 60 s flight
ANGLES = (
    "platform_heading_deg",
    "platform_pitch_deg",
    "platform_roll_deg",
    "sensor_rel_az_deg",
    "sensor_rel_el_deg",
)


def test_every_frame_arrives_with_telemetry_that_matches_the_flown_pose() -> None:
    flight = SimulatedFlight(scenario_from_mapping(SCENARIO))
    telemetry = KlvUdpTelemetrySource()
    live = LiveFlight(flight, klv_udp_port=telemetry.port, speed=SPEED)
    live.start(wait_for_client_s=30.0)
    feed = LiveFlightFeed(
        lambda: MjpegHttpSource(live.video_url).frames(),
        lambda: telemetry.samples(idle_timeout_s=3.0),
    )
    try:
        synced = list(synchronise(feed))
        assert live.wait(30.0)
    finally:
        live.stop()
        telemetry.close()
    assert len(synced) >= flight.frame_count - 1 and feed.dropped == 0
    assert telemetry.datagrams == flight.packet_count and telemetry.counts.total == 0
    first, last = flight.packet_time_us(0), flight.packet_time_us(flight.packet_count - 1)
    worst = {"horizontal_m": 0.0, "vertical_m": 0.0, "angle_deg": 0.0}
    for item in synced:
        t_us = item.frame.t_us
        if not first <= t_us <= last:
            # Before the first packet or after the last one, a frame holds the nearest sample
            # (never an extrapolation): there is nothing to interpolate between.
            assert item.telemetry.kind is SyncKind.NEAREST
            continue
        assert item.telemetry.kind is SyncKind.INTERPOLATED
        got, truth = item.telemetry.sample, flight.true_sample(t_us)
        assert got is not None
        worst["horizontal_m"] = max(
            worst["horizontal_m"],
            horizontal_distance_m(
                got.sensor_lat_deg, got.sensor_lon_deg, truth.sensor_lat_deg, truth.sensor_lon_deg
            ),
        )  # type: ignore[arg-type]
        worst["vertical_m"] = max(worst["vertical_m"], abs(got.sensor_hae_m - truth.sensor_hae_m))  # type: ignore[operator]
        for name in ANGLES:
            error = angular_difference_deg(getattr(got, name), getattr(truth, name))
            worst["angle_deg"] = max(worst["angle_deg"], error)
    # Noise-free: within the resolution of the items that carry them. Positions (int32
    # latitude/longitude) and angles meet 0.1 m and 0.01 deg; the height travels in item 75,
    # whose 16 bits over 19,900 m step by 0.30 m, so it is within half of that.
    assert worst["horizontal_m"] < 0.1, worst
    assert worst["angle_deg"] < 0.01, worst
    assert worst["vertical_m"] < 0.16, worst


def test_the_same_flight_as_mpegts_over_udp_gives_the_same_agreement(tmp_path: Path) -> None:
    flight = SimulatedFlight(
        scenario_from_mapping(
            {**SCENARIO, "camera": {"width_px": 320, "height_px": 180, "hfov_deg": 30}}
        )
    )
    stream = tmp_path / "flight.ts"
    write_mpegts(flight, stream)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = PyAvFrameSource(
        f"udp://127.0.0.1:{port}?fifo_size=200000&overrun_nonfatal=1", timeout_s=3.0
    )
    synced: list[SyncedFrame] = []
    reader = threading.Thread(target=lambda: synced.extend(synchronise(source)))
    reader.start()
    time.sleep(0.5)
    sender = subprocess.Popen(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-readrate",
            "8",
            "-i",
            str(stream),
            "-map",
            "0",
            "-c",
            "copy",
            "-f",
            "mpegts",
            f"udp://127.0.0.1:{port}?pkt_size=1316",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        reader.join(90.0)
    finally:
        sender.kill()
        sender.wait(10)
    assert len(synced) == flight.frame_count
    first, last = flight.packet_time_us(0), flight.packet_time_us(flight.packet_count - 1)
    worst_m = worst_deg = 0.0
    for item in synced:
        t_us = item.frame.t_us
        if item.frame.clock is not FrameClock.PTS or not first <= t_us <= last:
            continue
        assert item.telemetry.kind is SyncKind.INTERPOLATED
        got, truth = item.telemetry.sample, flight.true_sample(t_us)
        assert got is not None
        worst_m = max(
            worst_m,
            horizontal_distance_m(
                got.sensor_lat_deg, got.sensor_lon_deg, truth.sensor_lat_deg, truth.sensor_lon_deg
            ),
        )  # type: ignore[arg-type]
        worst_deg = max(
            worst_deg, *(angular_difference_deg(getattr(got, n), getattr(truth, n)) for n in ANGLES)
        )
    assert worst_m < 0.1
    assert worst_deg < 0.01
