"""A live MJPEG flight with its KLV over UDP (the simulator's camera server and telemetry
sender on 127.0.0.1), recorded by the tower: every JPEG and every KLV datagram is kept byte
for byte with its time of receipt, and the recording re-analysed twice gives the same results
both times (issue 8, must-show 1 for MJPEG sources, through gRPC and the detection pool)."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import time
from pathlib import Path

import cv2
import grpc
import pytest

from domain.recording import RecordingState, RecordingStream, SourceKind
from drone_ai.adapters.recording.manifest import read_manifest
from drone_ai.adapters.recording.reader import iter_chunks
from drone_ai.adapters.simulator.files import finish_image
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.live import LiveFlight
from drone_ai.adapters.simulator.scenario import scenario_from_mapping
from drone_ai.adapters.video.mjpeg import recorded_part_of
from drone_ai.config import Settings
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from tests.tower_events import follow, results_of, tower

FLIGHT = {"duration_s": 20, "fps": 10, "camera": {"width_px": 640, "height_px": 360}}
SPEED = 2.0  # the 20 s flight flown in 10 s


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def sent_jpegs(flight: SimulatedFlight) -> list[str]:
    """The SHA-256 of each JPEG the simulator's camera server sends, made again."""
    render = flight.scenario.render
    digests = []
    for index in range(flight.frame_count):
        image = finish_image(
            flight.frame(index), render.blur_sigma_px, render.pixel_noise, flight.scenario.seed
        )
        jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, render.jpeg_quality])[1]
        digests.append(hashlib.sha256(jpeg.tobytes()).hexdigest())
    return digests


def test_a_recorded_mjpeg_flight_keeps_its_jpegs_and_klv_and_re_analyses_the_same(
    tmp_path: Path,
) -> None:
    flight = SimulatedFlight(scenario_from_mapping(FLIGHT))
    klv_port = free_udp_port()
    camera = LiveFlight(flight, klv_udp_port=klv_port, speed=SPEED)
    camera.start(wait_for_client_s=30.0)
    root = tmp_path / "recordings"
    settings = Settings.from_env(
        {
            "DRONE_AI_DETECT_WORKERS": "1",
            "DRONE_AI_RECORDING_DIR": str(root),
            "DRONE_AI_RECORDING_SEGMENT_S": "2",
        }
    )
    try:
        with tower(settings) as stub:
            stub.StartFlight(
                pb.StartFlightRequest(
                    flight_id="cam-1",
                    video_uri=camera.video_url,
                    telemetry_uri=f"udp://127.0.0.1:{klv_port}",
                    record=True,
                )
            )
            assert camera.wait(60.0)
            _wait_for_frames(stub, "cam-1", flight.frame_count)
            stub.StopFlight(pb.StopFlightRequest(flight_id="cam-1"))
            live = follow(stub, "cam-1")
            [recording] = [f"cam-1/{p.name}" for p in (root / "cam-1").iterdir()]
            replays = []
            for n in range(2):
                stub.ReplayFlight(
                    pb.ReplayFlightRequest(
                        recording_id=recording,
                        flight_id=f"again-{n}",
                        speed=0.0,
                        mode=pb.REPLAY_MODE_REANALYSE,
                    )
                )
                replays.append(follow(stub, f"again-{n}"))
            with pytest.raises(grpc.RpcError) as rtsp:
                stub.StartFlight(
                    pb.StartFlightRequest(
                        flight_id="cam-2", video_uri="rtsp://127.0.0.1:9/live", record=True
                    )
                )
    finally:
        camera.stop()

    folder = root / recording
    manifest = read_manifest(folder)
    assert manifest.state is RecordingState.COMPLETE
    assert manifest.source.kind is SourceKind.MJPEG_KLV
    assert len(manifest.segments_of(RecordingStream.VIDEO)) > 1
    parts = [
        (c.received_us, *recorded_part_of(c.data))
        for c in iter_chunks(folder, RecordingStream.VIDEO)
    ]
    # Every JPEG as the camera sent it, its capture time with it, kept in the order received.
    assert [hashlib.sha256(body).hexdigest() for _, _, body in parts] == sent_jpegs(flight)
    assert [int(headers["x-capture-time-us"]) for _, headers, _ in parts] == [
        flight.frame_time_us(n) for n in range(flight.frame_count)
    ]
    received = [t_us for t_us, _, _ in parts]
    assert received == sorted(received)
    # Standard tools read each video segment on its own as MJPEG, every frame in it.
    for entry in manifest.segments_of(RecordingStream.VIDEO):
        assert _ffprobe_frames(folder / entry.name) == ("mpjpeg", "mjpeg", entry.chunks)
    datagrams = [c.data for c in iter_chunks(folder, RecordingStream.TELEMETRY)]
    assert datagrams == [flight.packet(n)[1] for n in range(flight.packet_count)]

    first, second = replays
    frames = [e for e in first if e.HasField("frame")]
    assert len(frames) == flight.frame_count == sum(e.HasField("frame") for e in live)
    assert results_of(first) == results_of(second)
    assert any(e.frame.detections for e in frames)
    assert all(e.frame.footprint for e in frames[1:])  # telemetry found for each
    assert rtsp.value.code() is grpc.StatusCode.UNIMPLEMENTED
    assert "recording rtsp:// inputs is not available yet" in rtsp.value.details()
    assert not (root / "cam-2").exists()


def _ffprobe_frames(path: Path) -> tuple[str, str, int]:
    """ffprobe's container format, video codec and frame count for `path`."""
    command = ["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format"]
    probe = subprocess.run(
        [*command, "-of", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = json.loads(probe.stdout)
    [stream] = found["streams"]
    return found["format"]["format_name"], stream["codec_name"], int(stream["nb_read_frames"])


def _wait_for_frames(stub: object, flight_id: str, count: int) -> None:
    """Until the tower has processed `count` frames of the flight (a live flight never ends
    by itself: it waits for its camera to come back)."""
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
        got = stub.GetFlight(pb.GetFlightRequest(flight_id=flight_id))  # type: ignore[attr-defined]
        if got.stats.frames_processed >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{count} frames processed expected within 30 s, got fewer")
