"""RecordingWriter: one flight's recording on local disk, in the format of domain/recording.py.

Video, telemetry and events arrive from different threads: each stream has its own lock (a
segment's fsync at close holds up that stream only) and the manifest one more, always taken
after a stream's. Nothing is buffered beyond the chunk being written.

A live writer holds an exclusive flock(2) on its recording folder; the kernel lets go of it
when the process ends however it ends, which is how recovery tells an interrupted recording
from one still being written.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from domain.errors import DomainError
from domain.recording import (
    RecordingSource,
    RecordingState,
    RecordingStream,
    SegmentLimits,
    check_safe_id,
    recording_id,
)
from drone_ai.adapters.host.atomic_file import fsync_folder
from drone_ai.adapters.recording.manifest import (
    Manifest,
    SegmentEntry,
    write_manifest,
)
from drone_ai.adapters.recording.segments import OpenSegment
from drone_ai.errors import RecordingBusyError, RecordingError

_MAX_ATTEMPTS = 1000  # recordings of one flight started within the same second


def lock_folder(folder: Path) -> int:
    """An exclusive flock on the folder, held by the returned descriptor until it is closed."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise RecordingBusyError(f"{folder}: a live writer holds this recording") from None
    return descriptor


class RecordingWriter:
    """Writes one recording; start it with `RecordingWriter.start`."""

    def __init__(
        self,
        folder: Path,
        manifest: Manifest,
        limits: SegmentLimits,
        clock_us: Callable[[], int],
        lock_descriptor: int,
    ) -> None:
        self._folder = folder
        self._manifest = manifest
        self._limits = limits
        self._clock_us = clock_us
        self._lock_descriptor = lock_descriptor
        self._streams = manifest.source.kind.streams
        self._stream_locks = {stream: threading.Lock() for stream in self._streams}
        self._manifest_lock = threading.Lock()
        self._open: dict[RecordingStream, OpenSegment] = {}
        self._next_number = dict.fromkeys(self._streams, 1)
        self._closed: list[SegmentEntry] = []
        self._finished = False

    @classmethod
    def start(
        cls,
        root: Path,
        flight_id: str,
        source: RecordingSource,
        clock_us: Callable[[], int],
        limits: SegmentLimits,
    ) -> RecordingWriter:
        """A new recording folder `<root>/<flight_id>/<recording id>/`, locked, with its
        first manifest (state "recording") written."""
        try:
            flight_folder = root / check_safe_id("flight_id", flight_id)
        except DomainError as exc:
            raise RecordingError(str(exc)) from exc
        started_us = clock_us()
        try:
            flight_folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RecordingError(f"{flight_folder}: cannot create: {exc}") from exc
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            name = recording_id(started_us, attempt)
            folder = flight_folder / name
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            except OSError as exc:
                raise RecordingError(f"{folder}: cannot create: {exc}") from exc
            break
        else:
            raise RecordingError(
                f"{flight_folder}: a free recording id expected, {_MAX_ATTEMPTS} taken"
            )
        lock = lock_folder(folder)
        manifest = Manifest(flight_id, name, source, started_us, None, RecordingState.RECORDING)
        try:
            fsync_folder(flight_folder)
            write_manifest(folder, manifest)
        except BaseException:
            os.close(lock)
            raise
        return cls(folder, manifest, limits, clock_us, lock)

    @property
    def folder(self) -> Path:
        return self._folder

    def manifest(self) -> Manifest:
        """The manifest as last written."""
        with self._manifest_lock:
            return self._manifest

    def write(self, stream: RecordingStream, received_us: int, chunk: bytes) -> None:
        """Append one chunk (a datagram, a JPEG, a KLV packet, an event's JSON line ending in
        a newline) received at `received_us`; it is with the operating system on return."""
        if stream not in self._streams:
            raise RecordingError(
                f"stream: one of {sorted(s.value for s in self._streams)} expected for a "
                f"{self._manifest.source.kind.value} source, got {stream.value!r}"
            )
        if not chunk:
            raise RecordingError(f"{stream.value} chunk: bytes expected, got none")
        if stream is RecordingStream.EVENTS and chunk.find(b"\n") != len(chunk) - 1:
            raise RecordingError(
                f"events chunk: one JSON line ending in a newline expected, got {chunk[:60]!r}"
            )
        with self._stream_locks[stream]:
            if self._finished:
                raise RecordingError(f"{self._folder}: the recording is finished, no more writes")
            segment = self._open.get(stream)
            if segment is not None and self._limits.needs_roll(
                segment.first_us, segment.data_bytes, received_us, len(chunk)
            ):
                self._close(stream, segment)
                segment = None
            if segment is None:
                segment = OpenSegment(self._folder, stream, self._next_number[stream])
                self._next_number[stream] += 1
                self._open[stream] = segment
            segment.append(received_us, chunk)

    def finish(self) -> Manifest:
        """Close every open segment, write the manifest "complete" and let go of the
        recording. A second call returns the same manifest."""
        streams = sorted(self._streams, key=lambda s: s.value)
        for stream in streams:  # one fixed order: no two finishes deadlock
            self._stream_locks[stream].acquire()
        try:
            if self._finished:
                return self.manifest()
            self._finished = True
            try:
                failure: RecordingError | None = None
                for stream in streams:  # every stream closed, even past one that fails
                    segment = self._open.get(stream)
                    try:
                        if segment is not None:
                            self._close(stream, segment)
                    except RecordingError as exc:
                        failure = failure or exc
                if failure is not None:
                    raise failure
                with self._manifest_lock:
                    self._manifest = self._current(RecordingState.COMPLETE, self._clock_us())
                    write_manifest(self._folder, self._manifest)
                    return self._manifest
            finally:
                # Also when a close failed: the recording is then left "recording", for
                # recovery to finalise.
                os.close(self._lock_descriptor)
        finally:
            for stream in streams:
                self._stream_locks[stream].release()

    def _close(self, stream: RecordingStream, segment: OpenSegment) -> None:
        del self._open[stream]
        entry = segment.close()
        with self._manifest_lock:
            self._closed.append(entry)
            self._manifest = self._current(RecordingState.RECORDING, None)
            write_manifest(self._folder, self._manifest)

    def _current(self, state: RecordingState, ended_us: int | None) -> Manifest:
        segments = tuple(sorted(self._closed, key=lambda s: (s.stream.value, s.index)))
        return dataclasses.replace(
            self._manifest, state=state, ended_us=ended_us, segments=segments
        )

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.finish()
