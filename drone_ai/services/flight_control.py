"""Starting and stopping flights: each runs in a thread of its own, from its inputs through
the pipeline into its event log, its state changes logged as events too (DESIGN.md: STARTING
> LIVE > (DEGRADED: an input lost, reconnecting) > STOPPED / FAILED).

A live feed heals by itself; a watcher thread per such flight looks at it every
HEALTH_CHECK_S and moves the flight between LIVE and DEGRADED, since while an input is down
no frame comes to tell."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator

from domain.flight_events import FlightEvent, FlightState, StatusChange
from domain.uris import without_credentials
from drone_ai.errors import (
    DroneAIError,
    FlightExistsError,
    InvalidRequestError,
    NotAvailableError,
    UnknownFlightError,
)
from drone_ai.ports import (
    DetectionLane,
    DetectionLanes,
    DropCounting,
    FeedOpener,
    FlightEventLog,
    FlightFeed,
    FlightRecorder,
    HealingFeed,
    RecorderOpener,
    RecordingLibrary,
    TelemetryRefusing,
    TowerMetrics,
)
from drone_ai.services.flight_stats import FlightCounters
from drone_ai.services.flights import FlightDirectory, FlightRecord
from drone_ai.services.georeferencing import Georeferencer
from drone_ai.services.ingest import SyncedFrame, synchronise
from drone_ai.services.metrics import QuietMetrics
from drone_ai.services.pipeline import FlightPipeline
from drone_ai.services.recorded_log import RecordedLog

FLIGHT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_REPLAY_SPEED = 1_000.0
RESULT_WAIT_S = 30.0  # at the end of a flight, for the detections still in the workers
HEALTH_CHECK_S = 0.5
_ENDED = (FlightState.STOPPED, FlightState.FAILED)
LOG = logging.getLogger(__name__)


class FlightControl:
    def __init__(
        self,
        flights: FlightDirectory,
        lanes: DetectionLanes,
        open_feed: FeedOpener,
        georeferencer: Georeferencer,
        new_log: Callable[[], FlightEventLog[FlightEvent]],
        clock_us: Callable[[], int],
        metrics: TowerMetrics | None = None,
        detector_profile: str = "motion",
        lossless_waiting: int = 2,
        open_recorder: RecorderOpener | None = None,
        recordings: RecordingLibrary | None = None,
    ) -> None:
        """`detector_profile`: the name of the detector this tower's pool runs (the one
        profile a flight may ask for, until pools per profile exist). `lossless_waiting`:
        how many frames of a file (an input that can wait) may be in detection at once; at
        most the pool's queue depth, so that it never sheds one of them."""
        self._lossless_waiting = lossless_waiting
        self._open_recorder = open_recorder  # None: this tower keeps no recordings
        self._recordings = recordings  # None: nothing to replay
        self._metrics = metrics or QuietMetrics()
        self._detector_profile = detector_profile
        self._flights = flights
        self._lanes = lanes
        self._open_feed = open_feed
        self._georeferencer = georeferencer
        self._new_log = new_log
        self._clock_us = clock_us
        self._stops: dict[str, threading.Event] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._healing: dict[str, HealingFeed] = {}  # live feeds, to stop while they wait
        self._states = threading.Lock()  # a state change and its event, one at a time

    @property
    def flights(self) -> FlightDirectory:
        return self._flights

    def out_of_service(self) -> str | None:
        """Why the tower cannot run flights now (its health check says NOT_SERVING)."""
        return self._lanes.out_of_service()

    def start(
        self,
        flight_id: str,
        video_uri: str,
        telemetry_uri: str = "",
        detector_profile: str = "",
        recorded: bool = False,
    ) -> FlightRecord:
        """Open the inputs and start the flight; SourceError, PoolCapacityError,
        FlightExistsError, InvalidRequestError or NotAvailableError when it cannot start."""
        self._check(flight_id, detector_profile, recorded)
        # The pool's refusal costs nothing; inputs are opened (sockets bound) only after it.
        lane = self._lanes.open_flight(flight_id)
        recorder = None
        try:
            if recorded:
                assert self._open_recorder is not None  # checked above
                recorder = self._open_recorder(flight_id, video_uri, telemetry_uri)
            feed = self._open_feed(video_uri, telemetry_uri, recorder)
        except BaseException:
            lane.close()
            if recorder is not None:
                recorder.finish()
            raise
        return self._begin(flight_id, lane, feed, recorder, video_uri)

    def replay(
        self, flight_id: str, recording: str, speed: float, results: bool = False
    ) -> FlightRecord:
        """A recorded flight played again as a new flight, marked as a replay: its input
        through the current pipeline (re-analyse), or its result events as they were logged
        (`results`); at `speed` times the recorded pace, 0 for as fast as it goes."""
        self._check(flight_id, "", recorded=False)
        if not 0.0 <= speed <= MAX_REPLAY_SPEED:
            raise InvalidRequestError(
                f"speed: expected 0 (as fast as possible) to {MAX_REPLAY_SPEED:g}, got {speed}"
            )
        if self._recordings is None:
            raise NotAvailableError("replay: this tower keeps no recordings")
        if results:
            return self._replay_results(flight_id, recording, speed, self._recordings)
        lane = self._lanes.open_flight(flight_id)
        try:
            feed = self._recordings.input_feed(recording, speed)
        except BaseException:
            lane.close()
            raise
        return self._begin(flight_id, lane, feed, None, f"replay of {recording}", recording)

    def _begin(
        self,
        flight_id: str,
        lane: DetectionLane,
        feed: FlightFeed,
        recorder: FlightRecorder | None,
        detail: str,
        replay_of: str = "",
    ) -> FlightRecord:
        refused = (lambda: feed.telemetry_refused) if isinstance(feed, TelemetryRefusing) else dict
        counters = FlightCounters(flight_id, lane, self._metrics, refused=refused)
        log = self._new_log()
        if recorder is not None:
            log = RecordedLog(log, recorder)
        record = FlightRecord(
            flight_id, self._clock_us(), log, counters=counters, replay_of=replay_of
        )
        self._flights.add(record)
        self._set(record, FlightState.STARTING, detail)
        self._launch(record, lane, feed, recorder)
        return record

    def _replay_results(
        self, flight_id: str, recording: str, speed: float, recordings: RecordingLibrary
    ) -> FlightRecord:
        """Every recorded event logged again in order, status changes included, so that
        subscribers see the sequence the live flight gave them."""
        stop = threading.Event()
        events = recordings.recorded_events(recording, speed, stop)
        record = FlightRecord(flight_id, self._clock_us(), self._new_log(), replay_of=recording)
        self._flights.add(record)
        self._stops[flight_id] = stop

        def run() -> None:
            try:
                for logged in events:
                    if isinstance(logged.event, StatusChange):
                        self._set(record, logged.event.state, logged.event.detail)
                    else:
                        record.log.append(logged.event)
            except DroneAIError as exc:
                self._set(record, FlightState.FAILED, str(exc), unless=_ENDED)
            finally:
                self._set(record, FlightState.STOPPED, "replay stopped", unless=_ENDED)

        thread = self._threads[flight_id] = threading.Thread(
            target=run, name=f"replay-{flight_id}", daemon=True
        )
        thread.start()
        return record

    def _check(self, flight_id: str, detector_profile: str, recorded: bool) -> None:
        if not FLIGHT_ID.fullmatch(flight_id):
            raise InvalidRequestError(
                f"flight_id: expected 1 to 64 of [A-Za-z0-9._-], got {flight_id!r}"
            )
        if detector_profile not in ("", self._detector_profile):
            raise InvalidRequestError(
                f"detector_profile: expected {self._detector_profile!r} (this tower's "
                f"detector) or empty, got {detector_profile!r}"
            )
        if recorded and self._open_recorder is None:
            raise NotAvailableError(
                "record: this tower keeps no recordings; start the flight with record off"
            )
        if self._flights.get(flight_id) is not None:
            raise FlightExistsError(f"flight {flight_id!r}: expected a new id, it is in use")

    def _launch(
        self,
        record: FlightRecord,
        lane: DetectionLane,
        feed: FlightFeed,
        recorder: FlightRecorder | None,
    ) -> None:
        """The flight's thread (inputs to the log), and for a live feed its watcher."""
        flight_id = record.flight_id
        assert record.counters is not None  # every flight started here has them
        stop = self._stops[flight_id] = threading.Event()
        pipeline = FlightPipeline(
            lane, self._georeferencer, record.log, flight_id=flight_id, metrics=record.counters
        )
        frames = _until(stop, synchronise(feed), _counting_drops(flight_id, feed, record.counters))
        # A live input cannot wait: it keeps its newest frames. A file can: nothing is shed.
        live = isinstance(feed, HealingFeed | DropCounting)
        max_waiting = None if live else self._lossless_waiting

        def run() -> None:
            self._set(record, FlightState.LIVE, "")
            try:
                pipeline.run(frames, RESULT_WAIT_S, max_waiting)
            except DroneAIError as exc:
                self._set(record, FlightState.FAILED, str(exc))
            else:
                ended = "stopped" if stop.is_set() else "the inputs ended"
                self._set(record, FlightState.STOPPED, ended)
            finally:
                lane.close()
                if recorder is not None:
                    recorder.finish()  # after the last event: the STOPPED / FAILED above

        thread = self._threads[flight_id] = threading.Thread(
            target=run, name=f"flight-{flight_id}", daemon=True
        )
        thread.start()
        if isinstance(feed, HealingFeed):
            self._healing[flight_id] = feed
            threading.Thread(
                target=self._watch,
                args=(record, feed, thread),
                name=f"watch-{flight_id}",
                daemon=True,
            ).start()

    def _watch(self, record: FlightRecord, feed: HealingFeed, flight: threading.Thread) -> None:
        """LIVE <-> DEGRADED as the feed's inputs go and come back, while the flight runs."""
        while flight.is_alive():
            lost = feed.input_lost()
            if lost is not None and record.state is FlightState.LIVE:
                self._set(record, FlightState.DEGRADED, lost, unless=_ENDED)
            elif lost is None and record.state is FlightState.DEGRADED:
                self._set(record, FlightState.LIVE, "", unless=_ENDED)
            flight.join(HEALTH_CHECK_S)

    def stop(self, flight_id: str, wait_s: float = 10.0) -> FlightRecord:
        """Stop a flight; it ends after its current frame (or its source's read timeout)."""
        record = self._flights.get(flight_id)
        if record is None:
            raise UnknownFlightError(f"flight {flight_id!r}: no such flight")
        stop = self._stops.get(flight_id)
        if stop is not None:
            stop.set()
            healing = self._healing.get(flight_id)
            if healing is not None:
                healing.stop()  # it may be waiting for a peer that is gone
            self._threads[flight_id].join(wait_s)
        return record

    def _set(
        self,
        record: FlightRecord,
        state: FlightState,
        detail: str,
        unless: tuple[FlightState, ...] = (),
    ) -> None:
        """Change the flight's state and log it, unless it is already in one of `unless`."""
        detail = without_credentials(detail)
        with self._states:
            if record.state in unless:
                return
            record.state, record.detail = state, detail
            record.log.append(StatusChange(state, detail))
        self._metrics.flight_state(record.flight_id, state.value)
        level = logging.WARNING if state is FlightState.FAILED else logging.INFO
        LOG.log(
            level, "flight %s", state.value, extra={"flight_id": record.flight_id, "detail": detail}
        )


def _until(
    stop: threading.Event, frames: Iterable[SyncedFrame], after_each: Callable[[], None]
) -> Iterator[SyncedFrame]:
    for synced in frames:
        if stop.is_set():
            return
        yield synced
        after_each()


def _counting_drops(flight_id: str, feed: FlightFeed, metrics: TowerMetrics) -> Callable[[], None]:
    """Reports what a live feed dropped since last asked (files drop nothing)."""
    if not isinstance(feed, DropCounting):
        return lambda: None
    reported = 0

    def report() -> None:
        nonlocal reported
        dropped = feed.dropped
        if dropped > reported:
            metrics.frames_dropped(flight_id, "source_backlog", dropped - reported)
            reported = dropped

    return report
