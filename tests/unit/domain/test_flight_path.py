from __future__ import annotations

import math

import numpy as np
import pytest

from domain.camera import CameraModel, Intrinsics
from domain.errors import InvalidValueError
from domain.flight_path import (
    FixedPointing,
    FlightPlan,
    Legs,
    LookAt,
    Orbit,
    Slew,
    TargetTrack,
    lawnmower,
    platform_state,
    sensor_pointing,
    target_position,
)
from domain.geodesy import ned_to_ecef, ned_to_geodetic

S = 1_000_000  # microseconds per second


def test_an_orbit_keeps_its_radius_and_flies_tangent_banked_into_the_turn() -> None:
    plan = FlightPlan(Orbit(100.0, -50.0, 400.0), altitude_agl_m=500.0, speed_mps=20.0)
    for t in (0, 3 * S, 17 * S, 61 * S):
        state = platform_state(plan, t)
        assert math.hypot(state.east_m - 100.0, state.north_m + 50.0) == pytest.approx(400.0)
        radial = math.degrees(math.atan2(state.east_m - 100.0, state.north_m + 50.0))
        assert (state.heading_deg - radial) % 360.0 == pytest.approx(90.0)  # clockwise
        assert state.roll_deg == pytest.approx(math.degrees(math.atan(400.0 / (9.80665 * 400.0))))


def test_legs_are_flown_at_speed_and_in_a_loop() -> None:
    plan = FlightPlan(Legs(((0.0, 0.0), (100.0, 0.0))), altitude_agl_m=300.0, speed_mps=10.0)
    assert platform_state(plan, 5 * S).east_m == pytest.approx(50.0)
    assert platform_state(plan, 5 * S).heading_deg == pytest.approx(90.0)
    assert platform_state(plan, 15 * S).east_m == pytest.approx(50.0)  # on the way back
    assert platform_state(plan, 15 * S).heading_deg == pytest.approx(270.0)


def test_a_lawnmower_goes_back_and_forth() -> None:
    legs = lawnmower(0.0, 0.0, 200.0, 500.0, 100.0)
    assert legs.waypoints == (
        (0.0, 0.0),
        (0.0, 500.0),
        (100.0, 500.0),
        (100.0, 0.0),
        (200.0, 0.0),
        (200.0, 500.0),
    )


def test_look_at_puts_the_aim_point_in_the_middle_of_the_image() -> None:
    plan = FlightPlan(Orbit(0.0, 0.0, 600.0), altitude_agl_m=800.0, speed_mps=30.0)
    aim = LookAt(120.0, -40.0)
    intrinsics = Intrinsics.from_fov(1280, 720, 20.0, 11.4)
    for t in (0, 9 * S, 33 * S):
        state = platform_state(plan, t)
        lat, lon, hae = ned_to_geodetic(
            np.array([state.north_m, state.east_m, -state.up_m]), 10.0, 20.0, 0.0
        )
        camera = CameraModel.from_st0601_angles(
            float(lat),
            float(lon),
            float(hae),
            (state.heading_deg, state.pitch_deg, state.roll_deg),
            sensor_pointing(aim, state, t),
            intrinsics,
        )
        # The aim point on the plane of the origin (curvature is below a centimetre here).
        u, v, _ = camera.project(ned_to_ecef(np.array([-40.0, 120.0, 0.0]), 10.0, 20.0, 0.0))
        assert math.hypot(float(u) - 640.0, float(v) - 360.0) < 0.5


def test_fixed_and_slewing_gimbals() -> None:
    state = platform_state(FlightPlan(Orbit(0.0, 0.0, 100.0), 100.0, 10.0), 0)
    assert sensor_pointing(FixedPointing(-10.0, -30.0), state, 0) == (350.0, -30.0, 0.0)
    assert sensor_pointing(Slew(350.0, 5.0, -45.0), state, 4 * S) == (10.0, -45.0, 0.0)


def test_targets_move_along_their_track() -> None:
    track = TargetTrack(((0.0, 0.0), (0.0, 100.0)), speed_mps=2.0, start_m=10.0)
    assert target_position(track, 5 * S) == pytest.approx((0.0, 20.0, 0.0))


def test_a_plan_must_move_and_fly() -> None:
    with pytest.raises(InvalidValueError):
        FlightPlan(Orbit(0.0, 0.0, 100.0), altitude_agl_m=100.0, speed_mps=0.0)
    with pytest.raises(InvalidValueError):
        Orbit(0.0, 0.0, -1.0)
