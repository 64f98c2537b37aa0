"""One flight's live inputs as one feed, healing when a peer goes away.

LiveFlightFeed merges frames from a video source (MJPEG over HTTP, say) and telemetry from KLV
over UDP, in arrival order. Two reader threads hand over through one bounded queue that keeps
the newest items: if the consumer falls behind, the oldest waiting items are dropped and
counted (`dropped`), and the readers never block on it. The feed ends when both inputs have
ended, or at once when stopped.

HealingMpegTsFeed is an MPEG-TS over udp:// or rtsp:// (video and KLV in one stream) that
opens the stream afresh whenever it breaks.

Both say, while a healing input is down, what is wrong (`input_lost`): the flight is then
DEGRADED.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

from domain.frames import Frame
from domain.telemetry import TelemetrySample
from drone_ai.adapters.video.frame_queue import BoundedQueue, QueuePolicy
from drone_ai.adapters.video.healing import Backoff, HealingFrameSource
from drone_ai.adapters.video.pyav_source import PyAvFrameSource

Event = Frame | TelemetrySample


class LiveFlightFeed:
    def __init__(
        self,
        frames: Callable[[], Iterable[Frame]],
        telemetry: Callable[[], Iterable[TelemetrySample]],
        capacity: int = 256,
        healing: Sequence[HealingFrameSource[Frame]] = (),
        on_stop: Callable[[], None] = lambda: None,
        refused: Callable[[], dict[str, int]] = dict,
    ) -> None:
        """`healing`: the sources behind `frames` that reconnect, to report on and stop;
        `on_stop` ends the telemetry input; `refused` counts its refusals by reason."""
        self._inputs: tuple[Callable[[], Iterable[Event]], ...] = (frames, telemetry)
        self._queue: BoundedQueue[Event] = BoundedQueue(capacity, QueuePolicy.KEEP_NEWEST)
        self._healing = healing
        self._on_stop = on_stop
        self._refused = refused

    @property
    def telemetry_refused(self) -> dict[str, int]:
        return self._refused()

    def input_lost(self) -> str | None:
        lost = [f"video {why}" for h in self._healing if (why := h.outage()) is not None]
        return "; ".join(lost) or None

    def stop(self) -> None:
        """End the feed now; its reader threads end at their next step."""
        for source in self._healing:
            source.stop()
        self._on_stop()
        self._queue.close()

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


class HealingMpegTsFeed:
    def __init__(
        self,
        open_source: Callable[[], PyAvFrameSource],
        backoff: Backoff | None = None,
    ) -> None:
        self._open_source = open_source
        self._current: PyAvFrameSource | None = None
        self._healing: HealingFrameSource[Frame | TelemetrySample] = HealingFrameSource(
            self._connect, backoff or Backoff()
        )
        self._refused_before: dict[str, int] = {}  # by the connections that broke

    def events(self) -> Iterator[Event]:
        return self._healing.frames()

    def input_lost(self) -> str | None:
        return self._healing.outage()

    def stop(self) -> None:
        self._healing.stop()
        if self._current is not None:
            self._current.stop()

    @property
    def telemetry_refused(self) -> dict[str, int]:
        counts = dict(self._refused_before)
        if self._current is not None:
            for reason, count in self._current.telemetry_refused.items():
                counts[reason] = counts.get(reason, 0) + count
        return counts

    def _connect(self) -> Iterable[Event]:
        self._refused_before = self.telemetry_refused
        self._current = self._open_source()
        return self._current.events()
