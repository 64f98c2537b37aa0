"""A subscriber's view of a flight: filters, resume exactly once, gaps, and the end of a
subscriber that cannot keep up."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from domain.detections import Detection
from domain.event_log import Gap, Sequenced
from domain.flight_events import (
    FlightEvent,
    FlightState,
    FrameResult,
    GeoPosition,
    LocatedDetection,
    StatusChange,
    TrackUpdate,
)
from domain.tracking import TrackState
from drone_ai.adapters.event_log.in_memory import InMemoryEventLog
from drone_ai.errors import SubscriberBehindError
from drone_ai.services.subscription import EventFilter, EventKind, GeoBounds, follow

INSIDE = GeoPosition(38.0, -77.0, 50.0)
OUTSIDE = GeoPosition(39.0, -77.0, 50.0)
BOUNDS = GeoBounds(37.9, -77.1, 38.1, -76.9)


def located(label: str, score: float, where: GeoPosition | None) -> LocatedDetection:
    return LocatedDetection(Detection(0, 0, 10, 10, 0, label, score), 1, where, 3.0, None)


def frame(*detections: LocatedDetection) -> FrameResult:
    return FrameResult(1, 0, None, (), detections)


def track(label: str, where: GeoPosition | None) -> TrackUpdate:
    return TrackUpdate(1, label, TrackState.CONFIRMED, 1, (0, 0, 10, 10), where, None, None)


Item = Sequenced[FlightEvent] | Gap | None


def taken(items: Iterator[Item], count: int) -> list[Item]:
    return list(itertools.islice(items, count))


def test_filters_narrow_frames_and_drop_what_they_exclude() -> None:
    only = EventFilter(
        kinds=frozenset({EventKind.FRAME, EventKind.TRACK}),
        classes=frozenset({"car"}),
        min_score=0.5,
        bounds=BOUNDS,
    )
    seen = only.apply(
        frame(
            located("car", 0.9, INSIDE),  # kept
            located("car", 0.4, INSIDE),  # scores too low
            located("person", 0.9, INSIDE),  # another class
            located("car", 0.9, OUTSIDE),  # outside the box
            located("car", 0.9, None),  # not known to be inside
        )
    )
    assert isinstance(seen, FrameResult) and len(seen.detections) == 1
    assert only.apply(track("car", INSIDE)) is not None
    assert only.apply(track("car", OUTSIDE)) is None
    assert only.apply(track("person", INSIDE)) is None
    assert only.apply(StatusChange(FlightState.LIVE, "")) is None  # status not asked for
    assert EventFilter().apply(StatusChange(FlightState.LIVE, "")) is not None


def test_a_box_across_the_antimeridian() -> None:
    pacific = GeoBounds(-10.0, 170.0, 10.0, -170.0)
    assert pacific.contains(GeoPosition(0.0, 179.0, 0.0))
    assert pacific.contains(GeoPosition(0.0, -175.0, 0.0))
    assert not pacific.contains(GeoPosition(0.0, 0.0, 0.0))


def test_a_subscriber_resumes_after_its_last_sequence_exactly_once() -> None:
    log: InMemoryEventLog[FlightEvent] = InMemoryEventLog(1_000, 3_600.0)
    for _ in range(10):
        log.append(frame())
    first = taken(follow(log, 0, wait_s=0.01), 4)
    assert [item.sequence for item in first if isinstance(item, Sequenced)] == [1, 2, 3, 4]
    resumed = taken(follow(log, 4, wait_s=0.01), 7)
    assert [item.sequence for item in resumed if isinstance(item, Sequenced)] == list(range(5, 11))
    assert resumed[-1] is None  # then nothing new: a chance to stop


def test_evicted_events_come_as_one_gap_first() -> None:
    log: InMemoryEventLog[FlightEvent] = InMemoryEventLog(5, 3_600.0)
    for _ in range(12):
        log.append(frame())
    items = taken(follow(log, 2, wait_s=0.01), 6)
    assert items[0] == Gap(3, 7)
    assert [item.sequence for item in items[1:] if isinstance(item, Sequenced)] == [
        8,
        9,
        10,
        11,
        12,
    ]


def test_a_subscriber_that_keeps_losing_events_is_ended() -> None:
    log: InMemoryEventLog[FlightEvent] = InMemoryEventLog(2, 3_600.0)
    subscriber = follow(log, 0, max_gaps=1, wait_s=0.01)
    for _ in range(5):
        log.append(frame())
    assert next(subscriber) == Gap(1, 3)
    taken(subscriber, 2)  # events 4 and 5
    for _ in range(5):  # it stalls again while the flight goes on
        log.append(frame())
    with pytest.raises(SubscriberBehindError, match="events 6-8 were evicted"):
        taken(subscriber, 3)
