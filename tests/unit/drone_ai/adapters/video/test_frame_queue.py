from __future__ import annotations

import threading
import time

import pytest

from drone_ai.adapters.video.frame_queue import BoundedQueue, QueuePolicy
from drone_ai.errors import ConfigError


def test_a_live_queue_keeps_the_newest_and_counts_what_it_dropped() -> None:
    queue: BoundedQueue[int] = BoundedQueue(3, QueuePolicy.KEEP_NEWEST)
    for item in range(10):
        queue.put(item)
    assert len(queue) == 3 and queue.dropped == 7
    assert [queue.get(0), queue.get(0), queue.get(0)] == [7, 8, 9]
    assert queue.get(0.01) is None


def test_a_file_queue_makes_the_producer_wait_and_drops_nothing() -> None:
    queue: BoundedQueue[int] = BoundedQueue(2, QueuePolicy.BLOCK)
    received: list[int] = []

    def produce() -> None:
        for item in range(50):
            queue.put(item)
        queue.close()

    producer = threading.Thread(target=produce)
    producer.start()
    while (item := queue.get(2.0)) is not None:
        received.append(item)
        if len(received) % 10 == 0:
            time.sleep(0.01)  # a slow consumer
            assert len(queue) <= 2
    producer.join(2.0)
    assert received == list(range(50)) and queue.dropped == 0


def test_closing_lets_consumers_drain_then_end_and_releases_a_waiting_producer() -> None:
    queue: BoundedQueue[str] = BoundedQueue(1, QueuePolicy.BLOCK)
    queue.put("a")
    blocked = threading.Thread(target=queue.put, args=("b",))
    blocked.start()
    time.sleep(0.05)
    queue.close()
    blocked.join(1.0)
    assert not blocked.is_alive()
    assert queue.get(0) == "a" and queue.get(0) is None


def test_a_queue_needs_room() -> None:
    with pytest.raises(ConfigError, match="capacity"):
        BoundedQueue(0, QueuePolicy.BLOCK)
