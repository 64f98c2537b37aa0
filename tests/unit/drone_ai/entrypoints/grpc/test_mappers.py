"""Flight events as partners receive them: every value in its field, units unchanged."""

from __future__ import annotations

import math

import pytest

from domain.detections import Detection
from domain.event_log import Gap, Sequenced
from domain.flight_events import (
    FlightEvent,
    FlightState,
    FrameResult,
    GeoPosition,
    LocatedDetection,
    StatusChange,
    TrackUpdate,
)
from domain.georeference import Method
from domain.tracking import TrackState
from drone_ai.entrypoints.grpc import mappers
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb

CAR = Detection(10.0, 20.0, 50.0, 40.0, 0, "car", 0.75)
HERE = GeoPosition(38.1591, -77.3520, 63.5)


def logged(event: FlightEvent) -> Sequenced[FlightEvent]:
    return Sequenced(7, 1_700_000_000_000_000, event)


def test_a_frame_result_carries_its_detections_positions_and_footprint() -> None:
    frame = FrameResult(
        frame_time_us=1_700_000_000_033_333,
        telemetry_age_us=12_000,
        platform=GeoPosition(38.16, -77.35, 2_000.0),
        footprint=(HERE, HERE, HERE, HERE),
        detections=(
            LocatedDetection(CAR, 3, HERE, 4.5, Method.POSE_DEM),
            LocatedDetection(CAR, None, None, None, None),
        ),
        received_us=1_699_999_999_990_000,
    )
    message = mappers.flight_event("f1", logged(frame))
    assert (message.flight_id, message.sequence, message.WhichOneof("event")) == ("f1", 7, "frame")
    assert message.logged_us == 1_700_000_000_000_000
    got = message.frame
    assert got.frame_time_us == 1_700_000_000_033_333 and got.telemetry_age_us == 12_000
    assert got.received_us == 1_699_999_999_990_000
    assert got.platform.hae_m == 2_000.0 and len(got.footprint) == 4
    located, bare = got.detections
    assert (located.box.x_min_px, located.box.y_max_px) == (10.0, 40.0)
    assert (located.label, located.track_id, located.method) == ("car", 3, pb.GEO_METHOD_POSE_DEM)
    assert located.score == pytest.approx(0.75)
    assert (located.position.lat_deg, located.position.lon_deg) == (38.1591, -77.3520)
    assert located.horizontal_error_m == 4.5
    assert not bare.HasField("position") and bare.track_id == 0
    assert bare.method == pb.GEO_METHOD_UNSPECIFIED


def test_a_track_update_says_whether_it_has_a_velocity() -> None:
    moving = TrackUpdate(5, "car", TrackState.CONFIRMED, 1, (1, 2, 3, 4), HERE, 12.5, 270.0)
    young = TrackUpdate(6, "car", TrackState.LOST, 1, (1, 2, 3, 4), None, None, None)
    got_moving = mappers.flight_event("f1", logged(moving)).track
    assert (got_moving.state, got_moving.has_velocity) == (pb.TRACK_STATE_CONFIRMED, True)
    assert (got_moving.speed_m_s, got_moving.course_deg) == (12.5, 270.0)
    got_young = mappers.flight_event("f1", logged(young)).track
    assert (got_young.state, got_young.has_velocity) == (pb.TRACK_STATE_LOST, False)
    assert not got_young.HasField("position")
    still = TrackUpdate(7, "car", TrackState.CONFIRMED, 1, (1, 2, 3, 4), HERE, 0.1, math.nan)
    assert math.isnan(mappers.flight_event("f1", logged(still)).track.course_deg)


def test_a_status_change_and_a_gap_notice() -> None:
    status = mappers.flight_event("f1", logged(StatusChange(FlightState.DEGRADED, "no video")))
    assert (status.status.state, status.status.detail) == (pb.FLIGHT_STATE_DEGRADED, "no video")
    gap = mappers.gap_notice("f1", Gap(3, 9))
    assert (gap.sequence, gap.gap.first_sequence, gap.gap.last_sequence) == (9, 3, 9)
    assert gap.gap.reason == pb.GAP_REASON_EVICTED
    assert mappers.gap_notice("f1", Gap(3, 9), behind=True).gap.reason == (
        pb.GAP_REASON_SUBSCRIBER_BEHIND
    )
