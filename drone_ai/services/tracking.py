"""One flight's tracks on the ground: the domain tracker's boxes, each confirmed track's ground
point (the bottom centre of its box) georeferenced, and its ground speed and course.

The caller hands in how to georeference this frame's pixels (its camera model, heights and
fallbacks chosen by the georeferencing service), or nothing when the frame has no usable
telemetry: tracks then go on in the image and their ground motion waits for the next fix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from domain.detections import Detection
from domain.georeference import GroundPoints
from domain.ground_intersection import RayStatus
from domain.ground_motion import GroundMotion, GroundVelocity
from domain.tracking import Tracker, TrackerSettings, TrackReport, TrackState

DEFAULT_SETTINGS = TrackerSettings()
PixelLocator = Callable[[NDArray[np.float64], NDArray[np.float64]], GroundPoints]


@dataclass(frozen=True, slots=True)
class GroundFix:
    lat_deg: float
    lon_deg: float
    hae_m: float
    sigma_h_m: float


@dataclass(frozen=True, slots=True)
class TrackedObject:
    track: TrackReport
    ground: GroundFix | None  # None: not seen this frame, or its pixel did not reach the ground
    velocity: GroundVelocity | None  # None until the ground fixes span the motion window


class FlightTracker:
    def __init__(
        self, settings: TrackerSettings = DEFAULT_SETTINGS, motion_window_s: float = 2.0
    ) -> None:
        self._tracker = Tracker(settings)
        self._window_s = motion_window_s
        self._motion: dict[int, GroundMotion] = {}

    def update(
        self,
        t_us: int,
        detections: Sequence[Detection],
        locate: PixelLocator | None,
        camera_motion: NDArray[np.float64] | None = None,
    ) -> list[TrackedObject]:
        """Confirmed tracks after this frame, lost ones included (with no ground fix)."""
        reports = [
            r
            for r in self._tracker.update(detections, camera_motion)
            if r.state is not TrackState.TENTATIVE
        ]
        seen = [r for r in reports if r.frames_since_seen == 0]
        fixes = self._locate(seen, locate)
        kept = {r.track_id for r in reports}
        self._motion = {k: m for k, m in self._motion.items() if k in kept}
        objects = []
        for report in reports:
            fix = fixes.get(report.track_id)
            motion = self._motion.get(report.track_id)
            if motion is None:
                motion = self._motion[report.track_id] = GroundMotion(self._window_s)
            if fix is not None:
                motion.add(t_us, fix.lat_deg, fix.lon_deg, fix.hae_m)
            objects.append(TrackedObject(report, fix, motion.velocity()))
        return objects

    @staticmethod
    def _locate(
        reports: Sequence[TrackReport], locate: PixelLocator | None
    ) -> dict[int, GroundFix]:
        if locate is None or not reports:
            return {}
        u = np.array([(r.box[0] + r.box[2]) / 2.0 for r in reports])
        v = np.array([r.box[3] for r in reports])
        points = locate(u, v)
        return {
            r.track_id: GroundFix(
                float(points.lat_deg[i]),
                float(points.lon_deg[i]),
                float(points.hae_m[i]),
                float(points.sigma_h_m[i]),
            )
            for i, r in enumerate(reports)
            if points.status[i] == RayStatus.OK
        }
