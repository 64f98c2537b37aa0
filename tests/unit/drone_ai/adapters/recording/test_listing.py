import json
from pathlib import Path

import pytest

from domain.errors import InvalidValueError
from domain.recording import RecordingState, RecordingStream
from drone_ai.adapters.recording.listing import local_recordings
from drone_ai.entrypoints.cli import EXIT_OK, EXIT_UNREADABLE, main
from tests.unit.drone_ai.adapters.recording.helpers import START_US, StepClock, start_writer


def recordings(root: Path) -> tuple[str, str, str]:
    """A finished recording, one being written (its writer left open), one damaged."""
    clock = StepClock()
    done = start_writer(root, clock=clock)
    done.write(RecordingStream.INPUT, START_US, b"\x47" * 188)
    clock.now_us = START_US + 2_500_000
    done.finish()
    clock.now_us = START_US + 10_000_000
    live = start_writer(root, clock=clock)
    broken = root / "flight-2" / "20260101T130000Z"
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    live.write(RecordingStream.INPUT, START_US + 10_000_000, b"\x47" * 188)
    return (
        f"flight-1/{done.folder.name}",
        f"flight-1/{live.folder.name}",
        "flight-2/20260101T130000Z",
    )


def test_every_recording_is_listed_with_its_manifest_or_why_not(tmp_path: Path) -> None:
    done, live, broken = recordings(tmp_path)
    (tmp_path / "flight-1" / "notes").mkdir()  # not a recording: no manifest, no id
    listed = local_recordings(tmp_path)
    assert [item.location for item in listed] == [done, live, broken]
    first, second, third = listed
    assert first.manifest is not None and first.manifest.state is RecordingState.COMPLETE
    assert first.data_bytes == 188 and first.problem is None
    assert second.manifest is not None and second.manifest.state is RecordingState.RECORDING
    assert third.manifest is None and third.problem is not None and "JSON" in third.problem
    assert [i.location for i in local_recordings(tmp_path, "flight-2")] == [broken]
    assert local_recordings(tmp_path, "flight-9") == []
    assert local_recordings(tmp_path / "nowhere") == []
    with pytest.raises(InvalidValueError, match="flight_id"):
        local_recordings(tmp_path, "../etc")


def test_drone_ai_recordings_prints_a_table_or_json_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    done, live, broken = recordings(tmp_path)
    monkeypatch.setenv("DRONE_AI_RECORDING_DIR", str(tmp_path))
    assert main(["recordings"]) == EXIT_OK
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split()[:3] == ["RECORDING", "STATE", "SOURCE"]
    assert rows[1].split()[:3] == [done, "complete", "mpegts"]
    assert "2.5 s" in rows[1] and "2026-01-01 12:00:00" in rows[1]
    assert rows[2].split()[:2] == [live, "recording"]
    assert rows[3].split()[:2] == [broken, "unreadable"]

    assert main(["recordings", "flight-1", "--format", "json"]) == EXIT_OK
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["recording"] for line in lines] == [done, live]
    assert lines[0]["state"] == "complete" and lines[0]["data_bytes"] == 188
    assert lines[0]["ended_us"] - lines[0]["started_us"] == 2_500_000

    assert main(["recordings", "--s3"]) == EXIT_UNREADABLE
    assert "DRONE_AI_S3_BUCKET" in capsys.readouterr().err
    assert main(["recordings", "../x"]) == EXIT_UNREADABLE
    assert "flight_id" in capsys.readouterr().err
