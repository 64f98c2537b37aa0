"""`drone-ai subscribe`: follow one flight of a tower and print its events, one JSON object per
line (for piping) or a table, until the flight ends or the reader stops.

The bearer token is read from the environment (DRONE_AI_TOKEN), never from the command line,
where other users of the machine could read it in the process list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

import grpc
from google.protobuf.json_format import MessageToDict

from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc

_ENDED = (pb.FLIGHT_STATE_STOPPED, pb.FLIGHT_STATE_FAILED)


def events(
    address: str,
    flight_id: str,
    after_sequence: int = 0,
    token: str | None = None,
    ca_pem: bytes | None = None,
) -> Iterator[Any]:
    """The flight's events from `after_sequence` on, until it reports that it ended."""
    metadata = [] if token is None else [("authorization", f"Bearer {token}")]
    channel = (
        grpc.insecure_channel(address)
        if ca_pem is None
        else grpc.secure_channel(address, grpc.ssl_channel_credentials(root_certificates=ca_pem))
    )
    with channel:
        stub = pb_grpc.TowerStub(channel)  # type: ignore[no-untyped-call]  # protoc's code
        request = pb.SubscribeRequest(flight_ids=[flight_id], after_sequence=after_sequence)
        for event in stub.Subscribe(request, metadata=metadata):
            yield event
            if event.HasField("status") and event.status.state in _ENDED:
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
