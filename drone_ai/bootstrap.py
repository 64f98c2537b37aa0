"""The composition root: the one place that picks concrete adapters and wires them."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIServer

from domain.flight_events import FlightEvent
from domain.georeference import GroundLimits, Uncertainty
from domain.pose import AzimuthReference, PointingConventions
from domain.recording import (
    RecordingSource,
    RecordingStream,
    SegmentLimits,
    SourceKind,
    is_recording_id,
)
from drone_ai.adapters.access.partners_file import load_partners
from drone_ai.adapters.aws import deploy as aws_deploy
from drone_ai.adapters.detection_pool.pool import DetectionPool
from drone_ai.adapters.detection_pool.settings import PoolSettings, default_workers
from drone_ai.adapters.detectors.hog import HogPeopleDetector
from drone_ai.adapters.detectors.motion import MotionDetector
from drone_ai.adapters.detectors.nothing import NothingDetector
from drone_ai.adapters.detectors.onnx_yolo import OnnxYoloDetector
from drone_ai.adapters.event_log.in_memory import InMemoryEventLog, wall_clock_us
from drone_ai.adapters.event_log.news import NewsBell
from drone_ai.adapters.geoid.egm96 import ConstantGeoid, Egm96Geoid
from drone_ai.adapters.klv.files import KlvFileTelemetrySource
from drone_ai.adapters.klv.policy import DecodePolicy
from drone_ai.adapters.klv.udp import KlvUdpTelemetrySource
from drone_ai.adapters.metrics.prometheus import PrometheusMetrics, serve_metrics
from drone_ai.adapters.recording.export import RecordingExport, export
from drone_ai.adapters.recording.flight_recording import FlightRecording
from drone_ai.adapters.recording.listing import ListedRecording, local_recordings, s3_recordings
from drone_ai.adapters.recording.manifest import MANIFEST_NAME, Manifest
from drone_ai.adapters.recording.recovery import find_interrupted, recover
from drone_ai.adapters.recording.replay import LocalRecordings
from drone_ai.adapters.recording.s3_store import RecordingRef, S3RecordingStore, parse_s3_uri
from drone_ai.adapters.recording.spool import RecordingSpool
from drone_ai.adapters.recording.writer import RecordingWriter
from drone_ai.adapters.secrets.ssm_parameters import SsmParameterSecrets
from drone_ai.adapters.secrets.tower_secrets import KeptSecrets, keep
from drone_ai.adapters.simulator.files import Progress, write_files
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.live import LiveFlight
from drone_ai.adapters.simulator.mpegts_writer import write_mpegts
from drone_ai.adapters.simulator.scenario import load_scenario
from drone_ai.adapters.terrain.geotiff import GeoTiffTerrain, VerticalDatum
from drone_ai.adapters.video.healing import HealingFrameSource
from drone_ai.adapters.video.live_feed import HealingMpegTsFeed, LiveFlightFeed
from drone_ai.adapters.video.mjpeg import MjpegHttpSource
from drone_ai.adapters.video.pyav_source import PyAvFrameSource
from drone_ai.adapters.video.ts_input import TappedFile, UdpTsReader
from drone_ai.config import AzimuthSetting, DemDatum, DetectorBackend, Settings
from drone_ai.errors import NotAvailableError, SourceError
from drone_ai.ports import (
    DetectionLanes,
    Detector,
    FeedOpener,
    FlightEventLog,
    FlightFeed,
    FlightRecorder,
    GeoidModel,
    RecorderOpener,
    TerrainModel,
    TowerMetrics,
)
from drone_ai.services.access import AccessPolicy
from drone_ai.services.flight_control import FlightControl
from drone_ai.services.flights import FlightDirectory
from drone_ai.services.georeferencing import Georeferencer, GeoreferencingPolicy
from drone_ai.services.rate_limit import RequestLimiter

SAMPLE_FLIGHT = "aphill_klv_10s.ts"


def telemetry_file_source(path: Path, settings: Settings) -> KlvFileTelemetrySource:
    """KLV telemetry from an MPEG-TS or raw KLV file, under the configured policy."""
    policy = DecodePolicy.STRICT if settings.klv_strict else DecodePolicy.LENIENT
    return KlvFileTelemetrySource(path, policy, settings.klv_max_packet_bytes)


def sample_flight() -> AbstractContextManager[Path]:
    """The embedded sample flight as a file path, for as long as the context is open."""
    return resources.as_file(resources.files("drone_ai.samples").joinpath(SAMPLE_FLIGHT))


def georeferencer(settings: Settings) -> Georeferencer:
    """The georeferencer the settings describe: geoid, elevation model, conventions, limits,
    and the uncertainties its error estimates propagate."""
    geoid: GeoidModel = (
        Egm96Geoid()
        if settings.geoid_undulation_m is None
        else ConstantGeoid(settings.geoid_undulation_m)
    )
    terrain: TerrainModel | None = None
    if settings.dem_path is not None:
        datum = (
            VerticalDatum.GEOID if settings.dem_datum is DemDatum.GEOID else VerticalDatum.ELLIPSOID
        )
        terrain = GeoTiffTerrain(settings.dem_path, datum, geoid)
    azimuth = (
        AzimuthReference.UTM_GRID_NORTH
        if settings.eg0104_azimuth is AzimuthSetting.UTM_GRID
        else AzimuthReference.TRUE_NORTH
    )
    policy = GeoreferencingPolicy(
        pointing=PointingConventions(azimuth),
        limits=GroundLimits(settings.max_slant_range_m, settings.min_depression_deg),
        uncertainty=Uncertainty(
            pointing_deg=settings.sigma_pointing_deg,
            position_m=settings.sigma_position_m,
            altitude_m=settings.sigma_altitude_m,
            ground_height_m=settings.sigma_ground_height_m,
            dem_height_m=settings.sigma_dem_height_m,
            pixel_px=settings.sigma_pixel_px,
        ),
        ground_msl_m=settings.ground_msl_m,
    )
    return Georeferencer(geoid, terrain, policy)


def detector(settings: Settings, threads: int = 0) -> Detector:
    """A new detector of the configured backend; motion detectors follow one flight each.
    `threads` bounds the ONNX runtime's threads (0: its own choice, every core)."""
    if settings.detector is DetectorBackend.ONNX:
        assert settings.detector_model_path is not None  # Settings refuses onnx without one
        return OnnxYoloDetector(
            settings.detector_model_path,
            settings.detector_labels_path,
            settings.detector_providers,
            settings.detector_min_score,
            intra_op_threads=threads,
        )
    if settings.detector is DetectorBackend.HOG:
        return HogPeopleDetector(settings.detector_min_score)
    if settings.detector is DetectorBackend.NONE:
        return NothingDetector()
    return MotionDetector()


def detection_pool(settings: Settings) -> DetectionPool:
    """The worker pool that runs the configured detector for every flight."""
    workers = settings.detect_workers or default_workers()
    stateless = settings.detector is not DetectorBackend.MOTION
    default_batch = 8 if settings.detector is DetectorBackend.ONNX else 1
    # The workers share the cores: each gets its part of them for its own threads.
    threads = max(1, len(os.sched_getaffinity(0)) // workers)
    pool_settings = PoolSettings(
        workers=workers,
        max_batch=settings.detect_max_batch or default_batch,
        latency_budget_s=settings.detect_latency_budget_ms / 1_000.0,
        queue_depth=settings.detect_queue_depth,
        max_flights=settings.detect_max_flights,
        min_rate_hz=settings.detect_min_rate_hz,
        max_frame_bytes=settings.detect_max_frame_pixels * 3,  # BGR
        worker_timeout_s=settings.detect_worker_timeout_s,
        per_flight_state=not stateless,  # the motion detector compares a flight's frames
        threads_per_worker=threads,
    )
    return DetectionPool(functools.partial(detector, settings, threads), pool_settings)


def feed_opener(settings: Settings) -> FeedOpener:
    """How StartFlight's URIs become a flight's inputs: an MPEG-TS (file path, udp://,
    rtsp://) carries its own KLV; an MJPEG http:// video takes its KLV from udp://host:port."""
    policy = _policy(settings)

    def open_feed(
        video_uri: str, telemetry_uri: str, recorder: FlightRecorder | None = None
    ) -> FlightFeed:
        if video_uri.startswith(("http://", "https://")):
            return _mjpeg_feed(video_uri, telemetry_uri, recorder)
        if telemetry_uri:
            raise SourceError(
                f"telemetry_uri: none expected with an MPEG-TS video (its KLV is inside), "
                f"got {telemetry_uri!r}"
            )
        parts = urlsplit(video_uri)
        if parts.scheme == "rtsp":
            if recorder is not None:
                raise NotAvailableError(
                    "record: recording rtsp:// inputs is not available yet (their video comes "
                    "as RTP, not as MPEG-TS bytes); start the flight with record off"
                )
            return HealingMpegTsFeed(lambda: PyAvFrameSource(video_uri, policy))
        if parts.scheme == "udp":
            if parts.port is None:
                raise SourceError(f"video_uri: udp://host:port expected, got {video_uri!r}")
            if recorder is None:
                # A live stream: when it breaks, it is opened again (the flight is DEGRADED).
                return HealingMpegTsFeed(lambda: PyAvFrameSource(video_uri, policy))
            tap = functools.partial(recorder.write, RecordingStream.INPUT)
            host, port = parts.hostname or "127.0.0.1", parts.port
            # The first socket is bound now, so that the tower listens (and records) from the
            # moment StartFlight answers, and a port in use is refused then; a reconnect binds
            # a new one.
            bound = [UdpTsReader(port, host, tap)]

            def udp_reader() -> UdpTsReader:
                return bound.pop() if bound else UdpTsReader(port, host, tap)

            return HealingMpegTsFeed(lambda: PyAvFrameSource(video_uri, policy, reader=udp_reader))
        path = Path(parts.path) if parts.scheme == "file" else Path(video_uri)
        if parts.scheme not in ("", "file"):
            raise SourceError(
                f"video_uri: a file, udp://, rtsp:// or http:// (MJPEG) expected, got {video_uri!r}"
            )
        if parts.scheme == "" and not path.is_file():
            raise SourceError(f"video_uri: a readable file expected, got {video_uri!r}")
        if recorder is None:
            return PyAvFrameSource(video_uri, policy)
        file_tap = functools.partial(recorder.write, RecordingStream.INPUT)
        return PyAvFrameSource(video_uri, policy, reader=lambda: TappedFile(path, file_tap))

    def _mjpeg_feed(
        video_uri: str, telemetry_uri: str, recorder: FlightRecorder | None
    ) -> FlightFeed:
        parts = urlsplit(telemetry_uri)
        if parts.scheme != "udp" or parts.port is None:
            raise SourceError(
                f"telemetry_uri: udp://host:port expected with an MJPEG video, "
                f"got {telemetry_uri!r}"
            )
        video_tap = klv_tap = None
        if recorder is not None:
            video_tap = functools.partial(recorder.write, RecordingStream.VIDEO)
            klv_tap = functools.partial(recorder.write, RecordingStream.TELEMETRY)
        klv = KlvUdpTelemetrySource(
            parts.port,
            parts.hostname or "127.0.0.1",
            policy,
            settings.klv_max_packet_bytes,
            tap=klv_tap,
        )
        video = HealingFrameSource(lambda: MjpegHttpSource(video_uri, tap=video_tap).frames())
        return LiveFlightFeed(
            video.frames,
            lambda: klv.samples(idle_timeout_s=None),  # until the flight stops
            healing=[video],
            on_stop=klv.close,
            refused=klv.counts.as_dict,
        )

    return open_feed


def _policy(settings: Settings) -> DecodePolicy:
    return DecodePolicy.STRICT if settings.klv_strict else DecodePolicy.LENIENT


def recorder_opener(settings: Settings) -> RecorderOpener:
    """Recordings under DRONE_AI_RECORDING_DIR, in segments of the configured length."""
    limits = SegmentLimits(
        round(settings.recording_segment_s * 1e6), settings.recording_segment_bytes
    )

    def open_recorder(flight_id: str, video_uri: str, telemetry_uri: str) -> FlightRecorder:
        # Refused before a folder is made: only inputs the tower reads itself are kept whole.
        scheme = urlsplit(video_uri).scheme
        if scheme not in ("", "file", "udp", "http"):
            raise NotAvailableError(
                f"record: recording {scheme}:// inputs is not available yet (a file, udp:// or "
                "http:// MJPEG can be recorded); start the flight with record off"
            )
        kind = SourceKind.MJPEG_KLV if scheme == "http" else SourceKind.MPEGTS
        source = RecordingSource.of(kind, video_uri, telemetry_uri)
        writer = RecordingWriter.start(
            settings.recording_dir, flight_id, source, wall_clock_us, limits
        )
        return FlightRecording(writer)

    return open_recorder


def flight_control(
    settings: Settings, lanes: DetectionLanes, metrics: TowerMetrics | None = None
) -> FlightControl:
    """Flights started from URIs, detected in `lanes`, logged in memory, listed in a new
    directory (`.flights`), reporting to `metrics` (none: not collected)."""

    news = NewsBell()

    def new_log() -> FlightEventLog[FlightEvent]:
        return InMemoryEventLog(
            settings.event_log_max_events, settings.event_log_max_age_s, news=news
        )

    return FlightControl(
        FlightDirectory(news),
        lanes,
        feed_opener(settings),
        georeferencer(settings),
        new_log,
        wall_clock_us,
        metrics,
        settings.detector.value,
        settings.detect_queue_depth,
        recorder_opener(settings),
        recordings(settings),
    )


def recover_recordings(settings: Settings) -> list[Manifest]:
    """The recordings a killed tower left unfinished, finalised up to their last whole chunk
    (at start, before any flight records)."""
    return [recover(folder) for folder in find_interrupted(settings.recording_dir)]


def recordings(settings: Settings) -> LocalRecordings:
    """The recordings flights replay from: DRONE_AI_RECORDING_DIR's, and s3:// ones."""
    return LocalRecordings(settings.recording_dir, _policy(settings), s3_fetcher(settings))


def recording_folder(settings: Settings, recording: str) -> Path:
    """A finished recording's folder, for the command line: a recording's folder (here or
    absolute), "<flight_id>/<recording_id>" under DRONE_AI_RECORDING_DIR, or s3:// (fetched
    and checked first). RecordingError if it is none, RecordingBusyError if unfinished."""
    here = Path(recording)
    if (here / MANIFEST_NAME).is_file():
        recording = str(here.resolve())
    return recordings(settings).folder(recording)


def export_recording(
    settings: Settings,
    recording: str,
    ts_path: Path | None,
    geojson_path: Path | None,
    footprints: bool = False,
) -> RecordingExport:
    """`drone-ai export`: a recording (see recording_folder) as MPEG-TS and/or GeoJSON."""
    return export(recording_folder(settings, recording), ts_path, geojson_path, footprints)


def list_recordings(
    settings: Settings, flight_id: str | None, in_s3: bool
) -> list[ListedRecording]:
    """The recordings under DRONE_AI_RECORDING_DIR, or with `in_s3` the S3 store's."""
    if not in_s3:
        return local_recordings(settings.recording_dir, flight_id)
    if settings.s3_bucket is None:
        raise NotAvailableError("recordings --s3: an S3 store expected (DRONE_AI_S3_BUCKET)")
    return s3_recordings(_s3_store(settings, settings.s3_bucket, settings.s3_prefix), flight_id)


def s3_fetcher(settings: Settings) -> Callable[[str], Path] | None:
    """s3://bucket/prefix/<flight>[/<recording>] fetched to a cache beside the recordings
    (a flight's latest recording when none is named); None when no bucket is set."""
    if settings.s3_bucket is None:
        return None
    cache = settings.recording_dir.with_name(settings.recording_dir.name + ".s3-cache")

    def fetch(uri: str) -> Path:
        bucket, path = parse_s3_uri(uri)
        parts = path.split("/")
        if len(parts) >= 2 and is_recording_id(parts[-1]):
            prefix, flight_id, recording = "/".join(parts[:-2]), parts[-2], parts[-1]
            store = _s3_store(settings, bucket, prefix)
            return store.fetch_recording(RecordingRef(flight_id, recording), cache)
        prefix, flight_id = "/".join(parts[:-1]), parts[-1]
        return max(_s3_store(settings, bucket, prefix).fetch_flight(flight_id, cache))

    return fetch


def _s3_store(settings: Settings, bucket: str, prefix: str) -> S3RecordingStore:
    return S3RecordingStore(
        bucket, prefix, endpoint_url=settings.s3_endpoint_url, region=settings.s3_region
    )


def recording_spool(settings: Settings) -> RecordingSpool | None:
    """The uploader of closed recording files to S3, when a bucket is configured."""
    if settings.s3_bucket is None:
        return None
    store = _s3_store(settings, settings.s3_bucket, settings.s3_prefix)
    return RecordingSpool(settings.recording_dir, store, keep_local=settings.recording_keep_local)


def fetch_secrets(
    prefix: str,
    out: Path,
    *,
    region: str | None = None,
    endpoint_url: str | None = None,
    allow_missing_tls: bool = False,
) -> KeptSecrets:
    """`drone-ai fetch-secrets`: the tower's TLS material and partners from SSM Parameter
    Store under `prefix`, kept as 0600 files in `out` (0700) for serve's settings to name."""
    store = SsmParameterSecrets(prefix, region=region, endpoint_url=endpoint_url)
    return keep(store.fetch(), out, allow_missing_tls=allow_missing_tls)


def tower_metrics() -> PrometheusMetrics:
    return PrometheusMetrics()


def metrics_endpoint(settings: Settings, metrics: PrometheusMetrics) -> WSGIServer | None:
    """The metrics served as configured (over HTTPS with the API's certificate), or None."""
    if not settings.metrics_listen:
        return None
    return serve_metrics(
        settings.metrics_listen, metrics, settings.tls_cert_path, settings.tls_key_path
    )


def request_limiter(settings: Settings) -> RequestLimiter:
    return RequestLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)


def access_policy(settings: Settings) -> AccessPolicy | None:
    """The partners and their flights; None without a partners file (open access)."""
    if settings.partners_path is None:
        return None
    return AccessPolicy(load_partners(settings.partners_path))


def simulate_to_path(
    scenario: Path | None,
    out: Path,
    progress: Progress | None = None,
    duration_s: float | None = None,
) -> None:
    """Fly the scenario (the default one when None; cut to `duration_s` if given) into an
    MPEG-TS file (a path ending in .ts) or a folder of frames, KLV and ground truth."""
    loaded = load_scenario(scenario)
    if duration_s is not None:
        loaded = dataclasses.replace(loaded, duration_s=duration_s)
    flight = SimulatedFlight(loaded)
    if out.suffix.lower() == ".ts":
        write_mpegts(flight, out, progress)
    else:
        write_files(flight, out, progress)


def simulate_live(
    scenario: Path | None, http_port: int, klv_udp_port: int | None, speed: float
) -> LiveFlight:
    """The scenario flown live on 127.0.0.1, started."""
    live = LiveFlight(SimulatedFlight(load_scenario(scenario)), http_port, klv_udp_port, speed)
    live.start()
    return live


def deploy_tower(
    request: aws_deploy.DeployRequest, rollback: bool, progress: Callable[[str], None]
) -> aws_deploy.DeployResult:
    """`drone-ai deploy`: a new release built, uploaded and rolled out to the stack through
    CloudFormation, or with `rollback` the release before the current one again."""
    run = aws_deploy.rollback if rollback else aws_deploy.deploy
    return run(request, wall_clock_us, progress)
