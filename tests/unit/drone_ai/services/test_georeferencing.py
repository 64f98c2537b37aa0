"""The georeferencing service with hand-written fakes of its ports."""

from __future__ import annotations

import numpy as np
import pytest

from domain.camera import CameraModel, Intrinsics
from domain.georeference import Method, georeference_pixels
from domain.telemetry import LatLon, TelemetrySample, TelemetryStandard
from drone_ai.services.georeferencing import Georeferencer, GeoreferencingPolicy

T_US = 1_700_000_000_000_000


class FakeGeoid:
    name = "fake geoid -30 m"

    def __init__(self) -> None:
        self.asked = 0

    def undulation_m(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
        self.asked += 1
        return np.full(np.broadcast(lat_deg, lon_deg).shape, -30.0)


class FlatTerrain:
    name = "fake DEM at 250 m HAE"

    def height_hae_m(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
        return np.full(np.broadcast(lat_deg, lon_deg).shape, 250.0)


def st0601(**fields: object) -> TelemetrySample:
    pose: dict[str, object] = dict(
        sensor_lat_deg=45.0,
        sensor_lon_deg=6.0,
        sensor_alt_msl_m=1_530.0,
        platform_heading_deg=10.0,
        platform_pitch_deg=0.0,
        platform_roll_deg=0.0,
        sensor_rel_az_deg=0.0,
        sensor_rel_el_deg=-60.0,
        sensor_rel_roll_deg=0.0,
        hfov_deg=20.0,
        vfov_deg=15.0,
    )
    return TelemetrySample(t_us=T_US, standard=TelemetryStandard.ST0601, **(pose | fields))  # type: ignore[arg-type]


def test_msl_heights_go_through_the_geoid_and_the_klv_ground_height_is_used() -> None:
    geoid = FakeGeoid()
    report = Georeferencer(geoid).footprint(st0601(frame_center_elev_msl_m=280.0))
    assert report.centre is not None and report.centre.method is Method.POSE_ELLIPSOID
    assert report.centre.hae_m == pytest.approx(250.0, abs=1e-3)  # 280 MSL - 30
    assert "frame-centre elevation" in report.ground
    assert geoid.asked >= 2  # the sensor and the ground
    assert report.centre.sigma_h_m > 0.0
    # The same as the domain gives for the camera at 1,530 - 30 m HAE (1000 x 738 nominal px).
    cam = CameraModel.from_st0601_angles(
        45.0,
        6.0,
        1_500.0,
        (10.0, 0.0, 0.0),
        (0.0, -60.0, 0.0),
        Intrinsics.from_fov(1000, 738, 20.0, 15.0),
    )
    direct = georeference_pixels(cam, [500.0], [369.0], 250.0)
    assert report.centre.lat_deg == pytest.approx(float(direct.lat_deg[0]), abs=1e-6)


def test_the_elevation_model_comes_first_and_says_so() -> None:
    report = Georeferencer(FakeGeoid(), FlatTerrain()).footprint(
        st0601(frame_center_elev_msl_m=280.0)
    )
    assert report.centre is not None and report.centre.method is Method.POSE_DEM
    assert report.centre.hae_m == pytest.approx(250.0, abs=0.05)
    assert report.ground.startswith("fake DEM")


def test_without_any_ground_height_the_configured_one_is_used() -> None:
    policy = GeoreferencingPolicy(ground_msl_m=100.0)
    report = Georeferencer(FakeGeoid(), policy=policy).footprint(st0601())
    assert report.centre is not None
    assert report.centre.hae_m == pytest.approx(70.0, abs=1e-3)
    assert "configured ground at 100 m MSL" in report.ground


def test_reported_corners_stand_in_when_the_pose_is_incomplete() -> None:
    corners = (LatLon(45.01, 6.0), LatLon(45.01, 6.01), LatLon(45.0, 6.01), LatLon(45.0, 6.0))
    sample = st0601(
        sensor_rel_el_deg=None,
        corners=corners,
        frame_center_lat_deg=45.005,
        frame_center_lon_deg=6.005,
    )
    report = Georeferencer(FakeGeoid()).footprint(sample)
    assert report.centre is not None and report.centre.method is Method.CORNER_HOMOGRAPHY
    assert all(
        c.offset_from_reported_m is not None and c.offset_from_reported_m < 0.01
        for c in report.corners
    )
    assert any("sensor_rel_el_deg" in note for note in report.notes)


def test_nothing_to_go_on_gives_no_footprint_and_the_reason() -> None:
    report = Georeferencer(FakeGeoid()).footprint(st0601(hfov_deg=None))
    assert report.centre is None
    assert any("hfov_deg" in note for note in report.notes)
