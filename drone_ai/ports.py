"""Ports: what the services need from the outside world, written in domain types.

Adapters implement these structurally (typing.Protocol); services and tests depend on them
alone, and tests use hand-written fakes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

from domain.telemetry import TelemetrySample


class TelemetrySource(Protocol):
    """Telemetry samples of one flight, in arrival order."""

    def samples(self) -> Iterator[TelemetrySample]:
        """Each sample the source could decode; what it could not is counted in `rejected`."""
        ...

    @property
    def rejected(self) -> Mapping[str, int]:
        """How many packets, items or runs of bytes were refused so far, by reason."""
        ...
