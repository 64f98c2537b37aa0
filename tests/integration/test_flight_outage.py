"""A live flight whose video server dies mid-flight and comes back: the tower's flight goes
DEGRADED with the reason while the input reconnects, LIVE again when frames flow, and a stop
ends it at once though its peer may be gone (MJPEG over HTTP and KLV over UDP from the
simulator, through the feed opener the service uses)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from domain.flight_events import FlightState, StatusChange
from drone_ai import bootstrap
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.live import LiveFlight
from drone_ai.adapters.simulator.scenario import scenario_from_mapping
from drone_ai.config import Settings

FLIGHT = {"duration_s": 120, "fps": 10, "camera": {"width_px": 320, "height_px": 180}}


def free_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_an_outage_degrades_the_flight_until_the_video_is_back() -> None:
    http_port, klv_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    flight = SimulatedFlight(scenario_from_mapping(FLIGHT))
    settings = Settings.from_env({"DRONE_AI_DETECT_WORKERS": "1", "DRONE_AI_DETECTOR": "none"})
    first = LiveFlight(flight, http_port=http_port, klv_udp_port=klv_port)
    first.start()
    with bootstrap.detection_pool(settings) as pool:
        control = bootstrap.flight_control(settings, pool)
        record = control.start("live-1", first.video_url, f"udp://127.0.0.1:{klv_port}")
        second = None
        try:
            wait_for(
                lambda: (
                    record.counters is not None and record.counters.snapshot().frames_received > 10
                ),
                20.0,
            )
            first.stop()  # the camera's server dies mid-stream
            wait_for(lambda: record.state is FlightState.DEGRADED, 15.0)
            outage = record.detail
            second = LiveFlight(flight, http_port=http_port, klv_udp_port=klv_port)
            second.start()
            wait_for(lambda: record.state is FlightState.LIVE, 15.0)
            began = time.monotonic()
            second.stop()  # gone again: the stop must not wait for it
            control.stop("live-1")
            stop_s = time.monotonic() - began
        finally:
            if second is not None:
                second.stop()
    states = [
        e.event.state
        for e in record.log.read(0, 100_000).events
        if isinstance(e.event, StatusChange)
    ]
    assert outage.startswith(("video stalled", "video reconnecting")), outage
    assert states[:4] == [
        FlightState.STARTING,
        FlightState.LIVE,
        FlightState.DEGRADED,
        FlightState.LIVE,
    ]
    assert states[-1] is FlightState.STOPPED and stop_s < 10.0, (states, stop_s)
