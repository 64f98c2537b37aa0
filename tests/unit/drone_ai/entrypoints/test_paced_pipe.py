"""A recorded stream played into a named pipe at the pace it was filmed: every byte, in order,
over the duration asked for; a reader that never comes is given up on, not waited for."""

from __future__ import annotations

import time
from pathlib import Path

from drone_ai.entrypoints.paced_pipe import PacedPipe


def test_the_whole_file_arrives_in_order_over_its_duration(tmp_path: Path) -> None:
    source = tmp_path / "flight.ts"
    source.write_bytes(bytes(range(256)) * 400)  # 100 KiB: several chunks
    pipe = PacedPipe(source, tmp_path / "live.ts", duration_s=0.5)
    pipe.start()
    assert pipe.uri == "file://" + str((tmp_path / "live.ts").resolve())
    began_s = time.monotonic()
    with (tmp_path / "live.ts").open("rb") as reader:
        received = reader.read()
    took_s = time.monotonic() - began_s
    pipe.stop()
    assert received == source.read_bytes()
    assert pipe.error is None
    assert took_s >= 0.4  # the last chunk is due at (N - chunk) / N of the duration


def test_a_reader_that_never_comes_is_given_up_on(tmp_path: Path) -> None:
    source = tmp_path / "flight.ts"
    source.write_bytes(b"x" * 1000)
    pipe = PacedPipe(source, tmp_path / "live.ts", duration_s=1.0, open_timeout_s=0.1)
    pipe.start()
    pipe._thread.join(5.0)
    assert not pipe._thread.is_alive()
    assert isinstance(pipe.error, TimeoutError)
    assert "a reader within 0.1 s expected" in str(pipe.error)


def test_stopping_before_a_reader_comes_ends_the_player(tmp_path: Path) -> None:
    source = tmp_path / "flight.ts"
    source.write_bytes(b"x" * 1000)
    pipe = PacedPipe(source, tmp_path / "live.ts", duration_s=1.0)
    pipe.start()
    began_s = time.monotonic()
    pipe.stop()
    assert time.monotonic() - began_s < 1.0
    assert pipe.error is None
