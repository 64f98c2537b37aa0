"""One flight's frames, each with the telemetry at its time: the steady flow the rest of the
tower consumes.

A frame is released once telemetry at or after its time has arrived (so that it can be
interpolated), or once it has waited `max_wait_us` of stream time (the newest frame's time
minus its own), or at the end of the feed; then it carries whatever the track can say,
flagged NONE if nothing. Frames are never dropped here and never reordered; at most
`max_pending` wait at once (the oldest is released early beyond that), so memory is bounded.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from domain.frames import Frame
from domain.synchronisation import SyncedTelemetry, TelemetryTrack
from domain.telemetry import TelemetrySample
from drone_ai.ports import FlightFeed


@dataclass(frozen=True, slots=True)
class SyncPolicy:
    max_gap_us: int = 200_000  # no interpolation across a longer gap between samples
    max_age_us: int = 100_000  # a lone sample further than this is not used
    max_wait_us: int = 250_000  # how long a frame waits for telemetry after its time
    max_pending: int = 64


@dataclass(frozen=True, slots=True, eq=False)
class SyncedFrame:
    frame: Frame
    telemetry: SyncedTelemetry
    arrived_us: int = 0  # the tower's clock when the frame came in (0: not known)


def wall_clock_us() -> int:
    return time.time_ns() // 1000


def synchronise(
    feed: FlightFeed,
    policy: SyncPolicy = SyncPolicy(),
    clock_us: Callable[[], int] = wall_clock_us,
) -> Iterator[SyncedFrame]:
    """The feed's frames with their telemetry, each stamped with when it arrived (so that
    the time it then waited here counts in the tower's latency)."""
    track = TelemetryTrack(policy.max_gap_us, policy.max_age_us)
    pending: deque[tuple[Frame, int]] = deque()
    newest_telemetry_us: int | None = None

    def synced(waiting: tuple[Frame, int]) -> SyncedFrame:
        frame, arrived_us = waiting
        return SyncedFrame(frame, track.at(frame.t_us), arrived_us)

    def release(up_to_us: int | None) -> Iterator[SyncedFrame]:
        while pending and (up_to_us is None or pending[0][0].t_us <= up_to_us):
            yield synced(pending.popleft())

    for event in feed.events():
        if isinstance(event, TelemetrySample):
            track.add(event)
            if newest_telemetry_us is None or event.t_us > newest_telemetry_us:
                newest_telemetry_us = event.t_us
            yield from release(newest_telemetry_us)
            continue
        pending.append((event, clock_us()))
        if newest_telemetry_us is not None:
            yield from release(newest_telemetry_us)
        yield from release(event.t_us - policy.max_wait_us)
        while len(pending) > policy.max_pending:
            yield synced(pending.popleft())
    yield from release(None)
