"""iter_chunks: a stream's chunks in order across its segments, with their received times,
and a segment that differs from its manifest entry is an error, not a different replay."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from domain.recording import RecordingStream
from drone_ai.adapters.recording.reader import iter_chunks
from drone_ai.errors import RecordingError, RecordingFormatError

from .helpers import START_US, start_writer

INPUT = RecordingStream.INPUT


def _recorded(tmp_path: Path, count: int = 200) -> tuple[Path, list[tuple[int, bytes]]]:
    rng = random.Random(8)
    sent = [
        (START_US + i * 33_000 + rng.randrange(1000), rng.randbytes(rng.randrange(1, 3000)))
        for i in range(count)
    ]
    writer = start_writer(tmp_path, span_us=1_000_000, max_bytes=60_000)
    for received_us, data in sent:
        writer.write(INPUT, received_us, data)
    writer.write(RecordingStream.EVENTS, START_US, b'{"kind": "track"}\n')
    writer.finish()
    return writer.folder, sent


def test_chunks_across_segments_read_back_identical_with_their_times(tmp_path: Path) -> None:
    folder, sent = _recorded(tmp_path)
    chunks = list(iter_chunks(folder, INPUT))
    segments = {c.segment for c in chunks}
    assert len(segments) >= 6  # rolled by time (6.6 s) and by size (about 300 kB)
    assert [(c.received_us, c.data) for c in chunks] == sent
    assert chunks[0].segment == "input.000001.ts"
    assert [c.data for c in iter_chunks(folder, RecordingStream.EVENTS)] == [b'{"kind": "track"}\n']


def test_a_stream_with_no_segments_has_no_chunks(tmp_path: Path) -> None:
    folder, _ = _recorded(tmp_path, count=3)
    assert list(iter_chunks(folder, RecordingStream.VIDEO)) == []


def test_a_changed_byte_is_found_by_its_checksum(tmp_path: Path) -> None:
    folder, _ = _recorded(tmp_path)
    path = folder / "input.000002.ts"
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RecordingFormatError, match=r"input.000002.ts: SHA-256 .* expected"):
        list(iter_chunks(folder, INPUT))


def test_a_segment_of_another_size_is_refused_before_its_chunks(tmp_path: Path) -> None:
    folder, _ = _recorded(tmp_path)
    with (folder / "input.000001.ts").open("ab") as stream:
        stream.write(b"extra")
    chunks = iter_chunks(folder, INPUT)
    with pytest.raises(RecordingFormatError, match=r"bytes in .* chunks expected"):
        next(chunks)


def test_a_missing_listed_segment_is_named(tmp_path: Path) -> None:
    folder, _ = _recorded(tmp_path)
    os.remove(folder / "input.000001.ts.idx")
    with pytest.raises(RecordingError, match="a listed segment expected"):
        list(iter_chunks(folder, INPUT))
