"""A flight's result events as JSON lines, for recordings (the `events` stream) and their
results replay: every field kept, so that a decoded event equals the one logged.

One object per line: {"sequence", "logged_us", "kind": "frame" | "track" | "status", ...the
event's fields}. Units as in domain/flight_events.py. A course of NaN (a still track) is
written as the string "nan", since JSON has no NaN.
"""

from __future__ import annotations

import json
import math
from typing import Any

from domain.detections import Detection
from domain.event_log import Sequenced
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
from drone_ai.errors import RecordingFormatError


def encode_line(logged: Sequenced[FlightEvent]) -> bytes:
    event = logged.event
    line: dict[str, Any] = {"sequence": logged.sequence, "logged_us": logged.logged_us}
    if isinstance(event, FrameResult):
        line |= {
            "kind": "frame",
            "frame_time_us": event.frame_time_us,
            "telemetry_age_us": event.telemetry_age_us,
            "received_us": event.received_us,
            "platform": _position(event.platform),
            "footprint": [_position(p) for p in event.footprint],
            "detections": [_located(d) for d in event.detections],
        }
    elif isinstance(event, TrackUpdate):
        line |= {
            "kind": "track",
            "track_id": event.track_id,
            "label": event.label,
            "state": event.state.value,
            "frame_time_us": event.frame_time_us,
            "box": list(event.box),
            "position": _position(event.position),
            "speed_m_s": event.speed_m_s,
            "course_deg": _number(event.course_deg),
        }
    else:
        line |= {"kind": "status", "state": event.state.value, "detail": event.detail}
    return json.dumps(line, separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n"


def decode_line(line: bytes) -> Sequenced[FlightEvent]:
    """RecordingFormatError, saying what was expected, for a line that is not one of ours."""
    try:
        fields = json.loads(line)
        kind = fields["kind"]
        if kind == "frame":
            event: FlightEvent = FrameResult(
                int(fields["frame_time_us"]),
                int(fields["telemetry_age_us"]),
                _decoded_position(fields["platform"]),
                tuple(_required_position(p) for p in fields["footprint"]),
                tuple(_decoded_located(d) for d in fields["detections"]),
                int(fields["received_us"]),
            )
        elif kind == "track":
            event = TrackUpdate(
                int(fields["track_id"]),
                str(fields["label"]),
                TrackState(fields["state"]),
                int(fields["frame_time_us"]),
                _box(fields["box"]),
                _decoded_position(fields["position"]),
                _optional_float(fields["speed_m_s"]),
                _optional_float(fields["course_deg"]),
            )
        elif kind == "status":
            event = StatusChange(FlightState(fields["state"]), str(fields["detail"]))
        else:
            raise ValueError(f"kind {kind!r}")
        return Sequenced(int(fields["sequence"]), int(fields["logged_us"]), event)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        shown = line[:80].decode("utf-8", "replace")
        raise RecordingFormatError(
            f"events line: a JSON event of kind frame, track or status expected, got "
            f"{shown!r} ({type(exc).__name__}: {exc})"
        ) from exc


def _number(value: float | None) -> float | str | None:
    return "nan" if value is not None and math.isnan(value) else value


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)  # float("nan") reads "nan" back


def _position(position: GeoPosition | None) -> list[float] | None:
    return None if position is None else [position.lat_deg, position.lon_deg, position.hae_m]


def _decoded_position(value: Any) -> GeoPosition | None:
    return None if value is None else _required_position(value)


def _required_position(value: Any) -> GeoPosition:
    lat_deg, lon_deg, hae_m = value
    return GeoPosition(float(lat_deg), float(lon_deg), float(hae_m))


def _box(value: Any) -> tuple[float, float, float, float]:
    x_min, y_min, x_max, y_max = value
    return (float(x_min), float(y_min), float(x_max), float(y_max))


def _located(located: LocatedDetection) -> dict[str, Any]:
    d = located.detection
    return {
        "box": [d.x_min, d.y_min, d.x_max, d.y_max],
        "class_id": d.class_id,
        "label": d.label,
        "score": d.score,
        "track_id": located.track_id,
        "position": _position(located.position),
        "horizontal_error_m": located.horizontal_error_m,
        "method": None if located.method is None else located.method.name.lower(),
    }


def _decoded_located(value: Any) -> LocatedDetection:
    x_min, y_min, x_max, y_max = _box(value["box"])
    detection = Detection(
        x_min,
        y_min,
        x_max,
        y_max,
        int(value["class_id"]),
        str(value["label"]),
        float(value["score"]),
    )
    method = value["method"]
    return LocatedDetection(
        detection,
        None if value["track_id"] is None else int(value["track_id"]),
        _decoded_position(value["position"]),
        _optional_float(value["horizontal_error_m"]),
        None if method is None else Method[str(method).upper()],
    )
