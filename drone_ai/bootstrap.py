"""The composition root: the one place that picks concrete adapters and wires them."""

from __future__ import annotations

from contextlib import AbstractContextManager
from importlib import resources
from pathlib import Path

from drone_ai.adapters.klv.files import KlvFileTelemetrySource
from drone_ai.adapters.klv.policy import DecodePolicy
from drone_ai.config import Settings

SAMPLE_FLIGHT = "aphill_klv_10s.ts"


def telemetry_file_source(path: Path, settings: Settings) -> KlvFileTelemetrySource:
    """KLV telemetry from an MPEG-TS or raw KLV file, under the configured policy."""
    policy = DecodePolicy.STRICT if settings.klv_strict else DecodePolicy.LENIENT
    return KlvFileTelemetrySource(path, policy, settings.klv_max_packet_bytes)


def sample_flight() -> AbstractContextManager[Path]:
    """The embedded sample flight as a file path, for as long as the context is open."""
    return resources.as_file(resources.files("drone_ai.samples").joinpath(SAMPLE_FLIGHT))
