"""Starting and stopping detection worker processes (the pool's side of worker.py)."""

from __future__ import annotations

import contextlib
import time
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from multiprocessing.process import BaseProcess

from drone_ai.adapters.detection_pool.frame_slots import FrameBlock
from drone_ai.adapters.detection_pool.settings import PoolSettings
from drone_ai.adapters.detection_pool.worker import DetectorFactory, run_worker
from drone_ai.errors import WorkerStartError

_STOP_TIMEOUT_S = 5.0


def spawn_worker(
    context: SpawnContext,
    index: int,
    block: FrameBlock,
    factory: DetectorFactory,
    settings: PoolSettings,
) -> tuple[BaseProcess, Connection]:
    """A new worker process on `block`, and the pool's end of its pipe."""
    ours, theirs = context.Pipe()
    process = context.Process(
        target=run_worker,
        args=(
            theirs,
            block.name,
            block.slot_bytes,
            factory,
            settings.per_flight_state,
            settings.threads_per_worker,
        ),
        name=f"detector-{index}",
        daemon=True,
    )
    process.start()
    theirs.close()
    return process, ours


def await_ready(index: int, process: BaseProcess, conn: Connection, deadline_s: float) -> None:
    """Wait for a new worker's "ready"; WorkerStartError with its reason if it fails."""
    try:
        message = conn.recv() if conn.poll(max(0.0, deadline_s - time.monotonic())) else None
    except EOFError:
        message = ("start_failed", f"it ended with exit code {process.exitcode}")
    if message is None:
        raise WorkerStartError(f"detection worker {index}: expected ready in time, got nothing")
    if message[0] != "ready":
        raise WorkerStartError(f"detection worker {index}: expected ready, got {message[1]}")


def stop_worker(process: BaseProcess, conn: Connection, *, ask: bool) -> None:
    """Ask a worker to stop (when it may still listen), then make sure it has."""
    if ask:
        # A worker that died cannot be told; it is reaped below all the same.
        with contextlib.suppress(OSError):
            conn.send(("stop",))
    process.join(_STOP_TIMEOUT_S)
    if process.is_alive():
        process.kill()
        process.join()
    conn.close()
