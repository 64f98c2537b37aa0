"""Tracking quality on simulated flights, scored by py-motmetrics: `python -m bench.track`.

Two detection sources feed the same tracker: the simulator's truth boxes made imperfect (1 px of
noise, one box in ten missed, a false alarm every few frames), which measures the tracker
itself; and the motion detector, which measures the chain as it runs without weights. Only
targets of at least 12 px (their longer side, as detection is scored) are scored; a track on
a smaller one is neither a hit nor a false alarm. Reported: MOTA, identity switches,
fragmentations, IDF1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import motmetrics as mm
import numpy as np

from bench.flights import MIN_SIZE_PX, SCENARIOS
from domain.detection_metrics import iou, large_enough
from domain.detections import Detection
from domain.tracking import Tracker, TrackerSettings, TrackState
from drone_ai.adapters.detectors.motion import MotionDetector
from drone_ai.adapters.simulator.flight import SimulatedFlight, SimulatedFrame
from drone_ai.adapters.simulator.render import TargetTruth
from drone_ai.adapters.simulator.scenario import scenario_from_mapping

MATCH_IOU = 0.3
DURATION_S = 10.0
# The motion detector scores a blob by its mean difference (every blob is above the 0.1 of its
# threshold), not by a calibrated confidence: its stages sit lower.
DEFAULT_TRACKING = TrackerSettings()
MOTION_TRACKING = TrackerSettings(high_score=0.15, low_score=0.1)
DetectFrame = Callable[[SimulatedFrame], Sequence[Detection]]


@dataclass(frozen=True, slots=True)
class TrackingScore:
    mota: float
    id_switches: int
    fragmentations: int
    idf1: float
    frames: int


def imperfect_truth(seed: int = 5, miss_rate: float = 0.1) -> DetectFrame:
    rng = np.random.default_rng(seed)

    def detect(frame: SimulatedFrame) -> list[Detection]:
        found = []
        for truth in frame.truths:
            if rng.random() < miss_rate:
                continue
            found.append(jittered(truth, rng))
        if rng.random() < 0.3:  # a false alarm somewhere in the 1280 x 720 frame
            x, y = rng.uniform(0, 1240), rng.uniform(0, 680)
            found.append(Detection(x, y, x + 20, y + 20, 0, "car", float(rng.uniform(0.5, 1))))
        return found

    return detect


def jittered(truth: TargetTruth, rng: np.random.Generator) -> Detection:
    """The truth's box with 1 px of noise on each side, as a confident detection."""
    x0, y0, x1, y1 = (np.array(truth.box_px) + rng.normal(0.0, 1.0, 4)).tolist()
    # Noise may turn a box of a pixel or two inside out.
    return Detection(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), 0, truth.kind, 0.9)


def motion_detections() -> DetectFrame:
    detector = MotionDetector()
    return lambda frame: detector.detect([frame.image])[0]


def score_tracking(
    flight: SimulatedFlight, detect: DetectFrame, settings: TrackerSettings = DEFAULT_TRACKING
) -> TrackingScore:
    tracker = Tracker(settings)
    accumulator = mm.MOTAccumulator(auto_id=True)
    for frame in flight.frames():
        reports = tracker.update(detect(frame))
        shown = [r for r in reports if r.state is TrackState.CONFIRMED and r.frames_since_seen == 0]
        big = [t for t in frame.truths if large_enough(t.box_px, MIN_SIZE_PX)]
        small = [t for t in frame.truths if not large_enough(t.box_px, MIN_SIZE_PX)]
        scored = [r for r in shown if all(iou(r.box, t.box_px) < MATCH_IOU for t in small)]
        # motmetrics takes distances, NaN where a pair may not match.
        distance = np.array(
            [[1.0 - iou(t.box_px, r.box) for r in scored] for t in big], dtype=float
        ).reshape(len(big), len(scored))
        distance[distance > 1.0 - MATCH_IOU] = np.nan
        accumulator.update([t.target_id for t in big], [r.track_id for r in scored], distance)
    metrics = ["mota", "num_switches", "num_fragmentations", "idf1", "num_frames"]
    row = mm.metrics.create().compute(accumulator, metrics=metrics, name="flight").iloc[0]
    return TrackingScore(
        float(row["mota"]),
        int(row["num_switches"]),
        int(row["num_fragmentations"]),
        float(row["idf1"]),
        int(row["num_frames"]),
    )


def main() -> None:
    print(" ".join(__doc__.split("\n\n")[0].split()))
    for name, overrides in SCENARIOS.items():
        scenario = scenario_from_mapping({"duration_s": DURATION_S, **overrides})
        for source, detect, settings in (
            ("imperfect truth", imperfect_truth(), DEFAULT_TRACKING),
            ("motion detector", motion_detections(), MOTION_TRACKING),
        ):
            score = score_tracking(SimulatedFlight(scenario), detect, settings)
            print(
                f"{name}, {source}, {score.frames} frames: MOTA {score.mota:.3f}, "
                f"ID switches {score.id_switches}, fragmentations {score.fragmentations}, "
                f"IDF1 {score.idf1:.3f}"
            )


if __name__ == "__main__":
    main()
