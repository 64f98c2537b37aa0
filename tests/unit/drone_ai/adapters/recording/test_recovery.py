"""recover(): an interrupted recording finalised to its last complete chunk, listed, marked
"recovered" with what was dropped; idempotent; complete and live recordings left alone.

An interrupted recording is made by copying a live writer's folder: the copy is what a
writer killed at that moment leaves (its files, without its lock)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from domain.recording import RecordingState, RecordingStream, SegmentLimits
from drone_ai.adapters.recording.manifest import read_manifest, write_manifest
from drone_ai.adapters.recording.reader import iter_chunks
from drone_ai.adapters.recording.recovery import find_interrupted, recover
from drone_ai.adapters.recording.writer import RecordingWriter
from drone_ai.errors import RecordingError

from .helpers import START_US, start_writer

INPUT = RecordingStream.INPUT


def _chunk(i: int) -> bytes:
    return bytes([i]) * (50 + i)


def _interrupted(tmp_path: Path, chunks: int = 10, span_us: int = 10**9) -> tuple[Path, Path]:
    """A recording killed after `chunks` chunks (10 ms apart): its folder, and the live one."""
    writer = start_writer(tmp_path / "live", span_us=span_us)
    for i in range(chunks):
        writer.write(INPUT, START_US + i * 10_000, _chunk(i))
    dead = tmp_path / "root" / "flight-1" / writer.folder.name
    shutil.copytree(writer.folder, dead)
    writer.finish()
    return dead, writer.folder


def _read(folder: Path) -> list[tuple[int, bytes]]:
    return [(c.received_us, c.data) for c in iter_chunks(folder, INPUT)]


def _expected(count: int) -> list[tuple[int, bytes]]:
    return [(START_US + i * 10_000, _chunk(i)) for i in range(count)]


def test_a_partial_last_chunk_is_cut_and_the_rest_listed(tmp_path: Path) -> None:
    dead, _ = _interrupted(tmp_path)
    data = dead / "input.000001.ts.open"
    size = data.stat().st_size
    with data.open("r+b") as stream:
        stream.truncate(size - 5)  # the last chunk's write cut short
    manifest = recover(dead)
    assert manifest.state is RecordingState.RECOVERED
    assert manifest.recovered is not None
    assert manifest.recovered.segments == ("input.000001.ts",)
    assert manifest.recovered.bytes_dropped == len(_chunk(9)) - 5
    assert manifest.recovered.last_chunk_us == START_US + 8 * 10_000
    assert manifest.ended_us == START_US + 8 * 10_000
    assert _read(dead) == _expected(9)
    assert (dead / "input.000001.ts.idx").stat().st_size == 9 * 20
    assert not list(dead.glob("*.open"))
    assert read_manifest(dead) == manifest


def test_bytes_past_the_last_index_record_are_cut(tmp_path: Path) -> None:
    dead, _ = _interrupted(tmp_path)
    with (dead / "input.000001.ts.open").open("ab") as stream:
        stream.write(b"\x47garbage of a chunk whose index record never came")
    with (dead / "input.000001.ts.idx.open").open("ab") as stream:
        stream.write(b"\x01\x02\x03")  # a record cut short
    manifest = recover(dead)
    assert manifest.recovered is not None
    assert manifest.recovered.bytes_dropped == 49
    assert _read(dead) == _expected(10)


def test_recovery_is_idempotent(tmp_path: Path) -> None:
    dead, _ = _interrupted(tmp_path)
    with (dead / "input.000001.ts.open").open("ab") as stream:
        stream.write(b"partial")
    first = recover(dead)
    files = {p.name: p.read_bytes() for p in dead.iterdir()}
    assert recover(dead) == first
    assert {p.name: p.read_bytes() for p in dead.iterdir()} == files


def test_a_complete_recording_is_left_alone(tmp_path: Path) -> None:
    _, complete = _interrupted(tmp_path)
    files = {p.name: p.read_bytes() for p in complete.iterdir()}
    assert recover(complete).state is RecordingState.COMPLETE
    assert {p.name: p.read_bytes() for p in complete.iterdir()} == files


def test_closed_segments_the_manifest_missed_are_listed(tmp_path: Path) -> None:
    # 30 chunks over 290 ms in segments of 100 ms: 2 closed, a third open. The writer "died"
    # after renaming segment 2 closed (data and, for segment 1, index) and before listing it.
    dead, _ = _interrupted(tmp_path, chunks=30, span_us=100_000)
    manifest = read_manifest(dead)
    write_manifest(dead, dataclasses.replace(manifest, segments=manifest.segments[:1]))
    (dead / "input.000002.ts.idx").rename(dead / "input.000002.ts.idx.open")
    recovered = recover(dead)
    assert recovered.recovered is not None
    assert recovered.recovered.segments == ("input.000002.ts", "input.000003.ts")
    assert recovered.recovered.bytes_dropped == 0
    assert [s.chunks for s in recovered.segments] == [10, 10, 10]
    assert _read(dead) == _expected(30)


def test_an_open_segment_without_a_complete_chunk_is_removed(tmp_path: Path) -> None:
    dead, _ = _interrupted(tmp_path, chunks=1)
    (dead / "input.000001.ts.idx.open").write_bytes(b"")  # the index record never came
    manifest = recover(dead)
    assert manifest.segments == ()
    assert manifest.recovered is not None
    assert manifest.recovered.bytes_dropped == len(_chunk(0))
    assert manifest.recovered.last_chunk_us is None
    assert manifest.ended_us == manifest.started_us
    assert sorted(p.name for p in dead.iterdir()) == ["manifest.json"]


def test_find_interrupted_lists_only_recordings_no_live_writer_holds(tmp_path: Path) -> None:
    root = tmp_path / "root"
    dead, _ = _interrupted(tmp_path)
    complete = start_writer(root)
    complete.finish()
    live = RecordingWriter.start(
        root, "flight-2", read_manifest(dead).source, lambda: START_US, SegmentLimits(1, 1)
    )
    (root / "not-a-recording" / "x").mkdir(parents=True)
    (root / "not-a-recording" / "x" / "manifest.json").write_text("{")
    assert find_interrupted(root) == [dead]
    recover(dead)
    assert find_interrupted(root) == []
    live.finish()


@pytest.mark.parametrize("name", ["input.000001.ts.open", "input.000001.ts.idx.open"])
def test_recovery_names_a_segment_file_it_cannot_fix(tmp_path: Path, name: str) -> None:
    dead, _ = _interrupted(tmp_path)
    path = dead / name
    path.unlink()
    path.mkdir()  # neither readable nor cuttable as a file
    with pytest.raises(RecordingError, match=r"input\.000001\.ts: cannot recover"):
        recover(dead)
