"""The simulator's telemetry noise as it reaches the KLV: each quantity with its sigma, the
typical profile wandering from packet to packet instead of jumping, and reproducible."""

from __future__ import annotations

import numpy as np

from domain.telemetry import TelemetrySample
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.adapters.klv.reader import KlvTelemetryDecoder
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.scenario import Noise, scenario_from_mapping

ANGLES = (
    "platform_heading_deg",
    "platform_pitch_deg",
    "platform_roll_deg",
    "sensor_rel_az_deg",
    "sensor_rel_el_deg",
)


def errors(noise: object, duration_s: float) -> dict[str, np.ndarray]:
    """Per noisy field, what the noise added to each packet (against the noise-free KLV)."""
    flight = SimulatedFlight(scenario_from_mapping({"duration_s": duration_s, "noise": noise}))
    decoder = KlvTelemetryDecoder(DecodeContext(DecodePolicy.STRICT))
    found: dict[str, list[float]] = {name: [] for name in (*ANGLES, "sensor_hae_m")}
    for t_us, packet in flight.packets():
        [decoded] = decoder.feed(packet)
        sample: TelemetrySample = decoded.sample
        clean = flight.reported_sample(t_us)
        for name, values in found.items():
            difference = getattr(sample, name) - getattr(clean, name)
            values.append((difference + 180.0) % 360.0 - 180.0 if name in ANGLES else difference)
    return {name: np.array(values) for name, values in found.items()}


def test_typical_noise_wanders_with_its_sigma_and_white_noise_jumps() -> None:
    typical = Noise.typical()
    wandering = errors("typical", 30.0)
    white = errors({"attitude_deg": typical.attitude_deg, "altitude_m": 3.0}, 30.0)
    # 30 s over a 2 s correlation time: the sigma within some 30 %, pooled over five angles.
    pooled = np.concatenate([wandering[name] for name in ANGLES])
    assert 0.7 * typical.attitude_deg < np.std(pooled) < 1.3 * typical.attitude_deg
    assert 0.6 * typical.altitude_m < np.std(wandering["sensor_hae_m"]) < 1.4 * typical.altitude_m
    for name in ("platform_heading_deg", "sensor_hae_m"):
        # Packet to packet: sqrt(2 * (0.9 * (1 - exp(-0.02)) + 0.1)) = 0.49 sigma wandering,
        # sqrt(2) sigma white.
        step_wandering = np.std(np.diff(wandering[name])) / np.std(wandering[name])
        step_white = np.std(np.diff(white[name])) / np.std(white[name])
        assert step_wandering < 0.7
        assert step_white > 1.2


def test_the_same_scenario_gives_the_same_noisy_packets_in_any_order() -> None:
    scenario = scenario_from_mapping({"duration_s": 1.0, "noise": "typical"})
    first, second = SimulatedFlight(scenario), SimulatedFlight(scenario)
    in_order = list(first.packets())
    assert [second.packet(i) for i in reversed(range(len(in_order)))] == in_order[::-1]
    reseeded = SimulatedFlight(
        scenario_from_mapping({"duration_s": 1.0, "noise": "typical", "seed": 2})
    )
    assert list(reseeded.packets()) != in_order
