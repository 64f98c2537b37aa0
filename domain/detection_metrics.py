"""Detection quality against ground truth: boxes matched one to one by IoU, greedily from the
best overlap; precision and recall over the targets large enough to count.

Ground-truth boxes smaller than `min_size_px` (their longer side) are ignored: a detection that
matches one is neither right nor wrong. A target the frame's edge cuts is judged by the part of
it in the frame, that being all a detector can box, and ignored while less than half of it is
in (`judged_truth`), as benchmarks of truncated objects do. Shared by the tests and the
benchmarks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.detections import Box

MIN_VISIBLE_FRACTION = 0.5  # of a target's area, for a target cut by the frame's edge to count


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0.0 else 0.0


@dataclass(frozen=True, slots=True)
class DetectionScore:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        present = self.true_positives + self.false_negatives
        return self.true_positives / present if present else 1.0

    def __add__(self, other: DetectionScore) -> DetectionScore:
        return DetectionScore(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
        )


def score_frame(
    detections: Sequence[Box],
    truths: Sequence[Box],
    min_iou: float,
    min_size_px: float,
    frame_px: tuple[float, float] | None = None,
) -> DetectionScore:
    """Matches, false alarms and misses in one frame; with `frame_px` (width, height), truths
    are judged by what of them the frame shows (`judged_truth`)."""
    judged = [j for j in (judged_truth(t, min_size_px, frame_px) for t in truths) if j]
    pairs = sorted(
        ((iou(d, t), i, j) for i, d in enumerate(detections) for j, (t, _) in enumerate(judged)),
        reverse=True,
    )
    used_d: set[int] = set()
    used_t: set[int] = set()
    tp = 0
    for overlap, i, j in pairs:
        if overlap < min_iou:
            break
        if i in used_d or j in used_t:
            continue
        used_d.add(i)
        used_t.add(j)
        tp += judged[j][1]
    fp = len(detections) - len(used_d)
    fn = sum(1 for j, (_, counts) in enumerate(judged) if j not in used_t and counts)
    return DetectionScore(tp, fp, fn)


def score_frames(
    frames: Iterable[tuple[Sequence[Box], Sequence[Box]]],
    min_iou: float,
    min_size_px: float,
    frame_px: tuple[float, float] | None = None,
) -> DetectionScore:
    total = DetectionScore(0, 0, 0)
    for detections, truths in frames:
        total = total + score_frame(detections, truths, min_iou, min_size_px, frame_px)
    return total


def judged_truth(
    box: Box, min_size_px: float, frame_px: tuple[float, float] | None = None
) -> tuple[Box, bool] | None:
    """The part of a true box a detector can be held to, and whether it counts; None when
    the frame shows none of it. A truth counts when that part is large enough and, cut by
    the frame's edge, still shows at least MIN_VISIBLE_FRACTION of the target: a car that
    has shown its bumper only has not yet entered the picture. One that does not count is
    neither found nor missed."""
    if frame_px is None:
        return box, large_enough(box, min_size_px)
    visible = visible_part(box, *frame_px)
    if visible is None:
        return None
    shown = _area(visible) >= MIN_VISIBLE_FRACTION * _area(box)
    return visible, shown and large_enough(visible, min_size_px)


def visible_part(box: Box, width_px: float, height_px: float) -> Box | None:
    """The part of a box inside a `width_px` x `height_px` frame; None if none is."""
    x_min, y_min = max(box[0], 0.0), max(box[1], 0.0)
    x_max, y_max = min(box[2], width_px), min(box[3], height_px)
    if x_min >= x_max or y_min >= y_max:
        return None
    return (x_min, y_min, x_max, y_max)


def large_enough(box: Box, min_size_px: float) -> bool:
    """Whether a ground-truth box is scored: its longer side reaches `min_size_px`."""
    return max(box[2] - box[0], box[3] - box[1]) >= min_size_px


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])
