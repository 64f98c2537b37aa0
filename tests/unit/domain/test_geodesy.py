"""WGS-84 conversions against pymap3d, an independent implementation, within 1 mm over a
global grid that includes the poles and the antimeridian."""

from __future__ import annotations

import numpy as np
import pymap3d
import pytest

from domain.geodesy import (
    ecef_to_geodetic,
    ecef_to_ned,
    enu_to_ned,
    geodetic_to_ecef,
    geodetic_to_ned,
    ned_to_ecef,
    ned_to_enu,
    ned_to_geodetic,
)

MM = 1e-3
# 1 mm of arc on the earth is about 9e-9 degrees of latitude.
DEG_PER_MM = MM / 111_000.0

LATS = np.array([-90.0, -89.999, -60.0, -33.3, 0.0, 1e-9, 45.0, 78.9, 89.9999, 90.0])
LONS = np.array([-180.0, -179.9999, -90.0, 0.0, 12.5, 90.0, 179.9999, 180.0])
HEIGHTS = np.array([-500.0, 0.0, 1_000.0, 20_000.0, 400_000.0])
LAT, LON, HAE = (g.ravel() for g in np.meshgrid(LATS, LONS, HEIGHTS, indexing="ij"))


def test_geodetic_to_ecef_agrees_with_pymap3d() -> None:
    ours = geodetic_to_ecef(LAT, LON, HAE)
    theirs = np.stack(pymap3d.geodetic2ecef(LAT, LON, HAE), axis=-1)
    assert np.max(np.abs(ours - theirs)) < MM


def test_ecef_to_geodetic_agrees_with_pymap3d_and_round_trips() -> None:
    ecef = geodetic_to_ecef(LAT, LON, HAE)
    lat, lon, hae = ecef_to_geodetic(ecef)
    their_lat, their_lon, their_hae = pymap3d.ecef2geodetic(ecef[:, 0], ecef[:, 1], ecef[:, 2])
    assert np.max(np.abs(lat - their_lat)) < DEG_PER_MM
    assert np.max(np.abs(hae - their_hae)) < MM
    assert np.max(np.abs(hae - HAE)) < MM
    # Longitude is undefined at the poles; elsewhere +-180 are the same meridian.
    away_from_poles = np.abs(LAT) < 90.0
    lon_error = (lon - LON + 180.0) % 360.0 - 180.0
    their_lon_error = (lon - their_lon + 180.0) % 360.0 - 180.0
    assert np.max(np.abs(lon_error[away_from_poles])) < DEG_PER_MM
    assert np.max(np.abs(their_lon_error[away_from_poles])) < DEG_PER_MM


@pytest.mark.parametrize(
    ("ref_lat", "ref_lon", "ref_hae"),
    [(0.0, 0.0, 0.0), (38.16, -77.35, 50.0), (-89.99, 179.999, 2_000.0), (89.9, -180.0, -100.0)],
)
def test_ned_agrees_with_pymap3d_and_round_trips(
    ref_lat: float, ref_lon: float, ref_hae: float
) -> None:
    lat = ref_lat + np.array([-0.05, 0.0, 0.003, 0.05]).clip(-90 - ref_lat, 90 - ref_lat)
    lon = ref_lon + np.array([0.07, -0.02, 0.0, 0.1])
    hae = ref_hae + np.array([0.0, 1_500.0, -20.0, 30_000.0])
    ours = geodetic_to_ned(lat, lon, hae, ref_lat, ref_lon, ref_hae)
    theirs = np.stack(pymap3d.geodetic2ned(lat, lon, hae, ref_lat, ref_lon, ref_hae), axis=-1)
    assert np.max(np.abs(ours - theirs)) < MM
    # Back to geodetic, compared as positions: a point may sit on a pole, where the
    # longitude means nothing.
    back = geodetic_to_ecef(*ned_to_geodetic(ours, ref_lat, ref_lon, ref_hae))
    assert np.max(np.linalg.norm(back - geodetic_to_ecef(lat, lon, hae), axis=-1)) < MM


def test_ned_and_ecef_offsets_invert_each_other() -> None:
    offsets = np.array([[100.0, -250.0, 30.0], [0.0, 0.0, 0.0], [-1e4, 2e4, -500.0]])
    ecef = ned_to_ecef(offsets, 45.0, 7.0, 120.0)
    assert np.allclose(ecef_to_ned(ecef, 45.0, 7.0, 120.0), offsets, atol=MM)


def test_enu_is_ned_with_axes_swapped_and_up_flipped() -> None:
    ned = np.array([1.0, 2.0, 3.0])
    assert ned_to_enu(ned).tolist() == [2.0, 1.0, -3.0]
    assert enu_to_ned(ned_to_enu(ned)).tolist() == ned.tolist()
