import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from domain.event_log import Sequenced
from domain.flight_events import FlightState, StatusChange
from domain.frames import Frame, FrameClock
from domain.recording import RecordingStream
from domain.telemetry import TelemetrySample
from drone_ai.adapters.recording.event_lines import encode_line
from drone_ai.adapters.recording.reader import Chunk
from drone_ai.adapters.recording.replay import LocalRecordings, RecordedInput, paced
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.scenario import scenario_from_mapping
from drone_ai.adapters.video.mjpeg import recorded_part
from drone_ai.errors import RecordingBusyError, RecordingError
from tests.unit.drone_ai.adapters.recording.helpers import MJPEG, START_US, StepClock, start_writer


class FakeTime:
    """A monotonic clock that a wait moves on, as if it had slept."""

    def __init__(self) -> None:
        self.now_s = 100.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now_s


def chunks(*offsets_ms: int) -> list[Chunk]:
    return [
        Chunk(START_US + ms * 1_000, bytes([n]), "s", RecordingStream.INPUT)
        for n, ms in enumerate(offsets_ms)
    ]


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


def test_an_mjpeg_recording_replays_its_parts_and_datagrams_in_received_order(
    tmp_path: Path,
) -> None:
    flight = SimulatedFlight(scenario_from_mapping({}))
    jpeg = cv2.imencode(".jpg", np.full((36, 64, 3), 90, dtype=np.uint8))[1].tobytes()
    clock = StepClock()
    writer = start_writer(tmp_path, source=MJPEG, span_us=50_000, clock=clock)
    video, klv = RecordingStream.VIDEO, RecordingStream.TELEMETRY
    packet_times = [flight.packet(n)[0] for n in range(3)]
    writer.write(klv, START_US, flight.packet(0)[1])
    writer.write(video, START_US, recorded_part({"x-capture-time-us": "777"}, jpeg))
    writer.write(klv, START_US + 40_000, flight.packet(1)[1] + b"\x06\x0e\x2b")  # torn tail
    writer.write(video, START_US + 40_000, recorded_part({}, b"\xff\xd8 torn"))
    writer.write(video, START_US + 80_000, recorded_part({"content-type": "image/jpeg"}, jpeg))
    writer.write(klv, START_US + 90_000, flight.packet(2)[1])
    clock.now_us = START_US + 90_000
    writer.finish()

    feed = LocalRecordings(tmp_path).input_feed(f"flight-1/{writer.folder.name}", 0.0)
    events = list(feed.events())
    # Received order; a part before a datagram received in the same microsecond.
    assert [type(e).__name__ for e in events] == [
        "Frame",
        "TelemetrySample",
        "TelemetrySample",
        "Frame",
        "TelemetrySample",
    ]
    samples = [e for e in events if isinstance(e, TelemetrySample)]
    frames = [e for e in events if isinstance(e, Frame)]
    assert [s.t_us for s in samples] == packet_times
    # Timed as live: by the capture header, else by arrival; the torn part refused, not
    # numbered, as the live reader did.
    assert [(f.index, f.t_us, f.clock) for f in frames] == [
        (0, 777, FrameClock.CAPTURE_HEADER),
        (1, START_US + 80_000, FrameClock.ARRIVAL),
    ]
    assert sum(feed.telemetry_refused.values()) >= 1


def test_a_stopped_mjpeg_replay_ends_between_chunks(tmp_path: Path) -> None:
    jpeg = cv2.imencode(".jpg", np.zeros((8, 8, 3), dtype=np.uint8))[1].tobytes()
    writer = start_writer(tmp_path, source=MJPEG)
    for n in range(5):
        writer.write(RecordingStream.VIDEO, START_US + n * 1_000_000, recorded_part({}, jpeg))
    writer.finish()
    feed = LocalRecordings(tmp_path).input_feed(f"flight-1/{writer.folder.name}", 1.0)
    events = feed.events()
    assert isinstance(next(events), Frame)
    feed.stop()
    assert list(events) == []
