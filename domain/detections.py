"""What a detector found in a frame: a box in the frame's own pixels, a class, a score.

Boxes follow DESIGN.md: x_min, y_min, x_max, y_max in pixels of the original frame, origin at
the top-left corner. A detection's ground point is the bottom centre of its box.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidValueError

Box = tuple[float, float, float, float]  # x_min, y_min, x_max, y_max, pixels


@dataclass(frozen=True, slots=True)
class Detection:
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    class_id: int
    label: str
    score: float

    def __post_init__(self) -> None:
        if not (self.x_min <= self.x_max and self.y_min <= self.y_max):
            raise InvalidValueError(
                "box",
                "x_min <= x_max and y_min <= y_max",
                (self.x_min, self.y_min, self.x_max, self.y_max),
            )
        if not 0.0 <= self.score <= 1.0:
            raise InvalidValueError("score", "a score in [0, 1]", self.score)

    @property
    def box(self) -> Box:
        return (self.x_min, self.y_min, self.x_max, self.y_max)

    @property
    def ground_point_px(self) -> tuple[float, float]:
        """Where the object meets the ground: the bottom centre of the box."""
        return (self.x_min + self.x_max) / 2.0, self.y_max


@dataclass(frozen=True, slots=True)
class FrameDetections:
    """What was found in one frame of a flight: `frame_seq` counts the flight's submitted
    frames from 0, `t_us` is the frame's time as the flight gave it. `camera_motion`, when the
    detector measures it, is the homography taking the pixels of the flight's previous
    processed frame to this one's, row-major (9 values)."""

    frame_seq: int
    t_us: int
    detections: tuple[Detection, ...]
    camera_motion: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.camera_motion is not None and len(self.camera_motion) != 9:
            raise InvalidValueError(
                "camera_motion", "a 3 x 3 homography as 9 values", self.camera_motion
            )
