"""The application's settings: one frozen value, from DRONE_AI_* environment variables.

Defaults run on a laptop: no AWS, no GPU, no elevation model (the ground falls back to the
frame-centre height the platform sends, then to sea level), EGM96 for sea level.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drone_ai.errors import ConfigError

_PREFIX = "DRONE_AI_"
CONFIG_VARIABLE = "DRONE_AI_CONFIG"


class AzimuthSetting(enum.Enum):
    """How EG 0104 sources measure the line of sight's azimuth."""

    TRUE = "true"  # as the standard says
    UTM_GRID = "utm-grid"  # measured on the real Fort A.P. Hill feed (see domain/pose.py)


class DetectorBackend(enum.Enum):
    MOTION = "motion"  # moving-target indication: needs no weights, the default
    ONNX = "onnx"  # a YOLO-family ONNX model the customer brings (detector_model_path)
    HOG = "hog"  # OpenCV's people detector, where the OpenCV build has it
    NONE = "none"  # finds nothing: footprints and platform only, or measuring the tower


class LogFormat(enum.Enum):
    JSON = "json"
    TEXT = "text"


class DemDatum(enum.Enum):
    GEOID = "geoid"
    ELLIPSOID = "ellipsoid"


@dataclass(frozen=True, slots=True)
class Settings:
    # A KLV packet longer than this is refused before it is read (ST 0601 packets are rarely
    # above a few kilobytes; 64 KiB leaves room for large VMTI sets).
    klv_max_packet_bytes: int = 65_536
    # Refuse a whole input at its first bad packet, instead of counting and skipping.
    klv_strict: bool = False
    # Sea level: EGM96 unless a constant undulation (m) is configured for a small area.
    geoid_undulation_m: float | None = None
    # A GeoTIFF elevation model (EPSG:4326), its heights above the geoid or the ellipsoid.
    dem_path: Path | None = None
    dem_datum: DemDatum = DemDatum.GEOID
    # The ground height above sea level when neither a DEM nor the KLV gives one.
    ground_msl_m: float = 0.0
    eg0104_azimuth: AzimuthSetting = AzimuthSetting.TRUE
    # Ground points farther than this, or seen flatter than this, are flagged, not trusted.
    max_slant_range_m: float = 20_000.0
    min_depression_deg: float = 3.0
    # 1-sigma errors the reported horizontal error of each ground point propagates (see
    # domain/georeference.py): pointing per axis of the line of sight, attitude and gimbal
    # together (sqrt(attitude**2 + gimbal**2)); the sensor's position per horizontal axis and
    # its height; the ground height from the KLV or GROUND_MSL_M, or from the DEM; and the
    # detector's box (its bottom centre, per image axis, in pixels of the frame).
    sigma_pointing_deg: float = 0.5
    sigma_position_m: float = 5.0
    sigma_altitude_m: float = 10.0
    sigma_ground_height_m: float = 30.0
    sigma_dem_height_m: float = 5.0
    sigma_pixel_px: float = 4.0
    detector: DetectorBackend = DetectorBackend.MOTION
    detector_model_path: Path | None = None
    detector_labels_path: Path | None = None  # when the model's metadata has no class names
    detector_min_score: float = 0.25
    # onnxruntime execution providers, best first; those this runtime lacks are skipped.
    detector_providers: tuple[str, ...] = ("CPUExecutionProvider",)
    # The detection worker pool (drone_ai/adapters/detection_pool): 0 workers means one per
    # core less one; a max batch of 0 means the backend's own (8 for onnx, 1 otherwise).
    detect_workers: int = 0
    detect_max_batch: int = 0
    detect_latency_budget_ms: float = 10.0
    detect_queue_depth: int = 2  # frames waiting per flight; past it the newest wins
    detect_max_flights: int = 16
    detect_min_rate_hz: float = 5.0  # a new flight is refused if its share would be less
    detect_max_frame_pixels: int = 1920 * 1080
    detect_worker_timeout_s: float = 30.0  # a worker busy longer on one batch is replaced
    # The gRPC server's address; plaintext off loopback only when explicitly allowed (TLS is
    # the way to serve other hosts).
    listen: str = "127.0.0.1:50051"
    allow_plaintext_remote: bool = False
    # TLS (PEM files): with a client CA, clients must show a certificate it signed (mutual TLS).
    tls_cert_path: Path | None = None
    tls_key_path: Path | None = None
    tls_client_ca_path: Path | None = None
    # Partners and their hashed tokens (drone_ai/adapters/access/partners_file.py); none:
    # every caller may do everything, which serve allows on loopback only.
    partners_path: Path | None = None
    # Each flight's event log keeps at most this many events, none older than this.
    event_log_max_events: int = 100_000
    event_log_max_age_s: float = 600.0
    # Recordings in S3 (drone_ai/adapters/recording/s3_store.py): no bucket, no upload. The
    # endpoint is AWS's unless set (an S3-compatible store); credentials from boto3's chain.
    # Without local copies, a file is deleted only once S3 has confirmed its checksum.
    s3_bucket: str | None = None
    s3_prefix: str = "recordings"
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    recording_keep_local: bool = True
    # Requests a second per partner (or per address, for callers not authenticated), with
    # bursts of up to rate_limit_burst; past it, RESOURCE_EXHAUSTED.
    rate_limit_per_s: float = 20.0
    rate_limit_burst: int = 100
    # Prometheus metrics over HTTP at host:port ("" for none); beyond loopback only with TLS
    # (the TLS_* files) or ALLOW_PLAINTEXT_REMOTE, like the API.
    metrics_listen: str = "127.0.0.1:9464"
    # Log lines: one JSON object each (for log shippers), or plain text for people.
    log_format: LogFormat = LogFormat.JSON
    # The same lines also to this file (size-bounded rotation, drone_ai/entrypoints/log_lines.py)
    # for a shipper that reads files (the CloudWatch agent on EC2); none: the stream only.
    log_file: Path | None = None
    # Flight recordings (README, "Recording format"): where, and when a segment closes (after
    # this much received time, or this many bytes).
    recording_dir: Path = Path("recordings")
    recording_segment_s: float = 10.0
    recording_segment_bytes: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        if not 32 <= self.klv_max_packet_bytes <= 16 * 1024 * 1024:
            raise ConfigError(
                f"{_PREFIX}KLV_MAX_PACKET_BYTES: expected 32 to 16 MiB, "
                f"got {self.klv_max_packet_bytes}"
            )
        if not 0.0 < self.max_slant_range_m <= 1_000_000.0:
            raise ConfigError(
                f"{_PREFIX}MAX_SLANT_RANGE_M: expected (0, 1e6], got {self.max_slant_range_m}"
            )
        if not 0.0 <= self.min_depression_deg < 90.0:
            raise ConfigError(
                f"{_PREFIX}MIN_DEPRESSION_DEG: expected [0, 90), got {self.min_depression_deg}"
            )
        if self.detector is DetectorBackend.ONNX and self.detector_model_path is None:
            raise ConfigError(
                f"{_PREFIX}DETECTOR_MODEL_PATH: an ONNX model file expected with "
                f"{_PREFIX}DETECTOR=onnx, got none"
            )
        ranges = (
            ("detect_workers", 0 <= self.detect_workers <= 256, "0 (one per core less one) to 256"),
            ("detect_max_batch", 0 <= self.detect_max_batch <= 256, "0 (the backend's) to 256"),
            (
                "detect_latency_budget_ms",
                0.0 <= self.detect_latency_budget_ms <= 10_000.0,
                "0 to 10000",
            ),
            ("detect_queue_depth", 1 <= self.detect_queue_depth <= 1024, "1 to 1024"),
            ("detect_max_flights", 1 <= self.detect_max_flights <= 10_000, "1 to 10000"),
            ("detect_min_rate_hz", 0.0 <= self.detect_min_rate_hz <= 1000.0, "0 to 1000"),
            (
                "detect_max_frame_pixels",
                1 <= self.detect_max_frame_pixels <= 100_000_000,
                "1 to 1e8",
            ),
            ("detect_worker_timeout_s", 0.0 < self.detect_worker_timeout_s <= 3600.0, "(0, 3600]"),
            ("event_log_max_events", 1 <= self.event_log_max_events <= 10_000_000, "1 to 1e7"),
            ("event_log_max_age_s", 0.0 < self.event_log_max_age_s <= 86_400.0, "(0, 86400]"),
            ("rate_limit_per_s", 0.0 < self.rate_limit_per_s <= 1e6, "(0, 1e6]"),
            ("rate_limit_burst", 1 <= self.rate_limit_burst <= 1_000_000, "1 to 1e6"),
            ("sigma_pointing_deg", 0.0 <= self.sigma_pointing_deg <= 90.0, "0 to 90"),
            ("sigma_position_m", 0.0 <= self.sigma_position_m <= 1e5, "0 to 1e5"),
            ("sigma_altitude_m", 0.0 <= self.sigma_altitude_m <= 1e5, "0 to 1e5"),
            ("sigma_ground_height_m", 0.0 <= self.sigma_ground_height_m <= 1e5, "0 to 1e5"),
            ("sigma_dem_height_m", 0.0 <= self.sigma_dem_height_m <= 1e5, "0 to 1e5"),
            ("sigma_pixel_px", 0.0 <= self.sigma_pixel_px <= 1e4, "0 to 1e4"),
            ("recording_segment_s", 0.001 <= self.recording_segment_s <= 3600.0, "0.001 to 3600"),
            (
                "recording_segment_bytes",
                4096 <= self.recording_segment_bytes <= 64 * 1024**3,
                "4096 to 64 GiB",
            ),
        )
        for name, holds, expected in ranges:
            if not holds:
                raise ConfigError(
                    f"{_PREFIX}{name.upper()}: expected {expected}, got {getattr(self, name)}"
                )
        if (self.tls_cert_path is None) != (self.tls_key_path is None):
            raise ConfigError(
                f"{_PREFIX}TLS_CERT_PATH and {_PREFIX}TLS_KEY_PATH: both or neither expected"
            )
        if self.tls_client_ca_path is not None and self.tls_cert_path is None:
            raise ConfigError(
                f"{_PREFIX}TLS_CLIENT_CA_PATH: mutual TLS expected with "
                f"{_PREFIX}TLS_CERT_PATH and {_PREFIX}TLS_KEY_PATH, got neither"
            )
        if not 0.0 <= self.detector_min_score <= 1.0:
            raise ConfigError(
                f"{_PREFIX}DETECTOR_MIN_SCORE: expected [0, 1], got {self.detector_min_score}"
            )
        self._check_s3()

    def _check_s3(self) -> None:
        if self.s3_bucket is not None and not 3 <= len(self.s3_bucket) <= 63:
            raise ConfigError(
                f"{_PREFIX}S3_BUCKET: a bucket name of 3 to 63 characters expected, "
                f"got {self.s3_bucket!r}"
            )
        if self.s3_bucket is not None and "/" in self.s3_bucket:
            raise ConfigError(
                f"{_PREFIX}S3_BUCKET: a bucket name without '/' expected, got {self.s3_bucket!r}"
            )
        if self.s3_endpoint_url is not None and not self.s3_endpoint_url.startswith(
            ("http://", "https://")
        ):
            raise ConfigError(
                f"{_PREFIX}S3_ENDPOINT_URL: an http:// or https:// URL expected, "
                f"got {self.s3_endpoint_url!r}"
            )

    @classmethod
    def load(cls, env: Mapping[str, str], config_path: Path | None = None) -> Settings:
        """Settings from a TOML file (`config_path`, else DRONE_AI_CONFIG, if either is set)
        with the environment's DRONE_AI_* variables over it: the file for what a deployment
        fixes, the environment for what one run changes."""
        path = config_path or (Path(env[CONFIG_VARIABLE]) if env.get(CONFIG_VARIABLE) else None)
        from_file = {} if path is None else read_config_file(path)
        return cls.from_env({**from_file, **env})

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        values: dict[str, Any] = {}
        for field_name, parse in _PARSERS.items():
            variable = _PREFIX + field_name.upper()
            raw = env.get(variable)
            if raw is None:
                continue
            try:
                values[field_name] = parse(raw)
            except ValueError as exc:
                raise ConfigError(f"{variable}: {exc}, got {raw!r}") from exc
        return cls(**values)


def _boolean(raw: str) -> bool:
    if raw.lower() not in ("0", "1", "true", "false"):
        raise ValueError("expected 0/1/true/false")
    return raw.lower() in ("1", "true")


def _number(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ValueError("expected a number") from None


def _integer(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError("expected an integer") from None


def _names(raw: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in raw.split(",") if name.strip())
    if not names:
        raise ValueError("expected a comma-separated list of names")
    return names


def _choice(kind: type[enum.Enum]) -> Callable[[str], enum.Enum]:
    def parse(raw: str) -> enum.Enum:
        try:
            return kind(raw)
        except ValueError:
            raise ValueError(f"expected one of {', '.join(str(m.value) for m in kind)}") from None

    return parse


_PARSERS: dict[str, Callable[[str], Any]] = {
    "klv_max_packet_bytes": _integer,
    "klv_strict": _boolean,
    "geoid_undulation_m": _number,
    "dem_path": Path,
    "dem_datum": _choice(DemDatum),
    "ground_msl_m": _number,
    "eg0104_azimuth": _choice(AzimuthSetting),
    "max_slant_range_m": _number,
    "min_depression_deg": _number,
    "sigma_pointing_deg": _number,
    "sigma_position_m": _number,
    "sigma_altitude_m": _number,
    "sigma_ground_height_m": _number,
    "sigma_dem_height_m": _number,
    "sigma_pixel_px": _number,
    "detector": _choice(DetectorBackend),
    "detector_model_path": Path,
    "detector_labels_path": Path,
    "detector_min_score": _number,
    "detector_providers": _names,
    "detect_workers": _integer,
    "detect_max_batch": _integer,
    "detect_latency_budget_ms": _number,
    "detect_queue_depth": _integer,
    "detect_max_flights": _integer,
    "detect_min_rate_hz": _number,
    "detect_max_frame_pixels": _integer,
    "detect_worker_timeout_s": _number,
    "listen": str,
    "allow_plaintext_remote": _boolean,
    "tls_cert_path": Path,
    "tls_key_path": Path,
    "tls_client_ca_path": Path,
    "partners_path": Path,
    "event_log_max_events": _integer,
    "event_log_max_age_s": _number,
    "s3_bucket": str,
    "s3_prefix": str,
    "s3_endpoint_url": str,
    "s3_region": str,
    "recording_keep_local": _boolean,
    "rate_limit_per_s": _number,
    "rate_limit_burst": _integer,
    "metrics_listen": str,
    "log_format": _choice(LogFormat),
    "log_file": Path,
    "recording_dir": Path,
    "recording_segment_s": _number,
    "recording_segment_bytes": _integer,
}


def read_config_file(path: Path) -> dict[str, str]:
    """A TOML file of settings, named as in Settings (`listen = "0.0.0.0:50051"`,
    `detect_workers = 3`), as the DRONE_AI_* variables they stand for; parsed and checked
    exactly as those are."""
    try:
        with path.open("rb") as stream:
            table = tomllib.load(stream)
    except OSError as exc:
        raise ConfigError(f"config file {path}: a readable TOML file expected: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: TOML expected: {exc}") from exc
    variables = {}
    for name, value in table.items():
        if name not in _PARSERS:
            raise ConfigError(
                f"config file {path}: a setting name expected ({', '.join(sorted(_PARSERS))}), "
                f"got {name!r}"
            )
        variables[_PREFIX + name.upper()] = _as_text(path, name, value)
    return variables


def _as_text(path: Path, name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    raise ConfigError(
        f"config file {path}: {name}: a string, number, boolean or list of strings expected, "
        f"got {value!r}"
    )
