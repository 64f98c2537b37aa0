"""Tracks of the simulator's vehicles, georeferenced through the noisy telemetry the flight
reports, scored as bench/track.py scores them: identities by py-motmetrics, ground speed against
the simulator's truth (the issue's bound: 2 m/s).

Two sources: the truth's boxes with 1 px of noise (all of them, or imperfect: misses and false
alarms), which measures the tracker, the georeferencing and the ground-motion fit alone; and the
motion detector, the chain as it runs without weights."""

from __future__ import annotations

import numpy as np
import pytest

from bench.flights import MIN_SIZE_PX, SCENARIOS
from bench.track import (
    TELEMETRY_NOISE,
    DetectFrame,
    Found,
    imperfect_truth,
    jittered,
    motion_detections,
    score_tracking,
)
from domain.detection_metrics import large_enough
from drone_ai.adapters.simulator.flight import SimulatedFlight, SimulatedFrame
from drone_ai.adapters.simulator.scenario import scenario_from_mapping


def noisy_truth(seed: int = 3) -> DetectFrame:
    rng = np.random.default_rng(seed)

    def detect(frame: SimulatedFrame) -> Found:
        return Found(
            [jittered(t, rng) for t in frame.truths if large_enough(t.box_px, MIN_SIZE_PX)]
        )

    return detect


@pytest.mark.parametrize("name", SCENARIOS)
def test_track_ground_speed_is_within_2_m_s_of_truth_and_ids_hold(name: str) -> None:
    flight = SimulatedFlight(
        scenario_from_mapping({**SCENARIOS[name], "duration_s": 12.0, "noise": TELEMETRY_NOISE})
    )
    score = score_tracking(flight, noisy_truth())
    print(f"{name}: {score}")
    assert len(score.speed_errors_m_s) > 50
    assert max(score.speed_errors_m_s) < 2.0, score
    assert score.id_switches == 0, score


def test_tracks_of_imperfect_detections_keep_their_ids_scored_by_motmetrics() -> None:
    """One box in ten missed, false alarms, 1 px noise: no identity switch, and MOTA bounded
    by the misses (each costs a frame, and a new track three tentative frames)."""
    flight = SimulatedFlight(scenario_from_mapping({"duration_s": 10.0}))
    score = score_tracking(flight, imperfect_truth())
    assert score.frames == 300
    assert score.id_switches == 0
    assert score.mota >= 0.75 and score.idf1 >= 0.85, score


@pytest.mark.parametrize("name", SCENARIOS)
def test_tracks_of_the_motion_detector_hold_ground_speed_within_2_m_s(name: str) -> None:
    """The chain as it runs without weights: motion detector, its camera motion into the
    tracker, georeferencing through noisy telemetry (bench/track.py runs 60 s)."""
    flight = SimulatedFlight(
        scenario_from_mapping({**SCENARIOS[name], "duration_s": 20.0, "noise": TELEMETRY_NOISE})
    )
    score = score_tracking(flight, motion_detections(flight))
    print(f"{name}: {score}")
    assert len(score.speed_errors_m_s) > 50
    assert max(score.speed_errors_m_s) < 2.0, score
    assert score.mota >= 0.6, score
