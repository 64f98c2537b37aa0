"""A `TelemetrySample` from the fields a standard's items gave, with the domain's refusal
translated into the KLV tree (so that a lenient decoder counts it like any bad item)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.errors import InvalidValueError
from domain.telemetry import LatLon, TelemetrySample, TelemetryStandard
from drone_ai.errors import KlvRejectReason, KlvValueError

Corners = tuple[LatLon, LatLon, LatLon, LatLon]


def build_sample(
    t_us: object,
    standard: TelemetryStandard,
    fields: dict[str, Any],
    corners: Callable[[], Corners | None],
) -> TelemetrySample:
    """The sample, or KlvValueError: MISSING_TIMESTAMP without an integer time, else
    ITEM_OUT_OF_RANGE when the values break the sample's rules (corners included)."""
    if type(t_us) is not int:
        raise KlvValueError(
            KlvRejectReason.MISSING_TIMESTAMP,
            f"{standard.value} packet: a time stamp expected, got {t_us!r}",
        )
    try:
        return TelemetrySample(t_us=t_us, standard=standard, corners=corners(), **fields)
    except InvalidValueError as exc:
        raise KlvValueError(
            KlvRejectReason.ITEM_OUT_OF_RANGE, f"{standard.value} packet at t_us={t_us}: {exc}"
        ) from exc
