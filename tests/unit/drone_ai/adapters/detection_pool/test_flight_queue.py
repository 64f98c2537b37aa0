"""A flight's queue in the pool: newest wins past its depth, and every frame is accounted for."""

from __future__ import annotations

import math

import numpy as np
import pytest

from domain.detections import Detection
from drone_ai.adapters.detection_pool.flight_queue import MAX_UNREAD_RESULTS, FlightQueue
from drone_ai.adapters.detection_pool.frame_slots import check_frame
from drone_ai.adapters.detection_pool.settings import PoolSettings
from drone_ai.errors import DetectionPoolError, FrameRejectedError

IMAGE = np.zeros((4, 4, 3), dtype=np.uint8)
CAR = Detection(1.0, 2.0, 3.0, 4.0, 0, "car", 0.9)


def test_past_its_depth_the_oldest_waiting_frame_is_shed() -> None:
    queue = FlightQueue("a", None, depth=2)
    seqs = [queue.add(t_us, IMAGE, 0.0) for t_us in (10, 20, 30, 40)]
    assert seqs == [0, 1, 2, 3]
    assert [w.t_us for w in queue.waiting] == [30, 40]
    stats = queue.stats()
    assert (stats.submitted, stats.shed, stats.waiting) == (4, 2, 2)


def test_results_come_in_order_with_their_latency() -> None:
    queue = FlightQueue("a", None, depth=4)
    queue.add(10, IMAGE, 1.0)
    queue.add(20, IMAGE, 1.5)
    first, second = queue.take(), queue.take()
    queue.completed(first, [CAR], None, now_s=2.0)
    queue.completed(second, [], None, now_s=2.0)
    results = list(queue.results)
    assert [(r.frame_seq, r.t_us, r.detections) for r in results] == [(0, 10, (CAR,)), (1, 20, ())]
    stats = queue.stats()
    assert stats.processed == 2 and stats.mean_latency_s == pytest.approx(0.75)
    assert queue.idle


def test_every_frame_ends_in_exactly_one_count() -> None:
    queue = FlightQueue("a", None, depth=3)
    for t_us in range(6):
        queue.add(t_us, IMAGE, 0.0)  # three shed
    done = queue.take()
    queue.take()  # to fail
    queue.take()  # to be dropped
    queue.add(6, IMAGE, 0.0)
    queue.completed(done, [], None, 0.0)
    queue.failed()
    queue.dropped()
    queue.close()  # the one still waiting is given up
    s = queue.stats()
    assert (s.submitted, s.processed, s.shed, s.failed, s.dropped, s.waiting) == (7, 1, 4, 1, 1, 0)
    assert s.submitted == s.processed + s.shed + s.failed + s.dropped + s.waiting


def test_a_closed_flight_gets_no_more_results_but_its_frames_are_counted() -> None:
    queue = FlightQueue("a", None, depth=2)
    queue.add(0, IMAGE, 0.0)
    taken = queue.take()
    queue.close()
    queue.completed(taken, [CAR], None, 1.0)
    assert not queue.results and queue.stats().processed == 1


def test_no_latency_is_claimed_before_the_first_result() -> None:
    assert math.isnan(FlightQueue("a", None, depth=1).stats().mean_latency_s)


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ([[0, 1], [2, 3]], "uint8 array"),
        (np.zeros((4, 4, 2), dtype=np.uint8), "got shape"),
        (np.zeros((0,), dtype=np.uint8), "got shape"),
        (np.zeros((100, 100, 3), dtype=np.uint8), "at most 1,000 bytes"),
    ],
    ids=["a list", "two channels", "one dimension", "too large"],
)
def test_a_frame_no_slot_can_carry_is_refused_with_the_reason(image: object, expected: str) -> None:
    with pytest.raises(FrameRejectedError, match=expected):
        check_frame(image, 1_000)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [("workers", 0), ("max_batch", 0), ("queue_depth", 0), ("min_rate_hz", float("nan"))],
)
def test_pool_settings_out_of_range_are_refused_with_the_field_named(
    field: str, value: float
) -> None:
    with pytest.raises(DetectionPoolError, match=f"pool setting {field}: expected"):
        PoolSettings(**{field: value})  # type: ignore[arg-type]


def test_results_a_flight_does_not_read_are_bounded_and_counted() -> None:
    queue = FlightQueue("a", None, depth=MAX_UNREAD_RESULTS + 10)
    for t_us in range(MAX_UNREAD_RESULTS + 10):
        queue.add(t_us, IMAGE, 0.0)
    while queue.waiting:
        queue.completed(queue.take(), [], None, 0.0)
    assert len(queue.results) == MAX_UNREAD_RESULTS
    assert queue.results[0].t_us == 10  # the oldest went
    assert queue.stats().unread == 10
