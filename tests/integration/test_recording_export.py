"""A recording exported for outside tools: its video as STANAG 4609 style MPEG-TS that ffprobe
and PyAV read as H.264 plus KLV, and its detections and tracks as one GeoJSON
FeatureCollection; through the library and through `drone-ai export`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import av
import pytest

from domain.detections import Detection
from domain.event_log import Sequenced
from domain.flight_events import (
    FlightEvent,
    FrameResult,
    GeoPosition,
    LocatedDetection,
    TrackUpdate,
)
from domain.georeference import Method
from domain.recording import RecordingSource, RecordingStream, SegmentLimits, SourceKind
from domain.tracking import TrackState
from drone_ai import bootstrap
from drone_ai.adapters.recording.event_lines import decode_line, encode_line
from drone_ai.adapters.recording.export import export_geojson, export_ts
from drone_ai.adapters.recording.reader import iter_chunks
from drone_ai.adapters.recording.writer import RecordingWriter
from drone_ai.adapters.video.mjpeg import recorded_part
from drone_ai.entrypoints.cli import EXIT_OK, EXIT_UNREADABLE, main

START_US = 1_767_268_800_000_000
DATAGRAM_BYTES = 7 * 188
MPEGTS = RecordingSource(SourceKind.MPEGTS, "udp://:5000", "udp://:5000")
MJPEG = RecordingSource(SourceKind.MJPEG_KLV, "http://cam/video.mjpeg", "udp://:6000")
LIMITS = SegmentLimits(1_000_000, 1 << 30)  # 1 s segments: a 2 s flight spans two

# Track 1 walks north-east over four frames, track 2 is seen twice, track 3 once; a
# detection whose ray missed the ground has no position and is no Point.
FRAMES = 4
TRACK_STEPS = {1: 4, 2: 2, 3: 1}


def _position(track_id: int, step: int) -> GeoPosition:
    return GeoPosition(50.0 + track_id * 1e-3 + step * 1e-5, 8.0 + step * 2e-5, 120.25 + step)


def _events() -> list[FlightEvent]:
    events: list[FlightEvent] = []
    for step in range(FRAMES):
        t_us = START_US + step * 100_000
        seen = [tid for tid, steps in TRACK_STEPS.items() if step < steps]
        located = tuple(
            LocatedDetection(
                Detection(10.0, 20.0, 30.0, 60.0, 2, "car", 0.87654),
                tid,
                _position(tid, step),
                3.456,
                Method.POSE_ELLIPSOID,
            )
            for tid in seen
        )
        missed = LocatedDetection(
            Detection(0.0, 0.0, 5.0, 5.0, 0, "person", 0.5), None, None, None, None
        )
        corners = tuple(
            GeoPosition(50.0 + dy, 8.0 + dx, 100.0)
            for dx, dy in ((0, 0), (0.01, 0), (0.01, 0.01), (0, 0.01))
        )
        events.append(
            FrameResult(t_us, 20_000, _position(0, step), corners, (*located, missed), t_us)
        )
        for tid in seen:
            ended = tid != 1 and step == TRACK_STEPS[tid] - 1  # track 1 is still on at the end
            state = TrackState.ENDED if ended else TrackState.CONFIRMED
            events.append(
                TrackUpdate(
                    tid,
                    "car",
                    state,
                    t_us,
                    (10.0, 20.0, 30.0, 60.0),
                    _position(tid, step),
                    None,
                    None,
                )
            )
    return events


def _write_events(writer: RecordingWriter) -> None:
    for sequence, event in enumerate(_events(), start=1):
        logged = Sequenced(sequence, START_US + sequence, event)
        writer.write(RecordingStream.EVENTS, START_US + sequence * 1000, encode_line(logged))


@pytest.fixture(scope="module")
def simulated_ts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sim") / "flight.ts"
    bootstrap.simulate_to_path(None, path, duration_s=2)
    return path


@pytest.fixture(scope="module")
def mpegts_recording(tmp_path_factory: pytest.TempPathFactory, simulated_ts: Path) -> Path:
    """The simulated flight's TS received as UDP datagrams over 2 s, and result events."""
    data = simulated_ts.read_bytes()
    root = tmp_path_factory.mktemp("recordings")
    writer = RecordingWriter.start(root, "sim", MPEGTS, lambda: START_US, LIMITS)
    datagrams = [data[i : i + DATAGRAM_BYTES] for i in range(0, len(data), DATAGRAM_BYTES)]
    for n, datagram in enumerate(datagrams):
        writer.write(RecordingStream.INPUT, START_US + n * 2_000_000 // len(datagrams), datagram)
    _write_events(writer)
    manifest = writer.finish()
    assert len(manifest.segments_of(RecordingStream.INPUT)) == 2
    return writer.folder


def _probe(path: Path) -> list[tuple[object, object]]:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [(s["codec_type"], s["codec_name"]) for s in json.loads(probe.stdout)["streams"]]


def _decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _klv_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(data=0) if p.size]


def test_an_mpegts_recording_exports_as_the_received_ts_with_h264_and_klv(
    mpegts_recording: Path, simulated_ts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export.ts"
    result = export_ts(mpegts_recording, out)
    assert out.read_bytes() == simulated_ts.read_bytes()
    assert result.bytes == out.stat().st_size
    assert _probe(out) == [("video", "h264"), ("data", "klv")]
    assert _decoded_frames(out) == _decoded_frames(simulated_ts) > 30
    assert len(_klv_packets(out)) > 10


def test_an_mjpeg_recording_exports_as_h264_with_its_klv_packets_timed_by_receipt(
    tmp_path: Path,
) -> None:
    files = tmp_path / "sim"
    bootstrap.simulate_to_path(None, files, duration_s=1)
    jpegs = sorted((files / "frames").glob("*.jpg"))
    frame_times = [json.loads(line)["t_us"] for line in _lines(files / "frames.jsonl")]
    klv_bin = (files / "klv.bin").read_bytes()
    klv_index = [json.loads(line) for line in _lines(files / "klv.jsonl")]
    packets = [(r["t_us"], klv_bin[r["offset"] : r["offset"] + r["size"]]) for r in klv_index]
    writer = RecordingWriter.start(tmp_path / "rec", "cam", MJPEG, lambda: START_US, LIMITS)
    for t_us, jpeg in zip(frame_times, jpegs, strict=True):
        writer.write(RecordingStream.VIDEO, t_us, recorded_part({}, jpeg.read_bytes()))
        if jpeg == jpegs[3]:  # a JPEG torn in transit: skipped, counted, the rest exported
            torn = recorded_part({}, b"\xff\xd8\xff\xe0 not a JPEG")
            writer.write(RecordingStream.VIDEO, t_us + 1, torn)
    for t_us, packet in packets:
        writer.write(RecordingStream.TELEMETRY, t_us, packet)
    writer.finish()

    out = tmp_path / "export.ts"
    result = export_ts(writer.folder, out)
    assert (result.frames, result.frames_skipped, result.klv_packets) == (
        len(jpegs),
        1,
        len(packets),
    )
    assert _probe(out) == [("video", "h264"), ("data", "klv")]
    assert _decoded_frames(out) == len(jpegs)
    assert _klv_packets(out) == [packet for _, packet in packets]
    with av.open(str(out)) as container:
        video = [p for p in container.demux(video=0) if p.pts is not None]
        spacing_s = float((video[1].pts - video[0].pts) * video[0].time_base)
    frame_spacing_s = (frame_times[1] - frame_times[0]) / 1e6
    assert spacing_s == pytest.approx(frame_spacing_s, abs=1 / 90_000)


def test_the_geojson_export_has_a_point_per_placed_detection_and_a_line_per_track(
    mpegts_recording: Path, tmp_path: Path
) -> None:
    out = tmp_path / "flight.geojson"
    result = export_geojson(mpegts_recording, out, footprints=True)
    collection = json.loads(out.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert all(f["type"] == "Feature" for f in features)
    points = [f for f in features if f["properties"]["kind"] == "detection"]
    assert len(points) == sum(TRACK_STEPS.values()) == result.detections
    assert all(f["geometry"]["type"] == "Point" for f in points)
    first = points[0]
    assert first["geometry"]["coordinates"] == [8.0, 50.001, 120.25]  # lon, lat, HAE
    assert first["properties"] | {"sequence": 0} == {
        "flight_id": "sim",
        "sequence": 0,
        "frame_time_us": START_US,
        "kind": "detection",
        "label": "car",
        "score": 0.8765,
        "track_id": 1,
        "horizontal_error_m": 3.46,
        "method": "GEO_METHOD_POSE_ELLIPSOID",
    }
    tracks = {
        f["properties"]["track_id"]: f for f in features if f["properties"]["kind"] == "track"
    }
    assert sorted(tracks) == [1, 2, 3] and result.tracks == 3
    walk = tracks[1]
    assert walk["geometry"]["type"] == "LineString"
    assert walk["geometry"]["coordinates"] == [
        [round(p.lon_deg, 7), round(p.lat_deg, 7), round(p.hae_m, 2)]
        for p in (_position(1, step) for step in range(4))
    ]
    assert walk["properties"]["first_time_us"] == START_US
    assert walk["properties"]["last_time_us"] == START_US + 300_000
    assert walk["properties"]["state"] == "TRACK_STATE_CONFIRMED"
    assert tracks[2]["geometry"]["type"] == "LineString"
    assert len(tracks[2]["geometry"]["coordinates"]) == 2
    assert tracks[2]["properties"]["state"] == "TRACK_STATE_ENDED"
    assert tracks[3]["geometry"]["type"] == "Point"  # one position makes no line
    footprints = [f for f in features if f["properties"]["kind"] == "footprint"]
    assert len(footprints) == FRAMES == result.footprints
    ring = footprints[0]["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]


def test_drone_ai_export_writes_both_files_for_a_recording_named_under_the_recording_dir(
    mpegts_recording: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DRONE_AI_RECORDING_DIR", str(mpegts_recording.parents[1]))
    name = f"{mpegts_recording.parent.name}/{mpegts_recording.name}"
    ts, geojson = tmp_path / "out.ts", tmp_path / "out.geojson"
    code = main(["export", name, "--ts", str(ts), "--geojson", str(geojson)])
    out = capsys.readouterr().out
    assert code == EXIT_OK, out
    assert _probe(ts) == [("video", "h264"), ("data", "klv")]
    assert json.loads(geojson.read_text(encoding="utf-8"))["type"] == "FeatureCollection"
    assert "7 detections, 3 tracks" in out


def test_drone_ai_export_refuses_a_folder_that_is_no_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.ts"
    code = main(["export", str(tmp_path), "--ts", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_UNREADABLE
    assert "recording: <flight_id>/<recording_id>" in err and str(tmp_path) in err
    assert not out.exists()


def test_drone_ai_export_refuses_a_recording_still_being_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with RecordingWriter.start(tmp_path, "live", MPEGTS, lambda: START_US, LIMITS) as writer:
        writer.write(RecordingStream.INPUT, START_US, b"\x47" + bytes(187))
        out = tmp_path / "out.geojson"
        code = main(["export", str(writer.folder), "--geojson", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_UNREADABLE
    assert "still being written" in err
    assert not out.exists()


def test_drone_ai_replay_re_analyses_a_recording_with_a_progress_bar(
    mpegts_recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["replay", str(mpegts_recording), "--speed", "0", "--format", "table"])
    captured = capsys.readouterr()
    assert code == EXIT_OK, captured.err
    rows = captured.out.splitlines()
    assert sum(" frame " in row for row in rows) == 60  # 2 s at 30 fps, every one
    assert "FLIGHT_STATE_STOPPED" in rows[-1]
    assert "replay [##############################] 100%" in captured.err
    assert f"replayed {len(rows)} events" in captured.err


def test_drone_ai_replay_of_results_re_sends_the_recorded_events(
    mpegts_recording: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(mpegts_recording.parent)  # the recording named by a path from here
    code = main(["replay", mpegts_recording.name, "--speed", "0", "--results"])
    captured = capsys.readouterr()
    assert code == EXIT_OK, captured.err
    sent = [json.loads(line) for line in captured.out.splitlines()]
    recorded = [decode_line(c.data) for c in iter_chunks(mpegts_recording, RecordingStream.EVENTS)]
    kinds = {"FrameResult": "frame", "TrackUpdate": "track", "StatusChange": "status"}
    assert [kind for e in sent for kind in ("frame", "track", "status") if kind in e] == [
        kinds[type(r.event).__name__] for r in recorded
    ] + ["status"]  # and the replay's own end: the recording has none
    assert [int(e["sequence"]) for e in sent[:-1]] == [r.sequence for r in recorded]
    assert sent[-1]["status"]["state"] == "FLIGHT_STATE_STOPPED"


def test_drone_ai_replay_of_no_recording_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(tmp_path)]) == EXIT_UNREADABLE
    assert "drone-ai: replay: recording:" in capsys.readouterr().err
