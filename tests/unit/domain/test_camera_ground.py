"""Camera model and ground intersection: round trips over a grid of poses, analytic cases,
and the rays that must give no point."""

from __future__ import annotations

import math

import numpy as np
import pytest

from domain.attitude import frame_rotation
from domain.camera import CameraModel, Distortion, Intrinsics
from domain.geodesy import ecef_to_geodetic, geodetic_to_ecef, geodetic_to_ned
from domain.ground_intersection import RayStatus, intersect_ground

WIDTH, HEIGHT = 1280, 720
GROUND_HAE_M = 120.0
LIMITS = {"max_range_m": 200_000.0, "min_depression_deg": 0.5}

# (name, (heading, pitch, roll), (relative azimuth, elevation, roll)), over a 1,000 m HAE camera.
POSES = [
    ("nadir", (0.0, 0.0, 0.0), (0.0, -90.0, 0.0)),
    ("oblique-45", (30.0, 0.0, 0.0), (0.0, -45.0, 0.0)),
    ("near-horizon", (200.0, 0.0, 0.0), (0.0, -12.0, 0.0)),
    ("rolled-platform", (90.0, 5.0, 25.0), (270.0, -60.0, 0.0)),
    ("every-angle-non-zero", (123.4, -7.5, 12.3), (33.3, -52.1, 17.9)),
    ("inverted-sensor-roll", (310.0, 2.0, -4.0), (181.0, -35.0, 180.0)),
]


def camera(
    hpr: tuple[float, float, float], aer: tuple[float, float, float], **kw: object
) -> CameraModel:
    intrinsics = Intrinsics.from_fov(WIDTH, HEIGHT, 40.0, 23.5, **kw)  # type: ignore[arg-type]
    return CameraModel.from_st0601_angles(38.16, -77.35, 1_120.0, hpr, aer, intrinsics)


def pixel_grid() -> tuple[np.ndarray, np.ndarray]:
    u, v = np.meshgrid(np.linspace(0.5, WIDTH - 0.5, 17), np.linspace(0.5, HEIGHT - 0.5, 11))
    return u.ravel(), v.ravel()


@pytest.mark.parametrize(("name", "hpr", "aer"), POSES, ids=[p[0] for p in POSES])
@pytest.mark.parametrize("distorted", [False, True], ids=["pinhole", "distorted"])
def test_pixel_to_ground_to_pixel_round_trips_within_a_thousandth_of_a_pixel(
    name: str, hpr: tuple[float, float, float], aer: tuple[float, float, float], distorted: bool
) -> None:
    distortion = Distortion(k1=-0.12, k2=0.03, p1=1e-3, p2=-5e-4) if distorted else None
    cam = camera(hpr, aer, distortion=distortion)
    u, v = pixel_grid()
    points, _, status = intersect_ground(
        cam.position_ecef_m, cam.pixel_rays(u, v), GROUND_HAE_M, **LIMITS
    )
    usable = status != RayStatus.NO_INTERSECTION
    assert usable.sum() >= len(u) // 2, "the pose should see the ground in most of the image"
    back_u, back_v, in_front = cam.project(points[usable])
    assert in_front.all()
    assert np.max(np.hypot(back_u - u[usable], back_v - v[usable])) < 1e-3
    _, _, hae = ecef_to_geodetic(points[usable])
    assert np.max(np.abs(hae - GROUND_HAE_M)) < 1e-3  # on the surface asked for


def test_a_nadir_footprint_is_2_h_tan_half_fov_wide() -> None:
    height_m = 1_000.0
    intrinsics = Intrinsics.from_fov(WIDTH, HEIGHT, 40.0, 23.5)
    cam = CameraModel.from_st0601_angles(
        10.0, 20.0, height_m, (0.0, 0.0, 0.0), (0.0, -90.0, 0.0), intrinsics
    )
    # The left and right edges at the middle row: image x runs east for a north heading.
    points, _, status = intersect_ground(
        cam.position_ecef_m, cam.pixel_rays([0.0, WIDTH], [HEIGHT / 2] * 2), 0.0, **LIMITS
    )
    assert (status == RayStatus.OK).all()
    width = np.linalg.norm(points[1] - points[0])
    expected = 2.0 * height_m * math.tan(math.radians(40.0 / 2.0))
    assert width == pytest.approx(expected, rel=1e-3)
    lat, lon, _ = ecef_to_geodetic(points)
    east = geodetic_to_ned(lat[1], lon[1], 0.0, lat[0], lon[0], 0.0)[1]
    assert east == pytest.approx(expected, rel=1e-3)


def test_a_camera_pitched_up_sees_no_ground_and_raises_nothing() -> None:
    cam = camera((0.0, 10.0, 0.0), (0.0, 5.0, 0.0))
    u, v = pixel_grid()
    points, slant, status = intersect_ground(
        cam.position_ecef_m, cam.pixel_rays(u, v), GROUND_HAE_M, **LIMITS
    )
    assert (status == RayStatus.NO_INTERSECTION).all()
    assert np.isnan(points).all() and np.isnan(slant).all()


def test_rays_below_the_horizon_but_grazing_or_far_are_flagged_not_trusted() -> None:
    cam = camera((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))  # level, 1,000 m above the ground
    # fy = 360 / tan(11.75 deg) = 1730.8 px, so a row d px below the centre looks atan(d / fy)
    # down. The horizon of a camera 1 km up dips about 1.0 deg.
    rows = HEIGHT / 2 + np.array([0.0, 40.0, 121.0, 200.0, 359.0])
    _, slant, status = intersect_ground(
        cam.position_ecef_m,
        cam.pixel_rays(np.full(rows.shape, WIDTH / 2), rows),
        GROUND_HAE_M,
        max_range_m=10_000.0,
        min_depression_deg=2.0,
    )
    assert status.tolist() == [
        RayStatus.NO_INTERSECTION,  # 0 deg: above the horizon
        RayStatus.GRAZING,  # 1.3 deg down: lands tens of km away at under 1 deg
        RayStatus.BEYOND_MAX_RANGE,  # 4.0 deg: about 14 km away
        RayStatus.OK,  # 6.6 deg: about 8.7 km
        RayStatus.OK,  # 11.7 deg
    ]
    assert 8_000.0 < slant[3] < 9_000.0


def test_points_behind_the_camera_do_not_project() -> None:
    cam = camera((0.0, 0.0, 0.0), (0.0, -90.0, 0.0))
    above = geodetic_to_ecef(38.16, -77.35, 5_000.0)  # straight up: behind a nadir camera
    u, v, in_front = cam.project(above[None, :])
    assert not in_front[0] and np.isnan(u[0]) and np.isnan(v[0])


def test_square_pixels_are_assumed_only_without_a_vertical_fov_and_then_said() -> None:
    assumed = Intrinsics.from_fov(WIDTH, HEIGHT, 40.0)
    assert assumed.square_pixels_assumed and assumed.fx_px == assumed.fy_px
    assert not Intrinsics.from_fov(WIDTH, HEIGHT, 40.0, 23.5).square_pixels_assumed


def test_frame_rotation_matches_the_st0601_order_yaw_pitch_roll() -> None:
    # Heading 90 turns north into the body's left: a NED north vector is body -y.
    assert np.allclose(frame_rotation(90.0, 0.0, 0.0) @ [1.0, 0.0, 0.0], [0.0, -1.0, 0.0])
    # Pitch -90 (nose down): the body x axis points down in NED.
    body_x_in_ned = frame_rotation(0.0, -90.0, 0.0).T @ [1.0, 0.0, 0.0]
    assert np.allclose(body_x_in_ned, [0.0, 0.0, 1.0])
