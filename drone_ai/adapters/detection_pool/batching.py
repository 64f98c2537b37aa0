"""Which waiting frames a worker gets next: flights served round-robin, one frame each per
round, up to a batch's size; a partial batch waits for the latency budget to fill."""

from __future__ import annotations

from collections.abc import Iterator

from drone_ai.adapters.detection_pool.flight_queue import FlightQueue, WaitingFrame

BatchItems = list[tuple[FlightQueue, WaitingFrame]]


class RoundRobin:
    """The open flights in the order they opened; each batch starts with the flight after
    the last one served, so that no flight is always first (or always last)."""

    def __init__(self) -> None:
        self._flights: list[FlightQueue] = []
        self._next = 0

    def add(self, flight: FlightQueue) -> None:
        self._flights.append(flight)

    def remove(self, flight: FlightQueue) -> None:
        self._flights.remove(flight)

    def form_batch(
        self, worker: int, max_batch: int, latency_budget_s: float, now_s: float
    ) -> BatchItems | float | None:
        """Frames for `worker` (those of flights pinned to it, or to none), taken from the
        queues; or, when fewer than `max_batch` wait and the oldest has waited less than the
        budget, the time the batch is due; or None when nothing waits for it."""
        eligible = [
            f for f in self._turns() if f.waiting and (f.worker is None or f.worker == worker)
        ]
        if not eligible:
            return None
        count = sum(len(f.waiting) for f in eligible)
        due_s = min(f.waiting[0].submitted_s for f in eligible) + latency_budget_s
        if count < max_batch and now_s < due_s:
            return due_s
        items: BatchItems = []
        while len(items) < max_batch and any(f.waiting for f in eligible):
            for flight in eligible:
                if flight.waiting and len(items) < max_batch:
                    items.append((flight, flight.take()))
                    self._next = (self._flights.index(flight) + 1) % len(self._flights)
        return items

    def _turns(self) -> Iterator[FlightQueue]:
        start = self._next % len(self._flights) if self._flights else 0
        yield from self._flights[start:]
        yield from self._flights[:start]
