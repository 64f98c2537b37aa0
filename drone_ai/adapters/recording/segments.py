"""A segment's files: the data file and its index of 20-byte records (domain/recording.py).

While open, both names carry `.open`. Each chunk is written with pwrite at the offset the
segment expects, then its index record at the next record's place: a chunk whose write fails
half way is overwritten by the next, and what a dead writer leaves past its last record is cut
by recovery. Both are plain unbuffered descriptors, so every chunk is with the operating system
when append returns (a SIGKILL loses nothing appended); fsync comes at close.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from domain.recording import (
    INDEX_RECORD_BYTES,
    INDEX_SUFFIX,
    OPEN_SUFFIX,
    IndexRecord,
    RecordingStream,
    segment_name,
    unpack_index,
)
from drone_ai.adapters.host.atomic_file import fsync_folder
from drone_ai.adapters.recording.manifest import SegmentEntry
from drone_ai.errors import RecordingError

_READ_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class SegmentPaths:
    """Where a segment's files are, open and closed."""

    data: Path
    index: Path

    @classmethod
    def of(cls, folder: Path, stream: RecordingStream, number: int) -> SegmentPaths:
        name = segment_name(stream, number)
        return cls(folder / name, folder / (name + INDEX_SUFFIX))

    @property
    def open_data(self) -> Path:
        return self.data.with_name(self.data.name + OPEN_SUFFIX)

    @property
    def open_index(self) -> Path:
        return self.index.with_name(self.index.name + OPEN_SUFFIX)


class OpenSegment:
    """One segment being written; not thread-safe (the writer holds its stream's lock)."""

    def __init__(self, folder: Path, stream: RecordingStream, number: int) -> None:
        self.stream = stream
        self.number = number
        self._folder = folder
        self._paths = SegmentPaths.of(folder, stream, number)
        self._digest = hashlib.sha256()
        self.data_bytes = 0
        self.chunks = 0
        self.first_us = 0
        self.last_us = 0
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        try:
            self._data = os.open(self._paths.open_data, flags, 0o644)
        except OSError as exc:
            raise RecordingError(f"{self._paths.open_data}: cannot create: {exc}") from exc
        try:
            self._index = os.open(self._paths.open_index, flags, 0o644)
        except OSError as exc:
            os.close(self._data)
            raise RecordingError(f"{self._paths.open_index}: cannot create: {exc}") from exc

    def append(self, received_us: int, chunk: bytes) -> None:
        """Write the chunk, then its index record; both are with the OS on return."""
        record = IndexRecord(received_us, self.data_bytes, len(chunk))
        try:
            _pwrite_all(self._data, chunk, self.data_bytes)
            _pwrite_all(self._index, record.pack(), self.chunks * INDEX_RECORD_BYTES)
        except OSError as exc:
            raise RecordingError(
                f"{self._paths.open_data}: cannot append {len(chunk)} bytes: {exc}"
            ) from exc
        self._digest.update(chunk)
        # min and max: threads may hand in a stream's chunks a little out of time order.
        if self.chunks == 0:
            self.first_us = self.last_us = received_us
        else:
            self.first_us = min(self.first_us, received_us)
            self.last_us = max(self.last_us, received_us)
        self.data_bytes += len(chunk)
        self.chunks += 1

    def close(self) -> SegmentEntry:
        """Cut what a failed write left past the last chunk, fsync, rename both files
        closed (data first: recovery finishes a half-done rename), fsync the folder."""
        try:
            os.ftruncate(self._data, self.data_bytes)
            os.ftruncate(self._index, self.chunks * INDEX_RECORD_BYTES)
            os.fsync(self._data)
            os.fsync(self._index)
        except OSError as exc:
            raise RecordingError(f"{self._paths.open_data}: cannot close: {exc}") from exc
        finally:
            os.close(self._data)
            os.close(self._index)
        try:
            self._paths.open_data.rename(self._paths.data)
            self._paths.open_index.rename(self._paths.index)
            fsync_folder(self._folder)
        except OSError as exc:
            raise RecordingError(f"{self._paths.data}: cannot rename closed: {exc}") from exc
        return SegmentEntry(
            stream=self.stream,
            index=self.number,
            bytes=self.data_bytes,
            sha256=self._digest.hexdigest(),
            first_us=self.first_us,
            last_us=self.last_us,
            chunks=self.chunks,
        )


def _pwrite_all(descriptor: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(descriptor, view, offset)
        view = view[written:]
        offset += written


def iter_index(path: Path) -> Iterator[IndexRecord]:
    """The whole records of an index file, read a block at a time."""
    block = INDEX_RECORD_BYTES * (_READ_BLOCK // INDEX_RECORD_BYTES)
    with path.open("rb") as stream:
        while data := stream.read(block):
            yield from unpack_index(data)
