from __future__ import annotations

import io

import cv2
import numpy as np
import pytest

from domain.frames import FrameClock
from drone_ai.adapters.video.mjpeg import (
    RECORDED_BOUNDARY,
    MjpegPartReader,
    PartRefusal,
    boundary_of,
    recorded_part_of,
)
from drone_ai.errors import SourceError


def jpeg(shade: int, size: tuple[int, int] = (16, 24)) -> bytes:
    image = np.full((*size, 3), shade, dtype=np.uint8)
    return cv2.imencode(".jpg", image)[1].tobytes()


def part(
    body: bytes, *, length: bool = True, kind: str = "image/jpeg", t_us: int | None = None
) -> bytes:
    head = f"--frame\r\nContent-Type: {kind}\r\n"
    if length:
        head += f"Content-Length: {len(body)}\r\n"
    if t_us is not None:
        head += f"X-Capture-Time-Us: {t_us}\r\n"
    return head.encode() + b"\r\n" + body + b"\r\n"


def read(stream: bytes, max_part_bytes: int = 1_000_000) -> tuple[list, MjpegPartReader]:  # type: ignore[type-arg]
    buffer = io.BytesIO(stream)
    reader = MjpegPartReader(
        buffer.readline, buffer.read, "frame", max_part_bytes, clock_us=lambda: 42
    )
    return list(reader.frames()), reader


def test_parts_with_lengths_become_frames_timed_by_their_header() -> None:
    frames, reader = read(
        part(jpeg(10), t_us=1_000) + part(jpeg(200), t_us=2_000) + b"--frame--\r\n"
    )
    assert [f.t_us for f in frames] == [1_000, 2_000]
    assert all(f.clock is FrameClock.CAPTURE_HEADER for f in frames)
    assert frames[1].image.shape == (16, 24, 3) and abs(int(frames[1].image.mean()) - 200) < 3
    assert reader.counts.frames == 2 and not reader.counts.refused


def test_parts_without_lengths_end_at_the_next_boundary_and_take_the_arrival_time() -> None:
    frames, reader = read(
        part(jpeg(10), length=False) + part(jpeg(90), length=False) + b"--frame--\r\n"
    )
    assert len(frames) == 2
    assert not reader.counts.refused
    assert all(f.clock is FrameClock.ARRIVAL and f.t_us == 42 for f in frames)
    assert [f.index for f in frames] == [0, 1]


@pytest.mark.parametrize("length", [True, False], ids=["sized", "delimited"])
def test_bad_parts_are_refused_by_reason_and_the_next_frame_still_arrives(length: bool) -> None:
    stream = (
        part(b"hello", kind="text/plain", length=length)
        + part(b"\xff\xd8 not really a jpeg", length=length)
        + part(jpeg(10) * 200, length=length)  # over the 50 kB limit below
        + part(jpeg(120), length=length, t_us=7)
        + b"--frame--\r\n"
    )
    frames, reader = read(stream, max_part_bytes=50_000)
    assert [f.t_us for f in frames] == [7]
    assert reader.counts.refused == {
        PartRefusal.NOT_JPEG: 1,
        PartRefusal.CORRUPT_JPEG: 1,
        PartRefusal.TOO_LARGE: 1,
    }


@pytest.mark.parametrize("length", [True, False], ids=["sized", "delimited"])
def test_the_tap_gets_every_part_read_whole_in_the_recorded_form(length: bool) -> None:
    bodies = [jpeg(10), b"\xff\xd8 torn", jpeg(10) * 200, jpeg(30), jpeg(50)]
    stream = (
        part(bodies[0], length=length, t_us=1_000)
        + part(bodies[1], length=length)
        + part(bodies[2], length=length)  # too large: never held, so not kept
        + part(bodies[3], length=length, kind="image/jpeg; q=1", t_us=3_000)
        + part(bodies[4], length=length)[:-300]  # cut by the peer: not kept
    )
    tapped: list[tuple[int, bytes]] = []
    arrivals = iter(range(100, 200))
    buffer = io.BytesIO(stream)
    reader = MjpegPartReader(
        buffer.readline,
        buffer.read,
        "frame",
        50_000,
        clock_us=lambda: next(arrivals),
        tap=lambda t_us, data: tapped.append((t_us, data)),
    )
    frames = list(reader.frames())
    assert [t_us for t_us, _ in tapped] == [100, 101, 103]
    parts = [recorded_part_of(data) for _, data in tapped]
    assert [body for _, body in parts] == [bodies[0], bodies[1], bodies[3]]
    assert parts[0][0] == {
        "content-type": "image/jpeg",
        "x-capture-time-us": "1000",
        "content-length": str(len(bodies[0])),
    }
    assert "x-capture-time-us" not in parts[1][0]
    assert parts[2][0]["content-type"] == "image/jpeg; q=1"
    assert all(data.startswith(f"--{RECORDED_BOUNDARY}\r\n".encode()) for _, data in tapped)
    # The recorded parts back to back read as the stream did: the same frames, same times.
    replayed_times = iter(t_us for t_us, _ in tapped)
    recorded = io.BytesIO(b"".join(data for _, data in tapped))
    again = MjpegPartReader(
        recorded.readline,
        recorded.read,
        RECORDED_BOUNDARY,
        clock_us=lambda: next(replayed_times),
    )
    assert [(f.index, f.t_us, f.clock) for f in again.frames()] == [
        (f.index, f.t_us, f.clock) for f in frames
    ]


@pytest.mark.parametrize(
    "damaged",
    [
        b"",
        b"--frame\r\nContent-Length: 3\r\n\r\nabc\r\n",  # not the recorded boundary
        f"--{RECORDED_BOUNDARY}\r\nContent-Length: 9\r\n\r\nabc\r\n".encode(),
        f"--{RECORDED_BOUNDARY}\r\nContent-Type: image/jpeg\r\n\r\nabc\r\n".encode(),
        f"--{RECORDED_BOUNDARY}\r\nContent-Length: 3\r\nabc".encode(),
    ],
)
def test_a_damaged_recorded_part_is_refused_with_what_was_expected(damaged: bytes) -> None:
    with pytest.raises(SourceError, match=r"recorded MJPEG part: .* expected"):
        recorded_part_of(damaged)


def test_a_stream_cut_inside_a_part_ends_cleanly_and_counts_it() -> None:
    frames, reader = read(part(jpeg(10), t_us=1) + part(jpeg(20), t_us=2)[:-300])
    assert [f.t_us for f in frames] == [1]
    assert reader.counts.refused[PartRefusal.TRUNCATED] == 1


def test_a_huge_announced_part_is_skipped_without_being_held() -> None:
    class Source(io.RawIOBase):
        """100 MB of body after one header, produced on demand."""

        def __init__(self) -> None:
            self.head = io.BytesIO(
                b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 100000000\r\n\r\n"
            )
            self.left = 100_000_000
            self.largest_read = 0

        def readline(self, limit: int = -1) -> bytes:  # type: ignore[override]
            return self.head.readline(limit)

        def read(self, size: int = -1) -> bytes:  # type: ignore[override]
            self.largest_read = max(self.largest_read, size)
            chunk = b"\x00" * min(size, self.left)
            self.left -= len(chunk)
            return chunk

    source = Source()
    reader = MjpegPartReader(source.readline, source.read, "frame", max_part_bytes=1_000_000)
    assert list(reader.frames()) == []
    assert reader.counts.refused[PartRefusal.TOO_LARGE] == 1
    assert source.left == 0 and source.largest_read <= 65_536


@pytest.mark.parametrize(
    ("header", "boundary"),
    [
        ("multipart/x-mixed-replace; boundary=frame", "frame"),
        ('multipart/x-mixed-replace;boundary="ffmpeg"', "ffmpeg"),
        ("Multipart/X-Mixed-Replace; charset=x; boundary=--b", "--b"),
    ],
)
def test_the_boundary_comes_from_the_content_type(header: str, boundary: str) -> None:
    assert boundary_of(header) == boundary


@pytest.mark.parametrize("header", ["image/jpeg", "multipart/x-mixed-replace", ""])
def test_a_stream_that_is_not_mjpeg_is_refused(header: str) -> None:
    with pytest.raises(SourceError, match="MJPEG"):
        boundary_of(header)
