"""WGS-84 geodesy: geodetic <-> ECEF <-> local NED/ENU, vectorised over numpy arrays.

Datum: WGS-84 ellipsoid (a = 6378137 m, 1/f = 298.257223563). Geodetic coordinates are
latitude and longitude in degrees and height above the ellipsoid (HAE) in metres; ECEF in
metres. Local frames are tangent to the ellipsoid at a reference point: NED (north, east, down)
and ENU (east, north, up). Every function takes scalars or arrays that broadcast together and
returns float64 arrays; no function shortcuts to a sphere or a flat earth.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Float = NDArray[np.float64]

A_M = 6_378_137.0
F = 1.0 / 298.257223563
B_M = A_M * (1.0 - F)
E2 = F * (2.0 - F)  # first eccentricity squared
EP2 = E2 / (1.0 - E2)  # second eccentricity squared
# Bowring's first estimate is already within 1e-12 rad and a nanometre of height for points
# within 30 km of the surface (measured against three iterations); three iterations serve any
# point out to orbit. Callers that know their points are near the ground ask for one.
BOWRING_ITERATIONS = 3
NEAR_SURFACE_ITERATIONS = 1


def _f64(value: ArrayLike) -> Float:
    return np.asarray(value, dtype=np.float64)


def geodetic_to_ecef(lat_deg: ArrayLike, lon_deg: ArrayLike, hae_m: ArrayLike) -> Float:
    """ECEF coordinates, shape (..., 3)."""
    lat = np.radians(_f64(lat_deg))
    lon = np.radians(_f64(lon_deg))
    hae = _f64(hae_m)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    n = A_M / np.sqrt(1.0 - E2 * sin_lat * sin_lat)  # prime vertical radius of curvature
    return np.stack(
        np.broadcast_arrays(
            (n + hae) * cos_lat * np.cos(lon),
            (n + hae) * cos_lat * np.sin(lon),
            (n * (1.0 - E2) + hae) * sin_lat,
        ),
        axis=-1,
    )


def ecef_to_geodetic(
    ecef_m: ArrayLike, iterations: int = BOWRING_ITERATIONS
) -> tuple[Float, Float, Float]:
    """(lat_deg, lon_deg, hae_m) of ECEF points, shape (..., 3).

    Bowring's iteration on the reduced latitude, then the height by a formula that stays
    exact at the poles (no division by cos(latitude)).
    """
    xyz = _f64(ecef_m)
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    p = np.hypot(x, y)
    beta = np.arctan2(z, (1.0 - F) * p)
    lat = np.arctan2(z + EP2 * B_M * np.sin(beta) ** 3, p - E2 * A_M * np.cos(beta) ** 3)
    for _ in range(iterations - 1):
        beta = np.arctan2((1.0 - F) * np.sin(lat), np.cos(lat))
        lat = np.arctan2(z + EP2 * B_M * np.sin(beta) ** 3, p - E2 * A_M * np.cos(beta) ** 3)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    n = A_M / np.sqrt(1.0 - E2 * sin_lat * sin_lat)
    hae = p * cos_lat + (z + E2 * n * sin_lat) * sin_lat - n
    return np.degrees(lat), np.degrees(np.arctan2(y, x)), hae


def ecef_to_ned_matrix(lat_deg: ArrayLike, lon_deg: ArrayLike) -> Float:
    """Rotation taking ECEF vectors into the NED frame at (lat, lon); shape (..., 3, 3).
    Its transpose takes NED vectors back to ECEF."""
    lat = np.radians(_f64(lat_deg))
    lon = np.radians(_f64(lon_deg))
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    sin_lon, cos_lon = np.sin(lon), np.cos(lon)
    zero = np.zeros_like(sin_lat * sin_lon)
    rows = (
        (-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat + zero),
        (-sin_lon + zero, cos_lon + zero, zero),
        (-cos_lat * cos_lon, -cos_lat * sin_lon, -sin_lat + zero),
    )
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)


def ecef_to_ned(
    ecef_m: ArrayLike, ref_lat_deg: ArrayLike, ref_lon_deg: ArrayLike, ref_hae_m: ArrayLike
) -> Float:
    """NED coordinates (m) of ECEF points relative to a reference point; shape (..., 3)."""
    origin = geodetic_to_ecef(ref_lat_deg, ref_lon_deg, ref_hae_m)
    rotation = ecef_to_ned_matrix(ref_lat_deg, ref_lon_deg)
    return _f64(np.einsum("...ij,...j->...i", rotation, _f64(ecef_m) - origin))


def ned_to_ecef(
    ned_m: ArrayLike, ref_lat_deg: ArrayLike, ref_lon_deg: ArrayLike, ref_hae_m: ArrayLike
) -> Float:
    """ECEF coordinates of NED offsets from a reference point; shape (..., 3)."""
    origin = geodetic_to_ecef(ref_lat_deg, ref_lon_deg, ref_hae_m)
    rotation = ecef_to_ned_matrix(ref_lat_deg, ref_lon_deg)
    return origin + _f64(np.einsum("...ji,...j->...i", rotation, _f64(ned_m)))


def ned_to_enu(ned: ArrayLike) -> Float:
    """Swap a local vector between the NED and ENU conventions (the map is its own inverse
    up to the sign of the vertical: ENU = (N->E, E->N, -D))."""
    vector = _f64(ned)
    return np.stack((vector[..., 1], vector[..., 0], -vector[..., 2]), axis=-1)


def enu_to_ned(enu: ArrayLike) -> Float:
    vector = _f64(enu)
    return np.stack((vector[..., 1], vector[..., 0], -vector[..., 2]), axis=-1)


def geodetic_to_ned(
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    hae_m: ArrayLike,
    ref_lat_deg: ArrayLike,
    ref_lon_deg: ArrayLike,
    ref_hae_m: ArrayLike,
) -> Float:
    return ecef_to_ned(
        geodetic_to_ecef(lat_deg, lon_deg, hae_m), ref_lat_deg, ref_lon_deg, ref_hae_m
    )


def ned_to_geodetic(
    ned_m: ArrayLike, ref_lat_deg: ArrayLike, ref_lon_deg: ArrayLike, ref_hae_m: ArrayLike
) -> tuple[Float, Float, Float]:
    return ecef_to_geodetic(ned_to_ecef(ned_m, ref_lat_deg, ref_lon_deg, ref_hae_m))
