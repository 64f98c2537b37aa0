"""Review the telemetry of one flight: every sample in order, and what was refused.

The `drone-ai demo` and `drone-ai klv dump --format table` commands show this review.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from domain.telemetry import TelemetrySample
from drone_ai.ports import TelemetrySource


@dataclass(frozen=True, slots=True)
class TelemetryReview:
    samples: tuple[TelemetrySample, ...]
    rejected: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def duration_us(self) -> int:
        """Time from the first to the last sample (0 for fewer than two samples)."""
        if len(self.samples) < 2:
            return 0
        return self.samples[-1].t_us - self.samples[0].t_us


def review_telemetry(source: TelemetrySource) -> TelemetryReview:
    samples = tuple(source.samples())
    return TelemetryReview(samples, MappingProxyType(dict(source.rejected)))
