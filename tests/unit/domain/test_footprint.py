from __future__ import annotations

import math

import pytest

from domain.camera import CameraModel, Intrinsics
from domain.footprint import frame_footprint, frame_footprints
from domain.geodesy import geodetic_to_ned

LIMITS = {"max_range_m": 20_000.0, "min_depression_deg": 2.0}


def camera(rel_el_deg: float, hae_m: float = 1_000.0) -> CameraModel:
    intrinsics = Intrinsics.from_fov(640, 480, 30.0, 22.5)
    return CameraModel.from_st0601_angles(
        47.0, 8.0, hae_m, (45.0, 0.0, 0.0), (0.0, rel_el_deg, 0.0), intrinsics
    )


def ned(point_lat: float, point_lon: float) -> tuple[float, float]:
    north, east, _ = geodetic_to_ned(point_lat, point_lon, 0.0, 47.0, 8.0, 0.0)
    return float(north), float(east)


def test_a_nadir_footprint_is_centred_below_the_camera_and_unclipped() -> None:
    footprint = frame_footprint(camera(-90.0), 0.0, **LIMITS)
    assert footprint is not None and not footprint.clipped
    assert math.hypot(*ned(footprint.centre.lat_deg, footprint.centre.lon_deg)) < 0.01
    half_diagonal = 1_000.0 * math.hypot(
        math.tan(math.radians(15.0)), math.tan(math.radians(11.25))
    )
    for corner in footprint.corners:
        assert math.hypot(*ned(corner.lat_deg, corner.lon_deg)) == pytest.approx(
            half_diagonal, rel=2e-3
        )
    assert footprint.centre.slant_range_m == pytest.approx(1_000.0, abs=0.01)


def test_corners_above_the_horizon_are_clipped_to_the_last_usable_ground() -> None:
    footprint = frame_footprint(camera(-8.0), 0.0, **LIMITS)  # the top edge looks above 0 deg
    assert footprint is not None and footprint.clipped
    upper_left, upper_right, lower_right, lower_left = footprint.corners
    assert upper_left.clipped and upper_right.clipped
    assert not lower_right.clipped and not lower_left.clipped
    for corner in (upper_left, upper_right):
        assert corner.slant_range_m <= LIMITS["max_range_m"]
        assert 0.0 < corner.v_px < 240.0  # moved down from the top edge towards the centre


def test_a_frame_whose_centre_sees_no_ground_has_no_footprint() -> None:
    assert frame_footprint(camera(5.0), 0.0, **LIMITS) is None


def test_footprints_of_many_frames_at_once_equal_those_of_each_alone() -> None:
    cameras = [camera(-90.0), camera(-8.0), camera(5.0), camera(-45.0, hae_m=3_000.0)]
    heights = [0.0, 10.0, 0.0, 250.0]
    batched = frame_footprints(cameras, heights, **LIMITS)
    alone = [frame_footprint(c, h, **LIMITS) for c, h in zip(cameras, heights, strict=True)]
    assert batched[2] is None and alone[2] is None
    for one, other in zip(batched, alone, strict=True):
        assert one == other
