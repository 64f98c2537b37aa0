from __future__ import annotations

import pytest

from drone_ai.config import Settings
from drone_ai.errors import ConfigError


def test_by_default_nothing_is_uploaded_and_local_copies_are_kept() -> None:
    settings = Settings.from_env({})
    assert settings.s3_bucket is None
    assert settings.s3_prefix == "recordings"
    assert settings.s3_endpoint_url is None
    assert settings.s3_region is None
    assert settings.recording_keep_local is True


def test_s3_settings_come_from_their_variables() -> None:
    settings = Settings.from_env(
        {
            "DRONE_AI_S3_BUCKET": "tower-recordings",
            "DRONE_AI_S3_PREFIX": "site-a/recordings",
            "DRONE_AI_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "DRONE_AI_S3_REGION": "eu-west-1",
            "DRONE_AI_RECORDING_KEEP_LOCAL": "false",
        }
    )
    assert settings.s3_bucket == "tower-recordings"
    assert settings.s3_prefix == "site-a/recordings"
    assert settings.s3_endpoint_url == "http://127.0.0.1:9000"
    assert settings.s3_region == "eu-west-1"
    assert settings.recording_keep_local is False


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("DRONE_AI_S3_BUCKET", "ab", "3 to 63 characters"),
        ("DRONE_AI_S3_BUCKET", "bucket/prefix", "without '/'"),
        ("DRONE_AI_S3_ENDPOINT_URL", "127.0.0.1:9000", "http:// or https://"),
        ("DRONE_AI_RECORDING_KEEP_LOCAL", "maybe", "0/1/true/false"),
    ],
    ids=["short-bucket", "bucket-with-slash", "endpoint-without-scheme", "keep-local-not-boolean"],
)
def test_malformed_s3_settings_name_the_variable(name: str, value: str, words: str) -> None:
    with pytest.raises(ConfigError, match=name) as caught:
        Settings.from_env({name: value})
    assert words in str(caught.value)
    assert value in str(caught.value)
