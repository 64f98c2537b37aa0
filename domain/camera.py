"""A pinhole camera placed and pointed on the earth: pixels to rays in ECEF, and back.

Pixels follow DESIGN.md: origin at the top-left corner of the image, x right, y down, pixel
centres at +0.5, so the principal point of a W x H image is (W/2, H/2). The camera looks along
the sensor x axis; image x runs along sensor y, image y along sensor z (see `domain.attitude`).
Focal lengths come from the fields of view: fx = (W/2) / tan(HFOV/2), fy likewise from VFOV;
without a VFOV, pixels are assumed square and the intrinsics say so.

Optional lens distortion is Brown-Conrady (radial k1, k2, k3; tangential p1, p2) on normalised
image coordinates, applied when projecting and inverted by fixed-point iteration for rays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from domain.attitude import frame_rotation, sensor_from_ned
from domain.errors import InvalidValueError
from domain.geodesy import ecef_to_ned_matrix, geodetic_to_ecef

Float = NDArray[np.float64]
_UNDISTORT_ITERATIONS = 8


@dataclass(frozen=True, slots=True)
class Distortion:
    """Brown-Conrady coefficients on normalised image coordinates."""

    k1: float = 0.0
    k2: float = 0.0
    k3: float = 0.0
    p1: float = 0.0
    p2: float = 0.0

    def apply(self, x: Float, y: Float) -> tuple[Float, Float]:
        r2 = x * x + y * y
        radial = 1.0 + r2 * (self.k1 + r2 * (self.k2 + r2 * self.k3))
        dx = 2.0 * self.p1 * x * y + self.p2 * (r2 + 2.0 * x * x)
        dy = self.p1 * (r2 + 2.0 * y * y) + 2.0 * self.p2 * x * y
        return x * radial + dx, y * radial + dy

    def remove(self, xd: Float, yd: Float) -> tuple[Float, Float]:
        x, y = xd, yd
        for _ in range(_UNDISTORT_ITERATIONS):
            moved_x, moved_y = self.apply(x, y)
            x, y = x - (moved_x - xd), y - (moved_y - yd)
        return x, y


@dataclass(frozen=True, slots=True)
class Intrinsics:
    """Image size and pinhole parameters, in pixels."""

    width_px: int
    height_px: int
    fx_px: float
    fy_px: float
    cx_px: float
    cy_px: float
    square_pixels_assumed: bool = False
    distortion: Distortion | None = None

    def __post_init__(self) -> None:
        if self.width_px <= 0 or self.height_px <= 0:
            raise InvalidValueError(
                "image size", "positive width and height in pixels", (self.width_px, self.height_px)
            )
        if not (self.fx_px > 0.0 and self.fy_px > 0.0):
            raise InvalidValueError(
                "focal length", "positive fx and fy in pixels", (self.fx_px, self.fy_px)
            )

    @classmethod
    def from_fov(
        cls,
        width_px: int,
        height_px: int,
        hfov_deg: float,
        vfov_deg: float | None = None,
        distortion: Distortion | None = None,
    ) -> Intrinsics:
        for name, fov in (("hfov_deg", hfov_deg), ("vfov_deg", vfov_deg)):
            if fov is not None and not 0.0 < fov < 180.0:
                raise InvalidValueError(name, "a field of view in (0, 180) degrees", fov)
        fx = (width_px / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
        fy = fx if vfov_deg is None else (height_px / 2.0) / math.tan(math.radians(vfov_deg) / 2.0)
        return cls(
            width_px,
            height_px,
            fx,
            fy,
            width_px / 2.0,
            height_px / 2.0,
            vfov_deg is None,
            distortion,
        )


@dataclass(frozen=True, slots=True, eq=False)
class CameraModel:
    """A camera at an ECEF position with an orientation: `ecef_from_sensor` holds the sensor
    axes (look, image right, image down) as columns in ECEF."""

    position_ecef_m: Float
    ecef_from_sensor: Float
    intrinsics: Intrinsics
    lat_deg: float
    lon_deg: float
    hae_m: float
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def from_pose(
        cls,
        lat_deg: float,
        lon_deg: float,
        hae_m: float,
        sensor_from_ned_matrix: Float,
        intrinsics: Intrinsics,
        notes: tuple[str, ...] = (),
    ) -> CameraModel:
        ned_from_ecef = ecef_to_ned_matrix(lat_deg, lon_deg)
        ecef_from_sensor = ned_from_ecef.T @ sensor_from_ned_matrix.T
        position = geodetic_to_ecef(lat_deg, lon_deg, hae_m)
        return cls(position, ecef_from_sensor, intrinsics, lat_deg, lon_deg, hae_m, notes)

    @classmethod
    def from_st0601_angles(
        cls,
        lat_deg: float,
        lon_deg: float,
        hae_m: float,
        platform_hpr_deg: tuple[float, float, float],
        sensor_rel_aer_deg: tuple[float, float, float],
        intrinsics: Intrinsics,
    ) -> CameraModel:
        """Platform heading/pitch/roll, then sensor relative azimuth/elevation/roll."""
        rotation = sensor_from_ned(*platform_hpr_deg, *sensor_rel_aer_deg)
        return cls.from_pose(lat_deg, lon_deg, hae_m, rotation, intrinsics)

    @classmethod
    def from_world_pointing(
        cls,
        lat_deg: float,
        lon_deg: float,
        hae_m: float,
        look_az_el_roll_deg: tuple[float, float, float],
        intrinsics: Intrinsics,
    ) -> CameraModel:
        """The line of sight given in the local level frame (azimuth from true north,
        elevation above the horizontal, roll about the line of sight), as EG 0104 reports it."""
        return cls.from_pose(
            lat_deg, lon_deg, hae_m, frame_rotation(*look_az_el_roll_deg), intrinsics
        )

    def sensor_directions(self, u_px: ArrayLike, v_px: ArrayLike) -> Float:
        """Directions (not unit) in the sensor frame of the rays through image points."""
        k = self.intrinsics
        x = (np.asarray(u_px, dtype=np.float64) - k.cx_px) / k.fx_px
        y = (np.asarray(v_px, dtype=np.float64) - k.cy_px) / k.fy_px
        if k.distortion is not None:
            x, y = k.distortion.remove(x, y)
        x, y = np.broadcast_arrays(x, y)
        sensor = np.empty((*x.shape, 3))
        sensor[..., 0] = 1.0
        sensor[..., 1] = x
        sensor[..., 2] = y
        return sensor

    def pixel_rays(self, u_px: ArrayLike, v_px: ArrayLike) -> Float:
        """Unit ECEF directions of the rays through image points (u right, v down)."""
        rays = self.sensor_directions(u_px, v_px) @ self.ecef_from_sensor.T
        length = np.sqrt(np.einsum("...i,...i->...", rays, rays))
        return np.asarray(rays / length[..., None], dtype=np.float64)

    def project(self, points_ecef_m: ArrayLike) -> tuple[Float, Float, NDArray[np.bool_]]:
        """Image coordinates (u, v) of ECEF points, and whether each is in front of the camera
        (points behind it, or on its focal plane, are invalid and get NaN)."""
        offsets = np.asarray(points_ecef_m, dtype=np.float64) - self.position_ecef_m
        sensor = offsets @ self.ecef_from_sensor
        depth = sensor[..., 0]
        in_front = depth > 0.0
        safe = np.where(in_front, depth, np.nan)
        x, y = sensor[..., 1] / safe, sensor[..., 2] / safe
        k = self.intrinsics
        if k.distortion is not None:
            x, y = k.distortion.apply(x, y)
        return k.cx_px + k.fx_px * x, k.cy_px + k.fy_px * y, in_front
