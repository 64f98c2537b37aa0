"""A digital elevation model from a GeoTIFF, through rasterio.

The raster must be in geographic WGS-84 coordinates (EPSG:4326), one band of heights in metres,
either above the ellipsoid or above the geoid (most public DEMs: SRTM, Copernicus GLO-30 are
EGM96/EGM2008 heights); the latter are turned into HAE with the geoid model given. Heights are
interpolated bilinearly between cell centres; outside the raster, or next to a no-data cell,
the answer is NaN (the caller then falls back to the next ground height it has).

The raster is read into memory once, bounded: a file larger than `max_cells` is refused, not
loaded.
"""

from __future__ import annotations

import enum
from pathlib import Path

import numpy as np
import rasterio
from numpy.typing import NDArray
from rasterio.errors import RasterioError

from drone_ai.errors import SourceError
from drone_ai.ports import GeoidModel

Float = NDArray[np.float64]
DEFAULT_MAX_CELLS = 100_000_000  # 800 MB of float64: a 1-degree tile at 1 arc-second is 13 M
_WGS84_GEOGRAPHIC = 4326


class VerticalDatum(enum.Enum):
    ELLIPSOID = "ellipsoid"
    GEOID = "geoid"


class GeoTiffTerrain:
    def __init__(
        self,
        path: Path,
        datum: VerticalDatum,
        geoid: GeoidModel | None = None,
        max_cells: int = DEFAULT_MAX_CELLS,
    ) -> None:
        if datum is VerticalDatum.GEOID and geoid is None:
            raise SourceError(f"{path}: heights above the geoid need a geoid model, none given")
        self.name = f"DEM {path.name}"
        self._geoid = geoid if datum is VerticalDatum.GEOID else None
        try:
            with rasterio.open(path) as raster:
                epsg = raster.crs.to_epsg() if raster.crs is not None else None
                if epsg != _WGS84_GEOGRAPHIC:
                    raise SourceError(f"{path}: a DEM in EPSG:4326 expected, got {raster.crs}")
                if raster.width * raster.height > max_cells:
                    raise SourceError(
                        f"{path}: at most {max_cells} cells expected, got "
                        f"{raster.width} x {raster.height}"
                    )
                heights = raster.read(1, masked=True).astype(np.float64).filled(np.nan)
                transform = raster.transform
        except RasterioError as exc:
            raise SourceError(f"{path}: a readable GeoTIFF expected: {exc}") from exc
        if transform.b != 0.0 or transform.d != 0.0:
            raise SourceError(f"{path}: a north-up raster expected, got a rotated one")
        self._heights = heights
        self._lon0, self._dlon = transform.c, transform.a
        self._lat0, self._dlat = transform.f, transform.e

    def height_hae_m(self, lat_deg: Float, lon_deg: Float) -> Float:
        lat = np.asarray(lat_deg, dtype=np.float64)
        lon = np.asarray(lon_deg, dtype=np.float64)
        # Continuous cell coordinates, with cell centres at whole numbers.
        col = (lon - self._lon0) / self._dlon - 0.5
        row = (lat - self._lat0) / self._dlat - 0.5
        rows, cols = self._heights.shape
        inside = (col >= 0.0) & (col <= cols - 1) & (row >= 0.0) & (row <= rows - 1)
        c0 = np.clip(np.floor(np.where(inside, col, 0.0)).astype(int), 0, max(cols - 2, 0))
        r0 = np.clip(np.floor(np.where(inside, row, 0.0)).astype(int), 0, max(rows - 2, 0))
        c1, r1 = np.minimum(c0 + 1, cols - 1), np.minimum(r0 + 1, rows - 1)
        fc, fr = np.where(inside, col - c0, 0.0), np.where(inside, row - r0, 0.0)
        h = self._heights
        top = h[r0, c0] * (1.0 - fc) + h[r0, c1] * fc
        bottom = h[r1, c0] * (1.0 - fc) + h[r1, c1] * fc
        height = np.where(inside, top * (1.0 - fr) + bottom * fr, np.nan)
        if self._geoid is not None:
            height = height + self._geoid.undulation_m(lat, lon)
        return np.asarray(height, dtype=np.float64)
