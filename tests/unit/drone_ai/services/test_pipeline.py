"""The pipeline's bookkeeping with a fake detection lane: results matched to their frames'
telemetry by sequence, frames that never get a result counted, memory bounded."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from domain.flight_events import FlightEvent, FrameResult, TrackUpdate
from domain.frames import Frame, FrameClock
from domain.synchronisation import SyncedTelemetry, SyncKind
from domain.tracking import TrackState
from drone_ai.adapters.event_log.in_memory import InMemoryEventLog
from drone_ai.adapters.geoid.egm96 import ConstantGeoid
from drone_ai.services.georeferencing import Georeferencer
from drone_ai.services.ingest import SyncedFrame
from drone_ai.services.pipeline import FlightPipeline
from tests.fake_tower import CAR, FakeDetectionLane

IMAGE = np.zeros((72, 128, 3), dtype=np.uint8)


def frames(count: int) -> list[SyncedFrame]:
    return [
        SyncedFrame(
            Frame(i, 1_000 * i, FrameClock.ARRIVAL, IMAGE),
            SyncedTelemetry(1_000 * i, SyncKind.NONE, None, None),
            arrived_us=500_000 + 1_000 * i,
        )
        for i in range(count)
    ]


def logged_frames(log: InMemoryEventLog[FlightEvent]) -> list[FrameResult]:
    return [e.event for e in log.read(0, 10_000).events if isinstance(e.event, FrameResult)]


def test_each_result_is_logged_with_its_own_frame_s_time() -> None:
    log: InMemoryEventLog[FlightEvent] = InMemoryEventLog(10_000, 3_600.0)
    pipeline = FlightPipeline(FakeDetectionLane({0, 2, 5}), Georeferencer(ConstantGeoid(0.0)), log)
    pipeline.run(frames(6))
    results = logged_frames(log)
    assert [r.frame_time_us for r in results] == [0, 2_000, 5_000]
    assert [r.received_us for r in results] == [500_000, 502_000, 505_000]
    assert pipeline.frames_without_result == 3  # shed by detection: counted, not kept
    # No telemetry: detections without a place, and no footprint or platform.
    assert all(r.platform is None and r.footprint == () for r in results)
    assert all(d.position is None and d.detection == CAR for r in results for d in r.detections)


def test_frames_waiting_for_a_result_are_bounded() -> None:
    log: InMemoryEventLog[FlightEvent] = InMemoryEventLog(10_000, 3_600.0)
    pipeline = FlightPipeline(
        FakeDetectionLane(set()), Georeferencer(ConstantGeoid(0.0)), log, max_in_flight=8
    )
    for synced in frames(100):
        pipeline.submit(synced)
    assert pipeline.frames_without_result == 92
    pipeline.run([])
    assert pipeline.frames_without_result == 100 and logged_frames(log) == []


def test_when_the_frames_end_every_track_ends_with_the_last_frame_s_time() -> None:
    log: InMemoryEventLog[FlightEvent] = InMemoryEventLog(10_000, 3_600.0)
    FlightPipeline(FakeDetectionLane(), Georeferencer(ConstantGeoid(0.0)), log).run(frames(6))
    tracks = [e.event for e in log.read(0, 10_000).events if isinstance(e.event, TrackUpdate)]
    assert [t.state for t in tracks] == [TrackState.CONFIRMED] * 4 + [TrackState.ENDED]
    assert tracks[-1].track_id == tracks[0].track_id and tracks[-1].frame_time_us == 5_000


def test_a_result_is_logged_without_waiting_for_the_next_frame() -> None:
    log: InMemoryEventLog[FlightEvent] = InMemoryEventLog(10_000, 3_600.0)
    pipeline = FlightPipeline(FakeDetectionLane(), Georeferencer(ConstantGeoid(0.0)), log)
    logged_before_next: list[bool] = []

    def slow_input() -> Iterator[SyncedFrame]:
        for index, synced in enumerate(frames(3)):
            yield synced
            # A live input's next frame is a while away: the result must not wait for it.
            deadline = time.monotonic() + 2.0
            while len(logged_frames(log)) <= index and time.monotonic() < deadline:
                time.sleep(0.005)
            logged_before_next.append(len(logged_frames(log)) == index + 1)

    pipeline.run(slow_input())
    assert logged_before_next == [True, True, True]
