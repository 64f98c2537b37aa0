"""Fakes for tower tests: a detection lane that answers at once (or not), and lanes and inputs
that refuse, for tests whose flights' logs the test fills itself."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from domain.detections import Detection, FrameDetections
from domain.flight_events import FlightEvent
from drone_ai.adapters.event_log.in_memory import InMemoryEventLog, wall_clock_us
from drone_ai.adapters.geoid.egm96 import ConstantGeoid
from drone_ai.errors import PoolCapacityError, SourceError
from drone_ai.ports import DetectionLane, DetectionLanes, FlightFeed
from drone_ai.services.flight_control import FlightControl
from drone_ai.services.flights import FlightDirectory
from drone_ai.services.georeferencing import Georeferencer


class FakeNoLanes:
    """These tests fill flights' logs themselves: nothing is started through the pool."""

    def open_flight(self, flight_id: str) -> DetectionLane:
        raise PoolCapacityError("no detection in these tests")

    def out_of_service(self) -> str | None:
        return None


def no_feed(video_uri: str, telemetry_uri: str, recorder: object = None) -> FlightFeed:
    raise SourceError("no inputs in these tests")


def control_without_inputs(
    flights: FlightDirectory,
    lanes: DetectionLanes | None = None,
    max_events: int = 10,
    max_age_s: float = 60.0,
) -> FlightControl:
    """Flight control over `flights`, whose logs the test fills itself: no inputs, and no
    detection unless `lanes` (whose health the tower then follows)."""

    def new_log() -> InMemoryEventLog[FlightEvent]:
        return InMemoryEventLog(max_events, max_age_s, news=flights.news)

    return FlightControl(
        flights,
        lanes or FakeNoLanes(),
        no_feed,
        Georeferencer(ConstantGeoid(0.0)),
        new_log,
        wall_clock_us,
    )


CAR = Detection(10, 10, 30, 20, 0, "car", 0.9)


@dataclass(frozen=True)
class LaneCounts:
    submitted: int
    processed: int
    shed: int
    dropped: int
    failed: int
    waiting: int


class FakeDetectionLane:
    """Answers only the frames whose sequence number `answer` lets through, when asked."""

    def __init__(self, answer: set[int] | None = None) -> None:
        self._answer = answer
        self._lock = threading.Lock()  # the pipeline's collector reads from another thread
        self._ready: list[FrameDetections] = []
        self.submitted = 0
        self.closed = False

    def submit(
        self, t_us: int, image: np.ndarray, ground_sample_distance_m: float | None = None
    ) -> int:
        with self._lock:
            seq = self.submitted
            self.submitted += 1
            if self._answer is None or seq in self._answer:
                self._ready.append(FrameDetections(seq, t_us, (CAR,)))
            return seq

    def results(self, timeout_s: float = 0.0) -> list[FrameDetections]:
        with self._lock:
            ready, self._ready = self._ready, []
        if not ready:
            time.sleep(min(timeout_s, 0.001))  # as a real lane waits, without spinning
        return ready

    def stats(self) -> LaneCounts:
        answered = self.submitted if self._answer is None else len(self._answer)
        return LaneCounts(self.submitted, answered, self.submitted - answered, 0, 0, 0)

    def close(self) -> None:
        self.closed = True
