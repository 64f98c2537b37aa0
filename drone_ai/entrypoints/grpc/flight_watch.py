"""A partner's view of one flight over gRPC: start it, then follow its events read into plain
values (what a frame showed and where, how tracks moved, how the flight ended), so that code
outside this package needs no protobuf.

Units as on the wire: times in UTC microseconds, WGS-84 degrees, heights above the ellipsoid
and lengths in metres, speeds in m/s. A field the wire leaves unset (a detection with no track
or no ground point, a track with no velocity yet) is None here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc

from domain.flight_events import FlightState, GeoPosition
from domain.tracking import TrackState
from drone_ai.entrypoints.grpc import subscriber
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc

_FLIGHT_STATES = {
    pb.FLIGHT_STATE_STARTING: FlightState.STARTING,
    pb.FLIGHT_STATE_LIVE: FlightState.LIVE,
    pb.FLIGHT_STATE_DEGRADED: FlightState.DEGRADED,
    pb.FLIGHT_STATE_STOPPED: FlightState.STOPPED,
    pb.FLIGHT_STATE_FAILED: FlightState.FAILED,
}
_TRACK_STATES = {
    pb.TRACK_STATE_CONFIRMED: TrackState.CONFIRMED,
    pb.TRACK_STATE_LOST: TrackState.LOST,
    pb.TRACK_STATE_ENDED: TrackState.ENDED,
}


@dataclass(frozen=True, slots=True)
class SeenDetection:
    label: str
    score: float
    track_id: int | None
    position: GeoPosition | None
    horizontal_error_m: float | None  # one sigma; None without a position


@dataclass(frozen=True, slots=True)
class SeenFrame:
    sequence: int
    frame_time_us: int
    footprint: tuple[GeoPosition, ...]  # image corners in order; empty when not on the ground
    detections: tuple[SeenDetection, ...]


@dataclass(frozen=True, slots=True)
class SeenTrack:
    sequence: int
    track_id: int
    label: str
    state: TrackState | None  # None: a state this client does not know
    frame_time_us: int
    position: GeoPosition | None
    speed_m_s: float | None


@dataclass(frozen=True, slots=True)
class SeenStatus:
    sequence: int
    state: FlightState | None  # None: a state this client does not know
    detail: str


@dataclass(frozen=True, slots=True)
class SeenGap:
    first_sequence: int
    last_sequence: int


SeenEvent = SeenFrame | SeenTrack | SeenStatus | SeenGap


def start_flight(address: str, flight_id: str, video_uri: str, timeout_s: float = 30.0) -> None:
    """StartFlight on the tower at `address` (plaintext); its errors come as grpc.RpcError."""
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.TowerStub(channel)  # type: ignore[no-untyped-call]  # protoc's code
        stub.StartFlight(
            pb.StartFlightRequest(flight_id=flight_id, video_uri=video_uri), timeout=timeout_s
        )


def watch(address: str, flight_id: str) -> Iterator[SeenEvent]:
    """The flight's events from its first on, until it reports that it ended."""
    for event in subscriber.events(address, [flight_id]):
        yield seen(event)


def seen(event: Any) -> SeenEvent:
    """One FlightEvent message as a plain value."""
    kind = event.WhichOneof("event")
    if kind == "frame":
        f = event.frame
        return SeenFrame(
            event.sequence,
            f.frame_time_us,
            tuple(_position(corner) for corner in f.footprint),
            tuple(_detection(d) for d in f.detections),
        )
    if kind == "track":
        t = event.track
        return SeenTrack(
            event.sequence,
            t.track_id,
            t.label,
            _TRACK_STATES.get(t.state),
            t.frame_time_us,
            _position(t.position) if t.HasField("position") else None,
            t.speed_m_s if t.has_velocity else None,
        )
    if kind == "status":
        return SeenStatus(
            event.sequence, _FLIGHT_STATES.get(event.status.state), event.status.detail
        )
    return SeenGap(event.gap.first_sequence, event.gap.last_sequence)


def _detection(d: Any) -> SeenDetection:
    placed = d.HasField("position")
    return SeenDetection(
        d.label,
        d.score,
        d.track_id or None,  # track ids start at 1: 0 is "none yet"
        _position(d.position) if placed else None,
        d.horizontal_error_m if placed else None,
    )


def _position(point: Any) -> GeoPosition:
    return GeoPosition(point.lat_deg, point.lon_deg, point.hae_m)
