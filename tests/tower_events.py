"""What several tower tests do with a flight's events: follow them to the flight's end, and
compare them without what the wall clock decides."""

from __future__ import annotations

from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc


def follow(stub: pb_grpc.TowerStub, flight_id: str) -> list[pb.FlightEvent]:
    events = []
    for event in stub.Subscribe(pb.SubscribeRequest(flight_ids=[flight_id]), timeout=60):
        events.append(event)
        if event.status.state in (pb.FLIGHT_STATE_STOPPED, pb.FLIGHT_STATE_FAILED):
            break
    return events


def without_clock(event: pb.FlightEvent) -> pb.FlightEvent:
    """The event less what the wall clock and the flight's id decide."""
    copy = pb.FlightEvent()
    copy.CopyFrom(event)
    copy.flight_id = ""
    copy.logged_us = 0
    if copy.HasField("frame"):
        copy.frame.received_us = 0
    return copy


def results_of(events: list[pb.FlightEvent]) -> list[bytes]:
    """Frame results and track updates, as bytes to compare, without wall-clock fields."""
    return [
        without_clock(e).SerializeToString(deterministic=True)
        for e in events
        if e.HasField("frame") or e.HasField("track")
    ]
