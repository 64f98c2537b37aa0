"""Simulator -> tower -> subscriber over real gRPC on 127.0.0.1: a simulated flight written as
MPEG-TS with its KLV is started by StartFlight, runs through the detection pool, the tracker and
the georeferencer, and a subscriber receives georeferenced vehicle detections, within metres of
the simulator's truth (noise-free telemetry), and the flight's end. With the simulator's typical
telemetry noise and the error model set to match it, the reported 1-sigma errors cover the
actual errors about as often as a 1-sigma error bar should."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import grpc
import numpy as np
import pytest

from domain.footprint import horizontal_distance_m
from drone_ai import bootstrap
from drone_ai.adapters.simulator.scenario import load_scenario
from drone_ai.adapters.simulator.truth import FlightTruth
from drone_ai.config import Settings
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from tests.tower_events import follow
from tests.tower_events import tower as running_tower

DURATION_S = 6.0
GROUND_HAE_M = load_scenario(None).origin.ground_hae_m


@contextmanager
def tower(env: Mapping[str, str]) -> Iterator[pb_grpc.TowerStub]:
    """The tower on 127.0.0.1 (one detection worker; a file's frames are never shed), and a
    stub to it."""
    # The simulated ground is flat at the origin's height, sea level there taken for the
    # ellipsoid; the KLV's frame-centre height gives it too.
    settings = Settings.from_env(
        {
            "DRONE_AI_DETECT_WORKERS": "1",
            "DRONE_AI_GEOID_UNDULATION_M": "0",
            "DRONE_AI_GROUND_MSL_M": str(GROUND_HAE_M),
            **env,
        }
    )
    with running_tower(settings) as stub:
        yield stub


def test_a_simulated_flight_reaches_a_subscriber_georeferenced(tmp_path: Path) -> None:
    video = tmp_path / "flight.ts"
    bootstrap.simulate_to_path(None, video, duration_s=DURATION_S)
    truth = FlightTruth.beside(video)
    with tower({}) as stub:
        started = stub.StartFlight(pb.StartFlightRequest(flight_id="sim", video_uri=str(video)))
        assert started.flight_id == "sim"
        with pytest.raises(grpc.RpcError) as twice:
            stub.StartFlight(pb.StartFlightRequest(flight_id="sim", video_uri=str(video)))
        assert twice.value.code() is grpc.StatusCode.ALREADY_EXISTS
        events = follow(stub, "sim")
    frames = [e.frame for e in events if e.HasField("frame")]
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert len(frames) > 100
    errors_m = []
    for frame in frames:
        nearest_us = truth.nearest_frame_us(frame.frame_time_us)
        assert abs(nearest_us - frame.frame_time_us) < 20_000  # frame times are the flight's
        for d in frame.detections:
            if d.HasField("position"):
                error_m = truth.error_m(frame.frame_time_us, d.position.lat_deg, d.position.lon_deg)
                assert error_m is not None  # a detection where no target was in view
                errors_m.append(error_m)
    print(f"{len(frames)} frames, {len(errors_m)} detections, median {np.median(errors_m):.2f} m")
    assert len(errors_m) > 100
    assert float(np.median(errors_m)) < 5.0


# The typical noise (Noise.typical) as the tower's error model states it, derived, not fitted:
# position and altitude as they are; pointing per axis of the line of sight
# sqrt(attitude**2 + gimbal**2) = sqrt(0.2**2 + 0.2**2); ground height 0 (the ground is flat
# and item 78 carries its height to 0.15 m). The detector's term stays at its default, 4 px:
# the motion detector's error measured on noise-free telemetry (the bottom centre of a box is
# the vehicle's near end, some 6 px short of its centre along the line of sight, 1 px across:
# 4.3 px per axis in this scenario).
TYPICAL_ERROR_MODEL = {
    "DRONE_AI_SIGMA_POSITION_M": "2.0",
    "DRONE_AI_SIGMA_ALTITUDE_M": "3.0",
    "DRONE_AI_SIGMA_POINTING_DEG": str(float(np.hypot(0.2, 0.2))),
    "DRONE_AI_SIGMA_GROUND_HEIGHT_M": "0.0",
}
# The default orbit (600 m AGL, looking at its centre 780 m away) with the typical noise, 24
# vehicles; frames at 10 a second and 640 x 360 with half the field of view (the same metres per
# pixel), which keeps the test short: the telemetry stays at 25 Hz, and the share's precision
# depends on the seconds flown, not on the frames. Eight flights of 25 s (seeds 1 to 8: eight
# scenes and noise draws), so that the share is a mean over enough independent draws.
NOISY_FPS = 10.0
NOISY_SCENARIO = {
    "noise": "typical",
    "fps": NOISY_FPS,
    "camera": {"width_px": 640, "height_px": 360, "hfov_deg": 15.0},
    "targets": {"vehicles": 24},
}
NOISY_SEEDS = (1, 2, 3, 4, 5, 6, 7, 8)
NOISY_DURATION_S = 25.0
WARM_UP_S = 2.0  # the motion detector's first boxes, before it has history, smear
GATE_SIGMAS = 4.0


def judge(truth: FlightTruth, frames: list[pb.FrameResult]) -> tuple[list[float], list[float], int]:
    """Actual errors and reported sigmas of the unambiguous vehicle detections after the
    detector's warm-up, and how many detections were left out as ambiguous."""
    start_us = truth.nearest_frame_us(0)
    errors_m, sigmas_m, ambiguous = [], [], 0
    for frame in frames:
        if frame.frame_time_us < start_us + WARM_UP_S * 1e6:
            continue
        for d in frame.detections:
            if not d.HasField("position"):
                continue
            lat, lon, sigma_m = d.position.lat_deg, d.position.lon_deg, d.horizontal_error_m
            gated = [
                (distance_m, target.kind)
                for target in truth.in_view(frame.frame_time_us)
                if (distance_m := horizontal_distance_m(lat, lon, target.lat_deg, target.lon_deg))
                <= GATE_SIGMAS * sigma_m
            ]
            if len(gated) != 1 or gated[0][1] != "vehicle":
                ambiguous += 1
                continue
            errors_m.append(gated[0][0])
            sigmas_m.append(sigma_m)
    return errors_m, sigmas_m, ambiguous


def test_with_typical_noise_the_reported_one_sigma_covers_two_thirds_of_errors(
    tmp_path: Path,
) -> None:
    """The must-show of the honest error bar, for the detections a partner receives.

    Why the share lands near two thirds: a detection's error is the sum of independent
    roughly Gaussian terms (pointing, position, altitude, the box), along and across the line
    of sight; the reported sigma is their DRMS, sqrt(s_along**2 + s_across**2). A 2-D Gaussian
    error falls within its DRMS 63 % of the time when the axes are equal and 68 % when one
    dominates (here along: pointing / sin(50 deg)). The model states the pointing error
    across the line of sight a little high (gimbal azimuth turns it by cos(depression) of
    itself), which adds a little; interpolating the 25 Hz telemetry at the frames' times
    averages only the white tenth of the noise; the box's error is mostly a bias (the near end
    of the vehicle, not its centre), which the 4 px only sizes. Without frames or a detector,
    over 8 flights, test_error_model_coverage.py measures 0.68.

    Why the figure is noisy: the noise wanders with a 2 s correlation time and every detection
    in a frame shares it, so 92 s carry a few dozen independent draws, not hundreds: the share
    over 100 s varies by some +-0.08 (single 100 s flights, seeds 1 to 4, gave 0.74, 0.62,
    0.73 and 0.58; pooled 0.665). Four 25 s flights gave 0.74; these eight give 0.67.

    Detections count when they are unambiguous: exactly one target in view within 4 reported
    sigmas (a distance an honest 1-sigma bar all but never leaves), and it a vehicle; and
    after the detector's 2 s warm-up."""
    scenario = tmp_path / "noisy.json"
    videos = {}
    for seed in NOISY_SEEDS:
        scenario.write_text(json.dumps({**NOISY_SCENARIO, "seed": seed}), encoding="utf-8")
        videos[seed] = tmp_path / f"noisy-{seed}.ts"
        bootstrap.simulate_to_path(scenario, videos[seed], duration_s=NOISY_DURATION_S)
    errors_m, sigmas_m, ambiguous, frame_count = [], [], 0, 0
    with tower(TYPICAL_ERROR_MODEL) as stub:
        for seed, video in videos.items():
            flight_id = f"noisy-{seed}"
            stub.StartFlight(pb.StartFlightRequest(flight_id=flight_id, video_uri=str(video)))
            frames = [e.frame for e in follow(stub, flight_id) if e.HasField("frame")]
            # Every frame: none lost to a backlog, so the figures do not depend on timing.
            assert len(frames) == round(NOISY_DURATION_S * NOISY_FPS)
            frame_count += len(frames)
            errors, sigmas, left_out = judge(FlightTruth.beside(video), frames)
            errors_m += errors
            sigmas_m += sigmas
            ambiguous += left_out
    errors, sigmas = np.array(errors_m), np.array(sigmas_m)
    share = float(np.mean(errors <= sigmas))
    print(
        f"{frame_count} frames, {len(errors)} detections ({ambiguous} left out), "
        f"within 1 sigma {share:.3f}, median error {np.median(errors):.2f} m, "
        f"median sigma {np.median(sigmas):.2f} m"
    )
    assert len(errors) >= 300
    assert 0.60 <= share <= 0.75
