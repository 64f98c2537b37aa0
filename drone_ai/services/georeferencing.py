"""Georeference frames from their telemetry: the heights resolved, the best method chosen.

Heights are HAE inside the domain; the sample may carry them above sea level, which the geoid
turns into HAE. Sensor: item 75/104 if sent, else item 15 plus the geoid. Ground, best first:
the elevation model where it has data, else the frame-centre height the platform sent (item
78, or item 25 plus the geoid), else the configured height above sea level plus the geoid.

Method: the camera pose when the sample has one; else a homography from the corners the
platform reported; else nothing (and the reason).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from domain.footprint import frame_footprint, horizontal_distance_m
from domain.georeference import GroundLimits, GroundPoints, Method, Uncertainty, georeference_pixels
from domain.ground_sample import ground_sample_distance_m
from domain.homography import CornerHomography
from domain.pose import PointingConventions, PoseIncompleteError, camera_from_sample
from domain.telemetry import TelemetrySample
from drone_ai.ports import GeoidModel, TerrainModel
from drone_ai.services.tracking import PixelLocator

NOMINAL_WIDTH_PX = 1_000  # footprints depend on the fields of view, not on the pixel count


@dataclass(frozen=True, slots=True)
class GeoreferencingPolicy:
    pointing: PointingConventions = field(default_factory=PointingConventions)
    limits: GroundLimits = field(default_factory=GroundLimits)
    uncertainty: Uncertainty = field(default_factory=Uncertainty)
    ground_msl_m: float = 0.0  # the last-resort ground height


@dataclass(frozen=True, slots=True)
class FootprintPoint:
    lat_deg: float
    lon_deg: float
    hae_m: float
    sigma_h_m: float
    method: Method
    usable: bool  # False: above the horizon, grazing or too far (see RayStatus)
    clipped: bool = False
    offset_from_reported_m: float | None = None


@dataclass(frozen=True, slots=True)
class FootprintReport:
    """Our centre and corners (upper-left, upper-right, lower-right, lower-left), how they were
    found, and their distance to what the platform reported where it did."""

    centre: FootprintPoint | None
    corners: tuple[FootprintPoint, ...]
    ground: str
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FrameGeometry:
    """How one frame's pixels reach the ground: `locate` georeferences pixel points; the
    ground sample distance at the image centre and the sensor's position where the pose is
    known (a frame placed by its reported corners has neither)."""

    locate: PixelLocator
    ground_sample_distance_m: float | None
    sensor: tuple[float, float, float] | None  # lat_deg, lon_deg, hae_m


class Georeferencer:
    def __init__(
        self,
        geoid: GeoidModel,
        terrain: TerrainModel | None = None,
        policy: GeoreferencingPolicy | None = None,
    ) -> None:
        self._geoid = geoid
        self._terrain = terrain
        self._policy = policy or GeoreferencingPolicy()

    def footprint(self, sample: TelemetrySample) -> FootprintReport:
        width, height = _nominal_size(sample)
        ground_hae, ground = self._fallback_ground(sample)
        try:
            sensor_hae = self._sensor_hae(sample)
            camera = camera_from_sample(sample, width, height, sensor_hae, self._policy.pointing)
        except PoseIncompleteError as exc:
            return self._from_corners(sample, width, height, ground_hae, ground, str(exc))
        limits = self._policy.limits
        flat = frame_footprint(
            camera,
            ground_hae,
            max_range_m=limits.max_range_m,
            min_depression_deg=limits.min_depression_deg,
        )
        if flat is None:
            return FootprintReport(None, (), ground, (*camera.notes, "the centre sees no ground"))
        flat_points = (flat.centre, *flat.corners)
        points = georeference_pixels(
            camera,
            [p.u_px for p in flat_points],
            [p.v_px for p in flat_points],
            ground_hae,
            terrain=self._terrain.height_hae_m if self._terrain else None,
            limits=limits,
            uncertainty=self._policy.uncertainty,
        )
        if self._terrain is not None:
            ground = f"{self._terrain.name}, else {ground}"
        clipped = [p.clipped for p in flat_points]
        return self._report(sample, points, clipped, ground, camera.notes)

    def frame_geometry(
        self, sample: TelemetrySample, width_px: int, height_px: int
    ) -> FrameGeometry | None:
        """How a `width_px` x `height_px` frame taken as `sample` says reaches the ground, by
        the same methods and heights as its footprint; None when nothing can place it."""
        ground_hae, _ = self._fallback_ground(sample)
        policy = self._policy
        try:
            sensor_hae = self._sensor_hae(sample)
            camera = camera_from_sample(sample, width_px, height_px, sensor_hae, policy.pointing)
        except PoseIncompleteError:
            if sample.corners is None:
                return None
            homography = CornerHomography(sample.corners, width_px, height_px, ground_hae)
            return FrameGeometry(
                lambda u, v: homography.georeference(u, v, policy.uncertainty), None, None
            )
        terrain = self._terrain.height_hae_m if self._terrain else None

        def locate(u_px: NDArray[np.float64], v_px: NDArray[np.float64]) -> GroundPoints:
            return georeference_pixels(
                camera,
                u_px,
                v_px,
                ground_hae,
                terrain=terrain,
                limits=policy.limits,
                uncertainty=policy.uncertainty,
            )

        gsd_m = ground_sample_distance_m(
            camera,
            ground_hae,
            max_range_m=policy.limits.max_range_m,
            min_depression_deg=policy.limits.min_depression_deg,
        )
        lat, lon = sample.sensor_lat_deg, sample.sensor_lon_deg
        assert lat is not None and lon is not None  # camera_from_sample required them
        return FrameGeometry(locate, gsd_m, (lat, lon, sensor_hae))

    def _from_corners(
        self,
        sample: TelemetrySample,
        width: int,
        height: int,
        ground_hae: float,
        ground: str,
        why: str,
    ) -> FootprintReport:
        if sample.corners is None:
            return FootprintReport(None, (), ground, (why, "no reported corners either"))
        homography = CornerHomography(sample.corners, width, height, ground_hae)
        u = np.array([width / 2.0, 0.0, width, width, 0.0])
        v = np.array([height / 2.0, 0.0, 0.0, height, height])
        points = homography.georeference(u, v, self._policy.uncertainty)
        return self._report(sample, points, [False] * 5, ground, (why, "corner homography"))

    def _report(
        self,
        sample: TelemetrySample,
        points: GroundPoints,
        clipped: list[bool],
        ground: str,
        notes: tuple[str, ...],
    ) -> FootprintReport:
        reported = _reported_points(sample)
        found = []
        for index, theirs in enumerate(reported):
            lat, lon = float(points.lat_deg[index]), float(points.lon_deg[index])
            offset = None
            if theirs is not None and math.isfinite(lat):
                offset = horizontal_distance_m(lat, lon, theirs[0], theirs[1])
            found.append(
                FootprintPoint(
                    lat,
                    lon,
                    float(points.hae_m[index]),
                    float(points.sigma_h_m[index]),
                    Method(int(points.method[index])),
                    int(points.status[index]) == 0,
                    clipped[index],
                    offset,
                )
            )
        return FootprintReport(found[0], tuple(found[1:]), ground, notes)

    def _sensor_hae(self, sample: TelemetrySample) -> float:
        if sample.sensor_hae_m is not None:
            return sample.sensor_hae_m
        lat, lon, msl = sample.sensor_lat_deg, sample.sensor_lon_deg, sample.sensor_alt_msl_m
        if lat is None or lon is None or msl is None:
            raise PoseIncompleteError(["sensor_hae_m, or sensor position and sensor_alt_msl_m"])
        return msl + self._undulation(lat, lon)

    def _fallback_ground(self, sample: TelemetrySample) -> tuple[float, str]:
        if sample.frame_center_hae_m is not None:
            return sample.frame_center_hae_m, "KLV frame-centre height (HAE)"
        lat, lon = _ground_reference(sample)
        if sample.frame_center_elev_msl_m is not None:
            return (
                sample.frame_center_elev_msl_m + self._undulation(lat, lon),
                f"KLV frame-centre elevation (MSL, {self._geoid.name})",
            )
        return (
            self._policy.ground_msl_m + self._undulation(lat, lon),
            f"configured ground at {self._policy.ground_msl_m:g} m MSL ({self._geoid.name})",
        )

    def _undulation(self, lat: float, lon: float) -> float:
        return float(self._geoid.undulation_m(np.array(lat), np.array(lon)))


def _ground_reference(sample: TelemetrySample) -> tuple[float, float]:
    """Where to ask the geoid for the ground: the frame centre, else below the sensor."""
    if sample.frame_center_lat_deg is not None and sample.frame_center_lon_deg is not None:
        return sample.frame_center_lat_deg, sample.frame_center_lon_deg
    if sample.sensor_lat_deg is not None and sample.sensor_lon_deg is not None:
        return sample.sensor_lat_deg, sample.sensor_lon_deg
    return 0.0, 0.0  # nowhere known: the pose will be refused anyway


def _nominal_size(sample: TelemetrySample) -> tuple[int, int]:
    if sample.hfov_deg is None or sample.vfov_deg is None or not 0.0 < sample.hfov_deg < 180.0:
        return NOMINAL_WIDTH_PX, NOMINAL_WIDTH_PX
    ratio = math.tan(math.radians(sample.vfov_deg) / 2.0) / math.tan(
        math.radians(sample.hfov_deg) / 2.0
    )
    return NOMINAL_WIDTH_PX, max(1, round(NOMINAL_WIDTH_PX * ratio))


def _reported_points(sample: TelemetrySample) -> list[tuple[float, float] | None]:
    centre = None
    if sample.frame_center_lat_deg is not None and sample.frame_center_lon_deg is not None:
        centre = (sample.frame_center_lat_deg, sample.frame_center_lon_deg)
    corners: list[tuple[float, float] | None] = [None] * 4
    if sample.corners is not None:
        corners = [(c.lat_deg, c.lon_deg) for c in sample.corners]
    return [centre, *corners]
