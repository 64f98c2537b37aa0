"""Frames and telemetry from MPEG-TS files through PyAV, synchronised."""

from __future__ import annotations

from domain.frames import Frame, FrameClock
from domain.synchronisation import SyncKind, TelemetryTrack
from domain.telemetry import TelemetrySample
from drone_ai.adapters.video.pyav_source import PyAvFrameSource
from tests.conftest import DATA_DIR, SAMPLE_FLIGHT


def split(url: str) -> tuple[list[Frame], list[TelemetrySample]]:
    events = list(PyAvFrameSource(url).events())
    return (
        [e for e in events if isinstance(e, Frame)],
        [e for e in events if isinstance(e, TelemetrySample)],
    )


def test_a_file_without_klv_plays_with_every_frame_flagged_no_telemetry() -> None:
    frames, telemetry = split(str(DATA_DIR / "h264_no_klv.ts"))
    assert len(frames) == 30 and telemetry == []
    track = TelemetryTrack(max_gap_us=200_000, max_age_us=100_000)
    assert all(track.at(f.t_us).kind is SyncKind.NONE for f in frames)
    assert all(f.clock is FrameClock.PTS_UNALIGNED for f in frames)


def test_klv_with_pts_puts_the_frames_on_the_telemetry_clock() -> None:
    frames, telemetry = split(str(SAMPLE_FLIGHT))
    assert len(frames) == 10 and len(telemetry) == 300
    assert all(f.clock is FrameClock.PTS for f in frames)
    # 1 fps video inside 10 s of 30 Hz telemetry: each frame among the samples' times.
    track = TelemetryTrack(max_gap_us=100_000, max_age_us=50_000)
    for sample in telemetry:
        track.add(sample)
    kinds = [track.at(f.t_us).kind for f in frames]
    assert kinds.count(SyncKind.INTERPOLATED) + kinds.count(SyncKind.NEAREST) == 10
    # One second apart, to the jitter of the feed's own KLV times against its PTS.
    assert abs(frames[1].t_us - frames[0].t_us - 1_000_000) < 2_000


def test_klv_without_pts_is_aligned_on_the_first_frame() -> None:
    frames, telemetry = split(str(DATA_DIR / "h264_klv.ts"))
    assert len(frames) == 30 and len(telemetry) == 30
    aligned = [f for f in frames if f.clock is FrameClock.PTS]
    assert aligned and aligned[0].t_us >= telemetry[0].t_us
