"""Ground sample distance (GSD): how much ground one pixel of the image spans, in metres.

The ground is flat at a height above the WGS-84 ellipsoid (HAE, m); the camera is a
`CameraModel` (pixels as in DESIGN.md: centres at +0.5). The rays through the points half a
pixel either side of an image point, along x and along y, land on the ground; the GSD is the
geometric mean of the two ground steps, the side of the square whose area one pixel covers.
An oblique view stretches the step along y by about 1 / sin(depression): a single figure
describes object sizes in either direction to within that factor's square root.
"""

from __future__ import annotations

import math

import numpy as np

from domain.camera import CameraModel
from domain.ground_intersection import RayStatus, intersect_ground


def ground_sample_distance_m(
    camera: CameraModel,
    ground_hae_m: float,
    u_px: float | None = None,
    v_px: float | None = None,
    *,
    max_range_m: float = 20_000.0,
    min_depression_deg: float = 3.0,
) -> float | None:
    """Metres of ground per pixel at image point (u, v), the image centre by default; None
    where a ray misses usable ground (above the horizon, grazing, beyond `max_range_m`)."""
    k = camera.intrinsics
    u = k.cx_px if u_px is None else u_px
    v = k.cy_px if v_px is None else v_px
    us = np.array([u - 0.5, u + 0.5, u, u])
    vs = np.array([v, v, v - 0.5, v + 0.5])
    points, _, status = intersect_ground(
        camera.position_ecef_m,
        camera.pixel_rays(us, vs),
        ground_hae_m,
        max_range_m=max_range_m,
        min_depression_deg=min_depression_deg,
    )
    if np.any(status != int(RayStatus.OK)):
        return None
    along_x = float(np.linalg.norm(points[1] - points[0]))
    along_y = float(np.linalg.norm(points[3] - points[2]))
    return math.sqrt(along_x * along_y)
