"""The tower reports on itself while a simulated flight runs through it over gRPC: the
Prometheus figures add up to what the subscriber saw, and the log lines are JSON. The flight
is a file, which the tower reads at detection's pace: every frame is processed."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import grpc

from drone_ai import bootstrap
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.scenario import load_scenario
from drone_ai.config import LogFormat, Settings
from drone_ai.entrypoints import log_lines
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from drone_ai.entrypoints.grpc.server import build_server

DURATION_S = 3.0


def test_metrics_and_logs_account_for_every_frame(tmp_path: Path) -> None:
    video = tmp_path / "flight.ts"
    bootstrap.simulate_to_path(None, video, duration_s=DURATION_S)
    origin = SimulatedFlight(load_scenario(None)).scenario.origin
    settings = Settings.from_env(
        {
            "DRONE_AI_DETECT_WORKERS": "1",  # and the default queue depth: 2 frames
            "DRONE_AI_GEOID_UNDULATION_M": "0",
            "DRONE_AI_GROUND_MSL_M": str(origin.ground_hae_m),
        }
    )
    lines = io.StringIO()
    handler = log_lines.configure(LogFormat.JSON, lines)
    metrics = bootstrap.tower_metrics()
    try:
        with bootstrap.detection_pool(settings) as pool:
            control = bootstrap.flight_control(settings, pool, metrics)
            server = build_server(control, subscriber_wait_s=0.05, metrics=metrics)
            port = server.add_insecure_port("127.0.0.1:0")
            server.start()
            try:
                with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                    stub = pb_grpc.TowerStub(channel)
                    stub.StartFlight(pb.StartFlightRequest(flight_id="m1", video_uri=str(video)))
                    frames = 0
                    stream = stub.Subscribe(pb.SubscribeRequest(flight_ids=["m1"]), timeout=120)
                    for event in stream:
                        frames += event.HasField("frame")
                        if event.status.state == pb.FLIGHT_STATE_STOPPED:
                            break
                    during = metrics.registry.get_sample_value("drone_ai_subscribers")
                    stream.cancel()
                    stats = stub.GetFlight(pb.GetFlightRequest(flight_id="m1")).stats
            finally:
                server.stop(grace=1.0).wait()
    finally:
        logging.getLogger("drone_ai").removeHandler(handler)

    def value(name: str, **labels: str) -> float:
        return metrics.registry.get_sample_value(name, labels) or 0.0

    received = value("drone_ai_frames_received_total", flight="m1")
    processed = value("drone_ai_frames_processed_total", flight="m1")
    dropped = sum(
        value("drone_ai_frames_dropped_total", flight="m1", reason=reason)
        for reason in ("source_backlog", "detector_shed", "pipeline_backlog")
    )
    assert received == DURATION_S * 30
    assert (stats.frames_received, stats.frames_processed) == (received, frames)
    assert stats.frames_shed + stats.frames_dropped + stats.frames_failed == received - frames
    assert stats.received_fps > 0.0 and stats.telemetry_age_us >= 0
    # A file is read at detection's pace: not one frame shed, with a queue of two.
    assert processed == frames == received and dropped == 0
    assert value("drone_ai_detection_seconds_count", flight="m1") == processed
    assert value("drone_ai_frame_to_subscriber_seconds_count") == frames
    assert value("drone_ai_flight_state", flight="m1", state="stopped") == 1.0
    assert during == 1.0 and value("drone_ai_subscribers") == 0.0
    records = [json.loads(line) for line in lines.getvalue().splitlines()]
    states = [r["message"] for r in records if r.get("flight_id") == "m1"]
    assert states == ["flight starting", "flight live", "flight stopped"]
    assert {"subscriber opened", "subscriber closed"} <= {r["message"] for r in records}
