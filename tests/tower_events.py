"""What several tower tests share: the tower on 127.0.0.1 with a stub to it, following a
flight's events to its end, and comparing events without what the wall clock decides."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import grpc

from drone_ai import bootstrap
from drone_ai.config import Settings
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from drone_ai.entrypoints.grpc.server import build_server


@contextmanager
def tower(settings: Settings) -> Iterator[pb_grpc.TowerStub]:
    """The tower as `serve` builds it (detection pool, flight control, gRPC on 127.0.0.1)."""
    with bootstrap.detection_pool(settings) as pool:
        server = build_server(bootstrap.flight_control(settings, pool), subscriber_wait_s=0.05)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                yield pb_grpc.TowerStub(channel)
        finally:
            server.stop(grace=None)


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
