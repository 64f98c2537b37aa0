"""The simulator's ground truth read back from the JSON lines it writes beside a flight
(`FLIGHT.ts.truth.jsonl`: one line per frame with the frame's UTC time in microseconds and the
ground point of every target in view, WGS-84 degrees), and how far a reported position is from
it: the distance to the nearest true target in the truth frame nearest the report's time.

This is how the tower is judged against the simulator (the demo's summary, the end-to-end
tests); the tower itself never sees the truth.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from domain.footprint import horizontal_distance_m
from drone_ai.errors import SourceError

TRUTH_SUFFIX = ".truth.jsonl"  # what write_mpegts appends to the video's file name


@dataclass(frozen=True, slots=True)
class TruePosition:
    target_id: int
    kind: str
    lat_deg: float
    lon_deg: float


class FlightTruth:
    """Per frame time (UTC us), the targets in view."""

    def __init__(self, frames: Mapping[int, Sequence[TruePosition]]) -> None:
        if not frames:
            raise SourceError("ground truth: at least one frame expected, got none")
        self._times_us = sorted(frames)
        self._frames = {t_us: tuple(frames[t_us]) for t_us in self._times_us}

    @classmethod
    def beside(cls, video: Path) -> FlightTruth:
        """The truth the simulator wrote next to the MPEG-TS file `video`."""
        return cls.read(video.with_name(video.name + TRUTH_SUFFIX))

    @classmethod
    def read(cls, path: Path) -> FlightTruth:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise SourceError(f"{path}: a readable ground truth file expected: {exc}") from exc
        frames: dict[int, list[TruePosition]] = {}
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
                frames[int(record["t_us"])] = [
                    TruePosition(
                        int(target["target_id"]),
                        str(target["kind"]),
                        float(target["lat_deg"]),
                        float(target["lon_deg"]),
                    )
                    for target in record["targets"]
                ]
            except (ValueError, KeyError, TypeError) as exc:
                raise SourceError(
                    f"{path}:{number}: a frame with t_us and targets (target_id, kind, "
                    f"lat_deg, lon_deg) expected, got {line[:80]!r}"
                ) from exc
        return cls(frames)

    @property
    def frame_count(self) -> int:
        return len(self._times_us)

    def nearest_frame_us(self, t_us: int) -> int:
        """The time of the truth frame nearest `t_us` (the earlier one on a tie)."""
        i = bisect.bisect_left(self._times_us, t_us)
        candidates = self._times_us[max(0, i - 1) : i + 1]
        return min(candidates, key=lambda candidate: abs(candidate - t_us))

    def in_view(self, t_us: int) -> tuple[TruePosition, ...]:
        """The targets in view in the truth frame nearest `t_us`."""
        return self._frames[self.nearest_frame_us(t_us)]

    def error_m(self, t_us: int, lat_deg: float, lon_deg: float) -> float | None:
        """How far (horizontally) a position reported for the frame at `t_us` is from the
        nearest target in view then; None when no target was in view."""
        targets = self.in_view(t_us)
        if not targets:
            return None
        return min(horizontal_distance_m(lat_deg, lon_deg, t.lat_deg, t.lon_deg) for t in targets)

    def paths(self) -> dict[int, list[TruePosition]]:
        """Each target's positions over the frames it was in view, in time order."""
        paths: dict[int, list[TruePosition]] = {}
        for t_us in self._times_us:
            for target in self._frames[t_us]:
                paths.setdefault(target.target_id, []).append(target)
        return paths
