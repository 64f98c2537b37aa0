"""The pool as the composition root builds it, with the real backends: what comes back through
worker processes and shared memory is what the detector gives when called directly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from drone_ai import bootstrap
from drone_ai.adapters.detection_pool.pool import PoolLane
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.scenario import scenario_from_mapping
from drone_ai.config import Settings
from drone_ai.errors import ConfigError
from tests.unit.drone_ai.adapters.detectors.test_onnx_yolo import V5_ROWS, constant_model

FRAMES = 16


@pytest.fixture(scope="module")
def images() -> list[np.ndarray]:
    flight = SimulatedFlight(scenario_from_mapping({"duration_s": FRAMES / 30.0}))
    return [frame.image for frame in flight.frames()][:FRAMES]


def through(lane: PoolLane, images: list[np.ndarray]) -> list[list[tuple[float, ...]]]:
    for index, image in enumerate(images):
        lane.submit(index, image)
    assert lane.drain(timeout_s=60.0)
    results = lane.results()
    assert [r.frame_seq for r in results] == list(range(len(images)))
    return [[(*d.box, d.score) for d in r.detections] for r in results]


def test_motion_detection_through_the_pool_matches_the_detector_called_directly(
    images: list[np.ndarray],
) -> None:
    settings = Settings.from_env(
        {"DRONE_AI_DETECT_WORKERS": "1", "DRONE_AI_DETECT_QUEUE_DEPTH": "64"}
    )
    direct = bootstrap.detector(settings)
    expected = [[(*d.box, d.score) for d in direct.detect([image])[0]] for image in images]
    assert any(expected), "the flight should show moving vehicles"
    with bootstrap.detection_pool(settings) as pool:
        assert through(pool.open_flight("orbit"), images) == expected


def test_onnx_detection_is_batched_across_flights_with_the_same_results(tmp_path: Path) -> None:
    model = constant_model(tmp_path / "m.onnx", np.array([V5_ROWS], dtype=np.float32))
    settings = Settings.from_env(
        {
            "DRONE_AI_DETECTOR": "onnx",
            "DRONE_AI_DETECTOR_MODEL_PATH": str(model),
            "DRONE_AI_DETECT_WORKERS": "1",
            "DRONE_AI_DETECT_LATENCY_BUDGET_MS": "500",
        }
    )
    image = np.zeros((64, 128, 3), dtype=np.uint8)
    [expected] = bootstrap.detector(settings).detect([image])
    with bootstrap.detection_pool(settings) as pool:
        lanes = [pool.open_flight(f"flight {n}") for n in range(4)]
        for lane in lanes:
            lane.submit(0, image)
        for lane in lanes:
            assert lane.drain(timeout_s=30.0)
            [result] = lane.results()
            assert result.detections == tuple(expected)
        assert pool.stats().batches == 1


@pytest.mark.parametrize(
    ("variable", "raw", "expected"),
    [
        ("DRONE_AI_DETECT_WORKERS", "-1", "DETECT_WORKERS: expected 0"),
        ("DRONE_AI_DETECT_WORKERS", "two", "DETECT_WORKERS: expected an integer"),
        ("DRONE_AI_DETECT_QUEUE_DEPTH", "0", "DETECT_QUEUE_DEPTH: expected 1 to 1024"),
        ("DRONE_AI_DETECT_MIN_RATE_HZ", "nan", "DETECT_MIN_RATE_HZ: expected 0 to 1000"),
        ("DRONE_AI_DETECT_WORKER_TIMEOUT_S", "0", "DETECT_WORKER_TIMEOUT_S: expected"),
    ],
    ids=["negative workers", "workers not a number", "no queue", "NaN rate", "no timeout"],
)
def test_bad_pool_settings_are_refused_with_the_variable_named(
    variable: str, raw: str, expected: str
) -> None:
    with pytest.raises(ConfigError, match=expected):
        Settings.from_env({variable: raw})
