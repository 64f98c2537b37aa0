"""Fakes for tower tests whose flights' logs the test fills itself: nothing is detected and no
input is opened."""

from __future__ import annotations

from drone_ai.errors import PoolCapacityError, SourceError
from drone_ai.ports import DetectionLane, FlightFeed


class FakeNoLanes:
    """These tests fill flights' logs themselves: nothing is started through the pool."""

    def open_flight(self, flight_id: str) -> DetectionLane:
        raise PoolCapacityError("no detection in these tests")


def no_feed(video_uri: str, telemetry_uri: str) -> FlightFeed:
    raise SourceError("no inputs in these tests")
