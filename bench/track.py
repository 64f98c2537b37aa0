"""Tracking quality on simulated flights: `python -m bench.track`.

Two detection sources feed the same flight tracker: the simulator's truth boxes made imperfect
(1 px of noise, one box in ten missed, a false alarm every few frames), which measures the
tracker itself; and the motion detector, which measures the chain as it runs without weights.
Each flight's telemetry carries a good navigation unit's noise, and every confirmed track is
georeferenced through it. Reported: MOTA, identity switches, fragmentations and IDF1 from
py-motmetrics, and each track's ground speed against the simulator's truth (the issue's bound:
2 m/s). Only targets of at least 12 px (their longer side, as detection is scored) are scored;
a track on a smaller one is neither a hit nor a false alarm.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import motmetrics as mm
import numpy as np
from numpy.typing import NDArray

from bench.flights import MIN_SIZE_PX, SCENARIOS
from domain.detection_metrics import iou, judged_truth
from domain.detections import Detection
from domain.georeference import georeference_pixels
from domain.ground_motion import GroundMotion
from domain.ground_sample import ground_sample_distance_m
from domain.tracking import TrackerSettings, TrackState
from drone_ai.adapters.detectors.motion import MotionDetector
from drone_ai.adapters.simulator.flight import SimulatedFlight, SimulatedFrame
from drone_ai.adapters.simulator.render import TargetTruth
from drone_ai.adapters.simulator.scenario import scenario_from_mapping
from drone_ai.services.tracking import FlightTracker, TrackedObject

MATCH_IOU = 0.3
DURATION_S = 60.0
# Independent telemetry errors per sample, of a good small-UAS navigation unit: at these ranges
# they move a ground point by a metre or two from one frame to the next.
TELEMETRY_NOISE = {"position_m": 1.0, "altitude_m": 1.0, "attitude_deg": 0.05, "pointing_deg": 0.05}
DEFAULT_TRACKING = TrackerSettings()


@dataclass(frozen=True, slots=True)
class Found:
    """A detection source's answer for one frame: its boxes, and the camera's motion since the
    previous frame (a homography of pixels) when the source measures it."""

    detections: Sequence[Detection]
    camera_motion: NDArray[np.float64] | None = None


DetectFrame = Callable[[SimulatedFrame], Found]


@dataclass(frozen=True, slots=True)
class TrackingScore:
    mota: float
    id_switches: int
    fragmentations: int
    idf1: float
    frames: int
    speed_errors_m_s: tuple[float, ...]  # |track speed - truth|, each frame of each track

    def __str__(self) -> str:
        errors = self.speed_errors_m_s
        speed = (
            f"speed error worst {max(errors):.2f} m/s, median {np.median(errors):.2f} m/s "
            f"over {len(errors)} checks"
            if errors
            else "no speed checks"
        )
        return (
            f"{self.frames} frames: MOTA {self.mota:.3f}, ID switches {self.id_switches}, "
            f"fragmentations {self.fragmentations}, IDF1 {self.idf1:.3f}; {speed}"
        )


def imperfect_truth(seed: int = 5, miss_rate: float = 0.1) -> DetectFrame:
    rng = np.random.default_rng(seed)

    def detect(frame: SimulatedFrame) -> Found:
        found = []
        for truth in frame.truths:
            if rng.random() < miss_rate:
                continue
            found.append(jittered(truth, rng))
        if rng.random() < 0.3:  # a false alarm somewhere in the 1280 x 720 frame
            x, y = rng.uniform(0, 1240), rng.uniform(0, 680)
            found.append(Detection(x, y, x + 20, y + 20, 0, "car", float(rng.uniform(0.5, 1))))
        return Found(found)

    return detect


def jittered(truth: TargetTruth, rng: np.random.Generator) -> Detection:
    """The truth's box with 1 px of noise on each side, as a confident detection."""
    x0, y0, x1, y1 = (np.array(truth.box_px) + rng.normal(0.0, 1.0, 4)).tolist()
    # Noise may turn a box of a pixel or two inside out.
    return Detection(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), 0, truth.kind, 0.9)


def motion_detections(flight: SimulatedFlight) -> DetectFrame:
    """The motion detector, told each frame's ground sample distance from the flight's
    telemetry as a live flight's would be."""
    detector = MotionDetector()
    ground_hae_m = flight.scenario.origin.ground_hae_m

    def detect(frame: SimulatedFrame) -> Found:
        camera = flight.camera(flight.reported_sample(frame.t_us))
        detector.set_ground_sample_distance_m(ground_sample_distance_m(camera, ground_hae_m))
        [found] = detector.detect([frame.image])
        return Found(found, detector.last_homography)

    return detect


def score_tracking(
    flight: SimulatedFlight, detect: DetectFrame, settings: TrackerSettings = DEFAULT_TRACKING
) -> TrackingScore:
    tracker = FlightTracker(settings, motion_window_s=2.0)
    ground_hae_m = flight.scenario.origin.ground_hae_m
    truth_motion: dict[int, GroundMotion] = defaultdict(GroundMotion)
    accumulator = mm.MOTAccumulator(auto_id=True)
    speed_errors_m_s: list[float] = []
    for frame in flight.frames():
        found = detect(frame)
        camera = flight.camera(flight.reported_sample(frame.t_us))
        objects = tracker.update(
            frame.t_us,
            found.detections,
            lambda u, v, camera=camera: georeference_pixels(camera, u, v, ground_hae_m),
            found.camera_motion,
        )
        for truth in frame.truths:
            truth_motion[truth.target_id].add(frame.t_us, truth.lat_deg, truth.lon_deg, truth.hae_m)
        shown = [
            o
            for o in objects
            if o.track.state is TrackState.CONFIRMED and o.track.frames_since_seen == 0
        ]
        big, small = _judged(frame)
        scored = [o for o in shown if all(iou(o.track.box, t.box_px) < MATCH_IOU for t in small)]
        # motmetrics takes distances, NaN where a pair may not match.
        distance = np.array(
            [[1.0 - iou(t.box_px, o.track.box) for o in scored] for t in big], dtype=float
        ).reshape(len(big), len(scored))
        distance[distance > 1.0 - MATCH_IOU] = np.nan
        accumulator.update([t.target_id for t in big], [o.track.track_id for o in scored], distance)
        speed_errors_m_s += _speed_errors(scored, big, truth_motion)
    metrics = ["mota", "num_switches", "num_fragmentations", "idf1", "num_frames"]
    row = mm.metrics.create().compute(accumulator, metrics=metrics, name="flight").iloc[0]
    return TrackingScore(
        float(row["mota"]),
        int(row["num_switches"]),
        int(row["num_fragmentations"]),
        float(row["idf1"]),
        int(row["num_frames"]),
        tuple(speed_errors_m_s),
    )


def _judged(frame: SimulatedFrame) -> tuple[list[TargetTruth], list[TargetTruth]]:
    """The truths that count and those that do not, each with its box cut to the frame, as
    detection is scored (domain.detection_metrics.judged_truth)."""
    height, width = frame.image.shape[:2]
    counted, ignored = [], []
    for truth in frame.truths:
        judged = judged_truth(truth.box_px, MIN_SIZE_PX, (width, height))
        if judged is not None:
            box, counts = judged
            (counted if counts else ignored).append(dataclasses.replace(truth, box_px=box))
    return counted, ignored


def _speed_errors(
    objects: Sequence[TrackedObject],
    truths: Sequence[TargetTruth],
    truth_motion: dict[int, GroundMotion],
) -> list[float]:
    """Each track's speed error against the one target its box covers: where two targets
    overlap (at the crossroads) the best overlap need not be the target the track follows,
    and such frames are left out."""
    errors = []
    for obj in objects:
        if obj.velocity is None:
            continue
        ranked = sorted(truths, key=lambda t: iou(t.box_px, obj.track.box), reverse=True)
        if not ranked or iou(ranked[0].box_px, obj.track.box) < 0.5:
            continue
        if len(ranked) > 1 and iou(ranked[1].box_px, obj.track.box) > 0.0:
            continue
        truth = truth_motion[ranked[0].target_id].velocity()
        if truth is not None:
            errors.append(abs(obj.velocity.speed_m_s - truth.speed_m_s))
    return errors


def main() -> None:
    print(" ".join(__doc__.split("\n\n")[0].split()))
    for name, overrides in SCENARIOS.items():
        scenario = scenario_from_mapping(
            {"duration_s": DURATION_S, "noise": TELEMETRY_NOISE, **overrides}
        )
        truth_flight, motion_flight = SimulatedFlight(scenario), SimulatedFlight(scenario)
        for source, flight, detect, settings in (
            ("imperfect truth", truth_flight, imperfect_truth(), DEFAULT_TRACKING),
            ("motion detector", motion_flight, motion_detections(motion_flight), DEFAULT_TRACKING),
        ):
            score = score_tracking(flight, detect, settings)
            print(f"{name}, {source}, {score}")


if __name__ == "__main__":
    main()
