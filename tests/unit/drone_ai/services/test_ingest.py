"""The synchronising service, with a hand-written feed."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from domain.frames import Frame, FrameClock
from domain.synchronisation import SyncKind
from domain.telemetry import TelemetrySample, TelemetryStandard
from drone_ai.services.ingest import SyncPolicy, synchronise

MS = 1_000
IMAGE = np.zeros((2, 2, 3), dtype=np.uint8)


class FakeFeed:
    def __init__(self, events: list[Frame | TelemetrySample]) -> None:
        self._events = events

    def events(self) -> Iterator[Frame | TelemetrySample]:
        yield from self._events


def frame(index: int, t_ms: int) -> Frame:
    return Frame(index, t_ms * MS, FrameClock.CAPTURE_HEADER, IMAGE)


def sample(t_ms: int) -> TelemetrySample:
    return TelemetrySample(
        t_us=t_ms * MS, standard=TelemetryStandard.ST0601, sensor_hae_m=float(t_ms)
    )


def test_frames_wait_for_the_telemetry_after_them_and_come_out_interpolated_in_order() -> None:
    # Frames at 30 fps arrive a little before the 25 Hz telemetry that brackets them.
    events: list[Frame | TelemetrySample] = [sample(0)]
    for index in range(10):
        events.append(frame(index, 33 * index + 5))
        if index % 4 == 3:
            events.append(sample(40 * (index // 4 + 1)))
    events += [sample(200), sample(240), sample(280), sample(320), sample(360)]
    synced = list(synchronise(FakeFeed(events)))
    assert [s.frame.index for s in synced] == list(range(10))
    assert all(s.telemetry.kind is SyncKind.INTERPOLATED for s in synced)
    assert synced[3].telemetry.sample is not None
    assert synced[3].telemetry.sample.sensor_hae_m == 104.0  # interpolated at 104 ms


def test_without_telemetry_every_frame_still_comes_out_flagged() -> None:
    synced = list(synchronise(FakeFeed([frame(i, 33 * i) for i in range(20)])))
    assert len(synced) == 20
    assert all(s.telemetry.kind is SyncKind.NONE for s in synced)


def test_a_frame_does_not_wait_longer_than_allowed() -> None:
    policy = SyncPolicy(max_wait_us=100 * MS)
    events: list[Frame | TelemetrySample] = [sample(0), frame(0, 10)]
    released_early: list[int] = []
    for index in range(1, 8):
        events.append(frame(index, 10 + 33 * index))
    stream = synchronise(FakeFeed(events), policy)
    first = next(stream)  # released once later frames are 100 ms past it
    released_early.append(first.frame.index)
    assert released_early == [0]
    assert first.telemetry.kind is SyncKind.NEAREST and first.telemetry.age_us == 10 * MS


def test_the_number_of_waiting_frames_is_bounded() -> None:
    policy = SyncPolicy(max_wait_us=10**9, max_pending=5)
    feed = FakeFeed([frame(i, i) for i in range(100)])
    stream = synchronise(feed, policy)
    assert [next(stream).frame.index for _ in range(3)] == [0, 1, 2]


def test_each_frame_is_stamped_with_when_it_came_in_not_when_it_was_released() -> None:
    ticks = iter(range(1_000, 100_000, 1_000))
    events: list[Frame | TelemetrySample] = [frame(0, 10), frame(1, 43), sample(60)]
    synced = list(synchronise(FakeFeed(events), clock_us=lambda: next(ticks)))
    # Both frames waited for the sample; each keeps its own arrival.
    assert [s.arrived_us for s in synced] == [1_000, 2_000]
