"""Detection in worker processes, shared by all flights.

Each flight opens a lane and submits its frames as they arrive; a dispatcher thread hands
batches to idle workers through shared memory (frame_slots) and gives each lane its results in
frame order. The policy, as the settings name it:

- Batching: a worker gets a batch as soon as `max_batch` frames wait for it, or when the
  oldest waiting frame has waited `latency_budget_s`; one frame per flight per round, so a busy
  flight cannot fill a batch alone. A worker holds up to `batches_ahead` batches beyond the one
  it runs, so that it never idles while the pool hands over the next (this costs a little
  freshness when saturated: a batch waits one batch's time in the worker).
- Shedding: each flight keeps at most `queue_depth` frames waiting. A new frame beyond that
  pushes out the flight's oldest waiting one (newest wins: a control tower wants the present),
  counted as `shed`. Flights are served round-robin, so when the workers are saturated each
  flight gets an equal share whatever rate it sends at.
- Admission: a new flight is refused (PoolCapacityError) when `max_flights` are open, or when,
  from the workers' measured throughput, each flight's share with it would fall below
  `min_rate_hz`. Until a worker has measured itself only `max_flights` applies.
- Failure: a worker that dies (or runs a batch past `worker_timeout_s`, then is killed) is
  replaced by a new process on the same shared block; the frames of the batches it held are
  counted `dropped` for their flights, which go on. A detector that raises costs its batch
  (`failed`), not the worker.
- Per-flight state: a detector that compares frames of one flight (motion) keeps that state
  in the worker, so each flight is pinned to one worker, the flights spread evenly; fairness
  then holds among the flights of a worker. A replacement worker starts their state afresh.

Frames are referenced, not copied, until they are written into a worker's slot: a caller must
not modify a frame after submitting it. Detectors must not keep the arrays they are given (the
slot is rewritten by a later batch).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from multiprocessing.connection import wait
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from domain.detections import Detection, FrameDetections
from drone_ai.adapters.detection_pool.batching import RoundRobin
from drone_ai.adapters.detection_pool.flight_queue import FlightQueue
from drone_ai.adapters.detection_pool.frame_slots import FrameBlock, check_frame
from drone_ai.adapters.detection_pool.processes import await_ready, spawn_worker, stop_worker
from drone_ai.adapters.detection_pool.settings import FlightStats, PoolSettings, PoolStats
from drone_ai.adapters.detection_pool.worker import DetectorFactory
from drone_ai.adapters.detection_pool.worker_handle import Batch, WorkerHandle
from drone_ai.errors import (
    DetectionPoolError,
    FrameRejectedError,
    PoolCapacityError,
    WorkerStartError,
)


class DetectionPool:
    def __init__(self, factory: DetectorFactory, settings: PoolSettings | None = None) -> None:
        self._settings = settings or PoolSettings()
        self._factory = factory
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._flights: dict[str, FlightQueue] = {}
        self._turns = RoundRobin()
        self._forget: list[tuple[int, str]] = []  # (worker, flight) to tell, by the dispatcher
        self._batches = self._frames = self._restarts = 0
        self._last_error: str | None = None
        self._broken: str | None = None
        self._closing = False
        self._workers: list[WorkerHandle] = []
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        try:
            for index in range(self._settings.workers):
                block = FrameBlock(
                    self._settings.max_batch * (1 + self._settings.batches_ahead),
                    self._settings.max_frame_bytes,
                )
                self._workers.append(self._spawn(index, block))
            deadline_s = time.monotonic() + self._settings.start_timeout_s
            for worker in self._workers:
                await_ready(worker.index, worker.process, worker.conn, deadline_s)
                worker.ready = True
        except BaseException:
            self._shut_down()
            raise
        self._dispatcher = threading.Thread(target=self._serve, name="detection-pool", daemon=True)
        self._dispatcher.start()

    # ---- what flights use

    def open_flight(self, flight_id: str) -> PoolLane:
        """A lane for a new flight; PoolCapacityError when the pool cannot serve one more."""
        with self._lock:
            self._check_usable()
            if flight_id in self._flights:
                raise DetectionPoolError(f"flight {flight_id!r}: expected a new id, it is open")
            self._admit(flight_id)
            worker = None
            if self._settings.per_flight_state:
                target = self._least_pinned()
                target.pinned += 1
                worker = target.index
            flight = FlightQueue(flight_id, worker, self._settings.queue_depth)
            self._flights[flight_id] = flight
            self._turns.add(flight)
        return PoolLane(self, flight)

    def out_of_service(self) -> str | None:
        """Why the pool can take no flight (closed, or its workers cannot start); None when
        it can."""
        with self._lock:
            if self._closing:
                return "detection pool closed"
            if self._broken is not None:
                return f"detection pool out of service: {self._broken}"
            return None

    def stats(self) -> PoolStats:
        with self._lock:
            return PoolStats(
                len(self._workers),
                len(self._flights),
                self._restarts,
                self._batches,
                self._frames,
                self._throughput_hz(),
                self._last_error,
            )

    def worker_pids(self) -> list[int | None]:
        with self._lock:
            return [w.process.pid for w in self._workers]

    def close(self) -> None:
        with self._lock:
            if self._closing:
                return
            self._closing = True
            self._changed.notify_all()
        self._wake()
        self._dispatcher.join()
        self._shut_down()

    def __enter__(self) -> DetectionPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # ---- lanes call these

    def _submit(
        self,
        flight: FlightQueue,
        t_us: int,
        image: NDArray[np.uint8],
        ground_sample_distance_m: float | None,
    ) -> int:
        check_frame(image, self._settings.max_frame_bytes)
        if ground_sample_distance_m is not None and not 0.0 < ground_sample_distance_m < 1e4:
            raise FrameRejectedError(
                f"ground sample distance: expected a positive number of metres or None, "
                f"got {ground_sample_distance_m!r}"
            )
        with self._lock:
            self._check_usable()
            if not flight.open:
                raise DetectionPoolError(f"flight {flight.id!r}: expected an open lane, closed")
            seq = flight.add(t_us, image, time.monotonic(), ground_sample_distance_m)
        self._wake()
        return seq

    def _results(self, flight: FlightQueue, timeout_s: float) -> list[FrameDetections]:
        with self._changed:
            if timeout_s > 0.0:
                self._changed.wait_for(
                    lambda: bool(flight.results) or self._broken is not None or self._closing,
                    timeout_s,
                )
            ready = list(flight.results)
            flight.results.clear()
            return ready

    def _drain(self, flight: FlightQueue, timeout_s: float) -> bool:
        with self._changed:
            self._changed.wait_for(lambda: flight.idle or self._broken is not None, timeout_s)
            return flight.idle

    def _flight_stats(self, flight: FlightQueue) -> FlightStats:
        with self._lock:
            return flight.stats()

    def _close_flight(self, flight: FlightQueue) -> None:
        with self._lock:
            if not flight.open:
                return
            flight.close()
            del self._flights[flight.id]
            self._turns.remove(flight)
            if self._closing:
                # The pool has shut down (its workers and wake pipe are gone): a flight that
                # outlived it only needs its own bookkeeping closed.
                return
            if flight.worker is not None:
                self._workers[flight.worker].pinned -= 1
                self._forget.append((flight.worker, flight.id))
            self._changed.notify_all()
        self._wake()

    # ---- admission

    def _admit(self, flight_id: str) -> None:
        s = self._settings
        if len(self._flights) >= s.max_flights:
            raise PoolCapacityError(
                f"flight {flight_id!r} refused: {len(self._flights)} flights open, the most "
                f"the pool takes is {s.max_flights} (DRONE_AI_DETECT_MAX_FLIGHTS)"
            )
        if s.per_flight_state:
            target = self._least_pinned()
            rate, sharing = target.frames_per_s, target.pinned + 1
        else:
            rate, sharing = self._throughput_hz(), len(self._flights) + 1
        if rate is not None and rate / sharing < s.min_rate_hz:
            raise PoolCapacityError(
                f"flight {flight_id!r} refused: the workers detect about {rate:.1f} frames/s "
                f"for {sharing - 1} flights; with one more each would get "
                f"{rate / sharing:.1f} frames/s, below the {s.min_rate_hz:g} a flight is "
                f"promised (DRONE_AI_DETECT_MIN_RATE_HZ)"
            )

    def _least_pinned(self) -> WorkerHandle:
        return min(self._workers, key=lambda w: (w.pinned, w.index))

    def _throughput_hz(self) -> float | None:
        measured = [w.frames_per_s for w in self._workers if w.frames_per_s is not None]
        if not measured:
            return None
        return sum(measured) / len(measured) * len(self._workers)

    def _check_usable(self) -> None:
        if self._closing:
            raise DetectionPoolError("detection pool: expected an open pool, it is closed")
        if self._broken is not None:
            raise WorkerStartError(f"detection pool out of service: {self._broken}")

    # ---- the dispatcher thread

    def _serve(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._closing:
                        return
                    batches, timeout_s = self._plan(time.monotonic())
                    forget, self._forget = self._forget, []
                for worker_index, flight_id in forget:
                    self._send(self._workers[worker_index], ("forget", flight_id))
                for worker, batch in batches:
                    self._hand_over(worker, batch)
                self._handle(wait(self._waitables(), timeout_s))
                self._kill_hung(time.monotonic())
        except Exception as exc:  # a dispatcher bug must not leave flights waiting forever
            with self._lock:
                self._broken = f"dispatcher stopped: {type(exc).__name__}: {exc}"
                self._changed.notify_all()

    def _plan(self, now_s: float) -> tuple[list[tuple[WorkerHandle, Batch]], float | None]:
        """The batches to hand over now, and how long to wait before the next is due. Idle
        workers are served first, then each gets its batches ahead."""
        s = self._settings
        planned: list[tuple[WorkerHandle, Batch]] = []
        next_due_s: float | None = None
        for held in range(s.batches_ahead + 1):
            for worker in self._workers:
                if not worker.ready or len(worker.batches) != held:
                    continue
                formed = self._form_batch(worker, now_s)
                if isinstance(formed, Batch):
                    planned.append((worker, formed))
                elif formed is not None:
                    next_due_s = formed if next_due_s is None else min(next_due_s, formed)
        # A busy worker is looked at again by its deadline, in case it hangs.
        for worker in self._workers:
            if worker.batches:
                deadline_s = worker.running_since_s + s.worker_timeout_s
                next_due_s = deadline_s if next_due_s is None else min(next_due_s, deadline_s)
        timeout_s = None if next_due_s is None else max(0.0, next_due_s - now_s)
        return planned, timeout_s

    def _form_batch(self, worker: WorkerHandle, now_s: float) -> Batch | float | None:
        """A batch handed to the worker, or when one will be due, or None."""
        s = self._settings
        formed = self._turns.form_batch(worker.index, s.max_batch, s.latency_budget_s, now_s)
        if not isinstance(formed, list):
            return formed
        self._batches += 1
        return worker.hand(self._batches, formed, s.max_batch, now_s)

    def _hand_over(self, worker: WorkerHandle, batch: Batch) -> None:
        refs = []
        for slot, (flight, waiting) in enumerate(batch.items, batch.first_slot):
            assert waiting.image is not None  # only the dispatcher lets go of images
            ref = worker.block.write(slot, waiting.image)
            refs.append((flight.id, ref, waiting.ground_sample_distance_m))
            waiting.image = None
        self._send(worker, ("detect", batch.id, refs))

    def _send(self, worker: WorkerHandle, message: tuple[Any, ...]) -> None:
        # A worker that died cannot be told: its sentinel wakes the dispatcher, which replaces it.
        with contextlib.suppress(OSError):
            worker.conn.send(message)

    def _waitables(self) -> list[Any]:
        waitables: list[Any] = [self._wake_read]
        for worker in self._workers:
            waitables += [worker.conn, worker.process.sentinel]
        return waitables

    def _handle(self, ready: list[Any]) -> None:
        if self._wake_read in ready:
            try:
                while os.read(self._wake_read, 4096):
                    pass
            except BlockingIOError:
                pass
        for worker in list(self._workers):
            current = self._workers[worker.index]
            if current is not worker:
                continue  # replaced while handling an earlier object
            if worker.conn in ready:
                try:
                    while worker.conn.poll():
                        self._receive(worker, worker.conn.recv())
                except (EOFError, OSError):
                    self._replace(worker)
                    continue
            if worker.process.sentinel in ready:
                self._replace(worker)

    def _receive(self, worker: WorkerHandle, message: tuple[Any, ...]) -> None:
        with self._lock:
            kind = message[0]
            if kind == "ready":
                worker.ready = True
            elif kind == "start_failed":
                worker.start_error = message[1]
            elif kind == "done":
                _, batch_id, found, motions, busy_s = message
                self._finish(worker, batch_id, found, motions, busy_s)
            elif kind == "failed":
                _, batch_id, error = message
                self._last_error = error
                self._finish(worker, batch_id, None, [], 0.0)
            self._changed.notify_all()

    def _finish(
        self,
        worker: WorkerHandle,
        batch_id: int,
        found: list[list[Detection]] | None,
        motions: list[tuple[float, ...] | None],
        busy_s: float,
    ) -> None:
        """A batch came back (`found` None: the detector raised on it)."""
        now_s = time.monotonic()
        batch = worker.finish(batch_id, None if found is None else busy_s, now_s)
        if batch is None:
            return
        for index, (flight, waiting) in enumerate(batch.items):
            if found is None:
                flight.failed()
            else:
                flight.completed(waiting, found[index], motions[index], now_s)
                self._frames += 1

    def _replace(self, dead: WorkerHandle) -> None:
        """A worker died: count what it held as dropped, and start another in its place."""
        stop_worker(dead.process, dead.conn, ask=False)
        with self._lock:
            for batch in dead.batches:
                for flight, _ in batch.items:
                    flight.dropped()
            dead.batches.clear()
            if dead.start_error is not None:
                # It could not even build its detector: another would fail the same way.
                self._broken = f"worker {dead.index} could not start: {dead.start_error}"
                self._changed.notify_all()
                return
            self._restarts += 1
            self._last_error = f"worker {dead.index} (pid {dead.process.pid}) ended; replaced"
            replacement = self._spawn(dead.index, dead.block)
            replacement.pinned = dead.pinned
            replacement.frames_per_s = dead.frames_per_s
            self._workers[dead.index] = replacement
            self._changed.notify_all()

    def _kill_hung(self, now_s: float) -> None:
        for worker in self._workers:
            if worker.hung(now_s, self._settings.worker_timeout_s):
                worker.process.kill()  # its sentinel then fires: replaced as a crash

    # ---- processes

    def _spawn(self, index: int, block: FrameBlock) -> WorkerHandle:
        process, conn = spawn_worker(self._context, index, block, self._factory, self._settings)
        return WorkerHandle(index, block, process, conn)

    def _wake(self) -> None:
        # A full pipe means the dispatcher is already due to wake.
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_write, b"x")

    def _shut_down(self) -> None:
        for worker in self._workers:
            stop_worker(worker.process, worker.conn, ask=True)
            worker.block.close()
        self._workers = []
        os.close(self._wake_read)
        os.close(self._wake_write)


class PoolLane:
    """One flight's lane into the pool (the DetectionLane port)."""

    def __init__(self, pool: DetectionPool, flight: FlightQueue) -> None:
        self._pool = pool
        self._flight = flight

    @property
    def flight_id(self) -> str:
        return self._flight.id

    def submit(
        self, t_us: int, image: NDArray[np.uint8], ground_sample_distance_m: float | None = None
    ) -> int:
        """Hand over a frame (not to be modified afterwards) with the ground its pixels span
        when the telemetry tells; returns the frame's sequence number."""
        return self._pool._submit(self._flight, t_us, image, ground_sample_distance_m)

    def results(self, timeout_s: float = 0.0) -> list[FrameDetections]:
        return self._pool._results(self._flight, timeout_s)

    def drain(self, timeout_s: float) -> bool:
        """Wait until no frame of this flight waits; False if that took longer."""
        return self._pool._drain(self._flight, timeout_s)

    def stats(self) -> FlightStats:
        return self._pool._flight_stats(self._flight)

    def close(self) -> None:
        """Leave the pool: frames still waiting are counted shed, late results discarded."""
        self._pool._close_flight(self._flight)
