"""The simulator's ground truth read back from its JSON lines, and a reported position judged
by the nearest target in view at the nearest truth frame."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drone_ai.adapters.simulator.truth import TRUTH_SUFFIX, FlightTruth
from drone_ai.errors import SourceError

# About 1.11 m of latitude per 1e-5 degree; 0.87 m of longitude at 38.16 degrees north.
CAR = {"target_id": 1, "kind": "vehicle", "lat_deg": 38.16, "lon_deg": -77.35, "hae_m": 20.0}
WALKER = {"target_id": 2, "kind": "person", "lat_deg": 38.1601, "lon_deg": -77.35, "hae_m": 20.0}


def write(path: Path, frames: list[tuple[int, list[dict[str, object]]]]) -> Path:
    path.write_text(
        "".join(
            json.dumps({"index": i, "t_us": t, "targets": targets}) + "\n"
            for i, (t, targets) in enumerate(frames)
        )
    )
    return path


@pytest.fixture
def truth(tmp_path: Path) -> FlightTruth:
    video = tmp_path / "flight.ts"
    write(tmp_path / ("flight.ts" + TRUTH_SUFFIX), [(1_000_000, [CAR, WALKER]), (1_033_333, [])])
    return FlightTruth.beside(video)


@pytest.mark.parametrize(
    ("t_us", "nearest_us"),
    [(0, 1_000_000), (1_016_666, 1_000_000), (1_016_667, 1_033_333), (9_000_000, 1_033_333)],
    ids=["before the first", "just nearer the first", "just nearer the second", "after the last"],
)
def test_a_time_is_matched_to_the_nearest_truth_frame(
    truth: FlightTruth, t_us: int, nearest_us: int
) -> None:
    assert truth.nearest_frame_us(t_us) == nearest_us


def test_a_position_is_judged_by_the_nearest_target_in_view(truth: FlightTruth) -> None:
    assert truth.frame_count == 2
    assert truth.error_m(1_000_100, 38.16, -77.35) == pytest.approx(0.0, abs=1e-6)
    near_walker = truth.error_m(1_000_100, 38.16009, -77.35)
    assert near_walker == pytest.approx(1.11, abs=0.01)
    assert truth.error_m(1_000_100, 38.16, -77.34999) == pytest.approx(0.877, abs=0.01)


def test_a_frame_with_no_target_in_view_judges_nothing(truth: FlightTruth) -> None:
    assert truth.error_m(1_033_000, 38.16, -77.35) is None


def test_each_target_has_its_path_over_the_frames_it_was_in_view(tmp_path: Path) -> None:
    moved = {**CAR, "lon_deg": -77.3499}
    truth = FlightTruth.read(write(tmp_path / "t.jsonl", [(1, [CAR, WALKER]), (2, [moved])]))
    paths = truth.paths()
    assert [p.lon_deg for p in paths[1]] == [-77.35, -77.3499]
    assert [p.kind for p in paths[2]] == ["person"]


@pytest.mark.parametrize(
    "line",
    ['{"t_us": 1}', '{"t_us": 1, "targets": [{"kind": "vehicle"}]}', "not json"],
    ids=["no targets", "a target without a position", "not JSON"],
)
def test_a_malformed_line_is_refused_with_its_line_number(tmp_path: Path, line: str) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"t_us": 0, "targets": []}) + "\n" + line + "\n")
    with pytest.raises(SourceError, match=r"t\.jsonl:2: a frame with t_us and targets"):
        FlightTruth.read(path)


def test_a_missing_or_empty_truth_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="a readable ground truth file expected"):
        FlightTruth.read(tmp_path / "absent.jsonl")
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(SourceError, match="at least one frame expected"):
        FlightTruth.read(tmp_path / "empty.jsonl")
