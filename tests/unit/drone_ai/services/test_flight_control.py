"""Starting flights: refusals leave nothing behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from domain.flight_events import FlightState, StatusChange
from domain.frames import Frame, FrameClock
from domain.telemetry import TelemetrySample
from drone_ai.adapters.event_log.in_memory import InMemoryEventLog, wall_clock_us
from drone_ai.adapters.event_log.news import NewsBell
from drone_ai.adapters.geoid.egm96 import ConstantGeoid
from drone_ai.errors import InvalidRequestError, NotAvailableError, SourceError
from drone_ai.ports import DetectionLane, FeedOpener, FlightFeed
from drone_ai.services.flight_control import FlightControl
from drone_ai.services.flights import FlightDirectory, FlightRecord
from drone_ai.services.georeferencing import Georeferencer
from tests.fake_tower import FakeDetectionLane


class FakeLanes:
    def __init__(self) -> None:
        self.opened: list[FakeDetectionLane] = []

    def open_flight(self, flight_id: str) -> DetectionLane:
        self.opened.append(FakeDetectionLane(set()))
        return self.opened[-1]

    def out_of_service(self) -> str | None:
        return None


def unreadable(video_uri: str, telemetry_uri: str, recorder: object = None) -> FlightFeed:
    raise SourceError(f"video_uri: a readable file expected, got {video_uri!r}")


def control(lanes: FakeLanes, open_feed: FeedOpener = unreadable) -> FlightControl:
    flights = FlightDirectory(NewsBell())
    return FlightControl(
        flights,
        lanes,
        open_feed,
        Georeferencer(ConstantGeoid(0.0)),
        lambda: InMemoryEventLog(1_000, 60.0, news=flights.news),
        wall_clock_us,
    )


def test_inputs_that_cannot_be_opened_give_back_the_lane_and_leave_no_flight() -> None:
    lanes = FakeLanes()
    tower = control(lanes)
    with pytest.raises(SourceError, match="readable file"):
        tower.start("ops-1", "/nowhere.ts")
    assert [lane.closed for lane in lanes.opened] == [True]
    assert tower.flights.all() == []


@pytest.mark.parametrize("flight_id", ["", "has space", "x" * 65, "semi;colon"])
def test_a_malformed_flight_id_is_refused_before_anything_opens(flight_id: str) -> None:
    lanes = FakeLanes()
    with pytest.raises(InvalidRequestError, match="flight_id: expected 1 to 64"):
        control(lanes).start(flight_id, "/nowhere.ts")
    assert lanes.opened == []


def test_only_this_tower_s_detector_can_be_asked_for() -> None:
    lanes = FakeLanes()
    with pytest.raises(InvalidRequestError, match=r"expected 'motion' .* got 'yolo'"):
        control(lanes).start("f1", "/dev/null", detector_profile="yolo")
    assert lanes.opened == []


def test_recording_is_refused_clearly_by_a_tower_that_keeps_none() -> None:
    lanes = FakeLanes()
    with pytest.raises(NotAvailableError, match="record: this tower keeps no recordings"):
        control(lanes).start("f1", "/dev/null", recorded=True)
    assert lanes.opened == []


class OutageFeed:
    """A live feed whose input goes down after a few frames and comes back when told."""

    def __init__(self) -> None:
        self.lost: str | None = None
        self.back = threading.Event()
        self.stopped = threading.Event()

    def events(self) -> Iterator[Frame | TelemetrySample]:
        yield from frames(0, 3)
        self.lost = "reconnecting: the peer ended the stream"
        self.back.wait(10.0)
        self.lost = None
        yield from frames(3, 6)
        self.stopped.wait(10.0)  # waits for a peer, as a live input does, until stopped

    def input_lost(self) -> str | None:
        return self.lost

    def stop(self) -> None:
        self.stopped.set()


def frames(first: int, end: int) -> list[Frame]:
    image = np.zeros((8, 8, 3), np.uint8)
    return [Frame(i, 33_333 * i, FrameClock.ARRIVAL, image) for i in range(first, end)]


def states_logged(record: FlightRecord) -> list[FlightState]:
    events = record.log.read(0, 1_000).events
    return [e.event.state for e in events if isinstance(e.event, StatusChange)]


def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_live_flight_is_degraded_while_its_input_is_down_and_stops_while_waiting() -> None:
    feed = OutageFeed()
    tower = control(FakeLanes(), lambda video, telemetry, recorder=None: feed)
    record = tower.start("live-1", "rtsp://operator:s3cret@10.1.2.3:554/stream")
    wait_for(lambda: record.state is FlightState.DEGRADED)
    assert record.detail == "reconnecting: the peer ended the stream"
    feed.back.set()
    wait_for(lambda: record.state is FlightState.LIVE)
    began = time.monotonic()
    tower.stop("live-1")  # the feed waits for its peer: the stop must not
    assert time.monotonic() - began < 5.0 and feed.stopped.is_set()
    assert record.state is FlightState.STOPPED
    first = record.log.read(0, 1).events[0].event
    assert isinstance(first, StatusChange) and first.detail == "rtsp://10.1.2.3:554/stream"
    assert states_logged(record) == [
        FlightState.STARTING,
        FlightState.LIVE,
        FlightState.DEGRADED,
        FlightState.LIVE,
        FlightState.STOPPED,
    ]
