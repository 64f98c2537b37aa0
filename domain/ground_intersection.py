"""Where rays from the camera meet the ground: the WGS-84 ellipsoid raised to a ground height.

Closed form first: the ray against the ellipsoid with both semi-axes grown by the ground height
h, (x^2 + y^2)/(a+h)^2 + z^2/(b+h)^2 = 1, a quadratic in the distance along the ray. That
surface differs from the true constant-geodetic-height surface by millimetres for heights of
kilometres; one Newton step along the ray on the geodetic height removes the difference.

A ray that misses the surface (at or above the horizon) or meets it behind the camera gives no
point. A ray that meets it at a grazing angle, or farther than the maximum slant range, gets a
point, flagged: such points are kilometres wrong for a fraction of a degree of attitude error,
and callers must not show them as positions.
"""

from __future__ import annotations

import enum
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from domain.geodesy import A_M, B_M, E2, NEAR_SURFACE_ITERATIONS, ecef_to_geodetic

Float = NDArray[np.float64]


class RayStatus(enum.IntEnum):
    """Why a ray's ground point can or cannot be used. Stored per point as uint8."""

    OK = 0
    NO_INTERSECTION = 1  # at or above the horizon, or the surface is behind the camera
    GRAZING = 2  # meets the ground at less than the minimum depression angle
    BEYOND_MAX_RANGE = 3  # farther than the maximum slant range


# Plain ints for the hot path (enum member lookups cost microseconds per call).
_OK, _NO_INTERSECTION = int(RayStatus.OK), int(RayStatus.NO_INTERSECTION)
_GRAZING, _BEYOND_MAX_RANGE = int(RayStatus.GRAZING), int(RayStatus.BEYOND_MAX_RANGE)


def intersect_ground(
    origin_ecef_m: ArrayLike,
    directions_ecef: ArrayLike,
    ground_hae_m: ArrayLike,
    *,
    max_range_m: float,
    min_depression_deg: float,
) -> tuple[Float, Float, NDArray[np.uint8]]:
    """(points (..., 3) ECEF m, slant ranges (...) m, statuses (...)) for unit `directions`.

    Points with NO_INTERSECTION are NaN; GRAZING and BEYOND_MAX_RANGE points are computed but
    flagged.
    """
    origin = np.asarray(origin_ecef_m, dtype=np.float64)
    d = np.asarray(directions_ecef, dtype=np.float64)
    h = np.asarray(ground_hae_m, dtype=np.float64)
    if h.ndim == 0:  # one height for every ray: the common case, and cheaper
        height_m = float(h)
        scale = np.array((A_M + height_m, A_M + height_m, B_M + height_m))
    else:
        scale = np.stack(np.broadcast_arrays(A_M + h, A_M + h, B_M + h), axis=-1)
    o = origin / scale
    v = d / scale
    qa = np.einsum("...i,...i->...", v, v)
    qb = 2.0 * np.einsum("...i,...i->...", o, v)
    qc = np.einsum("...i,...i->...", o, o) - 1.0
    disc = qb * qb - 4.0 * qa * qc
    hits = disc >= 0.0
    root = np.sqrt(np.where(hits, disc, 0.0))
    # The numerically stable pair of roots; the nearer positive one is where the ray lands.
    q = -0.5 * (qb + np.copysign(root, qb))
    t1, t2 = q / qa, _divide(qc, q)
    t = np.minimum(np.where(t1 > 0.0, t1, np.inf), np.where(t2 > 0.0, t2, np.inf))
    hits &= np.isfinite(t) & (qc > 0.0)  # qc <= 0: the camera is under the surface
    t = np.where(hits, t, np.nan)
    points = origin + t[..., None] * d
    # One Newton step on the geodetic height: the raised ellipsoid is not quite the surface of
    # constant height h. d(height)/dt is the ray's component along the local vertical.
    _, _, height = ecef_to_geodetic(points, NEAR_SURFACE_ITERATIONS)
    up = ellipsoid_normal(points)
    climb = np.einsum("...i,...i->...", d, up)
    t = t - _divide(height - h, climb)
    points = origin + t[..., None] * d
    # When several apply, the root cause wins: no hit, then a grazing angle (which is what
    # makes such points far), then the range.
    grazing = -climb < math.sin(math.radians(min_depression_deg))
    status = np.where(
        ~hits,
        _NO_INTERSECTION,
        np.where(grazing, _GRAZING, np.where(t > max_range_m, _BEYOND_MAX_RANGE, _OK)),
    ).astype(np.uint8)
    return points, t, status


def _divide(numerator: Float, denominator: Float) -> Float:
    """numerator / denominator, NaN where the denominator is 0 (and no warning raised)."""
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0.0)
    return out


def ellipsoid_normal(points_ecef_m: Float) -> Float:
    """Unit outward normal of the ellipsoid family through each point (the local vertical)."""
    x, y, z = points_ecef_m[..., 0], points_ecef_m[..., 1], points_ecef_m[..., 2]
    normal = np.stack((x, y, z / (1.0 - E2)), axis=-1)
    length = np.sqrt(np.einsum("...i,...i->...", normal, normal))
    return np.asarray(normal / length[..., None], dtype=np.float64)
