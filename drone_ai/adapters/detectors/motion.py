"""Moving-target indication from a moving camera, with no trained weights.

For each frame, the frame `gap` frames earlier is registered onto it: ORB features, matched
and fitted with a RANSAC homography (the ground is close to a plane from the air). The warped
earlier frame is subtracted; what still differs moved. The difference is thresholded, cleaned
(opening, then closing), and each blob big enough becomes a detection "moving" whose score is
its mean difference. Pixels the warp could not fill (outside the earlier frame) are ignored.

One detector instance follows one flight: frames must come in order. Sizes are in pixels;
`min_size_px`/`max_size_px` can be set from metres with the camera model's ground sample
distance by the caller.

Status: a baseline. On the simulator's orbit it reaches about 0.7 precision and 0.5 recall at
IoU 0.3 (issue 6 asks 0.8 and 0.9): a uniformly coloured target shows only its leading and
trailing edges until it has moved its own length, and leaves a ghost where it was. A
registered background model (the earlier frames warped and merged, foreground excluded) is
the next step.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from domain.detections import Detection

Gray = NDArray[np.uint8]
Features = tuple[Any, Any]  # OpenCV keypoints and descriptors
LABEL = "moving"
_MARGIN_PX = 6


@dataclass(frozen=True, slots=True)
class MotionSettings:
    gap: int = 4  # frames between the two compared
    threshold: int = 25  # 8-bit grey levels
    min_size_px: float = 4.0
    max_size_px: float = 120.0
    features: int = 1_500
    min_matches: int = 30


class MotionDetector:
    def __init__(self, settings: MotionSettings = MotionSettings()) -> None:
        self._settings = settings
        self._history: deque[tuple[Gray, Features]] = deque(maxlen=settings.gap)
        self._orb = cv2.ORB.create(settings.features)
        self._matcher = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        # A uniformly coloured target shows only its leading and trailing edges in a
        # difference: closing with a kernel about its travel joins them into one blob.
        self._join = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15))
        self.last_homography: NDArray[np.float64] | None = None
        self.unregistered = 0  # frames whose earlier frame could not be registered

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[list[Detection]]:
        return [self._detect_one(image) for image in images]

    def _detect_one(self, image: NDArray[np.uint8]) -> list[Detection]:
        gray: Gray = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
        features = self._orb.detectAndCompute(gray, None)
        found: list[Detection] = []
        if len(self._history) == self._settings.gap:
            earlier, earlier_features = self._history[0]
            homography = self._register(earlier_features, features)
            if homography is None:
                self.unregistered += 1
            else:
                homography = self._refine(earlier, gray, homography)
                self.last_homography = homography
                found = self._moving(gray, earlier, homography)
        self._history.append((gray, features))
        return found

    def _register(self, earlier: Features, current: Features) -> NDArray[np.float64] | None:
        (kp_a, des_a), (kp_b, des_b) = earlier, current
        if des_a is None or des_b is None:
            return None
        matches = self._matcher.match(des_a, des_b)
        if len(matches) < self._settings.min_matches:
            return None
        src = np.array([kp_a[m.queryIdx].pt for m in matches], dtype=np.float32)
        dst = np.array([kp_b[m.trainIdx].pt for m in matches], dtype=np.float32)
        homography, _ = cv2.findHomography(src, dst, cv2.RANSAC, 1.5)
        return None if homography is None else np.asarray(homography, dtype=np.float64)

    def _refine(
        self, earlier: Gray, gray: Gray, homography: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Sub-pixel registration (ECC on half-size images) from the feature homography:
        a half-pixel error leaves every road edge in the difference."""
        half = np.diag([0.5, 0.5, 1.0])
        guess = (half @ homography @ np.linalg.inv(half)).astype(np.float32)
        small_a = cv2.resize(earlier, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        small_b = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 1e-5)
        try:
            _, refined = cv2.findTransformECC(
                small_a, small_b, guess, cv2.MOTION_HOMOGRAPHY, criteria
            )
        except cv2.error:
            return homography  # ECC did not converge: keep the feature fit
        return np.asarray(np.linalg.inv(half) @ refined @ half, dtype=np.float64)

    def _moving(
        self, gray: Gray, earlier: Gray, homography: NDArray[np.float64]
    ) -> list[Detection]:
        s = self._settings
        height, width = gray.shape
        # A little blur on both sides: what is left of sub-pixel misregistration at sharp
        # edges fades, while a target of 10 px and more stands out.
        then = cv2.GaussianBlur(
            cv2.warpPerspective(earlier, homography, (width, height)), (5, 5), 0
        )
        now = cv2.GaussianBlur(gray, (5, 5), 0)
        valid = cv2.warpPerspective(np.full_like(earlier, 255), homography, (width, height))
        valid = cv2.erode(valid, self._kernel, iterations=3)  # the warp's edges interpolate
        difference = cv2.absdiff(now, then)
        difference[valid == 0] = 0
        _, mask = cv2.threshold(difference, s.threshold, 255, cv2.THRESH_BINARY)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel)
        # Blobs are grouped through a dilated copy of the mask (the leading and trailing edges
        # of one target fall in one group), and each group boxes its own pixels only.
        groups = cv2.dilate(mask, self._join)
        count, labels = cv2.connectedComponents(groups, connectivity=8)
        labels[mask == 0] = 0
        found = []
        for blob in range(1, count):
            ys, xs = np.nonzero(labels == blob)
            if len(xs) == 0:
                continue
            x, y = int(xs.min()), int(ys.min())
            w, h = int(xs.max()) - x + 1, int(ys.max()) - y + 1
            if not s.min_size_px <= max(w, h) <= s.max_size_px:
                continue
            if (
                x <= _MARGIN_PX
                or y <= _MARGIN_PX
                or x + w >= width - _MARGIN_PX
                or y + h >= height - _MARGIN_PX
            ):
                continue  # at the image's edge: what the warp brought in or cut off
            strength = float(difference[labels == blob].mean()) / 255.0
            found.append(
                Detection(
                    float(x), float(y), float(x + w), float(y + h), 0, LABEL, min(1.0, strength)
                )
            )
        return found
