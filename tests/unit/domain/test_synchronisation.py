from __future__ import annotations

import pytest

from domain.errors import InvalidValueError
from domain.synchronisation import (
    ClockAlignment,
    SyncKind,
    TelemetryTrack,
    angular_difference_deg,
    interpolate,
)
from domain.telemetry import LatLon, TelemetrySample, TelemetryStandard

MS = 1_000


def sample(t_ms: int, **fields: object) -> TelemetrySample:
    base: dict[str, object] = dict(
        sensor_lat_deg=10.0,
        sensor_lon_deg=20.0,
        sensor_hae_m=100.0,
        platform_heading_deg=0.0,
        mission_id="M",
    )
    return TelemetrySample(t_us=t_ms * MS, standard=TelemetryStandard.ST0601, **(base | fields))  # type: ignore[arg-type]


def test_positions_and_heights_are_interpolated_linearly() -> None:
    middle = interpolate(
        sample(0, sensor_hae_m=100.0, sensor_lat_deg=10.0),
        sample(40, sensor_hae_m=140.0, sensor_lat_deg=10.004),
        10 * MS,
    )
    assert middle.t_us == 10 * MS
    assert middle.sensor_hae_m == pytest.approx(110.0)
    assert middle.sensor_lat_deg == pytest.approx(10.001)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(350.0, 10.0, 0.0, id="across-north"),
        pytest.param(10.0, 350.0, 0.0, id="across-north-backwards"),
        pytest.param(90.0, 100.0, 95.0, id="plain"),
        pytest.param(179.0, -179.0, 180.0, id="across-the-antimeridian"),
    ],
)
def test_angles_take_the_shortest_arc(a: float, b: float, expected: float) -> None:
    def lon(x: float) -> float:
        return (x + 180.0) % 360.0 - 180.0

    middle = interpolate(
        sample(0, platform_heading_deg=a % 360, sensor_lon_deg=lon(a)),
        sample(20, platform_heading_deg=b % 360, sensor_lon_deg=lon(b)),
        10 * MS,
    )
    assert angular_difference_deg(middle.platform_heading_deg or 0.0, expected) < 1e-9
    assert angular_difference_deg(middle.sensor_lon_deg or 0.0, expected) < 1e-9
    assert -180.0 <= (middle.sensor_lon_deg or 0.0) <= 180.0


def test_fields_one_side_lacks_and_text_come_from_the_nearer_sample() -> None:
    early = sample(0, hfov_deg=10.0, mission_id="A")
    late = sample(100, mission_id="B")
    assert interpolate(early, late, 30 * MS).hfov_deg == 10.0
    assert interpolate(early, late, 30 * MS).mission_id == "A"
    assert interpolate(early, late, 70 * MS).hfov_deg is None
    assert interpolate(early, late, 70 * MS).mission_id == "B"


def test_corners_are_interpolated_point_by_point() -> None:
    a = (LatLon(0.0, 0.0),) * 4
    b = (LatLon(1.0, 2.0),) * 4
    middle = interpolate(sample(0, corners=a), sample(10, corners=b), 5 * MS)
    assert middle.corners is not None and middle.corners[0] == LatLon(0.5, 1.0)


def test_a_frame_between_close_samples_gets_interpolated_telemetry_with_its_age() -> None:
    track = TelemetryTrack(max_gap_us=100 * MS, max_age_us=50 * MS)
    for t in (0, 40, 80):
        track.add(sample(t, sensor_hae_m=100.0 + t))
    synced = track.at(50 * MS)
    assert synced.kind is SyncKind.INTERPOLATED
    assert synced.sample is not None and synced.sample.sensor_hae_m == pytest.approx(150.0)
    assert synced.age_us == 10 * MS


def test_across_a_long_gap_only_a_recent_enough_sample_is_used() -> None:
    track = TelemetryTrack(max_gap_us=100 * MS, max_age_us=30 * MS)
    track.add(sample(0))
    track.add(sample(500))
    near = track.at(20 * MS)
    assert near.kind is SyncKind.NEAREST and near.age_us == 20 * MS
    lost = track.at(250 * MS)
    assert lost.kind is SyncKind.NONE and lost.sample is None and lost.age_us == 250 * MS


def test_after_the_newest_sample_it_is_held_while_young_never_extrapolated() -> None:
    track = TelemetryTrack(max_gap_us=100 * MS, max_age_us=30 * MS)
    track.add(sample(0, sensor_hae_m=100.0))
    track.add(sample(40, sensor_hae_m=140.0))
    held = track.at(60 * MS)
    assert held.kind is SyncKind.NEAREST and held.sample is not None
    assert held.sample.sensor_hae_m == 140.0
    assert track.at(80 * MS).kind is SyncKind.NONE


def test_no_telemetry_at_all_is_said_not_guessed() -> None:
    synced = TelemetryTrack(max_gap_us=1, max_age_us=0).at(5)
    assert synced.kind is SyncKind.NONE and synced.sample is None and synced.age_us is None


def test_late_samples_take_their_place_in_time_and_repeats_are_ignored() -> None:
    track = TelemetryTrack(max_gap_us=100 * MS, max_age_us=0)
    for t in (0, 80, 40, 40):
        track.add(sample(t, sensor_hae_m=float(t)))
    assert track.at(60 * MS).sample.sensor_hae_m == pytest.approx(60.0)  # type: ignore[union-attr]


def test_the_track_is_bounded() -> None:
    track = TelemetryTrack(max_gap_us=100 * MS, max_age_us=10 * MS, capacity=4)
    for t in range(0, 200, 10):
        track.add(sample(t))
    assert track.at(0).kind is SyncKind.NONE  # forgotten: only the newest four are kept
    assert track.at(185 * MS).kind is SyncKind.INTERPOLATED


def test_interpolating_outside_the_two_samples_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        interpolate(sample(0), sample(10), 20 * MS)


def test_clock_alignment_ignores_a_late_packet_and_follows_slow_drift() -> None:
    clock = ClockAlignment(window=9)
    assert clock.to_utc(0) is None
    for k in range(20):
        source = k * 40_000
        late = 300_000 if k == 5 else 0  # one packet arrives 300 ms late
        drift = k * 10  # 10 us per packet: 250 ppm
        clock.observe(source + late, 1_700_000_000_000_000 + source + drift)
    assert clock.to_utc(1_000_000) == pytest.approx(1_700_000_000_000_000 + 1_000_000 + 150, abs=50)
