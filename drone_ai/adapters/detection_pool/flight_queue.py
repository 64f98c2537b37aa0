"""One flight's side of the pool: its waiting frames under the newest-wins policy, its results
in frame order, and the count of where every submitted frame went."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from domain.detections import Detection, FrameDetections
from drone_ai.adapters.detection_pool.settings import FlightStats

MAX_UNREAD_RESULTS = 4_096  # about two minutes of a 30 frames/s flight


@dataclass(slots=True)
class WaitingFrame:
    seq: int
    t_us: int
    image: NDArray[np.uint8] | None  # let go once written into a worker's slot
    submitted_s: float
    ground_sample_distance_m: float | None = None


class FlightQueue:
    """Not thread-safe: the pool calls it under its lock."""

    def __init__(self, flight_id: str, worker: int | None, depth: int) -> None:
        self.id = flight_id
        self.worker = worker  # the worker it is pinned to, with per-flight state
        self.open = True
        self.waiting: deque[WaitingFrame] = deque()
        # Bounded: a flight that stops reading its results must not grow the pool without end;
        # what it did not read in time is counted.
        self.results: deque[FrameDetections] = deque(maxlen=MAX_UNREAD_RESULTS)
        self._unread = 0
        self.in_worker = 0
        self._depth = depth
        self._next_seq = 0
        self._processed = self._shed = self._dropped = self._failed = 0
        self._latency_total_s = 0.0

    def add(
        self,
        t_us: int,
        image: NDArray[np.uint8],
        now_s: float,
        ground_sample_distance_m: float | None = None,
    ) -> int:
        """Queue a frame; past the depth the oldest waiting one is shed (newest wins)."""
        seq = self._next_seq
        self._next_seq += 1
        if len(self.waiting) >= self._depth:
            self.waiting.popleft()
            self._shed += 1
        self.waiting.append(WaitingFrame(seq, t_us, image, now_s, ground_sample_distance_m))
        return seq

    def take(self) -> WaitingFrame:
        self.in_worker += 1
        return self.waiting.popleft()

    def completed(
        self,
        frame: WaitingFrame,
        found: list[Detection],
        camera_motion: tuple[float, ...] | None,
        now_s: float,
    ) -> None:
        self.in_worker -= 1
        self._processed += 1
        self._latency_total_s += now_s - frame.submitted_s
        if self.open:
            self._unread += len(self.results) == MAX_UNREAD_RESULTS
            self.results.append(FrameDetections(frame.seq, frame.t_us, tuple(found), camera_motion))

    def failed(self) -> None:
        self.in_worker -= 1
        self._failed += 1

    def dropped(self) -> None:
        self.in_worker -= 1
        self._dropped += 1

    def close(self) -> None:
        self.open = False
        self._shed += len(self.waiting)  # the caller gave up on them
        self.waiting.clear()

    @property
    def idle(self) -> bool:
        return not self.waiting and self.in_worker == 0

    def stats(self) -> FlightStats:
        latency_s = self._latency_total_s / self._processed if self._processed else float("nan")
        return FlightStats(
            self._next_seq,
            self._processed,
            self._shed,
            self._dropped,
            self._failed,
            len(self.waiting) + self.in_worker,
            latency_s,
            self._unread,
        )
