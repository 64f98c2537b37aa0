from __future__ import annotations

import pytest

from domain.detection_metrics import iou, judged_truth, score_frame, score_frames


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


def test_a_target_cut_by_the_frame_s_edge_is_judged_by_what_the_frame_shows() -> None:
    frame_px = (100.0, 80.0)
    # Three quarters in: it counts, by its visible part.
    assert judged_truth((-10, 10, 30, 30), 12, frame_px) == ((0, 10, 30, 30), True)
    # A quarter in: not yet in the picture, neither found nor missed.
    assert judged_truth((-30, 10, 10, 30), 12, frame_px) == ((0, 10, 10, 30), False)
    assert judged_truth((120, 10, 140, 30), 12, frame_px) is None  # wholly outside
    truths = [(-30, 10, 10, 30), (90, 50, 110, 70)]  # a quarter in; half in, 10 x 20 px shown
    missed_both = score_frame([], truths, 0.3, 12, frame_px)
    assert missed_both.false_negatives == 1
    found_edge = score_frame([(0, 10, 10, 30)], truths, 0.3, 12, frame_px)
    assert (found_edge.true_positives, found_edge.false_positives) == (0, 0)  # ignored
