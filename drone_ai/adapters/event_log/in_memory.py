"""The flight event log in this process's memory (DESIGN.md: behind a port, so that a broker
can take its place when flights span machines). Thread-safe; readers wait for new events
without polling, and the writer never waits for a reader."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from domain.event_log import EventLog, LogRead
from drone_ai.ports import EventNews

T = TypeVar("T")


def wall_clock_us() -> int:
    return time.time_ns() // 1_000


class InMemoryEventLog(Generic[T]):
    def __init__(
        self,
        max_events: int,
        max_age_s: float,
        clock: Callable[[], int] = wall_clock_us,
        news: EventNews | None = None,
    ) -> None:
        """`news`, when given, is rung after each append (shared by the tower's logs)."""
        self._log: EventLog[T] = EventLog(max_events, round(max_age_s * 1e6))
        self._clock = clock
        self._changed = threading.Condition()
        self._news = news

    @property
    def last_sequence(self) -> int:
        with self._changed:
            return self._log.last_sequence

    def append(self, event: T) -> int:
        with self._changed:
            # The clock is read under the lock, so that log times stay in order.
            sequence = self._log.append(self._clock(), event)
            self._changed.notify_all()
        if self._news is not None:
            self._news.ring()
        return sequence

    def read(self, after_sequence: int, limit: int, timeout_s: float = 0.0) -> LogRead[T]:
        """What follows `after_sequence` (see domain.event_log); waits up to `timeout_s` for
        it when nothing does yet."""
        with self._changed:
            self._changed.wait_for(lambda: self._log.last_sequence > after_sequence, timeout_s)
            self._log.evict(self._clock())
            return self._log.read(after_sequence, limit)
