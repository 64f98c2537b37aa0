"""The only real flight we have: MISB EG 0104 over Fort A.P. Hill, VA, 2008-09-17
(aphill_klv_10s.ts, Kitware/kwiver, BSD-3-Clause, shipped as the package's demo sample)."""

from __future__ import annotations

import math

import pytest

from domain.telemetry import TelemetrySample, TelemetryStandard
from drone_ai.adapters.klv.files import FilePacket, KlvFileTelemetrySource
from drone_ai.adapters.klv.policy import DecodePolicy
from tests.conftest import SAMPLE_FLIGHT

EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance: plenty for a plausibility bound of kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def packets() -> list[FilePacket]:
    source = KlvFileTelemetrySource(SAMPLE_FLIGHT, DecodePolicy.STRICT)
    found = list(source.packets())
    assert source.counts.total == 0
    return found


@pytest.fixture(scope="module")
def samples(packets: list[FilePacket]) -> list[TelemetrySample]:
    return [p.decoded.sample for p in packets if p.decoded.sample is not None]


def test_all_300_packets_decode_into_samples(
    packets: list[FilePacket], samples: list[TelemetrySample]
) -> None:
    assert len(packets) == len(samples) == 300
    assert all(s.standard is TelemetryStandard.EG0104 for s in samples)
    assert all(p.pts_90khz is not None for p in packets)  # asynchronous KLV with PTS


def test_times_span_the_ten_seconds_of_the_clip_in_order(samples: list[TelemetrySample]) -> None:
    times = [s.t_us for s in samples]
    assert times == sorted(times)
    assert 9_000_000 <= times[-1] - times[0] <= 11_000_000
    assert times[0] // 1_000_000 == 1_221_665_012  # 2008-09-17T15:23:32Z


def test_pose_and_field_of_view_are_present_and_plausible(samples: list[TelemetrySample]) -> None:
    for s in samples:
        assert s.sensor_lat_deg == pytest.approx(38.16, abs=0.05)  # Fort A.P. Hill
        assert s.sensor_lon_deg == pytest.approx(-77.35, abs=0.05)
        assert s.sensor_alt_msl_m is not None and 500.0 < s.sensor_alt_msl_m < 5_000.0
        assert s.platform_heading_deg is not None
        assert s.platform_pitch_deg is not None and abs(s.platform_pitch_deg) < 30.0
        assert s.platform_roll_deg is not None and abs(s.platform_roll_deg) < 60.0
        assert s.sensor_true_az_deg is not None and s.sensor_obliquity_deg is not None
        assert s.hfov_deg is not None and 0.0 < s.hfov_deg < 60.0
        assert s.vfov_deg is not None and 0.0 < s.vfov_deg < s.hfov_deg


def test_frame_centre_and_corners_lie_within_10_km_of_the_sensor(
    samples: list[TelemetrySample],
) -> None:
    for s in samples:
        assert s.sensor_lat_deg is not None and s.sensor_lon_deg is not None
        assert s.frame_center_lat_deg is not None and s.frame_center_lon_deg is not None
        centre = distance_m(
            s.sensor_lat_deg, s.sensor_lon_deg, s.frame_center_lat_deg, s.frame_center_lon_deg
        )
        assert centre < 10_000.0
        # The slant range is the sensor-to-centre distance: the ground distance is shorter.
        assert s.slant_range_m is not None and centre < s.slant_range_m
        assert s.corners is not None
        for corner in s.corners:
            assert (
                distance_m(s.sensor_lat_deg, s.sensor_lon_deg, corner.lat_deg, corner.lon_deg)
                < 10_000.0
            )
