"""The manifest: its JSON form round-trips, it is written atomically, and a manifest that is
not this format (another version, malformed JSON, a wrong field) is a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.recording import RecordingState, RecordingStream
from drone_ai.adapters.recording.manifest import (
    Manifest,
    RecoveryReport,
    SegmentEntry,
    read_manifest,
    write_manifest,
)
from drone_ai.errors import RecordingError, RecordingFormatError

from .helpers import MPEGTS, START_US


def _manifest() -> Manifest:
    return Manifest(
        flight_id="flight-1",
        recording_id="20260101T120000Z",
        source=MPEGTS,
        started_us=START_US,
        ended_us=START_US + 5,
        state=RecordingState.RECOVERED,
        recovered=RecoveryReport(("input.000002.ts",), 17, START_US + 4),
        segments=(
            SegmentEntry(RecordingStream.INPUT, 1, 10, "ab" * 32, START_US, START_US + 1, 2),
            SegmentEntry(RecordingStream.INPUT, 2, 3, "cd" * 32, START_US + 2, START_US + 4, 1),
        ),
    )


def test_a_manifest_round_trips_through_its_file(tmp_path: Path) -> None:
    write_manifest(tmp_path, _manifest())
    assert read_manifest(tmp_path) == _manifest()
    assert not (tmp_path / "manifest.json.tmp").exists()


def test_the_json_has_the_contract_fields(tmp_path: Path) -> None:
    write_manifest(tmp_path, _manifest())
    value = json.loads((tmp_path / "manifest.json").read_text())
    assert value["format"] == "drone-ai-recording/1"
    assert value["source"] == {
        "kind": "mpegts",
        "video_uri": "udp://:5000",
        "telemetry_uri": "udp://:5000",
    }
    assert value["recovered"] == {
        "segments": ["input.000002.ts"],
        "bytes_dropped": 17,
        "last_chunk_us": START_US + 4,
    }
    assert value["segments"][1] == {
        "stream": "input",
        "index": 2,
        "name": "input.000002.ts",
        "bytes": 3,
        "sha256": "cd" * 32,
        "first_us": START_US + 2,
        "last_us": START_US + 4,
        "chunks": 1,
    }


def test_a_rewrite_replaces_the_manifest_whole(tmp_path: Path) -> None:
    write_manifest(tmp_path, _manifest())
    shorter = Manifest(
        "flight-1", "20260101T120000Z", MPEGTS, START_US, None, RecordingState.RECORDING
    )
    write_manifest(tmp_path, shorter)
    assert read_manifest(tmp_path) == shorter


def _write_json(folder: Path, value: object) -> None:
    (folder / "manifest.json").write_text(json.dumps(value))


def test_another_format_version_is_refused_by_name(tmp_path: Path) -> None:
    value = _manifest().to_json()
    value["format"] = "drone-ai-recording/2"
    _write_json(tmp_path, value)
    with pytest.raises(
        RecordingFormatError,
        match=r"format: expected 'drone-ai-recording/1', got 'drone-ai-recording/2'",
    ):
        read_manifest(tmp_path)


@pytest.mark.parametrize(
    "text",
    ['{"format": "drone-ai-recording/1", ', "", "\xff\xfe", "[]"],
    ids=["truncated", "empty", "not-json", "not-an-object"],
)
def test_malformed_json_is_a_format_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "manifest.json").write_text(text, encoding="latin-1")
    with pytest.raises(RecordingFormatError, match=r"manifest\.json"):
        read_manifest(tmp_path)


@pytest.mark.parametrize(
    ("path", "bad", "message"),
    [
        (("state",), "paused", "'paused' is no RecordingState"),
        (("started_us",), "12", "started_us: an integer expected, got '12'"),
        (("started_us",), True, "started_us: an integer expected, got True"),
        (("source", "kind"), "rtsp", "'rtsp' is no SourceKind"),
        (("flight_id",), "../etc", "flight_id"),
        (("segments", 0, "name"), "input.000009.ts", "name: expected 'input.000001.ts'"),
        (("segments", 0, "stream"), "audio", "'audio' is no RecordingStream"),
    ],
    ids=[
        "state",
        "time-as-text",
        "time-as-bool",
        "source-kind",
        "flight-id",
        "segment-name",
        "stream",
    ],
)
def test_a_wrong_field_is_named(
    tmp_path: Path, path: tuple[str | int, ...], bad: object, message: str
) -> None:
    value = _manifest().to_json()
    target = value
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad
    _write_json(tmp_path, value)
    with pytest.raises(RecordingFormatError, match=message):
        read_manifest(tmp_path)


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    value = _manifest().to_json()
    del value["segments"][1]["sha256"]
    _write_json(tmp_path, value)
    with pytest.raises(RecordingFormatError, match=r"segments\[1\]: sha256: expected, missing"):
        read_manifest(tmp_path)


def test_a_folder_without_a_manifest_is_no_recording(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="manifest expected, no such file"):
        read_manifest(tmp_path)
