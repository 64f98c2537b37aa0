"""`drone-ai subscribe` against a tower on 127.0.0.1: every event of a flight as a JSON line,
in order, until the flight reports that it ended; a wrong flight is a clear error."""

from __future__ import annotations

import json
from collections.abc import Iterator

import grpc
import pytest

from domain.detections import Detection
from domain.flight_events import (
    FlightEvent,
    FlightState,
    FrameResult,
    GeoPosition,
    LocatedDetection,
    StatusChange,
)
from drone_ai.adapters.event_log.in_memory import InMemoryEventLog, wall_clock_us
from drone_ai.adapters.event_log.news import NewsBell
from drone_ai.entrypoints.cli import EXIT_OK, EXIT_UNREADABLE, main
from drone_ai.entrypoints.grpc import subscriber
from drone_ai.entrypoints.grpc.server import build_server
from drone_ai.services.flights import FlightDirectory, FlightRecord
from tests.fake_tower import control_without_inputs

CAR = LocatedDetection(
    Detection(1, 2, 30, 20, 0, "car", 0.8), 4, GeoPosition(38.1, -77.3, 50.0), 2.5, None
)


@pytest.fixture
def address() -> Iterator[str]:
    flights = FlightDirectory(NewsBell())
    log: InMemoryEventLog[FlightEvent] = InMemoryEventLog(1_000, 3_600.0, news=flights.news)
    log.append(StatusChange(FlightState.LIVE, ""))
    for n in range(20):
        log.append(FrameResult(n, 0, None, (), (CAR,)))
    log.append(StatusChange(FlightState.STOPPED, "the inputs ended"))
    flights.add(FlightRecord("f1", wall_clock_us(), log, FlightState.STOPPED))
    control = control_without_inputs(flights)
    server: grpc.Server = build_server(control, subscriber_wait_s=0.05)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(grace=None)


def test_subscribe_prints_each_event_as_a_json_line_until_the_flight_ends(
    address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscribe", "f1", "--to", address]) == EXIT_OK
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["sequence"] for line in lines] == [str(n) for n in range(1, 23)]
    detection = lines[1]["frame"]["detections"][0]
    assert detection["label"] == "car" and detection["track_id"] == "4"
    assert detection["position"] == {"lat_deg": 38.1, "lon_deg": -77.3, "hae_m": 50.0}
    assert lines[-1]["status"]["state"] == "FLIGHT_STATE_STOPPED"
    assert "22 events" in captured.err


def test_subscribe_resumes_and_shows_a_table(
    address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscribe", "f1", "--to", address, "--after", "19", "--format", "table"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert [row.split()[0] for row in rows] == ["20", "21", "22"]
    assert "car 38.100000 -77.300000 +-2.5 m" in rows[0]
    assert "FLIGHT_STATE_STOPPED" in rows[-1]


def test_subscribing_to_an_unknown_flight_is_a_clear_error(
    address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscribe", "nope", "--to", address]) == EXIT_UNREADABLE
    assert "NOT_FOUND: flight 'nope': no such flight" in capsys.readouterr().err


def test_subscribe_writes_geojson_features_for_maps(
    address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscribe", "f1", "--to", address, "--format", "geojson"]) == EXIT_OK
    features = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    points = [f for f in features if f["properties"]["kind"] == "detection"]
    assert len(points) == 20 and all(f["type"] == "Feature" for f in features)
    assert points[0]["geometry"] == {"type": "Point", "coordinates": [-77.3, 38.1, 50.0]}
    assert points[0]["properties"]["track_id"] == 4 and points[0]["properties"]["label"] == "car"
    statuses = [f for f in features if f["properties"]["kind"] == "status"]
    assert [f["geometry"] for f in statuses] == [None, None]
    assert statuses[-1]["properties"]["state"] == "FLIGHT_STATE_STOPPED"


def test_subscribe_without_a_flight_follows_every_flight(address: str) -> None:
    # Every flight, until interrupted: the reader stops it after the first events here.
    got = []
    for event in subscriber.events(address, []):
        got.append(event.flight_id)
        if len(got) == 22:
            break
    assert got == ["f1"] * 22
