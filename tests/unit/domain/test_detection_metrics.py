from __future__ import annotations

import pytest

from domain.detection_metrics import iou, score_frame, score_frames


def test_iou_of_identical_disjoint_and_half_overlapping_boxes() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(1 / 3)


def test_each_truth_matches_at_most_one_detection_greedily_by_overlap() -> None:
    truths = [(0, 0, 20, 20), (100, 100, 120, 120)]
    detections = [(1, 1, 21, 21), (0, 0, 20, 20), (300, 300, 320, 320)]
    score = score_frame(detections, truths, min_iou=0.3, min_size_px=12)
    assert (score.true_positives, score.false_positives, score.false_negatives) == (1, 2, 1)
    assert score.precision == pytest.approx(1 / 3) and score.recall == pytest.approx(0.5)


def test_small_truths_are_ignored_whether_found_or_not() -> None:
    truths = [(0, 0, 8, 8), (50, 50, 70, 70)]
    found_small = score_frame([(0, 0, 8, 8), (50, 50, 70, 70)], truths, 0.3, 12)
    assert (
        found_small.true_positives,
        found_small.false_positives,
        found_small.false_negatives,
    ) == (1, 0, 0)
    missed_small = score_frame([(50, 50, 70, 70)], truths, 0.3, 12)
    assert missed_small.false_negatives == 0


def test_scores_add_up_over_frames() -> None:
    frame = ([(0, 0, 20, 20)], [(0, 0, 20, 20)])
    total = score_frames([frame, frame, ([], [(0, 0, 20, 20)])], 0.3, 12)
    assert (total.true_positives, total.false_negatives) == (2, 1)
