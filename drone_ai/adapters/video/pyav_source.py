"""Video through PyAV (FFmpeg): MPEG-TS from a file, UDP (udp://127.0.0.1:port, multicast
too) or a pipe, and RTSP (rtsp://, over TCP: the fixed cameras a tower also watches). Decoded
video frames and the telemetry of every KLV data stream, in stream order.

Frame times: the video's PTS, turned into UTC by a clock alignment learnt from KLV packets
that carry both a PTS and their own time (item 2); when the KLV has no PTS, the first KLV time
is taken to be the first video frame's. Frames before any alignment keep their PTS (in us) and
say so (FrameClock.PTS_UNALIGNED). A damaged packet, or a frame FFmpeg cannot decode, is
counted and skipped. PyAV types stay in this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import av
import numpy as np

from domain.frames import Frame, FrameClock
from domain.synchronisation import ClockAlignment
from domain.telemetry import TelemetrySample
from drone_ai.adapters.klv.mpegts import unwrap_au_cells
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.adapters.klv.reader import KlvTelemetryDecoder
from drone_ai.errors import SourceError

_KLV_CODEC = "klv"
_US_PER_SECOND = 1_000_000


@dataclass(slots=True)
class TsCounts:
    frames: int = 0
    klv_units: int = 0
    refused: Counter[str] = field(default_factory=Counter)


class Readable(Protocol):
    def read(self, size: int = -1) -> bytes: ...

    def close(self) -> None: ...


@runtime_checkable
class Stoppable(Protocol):
    def stop(self) -> None: ...


class PyAvFrameSource:
    """Frames and telemetry of one MPEG-TS input, in the order the input gives them."""

    def __init__(
        self,
        url: str,
        policy: DecodePolicy = DecodePolicy.LENIENT,
        timeout_s: float = 5.0,
        reader: Callable[[], Readable] | None = None,
    ) -> None:
        """`reader`: the input's bytes from a stream the tower reads itself (ts_input.py, so
        that they can be recorded as they came); `url` then only names it."""
        self._url = url
        self._reader = reader
        self._stream: object = None  # the reader's stream, while open
        self._format: str | None = "mpegts"
        self._options: dict[str, str] = {}
        if url.startswith("rtsp://"):
            self._format = None  # RTSP's own demuxer
            self._options = {"rtsp_transport": "tcp", "timeout": str(int(timeout_s * 1e6))}
        elif "://" in url:
            self._options = {"timeout": str(int(timeout_s * 1e6))}
        self._ctx = DecodeContext(policy)
        self._clock = ClockAlignment()
        self.counts = TsCounts()

    @property
    def telemetry_refused(self) -> dict[str, int]:
        return self._ctx.counts.as_dict()

    def events(self) -> Iterator[Frame | TelemetrySample]:
        if self._reader is None:
            yield from self._demux(self._url, self._format, self._options)
            return
        stream = self._stream = self._reader()
        try:
            yield from self._demux(stream, "mpegts", {})
        finally:
            stream.close()  # PyAV leaves a stream it was given open

    def stop(self) -> None:
        """End a stream the tower reads itself at its next read, rather than when its peer
        has been quiet long enough (an FFmpeg URL ends at its own read timeout)."""
        if isinstance(self._stream, Stoppable):
            self._stream.stop()

    def _demux(
        self, source: str | Readable, format_name: str | None, options: dict[str, str]
    ) -> Iterator[Frame | TelemetrySample]:
        try:
            container = av.open(source, mode="r", format=format_name, options=options)
        except (OSError, av.FFmpegError) as exc:
            raise SourceError(f"{self._url}: a readable video input expected: {exc}") from exc
        with container:
            video = container.streams.video[0] if container.streams.video else None
            klv = [s for s in container.streams if s.type == "data" and s.name == _KLV_CODEC]
            decoders = {s.index: KlvTelemetryDecoder(self._ctx) for s in klv}
            first_frame_pts_us: int | None = None
            wanted = ([video] if video is not None else []) + klv
            try:
                for packet in container.demux(wanted):
                    if packet.stream.type == "data":
                        yield from self._telemetry(
                            packet, decoders[packet.stream.index], first_frame_pts_us
                        )
                        continue
                    for frame in self._decode(packet):
                        pts_us = _pts_us(frame.pts, frame.time_base)
                        if first_frame_pts_us is None:
                            first_frame_pts_us = pts_us
                        yield self._frame(frame, pts_us)
            except av.FFmpegError as exc:
                # A network input ends by timing out: what the decoder still holds is flushed
                # below. A file that fails to demux is broken, and says so.
                self.counts.refused["demux_error"] += 1
                if "://" not in self._url:
                    raise SourceError(f"{self._url}: demuxing failed: {exc}") from exc
            if video is not None:
                for frame in self._flush(video):
                    yield self._frame(frame, _pts_us(frame.pts, frame.time_base))
            for decoder in decoders.values():
                for decoded in decoder.close():
                    if decoded.sample is not None:
                        yield decoded.sample

    def _flush(self, video: Any) -> list[Any]:
        try:
            return list(video.codec_context.decode(None))
        except av.FFmpegError:
            return []  # already flushed (a file's end does it through the demuxer)

    def _decode(self, packet: Any) -> list[Any]:
        try:
            return list(packet.decode())
        except av.FFmpegError:
            self.counts.refused["undecodable_video"] += 1
            return []

    def _telemetry(
        self, packet: Any, decoder: KlvTelemetryDecoder, first_frame_pts_us: int | None
    ) -> Iterator[TelemetrySample]:
        if packet.size == 0:
            return
        self.counts.klv_units += 1
        pts_us = _pts_us(packet.pts, packet.time_base)
        for decoded in decoder.feed(unwrap_au_cells(bytes(packet))):
            sample = decoded.sample
            if sample is None:
                continue
            if pts_us is not None:
                self._clock.observe(pts_us, sample.t_us)
            elif not self._clock.known and first_frame_pts_us is not None:
                self._clock.observe(first_frame_pts_us, sample.t_us)
            yield sample

    def _frame(self, frame: Any, pts_us: int | None) -> Frame:
        image = np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)
        index = self.counts.frames
        self.counts.frames += 1
        source_us = pts_us if pts_us is not None else 0
        utc = self._clock.to_utc(source_us)
        pts_90khz = None if frame.pts is None else round(source_us * 9 / 100)
        if utc is None:
            return Frame(index, source_us, FrameClock.PTS_UNALIGNED, image, pts_90khz)
        return Frame(index, utc, FrameClock.PTS, image, pts_90khz)


def _pts_us(pts: int | None, time_base: Any) -> int | None:
    if pts is None or time_base is None:
        return None
    return int(pts * time_base.numerator * _US_PER_SECOND // time_base.denominator)
