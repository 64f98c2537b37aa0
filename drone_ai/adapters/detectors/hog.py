"""OpenCV's HOG + linear SVM people detector (Dalal and Triggs), where the OpenCV build has it.

Some builds of opencv-python leave out the object-detection module this needs; the detector
then refuses to start with a clear error rather than failing on the first frame. It finds
upright people of at least 64 x 128 px: useful from a low, oblique camera, not from high above.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray

from domain.detections import Detection
from drone_ai.errors import ConfigError

LABEL = "person"


class HogPeopleDetector:
    def __init__(self, min_score: float = 0.25) -> None:
        # Looked up by name: this build's type stubs, like its module, may lack them.
        descriptor = getattr(cv2, "HOGDescriptor", None)
        people = getattr(cv2, "HOGDescriptor_getDefaultPeopleDetector", None)
        if descriptor is None or people is None:
            raise ConfigError(
                f"detector hog: an OpenCV build with HOGDescriptor expected, "
                f"OpenCV {cv2.__version__} here has none (use motion or onnx)"
            )
        self._hog = descriptor()
        self._hog.setSVMDetector(people())
        self._min_score = min_score

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[list[Detection]]:
        results = []
        for image in images:
            boxes, weights = self._hog.detectMultiScale(image, winStride=(8, 8), scale=1.05)
            found = []
            for (x, y, w, h), weight in zip(boxes, np.ravel(weights), strict=True):
                # The SVM margin is unbounded; squash it into a score in [0, 1].
                score = float(1.0 / (1.0 + np.exp(-float(weight))))
                if score >= self._min_score:
                    found.append(Detection(x, y, x + w, y + h, 0, LABEL, score))
            results.append(found)
        return results
