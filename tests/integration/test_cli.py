"""The `drone-ai` command line, run as a user would: in-process through `main`, and once
through the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import grpc
import pytest

from drone_ai.entrypoints.cli import EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE, main
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from tests.conftest import DATA_DIR


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_klv_dump_prints_one_json_object_per_packet_with_names_and_units(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "klv", "dump", str(DATA_DIR / "h264_klv.ts"))
    assert code == EXIT_OK
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 30
    first = records[0]
    assert first["standard"] == "MISB ST 0601"
    assert first["time"] == "2008-10-24T00:13:29.913000Z"
    latitude = next(item for item in first["items"] if item["tag"] == 13)
    assert latitude["name"] == "Sensor Latitude"
    assert latitude["unit"] == "deg"
    assert latitude["value"] == pytest.approx(60.176822966978335)
    security = next(item for item in first["items"] if item["tag"] == 48)
    assert {
        "tag": 1,
        "name": "Security Classification",
        "value": {"value": 1, "name": "UNCLASSIFIED"},
    } in security["value"]
    assert err.strip() == "rejected: none"


def test_klv_dump_reads_raw_klv_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "klv", "dump", str(DATA_DIR / "st0902_annexc_dynamic_only.bin"))
    assert code == EXIT_OK
    [record] = [json.loads(line) for line in out.splitlines()]
    assert record["t_us"] == 1_231_798_102_000_000
    assert "stream" not in record


def test_klv_dump_of_eg0104_names_its_items(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import SAMPLE_FLIGHT

    code, out, _ = run(capsys, "klv", "dump", str(SAMPLE_FLIGHT))
    records = [json.loads(line) for line in out.splitlines()]
    assert code == EXIT_OK and len(records) == 300
    names = {item["name"] for item in records[0]["items"]}
    assert {"Device Latitude", "Angle to North", "Obliquity Angle"} <= names
    assert records[0]["pts_90khz"] == 216_000


def test_refused_packets_are_summarised_on_stderr_by_reason_and_do_not_fail_the_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mixed = tmp_path / "mixed.klv"
    good = (DATA_DIR / "st0902_annexc_dynamic_only.bin").read_bytes()
    bad = (DATA_DIR / "st0601_annexc_dynamic_constant.klvdata.bin").read_bytes()
    mixed.write_bytes(b"junk" + good + bad + good)
    code, out, err = run(capsys, "klv", "dump", str(mixed))
    assert code == EXIT_OK
    assert len(out.splitlines()) == 2
    assert err.strip() == "rejected: checksum_mismatch=1, garbage=1 (232 bytes skipped)"


def test_strict_dump_stops_at_the_first_refused_packet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = DATA_DIR / "st0601_annexc_dynamic_constant.klvdata.bin"
    code, out, err = run(capsys, "klv", "dump", "--strict", str(bad))
    assert code == EXIT_REFUSED
    assert out == ""
    assert "checksum_mismatch" in err


def test_a_missing_file_is_unreadable_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "klv", "dump", str(tmp_path / "absent.ts"))
    assert code == EXIT_UNREADABLE
    assert out == ""
    assert "absent.ts" in err


def test_table_format_shows_one_row_per_sample(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "klv", "dump", "--format", "table", str(DATA_DIR / "mpeg2_klv.ts"))
    lines = out.splitlines()
    assert code == EXIT_OK
    assert lines[0].split()[:3] == ["time", "(UTC)", "lat"]
    assert len(lines) == 31
    assert "60.176823" in lines[1]


def test_a_bad_setting_is_reported_not_raised(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRONE_AI_KLV_MAX_PACKET_BYTES", "lots")
    code, _, err = run(capsys, "demo")
    assert code == EXIT_UNREADABLE
    assert "DRONE_AI_KLV_MAX_PACKET_BYTES" in err


def test_the_installed_console_script_runs() -> None:
    script = shutil.which("drone-ai", path=str(Path(sys.executable).parent))
    assert script is not None, "the package is not installed with its console script"
    done = subprocess.run(
        [script, "klv", "dump", str(DATA_DIR / "st0902_annexc_dynamic_only.bin")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["standard"] == "MISB ST 0601"


def test_footprint_puts_our_centre_and_corners_beside_the_reported_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.conftest import SAMPLE_FLIGHT

    args = ("klv", "dump", "--footprint", "--azimuth-reference", "utm-grid", str(SAMPLE_FLIGHT))
    code, out, _ = run(capsys, *args)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == EXIT_OK and len(records) == 300
    footprint = records[0]["footprint"]
    assert footprint["centre"]["method"] == "pose_ellipsoid"
    assert footprint["centre"]["offset_from_reported_m"] < 3.4  # the budget of the real-flight test
    assert len(footprint["corners"]) == 4
    assert "EGM96" in footprint["ground"]
    assert "azimuth read as UTM grid north" in footprint["notes"]


def test_footprint_table_shows_how_far_off_each_frame_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.conftest import SAMPLE_FLIGHT

    code, out, _ = run(
        capsys, "klv", "dump", "--footprint", "--format", "table", str(SAMPLE_FLIGHT)
    )
    lines = out.splitlines()
    assert code == EXIT_OK
    assert lines[0].endswith("centre off m corner off m")
    # Read as the standard says (true north), this feed is about 73 m off: see domain/pose.py.
    assert 60.0 < float(lines[1].split()[-2]) < 80.0


def test_footprint_lands_on_an_elevation_model_when_one_is_configured(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import numpy as np
    import rasterio
    from rasterio.transform import Affine

    from tests.conftest import SAMPLE_FLIGHT

    # Flat ground at sea level around Fort A.P. Hill: what the aircraft itself assumed.
    dem = tmp_path / "aphill_dem.tif"
    with rasterio.open(
        dem,
        "w",
        driver="GTiff",
        width=40,
        height=40,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=Affine(0.005, 0.0, -77.45, 0.0, -0.005, 38.25),
    ) as raster:
        raster.write(np.zeros((40, 40), dtype=np.float32), 1)
    monkeypatch.setenv("DRONE_AI_DEM_PATH", str(dem))
    monkeypatch.setenv("DRONE_AI_EG0104_AZIMUTH", "utm-grid")
    code, out, _ = run(capsys, "klv", "dump", "--footprint", str(SAMPLE_FLIGHT))
    footprint = json.loads(out.splitlines()[0])["footprint"]
    assert code == EXIT_OK
    assert footprint["centre"]["method"] == "pose_dem"
    assert footprint["ground"].startswith("DEM aphill_dem.tif")
    assert footprint["centre"]["offset_from_reported_m"] < 3.4


def test_serve_answers_over_grpc_serves_metrics_and_stops_cleanly_on_sigterm(
    tmp_path: Path,
) -> None:
    config = tmp_path / "tower.toml"
    config.write_text('metrics_listen = "127.0.0.1:0"\ndetect_workers = 1\n')
    env = {**os.environ, "DRONE_AI_TOKEN": "never-to-be-logged"}
    script = shutil.which("drone-ai", path=str(Path(sys.executable).parent))
    assert script is not None
    server = subprocess.Popen(
        [script, "serve", "--listen", "127.0.0.1:0", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        metrics_line = server.stdout.readline()
        assert metrics_line.startswith("drone-ai: metrics on http://127.0.0.1:"), metrics_line
        metrics_url = metrics_line.split(" on ", 1)[1].strip()
        first = server.stdout.readline()
        assert first.startswith("drone-ai: serving on 127.0.0.1:"), first
        port = int(first.rsplit(":", 1)[1])
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.TowerStub(channel)
            listed = stub.ListFlights(pb.ListFlightsRequest(), timeout=10)
            with pytest.raises(grpc.RpcError) as unknown:
                stub.StartFlight(
                    pb.StartFlightRequest(flight_id="f1", video_uri="/nonexistent.ts"),
                    timeout=10,
                )
        assert list(listed.flights) == []
        assert unknown.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        with urllib.request.urlopen(metrics_url, timeout=10) as response:
            scraped = response.read().decode()
        assert "drone_ai_subscribers 0.0" in scraped
        assert "drone_ai_frame_to_subscriber_seconds_count 0.0" in scraped
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, err
    assert "drone-ai: stopped" in out
    assert "never-to-be-logged" not in err


def test_serve_refuses_a_plaintext_remote_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--listen", "0.0.0.0:50051"]) == 2
    assert "plaintext expected on a loopback address only" in capsys.readouterr().err


def test_serve_says_why_when_its_detector_cannot_be_built(tmp_path: Path) -> None:
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"not a model")
    env = {
        **os.environ,
        "DRONE_AI_DETECTOR": "onnx",
        "DRONE_AI_DETECTOR_MODEL_PATH": str(model),
        "DRONE_AI_DETECT_WORKERS": "1",
        "DRONE_AI_METRICS_LISTEN": "",
    }
    script = shutil.which("drone-ai", path=str(Path(sys.executable).parent))
    assert script is not None
    done = subprocess.run(
        [script, "serve", "--listen", "127.0.0.1:0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "the detection workers did not start" in done.stderr
    assert "a loadable ONNX model expected" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_refuses_plaintext_metrics_beyond_this_host(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRONE_AI_METRICS_LISTEN", "0.0.0.0:9464")
    assert main(["serve", "--listen", "127.0.0.1:0"]) == 2
    assert "DRONE_AI_METRICS_LISTEN: plaintext expected" in capsys.readouterr().err
