import numpy as np

from drone_ai.adapters.detectors.nothing import NothingDetector
from drone_ai.bootstrap import detector
from drone_ai.config import Settings


def test_finds_nothing_in_each_image_of_a_batch() -> None:
    images = [np.full((72, 128, 3), 200, np.uint8) for _ in range(3)]
    assert NothingDetector().detect(images) == [[], [], []]


def test_is_the_none_backend() -> None:
    settings = Settings.from_env({"DRONE_AI_DETECTOR": "none"})
    assert isinstance(detector(settings), NothingDetector)
