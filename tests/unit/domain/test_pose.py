from __future__ import annotations

import numpy as np
import pytest

from domain.pose import (
    AzimuthReference,
    PointingConventions,
    PoseIncompleteError,
    camera_from_sample,
    utm_meridian_convergence_deg,
)
from domain.telemetry import TelemetrySample, TelemetryStandard

T_US = 1_700_000_000_000_000


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        pytest.param(38.16, -75.0, 0.0, id="on-the-central-meridian"),
        pytest.param(38.16, -77.35, -1.453, id="fort-ap-hill-zone-18"),
        pytest.param(-33.9, 18.4, 1.451, id="south-and-west-of-the-zone-34-meridian"),
        pytest.param(0.0, 100.0, 0.0, id="equator"),
    ],
)
def test_utm_meridian_convergence(lat: float, lon: float, expected: float) -> None:
    assert utm_meridian_convergence_deg(lat, lon) == pytest.approx(expected, abs=2e-3)


def eg0104(**fields: object) -> TelemetrySample:
    base: dict[str, object] = dict(
        sensor_lat_deg=38.16,
        sensor_lon_deg=-77.35,
        hfov_deg=1.0,
        vfov_deg=0.75,
        sensor_true_az_deg=10.0,
        sensor_obliquity_deg=-30.0,
    )
    return TelemetrySample(t_us=T_US, standard=TelemetryStandard.EG0104, **(base | fields))  # type: ignore[arg-type]


def look_azimuth_deg(sample: TelemetrySample, conventions: PointingConventions) -> float:
    camera = camera_from_sample(sample, 640, 480, 2_000.0, conventions)
    from domain.geodesy import ecef_to_ned_matrix

    look_ned = ecef_to_ned_matrix(38.16, -77.35) @ camera.ecef_from_sensor[:, 0]
    return float(np.degrees(np.arctan2(look_ned[1], look_ned[0])))


def test_grid_azimuths_are_turned_to_true_ones_when_the_source_says_so() -> None:
    sample = eg0104()
    assert look_azimuth_deg(sample, PointingConventions()) == pytest.approx(10.0, abs=1e-9)
    grid = PointingConventions(AzimuthReference.UTM_GRID_NORTH)
    assert look_azimuth_deg(sample, grid) == pytest.approx(10.0 - 1.453, abs=2e-3)


def test_assumptions_are_written_down_on_the_camera() -> None:
    camera = camera_from_sample(eg0104(vfov_deg=None), 640, 480, 2_000.0)
    assert "no VFOV: square pixels assumed" in camera.notes
    assert "no sensor roll: 0 assumed" in camera.notes


@pytest.mark.parametrize(
    ("sample", "missing"),
    [
        pytest.param(eg0104(sensor_lat_deg=None), ("sensor_lat_deg",), id="no-position"),
        pytest.param(
            eg0104(sensor_obliquity_deg=None), ("sensor_obliquity_deg",), id="no-elevation"
        ),
        pytest.param(
            TelemetrySample(
                t_us=T_US,
                standard=TelemetryStandard.ST0601,
                sensor_lat_deg=1.0,
                sensor_lon_deg=2.0,
                hfov_deg=10.0,
                platform_heading_deg=0.0,
            ),
            (
                "platform_pitch_deg",
                "platform_roll_deg",
                "sensor_rel_az_deg",
                "sensor_rel_el_deg",
                "sensor_rel_roll_deg",
            ),
            id="st0601-no-pointing",
        ),
    ],
)
def test_an_incomplete_pose_names_what_is_missing(
    sample: TelemetrySample, missing: tuple[str, ...]
) -> None:
    with pytest.raises(PoseIncompleteError) as caught:
        camera_from_sample(sample, 640, 480, 1_000.0)
    assert caught.value.missing == missing
