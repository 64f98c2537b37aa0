"""Issue 8's crash: `drone-ai serve` recording a live MPEG-TS flight over UDP is killed with
SIGKILL mid-segment; started again, it finds the recording, finalises it (the manifest says
what was recovered), and the recording replays with at most the last second of input missing."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc

from domain.recording import RecordingState, RecordingStream
from drone_ai import bootstrap
from drone_ai.adapters.recording.manifest import read_manifest
from drone_ai.adapters.recording.reader import iter_chunks
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc

DATAGRAM_BYTES = 7 * 188
SEND_S = 4.0  # the flight's seconds sent before the kill


@contextmanager
def serve(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    script = shutil.which("drone-ai", path=str(Path(sys.executable).parent))
    assert script is not None
    tower = subprocess.Popen(
        [script, "serve", "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        said = []
        assert tower.stdout is not None
        while not (line := tower.stdout.readline()).startswith("drone-ai: serving on "):
            assert line, f"serve ended early: {said}"
            said.append(line)
        yield tower, line.rsplit(" ", 1)[1].strip(), said
    finally:
        if tower.poll() is None:
            tower.kill()
        tower.communicate(timeout=30)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_killed_tower_s_recording_is_recovered_and_replays(tmp_path: Path) -> None:
    video = tmp_path / "flight.ts"
    bootstrap.simulate_to_path(None, video, duration_s=8.0)
    data = video.read_bytes()
    bytes_per_s = len(data) / 8.0
    root = tmp_path / "recordings"
    env = {
        **os.environ,
        "DRONE_AI_RECORDING_DIR": str(root),
        "DRONE_AI_DETECTOR": "none",
        "DRONE_AI_DETECT_WORKERS": "1",
        "DRONE_AI_METRICS_LISTEN": "",
    }
    port = free_udp_port()
    with serve(env) as (tower, address, _):
        with grpc.insecure_channel(address) as channel:
            pb_grpc.TowerStub(channel).StartFlight(
                pb.StartFlightRequest(
                    flight_id="crash-1", video_uri=f"udp://127.0.0.1:{port}", record=True
                ),
                timeout=30,
            )
        sent = 0
        began = time.monotonic()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            while sent < len(data) and time.monotonic() - began < SEND_S:
                sender.sendto(data[sent : sent + DATAGRAM_BYTES], ("127.0.0.1", port))
                sent += DATAGRAM_BYTES
                # At the flight's own rate, as a drone sends it.
                time.sleep(max(0.0, began + sent / bytes_per_s - time.monotonic()))
        tower.send_signal(signal.SIGKILL)  # mid-segment: 10 s segments, 4 s sent
        tower.wait(timeout=10)
    [folder] = (root / "crash-1").iterdir()
    assert read_manifest(folder).state is RecordingState.RECORDING  # as the kill left it

    with serve(env) as (tower, address, said):
        assert any(line.startswith("drone-ai: recovered recording crash-1/") for line in said)
        manifest = read_manifest(folder)
        assert manifest.state is RecordingState.RECOVERED and manifest.recovered is not None
        kept = b"".join(c.data for c in iter_chunks(folder, RecordingStream.INPUT))
        # What the tower had received is kept as it came: a prefix of what was sent, short
        # of it by at most the last second (datagrams still in the socket when it died).
        assert data[: len(kept)] == kept
        assert sent - len(kept) <= bytes_per_s, (sent, len(kept))
        with grpc.insecure_channel(address) as channel:
            stub = pb_grpc.TowerStub(channel)
            stub.ReplayFlight(
                pb.ReplayFlightRequest(
                    recording_id=f"crash-1/{folder.name}", flight_id="crash-1-again", speed=0.0
                ),
                timeout=30,
            )
            frames = 0
            for event in stub.Subscribe(
                pb.SubscribeRequest(flight_ids=["crash-1-again"]), timeout=60
            ):
                frames += event.HasField("frame")
                if event.status.state in (pb.FLIGHT_STATE_STOPPED, pb.FLIGHT_STATE_FAILED):
                    assert event.status.state == pb.FLIGHT_STATE_STOPPED, event.status.detail
                    break
        tower.send_signal(signal.SIGTERM)
    print(
        f"sent {sent} B, kept {len(kept)} B ({(sent - len(kept)) / bytes_per_s:.3f} s short), "
        f"{frames} frames replayed"
    )
    # The frames in the bytes kept, less the last one or two an H.264 stream cut short leaves.
    assert frames >= (SEND_S - 1.0) * 30 - 2, frames
