"""The simulated ground: a procedural texture (roads, fields, roofs, fine grain for feature
matching) on the plane of the scenario's origin, and targets that move along its roads.

All randomness comes from one seeded generator, so the same seed builds the same scene.
Coordinates are east/north metres from the origin; the texture is north-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np
from numpy.typing import NDArray

from domain.flight_path import TargetTrack

M_PER_PX = 0.5
HALF_SIZE_M = 1_000.0
ROAD_SPACING_M = 250.0
ROAD_WIDTH_M = 9.0
LANE_OFFSET_M = 2.0
SIDEWALK_OFFSET_M = 6.0
BACKGROUND_BGR = (52, 92, 60)  # beyond the texture: dark vegetation
SKY_BGR = (215, 190, 160)

VEHICLE_BGR = ((30, 30, 200), (200, 200, 200), (40, 40, 40), (200, 120, 20), (20, 160, 230))
PERSON_BGR = ((20, 20, 20), (60, 60, 200), (200, 60, 60), (240, 240, 240))


@dataclass(frozen=True, slots=True)
class Target:
    target_id: int
    kind: str  # "vehicle" or "person"
    length_m: float
    width_m: float
    height_m: float
    colour_bgr: tuple[int, int, int]
    track: TargetTrack


@dataclass(frozen=True, slots=True, eq=False)
class Scene:
    texture: NDArray[np.uint8]  # north-up, M_PER_PX, top-left corner at (west_m, north_m)
    west_m: float
    north_m: float
    targets: tuple[Target, ...]


def road_lines() -> list[float]:
    """Offsets (m) of the roads, both east-west and north-south, from the origin."""
    count = int(HALF_SIZE_M // ROAD_SPACING_M)
    return [k * ROAD_SPACING_M for k in range(-count, count + 1)]


def build_scene(seed: int, vehicles: int, people: int) -> Scene:
    rng = np.random.default_rng(seed)
    size_px = int(2 * HALF_SIZE_M / M_PER_PX)
    texture = np.empty((size_px, size_px, 3), dtype=np.uint8)
    texture[:] = (70, 120, 80)

    def px(metres: float) -> int:
        return round(metres / M_PER_PX)

    def col(east_m: float) -> int:
        return px(east_m + HALF_SIZE_M)

    def row(north_m: float) -> int:
        return px(HALF_SIZE_M - north_m)

    roads = road_lines()
    # Fields: each block its own crop colour, with rows in one of two directions.
    for west, east in pairwise(roads):
        for south, north in pairwise(roads):
            base = np.array((rng.integers(40, 90), rng.integers(90, 170), rng.integers(60, 140)))
            block = texture[row(north) : row(south), col(west) : col(east)]
            block[:] = base
            spacing = rng.integers(6, 14)
            stripes = block[::spacing] if rng.random() < 0.5 else block[:, ::spacing]
            stripes[:] = np.clip(base * 0.8, 0, 255)
            # Roofs along the block's edges.
            for _ in range(int(rng.integers(0, 6))):
                e = west + 15.0 + rng.random() * (ROAD_SPACING_M - 50.0)
                n = south + 15.0 + rng.random() * (ROAD_SPACING_M - 50.0)
                w_m, h_m = 8.0 + 14.0 * rng.random(), 8.0 + 14.0 * rng.random()
                roof = (
                    int(rng.integers(60, 200)),
                    int(rng.integers(60, 120)),
                    int(rng.integers(90, 220)),
                )
                cv2.rectangle(texture, (col(e), row(n + h_m)), (col(e + w_m), row(n)), roof, -1)
                cv2.line(
                    texture,
                    (col(e), row(n + h_m / 2)),
                    (col(e + w_m), row(n + h_m / 2)),
                    (40, 40, 40),
                    1,
                )
    # Roads over the fields: asphalt, sidewalks, a dashed centre line.
    for offset in roads:
        half = ROAD_WIDTH_M / 2.0
        cv2.rectangle(
            texture,
            (col(offset - half - 2), 0),
            (col(offset + half + 2), size_px),
            (150, 150, 150),
            -1,
        )
        cv2.rectangle(
            texture,
            (0, row(offset + half + 2)),
            (size_px, row(offset - half - 2)),
            (150, 150, 150),
            -1,
        )
    for offset in roads:
        half = ROAD_WIDTH_M / 2.0
        cv2.rectangle(
            texture, (col(offset - half), 0), (col(offset + half), size_px), (75, 75, 75), -1
        )
        cv2.rectangle(
            texture, (0, row(offset + half)), (size_px, row(offset - half)), (75, 75, 75), -1
        )
    for offset in roads:
        for dash in range(0, size_px, px(12.0)):
            cv2.line(
                texture, (col(offset), dash), (col(offset), dash + px(5.0)), (220, 220, 220), 1
            )
            cv2.line(
                texture, (dash, row(offset)), (dash + px(5.0), row(offset)), (220, 220, 220), 1
            )
    # Fine grain, so that images have texture to match features on.
    grain = rng.integers(-9, 10, size=texture.shape[:2], dtype=np.int16)[..., None]
    texture = np.clip(texture.astype(np.int16) + grain, 0, 255).astype(np.uint8)
    targets = _targets(rng, roads, vehicles, people)
    return Scene(texture, -HALF_SIZE_M, HALF_SIZE_M, targets)


def _targets(
    rng: np.random.Generator, roads: list[float], vehicles: int, people: int
) -> tuple[Target, ...]:
    found: list[Target] = []
    # Traffic on the roads near the middle, where the default flight looks.
    inner = [road for road in roads if abs(road) <= ROAD_SPACING_M] or roads
    for index in range(vehicles + people):
        is_vehicle = index < vehicles
        along_east = bool(rng.random() < 0.5)
        road = float(rng.choice(inner))
        side = 1.0 if rng.random() < 0.5 else -1.0
        offset = road + side * (LANE_OFFSET_M if is_vehicle else SIDEWALK_OFFSET_M)
        ends = (-2 * ROAD_SPACING_M, 2 * ROAD_SPACING_M)
        if side < 0:
            ends = ends[::-1]
        waypoints = (
            ((ends[0], offset), (ends[1], offset))
            if along_east
            else ((offset, ends[0]), (offset, ends[1]))
        )
        speed = float(rng.uniform(6.0, 15.0) if is_vehicle else rng.uniform(0.8, 1.8))
        start = float(rng.uniform(0.0, 8 * ROAD_SPACING_M))
        if is_vehicle:
            size = (4.6, 1.9, 1.5)
            colour = VEHICLE_BGR[int(rng.integers(len(VEHICLE_BGR)))]
        else:
            size = (0.5, 0.5, 1.75)
            colour = PERSON_BGR[int(rng.integers(len(PERSON_BGR)))]
        found.append(
            Target(
                index + 1,
                "vehicle" if is_vehicle else "person",
                *size,
                colour,
                TargetTrack(waypoints, speed, start),
            )
        )
    return tuple(found)
