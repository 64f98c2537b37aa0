"""`drone-ai subscribe`: follow flights of a tower and print their events, one JSON object per
line (for piping), a table (for people) or GeoJSON features (for maps), until the flights end
or the reader stops.

The bearer token is read from the environment (DRONE_AI_TOKEN), never from the command line,
where other users of the machine could read it in the process list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

import grpc
from google.protobuf.json_format import MessageToDict

from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc

_ENDED = (pb.FLIGHT_STATE_STOPPED, pb.FLIGHT_STATE_FAILED)


def events(
    address: str,
    flight_ids: Sequence[str],
    after_sequence: int = 0,
    token: str | None = None,
    ca_pem: bytes | None = None,
) -> Iterator[Any]:
    """The flights' events (every flight's when none are named) from `after_sequence` on (one
    flight), until each named flight reports that it ended."""
    metadata = [] if token is None else [("authorization", f"Bearer {token}")]
    channel = (
        grpc.insecure_channel(address)
        if ca_pem is None
        else grpc.secure_channel(address, grpc.ssl_channel_credentials(root_certificates=ca_pem))
    )
    running = set(flight_ids)
    with channel:
        stub = pb_grpc.TowerStub(channel)  # type: ignore[no-untyped-call]  # protoc's code
        request = pb.SubscribeRequest(flight_ids=flight_ids, after_sequence=after_sequence)
        for event in stub.Subscribe(request, metadata=metadata):
            yield event
            if event.HasField("status") and event.status.state in _ENDED:
                running.discard(event.flight_id)
                if flight_ids and not running:
                    return


def write_json_line(event: Any, out: TextIO) -> None:
    out.write(json.dumps(MessageToDict(event, preserving_proto_field_name=True)) + "\n")


def write_table_row(event: Any, out: TextIO) -> None:
    kind = event.WhichOneof("event")
    if kind == "frame":
        f = event.frame
        placed = [d for d in f.detections if d.HasField("position")]
        first = (
            f"{placed[0].label} {placed[0].position.lat_deg:.6f} {placed[0].position.lon_deg:.6f}"
            f" +-{placed[0].horizontal_error_m:.1f} m"
            if placed
            else ""
        )
        detail = f"frame {f.frame_time_us} us, {len(f.detections)} detections  {first}"
    elif kind == "track":
        t = event.track
        speed = f"{t.speed_m_s:.1f} m/s {t.course_deg:.0f} deg" if t.has_velocity else "-"
        detail = f"track {t.track_id} {t.label} {pb.TrackState.Name(t.state)} {speed}"
    elif kind == "status":
        detail = f"status {pb.FlightState.Name(event.status.state)} {event.status.detail}"
    else:
        gap = event.gap
        detail = (
            f"GAP: events {gap.first_sequence}-{gap.last_sequence} lost "
            f"({pb.GapReason.Name(gap.reason)})"
        )
    out.write(f"{event.sequence:>8}  {detail}\n")


def write_geojson(event: Any, out: TextIO) -> None:
    """Newline-delimited GeoJSON features (RFC 7946; coordinates lon, lat, HAE): one Point
    per placed detection and per track with a position, the frame's footprint as a Polygon;
    events with no place (status, gaps) as features without geometry, so nothing is lost."""
    kind = event.WhichOneof("event")
    base = {"flight_id": event.flight_id, "sequence": event.sequence, "kind": kind}
    features: list[dict[str, Any]] = []
    if kind == "frame":
        f = event.frame
        at = {**base, "frame_time_us": f.frame_time_us}
        if f.footprint:
            ring = [_lon_lat_h(p) for p in f.footprint]
            features.append(
                _feature(
                    {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                    {**at, "kind": "footprint"},
                )
            )
        for d in f.detections:
            if d.HasField("position"):
                properties = {
                    **at,
                    "kind": "detection",
                    "label": d.label,
                    "score": round(d.score, 4),
                    "track_id": d.track_id or None,
                    "horizontal_error_m": round(d.horizontal_error_m, 2),
                    "method": pb.GeoMethod.Name(d.method),
                }
                features.append(_feature(_point(d.position), properties))
    elif kind == "track":
        t = event.track
        properties = {
            **base,
            "frame_time_us": t.frame_time_us,
            "track_id": t.track_id,
            "label": t.label,
            "state": pb.TrackState.Name(t.state),
            "speed_m_s": t.speed_m_s if t.has_velocity else None,
            "course_deg": t.course_deg if t.has_velocity else None,
        }
        features.append(
            _feature(_point(t.position) if t.HasField("position") else None, properties)
        )
    else:
        features.append(
            _feature(
                None,
                {**base, **MessageToDict(getattr(event, kind), preserving_proto_field_name=True)},
            )
        )
    for feature in features:
        out.write(json.dumps(feature) + "\n")


def _feature(geometry: dict[str, Any] | None, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _point(position: Any) -> dict[str, Any]:
    return {"type": "Point", "coordinates": _lon_lat_h(position)}


def _lon_lat_h(position: Any) -> list[float]:
    return [round(position.lon_deg, 7), round(position.lat_deg, 7), round(position.hae_m, 2)]


WRITERS: dict[str, Callable[[Any, TextIO], None]] = {
    "json": write_json_line,
    "table": write_table_row,
    "geojson": write_geojson,
}


def replay(
    address: str,
    flight_id: str,
    recording: str,
    speed: float,
    results: bool,
    timeout_s: float = 60.0,
) -> Any:
    """ReplayFlight on the tower at `address`: the Flight it answers."""
    mode = pb.REPLAY_MODE_RESULTS if results else pb.REPLAY_MODE_REANALYSE
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.TowerStub(channel)  # type: ignore[no-untyped-call]  # protoc's code
        request = pb.ReplayFlightRequest(
            recording_id=recording, flight_id=flight_id, speed=speed, mode=mode
        )
        return stub.ReplayFlight(request, timeout=timeout_s)
