"""Partners for the tower benchmark: gRPC subscribers in processes of their own (as partners
are), over 127.0.0.1, each stream following one flight from its start.

A subscriber process runs its streams on one asyncio loop (grpc.aio) over several channels,
each its own TCP connection, so that one HTTP/2 connection is not what is measured. A frame
event's latency is the wall clock when its message is read here, less the event's
`received_us` (the tower's wall clock when the frame came in, on this same host). Frames are
counted in a window of frame times; a stream ends at the window's last frame, at the flight's
STOPPED or FAILED status, on an error, or at the deadline.

A stalled subscriber opens a stream, reads its first event (so that the stream is known to
be open) and then never reads again: the tower's sending side fills and waits.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.synchronize
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import numpy as np

from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc

ENDS = {pb.FLIGHT_STATE_STOPPED: "stopped", pb.FLIGHT_STATE_FAILED: "failed"}
# Separate channels to one address share one connection unless told not to.
CHANNEL_OPTIONS = [("grpc.use_local_subchannel_pool", 1)]


@dataclass(slots=True)
class StreamResult:
    """What one stream saw of its flight's frame events in its window of frame times."""

    flight_id: str
    frames: int = 0
    latencies_us: list[int] = field(default_factory=list)
    frame_times_us: list[int] = field(default_factory=list)  # of the same frames
    logged_us: list[int] = field(default_factory=list)  # their time from in to the log
    first_us: int = 0  # when the first counted frame event was read (wall clock)
    last_us: int = 0
    gaps: int = 0
    ended: str = "cut off"  # by the deadline, or by the bench (Subscribers.results)

    @property
    def fps(self) -> float:
        span_s = (self.last_us - self.first_us) / 1e6
        return (self.frames - 1) / span_s if self.frames > 1 and span_s > 0 else 0.0


def percentiles_ms(latencies_us: Sequence[int]) -> tuple[float, float]:
    """p50 and p99 in milliseconds (NaN with no samples)."""
    if not latencies_us:
        return float("nan"), float("nan")
    p50, p99 = np.percentile(np.asarray(latencies_us, dtype=np.float64), [50, 99])
    return float(p50) / 1e3, float(p99) / 1e3


@dataclass(frozen=True, slots=True)
class Window:
    """The frame times a stream counts, inclusive; it ends at `until_us`."""

    from_us: int = 0
    until_us: int = 2**63 - 1


async def _follow(
    stub: pb_grpc.TowerStub,
    result: StreamResult,
    window: Window,
    opened: asyncio.Queue[None],
) -> None:
    call = stub.Subscribe(pb.SubscribeRequest(flight_ids=[result.flight_id]))
    first = True
    try:
        async for event in call:
            now_us = time.time_ns() // 1_000
            if first:
                first = False
                opened.put_nowait(None)
            kind = event.WhichOneof("event")
            if kind == "frame":
                frame_us = event.frame.frame_time_us
                if frame_us >= window.from_us:
                    result.frames += 1
                    result.latencies_us.append(now_us - event.frame.received_us)
                    result.logged_us.append(event.logged_us - event.frame.received_us)
                    result.frame_times_us.append(frame_us)
                    result.first_us = result.first_us or now_us
                    result.last_us = now_us
                if frame_us >= window.until_us:
                    result.ended = "window ended"
                    break
            elif kind == "gap":
                result.gaps += 1
            elif kind == "status" and event.status.state in ENDS:
                detail = event.status.detail
                result.ended = ENDS[event.status.state] + (f": {detail}" if detail else "")
                break
        else:
            result.ended = "closed by the tower"
        call.cancel()
    except grpc.aio.AioRpcError as exc:
        result.ended = f"error {exc.code().name}: {exc.details()}"
        if first:
            opened.put_nowait(None)  # it will not open: do not keep the others waiting


async def _subscribe(
    address: str,
    flight_ids: Sequence[str],
    channels: int,
    window: Window,
    deadline_s: float,
    go: multiprocessing.synchronize.Event,
    finish: multiprocessing.synchronize.Event,
    report: multiprocessing.Queue[object],
) -> None:
    opened: asyncio.Queue[None] = asyncio.Queue()
    results = [StreamResult(flight_id) for flight_id in flight_ids]
    links = [grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS) for _ in range(channels)]
    stubs = [pb_grpc.TowerStub(link) for link in links]  # type: ignore[no-untyped-call]
    for link in links:
        await link.channel_ready()
    report.put("ready")
    await asyncio.get_running_loop().run_in_executor(None, go.wait)
    cpu_began_s = time.process_time()
    tasks = [
        asyncio.create_task(_follow(stubs[i % channels], result, window, opened))
        for i, result in enumerate(results)
    ]
    began = time.monotonic()
    try:
        for _ in results:
            await asyncio.wait_for(opened.get(), max(0.1, deadline_s - (time.monotonic() - began)))
        report.put("open")
        told = asyncio.get_running_loop().run_in_executor(None, finish.wait, deadline_s)
        # Exceptions returned, not raised: streams cut off end cancelled, and that is all.
        ended = asyncio.gather(*tasks, return_exceptions=True)
        either: list[asyncio.Future[Any]] = [ended, told]
        await asyncio.wait(
            either,
            timeout=max(0.1, deadline_s - (time.monotonic() - began)),
            return_when=asyncio.FIRST_COMPLETED,
        )
    except TimeoutError:
        report.put("open")  # harmless if said twice: the parent reads past it
    finally:
        finish.set()  # lets the waiting thread go, however the streams ended
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for link in links:
            await link.close()
    report.put((results, time.process_time() - cpu_began_s))


def _subscriber_main(
    address: str,
    flight_ids: list[str],
    channels: int,
    window: Window,
    deadline_s: float,
    go: multiprocessing.synchronize.Event,
    finish: multiprocessing.synchronize.Event,
    report: multiprocessing.Queue[object],
) -> None:
    asyncio.run(_subscribe(address, flight_ids, channels, window, deadline_s, go, finish, report))


class Subscribers:
    """Streams, one per entry of `flight_ids`, in one spawned process. The process starts
    and connects at once; `start()` opens the streams and returns once each has its first
    event (the flights must exist by then); `results()` returns once all have ended."""

    def __init__(
        self,
        address: str,
        flight_ids: Sequence[str],
        channels: int = 1,
        window: Window = Window(),
        deadline_s: float = 60.0,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._report: multiprocessing.Queue[object] = context.Queue()
        self._go = context.Event()
        self._finish = context.Event()
        self._deadline_s = deadline_s
        self._process = context.Process(
            target=_subscriber_main,
            args=(
                address,
                list(flight_ids),
                channels,
                window,
                deadline_s,
                self._go,
                self._finish,
                self._report,
            ),
            name="subscribers",
            daemon=True,
        )
        self._process.start()
        self._said: list[object] = []
        self.cpu_s = 0.0

    def _expect(self, word: str) -> None:
        said = self._report.get(timeout=self._deadline_s + 60.0)
        if said != word:
            raise RuntimeError(f"subscribers: expected {word!r}, got {said!r}")

    def wait_ready(self) -> None:
        """Returns once the process has connected its channels."""
        if "ready" not in self._said:
            self._expect("ready")
            self._said.append("ready")

    def start(self) -> None:
        self.wait_ready()
        self._go.set()
        self._expect("open")

    def results(self, cut_off_after_s: float | None = None) -> list[StreamResult]:
        """Each stream's results once all have ended, or (given `cut_off_after_s`) that long
        from now, the streams still open then cut off; `cpu_s` is then the process's CPU
        time since `start()`."""
        if cut_off_after_s is not None:
            time.sleep(cut_off_after_s)
            self._finish.set()
        while True:
            said = self._report.get(timeout=self._deadline_s + 60.0)
            if isinstance(said, tuple):
                self._process.join(10.0)
                results, self.cpu_s = said
                return list(results)

    def kill(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(5.0)


def _stall_main(
    address: str,
    flight_id: str,
    report: multiprocessing.Queue[object],
    release: multiprocessing.synchronize.Event,
) -> None:
    with grpc.insecure_channel(address, options=CHANNEL_OPTIONS) as link:
        stub = pb_grpc.TowerStub(link)  # type: ignore[no-untyped-call]
        call = stub.Subscribe(pb.SubscribeRequest(flight_ids=[flight_id]))
        next(call)
        report.put("open")
        release.wait()  # never reads again until released
        call.cancel()


class StalledSubscriber:
    """A partner that opens a stream to `flight_id` and stops reading it."""

    def __init__(self, address: str, flight_id: str) -> None:
        context = multiprocessing.get_context("spawn")
        report: multiprocessing.Queue[object] = context.Queue()
        self._release = context.Event()
        self._process = context.Process(
            target=_stall_main,
            args=(address, flight_id, report, self._release),
            name="stalled-subscriber",
            daemon=True,
        )
        self._process.start()
        said = report.get(timeout=60.0)
        if said != "open":
            raise RuntimeError(f"stalled subscriber: expected 'open', got {said!r}")

    def close(self) -> None:
        self._release.set()
        self._process.join(10.0)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5.0)
