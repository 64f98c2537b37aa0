"""One flight through the tower (DESIGN.md's data flow): frames with their telemetry go to
detection, and what comes back is tracked, georeferenced and logged as the flight's events.

Detection runs elsewhere (a DetectionLane: the worker pool) and answers later, for some
frames only (a saturated pool sheds), so each submitted frame's telemetry waits here, keyed
by its sequence number, until its result comes; a frame the pool shed never answers and its
entry goes when a later frame's result arrives. At most `max_in_flight` wait (the oldest go
first), so memory stays bounded whatever the pool does.

Two threads: the caller's submits frames as the input gives them; a collector handles each
result the moment it comes (tracking, georeferencing, logging), so that no result waits for
the next frame. A lossless input (a file) is read at detection's pace instead: a frame is
submitted only when fewer than `max_waiting` of the flight's frames are in detection, so the
pool never has to shed one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from domain.detection_metrics import iou
from domain.detections import FrameDetections
from domain.flight_events import (
    FlightEvent,
    FrameResult,
    GeoPosition,
    LocatedDetection,
    TrackUpdate,
)
from domain.georeference import Method
from domain.ground_intersection import RayStatus
from domain.tracking import TrackState
from drone_ai.ports import DetectionLane, FlightEventLog, TowerMetrics
from drone_ai.services.georeferencing import FootprintReport, FrameGeometry, Georeferencer
from drone_ai.services.ingest import SyncedFrame
from drone_ai.services.metrics import QuietMetrics
from drone_ai.services.tracking import FlightTracker, TrackedObject

MATCH_IOU = 0.5  # a detection belongs to the confirmed track whose box it overlaps this much
COLLECT_WAIT_S = 0.1  # how long the collector waits for a result before it looks around


@dataclass(frozen=True, slots=True)
class _Waiting:
    frame_time_us: int
    telemetry_age_us: int
    arrived_us: int
    submitted_s: float  # time.perf_counter() when handed to detection
    geometry: FrameGeometry | None
    footprint: tuple[GeoPosition, ...]


class FlightPipeline:
    def __init__(
        self,
        lane: DetectionLane,
        georeferencer: Georeferencer,
        log: FlightEventLog[FlightEvent],
        tracker: FlightTracker | None = None,
        max_in_flight: int = 256,
        *,
        flight_id: str = "",
        metrics: TowerMetrics | None = None,
    ) -> None:
        self._lane = lane
        self._flight_id = flight_id
        self._metrics = metrics or QuietMetrics()
        self._georeferencer = georeferencer
        self._log = log
        self._tracker = tracker or FlightTracker()
        self._max_in_flight = max_in_flight
        self._waiting: OrderedDict[int, _Waiting] = OrderedDict()
        self._changed = threading.Condition()  # guards _waiting and the counts
        self._last_positions: dict[int, GeoPosition] = {}  # per track, its latest ground fix
        self._last_frame_us: int | None = None
        self.frames_without_result = 0  # shed or dropped by detection, or pushed out here

    def run(
        self,
        frames: Iterable[SyncedFrame],
        result_wait_s: float = 0.0,
        max_waiting: int | None = None,
    ) -> None:
        """Submit every frame while the collector handles results as they come; at the end,
        wait until detection has answered all it will (giving up after `result_wait_s`
        without an answer). `max_waiting`: lossless, read at detection's pace (see above)."""
        done = threading.Event()
        collector = threading.Thread(
            target=self._collect,
            args=(done, result_wait_s),
            name=f"results-{self._flight_id}",
            daemon=True,
        )
        collector.start()
        try:
            for synced in frames:
                if max_waiting is not None:
                    with self._changed:
                        self._changed.wait_for(
                            lambda: len(self._waiting) < max_waiting, result_wait_s
                        )
                self.submit(synced)
        finally:
            done.set()
            collector.join()
        with self._changed:
            self._dropped("detector_shed", len(self._waiting))  # never answered
            self._waiting.clear()
        if self._last_frame_us is not None:
            for obj in self._tracker.finish():
                self._log.append(self._track_event(obj, self._last_frame_us))

    def _collect(self, done: threading.Event, result_wait_s: float) -> None:
        silent_since_s: float | None = None
        while True:
            ready = self._lane.results(COLLECT_WAIT_S)
            if ready:
                self.handle(ready)
                silent_since_s = None
                continue
            if not done.is_set():
                continue
            if self._lane.stats().waiting == 0:
                self.handle(self._lane.results())  # one that came just now
                return
            now_s = time.monotonic()
            silent_since_s = silent_since_s or now_s
            if now_s - silent_since_s >= result_wait_s:
                return

    def submit(self, synced: SyncedFrame) -> None:
        frame, telemetry = synced.frame, synced.telemetry
        geometry = None
        footprint: tuple[GeoPosition, ...] = ()
        if telemetry.sample is not None:
            geometry = self._georeferencer.frame_geometry(
                telemetry.sample, frame.width_px, frame.height_px
            )
            footprint = _whole_footprint(self._georeferencer.footprint(telemetry.sample))
        age_s = None if telemetry.sample is None else (telemetry.age_us or 0) / 1e6
        self._metrics.frame_received(self._flight_id, age_s)
        gsd_m = None if geometry is None else geometry.ground_sample_distance_m
        waiting = _Waiting(
            frame.t_us,
            telemetry.age_us or 0,
            synced.arrived_us,
            time.perf_counter(),
            geometry,
            footprint,
        )
        with self._changed:  # the result may come before this thread runs again
            seq = self._lane.submit(frame.t_us, frame.image, gsd_m)
            self._waiting[seq] = waiting
            while len(self._waiting) > self._max_in_flight:
                self._waiting.popitem(last=False)
                self._dropped("pipeline_backlog")

    def handle(self, results: Iterable[FrameDetections]) -> None:
        for result in results:
            with self._changed:
                while self._waiting and next(iter(self._waiting)) < result.frame_seq:
                    self._waiting.popitem(last=False)  # shed or dropped: no answer will come
                    self._dropped("detector_shed")
                waiting = self._waiting.pop(result.frame_seq, None)
                self._changed.notify_all()
            if waiting is not None:
                detection_s = time.perf_counter() - waiting.submitted_s
                self._log_frame(result, waiting)
                self._metrics.frame_processed(self._flight_id, detection_s)

    def _dropped(self, reason: str, count: int = 1) -> None:
        """Under the lock."""
        if count:
            self.frames_without_result += count
            self._metrics.frames_dropped(self._flight_id, reason, count)

    def _log_frame(self, result: FrameDetections, waiting: _Waiting) -> None:
        geometry = waiting.geometry
        motion = (
            None
            if result.camera_motion is None
            else np.array(result.camera_motion, dtype=np.float64).reshape(3, 3)
        )
        objects = self._tracker.update(
            waiting.frame_time_us,
            result.detections,
            None if geometry is None else geometry.locate,
            motion,
        )
        seen = [o for o in objects if o.track.frames_since_seen == 0]
        platform = None
        if geometry is not None and geometry.sensor is not None:
            platform = GeoPosition(*geometry.sensor)
        located = self._locate(result, geometry, seen)
        self._log.append(
            FrameResult(
                waiting.frame_time_us,
                waiting.telemetry_age_us,
                platform,
                waiting.footprint,
                located,
                waiting.arrived_us,
            )
        )
        for obj in objects:
            self._log.append(self._track_event(obj, waiting.frame_time_us))
        self._last_frame_us = waiting.frame_time_us

    def _track_event(self, obj: TrackedObject, frame_time_us: int) -> TrackUpdate:
        """A lost or ended track keeps its last ground fix, so that a partner's map (and a
        subscriber's area filter) knows where it went."""
        update = _track_update(obj, frame_time_us)
        track_id = update.track_id
        if update.position is not None:
            self._last_positions[track_id] = update.position
        elif track_id in self._last_positions:
            update = replace(update, position=self._last_positions[track_id])
        if update.state is TrackState.ENDED:
            self._last_positions.pop(track_id, None)
        return update

    @staticmethod
    def _locate(
        result: FrameDetections, geometry: FrameGeometry | None, seen: list[TrackedObject]
    ) -> tuple[LocatedDetection, ...]:
        detections = result.detections
        if not detections:
            return ()
        points = None
        if geometry is not None:
            u = np.array([(d.x_min + d.x_max) / 2.0 for d in detections])
            v = np.array([d.y_max for d in detections])
            points = geometry.locate(u, v)
        located = []
        for index, d in enumerate(detections):
            best = max(seen, key=lambda o: iou(o.track.box, d.box), default=None)
            track_id = (
                best.track.track_id
                if best is not None and iou(best.track.box, d.box) >= MATCH_IOU
                else None
            )
            if points is None or points.status[index] != RayStatus.OK:
                located.append(LocatedDetection(d, track_id, None, None, None))
                continue
            position = GeoPosition(
                float(points.lat_deg[index]),
                float(points.lon_deg[index]),
                float(points.hae_m[index]),
            )
            located.append(
                LocatedDetection(
                    d,
                    track_id,
                    position,
                    float(points.sigma_h_m[index]),
                    Method(int(points.method[index])),
                )
            )
        return tuple(located)


def _whole_footprint(report: FootprintReport) -> tuple[GeoPosition, ...]:
    """The frame's corners on the ground, in image order; none unless all four reach it
    unclipped (the API's promise: no footprint when the camera sees the horizon)."""
    corners = report.corners
    if len(corners) != 4 or not all(c.usable and not c.clipped for c in corners):
        return ()
    return tuple(GeoPosition(c.lat_deg, c.lon_deg, c.hae_m) for c in corners)


def _track_update(obj: TrackedObject, frame_time_us: int) -> TrackUpdate:
    position = None
    if obj.ground is not None:
        position = GeoPosition(obj.ground.lat_deg, obj.ground.lon_deg, obj.ground.hae_m)
    velocity = obj.velocity
    return TrackUpdate(
        obj.track.track_id,
        obj.track.label,
        obj.track.state,
        frame_time_us,
        obj.track.box,
        position,
        None if velocity is None else velocity.speed_m_s,
        None if velocity is None else velocity.course_deg,
    )
