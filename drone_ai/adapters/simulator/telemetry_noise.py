"""The slowly wandering part of the simulated telemetry's errors: one first-order Gauss-Markov
process per noisy quantity, sampled at the packets' times.

A navigation unit's errors (GNSS position, INS attitude, gimbal angles) are not fresh at every
packet: they wander, and two packets 40 ms apart carry nearly the same error. First order
Gauss-Markov: x[k] = phi * x[k-1] + sqrt(1 - phi**2) * sigma * w[k], phi = exp(-dt / tau), w
white N(0, 1), started in its stationary distribution, so that every packet's error has the
1-sigma `sigma` and errors `dt` apart correlate by exp(-dt / tau).

The whole series is drawn at once from its own stream of the scenario's seed (not the packets'
per-number streams): the same scenario gives the same errors, whatever order the packets are
asked for in.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from drone_ai.errors import ConfigError

# A stream of the scenario's seed that the per-packet draws (seeded [seed, packet number]) never
# use: SeedSequence mixes a spawn key apart from the entropy.
_SPAWN_KEY = (0x6D61726B,)


def gauss_markov(
    sigmas: NDArray[np.float64], count: int, step_s: float, correlation_s: float, seed: int
) -> NDArray[np.float64]:
    """`count` samples, `step_s` apart, of independent processes with the 1-sigma `sigmas`
    (one column each) and the correlation time `correlation_s` (> 0)."""
    if not (correlation_s > 0.0 and step_s > 0.0):
        raise ConfigError(
            f"noise: positive correlation_s and step_s expected, got {correlation_s} and {step_s}"
        )
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=_SPAWN_KEY))
    draws = rng.standard_normal((max(count, 0), sigmas.size))
    phi = math.exp(-step_s / correlation_s)
    kick = math.sqrt(1.0 - phi * phi)
    series = np.empty_like(draws)
    state = np.zeros(sigmas.size)
    for index in range(draws.shape[0]):
        state = draws[index] if index == 0 else phi * state + kick * draws[index]
        series[index] = state
    return series * sigmas
