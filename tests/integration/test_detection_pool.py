"""The detection pool with real worker processes and shared memory (fake detectors that echo
which frame they saw, see tests/fake_detectors.py)."""

from __future__ import annotations

import functools
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from drone_ai.adapters.detection_pool.pool import DetectionPool, PoolLane, PoolSettings
from drone_ai.errors import (
    DetectionPoolError,
    FrameRejectedError,
    PoolCapacityError,
    WorkerStartError,
)
from tests.fake_detectors import FAIL, HANG, FakeEchoDetector, FakeUnbuildableDetector, frame


@pytest.fixture
def make_pool() -> Iterator[functools.partial[DetectionPool]]:
    pools: list[DetectionPool] = []

    def build(delay_s: float = 0.0, **settings: object) -> DetectionPool:
        factory = functools.partial(FakeEchoDetector, delay_s)
        pool = DetectionPool(factory, PoolSettings(**settings))  # type: ignore[arg-type]
        pools.append(pool)
        return pool

    yield functools.partial(build)
    for pool in pools:
        pool.close()


def collect(lane: PoolLane, count: int, timeout_s: float = 10.0) -> list[int]:
    """The first pixel values of the next `count` results (FakeEchoDetector's x_min)."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout_s
    while len(seen) < count and time.monotonic() < deadline:
        for result in lane.results(timeout_s=0.2):
            seen.append(int(result.detections[0].x_min))
    return seen


def accounted(lane: PoolLane) -> bool:
    s = lane.stats()
    return s.submitted == s.processed + s.shed + s.dropped + s.failed + s.waiting


def test_frames_cross_shared_memory_intact_and_come_back_in_order(make_pool) -> None:
    pool = make_pool(workers=1, queue_depth=100)
    lane = pool.open_flight("a")
    for value in range(20):
        assert lane.submit(1_000 * value, frame(value, 720, 1280)) == value
    results = []
    while len(results) < 20:
        results += lane.results(timeout_s=5.0)
    assert [r.frame_seq for r in results] == list(range(20))
    assert [r.t_us for r in results] == [1_000 * v for v in range(20)]
    assert [r.detections[0].x_min for r in results] == list(range(20))
    assert [r.detections[0].y_max for r in results] == [720.0] * 20  # the shape came along
    assert lane.stats().processed == 20 and accounted(lane)


def test_a_batch_gathers_frames_of_several_flights(make_pool) -> None:
    pool = make_pool(workers=1, max_batch=4, latency_budget_s=2.0)
    lanes = [pool.open_flight(name) for name in "abcd"]
    for value, lane in enumerate(lanes):
        lane.submit(0, frame(value))
    for value, lane in enumerate(lanes):
        assert collect(lane, 1) == [value]
    assert pool.stats().batches == 1  # four flights, one frame each: one full batch at once


def test_a_partial_batch_leaves_when_the_latency_budget_is_spent(make_pool) -> None:
    pool = make_pool(workers=1, max_batch=8, latency_budget_s=0.3)
    lane = pool.open_flight("a")
    began = time.monotonic()
    lane.submit(0, frame(7))
    assert collect(lane, 1) == [7]
    assert 0.25 <= time.monotonic() - began < 5.0
    assert pool.stats().batches == 1


def test_when_saturated_the_newest_frames_win_and_the_rest_are_counted_shed(make_pool) -> None:
    pool = make_pool(0.3, workers=1, queue_depth=2)
    lane = pool.open_flight("a")
    for value in range(10):
        lane.submit(value, frame(value))
    assert lane.drain(timeout_s=10.0)
    seen = collect(lane, 3, timeout_s=1.0)
    assert seen[-2:] == [8, 9]  # the two newest waited; the worker took the first at once
    stats = lane.stats()
    assert stats.processed == len(seen) and stats.shed == 10 - len(seen)
    assert accounted(lane)


def test_two_flights_at_full_rate_share_a_saturated_worker_fairly(make_pool) -> None:
    # One worker at 25 ms a frame gives 40 frames/s; two flights send 30 each.
    pool = make_pool(0.025, workers=1, queue_depth=2)
    lanes = [pool.open_flight(name) for name in ("fast", "also fast")]
    stop = threading.Event()

    def send(lane: PoolLane) -> None:
        value = 0
        while not stop.is_set():
            lane.submit(value, frame(value % 200))
            value += 1
            time.sleep(1 / 30)

    senders = [threading.Thread(target=send, args=(lane,)) for lane in lanes]
    for sender in senders:
        sender.start()
    time.sleep(3.0)
    stop.set()
    for sender in senders:
        sender.join()
    processed = [lane.stats().processed for lane in lanes]
    assert min(processed) >= 0.8 * max(processed), processed
    assert all(lane.stats().shed > 0 for lane in lanes)  # it really was saturated
    assert all(accounted(lane) for lane in lanes)


def test_a_killed_worker_loses_only_the_frames_it_held_and_the_flight_goes_on(
    make_pool,
) -> None:
    pool = make_pool(0.3, workers=1, queue_depth=1000, per_flight_state=True)
    lane = pool.open_flight("a")
    for value in range(6):
        lane.submit(value, frame(value))
    before = collect(lane, 2)
    # Mid-frame: it runs the third frame (held ahead while the second ran) and holds the
    # fourth, handed over as the second came back. Half a frame on, that hand-over is done and
    # the third frame is not.
    time.sleep(0.15)
    [pid] = pool.worker_pids()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    for value in range(6, 10):
        lane.submit(value, frame(value))
    assert lane.drain(timeout_s=20.0)
    after = collect(lane, 10, timeout_s=1.0)
    stats = lane.stats()
    assert stats.dropped == 2 and stats.shed == 0 and stats.failed == 0
    assert stats.processed == 8 and accounted(lane)
    assert before + after == [0, 1, 4, 5, 6, 7, 8, 9]  # only the frames it held are missing
    assert pool.stats().restarts == 1 and pool.worker_pids() != [pid]


def test_a_replacement_worker_starts_the_flights_state_afresh(make_pool) -> None:
    pool = make_pool(0.0, workers=1, queue_depth=100, per_flight_state=True)
    lane = pool.open_flight("a")
    lane.submit(0, frame(1))
    lane.submit(1, frame(2))
    assert lane.drain(timeout_s=5.0)
    counts = [r.detections[0].class_id for r in lane.results()]
    assert counts == [1, 2]
    [pid] = pool.worker_pids()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10.0
    while pool.stats().restarts == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    lane.submit(2, frame(3))
    assert lane.drain(timeout_s=10.0)
    assert [r.detections[0].class_id for r in lane.results()] == [1]


def test_flights_with_per_flight_state_keep_their_own_state(make_pool) -> None:
    pool = make_pool(0.0, workers=2, queue_depth=100, per_flight_state=True)
    lanes = [pool.open_flight(name) for name in ("a", "b", "c")]
    for step in range(3):
        for lane in lanes:
            lane.submit(step, frame(step))
    for lane in lanes:
        assert lane.drain(timeout_s=5.0)
        results = lane.results()
        assert [r.detections[0].class_id for r in results] == [1, 2, 3]
        # The camera motion each frame's detector measured comes back with it.
        assert [r.camera_motion for r in results] == [
            (1.0, 0.0, float(step), 0.0, 1.0, 0.0, 0.0, 0.0, 1.0) for step in range(3)
        ]


def test_each_frame_s_ground_sample_distance_reaches_its_flight_s_detector(make_pool) -> None:
    pool = make_pool(workers=1, queue_depth=10, per_flight_state=True)
    lane = pool.open_flight("a")
    for index, gsd_m in enumerate((0.25, None, 0.5)):
        lane.submit(index, frame(index), gsd_m)
    assert lane.drain(timeout_s=5.0)
    assert [r.detections[0].y_min for r in lane.results()] == [0.25, 0.0, 0.5]
    with pytest.raises(FrameRejectedError, match="ground sample distance: expected a positive"):
        lane.submit(3, frame(3), float("nan"))


def test_a_stateless_detector_reports_no_camera_motion(make_pool) -> None:
    pool = make_pool(workers=1)
    lane = pool.open_flight("a")
    lane.submit(0, frame(4))
    assert lane.drain(timeout_s=5.0)
    assert [r.camera_motion for r in lane.results()] == [None]


def test_a_hung_worker_is_killed_after_its_timeout_and_replaced(make_pool) -> None:
    pool = make_pool(0.0, workers=1, queue_depth=100, worker_timeout_s=0.5)
    lane = pool.open_flight("a")
    lane.submit(0, frame(HANG))
    assert lane.drain(timeout_s=20.0)
    lane.submit(1, frame(5))
    assert lane.drain(timeout_s=20.0)
    assert collect(lane, 1) == [5]
    assert lane.stats().dropped == 1 and pool.stats().restarts == 1


def test_a_detector_that_raises_costs_its_frame_not_the_worker(make_pool) -> None:
    pool = make_pool(0.0, workers=1, queue_depth=100)
    lane = pool.open_flight("a")
    lane.submit(0, frame(FAIL))
    lane.submit(1, frame(6))
    assert lane.drain(timeout_s=10.0)
    assert collect(lane, 1) == [6]
    stats, pool_stats = lane.stats(), pool.stats()
    assert stats.failed == 1 and stats.processed == 1 and pool_stats.restarts == 0
    assert pool_stats.last_error is not None and "told to fail" in pool_stats.last_error


def test_a_detector_that_cannot_be_built_stops_the_pool_with_its_reason() -> None:
    with pytest.raises(WorkerStartError, match="model file not found"):
        DetectionPool(FakeUnbuildableDetector, PoolSettings(workers=1))


def test_a_pool_says_when_it_can_take_no_flight(make_pool) -> None:
    pool = make_pool(workers=1, per_flight_state=True)  # flights pinned to a worker
    assert pool.out_of_service() is None
    lane = pool.open_flight("late")
    pool.close()
    assert pool.out_of_service() == "detection pool closed"
    lane.close()  # a flight that outlives its pool closes quietly
    assert lane.stats().waiting == 0


def test_a_flight_beyond_max_flights_is_refused(make_pool) -> None:
    pool = make_pool(workers=1, max_flights=2)
    pool.open_flight("a")
    pool.open_flight("b")
    with pytest.raises(PoolCapacityError, match=r"'c' refused: 2 flights open.*MAX_FLIGHTS"):
        pool.open_flight("c")
    with pytest.raises(DetectionPoolError, match="it is open"):
        pool.open_flight("a")


def test_a_flight_whose_share_would_fall_below_the_minimum_rate_is_refused(make_pool) -> None:
    # One worker at 50 ms a frame detects about 20 frames/s: two flights get 10 each, three
    # would get under 8.
    pool = make_pool(0.05, workers=1, queue_depth=100, min_rate_hz=8.0)
    first = pool.open_flight("a")
    for value in range(10):
        first.submit(value, frame(value))
    assert first.drain(timeout_s=10.0)
    pool.open_flight("b")
    with pytest.raises(PoolCapacityError, match=r"'c' refused.*below the 8 a flight"):
        pool.open_flight("c")
    first.close()
    pool.open_flight("c")  # a closed flight gives its share back


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (np.zeros((48, 64, 3), dtype=np.float32), "8-bit image"),
        (np.zeros((48, 64, 3, 2), dtype=np.uint8), "got shape"),
        (np.zeros((2000, 2000, 3), dtype=np.uint8), "at most"),
    ],
    ids=["float frame", "four dimensions", "over the slot size"],
)
def test_frames_the_pool_cannot_carry_are_refused_with_the_reason(
    make_pool, image: np.ndarray, expected: str
) -> None:
    pool = make_pool(workers=1, max_frame_bytes=1280 * 720 * 3)
    lane = pool.open_flight("a")
    with pytest.raises(FrameRejectedError, match=expected):
        lane.submit(0, image)
    assert lane.stats().submitted == 0


def test_closing_the_pool_releases_its_shared_memory(make_pool) -> None:
    pool = make_pool(workers=2)
    names = [worker.block.name for worker in pool._workers]
    assert all(Path("/dev/shm", name).exists() for name in names)
    pool.close()
    assert not any(Path("/dev/shm", name).exists() for name in names)
    with pytest.raises(DetectionPoolError, match="closed"):
        pool.open_flight("late")
