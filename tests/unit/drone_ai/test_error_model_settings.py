"""The error model's settings (DRONE_AI_SIGMA_*): parsed, checked, and the sigmas the tower's
georeferencer propagates into every ground point's reported error."""

from __future__ import annotations

import math

import numpy as np
import pytest

from domain.telemetry import TelemetrySample, TelemetryStandard
from drone_ai import bootstrap
from drone_ai.config import Settings
from drone_ai.errors import ConfigError

SIGMAS = {
    "DRONE_AI_SIGMA_POINTING_DEG": "sigma_pointing_deg",
    "DRONE_AI_SIGMA_POSITION_M": "sigma_position_m",
    "DRONE_AI_SIGMA_ALTITUDE_M": "sigma_altitude_m",
    "DRONE_AI_SIGMA_GROUND_HEIGHT_M": "sigma_ground_height_m",
    "DRONE_AI_SIGMA_DEM_HEIGHT_M": "sigma_dem_height_m",
    "DRONE_AI_SIGMA_PIXEL_PX": "sigma_pixel_px",
}
ALL_ZERO = dict.fromkeys(SIGMAS, "0") | {"DRONE_AI_GEOID_UNDULATION_M": "0"}


def sample() -> TelemetrySample:
    return TelemetrySample(
        t_us=1_700_000_000_000_000,
        standard=TelemetryStandard.ST0601,
        sensor_lat_deg=38.16,
        sensor_lon_deg=-77.35,
        sensor_hae_m=620.0,
        platform_heading_deg=30.0,
        platform_pitch_deg=0.0,
        platform_roll_deg=0.0,
        sensor_rel_az_deg=90.0,
        sensor_rel_el_deg=-50.0,
        sensor_rel_roll_deg=0.0,
        hfov_deg=30.0,
        vfov_deg=17.1,
    )


def centre_sigma_m(env: dict[str, str]) -> float:
    geometry = bootstrap.georeferencer(Settings.from_env(env)).frame_geometry(sample(), 1280, 720)
    assert geometry is not None
    points = geometry.locate(np.array([640.0]), np.array([360.0]))
    return float(points.sigma_h_m[0])


def test_the_sigmas_come_from_their_variables() -> None:
    env = {name: str(0.5 + index) for index, name in enumerate(SIGMAS)}
    settings = Settings.from_env(env)
    for index, field in enumerate(SIGMAS.values()):
        assert getattr(settings, field) == 0.5 + index


@pytest.mark.parametrize("name", list(SIGMAS))
@pytest.mark.parametrize("value", ["-1", "nan", "1e9", "wide"])
def test_a_sigma_that_is_no_finite_sigma_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_position_alone_is_reported_as_its_drms() -> None:
    assert centre_sigma_m(ALL_ZERO) == 0.0
    with_position = ALL_ZERO | {"DRONE_AI_SIGMA_POSITION_M": "3"}
    assert centre_sigma_m(with_position) == pytest.approx(3.0 * math.sqrt(2.0), rel=1e-9)


@pytest.mark.parametrize(
    "name",
    [
        "DRONE_AI_SIGMA_POINTING_DEG",
        "DRONE_AI_SIGMA_ALTITUDE_M",
        "DRONE_AI_SIGMA_GROUND_HEIGHT_M",
        "DRONE_AI_SIGMA_PIXEL_PX",
    ],
)
def test_each_sigma_reaches_the_reported_error_in_proportion(name: str) -> None:
    once = centre_sigma_m(ALL_ZERO | {name: "1"})
    assert once > 0.0
    assert centre_sigma_m(ALL_ZERO | {name: "2"}) == pytest.approx(2.0 * once, rel=1e-9)
