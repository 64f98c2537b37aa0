"""Recordings played back (issue 8's replay): the recorded input through the current pipeline
(re-analyse: an MPEG-TS recording's bytes for PyAV to demux again; an MJPEG+KLV one's parts
and datagrams decoded as the live sources decode them, in the order they were received), or
the recorded result events as they were logged (results), all at the recorded pace times
`speed`, or as fast as the reader takes them (speed 0). A recording is named by
"<flight_id>/<recording_id>" under the recordings root, or by the path of its folder."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path

from domain.event_log import Sequenced
from domain.flight_events import FlightEvent
from domain.frames import Frame
from domain.recording import RecordingState, RecordingStream, SourceKind
from domain.telemetry import TelemetrySample
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.adapters.klv.reader import KlvTelemetryDecoder
from drone_ai.adapters.klv.udp import datagram_samples
from drone_ai.adapters.recording.event_lines import decode_line
from drone_ai.adapters.recording.manifest import MANIFEST_NAME, read_manifest
from drone_ai.adapters.recording.reader import Chunk, iter_chunks, iter_received
from drone_ai.adapters.video.mjpeg import MjpegPartDecoder, recorded_part_of
from drone_ai.adapters.video.pyav_source import PyAvFrameSource
from drone_ai.errors import NotAvailableError, RecordingBusyError, RecordingError, SourceError


def paced(
    chunks: Iterable[Chunk],
    speed: float,
    stop: threading.Event | None = None,
    clock_s: Callable[[], float] = time.monotonic,
) -> Generator[Chunk, None, None]:
    """`chunks` released at their recorded spacing divided by `speed` (0: at once); ends
    early once `stop` is set."""
    stop = stop or threading.Event()
    began_s: float | None = None
    first_us = 0
    for chunk in chunks:
        if began_s is None:
            began_s, first_us = clock_s(), chunk.received_us
        elif speed > 0.0:
            due_s = began_s + (chunk.received_us - first_us) / 1e6 / speed
            if stop.wait(max(0.0, due_s - clock_s())):
                return
        if stop.is_set():
            return
        yield chunk


class RecordedInput:
    """A recording's input stream as PyAV reads a live one: front to back, once, paced."""

    def __init__(self, folder: Path, speed: float, stop: threading.Event) -> None:
        self._chunks = paced(iter_chunks(folder, RecordingStream.INPUT), speed, stop)
        self._pending = b""

    def read(self, size: int = -1) -> bytes:
        if not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._pending = chunk.data
        if size < 0 or size >= len(self._pending):
            data, self._pending = self._pending, b""
        else:
            data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def close(self) -> None:
        self._chunks.close()


class ReplayFeed:
    """A recorded MPEG-TS flight as a flight's input; stop() ends it between chunks."""

    def __init__(self, folder: Path, speed: float, policy: DecodePolicy) -> None:
        self._stopped = threading.Event()
        self._source = PyAvFrameSource(
            f"recording {folder.name}",
            policy,
            reader=lambda: RecordedInput(folder, speed, self._stopped),
        )

    def events(self) -> Iterator[Frame | TelemetrySample]:
        return self._source.events()

    @property
    def telemetry_refused(self) -> dict[str, int]:
        return self._source.telemetry_refused

    def stop(self) -> None:
        self._stopped.set()


class MjpegReplayFeed:
    """A recorded MJPEG+KLV flight as a flight's input: its JPEG parts and KLV datagrams in the
    order the tower received them (a part before a datagram received in the same microsecond),
    each decoded as the live source decoded it, a frame timed as it was live (its capture time
    header, else its arrival). One thread reads both, so that every replay sees the same order
    where the live flight's two readers raced. stop() ends it between chunks."""

    def __init__(self, folder: Path, speed: float, policy: DecodePolicy) -> None:
        self._folder = folder
        self._speed = speed
        self._klv = DecodeContext(policy)
        self._parts = MjpegPartDecoder()
        self._stopped = threading.Event()

    def events(self) -> Iterator[Frame | TelemetrySample]:
        decoder = KlvTelemetryDecoder(self._klv)
        received = iter_received(self._folder, RecordingStream.VIDEO, RecordingStream.TELEMETRY)
        for chunk in paced(received, self._speed, self._stopped):
            if chunk.stream is RecordingStream.TELEMETRY:
                yield from datagram_samples(decoder, chunk.data)
                continue
            try:
                headers, body = recorded_part_of(chunk.data)
            except SourceError as exc:
                raise RecordingError(f"recording {self._folder}: {exc}") from exc
            frame = self._parts.decode(headers, body, chunk.received_us)
            if frame is not None:
                yield frame

    @property
    def telemetry_refused(self) -> dict[str, int]:
        return self._klv.counts.as_dict()

    def stop(self) -> None:
        self._stopped.set()


class LocalRecordings:
    """The recordings under `root` (DRONE_AI_RECORDING_DIR): the RecordingLibrary port."""

    def __init__(
        self,
        root: Path,
        policy: DecodePolicy = DecodePolicy.LENIENT,
        fetch_s3: Callable[[str], Path] | None = None,
    ) -> None:
        """`fetch_s3`: an s3:// recording brought to a local folder (None: no S3 store)."""
        self._root = root
        self._policy = policy
        self._fetch_s3 = fetch_s3

    def folder(self, recording: str) -> Path:
        """RecordingError unless `recording` names a recording's folder (an s3:// one is
        fetched first)."""
        if recording.startswith("s3://"):
            if self._fetch_s3 is None:
                raise NotAvailableError(
                    "replay from s3://: this tower has no S3 store (DRONE_AI_S3_BUCKET)"
                )
            folder = self._fetch_s3(recording)
        else:
            folder = Path(recording) if Path(recording).is_absolute() else self._root / recording
        if ".." in Path(recording).parts or not (folder / MANIFEST_NAME).is_file():
            raise RecordingError(
                f"recording: <flight_id>/<recording_id> under {self._root} or a recording's "
                f"folder expected, got {recording!r}"
            )
        if read_manifest(folder).state is RecordingState.RECORDING:
            raise RecordingBusyError(
                f"recording {recording!r}: a finished recording expected, it is still being "
                "written (or was interrupted and awaits recovery)"
            )
        return folder

    def span_us(self, recording: str) -> int:
        """How long the recording lasts, from its start to its last chunk (its manifest)."""
        manifest = read_manifest(self.folder(recording))
        ended_us = manifest.ended_us if manifest.ended_us is not None else manifest.started_us
        return max(0, ended_us - manifest.started_us)

    def input_feed(self, recording: str, speed: float) -> ReplayFeed | MjpegReplayFeed:
        folder = self.folder(recording)
        if read_manifest(folder).source.kind is SourceKind.MJPEG_KLV:
            return MjpegReplayFeed(folder, speed, self._policy)
        return ReplayFeed(folder, speed, self._policy)

    def recorded_events(
        self, recording: str, speed: float, stop: threading.Event
    ) -> Iterator[Sequenced[FlightEvent]]:
        folder = self.folder(recording)  # checked now, not when the events are first read
        chunks = paced(iter_chunks(folder, RecordingStream.EVENTS), speed, stop)
        return (decode_line(chunk.data) for chunk in chunks)
