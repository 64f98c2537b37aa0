import math

import pytest

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
from drone_ai.adapters.recording.event_lines import decode_line, encode_line
from drone_ai.errors import RecordingFormatError

HERE = GeoPosition(38.1612345678, -77.3456789012, 61.25)
CAR = Detection(10.5, 20.25, 40.0, 35.75, 2, "car", 0.875)
EVENTS: list[FlightEvent] = [
    FrameResult(
        1_700_000_000_033_333,
        12_000,
        GeoPosition(38.16, -77.35, 660.0),
        (HERE, HERE, HERE, HERE),
        (
            LocatedDetection(CAR, 3, HERE, 4.5, Method.POSE_DEM),
            LocatedDetection(CAR, None, None, None, None),
        ),
        1_700_000_000_040_000,
    ),
    FrameResult(5, 0, None, (), ()),
    TrackUpdate(3, "car", TrackState.CONFIRMED, 7, (1.0, 2.0, 3.0, 4.0), HERE, 12.5, 271.25),
    TrackUpdate(4, "person", TrackState.ENDED, 8, (1.0, 2.0, 3.0, 4.0), None, None, None),
    StatusChange(FlightState.DEGRADED, "video reconnecting: the peer ended the stream"),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_reads_back_equal(event: FlightEvent) -> None:
    logged = Sequenced(42, 1_700_000_000_050_000, event)
    line = encode_line(logged)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode_line(line) == logged


def test_a_still_track_s_nan_course_survives_json() -> None:
    still = TrackUpdate(1, "car", TrackState.CONFIRMED, 7, (0, 0, 1, 1), HERE, 0.0, math.nan)
    decoded = decode_line(encode_line(Sequenced(1, 2, still))).event
    assert isinstance(decoded, TrackUpdate) and decoded.course_deg is not None
    assert math.isnan(decoded.course_deg)


@pytest.mark.parametrize(
    "line",
    [
        b"not json\n",
        b'{"kind": "frame"}\n',
        b'{"sequence": 1, "logged_us": 2, "kind": "x"}\n',
        b"[]",
    ],
)
def test_a_line_that_is_not_an_event_is_a_clear_error(line: bytes) -> None:
    with pytest.raises(RecordingFormatError, match="a JSON event of kind frame, track or status"):
        decode_line(line)
