"""A source whose server dies mid-stream and comes back: it reports the outage and heals."""

from __future__ import annotations

import random
import socket
import threading
import time

from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.live import LiveFlight
from drone_ai.adapters.simulator.scenario import scenario_from_mapping
from drone_ai.adapters.video.healing import Backoff, HealingFrameSource, SourceState
from drone_ai.adapters.video.mjpeg import MjpegHttpSource

FLIGHT = {"duration_s": 60, "fps": 10, "camera": {"width_px": 320, "height_px": 180}}


def test_frames_flow_again_within_2_s_of_the_server_coming_back() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    flight = SimulatedFlight(scenario_from_mapping(FLIGHT))
    first = LiveFlight(flight, http_port=port)
    first.start()
    url = f"http://127.0.0.1:{port}/video"
    source = HealingFrameSource(
        lambda: MjpegHttpSource(url, timeout_s=1.0).frames(),
        Backoff(initial_s=0.2, max_s=1.0),
        random.Random(3),
    )
    arrivals: list[float] = []

    def read() -> None:
        for _ in source.frames():
            arrivals.append(time.monotonic())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(2.0)
    first.stop()  # killed mid-stream
    killed = time.monotonic()
    time.sleep(5.0)
    second = LiveFlight(flight, http_port=port)
    second.start()
    restarted = time.monotonic()
    try:
        time.sleep(3.0)
    finally:
        source.stop()
        second.stop()
        reader.join(5.0)
    before = [t for t in arrivals if t < killed]
    after = [t for t in arrivals if t >= restarted]
    assert len(before) >= 10
    assert 7.0 < source.health.fps_in < 13.0  # the scenario's 10 fps, as received
    assert after and after[0] - restarted < 2.0
    states = [state for _, state in source.health.changes]
    assert states[:2] == [SourceState.CONNECTING, SourceState.LIVE]
    assert SourceState.STALLED in states and SourceState.RECONNECTING in states
    assert states[-1] is SourceState.ENDED
    assert states.count(SourceState.LIVE) >= 2  # live again after the outage
    assert source.health.reconnects >= 3  # it kept trying during the 5 s outage


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    backoff = Backoff(initial_s=0.1, factor=2.0, max_s=1.0, jitter=0.2)
    rng = random.Random(1)
    waits = [backoff.wait_s(attempt, rng) for attempt in range(8)]
    assert 0.08 <= waits[0] <= 0.12
    assert all(0.8 <= w <= 1.2 for w in waits[4:])
    assert len({round(w, 6) for w in waits[4:]}) == 4  # jittered, not in step
