"""A flight's recording as flight control uses it (the FlightRecorder port): the writer's
streams, with the flight's result events written as JSON lines at the time they were logged."""

from __future__ import annotations

from domain.event_log import Sequenced
from domain.flight_events import FlightEvent
from domain.recording import RecordingStream
from drone_ai.adapters.recording.event_lines import encode_line
from drone_ai.adapters.recording.manifest import Manifest
from drone_ai.adapters.recording.writer import RecordingWriter


class FlightRecording:
    def __init__(self, writer: RecordingWriter) -> None:
        self.writer = writer

    def write(self, stream: RecordingStream, received_us: int, chunk: bytes) -> None:
        self.writer.write(stream, received_us, chunk)

    def record_event(self, logged: Sequenced[FlightEvent]) -> None:
        self.writer.write(RecordingStream.EVENTS, logged.logged_us, encode_line(logged))

    def finish(self) -> Manifest:
        return self.writer.finish()
