"""A recording process killed with SIGKILL mid-write, then recovered: every chunk it had
reported written is there, byte for byte, in order; and a recorded MPEG-TS segment is one
FFmpeg's ffprobe reads as video with its KLV data stream."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from domain.recording import (
    RecordingSource,
    RecordingState,
    RecordingStream,
    SegmentLimits,
    SourceKind,
)
from drone_ai import bootstrap
from drone_ai.adapters.recording.manifest import read_manifest
from drone_ai.adapters.recording.reader import iter_chunks
from drone_ai.adapters.recording.recovery import find_interrupted, recover
from drone_ai.adapters.recording.writer import RecordingWriter

REPOSITORY = Path(__file__).resolve().parents[2]
START_US = 1_767_268_800_000_000
DATAGRAM_BYTES = 7 * 188  # the TS packets one UDP datagram carries
MPEGTS = RecordingSource(SourceKind.MPEGTS, "udp://:5000", "udp://:5000")

# The child writes chunk i (a function of i) received at START_US + i ms, in segments of
# 100 ms or 200 kB, and reports each chunk once write() has returned.
CHILD = f"""
import hashlib, sys
from pathlib import Path
from domain.recording import RecordingSource, RecordingStream, SegmentLimits, SourceKind
from drone_ai.adapters.recording.writer import RecordingWriter

source = RecordingSource(SourceKind.MPEGTS, "udp://:5000", "udp://:5000")
writer = RecordingWriter.start(
    Path(sys.argv[1]), "killed", source, lambda: {START_US}, SegmentLimits(100_000, 200_000)
)
i = 0
while True:
    chunk = hashlib.sha256(i.to_bytes(8, "little")).digest() * 41 + i.to_bytes(4, "little")
    writer.write(RecordingStream.INPUT, {START_US} + i * 1000, chunk)
    i += 1
    print(i, flush=True)
"""


def _chunk(i: int) -> bytes:
    return hashlib.sha256(i.to_bytes(8, "little")).digest() * 41 + i.to_bytes(4, "little")


def test_a_recording_killed_mid_write_is_recovered_with_every_reported_chunk(
    tmp_path: Path,
) -> None:
    reported: list[int] = []
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        reader = threading.Thread(
            target=lambda: reported.extend(int(line) for line in child.stdout or ())
        )
        reader.start()
        time.sleep(0.5)
        while not reported and child.poll() is None:  # a slow start: kill it once it writes
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        reader.join(timeout=10)
        errors = child.stderr.read() if child.stderr else ""
    assert child.returncode == -signal.SIGKILL, errors
    written = reported[-1]
    assert written > 200  # several segments: closed ones listed, the last one open

    [folder] = find_interrupted(tmp_path)
    manifest = recover(folder)
    chunks = list(iter_chunks(folder, RecordingStream.INPUT))
    # One chunk more than reported: written, killed before its line was printed.
    assert written <= len(chunks) <= written + 1
    assert [c.data for c in chunks] == [_chunk(i) for i in range(len(chunks))]
    assert [c.received_us for c in chunks] == [START_US + i * 1000 for i in range(len(chunks))]
    assert manifest.state is RecordingState.RECOVERED
    assert manifest.recovered is not None
    assert manifest.recovered.last_chunk_us == START_US + (len(chunks) - 1) * 1000
    # The open segment, unless the kill fell between a close and the next segment's first
    # chunk (then there is nothing to recover, and nothing is lost).
    assert set(manifest.recovered.segments) <= {s.name for s in manifest.segments}
    assert len(manifest.segments) == -(-len(chunks) // 100)  # 100 chunks in 100 ms each
    assert read_manifest(folder) == manifest
    assert find_interrupted(tmp_path) == []


def _probe(path: Path) -> list[dict[str, object]]:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    streams: list[dict[str, object]] = json.loads(probe.stdout)["streams"]
    return streams


def test_recorded_mpegts_segments_are_video_with_data_for_ffprobe(tmp_path: Path) -> None:
    source = tmp_path / "flight.ts"
    bootstrap.simulate_to_path(None, source, duration_s=2)
    data = source.read_bytes()
    writer = RecordingWriter.start(
        tmp_path / "recordings", "sim", MPEGTS, lambda: START_US, SegmentLimits(1_000_000, 1 << 30)
    )
    datagrams = [data[i : i + DATAGRAM_BYTES] for i in range(0, len(data), DATAGRAM_BYTES)]
    for n, datagram in enumerate(datagrams):  # received evenly over the flight's 2 s
        writer.write(RecordingStream.INPUT, START_US + n * 2_000_000 // len(datagrams), datagram)
    manifest = writer.finish()
    assert [s.name for s in manifest.segments] == ["input.000001.ts", "input.000002.ts"]
    assert b"".join(c.data for c in iter_chunks(writer.folder, RecordingStream.INPUT)) == data
    first, second = (_probe(writer.folder / s.name) for s in manifest.segments)
    assert [(s["codec_type"], s["codec_name"], s["width"]) for s in first[:1]] == [
        ("video", "h264", 1280)
    ]
    assert [(s["codec_type"], s["codec_name"]) for s in first[1:]] == [("data", "klv")]
    # The simulator's H.264 has one keyframe (with its parameter sets) at the start: the
    # second segment is still MPEG-TS with both streams, but decodes only after the first.
    assert [(s["codec_type"], s["codec_name"]) for s in second] == [
        ("video", "h264"),
        ("data", "klv"),
    ]
