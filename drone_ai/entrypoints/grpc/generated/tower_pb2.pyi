from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReplayMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPLAY_MODE_UNSPECIFIED: _ClassVar[ReplayMode]
    REPLAY_MODE_REANALYSE: _ClassVar[ReplayMode]
    REPLAY_MODE_RESULTS: _ClassVar[ReplayMode]

class FlightState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FLIGHT_STATE_UNSPECIFIED: _ClassVar[FlightState]
    FLIGHT_STATE_STARTING: _ClassVar[FlightState]
    FLIGHT_STATE_LIVE: _ClassVar[FlightState]
    FLIGHT_STATE_DEGRADED: _ClassVar[FlightState]
    FLIGHT_STATE_STOPPED: _ClassVar[FlightState]
    FLIGHT_STATE_FAILED: _ClassVar[FlightState]

class EventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_KIND_UNSPECIFIED: _ClassVar[EventKind]
    EVENT_KIND_FRAME: _ClassVar[EventKind]
    EVENT_KIND_TRACK: _ClassVar[EventKind]
    EVENT_KIND_STATUS: _ClassVar[EventKind]

class GeoMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GEO_METHOD_UNSPECIFIED: _ClassVar[GeoMethod]
    GEO_METHOD_POSE_ELLIPSOID: _ClassVar[GeoMethod]
    GEO_METHOD_POSE_DEM: _ClassVar[GeoMethod]
    GEO_METHOD_CORNER_HOMOGRAPHY: _ClassVar[GeoMethod]

class TrackState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRACK_STATE_UNSPECIFIED: _ClassVar[TrackState]
    TRACK_STATE_CONFIRMED: _ClassVar[TrackState]
    TRACK_STATE_LOST: _ClassVar[TrackState]
    TRACK_STATE_ENDED: _ClassVar[TrackState]

class GapReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GAP_REASON_UNSPECIFIED: _ClassVar[GapReason]
    GAP_REASON_EVICTED: _ClassVar[GapReason]
    GAP_REASON_SUBSCRIBER_BEHIND: _ClassVar[GapReason]
REPLAY_MODE_UNSPECIFIED: ReplayMode
REPLAY_MODE_REANALYSE: ReplayMode
REPLAY_MODE_RESULTS: ReplayMode
FLIGHT_STATE_UNSPECIFIED: FlightState
FLIGHT_STATE_STARTING: FlightState
FLIGHT_STATE_LIVE: FlightState
FLIGHT_STATE_DEGRADED: FlightState
FLIGHT_STATE_STOPPED: FlightState
FLIGHT_STATE_FAILED: FlightState
EVENT_KIND_UNSPECIFIED: EventKind
EVENT_KIND_FRAME: EventKind
EVENT_KIND_TRACK: EventKind
EVENT_KIND_STATUS: EventKind
GEO_METHOD_UNSPECIFIED: GeoMethod
GEO_METHOD_POSE_ELLIPSOID: GeoMethod
GEO_METHOD_POSE_DEM: GeoMethod
GEO_METHOD_CORNER_HOMOGRAPHY: GeoMethod
TRACK_STATE_UNSPECIFIED: TrackState
TRACK_STATE_CONFIRMED: TrackState
TRACK_STATE_LOST: TrackState
TRACK_STATE_ENDED: TrackState
GAP_REASON_UNSPECIFIED: GapReason
GAP_REASON_EVICTED: GapReason
GAP_REASON_SUBSCRIBER_BEHIND: GapReason

class StartFlightRequest(_message.Message):
    __slots__ = ("flight_id", "video_uri", "telemetry_uri", "detector_profile", "record")
    FLIGHT_ID_FIELD_NUMBER: _ClassVar[int]
    VIDEO_URI_FIELD_NUMBER: _ClassVar[int]
    TELEMETRY_URI_FIELD_NUMBER: _ClassVar[int]
    DETECTOR_PROFILE_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    flight_id: str
    video_uri: str
    telemetry_uri: str
    detector_profile: str
    record: bool
    def __init__(self, flight_id: _Optional[str] = ..., video_uri: _Optional[str] = ..., telemetry_uri: _Optional[str] = ..., detector_profile: _Optional[str] = ..., record: bool = ...) -> None: ...

class StopFlightRequest(_message.Message):
    __slots__ = ("flight_id",)
    FLIGHT_ID_FIELD_NUMBER: _ClassVar[int]
    flight_id: str
    def __init__(self, flight_id: _Optional[str] = ...) -> None: ...

class GetFlightRequest(_message.Message):
    __slots__ = ("flight_id",)
    FLIGHT_ID_FIELD_NUMBER: _ClassVar[int]
    flight_id: str
    def __init__(self, flight_id: _Optional[str] = ...) -> None: ...

class ListFlightsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListFlightsResponse(_message.Message):
    __slots__ = ("flights",)
    FLIGHTS_FIELD_NUMBER: _ClassVar[int]
    flights: _containers.RepeatedCompositeFieldContainer[Flight]
    def __init__(self, flights: _Optional[_Iterable[_Union[Flight, _Mapping]]] = ...) -> None: ...

class ReplayFlightRequest(_message.Message):
    __slots__ = ("recording_id", "flight_id", "speed", "mode")
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    FLIGHT_ID_FIELD_NUMBER: _ClassVar[int]
    SPEED_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    recording_id: str
    flight_id: str
    speed: float
    mode: ReplayMode
    def __init__(self, recording_id: _Optional[str] = ..., flight_id: _Optional[str] = ..., speed: _Optional[float] = ..., mode: _Optional[_Union[ReplayMode, str]] = ...) -> None: ...

class Flight(_message.Message):
    __slots__ = ("flight_id", "state", "detail", "started_us", "last_sequence", "stats", "replay_of")
    FLIGHT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    STARTED_US_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    REPLAY_OF_FIELD_NUMBER: _ClassVar[int]
    flight_id: str
    state: FlightState
    detail: str
    started_us: int
    last_sequence: int
    stats: FlightStats
    replay_of: str
    def __init__(self, flight_id: _Optional[str] = ..., state: _Optional[_Union[FlightState, str]] = ..., detail: _Optional[str] = ..., started_us: _Optional[int] = ..., last_sequence: _Optional[int] = ..., stats: _Optional[_Union[FlightStats, _Mapping]] = ..., replay_of: _Optional[str] = ...) -> None: ...

class FlightStats(_message.Message):
    __slots__ = ("frames_received", "frames_processed", "frames_shed", "frames_dropped", "frames_failed", "telemetry_rejected", "received_fps", "processed_fps", "telemetry_age_us", "frames_source_dropped")
    class TelemetryRejectedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    FRAMES_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    FRAMES_PROCESSED_FIELD_NUMBER: _ClassVar[int]
    FRAMES_SHED_FIELD_NUMBER: _ClassVar[int]
    FRAMES_DROPPED_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FAILED_FIELD_NUMBER: _ClassVar[int]
    TELEMETRY_REJECTED_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FPS_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_FPS_FIELD_NUMBER: _ClassVar[int]
    TELEMETRY_AGE_US_FIELD_NUMBER: _ClassVar[int]
    FRAMES_SOURCE_DROPPED_FIELD_NUMBER: _ClassVar[int]
    frames_received: int
    frames_processed: int
    frames_shed: int
    frames_dropped: int
    frames_failed: int
    telemetry_rejected: _containers.ScalarMap[str, int]
    received_fps: float
    processed_fps: float
    telemetry_age_us: int
    frames_source_dropped: int
    def __init__(self, frames_received: _Optional[int] = ..., frames_processed: _Optional[int] = ..., frames_shed: _Optional[int] = ..., frames_dropped: _Optional[int] = ..., frames_failed: _Optional[int] = ..., telemetry_rejected: _Optional[_Mapping[str, int]] = ..., received_fps: _Optional[float] = ..., processed_fps: _Optional[float] = ..., telemetry_age_us: _Optional[int] = ..., frames_source_dropped: _Optional[int] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("flight_ids", "kinds", "classes", "min_score", "bounds", "after_sequence", "after_sequences")
    class AfterSequencesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    FLIGHT_IDS_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    BOUNDS_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCES_FIELD_NUMBER: _ClassVar[int]
    flight_ids: _containers.RepeatedScalarFieldContainer[str]
    kinds: _containers.RepeatedScalarFieldContainer[EventKind]
    classes: _containers.RepeatedScalarFieldContainer[str]
    min_score: float
    bounds: GeoBox
    after_sequence: int
    after_sequences: _containers.ScalarMap[str, int]
    def __init__(self, flight_ids: _Optional[_Iterable[str]] = ..., kinds: _Optional[_Iterable[_Union[EventKind, str]]] = ..., classes: _Optional[_Iterable[str]] = ..., min_score: _Optional[float] = ..., bounds: _Optional[_Union[GeoBox, _Mapping]] = ..., after_sequence: _Optional[int] = ..., after_sequences: _Optional[_Mapping[str, int]] = ...) -> None: ...

class FlightEvent(_message.Message):
    __slots__ = ("flight_id", "sequence", "logged_us", "frame", "track", "status", "gap")
    FLIGHT_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LOGGED_US_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    flight_id: str
    sequence: int
    logged_us: int
    frame: FrameResult
    track: TrackUpdate
    status: StatusChange
    gap: GapNotice
    def __init__(self, flight_id: _Optional[str] = ..., sequence: _Optional[int] = ..., logged_us: _Optional[int] = ..., frame: _Optional[_Union[FrameResult, _Mapping]] = ..., track: _Optional[_Union[TrackUpdate, _Mapping]] = ..., status: _Optional[_Union[StatusChange, _Mapping]] = ..., gap: _Optional[_Union[GapNotice, _Mapping]] = ...) -> None: ...

class FrameResult(_message.Message):
    __slots__ = ("frame_time_us", "telemetry_age_us", "platform", "footprint", "detections", "received_us")
    FRAME_TIME_US_FIELD_NUMBER: _ClassVar[int]
    TELEMETRY_AGE_US_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    FOOTPRINT_FIELD_NUMBER: _ClassVar[int]
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_US_FIELD_NUMBER: _ClassVar[int]
    frame_time_us: int
    telemetry_age_us: int
    platform: GeoPoint
    footprint: _containers.RepeatedCompositeFieldContainer[GeoPoint]
    detections: _containers.RepeatedCompositeFieldContainer[Detection]
    received_us: int
    def __init__(self, frame_time_us: _Optional[int] = ..., telemetry_age_us: _Optional[int] = ..., platform: _Optional[_Union[GeoPoint, _Mapping]] = ..., footprint: _Optional[_Iterable[_Union[GeoPoint, _Mapping]]] = ..., detections: _Optional[_Iterable[_Union[Detection, _Mapping]]] = ..., received_us: _Optional[int] = ...) -> None: ...

class Detection(_message.Message):
    __slots__ = ("box", "label", "score", "track_id", "position", "horizontal_error_m", "method")
    BOX_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    HORIZONTAL_ERROR_M_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    box: PixelBox
    label: str
    score: float
    track_id: int
    position: GeoPoint
    horizontal_error_m: float
    method: GeoMethod
    def __init__(self, box: _Optional[_Union[PixelBox, _Mapping]] = ..., label: _Optional[str] = ..., score: _Optional[float] = ..., track_id: _Optional[int] = ..., position: _Optional[_Union[GeoPoint, _Mapping]] = ..., horizontal_error_m: _Optional[float] = ..., method: _Optional[_Union[GeoMethod, str]] = ...) -> None: ...

class TrackUpdate(_message.Message):
    __slots__ = ("track_id", "label", "state", "frame_time_us", "box", "position", "has_velocity", "speed_m_s", "course_deg")
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FRAME_TIME_US_FIELD_NUMBER: _ClassVar[int]
    BOX_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    HAS_VELOCITY_FIELD_NUMBER: _ClassVar[int]
    SPEED_M_S_FIELD_NUMBER: _ClassVar[int]
    COURSE_DEG_FIELD_NUMBER: _ClassVar[int]
    track_id: int
    label: str
    state: TrackState
    frame_time_us: int
    box: PixelBox
    position: GeoPoint
    has_velocity: bool
    speed_m_s: float
    course_deg: float
    def __init__(self, track_id: _Optional[int] = ..., label: _Optional[str] = ..., state: _Optional[_Union[TrackState, str]] = ..., frame_time_us: _Optional[int] = ..., box: _Optional[_Union[PixelBox, _Mapping]] = ..., position: _Optional[_Union[GeoPoint, _Mapping]] = ..., has_velocity: bool = ..., speed_m_s: _Optional[float] = ..., course_deg: _Optional[float] = ...) -> None: ...

class StatusChange(_message.Message):
    __slots__ = ("state", "detail")
    STATE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    state: FlightState
    detail: str
    def __init__(self, state: _Optional[_Union[FlightState, str]] = ..., detail: _Optional[str] = ...) -> None: ...

class GapNotice(_message.Message):
    __slots__ = ("first_sequence", "last_sequence", "reason")
    FIRST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    first_sequence: int
    last_sequence: int
    reason: GapReason
    def __init__(self, first_sequence: _Optional[int] = ..., last_sequence: _Optional[int] = ..., reason: _Optional[_Union[GapReason, str]] = ...) -> None: ...

class GeoPoint(_message.Message):
    __slots__ = ("lat_deg", "lon_deg", "hae_m")
    LAT_DEG_FIELD_NUMBER: _ClassVar[int]
    LON_DEG_FIELD_NUMBER: _ClassVar[int]
    HAE_M_FIELD_NUMBER: _ClassVar[int]
    lat_deg: float
    lon_deg: float
    hae_m: float
    def __init__(self, lat_deg: _Optional[float] = ..., lon_deg: _Optional[float] = ..., hae_m: _Optional[float] = ...) -> None: ...

class GeoBox(_message.Message):
    __slots__ = ("min_lat_deg", "min_lon_deg", "max_lat_deg", "max_lon_deg")
    MIN_LAT_DEG_FIELD_NUMBER: _ClassVar[int]
    MIN_LON_DEG_FIELD_NUMBER: _ClassVar[int]
    MAX_LAT_DEG_FIELD_NUMBER: _ClassVar[int]
    MAX_LON_DEG_FIELD_NUMBER: _ClassVar[int]
    min_lat_deg: float
    min_lon_deg: float
    max_lat_deg: float
    max_lon_deg: float
    def __init__(self, min_lat_deg: _Optional[float] = ..., min_lon_deg: _Optional[float] = ..., max_lat_deg: _Optional[float] = ..., max_lon_deg: _Optional[float] = ...) -> None: ...

class PixelBox(_message.Message):
    __slots__ = ("x_min_px", "y_min_px", "x_max_px", "y_max_px")
    X_MIN_PX_FIELD_NUMBER: _ClassVar[int]
    Y_MIN_PX_FIELD_NUMBER: _ClassVar[int]
    X_MAX_PX_FIELD_NUMBER: _ClassVar[int]
    Y_MAX_PX_FIELD_NUMBER: _ClassVar[int]
    x_min_px: float
    y_min_px: float
    x_max_px: float
    y_max_px: float
    def __init__(self, x_min_px: _Optional[float] = ..., y_min_px: _Optional[float] = ..., x_max_px: _Optional[float] = ..., y_max_px: _Optional[float] = ...) -> None: ...
