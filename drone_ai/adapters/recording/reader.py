"""Reading a recording back: a stream's chunks in order, across its closed segments, with
the time each was received. Replay is built on this; it checks as it reads that each segment
is what its manifest lists (size, chunk count, SHA-256), so a damaged file is an error, not
a silently different replay.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from domain.recording import RecordingStream
from drone_ai.adapters.recording.manifest import SegmentEntry, read_manifest
from drone_ai.adapters.recording.segments import SegmentPaths, iter_index
from drone_ai.errors import RecordingError, RecordingFormatError


@dataclass(frozen=True, slots=True)
class Chunk:
    """One chunk as it was received: when (UTC us), its bytes, the segment it is in, and that
    segment's stream."""

    received_us: int
    data: bytes
    segment: str
    stream: RecordingStream


def iter_chunks(folder: Path, stream: RecordingStream) -> Iterator[Chunk]:
    """The stream's chunks in the order written, one in memory at a time. A segment that
    differs from its manifest entry raises RecordingFormatError: before its first chunk for
    a size or index that does not match, after its last for a checksum that does not."""
    manifest = read_manifest(folder)
    for entry in manifest.segments_of(stream):
        yield from _segment_chunks(folder, entry)


def iter_received(folder: Path, *streams: RecordingStream) -> Iterator[Chunk]:
    """Several streams' chunks in the order they were received (of two received in the same
    microsecond, the one of the stream named first comes first)."""
    return heapq.merge(
        *(iter_chunks(folder, stream) for stream in streams), key=lambda c: c.received_us
    )


def _segment_chunks(folder: Path, entry: SegmentEntry) -> Iterator[Chunk]:
    paths = SegmentPaths.of(folder, entry.stream, entry.index)
    try:
        size = paths.data.stat().st_size
        records = list(iter_index(paths.index))
    except OSError as exc:
        raise RecordingError(f"{paths.data}: a listed segment expected: {exc}") from exc
    offset = 0
    for record in records:
        if record.offset != offset:
            raise RecordingFormatError(
                f"{paths.index}: a chunk at offset {offset} expected, got {record.offset}"
            )
        offset = record.end
    if size != entry.bytes or offset != entry.bytes or len(records) != entry.chunks:
        raise RecordingFormatError(
            f"{paths.data}: {entry.bytes} bytes in {entry.chunks} chunks expected (manifest), "
            f"got {size} bytes, {offset} indexed in {len(records)} chunks"
        )
    digest = hashlib.sha256()
    with paths.data.open("rb") as data:
        for record in records:
            chunk = data.read(record.length)
            digest.update(chunk)
            yield Chunk(record.received_us, chunk, entry.name, entry.stream)
    if digest.hexdigest() != entry.sha256:
        raise RecordingFormatError(
            f"{paths.data}: SHA-256 {entry.sha256} expected (manifest), got {digest.hexdigest()}"
        )
