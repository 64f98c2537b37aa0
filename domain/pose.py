"""A camera model from one telemetry sample, under the conventions of its source.

ST 0601 gives platform attitude and sensor pointing relative to the platform; EG 0104 gives
the line of sight in the local level frame. Real feeds bend the standards, and how a source
does so is configuration, never a silent special case: see `PointingConventions`.

Measured on the one real feed we have (the EG 0104 flight over Fort A.P. Hill, 2008): its
"angle to north" is a UTM grid azimuth, not a true one. The azimuth from the sensor to the
frame centre the aircraft reported is its angle to north minus 1.455 deg (standard deviation
0.001 deg over 300 packets), and the UTM zone 18 meridian convergence there is -1.453 deg.
Its obliquity is the elevation of the line of sight (about -35 deg: looking down).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from domain.attitude import frame_rotation, sensor_from_ned
from domain.camera import CameraModel, Intrinsics
from domain.errors import DomainError, InvalidValueError
from domain.telemetry import TelemetrySample, TelemetryStandard


class AzimuthReference(enum.Enum):
    """What a source's world-frame azimuths are measured from."""

    TRUE_NORTH = "true_north"
    UTM_GRID_NORTH = "utm_grid_north"  # grid north of the UTM zone the sensor is in


@dataclass(frozen=True, slots=True)
class PointingConventions:
    """How a source's world-frame pointing (EG 0104) is to be read."""

    azimuth_reference: AzimuthReference = AzimuthReference.TRUE_NORTH


class PoseIncompleteError(DomainError):
    """A sample lacks what a camera model needs; the message names the missing fields."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"camera pose: expected {', '.join(missing)}, none arrived")
        self.missing = tuple(missing)


def utm_meridian_convergence_deg(lat_deg: float, lon_deg: float) -> float:
    """Angle from true north to UTM grid north at a point, positive east of the zone's
    central meridian in the northern hemisphere (so true azimuth = grid azimuth + this).
    The spherical formula; the ellipsoid's terms add under 1e-4 deg within a zone."""
    zone = min(60, int((lon_deg + 180.0) // 6.0) + 1)
    central_meridian = -183.0 + 6.0 * zone
    return math.degrees(
        math.atan(
            math.tan(math.radians(lon_deg - central_meridian)) * math.sin(math.radians(lat_deg))
        )
    )


def camera_from_sample(
    sample: TelemetrySample,
    width_px: int,
    height_px: int,
    sensor_hae_m: float,
    conventions: PointingConventions = PointingConventions(),
) -> CameraModel:
    """The camera that took the frame `sample` describes, at `sensor_hae_m` (the caller
    resolves the height: the sample may carry it above the ellipsoid or above sea level).
    Raises PoseIncompleteError naming what is missing."""
    lat, lon, hfov = _required(sample, "sensor_lat_deg", "sensor_lon_deg", "hfov_deg")
    intrinsics = Intrinsics.from_fov(width_px, height_px, hfov, sample.vfov_deg)
    notes: list[str] = []
    if intrinsics.square_pixels_assumed:
        notes.append("no VFOV: square pixels assumed")
    if sample.standard is TelemetryStandard.EG0104:
        rotation = _world_pointing(sample, lat, lon, conventions, notes)
    else:
        rotation = sensor_from_ned(*_required(sample, *_ST0601_POINTING))
    return CameraModel.from_pose(lat, lon, sensor_hae_m, rotation, intrinsics, tuple(notes))


_ST0601_POINTING = (
    "platform_heading_deg",
    "platform_pitch_deg",
    "platform_roll_deg",
    "sensor_rel_az_deg",
    "sensor_rel_el_deg",
    "sensor_rel_roll_deg",
)


def _required(sample: TelemetrySample, *names: str) -> list[float]:
    """The values of the named fields, or PoseIncompleteError naming those that are absent."""
    values = {name: getattr(sample, name) for name in names}
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise PoseIncompleteError(missing)
    return [float(value) for value in values.values()]


def _world_pointing(
    sample: TelemetrySample,
    lat: float,
    lon: float,
    conventions: PointingConventions,
    notes: list[str],
) -> NDArray[np.float64]:
    azimuth, elevation = _required(sample, "sensor_true_az_deg", "sensor_obliquity_deg")
    if conventions.azimuth_reference is AzimuthReference.UTM_GRID_NORTH:
        azimuth += utm_meridian_convergence_deg(lat, lon)
        notes.append("azimuth read as UTM grid north")
    roll = sample.sensor_abs_roll_deg
    if roll is None:
        roll = 0.0
        notes.append("no sensor roll: 0 assumed")
    if not -90.0 <= elevation <= 90.0:
        raise InvalidValueError("sensor_obliquity_deg", "an elevation in [-90, 90]", elevation)
    return frame_rotation(azimuth, elevation, roll)
