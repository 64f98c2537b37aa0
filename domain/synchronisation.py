"""Telemetry at a frame's time: interpolation between the samples around it, and their age.

Telemetry and frames come at their own rates and phases. For a frame at time t, the samples
just before and after are interpolated: linearly for positions, heights, speeds and fields of
view, along the shortest arc for angles (350 deg and 10 deg meet at 0, not at 180). Across a gap
longer than the configured maximum nothing is interpolated: the nearer sample is used if it is
recent enough, and the frame is otherwise flagged as having no telemetry. Beyond the newest
sample, the newest is held while it is young enough, never extrapolated. Every result says its
kind and the age of the telemetry it used (the distance in time to the nearest sample).
"""

from __future__ import annotations

import bisect
import enum
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

from domain.errors import InvalidValueError
from domain.telemetry import FLOAT_FIELDS, LatLon, TelemetrySample


class SyncKind(enum.Enum):
    INTERPOLATED = "interpolated"  # between two samples no further apart than the maximum gap
    NEAREST = "nearest"  # one sample, close enough, used as it is
    NONE = "none"  # no usable telemetry for this frame


@dataclass(frozen=True, slots=True)
class SyncedTelemetry:
    t_us: int
    kind: SyncKind
    sample: TelemetrySample | None
    age_us: int | None  # distance in time to the nearest sample used


# Fields that are angles: interpolated along the shortest arc.
_ANGLES = frozenset(
    {
        "platform_heading_deg",
        "platform_pitch_deg",
        "platform_roll_deg",
        "sensor_rel_az_deg",
        "sensor_rel_el_deg",
        "sensor_rel_roll_deg",
        "sensor_true_az_deg",
        "sensor_obliquity_deg",
        "sensor_abs_roll_deg",
        "sensor_lon_deg",
        "frame_center_lon_deg",
    }
)
# Directions kept in [0, 360) after interpolation.
_DIRECTIONS = frozenset(
    {"platform_heading_deg", "sensor_rel_az_deg", "sensor_rel_roll_deg", "sensor_true_az_deg"}
)
_LONGITUDES = frozenset({"sensor_lon_deg", "frame_center_lon_deg"})
_NUMBERS = FLOAT_FIELDS


def interpolate(before: TelemetrySample, after: TelemetrySample, t_us: int) -> TelemetrySample:
    """The telemetry at `t_us`, between two samples (before.t_us <= t_us <= after.t_us).
    Fields only one side has, and the non-numeric ones, come from the nearer sample."""
    span = after.t_us - before.t_us
    if span <= 0 or not before.t_us <= t_us <= after.t_us:
        raise InvalidValueError(
            "t_us", f"a time within [{before.t_us}, {after.t_us}] and samples in order", t_us
        )
    f = (t_us - before.t_us) / span
    nearer = before if f <= 0.5 else after
    changes: dict[str, Any] = {"t_us": t_us}
    for name in _NUMBERS:
        a, b = getattr(before, name), getattr(after, name)
        if a is None or b is None:
            changes[name] = getattr(nearer, name)
        elif name in _ANGLES:
            changes[name] = _angle(a, b, f, name)
        else:
            changes[name] = a + f * (b - a)
    changes["corners"] = _corners(before, after, f, nearer)
    return replace(nearer, **changes)


def _angle(a: float, b: float, f: float, name: str) -> float:
    delta = (b - a + 180.0) % 360.0 - 180.0  # the shortest arc
    value = a + f * delta
    if name in _DIRECTIONS:
        return value % 360.0
    if name in _LONGITUDES:
        return (value + 180.0) % 360.0 - 180.0
    return value


def _corners(
    before: TelemetrySample, after: TelemetrySample, f: float, nearer: TelemetrySample
) -> tuple[LatLon, LatLon, LatLon, LatLon] | None:
    if before.corners is None or after.corners is None:
        return nearer.corners
    points = [
        LatLon(
            a.lat_deg + f * (b.lat_deg - a.lat_deg),
            _angle(a.lon_deg, b.lon_deg, f, "sensor_lon_deg"),
        )
        for a, b in zip(before.corners, after.corners, strict=True)
    ]
    return (points[0], points[1], points[2], points[3])


class TelemetryTrack:
    """The recent telemetry of one flight, bounded, and what it says at any frame's time."""

    def __init__(self, max_gap_us: int, max_age_us: int, capacity: int = 512) -> None:
        if max_gap_us <= 0 or max_age_us < 0 or capacity < 2:
            raise InvalidValueError(
                "telemetry track",
                "a positive gap, an age >= 0 and room for 2 samples",
                (max_gap_us, max_age_us, capacity),
            )
        self._max_gap_us = max_gap_us
        self._max_age_us = max_age_us
        self._samples: deque[TelemetrySample] = deque(maxlen=capacity)
        self._times: deque[int] = deque(maxlen=capacity)

    def add(self, sample: TelemetrySample) -> None:
        """Keep a sample; one older than the newest kept is put in its place in time."""
        if not self._times or sample.t_us > self._times[-1]:
            self._samples.append(sample)
            self._times.append(sample.t_us)
            return
        if sample.t_us in self._times:
            return  # a repeat: the first one stays
        index = bisect.bisect(list(self._times), sample.t_us)
        if index == 0 and len(self._times) == self._times.maxlen:
            return  # older than everything a full track keeps
        self._samples.insert(index, sample)
        self._times.insert(index, sample.t_us)

    def at(self, t_us: int) -> SyncedTelemetry:
        times = self._times
        if not times:
            return SyncedTelemetry(t_us, SyncKind.NONE, None, None)
        index = bisect.bisect_left(times, t_us)
        if index < len(times) and times[index] == t_us:
            return SyncedTelemetry(t_us, SyncKind.NEAREST, self._samples[index], 0)
        before = self._samples[index - 1] if index > 0 else None
        after = self._samples[index] if index < len(times) else None
        if (
            before is not None
            and after is not None
            and after.t_us - before.t_us <= self._max_gap_us
        ):
            age = min(t_us - before.t_us, after.t_us - t_us)
            return SyncedTelemetry(
                t_us, SyncKind.INTERPOLATED, interpolate(before, after, t_us), age
            )
        candidates = [s for s in (before, after) if s is not None]
        nearest = min(candidates, key=lambda s: abs(s.t_us - t_us))
        age = abs(nearest.t_us - t_us)
        if age <= self._max_age_us:
            return SyncedTelemetry(t_us, SyncKind.NEAREST, nearest, age)
        return SyncedTelemetry(t_us, SyncKind.NONE, None, age)


class ClockAlignment:
    """The offset from a source's clock (PTS, arrival) to telemetry time (UTC), from pairs seen
    together: the median of the most recent ones, so that one late packet moves nothing and a
    slow drift is followed."""

    def __init__(self, window: int = 31) -> None:
        if window < 1:
            raise InvalidValueError("window", "at least one pair", window)
        self._offsets: deque[int] = deque(maxlen=window)

    @property
    def known(self) -> bool:
        return bool(self._offsets)

    def observe(self, source_us: int, utc_us: int) -> None:
        self._offsets.append(utc_us - source_us)

    def to_utc(self, source_us: int) -> int | None:
        if not self._offsets:
            return None
        ordered = sorted(self._offsets)
        middle = len(ordered) // 2
        median = (
            ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) // 2
        )
        return source_us + median


def angular_difference_deg(a: float, b: float) -> float:
    """|a - b| along the shortest arc, in degrees."""
    return abs((a - b + 180.0) % 360.0 - 180.0)
