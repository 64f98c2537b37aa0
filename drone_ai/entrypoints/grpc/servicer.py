"""The Tower service over gRPC: a thin layer from requests to the services and back, errors as
status codes from one table (STYLE.md).

In progress (issue 7): StartFlight, StopFlight, GetFlight, ListFlights and Subscribe work;
ReplayFlight answers UNIMPLEMENTED until recording arrives (issue 8). Subscribe follows one
flight per call for now (several or all flights are refused with INVALID_ARGUMENT, saying so).
Start's record and detector_profile options are not acted on yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NoReturn

import grpc

from domain.access import Partner
from domain.errors import InvalidValueError
from domain.event_log import Gap
from drone_ai.entrypoints.grpc import mappers
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from drone_ai.errors import (
    DroneAIError,
    FlightExistsError,
    InvalidRequestError,
    PermissionDeniedError,
    PoolCapacityError,
    SubscriberBehindError,
    UnauthenticatedError,
    UnknownFlightError,
)
from drone_ai.services.access import AccessPolicy
from drone_ai.services.flight_control import FlightControl
from drone_ai.services.flights import FlightRecord
from drone_ai.services.subscription import follow


class TowerServicer(pb_grpc.TowerServicer):
    def __init__(
        self,
        control: FlightControl,
        access: AccessPolicy | None = None,
        subscriber_wait_s: float = 1.0,
    ) -> None:
        """`access` None: every caller may do everything (loopback development only)."""
        self._flights = control.flights
        self._control = control
        self._access = access
        self._wait_s = subscriber_wait_s

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
                request.flight_id, request.video_uri, request.telemetry_uri
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
        _unimplemented(context, "ReplayFlight arrives with recording and replay (issue 8)")

    def Subscribe(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        self._partner(context)  # who asks comes before what is asked
        if len(request.flight_ids) != 1:
            _abort(
                context,
                grpc.StatusCode.INVALID_ARGUMENT,
                f"flight_ids: expected exactly one flight for now, got {len(request.flight_ids)}",
            )
        self._allow(context, request.flight_ids[0])
        record = self._find(request.flight_ids[0], context)
        try:
            event_filter = mappers.event_filter(request)
        except InvalidRequestError as exc:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        try:
            items = follow(record.log, request.after_sequence, event_filter, wait_s=self._wait_s)
            for item in items:
                if not context.is_active():
                    return
                if item is None:
                    continue  # no news: looked again whether the subscriber is still there
                if isinstance(item, Gap):
                    yield mappers.gap_notice(record.flight_id, item)
                else:
                    yield mappers.flight_event(record.flight_id, item)
        except InvalidValueError as exc:
            _abort(context, grpc.StatusCode.OUT_OF_RANGE, str(exc))
        except SubscriberBehindError as exc:
            _abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))

    def _partner(self, context: grpc.ServicerContext) -> Partner | None:
        """The calling partner, or None when access is open; aborts UNAUTHENTICATED."""
        if self._access is None:
            return None
        metadata = dict(context.invocation_metadata())
        scheme, _, token = str(metadata.get("authorization", "")).partition(" ")
        try:
            return self._access.authenticate(token if scheme.lower() == "bearer" else None)
        except UnauthenticatedError as exc:
            _abort(context, grpc.StatusCode.UNAUTHENTICATED, str(exc))

    def _allow(self, context: grpc.ServicerContext, flight_id: str) -> None:
        """Aborts UNAUTHENTICATED or PERMISSION_DENIED unless the caller may use the flight."""
        partner = self._partner(context)
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


def _status_of(error: DroneAIError) -> grpc.StatusCode:
    """The one table from the application's errors to status codes."""
    if isinstance(error, FlightExistsError):
        return grpc.StatusCode.ALREADY_EXISTS
    if isinstance(error, UnknownFlightError):
        return grpc.StatusCode.NOT_FOUND
    if isinstance(error, (PoolCapacityError, SubscriberBehindError)):
        return grpc.StatusCode.RESOURCE_EXHAUSTED
    return grpc.StatusCode.INVALID_ARGUMENT  # a bad id, an input that cannot be opened


def _unimplemented(context: grpc.ServicerContext, why: str) -> NoReturn:
    _abort(context, grpc.StatusCode.UNIMPLEMENTED, why)


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str) -> NoReturn:
    context.abort(code, message)
    raise AssertionError("unreachable: grpc's abort raises")  # for the type checker
