"""A flight's event log that also records each event as it is logged (StartFlight with
record on): the recording's `events` stream holds exactly what subscribers were sent."""

from __future__ import annotations

import threading

from domain.event_log import LogRead
from domain.flight_events import FlightEvent
from drone_ai.ports import FlightEventLog, FlightRecorder


class RecordedLog:
    def __init__(self, log: FlightEventLog[FlightEvent], recorder: FlightRecorder) -> None:
        self._log = log
        self._recorder = recorder
        self._order = threading.Lock()  # recorded in the order logged, whichever thread logs

    @property
    def last_sequence(self) -> int:
        return self._log.last_sequence

    def append(self, event: FlightEvent) -> int:
        with self._order:
            sequence = self._log.append(event)
            # Read back for the time it was logged at: the log's clock, as subscribers see.
            logged = self._log.read(sequence - 1, 1).events
            if logged and logged[0].sequence == sequence:
                self._recorder.record_event(logged[0])
        return sequence

    def read(self, after_sequence: int, limit: int, timeout_s: float = 0.0) -> LogRead[FlightEvent]:
        return self._log.read(after_sequence, limit, timeout_s)
