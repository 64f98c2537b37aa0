from __future__ import annotations

import math

import pytest

from domain.errors import InvalidValueError
from domain.telemetry import LatLon, TelemetrySample, TelemetryStandard

T_US = 1_700_000_000_000_000


def sample(**fields: object) -> TelemetrySample:
    return TelemetrySample(t_us=T_US, standard=TelemetryStandard.ST0601, **fields)  # type: ignore[arg-type]


def test_a_sample_needs_only_its_time_and_standard() -> None:
    bare = sample()
    assert bare.sensor_lat_deg is None
    assert bare.corners is None
    assert dict(bare.other_items) == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("sensor_lat_deg", 90.5, id="latitude-above-90"),
        pytest.param("sensor_lon_deg", -180.5, id="longitude-below-minus-180"),
        pytest.param("platform_heading_deg", 361.0, id="heading-above-360"),
        pytest.param("hfov_deg", -1.0, id="negative-field-of-view"),
        pytest.param("slant_range_m", -0.1, id="negative-range"),
        pytest.param("sensor_lat_deg", math.nan, id="nan"),
        pytest.param("sensor_alt_msl_m", math.inf, id="infinity"),
    ],
)
def test_values_outside_their_envelope_are_refused_naming_the_field(
    field: str, value: float
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        sample(**{field: value})
    assert caught.value.field == field
    assert field in str(caught.value) and repr(value) in str(caught.value)


@pytest.mark.parametrize("t_us", [-1, 1.5, True, None], ids=["negative", "float", "bool", "none"])
def test_time_must_be_non_negative_integer_microseconds(t_us: object) -> None:
    with pytest.raises(InvalidValueError, match="t_us"):
        TelemetrySample(t_us=t_us, standard=TelemetryStandard.ST0601)  # type: ignore[arg-type]


def test_corners_come_in_fours() -> None:
    three = (LatLon(1.0, 2.0),) * 3
    with pytest.raises(InvalidValueError, match="corners"):
        sample(corners=three)


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, 181.0), (math.nan, 0.0)])
def test_latlon_refuses_points_off_the_earth(lat: float, lon: float) -> None:
    with pytest.raises(InvalidValueError):
        LatLon(lat, lon)


def test_samples_are_immutable_values() -> None:
    first = sample(sensor_lat_deg=10.0)
    with pytest.raises(AttributeError):
        first.sensor_lat_deg = 11.0  # type: ignore[misc]
    assert first == sample(sensor_lat_deg=10.0)
