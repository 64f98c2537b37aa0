from __future__ import annotations

import numpy as np
import pytest

from drone_ai.adapters.geoid.egm96 import ConstantGeoid, Egm96Geoid
from drone_ai.errors import GeoidUnavailableError


@pytest.mark.parametrize(
    ("lat", "lon", "expected_m"),
    [
        # EGM96 reference values (NGA's calculator; the 5' grid bilinear is within 0.06 m).
        pytest.param(38.16, -77.35, -33.86, id="fort-ap-hill"),
        pytest.param(48.14, 11.58, 45.48, id="munich"),
        pytest.param(0.0, 0.0, 17.16, id="null-island"),
    ],
)
def test_egm96_undulations(lat: float, lon: float, expected_m: float) -> None:
    assert Egm96Geoid().undulation_m(np.array(lat), np.array(lon)) == pytest.approx(
        expected_m, abs=0.1
    )


def test_a_missing_geoid_fails_loudly_instead_of_answering_zero() -> None:
    geoid = Egm96Geoid(module_name="egm96_not_installed")
    with pytest.raises(GeoidUnavailableError, match="not installed"):
        geoid.undulation_m(np.array([38.0]), np.array([-77.0]))


def test_a_constant_geoid_is_the_same_everywhere_and_says_so() -> None:
    geoid = ConstantGeoid(-33.0)
    assert geoid.undulation_m(np.zeros(3), np.zeros(3)).tolist() == [-33.0] * 3
    assert "constant" in geoid.name
    with pytest.raises(GeoidUnavailableError):
        ConstantGeoid(float("nan"))
