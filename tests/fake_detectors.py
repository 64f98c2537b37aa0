"""Detectors for pool tests. They run in spawned worker processes, so they live in an
importable module and are built by picklable factories (the classes themselves)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from domain.detections import Detection

HANG = 255  # a frame whose first pixel is this makes FakeEchoDetector hang
FAIL = 254  # ... and this makes it raise


class FakeEchoDetector:
    """Takes `delay_s` per frame and reports one detection that tells the frame apart: its
    x_min is the frame's first pixel value, its y_max the frame's height, its y_min the ground
    sample distance it was given (0 without), and its class_id how many frames this instance
    has seen (1 for the first), which shows whether state is kept per flight."""

    def __init__(self, delay_s: float = 0.0, hang_s: float = 30.0) -> None:
        self._delay_s = delay_s
        self._hang_s = hang_s
        self._seen = 0
        # A camera motion, as the motion detector reports it: here a shift by the last
        # frame's first pixel value, so that a test can tell which frame it belongs to.
        self.last_homography: NDArray[np.float64] | None = None
        self._gsd_m: float | None = None

    def set_ground_sample_distance_m(self, gsd_m: float | None) -> None:
        self._gsd_m = gsd_m

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[list[Detection]]:
        found = []
        for image in images:
            first = int(image.flat[0])
            if first == HANG:
                time.sleep(self._hang_s)
            if first == FAIL:
                raise RuntimeError("the fake detector was told to fail")
            time.sleep(self._delay_s)
            self._seen += 1
            value = float(first)
            self.last_homography = np.array([[1.0, 0.0, value], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
            found.append(
                [Detection(value, self._gsd_m or 0.0, value, image.shape[0], self._seen, "", 1.0)]
            )
        return found


class FakeUnbuildableDetector:
    def __init__(self) -> None:
        raise OSError("model file not found: /nowhere/model.onnx")

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[list[Detection]]:
        return []


def frame(value: int, height: int = 48, width: int = 64) -> NDArray[np.uint8]:
    """A frame whose every pixel is `value` (so its first pixel names it)."""
    return np.full((height, width, 3), value, dtype=np.uint8)
