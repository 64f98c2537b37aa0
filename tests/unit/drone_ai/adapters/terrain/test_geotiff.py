from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine

from drone_ai.adapters.geoid.egm96 import ConstantGeoid
from drone_ai.adapters.terrain.geotiff import GeoTiffTerrain, VerticalDatum
from drone_ai.errors import SourceError

# A 4 x 5 raster of 0.01-degree cells from (lat 38.20, lon -77.40) downwards; heights rise
# 10 m per column and 100 m per row, one no-data cell.
WEST, NORTH, CELL = -77.40, 38.20, 0.01


def write_dem(path: Path, crs: str = "EPSG:4326") -> Path:
    heights = np.array(
        [[10.0 * c + 100.0 * r for c in range(5)] for r in range(4)], dtype=np.float32
    )
    heights[3, 4] = -9999.0
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=5,
        height=4,
        count=1,
        dtype="float32",
        crs=crs,
        transform=Affine(CELL, 0.0, WEST, 0.0, -CELL, NORTH),
        nodata=-9999.0,
    ) as raster:
        raster.write(heights, 1)
    return path


def centre(row: float, col: float) -> tuple[np.ndarray, np.ndarray]:
    return np.array(NORTH - (row + 0.5) * CELL), np.array(WEST + (col + 0.5) * CELL)


def test_heights_are_bilinear_between_cell_centres(tmp_path: Path) -> None:
    dem = GeoTiffTerrain(write_dem(tmp_path / "dem.tif"), VerticalDatum.ELLIPSOID)
    assert dem.height_hae_m(*centre(1, 2)) == pytest.approx(120.0)
    assert dem.height_hae_m(*centre(1.5, 2.25)) == pytest.approx(172.5)


def test_outside_the_raster_or_next_to_no_data_there_is_no_height(tmp_path: Path) -> None:
    dem = GeoTiffTerrain(write_dem(tmp_path / "dem.tif"), VerticalDatum.ELLIPSOID)
    lat, lon = centre(2.5, 3.5)  # touches the no-data cell
    assert np.isnan(dem.height_hae_m(lat, lon))
    assert np.isnan(dem.height_hae_m(np.array(10.0), np.array(10.0)))


def test_heights_above_the_geoid_are_turned_into_heights_above_the_ellipsoid(
    tmp_path: Path,
) -> None:
    dem = GeoTiffTerrain(write_dem(tmp_path / "dem.tif"), VerticalDatum.GEOID, ConstantGeoid(-33.0))
    assert dem.height_hae_m(*centre(1, 2)) == pytest.approx(120.0 - 33.0)


def test_a_projected_raster_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="EPSG:4326"):
        GeoTiffTerrain(write_dem(tmp_path / "utm.tif", crs="EPSG:32618"), VerticalDatum.ELLIPSOID)


def test_a_raster_larger_than_allowed_is_not_loaded(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="at most 10 cells"):
        GeoTiffTerrain(write_dem(tmp_path / "dem.tif"), VerticalDatum.ELLIPSOID, max_cells=10)


def test_a_file_that_is_not_a_geotiff_is_unreadable(tmp_path: Path) -> None:
    bogus = tmp_path / "dem.tif"
    bogus.write_bytes(b"not a tiff")
    with pytest.raises(SourceError, match="readable GeoTIFF"):
        GeoTiffTerrain(bogus, VerticalDatum.ELLIPSOID)
