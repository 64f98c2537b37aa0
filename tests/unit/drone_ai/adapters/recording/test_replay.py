import threading
from pathlib import Path

import pytest

from domain.event_log import Sequenced
from domain.flight_events import FlightState, StatusChange
from domain.recording import RecordingStream
from drone_ai.adapters.recording.event_lines import encode_line
from drone_ai.adapters.recording.reader import Chunk
from drone_ai.adapters.recording.replay import LocalRecordings, RecordedInput, paced
from drone_ai.errors import NotAvailableError, RecordingBusyError, RecordingError
from tests.unit.drone_ai.adapters.recording.helpers import MJPEG, START_US, StepClock, start_writer


class FakeTime:
    """A monotonic clock that a wait moves on, as if it had slept."""

    def __init__(self) -> None:
        self.now_s = 100.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now_s


def chunks(*offsets_ms: int) -> list[Chunk]:
    return [Chunk(START_US + ms * 1_000, bytes([n]), "s") for n, ms in enumerate(offsets_ms)]


class SleepyStop(threading.Event):
    def __init__(self, time: FakeTime) -> None:
        super().__init__()
        self._time = time

    def wait(self, timeout: float | None = None) -> bool:
        self._time.waits.append(round(timeout or 0.0, 6))
        self._time.now_s += timeout or 0.0
        return False


@pytest.mark.parametrize(("speed", "waits"), [(1.0, [0.5, 1.5]), (4.0, [0.125, 0.375]), (0.0, [])])
def test_chunks_keep_their_recorded_spacing_divided_by_the_speed(
    speed: float, waits: list[float]
) -> None:
    time = FakeTime()
    got = list(paced(chunks(0, 500, 2_000), speed, SleepyStop(time), time.clock))
    assert [c.data for c in got] == [b"\x00", b"\x01", b"\x02"]
    assert time.waits == waits


def test_a_stop_ends_the_playback_between_chunks() -> None:
    stop = threading.Event()
    stop.set()
    assert [c.data for c in paced(chunks(0, 10), 1.0, stop)] == []


def test_the_input_reads_back_byte_for_byte_in_any_read_sizes(tmp_path: Path) -> None:
    clock = StepClock()
    writer = start_writer(tmp_path, clock=clock)
    sent = [bytes(range(n, n + 188)) for n in range(20)]
    for n, chunk in enumerate(sent):
        clock.now_us = START_US + n * 1_000
        writer.write(RecordingStream.INPUT, clock.now_us, chunk)
    writer.finish()
    reader = RecordedInput(writer.folder, 0.0, threading.Event())
    got = b""
    while piece := reader.read(100):
        got += piece
    reader.close()
    assert got == b"".join(sent)


def test_a_recording_is_named_and_must_be_finished(tmp_path: Path) -> None:
    clock = StepClock()
    writer = start_writer(tmp_path, clock=clock)
    name = f"flight-1/{writer.folder.name}"
    library = LocalRecordings(tmp_path)
    with pytest.raises(RecordingBusyError, match="still being written"):
        library.folder(name)
    writer.write(
        RecordingStream.EVENTS,
        START_US,
        encode_line(Sequenced(1, START_US, StatusChange(FlightState.STARTING, "x"))),
    )
    writer.finish()
    assert library.folder(name) == writer.folder
    events = list(library.recorded_events(name, 0.0, threading.Event()))
    assert [e.sequence for e in events] == [1]
    for wrong in ("flight-1/nope", "../etc", "flight-1"):
        with pytest.raises(RecordingError, match="expected"):
            library.folder(wrong)


def test_an_mjpeg_recording_is_not_re_analysed_yet(tmp_path: Path) -> None:
    writer = start_writer(tmp_path, source=MJPEG)
    writer.finish()
    with pytest.raises(NotAvailableError, match="re-analysing a mjpeg"):
        LocalRecordings(tmp_path).input_feed(f"flight-1/{writer.folder.name}", 1.0)
