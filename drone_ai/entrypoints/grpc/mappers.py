"""The partner API's messages to and from the application's types: the one place where the
two meet (STYLE.md: proto <-> domain conversion in one mappers module)."""

from __future__ import annotations

from domain.event_log import Gap, Sequenced
from domain.flight_events import (
    FlightEvent,
    FlightState,
    FrameResult,
    GeoPosition,
    LocatedDetection,
    StatusChange,
    TrackUpdate,
)
from domain.georeference import Method
from domain.tracking import TrackState
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.errors import InvalidRequestError
from drone_ai.services.flight_stats import FlightStats
from drone_ai.services.flights import FlightRecord
from drone_ai.services.subscription import EventFilter, EventKind, GeoBounds

_FLIGHT_STATES = {
    FlightState.STARTING: pb.FLIGHT_STATE_STARTING,
    FlightState.LIVE: pb.FLIGHT_STATE_LIVE,
    FlightState.DEGRADED: pb.FLIGHT_STATE_DEGRADED,
    FlightState.STOPPED: pb.FLIGHT_STATE_STOPPED,
    FlightState.FAILED: pb.FLIGHT_STATE_FAILED,
}
_KINDS = {
    pb.EVENT_KIND_FRAME: EventKind.FRAME,
    pb.EVENT_KIND_TRACK: EventKind.TRACK,
    pb.EVENT_KIND_STATUS: EventKind.STATUS,
}
_TRACK_STATES = {
    TrackState.CONFIRMED: pb.TRACK_STATE_CONFIRMED,
    TrackState.LOST: pb.TRACK_STATE_LOST,
    TrackState.ENDED: pb.TRACK_STATE_ENDED,
}
_METHODS = {
    Method.POSE_ELLIPSOID: pb.GEO_METHOD_POSE_ELLIPSOID,
    Method.POSE_DEM: pb.GEO_METHOD_POSE_DEM,
    Method.CORNER_HOMOGRAPHY: pb.GEO_METHOD_CORNER_HOMOGRAPHY,
}


def flight_event(flight_id: str, logged: Sequenced[FlightEvent]) -> pb.FlightEvent:
    message = pb.FlightEvent(
        flight_id=flight_id, sequence=logged.sequence, logged_us=logged.logged_us
    )
    event = logged.event
    if isinstance(event, FrameResult):
        message.frame.CopyFrom(_frame(event))
    elif isinstance(event, TrackUpdate):
        message.track.CopyFrom(_track(event))
    else:
        message.status.CopyFrom(_status(event))
    return message


def gap_notice(flight_id: str, gap: Gap, behind: bool = False) -> pb.FlightEvent:
    """The notice that events gap.first..gap.last will not come: evicted by the log, or
    skipped because this subscriber fell behind (`behind`)."""
    reason = pb.GAP_REASON_SUBSCRIBER_BEHIND if behind else pb.GAP_REASON_EVICTED
    return pb.FlightEvent(
        flight_id=flight_id,
        sequence=gap.last,
        gap=pb.GapNotice(first_sequence=gap.first, last_sequence=gap.last, reason=reason),
    )


def _frame(event: FrameResult) -> pb.FrameResult:
    frame = pb.FrameResult(
        frame_time_us=event.frame_time_us,
        telemetry_age_us=event.telemetry_age_us,
        footprint=[_point(corner) for corner in event.footprint],
        detections=[_detection(d) for d in event.detections],
        received_us=event.received_us,
    )
    if event.platform is not None:
        frame.platform.CopyFrom(_point(event.platform))
    return frame


def _detection(located: LocatedDetection) -> pb.Detection:
    d = located.detection
    message = pb.Detection(
        box=pb.PixelBox(x_min_px=d.x_min, y_min_px=d.y_min, x_max_px=d.x_max, y_max_px=d.y_max),
        label=d.label,
        score=d.score,
        track_id=located.track_id or 0,
        horizontal_error_m=located.horizontal_error_m or 0.0,
        method=pb.GEO_METHOD_UNSPECIFIED if located.method is None else _METHODS[located.method],
    )
    if located.position is not None:
        message.position.CopyFrom(_point(located.position))
    return message


def _track(event: TrackUpdate) -> pb.TrackUpdate:
    x_min, y_min, x_max, y_max = event.box
    message = pb.TrackUpdate(
        track_id=event.track_id,
        label=event.label,
        state=_TRACK_STATES.get(event.state, pb.TRACK_STATE_UNSPECIFIED),
        frame_time_us=event.frame_time_us,
        box=pb.PixelBox(x_min_px=x_min, y_min_px=y_min, x_max_px=x_max, y_max_px=y_max),
        has_velocity=event.speed_m_s is not None,
        speed_m_s=event.speed_m_s or 0.0,
        course_deg=event.course_deg if event.course_deg is not None else 0.0,
    )
    if event.position is not None:
        message.position.CopyFrom(_point(event.position))
    return message


def _status(event: StatusChange) -> pb.StatusChange:
    return pb.StatusChange(state=_FLIGHT_STATES[event.state], detail=event.detail)


def _point(position: GeoPosition) -> pb.GeoPoint:
    return pb.GeoPoint(lat_deg=position.lat_deg, lon_deg=position.lon_deg, hae_m=position.hae_m)


def flight(record: FlightRecord) -> pb.Flight:
    message = pb.Flight(
        flight_id=record.flight_id,
        state=_FLIGHT_STATES[record.state],
        detail=record.detail,
        started_us=record.started_us,
        last_sequence=record.log.last_sequence,
        replay_of=record.replay_of,
    )
    if record.counters is not None:
        message.stats.CopyFrom(_stats(record.counters.snapshot()))
    return message


def _stats(stats: FlightStats) -> pb.FlightStats:
    return pb.FlightStats(
        frames_received=stats.frames_received,
        frames_processed=stats.frames_processed,
        frames_shed=stats.frames_shed,
        frames_dropped=stats.frames_dropped,
        frames_failed=stats.frames_failed,
        frames_source_dropped=stats.frames_source_dropped,
        telemetry_rejected=stats.telemetry_refused,
        received_fps=stats.received_fps,
        processed_fps=stats.processed_fps,
        telemetry_age_us=-1 if stats.telemetry_age_us is None else stats.telemetry_age_us,
    )


def event_filter(request: pb.SubscribeRequest) -> EventFilter:
    """A subscription's filters; InvalidRequestError names a malformed one."""
    if not 0.0 <= request.min_score <= 1.0:
        raise InvalidRequestError(f"min_score: expected 0 to 1, got {request.min_score}")
    unknown = [k for k in request.kinds if k not in _KINDS]
    if unknown:
        raise InvalidRequestError(f"kinds: expected known event kinds, got {unknown}")
    bounds = None
    if request.HasField("bounds"):
        b = request.bounds
        if not -90.0 <= b.min_lat_deg <= b.max_lat_deg <= 90.0:
            raise InvalidRequestError(
                f"bounds: expected -90 <= min_lat_deg <= max_lat_deg <= 90, "
                f"got {b.min_lat_deg}, {b.max_lat_deg}"
            )
        bounds = GeoBounds(b.min_lat_deg, b.min_lon_deg, b.max_lat_deg, b.max_lon_deg)
    return EventFilter(
        kinds=frozenset(_KINDS[k] for k in request.kinds),
        classes=frozenset(request.classes),
        min_score=request.min_score,
        bounds=bounds,
    )


def resume_points(request: pb.SubscribeRequest) -> dict[str, int]:
    """Where each flight of a subscription resumes (flights not named: from the oldest held);
    InvalidRequestError for resume points that do not fit the flights asked for."""
    listed = list(dict.fromkeys(request.flight_ids))
    points = dict(request.after_sequences)
    if request.after_sequence:
        if len(listed) != 1 or points:
            raise InvalidRequestError(
                f"after_sequence: expected exactly one flight in flight_ids and no "
                f"after_sequences, got {len(listed)} flights and {len(points)} resume points"
            )
        return {listed[0]: request.after_sequence}
    strays = sorted(set(points) - set(listed)) if listed else []
    if strays:
        raise InvalidRequestError(
            f"after_sequences: expected only flights listed in flight_ids, got {strays}"
        )
    return points
