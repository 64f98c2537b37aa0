"""A video frame as the tower handles it: the decoded image and when it was taken.

`t_us` is UTC microseconds: from the sender's capture-time header when it gave one, else from
the arrival time, else from the PTS aligned to the telemetry clock; `clock` says which.
Images are 8-bit BGR arrays, height x width x 3, pixels as DESIGN.md defines them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


class FrameClock(enum.Enum):
    CAPTURE_HEADER = "capture_header"  # the sender said when it took the frame
    ARRIVAL = "arrival"  # when the frame reached us
    PTS = "pts"  # the stream's presentation time, aligned to telemetry time
    PTS_UNALIGNED = "pts_unaligned"  # t_us is the PTS in us: no telemetry to align it yet


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    index: int
    t_us: int
    clock: FrameClock
    image: NDArray[np.uint8]
    pts_90khz: int | None = None

    @property
    def width_px(self) -> int:
        return int(self.image.shape[1])

    @property
    def height_px(self) -> int:
        return int(self.image.shape[0])
