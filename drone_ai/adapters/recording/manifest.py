"""A recording's manifest.json: the typed value, its JSON form, and its atomic write.

The write is atomic on a POSIX file system: `manifest.json.tmp` written, flushed and fsynced,
renamed over `manifest.json`, then the folder fsynced so that the rename itself survives a
power cut. A reader sees the old manifest or the new one, never half of one.
"""

from __future__ import annotations

import enum
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from domain.errors import DomainError
from domain.recording import (
    FORMAT,
    RecordingSource,
    RecordingState,
    RecordingStream,
    SourceKind,
    check_safe_id,
    segment_name,
)
from drone_ai.adapters.host.atomic_file import fsync_folder
from drone_ai.errors import RecordingError, RecordingFormatError

MANIFEST_NAME = "manifest.json"
_TMP_NAME = MANIFEST_NAME + ".tmp"
_E = TypeVar("_E", bound=enum.Enum)


@dataclass(frozen=True, slots=True)
class SegmentEntry:
    """A closed segment: its data file's name, size and SHA-256, its chunks' time range."""

    stream: RecordingStream
    index: int
    bytes: int
    sha256: str
    first_us: int
    last_us: int
    chunks: int

    @property
    def name(self) -> str:
        return segment_name(self.stream, self.index)


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    """What recovery did: the segments it closed and listed, the data bytes it cut (partial
    chunks), and the received time of the latest chunk the recording keeps."""

    segments: tuple[str, ...]
    bytes_dropped: int
    last_chunk_us: int | None


@dataclass(frozen=True, slots=True)
class Manifest:
    flight_id: str
    recording_id: str
    source: RecordingSource
    started_us: int
    ended_us: int | None
    state: RecordingState
    recovered: RecoveryReport | None = None
    segments: tuple[SegmentEntry, ...] = field(default=())

    def __post_init__(self) -> None:
        check_safe_id("flight_id", self.flight_id)
        check_safe_id("recording_id", self.recording_id)

    def segments_of(self, stream: RecordingStream) -> list[SegmentEntry]:
        """The stream's closed segments in order."""
        return sorted((s for s in self.segments if s.stream is stream), key=lambda s: s.index)

    def to_json(self) -> dict[str, Any]:
        recovered = self.recovered
        return {
            "format": FORMAT,
            "flight_id": self.flight_id,
            "recording_id": self.recording_id,
            "source": {
                "kind": self.source.kind.value,
                "video_uri": self.source.video_uri,
                "telemetry_uri": self.source.telemetry_uri,
            },
            "started_us": self.started_us,
            "ended_us": self.ended_us,
            "state": self.state.value,
            "recovered": None
            if recovered is None
            else {
                "segments": list(recovered.segments),
                "bytes_dropped": recovered.bytes_dropped,
                "last_chunk_us": recovered.last_chunk_us,
            },
            "segments": [
                {
                    "stream": s.stream.value,
                    "index": s.index,
                    "name": s.name,
                    "bytes": s.bytes,
                    "sha256": s.sha256,
                    "first_us": s.first_us,
                    "last_us": s.last_us,
                    "chunks": s.chunks,
                }
                for s in self.segments
            ],
        }

    @classmethod
    def from_json(cls, value: object, origin: str = "manifest") -> Manifest:
        """The manifest a JSON value holds; RecordingFormatError, naming the field, for any
        other format version or a field of the wrong type."""
        fields = _Fields(value, origin)
        found = fields.text("format")
        if found != FORMAT:
            raise RecordingFormatError(f"{origin}: format: expected {FORMAT!r}, got {found!r}")
        source = _Fields(fields.get("source"), f"{origin}: source")
        recovered = fields.get("recovered")
        segments = fields.get("segments")
        if not isinstance(segments, list):
            raise RecordingFormatError(f"{origin}: segments: a list expected, got {segments!r}")
        try:
            return cls(
                flight_id=fields.text("flight_id"),
                recording_id=fields.text("recording_id"),
                source=RecordingSource(
                    fields.choice(SourceKind, source.text("kind")),
                    source.text("video_uri"),
                    source.text("telemetry_uri"),
                ),
                started_us=fields.integer("started_us"),
                ended_us=fields.optional_integer("ended_us"),
                state=fields.choice(RecordingState, fields.text("state")),
                recovered=None if recovered is None else _recovery(recovered, origin),
                segments=tuple(
                    _segment(entry, f"{origin}: segments[{i}]") for i, entry in enumerate(segments)
                ),
            )
        except DomainError as exc:
            raise RecordingFormatError(f"{origin}: {exc}") from exc


def _recovery(value: object, origin: str) -> RecoveryReport:
    fields = _Fields(value, f"{origin}: recovered")
    names = fields.get("segments")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise RecordingFormatError(f"{origin}: recovered.segments: a list of names expected")
    return RecoveryReport(
        tuple(names), fields.integer("bytes_dropped"), fields.optional_integer("last_chunk_us")
    )


def _segment(value: object, origin: str) -> SegmentEntry:
    fields = _Fields(value, origin)
    entry = SegmentEntry(
        stream=fields.choice(RecordingStream, fields.text("stream")),
        index=fields.integer("index"),
        bytes=fields.integer("bytes"),
        sha256=fields.text("sha256"),
        first_us=fields.integer("first_us"),
        last_us=fields.integer("last_us"),
        chunks=fields.integer("chunks"),
    )
    if entry.index < 1 or fields.text("name") != entry.name:
        raise RecordingFormatError(
            f"{origin}: name: expected {entry.name!r} for index {entry.index}, "
            f"got {fields.get('name')!r}"
        )
    return entry


class _Fields:
    """A JSON object's fields, each checked for its type with a message that names it."""

    def __init__(self, value: object, origin: str) -> None:
        if not isinstance(value, dict):
            raise RecordingFormatError(f"{origin}: a JSON object expected, got {value!r:.80}")
        self._value: dict[str, object] = value
        self._origin = origin

    def get(self, name: str) -> object:
        if name not in self._value:
            raise RecordingFormatError(f"{self._origin}: {name}: expected, missing")
        return self._value[name]

    def text(self, name: str) -> str:
        value = self.get(name)
        if not isinstance(value, str):
            raise RecordingFormatError(f"{self._origin}: {name}: a string expected, got {value!r}")
        return value

    def integer(self, name: str) -> int:
        value = self.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise RecordingFormatError(
                f"{self._origin}: {name}: an integer expected, got {value!r}"
            )
        return value

    def optional_integer(self, name: str) -> int | None:
        return None if self.get(name) is None else self.integer(name)

    def choice(self, kind: type[_E], raw: str) -> _E:
        try:
            return kind(raw)
        except ValueError:
            raise RecordingFormatError(
                f"{self._origin}: {raw!r} is no {kind.__name__} value"
            ) from None


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the recording in `folder`."""
    path = folder / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecordingError(f"{path}: a recording's manifest expected, no such file") from None
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read the manifest: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise RecordingFormatError(f"{path}: UTF-8 JSON expected: {exc}") from exc
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordingFormatError(f"{path}: JSON expected: {exc}") from exc
    return Manifest.from_json(value, str(path))


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Replace the folder's manifest atomically (see the module's docstring)."""
    text = json.dumps(manifest.to_json(), indent=1) + "\n"
    tmp = folder / _TMP_NAME
    try:
        with tmp.open("w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        tmp.replace(folder / MANIFEST_NAME)
        fsync_folder(folder)
    except OSError as exc:
        raise RecordingError(f"{folder}: cannot write the manifest: {exc}") from exc
