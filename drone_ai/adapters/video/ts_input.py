"""MPEG-TS input bytes that the tower reads itself, so that a recorder can keep them exactly
as they came (issue 8: lossless raw input) while PyAV demuxes the same bytes.

Each reader is a non-seekable binary stream (PyAV opens it with format="mpegts" and, finding
no seek, reads it front to back once): every byte passes once through `read`, and each chunk
read (a UDP datagram, a block of a file) goes to `tap` with the tower's clock when it came.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from drone_ai.errors import SourceError

Tap = Callable[[int, bytes], None]  # (received_us, chunk)
_MAX_DATAGRAM = 65_535
_RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024  # a second of 720p H.264 and more, for bursts
FILE_BLOCK_BYTES = 188 * 1024  # a file is read (and tapped) in whole TS packets
_STOP_CHECK_S = 0.2  # how often a quiet reader looks whether it was stopped


def wall_clock_us() -> int:
    return time.time_ns() // 1_000


class TappedFile:
    """A .ts file read front to back, each block handed to `tap` as it is read."""

    def __init__(self, path: Path, tap: Tap, clock_us: Callable[[], int] = wall_clock_us) -> None:
        try:
            self._file: BinaryIO = path.open("rb")
        except OSError as exc:
            raise SourceError(f"{path}: a readable MPEG-TS file expected: {exc}") from exc
        self._tap = tap
        self._clock_us = clock_us

    def read(self, size: int = -1) -> bytes:
        chunk = self._file.read(FILE_BLOCK_BYTES if size < 0 else size)
        if chunk:
            self._tap(self._clock_us(), chunk)
        return chunk

    def close(self) -> None:
        self._file.close()


class UdpTsReader:
    """MPEG-TS over UDP (one or more TS packets per datagram, as senders do), each datagram
    tapped whole; `read` ends the stream (returns b"") after `idle_timeout_s` without one, so
    that a healing source reconnects, and at once, every time, after `stop()` (a flight's stop
    never waits for a quiet peer)."""

    def __init__(
        self,
        port: int,
        host: str,
        tap: Tap,
        idle_timeout_s: float = 5.0,
        clock_us: Callable[[], int] = wall_clock_us,
    ) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER_BYTES)
        try:
            self._socket.bind((host, port))
        except OSError as exc:
            self._socket.close()
            raise SourceError(f"MPEG-TS over UDP: cannot listen on {host}:{port}: {exc}") from exc
        self._socket.settimeout(min(idle_timeout_s, _STOP_CHECK_S))
        self._idle_timeout_s = idle_timeout_s
        self._stopped = threading.Event()
        self._tap = tap
        self._clock_us = clock_us
        self._pending = b""  # what a datagram had beyond the size PyAV asked for
        self.datagrams = 0

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    def read(self, size: int = -1) -> bytes:
        if not self._pending:
            datagram = self._next_datagram()
            if datagram is None:
                return b""  # quiet, stopped or closed: the end of this stream
            self.datagrams += 1
            self._tap(self._clock_us(), datagram)
            self._pending = datagram
        if size < 0 or size >= len(self._pending):
            chunk, self._pending = self._pending, b""
        else:
            chunk, self._pending = self._pending[:size], self._pending[size:]
        return chunk

    def _next_datagram(self) -> bytes | None:
        quiet_until_s = time.monotonic() + self._idle_timeout_s
        while not self._stopped.is_set():
            try:
                return self._socket.recv(_MAX_DATAGRAM)
            except TimeoutError:
                if time.monotonic() >= quiet_until_s:
                    return None
            except OSError:
                return None
        return None

    def stop(self) -> None:
        """End the stream: `read` returns b"" from now on (from any thread)."""
        self._stopped.set()

    def close(self) -> None:
        self._socket.close()
