"""StartFlight with record on: the tower keeps the flight's input exactly as it read it and the
result events exactly as subscribers were sent them; ReplayFlight plays the recording again,
its input through the pipeline (the same results, twice) or its results as they were sent
(issue 8, through the real service: gRPC on 127.0.0.1, the detection pool, a simulated
STANAG 4609 style file)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import grpc
import pytest

from domain.flight_events import FrameResult
from domain.recording import RecordingState, RecordingStream
from drone_ai import bootstrap
from drone_ai.adapters.recording.event_lines import decode_line
from drone_ai.adapters.recording.manifest import read_manifest
from drone_ai.adapters.recording.reader import iter_chunks
from drone_ai.config import Settings
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from tests.tower_events import follow, results_of, tower, without_clock

DURATION_S = 60.0
FLIGHT = {"fps": 10, "camera": {"width_px": 640, "height_px": 360, "hfov_deg": 15.0}}
FRAMES = round(DURATION_S * 10)


def test_a_recorded_flight_keeps_its_input_and_its_events(tmp_path: Path) -> None:
    video = tmp_path / "flight.ts"
    # 60 s of the default orbit, its frames at 10 a second and 640 x 360 (the same metres per
    # pixel with half the field of view) to keep the three runs short.
    scenario = tmp_path / "flight.json"
    scenario.write_text(json.dumps(FLIGHT), encoding="utf-8")
    bootstrap.simulate_to_path(scenario, video, duration_s=DURATION_S)
    root = tmp_path / "recordings"
    settings = Settings.from_env(
        {
            "DRONE_AI_DETECT_WORKERS": "1",
            "DRONE_AI_RECORDING_DIR": str(root),
            "DRONE_AI_RECORDING_SEGMENT_S": "1",  # several segments (of received time)
        }
    )
    with tower(settings) as stub:
        stub.StartFlight(
            pb.StartFlightRequest(flight_id="rec-1", video_uri=str(video), record=True)
        )
        sent = follow(stub, "rec-1")
        # Stopped means the last event is kept: the recording closes right after.
        stub.StopFlight(pb.StopFlightRequest(flight_id="rec-1"))
        [recording] = [f"rec-1/{p.name}" for p in (root / "rec-1").iterdir()]
        replays = []
        for n, mode in enumerate(
            [pb.REPLAY_MODE_REANALYSE, pb.REPLAY_MODE_REANALYSE, pb.REPLAY_MODE_RESULTS]
        ):
            replayed = stub.ReplayFlight(
                pb.ReplayFlightRequest(
                    recording_id=recording, flight_id=f"replay-{n}", speed=0.0, mode=mode
                )
            )
            assert replayed.replay_of == recording
            replays.append(follow(stub, f"replay-{n}"))
        with pytest.raises(grpc.RpcError) as missing:
            stub.ReplayFlight(
                pb.ReplayFlightRequest(recording_id="rec-1/nope", flight_id="replay-x")
            )
    [folder] = (root / "rec-1").iterdir()
    manifest = read_manifest(folder)
    assert manifest.state is RecordingState.COMPLETE
    assert len(manifest.segments_of(RecordingStream.INPUT)) > 1
    received = b"".join(c.data for c in iter_chunks(folder, RecordingStream.INPUT))
    assert hashlib.sha256(received).digest() == hashlib.sha256(video.read_bytes()).digest()
    recorded = [decode_line(c.data) for c in iter_chunks(folder, RecordingStream.EVENTS)]
    assert [r.sequence for r in recorded] == [e.sequence for e in sent]
    assert [r.logged_us for r in recorded] == [e.logged_us for e in sent]
    frames = [r.event for r in recorded if isinstance(r.event, FrameResult)]
    assert len(frames) == FRAMES == sum(e.HasField("frame") for e in sent)
    assert missing.value.code() is grpc.StatusCode.NOT_FOUND

    # Re-analysed twice: the same results both times, and the same as the live run's.
    first, second, results = replays
    assert results_of(first) == results_of(second) == results_of(sent)
    assert len(results_of(first)) > FRAMES
    # Results replay: the sequence subscribers of the live flight got, status changes too.
    assert [without_clock(e) for e in results] == [without_clock(e) for e in sent]
