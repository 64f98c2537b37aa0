"""A flight's event log: every event numbered in order, kept while it is recent enough and the
log small enough, and read from any sequence number with an explicit notice of what was lost.

Sequence numbers start at 1 and never repeat within a log; a reader says the last one it has
(0 for none) and gets what follows. When what it asks for has been evicted, the read starts
with a `Gap` naming the missing range, so that a partner knows what it lost instead of
guessing. Bounds: at most `max_events`, none logged longer ago than `max_age_us`. Ages are
counted from when each event was logged (UTC microseconds, given by the caller: the log has no
clock), not from the event's own time, which for a replayed flight lies years back.

Readers share the log rather than holding copies: a slow reader costs no memory of its own,
and the writer never waits for anyone (DESIGN.md: one flight's log, bounded).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.errors import InvalidValueError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Sequenced(Generic[T]):
    sequence: int
    logged_us: int
    event: T


@dataclass(frozen=True, slots=True)
class Gap:
    """Events `first`..`last` (inclusive) were evicted before this reader got them."""

    first: int
    last: int


@dataclass(frozen=True, slots=True)
class LogRead(Generic[T]):
    gap: Gap | None
    events: tuple[Sequenced[T], ...]

    @property
    def last_sequence(self) -> int | None:
        """What the reader has after this read (None: nothing new)."""
        if self.events:
            return self.events[-1].sequence
        return None if self.gap is None else self.gap.last


class EventLog(Generic[T]):
    def __init__(self, max_events: int, max_age_us: int) -> None:
        if max_events < 1:
            raise InvalidValueError("max_events", "at least 1", max_events)
        if max_age_us <= 0:
            raise InvalidValueError("max_age_us", "a positive duration", max_age_us)
        self._max_events = max_events
        self._max_age_us = max_age_us
        self._events: deque[Sequenced[T]] = deque()
        self._last = 0  # the last sequence number given; the log may have evicted it

    @property
    def last_sequence(self) -> int:
        return self._last

    @property
    def first_retained(self) -> int:
        """The oldest sequence still held (last + 1 when the log holds none)."""
        return self._events[0].sequence if self._events else self._last + 1

    def append(self, logged_us: int, event: T) -> int:
        """Number and keep an event; evict what the bounds no longer allow. Log times must
        not go backwards (the age bound relies on it)."""
        if self._events and logged_us < self._events[-1].logged_us:
            last_us = self._events[-1].logged_us
            raise InvalidValueError("logged_us", f"a time at or after {last_us} us", logged_us)
        self._last += 1
        self._events.append(Sequenced(self._last, logged_us, event))
        self.evict(logged_us)
        return self._last

    def evict(self, now_us: int) -> None:
        """Drop events past the bounds as of `now_us` (appending does this too)."""
        while len(self._events) > self._max_events:
            self._events.popleft()
        while self._events and now_us - self._events[0].logged_us > self._max_age_us:
            self._events.popleft()

    def read(self, after_sequence: int, limit: int) -> LogRead[T]:
        """Up to `limit` events after `after_sequence`, oldest first, after a Gap if some of
        those asked for are gone."""
        if not 0 <= after_sequence <= self._last:
            raise InvalidValueError(
                "after_sequence", f"0 to the log's last, {self._last}", after_sequence
            )
        if limit < 1:
            raise InvalidValueError("limit", "at least 1", limit)
        first = self.first_retained
        gap = Gap(after_sequence + 1, first - 1) if after_sequence + 1 < first else None
        start = max(after_sequence + 1, first) - first  # an index: sequences are contiguous
        count = min(limit, len(self._events) - start)
        events = tuple(self._events[start + i] for i in range(max(0, count)))
        return LogRead(gap, events)
