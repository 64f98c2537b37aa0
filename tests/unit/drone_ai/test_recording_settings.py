from __future__ import annotations

from pathlib import Path

import pytest

from drone_ai.config import Settings
from drone_ai.errors import ConfigError


def test_recordings_default_to_a_local_folder_in_10_s_or_64_mib_segments() -> None:
    settings = Settings.from_env({})
    assert settings.recording_dir == Path("recordings")
    assert settings.recording_segment_s == 10.0
    assert settings.recording_segment_bytes == 64 * 1024 * 1024


def test_recording_settings_come_from_their_variables() -> None:
    settings = Settings.from_env(
        {
            "DRONE_AI_RECORDING_DIR": "/var/lib/drone-ai/recordings",
            "DRONE_AI_RECORDING_SEGMENT_S": "2.5",
            "DRONE_AI_RECORDING_SEGMENT_BYTES": "1048576",
        }
    )
    assert settings.recording_dir == Path("/var/lib/drone-ai/recordings")
    assert settings.recording_segment_s == 2.5
    assert settings.recording_segment_bytes == 1_048_576


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("DRONE_AI_RECORDING_SEGMENT_S", "0", "0.001 to 3600, got 0.0"),
        ("DRONE_AI_RECORDING_SEGMENT_S", "nan", "0.001 to 3600, got nan"),
        ("DRONE_AI_RECORDING_SEGMENT_S", "ten", "expected a number"),
        ("DRONE_AI_RECORDING_SEGMENT_BYTES", "1000", "4096 to 64 GiB, got 1000"),
        ("DRONE_AI_RECORDING_SEGMENT_BYTES", "64MiB", "expected an integer"),
    ],
    ids=["zero-span", "nan-span", "span-not-a-number", "tiny-segment", "size-with-unit"],
)
def test_a_bad_recording_setting_is_named(name: str, value: str, words: str) -> None:
    with pytest.raises(ConfigError, match=f"{name}: .*{words}"):
        Settings.from_env({name: value})
