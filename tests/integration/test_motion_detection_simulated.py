"""The motion detector on simulated flights with moving vehicles, scored against the
simulator's ground truth by domain.detection_metrics as bench/detect.py scores it (there on
60 s flights; here on 20 s, to keep the suite short)."""

from __future__ import annotations

import pytest

from bench.detect import motion_accuracy
from bench.flights import SCENARIOS


@pytest.mark.parametrize("name", SCENARIOS)
def test_motion_detector_finds_the_moving_vehicles(name: str) -> None:
    score = motion_accuracy(SCENARIOS[name], duration_s=20.0)
    print(f"{name}: precision {score.precision:.3f}, recall {score.recall:.3f}")
    assert score.true_positives > 100  # the flight shows vehicles to find
    assert score.precision >= 0.8 and score.recall >= 0.9, score
