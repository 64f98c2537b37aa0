from __future__ import annotations

import math

import pytest

from domain.detections import Detection
from domain.errors import InvalidValueError


def test_the_ground_point_is_the_bottom_centre_of_the_box() -> None:
    assert Detection(10.0, 20.0, 30.0, 60.0, 0, "car", 0.9).ground_point_px == (20.0, 60.0)


@pytest.mark.parametrize(
    "box_and_score",
    [
        (30.0, 20.0, 10.0, 60.0, 0.5),
        (10.0, 60.0, 30.0, 20.0, 0.5),
        (0.0, 0.0, 1.0, 1.0, 1.5),
        (0.0, 0.0, 1.0, 1.0, math.nan),
    ],
    ids=["x-reversed", "y-reversed", "score-above-1", "nan-score"],
)
def test_inverted_boxes_and_scores_outside_0_1_are_refused(
    box_and_score: tuple[float, ...],
) -> None:
    *box, score = box_and_score
    with pytest.raises(InvalidValueError):
        Detection(*box, 0, "car", score)
