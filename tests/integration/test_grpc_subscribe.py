"""The Tower service over real gRPC on 127.0.0.1: flights listed, a subscriber cut off and
resumed gets every event exactly once, evicted events come as a gap notice, errors arrive as
status codes, and a client with none of our generated code finds the service by reflection."""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from domain.flight_events import FlightEvent, FlightState, FrameResult
from drone_ai.adapters.event_log.in_memory import InMemoryEventLog
from drone_ai.adapters.event_log.news import NewsBell
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from drone_ai.entrypoints.grpc.server import build_server
from drone_ai.services.flights import FlightDirectory, FlightRecord
from tests.fake_tower import FakeNoLanes, control_without_inputs

EVENTS = 500


@pytest.fixture
def tower() -> Iterator[tuple[FlightDirectory, str]]:
    flights = FlightDirectory(NewsBell())
    control = control_without_inputs(flights, max_events=10_000, max_age_s=3_600.0)
    server = build_server(control, subscriber_wait_s=0.05)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield flights, f"127.0.0.1:{port}"
    server.stop(grace=None)


def flight(flights: FlightDirectory, flight_id: str, max_events: int = 10_000) -> FlightRecord:
    log: InMemoryEventLog[FlightEvent] = InMemoryEventLog(max_events, 3_600.0, news=flights.news)
    record = FlightRecord(flight_id, time.time_ns() // 1_000, log, FlightState.LIVE)
    flights.add(record)
    for n in range(EVENTS):
        log.append(FrameResult(n, 0, None, (), ()))
    return record


def test_a_subscriber_cut_off_and_resumed_gets_every_event_exactly_once(tower) -> None:
    flights, address = tower
    flight(flights, "f1")
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.TowerStub(channel)
        first = stub.Subscribe(pb.SubscribeRequest(flight_ids=["f1"]))
        seen = [next(first) for _ in range(123)]
        first.cancel()  # cut off mid-flight
        last = seen[-1].sequence
        resumed = stub.Subscribe(pb.SubscribeRequest(flight_ids=["f1"], after_sequence=last))
        seen += [next(resumed) for _ in range(EVENTS - len(seen))]
        resumed.cancel()
    assert [e.sequence for e in seen] == list(range(1, EVENTS + 1))
    assert [e.frame.frame_time_us for e in seen] == list(range(EVENTS))
    assert not any(e.HasField("gap") for e in seen)


def test_evicted_events_come_first_as_a_gap_notice(tower) -> None:
    flights, address = tower
    flight(flights, "short", max_events=100)
    with grpc.insecure_channel(address) as channel:
        stream = pb_grpc.TowerStub(channel).Subscribe(
            pb.SubscribeRequest(flight_ids=["short"], after_sequence=10)
        )
        gap, first = next(stream), next(stream)
        stream.cancel()
    assert (gap.gap.first_sequence, gap.gap.last_sequence) == (11, EVENTS - 100)
    assert gap.gap.reason == pb.GAP_REASON_EVICTED
    assert first.sequence == EVENTS - 99


@pytest.mark.parametrize(
    ("request_", "code", "words"),
    [
        (pb.SubscribeRequest(flight_ids=["nope"]), grpc.StatusCode.NOT_FOUND, "no such flight"),
        (
            pb.SubscribeRequest(after_sequence=3),
            grpc.StatusCode.INVALID_ARGUMENT,
            "after_sequence: expected exactly one flight",
        ),
        (
            pb.SubscribeRequest(flight_ids=["f1", "f2"], after_sequences={"f3": 1}),
            grpc.StatusCode.INVALID_ARGUMENT,
            "only flights listed",
        ),
        (
            pb.SubscribeRequest(flight_ids=["f1"], after_sequence=EVENTS + 1),
            grpc.StatusCode.OUT_OF_RANGE,
            "after_sequence",
        ),
        (
            pb.SubscribeRequest(flight_ids=["f1"], min_score=2.0),
            grpc.StatusCode.INVALID_ARGUMENT,
            "min_score",
        ),
    ],
    ids=["unknown flight", "resume without a flight", "stray resume", "ahead", "bad score"],
)
def test_bad_subscriptions_get_their_status_code(tower, request_, code, words) -> None:
    flights, address = tower
    flight(flights, "f1")
    with grpc.insecure_channel(address) as channel, pytest.raises(grpc.RpcError) as error:
        next(pb_grpc.TowerStub(channel).Subscribe(request_))
    assert error.value.code() is code and words in error.value.details()


def test_flights_are_listed_and_health_reports_serving(tower) -> None:
    flights, address = tower
    flight(flights, "f1")
    with grpc.insecure_channel(address) as channel:
        listed = pb_grpc.TowerStub(channel).ListFlights(pb.ListFlightsRequest())
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="drone_ai.tower.v1.Tower")
        )
    [only] = listed.flights
    assert (only.flight_id, only.state, only.last_sequence) == ("f1", pb.FLIGHT_STATE_LIVE, EVENTS)
    assert health.status == health_pb2.HealthCheckResponse.SERVING


def test_a_client_without_our_code_subscribes_through_reflection(tower) -> None:
    flights, address = tower
    flight(flights, "f1")
    with grpc.insecure_channel(address) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        assert "drone_ai.tower.v1.Tower" in database.get_services()
        pool = descriptor_pool.DescriptorPool(database)
        service = pool.FindServiceByName("drone_ai.tower.v1.Tower")
        method = service.methods_by_name["Subscribe"]
        request_class = message_factory.GetMessageClass(method.input_type)
        reply_class = message_factory.GetMessageClass(method.output_type)
        call = channel.unary_stream(
            f"/{service.full_name}/Subscribe",
            request_serializer=request_class.SerializeToString,
            response_deserializer=reply_class.FromString,
        )
        stream = call(request_class(flight_ids=["f1"]))
        events = [next(stream) for _ in range(3)]
        stream.cancel()
    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[0].DESCRIPTOR.full_name == "drone_ai.tower.v1.FlightEvent"


def test_a_stalled_subscriber_does_not_hold_up_another(tower) -> None:
    flights, address = tower
    record = flight(flights, "f1")
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.TowerStub(channel)
        stalled = stub.Subscribe(pb.SubscribeRequest(flight_ids=["f1"]))
        next(stalled)  # it reads one event, then nothing more
        for n in range(EVENTS, 4 * EVENTS):  # the flight goes on meanwhile
            record.log.append(FrameResult(n, 0, None, (), ()))
        began = time.monotonic()
        brisk = stub.Subscribe(pb.SubscribeRequest(flight_ids=["f1"]))
        got = [next(brisk).sequence for _ in range(4 * EVENTS)]
        elapsed_s = time.monotonic() - began
        brisk.cancel()
        stalled.cancel()
    assert got == list(range(1, 4 * EVENTS + 1))
    assert elapsed_s < 10.0, elapsed_s


def test_a_subscription_to_every_flight_takes_in_new_ones_and_resumes_each(tower) -> None:
    flights, address = tower
    flight(flights, "f1")
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.TowerStub(channel)
        stream = stub.Subscribe(pb.SubscribeRequest())  # every flight, now and later
        got = [next(stream) for _ in range(EVENTS)]
        flight(flights, "f2")  # starts while the subscriber waits
        got += [next(stream) for _ in range(EVENTS)]
        stream.cancel()
        # Cut off: resume both flights from where this subscriber got to.
        last = {"f1": 123, "f2": 45}
        resumed = stub.Subscribe(pb.SubscribeRequest(after_sequences=last))
        again = [next(resumed) for _ in range(2 * EVENTS - 123 - 45)]
        resumed.cancel()
    for flight_id in ("f1", "f2"):
        assert [e.sequence for e in got if e.flight_id == flight_id] == list(range(1, EVENTS + 1))
        sequences = [e.sequence for e in again if e.flight_id == flight_id]
        assert sequences == list(range(last[flight_id] + 1, EVENTS + 1))


def test_two_listed_flights_interleave_without_starving_one(tower) -> None:
    flights, address = tower
    flight(flights, "f1")
    flight(flights, "f2")
    with grpc.insecure_channel(address) as channel:
        stream = pb_grpc.TowerStub(channel).Subscribe(pb.SubscribeRequest(flight_ids=["f2", "f1"]))
        first_pages = [next(stream).flight_id for _ in range(400)]
        stream.cancel()
    # Each turn reads a page (256) of each flight: f2's events come before f1's are done.
    assert set(first_pages) == {"f1", "f2"}


@pytest.mark.parametrize(
    ("request_", "code", "words"),
    [
        (
            pb.StartFlightRequest(flight_id="f9", video_uri="x.ts", record=True),
            grpc.StatusCode.UNIMPLEMENTED,
            "record:",
        ),
        (
            pb.StartFlightRequest(flight_id="f9", video_uri="x.ts", detector_profile="yolo"),
            grpc.StatusCode.INVALID_ARGUMENT,
            "detector_profile: expected 'motion'",
        ),
        (
            pb.StartFlightRequest(flight_id="f9", video_uri="x.ts"),
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "no detection in these tests",
        ),
    ],
    ids=["record", "unknown detector", "no capacity"],
)
def test_flights_that_cannot_start_get_their_status_code(tower, request_, code, words) -> None:
    _, address = tower
    with grpc.insecure_channel(address) as channel, pytest.raises(grpc.RpcError) as error:
        pb_grpc.TowerStub(channel).StartFlight(request_)
    assert error.value.code() is code and words in error.value.details()


class BreakingLanes(FakeNoLanes):
    """Lanes whose workers stop being able to start, then recover."""

    def __init__(self) -> None:
        self.why: str | None = None

    def out_of_service(self) -> str | None:
        return self.why


def test_health_follows_whether_the_tower_can_run_flights() -> None:
    lanes = BreakingLanes()
    flights = FlightDirectory(NewsBell())
    control = control_without_inputs(flights, lanes)
    server = build_server(control, health_check_s=0.02)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    seen = []
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            request = health_pb2.HealthCheckRequest(service="drone_ai.tower.v1.Tower")
            for why in (None, "detection pool out of service: workers cannot start", None):
                lanes.why = why
                time.sleep(0.3)
                seen.append(stub.Check(request).status)
    finally:
        server.stop(grace=None)
    serving, not_serving = (
        health_pb2.HealthCheckResponse.SERVING,
        health_pb2.HealthCheckResponse.NOT_SERVING,
    )
    assert seen == [serving, not_serving, serving]
