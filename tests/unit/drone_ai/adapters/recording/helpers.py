"""What the recording tests share: a clock the test moves, and a writer started on tmp_path."""

from __future__ import annotations

from pathlib import Path

from domain.recording import RecordingSource, SegmentLimits, SourceKind
from drone_ai.adapters.recording.writer import RecordingWriter

START_US = 1_767_268_800_000_000  # 2026-01-01T12:00:00Z
MPEGTS = RecordingSource(SourceKind.MPEGTS, "udp://:5000", "udp://:5000")
MJPEG = RecordingSource(SourceKind.MJPEG_KLV, "http://cam/video.mjpeg", "udp://:6000")


class StepClock:
    """The tower's clock, in a test's hands."""

    def __init__(self, now_us: int = START_US) -> None:
        self.now_us = now_us

    def __call__(self) -> int:
        return self.now_us


def start_writer(
    root: Path,
    source: RecordingSource = MPEGTS,
    span_us: int = 1_000_000,
    max_bytes: int = 1 << 20,
    clock: StepClock | None = None,
) -> RecordingWriter:
    return RecordingWriter.start(
        root, "flight-1", source, clock or StepClock(), SegmentLimits(span_us, max_bytes)
    )
