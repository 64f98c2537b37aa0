"""Our footprint against the one the aircraft reported, on the real EG 0104 flight over Fort
A.P. Hill: `python -m bench.georef_real`.

For every packet, the frame centre and four corners are computed from the pose (sensor
position, line of sight, fields of view) and compared with the centre and corners the aircraft
put in the same packet. The feed's pointing conventions are those measured in domain/pose.py
(UTM grid azimuth). The ground is where the aircraft put it: at mean sea level (its slant range
implies ground at -0.5 m MSL on average). Heights above the ellipsoid use one constant geoid
undulation for the sensor and the ground alike: over 3 km its value changes the geometry by
millimetres, so no geoid model is involved in this comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.packets import APHILL
from domain.footprint import Footprint, frame_footprint, horizontal_distance_m
from domain.pose import AzimuthReference, PointingConventions, camera_from_sample
from domain.telemetry import TelemetrySample
from drone_ai.adapters.klv.files import KlvFileTelemetrySource

# The clip's video is 360x240; corner rays depend only on the fields of view.
WIDTH_PX, HEIGHT_PX = 360, 240
UNDULATION_M = -33.0  # EGM96 near 38.16 N, 77.35 W; cancels out here (see above)
GROUND_MSL_M = 0.0
APHILL_CONVENTIONS = PointingConventions(AzimuthReference.UTM_GRID_NORTH)
LIMITS = {"max_range_m": 50_000.0, "min_depression_deg": 2.0}
POINT_KINDS = ("centre", "upper-left", "upper-right", "lower-right", "lower-left")


@dataclass(frozen=True)
class Residuals:
    """Distances (m) from our points to the reported ones, per point kind, over packets."""

    by_kind: dict[str, list[float]]
    method: str
    packets: int


def footprint_of(sample: TelemetrySample, conventions: PointingConventions) -> Footprint | None:
    if sample.sensor_alt_msl_m is None:
        return None
    camera = camera_from_sample(
        sample, WIDTH_PX, HEIGHT_PX, sample.sensor_alt_msl_m + UNDULATION_M, conventions
    )
    return frame_footprint(camera, GROUND_MSL_M + UNDULATION_M, **LIMITS)


def residuals(conventions: PointingConventions = APHILL_CONVENTIONS) -> Residuals:
    by_kind: dict[str, list[float]] = {kind: [] for kind in POINT_KINDS}
    samples = list(KlvFileTelemetrySource(APHILL).samples())
    for sample in samples:
        footprint = footprint_of(sample, conventions)
        centre_lat, centre_lon = sample.frame_center_lat_deg, sample.frame_center_lon_deg
        if footprint is None or sample.corners is None or centre_lat is None or centre_lon is None:
            continue
        reported = [(centre_lat, centre_lon)]
        reported += [(c.lat_deg, c.lon_deg) for c in sample.corners]
        ours = [footprint.centre, *footprint.corners]
        for kind, point, (lat, lon) in zip(POINT_KINDS, ours, reported, strict=True):
            by_kind[kind].append(horizontal_distance_m(point.lat_deg, point.lon_deg, lat, lon))
    return Residuals(by_kind, "pose + ellipsoid (flat ground at MSL 0)", len(samples))


def main() -> None:
    print(" ".join(__doc__.split("\n\n")[0].split()))
    for label, conventions in (
        ("as the feed sends it (UTM grid azimuth)", APHILL_CONVENTIONS),
        ("as EG 0104 says (true azimuth)", PointingConventions()),
    ):
        result = residuals(conventions)
        print(f"{label}: {result.packets} packets, method {result.method}")
        for kind, distances in result.by_kind.items():
            d = np.asarray(distances)
            print(
                f"  {kind:12s} median {np.median(d):7.2f} m   95th {np.percentile(d, 95):7.2f} m"
                f"   max {d.max():7.2f} m"
            )


if __name__ == "__main__":
    main()
