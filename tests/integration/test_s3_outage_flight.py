"""Issue 8: S3 (moto's server on 127.0.0.1, real HTTP) hangs for 20 s in the middle of a live
flight the tower records from udp://, with the spool uploading as `serve` runs it. Segments
that close meanwhile wait on disk; once S3 answers again every one of them, and the
manifest, reach it with the bytes the manifest names; the flight is then replayed from
s3:// alone, frame for frame."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

import av
import boto3
import pytest
from botocore.config import Config

from domain.recording import RecordingState, RecordingStream
from drone_ai import bootstrap
from drone_ai.adapters.recording.manifest import Manifest, read_manifest
from drone_ai.adapters.recording.reader import iter_chunks
from drone_ai.adapters.recording.s3_store import RecordingRef, S3RecordingStore
from drone_ai.adapters.recording.spool import RecordingSpool
from drone_ai.config import Settings
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from tests.moto_server import MotoServer, moto_server
from tests.tower_events import follow, tower

FLIGHT_S = 36.0
FPS = 10
# 320 x 180 at 10 frames a second: simulated in a few seconds, light on a shared machine.
SCENARIO = {"fps": FPS, "camera": {"width_px": 320, "height_px": 180}}
PAUSE_AT_S = 8.0
OUTAGE_S = 20.0
DRAIN_LIMIT_S = 60.0
DATAGRAM_BYTES = 7 * 188
FLIGHT = "outage-1"
BUCKET = "tower-recordings"


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Outage:
    """Sends the flight over UDP at its own rate, S3 paused from PAUSE_AT_S for OUTAGE_S, and
    watches the spool's pending files meanwhile."""

    def __init__(self, s3: MotoServer, spool: RecordingSpool, data: bytes, port: int) -> None:
        self.s3, self.spool, self.data, self.port = s3, spool, data, port
        self.pending_during: list[int] = []  # pending files, sampled while S3 hangs
        self.missing_during: list[str] = []  # pending files gone from disk (must stay empty)
        self.at_resume: set[Path] = set()
        self.resumed_at = 0.0
        self.drained_at: float | None = None  # when every file pending at the resume was in S3
        self.stopped_at = 0.0  # when StopFlight returned (the recording closed)

    def fly(self) -> None:
        bytes_per_s = len(self.data) / FLIGHT_S
        began = time.monotonic()
        paused = resumed = False
        next_sample_s = 0.0
        sent = 0
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            while sent < len(self.data):
                now_s = time.monotonic() - began
                if not paused and now_s >= PAUSE_AT_S:
                    self.s3.pause()
                    paused = True
                elif paused and not resumed and now_s >= PAUSE_AT_S + OUTAGE_S:
                    self.at_resume = set(self.spool.pending_files())
                    self.s3.resume()
                    self.resumed_at = time.monotonic()
                    resumed = True
                elif now_s >= next_sample_s:
                    self._sample(hung=paused and not resumed)
                    next_sample_s = now_s + 0.2
                chunk = self.data[sent : sent + DATAGRAM_BYTES]
                sender.sendto(chunk, ("127.0.0.1", self.port))
                sent += len(chunk)
                # At the flight's own rate, as a drone sends it.
                time.sleep(max(0.0, began + sent / bytes_per_s - time.monotonic()))
        assert resumed, "the flight ended before the outage did"

    def _sample(self, hung: bool) -> None:
        pending = self.spool.pending_files()
        if hung:
            self.pending_during.append(len(pending))
            self.missing_during.extend(str(p) for p in pending if not p.exists())
        elif self.resumed_at and self.drained_at is None and not self.at_resume & set(pending):
            self.drained_at = time.monotonic()

    def wait_drained(self) -> float:
        """Seconds from the resume until every file pending then was confirmed."""
        deadline = self.resumed_at + DRAIN_LIMIT_S
        while self.drained_at is None:
            assert time.monotonic() < deadline, "the backlog was not confirmed in time"
            self._sample(hung=False)
            time.sleep(0.1)
        return self.drained_at - self.resumed_at


def _fly_recorded(stub: pb_grpc.TowerStub, outage: _Outage) -> list[pb.FlightEvent]:
    """The live flight over udp://, recorded, through the outage; its events."""
    stub.StartFlight(
        pb.StartFlightRequest(
            flight_id=FLIGHT, video_uri=f"udp://127.0.0.1:{outage.port}", record=True
        ),
        timeout=30,
    )
    live: list[pb.FlightEvent] = []
    follower = threading.Thread(target=lambda: live.extend(follow(stub, FLIGHT)))
    follower.start()
    outage.fly()
    time.sleep(0.5)  # the last datagrams read before the stop
    stub.StopFlight(pb.StopFlightRequest(flight_id=FLIGHT), timeout=30)  # recording closed
    outage.stopped_at = time.monotonic()
    follower.join(30)
    return live


def _checker(s3: MotoServer) -> Any:
    """boto3 behind the store's back, with short timeouts: a hung server fails a check fast."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=s3.endpoint_url,
        region_name="us-east-1",
        config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1}),
    )


def _s3_body(checker: Any, folder: Path, name: str) -> bytes | None:
    key = f"recordings/{folder.parent.name}/{folder.name}/{name}"
    try:
        body: bytes = checker.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    except checker.exceptions.NoSuchKey:
        return None
    return body


def _wait_all_in_s3(spool: RecordingSpool, checker: Any, folder: Path) -> None:
    """Until nothing is pending and S3 holds the final manifest (which goes up last)."""
    final = (folder / "manifest.json").read_bytes()
    deadline = time.monotonic() + DRAIN_LIMIT_S
    while spool.pending_files() or _s3_body(checker, folder, "manifest.json") != final:
        assert time.monotonic() < deadline, "the spool did not empty in time"
        time.sleep(0.2)


def _assert_s3_holds(checker: Any, folder: Path, manifest: Manifest) -> None:
    """Every segment the manifest lists is in S3 with its SHA-256 and size, and its index
    with the local index's bytes."""
    for entry in manifest.segments:
        body = _s3_body(checker, folder, entry.name)
        assert body is not None, entry.name
        assert (hashlib.sha256(body).hexdigest(), len(body)) == (entry.sha256, entry.bytes)
        index = _s3_body(checker, folder, entry.name + ".idx")
        assert index is not None, entry.name
        local = (folder / (entry.name + ".idx")).read_bytes()
        assert hashlib.sha256(index).digest() == hashlib.sha256(local).digest(), entry.name


def _input_frames(folder: Path) -> int:
    """The video frames in the recording's input, as FFmpeg decodes them (not the tower)."""
    data = b"".join(chunk.data for chunk in iter_chunks(folder, RecordingStream.INPUT))
    with av.open(io.BytesIO(data), format="mpegts") as container:
        return sum(1 for _ in container.decode(video=0))


@pytest.mark.slow
def test_segments_closed_while_s3_hangs_mid_flight_all_reach_it_and_replay(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "flight.json"
    scenario.write_text(json.dumps(SCENARIO), encoding="utf-8")
    video = tmp_path / "flight.ts"
    bootstrap.simulate_to_path(scenario, video, duration_s=FLIGHT_S)
    root = tmp_path / "recordings"
    with moto_server() as s3:
        settings = Settings.from_env(
            {
                "DRONE_AI_DETECT_WORKERS": "1",
                "DRONE_AI_DETECTOR": "none",
                "DRONE_AI_RECORDING_DIR": str(root),
                "DRONE_AI_RECORDING_SEGMENT_S": "1",  # a segment closes every second
                "DRONE_AI_S3_BUCKET": s3.make_bucket(BUCKET),
                "DRONE_AI_S3_ENDPOINT_URL": s3.endpoint_url,
                "DRONE_AI_S3_REGION": "us-east-1",
            }
        )
        spool = bootstrap.recording_spool(settings)
        assert spool is not None
        outage = _Outage(s3, spool, video.read_bytes(), _free_udp_port())
        spool.start()  # as `serve` does, before the first flight
        try:
            with tower(settings) as stub:
                live = _fly_recorded(stub, outage)
                drained_s = outage.wait_drained()
                [folder] = (root / FLIGHT).iterdir()
                checker = _checker(s3)
                _wait_all_in_s3(spool, checker, folder)
                all_in_s3_s = time.monotonic() - outage.stopped_at
                manifest = read_manifest(folder)
                _assert_s3_holds(checker, folder, manifest)
                listed = S3RecordingStore(
                    BUCKET, endpoint_url=s3.endpoint_url, region="us-east-1"
                ).list_files(RecordingRef(FLIGHT, folder.name))
                recorded_frames = _input_frames(folder)
                shutil.rmtree(root)  # only S3 has it now
                stub.ReplayFlight(
                    pb.ReplayFlightRequest(
                        recording_id=f"s3://{BUCKET}/recordings/{FLIGHT}",
                        flight_id="outage-again",
                        speed=0.0,
                    ),
                    timeout=60,
                )
                again = follow(stub, "outage-again")
        finally:
            s3.resume()  # if a check failed mid-outage: the spool's stop must not wait on it
            spool.stop()
    frames = sum(e.HasField("frame") for e in again)
    print(
        f"{len(manifest.segments)} segments "
        f"({len(manifest.segments_of(RecordingStream.INPUT))} of input) of a {FLIGHT_S:.0f} s "
        f"flight; S3 hung {OUTAGE_S:.0f} s from {PAUSE_AT_S:.0f} s in; up to "
        f"{max(outage.pending_during)} files pending while it hung, {len(outage.at_resume)} "
        f"at the resume, all confirmed {drained_s:.1f} s after it; the final manifest in S3 "
        f"{all_in_s3_s:.1f} s after the stop; {frames} frames replayed from S3 "
        f"({recorded_frames} recorded, {sum(e.HasField('frame') for e in live)} analysed live)"
    )
    assert manifest.state is RecordingState.COMPLETE
    assert outage.missing_during == []
    # Segments kept closing while S3 hung, and waited on disk for it.
    assert max(outage.pending_during) >= OUTAGE_S, outage.pending_during
    assert len(outage.at_resume) >= OUTAGE_S
    assert listed == sorted(
        [name for e in manifest.segments for name in (e.name, e.name + ".idx")] + ["manifest.json"]
    )
    assert len(manifest.segments_of(RecordingStream.INPUT)) >= FLIGHT_S - 2
    assert again[-1].status.state == pb.FLIGHT_STATE_STOPPED, again[-1].status.detail
    assert frames == recorded_frames >= FLIGHT_S * FPS - FPS
