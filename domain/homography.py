"""The fallback when the pose is incomplete but the platform reported the image corners (ST 0601
items 26-33 or 82-89, EG 0104 corners): a homography from the image onto the ground.

The four corners are put in a local tangent plane (ENU at their centroid, at the ground
height); the plane projective map taking the image corners to them is exact for flat ground
seen by a pinhole camera, which is what the corners assume. The plane departs from the
ellipsoid by d^2 / 2R: 8 cm at 1 km from the centroid, 2 m at 5 km.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from domain.errors import InvalidValueError
from domain.geodesy import geodetic_to_ned, ned_to_geodetic
from domain.georeference import GroundPoints, Method, Uncertainty
from domain.ground_intersection import RayStatus
from domain.telemetry import LatLon

Float = NDArray[np.float64]


class CornerHomography:
    """Image points of a `width_px` x `height_px` frame to the ground through its corners."""

    def __init__(
        self, corners: Sequence[LatLon], width_px: int, height_px: int, ground_hae_m: float
    ) -> None:
        if len(corners) != 4:
            raise InvalidValueError("corners", "four corners", corners)
        self._lat0 = float(np.mean([c.lat_deg for c in corners]))
        self._lon0 = float(np.mean([c.lon_deg for c in corners]))
        self._hae_m = ground_hae_m
        ned = geodetic_to_ned(
            [c.lat_deg for c in corners],
            [c.lon_deg for c in corners],
            ground_hae_m,
            self._lat0,
            self._lon0,
            ground_hae_m,
        )
        image = [(0.0, 0.0), (width_px, 0.0), (width_px, height_px), (0.0, height_px)]
        self._matrix = _solve(image, [(float(p[1]), float(p[0])) for p in ned])  # (east, north)

    def georeference(
        self, u_px: ArrayLike, v_px: ArrayLike, uncertainty: Uncertainty | None = None
    ) -> GroundPoints:
        u = np.asarray(u_px, dtype=np.float64)
        v = np.asarray(v_px, dtype=np.float64)
        w = self._matrix[2, 0] * u + self._matrix[2, 1] * v + self._matrix[2, 2]
        east = (self._matrix[0, 0] * u + self._matrix[0, 1] * v + self._matrix[0, 2]) / w
        north = (self._matrix[1, 0] * u + self._matrix[1, 1] * v + self._matrix[1, 2]) / w
        ned = np.stack((north, east, np.zeros_like(north)), axis=-1)
        lat, lon, _ = ned_to_geodetic(ned, self._lat0, self._lon0, self._hae_m)
        shape = lat.shape
        # A point beyond the vanishing line (w <= 0) is above the horizon of the corners' plane.
        status = np.where(w > 0.0, RayStatus.OK, RayStatus.NO_INTERSECTION).astype(np.uint8)
        return GroundPoints(
            lat,
            lon,
            np.full(shape, self._hae_m),
            np.full(shape, np.nan),  # no camera position: no slant range
            np.full(shape, (uncertainty or Uncertainty()).reported_corner_m),
            status,
            np.full(shape, Method.CORNER_HOMOGRAPHY, dtype=np.uint8),
        )


def _solve(source: Sequence[tuple[float, float]], target: Sequence[tuple[float, float]]) -> Float:
    """The 3x3 projective map (h33 = 1) taking four source points to four target points."""
    rows, rhs = [], []
    for (x, y), (to_x, to_y) in zip(source, target, strict=True):
        rows.append([x, y, 1.0, 0.0, 0.0, 0.0, -x * to_x, -y * to_x])
        rows.append([0.0, 0.0, 0.0, x, y, 1.0, -x * to_y, -y * to_y])
        rhs += [to_x, to_y]
    if _has_collinear_triple(target):
        raise InvalidValueError("corners", "four corners, no three in a line", target)
    h = np.linalg.solve(np.array(rows), np.array(rhs))
    return np.append(h, 1.0).reshape(3, 3)


def _has_collinear_triple(points: Sequence[tuple[float, float]]) -> bool:
    xy = np.asarray(points, dtype=np.float64)
    spread = float(np.max(np.ptp(xy, axis=0))) or 1.0
    for skip in range(4):
        a, b, c = np.delete(xy, skip, axis=0)
        twice_area = abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
        if twice_area < 1e-6 * spread * spread:
            return True
    return False
