"""The detection worker: a process that runs a detector on the batches the pool sends it.

Messages on the worker's pipe (small tuples; frames travel through shared memory):

    pool -> worker  ("detect", batch_id, [(flight_id, SlotRef, gsd_m or None), ...])
                    ("forget", flight_id)        the flight ended: drop its detector state
                    ("stop",)
    worker -> pool  ("ready",) once its detector is built, or ("start_failed", message)
                    ("done", batch_id, [[Detection, ...], ...], [motion, ...], busy_s)
                        motion: the camera's homography since the flight's previous frame
                        (9 floats), from a detector that measures it, else None
                    ("failed", batch_id, message)  the detector raised: the batch is lost,
                                                   the worker goes on

A detector with per-flight state (the motion detector compares each frame with earlier ones of
its flight) gets one instance per flight, built on the flight's first frame, and is told each
frame's ground sample distance when it bounds sizes in metres; a stateless one (ONNX) is built
once and runs each batch in one call.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

import cv2

from domain.detections import Detection
from drone_ai.adapters.detection_pool.frame_slots import AttachedBlock, SlotRef
from drone_ai.adapters.detection_pool.heap import keep_freed_memory
from drone_ai.ports import CameraMotionSource, Detector, GroundScaled

DetectorFactory = Callable[[], Detector]
Motion = tuple[float, ...] | None  # a homography, row-major, or None


def run_worker(
    conn: Connection,
    block_name: str,
    slot_bytes: int,
    factory: DetectorFactory,
    per_flight_state: bool,
    threads: int,
) -> None:
    """The worker process's main: serve batches until told to stop or the pipe closes."""
    # Workers already run side by side; OpenCV's own thread pool in each would oversubscribe
    # the cores they share.
    cv2.setNumThreads(threads)
    keep_freed_memory()
    block = AttachedBlock(block_name, slot_bytes)
    flights: dict[str, Detector] = {}
    try:
        shared = None if per_flight_state else factory()
    except Exception as exc:  # the factory is the caller's code: report whatever it raised
        conn.send(("start_failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready",))
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:  # the pool is gone
                return
            if message[0] == "stop":
                return
            if message[0] == "forget":
                flights.pop(message[1], None)
                continue
            _, batch_id, items = message
            began = time.perf_counter()
            try:
                if shared is not None:
                    found = shared.detect([block.read(ref) for _, ref, _ in items])
                    motions: list[Motion] = [None] * len(found)
                else:
                    found, motions = _detect_per_flight(items, block, flights, factory)
            except Exception as exc:  # a detector's failure costs its batch, not the worker
                conn.send(("failed", batch_id, f"{type(exc).__name__}: {exc}"))
                continue
            conn.send(("done", batch_id, found, motions, time.perf_counter() - began))
    finally:
        flights.clear()
        shared = None
        # A detector may still hold a view of a frame; the process ends anyway.
        with contextlib.suppress(BufferError):
            block.close()


def _detect_per_flight(
    items: list[tuple[str, SlotRef, float | None]],
    block: AttachedBlock,
    flights: dict[str, Detector],
    factory: DetectorFactory,
) -> tuple[list[list[Detection]], list[Motion]]:
    """Each frame through its own flight's detector, which keeps that flight's state."""
    found: list[list[Detection]] = []
    motions: list[Motion] = []
    for flight, ref, gsd_m in items:
        detector = flights.get(flight)
        if detector is None:
            detector = flights[flight] = factory()
        if isinstance(detector, GroundScaled):
            detector.set_ground_sample_distance_m(gsd_m)
        found += detector.detect([block.read(ref)])
        motions.append(_camera_motion(detector))
    return found, motions


def _camera_motion(detector: Detector) -> Motion:
    if not isinstance(detector, CameraMotionSource):
        return None
    homography = detector.last_homography
    return None if homography is None else tuple(float(h) for h in homography.ravel())
