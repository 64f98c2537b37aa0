"""Simulator -> tower -> subscriber over real gRPC on 127.0.0.1: a simulated flight written as
MPEG-TS with its KLV is started by StartFlight, runs through the detection pool, the tracker and
the georeferencer, and a subscriber receives georeferenced vehicle detections, within metres of
the simulator's truth (noise-free telemetry), and the flight's end."""

from __future__ import annotations

from pathlib import Path

import grpc
import numpy as np
import pytest

from drone_ai import bootstrap
from drone_ai.adapters.simulator.scenario import load_scenario
from drone_ai.adapters.simulator.truth import FlightTruth
from drone_ai.config import Settings
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from drone_ai.entrypoints.grpc.server import build_server

DURATION_S = 6.0


def test_a_simulated_flight_reaches_a_subscriber_georeferenced(tmp_path: Path) -> None:
    video = tmp_path / "flight.ts"
    bootstrap.simulate_to_path(None, video, duration_s=DURATION_S)
    truth = FlightTruth.beside(video)
    # The simulated KLV sends no frame-centre height: the area's ground height is configured.
    settings = Settings.from_env(
        {
            "DRONE_AI_DETECT_WORKERS": "1",
            "DRONE_AI_DETECT_QUEUE_DEPTH": "1000",
            "DRONE_AI_GEOID_UNDULATION_M": "0",
            "DRONE_AI_GROUND_MSL_M": str(load_scenario(None).origin.ground_hae_m),
        }
    )
    with bootstrap.detection_pool(settings) as pool:
        control = bootstrap.flight_control(settings, pool)
        server = build_server(control, subscriber_wait_s=0.05)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.TowerStub(channel)
                started = stub.StartFlight(
                    pb.StartFlightRequest(flight_id="sim", video_uri=str(video))
                )
                assert started.flight_id == "sim"
                with pytest.raises(grpc.RpcError) as twice:
                    stub.StartFlight(pb.StartFlightRequest(flight_id="sim", video_uri=str(video)))
                assert twice.value.code() is grpc.StatusCode.ALREADY_EXISTS
                events = []
                for event in stub.Subscribe(pb.SubscribeRequest(flight_ids=["sim"]), timeout=120):
                    events.append(event)
                    if event.HasField("status") and event.status.state == pb.FLIGHT_STATE_STOPPED:
                        break
        finally:
            server.stop(grace=None)
    frames = [e.frame for e in events if e.HasField("frame")]
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert len(frames) > 100
    errors_m = []
    for frame in frames:
        nearest_us = truth.nearest_frame_us(frame.frame_time_us)
        assert abs(nearest_us - frame.frame_time_us) < 20_000  # frame times are the flight's
        for d in frame.detections:
            if d.HasField("position"):
                error_m = truth.error_m(frame.frame_time_us, d.position.lat_deg, d.position.lon_deg)
                assert error_m is not None  # a detection where no target was in view
                errors_m.append(error_m)
    print(f"{len(frames)} frames, {len(errors_m)} detections, median {np.median(errors_m):.2f} m")
    assert len(errors_m) > 100
    assert float(np.median(errors_m)) < 5.0
