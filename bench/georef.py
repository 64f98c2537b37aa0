"""Georeferencing speed on one core: `python -m bench.georef`.

1. pixel -> ground for 1,000,000 image points at once (vectorised), against the same work
   done point by point in a Python loop (on a sample, scaled), in the same process;
2. the footprint (centre and four corners) of a 300-frame flight in one batched call, per
   frame, and of one frame alone (numpy's per-call cost dominates five rays).
Targets: at least 1,000,000 points/s and under 100 us per footprint. CPU time, best of runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from domain.camera import CameraModel, Intrinsics
from domain.footprint import frame_footprint, frame_footprints
from domain.geodesy import ecef_to_geodetic
from domain.ground_intersection import intersect_ground

POINTS = 1_000_000
LOOP_SAMPLE = 2_000
FOOTPRINTS = 2_000
FLIGHT_FRAMES = 300
LIMITS = {"max_range_m": 50_000.0, "min_depression_deg": 2.0}


def best_seconds(work: Callable[[], object], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        began = time.process_time()
        work()
        best = min(best, time.process_time() - began)
    return best


def oblique_camera(heading_deg: float = 97.0) -> CameraModel:
    intrinsics = Intrinsics.from_fov(1920, 1080, 35.0, 20.2)
    return CameraModel.from_st0601_angles(
        38.16, -77.35, 1_500.0, (heading_deg, 2.0, -4.0), (10.0, -35.0, 0.0), intrinsics
    )


def georeference(camera: CameraModel, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, ...]:
    points, _, status = intersect_ground(
        camera.position_ecef_m, camera.pixel_rays(u, v), 40.0, **LIMITS
    )
    lat, lon, hae = ecef_to_geodetic(points, 1)
    return lat, lon, hae, status


def main() -> None:
    print(__doc__.split("\n")[0])
    camera = oblique_camera()
    rng = np.random.default_rng(7)
    u = rng.uniform(0.0, 1920.0, POINTS)
    v = rng.uniform(0.0, 1080.0, POINTS)
    vectorised = best_seconds(lambda: georeference(camera, u, v), repeats=3)

    def loop() -> None:
        for i in range(LOOP_SAMPLE):
            georeference(camera, u[i : i + 1], v[i : i + 1])

    looped = best_seconds(loop, repeats=3) / LOOP_SAMPLE * POINTS
    rate = POINTS / vectorised
    print(
        f"pixel -> ground, {POINTS:,} points: {rate:,.0f} points/s vectorised; the same point "
        f"by point in Python: {POINTS / looped:,.0f} points/s; ratio {looped / vectorised:,.0f}x"
    )

    def one_at_a_time() -> None:
        for _ in range(FOOTPRINTS):
            frame_footprint(camera, 40.0, **LIMITS)

    flight = [oblique_camera(heading_deg=97.0 + 0.05 * i) for i in range(FLIGHT_FRAMES)]

    def batched() -> None:
        frame_footprints(flight, [40.0] * FLIGHT_FRAMES, **LIMITS)

    single_us = best_seconds(one_at_a_time) / FOOTPRINTS * 1e6
    per_footprint_us = best_seconds(batched) / FLIGHT_FRAMES * 1e6
    print(
        f"footprint per frame (centre + 4 corners): {per_footprint_us:.0f} us batched over a "
        f"{FLIGHT_FRAMES}-frame flight; {single_us:.0f} us for a frame alone"
    )
    meets = rate >= 1_000_000 and per_footprint_us < 100.0
    print(
        f"target: >= 1,000,000 points/s and < 100 us per footprint: "
        f"{'meets' if meets else 'MISSES'}"
    )


if __name__ == "__main__":
    main()
