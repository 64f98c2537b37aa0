from __future__ import annotations

import re
from pathlib import Path

import pytest

from drone_ai.config import Settings
from drone_ai.errors import ConfigError


def test_defaults_run_with_no_environment() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.klv_strict is False


def test_settings_come_from_drone_ai_variables() -> None:
    settings = Settings.from_env(
        {"DRONE_AI_KLV_MAX_PACKET_BYTES": "4096", "DRONE_AI_KLV_STRICT": "true", "OTHER": "x"}
    )
    assert settings == Settings(klv_max_packet_bytes=4096, klv_strict=True)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DRONE_AI_KLV_MAX_PACKET_BYTES", "big"),
        ("DRONE_AI_KLV_MAX_PACKET_BYTES", "1"),
        ("DRONE_AI_KLV_MAX_PACKET_BYTES", str(1 << 30)),
        ("DRONE_AI_KLV_STRICT", "maybe"),
    ],
)
def test_malformed_settings_name_the_variable_and_the_value(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_a_config_file_sets_what_the_environment_does_not(tmp_path: Path) -> None:
    path = tmp_path / "tower.toml"
    path.write_text(
        'listen = "10.0.0.5:50051"\ndetect_workers = 3\nklv_strict = true\n'
        'detector_providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]\n'
    )
    settings = Settings.load({"DRONE_AI_DETECT_WORKERS": "2"}, path)
    assert settings.listen == "10.0.0.5:50051" and settings.klv_strict is True
    assert settings.detect_workers == 2  # the environment wins
    assert settings.detector_providers == ("CUDAExecutionProvider", "CPUExecutionProvider")
    assert Settings.load({"DRONE_AI_CONFIG": str(path)}).detect_workers == 3


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("lisen = 'x'", "a setting name expected"),
        ("detect_workers = 'three'", "DRONE_AI_DETECT_WORKERS: expected an integer"),
        ("detect_workers = 999", "DRONE_AI_DETECT_WORKERS: expected 0 (one per core"),
        ("listen = {host = 'x'}", "listen: a string, number, boolean or list"),
        ("listen = ", "TOML expected"),
    ],
)
def test_a_bad_config_file_is_a_clear_error(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "tower.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(words)):
        Settings.load({}, path)


def test_a_missing_config_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="a readable TOML file expected"):
        Settings.load({}, tmp_path / "nowhere.toml")
