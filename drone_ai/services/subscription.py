"""A subscriber's view of flights' events: resume after a sequence, filters, and gap notices;
the reader's pace never touches a flight (it reads the shared, bounded logs).

`follow` reads one flight, waiting on its log; `follow_flights` reads several (or every flight
as flights come), in turns of a page per flight so that a busy flight does not starve a quiet
one, and waits on the tower's news of any append.

Filters narrow what is sent: event kinds, detection classes, a minimum score, a latitude/
longitude box. A frame result keeps its footprint and platform and loses the detections the
filters exclude; a track update outside the filters is not sent. Sequence numbers a
subscriber does not see are then events its filters excluded; lost ones come as a Gap.

A subscriber that keeps falling behind the log's bounds (more than `max_gaps` gaps) is ended
with SubscriberBehindError rather than fed a trickle of gap notices.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from domain.event_log import Gap, LogRead, Sequenced
from domain.flight_events import (
    FlightEvent,
    GeoPosition,
    LocatedDetection,
    StatusChange,
    TrackUpdate,
)
from drone_ai.errors import SubscriberBehindError
from drone_ai.ports import EventNews, FlightEventLog

PAGE = 256  # events per read of the log
WAIT_S = 1.0  # how long one read waits for news before the caller gets a chance to stop


class EventKind(enum.Enum):
    FRAME = "frame"
    TRACK = "track"
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class GeoBounds:
    """Degrees; min_lon_deg > max_lon_deg crosses the antimeridian."""

    min_lat_deg: float
    min_lon_deg: float
    max_lat_deg: float
    max_lon_deg: float

    def contains(self, position: GeoPosition) -> bool:
        if not self.min_lat_deg <= position.lat_deg <= self.max_lat_deg:
            return False
        if self.min_lon_deg <= self.max_lon_deg:
            return self.min_lon_deg <= position.lon_deg <= self.max_lon_deg
        return position.lon_deg >= self.min_lon_deg or position.lon_deg <= self.max_lon_deg


@dataclass(frozen=True, slots=True)
class EventFilter:
    kinds: frozenset[EventKind] = frozenset()  # empty: all
    classes: frozenset[str] = frozenset()  # empty: all
    min_score: float = 0.0
    bounds: GeoBounds | None = None

    def apply(self, event: FlightEvent) -> FlightEvent | None:
        """The event as this subscriber sees it, or None when it sees nothing of it."""
        if isinstance(event, StatusChange):
            return event if self._wants(EventKind.STATUS) else None
        if isinstance(event, TrackUpdate):
            keep = self._wants(EventKind.TRACK) and self._class_ok(event.label)
            return event if keep and self._where_ok(event.position) else None
        if not self._wants(EventKind.FRAME):
            return None
        kept = tuple(d for d in event.detections if self._detection_ok(d))
        return event if len(kept) == len(event.detections) else replace(event, detections=kept)

    def _wants(self, kind: EventKind) -> bool:
        return not self.kinds or kind in self.kinds

    def _class_ok(self, label: str) -> bool:
        return not self.classes or label in self.classes

    def _where_ok(self, position: GeoPosition | None) -> bool:
        # Without a ground position nothing says the object is outside the box: a partner
        # who asks for a box wants only what is known to be in it.
        return self.bounds is None or (position is not None and self.bounds.contains(position))

    def _detection_ok(self, located: LocatedDetection) -> bool:
        d = located.detection
        return (
            self._class_ok(d.label)
            and d.score >= self.min_score
            and self._where_ok(located.position)
        )


def follow(
    log: FlightEventLog[FlightEvent],
    after_sequence: int,
    event_filter: EventFilter = EventFilter(),
    max_gaps: int = 3,
    wait_s: float = WAIT_S,
) -> Iterator[Sequenced[FlightEvent] | Gap | None]:
    """The flight's events after `after_sequence` as they come, each once, a Gap where some
    were lost; None after each `wait_s` without news, so that the caller can check whether
    to stop. Raises SubscriberBehindError past `max_gaps` gaps."""
    reader = _Reader(after_sequence, event_filter, max_gaps)
    while True:
        read = log.read(reader.after, PAGE, wait_s)
        yield from reader.take(read)
        if read.last_sequence is None:
            yield None


FlightLogs = Callable[[], Sequence[tuple[str, FlightEventLog[FlightEvent]]]]


def follow_flights(
    flights: FlightLogs,
    news: EventNews,
    after_sequences: Mapping[str, int],
    event_filter: EventFilter = EventFilter(),
    max_gaps: int = 3,
    wait_s: float = WAIT_S,
) -> Iterator[tuple[str, Sequenced[FlightEvent] | Gap] | None]:
    """Each flight's events, as `follow` gives them, with the flight's id. `flights` is asked
    afresh each turn (a subscription to every flight takes in new ones); a flight starts
    after its entry in `after_sequences`, else from its oldest event held. None after each
    `wait_s` without news. Raises SubscriberBehindError when one flight passes `max_gaps`."""
    readers: dict[str, _Reader] = {}
    while True:
        heard = news.count()  # before reading: an append after this wakes the wait below
        delivered = False
        for flight_id, log in flights():
            reader = readers.get(flight_id)
            if reader is None:
                after = after_sequences.get(flight_id, 0)
                reader = readers[flight_id] = _Reader(after, event_filter, max_gaps)
            read = log.read(reader.after, PAGE, 0.0)
            delivered = delivered or read.last_sequence is not None
            for item in reader.take(read):
                yield flight_id, item
        if not delivered and news.wait_past(heard, wait_s) == heard:
            yield None


class _Reader:
    """One subscriber's place in one flight's log: what it has read, and its gaps."""

    def __init__(self, after_sequence: int, event_filter: EventFilter, max_gaps: int) -> None:
        self.after = after_sequence
        self._filter = event_filter
        self._max_gaps = max_gaps
        self._gaps = 0

    def take(self, read: LogRead[FlightEvent]) -> Iterator[Sequenced[FlightEvent] | Gap]:
        if read.gap is not None:
            self._gaps += 1
            if self._gaps > self._max_gaps:
                raise SubscriberBehindError(
                    f"subscriber behind: events {read.gap.first}-{read.gap.last} were evicted "
                    f"before it read them, its gap number {self._gaps} "
                    f"(at most {self._max_gaps} allowed)"
                )
            yield read.gap
        for logged in read.events:
            seen = self._filter.apply(logged.event)
            if seen is not None:
                yield logged if seen is logged.event else replace(logged, event=seen)
        if read.last_sequence is not None:
            self.after = read.last_sequence
