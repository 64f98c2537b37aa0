"""The ONNX YOLO backend on small models built here: outputs of known values in each layout,
and a real convolution graph end to end through onnxruntime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from drone_ai.adapters.detectors.onnx_yolo import OnnxYoloDetector
from drone_ai.adapters.detectors.yolo import YoloLayout, recognise_layout
from drone_ai.errors import ConfigError

SIZE = 64  # the model's input is 64 x 64
IMAGE = np.zeros((64, 128, 3), dtype=np.uint8)  # 128 wide, 64 high: letterboxed to 64 x 32
# Input-pixel boxes (cx, cy, w, h) and their place in IMAGE: scale 0.5, padded 16 px on top.
BOX_A = [32.0, 32.0, 16.0, 8.0]  # -> (48, 24, 80, 40)
BOX_C = [33.0, 32.0, 16.0, 8.0]  # -> (50, 24, 82, 40)


def save(graph: onnx.GraphProto, path: Path, names: str | None) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    if names is not None:
        helper.set_model_props(model, {"names": names})
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def constant_model(
    path: Path, output: np.ndarray, names: str | None = "{0: 'car', 1: 'person'}"
) -> Path:
    """A model whose output is `output` whatever the image (the input still feeds it)."""
    nodes = [
        helper.make_node(
            "Constant", [], ["known"], value=numpy_helper.from_array(output.astype(np.float32))
        ),
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Constant", [], ["zero"], value=numpy_helper.from_array(np.float32(0.0))),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["known", "nothing"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "known",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(output.shape))],
    )
    return save(graph, path, names)


V5_ROWS = [
    [*BOX_A, 0.9, 0.8, 0.1],  # car 0.72
    [33.0, 32.0, 16.0, 8.0, 0.9, 0.7, 0.1],  # car 0.63, overlapping A: suppressed
    [*BOX_C, 0.9, 0.1, 0.6],  # person 0.54, overlapping A but another class: kept
    [10.0, 10.0, 4.0, 4.0, 0.1, 0.9, 0.0],  # 0.09: under the threshold
]


def expected(detections: list) -> list[tuple]:  # type: ignore[type-arg]
    return [(d.label, round(d.score, 4), d.box) for d in detections]


def test_yolov5_outputs_are_decoded_unletterboxed_and_suppressed(tmp_path: Path) -> None:
    model = constant_model(tmp_path / "v5.onnx", np.array([V5_ROWS]))
    [found] = OnnxYoloDetector(model).detect([IMAGE])
    assert expected(found) == [
        ("car", 0.72, (48.0, 24.0, 80.0, 40.0)),
        ("person", 0.54, (50.0, 24.0, 82.0, 40.0)),
    ]


def test_yolov8_outputs_transposed_and_without_objectness_give_the_same(tmp_path: Path) -> None:
    rows = [[*r[:4], r[4] * r[5], r[4] * r[6]] for r in V5_ROWS]  # the same scores, v8 style
    model = constant_model(tmp_path / "v8.onnx", np.array([rows]).transpose(0, 2, 1))
    [found] = OnnxYoloDetector(model).detect([IMAGE])
    assert expected(found) == [
        ("car", 0.72, (48.0, 24.0, 80.0, 40.0)),
        ("person", 0.54, (50.0, 24.0, 82.0, 40.0)),
    ]


def test_labels_come_from_a_file_when_the_model_has_none(tmp_path: Path) -> None:
    model = constant_model(tmp_path / "bare.onnx", np.array([V5_ROWS]), names=None)
    labels = tmp_path / "labels.txt"
    labels.write_text("truck\nhiker\n")
    [found] = OnnxYoloDetector(model, labels).detect([IMAGE])
    assert [d.label for d in found] == ["truck", "hiker"]
    with pytest.raises(ConfigError, match="labels"):
        OnnxYoloDetector(model)


@pytest.mark.parametrize(
    ("shape", "layout"),
    [((1, 100, 85), YoloLayout.V5), ((1, 84, 8400), YoloLayout.V8), ((2, 4, 7), YoloLayout.V5)],
)
def test_layouts_are_recognised_from_the_output_shape(
    shape: tuple[int, ...], layout: YoloLayout
) -> None:
    classes = {85: 80, 84: 80, 7: 2}[shape[2] if layout is YoloLayout.V5 else shape[1]]
    assert recognise_layout(shape, classes) is layout


def test_an_output_of_neither_layout_is_refused() -> None:
    with pytest.raises(ConfigError, match="YOLO output"):
        recognise_layout((1, 10, 10), 80)


def test_a_real_convolution_network_runs_end_to_end(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    weights = rng.normal(0.0, 0.1, (6, 3, 1, 1)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["images", "w"], ["features"]),
        helper.make_node("Sigmoid", ["features"], ["scores"]),
        helper.make_node(
            "Constant",
            [],
            ["shape"],
            value=numpy_helper.from_array(np.array([0, 6, -1], dtype=np.int64)),
        ),
        helper.make_node("Reshape", ["scores", "shape"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "conv",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, ["batch", 6, SIZE * SIZE])],
        initializer=[numpy_helper.from_array(weights, "w")],
    )
    model = save(graph, tmp_path / "conv.onnx", "['car', 'person']")
    detector = OnnxYoloDetector(model, min_score=0.3)
    images = [rng.integers(0, 255, (48, 96, 3), dtype=np.uint8) for _ in range(3)]
    results = detector.detect(images)
    assert len(results) == 3
    for found in results:
        for d in found:
            assert 0.0 <= d.x_min <= d.x_max <= 96.0 and 0.0 <= d.y_min <= d.y_max <= 48.0
            assert d.label in ("car", "person") and d.score >= 0.3
