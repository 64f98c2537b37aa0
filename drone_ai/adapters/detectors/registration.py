"""Frame-to-frame registration of a moving camera's video: each frame onto a keyframe.

The ground seen from the air is close to a plane, so one homography maps a frame onto another.
Corners (Shi-Tomasi) are picked on a keyframe and followed into every later frame with
pyramidal Lucas-Kanade optical flow, started from where the last motion predicts them; a RANSAC
homography through the followed corners maps the keyframe onto the frame. Every
`keyframe_interval` frames, or when too few corners survive, the frame becomes the next
keyframe. Following corners from the keyframe (rather than from the previous frame) keeps the
errors of many small steps from adding up: a frame `n` frames back is reached through about
n / `keyframe_interval` homographies, each good to a tenth of a pixel on the simulator's frames.

Coordinates are OpenCV's (pixel centres at integers) of whatever images are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

Gray = NDArray[np.uint8]
Homography = NDArray[np.float64]
_IDENTITY: Homography = np.eye(3)
# Lucas-Kanade: a 15 px window over 3 pyramid levels follows what the prediction misses by up
# to about 30 px; 20 iterations or 0.01 px.
_LK_WINDOW_PX = (15, 15)
_LK_LEVELS = 2
_LK_STOP = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 20, 0.01)
_RANSAC_PX = 1.0


@dataclass(frozen=True, slots=True)
class Registration:
    """Where a frame sits: `from_keyframe` maps the keyframe's pixels onto the frame's. With
    `new_keyframe`, the frame has become the keyframe for the frames that follow."""

    from_keyframe: Homography
    new_keyframe: bool


class KeyframeRegistration:
    def __init__(self, points: int, min_matches: int, keyframe_interval: int) -> None:
        self._points = points
        self._min_matches = min_matches
        self._interval = keyframe_interval
        self._keyframe: Gray | None = None
        self._corners: NDArray[np.float32] | None = None
        self._age = 0
        self._last: Homography = _IDENTITY  # keyframe -> previous frame
        self._step: Homography = _IDENTITY  # previous frame's motion, to predict this one

    def restart(self, gray: Gray) -> None:
        """Forget the past: `gray` is the keyframe of the frames that follow."""
        self._make_keyframe(gray)
        self._step = _IDENTITY

    def register(self, gray: Gray) -> Registration | None:
        """`gray`'s place relative to the keyframe, or None where it cannot be found (no
        keyframe yet, a featureless frame, a cut): then call `restart`."""
        if self._keyframe is None or self._corners is None or gray.shape != self._keyframe.shape:
            return None
        predicted = self._step @ self._last
        guess = cv2.perspectiveTransform(self._corners, predicted)
        if not np.all(np.isfinite(guess)):
            return None
        found, status, _ = cv2.calcOpticalFlowPyrLK(
            self._keyframe,
            gray,
            self._corners,
            guess.astype(np.float32),
            winSize=_LK_WINDOW_PX,
            maxLevel=_LK_LEVELS,
            criteria=_LK_STOP,
            flags=cv2.OPTFLOW_USE_INITIAL_FLOW,
        )
        followed = status.ravel() == 1
        if int(followed.sum()) < self._min_matches:
            return None
        homography, inliers = cv2.findHomography(
            self._corners[followed], found[followed], cv2.RANSAC, _RANSAC_PX
        )
        if homography is None or int(inliers.sum()) < self._min_matches:
            return None
        from_keyframe = np.asarray(homography, dtype=np.float64)
        step = from_keyframe @ np.linalg.inv(self._last)
        self._step = step / step[2, 2]
        self._age += 1
        # Half the corners lost (turned away, covered): follow fresh ones from this frame.
        if self._age >= self._interval or 2 * int(inliers.sum()) < len(self._corners):
            self._make_keyframe(gray)
            return Registration(from_keyframe, new_keyframe=True)
        self._last = from_keyframe
        return Registration(from_keyframe, new_keyframe=False)

    def _make_keyframe(self, gray: Gray) -> None:
        corners = cv2.goodFeaturesToTrack(gray, self._points, 0.01, 8, blockSize=5)
        enough = corners is not None and len(corners) >= self._min_matches
        self._keyframe = gray if enough else None
        self._corners = np.asarray(corners, dtype=np.float32) if enough else None
        self._age = 0
        self._last = _IDENTITY
