"""A recorded MPEG-TS played into a named pipe at the pace it was filmed, so that the tower
reads it as it would a drone's live stream: frames arrive over the flight's duration, not as
fast as a disk gives them (a file read flat out outruns the detector, and the tower, built
for the present, sheds the frames it cannot take in time).

The pipe's reader is FFmpeg's file protocol (`file://` + the pipe's path). Pacing is by bytes:
byte n of N is written n/N of the duration after the reader opened the pipe, so a large key
frame arrives a little late and the frames after it catch up. POSIX only (named pipes).
"""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

_CHUNK_BYTES = 188 * 64  # whole MPEG-TS packets
_POLL_S = 0.02


class PacedPipe:
    """Plays `source` into a new named pipe at `pipe` over `duration_s`, once a reader opens
    it (within `open_timeout_s`, else it gives up). `uri` is what the reader opens."""

    def __init__(
        self, source: Path, pipe: Path, duration_s: float, open_timeout_s: float = 30.0
    ) -> None:
        self._data = source.read_bytes()
        self._pipe = pipe
        self._duration_s = duration_s
        self._open_timeout_s = open_timeout_s
        self._stop = threading.Event()
        os.mkfifo(pipe)
        self._thread = threading.Thread(target=self._play, name="paced-pipe", daemon=True)
        self.error: OSError | None = None  # why the playing stopped early, if it did

    @property
    def uri(self) -> str:
        return "file://" + str(self._pipe.resolve())

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop playing (or waiting for a reader) and wait for the player to finish."""
        self._stop.set()
        self._thread.join()

    def _play(self) -> None:
        fd = self._open_when_read()
        if fd is None:
            return
        try:
            os.set_blocking(fd, True)
            began_s, sent, total = time.monotonic(), 0, len(self._data)
            while sent < total and not self._stop.is_set():
                due_s = began_s + self._duration_s * sent / total
                self._stop.wait(max(0.0, due_s - time.monotonic()))
                sent += os.write(fd, self._data[sent : sent + _CHUNK_BYTES])
        except BrokenPipeError:
            pass  # the reader stopped (its flight was stopped): nothing more to play to
        except OSError as exc:
            self.error = exc
        finally:
            os.close(fd)

    def _open_when_read(self) -> int | None:
        # A blocking open would wait for ever if no reader came: poll without blocking.
        deadline_s = time.monotonic() + self._open_timeout_s
        while not self._stop.is_set():
            try:
                return os.open(self._pipe, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                    self.error = exc
                    return None
            if time.monotonic() > deadline_s:
                self.error = TimeoutError(
                    f"{self._pipe}: a reader within {self._open_timeout_s:g} s expected, got none"
                )
                return None
            self._stop.wait(_POLL_S)
        return None
