"""Ground speed and course from noisy georeferenced positions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from domain.errors import InvalidValueError
from domain.geodesy import ned_to_geodetic
from domain.ground_motion import GroundMotion

ORIGIN = (38.16, -77.35, 20.0)


def position(north_m: float, east_m: float) -> tuple[float, float, float]:
    lat, lon, hae = ned_to_geodetic(np.array([north_m, east_m, 0.0]), *ORIGIN)
    return float(lat), float(lon), float(hae)


def drive(
    motion: GroundMotion, seconds: float, north_m_s: float, east_m_s: float, noise_m: float
) -> None:
    rng = np.random.default_rng(1)
    for frame in range(round(seconds * 30)):
        t_s = frame / 30
        north, east = north_m_s * t_s, east_m_s * t_s
        noise_north, noise_east = rng.normal(0.0, noise_m, 2)
        motion.add(round(t_s * 1e6), *position(north + noise_north, east + noise_east))


def test_speed_and_course_of_a_vehicle_driving_north_east_through_2_m_of_noise() -> None:
    motion = GroundMotion(window_s=2.0)
    drive(motion, 5.0, 10.0, 10.0, noise_m=2.0)
    velocity = motion.velocity()
    assert velocity is not None
    assert velocity.speed_m_s == pytest.approx(math.hypot(10, 10), abs=1.0)
    assert velocity.course_deg == pytest.approx(45.0, abs=3.0)
    assert velocity.span_s == pytest.approx(2.0, abs=0.05)  # the older points left the window


def test_course_is_measured_clockwise_from_north() -> None:
    motion = GroundMotion()
    drive(motion, 2.0, 0.0, -8.0, noise_m=0.0)  # due west
    velocity = motion.velocity()
    # North at the last point differs from north at the origin by the meridians' convergence
    # (1e-4 degrees over these 16 m): the course is exact to that.
    assert velocity is not None and velocity.course_deg == pytest.approx(270.0, abs=1e-3)
    assert velocity.speed_m_s == pytest.approx(8.0, abs=1e-6)


def test_a_standing_object_has_no_course() -> None:
    motion = GroundMotion()
    drive(motion, 2.0, 0.0, 0.0, noise_m=0.0)
    velocity = motion.velocity()
    assert velocity is not None and velocity.speed_m_s < 1e-6 and math.isnan(velocity.course_deg)


def test_no_estimate_until_the_points_span_the_minimum_time() -> None:
    motion = GroundMotion(min_span_s=0.5)
    motion.add(0, *position(0, 0))
    motion.add(400_000, *position(4, 0))
    assert motion.velocity() is None
    motion.add(500_000, *position(5, 0))
    assert motion.velocity() is not None


def test_points_out_of_time_order_are_refused() -> None:
    motion = GroundMotion()
    motion.add(1_000_000, *position(0, 0))
    with pytest.raises(InvalidValueError, match="a time after 1000000 us"):
        motion.add(1_000_000, *position(1, 0))
