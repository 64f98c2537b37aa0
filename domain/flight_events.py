"""What a flight tells its subscribers, in order (each numbered by the flight's event log):
what a frame showed, how a track moved, how the flight itself is doing.

Units as everywhere: times in UTC microseconds, WGS-84 degrees, heights above the ellipsoid
and lengths in metres, speeds in m/s, course in degrees from true north, clockwise.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from domain.detections import Box, Detection
from domain.georeference import Method
from domain.tracking import TrackState


class FlightState(enum.Enum):
    """STARTING > LIVE > (DEGRADED: source lost, reconnecting) > STOPPED / FAILED."""

    STARTING = "starting"
    LIVE = "live"
    DEGRADED = "degraded"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class GeoPosition:
    lat_deg: float
    lon_deg: float
    hae_m: float


@dataclass(frozen=True, slots=True)
class LocatedDetection:
    """A detection with where it stands: its track (None while it has none) and the ground
    point of its box, with the one-sigma horizontal error (None where the ray missed)."""

    detection: Detection
    track_id: int | None
    position: GeoPosition | None
    horizontal_error_m: float | None
    method: Method | None


@dataclass(frozen=True, slots=True)
class FrameResult:
    frame_time_us: int
    telemetry_age_us: int
    platform: GeoPosition | None
    footprint: tuple[GeoPosition, ...]  # image corners in order; empty when not on the ground
    detections: tuple[LocatedDetection, ...]
    received_us: int = 0  # the tower's clock when the frame came in (0: not known)


@dataclass(frozen=True, slots=True)
class TrackUpdate:
    track_id: int
    label: str
    state: TrackState
    frame_time_us: int
    box: Box
    position: GeoPosition | None
    speed_m_s: float | None  # None until the track has steady ground fixes
    course_deg: float | None  # NaN when still


@dataclass(frozen=True, slots=True)
class StatusChange:
    state: FlightState
    detail: str


FlightEvent = FrameResult | TrackUpdate | StatusChange
