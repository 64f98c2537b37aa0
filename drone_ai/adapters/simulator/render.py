"""Rendering a simulated frame from an exact camera pose.

The ground is the plane through the scenario's origin, tangent to the ellipsoid. A pinhole
camera maps that plane onto the image by a homography, so the texture is warped with one
cv2.warpPerspective; pixels whose rays do not meet the plane in front of the camera are sky.
Targets are boxes on the plane, projected corner by corner through the same camera model the
georeferencing uses: the renderer and the georeferencing agree by construction.

Ground truth per target: its bottom centre (where it meets the ground; DESIGN.md's ground point
of a detection) on the earth and in the image, and the pixel box of its eight corners.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from domain.camera import CameraModel
from domain.flight_path import target_position
from domain.geodesy import ecef_to_geodetic, ecef_to_ned_matrix, geodetic_to_ecef
from drone_ai.adapters.simulator.scene import BACKGROUND_BGR, M_PER_PX, SKY_BGR, Scene, Target


@dataclass(frozen=True, slots=True)
class TargetTruth:
    target_id: int
    kind: str
    lat_deg: float
    lon_deg: float
    hae_m: float
    box_px: tuple[float, float, float, float]  # x_min, y_min, x_max, y_max
    ground_px: tuple[float, float]  # the bottom centre in the image


class Renderer:
    def __init__(self, scene: Scene, lat_deg: float, lon_deg: float, ground_hae_m: float) -> None:
        self._scene = scene
        self._origin = geodetic_to_ecef(lat_deg, lon_deg, ground_hae_m)
        ned_from_ecef = ecef_to_ned_matrix(lat_deg, lon_deg)
        self._north, self._east = ned_from_ecef[0], ned_from_ecef[1]
        # Texture pixel (col, row) -> plane (east, north), pixel centres at +0.5.
        self._plane_from_texture = np.array(
            [
                [M_PER_PX, 0.0, scene.west_m + 0.5 * M_PER_PX],
                [0.0, -M_PER_PX, scene.north_m - 0.5 * M_PER_PX],
                [0.0, 0.0, 1.0],
            ]
        )

    def plane_to_ecef(
        self, east_m: NDArray[np.float64], north_m: NDArray[np.float64], up_m: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """ECEF of points given in the scene's plane frame (east, north, up)."""
        up = np.cross(self._east, self._north)
        return np.asarray(
            self._origin
            + east_m[..., None] * self._east
            + north_m[..., None] * self._north
            + up_m[..., None] * up,
            dtype=np.float64,
        )

    def render(self, camera: CameraModel, t_us: int) -> tuple[NDArray[np.uint8], list[TargetTruth]]:
        """The frame the camera sees `t_us` after the start, and what is in it."""
        k = camera.intrinsics
        image_from_plane = self._image_from_plane(camera)
        warp = image_from_plane @ self._plane_from_texture
        image: NDArray[np.uint8] = np.asarray(
            cv2.warpPerspective(
                self._scene.texture,
                warp,
                (k.width_px, k.height_px),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=BACKGROUND_BGR,
            ),
            dtype=np.uint8,
        )
        self._paint_sky(image, image_from_plane)
        truths = [
            truth
            for target in self._scene.targets
            if (truth := self._draw_target(image, camera, target, t_us)) is not None
        ]
        return image, truths

    def _image_from_plane(self, camera: CameraModel) -> NDArray[np.float64]:
        """The homography taking (east, north, 1) on the plane to homogeneous pixels; its
        third output is the depth along the line of sight."""
        k = camera.intrinsics
        pixels_from_sensor = np.array(
            [[k.cx_px, k.fx_px, 0.0], [k.cy_px, 0.0, k.fy_px], [1.0, 0.0, 0.0]]
        )
        sensor_from_ecef = camera.ecef_from_sensor.T
        columns = np.stack((self._east, self._north, self._origin - camera.position_ecef_m), axis=1)
        return np.asarray(pixels_from_sensor @ sensor_from_ecef @ columns, dtype=np.float64)

    def _paint_sky(self, image: NDArray[np.uint8], image_from_plane: NDArray[np.float64]) -> None:
        # The third coordinate of H^-1 (u, v, 1) is 1/depth: not positive means the ray never
        # meets the plane in front of the camera. It is linear in (u, v): the horizon is a line.
        height, width = image.shape[:2]
        a, b, c = np.linalg.inv(image_from_plane)[2]
        corners = [a * u + b * v + c for u in (0.0, width) for v in (0.0, height)]
        if min(corners) > 0.0:
            return
        u = np.arange(width) + 0.5
        v = np.arange(height)[:, None] + 0.5
        image[(a * u + b * v + c) <= 0.0] = SKY_BGR

    def _draw_target(
        self, image: NDArray[np.uint8], camera: CameraModel, target: Target, t_us: int
    ) -> TargetTruth | None:
        east, north, heading = target_position(target.track, t_us)
        along = np.array([math.sin(math.radians(heading)), math.cos(math.radians(heading))])
        across = np.array([along[1], -along[0]])
        corners_en = [
            (east, north) + s1 * target.length_m / 2 * along + s2 * target.width_m / 2 * across
            for s1, s2 in ((1, 1), (1, -1), (-1, -1), (-1, 1))
        ]
        en = np.array(corners_en * 2)
        up = np.array([0.0] * 4 + [target.height_m] * 4)
        u, v, in_front = camera.project(self.plane_to_ecef(en[:, 0], en[:, 1], up))
        if not in_front.all():
            return None
        height, width = image.shape[:2]
        box = (float(u.min()), float(v.min()), float(u.max()), float(v.max()))
        if box[2] < 0.0 or box[3] < 0.0 or box[0] > width or box[1] > height:
            return None
        points = np.stack((u, v), axis=-1)
        shade = tuple(int(c * 0.55) for c in target.colour_bgr)
        hull = cv2.convexHull(np.round(points * 16).astype(np.int32))
        cv2.fillConvexPoly(image, hull, shade, lineType=cv2.LINE_AA, shift=4)
        top = np.round(points[4:] * 16).astype(np.int32)
        cv2.fillConvexPoly(image, top, target.colour_bgr, lineType=cv2.LINE_AA, shift=4)
        ground = self.plane_to_ecef(np.array([east]), np.array([north]), np.array([0.0]))
        gu, gv, _ = camera.project(ground)
        lat, lon, hae = ecef_to_geodetic(ground)
        return TargetTruth(
            target.target_id,
            target.kind,
            float(lat[0]),
            float(lon[0]),
            float(hae[0]),
            box,
            (float(gu[0]), float(gv[0])),
        )
