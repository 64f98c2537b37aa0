from dataclasses import replace

from domain.event_log import Sequenced
from domain.flight_events import FlightEvent, FrameResult, LocatedDetection
from drone_ai.entrypoints.grpc.servicer import _Messages
from tests.fake_tower import CAR


def test_an_event_is_built_once_and_a_filtered_copy_for_itself() -> None:
    frame = FrameResult(1, 0, None, (), (LocatedDetection(CAR, 1, None, None, None),))
    logged: Sequenced[FlightEvent] = Sequenced(5, 10, frame)
    messages = _Messages(size=2)
    first = messages.get("f1", logged)
    assert messages.get("f1", logged) is first  # the second subscriber's: the same message
    filtered = replace(logged, event=replace(frame, detections=()))
    narrowed = messages.get("f1", filtered)
    assert narrowed is not first and len(narrowed.frame.detections) == 0
    assert len(first.frame.detections) == 1
    for sequence in (6, 7):  # the oldest go past the size
        messages.get("f1", Sequenced(sequence, 10, frame))
    assert messages.get("f1", logged) is not first
