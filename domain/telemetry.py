"""Telemetry of one instant of a flight, in SI units, independent of the wire format.

Conventions (DESIGN.md): `t_us` is integer microseconds since the Unix epoch, UTC. Angles are
degrees, lengths metres, speeds m/s, positions WGS-84 latitude/longitude in degrees. Heights say
their datum in their name: `_msl_m` above mean sea level (as MISB ST 0601 items 15, 25 and 42
carry them) and `_hae_m` above the WGS-84 ellipsoid (items 75, 78 and 104). Nothing converts one
to the other here: that needs a geoid model, which arrives from outside the domain.

Attitude follows MISB ST 0601 semantics: platform heading/pitch/roll rotate NED into the
platform body frame; sensor relative azimuth/elevation/roll rotate the body frame into the
sensor frame. The platform's position is the sensor's position (ST 0601 reports the sensor's).

Every field but the time may be absent (`None`): the standards let a packet omit any item, and a
value the sender marked as an error arrives as `None`, never as a sentinel number.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from domain.errors import InvalidValueError

_EMPTY: Mapping[int, object] = MappingProxyType({})


class TelemetryStandard(enum.Enum):
    """Which MISB standard a sample was decoded from."""

    ST0601 = "MISB ST 0601"
    EG0104 = "MISB EG 0104"


@dataclass(frozen=True, slots=True)
class LatLon:
    """A point on the WGS-84 ellipsoid's surface, without a height."""

    lat_deg: float
    lon_deg: float

    def __post_init__(self) -> None:
        # `not (lo <= x <= hi)` is written this way round so that NaN fails it too.
        if not -90.0 <= self.lat_deg <= 90.0:
            raise InvalidValueError("lat_deg", "a latitude in [-90, 90] degrees", self.lat_deg)
        if not -180.0 <= self.lon_deg <= 180.0:
            raise InvalidValueError("lon_deg", "a longitude in [-180, 180] degrees", self.lon_deg)


# (field, lowest, highest) for every optional float field; the bounds are the physical or
# standard-defined envelope, wide enough for any legal encoding of the value.
_FLOAT_RANGES: tuple[tuple[str, float, float], ...] = (
    ("sensor_lat_deg", -90.0, 90.0),
    ("sensor_lon_deg", -180.0, 180.0),
    ("sensor_alt_msl_m", -1_000.0, 50_000.0),
    ("sensor_hae_m", -1_000.0, 50_000.0),
    ("platform_heading_deg", 0.0, 360.0),
    ("platform_pitch_deg", -90.0, 90.0),
    ("platform_roll_deg", -180.0, 180.0),
    ("sensor_rel_az_deg", 0.0, 360.0),
    ("sensor_rel_el_deg", -180.0, 180.0),
    ("sensor_rel_roll_deg", 0.0, 360.0),
    ("sensor_true_az_deg", 0.0, 360.0),
    ("sensor_obliquity_deg", -360.0, 360.0),
    ("sensor_abs_roll_deg", -360.0, 360.0),
    ("hfov_deg", 0.0, 180.0),
    ("vfov_deg", 0.0, 180.0),
    ("slant_range_m", 0.0, 5_000_000.0),
    ("target_width_m", 0.0, 1_500_000.0),
    ("frame_center_lat_deg", -90.0, 90.0),
    ("frame_center_lon_deg", -180.0, 180.0),
    ("frame_center_elev_msl_m", -1_000.0, 50_000.0),
    ("frame_center_hae_m", -1_000.0, 50_000.0),
    ("true_airspeed_mps", 0.0, 1_000.0),
    ("indicated_airspeed_mps", 0.0, 1_000.0),
    ("ground_speed_mps", 0.0, 1_000.0),
    ("vertical_speed_mps", -1_000.0, 1_000.0),
    ("sensor_north_velocity_mps", -1_000.0, 1_000.0),
    ("sensor_east_velocity_mps", -1_000.0, 1_000.0),
)

# Every optional float field of a sample (what interpolation between samples works on).
FLOAT_FIELDS = frozenset(name for name, _, _ in _FLOAT_RANGES)


@dataclass(frozen=True, slots=True)
class TelemetrySample:
    """What the aircraft and its sensor reported at `t_us`."""

    t_us: int
    standard: TelemetryStandard
    mission_id: str | None = None
    platform_designation: str | None = None
    platform_tail_number: str | None = None
    image_source_sensor: str | None = None
    # Platform / sensor position (ST 0601 items 13, 14, 15, 75 or 104).
    sensor_lat_deg: float | None = None
    sensor_lon_deg: float | None = None
    sensor_alt_msl_m: float | None = None
    sensor_hae_m: float | None = None
    # Platform attitude (items 5, 6/90, 7/91).
    platform_heading_deg: float | None = None
    platform_pitch_deg: float | None = None
    platform_roll_deg: float | None = None
    # Sensor pointing relative to the platform body (items 18, 19, 20).
    sensor_rel_az_deg: float | None = None
    sensor_rel_el_deg: float | None = None
    sensor_rel_roll_deg: float | None = None
    # Sensor pointing in the world frame, as MISB EG 0104 reports it instead (see
    # drone_ai.adapters.klv.eg0104): azimuth of the line of sight from true north, its angle to
    # the horizontal as sent (obliquity), and the absolute sensor roll.
    sensor_true_az_deg: float | None = None
    sensor_obliquity_deg: float | None = None
    sensor_abs_roll_deg: float | None = None
    # Field of view (items 16, 17), slant range (21) and target width (22 or 96).
    hfov_deg: float | None = None
    vfov_deg: float | None = None
    slant_range_m: float | None = None
    target_width_m: float | None = None
    # Frame centre as the platform computed it (items 23, 24, 25, 78).
    frame_center_lat_deg: float | None = None
    frame_center_lon_deg: float | None = None
    frame_center_elev_msl_m: float | None = None
    frame_center_hae_m: float | None = None
    # Image corners as the platform computed them, in ST 0601 order (items 82-89, or 26-33
    # as offsets from the frame centre): upper-left, upper-right, lower-right, lower-left.
    corners: tuple[LatLon, LatLon, LatLon, LatLon] | None = None
    # Platform speeds (items 8, 9, 56, 51, 79, 80).
    true_airspeed_mps: float | None = None
    indicated_airspeed_mps: float | None = None
    ground_speed_mps: float | None = None
    vertical_speed_mps: float | None = None
    sensor_north_velocity_mps: float | None = None
    sensor_east_velocity_mps: float | None = None
    # Every other decoded item, by its number in the standard (tag for ST 0601).
    other_items: Mapping[int, object] = field(default_factory=lambda: _EMPTY, hash=False)

    def __post_init__(self) -> None:
        if type(self.t_us) is not int or self.t_us < 0:
            raise InvalidValueError(
                "t_us", "non-negative integer microseconds since the Unix epoch", self.t_us
            )
        for name, low, high in _FLOAT_RANGES:
            value = getattr(self, name)
            if value is not None and not low <= value <= high:
                raise InvalidValueError(name, f"a value in [{low:g}, {high:g}]", value)
        if self.corners is not None and len(self.corners) != 4:
            raise InvalidValueError("corners", "four corner points", self.corners)
