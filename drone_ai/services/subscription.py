"""One subscriber's view of one flight's events: resume after a sequence, filters, and gap
notices; the reader's pace never touches the flight (it reads the shared, bounded log).

Filters narrow what is sent: event kinds, detection classes, a minimum score, a latitude/
longitude box. A frame result keeps its footprint and platform and loses the detections the
filters exclude; a track update outside the filters is not sent. Sequence numbers a
subscriber does not see are then events its filters excluded; lost ones come as a Gap.

A subscriber that keeps falling behind the log's bounds (more than `max_gaps` gaps) is ended
with SubscriberBehindError rather than fed a trickle of gap notices.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, replace

from domain.event_log import Gap, Sequenced
from domain.flight_events import (
    FlightEvent,
    GeoPosition,
    LocatedDetection,
    StatusChange,
    TrackUpdate,
)
from drone_ai.errors import SubscriberBehindError
from drone_ai.ports import FlightEventLog

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
    gaps = 0
    after = after_sequence
    while True:
        read = log.read(after, PAGE, wait_s)
        if read.gap is not None:
            gaps += 1
            if gaps > max_gaps:
                raise SubscriberBehindError(
                    f"subscriber behind: events {read.gap.first}-{read.gap.last} were evicted "
                    f"before it read them, its gap number {gaps} (at most {max_gaps} allowed)"
                )
            yield read.gap
        for logged in read.events:
            seen = event_filter.apply(logged.event)
            if seen is not None:
                yield logged if seen is logged.event else replace(logged, event=seen)
        if read.last_sequence is None:
            yield None
        else:
            after = read.last_sequence
