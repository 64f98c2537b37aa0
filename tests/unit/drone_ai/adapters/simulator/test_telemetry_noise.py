"""The wandering part of the simulated telemetry noise, and the scenario's noise profiles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from drone_ai.adapters.simulator.scenario import Noise, scenario_from_mapping
from drone_ai.adapters.simulator.telemetry_noise import gauss_markov
from drone_ai.errors import ConfigError

STEP_S = 0.04  # 25 Hz telemetry


def test_a_gauss_markov_series_has_its_sigma_and_forgets_over_its_correlation_time() -> None:
    sigmas = np.array([2.0, 0.5])
    series = gauss_markov(sigmas, 100_000, STEP_S, 1.0, seed=3)
    # 4,000 s over 1 s correlation: some 2,000 independent draws, a few percent of sampling.
    assert series.std(axis=0) == pytest.approx(sigmas, rel=0.06)
    assert np.all(np.abs(series.mean(axis=0)) < 0.1 * sigmas)
    lag = round(1.0 / STEP_S)  # one correlation time: exp(-1)
    for column in series.T:
        correlation = np.corrcoef(column[:-lag], column[lag:])[0, 1]
        assert correlation == pytest.approx(math.exp(-1.0), abs=0.05)
        neighbours = np.corrcoef(column[:-1], column[1:])[0, 1]
        assert neighbours == pytest.approx(math.exp(-STEP_S), abs=0.01)


def test_the_same_seed_gives_the_same_series_and_another_seed_another() -> None:
    sigmas = np.array([1.0, 1.0, 1.0])
    first = gauss_markov(sigmas, 50, STEP_S, 2.0, seed=7)
    assert np.array_equal(first, gauss_markov(sigmas, 50, STEP_S, 2.0, seed=7))
    assert not np.allclose(first, gauss_markov(sigmas, 50, STEP_S, 2.0, seed=8))


def test_a_series_without_a_correlation_time_is_refused() -> None:
    with pytest.raises(ConfigError, match="positive correlation_s"):
        gauss_markov(np.array([1.0]), 10, STEP_S, 0.0, seed=1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, Noise()),
        ("none", Noise()),
        ("typical", Noise.typical()),
        ({"position_m": 3, "correlation_s": 5}, Noise(position_m=3.0, correlation_s=5.0)),
    ],
    ids=["absent", "none", "typical", "object"],
)
def test_a_scenario_names_a_noise_profile_or_spells_one_out(raw: object, expected: Noise) -> None:
    mapping = {} if raw is None else {"noise": raw}
    assert scenario_from_mapping(mapping).noise == expected


def test_the_typical_profile_wanders_and_the_default_is_noise_free() -> None:
    typical = Noise.typical()
    assert typical.any and typical.correlation_s > 0.0 and 0.0 < typical.white_fraction < 1.0
    assert not Noise().any
    assert Noise(position_m=1.0).white_fraction == 1.0  # no correlation time: white


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("loud", "a profile"),
        ({"attitude_deg": -0.1}, "attitude_deg: a finite value >= 0"),
        ({"correlation_s": float("nan")}, "correlation_s: a finite value >= 0"),
        ({"white_share": 1.5}, r"white_share: a share in \[0, 1\]"),
        ({"pointing_deg": "much"}, "scenario"),
    ],
    ids=["unknown-profile", "negative", "nan", "share-above-one", "not-a-number"],
)
def test_bad_noise_is_refused_with_what_was_expected(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        scenario_from_mapping({"noise": raw})
