"""A simulated flight: frames with ground truth at the camera's rate, and ST 0601 packets at the
telemetry rate (not phase-aligned with the frames unless the scenario says so).

Frames are rendered from the pose that the noise-free telemetry describes once encoded and
decoded, so that a camera model built from that KLV reproduces the frames exactly (quantising
only the values, never their agreement). With noise configured, the packets carry a noisy pose
and the frames keep the true one. White noise is drawn from a generator seeded by (seed, packet
number), wandering noise as one series from the seed (telemetry_noise.py): the same scenario
gives byte-identical packets whatever order they are asked for in.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from domain.camera import CameraModel
from domain.flight_path import platform_state, sensor_pointing
from domain.footprint import frame_footprint
from domain.geodesy import ned_to_geodetic
from domain.pose import camera_from_sample
from domain.telemetry import LatLon, TelemetrySample, TelemetryStandard
from drone_ai.adapters.klv.ber import decode_length
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.adapters.klv.st0601 import ST0601_KEY, decode_packet, encode_packet
from drone_ai.adapters.klv.st0601_telemetry import items_from_sample, sample_from_items
from drone_ai.adapters.simulator.render import Renderer, TargetTruth
from drone_ai.adapters.simulator.scenario import Noise, Scenario
from drone_ai.adapters.simulator.scene import build_scene
from drone_ai.adapters.simulator.telemetry_noise import gauss_markov
from drone_ai.errors import SourceError

_UAS_LS_VERSION = 17
FRAME = 0
PACKET = 1
_FOOTPRINT_LIMITS = {"max_range_m": 20_000.0, "min_depression_deg": 3.0}


@dataclass(frozen=True, slots=True, eq=False)
class SimulatedFrame:
    index: int
    t_us: int  # UTC microseconds
    image: NDArray[np.uint8]
    truths: tuple[TargetTruth, ...]


class SimulatedFlight:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        scene = build_scene(scenario.seed, scenario.vehicles, scenario.people)
        origin = scenario.origin
        self._renderer = Renderer(scene, origin.lat_deg, origin.lon_deg, origin.ground_hae_m)
        self._wandering_errors: NDArray[np.float64] | None = None  # drawn on first use

    @property
    def frame_count(self) -> int:
        return int(self.scenario.duration_s * self.scenario.fps)

    def frame_time_us(self, index: int) -> int:
        return self.scenario.start_utc_us + round(index * 1e6 / self.scenario.fps)

    def packet_time_us(self, index: int) -> int:
        s = self.scenario
        return s.start_utc_us + round(s.telemetry_offset_ms * 1e3 + index * 1e6 / s.telemetry_hz)

    @property
    def packet_count(self) -> int:
        s = self.scenario
        return max(0, math.floor((s.duration_s - s.telemetry_offset_ms / 1e3) * s.telemetry_hz))

    def timeline(self) -> Iterator[tuple[int, int, int]]:
        """(UTC us, FRAME or PACKET, index) of every frame and packet in time order; a frame
        comes before a packet of the same instant."""
        frames = ((self.frame_time_us(i), FRAME, i) for i in range(self.frame_count))
        packets = ((self.packet_time_us(i), PACKET, i) for i in range(self.packet_count))
        return heapq.merge(frames, packets)

    def frames(self) -> Iterator[SimulatedFrame]:
        for index in range(self.frame_count):
            yield self.frame(index)

    def frame(self, index: int) -> SimulatedFrame:
        t_us = self.frame_time_us(index)
        camera = self.camera(self.reported_sample(t_us))
        image, truths = self._renderer.render(camera, t_us - self.scenario.start_utc_us)
        return SimulatedFrame(index, t_us, image, tuple(truths))

    def packets(self) -> Iterator[tuple[int, bytes]]:
        """(UTC time in us, ST 0601 packet) at the telemetry rate."""
        for index in range(self.packet_count):
            yield self.packet(index)

    def packet(self, index: int) -> tuple[int, bytes]:
        t_us = self.packet_time_us(index)
        sample = self.reported_sample(t_us)
        if self.scenario.noise.any:
            sample = self._noisy(sample, index)
        return t_us, self._encode(sample)

    def camera(self, sample: TelemetrySample) -> CameraModel:
        s = self.scenario
        if sample.sensor_hae_m is None:
            raise SourceError("simulated telemetry without a sensor height: a simulator bug")
        return camera_from_sample(
            sample, s.camera.width_px, s.camera.height_px, sample.sensor_hae_m
        )

    def reported_sample(self, t_us: int) -> TelemetrySample:
        """The true pose at `t_us` as the noise-free KLV states it (quantised by the encoding)."""
        return _round_trip(self.true_sample(t_us))

    def true_sample(self, t_us: int) -> TelemetrySample:
        """The exact pose at `t_us` (UTC us), before any encoding."""
        s = self.scenario
        rel_us = t_us - s.start_utc_us
        platform = platform_state(s.plan, rel_us)
        az, el, roll = sensor_pointing(s.gimbal, platform, rel_us)
        lat, lon, hae = ned_to_geodetic(
            np.array([platform.north_m, platform.east_m, -platform.up_m]),
            s.origin.lat_deg,
            s.origin.lon_deg,
            s.origin.ground_hae_m,
        )
        hfov = s.camera.hfov_at(rel_us / 1e6)
        vfov = s.camera.vfov_deg
        if vfov is None:  # square pixels: the VFOV the image size implies
            half = math.atan(
                math.tan(math.radians(hfov) / 2) * s.camera.height_px / s.camera.width_px
            )
            vfov = math.degrees(2 * half)
        return TelemetrySample(
            t_us=t_us,
            standard=TelemetryStandard.ST0601,
            mission_id="SIMULATED",
            platform_designation="DRONE-AI SIMULATOR",
            sensor_lat_deg=float(lat),
            sensor_lon_deg=float(lon),
            sensor_hae_m=float(hae),
            platform_heading_deg=platform.heading_deg,
            platform_pitch_deg=platform.pitch_deg,
            platform_roll_deg=platform.roll_deg,
            sensor_rel_az_deg=az,
            sensor_rel_el_deg=el,
            sensor_rel_roll_deg=roll,
            hfov_deg=hfov,
            vfov_deg=vfov,
            true_airspeed_mps=float(round(s.plan.speed_mps)),
            other_items={65: _UAS_LS_VERSION},
        )

    def _noisy(self, sample: TelemetrySample, index: int) -> TelemetrySample:
        """`sample` (packet `index`'s) with the scenario's noise added: its wandering part,
        and its white part drawn from a generator seeded by (seed, index). Every field it
        touches is always set on a simulated sample."""
        n = self.scenario.noise
        white = math.sqrt(n.white_fraction)
        wandering = self._wandering()[index] if n.white_fraction < 1.0 else np.zeros(8)
        rng = np.random.default_rng([self.scenario.seed, index])
        changed = {
            name: getattr(sample, name) + float(rng.normal(0.0, sigma * white)) + float(drift)
            for (name, sigma), drift in zip(_noise_sigmas(n).items(), wandering[2:], strict=True)
        }
        for direction in ("platform_heading_deg", "sensor_rel_az_deg"):
            changed[direction] %= 360.0
        d_north, d_east = (float(d) for d in rng.normal(0.0, n.position_m * white, 2))
        d_north += float(wandering[0])
        d_east += float(wandering[1])
        lat: float = getattr(sample, "sensor_lat_deg")  # noqa: B009 - typed: always set here
        lon: float = getattr(sample, "sensor_lon_deg")  # noqa: B009
        metres_per_deg = 111_320.0  # ample for noise of metres
        changed["sensor_lat_deg"] = lat + d_north / metres_per_deg
        changed["sensor_lon_deg"] = lon + d_east / (metres_per_deg * math.cos(math.radians(lat)))
        return replace(sample, **changed)

    def _wandering(self) -> NDArray[np.float64]:
        """Per packet: the wandering errors of north, east, then the `_noise_sigmas` fields."""
        if self._wandering_errors is None:
            s = self.scenario
            n = s.noise
            sigmas = np.array([n.position_m, n.position_m, *_noise_sigmas(n).values()])
            self._wandering_errors = gauss_markov(
                sigmas * math.sqrt(1.0 - n.white_fraction),
                self.packet_count,
                1.0 / s.telemetry_hz,
                n.correlation_s,
                s.seed,
            )
        return self._wandering_errors

    def _encode(self, sample: TelemetrySample) -> bytes:
        """The packet for `sample`, with the footprint the platform would compute from it."""
        footprint = frame_footprint(
            self.camera(sample), self.scenario.origin.ground_hae_m, **_FOOTPRINT_LIMITS
        )
        if footprint is not None:
            c = footprint.centre
            sample = replace(
                sample,
                slant_range_m=c.slant_range_m,
                frame_center_lat_deg=c.lat_deg,
                frame_center_lon_deg=c.lon_deg,
                frame_center_hae_m=c.hae_m,
                corners=tuple(LatLon(p.lat_deg, p.lon_deg) for p in footprint.corners),  # type: ignore[arg-type]
            )
        return encode_packet(items_from_sample(sample))


def _noise_sigmas(noise: Noise) -> dict[str, float]:
    """The sample fields the noise moves (besides the position), and their sigmas."""
    return {
        "sensor_hae_m": noise.altitude_m,
        "platform_heading_deg": noise.attitude_deg,
        "platform_pitch_deg": noise.attitude_deg,
        "platform_roll_deg": noise.attitude_deg,
        "sensor_rel_az_deg": noise.pointing_deg,
        "sensor_rel_el_deg": noise.pointing_deg,
    }


def _round_trip(sample: TelemetrySample) -> TelemetrySample:
    packet = encode_packet(items_from_sample(sample))
    _, value_start = decode_length(packet, len(ST0601_KEY), len(packet))
    ctx = DecodeContext(DecodePolicy.STRICT)
    return sample_from_items(decode_packet(packet, 0, value_start, len(packet), ctx))
