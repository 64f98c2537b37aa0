"""The Tower service over gRPC: a thin layer from requests to the services and back, errors as
status codes from one table (STYLE.md).

Subscribe follows one flight by waiting on its log, several (or all the caller may see)
through the tower's news.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, NoReturn

import grpc

from domain.access import Partner
from domain.errors import InvalidValueError
from domain.event_log import Gap, Sequenced
from domain.flight_events import FlightEvent, FrameResult
from drone_ai.entrypoints.grpc import mappers
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from drone_ai.errors import (
    DroneAIError,
    FlightExistsError,
    InvalidRequestError,
    NotAvailableError,
    PermissionDeniedError,
    PoolCapacityError,
    RateLimitedError,
    RecordingBusyError,
    RecordingError,
    RecordingFormatError,
    SubscriberBehindError,
    UnauthenticatedError,
    UnknownFlightError,
)
from drone_ai.ports import FlightEventLog, TowerMetrics
from drone_ai.services.access import AccessPolicy
from drone_ai.services.flight_control import FlightControl
from drone_ai.services.flights import FlightRecord
from drone_ai.services.metrics import QuietMetrics
from drone_ai.services.rate_limit import RequestLimiter
from drone_ai.services.subscription import follow, follow_flights

LOG = logging.getLogger(__name__)
BACKLOG_EVERY_US = 500_000  # how often a subscriber's backlog gauge is brought up to date


class TowerServicer(pb_grpc.TowerServicer):
    def __init__(
        self,
        control: FlightControl,
        access: AccessPolicy | None = None,
        subscriber_wait_s: float = 1.0,
        *,
        metrics: TowerMetrics | None = None,
        limiter: RequestLimiter | None = None,
    ) -> None:
        """`access` None: every caller may do everything (loopback development only);
        `limiter` None: no request rate limit."""
        self._flights = control.flights
        self._control = control
        self._access = access
        self._wait_s = subscriber_wait_s
        self._metrics = metrics or QuietMetrics()
        self._limiter = limiter
        self._subscriptions = itertools.count(1)
        self._backlog_at_us: dict[str, int] = {}  # per subscription, its gauge's last update
        self._messages = _Messages()

    def GetFlight(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._allow(context, request.flight_id)
        return mappers.flight(self._find(request.flight_id, context))

    def ListFlights(self, request: Any, context: grpc.ServicerContext) -> Any:
        partner = self._partner(context)
        visible = [
            r for r in self._flights.all() if partner is None or partner.may_see(r.flight_id)
        ]
        return pb.ListFlightsResponse(flights=[mappers.flight(r) for r in visible])

    def StartFlight(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._allow(context, request.flight_id)
        try:
            record = self._control.start(
                request.flight_id,
                request.video_uri,
                request.telemetry_uri,
                request.detector_profile,
                request.record,
            )
        except DroneAIError as exc:
            _abort(context, _status_of(exc), str(exc))
        return mappers.flight(record)

    def StopFlight(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._allow(context, request.flight_id)
        try:
            return mappers.flight(self._control.stop(request.flight_id))
        except DroneAIError as exc:
            _abort(context, _status_of(exc), str(exc))

    def ReplayFlight(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._allow(context, request.flight_id)
        recorded_flight = request.recording_id.partition("/")[0]
        self._allow(context, recorded_flight)  # a partner replays only what it may see
        try:
            record = self._control.replay(
                request.flight_id,
                request.recording_id,
                request.speed,
                results=request.mode == pb.REPLAY_MODE_RESULTS,
            )
        except DroneAIError as exc:
            _abort(context, _status_of(exc), str(exc))
        return mappers.flight(record)

    def Subscribe(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        partner = self._partner(context)  # who asks comes before what is asked
        items = self._followed(request, partner, context)
        listed = list(dict.fromkeys(request.flight_ids))
        subscription = f"{'open' if partner is None else partner.name}#{next(self._subscriptions)}"
        LOG.info(
            "subscriber opened",
            extra={
                "subscription": subscription,
                "flights": listed or "all",
                "peer": context.peer(),
            },
        )
        ended = "cancelled"
        try:
            for item in items:
                if not context.is_active():
                    return
                if item is None:
                    continue  # no news: looked again whether the subscriber is still there
                flight_id, logged = item
                if isinstance(logged, Gap):
                    yield mappers.gap_notice(flight_id, logged)
                    continue
                message = self._messages.get(flight_id, logged)
                self._delivered(subscription, flight_id, logged.sequence, logged.event)
                yield message
        except InvalidValueError as exc:
            ended = "out of range"
            _abort(context, grpc.StatusCode.OUT_OF_RANGE, str(exc))
        except SubscriberBehindError as exc:
            ended = "behind"
            _abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
        finally:
            self._backlog_at_us.pop(subscription, None)
            self._metrics.subscriber_backlog(subscription, None)
            LOG.info("subscriber closed", extra={"subscription": subscription, "reason": ended})

    def _followed(
        self, request: Any, partner: Partner | None, context: grpc.ServicerContext
    ) -> Iterator[tuple[str, Sequenced[FlightEvent] | Gap] | None]:
        """What a subscription follows, checked: one flight waiting on its own log, several
        (or every one the partner may see) through the tower's news."""
        try:
            event_filter = mappers.event_filter(request)
            resume = mappers.resume_points(request)
        except InvalidRequestError as exc:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        listed = list(dict.fromkeys(request.flight_ids))
        for flight_id in listed or list(resume):
            self._require(context, partner, flight_id)
            self._find(flight_id, context)
        if len(listed) != 1:
            return follow_flights(
                lambda: self._logs(partner, listed),
                self._flights.news,
                resume,
                event_filter,
                wait_s=self._wait_s,
            )
        record = self._find(listed[0], context)
        one = follow(record.log, resume.get(record.flight_id, 0), event_filter, wait_s=self._wait_s)
        return (None if item is None else (record.flight_id, item) for item in one)

    def _delivered(
        self, subscription: str, flight_id: str, sequence: int, event: FlightEvent
    ) -> None:
        """An event is about to enter a subscriber's stream: its latency, and now and then
        the subscriber's backlog (each look takes two locks; the gauge needs no more)."""
        now_us = time.time_ns() // 1_000
        if isinstance(event, FrameResult) and event.received_us:
            self._metrics.event_delivered(max(0, now_us - event.received_us) / 1e6)
        if now_us - self._backlog_at_us.get(subscription, 0) < BACKLOG_EVERY_US:
            return
        self._backlog_at_us[subscription] = now_us
        record = self._flights.get(flight_id)
        if record is not None:
            self._metrics.subscriber_backlog(subscription, record.log.last_sequence - sequence)

    def _logs(
        self, partner: Partner | None, listed: list[str]
    ) -> list[tuple[str, FlightEventLog[FlightEvent]]]:
        """The logs a subscription follows now: those listed, or every flight it may see."""
        if listed:
            records = [r for r in map(self._flights.get, listed) if r is not None]
        else:
            records = [
                r for r in self._flights.all() if partner is None or partner.may_see(r.flight_id)
            ]
        return [(r.flight_id, r.log) for r in records]

    def _partner(self, context: grpc.ServicerContext) -> Partner | None:
        """The calling partner, or None when access is open; aborts UNAUTHENTICATED."""
        if self._access is None:
            self._admit(context, f"address {_host(context.peer())}")
            return None
        metadata = dict(context.invocation_metadata())
        scheme, _, token = str(metadata.get("authorization", "")).partition(" ")
        try:
            partner = self._access.authenticate(token if scheme.lower() == "bearer" else None)
        except UnauthenticatedError as exc:
            # Guessing tokens costs the guesser's address its rate; the token is never logged.
            self._admit(context, f"address {_host(context.peer())}")
            LOG.warning("unauthenticated call", extra={"peer": context.peer()})
            _abort(context, grpc.StatusCode.UNAUTHENTICATED, str(exc))
        self._admit(context, f"partner {partner.name}")
        return partner

    def _admit(self, context: grpc.ServicerContext, caller: str) -> None:
        if self._limiter is None:
            return
        try:
            self._limiter.admit(caller)
        except RateLimitedError as exc:
            _abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))

    def _allow(self, context: grpc.ServicerContext, flight_id: str) -> None:
        """Aborts UNAUTHENTICATED or PERMISSION_DENIED unless the caller may use the flight."""
        self._require(context, self._partner(context), flight_id)

    @staticmethod
    def _require(context: grpc.ServicerContext, partner: Partner | None, flight_id: str) -> None:
        """Aborts PERMISSION_DENIED unless the (authenticated) partner may use the flight."""
        if partner is None:
            return
        try:
            AccessPolicy.require(partner, flight_id)
        except PermissionDeniedError as exc:
            _abort(context, grpc.StatusCode.PERMISSION_DENIED, str(exc))

    def _find(self, flight_id: str, context: grpc.ServicerContext) -> FlightRecord:
        record = self._flights.get(flight_id)
        if record is None:
            _abort(context, grpc.StatusCode.NOT_FOUND, f"flight {flight_id!r}: no such flight")
        return record


class _Messages:
    """Each event's message built once for all its subscribers, not once per subscriber
    (fan-out is the tower's hot path: bench/tower.py). An event a subscriber's filters
    changed is a different object and is built for it alone."""

    def __init__(self, size: int = 4_096) -> None:
        self._size = size
        self._built: OrderedDict[tuple[str, int], tuple[FlightEvent, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, flight_id: str, logged: Sequenced[FlightEvent]) -> Any:
        key = (flight_id, logged.sequence)
        with self._lock:
            built = self._built.get(key)
        if built is not None and built[0] is logged.event:
            return built[1]
        message = mappers.flight_event(flight_id, logged)
        with self._lock:
            self._built[key] = (logged.event, message)
            while len(self._built) > self._size:
                self._built.popitem(last=False)
        return message


def _status_of(error: DroneAIError) -> grpc.StatusCode:
    """The one table from the application's errors to status codes."""
    if isinstance(error, FlightExistsError):
        return grpc.StatusCode.ALREADY_EXISTS
    if isinstance(error, UnknownFlightError):
        return grpc.StatusCode.NOT_FOUND
    if isinstance(error, NotAvailableError):
        return grpc.StatusCode.UNIMPLEMENTED
    if isinstance(error, RecordingBusyError):
        return grpc.StatusCode.FAILED_PRECONDITION  # still being written: try again after
    if isinstance(error, RecordingFormatError):
        return grpc.StatusCode.DATA_LOSS  # a recording whose files differ from its manifest
    if isinstance(error, RecordingError):
        return grpc.StatusCode.NOT_FOUND  # no recording by that name
    if isinstance(error, (PoolCapacityError, SubscriberBehindError, RateLimitedError)):
        return grpc.StatusCode.RESOURCE_EXHAUSTED
    return grpc.StatusCode.INVALID_ARGUMENT  # a bad id, an input that cannot be opened


def _host(peer: str) -> str:
    """The address part of grpc's peer string ("ipv4:127.0.0.1:5555", "ipv6:[::1]:5555")."""
    return peer.partition(":")[2].rpartition(":")[0] or peer


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str) -> NoReturn:
    context.abort(code, message)
    raise AssertionError("unreachable: grpc's abort raises")  # for the type checker
