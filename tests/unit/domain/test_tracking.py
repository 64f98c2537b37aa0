"""The tracker on scripted detections: ids that stay, tracks found again after a gap, low-score
boxes that keep a track but start none, and a panning camera compensated."""

from __future__ import annotations

import numpy as np
import pytest

from domain.detections import Detection
from domain.errors import InvalidValueError
from domain.tracking import Tracker, TrackerSettings, TrackReport, TrackState


def car(x: float, y: float, score: float = 0.9, size: float = 20.0) -> Detection:
    return Detection(x, y, x + size, y + size, 0, "car", score)


def confirmed(reports: list[TrackReport]) -> dict[int, TrackReport]:
    return {r.track_id: r for r in reports if r.state is TrackState.CONFIRMED}


def test_two_crossing_cars_keep_their_ids() -> None:
    tracker = Tracker()
    ids_over_time = []
    for step in range(40):
        # One drives right, one left, 6 px a frame; they pass each other half-way at y 100/112.
        reports = tracker.update([car(10 + 6 * step, 100), car(250 - 6 * step, 112)])
        if step >= 2:
            now = confirmed(reports)
            assert len(now) == 2
            by_direction = sorted(now.values(), key=lambda r: abs(r.box[0] - (10 + 6 * step)))
            ids_over_time.append(tuple(r.track_id for r in by_direction))
    assert set(ids_over_time) == {ids_over_time[0]}


def test_a_track_is_tentative_until_seen_often_enough() -> None:
    tracker = Tracker(TrackerSettings(hits_to_confirm=3))
    states = [tracker.update([car(100 + 4 * step, 50)])[0].state for step in range(4)]
    assert states == [TrackState.TENTATIVE] * 2 + [TrackState.CONFIRMED] * 2


def test_one_hit_to_confirm_reports_a_track_at_once() -> None:
    tracker = Tracker(TrackerSettings(hits_to_confirm=1))
    assert tracker.update([car(100, 50)])[0].state is TrackState.CONFIRMED


def test_a_track_missed_for_a_while_is_found_again_with_its_id() -> None:
    tracker = Tracker()
    for step in range(10):
        [report] = tracker.update([car(100 + 5 * step, 50)])
    first_id = report.track_id
    for step in range(10, 15):  # hidden for five frames: the track coasts on its velocity
        [report] = tracker.update([])
        assert report.state is TrackState.LOST and report.box[0] == pytest.approx(
            100 + 5 * step, abs=3.0
        )
    [report] = tracker.update([car(100 + 5 * 15, 50)])
    assert (report.track_id, report.state) == (first_id, TrackState.CONFIRMED)


def test_a_lost_track_is_dropped_after_the_configured_frames() -> None:
    tracker = Tracker(TrackerSettings(max_lost_frames=3))
    for step in range(5):
        tracker.update([car(100 + 5 * step, 50)])
    assert [len(tracker.update([])) for _ in range(5)] == [1, 1, 1, 0, 0]


def test_low_score_boxes_keep_a_track_alive_but_start_none() -> None:
    tracker = Tracker(TrackerSettings(high_score=0.5, low_score=0.1))
    for step in range(5):
        tracker.update([car(100 + 5 * step, 50)])
    for step in range(5, 10):  # the car is half hidden: the detector is unsure of it
        reports = tracker.update([car(100 + 5 * step, 50, score=0.3), car(300, 200, score=0.3)])
        assert [(r.state, r.frames_since_seen) for r in reports] == [(TrackState.CONFIRMED, 0)]
    assert tracker.update([car(300, 200, score=0.05)])[0].state is TrackState.LOST


def test_a_tentative_track_missed_once_is_dropped() -> None:
    tracker = Tracker()
    tracker.update([car(100, 50)])
    assert tracker.update([]) == []


def test_a_panning_camera_is_compensated_by_the_homography() -> None:
    """The camera pans 40 px a frame over a parked 20 px car: without the homography every
    frame's box misses the last one; with it, one track."""
    pan = np.array([[1.0, 0.0, -40.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    plain, compensated = Tracker(), Tracker()
    plain_ids, compensated_ids = set(), set()
    for step in range(12):
        seen = [car(600 - 40 * step, 300)]
        plain_ids |= {r.track_id for r in plain.update(seen)}
        motion = pan if step else None
        compensated_ids |= {r.track_id for r in compensated.update(seen, motion)}
    assert len(compensated_ids) == 1 and len(plain_ids) > 1


def test_a_zoom_scales_the_predicted_box() -> None:
    zoom = np.diag([2.0, 2.0, 1.0])
    tracker = Tracker()
    tracker.update([car(100, 100)])
    [report] = tracker.update([car(200, 200, size=40.0)], zoom)
    assert report.state is TrackState.TENTATIVE and report.box == pytest.approx(
        (200, 200, 240, 240), abs=1.0
    )


def test_settings_out_of_order_are_refused() -> None:
    with pytest.raises(InvalidValueError, match="low_score <= high_score"):
        TrackerSettings(high_score=0.2, low_score=0.4)
