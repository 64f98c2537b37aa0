"""`drone-ai demo`: the control tower end to end on this machine, as a partner sees it.

The tower's gRPC service starts on 127.0.0.1 (a port the system picks); the default simulated
flight is written as a STANAG 4609 style MPEG-TS (H.264 with ST 0601 KLV) and played into a
named pipe at the pace it was filmed, as a live drone would send it; StartFlight hands the
pipe to the tower, and a Subscribe over a real channel follows its georeferenced detections and
tracks while they come, printed once per second of flight. At the end: a summary judged
against the simulator's ground truth, and a PNG map of the tracks over the frames' footprints.

Offline, no AWS, no GPU: the embedded defaults (in-memory event log, CPU motion detector).
Times are UTC microseconds on the wire and seconds of flight in the printout.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

from domain.flight_events import GeoPosition
from domain.telemetry import LatLon
from drone_ai import bootstrap
from drone_ai.adapters.simulator.scenario import Scenario, load_scenario
from drone_ai.adapters.simulator.truth import FlightTruth
from drone_ai.config import Settings
from drone_ai.entrypoints.grpc.flight_watch import (
    SeenFrame,
    SeenGap,
    SeenStatus,
    SeenTrack,
    start_flight,
    watch,
)
from drone_ai.entrypoints.grpc.server import build_server
from drone_ai.entrypoints.paced_pipe import PacedPipe
from drone_ai.entrypoints.track_map import MapLayers, draw_track_map, write_png

FLIGHT_ID = "demo"
DEFAULT_DURATION_S = 20.0
MAX_DURATION_S = 60.0  # the default scenario's length
DEFAULT_MAP = Path("drone-ai-demo-map.png")
_US_PER_S = 1_000_000


@dataclass(frozen=True, slots=True)
class DemoFigures:
    """What the partner received, and how far its positions are from the truth."""

    frames: int  # frames the partner received a result of
    flown: int  # frames the simulator flew
    detections: int
    georeferenced: int  # detections with a ground position
    tracks: int  # distinct track ids seen
    judged: int  # georeferenced detections with a true target in view to judge them by
    median_error_m: float | None  # None when nothing could be judged
    p95_error_m: float | None
    within_sigma: float | None  # share of the judged within their reported 1-sigma error


@dataclass(slots=True)
class _Received:
    """Everything the subscription brought, as it came."""

    frames: list[SeenFrame] = field(default_factory=list)
    track_ids: set[int] = field(default_factory=set)
    ended: SeenStatus | None = None
    gaps: int = 0


def run_demo(settings: Settings, map_path: Path, duration_s: float, out: TextIO) -> DemoFigures:
    """Run the demo, printing as it goes; the map is written to `map_path`."""
    with tempfile.TemporaryDirectory(prefix="drone-ai-demo-") as folder:
        # The default flight, its telemetry with a small tactical UAS's typical errors.
        scenario_path = Path(folder) / "scenario.json"
        scenario_path.write_text(json.dumps({"noise": "typical"}), encoding="utf-8")
        scenario = load_scenario(scenario_path)
        settings = _matching(settings, scenario)
        video = Path(folder) / "flight.ts"
        began_s = time.monotonic()
        bootstrap.simulate_to_path(scenario_path, video, duration_s=duration_s)
        truth = FlightTruth.beside(video)
        noise = scenario.noise
        print(
            f"Simulated {duration_s:g} s of the default flight: {truth.frame_count} frames of "
            f"H.264 with ST 0601 KLV in one MPEG-TS ({time.monotonic() - began_s:.1f} s)\n"
            f"Telemetry with typical errors (GNSS {noise.position_m:g} m, altitude "
            f"{noise.altitude_m:g} m, attitude and gimbal {noise.attitude_deg:g} deg, 1 sigma); "
            "the tower's error model set to match",
            file=out,
            flush=True,
        )
        with bootstrap.detection_pool(settings) as pool:
            server = build_server(bootstrap.flight_control(settings, pool))
            port = server.add_insecure_port("127.0.0.1:0")
            server.start()
            try:
                address = f"127.0.0.1:{port}"
                print(f"Tower serving gRPC on {address}", file=out)
                live = PacedPipe(video, Path(folder) / "live.ts", duration_s)
                live.start()
                try:
                    start_flight(address, FLIGHT_ID, live.uri)
                    print(
                        f"StartFlight {FLIGHT_ID!r} ({live.uri}, played at the pace it was "
                        "filmed); subscribed as a partner would.\nPer second of flight: "
                        "frames, detections, tracks, a sample position (± its 1 sigma):",
                        file=out,
                        flush=True,
                    )
                    received = _follow(address, truth, out)
                finally:
                    live.stop()
            finally:
                server.stop(grace=None)
        if live.error is not None:
            print(f"The live playback stopped early: {live.error}", file=out)
    if received.ended is not None:
        state = "?" if received.ended.state is None else received.ended.state.value
        print(f"Flight {state}: {received.ended.detail}", file=out)
    if received.gaps:
        print(f"{received.gaps} gap notices (events lost before they were read)", file=out)
    figures = summarise(received.frames, received.track_ids, truth)
    for line in summary_lines(figures):
        print(line, file=out)
    image = draw_track_map(
        _layers(received.frames, truth),
        title=f"drone-ai demo: {figures.tracks} tracks over {figures.frames} frame footprints",
    )
    write_png(image, map_path)
    print(f"Map of the tracks: {map_path}", file=out, flush=True)
    return figures


def _matching(settings: Settings, scenario: Scenario) -> Settings:
    """The tower set for the simulated world: flat ground at the origin's height above the
    ellipsoid with no geoid (its KLV sends no frame-centre height: that height is
    configured), and an error model that states the telemetry's errors as they are."""
    noise = scenario.noise
    return dataclasses.replace(
        settings,
        geoid_undulation_m=0.0,
        ground_msl_m=scenario.origin.ground_hae_m,
        sigma_position_m=noise.position_m,
        sigma_altitude_m=noise.altitude_m,
        # Platform attitude and gimbal pointing both turn the line of sight.
        sigma_pointing_deg=math.hypot(noise.attitude_deg, noise.pointing_deg),
        sigma_ground_height_m=0.0,
    )


def _follow(address: str, truth: FlightTruth, out: TextIO) -> _Received:
    received = _Received()
    second = _Second()
    first_us: int | None = None
    for event in watch(address, FLIGHT_ID):
        if isinstance(event, SeenFrame):
            first_us = event.frame_time_us if first_us is None else first_us
            elapsed_s = (event.frame_time_us - first_us) // _US_PER_S
            if elapsed_s > second.index:
                print(second.line(truth), file=out, flush=True)
                for empty in range(second.index + 1, elapsed_s):
                    print(_Second(empty).line(truth), file=out, flush=True)
                second = _Second(elapsed_s)
            second.add(event)
            received.frames.append(event)
            received.track_ids.update(
                d.track_id for d in event.detections if d.track_id is not None
            )
        elif isinstance(event, SeenTrack):
            received.track_ids.add(event.track_id)
        elif isinstance(event, SeenStatus):
            received.ended = event
        elif isinstance(event, SeenGap):
            received.gaps += 1
    if second.frames:
        print(second.line(truth), file=out, flush=True)
    return received


@dataclass(slots=True)
class _Second:
    """One second of flight as it came in: counted, and one detection kept as a sample."""

    index: int = 0
    frames: int = 0
    detections: int = 0
    track_ids: set[int] = field(default_factory=set)
    sample: tuple[int, str, int | None, GeoPosition, float | None] | None = None

    def add(self, frame: SeenFrame) -> None:
        self.frames += 1
        self.detections += len(frame.detections)
        for d in frame.detections:
            if d.track_id is not None:
                self.track_ids.add(d.track_id)
            if d.position is not None and (self.sample is None or d.track_id is not None):
                self.sample = (
                    frame.frame_time_us,
                    d.label,
                    d.track_id,
                    d.position,
                    d.horizontal_error_m,
                )

    def line(self, truth: FlightTruth) -> str:
        counts = (
            f"  t={self.index:>3} s  {self.frames:>3} frames  {self.detections:>4} detections"
            f"  {len(self.track_ids):>3} tracks"
        )
        if self.frames == 0:
            return counts + "  (no frame came through)"
        if self.sample is None:
            return counts + "  (nothing placed on the ground)"
        t_us, label, track_id, p, sigma_m = self.sample
        who = label if track_id is None else f"{label} #{track_id}"
        sigma = "" if sigma_m is None else f" ±{sigma_m:.1f} m"
        off_m = truth.error_m(t_us, p.lat_deg, p.lon_deg)
        off = "" if off_m is None else f" (truth {off_m:.1f} m away)"
        return f"{counts}  {who} at {p.lat_deg:.6f} {p.lon_deg:.6f}{sigma}{off}"


def summarise(
    frames: Sequence[SeenFrame], track_ids: Iterable[int], truth: FlightTruth
) -> DemoFigures:
    """The figures of a flight's frames: each georeferenced detection is judged by the nearest
    true target in view at its frame's time."""
    detections = [(f.frame_time_us, d) for f in frames for d in f.detections]
    placed = [(t_us, d, d.position) for t_us, d in detections if d.position is not None]
    errors_m: list[float] = []
    within = 0
    for t_us, d, position in placed:
        error_m = truth.error_m(t_us, position.lat_deg, position.lon_deg)
        if error_m is None:
            continue
        errors_m.append(error_m)
        if d.horizontal_error_m is not None and error_m <= d.horizontal_error_m:
            within += 1
    judged = np.array(errors_m, dtype=np.float64)
    return DemoFigures(
        frames=len(frames),
        flown=truth.frame_count,
        detections=len(detections),
        georeferenced=len(placed),
        tracks=len(set(track_ids)),
        judged=len(errors_m),
        median_error_m=float(np.median(judged)) if errors_m else None,
        p95_error_m=float(np.percentile(judged, 95)) if errors_m else None,
        within_sigma=within / len(errors_m) if errors_m else None,
    )


def summary_lines(figures: DemoFigures) -> list[str]:
    lines = [
        "Summary (what the partner received over gRPC, against the simulator's truth):",
        f"  frames                     {figures.frames} of the {figures.flown} flown",
        f"  detections                 {figures.detections}",
        f"  georeferenced detections   {figures.georeferenced}",
        f"  tracks                     {figures.tracks}",
    ]
    if figures.median_error_m is None or figures.p95_error_m is None:
        lines.append("  position error             - (no detection with a true target in view)")
        return lines
    lines.append(
        f"  position error             median {figures.median_error_m:.2f} m, "
        f"95th percentile {figures.p95_error_m:.2f} m "
        f"(over {figures.judged} detections with a true target in view)"
    )
    if figures.within_sigma is not None:
        lines.append(
            f"  within reported 1 sigma    {100.0 * figures.within_sigma:.0f} % "
            "(actual error <= the detection's horizontal_error_m)"
        )
    return lines


def _layers(frames: Sequence[SeenFrame], truth: FlightTruth) -> MapLayers:
    tracks: dict[int, list[LatLon]] = {}
    for frame in frames:
        for d in frame.detections:
            if d.track_id is not None and d.position is not None:
                tracks.setdefault(d.track_id, []).append(
                    LatLon(d.position.lat_deg, d.position.lon_deg)
                )
    return MapLayers(
        footprints=[[LatLon(c.lat_deg, c.lon_deg) for c in f.footprint] for f in frames],
        tracks=tracks,
        truths={
            target_id: [LatLon(p.lat_deg, p.lon_deg) for p in path]
            for target_id, path in truth.paths().items()
            if path[0].kind == "vehicle"
        },
    )
