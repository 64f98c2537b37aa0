"""The tower's error model against the simulator's typical telemetry noise, without frames or
a detector: many flights' noisy KLV, interpolated at the frames' times as the tower does,
georeference image points whose true ground points the noise-free pose gives; the reported
1-sigma must cover the error of two thirds of them. The end-to-end test
(test_grpc_end_to_end.py) shows the same through gRPC with the detector, on one flight; this
one samples many more independent noise draws than a rendered flight can in the same time."""

from __future__ import annotations

import numpy as np

from domain.geodesy import geodetic_to_ned
from domain.synchronisation import interpolate
from drone_ai import bootstrap
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.adapters.klv.reader import KlvTelemetryDecoder
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.scenario import scenario_from_mapping
from drone_ai.config import Settings

SEEDS = range(1, 9)
DURATION_S = 40.0
FRAME_STEP_US = 100_000  # frames at 10 a second
WIDTH_PX, HEIGHT_PX = 1280, 720
# Image points across the frame: the model's sigma varies with slant and depression.
U_PX = np.array([160.0, 640.0, 1120.0, 160.0, 640.0, 1120.0])
V_PX = np.array([180.0, 180.0, 180.0, 600.0, 600.0, 600.0])
# Noise.typical as the error model states it (the derivation: scenario.py, Noise.typical), and
# no detector error: the image points are exact.
MATCHING_MODEL = {
    "DRONE_AI_SIGMA_POSITION_M": "2.0",
    "DRONE_AI_SIGMA_ALTITUDE_M": "3.0",
    "DRONE_AI_SIGMA_POINTING_DEG": str(float(np.hypot(0.2, 0.2))),
    "DRONE_AI_SIGMA_GROUND_HEIGHT_M": "0.0",
    "DRONE_AI_SIGMA_PIXEL_PX": "0.0",
    "DRONE_AI_GEOID_UNDULATION_M": "0",
    # The noise-free pose carries no frame-centre height: the flat ground's, configured.
    "DRONE_AI_GROUND_MSL_M": str(scenario_from_mapping({}).origin.ground_hae_m),
}


def errors_and_sigmas(seed: int) -> tuple[np.ndarray, np.ndarray]:
    flight = SimulatedFlight(
        scenario_from_mapping({"duration_s": DURATION_S, "noise": "typical", "seed": seed})
    )
    georeferencer = bootstrap.georeferencer(Settings.from_env(MATCHING_MODEL))
    decoder = KlvTelemetryDecoder(DecodeContext(DecodePolicy.STRICT))
    samples = [decoded.sample for _, packet in flight.packets() for decoded in decoder.feed(packet)]
    times_us = np.array([s.t_us for s in samples])
    errors, sigmas = [], []
    for t_us in range(samples[0].t_us + 1, samples[-1].t_us, FRAME_STEP_US):
        after = int(np.searchsorted(times_us, t_us))
        noisy = interpolate(samples[after - 1], samples[after], t_us)
        true = georeferencer.frame_geometry(flight.reported_sample(t_us), WIDTH_PX, HEIGHT_PX)
        seen = georeferencer.frame_geometry(noisy, WIDTH_PX, HEIGHT_PX)
        assert true is not None and seen is not None
        truth, found = true.locate(U_PX, V_PX), seen.locate(U_PX, V_PX)
        ned = geodetic_to_ned(found.lat_deg, found.lon_deg, 0.0, truth.lat_deg, truth.lon_deg, 0.0)
        errors.append(np.hypot(ned[..., 0], ned[..., 1]))
        sigmas.append(found.sigma_h_m)
    return np.concatenate(errors), np.concatenate(sigmas)


def test_the_matching_error_model_covers_two_thirds_of_the_typical_noise_errors() -> None:
    """Why two thirds: the error is Gaussian in two axes (along and across the line of sight)
    and the reported sigma its DRMS, which a 2-D Gaussian stays within 63 % (equal axes) to
    68 % (one axis dominating) of the time; here along dominates (pointing / sin 50 deg),
    and across is stated a little high (the gimbal's azimuth error turns the line of sight by
    cos(depression) of itself), so a little more. Interpolation averages only the white
    tenth of the noise. 8 flights of 40 s at a 2 s correlation time: the pooled share is
    known to about +-0.03, while each flight's alone varies by about +-0.09 (0.52 to 0.83)."""
    per_flight = []
    all_errors, all_sigmas = [], []
    for seed in SEEDS:
        errors, sigmas = errors_and_sigmas(seed)
        per_flight.append(float(np.mean(errors <= sigmas)))
        all_errors.append(errors)
        all_sigmas.append(sigmas)
    errors, sigmas = np.concatenate(all_errors), np.concatenate(all_sigmas)
    share = float(np.mean(errors <= sigmas))
    print(
        f"{errors.size} points, within 1 sigma {share:.3f} (flights {np.round(per_flight, 2)}), "
        f"median error {np.median(errors):.2f} m, median sigma {np.median(sigmas):.2f} m, "
        f"RMS error / RMS sigma {np.sqrt(np.mean(errors**2) / np.mean(sigmas**2)):.2f}"
    )
    assert 0.60 <= share <= 0.75
    # Not merely in the window: the errors' spread matches the sigmas'.
    assert 0.85 <= np.sqrt(np.mean(errors**2) / np.mean(sigmas**2)) <= 1.1
