"""Image points to places on the earth, with the method used and a 1-sigma error per point.

Ground height, best first: an elevation model (the intersection is refined by iterating: land
on a height, look the terrain up there, land again), else a height the caller resolved (the KLV
frame-centre elevation, or a configured constant). Points the elevation model does not cover
keep the fallback height and say so in their method.

The error estimate propagates configured 1-sigma uncertainties to the ground, per point, for a
ray of slant range S meeting the ground at depression e:
  along the line of sight: S * s_angle / sin(e)  (pointing),  s_vertical / tan(e)  (sensor
  altitude and ground height together), s_position;
  across it: S * s_angle, s_position;
and reports the root sum of squares of both axes (the DRMS, in metres). The angle s_angle is
the pointing uncertainty and the image point's own (the detector's box edge is off by
`pixel_px`, each pixel 1/f radians at the image centre, slightly less towards the edges)
together, root sum of squares: both turn the ray by a small angle in any direction.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from domain.camera import CameraModel
from domain.errors import InvalidValueError
from domain.geodesy import NEAR_SURFACE_ITERATIONS, ecef_to_geodetic
from domain.ground_intersection import RayStatus, ellipsoid_normal, intersect_ground

Float = NDArray[np.float64]
TerrainHeights = Callable[[Float, Float], Float]  # (lat_deg, lon_deg) -> HAE m, NaN off the model

_TERRAIN_ITERATIONS = 10
_CONVERGED_M = 0.05


class Method(enum.IntEnum):
    """How a ground point was found; stored per point as uint8."""

    POSE_ELLIPSOID = 0  # camera pose, ground at a resolved height above the ellipsoid
    POSE_DEM = 1  # camera pose, ground from the elevation model
    CORNER_HOMOGRAPHY = 2  # no usable pose: a homography from the reported image corners


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """1-sigma uncertainties that the error estimate propagates. Angles are per axis of the
    line of sight: heading/pitch/roll errors of s_a each and azimuth/elevation errors of s_p
    each turn it by sqrt(s_a**2 + s_p**2) in elevation (at most that across)."""

    pointing_deg: float = 0.5  # platform attitude and sensor pointing together
    position_m: float = 5.0  # horizontal sensor position
    altitude_m: float = 10.0  # sensor height
    ground_height_m: float = 30.0  # a resolved ground height (KLV or constant)
    dem_height_m: float = 5.0  # a height from the elevation model
    reported_corner_m: float = 30.0  # the platform's own corners (used by the homography)
    pixel_px: float = 0.0  # the image point itself (a box's bottom centre), per image axis

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if not 0.0 <= value < math.inf:  # NaN fails too
                raise InvalidValueError(f"uncertainty {name}", "a finite sigma >= 0", value)


@dataclass(frozen=True, slots=True)
class GroundLimits:
    """Rays longer than `max_range_m`, or meeting the ground flatter than
    `min_depression_deg`, give flagged points (see RayStatus)."""

    max_range_m: float = 20_000.0
    min_depression_deg: float = 3.0


@dataclass(frozen=True, slots=True, eq=False)
class GroundPoints:
    """Georeferenced image points, one entry per input point."""

    lat_deg: Float
    lon_deg: Float
    hae_m: Float
    slant_range_m: Float
    sigma_h_m: Float
    status: NDArray[np.uint8]  # RayStatus
    method: NDArray[np.uint8]  # Method


def georeference_pixels(
    camera: CameraModel,
    u_px: ArrayLike,
    v_px: ArrayLike,
    ground_hae_m: float,
    *,
    terrain: TerrainHeights | None = None,
    limits: GroundLimits = GroundLimits(),
    uncertainty: Uncertainty = Uncertainty(),
) -> GroundPoints:
    """Where the image points land: on the terrain where it is known, else at `ground_hae_m`."""
    rays = camera.pixel_rays(u_px, v_px)
    bounds = {"max_range_m": limits.max_range_m, "min_depression_deg": limits.min_depression_deg}
    heights = np.full(rays.shape[:-1], float(ground_hae_m))
    points, slant, status = intersect_ground(camera.position_ecef_m, rays, heights, **bounds)
    lat, lon, hae = ecef_to_geodetic(points, NEAR_SURFACE_ITERATIONS)
    on_terrain = np.zeros(heights.shape, dtype=bool)
    unsettled_m = np.zeros(heights.shape)
    if terrain is not None:
        for _ in range(_TERRAIN_ITERATIONS):
            looked_up = terrain(lat, lon)
            on_terrain = np.isfinite(looked_up) & (status != RayStatus.NO_INTERSECTION)
            target = np.where(on_terrain, looked_up, ground_hae_m)
            unsettled_m = np.abs(target - heights)
            heights = target
            points, slant, status = intersect_ground(
                camera.position_ecef_m, rays, heights, **bounds
            )
            lat, lon, hae = ecef_to_geodetic(points, NEAR_SURFACE_ITERATIONS)
            if not np.any(unsettled_m[on_terrain] > _CONVERGED_M):
                break
    pixel_rad = uncertainty.pixel_px / min(camera.intrinsics.fx_px, camera.intrinsics.fy_px)
    sigma = _sigma_h_m(points, rays, slant, on_terrain, unsettled_m, uncertainty, pixel_rad)
    method = np.where(on_terrain, Method.POSE_DEM, Method.POSE_ELLIPSOID).astype(np.uint8)
    return GroundPoints(lat, lon, hae, slant, sigma, status, method)


def _sigma_h_m(
    points: Float,
    rays: Float,
    slant_m: Float,
    on_terrain: NDArray[np.bool_],
    unsettled_m: Float,
    u: Uncertainty,
    pixel_rad: float = 0.0,
) -> Float:
    up = ellipsoid_normal(points)
    sin_depression = np.clip(-np.einsum("...i,...i->...", rays, up), 1e-6, 1.0)
    tan_depression = sin_depression / np.sqrt(1.0 - sin_depression**2 + 1e-12)
    ground_sigma = np.where(on_terrain, u.dem_height_m, u.ground_height_m)
    # A terrain iteration that had not settled leaves its last step as extra height error.
    vertical = np.sqrt(u.altitude_m**2 + ground_sigma**2 + unsettled_m**2)
    angle = np.hypot(np.radians(u.pointing_deg), pixel_rad)
    along_sq = (slant_m * angle / sin_depression) ** 2 + (vertical / tan_depression) ** 2
    across_sq = (slant_m * angle) ** 2
    return np.asarray(np.sqrt(along_sq + across_sq + 2.0 * u.position_m**2), dtype=np.float64)
