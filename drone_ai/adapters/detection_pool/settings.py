"""What the detection pool is told (PoolSettings) and what it reports (FlightStats, PoolStats).
Times are in seconds, rates in frames per second (Hz)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from drone_ai.errors import DetectionPoolError


def default_workers() -> int:
    """One worker per core, less one for the flights' decoding and tracking."""
    return max(1, len(os.sched_getaffinity(0)) - 1)


@dataclass(frozen=True, slots=True)
class PoolSettings:
    workers: int = field(default_factory=default_workers)
    max_batch: int = 1
    batches_ahead: int = 1  # handed to a worker beyond the one it runs
    latency_budget_s: float = 0.010
    queue_depth: int = 2  # frames waiting per flight
    max_flights: int = 16
    min_rate_hz: float = 5.0  # the least share of detection a flight is admitted with
    max_frame_bytes: int = 1920 * 1080 * 3
    worker_timeout_s: float = 30.0
    start_timeout_s: float = 60.0
    per_flight_state: bool = False
    threads_per_worker: int = 1

    def __post_init__(self) -> None:
        checks = (
            ("workers", 1 <= self.workers <= 256, "1 to 256"),
            ("max_batch", 1 <= self.max_batch <= 256, "1 to 256"),
            ("batches_ahead", 0 <= self.batches_ahead <= 8, "0 to 8"),
            ("latency_budget_s", 0.0 <= self.latency_budget_s <= 10.0, "0 to 10 s"),
            ("queue_depth", 1 <= self.queue_depth <= 1024, "1 to 1024"),
            ("max_flights", 1 <= self.max_flights <= 10_000, "1 to 10000"),
            ("min_rate_hz", 0.0 <= self.min_rate_hz <= 1000.0, "0 to 1000 Hz"),
            ("max_frame_bytes", 1 <= self.max_frame_bytes <= 1 << 30, "1 B to 1 GiB"),
            ("worker_timeout_s", 0.0 < self.worker_timeout_s <= 3600.0, "(0, 3600] s"),
            ("start_timeout_s", 0.0 < self.start_timeout_s <= 3600.0, "(0, 3600] s"),
            ("threads_per_worker", 1 <= self.threads_per_worker <= 256, "1 to 256"),
        )
        for name, holds, expected in checks:
            if not holds:
                raise DetectionPoolError(
                    f"pool setting {name}: expected {expected}, got {getattr(self, name)}"
                )


@dataclass(frozen=True, slots=True)
class FlightStats:
    """Every submitted frame is in exactly one of: processed, shed (pushed out while waiting,
    or waiting when the flight closed), dropped (its worker died), failed (the detector
    raised), waiting (queued or in a worker)."""

    submitted: int
    processed: int
    shed: int
    dropped: int
    failed: int
    waiting: int
    mean_latency_s: float  # submit to result, over processed frames; NaN before the first
    unread: int = 0  # processed, but pushed out of a full result queue the flight did not read


@dataclass(frozen=True, slots=True)
class PoolStats:
    workers: int
    flights: int
    restarts: int
    batches: int
    frames: int
    throughput_hz: float | None  # the workers' measured frames/s in all, None before any
    last_error: str | None
