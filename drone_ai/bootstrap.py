"""The composition root: the one place that picks concrete adapters and wires them."""

from __future__ import annotations

from contextlib import AbstractContextManager
from importlib import resources
from pathlib import Path

from domain.georeference import GroundLimits
from domain.pose import AzimuthReference, PointingConventions
from drone_ai.adapters.geoid.egm96 import ConstantGeoid, Egm96Geoid
from drone_ai.adapters.klv.files import KlvFileTelemetrySource
from drone_ai.adapters.klv.policy import DecodePolicy
from drone_ai.adapters.simulator.files import Progress, write_files
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.scenario import load_scenario
from drone_ai.adapters.terrain.geotiff import GeoTiffTerrain, VerticalDatum
from drone_ai.config import AzimuthSetting, DemDatum, Settings
from drone_ai.ports import GeoidModel, TerrainModel
from drone_ai.services.georeferencing import Georeferencer, GeoreferencingPolicy

SAMPLE_FLIGHT = "aphill_klv_10s.ts"


def telemetry_file_source(path: Path, settings: Settings) -> KlvFileTelemetrySource:
    """KLV telemetry from an MPEG-TS or raw KLV file, under the configured policy."""
    policy = DecodePolicy.STRICT if settings.klv_strict else DecodePolicy.LENIENT
    return KlvFileTelemetrySource(path, policy, settings.klv_max_packet_bytes)


def sample_flight() -> AbstractContextManager[Path]:
    """The embedded sample flight as a file path, for as long as the context is open."""
    return resources.as_file(resources.files("drone_ai.samples").joinpath(SAMPLE_FLIGHT))


def georeferencer(settings: Settings) -> Georeferencer:
    """The georeferencer the settings describe: geoid, elevation model, conventions, limits."""
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
        ground_msl_m=settings.ground_msl_m,
    )
    return Georeferencer(geoid, terrain, policy)


def simulate_to_files(
    scenario: Path | None, out_dir: Path, progress: Progress | None = None
) -> None:
    """Fly the scenario (the default one when None) and write its files into `out_dir`."""
    write_files(SimulatedFlight(load_scenario(scenario)), out_dir, progress)
