"""A detector that finds nothing: for flights that only need their footprints, platform track
and recording, and for measuring what the tower costs without detection (bench/tower.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from domain.detections import Detection


class NothingDetector:
    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[list[Detection]]:
        return [[] for _ in images]
