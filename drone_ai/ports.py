"""Ports: what the services need from the outside world, written in domain types.

Adapters implement these structurally (typing.Protocol); services and tests depend on them
alone, and tests use hand-written fakes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol, TypeVar, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from domain.detections import Detection, FrameDetections
from domain.event_log import LogRead, Sequenced
from domain.flight_events import FlightEvent
from domain.frames import Frame
from domain.recording import RecordingStream
from domain.telemetry import TelemetrySample

Float = NDArray[np.float64]
E = TypeVar("E")


class TelemetrySource(Protocol):
    """Telemetry samples of one flight, in arrival order."""

    def samples(self) -> Iterator[TelemetrySample]:
        """Each sample the source could decode; what it could not is counted in `rejected`."""
        ...

    @property
    def rejected(self) -> Mapping[str, int]:
        """How many packets, items or runs of bytes were refused so far, by reason."""
        ...


class FlightRecorder(Protocol):
    """Keeps one flight's input and results as they arrive (drone_ai/adapters/recording);
    safe to call from the video, telemetry and event threads at once."""

    def write(self, stream: RecordingStream, received_us: int, chunk: bytes) -> None:
        """One chunk (a datagram, a JPEG, a KLV packet, an event's JSON line) received at
        `received_us` (UTC us); kept even if the process is killed right after."""
        ...

    def record_event(self, logged: Sequenced[FlightEvent]) -> None:
        """One of the flight's result events, as logged (the `events` stream)."""
        ...

    def finish(self) -> object:
        """Close the recording; no writes after it."""
        ...


class RecordingLibrary(Protocol):
    """The recordings a flight can be replayed from, named "<flight_id>/<recording_id>";
    RecordingError for a name that is none of them."""

    def input_feed(self, recording: str, speed: float) -> FlightFeed:
        """The recorded input, paced at `speed` times the recorded rate (0: as fast as read);
        NotAvailableError for a recording that cannot be re-analysed yet."""
        ...

    def recorded_events(
        self, recording: str, speed: float, stop: threading.Event
    ) -> Iterator[Sequenced[FlightEvent]]:
        """The recorded result events at their recorded pace times `speed`, until `stop`."""
        ...


class RecorderOpener(Protocol):
    """Starts a flight's recording; RecordingError when it cannot (NotAvailableError for an
    input this tower cannot record losslessly yet)."""

    def __call__(self, flight_id: str, video_uri: str, telemetry_uri: str) -> FlightRecorder: ...


class GeoidModel(Protocol):
    """Height of the geoid (mean sea level) above the WGS-84 ellipsoid: HAE = MSL + N."""

    @property
    def name(self) -> str: ...

    def undulation_m(self, lat_deg: Float, lon_deg: Float) -> Float:
        """N in metres at each point; raises GeoidUnavailableError rather than guess."""
        ...


class TerrainModel(Protocol):
    """Ground heights above the ellipsoid from an elevation model."""

    @property
    def name(self) -> str: ...

    def height_hae_m(self, lat_deg: Float, lon_deg: Float) -> Float:
        """HAE in metres at each point, NaN where the model has no data."""
        ...


class FlightFeed(Protocol):
    """What one flight's inputs deliver, in arrival order: frames and telemetry samples
    (one MPEG-TS interleaves both; MJPEG with KLV over UDP is merged into one feed)."""

    def events(self) -> Iterator[Frame | TelemetrySample]: ...


@runtime_checkable
class DropCounting(Protocol):
    """A live feed that drops its oldest items when the tower falls behind, and counts them."""

    @property
    def dropped(self) -> int: ...


@runtime_checkable
class HealingFeed(Protocol):
    """A live feed that reconnects when an input breaks: it says what is down meanwhile, and
    can be stopped while it waits (a stop must not wait for a dead peer)."""

    def input_lost(self) -> str | None:
        """None while every input flows (or is still connecting); else what is down, why."""
        ...

    def stop(self) -> None: ...


@runtime_checkable
class TelemetryRefusing(Protocol):
    """An input that counts the telemetry packets it refused, by reason."""

    @property
    def telemetry_refused(self) -> dict[str, int]: ...


class Detector(Protocol):
    """Detections for a batch of frames (BGR images), one list per image, in order."""

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[list[Detection]]: ...


@runtime_checkable
class GroundScaled(Protocol):
    """A detector that bounds object sizes in metres, given how much ground a pixel spans."""

    def set_ground_sample_distance_m(self, gsd_m: float | None) -> None:
        """For the frames that follow; None when the telemetry cannot tell."""
        ...


@runtime_checkable
class CameraMotionSource(Protocol):
    """A detector that also measures how the image moved (the motion detector does)."""

    @property
    def last_homography(self) -> NDArray[np.float64] | None:
        """3 x 3, taking the previous frame's pixels to the last frame's; None when the last
        frame could not be registered."""
        ...


class DetectionLane(Protocol):
    """One flight's way into detection that runs elsewhere (worker processes): frames go in as
    they arrive, detections come back in frame order. Frames that could not be processed in
    time are shed and counted, never queued without bound."""

    def submit(
        self, t_us: int, image: NDArray[np.uint8], ground_sample_distance_m: float | None = None
    ) -> int:
        """Hand over a frame (not to be modified afterwards) with the ground its pixels span
        when the telemetry tells; returns the frame's sequence number."""
        ...

    def results(self, timeout_s: float = 0.0) -> list[FrameDetections]:
        """The results that are ready, oldest first; waits up to `timeout_s` for the first."""
        ...

    def stats(self) -> DetectionCounts:
        """Where the flight's frames are: processed, shed, dropped, failed, waiting."""
        ...

    def close(self) -> None: ...


class DetectionCounts(Protocol):
    """A lane's counters: every submitted frame is in exactly one of processed, shed (a newer
    frame took its place), dropped (its worker died), failed (the detector raised), waiting."""

    @property
    def submitted(self) -> int: ...
    @property
    def processed(self) -> int: ...
    @property
    def shed(self) -> int: ...
    @property
    def dropped(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def waiting(self) -> int: ...


class FlightEventLog(Protocol[E]):
    """One flight's events, numbered from 1, bounded by count and age (domain.event_log); a
    reader asks for what follows the last sequence it has and is told of any it lost."""

    @property
    def last_sequence(self) -> int: ...

    def append(self, event: E) -> int:
        """Keep an event; returns its sequence number."""
        ...

    def read(self, after_sequence: int, limit: int, timeout_s: float = 0.0) -> LogRead[E]:
        """Up to `limit` events after `after_sequence`, waiting up to `timeout_s` for one."""
        ...


class EventNews(Protocol):
    """Word of an append to any flight's log: lets one reader wait on many logs at once."""

    def ring(self) -> None:
        """Called by a log after each append."""
        ...

    def count(self) -> int:
        """Appends so far (a reader keeps the count it has acted on)."""
        ...

    def wait_past(self, count: int, timeout_s: float) -> int:
        """The count once it differs from `count`, or as it is after `timeout_s`."""
        ...


class DetectionLanes(Protocol):
    """Where flights get their detection lane (the worker pool)."""

    def open_flight(self, flight_id: str) -> DetectionLane:
        """A lane for a new flight; PoolCapacityError when one more would starve the others."""
        ...

    def out_of_service(self) -> str | None:
        """Why no flight can be served at all (the tower's health); None when they can."""
        ...


class FeedOpener(Protocol):
    """Opens a flight's inputs from the URIs a partner gave; SourceError when it cannot."""

    def __call__(
        self, video_uri: str, telemetry_uri: str, recorder: FlightRecorder | None = None
    ) -> FlightFeed:
        """With a `recorder`, every byte of input goes to it as received."""
        ...


class TowerMetrics(Protocol):
    """What the tower reports of itself (DESIGN.md: observability); every call is cheap and
    never fails the caller. Flight ids are labels: there are few flights, many frames."""

    def frame_received(self, flight_id: str, telemetry_age_s: float | None) -> None:
        """A frame reached the pipeline; the age of its telemetry (None: it had none)."""
        ...

    def frame_processed(self, flight_id: str, detection_s: float) -> None:
        """A frame's results were logged, `detection_s` after it was handed to detection."""
        ...

    def frames_dropped(self, flight_id: str, reason: str, count: int = 1) -> None:
        """Frames that will have no results, and why ("source_backlog", "detector_shed",
        "pipeline_backlog")."""
        ...

    def flight_state(self, flight_id: str, state: str) -> None: ...

    def event_delivered(self, frame_to_subscriber_s: float) -> None:
        """A frame's result was handed to a subscriber's stream this long after the frame
        reached the tower."""
        ...

    def subscriber_backlog(self, subscription: str, events: int | None) -> None:
        """Events logged that a subscriber has not been sent yet; None: it has gone."""
        ...
