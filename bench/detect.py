"""Detector backends at 1280x720 on one core, and the motion detector's accuracy against the
simulator's ground truth: `python -m bench.detect`.

Frames are the default scenario's (a 600 m orbit over a crossroads with traffic) and a straight
leg with a fixed gimbal. `onnx` runs a stand-in YOLO-shaped network (five stride-2 convolutions,
about 0.9 GFLOP at 640x640, random weights, v5 output layout): its figure is the backend's
letterbox, decode and NMS plus a small network; a customer's model adds its own inference cost.
Accuracy is at IoU >= 0.3 for targets of at least 12 px, scored by domain.detection_metrics as the
tests do, over 60 s flights; the detector is given each frame's ground sample distance from the
flight's telemetry, as a live flight would. The issue's target is recall >= 0.9 and
precision >= 0.8. The worker pool's figures are bench/pool.py's.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from bench.flights import MIN_SIZE_PX, SCENARIOS
from domain.detection_metrics import DetectionScore, score_frames
from domain.ground_sample import ground_sample_distance_m
from drone_ai.adapters.detectors.motion import MotionDetector
from drone_ai.adapters.detectors.onnx_yolo import OnnxYoloDetector
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.scenario import scenario_from_mapping
from drone_ai.ports import Detector

SPEED_FRAMES = 90
ACCURACY_S = 60.0
# The motion detector votes from frame 2 on with the frames it has; its full history is 40 frames
# back, but only the first frames, with one or two earlier ones to compare, are left out.
WARM_UP_FRAMES = 8
CLASSES = ("car", "person")


def stand_in_model(path: Path) -> Path:
    """640x640 in, 20x20 anchors of (cx, cy, w, h, objectness, car, person) out."""
    rng = np.random.default_rng(0)
    channels = [3, 16, 32, 64, 128, 5 + len(CLASSES)]
    nodes, weights = [], []
    name = "images"
    for layer, (c_in, c_out) in enumerate(itertools.pairwise(channels)):
        kernel = rng.normal(0.0, 0.1, (c_out, c_in, 3, 3)).astype(np.float32)
        weights.append(numpy_helper.from_array(kernel, f"w{layer}"))
        nodes.append(
            helper.make_node(
                "Conv", [name, f"w{layer}"], [f"c{layer}"], strides=[2, 2], pads=[1, 1, 1, 1]
            )
        )
        name = f"c{layer}"
    shape = numpy_helper.from_array(np.array([0, channels[-1], -1], dtype=np.int64))
    nodes += [
        helper.make_node("Sigmoid", [name], ["scores"]),
        helper.make_node("Constant", [], ["shape"], value=shape),
        helper.make_node("Reshape", ["scores", "shape"], ["flat"]),
        helper.make_node("Transpose", ["flat"], ["output0"], perm=[0, 2, 1]),
    ]
    graph = helper.make_graph(
        nodes,
        "stand_in",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 640, 640])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 400, channels[-1]])],
        initializer=weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    helper.set_model_props(model, {"names": str(dict(enumerate(CLASSES)))})
    onnx.save(model, path)
    return path


def frames_per_s(detector: Detector, images: Sequence[np.ndarray]) -> float:
    """CPU time, best of three passes, one frame per call as a live flight hands them over."""
    best = float("inf")
    for _ in range(3):
        began = time.process_time()
        for image in images:
            detector.detect([image])
        best = min(best, time.process_time() - began)
    return len(images) / best


def motion_accuracy(overrides: Mapping[str, Any], duration_s: float = ACCURACY_S) -> DetectionScore:
    """The motion detector's score on a simulated flight, as a live flight would run it."""
    flight = SimulatedFlight(scenario_from_mapping({"duration_s": duration_s, **overrides}))
    ground_hae_m = flight.scenario.origin.ground_hae_m
    detector = MotionDetector()
    pairs = []
    for frame in flight.frames():
        camera = flight.camera(flight.reported_sample(frame.t_us))
        detector.set_ground_sample_distance_m(ground_sample_distance_m(camera, ground_hae_m))
        [found] = detector.detect([frame.image])
        if frame.index >= WARM_UP_FRAMES:
            pairs.append(([d.box for d in found], [truth.box_px for truth in frame.truths]))
    height, width = flight.scenario.camera.height_px, flight.scenario.camera.width_px
    return score_frames(pairs, 0.3, MIN_SIZE_PX, (width, height))


def main() -> None:
    print(" ".join(__doc__.split("\n\n")[0].split()))
    cv2.setNumThreads(1)  # one core, as the target says
    flight = SimulatedFlight(scenario_from_mapping({"duration_s": SPEED_FRAMES / 30.0}))
    images = [frame.image for frame in flight.frames()]
    print(f"motion: {frames_per_s(MotionDetector(), images):,.1f} frames/s")
    with tempfile.TemporaryDirectory() as folder:
        model = stand_in_model(Path(folder) / "stand_in.onnx")
        onnx_detector = OnnxYoloDetector(model, intra_op_threads=1)
        print(f"onnx (stand-in network): {frames_per_s(onnx_detector, images):,.1f} frames/s")
    for name, overrides in SCENARIOS.items():
        score = motion_accuracy(overrides)
        print(
            f"motion accuracy, {name}, {ACCURACY_S:.0f} s: precision {score.precision:.2f}, "
            f"recall {score.recall:.2f} ({score.true_positives} found, "
            f"{score.false_positives} false, {score.false_negatives} missed)"
        )


if __name__ == "__main__":
    main()
