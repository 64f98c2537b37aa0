"""An MJPEG+KLV recording as a STANAG 4609 style MPEG-TS: the recorded JPEG parts re-encoded as
H.264, the recorded KLV packets muxed as a SMPTE 336 KLV data stream, the way the simulator's
MPEG-TS writer (drone_ai/adapters/simulator/mpegts_writer.py) muxes them: stream_type 0x06 with
a "KLVA" registration descriptor, PES packets with PTS.

Both streams' PTS (90 kHz) count from the recording's first received chunk, so a frame and a
KLV packet received at the same instant share a PTS: the tower's receive times are the only
common clock an MJPEG source and a KLV source have. A part that is not a decodable JPEG is
skipped and counted (one bad frame never stops an export). PyAV types stay in this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from domain.recording import RecordingStream
from drone_ai.adapters.recording.reader import iter_chunks, iter_received
from drone_ai.adapters.video.mjpeg import recorded_part_of
from drone_ai.errors import RecordingError, SourceError

PTS_HZ = 90_000
_TIME_BASE = Fraction(1, PTS_HZ)
KEYFRAME_EVERY = 30  # frames: a viewer can start or seek about once a second at 30 fps


@dataclass(frozen=True, slots=True)
class TranscodeCounts:
    frames: int
    klv_packets: int
    frames_skipped: int  # parts that were not a JPEG that decodes


def transcode(folder: Path, out_path: Path, first_us: int) -> TranscodeCounts:
    """Write the recording's VIDEO and TELEMETRY streams to `out_path` as MPEG-TS, with PTS
    counted from `first_us` (UTC us). RecordingError when no JPEG of the recording decodes."""
    decoder = av.CodecContext.create("mjpeg", "r")
    width, height = _first_size(folder, decoder)
    frames = packets = skipped = 0
    last_pts = -1
    try:
        container = av.open(str(out_path), mode="w", format="mpegts")
    except (OSError, av.FFmpegError) as exc:
        raise RecordingError(f"{out_path}: a writable MPEG-TS file expected: {exc}") from exc
    with container:
        video = container.add_stream("libx264")
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.time_base = video.codec_context.time_base = _TIME_BASE
        video.codec_context.gop_size = KEYFRAME_EVERY
        # zerolatency: no B-frames, so decode order is presentation order (DTS = PTS).
        video.options = {"preset": "veryfast", "tune": "zerolatency"}
        klv = container.add_data_stream("klv")
        klv.time_base = _TIME_BASE
        for chunk in iter_received(folder, RecordingStream.VIDEO, RecordingStream.TELEMETRY):
            pts = (chunk.received_us - first_us) * PTS_HZ // 1_000_000
            if chunk.stream is RecordingStream.TELEMETRY:
                packet = av.Packet(chunk.data)
                packet.stream, packet.time_base = klv, _TIME_BASE
                packet.pts = packet.dts = max(pts, 0)
                container.mux(packet)
                packets += 1
                continue
            pictures = _decoded(decoder, chunk.data)
            if pictures is None:
                skipped += 1
                continue
            for picture in pictures:
                # Two JPEGs received in the same 90 kHz tick still need distinct PTS.
                last_pts = max(pts, last_pts + 1)
                image = picture.reformat(format="yuv420p", width=width, height=height)
                image.pts, image.time_base = last_pts, _TIME_BASE
                container.mux(video.encode(image))
                frames += 1
        container.mux(video.encode(None))
    return TranscodeCounts(frames, packets, skipped)


def _decoded(decoder: Any, part: bytes) -> list[Any] | None:
    """The pictures of one recorded part; None for a part that is not a JPEG that decodes."""
    try:
        headers, jpeg = recorded_part_of(part)
        if not headers.get("content-type", "image/jpeg").lower().startswith("image/jpeg"):
            return None
        return list(decoder.decode(av.Packet(jpeg)))
    except (SourceError, av.FFmpegError):
        return None


def _first_size(folder: Path, decoder: Any) -> tuple[int, int]:
    """The first decodable JPEG's size, made even (H.264 in 4:2:0 needs even sides)."""
    for chunk in iter_chunks(folder, RecordingStream.VIDEO):
        for picture in _decoded(decoder, chunk.data) or ():
            if picture.width >= 2 and picture.height >= 2:
                return picture.width - picture.width % 2, picture.height - picture.height % 2
    raise RecordingError(f"{folder}: a recording with a decodable JPEG expected, found none")
