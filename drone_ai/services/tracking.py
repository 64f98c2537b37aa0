"""One flight's tracks on the ground: the domain tracker's boxes, each confirmed track's ground
point (the bottom centre of its box) georeferenced, and its ground speed and course.

The caller hands in how to georeference this frame's pixels (its camera model, heights and
fallbacks chosen by the georeferencing service), or nothing when the frame has no usable
telemetry: tracks then go on in the image and their ground motion waits for the next fix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from domain.detections import Detection
from domain.georeference import GroundPoints
from domain.ground_intersection import RayStatus
from domain.ground_motion import GroundMotion, GroundVelocity
from domain.tracking import Tracker, TrackerSettings, TrackReport, TrackState

DEFAULT_SETTINGS = TrackerSettings()
SIZE_CHANGE = 0.2  # of a track's box width or height, since its ground-motion fit began
SIZE_JITTER_PX = 2.0  # allowed on top: a small box's size jitters by a pixel or two
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
    velocity: GroundVelocity | None  # None until fixes of a steady box span the minimum


class FlightTracker:
    def __init__(
        self,
        settings: TrackerSettings = DEFAULT_SETTINGS,
        motion_window_s: float = 2.0,
        motion_min_span_s: float = 1.0,
    ) -> None:
        """Speed and course are fitted over `motion_window_s` of ground fixes taken while the
        track's box keeps its size, and reported once they span `motion_min_span_s`.

        Why the size: the ground point is the box's bottom centre, and a box that grows or
        shrinks (a target entering or leaving the frame, one a detector boxes only in part at
        first) moves that point along the ground with no motion of the target; a fit over such
        points turns it into metres per second. A change of more than SIZE_CHANGE (and
        SIZE_JITTER_PX) starts the fit afresh."""
        self._tracker = Tracker(settings)
        self._window_s = motion_window_s
        self._min_span_s = motion_min_span_s
        self._motion: dict[int, tuple[GroundMotion, tuple[float, float]]] = {}
        self._reported: dict[int, TrackReport] = {}  # each confirmed track's latest report

    def update(
        self,
        t_us: int,
        detections: Sequence[Detection],
        locate: PixelLocator | None,
        camera_motion: NDArray[np.float64] | None = None,
    ) -> list[TrackedObject]:
        """Confirmed tracks after this frame, lost ones included (with no ground fix), then
        those the tracker gave up on since the last frame, once each, as ENDED."""
        reports = [
            r
            for r in self._tracker.update(detections, camera_motion)
            if r.state is not TrackState.TENTATIVE
        ]
        seen = [r for r in reports if r.frames_since_seen == 0]
        fixes = self._locate(seen, locate)
        kept = {r.track_id for r in reports}
        self._motion = {k: m for k, m in self._motion.items() if k in kept}
        gone = [r for track_id, r in self._reported.items() if track_id not in kept]
        self._reported = {r.track_id: r for r in reports}
        objects = []
        for report in reports:
            fix = fixes.get(report.track_id)
            motion = self._motion_of(report)
            if fix is not None:
                motion.add(t_us, fix.lat_deg, fix.lon_deg, fix.hae_m)
            objects.append(TrackedObject(report, fix, motion.velocity()))
        return objects + [_ended(r) for r in gone]

    def finish(self) -> list[TrackedObject]:
        """Every track still held, ENDED: the flight is over."""
        ended = [_ended(r) for r in self._reported.values()]
        self._reported.clear()
        self._motion.clear()
        return ended

    def _motion_of(self, report: TrackReport) -> GroundMotion:
        """The track's ground-motion fit, started afresh when its box has changed size."""
        x_min, y_min, x_max, y_max = report.box
        size = (x_max - x_min, y_max - y_min)
        held = self._motion.get(report.track_id)
        if held is not None:
            motion, (width_0, height_0) = held
            if (
                abs(size[0] - width_0) <= SIZE_CHANGE * width_0 + SIZE_JITTER_PX
                and abs(size[1] - height_0) <= SIZE_CHANGE * height_0 + SIZE_JITTER_PX
            ):
                return motion
        motion = GroundMotion(self._window_s, self._min_span_s)
        self._motion[report.track_id] = (motion, size)
        return motion

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


def _ended(report: TrackReport) -> TrackedObject:
    return TrackedObject(replace(report, state=TrackState.ENDED), None, None)
