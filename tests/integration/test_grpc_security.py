"""TLS with a certificate authority made in the test, and per-partner tokens: each caller gets
the status code its credentials earn."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from domain.access import Partner, token_digest
from domain.flight_events import FlightEvent, FlightState, StatusChange
from drone_ai.adapters.event_log.in_memory import InMemoryEventLog, wall_clock_us
from drone_ai.adapters.event_log.news import NewsBell
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from drone_ai.entrypoints.grpc.server import build_server, tls_credentials
from drone_ai.services.access import AccessPolicy
from drone_ai.services.flights import FlightDirectory, FlightRecord
from drone_ai.services.rate_limit import RequestLimiter
from tests.fake_tower import control_without_inputs
from tests.tls_certificates import TestAuthority

ACME_TOKEN = "acme-secret-token"
OTHER_TOKEN = "other-secret-token"
PARTNERS = [
    Partner("acme", token_digest(ACME_TOKEN), ("ops-*",)),
    Partner("other", token_digest(OTHER_TOKEN), ("lab-*",)),
]


def tower(
    client_ca: TestAuthority | None = None, limiter: RequestLimiter | None = None
) -> tuple[grpc.Server, int, TestAuthority]:
    authority = TestAuthority()
    issued = authority.issue("localhost")
    flights = FlightDirectory(NewsBell())
    for flight_id in ("ops-1", "lab-1"):
        log: InMemoryEventLog[FlightEvent] = InMemoryEventLog(100, 3_600.0, news=flights.news)
        log.append(StatusChange(FlightState.LIVE, ""))
        flights.add(FlightRecord(flight_id, wall_clock_us(), log, FlightState.LIVE))
    control = control_without_inputs(flights, max_events=100, max_age_s=3_600.0)
    server = build_server(control, AccessPolicy(PARTNERS), subscriber_wait_s=0.05, limiter=limiter)
    credentials = tls_credentials(
        issued.cert_pem, issued.key_pem, None if client_ca is None else client_ca.cert_pem
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    return server, port, authority


@pytest.fixture
def tls_tower() -> Iterator[tuple[int, TestAuthority]]:
    server, port, authority = tower()
    yield port, authority
    server.stop(grace=None)


def get(port: int, authority: TestAuthority, flight_id: str, token: str | None) -> pb.Flight:
    credentials = grpc.ssl_channel_credentials(root_certificates=authority.cert_pem)
    metadata = [] if token is None else [("authorization", f"Bearer {token}")]
    with grpc.secure_channel(f"localhost:{port}", credentials) as channel:
        return pb_grpc.TowerStub(channel).GetFlight(
            pb.GetFlightRequest(flight_id=flight_id), metadata=metadata, timeout=10
        )


def test_a_partner_with_its_token_sees_its_flight_over_tls(tls_tower) -> None:
    port, authority = tls_tower
    assert get(port, authority, "ops-1", ACME_TOKEN).state == pb.FLIGHT_STATE_LIVE


@pytest.mark.parametrize(
    ("token", "flight_id", "code"),
    [
        (None, "ops-1", grpc.StatusCode.UNAUTHENTICATED),
        ("not-a-token", "ops-1", grpc.StatusCode.UNAUTHENTICATED),
        (OTHER_TOKEN, "ops-1", grpc.StatusCode.PERMISSION_DENIED),
    ],
    ids=["no token", "wrong token", "another partner's flight"],
)
def test_callers_without_the_right_token_get_their_status(
    tls_tower, token, flight_id, code
) -> None:
    port, authority = tls_tower
    with pytest.raises(grpc.RpcError) as error:
        get(port, authority, flight_id, token)
    assert error.value.code() is code
    assert ACME_TOKEN not in error.value.details() and OTHER_TOKEN not in error.value.details()


def test_a_partner_lists_only_the_flights_it_may_see(tls_tower) -> None:
    port, authority = tls_tower
    credentials = grpc.ssl_channel_credentials(root_certificates=authority.cert_pem)
    with grpc.secure_channel(f"localhost:{port}", credentials) as channel:
        listed = pb_grpc.TowerStub(channel).ListFlights(
            pb.ListFlightsRequest(), metadata=[("authorization", f"Bearer {OTHER_TOKEN}")]
        )
    assert [f.flight_id for f in listed.flights] == ["lab-1"]


def test_a_subscription_to_every_flight_gets_only_the_partner_s_own(tls_tower) -> None:
    port, authority = tls_tower
    credentials = grpc.ssl_channel_credentials(root_certificates=authority.cert_pem)
    metadata = [("authorization", f"Bearer {OTHER_TOKEN}")]
    with grpc.secure_channel(f"localhost:{port}", credentials) as channel:
        stub = pb_grpc.TowerStub(channel)
        stream = stub.Subscribe(pb.SubscribeRequest(), metadata=metadata, timeout=10)
        first = next(stream)
        stream.cancel()
        listed = stub.Subscribe(
            pb.SubscribeRequest(flight_ids=["lab-1", "ops-1"]), metadata=metadata, timeout=10
        )
        with pytest.raises(grpc.RpcError) as error:
            next(listed)
        resumed = stub.Subscribe(
            pb.SubscribeRequest(after_sequences={"ops-1": 0}), metadata=metadata, timeout=10
        )
        with pytest.raises(grpc.RpcError) as resume_error:
            next(resumed)
    assert first.flight_id == "lab-1"
    assert error.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert resume_error.value.code() is grpc.StatusCode.PERMISSION_DENIED


def test_a_client_that_does_not_trust_the_server_s_ca_cannot_connect(tls_tower) -> None:
    port, _ = tls_tower
    stranger = TestAuthority("another CA")
    with pytest.raises(grpc.RpcError) as error:
        get(port, stranger, "ops-1", ACME_TOKEN)
    assert error.value.code() is grpc.StatusCode.UNAVAILABLE


def test_with_mutual_tls_a_client_needs_a_certificate_the_client_ca_signed() -> None:
    clients = TestAuthority("client CA")
    server, port, authority = tower(client_ca=clients)
    try:
        issued = clients.issue("partner-acme", server=False)
        with_cert = grpc.ssl_channel_credentials(
            authority.cert_pem, issued.key_pem, issued.cert_pem
        )
        metadata = [("authorization", f"Bearer {ACME_TOKEN}")]
        with grpc.secure_channel(f"localhost:{port}", with_cert) as channel:
            flight = pb_grpc.TowerStub(channel).GetFlight(
                pb.GetFlightRequest(flight_id="ops-1"), metadata=metadata, timeout=10
            )
        assert flight.flight_id == "ops-1"
        with pytest.raises(grpc.RpcError) as error:
            get(port, authority, "ops-1", ACME_TOKEN)  # no client certificate
        assert error.value.code() is grpc.StatusCode.UNAVAILABLE
    finally:
        server.stop(grace=None)


def test_a_partner_over_its_rate_is_held_back_alone_and_guessing_is_slowed() -> None:
    # A rate no test run refills noticeably: the bursts are what is measured.
    server, port, authority = tower(limiter=RequestLimiter(rate_per_s=0.001, burst=3))
    try:
        codes = []
        for token in [ACME_TOKEN] * 4 + [OTHER_TOKEN] + [f"guess-{n}" for n in range(4)]:
            flight_id = "lab-1" if token == OTHER_TOKEN else "ops-1"
            try:
                get(port, authority, flight_id, token)
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as exc:
                codes.append(exc.code())
    finally:
        server.stop(grace=None)
    ok, limited, denied = (
        grpc.StatusCode.OK,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.UNAUTHENTICATED,
    )
    # acme: a burst of 3, then held back; the other partner has its own rate; wrong tokens
    # are counted against the caller's address: three guesses, then no more answers.
    assert codes == [ok, ok, ok, limited, ok, denied, denied, denied, limited]
