"""The ground footprint of one frame: where its four corners and its centre land.

A corner whose ray does not reach usable ground (above the horizon, grazing, or beyond the
maximum range) is clipped: it moves along the line from the image centre towards that corner
to the last point whose ray still lands usably, and is marked as clipped. A frame whose centre
does not land has no footprint at all.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    [footprint] = frame_footprints(
        [camera], [ground_hae_m], max_range_m=max_range_m, min_depression_deg=min_depression_deg
    )
    return footprint


def frame_footprints(
    cameras: Sequence[CameraModel],
    ground_hae_m: Sequence[float],
    *,
    max_range_m: float,
    min_depression_deg: float,
) -> list[Footprint | None]:
    """The footprints of many frames at once (a flight, or the frames of many flights at one
    instant): one vectorised intersection for all their centres and corners."""
    limits = {"max_range_m": max_range_m, "min_depression_deg": min_depression_deg}
    u = np.array([_frame_points(c)[0] for c in cameras])  # (frames, 5)
    v = np.array([_frame_points(c)[1] for c in cameras])
    sensor = np.stack([c.sensor_directions(u[i], v[i]) for i, c in enumerate(cameras)])
    rotations = np.stack([c.ecef_from_sensor for c in cameras])
    rays = np.einsum("fij,fkj->fki", rotations, sensor)
    rays /= np.sqrt(np.einsum("fki,fki->fk", rays, rays))[..., None]
    origins = np.stack([c.position_ecef_m for c in cameras])[:, None, :]
    heights = np.asarray(ground_hae_m, dtype=np.float64)[:, None]
    points, slant, status = intersect_ground(origins, rays, heights, **limits)
    clipped = status != _OK
    for frame in map(int, np.flatnonzero(clipped.any(axis=1) & ~clipped[:, 0])):
        _clip(
            cameras[frame],
            float(heights[frame, 0]),
            u[frame],
            v[frame],
            clipped[frame],
            points[frame],
            slant[frame],
            limits,
        )
    lat, lon, hae = ecef_to_geodetic(points, NEAR_SURFACE_ITERATIONS)
    footprints: list[Footprint | None] = []
    for f in range(len(cameras)):
        if clipped[f, 0]:
            footprints.append(None)
            continue
        ground = [
            GroundPoint(
                float(lat[f, i]),
                float(lon[f, i]),
                float(hae[f, i]),
                float(u[f, i]),
                float(v[f, i]),
                float(slant[f, i]),
                bool(clipped[f, i]),
            )
            for i in range(5)
        ]
        footprints.append(Footprint(ground[0], (ground[1], ground[2], ground[3], ground[4])))
    return footprints


def _frame_points(camera: CameraModel) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Image centre, then the corners in ST 0601 order."""
    w, h = float(camera.intrinsics.width_px), float(camera.intrinsics.height_px)
    return (w / 2.0, 0.0, w, w, 0.0), (h / 2.0, 0.0, 0.0, h, h)


def _clip(
    camera: CameraModel,
    ground_hae_m: float,
    u: Float,
    v: Float,
    clipped: NDArray[np.bool_],
    points: Float,
    slant: Float,
    limits: dict[str, float],
) -> None:
    """Move the clipped corners of one frame (in place) to the last usable point on the line
    from the image centre, by bisection, all corners at once."""
    cx, cy = u[0], v[0]
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
        camera.position_ecef_m, camera.pixel_rays(u[clipped], v[clipped]), ground_hae_m, **limits
    )


def horizontal_distance_m(
    lat_deg: float, lon_deg: float, ref_lat_deg: float, ref_lon_deg: float
) -> float:
    """Distance on the ground between two points, in the tangent plane at the second (exact
    to millimetres over the few kilometres a footprint spans)."""
    north, east, _ = geodetic_to_ned(lat_deg, lon_deg, 0.0, ref_lat_deg, ref_lon_deg, 0.0)
    return float(np.hypot(north, east))
