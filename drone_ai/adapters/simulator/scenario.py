"""A flight scenario: a JSON file (or nothing: the defaults fly a 60 s orbit) read into values.

Every field has a default; a file only says what differs. Unknown keys are refused, so that a
typo does not silently fly the default.

    {
      "origin": {"lat_deg": 38.16, "lon_deg": -77.35, "ground_hae_m": 20.0},
      "start_utc_us": 1700000000000000, "duration_s": 60, "seed": 1,
      "path": {"kind": "orbit", "centre_east_m": 0, "centre_north_m": 0, "radius_m": 500},
      "altitude_agl_m": 600, "speed_mps": 25,
      "wobble": {"roll_deg": 1.0, "pitch_deg": 0.5, "period_s": 7},
      "gimbal": {"kind": "look_at", "east_m": 0, "north_m": 0},
      "camera": {"width_px": 1280, "height_px": 720, "hfov_deg": 30, "vfov_deg": null,
                 "zoom": [[20, 15], [40, 30]]},
      "fps": 30, "telemetry_hz": 25, "telemetry_offset_ms": 7,
      "noise": {"position_m": 0, "altitude_m": 0, "attitude_deg": 0, "pointing_deg": 0,
                "correlation_s": 0, "white_share": 0},
      "targets": {"vehicles": 12, "people": 8},
      "render": {"blur_sigma_px": 0, "pixel_noise": 0, "jpeg_quality": 90}
    }

Path kinds: "orbit" (centre_east_m, centre_north_m, radius_m, clockwise), "legs" (waypoints:
[[east, north], ...]), "lawnmower" (west_m, south_m, width_m, height_m, spacing_m). Gimbal
kinds: "look_at" (east_m, north_m), "fixed" (rel_az_deg, rel_el_deg, rel_roll_deg), "slew"
(start_az_deg, rate_deg_s, rel_el_deg). Zoom: [time_s, hfov_deg] steps. Noise: an object
as above (the default: none), or the name of a profile: "none", or "typical" (a small tactical
UAS's navigation errors, `Noise.typical`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.errors import DomainError
from domain.flight_path import (
    FixedPointing,
    FlightPlan,
    Gimbal,
    Legs,
    LookAt,
    Orbit,
    Slew,
    Wobble,
    lawnmower,
)
from drone_ai.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Origin:
    lat_deg: float = 38.16
    lon_deg: float = -77.35
    ground_hae_m: float = 20.0


@dataclass(frozen=True, slots=True)
class CameraSpec:
    width_px: int = 1280
    height_px: int = 720
    hfov_deg: float = 30.0
    vfov_deg: float | None = None
    zoom: tuple[tuple[float, float], ...] = ()  # (time s, hfov deg) steps

    def hfov_at(self, t_s: float) -> float:
        hfov = self.hfov_deg
        for start_s, zoomed in self.zoom:
            if t_s >= start_s:
                hfov = zoomed
        return hfov


@dataclass(frozen=True, slots=True)
class Noise:
    """1-sigma errors of the telemetry (never of the frames, which use the true pose).

    Every packet's error in each quantity has the sigma given. With `correlation_s` 0 each
    packet draws afresh (white noise); with `correlation_s` > 0, all but `white_share` of the
    variance wanders as a first-order Gauss-Markov process with that correlation time
    (telemetry_noise.py), as a navigation unit's errors do. White errors are partly averaged
    away where the tower interpolates between two packets (to between 1/2 and all of their
    variance), wandering ones are not: only these keep a sigma that the tower should report.
    """

    position_m: float = 0.0  # north and east, each
    altitude_m: float = 0.0
    attitude_deg: float = 0.0  # platform heading, pitch and roll, each
    pointing_deg: float = 0.0  # sensor relative azimuth and elevation, each
    correlation_s: float = 0.0
    white_share: float = 0.0  # of each variance, with correlation_s > 0

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if not 0.0 <= value < math.inf:  # NaN fails too
                raise ConfigError(
                    f"scenario noise {name}: a finite value >= 0 expected, got {value}"
                )
        if self.white_share > 1.0:
            raise ConfigError(
                f"scenario noise white_share: a share in [0, 1] expected, got {self.white_share}"
            )

    @property
    def any(self) -> bool:
        return any(
            v > 0.0
            for v in (self.position_m, self.altitude_m, self.attitude_deg, self.pointing_deg)
        )

    @property
    def white_fraction(self) -> float:
        """The share of each variance drawn afresh per packet."""
        return 1.0 if self.correlation_s == 0.0 else self.white_share

    @classmethod
    def typical(cls) -> Noise:
        """A small tactical UAS's navigation and gimbal (`"noise": "typical"` in a scenario):

        - position 2 m per horizontal axis: a single-frequency GNSS receiver (2.5 m CEP, the
          usual data-sheet figure, is 1.18 sigma of a circular error);
        - altitude 3 m: GNSS heights are 1.5 times worse than its horizontal positions, and
          a barometer smooths but does not remove the offset;
        - attitude 0.2 deg on heading, pitch and roll each: a GNSS-aided MEMS INS in flight
          (0.1 deg roll and pitch, 0.2 to 0.5 deg heading on the data sheets);
        - pointing 0.2 deg on azimuth and elevation each: the gimbal's encoders, boresight
          alignment and what its stabilisation leaves;
        - wandering with a 2 s correlation time, a tenth of each variance white (a packet's
          own quantisation and timing jitter). Real GNSS errors wander for minutes; 2 s keeps
          a short simulated flight from carrying one single offset, so that it samples the
          errors' spread.

        The tower's matching error model (README, DRONE_AI_SIGMA_*): position 2 m, altitude
        3 m, pointing sqrt(0.2**2 + 0.2**2) = 0.28 deg per axis, ground height near 0 (the
        simulated ground is flat, the KLV frame-centre height exact).
        """
        return cls(
            position_m=2.0,
            altitude_m=3.0,
            attitude_deg=0.2,
            pointing_deg=0.2,
            correlation_s=2.0,
            white_share=0.1,
        )


NOISE_PROFILES = {"none": Noise(), "typical": Noise.typical()}


@dataclass(frozen=True, slots=True)
class RenderSpec:
    blur_sigma_px: float = 0.0
    pixel_noise: float = 0.0  # 1-sigma, in 8-bit levels
    jpeg_quality: int = 90


@dataclass(frozen=True, slots=True)
class Scenario:
    plan: FlightPlan
    gimbal: Gimbal
    origin: Origin = field(default_factory=Origin)
    camera: CameraSpec = field(default_factory=CameraSpec)
    start_utc_us: int = 1_700_000_000_000_000
    duration_s: float = 60.0
    fps: float = 30.0
    telemetry_hz: float = 25.0
    telemetry_offset_ms: float = 7.0
    noise: Noise = field(default_factory=Noise)
    vehicles: int = 12
    people: int = 8
    render: RenderSpec = field(default_factory=RenderSpec)
    seed: int = 1


DEFAULT_PLAN = FlightPlan(Orbit(0.0, 0.0, 500.0), altitude_agl_m=600.0, speed_mps=25.0)
DEFAULT_GIMBAL = LookAt(0.0, 0.0)
_TOP_LEVEL = {
    "origin",
    "start_utc_us",
    "duration_s",
    "seed",
    "path",
    "altitude_agl_m",
    "speed_mps",
    "wobble",
    "gimbal",
    "camera",
    "fps",
    "telemetry_hz",
    "telemetry_offset_ms",
    "noise",
    "targets",
    "render",
}


def load_scenario(path: Path | None) -> Scenario:
    """The scenario in the JSON file at `path`, or the default one."""
    if path is None:
        return scenario_from_mapping({})
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: a readable JSON scenario expected: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a JSON object expected, got {type(raw).__name__}")
    return scenario_from_mapping(raw)


def scenario_from_mapping(raw: Mapping[str, Any]) -> Scenario:
    unknown = set(raw) - _TOP_LEVEL
    if unknown:
        raise ConfigError(f"scenario: unknown keys {sorted(unknown)}; known: {sorted(_TOP_LEVEL)}")
    try:
        plan = FlightPlan(
            _path(raw.get("path")),
            float(raw.get("altitude_agl_m", DEFAULT_PLAN.altitude_agl_m)),
            float(raw.get("speed_mps", DEFAULT_PLAN.speed_mps)),
            _build(Wobble, raw.get("wobble")),
        )
        targets = raw.get("targets", {})
        camera = dict(raw.get("camera", {}))
        camera["zoom"] = tuple(tuple(step) for step in camera.get("zoom", ()))
        scalars: dict[str, Any] = {
            name: kind(raw[key]) for key, (name, kind) in _SCALARS.items() if key in raw
        }
        scalars |= {
            f"{kind}s" if kind == "vehicle" else "people": int(targets[key])
            for key, kind in (("vehicles", "vehicle"), ("people", "person"))
            if key in targets
        }
        scenario = Scenario(
            plan=plan,
            gimbal=_gimbal(raw.get("gimbal")),
            origin=_build(Origin, raw.get("origin")),
            camera=_build(CameraSpec, camera),
            noise=_noise(raw.get("noise")),
            render=_build(RenderSpec, raw.get("render")),
            **scalars,
        )
    except (TypeError, ValueError, KeyError, DomainError) as exc:
        raise ConfigError(f"scenario: {exc}") from exc
    if not (scenario.fps > 0.0 and scenario.telemetry_hz > 0.0 and scenario.duration_s > 0.0):
        raise ConfigError("scenario: positive fps, telemetry_hz and duration_s expected")
    return scenario


# JSON key -> (Scenario field, conversion), for the plain numbers.
_SCALARS: dict[str, tuple[str, type[Any]]] = {
    "start_utc_us": ("start_utc_us", int),
    "duration_s": ("duration_s", float),
    "fps": ("fps", float),
    "telemetry_hz": ("telemetry_hz", float),
    "telemetry_offset_ms": ("telemetry_offset_ms", float),
    "seed": ("seed", int),
}


def _build(kind: type[Any], raw: Mapping[str, Any] | None) -> Any:
    return kind(**(raw or {}))


def _noise(raw: Mapping[str, Any] | str | None) -> Noise:
    if isinstance(raw, str):
        if raw not in NOISE_PROFILES:
            raise ConfigError(
                f"scenario noise: a profile {sorted(NOISE_PROFILES)} or an object expected, "
                f"got {raw!r}"
            )
        return NOISE_PROFILES[raw]
    noise: Noise = _build(Noise, raw)
    return noise


def _path(raw: Mapping[str, Any] | None) -> Orbit | Legs:
    if raw is None:
        return DEFAULT_PLAN.path
    fields = dict(raw)
    kind = fields.pop("kind", "orbit")
    if kind == "orbit":
        return Orbit(**fields)
    if kind == "legs":
        return Legs(tuple((float(e), float(n)) for e, n in fields["waypoints"]))
    if kind == "lawnmower":
        return lawnmower(**fields)
    raise ConfigError(f"scenario path: kind orbit, legs or lawnmower expected, got {kind!r}")


def _gimbal(raw: Mapping[str, Any] | None) -> Gimbal:
    if raw is None:
        return DEFAULT_GIMBAL
    fields = dict(raw)
    kind = fields.pop("kind", "look_at")
    kinds: dict[str, type[Any]] = {"look_at": LookAt, "fixed": FixedPointing, "slew": Slew}
    if kind not in kinds:
        raise ConfigError(f"scenario gimbal: kind look_at, fixed or slew expected, got {kind!r}")
    gimbal: Gimbal = kinds[kind](**fields)
    return gimbal
