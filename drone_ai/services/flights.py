"""The flights the tower knows: each one's state and its event log. Flight control adds and
runs flights; the API reads them. `news` is rung by every flight's log (the logs are made to
ring it), so that a subscriber to many flights can wait for any of them."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from domain.flight_events import FlightEvent, FlightState
from drone_ai.errors import FlightExistsError
from drone_ai.ports import EventNews, FlightEventLog
from drone_ai.services.flight_stats import FlightCounters


@dataclass(slots=True)
class FlightRecord:
    flight_id: str
    started_us: int
    log: FlightEventLog[FlightEvent]
    state: FlightState = FlightState.STARTING
    detail: str = ""
    counters: FlightCounters | None = None  # None for a flight the tower does not run
    replay_of: str = ""  # the recording a replayed flight plays, "" for a live one


class FlightDirectory:
    """Thread-safe: the API's threads read while flights are added."""

    def __init__(self, news: EventNews) -> None:
        self.news = news
        self._flights: dict[str, FlightRecord] = {}
        self._lock = threading.Lock()

    def add(self, record: FlightRecord) -> None:
        with self._lock:
            if record.flight_id in self._flights:
                raise FlightExistsError(
                    f"flight {record.flight_id!r}: expected a new id, it is in use"
                )
            self._flights[record.flight_id] = record

    def get(self, flight_id: str) -> FlightRecord | None:
        with self._lock:
            return self._flights.get(flight_id)

    def all(self) -> list[FlightRecord]:
        with self._lock:
            return sorted(self._flights.values(), key=lambda r: r.started_us)
