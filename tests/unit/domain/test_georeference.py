"""Georeferencing with a ground height chain and a per-point error estimate."""

from __future__ import annotations

import numpy as np
import pytest

from domain.camera import CameraModel, Intrinsics
from domain.errors import InvalidValueError
from domain.geodesy import geodetic_to_ecef, geodetic_to_ned
from domain.georeference import (
    GroundLimits,
    Method,
    Uncertainty,
    georeference_pixels,
)
from domain.ground_intersection import RayStatus

LAT, LON, SENSOR_HAE = 46.5, 7.5, 2_500.0
WIDTH, HEIGHT = 800, 600


def camera(
    rel_az: float = 20.0,
    rel_el: float = -40.0,
    hae: float = SENSOR_HAE,
    lat: float = LAT,
    lon: float = LON,
) -> CameraModel:
    intrinsics = Intrinsics.from_fov(WIDTH, HEIGHT, 30.0, 22.8)
    return CameraModel.from_st0601_angles(
        lat, lon, hae, (80.0, 1.0, -2.0), (rel_az, rel_el, 0.0), intrinsics
    )


def grid() -> tuple[np.ndarray, np.ndarray]:
    u, v = np.meshgrid(np.linspace(10, WIDTH - 10, 9), np.linspace(10, HEIGHT - 10, 7))
    return u.ravel(), v.ravel()


def sloped_terrain(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """A hillside rising 8 m per 100 m to the east of the camera, 600 m HAE below it."""
    east = geodetic_to_ned(lat, lon, 0.0, LAT, LON, 0.0)[..., 1]
    return 600.0 + 0.08 * east


def test_points_land_on_the_terrain_where_the_model_covers_them() -> None:
    u, v = grid()
    result = georeference_pixels(camera(), u, v, 500.0, terrain=sloped_terrain)
    assert (result.status == RayStatus.OK).all()
    assert (result.method == Method.POSE_DEM).all()
    assert np.max(np.abs(result.hae_m - sloped_terrain(result.lat_deg, result.lon_deg))) < 0.05
    # And they are still on the rays of their pixels.
    cam = camera()
    back_u, back_v, _ = cam.project(geodetic_to_ecef(result.lat_deg, result.lon_deg, result.hae_m))
    assert np.max(np.hypot(back_u - u, back_v - v)) < 1e-3


def test_outside_the_model_the_resolved_height_is_used_and_said() -> None:
    u, v = grid()
    edge_lon = float(np.median(georeference_pixels(camera(), u, v, 500.0).lon_deg))

    def half_covered(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        return np.where(lon > edge_lon, np.nan, sloped_terrain(lat, lon))

    result = georeference_pixels(camera(), u, v, 500.0, terrain=half_covered)
    fallback = result.method == Method.POSE_ELLIPSOID
    assert fallback.any() and (~fallback).any()
    assert np.allclose(result.hae_m[fallback], 500.0, atol=1e-3)


def test_without_a_model_every_point_is_at_the_resolved_height() -> None:
    u, v = grid()
    result = georeference_pixels(camera(), u, v, 432.0)
    assert (result.method == Method.POSE_ELLIPSOID).all()
    assert np.allclose(result.hae_m, 432.0, atol=1e-3)


def test_the_error_estimate_matches_a_monte_carlo_of_the_same_uncertainties() -> None:
    u_sig = Uncertainty(pointing_deg=0.3, position_m=4.0, altitude_m=8.0, ground_height_m=15.0)
    limits = GroundLimits(max_range_m=50_000.0, min_depression_deg=1.0)
    pixels = (np.array([400.0, 50.0, 750.0]), np.array([300.0, 40.0, 560.0]))
    nominal = georeference_pixels(camera(), *pixels, 500.0, limits=limits, uncertainty=u_sig)
    rng = np.random.default_rng(11)
    offsets = []
    for _ in range(400):
        # Pointing: sigma in elevation, and in azimuth as an angle across the line of sight.
        d_el, d_across = rng.normal(0.0, u_sig.pointing_deg, 2)
        d_north, d_east = rng.normal(0.0, u_sig.position_m, 2)
        moved = camera(
            rel_az=20.0 + d_across / np.cos(np.radians(40.0)),
            rel_el=-40.0 + d_el,
            hae=SENSOR_HAE + rng.normal(0.0, u_sig.altitude_m),
            lat=LAT + d_north / 111_150.0,
            lon=LON + d_east / 76_700.0,
        )
        ground = 500.0 + rng.normal(0.0, u_sig.ground_height_m)
        result = georeference_pixels(moved, *pixels, ground, limits=limits)
        ned = geodetic_to_ned(
            result.lat_deg, result.lon_deg, 0.0, nominal.lat_deg, nominal.lon_deg, 0.0
        )
        offsets.append(ned[..., :2])
    drms = np.sqrt(np.mean(np.sum(np.square(offsets), axis=-1), axis=0))
    assert drms == pytest.approx(nominal.sigma_h_m, rel=0.2)


def test_the_pixel_term_matches_a_monte_carlo_of_image_points_off_by_that_many_pixels() -> None:
    """A box edge `pixel_px` off in each image axis turns the ray by pixel_px / f radians."""
    u_sig = Uncertainty(pointing_deg=0.0, position_m=0.0, altitude_m=0.0, ground_height_m=0.0)
    blurred = Uncertainty(
        pointing_deg=0.0, position_m=0.0, altitude_m=0.0, ground_height_m=0.0, pixel_px=4.0
    )
    pixels = (np.array([400.0, 100.0, 700.0]), np.array([300.0, 80.0, 520.0]))
    sharp = georeference_pixels(camera(), *pixels, 500.0, uncertainty=u_sig)
    nominal = georeference_pixels(camera(), *pixels, 500.0, uncertainty=blurred)
    assert np.allclose(sharp.sigma_h_m, 0.0)
    rng = np.random.default_rng(5)
    offsets = []
    for _ in range(400):
        du, dv = rng.normal(0.0, blurred.pixel_px, (2, 3))
        result = georeference_pixels(camera(), pixels[0] + du, pixels[1] + dv, 500.0)
        ned = geodetic_to_ned(
            result.lat_deg, result.lon_deg, 0.0, nominal.lat_deg, nominal.lon_deg, 0.0
        )
        offsets.append(ned[..., :2])
    drms = np.sqrt(np.mean(np.sum(np.square(offsets), axis=-1), axis=0))
    # 1/f is the centre pixel's angle, the largest: the corners' estimate is up to 1/cos^2 of
    # the half field (7 %) high; 400 draws add some 5 %.
    assert drms == pytest.approx(nominal.sigma_h_m, rel=0.15)
    assert np.all(drms <= nominal.sigma_h_m * 1.07)


def test_pixel_and_pointing_sigmas_add_as_angles() -> None:
    pixels = (np.array([400.0]), np.array([300.0]))
    f_px = min(camera().intrinsics.fx_px, camera().intrinsics.fy_px)  # the wider pixel angle
    pixel_px = 3.0
    as_pixels = Uncertainty(0.2, 0.0, 0.0, 0.0, pixel_px=pixel_px)
    as_angle = Uncertainty(float(np.hypot(0.2, np.degrees(pixel_px / f_px))), 0.0, 0.0, 0.0)
    first = georeference_pixels(camera(), *pixels, 500.0, uncertainty=as_pixels)
    second = georeference_pixels(camera(), *pixels, 500.0, uncertainty=as_angle)
    assert first.sigma_h_m == pytest.approx(second.sigma_h_m, rel=1e-9)


@pytest.mark.parametrize(
    "fields",
    [{"pointing_deg": -0.1}, {"pixel_px": float("nan")}, {"position_m": float("inf")}],
    ids=["negative", "nan", "infinite"],
)
def test_an_uncertainty_must_be_a_finite_sigma(fields: dict[str, float]) -> None:
    with pytest.raises(InvalidValueError, match="finite sigma"):
        Uncertainty(**fields)
