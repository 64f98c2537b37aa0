"""A tracked object's ground speed (m/s) and course (degrees from true north, clockwise) from its
georeferenced positions over a sliding window of time.

Why a window fit rather than the last two points: each georeferenced point carries metres of
noise from the telemetry (a 0.1 degree angle error at 1 km is 1.7 m), so a difference over one
frame (33 ms) would swing by tens of m/s. A least-squares line through the last seconds of points
averages that noise down while still following a turning vehicle.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from domain.errors import InvalidValueError
from domain.geodesy import geodetic_to_ned


@dataclass(frozen=True, slots=True)
class GroundVelocity:
    speed_m_s: float
    course_deg: float  # meaningless, and reported as NaN, when the object stands still
    span_s: float  # the time the estimate is drawn from


class GroundMotion:
    """Feed one object's positions in time order; ask for its velocity over the last window_s."""

    def __init__(
        self, window_s: float = 2.0, min_span_s: float = 0.5, still_below_m_s: float = 0.5
    ) -> None:
        if not 0.0 < min_span_s <= window_s:
            raise InvalidValueError("window", "0 < min_span_s <= window_s", (min_span_s, window_s))
        self._window_us = round(window_s * 1e6)
        self._min_span_us = round(min_span_s * 1e6)
        self._still_below_m_s = still_below_m_s
        self._points: deque[tuple[int, float, float, float]] = deque()

    def add(self, t_us: int, lat_deg: float, lon_deg: float, hae_m: float) -> None:
        if self._points and t_us <= self._points[-1][0]:
            raise InvalidValueError(
                "t_us", f"a time after {self._points[-1][0]} us", t_us
            )  # two points at one time would make the fit singular
        self._points.append((t_us, lat_deg, lon_deg, hae_m))
        while t_us - self._points[0][0] > self._window_us:
            self._points.popleft()

    def velocity(self) -> GroundVelocity | None:
        """None until the points span min_span_s."""
        if len(self._points) < 2 or self._points[-1][0] - self._points[0][0] < self._min_span_us:
            return None
        t_us, lat, lon, hae = (np.array(column) for column in zip(*self._points, strict=True))
        ned = geodetic_to_ned(lat, lon, hae, lat[-1], lon[-1], hae[-1])
        t_s = (t_us - t_us[-1]) / 1e6
        design = np.column_stack([t_s, np.ones_like(t_s)])
        slopes = np.linalg.lstsq(design, ned[:, :2], rcond=None)[0][0]
        north_m_s, east_m_s = float(slopes[0]), float(slopes[1])
        speed = math.hypot(north_m_s, east_m_s)
        course = (
            math.degrees(math.atan2(east_m_s, north_m_s)) % 360.0
            if speed >= self._still_below_m_s
            else math.nan
        )
        return GroundVelocity(speed, course, float(-t_s[0]))
