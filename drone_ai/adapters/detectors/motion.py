"""Moving-target indication from a moving camera, with no trained weights.

Method. Each frame is registered onto the earlier ones (`registration.KeyframeRegistration`:
corners followed by optical flow, a RANSAC homography, the ground taken for a plane). A few
earlier frames, at the fixed `offsets` back, are warped into the current frame and each votes,
per pixel, whether the current frame differs from it (the largest of the three colour
channels differs by more than `threshold`): a pixel is moving when most of the earlier frames
that saw it as background differ from it. Against the majority, a uniformly coloured vehicle
differs as a whole (its own earlier positions are out-voted by the frames that saw the road
there), and the ghost it leaves where it was is out-voted too. Pixels an earlier frame found
moving do not vote later (its vehicle is not background), nor do pixels it did not see. A blob
must also hold pixels that changed within the last `seed_offsets` frames: a ghost that
outlives the vote lies still on the ground and has none. Blobs are boxed with their size
checked: in metres (`min_size_m`, `max_size_m` for the longer side, `min_width_m` for the
shorter) when the caller gives the ground sample distance, else in pixels.

Everything but the boxes' final scale runs on a half-size image (the smallest scored target,
12 px, is 6 px there): 58-62 frames/s on one core at 1280x720 (`bench.detect`'s figure),
against 13 for the former ORB+ECC two-frame difference in the same run.

Measured (`python -m bench.detect`, 60 s simulated flights, IoU >= 0.3, targets >= 12 px and at
least half in the frame, ground sample distance from the telemetry): orbit precision 0.95,
recall 0.94; straight leg precision 0.83, recall 0.93 (without the ground sample distance its
precision is 0.68: people and their short streaks pass the pixel bounds). What it misses is
mostly at the top of the straight leg's frame, where the camera's forward motion brings 6 px
of new ground a frame: a vehicle that enters there moving slower than the ground flows has no
history without itself on it, shows only its ends until it has moved its own length (about 25
frames), and leaves a ghost below it until the frames that saw it undetected age out.

One detector instance follows one flight: frames must come in order. A frame that cannot be
registered (a cut, a blank frame) restarts the history and is counted in `unregistered`.
Boxes are in pixels of the frame as passed in, DESIGN.md's convention.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from domain.detections import Detection
from drone_ai.adapters.detectors.registration import Homography, KeyframeRegistration
from drone_ai.errors import ConfigError, DetectorInputError

LABEL = "moving"
_BACKGROUND, _MOVING = 255, 128  # the alpha channel of a stored frame; 0 where not seen
_MIN_SIDE_PX = 32


@dataclass(frozen=True, slots=True)
class MotionSettings:
    """Frames are counted back from the current one; grey levels are 8-bit; `*_px` are pixels
    of the frame as passed in."""

    # The simulator's vehicles (4.6 m, 6-15 m/s, 30 frames/s) move their own length in 9 to
    # 23 frames (orbit: 0.6-1.5 px/frame for 14-16 px; straight leg: 1.7-4.4 px/frame for
    # 40 px). At 40 frames back even the slowest has moved off: with more than half of the
    # votes older than that, its pixels are found whole and its ghost is out-voted. The dense
    # recent offsets are the only votes on newly seen ground (a forward-looking camera brings
    # 6 px of it a frame) and still see a vehicle's ends move.
    offsets: tuple[int, ...] = (2, 4, 6, 8, 12, 16, 24, 32, 40)
    # A vehicle moves 1-35 px in 4 to 8 frames, leaving changed pixels at its ends.
    seed_offsets: tuple[int, ...] = (4, 8)
    min_seed_px: int = 3  # changed pixels (of the half-size image) a blob must hold
    threshold: int = 25
    min_size_px: float = 4.0  # longer side, without a ground sample distance
    max_size_px: float = 120.0
    min_size_m: float = 2.0  # longer side: a person (0.5 m) stays out, a car (4.6 m) in
    max_size_m: float = 30.0
    min_width_m: float = 1.5  # shorter side: a person and the streak behind it stay out
    keyframe_interval: int = 10
    corners: int = 500
    min_matches: int = 30

    def __post_init__(self) -> None:
        if (
            not self.offsets
            or list(self.offsets) != sorted(set(self.offsets))
            or (self.offsets[0] < 1)
        ):
            raise ConfigError(f"motion offsets: increasing frame counts >= 1, got {self.offsets}")
        if not set(self.seed_offsets) <= set(self.offsets):
            raise ConfigError(
                f"motion seed_offsets: some of offsets {self.offsets}, got {self.seed_offsets}"
            )
        if not 0 < self.threshold < 255:
            raise ConfigError(f"motion threshold: 1..254 grey levels, got {self.threshold}")
        for low, high, name in (
            (self.min_size_px, self.max_size_px, "size_px"),
            (self.min_size_m, self.max_size_m, "size_m"),
        ):
            if not 0.0 <= low <= high:
                raise ConfigError(
                    f"motion min_{name}/max_{name}: 0 <= min <= max, got {low}, {high}"
                )


class MotionDetector:
    def __init__(self, settings: MotionSettings = MotionSettings()) -> None:
        self._settings = settings
        # Earlier frames (half size, blurred, BGRA: alpha says what each pixel was) with the
        # homography from each to the current keyframe.
        self._history: deque[tuple[NDArray[np.uint8], Homography]] = deque(
            maxlen=settings.offsets[-1]
        )
        self._registration = KeyframeRegistration(
            settings.corners, settings.min_matches, settings.keyframe_interval
        )
        self._open = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        self._moving_margin = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
        self._gsd_m: float | None = None
        # Maps a pixel (u, v) of the previous frame to the current one, [u', v', 1] ~ H [u, v, 1],
        # in DESIGN.md's pixel convention (origin at the top-left corner, centres at +0.5) and
        # the frame's full size; None until two frames in a row were registered.
        self.last_homography: NDArray[np.float64] | None = None
        self.unregistered = 0  # frames that could not be registered onto the earlier ones

    def set_ground_sample_distance_m(self, gsd_m: float | None) -> None:
        """Metres of ground per pixel for the frames that follow (see
        `domain.ground_sample.ground_sample_distance_m`), or None without telemetry."""
        if gsd_m is not None and not (math.isfinite(gsd_m) and gsd_m > 0.0):
            raise DetectorInputError(
                f"ground sample distance: a positive number of metres or None, got {gsd_m!r}"
            )
        self._gsd_m = gsd_m

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[list[Detection]]:
        return [self._detect_one(_checked(image)) for image in images]

    def _detect_one(self, image: NDArray[np.uint8]) -> list[Detection]:
        small = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        # Blurred, so that what sub-pixel misregistration leaves at sharp edges stays under
        # the threshold.
        work = np.asarray(
            cv2.cvtColor(cv2.GaussianBlur(small, (3, 3), 0), cv2.COLOR_BGR2BGRA), dtype=np.uint8
        )
        gray = np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
        registration = self._registration.register(gray)
        if registration is None:
            self.unregistered += bool(self._history)
            self.last_homography = None
            self._history.clear()
            self._registration.restart(gray)
            self._history.append((work, np.eye(3)))
            return []
        from_keyframe = registration.from_keyframe
        self.last_homography = _full_size(from_keyframe @ self._history[-1][1])
        found, moving = self._moving(work, from_keyframe)
        work[:, :, 3] = np.where(cv2.dilate(moving, self._moving_margin) > 0, _MOVING, _BACKGROUND)
        if registration.new_keyframe:
            rebased = [(frame, from_keyframe @ to_key) for frame, to_key in self._history]
            self._history.clear()
            self._history.extend(rebased)
            self._history.append((work, np.eye(3)))
        else:
            self._history.append((work, np.asarray(np.linalg.inv(from_keyframe), np.float64)))
        return found

    def _moving(
        self, work: NDArray[np.uint8], from_keyframe: Homography
    ) -> tuple[list[Detection], NDArray[np.uint8]]:
        """The detections, and the mask of what moved (half size, 0/1)."""
        s = self._settings
        height, width = work.shape[:2]
        votes = np.zeros((height, width), dtype=np.uint8)
        voters = np.zeros((height, width), dtype=np.uint8)
        recent = np.zeros((height, width), dtype=bool)
        for offset in s.offsets:
            if offset > len(self._history):
                break
            earlier, to_keyframe = self._history[-offset]
            warped = cv2.warpPerspective(earlier, from_keyframe @ to_keyframe, (width, height))
            b, g, r, alpha = cv2.split(cv2.absdiff(work, warped))
            # The current frame's alpha is 255: the difference's alpha is 255 - the earlier's.
            differs = cv2.max(cv2.max(b, g), r) > s.threshold
            background = alpha == 255 - _BACKGROUND
            votes += differs & background
            voters += background
            if offset in s.seed_offsets:
                recent |= differs & (alpha <= 255 - _MOVING)
        moving = ((2 * votes > voters) & (voters > 0)).view(np.uint8)
        moving = np.asarray(cv2.morphologyEx(moving, cv2.MORPH_OPEN, self._open), np.uint8)
        moving = np.asarray(cv2.morphologyEx(moving, cv2.MORPH_CLOSE, self._open), np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(moving, connectivity=8)
        seeds = np.bincount(labels[recent], minlength=count)
        kept = seeds >= s.min_seed_px
        kept[0] = False
        agreeing = np.bincount(labels.ravel(), weights=votes.ravel(), minlength=count)
        asked = np.bincount(labels.ravel(), weights=voters.ravel(), minlength=count)
        found = []
        for blob in np.flatnonzero(kept):
            x, y, w, h = (2.0 * float(v) for v in stats[blob, :4])
            if self._size_ok(w, h):
                score = float(agreeing[blob] / max(asked[blob], 1.0))
                found.append(Detection(x, y, x + w, y + h, 0, LABEL, min(1.0, score)))
        return found, kept[labels].view(np.uint8)

    def _size_ok(self, width_px: float, height_px: float) -> bool:
        s, gsd = self._settings, self._gsd_m
        longer, shorter = max(width_px, height_px), min(width_px, height_px)
        if gsd is None:
            return s.min_size_px <= longer <= s.max_size_px
        return s.min_size_m <= longer * gsd <= s.max_size_m and shorter * gsd >= s.min_width_m


def _checked(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        kind = image.dtype if isinstance(image, np.ndarray) else type(image).__name__
        raise DetectorInputError(f"image: an 8-bit BGR array (uint8) expected, got {kind}")
    if image.ndim != 3 or image.shape[2] != 3 or min(image.shape[:2]) < _MIN_SIDE_PX:
        raise DetectorInputError(
            f"image: shape (height, width, 3) with sides >= {_MIN_SIDE_PX} px expected, "
            f"got {image.shape}"
        )
    return np.ascontiguousarray(image)


def _full_size(half: Homography) -> NDArray[np.float64]:
    """A homography between half-size images in OpenCV's pixel coordinates (centres at
    integers) as one between the full frames in DESIGN.md's (centres at +0.5): there, halving
    the image is a pure scale."""
    to_design = np.array([[2.0, 0.0, 1.0], [0.0, 2.0, 1.0], [0.0, 0.0, 1.0]])  # 2 (x + 0.5)
    full = to_design @ half @ np.linalg.inv(to_design)
    return np.asarray(full / full[2, 2], dtype=np.float64)
