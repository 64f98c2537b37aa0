"""EGM96 through the `egm96` package: the NGA's 5-arc-minute undulation grid, bilinear
(within 0.06 m of the full model, per the package), offline.

DESIGN.md asks that a geoid never degrade silently (PROJ without its grid answers with the
height unchanged). So: no package, or a non-finite answer, raises GeoidUnavailableError.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from drone_ai.errors import GeoidUnavailableError

Float = NDArray[np.float64]


class Egm96Geoid:
    name = "EGM96"

    def __init__(self, module_name: str = "egm96") -> None:
        self._module_name = module_name
        self._module: ModuleType | None = None

    def undulation_m(self, lat_deg: Float, lon_deg: Float) -> Float:
        module = self._load()
        try:
            values = np.asarray(module.undulation(lat_deg, lon_deg), dtype=np.float64)
        except (ValueError, TypeError) as exc:
            raise GeoidUnavailableError(
                f"EGM96: no undulation for the points given: {exc}"
            ) from exc
        if not np.all(np.isfinite(values)):
            raise GeoidUnavailableError(
                "EGM96: a finite undulation expected at every point, got NaN or infinity"
            )
        return values

    def _load(self) -> ModuleType:
        if self._module is None:
            try:
                self._module = importlib.import_module(self._module_name)
            except ImportError as exc:
                raise GeoidUnavailableError(
                    f"EGM96: the {self._module_name!r} package is not installed; heights above "
                    "sea level cannot be turned into heights above the ellipsoid"
                ) from exc
        return self._module


class ConstantGeoid:
    """One undulation everywhere: only for an area small enough, and only when configured."""

    def __init__(self, undulation_m: float) -> None:
        if not np.isfinite(undulation_m) or abs(undulation_m) > 120.0:
            raise GeoidUnavailableError(
                f"constant geoid: an undulation within +-120 m expected, got {undulation_m}"
            )
        self.name = f"constant {undulation_m:+.2f} m"
        self._undulation_m = undulation_m

    def undulation_m(self, lat_deg: Float, lon_deg: Float) -> Float:
        shape = np.broadcast(np.asarray(lat_deg), np.asarray(lon_deg)).shape
        return np.full(shape, self._undulation_m)
