"""The simulated flight: its telemetry and its frames agree, it is deterministic, and other
readers accept its KLV."""

from __future__ import annotations

import json
import math
from pathlib import Path

import klvdata
import numpy as np
import pytest

from domain.geodesy import geodetic_to_ecef
from domain.pose import camera_from_sample
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.adapters.klv.reader import KlvTelemetryDecoder
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.scenario import scenario_from_mapping
from drone_ai.entrypoints.cli import EXIT_OK, main
from drone_ai.errors import ConfigError

# Telemetry at the frame rate and in phase, so that each frame has the packet of its instant.
ALIGNED = {
    "fps": 30,
    "telemetry_hz": 30,
    "telemetry_offset_ms": 0,
    "duration_s": 60,
    "camera": {"width_px": 640, "height_px": 360, "hfov_deg": 30, "zoom": [[30, 20]]},
    "wobble": {"roll_deg": 2.0, "pitch_deg": 1.0},
    "targets": {"vehicles": 16, "people": 10},
}


def decode(packet: bytes) -> object:
    [decoded] = KlvTelemetryDecoder(DecodeContext(DecodePolicy.STRICT)).feed(packet)
    return decoded.sample


def test_every_target_projects_through_the_klv_camera_onto_its_rendered_position() -> None:
    flight = SimulatedFlight(scenario_from_mapping(ALIGNED))
    checked = 0
    worst_px = 0.0
    for index in range(flight.frame_count):
        frame = flight.frame(index)
        t_us, packet = flight.packet(index)
        assert t_us == frame.t_us
        sample = decode(packet)
        camera = camera_from_sample(sample, 640, 360, sample.sensor_hae_m)  # type: ignore[attr-defined]
        for truth in frame.truths:
            u, v, in_front = camera.project(
                geodetic_to_ecef(truth.lat_deg, truth.lon_deg, truth.hae_m)
            )
            x_min, y_min, x_max, y_max = truth.box_px
            assert in_front and x_min <= float(u) <= x_max and y_min <= float(v) <= y_max
            worst_px = max(
                worst_px, math.hypot(float(u) - truth.ground_px[0], float(v) - truth.ground_px[1])
            )
            checked += 1
    assert checked > 1_000, "the scenario should keep targets in view"
    assert worst_px < 1.0


def test_the_same_scenario_and_seed_give_byte_identical_klv_and_truth() -> None:
    scenario = scenario_from_mapping(
        {**ALIGNED, "duration_s": 3, "noise": {"position_m": 5, "attitude_deg": 0.2}}
    )
    first, second = SimulatedFlight(scenario), SimulatedFlight(scenario)
    assert list(first.packets()) == list(second.packets())
    assert [f.truths for f in first.frames()] == [f.truths for f in second.frames()]
    # In reverse order too: each packet's noise depends on its number, not on what came before.
    assert [second.packet(i) for i in reversed(range(10))] == list(first.packets())[:10][::-1]


def test_noise_goes_into_the_telemetry_and_never_into_the_frames() -> None:
    clean = SimulatedFlight(scenario_from_mapping({**ALIGNED, "duration_s": 1}))
    noisy = SimulatedFlight(
        scenario_from_mapping({**ALIGNED, "duration_s": 1, "noise": {"position_m": 10}})
    )
    assert clean.packet(3) != noisy.packet(3)
    assert np.array_equal(clean.frame(3).image, noisy.frame(3).image)
    shift = abs(
        decode(clean.packet(3)[1]).sensor_lat_deg - decode(noisy.packet(3)[1]).sensor_lat_deg
    )  # type: ignore[attr-defined]
    assert 0.0 < shift * 111_000 < 60.0


def test_klvdata_reads_the_simulated_packets_as_we_do() -> None:
    flight = SimulatedFlight(scenario_from_mapping({**ALIGNED, "duration_s": 2}))
    for _, packet in flight.packets():
        [theirs] = list(klvdata.StreamParser(packet))
        values = {int.from_bytes(k, "big"): item.value.value for k, item in theirs.items.items()}
        ours = decode(packet)
        assert float(values[13]) == pytest.approx(ours.sensor_lat_deg, abs=1e-7)  # type: ignore[attr-defined]
        assert float(values[14]) == pytest.approx(ours.sensor_lon_deg, abs=1e-7)  # type: ignore[attr-defined]
        assert float(values[5]) == pytest.approx(ours.platform_heading_deg, abs=0.01)  # type: ignore[attr-defined]
        assert float(values[19]) == pytest.approx(ours.sensor_rel_el_deg, abs=1e-6)  # type: ignore[attr-defined]
        assert float(values[16]) == pytest.approx(ours.hfov_deg, abs=0.01)  # type: ignore[attr-defined]


def test_a_scenario_with_an_unknown_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="altitude"):
        scenario_from_mapping({"altitdue_agl_m": 500})
    with pytest.raises(ConfigError, match="kind"):
        scenario_from_mapping({"path": {"kind": "spiral"}})


def test_simulate_writes_frames_klv_and_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "short.json"
    scenario.write_text(json.dumps({"duration_s": 1, "fps": 10, "telemetry_hz": 7}))
    assert main(["simulate", str(scenario), "--out", str(tmp_path / "out")]) == EXIT_OK
    out = tmp_path / "out"
    truth = [json.loads(line) for line in (out / "frames.jsonl").read_text().splitlines()]
    assert len(truth) == 10 and all(
        (out / record["file"]).stat().st_size > 1_000 for record in truth
    )
    assert (
        len((out / "klv.jsonl").read_text().splitlines()) == 6
    )  # 7 Hz from 7 ms: 0.007 ... 0.864 s
    assert main(["klv", "dump", str(out / "klv.bin")]) == EXIT_OK
    assert len(capsys.readouterr().out.splitlines()) == 6 + 1  # 6 packets + simulate's line
