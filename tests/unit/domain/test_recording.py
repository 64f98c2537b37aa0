"""The pure parts of the recording format: names, index records, the roll rule, and which
records of an interrupted segment are kept."""

from __future__ import annotations

import pytest

from domain.errors import InvalidValueError
from domain.recording import (
    INDEX_RECORD_BYTES,
    IndexRecord,
    RecordingSource,
    RecordingStream,
    SegmentLimits,
    SourceKind,
    check_safe_id,
    complete_records,
    parse_segment_name,
    recording_id,
    segment_name,
    unpack_index,
)


def test_an_index_record_is_20_little_endian_bytes() -> None:
    record = IndexRecord(received_us=-2, offset=0x0102, length=7)
    assert INDEX_RECORD_BYTES == 20
    assert record.pack() == (
        (-2).to_bytes(8, "little", signed=True) + (0x0102).to_bytes(8, "little") + b"\x07\0\0\0"
    )


def test_unpack_index_ignores_a_partial_last_record() -> None:
    records = [IndexRecord(10, 0, 5), IndexRecord(20, 5, 3)]
    data = b"".join(r.pack() for r in records)
    assert list(unpack_index(data + data[:7])) == records


@pytest.mark.parametrize(
    ("data_bytes", "kept"),
    [(8, 2), (7, 1), (5, 1), (4, 0), (0, 0)],
    ids=["all-bytes", "last-chunk-short", "first-only", "first-short", "empty"],
)
def test_complete_records_keep_those_whose_bytes_are_all_there(data_bytes: int, kept: int) -> None:
    records = [IndexRecord(10, 0, 5), IndexRecord(20, 5, 3)]
    assert complete_records(iter(records), data_bytes) == records[:kept]


def test_complete_records_stop_at_a_record_that_does_not_follow_the_one_before() -> None:
    records = [IndexRecord(10, 0, 5), IndexRecord(20, 6, 3), IndexRecord(30, 9, 1)]
    assert complete_records(iter(records), 100) == records[:1]


@pytest.mark.parametrize(
    ("stream", "index", "name"),
    [
        (RecordingStream.INPUT, 1, "input.000001.ts"),
        (RecordingStream.VIDEO, 12, "video.000012.mjpeg"),
        (RecordingStream.TELEMETRY, 999_999, "telemetry.999999.klv"),
        (RecordingStream.EVENTS, 1_000_000, "events.1000000.jsonl"),
    ],
    ids=["input", "video", "telemetry", "events-past-six-digits"],
)
def test_segment_names_round_trip(stream: RecordingStream, index: int, name: str) -> None:
    assert segment_name(stream, index) == name
    assert parse_segment_name(name) == (stream, index)


@pytest.mark.parametrize(
    "name",
    ["input.000001.klv", "input.1.ts", "input.000000.ts", "manifest.json", "input.000001.ts.s3"],
)
def test_other_names_are_no_segment(name: str) -> None:
    assert parse_segment_name(name) is None


def test_segment_numbers_start_at_one() -> None:
    with pytest.raises(InvalidValueError, match="index"):
        segment_name(RecordingStream.INPUT, 0)


def test_recording_id_is_the_utc_start_with_a_suffix_when_taken() -> None:
    started_us = 1_767_268_800_000_000 + 3_723_500_000  # 2026-01-01T13:02:03.5Z
    assert recording_id(started_us) == "20260101T130203Z"
    assert recording_id(started_us, 2) == "20260101T130203Z-2"


@pytest.mark.parametrize("flight_id", ["", ".", "..", "a/b", "x" * 65, "a b"])
def test_an_unsafe_flight_id_is_refused(flight_id: str) -> None:
    with pytest.raises(InvalidValueError, match="flight_id"):
        check_safe_id("flight_id", flight_id)


def test_a_source_loses_user_and_password_from_its_uris() -> None:
    source = RecordingSource.of(SourceKind.MPEGTS, "rtsp://op:secret@cam/1", "udp://@:5000")
    assert source.video_uri == "rtsp://cam/1"
    assert source.telemetry_uri == "udp://:5000"
    with pytest.raises(InvalidValueError, match="video_uri"):
        RecordingSource(SourceKind.MPEGTS, "rtsp://op:secret@cam/1", "")


@pytest.mark.parametrize(
    ("first_us", "data_bytes", "received_us", "length", "rolls"),
    [
        (0, 0, 10_000_000, 100, False),  # an empty segment takes any chunk
        (0, 10, 9_999_999, 10, False),
        (0, 10, 10_000_000, 10, True),  # span reached
        (0, 90, 1, 10, False),  # exactly full
        (0, 90, 1, 11, True),  # would overflow
        (0, 0, 1, 1000, False),  # a chunk larger than the limit goes alone
    ],
    ids=["empty", "before-span", "span", "exactly-full", "overflow", "oversized-chunk"],
)
def test_the_roll_rule(
    first_us: int, data_bytes: int, received_us: int, length: int, rolls: bool
) -> None:
    limits = SegmentLimits(max_span_us=10_000_000, max_bytes=100)
    assert limits.needs_roll(first_us, data_bytes, received_us, length) is rolls


def test_streams_of_each_source_kind() -> None:
    assert SourceKind.MPEGTS.streams == {RecordingStream.INPUT, RecordingStream.EVENTS}
    assert RecordingStream.INPUT not in SourceKind.MJPEG_KLV.streams
