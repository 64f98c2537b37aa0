"""Ground sample distance against the pinhole geometry it comes from: a focal length of f px
at slant range R spans R / f metres across the line of sight, R / (f sin e) along it."""

from __future__ import annotations

import math

import pytest

from domain.camera import CameraModel, Intrinsics
from domain.ground_sample import ground_sample_distance_m

FX_PX = 640.0 / math.tan(math.radians(15.0))  # 1280 px across 30 degrees


def camera(rel_el_deg: float, hae_m: float = 1_000.0) -> CameraModel:
    intrinsics = Intrinsics.from_fov(1280, 720, 30.0)
    return CameraModel.from_st0601_angles(
        47.0, 8.0, hae_m, (45.0, 0.0, 0.0), (0.0, rel_el_deg, 0.0), intrinsics
    )


def test_straight_down_one_pixel_spans_height_over_focal_length() -> None:
    assert ground_sample_distance_m(camera(-90.0), 0.0) == pytest.approx(1_000.0 / FX_PX, rel=1e-3)


def test_an_oblique_view_stretches_the_pixel_along_the_line_of_sight() -> None:
    depression = math.radians(30.0)
    slant_m = 1_000.0 / math.sin(depression)
    expected = (
        slant_m / FX_PX / math.sqrt(math.sin(depression))
    )  # geometric mean of R/f, R/(f sin e)
    assert ground_sample_distance_m(camera(-30.0), 0.0) == pytest.approx(expected, rel=1e-2)


def test_the_ground_height_shortens_the_range() -> None:
    assert ground_sample_distance_m(camera(-90.0), 500.0) == pytest.approx(500.0 / FX_PX, rel=1e-3)


def test_a_point_at_an_image_corner_is_farther_away_than_the_centre() -> None:
    centre = ground_sample_distance_m(camera(-45.0), 0.0)
    top = ground_sample_distance_m(camera(-45.0), 0.0, 640.0, 0.5)
    assert centre is not None and top is not None and top > centre


@pytest.mark.parametrize(
    "rel_el_deg", [pytest.param(10.0, id="above-horizon"), pytest.param(-1.0, id="grazing")]
)
def test_no_ground_sample_distance_where_the_ray_finds_no_usable_ground(rel_el_deg: float) -> None:
    assert ground_sample_distance_m(camera(rel_el_deg), 0.0) is None
