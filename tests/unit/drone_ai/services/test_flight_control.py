"""Starting flights: refusals leave nothing behind."""

from __future__ import annotations

import pytest

from drone_ai.adapters.event_log.in_memory import InMemoryEventLog, wall_clock_us
from drone_ai.adapters.event_log.news import NewsBell
from drone_ai.adapters.geoid.egm96 import ConstantGeoid
from drone_ai.errors import InvalidRequestError, NotAvailableError, SourceError
from drone_ai.ports import DetectionLane, FlightFeed
from drone_ai.services.flight_control import FlightControl
from drone_ai.services.flights import FlightDirectory
from drone_ai.services.georeferencing import Georeferencer
from tests.fake_tower import FakeDetectionLane


class FakeLanes:
    def __init__(self) -> None:
        self.opened: list[FakeDetectionLane] = []

    def open_flight(self, flight_id: str) -> DetectionLane:
        self.opened.append(FakeDetectionLane(set()))
        return self.opened[-1]


def unreadable(video_uri: str, telemetry_uri: str) -> FlightFeed:
    raise SourceError(f"video_uri: a readable file expected, got {video_uri!r}")


def control(lanes: FakeLanes) -> FlightControl:
    flights = FlightDirectory(NewsBell())
    return FlightControl(
        flights,
        lanes,
        unreadable,
        Georeferencer(ConstantGeoid(0.0)),
        lambda: InMemoryEventLog(10, 60.0, news=flights.news),
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


def test_recording_is_refused_clearly_until_the_tower_records() -> None:
    lanes = FakeLanes()
    with pytest.raises(NotAvailableError, match="record: recording flights is not available"):
        control(lanes).start("f1", "/dev/null", recorded=True)
    assert lanes.opened == []
