"""Tracks with stable ids from per-frame detections: a Kalman filter per object and a two-stage
association (confident detections first, then the doubtful ones), after ByteTrack.

Why two stages: a partly hidden or blurred object still gets a low score from most detectors;
matching those low-score boxes only to tracks that already exist keeps the object's id through
the bad frames without letting low-score clutter start tracks of its own.

Camera motion: a drone's camera moves, so a still object jumps across the image. When the caller
knows the frame-to-frame homography (the motion detector estimates it), each track's predicted
box is carried through it before matching.

Association is greedy by IoU, best pair first. Drone scenes are sparse (few objects, boxes that
rarely overlap two candidates), where greedy matches what an optimal assignment would; an optimal
solver is a later change if dense scenes need it.

Boxes are (x_min, y_min, x_max, y_max) in frame pixels; time steps are frames.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from domain.detection_metrics import iou
from domain.detections import Box, Detection
from domain.errors import InvalidValueError

# Noise per frame as a fraction of the box height, the usual choice for boxes whose size changes
# with range: a far (small) object moves fewer pixels than a near one.
POSITION_NOISE_PER_HEIGHT = 1.0 / 20.0
VELOCITY_NOISE_PER_HEIGHT = 1.0 / 160.0


class TrackState(enum.Enum):
    TENTATIVE = "tentative"  # seen, not yet often enough to report
    CONFIRMED = "confirmed"  # seen in the last frame
    LOST = "lost"  # confirmed once, missed since; predicted, kept for a while to be found again
    ENDED = "ended"  # gone for good (lost too long, or the flight ended): its last report


@dataclass(frozen=True, slots=True)
class TrackerSettings:
    high_score: float = 0.5  # detections at or above: first stage, and may start tracks
    low_score: float = 0.1  # detections below are ignored
    min_match_iou: float = 0.2
    hits_to_confirm: int = 3
    max_lost_frames: int = 30

    def __post_init__(self) -> None:
        if not 0.0 <= self.low_score <= self.high_score <= 1.0:
            raise InvalidValueError(
                "scores", "0 <= low_score <= high_score <= 1", (self.low_score, self.high_score)
            )
        if self.hits_to_confirm < 1 or self.max_lost_frames < 0:
            raise InvalidValueError(
                "tracker counts",
                "hits_to_confirm >= 1 and max_lost_frames >= 0",
                (self.hits_to_confirm, self.max_lost_frames),
            )


@dataclass(frozen=True, slots=True)
class TrackReport:
    """One track as it stands after a frame."""

    track_id: int
    state: TrackState
    box: Box  # the filter's estimate, not the raw detection
    label: str
    score: float  # of the last detection matched
    frames_since_seen: int


class BoxFilter:
    """Constant-velocity Kalman filter on (centre x, centre y, width, height) and their rates."""

    _TRANSITION = np.eye(8) + np.eye(8, k=4)
    _MEASUREMENT = np.eye(4, 8)

    def __init__(self, box: Box) -> None:
        self.mean = np.concatenate([_centre_size(box), np.zeros(4)])
        height = self.mean[3]
        std = np.array(
            [2 * POSITION_NOISE_PER_HEIGHT * height] * 4
            + [10 * VELOCITY_NOISE_PER_HEIGHT * height] * 4
        )
        self.covariance = np.diag(std**2)

    @property
    def box(self) -> Box:
        cx, cy, w, h = self.mean[:4]
        return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)

    def predict(self) -> None:
        height = self.mean[3]
        std = np.array(
            [POSITION_NOISE_PER_HEIGHT * height] * 4 + [VELOCITY_NOISE_PER_HEIGHT * height] * 4
        )
        self.mean = self._TRANSITION @ self.mean
        self.mean[2:4] = np.maximum(self.mean[2:4], 1.0)  # a box never shrinks to nothing
        self.covariance = self._TRANSITION @ self.covariance @ self._TRANSITION.T + np.diag(std**2)

    def update(self, box: Box) -> None:
        std = POSITION_NOISE_PER_HEIGHT * self.mean[3]
        innovation_cov = (
            self._MEASUREMENT @ self.covariance @ self._MEASUREMENT.T + np.eye(4) * std**2
        )
        gain = np.linalg.solve(innovation_cov, self._MEASUREMENT @ self.covariance).T
        self.mean = self.mean + gain @ (_centre_size(box) - self._MEASUREMENT @ self.mean)
        self.covariance = self.covariance - gain @ innovation_cov @ gain.T

    def move_with_camera(self, homography: NDArray[np.float64]) -> None:
        """Carry the estimate from the previous frame's pixels into this frame's.

        The centre goes through the homography exactly; size, rates and covariance through its
        linear part at the centre, which is what a box of a few dozen pixels sees of it.
        """
        cx, cy = self.mean[:2]
        point = homography @ np.array([cx, cy, 1.0])
        if point[2] <= 0.0:
            return  # the centre maps behind the camera: a broken homography, keep the estimate
        jacobian = _homography_jacobian(homography, cx, cy)
        scale = float(np.sqrt(abs(np.linalg.det(jacobian))))
        self.mean[:2] = point[:2] / point[2]
        self.mean[2:4] *= scale
        self.mean[4:6] = jacobian @ self.mean[4:6]
        self.mean[6:8] *= scale
        carry = np.eye(8)
        carry[0:2, 0:2] = carry[4:6, 4:6] = jacobian
        carry[2, 2] = carry[3, 3] = carry[6, 6] = carry[7, 7] = scale
        self.covariance = carry @ self.covariance @ carry.T


class _Track:
    def __init__(self, track_id: int, detection: Detection, hits_to_confirm: int) -> None:
        self.track_id = track_id
        self.filter = BoxFilter(detection.box)
        self.state = TrackState.CONFIRMED if hits_to_confirm <= 1 else TrackState.TENTATIVE
        self.hits = 1
        self.frames_since_seen = 0
        self.label = detection.label
        self.score = detection.score

    def matched(self, detection: Detection, hits_to_confirm: int) -> None:
        self.filter.update(detection.box)
        self.hits += 1
        self.frames_since_seen = 0
        if detection.score >= self.score or self.state is TrackState.TENTATIVE:
            self.label = detection.label  # a detector's class may flicker: trust the surer one
        self.score = detection.score
        if self.state is TrackState.LOST or self.hits >= hits_to_confirm:
            self.state = TrackState.CONFIRMED

    def report(self) -> TrackReport:
        return TrackReport(
            self.track_id, self.state, self.filter.box, self.label, self.score,
            self.frames_since_seen,
        )  # fmt: skip


class Tracker:
    """The tracks of one flight. Feed it every frame's detections, in order."""

    def __init__(self, settings: TrackerSettings = TrackerSettings()) -> None:
        self._settings = settings
        self._tracks: list[_Track] = []
        self._next_ids = itertools.count(1)

    def update(
        self,
        detections: Sequence[Detection],
        camera_motion: NDArray[np.float64] | None = None,
    ) -> list[TrackReport]:
        """Advance one frame; `camera_motion` maps the previous frame's pixels to this one's.

        Returns every track still kept, tentative and lost ones included: a partner display
        usually wants only the confirmed ones.
        """
        s = self._settings
        for track in self._tracks:
            if camera_motion is not None:
                track.filter.move_with_camera(camera_motion)
            track.filter.predict()
        high = [d for d in detections if d.score >= s.high_score]
        low = [d for d in detections if s.low_score <= d.score < s.high_score]
        established = [t for t in self._tracks if t.state is not TrackState.TENTATIVE]
        tentative = [t for t in self._tracks if t.state is TrackState.TENTATIVE]

        unmatched_high, unmatched_tracks = self._associate(high, established)
        confirmed_left = [t for t in unmatched_tracks if t.state is TrackState.CONFIRMED]
        _, missed = self._associate(low, confirmed_left)
        new_detections, unconfirmed = self._associate(unmatched_high, tentative)

        missed_ids = {id(t) for t in missed} | {
            id(t) for t in unmatched_tracks if t.state is TrackState.LOST
        }
        dropped = {id(t) for t in unconfirmed}  # a tentative track missed once is noise
        kept: list[_Track] = []
        for track in self._tracks:
            if id(track) in dropped:
                continue
            if id(track) in missed_ids:
                track.frames_since_seen += 1
                track.state = TrackState.LOST
                if track.frames_since_seen > s.max_lost_frames:
                    continue
            kept.append(track)
        kept += [_Track(next(self._next_ids), d, s.hits_to_confirm) for d in new_detections]
        self._tracks = kept
        return [track.report() for track in self._tracks]

    def _associate(
        self, detections: Sequence[Detection], tracks: Sequence[_Track]
    ) -> tuple[list[Detection], list[_Track]]:
        """Match best IoU first; returns the detections and tracks left unmatched."""
        pairs = sorted(
            (
                (iou(d.box, t.filter.box), di, ti)
                for di, d in enumerate(detections)
                for ti, t in enumerate(tracks)
            ),
            reverse=True,
        )
        used_detections: set[int] = set()
        used_tracks: set[int] = set()
        for overlap, di, ti in pairs:
            if overlap < self._settings.min_match_iou:
                break
            if di in used_detections or ti in used_tracks:
                continue
            used_detections.add(di)
            used_tracks.add(ti)
            tracks[ti].matched(detections[di], self._settings.hits_to_confirm)
        return (
            [d for i, d in enumerate(detections) if i not in used_detections],
            [t for i, t in enumerate(tracks) if i not in used_tracks],
        )


def _centre_size(box: Box) -> NDArray[np.float64]:
    x_min, y_min, x_max, y_max = box
    return np.array([(x_min + x_max) / 2, (y_min + y_max) / 2, x_max - x_min, y_max - y_min])


def _homography_jacobian(
    homography: NDArray[np.float64], x: float, y: float
) -> NDArray[np.float64]:
    """d(u, v)/d(x, y) of the homography at (x, y)."""
    h = homography
    w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
    u = (h[0, 0] * x + h[0, 1] * y + h[0, 2]) / w
    v = (h[1, 0] * x + h[1, 1] * y + h[1, 2]) / w
    return np.array(
        [
            [(h[0, 0] - u * h[2, 0]) / w, (h[0, 1] - u * h[2, 1]) / w],
            [(h[1, 0] - v * h[2, 0]) / w, (h[1, 1] - v * h[2, 1]) / w],
        ]
    )
