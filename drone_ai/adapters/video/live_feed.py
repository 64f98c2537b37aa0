"""One flight's live inputs merged into one feed: frames from a video source (MJPEG over
HTTP, say) and telemetry from KLV over UDP, in arrival order.

Two reader threads hand over through one bounded queue that keeps the newest items: if the
consumer falls behind, the oldest waiting items are dropped and counted (`dropped`), and the
readers never block on it. The feed ends when both inputs have ended.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator

from domain.frames import Frame
from domain.telemetry import TelemetrySample
from drone_ai.adapters.video.frame_queue import BoundedQueue, QueuePolicy

Event = Frame | TelemetrySample


class LiveFlightFeed:
    def __init__(
        self,
        frames: Callable[[], Iterable[Frame]],
        telemetry: Callable[[], Iterable[TelemetrySample]],
        capacity: int = 256,
    ) -> None:
        self._inputs: tuple[Callable[[], Iterable[Event]], ...] = (frames, telemetry)
        self._queue: BoundedQueue[Event] = BoundedQueue(capacity, QueuePolicy.KEEP_NEWEST)

    @property
    def dropped(self) -> int:
        return self._queue.dropped

    def events(self) -> Iterator[Event]:
        readers = [
            threading.Thread(target=self._read, args=(source,), daemon=True)
            for source in self._inputs
        ]
        for reader in readers:
            reader.start()
        threading.Thread(target=self._close_after, args=(readers,), daemon=True).start()
        while (event := self._queue.get()) is not None:
            yield event

    def _read(self, source: Callable[[], Iterable[Event]]) -> None:
        for event in source():
            self._queue.put(event)

    def _close_after(self, readers: list[threading.Thread]) -> None:
        for reader in readers:
            reader.join()
        self._queue.close()
