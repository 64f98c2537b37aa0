"""Detection quality against ground truth: boxes matched one to one by IoU, greedily from the
best overlap; precision and recall over the targets large enough to count.

Ground-truth boxes smaller than `min_size_px` (their longer side) are ignored: a detection that
matches one is neither right nor wrong. Shared by the tests and the benchmarks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.detections import Box


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
    detections: Sequence[Box], truths: Sequence[Box], min_iou: float, min_size_px: float
) -> DetectionScore:
    pairs = sorted(
        ((iou(d, t), i, j) for i, d in enumerate(detections) for j, t in enumerate(truths)),
        reverse=True,
    )
    used_d: set[int] = set()
    used_t: set[int] = set()
    tp = ignored = 0
    for overlap, i, j in pairs:
        if overlap < min_iou:
            break
        if i in used_d or j in used_t:
            continue
        used_d.add(i)
        used_t.add(j)
        if large_enough(truths[j], min_size_px):
            tp += 1
        else:
            ignored += 1
    fp = len(detections) - len(used_d)
    fn = sum(1 for j, t in enumerate(truths) if j not in used_t and large_enough(t, min_size_px))
    return DetectionScore(tp, fp, fn)


def score_frames(
    frames: Iterable[tuple[Sequence[Box], Sequence[Box]]], min_iou: float, min_size_px: float
) -> DetectionScore:
    total = DetectionScore(0, 0, 0)
    for detections, truths in frames:
        total = total + score_frame(detections, truths, min_iou, min_size_px)
    return total


def large_enough(box: Box, min_size_px: float) -> bool:
    """Whether a ground-truth box is scored: its longer side reaches `min_size_px`."""
    return max(box[2] - box[0], box[3] - box[1]) >= min_size_px
