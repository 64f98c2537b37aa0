"""A source that heals: it reconnects after its peer goes away, and says how it is doing. It
carries frames (MJPEG) or whatever a connection yields (MPEG-TS: frames and telemetry).

States: CONNECTING (first attempt), LIVE (frames flowing), STALLED (the peer went quiet or
away), RECONNECTING (waiting to try again), ENDED (stopped). Between attempts it waits an
exponential backoff, capped, with random jitter so that many sources do not retry in step.
Every state change is recorded with its time, for the flight's status.
"""

from __future__ import annotations

import enum
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from drone_ai.errors import SourceError

T = TypeVar("T")

_FPS_WINDOW = 240  # arrivals kept: two seconds at up to 120 fps
_FPS_WINDOW_S = 2.0


class SourceState(enum.Enum):
    CONNECTING = "connecting"
    LIVE = "live"
    STALLED = "stalled"
    RECONNECTING = "reconnecting"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Backoff:
    initial_s: float = 0.25
    factor: float = 2.0
    max_s: float = 1.0
    jitter: float = 0.2  # +- this fraction of each wait

    def wait_s(self, attempt: int, rng: random.Random) -> float:
        base = min(self.max_s, self.initial_s * self.factor**attempt)
        return base * (1.0 + self.jitter * (2.0 * rng.random() - 1.0))


@dataclass(slots=True)
class SourceHealth:
    state: SourceState = SourceState.CONNECTING
    frames: int = 0
    reconnects: int = 0
    last_frame_monotonic_s: float | None = None
    last_error: str | None = None
    changes: list[tuple[float, SourceState]] = field(default_factory=list)
    recent_arrivals_s: deque[float] = field(default_factory=lambda: deque(maxlen=_FPS_WINDOW))

    @property
    def fps_in(self) -> float:
        """Frames per second over the last two seconds of arrivals (0 with fewer than two)."""
        if not self.recent_arrivals_s:
            return 0.0
        newest = self.recent_arrivals_s[-1]
        window = [t for t in self.recent_arrivals_s if t >= newest - _FPS_WINDOW_S]
        if len(window) < 2 or newest <= window[0]:
            return 0.0
        return (len(window) - 1) / (newest - window[0])


class HealingFrameSource(Generic[T]):
    def __init__(
        self,
        connect: Callable[[], Iterable[T]],
        backoff: Backoff = Backoff(),
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connect = connect
        self._backoff = backoff
        self._rng = rng or random.Random()
        self._clock = clock
        self._stop = threading.Event()
        self.health = SourceHealth()
        self._enter(SourceState.CONNECTING)

    def stop(self) -> None:
        """End the source: the frames iterator returns at its next step."""
        self._stop.set()

    def frames(self) -> Iterator[T]:
        attempt = 0
        while not self._stop.is_set():
            try:
                for frame in self._connect():
                    if self.health.state is not SourceState.LIVE:
                        self._enter(SourceState.LIVE)
                    attempt = 0
                    self.health.frames += 1
                    self.health.last_frame_monotonic_s = self._clock()
                    self.health.recent_arrivals_s.append(self.health.last_frame_monotonic_s)
                    yield frame
                    if self._stop.is_set():
                        break
                self.health.last_error = "the peer ended the stream"
            except SourceError as exc:
                self.health.last_error = str(exc)
            if self._stop.is_set():
                break
            if self.health.state is SourceState.LIVE:
                self._enter(SourceState.STALLED)
            self._enter(SourceState.RECONNECTING)
            self.health.reconnects += 1
            self._stop.wait(self._backoff.wait_s(attempt, self._rng))
            attempt += 1
        self._enter(SourceState.ENDED)

    def outage(self) -> str | None:
        """None while the source is connecting, live or ended; else what is wrong."""
        state = self.health.state
        if state in (SourceState.STALLED, SourceState.RECONNECTING):
            return f"{state.value}: {self.health.last_error or 'no reason given'}"
        return None

    @property
    def last_frame_age_s(self) -> float | None:
        last = self.health.last_frame_monotonic_s
        return None if last is None else self._clock() - last

    def _enter(self, state: SourceState) -> None:
        self.health.state = state
        self.health.changes.append((self._clock(), state))
