"""The application's settings: one frozen value, from DRONE_AI_* environment variables.

Defaults run on a laptop: no AWS, no GPU.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from drone_ai.errors import ConfigError

_PREFIX = "DRONE_AI_"


@dataclass(frozen=True, slots=True)
class Settings:
    # A KLV packet longer than this is refused before it is read (ST 0601 packets are rarely
    # above a few kilobytes; 64 KiB leaves room for large VMTI sets).
    klv_max_packet_bytes: int = 65_536
    # Refuse a whole input at its first bad packet, instead of counting and skipping.
    klv_strict: bool = False

    def __post_init__(self) -> None:
        if not 32 <= self.klv_max_packet_bytes <= 16 * 1024 * 1024:
            raise ConfigError(
                f"{_PREFIX}KLV_MAX_PACKET_BYTES: expected 32 to 16 MiB, "
                f"got {self.klv_max_packet_bytes}"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        values: dict[str, object] = {}
        raw = env.get(f"{_PREFIX}KLV_MAX_PACKET_BYTES")
        if raw is not None:
            try:
                values["klv_max_packet_bytes"] = int(raw)
            except ValueError as exc:
                raise ConfigError(
                    f"{_PREFIX}KLV_MAX_PACKET_BYTES: expected an integer, got {raw!r}"
                ) from exc
        raw = env.get(f"{_PREFIX}KLV_STRICT")
        if raw is not None:
            if raw.lower() not in ("0", "1", "true", "false"):
                raise ConfigError(f"{_PREFIX}KLV_STRICT: expected 0/1/true/false, got {raw!r}")
            values["klv_strict"] = raw.lower() in ("1", "true")
        return cls(**values)  # type: ignore[arg-type]
