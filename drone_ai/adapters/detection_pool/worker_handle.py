"""The pool's record of one worker process: its pipe and shared block, the batches handed to
it (the oldest is the one it runs), and the throughput it has shown."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from drone_ai.adapters.detection_pool.batching import BatchItems
from drone_ai.adapters.detection_pool.frame_slots import FrameBlock

_THROUGHPUT_SMOOTHING = 0.2  # weight of the newest batch in a worker's frames/s estimate


@dataclass(slots=True)
class Batch:
    id: int
    items: BatchItems
    first_slot: int  # in the worker's block: its frames lie in consecutive slots from here


@dataclass(eq=False, slots=True)
class WorkerHandle:
    index: int
    block: FrameBlock
    process: BaseProcess
    conn: Connection
    ready: bool = False
    start_error: str | None = None
    batches: deque[Batch] = field(default_factory=deque)  # handed over, oldest (running) first
    running_since_s: float = 0.0  # when the oldest of `batches` started
    frames_per_s: float | None = None
    pinned: int = 0  # flights whose per-flight state it keeps

    def hand(self, batch_id: int, items: BatchItems, max_batch: int, now_s: float) -> Batch:
        """Record a batch handed over, in the first slots no batch it holds uses."""
        used = {batch.first_slot for batch in self.batches}
        first_slot = next(s for s in range(0, self.block.slots, max_batch) if s not in used)
        if not self.batches:
            self.running_since_s = now_s
        batch = Batch(batch_id, items, first_slot)
        self.batches.append(batch)
        return batch

    def finish(self, batch_id: int, busy_s: float | None, now_s: float) -> Batch | None:
        """The batch it answered for, if it is the one it runs (`busy_s` None: it failed)."""
        if not self.batches or self.batches[0].id != batch_id:
            return None
        batch = self.batches.popleft()
        self.running_since_s = now_s  # the next one, if any, starts now
        if busy_s is not None and busy_s > 0.0:
            rate = len(batch.items) / busy_s
            previous = self.frames_per_s
            self.frames_per_s = (
                rate if previous is None else previous + _THROUGHPUT_SMOOTHING * (rate - previous)
            )
        return batch

    def hung(self, now_s: float, timeout_s: float) -> bool:
        return bool(self.batches) and now_s - self.running_since_s >= timeout_s
