"""The ground footprint of one frame: where its four corners and its centre land.

A corner whose ray does not reach usable ground (above the horizon, grazing, or beyond the
maximum range) is clipped: it moves along the line from the image centre towards that corner
to the last point whose ray still lands usably, and is marked as clipped. A frame whose centre
does not land has no footprint at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from domain.camera import CameraModel
from domain.geodesy import NEAR_SURFACE_ITERATIONS, ecef_to_geodetic, geodetic_to_ned
from domain.ground_intersection import RayStatus, intersect_ground

Float = NDArray[np.float64]
_OK = int(RayStatus.OK)
_CLIP_STEPS = 30  # bisection steps: 2^-30 of the half-diagonal is far below a pixel


@dataclass(frozen=True, slots=True)
class GroundPoint:
    """A point on the ground, where the image point (u, v) landed; `clipped` when it stands
    in for an image corner whose own ray found no usable ground."""

    lat_deg: float
    lon_deg: float
    hae_m: float
    u_px: float
    v_px: float
    slant_range_m: float
    clipped: bool = False


@dataclass(frozen=True, slots=True)
class Footprint:
    """Centre, then corners in ST 0601 order: upper-left, upper-right, lower-right, lower-left."""

    centre: GroundPoint
    corners: tuple[GroundPoint, GroundPoint, GroundPoint, GroundPoint]

    @property
    def clipped(self) -> bool:
        return any(corner.clipped for corner in self.corners)


def frame_footprint(
    camera: CameraModel,
    ground_hae_m: float,
    *,
    max_range_m: float,
    min_depression_deg: float,
) -> Footprint | None:
    """The footprint over flat ground at `ground_hae_m`, or None if the centre sees no ground."""
    k = camera.intrinsics
    cx, cy = k.width_px / 2.0, k.height_px / 2.0
    u = np.array([cx, 0.0, k.width_px, k.width_px, 0.0])
    v = np.array([cy, 0.0, 0.0, k.height_px, k.height_px])
    limits = {"max_range_m": max_range_m, "min_depression_deg": min_depression_deg}
    points, slant, status = intersect_ground(
        camera.position_ecef_m, camera.pixel_rays(u, v), ground_hae_m, **limits
    )
    if status[0] != _OK:
        return None
    clipped = status != _OK
    if clipped.any():
        # Bisect, for every clipped corner at once, the fraction of the way from the centre.
        inside = np.zeros(clipped.sum())
        outside = np.ones(clipped.sum())
        du, dv = u[clipped] - cx, v[clipped] - cy
        for _ in range(_CLIP_STEPS):
            middle = (inside + outside) / 2.0
            _, _, mid_status = intersect_ground(
                camera.position_ecef_m,
                camera.pixel_rays(cx + middle * du, cy + middle * dv),
                ground_hae_m,
                **limits,
            )
            good = mid_status == _OK
            inside = np.where(good, middle, inside)
            outside = np.where(good, outside, middle)
        u[clipped], v[clipped] = cx + inside * du, cy + inside * dv
        points[clipped], slant[clipped], _ = intersect_ground(
            camera.position_ecef_m,
            camera.pixel_rays(u[clipped], v[clipped]),
            ground_hae_m,
            **limits,
        )
    lat, lon, hae = ecef_to_geodetic(points, NEAR_SURFACE_ITERATIONS)
    ground = [
        GroundPoint(
            float(lat[i]),
            float(lon[i]),
            float(hae[i]),
            float(u[i]),
            float(v[i]),
            float(slant[i]),
            bool(clipped[i]),
        )
        for i in range(5)
    ]
    return Footprint(ground[0], (ground[1], ground[2], ground[3], ground[4]))


def horizontal_distance_m(
    lat_deg: float, lon_deg: float, ref_lat_deg: float, ref_lon_deg: float
) -> float:
    """Distance on the ground between two points, in the tangent plane at the second (exact
    to millimetres over the few kilometres a footprint spans)."""
    north, east, _ = geodetic_to_ned(lat_deg, lon_deg, 0.0, ref_lat_deg, ref_lon_deg, 0.0)
    return float(np.hypot(north, east))
