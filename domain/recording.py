"""The pure parts of the recording format (README, "Recording format"; issue 8).

A recording is a folder of segments per stream. Each segment is a data file and an index of
fixed 20-byte little-endian records (int64 received_us, uint64 offset, uint32 length), one per
chunk, appended after the chunk's bytes. Times are UTC microseconds of the tower's clock when
the chunk was received. File I/O lives in drone_ai/adapters/recording; this module holds the
names, the record layout, the roll rule and the rule that finds the complete chunks of an
interrupted segment.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from domain.errors import InvalidValueError
from domain.uris import has_credentials, without_credentials

FORMAT = "drone-ai-recording/1"
INDEX_RECORD = struct.Struct("<qQI")
INDEX_RECORD_BYTES = INDEX_RECORD.size  # 20: the struct has no padding with "<"
OPEN_SUFFIX = ".open"
INDEX_SUFFIX = ".idx"
_INT64_MAX = 2**63 - 1
_UINT32_MAX = 2**32 - 1


class RecordingStream(enum.Enum):
    """A stream of a recording; the value is the segment file's prefix."""

    INPUT = "input"  # MPEG-TS sources: the TS bytes as received
    VIDEO = "video"  # MJPEG sources: the JPEG images as received
    TELEMETRY = "telemetry"  # MJPEG sources: the KLV packets as received
    EVENTS = "events"  # the flight's result events, one JSON object per line

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self]


_EXTENSIONS = {
    RecordingStream.INPUT: "ts",
    RecordingStream.VIDEO: "mjpeg",
    RecordingStream.TELEMETRY: "klv",
    RecordingStream.EVENTS: "jsonl",
}


class SourceKind(enum.Enum):
    MPEGTS = "mpegts"
    MJPEG_KLV = "mjpeg+klv"

    @property
    def streams(self) -> frozenset[RecordingStream]:
        """The streams a recording of this kind of source holds."""
        if self is SourceKind.MPEGTS:
            return frozenset({RecordingStream.INPUT, RecordingStream.EVENTS})
        return frozenset({RecordingStream.VIDEO, RecordingStream.TELEMETRY, RecordingStream.EVENTS})


class RecordingState(enum.Enum):
    RECORDING = "recording"  # a writer has it, or had it and died (then it needs recovery)
    COMPLETE = "complete"  # the writer finished it
    RECOVERED = "recovered"  # recovery finalised it after its writer died


# scheme://user:password@host -> scheme://host; the manifest is shared with partners and S3.
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_RECORDING_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z(-[0-9]+)?")
_SEGMENT_NAME = re.compile(r"(input|video|telemetry|events)\.([0-9]{6,})\.(ts|mjpeg|klv|jsonl)")


@dataclass(frozen=True, slots=True)
class RecordingSource:
    """What was recorded: the kind of source and its URIs, never with user or password."""

    kind: SourceKind
    video_uri: str
    telemetry_uri: str

    def __post_init__(self) -> None:
        for name in ("video_uri", "telemetry_uri"):
            if has_credentials(getattr(self, name)):
                raise InvalidValueError(name, "a URI without user or password", "one with them")

    @classmethod
    def of(cls, kind: SourceKind, video_uri: str, telemetry_uri: str) -> RecordingSource:
        """The source with any user and password taken out of its URIs."""
        return cls(kind, without_credentials(video_uri), without_credentials(telemetry_uri))


@dataclass(frozen=True, slots=True)
class IndexRecord:
    """One chunk of a segment: when it arrived, and where its bytes lie in the data file."""

    received_us: int
    offset: int
    length: int

    def __post_init__(self) -> None:
        if not -_INT64_MAX - 1 <= self.received_us <= _INT64_MAX:
            raise InvalidValueError("received_us", "a signed 64-bit integer", self.received_us)
        if not 0 <= self.offset <= 2**64 - 1:
            raise InvalidValueError("offset", "an unsigned 64-bit integer", self.offset)
        if not 0 <= self.length <= _UINT32_MAX:
            raise InvalidValueError("length", "0 to 2**32 - 1 bytes", self.length)

    @property
    def end(self) -> int:
        return self.offset + self.length

    def pack(self) -> bytes:
        return INDEX_RECORD.pack(self.received_us, self.offset, self.length)


def unpack_index(data: bytes) -> Iterator[IndexRecord]:
    """The whole records in `data`; a partial record at its end (a write cut short) is not one."""
    whole = len(data) - len(data) % INDEX_RECORD_BYTES
    for received_us, offset, length in INDEX_RECORD.iter_unpack(data[:whole]):
        yield IndexRecord(received_us, offset, length)


def complete_records(records: Iterator[IndexRecord], data_bytes: int) -> list[IndexRecord]:
    """The records of an interrupted segment that can be trusted: from the first, each one
    starting where the one before ended, with its bytes wholly inside the `data_bytes` the data
    file holds. The first that breaks this ends the list (its bytes, and everything after,
    were not all written)."""
    kept: list[IndexRecord] = []
    expected_offset = 0
    for record in records:
        if record.offset != expected_offset or record.end > data_bytes:
            break
        kept.append(record)
        expected_offset = record.end
    return kept


def segment_name(stream: RecordingStream, index: int) -> str:
    """`input.000001.ts`: the stream, the segment's number from 1, the stream's extension."""
    if index < 1:
        raise InvalidValueError("index", "a segment number from 1", index)
    return f"{stream.value}.{index:06d}.{stream.extension}"


def parse_segment_name(name: str) -> tuple[RecordingStream, int] | None:
    """The stream and number of a closed segment's data file name; None for any other name."""
    match = _SEGMENT_NAME.fullmatch(name)
    if match is None:
        return None
    stream = RecordingStream(match.group(1))
    if match.group(3) != stream.extension or int(match.group(2)) < 1:
        return None
    return stream, int(match.group(2))


def check_safe_id(field: str, value: str) -> str:
    """A flight or recording id fit to be a folder name (and an S3 key part)."""
    if not _SAFE_ID.fullmatch(value) or value in (".", ".."):
        raise InvalidValueError(field, "1 to 64 of A-Z a-z 0-9 . _ - (not . or ..)", value)
    return value


def is_recording_id(text: str) -> bool:
    """Whether `text` has the form recording_id gives (to tell a recording from a flight)."""
    return _RECORDING_ID.fullmatch(text) is not None


def recording_id(started_us: int, attempt: int = 1) -> str:
    """`20260101T120000Z` from the start time (UTC); `-2`, `-3`, ... when that one is taken."""
    start = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=started_us)
    base = start.strftime("%Y%m%dT%H%M%SZ")
    return base if attempt == 1 else f"{base}-{attempt}"


@dataclass(frozen=True, slots=True)
class SegmentLimits:
    """When a segment closes: after `max_span_us` of received time or `max_bytes` of data."""

    max_span_us: int
    max_bytes: int

    def __post_init__(self) -> None:
        if self.max_span_us < 1:
            raise InvalidValueError("max_span_us", "a positive number of microseconds", self)
        if self.max_bytes < 1:
            raise InvalidValueError("max_bytes", "a positive number of bytes", self)

    def needs_roll(self, first_us: int, data_bytes: int, received_us: int, length: int) -> bool:
        """Whether a chunk received at `received_us` starts a new segment, the open one
        having begun at `first_us` with `data_bytes` written. A chunk larger than the limit
        still goes whole into a segment of its own: chunks are never split."""
        if data_bytes == 0:
            return False
        return received_us - first_us >= self.max_span_us or data_bytes + length > self.max_bytes
