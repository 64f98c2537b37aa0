"""A flight the tower recorded goes to S3 (moto's server on 127.0.0.1) through the spool, and is
replayed from s3:// after its local copy is gone: fetched, checked, and run through the
pipeline again with the same results; `drone-ai export` takes it from s3:// too."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from drone_ai import bootstrap
from drone_ai.config import Settings
from drone_ai.entrypoints.cli import EXIT_OK, main
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from tests.moto_server import moto_server
from tests.tower_events import follow, results_of, tower


def test_a_recording_uploaded_to_s3_replays_and_exports_from_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    video = tmp_path / "flight.ts"
    bootstrap.simulate_to_path(None, video, duration_s=2.0)
    root = tmp_path / "recordings"
    with moto_server() as s3:
        bucket = s3.make_bucket("tower-recordings")
        env = {
            "DRONE_AI_DETECT_WORKERS": "1",
            "DRONE_AI_DETECTOR": "none",
            "DRONE_AI_RECORDING_DIR": str(root),
            "DRONE_AI_RECORDING_SEGMENT_BYTES": "65536",
            "DRONE_AI_S3_BUCKET": bucket,
            "DRONE_AI_S3_ENDPOINT_URL": s3.endpoint_url,
            "DRONE_AI_S3_REGION": "us-east-1",
        }
        settings = Settings.from_env(env)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
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
            assert main(["recordings", "--s3", "--format", "json"]) == EXIT_OK
            [listed] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
            shutil.rmtree(root)  # only S3 has it now
            replayed = stub.ReplayFlight(
                pb.ReplayFlightRequest(
                    recording_id=f"s3://{bucket}/recordings/up-1",
                    flight_id="up-1-again",
                    speed=0.0,
                )
            )
            again = follow(stub, "up-1-again")
        # The command line exports it from S3 too, through the same fetch.
        exported = tmp_path / "up-1.ts"
        code = main(["export", f"s3://{bucket}/recordings/up-1", "--ts", str(exported)])
    assert code == EXIT_OK, capsys.readouterr().err
    assert exported.read_bytes() == video.read_bytes()  # the received bytes, as they came
    assert replayed.replay_of == f"s3://{bucket}/recordings/up-1"
    # Listed from S3 by its manifest there: where it is, finished, the size it has.
    assert listed["recording"].startswith(f"s3://{bucket}/recordings/up-1/")
    assert (listed["state"], listed["source"]) == ("complete", "mpegts")
    assert listed["data_bytes"] > video.stat().st_size  # the input, the events and more
    assert sum(e.HasField("frame") for e in again) == 60
    assert results_of(again) == results_of(live)
