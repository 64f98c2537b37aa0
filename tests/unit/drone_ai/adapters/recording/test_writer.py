"""RecordingWriter: segments rolled by received time and size, closed segments listed with
their checksums, open ones marked `.open`, and nothing lost to concurrent writers."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import pytest

from domain.recording import RecordingState, RecordingStream
from drone_ai.adapters.recording.reader import iter_chunks
from drone_ai.adapters.recording.recovery import recover
from drone_ai.errors import RecordingBusyError, RecordingError

from .helpers import MJPEG, START_US, StepClock, start_writer

INPUT = RecordingStream.INPUT
EVENTS = RecordingStream.EVENTS


def test_a_new_recording_has_its_folder_and_a_manifest_in_state_recording(tmp_path: Path) -> None:
    writer = start_writer(tmp_path)
    assert writer.folder == tmp_path / "flight-1" / "20260101T120000Z"
    manifest = json.loads((writer.folder / "manifest.json").read_text())
    assert manifest["state"] == "recording"
    assert manifest["ended_us"] is None
    assert manifest["started_us"] == START_US
    assert manifest["segments"] == []
    writer.finish()


def test_a_second_recording_in_the_same_second_gets_a_suffix(tmp_path: Path) -> None:
    first = start_writer(tmp_path)
    second = start_writer(tmp_path)
    assert second.folder.name == "20260101T120000Z-2"
    first.finish()
    second.finish()


def test_segments_roll_by_received_time(tmp_path: Path) -> None:
    writer = start_writer(tmp_path, span_us=1_000_000)
    for i in range(25):  # 10 chunks a second for 2.5 s
        writer.write(INPUT, START_US + i * 100_000, bytes([i]) * 188)
    manifest = writer.finish()
    assert [(s.name, s.chunks, s.first_us) for s in manifest.segments] == [
        ("input.000001.ts", 10, START_US),
        ("input.000002.ts", 10, START_US + 1_000_000),
        ("input.000003.ts", 5, START_US + 2_000_000),
    ]
    assert manifest.segments[0].last_us == START_US + 900_000


def test_segments_roll_by_size_and_an_oversized_chunk_goes_alone(tmp_path: Path) -> None:
    writer = start_writer(tmp_path, span_us=10**9, max_bytes=1000)
    for size in (400, 400, 400, 5000, 100):
        writer.write(INPUT, START_US, b"x" * size)
    manifest = writer.finish()
    assert [(s.bytes, s.chunks) for s in manifest.segments] == [
        (800, 2),
        (400, 1),
        (5000, 1),
        (100, 1),
    ]


def test_the_manifest_lists_each_segment_as_it_closes(tmp_path: Path) -> None:
    writer = start_writer(tmp_path, span_us=1_000_000)
    writer.write(INPUT, START_US, b"a" * 188)
    assert (writer.folder / "input.000001.ts.open").exists()
    assert (writer.folder / "input.000001.ts.idx.open").stat().st_size == 20
    writer.write(INPUT, START_US + 1_000_000, b"b" * 188)
    listed = json.loads((writer.folder / "manifest.json").read_text())
    assert [s["name"] for s in listed["segments"]] == ["input.000001.ts"]
    assert listed["state"] == "recording"
    assert (writer.folder / "input.000001.ts").exists()
    assert (writer.folder / "input.000001.ts.idx").exists()
    writer.finish()


def test_finish_closes_all_and_says_complete_with_the_end_time(tmp_path: Path) -> None:
    clock = StepClock()
    writer = start_writer(tmp_path, source=MJPEG, clock=clock)
    writer.write(RecordingStream.VIDEO, START_US + 1, b"\xff\xd8jpeg\xff\xd9")
    writer.write(RecordingStream.TELEMETRY, START_US + 2, b"\x06\x0e\x2b\x34klv")
    writer.write(EVENTS, START_US + 3, b'{"sequence": 1}\n')
    clock.now_us = START_US + 7_000_000
    manifest = writer.finish()
    assert manifest.state is RecordingState.COMPLETE
    assert manifest.ended_us == START_US + 7_000_000
    assert sorted(s.name for s in manifest.segments) == [
        "events.000001.jsonl",
        "telemetry.000001.klv",
        "video.000001.mjpeg",
    ]
    assert not list(writer.folder.glob("*.open"))
    assert writer.finish() == manifest  # a second finish changes nothing


def test_the_sha256_in_the_manifest_matches_the_files(tmp_path: Path) -> None:
    writer = start_writer(tmp_path, span_us=1_000_000)
    for i in range(40):  # 2.8 s: 3 segments of 1 s
        writer.write(INPUT, START_US + i * 70_000, bytes([i % 251]) * (100 + i))
    manifest = writer.finish()
    assert len(manifest.segments) == 3
    for entry in manifest.segments:
        data = (writer.folder / entry.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry.sha256
        assert len(data) == entry.bytes
        assert (writer.folder / (entry.name + ".idx")).stat().st_size == 20 * entry.chunks


@pytest.mark.parametrize(
    ("stream", "chunk", "message"),
    [
        (RecordingStream.VIDEO, b"jpeg", "expected for a mpegts source, got 'video'"),
        (INPUT, b"", "bytes expected, got none"),
        (EVENTS, b'{"a": 1}', "ending in a newline expected"),
        (EVENTS, b'{"a": 1}\n{"b": 2}\n', "one JSON line"),
    ],
    ids=["stream-of-another-source", "empty-chunk", "event-without-newline", "two-events"],
)
def test_a_chunk_the_recording_cannot_take_is_refused(
    tmp_path: Path, stream: RecordingStream, chunk: bytes, message: str
) -> None:
    writer = start_writer(tmp_path)
    with pytest.raises(RecordingError, match=message):
        writer.write(stream, START_US, chunk)
    writer.finish()


def test_no_write_after_finish(tmp_path: Path) -> None:
    writer = start_writer(tmp_path)
    writer.finish()
    with pytest.raises(RecordingError, match="finished"):
        writer.write(INPUT, START_US, b"late")


def test_an_unsafe_flight_id_is_refused_before_any_folder_is_made(tmp_path: Path) -> None:
    from domain.recording import SegmentLimits
    from drone_ai.adapters.recording.writer import RecordingWriter

    from .helpers import MPEGTS

    with pytest.raises(RecordingError, match="flight_id"):
        RecordingWriter.start(tmp_path, "..", MPEGTS, StepClock(), SegmentLimits(1, 1))
    assert list(tmp_path.iterdir()) == []


def test_a_live_recording_cannot_be_recovered(tmp_path: Path) -> None:
    writer = start_writer(tmp_path)
    writer.write(INPUT, START_US, b"live")
    with pytest.raises(RecordingBusyError, match="live writer"):
        recover(writer.folder)
    writer.finish()
    assert recover(writer.folder).state is RecordingState.COMPLETE


def test_three_threads_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    writer = start_writer(tmp_path, source=MJPEG, span_us=50_000, max_bytes=20_000)
    streams = (RecordingStream.VIDEO, RecordingStream.TELEMETRY, EVENTS)
    per_thread = 600
    barrier = threading.Barrier(len(streams))
    failures: list[BaseException] = []

    def chunk(stream: RecordingStream, i: int) -> bytes:
        body = f"{stream.value}-{i}-".encode() * (1 + i % 7)
        return body.replace(b"\n", b"") + b"\n" if stream is EVENTS else body

    def produce(stream: RecordingStream) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                writer.write(stream, START_US + i * 1_000, chunk(stream, i))
        except BaseException as exc:  # handed to the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=produce, args=(s,)) for s in streams]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    manifest = writer.finish()
    assert failures == []
    for stream in streams:
        read = [(c.received_us, c.data) for c in iter_chunks(writer.folder, stream)]
        assert read == [(START_US + i * 1_000, chunk(stream, i)) for i in range(per_thread)]
        assert len(manifest.segments_of(stream)) > 5  # rolled many times while the others wrote


def test_a_segment_that_cannot_close_fails_finish_after_the_others_closed(tmp_path: Path) -> None:
    writer = start_writer(tmp_path, source=MJPEG)
    writer.write(RecordingStream.TELEMETRY, START_US, b"klv")
    writer.write(RecordingStream.VIDEO, START_US, b"jpeg")
    (writer.folder / "telemetry.000001.klv.open").unlink()  # taken away under the writer
    with pytest.raises(RecordingError, match=r"telemetry\.000001\.klv: cannot rename closed"):
        writer.finish()
    manifest = json.loads((writer.folder / "manifest.json").read_text())
    assert manifest["state"] == "recording"  # left for recovery, which now may run
    assert [s["name"] for s in manifest["segments"]] == ["video.000001.mjpeg"]
    recovered = recover(writer.folder)
    assert recovered.state is RecordingState.RECOVERED
    assert [s.name for s in recovered.segments] == ["video.000001.mjpeg"]
