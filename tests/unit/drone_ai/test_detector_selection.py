"""The detector backend is chosen by configuration, and a wrong choice is refused at start."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from drone_ai import bootstrap
from drone_ai.adapters.detectors.hog import HogPeopleDetector
from drone_ai.adapters.detectors.motion import MotionDetector
from drone_ai.adapters.detectors.onnx_yolo import OnnxYoloDetector
from drone_ai.config import DetectorBackend, Settings
from drone_ai.errors import ConfigError
from tests.unit.drone_ai.adapters.detectors.test_onnx_yolo import V5_ROWS, constant_model


def test_the_default_detector_is_motion_and_needs_no_weights() -> None:
    assert isinstance(bootstrap.detector(Settings.from_env({})), MotionDetector)


def test_onnx_is_chosen_from_the_environment(tmp_path: Path) -> None:
    model = constant_model(tmp_path / "m.onnx", np.array([V5_ROWS], dtype=np.float32))
    settings = Settings.from_env(
        {
            "DRONE_AI_DETECTOR": "onnx",
            "DRONE_AI_DETECTOR_MODEL_PATH": str(model),
            "DRONE_AI_DETECTOR_PROVIDERS": "CUDAExecutionProvider, CPUExecutionProvider",
            "DRONE_AI_DETECTOR_MIN_SCORE": "0.6",
        }
    )
    assert settings.detector_providers == ("CUDAExecutionProvider", "CPUExecutionProvider")
    detector = bootstrap.detector(settings)
    assert isinstance(detector, OnnxYoloDetector)
    assert "CPUExecutionProvider" in detector.providers  # CUDA taken only where present
    [found] = detector.detect([np.zeros((64, 128, 3), dtype=np.uint8)])
    # At the default 0.25 the person (0.54) would stay too; 0.63 is suppressed by NMS.
    assert [(d.label, d.score) for d in found] == [("car", pytest.approx(0.72))]


def test_onnx_without_a_model_is_refused_at_start() -> None:
    with pytest.raises(ConfigError, match="DETECTOR_MODEL_PATH: an ONNX model file expected"):
        Settings.from_env({"DRONE_AI_DETECTOR": "onnx"})


def test_an_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="expected one of motion, onnx, hog, none, got 'yolo'"):
        Settings.from_env({"DRONE_AI_DETECTOR": "yolo"})


def test_hog_runs_where_opencv_has_it_and_is_refused_clearly_where_not() -> None:
    settings = Settings(detector=DetectorBackend.HOG)
    if hasattr(cv2, "HOGDescriptor"):
        detector = bootstrap.detector(settings)
        assert isinstance(detector, HogPeopleDetector)
        assert detector.detect([np.zeros((256, 256, 3), dtype=np.uint8)]) == [[]]
    else:
        with pytest.raises(ConfigError, match="an OpenCV build with HOGDescriptor expected"):
            bootstrap.detector(settings)
