"""Where a simulated aircraft, its gimbal and the targets on the ground are at a given time.

Everything is deterministic: the same plan and time give the same state. Positions are in a
local frame tangent to the ellipsoid at the scenario's origin (east, north, up, metres; the
ground is the plane up = 0). Times are integer microseconds from the start of the flight.
Attitude follows MISB ST 0601 (see domain.attitude); the gimbal's relative angles are computed
so that the camera looks where the plan says, given the platform's attitude.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from domain.attitude import frame_rotation
from domain.errors import InvalidValueError

GRAVITY_MPS2 = 9.80665
_US = 1e-6


@dataclass(frozen=True, slots=True)
class Orbit:
    """A circle around a ground point; clockwise seen from above unless said otherwise."""

    centre_east_m: float
    centre_north_m: float
    radius_m: float
    clockwise: bool = True

    def __post_init__(self) -> None:
        if not self.radius_m > 0.0:
            raise InvalidValueError("radius_m", "a positive orbit radius", self.radius_m)


@dataclass(frozen=True, slots=True)
class Legs:
    """Straight legs through waypoints (east, north); the aircraft flies them in a loop."""

    waypoints: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        if len(self.waypoints) < 2:
            raise InvalidValueError("waypoints", "at least two waypoints", self.waypoints)


def lawnmower(
    west_m: float, south_m: float, width_m: float, height_m: float, spacing_m: float
) -> Legs:
    """Back-and-forth north-south passes covering a rectangle, `spacing_m` apart."""
    if not (width_m > 0.0 and height_m > 0.0 and spacing_m > 0.0):
        raise InvalidValueError("lawnmower", "a positive width, height and spacing", spacing_m)
    points: list[tuple[float, float]] = []
    passes = int(width_m // spacing_m) + 1
    for index in range(passes):
        east = west_m + index * spacing_m
        ends = [(east, south_m), (east, south_m + height_m)]
        points += ends if index % 2 == 0 else ends[::-1]
    return Legs(tuple(points))


@dataclass(frozen=True, slots=True)
class Wobble:
    """Wind-induced attitude oscillation: amplitudes (deg), period (s) and phases (rad)."""

    roll_deg: float = 0.0
    pitch_deg: float = 0.0
    period_s: float = 7.0
    roll_phase_rad: float = 0.0
    pitch_phase_rad: float = 0.0


@dataclass(frozen=True, slots=True)
class FlightPlan:
    path: Orbit | Legs
    altitude_agl_m: float
    speed_mps: float
    wobble: Wobble = Wobble()

    def __post_init__(self) -> None:
        if not self.speed_mps > 0.0:
            raise InvalidValueError("speed_mps", "a positive speed", self.speed_mps)
        if not self.altitude_agl_m > 0.0:
            raise InvalidValueError(
                "altitude_agl_m", "a positive height above ground", self.altitude_agl_m
            )


@dataclass(frozen=True, slots=True)
class PlatformState:
    east_m: float
    north_m: float
    up_m: float
    heading_deg: float
    pitch_deg: float
    roll_deg: float


def platform_state(plan: FlightPlan, t_us: int) -> PlatformState:
    t_s = t_us * _US
    distance = plan.speed_mps * t_s
    path = plan.path
    if isinstance(path, Orbit):
        sign = 1.0 if path.clockwise else -1.0
        angle = sign * distance / path.radius_m  # bearing from the centre, clockwise from north
        east = path.centre_east_m + path.radius_m * math.sin(angle)
        north = path.centre_north_m + path.radius_m * math.cos(angle)
        heading = math.degrees(angle) + 90.0 * sign
        bank = sign * math.degrees(math.atan(plan.speed_mps**2 / (GRAVITY_MPS2 * path.radius_m)))
    else:
        east, north, heading = _along_legs(path, distance)
        bank = 0.0
    w = plan.wobble
    phase = 2.0 * math.pi * t_s / w.period_s
    roll = bank + w.roll_deg * math.sin(phase + w.roll_phase_rad)
    pitch = w.pitch_deg * math.sin(phase * 1.3 + w.pitch_phase_rad)
    return PlatformState(east, north, plan.altitude_agl_m, heading % 360.0, pitch, roll)


def _along_legs(legs: Legs, distance_m: float) -> tuple[float, float, float]:
    points = legs.waypoints + legs.waypoints[:1]
    lengths = [math.dist(a, b) for a, b in pairwise(points)]
    total = sum(lengths)
    remaining = distance_m % total if total > 0.0 else 0.0
    for (a, b), length in zip(pairwise(points), lengths, strict=True):
        if remaining <= length and length > 0.0:
            f = remaining / length
            east, north = a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
            return east, north, math.degrees(math.atan2(b[0] - a[0], b[1] - a[1]))
        remaining -= length
    a, b = points[-2], points[-1]
    return b[0], b[1], math.degrees(math.atan2(b[0] - a[0], b[1] - a[1]))


@dataclass(frozen=True, slots=True)
class LookAt:
    """The gimbal keeps the image centre on a ground point."""

    east_m: float
    north_m: float


@dataclass(frozen=True, slots=True)
class FixedPointing:
    """The gimbal holds fixed angles relative to the platform."""

    rel_az_deg: float
    rel_el_deg: float
    rel_roll_deg: float = 0.0


@dataclass(frozen=True, slots=True)
class Slew:
    """The gimbal turns in azimuth at a constant rate, at a fixed elevation."""

    start_az_deg: float
    rate_deg_s: float
    rel_el_deg: float


Gimbal = LookAt | FixedPointing | Slew


def sensor_pointing(
    gimbal: Gimbal, platform: PlatformState, t_us: int
) -> tuple[float, float, float]:
    """Relative azimuth, elevation and roll (deg, ST 0601 items 18-20) at `t_us`."""
    if isinstance(gimbal, FixedPointing):
        return gimbal.rel_az_deg % 360.0, gimbal.rel_el_deg, gimbal.rel_roll_deg % 360.0
    if isinstance(gimbal, Slew):
        return (
            (gimbal.start_az_deg + gimbal.rate_deg_s * t_us * _US) % 360.0,
            gimbal.rel_el_deg,
            0.0,
        )
    # Look at: the line of sight in the local frame (north, east, down), into the body frame.
    # The tangent plane's own curvature is ignored here: the aim point is only an aim.
    line = np.array(
        [gimbal.north_m - platform.north_m, gimbal.east_m - platform.east_m, platform.up_m]
    )
    body = frame_rotation(platform.heading_deg, platform.pitch_deg, platform.roll_deg) @ line
    azimuth = math.degrees(math.atan2(body[1], body[0])) % 360.0
    elevation = math.degrees(math.atan2(-body[2], math.hypot(body[0], body[1])))
    return azimuth, elevation, 0.0


@dataclass(frozen=True, slots=True)
class TargetTrack:
    """A target moving at constant speed along a polyline of (east, north) points, in a loop."""

    waypoints: tuple[tuple[float, float], ...]
    speed_mps: float
    start_m: float = 0.0  # how far along the track it is at t = 0


def target_position(track: TargetTrack, t_us: int) -> tuple[float, float, float]:
    """(east_m, north_m, heading_deg) of a target at `t_us`."""
    if track.speed_mps == 0.0 or len(track.waypoints) < 2:
        return track.waypoints[0][0], track.waypoints[0][1], 0.0
    return _along_legs(Legs(track.waypoints), track.start_m + track.speed_mps * t_us * _US)
