"""A flight's counters for GetFlight: frames received, processed, and where the others went;
frame rates over the last seconds; the telemetry's age. Written by the flight's thread (as the
metrics sink its pipeline reports to, passing every report on to the tower's metrics), read
by the API's threads: plain integers under the GIL, and a lock for the rate windows."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from drone_ai.ports import DetectionLane, TowerMetrics

RATE_WINDOW_S = 10.0
MAX_STAMPS = 100_000  # per window: bounds memory whatever the frame rate


@dataclass(frozen=True, slots=True)
class FlightStats:
    """Every frame received is in exactly one of processed, shed, dropped, failed or waiting;
    source_dropped frames never reached the tower (a live source outran it)."""

    frames_received: int
    frames_processed: int
    frames_shed: int
    frames_dropped: int
    frames_failed: int
    frames_source_dropped: int
    received_fps: float
    processed_fps: float
    telemetry_age_us: int | None
    telemetry_refused: dict[str, int]


class FlightCounters:
    def __init__(
        self,
        flight_id: str,
        lane: DetectionLane,
        metrics: TowerMetrics,
        clock_s: Callable[[], float] = time.monotonic,
        refused: Callable[[], dict[str, int]] = dict,
    ) -> None:
        """`refused`: the input's telemetry refusals by reason, where it counts them."""
        self._refused = refused
        self._flight_id = flight_id
        self._lane = lane
        self._metrics = metrics
        self._clock_s = clock_s
        self._lock = threading.Lock()
        self._received: deque[float] = deque(maxlen=MAX_STAMPS)
        self._processed: deque[float] = deque(maxlen=MAX_STAMPS)
        self._frames_received = 0
        self._frames_processed = 0
        self._pushed_out = 0  # by the pipeline's own bound: counted with the shed
        self._source_dropped = 0
        self._telemetry_age_us: int | None = None

    # The TowerMetrics the flight's pipeline reports to.
    def frame_received(self, flight_id: str, telemetry_age_s: float | None) -> None:
        with self._lock:
            self._frames_received += 1
            self._received.append(self._clock_s())
            self._telemetry_age_us = (
                None if telemetry_age_s is None else round(telemetry_age_s * 1e6)
            )
        self._metrics.frame_received(flight_id, telemetry_age_s)

    def frame_processed(self, flight_id: str, detection_s: float) -> None:
        with self._lock:
            self._frames_processed += 1
            self._processed.append(self._clock_s())
        self._metrics.frame_processed(flight_id, detection_s)

    def frames_dropped(self, flight_id: str, reason: str, count: int = 1) -> None:
        with self._lock:
            if reason == "source_backlog":
                self._source_dropped += count
            elif reason == "pipeline_backlog":
                self._pushed_out += count
        self._metrics.frames_dropped(flight_id, reason, count)

    def flight_state(self, flight_id: str, state: str) -> None:
        self._metrics.flight_state(flight_id, state)

    def event_delivered(self, frame_to_subscriber_s: float) -> None:
        self._metrics.event_delivered(frame_to_subscriber_s)

    def subscriber_backlog(self, subscription: str, events: int | None) -> None:
        self._metrics.subscriber_backlog(subscription, events)

    def snapshot(self) -> FlightStats:
        lane = self._lane.stats()
        with self._lock:
            since_s = self._clock_s() - RATE_WINDOW_S
            received_fps = sum(1 for t in self._received if t >= since_s) / RATE_WINDOW_S
            processed_fps = sum(1 for t in self._processed if t >= since_s) / RATE_WINDOW_S
            return FlightStats(
                self._frames_received,
                self._frames_processed,
                lane.shed + self._pushed_out,
                lane.dropped,
                lane.failed,
                self._source_dropped,
                received_fps,
                processed_fps,
                self._telemetry_age_us,
                dict(self._refused()),
            )
