"""Word of new events in any flight's log, so that one subscriber following many flights waits
on one thing instead of polling every log. Counts appends; a reader remembers the count it has
acted on and waits for it to move."""

from __future__ import annotations

import threading


class NewsBell:
    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def ring(self) -> None:
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    def count(self) -> int:
        with self._changed:
            return self._count

    def wait_past(self, count: int, timeout_s: float) -> int:
        """The count once it has moved past `count`, or as it is after `timeout_s`."""
        with self._changed:
            self._changed.wait_for(lambda: self._count != count, timeout_s)
            return self._count
