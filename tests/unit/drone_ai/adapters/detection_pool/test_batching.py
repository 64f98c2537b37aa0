"""Batch formation: fair turns across flights, pinned flights kept to their worker, and the
latency budget for a partial batch."""

from __future__ import annotations

import numpy as np

from drone_ai.adapters.detection_pool.batching import RoundRobin
from drone_ai.adapters.detection_pool.flight_queue import FlightQueue

IMAGE = np.zeros((4, 4, 3), dtype=np.uint8)


def flights(turns: RoundRobin, names: str, worker: int | None = None) -> list[FlightQueue]:
    made = [FlightQueue(name, worker, depth=10) for name in names]
    for flight in made:
        turns.add(flight)
    return made


def ids(items: object) -> list[str]:
    assert isinstance(items, list)
    return [flight.id for flight, _ in items]


def test_a_batch_takes_one_frame_per_flight_per_round() -> None:
    turns = RoundRobin()
    a, b = flights(turns, "ab")
    for _ in range(3):
        a.add(0, IMAGE, 0.0)
    b.add(0, IMAGE, 0.0)
    assert ids(turns.form_batch(0, 3, 0.0, 1.0)) == ["a", "b", "a"]


def test_turns_rotate_so_that_no_flight_always_goes_first() -> None:
    turns = RoundRobin()
    queues = flights(turns, "abc")
    served = []
    for _ in range(6):
        for queue in queues:
            queue.add(0, IMAGE, 0.0)
        served += ids(turns.form_batch(0, 1, 0.0, 1.0))
        for queue in queues:
            queue.waiting.clear()
    assert served == ["a", "b", "c", "a", "b", "c"]


def test_a_pinned_flight_goes_only_to_its_worker() -> None:
    turns = RoundRobin()
    [pinned] = flights(turns, "p", worker=1)
    pinned.add(0, IMAGE, 0.0)
    assert turns.form_batch(0, 4, 0.0, 1.0) is None
    assert ids(turns.form_batch(1, 4, 0.0, 1.0)) == ["p"]


def test_a_partial_batch_waits_until_the_latency_budget_is_spent() -> None:
    turns = RoundRobin()
    [a] = flights(turns, "a")
    a.add(0, IMAGE, 10.0)
    assert turns.form_batch(0, 4, 0.5, 10.2) == 10.5  # due then
    assert ids(turns.form_batch(0, 4, 0.5, 10.5)) == ["a"]
