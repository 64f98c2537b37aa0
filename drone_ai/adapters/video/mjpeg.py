"""MJPEG over HTTP: a multipart/x-mixed-replace body, one JPEG per part.

The boundary comes from the Content-Type, or, when a server sends the body as a plain byte
stream (FFmpeg's HTTP output does by default), from the body's first line. The parser reads
parts from any byte stream (`readline` and `read`), so that it is tested on
bytes in memory as well as on a socket. Per part: headers up to a blank line; the body is
Content-Length bytes when the header is there, else everything up to the next boundary line.
A part larger than `max_part_bytes` is skipped without being held in memory; a part that is
not a JPEG (by its Content-Type or its first bytes) or that does not decode is refused; every
refusal is counted by reason. The capture time comes from an X-Capture-Time-Us header when the
sender gives one, else it is the arrival time.

A recorder's tap gets each part the tower read whole (refused ones too, so that a replay refuses
them again) in one normalised form: a multipart part with the tower's own boundary, the part's
Content-Type and capture time headers as they came, its Content-Length, and its bytes exactly
as received. Such parts back to back are an MJPEG stream FFmpeg reads (its mpjpeg demuxer), and
`recorded_part_of` reads one back for a replay.
"""

from __future__ import annotations

import enum
import http.client
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import cv2
import numpy as np

from domain.frames import Frame, FrameClock
from drone_ai.errors import SourceError

DEFAULT_MAX_PART_BYTES = 16 * 1024 * 1024
_MAX_HEADER_LINE = 8_192
_MAX_HEADERS = 64
_CHUNK = 65_536
_JPEG_START = b"\xff\xd8"
CAPTURE_TIME_HEADER = "x-capture-time-us"
RECORDED_BOUNDARY = "drone-ai-frame"
_KEPT_HEADERS = {"content-type": "Content-Type", CAPTURE_TIME_HEADER: "X-Capture-Time-Us"}


class _After(enum.Enum):
    """Where the stream stands after a part's body."""

    PART_END = "part_end"  # the next boundary line is still to be read
    NEXT_PART = "next_part"  # the boundary was read: the next part's headers follow
    END = "end"  # the stream ended (or closed with the final boundary)


class PartRefusal(enum.Enum):
    TOO_LARGE = "part_too_large"
    NOT_JPEG = "not_jpeg"
    CORRUPT_JPEG = "corrupt_jpeg"
    BAD_HEADERS = "bad_headers"
    TRUNCATED = "truncated"


@dataclass(slots=True)
class MjpegCounts:
    frames: int = 0
    bytes: int = 0
    refused: Counter[PartRefusal] = field(default_factory=Counter)
    decode_cpu_s: float = 0.0  # this thread's CPU time inside the JPEG decoder


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart Content-Type, or SourceError."""
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "multipart/x-mixed-replace":
        raise SourceError(f"MJPEG: multipart/x-mixed-replace expected, got {content_type!r}")
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary" and value.strip().strip('"'):
            return value.strip().strip('"')
    raise SourceError(f"MJPEG: a boundary parameter expected, got {content_type!r}")


class MjpegPartReader:
    """Frames out of a multipart byte stream."""

    def __init__(
        self,
        readline: Callable[[int], bytes],
        read: Callable[[int], bytes],
        boundary: str,
        max_part_bytes: int = DEFAULT_MAX_PART_BYTES,
        clock_us: Callable[[], int] = lambda: time.time_ns() // 1_000,
        tap: Callable[[int, bytes], None] | None = None,
    ) -> None:
        """`tap`, when given, gets every part read whole, in the recorded form, with its
        arrival time (the tower's clock, UTC us)."""
        self._readline = readline
        self._read = read
        # Servers write "--boundary" whether or not the header's boundary has the dashes.
        self._marker = b"--" + boundary.removeprefix("--").encode("latin-1")
        self._max_part_bytes = max_part_bytes
        self._clock_us = clock_us
        self._tap = tap
        self._decoder = MjpegPartDecoder()
        self.counts = self._decoder.counts

    def frames(self) -> Iterator[Frame]:
        at_part = self._skip_to_boundary()
        while at_part:
            headers = self._headers()
            if headers is None:
                return
            arrival_us = self._clock_us()
            body, after = self._body(headers)
            if body is not None:
                if self._tap is not None:
                    self._tap(arrival_us, recorded_part(headers, body))
                frame = self._decoder.decode(headers, body, arrival_us)
                if frame is not None:
                    yield frame
            if after is _After.END:
                return
            if after is _After.PART_END:
                at_part = self._skip_to_boundary()

    def _skip_to_boundary(self) -> bool:
        """Read up to and past the next boundary line; False at the end of the stream."""
        while True:
            line = self._readline(_MAX_HEADER_LINE)
            if not line:
                return False
            self.counts.bytes += len(line)
            marker = line.rstrip(b"\r\n")
            if marker.startswith(self._marker):
                return not marker.endswith(b"--")

    def _headers(self) -> dict[str, str] | None:
        headers: dict[str, str] = {}
        for _ in range(_MAX_HEADERS):
            line = self._readline(_MAX_HEADER_LINE)
            if not line:
                return None
            self.counts.bytes += len(line)
            text = line.strip()
            if not text:
                return headers
            name, colon, value = text.decode("latin-1").partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        self.counts.refused[PartRefusal.BAD_HEADERS] += 1
        return headers

    def _body(self, headers: dict[str, str]) -> tuple[bytes | None, _After]:
        """The part's bytes (None if refused), and where the stream now stands."""
        length_text = headers.get("content-length", "")
        if length_text.isdigit():
            return self._sized_body(int(length_text))
        return self._delimited_body()

    def _sized_body(self, length: int) -> tuple[bytes | None, _After]:
        if length > self._max_part_bytes:
            self.counts.refused[PartRefusal.TOO_LARGE] += 1
            remaining = length
            while remaining:  # skipped a chunk at a time: never held in memory
                chunk = self._read(min(_CHUNK, remaining))
                if not chunk:
                    return None, _After.END
                self.counts.bytes += len(chunk)
                remaining -= len(chunk)
            return None, _After.PART_END
        body = self._read(length)
        self.counts.bytes += len(body)
        if len(body) < length:
            self.counts.refused[PartRefusal.TRUNCATED] += 1
            return None, _After.END
        return body, _After.PART_END

    def _delimited_body(self) -> tuple[bytes | None, _After]:
        """Without a Content-Length: the lines up to the next boundary line, which is read."""
        chunks: list[bytes] = []
        size = 0
        while True:
            line = self._readline(_CHUNK)
            if not line:
                self.counts.refused[PartRefusal.TRUNCATED] += 1
                return None, _After.END
            self.counts.bytes += len(line)
            marker = line.rstrip(b"\r\n")
            if marker.startswith(self._marker):
                after = _After.END if marker.endswith(b"--") else _After.NEXT_PART
                if size > self._max_part_bytes:
                    self.counts.refused[PartRefusal.TOO_LARGE] += 1
                    return None, after
                return b"".join(chunks).removesuffix(b"\r\n"), after
            size += len(line)
            if size <= self._max_part_bytes:
                chunks.append(line)
            else:
                chunks = []  # too large: keep reading to the boundary, keep nothing


class MjpegPartDecoder:
    """Parts' bodies to frames, numbered from 0 in the order they decode; refusals counted."""

    def __init__(self) -> None:
        self.counts = MjpegCounts()
        self._next_index = 0

    def decode(self, headers: Mapping[str, str], body: bytes, arrival_us: int) -> Frame | None:
        content_type = headers.get("content-type", "image/jpeg").lower()
        if not content_type.startswith("image/jpeg") or not body.startswith(_JPEG_START):
            self.counts.refused[PartRefusal.NOT_JPEG] += 1
            return None
        began = time.thread_time()
        decoded = cv2.imdecode(np.frombuffer(body, dtype=np.uint8), cv2.IMREAD_COLOR)
        self.counts.decode_cpu_s += time.thread_time() - began
        if decoded is None:
            self.counts.refused[PartRefusal.CORRUPT_JPEG] += 1
            return None
        image = np.asarray(decoded, dtype=np.uint8)
        self.counts.frames += 1
        index, self._next_index = self._next_index, self._next_index + 1
        stated = headers.get(CAPTURE_TIME_HEADER, "")
        if stated.isdigit():
            return Frame(index, int(stated), FrameClock.CAPTURE_HEADER, image)
        return Frame(index, arrival_us, FrameClock.ARRIVAL, image)


def recorded_part(headers: Mapping[str, str], body: bytes) -> bytes:
    """A part as a recording keeps it: the headers a replay needs, then the bytes as received."""
    lines = [f"--{RECORDED_BOUNDARY}"]
    for key, name in _KEPT_HEADERS.items():
        if key in headers:
            # A value never holds a line break (headers are read by line), bar a lone CR.
            lines.append(f"{name}: {headers[key].replace(chr(13), ' ')}")
    lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + body + b"\r\n"


def recorded_part_of(data: bytes) -> tuple[dict[str, str], bytes]:
    """The headers (names in lower case) and bytes of one part in the recorded form;
    SourceError when `data` is not one."""
    head, blank, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not blank or lines[0] != f"--{RECORDED_BOUNDARY}":
        raise SourceError(
            f"recorded MJPEG part: --{RECORDED_BOUNDARY} and headers expected, got {data[:40]!r}"
        )
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length_text = headers.get("content-length", "")
    if not length_text.isdigit() or len(rest) != int(length_text) + 2:
        raise SourceError(
            f"recorded MJPEG part: {length_text or 'a Content-Length of'} bytes and CRLF "
            f"expected, got {len(rest)} bytes after the headers"
        )
    return headers, rest[: int(length_text)]


class MjpegHttpSource:
    """Frames from an HTTP MJPEG server, for as long as it sends them."""

    def __init__(
        self,
        url: str,
        max_part_bytes: int = DEFAULT_MAX_PART_BYTES,
        timeout_s: float = 5.0,
        tap: Callable[[int, bytes], None] | None = None,
    ) -> None:
        """`tap`: see MjpegPartReader."""
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise SourceError(f"MJPEG: an http:// URL expected, got {url!r}")
        self._url = url
        self._host, self._port = parts.hostname, parts.port or 80
        self._path = parts.path or "/"
        if parts.query:
            self._path += "?" + parts.query
        self._max_part_bytes = max_part_bytes
        self._timeout_s = timeout_s
        self._tap = tap
        self.counts = MjpegCounts()

    def frames(self) -> Iterator[Frame]:
        connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout_s)
        try:
            try:
                connection.request("GET", self._path)
                response = connection.getresponse()
            except OSError as exc:
                raise SourceError(f"{self._url}: no MJPEG server answered: {exc}") from exc
            if response.status != 200:
                raise SourceError(f"{self._url}: HTTP 200 expected, got {response.status}")
            readline: Callable[[int], bytes] = response.readline
            content_type = response.getheader("Content-Type", "")
            try:
                boundary = boundary_of(content_type)
            except SourceError:
                # Some servers (FFmpeg's HTTP output by default) send the multipart body as
                # application/octet-stream: then the first line names the boundary.
                first = response.readline(_MAX_HEADER_LINE)
                if not first.startswith(b"--") or len(first.strip()) <= 2:
                    raise
                boundary = first.strip()[2:].decode("latin-1")
                readline = _push_back(first, response.readline)
            reader = MjpegPartReader(
                readline, response.read, boundary, self._max_part_bytes, tap=self._tap
            )
            self.counts = reader.counts
            try:
                yield from reader.frames()
            except (OSError, http.client.HTTPException):
                return  # the peer went away mid-stream: the source has ended
        finally:
            connection.close()


def _push_back(line: bytes, readline: Callable[[int], bytes]) -> Callable[[int], bytes]:
    """`readline` that first returns `line` again."""
    pending = [line]

    def read_line(limit: int = -1) -> bytes:
        return pending.pop() if pending else readline(limit)

    return read_line
