"""A flight's tracks on the ground, with a flat fake georeferencer: 0.1 m of ground per pixel,
image up = north, right = east."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from domain.detections import Detection
from domain.geodesy import ned_to_geodetic
from domain.georeference import GroundPoints, Method
from domain.ground_intersection import RayStatus
from domain.tracking import TrackerSettings, TrackState
from drone_ai.services.tracking import FlightTracker

M_PER_PX = 0.1
FRAME_US = 33_333  # 30 frames/s


def flat_ground(u: NDArray[np.float64], v: NDArray[np.float64]) -> GroundPoints:
    ned = np.column_stack([-v * M_PER_PX, u * M_PER_PX, np.zeros_like(u)])
    lat, lon, hae = ned_to_geodetic(ned, 38.0, -77.0, 0.0)
    ones = np.ones_like(u)
    return GroundPoints(
        lat,
        lon,
        hae,
        1_000.0 * ones,
        ones,
        np.full(u.shape, RayStatus.OK, dtype=np.uint8),
        np.full(u.shape, Method.POSE_ELLIPSOID, dtype=np.uint8),
    )


def car(x_min: float, y_min: float, x_max: float, y_max: float) -> Detection:
    return Detection(x_min, y_min, x_max, y_max, 0, "car", 0.9)


def test_a_steady_box_gets_its_ground_speed_and_course_once_its_fixes_span_a_second() -> None:
    tracker = FlightTracker()
    speeds = []
    for frame in range(60):
        x = 100.0 + 2.0 * frame  # 2 px a frame east: 0.2 m x 30 = 6 m/s
        objects = tracker.update(frame * FRAME_US, [car(x, 200, x + 40, 220)], flat_ground)
        speeds.append(objects[0].velocity if objects else None)
    assert all(v is None for v in speeds[:32])  # confirmed at the third frame, then a second
    last = speeds[-1]
    assert last is not None
    assert last.speed_m_s == pytest.approx(6.0, abs=0.05)
    assert last.course_deg == pytest.approx(90.0, abs=1.0)


def test_a_box_that_grows_in_place_is_given_no_speed_rather_than_a_false_one() -> None:
    # A still target entering the frame from below: its box grows a pixel a frame at the
    # bottom, which moves its ground point at 3 m/s though nothing moves.
    tracker = FlightTracker()
    reported = []
    for frame in range(90):
        objects = tracker.update(frame * FRAME_US, [car(100, 200, 140, 210 + frame)], flat_ground)
        reported += [obj.velocity for obj in objects]
    assert len(reported) > 80
    assert all(v is None or v.speed_m_s < 0.5 for v in reported), [
        round(v.speed_m_s, 2) for v in reported if v is not None
    ]


def test_without_telemetry_tracks_go_on_in_the_image_with_no_ground_fix() -> None:
    tracker = FlightTracker()
    for frame in range(5):
        objects = tracker.update(frame * FRAME_US, [car(100, 200, 140, 220)], None)
    [obj] = objects
    assert obj.ground is None and obj.velocity is None
    assert obj.track.track_id == 1


def test_a_track_lost_too_long_is_reported_ended_once() -> None:
    tracker = FlightTracker(TrackerSettings(max_lost_frames=5))
    states: list[list[TrackState]] = []
    for frame in range(20):
        seen = [car(100, 200, 140, 220)] if frame < 6 else []
        objects = tracker.update(frame * FRAME_US, seen, flat_ground)
        states.append([obj.track.state for obj in objects])
    assert states[5] == [TrackState.CONFIRMED]
    assert states[6:11] == [[TrackState.LOST]] * 5
    assert states[11] == [TrackState.ENDED]
    assert all(s == [] for s in states[12:])  # ended once, then never again


def test_at_the_end_of_a_flight_every_confirmed_or_lost_track_ends() -> None:
    tracker = FlightTracker()
    for frame in range(5):
        tracker.update(frame * FRAME_US, [car(100, 200, 140, 220), car(400, 200, 440, 220)], None)
    ended = tracker.finish()
    assert sorted(o.track.track_id for o in ended) == [1, 2]
    assert all(o.track.state is TrackState.ENDED for o in ended)
    assert tracker.finish() == []
