"""A flight the tower recorded goes to S3 (moto's server on 127.0.0.1) through the spool, and is
replayed from s3:// after its local copy is gone: fetched, checked, and run through the
pipeline again with the same results."""

from __future__ import annotations

import shutil
from pathlib import Path

from drone_ai import bootstrap
from drone_ai.config import Settings
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from tests.moto_server import moto_server
from tests.tower_events import follow, results_of, tower


def test_a_recording_uploaded_to_s3_replays_from_there(tmp_path: Path) -> None:
    video = tmp_path / "flight.ts"
    bootstrap.simulate_to_path(None, video, duration_s=2.0)
    root = tmp_path / "recordings"
    with moto_server() as s3:
        bucket = s3.make_bucket("tower-recordings")
        settings = Settings.from_env(
            {
                "DRONE_AI_DETECT_WORKERS": "1",
                "DRONE_AI_DETECTOR": "none",
                "DRONE_AI_RECORDING_DIR": str(root),
                "DRONE_AI_RECORDING_SEGMENT_BYTES": "65536",
                "DRONE_AI_S3_BUCKET": bucket,
                "DRONE_AI_S3_ENDPOINT_URL": s3.endpoint_url,
                "DRONE_AI_S3_REGION": "us-east-1",
            }
        )
        spool = bootstrap.recording_spool(settings)
        assert spool is not None
        with tower(settings) as stub:
            stub.StartFlight(
                pb.StartFlightRequest(flight_id="up-1", video_uri=str(video), record=True)
            )
            live = follow(stub, "up-1")
            stub.StopFlight(pb.StopFlightRequest(flight_id="up-1"))  # recording closed
            uploaded = spool.upload_pending()
            assert spool.pending_files() == [], uploaded
            shutil.rmtree(root)  # only S3 has it now
            replayed = stub.ReplayFlight(
                pb.ReplayFlightRequest(
                    recording_id=f"s3://{bucket}/recordings/up-1",
                    flight_id="up-1-again",
                    speed=0.0,
                )
            )
            again = follow(stub, "up-1-again")
    assert replayed.replay_of == f"s3://{bucket}/recordings/up-1"
    assert sum(e.HasField("frame") for e in again) == 60
    assert results_of(again) == results_of(live)
