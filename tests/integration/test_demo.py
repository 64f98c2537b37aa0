"""`drone-ai demo` run as a user would (in-process through `main`, a short flight): the tower
on 127.0.0.1, a simulated flight started and followed over gRPC, a summary judged against the
simulator's truth, and a PNG map of the tracks."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from drone_ai.entrypoints.cli import EXIT_OK, EXIT_UNREADABLE, main
from drone_ai.entrypoints.track_map import HEIGHT_PX, WIDTH_PX, track_colour

DURATION_S = 4


def _figure(out: str, name: str) -> str:
    found = re.search(rf"^  {name} +(.+)$", out, re.MULTILINE)
    assert found is not None, f"no {name!r} line in:\n{out}"
    return found.group(1)


def test_the_demo_follows_a_flight_over_grpc_judges_it_and_maps_its_tracks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    map_path = tmp_path / "map.png"
    code = main(["demo", "--map", str(map_path), "--duration-s", str(DURATION_S)])
    out = capsys.readouterr().out
    assert code == EXIT_OK, out
    assert re.search(r"^Tower serving gRPC on 127\.0\.0\.1:\d+$", out, re.MULTILINE)
    seconds = re.findall(r"^  t= +(\d+) s +(\d+) frames", out, re.MULTILINE)
    assert [int(s) for s, _ in seconds] == list(range(DURATION_S))
    assert "Flight stopped: the inputs ended" in out
    assert "Telemetry with typical errors (GNSS 2 m" in out

    counted = re.fullmatch(r"(\d+) of the (\d+) flown", _figure(out, "frames"))
    assert counted is not None
    frames, flown = int(counted[1]), int(counted[2])
    detections = int(_figure(out, "detections"))
    placed = int(_figure(out, "georeferenced detections"))
    tracks = int(_figure(out, "tracks"))
    assert flown == DURATION_S * 30
    assert frames == flown  # played in at its pace, every frame processed
    assert sum(int(n) for _, n in seconds) == frames
    assert 0 < placed <= detections
    assert tracks > 0
    error = re.fullmatch(
        r"median ([\d.]+) m, 95th percentile ([\d.]+) m \(over (\d+) detections .*\)",
        _figure(out, "position error"),
    )
    assert error is not None
    median_m, p95_m, judged = float(error[1]), float(error[2]), int(error[3])
    # Typical telemetry errors (2 m GNSS, 0.28 deg pointing at ~800 m slant): some metres.
    assert 1.0 < median_m < 15.0
    assert median_m <= p95_m < 40.0
    assert 0 < judged <= placed
    within = re.fullmatch(r"(\d+) % .*", _figure(out, "within reported 1 sigma"))
    # Honest, over a few seconds of wandering errors: neither almost none nor all.
    assert within is not None and 20 <= int(within[1]) <= 95

    assert f"Map of the tracks: {map_path}" in out
    image = cv2.imread(str(map_path))
    assert image is not None
    assert image.shape == (HEIGHT_PX, WIDTH_PX, 3)
    # A track named in the live lines is drawn in its colour.
    track_ids = {int(t) for t in re.findall(r" #(\d+) at ", out)}
    assert track_ids
    for track_id in track_ids:
        drawn = np.all(image == np.array(track_colour(track_id), dtype=np.uint8), axis=-1)
        assert drawn.sum() > 20, f"track {track_id} is not on the map"


@pytest.mark.parametrize(
    "name", ["map.jpg", "no-such-folder/map.png"], ids=["not a png", "no such folder"]
)
def test_a_map_that_cannot_be_written_is_refused_before_anything_flies(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    code = main(["demo", "--map", str(tmp_path / name)])
    captured = capsys.readouterr()
    assert code == EXIT_UNREADABLE
    assert captured.out == ""
    assert "--map" in captured.err and name in captured.err


@pytest.mark.parametrize("seconds", ["0", "nan", "61", "soon"])
def test_a_flight_length_out_of_range_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], seconds: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--duration-s", seconds])
    assert exited.value.code == EXIT_UNREADABLE
    assert "seconds of flight from 1 to 60 expected" in capsys.readouterr().err
