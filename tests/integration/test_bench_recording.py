"""The recording benchmark's building blocks, small (bench/recording.py runs them large): the
writer runs, a real-time UDP flight into a real tower with record off and on, and replays of
its recording as fast as they go. No timed assertions: what is checked is that each piece
measures what the benchmark says it does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.recording import (
    DATAGRAM_BYTES,
    REANALYSE,
    RESULTS,
    best_write,
    filesystem,
    flight_cpu,
    mjpeg_recording,
    read_input,
    recording_of,
    replay_run,
    write_run,
)
from bench.tower_rig import Clip, Tower, render_clip, running_tower
from domain.flight_events import FlightState
from domain.recording import RecordingStream
from drone_ai.adapters.recording.manifest import read_manifest
from drone_ai.adapters.recording.reader import iter_chunks

CLIP_S = 2.0


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Clip:
    return render_clip(tmp_path_factory.mktemp("clip"), CLIP_S)


@pytest.fixture(scope="module")
def tower(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tower]:
    env = {
        "DRONE_AI_DETECTOR": "none",
        "DRONE_AI_DETECT_WORKERS": "1",
        "DRONE_AI_RECORDING_DIR": str(tmp_path_factory.mktemp("recordings")),
    }
    with running_tower(env) as running:
        yield running


@pytest.mark.parametrize("chunk_bytes", [DATAGRAM_BYTES, 64 * 1024], ids=["datagram", "64KiB"])
def test_a_write_run_records_every_chunk_it_counts_in_one_closed_segment(
    tmp_path: Path, chunk_bytes: int
) -> None:
    run = write_run(tmp_path, chunk_bytes, 200_000, "writes")
    assert run.chunks == -(-200_000 // chunk_bytes)
    assert run.data_bytes == run.chunks * chunk_bytes
    assert run.wall_s > 0 and run.cpu_s >= 0 and run.finish_wall_s > 0
    (folder,) = (tmp_path / "writes").iterdir()
    manifest = read_manifest(folder)
    assert manifest.state.value == "complete"
    (segment,) = manifest.segments_of(RecordingStream.INPUT)
    assert (segment.bytes, segment.chunks) == (run.data_bytes, run.chunks)
    chunks = list(iter_chunks(folder, RecordingStream.INPUT))
    assert all(len(c.data) == chunk_bytes for c in chunks)
    assert [c.received_us for c in chunks] == sorted(c.received_us for c in chunks)


def test_the_best_write_is_the_fastest_of_separate_recordings(tmp_path: Path) -> None:
    best = best_write(tmp_path, DATAGRAM_BYTES, 50_000, runs=3)
    assert len(list(tmp_path.iterdir())) == 3  # one recording (flight folder) per run
    assert best.chunks == -(-50_000 // DATAGRAM_BYTES)
    assert filesystem(tmp_path) != "?"


@pytest.mark.slow
def test_a_recorded_udp_flight_keeps_every_byte_sent_and_replays_as_fast_as_it_goes(
    tower: Tower, clip: Clip
) -> None:
    off = flight_cpu(tower, clip, False, "bench-off")
    on = flight_cpu(tower, clip, True, "bench-on")
    assert (off.record, on.record) == (False, True)
    assert off.tower_cores > 0 and on.tower_cores > 0
    assert on.frames_received > 0 and off.frames_received > 0
    with pytest.raises(RuntimeError, match="one recording expected, found 0"):
        recording_of(tower, "bench-off")
    recording = recording_of(tower, "bench-on")
    folder = tower.settings.recording_dir / recording
    size, seconds = read_input(folder)
    # Loopback UDP with a large receive buffer loses nothing: the whole clip was recorded.
    assert size == clip.path.stat().st_size
    assert seconds > 0

    again = replay_run(tower, recording, REANALYSE, "bench-reanalysed")
    assert again.state is FlightState.STOPPED
    # Every byte was recorded, so the replay decodes every frame of the clip; the live run
    # was stopped with its last frames still in the demuxer, waiting for more of the stream.
    assert again.frames_received == len(clip.frame_times_us) >= on.frames_received
    assert again.events > again.frames_received  # frame results plus status changes

    results = replay_run(tower, recording, RESULTS, "bench-results")
    assert results.state is FlightState.STOPPED
    recorded = sum(1 for _ in iter_chunks(folder, RecordingStream.EVENTS))
    assert results.events == recorded


def test_an_mjpeg_recording_keeps_each_part_and_datagram_and_replays_them_all(
    tower: Tower, tmp_path: Path
) -> None:
    made = mjpeg_recording(tmp_path, 1.0)
    manifest = read_manifest(made.folder)
    assert made.parts == sum(s.chunks for s in manifest.segments_of(RecordingStream.VIDEO))
    assert made.datagrams == sum(s.chunks for s in manifest.segments_of(RecordingStream.TELEMETRY))
    assert made.part_bytes < sum(s.bytes for s in manifest.segments_of(RecordingStream.VIDEO))
    assert made.video_cpu_s > 0 and made.cores > 0 and made.span_s > 0

    again = replay_run(tower, str(made.folder), REANALYSE, "bench-mjpeg")
    assert again.state is FlightState.STOPPED
    assert again.frames_received == made.parts
