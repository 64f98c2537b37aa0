"""A bounded hand-over between a source and what consumes it, with a stated policy when full.

KEEP_NEWEST is for live sources: when the consumer falls behind, the oldest item waiting is
dropped and counted (a live view wants the newest frame; a backlog only adds latency).
BLOCK is for files: the producer waits for room, so nothing is ever dropped from a file.
Either way, memory is bounded by the capacity.
"""

from __future__ import annotations

import enum
import threading
from collections import deque
from typing import Generic, TypeVar

from drone_ai.errors import ConfigError

_T = TypeVar("_T")


class QueuePolicy(enum.Enum):
    KEEP_NEWEST = "keep_newest"
    BLOCK = "block"


class BoundedQueue(Generic[_T]):
    def __init__(self, capacity: int, policy: QueuePolicy) -> None:
        if capacity < 1:
            raise ConfigError(f"queue: a capacity of at least 1 expected, got {capacity}")
        self._items: deque[_T] = deque()
        self._capacity = capacity
        self._policy = policy
        self._closed = False
        self._changed = threading.Condition()
        self.dropped = 0

    def put(self, item: _T) -> None:
        """Hand an item over; under BLOCK, wait for room; after close(), ignore it."""
        with self._changed:
            while self._policy is QueuePolicy.BLOCK and len(self._items) >= self._capacity:
                if self._closed:
                    return
                self._changed.wait()
            if self._closed:
                return
            if len(self._items) >= self._capacity:
                self._items.popleft()
                self.dropped += 1
            self._items.append(item)
            self._changed.notify_all()

    def get(self, timeout_s: float | None = None) -> _T | None:
        """The oldest item waiting; None when closed and drained, or after the timeout."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._items or self._closed, timeout_s):
                return None
            if not self._items:
                return None
            item = self._items.popleft()
            self._changed.notify_all()
            return item

    def close(self) -> None:
        """No more items: consumers drain what is left, then get None; producers stop."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)
