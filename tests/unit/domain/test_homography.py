from __future__ import annotations

import numpy as np
import pytest

from domain.camera import CameraModel, Intrinsics
from domain.errors import InvalidValueError
from domain.geodesy import geodetic_to_ned
from domain.georeference import Method, georeference_pixels
from domain.homography import CornerHomography
from domain.telemetry import LatLon

WIDTH, HEIGHT = 640, 480


def test_the_homography_from_true_corners_reproduces_the_camera_on_flat_ground() -> None:
    intrinsics = Intrinsics.from_fov(WIDTH, HEIGHT, 20.0, 15.0)
    cam = CameraModel.from_st0601_angles(
        51.0, -1.5, 900.0, (45.0, 0.0, 3.0), (350.0, -50.0, 0.0), intrinsics
    )
    corners_u = np.array([0.0, WIDTH, WIDTH, 0.0])
    corners_v = np.array([0.0, 0.0, HEIGHT, HEIGHT])
    truth = georeference_pixels(cam, corners_u, corners_v, 100.0)
    corners = [
        LatLon(float(a), float(b)) for a, b in zip(truth.lat_deg, truth.lon_deg, strict=True)
    ]
    homography = CornerHomography(corners, WIDTH, HEIGHT, 100.0)
    u, v = np.meshgrid(np.linspace(0, WIDTH, 9), np.linspace(0, HEIGHT, 7))
    expected = georeference_pixels(cam, u.ravel(), v.ravel(), 100.0)
    found = homography.georeference(u.ravel(), v.ravel())
    ned = geodetic_to_ned(
        found.lat_deg, found.lon_deg, 0.0, expected.lat_deg, expected.lon_deg, 0.0
    )
    # A footprint about a kilometre across: the tangent plane departs by centimetres.
    assert np.max(np.hypot(ned[..., 0], ned[..., 1])) < 0.2
    assert (found.method == Method.CORNER_HOMOGRAPHY).all()


def test_corners_in_a_line_are_refused() -> None:
    line = [LatLon(10.0, 10.0 + 0.001 * i) for i in range(4)]
    with pytest.raises(InvalidValueError, match="corners"):
        CornerHomography(line, WIDTH, HEIGHT, 0.0)
