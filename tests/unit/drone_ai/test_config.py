from __future__ import annotations

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
